package db

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
	q := r.srv.DBs[0].Peek([]byte("m")).(*Quicklist)
	require.Equal(t, " ql_nodes:6 ql_avg_node:500.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:46935", q.DebugInfo())
}
