package db

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/resp"
)

// checkQuicklist verifies q's invariants and that it holds want.
func checkQuicklist(t *testing.T, q *Quicklist, want [][]byte) {
	t.Helper()
	total := 0
	for i := 0; i < q.NodeCount(); i++ {
		lp := q.Node(i)
		require.NotZero(t, lp.Len(), "node %d is empty", i)
		_, err := ListpackFromBytes(bytes.Clone(lp.Bytes()))
		require.NoError(t, err, "node %d", i)
		total += lp.Len()
	}
	require.Equal(t, q.Len(), total, "count")
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
		it := q.iterAt(len(want)-1, false)
		for j := len(want) - 1; j >= 0; j-- {
			s, n, isInt, ok := it.next()
			require.True(t, ok)
			require.True(t, entryEqual(s, n, isInt, want[j]), "reverse element %d", j)
		}
		_, _, _, ok := it.next()
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

// TestQuicklistModel runs random operations against a plain slice.
func TestQuicklistModel(t *testing.T) {
	for _, fill := range []int{-2, -1, 1, 3, 128} {
		t.Run(strconv.Itoa(fill), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(fill+10), 1))
			q := NewQuicklist(fill, 0, nil)
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
			cp := q.Clone().(*Quicklist)
			checkQuicklist(t, cp, model)
		})
	}
}

// TestQuicklistCOW checks that a list shared with a snapshot never changes
// under it: writes go to a copy, node by node.
func TestQuicklistCOW(t *testing.T) {
	r := newBlockingRunner(t)
	for i := 0; i < 5000; i++ {
		r.do("a", fmt.Sprintf("RPUSH l %d-%s", i, strings.Repeat("x", i%50)))
	}
	frozen := r.srv.DBs[0].Peek([]byte("l")).(*Quicklist)
	var before [][]byte
	frozen.Each(func(s []byte, n int64, isInt bool) bool {
		before = append(before, bytes.Clone(s))
		return true
	})
	nodesBefore := make([][]byte, frozen.NodeCount())
	for i := range nodesBefore {
		nodesBefore[i] = bytes.Clone(frozen.Node(i).Bytes())
	}
	sn := r.srv.Snapshot()
	defer sn.Release()
	for _, cmd := range []string{"LPUSH l h", "RPUSH l t", "LSET l 2500 mid", "LINSERT l BEFORE 150- ins",
		"LREM l 0 7-xxxxxxx", "LTRIM l 3 -3", "LPOP l 10", "RPOP l", "LMOVE l l LEFT RIGHT"} {
		r.do("a", cmd)
	}
	live := r.srv.DBs[0].Peek([]byte("l")).(*Quicklist)
	require.NotSame(t, frozen, live)
	checkQuicklist(t, frozen, before)
	for i := range nodesBefore {
		require.Equal(t, nodesBefore[i], frozen.Node(i).Bytes(), "node %d", i)
	}
	require.Equal(t, ":4986", r.do("a", "LLEN l"))
	shared := 0
	for i := 0; i < live.NodeCount(); i++ {
		for j := 0; j < frozen.NodeCount(); j++ {
			if live.nodes[i] == frozen.nodes[j] {
				shared++
			}
		}
	}
	require.Greater(t, shared, 0, "untouched nodes stay shared")
}

// redisQuicklistShape runs commands on a real redis-server and returns
// the (size, count) of each node of key, from DEBUG QUICKLIST, which
// prints on the server's standard output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var qlNodeRE = regexp.MustCompile(`\{container : PACKED, encoding: RAW, size: (\d+), count: (\d+)`)

