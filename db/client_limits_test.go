package db

// Tests of the output buffer limits and client eviction on an in-process
// executor, with connections whose socket-layer backlog the test sets.

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
)

// backlogConn is a connection whose unsent bytes the test decides.
type backlogConn struct{ outbound int }

func (*backlogConn) Close()          {}
func (c *backlogConn) Outbound() int { return c.outbound }

func (r *localRunner) backlogClient(name string) (*Client, *backlogConn) {
	conn := &backlogConn{}
	c := r.srv.NewClient(conn, "127.0.0.1:5000", "127.0.0.1:6379", 30+len(r.clients))
	r.clients[name] = c
	return c, conn
}

func (r *localRunner) configSet(t *testing.T, name, value string) {
	t.Helper()
	require.NoError(t, r.srv.Config.Set([][2]string{{name, value}}))
	require.NoError(t, r.srv.SettingsChanged())
}

func TestOverOutputLimit(t *testing.T) {
	lim := config.BufferLimit{Hard: 100, Soft: 50, SoftSeconds: 2}
	for _, tc := range []struct {
		name       string
		lim        config.BufferLimit
		since      int64
		used       uint64
		over       bool
		afterSince int64
	}{
		{"under both", lim, 0, 49, false, 0},
		{"under both resets the soft timer", lim, 990, 49, false, 0},
		{"soft reached first: timer starts", lim, 0, 50, false, 1000},
		{"soft within its seconds", lim, 998, 60, false, 998},
		{"soft for more than its seconds", lim, 997, 60, true, 997},
		{"hard", lim, 0, 100, true, 1000},
		{"hard only", config.BufferLimit{Hard: 100}, 0, 100, true, 0},
		{"no limits", config.BufferLimit{}, 0, 1 << 40, false, 0},
		{"soft with no seconds: the next second", config.BufferLimit{Soft: 10}, 999, 10, true, 999},
		{"soft with no seconds: not the same one", config.BufferLimit{Soft: 10}, 1000, 10, false, 1000},
	} {
		since := tc.since
		require.Equal(t, tc.over, overOutputLimit(tc.lim, &since, tc.used, 1000), tc.name)
		require.Equal(t, tc.afterSince, since, tc.name)
	}
}

// A subscriber over the pubsub hard limit is marked for closing, loses
// its pending output, gets no more messages, but counts as a receiver
// until the loop frees it, as in Redis.
func TestPubSubOutputLimit(t *testing.T) {
	r := newLocalRunner(t)
	r.configSet(t, "client-output-buffer-limit", "pubsub 1mb 0 0")
	sub, conn := r.backlogClient("sub")
	r.input(sub, "SUBSCRIBE", "ch")
	msg := strings.Repeat("x", 100<<10)
	conn.outbound = 700 << 10 // what the socket did not take
	for range 3 {
		require.Equal(t, ":1\r\n", connDo(r, "pub", "PUBLISH", "ch", msg))
		require.False(t, sub.Closing())
	}
	// 16KB of the reply buffer stand for Redis's static buffer.
	require.Equal(t, ":1\r\n", connDo(r, "pub", "PUBLISH", "ch", msg))
	require.True(t, sub.Flags&ClientCloseASAP != 0)
	require.Empty(t, sub.Buf)
	require.Equal(t, ":1\r\n", connDo(r, "pub", "PUBLISH", "ch", msg))
	require.Empty(t, sub.Buf)
	require.Contains(t, r.srv.TakePending(), sub)
	r.srv.FreeClient(sub) // as the loop does when it closes it
	require.Equal(t, ":0\r\n", connDo(r, "pub", "PUBLISH", "ch", msg))
}

// input runs args as c's input, as one read.
func (r *localRunner) input(c *Client, args ...string) {
	r.srv.ProcessInput(c, encodeCommand(argsOf(args...)))
}

func argsOf(args ...string) [][]byte {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return argv
}

// The normal class covers the replies of a client's own commands and
// MONITOR output; CONFIG SET changes the limits at once.
func TestNormalOutputLimit(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "w", "SET", "big", strings.Repeat("v", 64<<10))
	reader, _ := r.backlogClient("reader")
	r.input(reader, "GET", "big")
	r.input(reader, "GET", "big")
	require.False(t, reader.Closing(), "no normal limit by default")

	r.configSet(t, "client-output-buffer-limit", "normal 100kb 0 0")
	reader.Buf = reader.Buf[:0]
	pipeline := append(encodeCommand(argsOf("GET", "big")), encodeCommand(argsOf("GET", "big"))...)
	pipeline = append(pipeline, encodeCommand(argsOf("SET", "after", "1"))...)
	r.srv.ProcessInput(reader, pipeline)
	require.True(t, reader.Flags&ClientCloseASAP != 0)
	require.Empty(t, reader.Buf)
	require.Equal(t, "$-1\r\n", connDo(r, "w", "GET", "after"), "commands after the close do not run")

	mon, conn := r.backlogClient("mon")
	r.input(mon, "MONITOR")
	conn.outbound = 75 << 10 // with the line's 4KB past the buffer: 4 blocks, 82,016 bytes
	connDo(r, "w", "SET", "k", strings.Repeat("a", 20<<10))
	require.False(t, mon.Closing())
	connDo(r, "w", "SET", "k", strings.Repeat("a", 20<<10))
	require.True(t, mon.Flags&ClientCloseASAP != 0)
	connDo(r, "w", "SET", "k", "v")
	require.Empty(t, mon.Buf)
}

