package tests

// Slow readers and big clients, against the server's limits: the output
// buffer limits of pub/sub and normal clients (hard, and soft with its
// seconds), client eviction (maxmemory-clients, CLIENT NO-EVICT), the
// query buffer limits and the memory fields of CLIENT LIST. Each test runs
// as well against real Redis (REDIS_SERVER_BIN=redis-server). Nothing here
// waits for a fixed time: every wait is a bounded poll.

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const limitsPoll = 20 * time.Second // the longest any condition is waited for

// slowClient is a raw connection that names itself and then reads only
// when told: its receive buffer is kept small, so that what it does not
// read piles up in the server.
type slowClient struct {
	net.Conn
	rd *bufio.Reader
}

func dialSlow(t *testing.T, s *server, name string) *slowClient {
	t.Helper()
	// The buffer is set before connecting: shrunk afterwards, below the
	// window already announced, it makes the sender wait for its persist
	// timer and the final reads crawl.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return cmp.Or(err, serr)
	}}
	nc, err := d.Dial("tcp", s.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	c := &slowClient{Conn: nc, rd: bufio.NewReader(nc)}
	c.send(t, "CLIENT", "SETNAME", name)
	c.expectLine(t, "+OK")
	return c
}

// send writes one command in RESP.
func (c *slowClient) send(t *testing.T, args ...string) {
	t.Helper()
	_, err := c.Write([]byte(encodeArgs(args...)))
	require.NoError(t, err)
}

func encodeArgs(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func (c *slowClient) expectLine(t *testing.T, want string) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(limitsPoll)))
	line, err := c.rd.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, want+"\r\n", line)
}

// drain reads until the server closes the connection and returns how many
// bytes came.
func (c *slowClient) drain(t *testing.T) int64 {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(limitsPoll)))
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := c.rd.Read(buf)
		n += int64(k)
		if err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server did not close the connection")
			return n
		}
	}
}

// clientLine returns the CLIENT LIST line of the client called name, or
// "" when there is none.
func clientLine(t *testing.T, ctl *redis.Client, name string) string {
	t.Helper()
	list, err := ctl.ClientList(context.Background()).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+name+" ") {
			return line
		}
	}
	return ""
}

// clientField returns one numeric field of a CLIENT LIST line.
func clientField(t *testing.T, line, field string) int64 {
	t.Helper()
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(field) + `=(\d+)`).FindStringSubmatch(line)
	require.NotNil(t, m, "no %s in %q", field, line)
	n, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	return n
}

// logLineWith waits for a line of the server's log containing every one
// of parts and returns it.
func logLineWith(t *testing.T, s *server, parts ...string) string {
	t.Helper()
	var found string
	waitFor(t, limitsPoll, fmt.Sprintf("a log line with %q", parts), func() (bool, string) {
		for _, line := range strings.Split(s.output(), "\n") {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				found = line
				return true, ""
			}
		}
		return false, "not logged yet"
	})
	return found
}

// rssBytes is the resident memory of process pid.
func rssBytes(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func infoField(t *testing.T, c *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^` + field + `:(\d+)\r?$`).FindStringSubmatch(info)
	require.NotNil(t, m, "no %s in INFO %s", field, section)
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// A subscriber that stops reading is disconnected once the messages it has
// not read reach the pubsub class's hard limit (32MB by default), with
// Redis's log line; the publisher goes on. Round after round of new slow
// subscribers (about 8 x 32MB sent in all), the server's memory grows by
// far less than what is published: what it holds is bounded by the limit.
func TestPubSubSlowSubscriberDisconnected(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	pub := s.client(t, 2)
	msg := strings.Repeat("m", 100<<10)
	const hard = 32 << 20
	var rss []int64
	for round := range 8 {
		name := fmt.Sprintf("slowsub%d", round)
		sub := dialSlow(t, s, name)
		sub.send(t, "SUBSCRIBE", "news")
		sub.expectLine(t, "*3")
		published := int64(0)
		for {
			n, err := pub.Publish(ctx, "news", msg).Result()
			require.NoError(t, err)
			if n == 0 {
				break
			}
			published += int64(len(msg))
			// The server must have held hard bytes before closing; the
			// kernel's socket buffers hold the rest.
			require.Less(t, published, int64(hard+32<<20), "the subscriber is still connected")
		}
		require.GreaterOrEqual(t, published, int64(hard))
		// Closed from the publish (scheduled) or by the cron's check,
		// whichever comes first, as in Redis: two wordings.
		line := logLineWith(t, s, "name="+name+" ", "for overcoming of output buffer limits.")
		require.Regexp(t, `# Client id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=`+name+` .* flags=P .* omem=\d+ tot-mem=\d+ events=\S+ cmd=subscribe user=default redir=-1 resp=2 (scheduled to be closed ASAP|closed) for overcoming`, line)
		require.GreaterOrEqual(t, clientField(t, line, "omem"), int64(hard))
		got := sub.drain(t)
		require.Less(t, got, published, "the subscriber got everything")
		// The publisher goes on.
		for range 20 {
			require.NoError(t, pub.Publish(ctx, "news", msg).Err())
		}
		require.Equal(t, "PONG", pub.Ping(ctx).Val())
		rss = append(rss, rssBytes(t, s.cmd.Process.Pid))
	}
	t.Logf("RSS after each round (MB): %v", func() (mb []int64) {
		for _, r := range rss {
			mb = append(mb, r>>20)
		}
		return mb
	}())
	// From round 2 on, five rounds sent another 160MB or more to slow
	// subscribers. The race detector's runtime grows a little on its own.
	require.Less(t, rss[len(rss)-1]-rss[2], int64(len(rss)-3)*hard/2, "RSS grows with what is published")
}

