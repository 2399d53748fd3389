package db

// Tests of sets that the scripts cannot show: random replies, hashtable
// order, propagation, the API the RDB code uses.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/internal/intset"
)

// fillSet creates set key with members prefix0..prefix<n-1>; an empty
// prefix makes an intset.
func fillSet(r *localRunner, key, prefix string, n int) []string {
	args := []string{"SADD", key}
	for i := range n {
		args = append(args, prefix+strconv.Itoa(i))
	}
	doLines(r, args...)
	return args[2:]
}

func members(t *testing.T, r *localRunner, key string) []string {
	t.Helper()
	m := bulks(t, doLines(r, "SMEMBERS", key))
	sort.Strings(m)
	return m
}

func TestSetEncodingThresholds(t *testing.T) {
	r := newLocalRunner(t)
	fillSet(r, "s", "", 512)
	assert.Equal(t, []string{`"intset"`}, doLines(r, "OBJECT", "ENCODING", "s"))
	doLines(r, "SADD", "s", "512")
	assert.Equal(t, []string{`"hashtable"`}, doLines(r, "OBJECT", "ENCODING", "s"))
	assert.Equal(t, []string{":513"}, doLines(r, "SCARD", "s"))
	for i := range 513 {
		require.Equal(t, []string{":1"}, doLines(r, "SISMEMBER", "s", strconv.Itoa(i)))
	}
	// An intset's members are listed in order, through any conversion.
	doLines(r, "SADD", "i", "5", "-3", "100000", "1")
	assert.Equal(t, []string{"*4", `  "-3"`, `  "1"`, `  "5"`, `  "100000"`}, doLines(r, "SMEMBERS", "i"))
}

func TestSetTable(t *testing.T) {
	r := newLocalRunner(t)
	want := fillSet(r, "s", "m", 1000)
	sort.Strings(want)
	assert.Equal(t, want, members(t, r, "s"))

	seen := map[string]int{}
	cursor := "0"
	for range 10000 {
		out := doLines(r, "SSCAN", "s", cursor, "COUNT", "7")
		cursor = scanCursor(t, out)
		for _, m := range bulks(t, out[2:]) {
			seen[m]++
		}
		if cursor == "0" {
			break
		}
	}
	require.Len(t, seen, 1000)
	for m, n := range seen {
		require.Equal(t, 1, n, m)
	}

	// Set algebra on hashtables, checked against maps.
	fillSet(r, "t", "m", 500)
	doLines(r, "SADD", "t", "x", "y")
	inter := bulks(t, doLines(r, "SINTER", "s", "t"))
	assert.Len(t, inter, 500)
	assert.Equal(t, []string{":500"}, doLines(r, "SINTERCARD", "2", "s", "t"))
	assert.Equal(t, []string{":100"}, doLines(r, "SINTERCARD", "2", "s", "t", "LIMIT", "100"))
	assert.Len(t, bulks(t, doLines(r, "SUNION", "s", "t")), 1002)
	diff := bulks(t, doLines(r, "SDIFF", "s", "t"))
	assert.Len(t, diff, 500)
	for _, m := range diff {
		n, err := strconv.Atoi(m[1:])
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, 500)
	}
	assert.Equal(t, []string{"*2", `  "x"`, `  "y"`}, sortedReply(doLines(r, "SDIFF", "t", "s")))
	assert.Equal(t, []string{":2"}, doLines(r, "SDIFFSTORE", "d", "t", "s"))

	for _, m := range want {
		require.Equal(t, []string{":1"}, doLines(r, "SREM", "s", m))
	}
	assert.Equal(t, []string{":0"}, doLines(r, "EXISTS", "s"))
}

// sortedReply sorts the elements of a flat array reply.
func sortedReply(lines []string) []string {
	out := append([]string{lines[0]}, lines[1:]...)
	sort.Strings(out[1:])
	return out
}

