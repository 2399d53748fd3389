package db

import (
	"bufio"
	"bytes"
	"fmt"
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

// TestListRESP3 checks the replies to a RESP3 client, as Redis 7.0.15 gives
// them (a script cannot hold them: HELLO's reply shows the connection id).
func TestListRESP3(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"LPOP nolist", "_"},
		{"LPOP nolist 1", "_"},
		{"LINDEX nolist 0", "_"},
		{"LPOS nolist a", "_"},
		{"LMOVE nolist d LEFT LEFT", "_"},
		{"RPOPLPUSH nolist d", "_"},
		{"LMPOP 1 nolist LEFT", "_"},
		{"RPUSH l a b", ":2"},
		{"LINDEX l 5", "_"},
		{"LPOS l x", "_"},
		{"LRANGE nolist 0 -1", "*0"},
		{"LPOP l 0", "*0"},
		{"MULTI", "+OK"},
		{"BLPOP nolist 0", "+QUEUED"},
		{"BLMOVE nolist d LEFT LEFT 0", "+QUEUED"},
		{"BLMPOP 0 1 nolist LEFT", "+QUEUED"},
		{"EXEC", "*3\n  _\n  _\n  _"},
		{"BLPOP l 0", "*2\n  \"l\"\n  \"a\""},
	}
	r := newLocalRunner(t)
	r.do("", splitArgs(t, "HELLO 3"))
	for _, tc := range tests {
		require.Equal(t, tc.want, strings.Join(r.do("", splitArgs(t, tc.cmd)), "\n"), tc.cmd)
	}
}

// The redis-benchmark rows for lists, in-process.
func BenchmarkLPush(b *testing.B) { benchCommand(b, nil, "LPUSH mylist xxx") }
func BenchmarkRPush(b *testing.B) { benchCommand(b, nil, "RPUSH mylist xxx") }
func BenchmarkLPushLPop(b *testing.B) {
	benchCommand(b, []string{"RPUSH mylist a"}, "LPOP mylist")
}
func BenchmarkLRange100(b *testing.B) { benchLRange(b, 100) }
func BenchmarkLRange600(b *testing.B) { benchLRange(b, 600) }

func benchLRange(b *testing.B, n int) {
	setup := make([]string, 0, 1000)
	for i := 0; i < 1000; i++ {
		setup = append(setup, "LPUSH mylist xxx")
	}
	benchCommand(b, setup, "LRANGE mylist 0 "+itoa(int64(n-1)))
}

// TestListMemoryAndDebug checks MEMORY USAGE and DEBUG OBJECT's quicklist
// fields against the values Redis 7.0.15 gives.
func TestListMemoryAndDebug(t *testing.T) {
	r := newLocalRunner(t)
	r.do("", splitArgs(t, "RPUSH l a b c"))
	require.Equal(t, []string{":144"}, r.do("", splitArgs(t, "MEMORY USAGE l")))
	for i := 1; i <= 3000; i++ {
		r.do("", splitArgs(t, "RPUSH m xxxxxxxxxx"+itoa(int64(i))))
	}
	require.Equal(t, []string{":49480"}, r.do("", splitArgs(t, "MEMORY USAGE m")))
	require.Equal(t, []string{":47432"}, r.do("", splitArgs(t, "MEMORY USAGE m SAMPLES 0")))
	q := r.srv.DBs[0].Peek([]byte("m")).(*List)
	require.Equal(t, " ql_nodes:6 ql_avg_node:500.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:46935", q.DebugInfo())
}

// TestListCOW checks that a list shared with a snapshot never changes
// under it: writes go to a copy, node by node.
func TestListCOW(t *testing.T) {
	r := newBlockingRunner(t)
	for i := 0; i < 5000; i++ {
		r.do("a", fmt.Sprintf("RPUSH l %d-%s", i, strings.Repeat("x", i%50)))
	}
	frozen := r.srv.DBs[0].Peek([]byte("l")).(*List)
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
	live := r.srv.DBs[0].Peek([]byte("l")).(*List)
	require.NotSame(t, frozen, live)
	var after [][]byte
	frozen.Each(func(s []byte, n int64, isInt bool) bool {
		after = append(after, bytes.Clone(s))
		return true
	})
	require.Equal(t, before, after)
	for i := range nodesBefore {
		require.Equal(t, nodesBefore[i], frozen.Node(i).Bytes(), "node %d", i)
	}
	require.Equal(t, ":4986", r.do("a", "LLEN l"))
	shared := 0
	for i := 0; i < live.NodeCount(); i++ {
		for j := 0; j < frozen.NodeCount(); j++ {
			if live.Node(i) == frozen.Node(j) {
				shared++
			}
		}
	}
	require.Greater(t, shared, 0, "untouched nodes stay shared")
}

// lockedBuffer collects a real redis-server's standard output, where DEBUG
// QUICKLIST prints the size and count of each node.
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
			q := lr.srv.DBs[0].Peek([]byte("k")).(*List)
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