// fillBig stores a 1MB value under "big" for the readers to fetch.
func fillBig(t *testing.T, c *redis.Client) {
	t.Helper()
	require.NoError(t, c.Set(context.Background(), "big", strings.Repeat("v", 1<<20), 0).Err())
}

// pipelineGets sends n GETs of "big" at once, reading nothing.
func (c *slowClient) pipelineGets(t *testing.T, n int) {
	t.Helper()
	_, err := c.Write([]byte(strings.Repeat(encodeArgs("GET", "big"), n)))
	require.NoError(t, err)
}

// A normal client pipelining big GETs without reading is disconnected at
// the normal class's hard limit, set at run time, with Redis's log line.
func TestNormalClientHardLimit(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	ctl := s.client(t, 2)
	require.NoError(t, ctl.ConfigSet(ctx, "client-output-buffer-limit", "normal 4mb 0 0").Err())
	require.Equal(t, "normal 4194304 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		ctl.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"])
	fillBig(t, ctl)
	slow := dialSlow(t, s, "slowget")
	slow.pipelineGets(t, 64)
	line := logLineWith(t, s, "name=slowget ", "scheduled to be closed ASAP for overcoming of output buffer limits.")
	require.Regexp(t, ` flags=N .* cmd=get user=default redir=-1 resp=2 scheduled`, line)
	require.GreaterOrEqual(t, clientField(t, line, "omem"), int64(4<<20))
	require.Less(t, slow.drain(t), int64(64<<20))
	require.Empty(t, clientLine(t, ctl, "slowget"))
	require.Equal(t, int64(1<<20), ctl.StrLen(ctx, "big").Val())

	// Under the limit nothing happens: a reader that reads gets it all.
	c := s.client(t, 2)
	for range 3 {
		require.Equal(t, 1<<20, len(c.Get(ctx, "big").Val()))
	}
}

// Over the soft limit a client is given its seconds. Here no more output
// is added once the GETs have run, and the clients cron closes it when they
// are over ("closed", the cron frees it at once); on a machine slow enough
// for the GETs themselves to take that long, the last of them does
// ("scheduled to be closed ASAP"). Either way more than a second went by.
func TestNormalClientSoftLimit(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	ctl := s.client(t, 2)
	require.NoError(t, ctl.ConfigSet(ctx, "client-output-buffer-limit", "normal 0 2mb 1").Err())
	fillBig(t, ctl)
	slow := dialSlow(t, s, "softget")
	sent := time.Now()
	slow.pipelineGets(t, 16)
	line := logLineWith(t, s, "name=softget ", " for overcoming of output buffer limits.")
	require.Regexp(t, `(closed|scheduled to be closed ASAP) for overcoming of output buffer limits\.$`, line)
	slow.drain(t)
	// The soft limit was first reached after the GETs were sent, and its
	// one second counts in whole seconds of the clock: more than a second
	// went by, however fast the machine.
	require.Greater(t, time.Since(sent), time.Second)
	require.Empty(t, clientLine(t, ctl, "softget"))
}

