package quicklist

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/num"
)

// checkQuicklist verifies q's invariants and that it holds want.
func checkQuicklist(t *testing.T, q *Quicklist, want [][]byte) {
	t.Helper()
	total, mem := 0, 0
	for i := 0; i < q.NodeCount(); i++ {
		lp := q.Node(i)
		require.NotZero(t, lp.Len(), "node %d is empty", i)
		_, err := listpack.FromBytes(bytes.Clone(lp.Bytes()))
		require.NoError(t, err, "node %d", i)
		total += lp.Len()
		mem += q.nodes[i].memFromScratch()
	}
	require.Equal(t, q.Len(), total, "count")
	require.Equal(t, mem, q.MemSize(), "MemSize")
	for i, n := range q.nodes {
		d := q.compress
		if n.lzf != nil && (i < d || i >= len(q.nodes)-d) {
			t.Fatalf("node %d of %d is compressed within depth %d", i, len(q.nodes), d)
		}
		if n.plain && n.entries() != 1 {
			t.Fatalf("plain node %d holds %d entries", i, n.entries())
		}
	}
	require.Equal(t, len(want), q.Len())
	i := 0
	q.Each(func(s []byte, n int64, isInt bool) bool {
		got := s
		if isInt {
			got = []byte(strconv.FormatInt(n, 10))
		}
		require.Equal(t, string(want[i]), string(got), "element %d", i)
		i++
		return true
	})
	// Both iteration directions and random access agree.
	if len(want) > 0 {
		it := q.IterAt(len(want)-1, false)
		for j := len(want) - 1; j >= 0; j-- {
			s, n, isInt, ok := it.Next()
			require.True(t, ok)
			require.True(t, entryEqual(s, n, isInt, want[j]), "reverse element %d", j)
		}
		_, _, _, ok := it.Next()
		require.False(t, ok)
		start := rand.IntN(len(want))
		n := rand.IntN(len(want)-start) + 1
		j := start
		q.Range(start, n, false, func(s []byte, v int64, isInt bool) {
			require.True(t, entryEqual(s, v, isInt, want[j]), "range element %d", j)
			j++
		})
		require.Equal(t, start+n, j)
		q.Range(start+n-1, n, true, func(s []byte, v int64, isInt bool) {
			j--
			require.True(t, entryEqual(s, v, isInt, want[j]), "reverse range element %d", j)
		})
		require.Equal(t, start, j)
		for k := 0; k < 5; k++ {
			j := rand.IntN(len(want))
			s, n, isInt, ok := q.Index(j - len(want)*rand.IntN(2))
			require.True(t, ok)
			require.True(t, entryEqual(s, n, isInt, want[j]))
		}
	}
}

// entryEqual reports whether an element equals v, an integer element being
// equal to its canonical decimal form only (as lpCompare).
func entryEqual(s []byte, n int64, isInt bool, v []byte) bool {
	if !isInt {
		return bytes.Equal(s, v)
	}
	x, ok := num.ParseInt(v)
	return ok && x == n
}

func randomElement(r *rand.Rand) []byte {
	switch r.IntN(4) {
	case 0:
		return []byte(strconv.Itoa(r.IntN(1000) - 500))
	case 1:
		return bytes.Repeat([]byte{'a' + byte(r.IntN(3))}, 1+r.IntN(3))
	case 2:
		return bytes.Repeat([]byte("x"), r.IntN(300))
	}
	return []byte(strconv.FormatInt(r.Int64(), 10))
}

