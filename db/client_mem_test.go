package db

// Tests of the model of Redis's client buffers (client_mem.go): the figures
// are Redis 7.0.15's, read from CLIENT LIST and INFO of a real server in
// the same steps (tests/client_mem_test.go checks them against it).

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clientInfoField returns field of c's CLIENT LIST line.
func clientInfoField(t *testing.T, r *localRunner, c *Client, field string) int64 {
	t.Helper()
	for _, kv := range strings.Fields(r.srv.clientInfo(c)) {
		if k, v, _ := strings.Cut(kv, "="); k == field {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s", field)
	return 0
}

// A new client holds a 16KB reply buffer; the cron resets its peak on its
// first visit and shrinks it to 1KB on the next. A read grows the query
// buffer to 16KB (20480 allocated); after more than 2 idle seconds the cron
// trims it.
func TestClientBuffersModel(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "w", "PING") // PING's latency histogram, before the count
	before := r.srv.memoryStats().used
	c, _ := r.backlogClient("c")
	require.Equal(t, int64(17160), clientInfoField(t, r, c, "tot-mem"))
	require.Equal(t, int64(16384), clientInfoField(t, r, c, "rbs"))
	require.Equal(t, int64(4), clientInfoField(t, r, c, "qbuf-free"))
	require.Equal(t, int64(17160+952), r.srv.memoryStats().used-before)

	now := time.Now()
	c.LastActive = now
	r.srv.clientsCronVisit(c, now)
	require.Equal(t, int64(16384), clientInfoField(t, r, c, "rbs"))
	require.Equal(t, int64(0), clientInfoField(t, r, c, "rbp"))
	r.srv.clientsCronVisit(c, now.Add(time.Second))
	require.Equal(t, int64(1024), clientInfoField(t, r, c, "rbs"))
	require.Equal(t, int64(1800), clientInfoField(t, r, c, "tot-mem"))
	require.Equal(t, int64(1), r.srv.Stats.ReplyBufferShrinks)

	r.input(c, "PING")
	require.Equal(t, "+PONG\r\n", string(c.Buf))
	c.Buf = c.Buf[:0]
	require.Equal(t, int64(20474), clientInfoField(t, r, c, "qbuf-free"))
	require.Equal(t, int64(22272), clientInfoField(t, r, c, "tot-mem"))
	require.Equal(t, int64(7), clientInfoField(t, r, c, "rbp"))
	c.LastActive = now
	r.srv.clientsCronVisit(c, now.Add(2*time.Second))
	require.Equal(t, int64(20474), clientInfoField(t, r, c, "qbuf-free"), "idle for 2s only")
	r.srv.clientsCronVisit(c, now.Add(3*time.Second))
	require.Equal(t, int64(0), clientInfoField(t, r, c, "qbuf-free"))
	require.Equal(t, int64(1800), clientInfoField(t, r, c, "tot-mem"))
	require.Equal(t, int64(1800+952), r.srv.memoryStats().used-before)
	require.Equal(t, int64(1800), r.srv.memoryStats().clientsNormal)
}

// A batch of replies that fills the reply buffer doubles it at the next
// visit, up to 16KB; the part past it is omem.
func TestReplyBufferExpands(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "w", "SET", "v", strings.Repeat("x", 20000))
	c, _ := r.backlogClient("c")
	now := time.Now()
	r.srv.clientsCronVisit(c, now)
	r.srv.clientsCronVisit(c, now.Add(time.Second)) // shrunk to 1KB
	for i, want := range []int64{2048, 4096, 8192, 16384, 16384} {
		r.input(c, "GET", "v")
		if i == 0 {
			require.Equal(t, int64(20504), clientInfoField(t, r, c, "omem"), "20010-1024 bytes: one block")
			require.Equal(t, int64(1024), clientInfoField(t, r, c, "obl"))
		}
		c.Buf = c.Buf[:0]
		r.srv.clientsCronVisit(c, now.Add(time.Duration(i+2)*time.Second))
		require.Equal(t, want, clientInfoField(t, r, c, "rbs"), "visit %d", i)
	}
	require.Equal(t, int64(4), r.srv.Stats.ReplyBufferExpands)

	require.Equal(t, "+OK\r\n", connDo(r, "w", "DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"))
	require.Equal(t, "+OK\r\n", connDo(r, "w", "DEBUG", "REPLYBUFFER", "RESIZING", "0"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", connDo(r, "w", "DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x"))
	require.True(t, strings.HasPrefix(connDo(r, "w", "DEBUG", "REPLYBUFFER", "OTHER", "1"), "-ERR unknown subcommand"))
}

// A big argument (32KB or more) gets a query buffer of its own size, as
// Redis reads it; the arguments of a command not complete yet are argv-mem.
func TestQueryBufferBigArgAndPartial(t *testing.T) {
	r := newLocalRunner(t)
	c, _ := r.backlogClient("c")
	r.input(c, "SET", "k", strings.Repeat("v", 100000))
	require.Equal(t, int64(114688-9-1), clientInfoField(t, r, c, "qbuf-free"))

	c2, _ := r.backlogClient("c2")
	r.srv.ProcessInput(c2, []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc"))
	require.Equal(t, int64(4), clientInfoField(t, r, c2, "argv-mem"))
	require.Equal(t, int64(3), clientInfoField(t, r, c2, "qbuf"))
	r.srv.ProcessInput(c2, []byte("defghij\r\n"))
	require.Equal(t, "+OK\r\n", string(c2.Buf))
	require.Equal(t, int64(0), clientInfoField(t, r, c2, "argv-mem"))
	require.Equal(t, int64(0), clientInfoField(t, r, c2, "qbuf"))
}

// Each command's latency histogram takes 24688 bytes from its first call
// until CONFIG RESETSTAT, as in Redis.
func TestLatencyHistogramsCounted(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "c", "CONFIG", "RESETSTAT") // the command table is the process's
	connDo(r, "c", "PING")
	used := func() int64 { return r.srv.memoryStats().used }
	before := used()
	connDo(r, "c", "ECHO", "x")
	require.Equal(t, int64(latencyHistogramAlloc), used()-before)
	connDo(r, "c", "ECHO", "x")
	require.Equal(t, int64(latencyHistogramAlloc), used()-before)
	connDo(r, "c", "CONFIG", "RESETSTAT")
	require.Less(t, used(), before)
}

// The keyspace does not grow its table past maxmemory, as Redis's
// dictExpandAllowed: the keys are kept and nothing is evicted.
func TestKeyspaceExpandWithinMaxmemory(t *testing.T) {
	r := newLocalRunner(t)
	for i := range 4096 {
		connDo(r, "c", "SET", "k"+strconv.Itoa(i), "v")
	}
	require.Equal(t, uint64(4096), r.srv.DBs[0].keys.Buckets())
	used := r.srv.memoryStats().used
	r.configSet(t, "maxmemory-policy", "allkeys-random")
	r.configSet(t, "maxmemory", strconv.FormatInt(used+10<<10, 10))
	connDo(r, "c", "SET", "x1", "v")
	connDo(r, "c", "SET", "x2", "v")
	require.Equal(t, ":4098\r\n", connDo(r, "c", "DBSIZE"))
	require.Equal(t, uint64(4096), r.srv.DBs[0].keys.Buckets())
	r.configSet(t, "maxmemory", "0")
	connDo(r, "c", "SET", "x3", "v")
	require.Equal(t, uint64(4096+8192), r.srv.DBs[0].keys.Buckets(), "rehashing to 8192")
}

// DEBUG CLIENT-EVICTION lists the eviction buckets as Redis 7.0.15.
func TestDebugClientEviction(t *testing.T) {
	r := newLocalRunner(t)
	require.Equal(t, "-ERR maxmemory-clients is disabled.\r\n", connDo(r, "c", "DEBUG", "CLIENT-EVICTION"))
	r.configSet(t, "maxmemory-clients", "10mb")
	out := bulkBody(t, connDo(r, "c", "DEBUG", "CLIENT-EVICTION"))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 19)
	require.Equal(t, "bucket          0 -      32767: tot-mem:          0, clients: 0", lines[0])
	require.Equal(t, "bucket      32768 -      65535: tot-mem:      37632, clients: 1", lines[1])
	require.Equal(t, "bucket 4294967296+            : tot-mem:          0, clients: 0", lines[18])
}

// The cron visits numclients/hz clients a tick (at least 5, or all when
// fewer), round the ring of clients, each once a batch, the freed never.
func TestClientsCronBatch(t *testing.T) {
	r := newLocalRunner(t)
	var cs []*Client
	for i := range 3 {
		c, _ := r.backlogClient("c" + strconv.Itoa(i))
		cs = append(cs, c)
	}
	require.ElementsMatch(t, cs, r.srv.clientsCronBatch())
	for i := 3; i < 60; i++ {
		c, _ := r.backlogClient("c" + strconv.Itoa(i))
		cs = append(cs, c)
	}
	r.srv.FreeClient(cs[3])
	r.srv.FreeClient(cs[59])
	visits := map[*Client]int{}
	for range 12 {
		batch := r.srv.clientsCronBatch()
		require.Len(t, batch, 58/10)
		for _, c := range batch {
			visits[c]++
		}
	}
	require.Len(t, visits, 58)
	for c, n := range visits {
		require.True(t, n == 1 || n == 2, "%s visited %d times", c.Name, n)
		require.NotSame(t, cs[3], c)
		require.NotSame(t, cs[59], c)
	}
}