// maxmemory-clients evicts the biggest client once the clients together
// use that much, never one with CLIENT NO-EVICT on, and counts it in
// evicted_clients.
func TestMaxmemoryClientsEviction(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	ctl := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1, Protocol: 2,
		OnConnect: func(ctx context.Context, cn *redis.Conn) error {
			return cn.Do(ctx, "CLIENT", "NO-EVICT", "on").Err()
		}})
	t.Cleanup(func() { ctl.Close() })
	fillBig(t, ctl)

	// The keeper holds half of a 4MB argument in its query buffer.
	keeper := dialSlow(t, s, "keeper")
	keeper.send(t, "CLIENT", "NO-EVICT", "on")
	keeper.expectLine(t, "+OK")
	_, err := keeper.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n" + strings.Repeat("a", 2<<20)))
	require.NoError(t, err)
	waitFor(t, limitsPoll, "the keeper's query buffer", func() (bool, string) {
		line := clientLine(t, ctl, "keeper")
		return clientField(t, line, "qbuf") >= 2<<20, line
	})
	small := dialSlow(t, s, "small")
	require.NoError(t, ctl.ConfigSet(ctx, "maxmemory-clients", "8mb").Err())

	hog := dialSlow(t, s, "hog")
	hog.pipelineGets(t, 32)
	line := logLineWith(t, s, "Evicting client: ", "name=hog ")
	require.Regexp(t, `Evicting client: id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=hog .* flags=N `, line)
	require.Less(t, hog.drain(t), int64(32<<20))
	require.Empty(t, clientLine(t, ctl, "hog"))
	require.NotEmpty(t, clientLine(t, ctl, "keeper"))
	require.Contains(t, clientLine(t, ctl, "keeper"), " flags=e ")
	require.NotEmpty(t, clientLine(t, ctl, "small"))
	require.Equal(t, int64(1), infoField(t, ctl, "stats", "evicted_clients"))
	require.NotContains(t, s.output(), "name=keeper ")
	small.send(t, "PING")
	small.expectLine(t, "+PONG")
}

// startBin starts another binary (real Redis) as startServer does.
func startBin(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	full := append([]string{"--port", strconv.Itoa(port), "--dir", dir}, args...)
	return startWith(t, launch{Args: full, Port: port, Dir: dir, Bin: bin})
}

// CLIENT LIST has Redis's fields in Redis's order, and its output fields
// tell the same story as Redis's for an idle client and for a subscriber
// with messages it has not read: nothing pending, then oll/omem, tot-mem,
// events=rw and INFO's client_recent_max_output_buffer.
func TestClientListMemoryFieldsAsRedis(t *testing.T) {
	ctx := context.Background()
	servers := map[string]*server{"ours": startServer(t), "redis": startBin(t, tool(t, "redis-server"))}
	fieldNames := map[string][]string{}
	for name, s := range servers {
		ctl := s.client(t, 2)
		line, err := ctl.Do(ctx, "CLIENT", "INFO").Text()
		require.NoError(t, err, name)
		var names []string
		for _, kv := range strings.Fields(line) {
			k, _, _ := strings.Cut(kv, "=")
			names = append(names, k)
		}
		fieldNames[name] = names
		require.Equal(t, int64(0), clientField(t, line, "omem"), name)
		require.Equal(t, int64(0), clientField(t, line, "oll"), name)
		require.Contains(t, line, " events=r ", name)

		sub := dialSlow(t, s, "reader")
		sub.send(t, "SUBSCRIBE", "ch")
		sub.expectLine(t, "*3")
		msg := strings.Repeat("x", 256<<10)
		for range 40 {
			require.NoError(t, ctl.Publish(ctx, "ch", msg).Err(), name)
		}
		line = clientLine(t, ctl, "reader")
		require.Contains(t, line, " flags=P ", name)
		require.Contains(t, line, " events=rw ", name)
		omem := clientField(t, line, "omem")
		require.Greater(t, omem, int64(1<<20), "%s: %s", name, line)
		require.Greater(t, clientField(t, line, "oll"), int64(0), name)
		require.GreaterOrEqual(t, clientField(t, line, "tot-mem"), omem, name)
		// The clients cron sees it within a second.
		waitFor(t, limitsPoll, name+" client_recent_max_output_buffer", func() (bool, string) {
			n := infoField(t, ctl, "clients", "client_recent_max_output_buffer")
			return n >= 1<<20, strconv.FormatInt(n, 10)
		})
	}
	require.Equal(t, fieldNames["redis"], fieldNames["ours"])
}