// TestQuicklistModel runs random operations against a plain slice, with
// and without compression and plain nodes.
func TestQuicklistModel(t *testing.T) {
	defer SetPackedThreshold(0)
	for _, tc := range []struct{ fill, depth, threshold int }{
		{-2, 0, 0}, {-1, 0, 0}, {1, 0, 0}, {3, 0, 0}, {128, 0, 0},
		{-2, 1, 0}, {3, 2, 0}, {-1, 1, 250}, {5, 2, 100}, {-2, 3, 200},
	} {
		fill := tc.fill
		t.Run(fmt.Sprintf("fill%d_depth%d_threshold%d", fill, tc.depth, tc.threshold), func(t *testing.T) {
			require.True(t, SetPackedThreshold(uint64(tc.threshold)))
			r := rand.New(rand.NewPCG(uint64(fill+10), uint64(tc.depth+tc.threshold)))
			q := New(fill, tc.depth, nil)
			var model [][]byte
			for step := 0; step < 3000; step++ {
				v := randomElement(r)
				switch op := r.IntN(10); {
				case op < 3:
					q.PushTail(v)
					model = append(model, v)
				case op < 5:
					q.PushHead(v)
					model = append([][]byte{v}, model...)
				case op == 5 && len(model) > 0:
					head := r.IntN(2) == 0
					got, ok := q.Pop(head, nil)
					require.True(t, ok)
					if head {
						require.Equal(t, string(model[0]), string(got))
						model = model[1:]
					} else {
						require.Equal(t, string(model[len(model)-1]), string(got))
						model = model[:len(model)-1]
					}
				case op == 6 && len(model) > 0:
					pivot := model[r.IntN(len(model))]
					after := r.IntN(2) == 0
					require.True(t, q.InsertAt(pivot, v, after))
					for i := range model {
						if entryEqual(pivot, 0, false, model[i]) {
							at := i
							if after {
								at++
							}
							model = append(model[:at], append([][]byte{v}, model[at:]...)...)
							break
						}
					}
				case op == 7 && len(model) > 0:
					start, n := r.IntN(len(model)), r.IntN(50)
					q.DeleteRange(start, n)
					model = append(model[:start], model[min(start+n, len(model)):]...)
				case op == 8 && len(model) > 0:
					i := r.IntN(len(model))
					require.True(t, q.Replace(i, v))
					model[i] = v
				case op == 9 && len(model) > 0:
					target := model[r.IntN(len(model))]
					limit := r.IntN(3)
					fromHead := r.IntN(2) == 0
					removed := q.Remove(target, limit, fromHead)
					var kept [][]byte
					n := 0
					if fromHead {
						for _, e := range model {
							if bytes.Equal(e, target) && (limit == 0 || n < limit) {
								n++
								continue
							}
							kept = append(kept, e)
						}
					} else {
						for i := len(model) - 1; i >= 0; i-- {
							if bytes.Equal(model[i], target) && (limit == 0 || n < limit) {
								n++
								continue
							}
							kept = append([][]byte{model[i]}, kept...)
						}
					}
					require.Equal(t, n, removed)
					model = kept
				}
				if step%100 == 0 {
					checkQuicklist(t, q, model)
				}
			}
			checkQuicklist(t, q, model)
			cp := q.Clone()
			checkQuicklist(t, cp, model)
		})
	}
}

// TestQuicklistCOW checks that a list shared with a snapshot never changes
// under it: the owner writes to a ShallowCopy, which copies the nodes it
// changes and keeps sharing the others.
func TestQuicklistCOW(t *testing.T) {
	cow := &dict.COW{}
	q := New(-2, 0, cow)
	var model [][]byte
	for i := 0; i < 5000; i++ {
		v := []byte(strconv.Itoa(i) + "-" + strings.Repeat("x", i%50))
		q.PushTail(v)
		model = append(model, v)
	}
	nodesBefore := make([][]byte, q.NodeCount())
	for i := range nodesBefore {
		nodesBefore[i] = bytes.Clone(q.Node(i).Bytes())
	}
	cow.Epoch++ // a snapshot freezes the list
	cow.Live++
	live := q.ShallowCopy()
	live.PushHead([]byte("h"))
	live.PushTail([]byte("t"))
	require.True(t, live.Replace(2500, []byte("mid")))
	require.True(t, live.InsertAt([]byte("150-"), []byte("ins"), false))
	live.Remove([]byte("7-xxxxxxx"), 0, true)
	live.DeleteRange(0, 3)
	live.DeleteRange(live.Len()-3, 3)
	live.DeleteEnd(true)
	require.Greater(t, cow.Copied, int64(0))

	checkQuicklist(t, q, model)
	for i := range nodesBefore {
		require.Equal(t, nodesBefore[i], q.Node(i).Bytes(), "node %d", i)
	}
	require.Equal(t, 4995, live.Len())
	shared := 0
	for i := 0; i < live.NodeCount(); i++ {
		for j := 0; j < q.NodeCount(); j++ {
			if live.nodes[i] == q.nodes[j] {
				shared++
			}
		}
	}
	require.Greater(t, shared, 0, "untouched nodes stay shared")
	cow.Live--
}