// TestSpop checks each of SPOP's cases on both encodings: the popped
// members were members, are distinct, and are gone; the others stay.
func TestSpop(t *testing.T) {
	for _, prefix := range []string{"", "m"} {
		for _, count := range []int{1, 2, 10, 80, 90, 99, 100, 150} {
			r := newLocalRunner(t)
			all := fillSet(r, "s", prefix, 100)
			popped := bulks(t, doLines(r, "SPOP", "s", strconv.Itoa(count)))
			require.Len(t, popped, min(count, 100))
			gone := map[string]bool{}
			for _, m := range popped {
				require.False(t, gone[m], "%s popped twice", m)
				gone[m] = true
			}
			for _, m := range all {
				want := ":1"
				if gone[m] {
					want = ":0"
				}
				require.Equal(t, []string{want}, doLines(r, "SISMEMBER", "s", m), m)
			}
			if count >= 100 {
				assert.Equal(t, []string{":0"}, doLines(r, "EXISTS", "s"))
			} else {
				assert.Equal(t, []string{":" + strconv.Itoa(100-count)}, doLines(r, "SCARD", "s"))
			}
		}
	}

	r := newLocalRunner(t)
	fillSet(r, "s", "m", 3)
	for range 3 {
		out := doLines(r, "SPOP", "s")
		require.True(t, strings.HasPrefix(out[0], `"m`), out)
	}
	assert.Equal(t, []string{":0"}, doLines(r, "EXISTS", "s"))

	// Popping most of a hashtable of integers builds the rest anew: an
	// intset (Redis's CASE 3). Popping a few keeps the hashtable.
	doLines(r, "SADD", "p", "a")
	fillSet(r, "p", "", 20)
	doLines(r, "SREM", "p", "a")
	doLines(r, "SPOP", "p", "3")
	assert.Equal(t, []string{`"hashtable"`}, doLines(r, "OBJECT", "ENCODING", "p"))
	doLines(r, "SPOP", "p", "15")
	assert.Equal(t, []string{`"intset"`}, doLines(r, "OBJECT", "ENCODING", "p"))
	assert.Equal(t, []string{":2"}, doLines(r, "SCARD", "p"))
}

// TestSpopPropagation checks SPOP's effect as Redis 7.0.15 propagates it
// (seen in its AOF): one SREM per member, several in MULTI/EXEC, DEL for a
// whole set.
func TestSpopPropagation(t *testing.T) {
	r := newLocalRunner(t)
	got := recordPropagation(r)
	doLines(r, "SADD", "s", "a")
	doLines(r, "SPOP", "s")
	assert.Equal(t, []string{"0 SADD s a", "0 SREM s a"}, *got)

	*got = nil
	fillSet(r, "s", "", 10)
	out := bulks(t, doLines(r, "SPOP", "s", "3"))
	want := []string{"0 SADD s 0 1 2 3 4 5 6 7 8 9", "0 MULTI"}
	for _, m := range out {
		want = append(want, "0 SREM s "+m)
	}
	want = append(want, "0 EXEC")
	assert.Equal(t, want, *got)

	*got = nil
	out = bulks(t, doLines(r, "SPOP", "s", "6")) // CASE 3
	want = []string{"0 MULTI"}
	for _, m := range out {
		want = append(want, "0 SREM s "+m)
	}
	want = append(want, "0 EXEC")
	assert.Equal(t, want, *got)

	doLines(r, "SADD", "s", "x", "y")
	*got = nil
	out = bulks(t, doLines(r, "SPOP", "s", "1"))
	assert.Equal(t, []string{"0 SREM s " + out[0]}, *got)
	doLines(r, "DEL", "s")

	*got = nil
	doLines(r, "SADD", "s", "x")
	doLines(r, "SPOP", "s", "5")
	doLines(r, "SPOP", "s", "5")
	doLines(r, "SPOP", "s", "0")
	assert.Equal(t, []string{"0 SADD s x", "0 DEL s"}, *got)

	// In a transaction the SREMs join the transaction's MULTI/EXEC.
	*got = nil
	doLines(r, "SELECT", "2")
	fillSet(r, "s", "m", 5)
	doLines(r, "MULTI")
	doLines(r, "SPOP", "s", "2")
	doLines(r, "SET", "k", "v")
	res := doLines(r, "EXEC")
	require.Equal(t, "*2", res[0])
	p1, _ := strconv.Unquote(strings.TrimSpace(res[2]))
	p2, _ := strconv.Unquote(strings.TrimSpace(res[3]))
	assert.Equal(t, []string{"2 SADD s m0 m1 m2 m3 m4", "2 MULTI", "2 SREM s " + p1, "2 SREM s " + p2, "2 SET k v", "2 EXEC"}, *got)
}