// TestQuicklistShapeMatchesRedis checks that the nodes have the sizes and
// counts real Redis gives them, so that DUMP and RDB bytes match.
func TestQuicklistShapeMatchesRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("no redis-server (make test installs Debian's redis-server and redis-tools)")
	}
	if _, err := exec.LookPath("stdbuf"); err != nil {
		t.Fatal("no stdbuf (make test installs Debian's redis-server and redis-tools)")
	}
	port := freePort(t)
	out := &lockedBuffer{}
	cmd := exec.Command("stdbuf", "-oL", "redis-server", "--port", strconv.Itoa(port), "--save", "",
		"--appendonly", "no", "--enable-debug-command", "yes", "--dir", t.TempDir())
	cmd.Stdout = out
	require.NoError(t, cmd.Start())
	rr := &redisRunner{cmd: cmd, port: port, clients: map[string]*bufio.ReadWriter{}, conns: map[string]net.Conn{}, pushy: map[string]bool{}}
	defer rr.close()
	for i := 0; ; i++ {
		require.Less(t, i, 100, "redis-server did not start")
		if strings.Contains(out.String(), "Ready to accept connections") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	big := strings.Repeat("b", 3000)
	mid := strings.Repeat("m", 100)
	scenarios := map[string][]string{
		"rpush small": repeatCmd("RPUSH k a", 6000),
		"lpush ints":  repeatCmd("LPUSH k 12345", 5000),
		"mixed":       append(repeatCmd("RPUSH k "+mid, 200), repeatCmd("LPUSH k "+big, 7)...),
		"fill 5": append([]string{"CONFIG SET list-max-listpack-size 5"},
			append(repeatCmd("RPUSH k x", 23), "LINSERT k BEFORE x y", "LINSERT k AFTER y z", "LREM k 3 x", "LTRIM k 1 -2")...),
		"fill -1": append([]string{"CONFIG SET list-max-listpack-size -1"}, repeatCmd("RPUSH k "+mid, 100)...),
		"fill -5": append([]string{"CONFIG SET list-max-listpack-size -5"}, repeatCmd("RPUSH k "+mid, 1000)...),
		"insert split": append(append(repeatCmd("RPUSH k "+mid, 160), "RPUSH k pivot"), append(repeatCmd("RPUSH k "+mid, 160),
			"LINSERT k BEFORE pivot "+big, "LINSERT k AFTER pivot "+big, "LINSERT k BEFORE pivot "+big)...),
		"insert merge": append(repeatCmd("RPUSH k "+mid, 400), "LTRIM k 70 -70", "RPUSH k p", "LINSERT k BEFORE p "+mid,
			"LREM k 50 "+mid, "LINSERT k AFTER p "+big, "LPOP k 20", "RPOP k 5", "LSET k 3 "+big),
	}
	for name, cmds := range scenarios {
		t.Run(name, func(t *testing.T) {
			lr := newLocalRunner(t)
			rr.do("", splitArgs(t, "FLUSHALL"))
			rr.do("", splitArgs(t, "CONFIG SET list-max-listpack-size -2"))
			pipeline(rr, cmds)
			for _, c := range cmds {
				lr.do("", splitArgs(t, c))
			}
			mark := len(out.String())
			rr.do("", splitArgs(t, "DEBUG QUICKLIST k 0"))
			var want []string
			for i := 0; i < 100 && len(want) == 0; i++ {
				time.Sleep(10 * time.Millisecond)
				for _, m := range qlNodeRE.FindAllStringSubmatch(out.String()[mark:], -1) {
					want = append(want, m[1]+"/"+m[2])
				}
			}
			q := lr.srv.DBs[0].Peek([]byte("k")).(*Quicklist)
			var got []string
			for i := 0; i < q.NodeCount(); i++ {
				got = append(got, fmt.Sprintf("%d/%d", q.Node(i).Size(), q.Node(i).Len()))
			}
			require.Equal(t, want, got, "nodes as size/count")
			require.Equal(t, rr.do("", splitArgs(t, "LRANGE k 0 -1")), lr.do("", splitArgs(t, "LRANGE k 0 -1")))
		})
	}
}

func repeatCmd(cmd string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = cmd
	}
	return out
}

// pipeline sends commands to the real server in one write, reading the
// replies after.
func pipeline(r *redisRunner, cmds []string) {
	rw := r.conn("")
	for _, c := range cmds {
		rw.Write(encodeCommand(splitArgs(nil, c)))
	}
	rw.Flush()
	for range cmds {
		if _, err := resp.ReadReply(rw.Reader); err != nil {
			panic(err)
		}
	}
}
