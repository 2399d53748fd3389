package db

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKeysSkipsExpired checks that KEYS hides logically expired keys
// without deleting them, while SCAN deletes them as it meets them.
func TestKeysSkipsExpired(t *testing.T) {
	r := newLocalRunner(t)
	var p propagationLog
	p.install(r.srv)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	do("SET", "gone", "v")
	do("SET", "here", "v")
	r.srv.DBs[0].SetExpire([]byte("gone"), time.Now().UnixMilli()-1)
	p.take()

	require.Equal(t, []string{"*1", "  \"here\""}, do("KEYS", "*"))
	require.Equal(t, []string{"*1", "  \"here\""}, do("KEYS", "*e*"))
	require.Equal(t, []string{":2"}, do("DBSIZE"))
	require.Empty(t, p.take())

	require.Equal(t, []string{"*2", "  \"0\"", "  *1", "    \"here\""}, do("SCAN", "0", "COUNT", "100"))
	require.Equal(t, []string{":1"}, do("DBSIZE"))
	require.Equal(t, []string{"0: DEL gone"}, p.take())
}

// TestScanCoversEverything walks a db that grows and shrinks between calls:
// every key present all along is returned.
func TestScanCoversEverything(t *testing.T) {
	r := newLocalRunner(t)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	for i := 0; i < 500; i++ {
		do("SET", "k"+itoa(int64(i)), "v")
	}
	seen := map[string]bool{}
	cursor := "0"
	for step := 0; ; step++ {
		out := do("SCAN", cursor, "COUNT", "7")
		cursor = out[1][3 : len(out[1])-1]
		for _, line := range out[3:] {
			seen[line[5:len(line)-1]] = true
		}
		// Grow, then shrink, while scanning.
		if step == 5 {
			for i := 500; i < 3000; i++ {
				do("SET", "k"+itoa(int64(i)), "v")
			}
		}
		if step == 40 {
			for i := 500; i < 3000; i++ {
				do("DEL", "k"+itoa(int64(i)))
			}
		}
		if cursor == "0" {
			break
		}
	}
	for i := 0; i < 500; i++ {
		require.True(t, seen["k"+itoa(int64(i))], "k%d", i)
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"+5", 5, true}, {"-1", 1<<64 - 1, true},
		{"18446744073709551615", 1<<64 - 1, true}, {"18446744073709551616", 0, false},
		{"-", 0, false}, {"+", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"0x1", 0, false},
		{"007", 7, true},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// TestKeysRESP3 checks the replies that differ in RESP3 (from real Redis:
// a null is "_").
func TestKeysRESP3(t *testing.T) {
	r := newLocalRunner(t)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	r.client("").Proto = 3
	require.Equal(t, []string{"_"}, do("RANDOMKEY"))
	require.Equal(t, []string{"_"}, do("OBJECT", "ENCODING", "nokey"))
	require.Equal(t, []string{"_"}, do("OBJECT", "REFCOUNT", "nokey"))
	do("SET", "k", "v")
	require.Equal(t, []string{"\"k\""}, do("RANDOMKEY"))
	require.Equal(t, []string{"*2", "  \"0\"", "  *1", "    \"k\""}, do("SCAN", "0"))
	require.Equal(t, []string{"*1", "  \"k\""}, do("KEYS", "*"))
}

// TestSwapdbWakesBlocked checks that a client blocked on a key of db 0 is
// served when SWAPDB brings in a db where the key exists.
func TestSwapdbWakesBlocked(t *testing.T) {
	r := newLocalRunner(t)
	require.Equal(t, []string{"<no reply>"}, r.do("blk", kargs("BLPOP", "q", "0")))
	r.do("", kargs("SELECT", "1"))
	r.do("", kargs("RPUSH", "q", "x"))
	require.Equal(t, []string{"+OK"}, r.do("", kargs("SWAPDB", "0", "1")))
	require.Equal(t, []string{"*2", "  \"q\"", "  \"x\"", "+PONG"}, r.do("blk", kargs("PING")))
}