func TestSetPropagation(t *testing.T) {
	tests := []struct {
		name string
		cmds []string
		want []string
	}{
		{"sadd nothing", []string{"sadd s a", "sadd s a"}, []string{"0 sadd s a"}},
		{"srem nothing", []string{"srem s a"}, nil},
		{"smove", []string{"sadd s a", "smove s d a"}, []string{"0 sadd s a", "0 smove s d a"}},
		{"smove nothing", []string{"sadd s a", "smove s d b", "smove s s a"}, []string{"0 sadd s a"}},
		{"sinterstore empty", []string{"sinterstore d s t"}, nil},
		{"sinterstore deletes", []string{"set d x", "sinterstore d s t"}, []string{"0 set d x", "0 sinterstore d s t"}},
		{"sunionstore", []string{"sadd s a", "sunionstore d s"}, []string{"0 sadd s a", "0 sunionstore d s"}},
		{"sdiffstore empty", []string{"sadd s a", "sdiffstore d s s"}, []string{"0 sadd s a"}},
		{"spop nothing", []string{"spop s", "spop s 3"}, nil},
		{"srandmember", []string{"sadd s a", "srandmember s"}, []string{"0 sadd s a"}},
	}
	for _, tc := range tests {
		r := newLocalRunner(t)
		got := recordPropagation(r)
		for _, cmd := range tc.cmds {
			r.do("", splitArgs(t, cmd))
		}
		assert.Equal(t, tc.want, *got, tc.name)
	}
}

func TestSetDirty(t *testing.T) {
	r := newLocalRunner(t)
	for _, tc := range []struct {
		cmd   string
		dirty int64
	}{
		{"sadd s a b c d e f", 6},
		{"sadd s a x", 1},
		{"srem s a b nomember", 2},
		{"smove s d c", 2},
		{"sadd d x", 1},
		{"smove s d x", 1},
		{"sadd d e", 1},
		{"smove s d e", 1},
		{"spop s 2", 2},
		{"spop s 0", 0},
		{"spop d", 1},
		{"sinterstore t d", 1},
		{"sunionstore t nokey", 1},
		{"sunionstore t nokey", 0},
		{"sdiffstore t d", 1},
		{"spop d 10", 2},
	} {
		before := r.srv.Dirty
		r.do("", splitArgs(t, tc.cmd))
		assert.Equal(t, tc.dirty, r.srv.Dirty-before, tc.cmd)
	}
}

// TestSrandmember checks the rules of each of SRANDMEMBER's cases on both
// encodings, and that every member is about equally likely.
func TestSrandmember(t *testing.T) {
	for _, size := range []int{10, 50, 600} {
		for _, prefix := range []string{"", "m"} {
			r := newLocalRunner(t)
			fillSet(r, "s", prefix, size)
			for _, count := range []int{1, 2, size / 4, size/3 + 1, size - 1, size, size + 5} {
				out := bulks(t, doLines(r, "SRANDMEMBER", "s", strconv.Itoa(count)))
				require.Len(t, out, min(count, size))
				seen := map[string]bool{}
				for _, m := range out {
					require.False(t, seen[m], "%s twice", m)
					seen[m] = true
					n, err := strconv.Atoi(strings.TrimPrefix(m, prefix))
					require.NoError(t, err)
					require.Less(t, n, size)
				}
				require.Len(t, bulks(t, doLines(r, "SRANDMEMBER", "s", strconv.Itoa(-count))), count)
			}
			if size > 50 {
				continue
			}
			enc := "intset"
			if prefix != "" {
				enc = "hashtable"
			}
			for _, count := range []int{-1000, 1, 2, size / 2, size - 1} {
				counts := map[string]int{}
				draws := 0
				for draws < 1000*size {
					var out []string
					if count == 1 {
						m, err := strconv.Unquote(doLines(r, "SRANDMEMBER", "s")[0])
						require.NoError(t, err)
						out = []string{m}
					} else {
						out = bulks(t, doLines(r, "SRANDMEMBER", "s", strconv.Itoa(count)))
					}
					for _, m := range out {
						counts[m]++
						draws++
					}
				}
				checkUniform(t, counts, size, draws, enc == "hashtable" && size > 15,
					fmt.Sprintf("%s of %d, count %d", enc, size, count))
			}
		}
	}
}