// A client whose unparsed input passes client-query-buffer-limit is closed
// with Redis's log line, and a bulk longer than proto-max-bulk-len is a
// protocol error.
func TestQueryBufferLimits(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	ctl := s.client(t, 2)
	require.NoError(t, ctl.ConfigSet(ctx, "client-query-buffer-limit", "1mb").Err())
	big := dialSlow(t, s, "bigq")
	_, err := big.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n" + strings.Repeat("a", 1200<<10)))
	require.NoError(t, err)
	line := logLineWith(t, s, "Closing client that reached max query buffer length: ", "name=bigq ")
	require.Regexp(t, `# Closing client that reached max query buffer length: id=\d+ addr=\S+ .* qbuf=\d+ .* \(qbuf initial bytes: "[^"]+"\)$`, line)
	big.drain(t)
	require.Empty(t, clientLine(t, ctl, "bigq"))
	require.Equal(t, int64(0), ctl.Exists(ctx, "k").Val())

	require.NoError(t, ctl.ConfigSet(ctx, "proto-max-bulk-len", "1mb").Err())
	bulk := dialSlow(t, s, "bulk")
	_, err = bulk.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n"))
	require.NoError(t, err)
	bulk.expectLine(t, "-ERR Protocol error: invalid bulk length")
	bulk.drain(t)
}

// A client's BCAST prefixes count in its memory, as in Redis (32 bytes a
// node of its rax, an underestimate): with
// maxmemory-clients 200000 adding prefixes evicts the client after a few
// thousand, on both servers, rather than never.
func TestTrackingPrefixesCountForClientEviction(t *testing.T) {
	ctx := context.Background()
	added := map[string]int{}
	for name, s := range map[string]*server{"ours": startServer(t), "redis": startBin(t, tool(t, "redis-server"))} {
		require.NoError(t, s.client(t, 2).ConfigSet(ctx, "maxmemory-clients", "200000").Err(), name)
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1, MaxRetries: -1})
		n := 0
		for ; n < 20000; n++ {
			if c.Do(ctx, "CLIENT", "TRACKING", "on", "PREFIX", fmt.Sprintf("%012d", n), "BCAST").Err() != nil {
				break
			}
		}
		c.Close()
		added[name] = n
	}
	require.Less(t, added["redis"], 20000, "Redis did not evict")
	require.Less(t, added["ours"], 20000, "no eviction")
	// Redis counts nodes of its rax, about 1.25 a prefix.
	require.InDelta(t, added["redis"], added["ours"], float64(added["redis"])/10, "%v", added)
}

// A reply of a huge count of random elements stops once the client goes
// over its output buffer limit, as Redis's loops that check
// CLIENT_CLOSE_ASAP: the client is closed and the server, whose memory
// would not hold a billion elements, serves on. Both servers.
func TestRandomCountStopsAtOutputLimit(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*server{"ours": startServer(t), "redis": startBin(t, tool(t, "redis-server"))} {
		ctl := s.client(t, 2)
		require.NoError(t, ctl.ConfigSet(ctx, "client-output-buffer-limit", "normal 1000000 0 0").Err(), name)
		require.NoError(t, ctl.HSet(ctx, "h", "a", "b").Err(), name)
		require.NoError(t, ctl.SAdd(ctx, "s", "a").Err(), name)
		require.NoError(t, ctl.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}).Err(), name)
		for _, cmd := range [][]any{
			{"HRANDFIELD", "h", -999999999}, {"HRANDFIELD", "h", -999999999, "WITHVALUES"},
			{"SRANDMEMBER", "s", -999999999},
			{"ZRANDMEMBER", "z", -999999999}, {"ZRANDMEMBER", "z", -999999999, "WITHSCORES"},
		} {
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1, MaxRetries: -1, ReadTimeout: time.Minute})
			err := c.Do(ctx, cmd...).Err()
			c.Close()
			require.Error(t, err, "%s: %v", name, cmd)
			var reply redis.Error
			require.False(t, errors.As(err, &reply), "%s: %v replied %v", name, cmd, err)
			require.NoError(t, ctl.Ping(ctx).Err(), "%s: %v", name, cmd)
		}
	}
}