// TestQuicklistCOWCompressed is TestQuicklistCOW with compressed nodes:
// compressing and decompressing a node is a change like any other.
func TestQuicklistCOWCompressed(t *testing.T) {
	cow := &dict.COW{}
	q := New(-1, 1, cow)
	var model [][]byte
	for i := 0; i < 3000; i++ {
		v := []byte(strconv.Itoa(i) + "-" + strings.Repeat("x", i%60))
		q.PushTail(v)
		model = append(model, v)
	}
	type frozen struct {
		lzf, lp []byte
	}
	before := make([]frozen, q.NodeCount())
	for i, n := range q.nodes {
		before[i] = frozen{bytes.Clone(n.lzf), bytes.Clone(n.lp.Bytes())}
	}
	require.True(t, q.Compressed(1))
	cow.Epoch++
	cow.Live++
	live := q.ShallowCopy()
	require.True(t, live.Replace(1500, []byte("mid")))
	require.True(t, live.InsertAt([]byte("150-"+strings.Repeat("x", 30)), []byte("ins"), false))
	live.Remove([]byte("7-xxxxxxx"), 0, true)
	live.DeleteRange(0, 400)
	live.Visit(0, live.NodeCount()-1)
	for i, n := range q.nodes {
		require.Equal(t, before[i].lzf, bytes.Clone(n.lzf), "node %d", i)
		require.Equal(t, before[i].lp, bytes.Clone(n.lp.Bytes()), "node %d", i)
	}
	checkQuicklist(t, q, model)
	cow.Live--
}

// shapeCommand applies one list command of a golden case to q, as
// t_list.c runs it on the quicklist.
func shapeCommand(t *testing.T, q *Quicklist, line string) {
	f := strings.Fields(line)
	arg := func(i int) int {
		n, err := strconv.Atoi(f[i])
		require.NoError(t, err, line)
		return n
	}
	switch f[0] {
	case "RPUSH":
		q.PushTail([]byte(f[2]))
	case "LPUSH":
		q.PushHead([]byte(f[2]))
	case "LINSERT":
		require.True(t, q.InsertAt([]byte(f[3]), []byte(f[4]), f[2] == "AFTER"), line)
	case "LREM":
		n := arg(2)
		q.Remove([]byte(f[3]), max(n, -n), n >= 0)
	case "LSET":
		require.True(t, q.Replace(arg(2), []byte(f[3])), line)
	case "LPOP":
		q.DeleteRange(0, arg(2))
	case "RPOP":
		n := arg(2)
		q.DeleteRange(q.Len()-n, n)
	case "LTRIM": // start and end within the list, as the cases use them
		start, end := arg(2), arg(3)
		if end < 0 {
			end += q.Len()
		}
		rtrim := q.Len() - end - 1
		q.DeleteRange(0, start)
		q.DeleteRange(q.Len()-rtrim, rtrim)
	default:
		t.Fatalf("unknown command %q", line)
	}
}