// The soft limit closes a client that stays over it for more than its
// seconds; the clients cron closes it even when no output is added.
func TestSoftOutputLimitFromCron(t *testing.T) {
	r := newLocalRunner(t)
	r.configSet(t, "client-output-buffer-limit", "normal 0 10kb 1")
	c, conn := r.backlogClient("c")
	conn.outbound = 20 << 10
	now := time.Now()
	r.srv.clientsCron(now)
	require.False(t, c.Closing())
	r.srv.clientsCron(now.Add(time.Second))
	require.False(t, c.Closing())
	r.srv.clientsCron(now.Add(2 * time.Second))
	require.True(t, c.Closing())
	_, listed := r.srv.clients[c.ID]
	require.False(t, listed, "the cron frees it at once")
}

func TestClientEvictionLimit(t *testing.T) {
	r := newLocalRunner(t)
	for _, tc := range []struct {
		maxmemory, clients string
		want               int64
	}{
		{"0", "0", 0},
		{"0", "10%", 0},
		{"100mb", "10%", 10 << 20},
		{"0", "1mb", 1 << 20},
		{"0", "1kb", 128 << 10},
		{"100kb", "50%", 128 << 10},
	} {
		r.configSet(t, "maxmemory", tc.maxmemory)
		r.configSet(t, "maxmemory-clients", tc.clients)
		require.Equal(t, tc.want, r.srv.climits.evictionLimit, "%s %s", tc.maxmemory, tc.clients)
	}
}

// Eviction takes the biggest evictable clients first until the clients
// use less than maxmemory-clients; NO-EVICT clients count but stay.
func TestEvictClients(t *testing.T) {
	r := newLocalRunner(t)
	mid, midConn := r.backlogClient("mid")
	big, bigConn := r.backlogClient("big")
	keeper, keeperConn := r.backlogClient("keeper")
	small, _ := r.backlogClient("small")
	r.input(keeper, "CLIENT", "NO-EVICT", "on")
	midConn.outbound, bigConn.outbound, keeperConn.outbound = 280<<10, 380<<10, 560<<10
	r.configSet(t, "maxmemory-clients", "1mb")
	r.srv.clientsCron(time.Now())
	for _, c := range []*Client{mid, big, keeper, small} {
		_, listed := r.srv.clients[c.ID]
		require.Equal(t, c == mid || c == keeper || c == small, listed, c.Name)
	}
	require.Equal(t, int64(1), r.srv.Stats.EvictedClients)
	require.Contains(t, r.infoStats(t), "evicted_clients:1\r\n")

	// Over the limit with only NO-EVICT clients left big: every evictable
	// client goes, the one that ran INFO too.
	keeperConn.outbound = 2 << 20
	r.srv.clientsCron(time.Now())
	for _, c := range []*Client{mid, small, r.clients["info"]} {
		_, listed := r.srv.clients[c.ID]
		require.False(t, listed, c.Name)
	}
	_, listed := r.srv.clients[keeper.ID]
	require.True(t, listed)
	require.Equal(t, int64(4), r.srv.Stats.EvictedClients)

	// The totals follow the clients freed.
	replicas, normal := r.srv.ClientsMemory()
	require.Equal(t, int64(0), replicas)
	require.Equal(t, keeper.mem.usage, normal)
}

func (r *localRunner) infoStats(t *testing.T) string {
	t.Helper()
	return bulkBody(t, connDo(r, "info", "INFO", "stats"))
}

// The memory fields of CLIENT LIST follow the buffers: obl is the first
// 16KB of the reply buffer, omem the rest plus the socket layer's in
// Redis's reply blocks (20,464 bytes each, counted as 20,504), oll the
// blocks.
func TestClientListOutputFields(t *testing.T) {
	r := newLocalRunner(t)
	c, conn := r.backlogClient("c")
	c.Buf = append(c.Buf[:0], strings.Repeat("r", 20<<10)...)
	conn.outbound = 30 << 10
	f := clientFields(t, r.srv.clientInfo(c)+"\n")[0]
	require.Equal(t, "16384", f["obl"])
	require.Equal(t, "41008", f["omem"]) // 4KB + 30KB: 2 blocks
	require.Equal(t, "2", f["oll"])
	require.Equal(t, "rw", f["events"])
	require.Equal(t, c.memoryUsage(), int64(mustAtoi(t, f["tot-mem"])))
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, ok := ParseInt([]byte(s))
	require.True(t, ok, s)
	return int(n)
}

// queuedMem keeps multi-mem by counting only what was queued since.
func TestQueuedMemCache(t *testing.T) {
	r := newLocalRunner(t)
	c := r.client("c")
	connDo(r, "c", "MULTI")
	connDo(r, "c", "SET", "k", "vv")
	// multi-mem and the queue's array, 2 slots to start with.
	require.Equal(t, c.multiMem()+2*multiCmdSize, c.queuedMem())
	connDo(r, "c", "GET", "k")
	require.Equal(t, c.multiMem()+2*multiCmdSize, c.queuedMem())
	connDo(r, "c", "SET", "k2", "v")
	require.Equal(t, c.multiMem()+4*multiCmdSize, c.queuedMem())
	connDo(r, "c", "DISCARD")
	require.Equal(t, 0, c.queuedMem())
	connDo(r, "c", "WATCH", "a", "b")
	require.Equal(t, 2*watchedKeyMem, c.queuedMem())
	connDo(r, "c", "MULTI")
	connDo(r, "c", "SET", "key", "a-longer-value")
	require.Equal(t, c.multiMem()+2*multiCmdSize+2*watchedKeyMem, c.queuedMem())
}
