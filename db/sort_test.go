package db

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/internal/csort"
	"github.com/redis-go/redis-server/resp"
	"github.com/stretchr/testify/require"
)

// cWeight accepts what sort.c accepts of glibc's strtod, with its value:
// the table is glibc 2.36's verdict (the whole string parsed, no ERANGE,
// not NaN).
func TestSortWeightAsStrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		want float64
	}{
		{"1", true, 0x1p+0},
		{" 1", true, 0x1p+0},
		{"1 ", false, 0x0p+0},
		{"+1", true, 0x1p+0},
		{"-1", true, -0x1p+0},
		{"", true, 0x0p+0},
		{" ", false, 0x0p+0},
		{"+", false, 0x0p+0},
		{"-", false, 0x0p+0},
		{"1.", true, 0x1p+0},
		{".5", true, 0x1p-1},
		{".", false, 0x0p+0},
		{"-.5e1", true, -0x1.4p+2},
		{"1e", false, 0x0p+0},
		{"1e5", true, 0x1.86ap+16},
		{"1e+5", true, 0x1.86ap+16},
		{"1E-5", true, 0x1.4f8b588e368f1p-17},
		{"1e+", false, 0x0p+0},
		{"0x10", true, 0x1p+4},
		{"0X1p3", true, 0x1p+3},
		{"0x", false, 0x0p+0},
		{"0x.8", true, 0x1p-1},
		{"0x1.8p", false, 0x0p+0},
		{"0x1p-1074", true, 0x0.0000000000001p-1022},
		{"0x1p-1075", false, 0x0p+0},
		{"0x1.8p-1074", false, 0x0p+0},
		{"0x1p-1022", true, 0x1p-1022},
		{"0x1.fffffffffffffp-1023", false, 0x0p+0},
		{"inf", true, math.Inf(1)},
		{"-INF", true, math.Inf(-1)},
		{"Infinity", true, math.Inf(1)},
		{"+infinity", true, math.Inf(1)},
		{"infin", false, 0x0p+0},
		{"infinityx", false, 0x0p+0},
		{"nan", false, 0x0p+0},
		{"NaN", false, 0x0p+0},
		{"nan(12)", false, 0x0p+0},
		{"1e308", true, 0x1.1ccf385ebc8ap+1023},
		{"1e309", false, 0x0p+0},
		{"-1e309", false, 0x0p+0},
		{"1e-310", false, 0x0p+0},
		{"2.2250738585072014e-308", true, 0x1p-1022},
		{"2.2250738585072011e-308", false, 0x0p+0},
		{"4.9406564584124654e-324", false, 0x0p+0},
		{"1e-324", false, 0x0p+0},
		{"1e-400", false, 0x0p+0},
		{"0e-400", true, 0x0p+0},
		{"0.000", true, 0x0p+0},
		{"0.000e-99999", true, 0x0p+0},
		{"1_0", false, 0x0p+0},
		{"--1", false, 0x0p+0},
		{"+-1", false, 0x0p+0},
		{"12abc", false, 0x0p+0},
		{"\t12", true, 0x1.8p+3},
		{"\v12", true, 0x1.8p+3},
		{"00012", true, 0x1.8p+3},
		{"1.7976931348623157e308", true, 0x1.fffffffffffffp+1023},
		{"1.7976931348623159e308", false, 0x0p+0},
		{"0x1.fffffffffffffp1023", true, 0x1.fffffffffffffp+1023},
		{"0x1p1024", false, 0x0p+0},
		{"9007199254740993", true, 0x1p+53},
		{"-9223372036854775808", true, -0x1p+63},
		{"18446744073709551616", true, 0x1p+64},
		{"1..2", false, 0x0p+0},
		{"1e5.5", false, 0x0p+0},
		{"0x1g", false, 0x0p+0},
		{"0.1", true, 0x1.999999999999ap-4},
		{"3.14159", true, 0x1.921f9f01b866ep+1},
		// C strings end at the first NUL.
		{"1\x00abc", true, 1},
		{"\x001", true, 0},
		{"\x00", true, 0},
		{" \x00", false, 0},
	} {
		got, ok := cWeight([]byte(tc.in))
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		if ok {
			require.Equal(t, math.Float64bits(tc.want), math.Float64bits(got), "%q: %v", tc.in, got)
		}
	}
}

// sortPatterns are parsed as lookupKeyByPattern reads them.
func TestSortPattern(t *testing.T) {
	for _, tc := range []struct {
		pat                   string
		self, star            bool
		prefix, suffix, field string
		hasField              bool
	}{
		{pat: "#", self: true},
		{pat: "##"},
		{pat: "nosort"},
		{pat: "w_*", star: true, prefix: "w_"},
		{pat: "w_*_x", star: true, prefix: "w_", suffix: "_x"},
		{pat: "o_*->wt", star: true, prefix: "o_", field: "wt", hasField: true},
		{pat: "o_*->", star: true, prefix: "o_", suffix: "->"},
		{pat: "o->*", star: true, prefix: "o->"},
		{pat: "a*b*->c->d", star: true, prefix: "a", suffix: "b*", field: "c->d", hasField: true},
		{pat: "a\x00*", star: false},
		{pat: "a*->\x00f", star: true, prefix: "a", suffix: "->\x00f"},
		{pat: "a*->f\x00g", star: true, prefix: "a", field: "f\x00g", hasField: true},
	} {
		p := parseSortPattern([]byte(tc.pat))
		require.Equal(t, tc.self, p.self, "%q", tc.pat)
		require.Equal(t, tc.star, p.star, "%q", tc.pat)
		if !tc.star {
			continue
		}
		require.Equal(t, tc.prefix, string(p.prefix), "%q", tc.pat)
		require.Equal(t, tc.suffix, string(p.suffix), "%q", tc.pat)
		require.Equal(t, tc.hasField, p.field != nil, "%q", tc.pat)
		require.Equal(t, tc.field, string(p.field), "%q", tc.pat)
	}
}