func repeatLine(line string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

func joinLines(parts ...[]string) []string { return slices.Concat(parts...) }

// shapeGoldens are the nodes of key k, as size/count, that real Redis
// 7.0.15 gives a list after the commands (DEBUG QUICKLIST k 0, with
// list-max-listpack-size set to fill first): the node shapes decide the
// RDB and DUMP bytes of a list.
var (
	shapeBig = strings.Repeat("b", 3000)
	shapeMid = strings.Repeat("m", 100)

	shapeGoldens = []struct {
		name  string
		fill  int
		cmds  []string
		nodes string
	}{
		{"rpush small", -2, repeatLine("RPUSH k a", 6000), "8185/2726 8185/2726 1651/548"},
		{"lpush ints", -2, repeatLine("LPUSH k 12345", 5000), "3655/912 8183/2044 8183/2044"},
		{"mixed", -2, joinLines(repeatLine("RPUSH k "+shapeMid, 200), repeatLine("LPUSH k "+shapeBig, 7)), "3011/1 6015/2 6015/2 6015/2 8144/79 8144/79 4333/42"},
		{"fill 5", 5, joinLines(repeatLine("RPUSH k x", 23),
			[]string{"LINSERT k BEFORE x y", "LINSERT k AFTER y z", "LREM k 3 x", "LTRIM k 1 -2"}), "10/1 13/2 22/5 22/5 22/5 13/2"},
		{"fill 1", 1, joinLines(repeatLine("RPUSH k x", 5), []string{"LINSERT k AFTER x y", "LREM k -2 x"}), "10/1 10/1 10/1 10/1"},
		{"fill -1", -1, repeatLine("RPUSH k "+shapeMid, 100), "4024/39 4024/39 2273/22"},
		{"fill -5", -5, repeatLine("RPUSH k "+shapeMid, 1000), "65515/636 37499/364"},
		{"insert split", -2, joinLines(repeatLine("RPUSH k "+shapeMid, 160), []string{"RPUSH k pivot"}, repeatLine("RPUSH k "+shapeMid, 160),
			[]string{"LINSERT k BEFORE pivot " + shapeBig, "LINSERT k AFTER pivot " + shapeBig, "LINSERT k BEFORE pivot " + shapeBig}), "8144/79 8144/79 6228/5 10942/78 8144/79 419/4"},
		{"insert merge", -2, joinLines(repeatLine("RPUSH k "+shapeMid, 400), []string{"LTRIM k 70 -70", "RPUSH k p",
			"LINSERT k BEFORE p " + shapeMid, "LREM k 50 " + shapeMid, "LINSERT k AFTER p " + shapeBig, "LPOP k 20", "RPOP k 5",
			"LSET k 3 " + shapeBig}), "4762/18 8144/79 8144/79 1346/13"},
	}
)

func TestQuicklistShapeGolden(t *testing.T) {
	for _, tc := range shapeGoldens {
		t.Run(tc.name, func(t *testing.T) {
			q := New(tc.fill, 0, nil)
			for _, line := range tc.cmds {
				shapeCommand(t, q, line)
			}
			var got []string
			for i := 0; i < q.NodeCount(); i++ {
				got = append(got, strconv.Itoa(q.Node(i).Size())+"/"+strconv.Itoa(q.Node(i).Len()))
			}
			require.Equal(t, tc.nodes, strings.Join(got, " "))
		})
	}
}

// memFromScratch is what Redis allocates for node n, computed from its
// data rather than kept.
func (n *qlNode) memFromScratch() int {
	if n.lzf != nil {
		return qlNodeStructSize + jemalloc.Size(qlLZFHeaderSize+len(n.lzf))
	}
	if n.plain {
		return qlNodeStructSize + jemalloc.Size(len(n.data()))
	}
	return qlNodeStructSize + jemalloc.Size(n.lp.Size())
}

// numbered returns n lines of format with 1..n.
func numbered(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i+1)
	}
	return out
}

// nodeShapes describes the nodes as DEBUG QUICKLIST shows them:
// size/count, prefixed with p for a plain node and z for a compressed one.
func nodeShapes(q *Quicklist) string {
	var got []string
	for i, n := range q.nodes {
		pre := ""
		if n.plain {
			pre += "p"
		}
		if q.Compressed(i) {
			pre += "z"
		}
		got = append(got, fmt.Sprintf("%s%d/%d", pre, n.size(), n.entries()))
	}
	return strings.Join(got, " ")
}