// TestSpopDistribution checks that SPOP takes every member about equally
// often.
func TestSpopDistribution(t *testing.T) {
	for _, prefix := range []string{"", "m"} {
		r := newLocalRunner(t)
		counts := map[string]int{}
		draws := 0
		for draws < 10000 {
			fillSet(r, "s", prefix, 10)
			for _, m := range bulks(t, doLines(r, "SPOP", "s", "3")) {
				counts[m]++
				draws++
			}
			doLines(r, "DEL", "s")
		}
		checkUniform(t, counts, 10, draws, false, "spop "+prefix)
	}
}

// TestSetAPI checks what the RDB loader and writer use.
func TestSetAPI(t *testing.T) {
	r := newLocalRunner(t)
	is := intset.New()
	is.Add(3)
	is.Add(1)
	s := NewSetFromIntset(is)
	assert.Equal(t, "intset", s.Encoding())
	assert.Same(t, is, s.Intset())
	assert.True(t, s.Add(r.srv.Builder(), []byte("2")))
	assert.False(t, s.Add(r.srv.Builder(), []byte("2")))
	var got []string
	s.Each(func(m []byte) bool { got = append(got, string(m)); return true })
	assert.Equal(t, []string{"1", "2", "3"}, got)

	cp := s.Clone().(*Set)
	s.Add(r.srv.Builder(), []byte("x"))
	assert.Equal(t, "hashtable", s.Encoding())
	assert.Nil(t, s.Intset())
	assert.Equal(t, 4, s.Len())
	assert.Equal(t, "intset", cp.Encoding())
	assert.Equal(t, 3, cp.Len())

	cp2 := s.Clone().(*Set)
	s.remove([]byte("x"))
	assert.True(t, cp2.contains([]byte("x")))
	assert.False(t, s.contains([]byte("x")))

	ht := NewSetTable(r.srv.COW, 10)
	assert.Equal(t, "hashtable", ht.Encoding())
	ht.Add(r.srv.Builder(), []byte("1"))
	assert.Equal(t, "hashtable", ht.Encoding())
	got = nil
	ht.Each(func(m []byte) bool { got = append(got, string(m)); return true })
	assert.Equal(t, []string{"1"}, got)
}

func TestSetMemoryUsage(t *testing.T) {
	r := newLocalRunner(t)
	fillSet(r, "s", "m", 1000)
	out := doLines(r, "MEMORY", "USAGE", "s")
	n, err := strconv.Atoi(strings.TrimPrefix(out[0], ":"))
	require.NoError(t, err)
	// What Redis 7.0.15 says for this set.
	assert.InDelta(t, 40296, n, 40296*0.05)
}

func BenchmarkSadd(b *testing.B) { benchCommand(b, nil, "sadd myset element:1") }
func BenchmarkSaddTable(b *testing.B) {
	var setup []string
	for i := range 1000 {
		setup = append(setup, fmt.Sprintf("sadd myset element:%d", i))
	}
	benchCommand(b, setup, "sadd myset element:500")
}

// BenchmarkSpop pops from a large set, refilled when empty.
func BenchmarkSpop(b *testing.B) {
	r := newLocalRunner(&testing.T{})
	c := r.client("")
	fill := func() {
		for i := range 1000 {
			r.srv.ProcessInput(c, encodeCommand(splitArgs(nil, fmt.Sprintf("sadd myset element:%d", i))))
		}
		c.Buf = c.Buf[:0]
	}
	in := encodeCommand(splitArgs(nil, "spop myset"))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n%1000 == 0 {
			b.StopTimer()
			fill()
			b.StartTimer()
		}
		r.srv.ProcessInput(c, in)
		c.Buf = c.Buf[:0]
		n++
	}
}