// pqsort puts the range asked for in order, as a full sort would, for any
// range and any total order; msort is stable.
func TestSortPartialAndStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := rng.IntN(120)
		o := &sortOrder{items: make([]sortItem, n)}
		identity := make([]int, n)
		for i := range o.items {
			at := len(o.elems)
			o.elems = strconv.AppendInt(o.elems, int64(i), 10)
			o.items[i] = sortItem{elemAt: at, elemEnd: len(o.elems), score: float64(rng.IntN(10))}
			identity[i] = i
		}
		want := slices.Clone(identity)
		slices.SortStableFunc(want, o.compareAt)
		got := slices.Clone(identity)
		csort.Merge(got, make([]int, n), o.compareIndexes)
		require.Equal(t, want, got)
		if n == 0 {
			continue
		}
		lo := rng.IntN(n)
		hi := lo + rng.IntN(n-lo)
		got = slices.Clone(identity)
		csort.Partial(got, o.compareIndexes, lo, hi)
		require.Equal(t, want[lo:hi+1], got[lo:hi+1], "n %d range %d-%d", n, lo, hi)
		// The rest is a permutation of the input.
		csort.Merge(got, make([]int, n), o.compareIndexes)
		require.Equal(t, want, got)
	}
}

// ALPHA compares C strings without STORE, all bytes with it; a missing
// BY value comes first.
func TestSortAlphaCompare(t *testing.T) {
	elems := []byte("a\x00ba\x00a")
	a, b := &sortItem{elemAt: 0, elemEnd: 3}, &sortItem{elemAt: 3, elemEnd: 6}
	require.Equal(t, 0, (&sortOrder{alpha: true, elems: elems}).compare(a, b))
	require.Equal(t, 1, (&sortOrder{alpha: true, store: true, elems: elems}).compare(a, b))
	require.Equal(t, -1, (&sortOrder{alpha: true, store: true, desc: true, elems: elems}).compare(a, b))
	missing, found := &sortItem{}, &sortItem{found: true}
	require.Equal(t, -1, (&sortOrder{alpha: true, byPattern: true}).compare(missing, found))
	require.Equal(t, 0, (&sortOrder{alpha: true, byPattern: true}).compare(missing, missing))
}

// sortBenchData is a list of 1000 random integers (bl), the integers
// 1..1000 (il) and a random weight w_<i> for each.
func sortBenchData() []string {
	rng := rand.New(rand.NewPCG(7, 7))
	bl, il, mset := "RPUSH bl", "RPUSH il", "MSET"
	for i := 1; i <= 1000; i++ {
		bl += " " + strconv.Itoa(rng.IntN(1000000))
		il += " " + strconv.Itoa(i)
		mset += " w_" + strconv.Itoa(i) + " " + strconv.Itoa(rng.IntN(1000000))
	}
	return []string{bl, il, mset}
}

func BenchmarkSortList1k(b *testing.B)      { benchCommand(b, sortBenchData(), "SORT bl") }
func BenchmarkSortList1kLimit(b *testing.B) { benchCommand(b, sortBenchData(), "SORT bl LIMIT 0 10") }
func BenchmarkSortList1kAlpha(b *testing.B) { benchCommand(b, sortBenchData(), "SORT bl ALPHA") }
func BenchmarkSortList1kBy(b *testing.B)    { benchCommand(b, sortBenchData(), "SORT il BY w_*") }
func BenchmarkSortList1kByLimit(b *testing.B) {
	benchCommand(b, sortBenchData(), "SORT il BY w_* LIMIT 0 10")
}

// In cluster mode BY with a real pattern and GET are refused, as Redis's
// replies with cluster-enabled yes (a node serving every slot).
func TestSortClusterMode(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("cluster-enabled yes\n"))
	r := &localRunner{srv: NewServer(cfg), clients: map[string]*Client{}}
	for _, tc := range []struct{ cmd, want string }{
		{"RPUSH l 2 1", ":2"},
		{"SORT l BY w_*", "-ERR BY option of SORT denied in Cluster mode."},
		{"SORT l BY nosort", "*2\n  \"2\"\n  \"1\""},
		{"SORT l GET #", "-ERR GET option of SORT denied in Cluster mode."},
		{"SORT l BY nosort GET x", "-ERR GET option of SORT denied in Cluster mode."},
		{"SORT_RO l BY w_*", "-ERR BY option of SORT denied in Cluster mode."},
		{"SORT l LIMIT x 1 BY w_*", "-ERR value is not an integer or out of range"},
		{"SORT l BY w_* LIMIT x 1", "-ERR BY option of SORT denied in Cluster mode."},
	} {
		argv, ok := resp.SplitArgs([]byte(tc.cmd), nil)
		require.True(t, ok)
		require.Equal(t, tc.want, strings.Join(r.do("a", argv), "\n"), tc.cmd)
	}
}