var (
	shapePlain  = strings.Repeat("p", 150)
	shapePlain2 = strings.Repeat("q", 120) + "xyz"
	shapeRandom = func() string {
		b := make([]byte, 160)
		for i := range b {
			b[i] = byte(33 + i*7919%90)
		}
		return string(b)
	}()

	// compressGoldens are real Redis 7.0.15's nodes (DEBUG QUICKLIST k 0)
	// with a packed threshold (DEBUG QUICKLIST-PACKED-THRESHOLD, 0: the
	// default) and list-compress-depth: where plain nodes go, and which
	// nodes are compressed, which depends on the order of operations.
	compressGoldens = []struct {
		name             string
		fill, depth, thr int
		cmds             []string
		nodes            string
	}{
		{"plain push", -2, 0, 100, joinLines(numbered("RPUSH k e%d", 10), []string{"RPUSH k " + shapePlain}, numbered("RPUSH k f%d", 5), []string{"LPUSH k " + shapePlain2}, numbered("LPUSH k g%d", 3), repeatLine("RPUSH k "+shapePlain, 2)), "19/3 p123/1 48/10 p150/1 27/5 p150/1 p150/1"},
		{"plain insert", -2, 0, 100, joinLines(numbered("RPUSH k e%d", 20), []string{"LINSERT k AFTER e5 " + shapePlain}, []string{"LINSERT k BEFORE e1 " + shapePlain2}, []string{"LINSERT k AFTER e20 " + shapePlain}, []string{"LINSERT k BEFORE e10 " + shapePlain2}, []string{"LINSERT k AFTER " + shapePlain2 + " x"}, []string{"LINSERT k BEFORE " + shapePlain + " y"}, []string{"LINSERT k AFTER " + shapePlain + " " + shapePlain2}), "p123/1 33/7 p150/1 p123/1 23/4 p123/1 62/11 p150/1"},
		{"plain lset", 5, 0, 100, joinLines(numbered("RPUSH k e%d", 12), []string{"LSET k 7 " + shapePlain}, []string{"LSET k 0 " + shapePlain2}, []string{"LSET k -1 " + shapePlain}, []string{"LSET k 7 small"}, []string{"LSET k 0 " + shapeRandom}, []string{"LSET k 3 " + shapePlain}, []string{"LREM k 0 " + shapePlain}, []string{"LPOP k 2"}), "11/1 11/1 15/2 23/3 12/1"},
		{"depth 1", -2, 1, 0, joinLines(repeatLine("RPUSH k "+shapeMid, 300), repeatLine("LPUSH k "+shapeBig, 5), repeatLine("RPUSH k "+shapeRandom, 100)), "3011/1 z6015/2 z6015/2 z8144/79 z8144/79 z8144/79 z8136/73 z8043/49 6731/41"},
		{"depth 2", -2, 2, 0, joinLines(repeatLine("RPUSH k "+shapeMid, 500), repeatLine("LINSERT k BEFORE "+shapeMid+" "+shapeBig, 3), []string{"LREM k 40 " + shapeMid}, []string{"LTRIM k 10 -20"}, []string{"LPOP k 50"}, []string{"RPOP k 3"}, []string{"LSET k 200 " + shapeBig}), "6290/61 8144/79 z11045/79 z8144/79 8144/79 419/4"},
		{"depth 1 plain", -2, 1, 120, joinLines(repeatLine("RPUSH k "+shapeMid, 100), repeatLine("RPUSH k "+shapePlain, 3), repeatLine("RPUSH k "+shapeRandom, 2), repeatLine("RPUSH k "+shapeMid, 100), []string{"LSET k 101 " + shapeMid}, []string{"LINSERT k AFTER " + shapeRandom + " " + shapePlain2}), "8144/79 z2170/21 pz150/1 z110/1 pz150/1 pz160/1 pz123/1 pz160/1 z8144/79 2170/21"},
		{"depth 1 small nodes", 3, 1, 0, joinLines(numbered("RPUSH k a%d", 12), []string{"LREM k 1 a5"}, []string{"LINSERT k AFTER a4 " + shapeMid}, []string{"LINSERT k BEFORE a8 " + shapeMid}), "19/3 z118/3 z114/2 15/2 22/3"},
		{"depth 2 small nodes", 4, 2, 0, joinLines(repeatLine("RPUSH k "+shapeMid, 30), []string{"RPUSH k z"}, repeatLine("LINSERT k AFTER z "+shapeMid, 2), []string{"LREM k -3 " + shapeMid}, []string{"LTRIM k 2 -3"}), "213/2 419/4 z419/4 z419/4 z419/4 419/4 419/4"},
	}
)

func TestQuicklistCompressGolden(t *testing.T) {
	defer SetPackedThreshold(0)
	for _, tc := range compressGoldens {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, SetPackedThreshold(uint64(tc.thr)))
			q := New(tc.fill, tc.depth, nil)
			var model [][]byte
			for _, line := range tc.cmds {
				shapeCommand(t, q, line)
			}
			require.Equal(t, tc.nodes, nodeShapes(q))
			q.Each(func(s []byte, n int64, isInt bool) bool {
				if isInt {
					s = []byte(strconv.FormatInt(n, 10))
				}
				model = append(model, bytes.Clone(s))
				return true
			})
			checkQuicklist(t, q, model)
			// A load appends the nodes one by one and compresses them as
			// it goes, to the same state.
			loaded := New(tc.fill, tc.depth, nil)
			for i := 0; i < q.NodeCount(); i++ {
				if q.Plain(i) {
					loaded.AppendPlain(q.Node(i).GetBytes(q.Node(i).First()))
				} else {
					loaded.AppendListpack(q.Node(i).Clone())
				}
			}
			checkQuicklist(t, loaded, model)
		})
	}
}
