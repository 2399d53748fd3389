package tests

// A TCP proxy between a replica and its master, for fault injection:
// Cut drops every connection, Down keeps the link down until Up, Stall
// stops forwarding for a while, Slow throttles, Retarget points the proxy
// at another master. The tests below use it to break the replication link
// mid-stream and mid-transfer, and check that a replica never serves a
// half-loaded dataset and always converges once a master is reachable.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxy forwards every connection it accepts to its target.
type proxy struct {
	Port int
	ln   net.Listener

	mu         sync.Mutex
	target     string
	conns      map[*proxyConn]struct{}
	down       bool
	stallUntil time.Time
	rate       int // bytes per second in each direction; 0: unlimited

	// largest is the most bytes one connection forwarded from the target
	// to its client: a transfer in progress, not handshakes that fail.
	largest int64
}

// proxyConn is one client connection and its connection to the target.
type proxyConn struct {
	client, upstream net.Conn
	done             chan struct{}
	once             sync.Once
	downstream       int64 // bytes forwarded to the client; only its pump writes it
}

func (pc *proxyConn) close() {
	pc.once.Do(func() {
		close(pc.done)
		pc.client.Close()
		pc.upstream.Close()
	})
}

// startProxy listens on a free port and forwards to target.
func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{Port: ln.Addr().(*net.TCPAddr).Port, ln: ln, target: target, conns: map[*proxyConn]struct{}{}}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
	})
	return p
}

// Addr is where the replica connects.
func (p *proxy) Addr() string { return addr(p.Port) }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *proxy) serve(c net.Conn) {
	p.mu.Lock()
	down, target := p.down, p.target
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		c.Close()
		return
	}
	// Small socket buffers keep few bytes in flight, so that Slow, Stall
	// and a dying target act on the stream at once, not megabytes later.
	for _, conn := range []net.Conn{c, up} {
		tc := conn.(*net.TCPConn)
		_ = tc.SetReadBuffer(64 << 10)
		_ = tc.SetWriteBuffer(64 << 10)
	}
	pc := &proxyConn{client: c, upstream: up, done: make(chan struct{})}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.conns[pc] = struct{}{}
	p.mu.Unlock()
	go p.pump(pc, c, up, false)
	go p.pump(pc, up, c, true)
}

// pump copies from src to dst in chunks, honouring Stall and Slow, until
// either side fails; then it closes both.
func (p *proxy) pump(pc *proxyConn, src, dst net.Conn, downstream bool) {
	defer func() {
		pc.close()
		p.mu.Lock()
		delete(p.conns, pc)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf[:p.chunk()])
		if n > 0 {
			if !p.gate(pc, n) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if downstream {
				pc.downstream += int64(n)
				p.mu.Lock()
				p.largest = max(p.largest, pc.downstream)
				p.mu.Unlock()
			}
		}
		if err != nil {
			return
		}
	}
}

// chunk is how much a pump reads at once: small when throttled, so that
// the rate is smooth.
func (p *proxy) chunk() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate > 0 {
		return max(1, min(32<<10, p.rate/50))
	}
	return 32 << 10
}

// gate waits before n bytes go on: while stalled, and as long as the rate
// asks. It returns false if the connection was closed meanwhile.
func (p *proxy) gate(pc *proxyConn, n int) bool {
	for {
		p.mu.Lock()
		wait := time.Until(p.stallUntil)
		rate := p.rate
		p.mu.Unlock()
		if wait <= 0 {
			if rate > 0 {
				wait = time.Duration(n) * time.Second / time.Duration(rate)
			}
			return sleepOrDone(pc.done, wait)
		}
		if !sleepOrDone(pc.done, min(wait, 50*time.Millisecond)) {
			return false
		}
	}
}

func sleepOrDone(done chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return false
	case <-timer.C:
		return true
	}
}

// Cut closes every connection now; new ones are accepted.
func (p *proxy) Cut() {
	p.mu.Lock()
	list := make([]*proxyConn, 0, len(p.conns))
	for pc := range p.conns {
		list = append(list, pc)
	}
	p.mu.Unlock()
	for _, pc := range list {
		pc.close()
	}
}

// Down cuts every connection and closes new ones at once, until Up.
func (p *proxy) Down() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.Cut()
}

// Up accepts connections again after Down.
func (p *proxy) Up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// Stall stops forwarding in both directions for d; connections stay open
// and bytes wait in the socket buffers.
func (p *proxy) Stall(d time.Duration) {
	p.mu.Lock()
	p.stallUntil = time.Now().Add(d)
	p.mu.Unlock()
}

// Slow throttles each direction of each connection to bytesPerSec;
// 0 removes the limit.
func (p *proxy) Slow(bytesPerSec int) {
	p.mu.Lock()
	p.rate = bytesPerSec
	p.mu.Unlock()
}

// Retarget sends the next connections to another address.
func (p *proxy) Retarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Largest is the most bytes a single connection has forwarded from the
// target to its client.
func (p *proxy) Largest() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.largest
}

// Connections is the number of open connections.
func (p *proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// TestProxy checks the proxy's own controls against a plain server.
func TestProxy(t *testing.T) {
	s := startServer(t)
	p := startProxy(t, s.Addr())
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", p.Addr())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	roundTrip := func(c net.Conn, r *bufio.Reader, cmd string) (string, error) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(cmd)); err != nil {
			return "", err
		}
		return readReply(r)
	}

	c, r := dial()
	got, err := roundTrip(c, r, "PING\r\n")
	require.NoError(t, err)
	assert.Equal(t, "+PONG", got)

	p.Cut()
	_, err = roundTrip(c, r, "PING\r\n")
	assert.Error(t, err, "a cut connection still answers")

	p.Down()
	c, r = dial()
	_, err = roundTrip(c, r, "PING\r\n")
	assert.Error(t, err, "the proxy is down but answers")
	p.Up()

	c, r = dial()
	p.Stall(300 * time.Millisecond)
	start := time.Now()
	got, err = roundTrip(c, r, "PING\r\n")
	require.NoError(t, err)
	assert.Equal(t, "+PONG", got)
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "Stall did not hold the bytes back")

	p.Slow(100 << 10)
	start = time.Now()
	_, err = roundTrip(c, r, multibulk("SET", "k", strings.Repeat("x", 50<<10)))
	require.NoError(t, err)
	got, err = roundTrip(c, r, "GET k\r\n")
	require.NoError(t, err)
	assert.Len(t, got, 50<<10)
	assert.GreaterOrEqual(t, time.Since(start), 800*time.Millisecond, "Slow did not throttle 100 KB at 100 KB/s")
	p.Slow(0)
	assert.Equal(t, 1, p.Connections())
}

// loadKeys writes n string keys prefix:i with values of size random hex
// digits, which RDB compression cannot shrink much, through one pipelined
// connection, reading the replies as it goes.
func loadKeys(t *testing.T, s *server, prefix string, n, size int) {
	c, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	defer c.Close()
	errc := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c, 256<<10)
		rnd := rand.New(rand.NewPCG(uint64(n), uint64(size)))
		value := make([]byte, size)
		for i := 0; i < n; i++ {
			for j := range value {
				value[j] = "0123456789abcdef"[rnd.IntN(16)]
			}
			k := prefix + ":" + strconv.Itoa(i)
			if _, err := w.WriteString(multibulk("SET", k, string(value))); err != nil {
				errc <- err
				return
			}
		}
		errc <- w.Flush()
	}()
	r := bufio.NewReaderSize(c, 256<<10)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(60*time.Second)))
	for i := 0; i < n; i++ {
		got, err := readReply(r)
		require.NoError(t, err, "reply %d of %d", i+1, n)
		require.Equal(t, "+OK", got, "reply %d of %d", i+1, n)
	}
	require.NoError(t, <-errc)
}

// dbsizeWatch polls DBSIZE on a replica until stopped and records every
// distinct answer, in order. A LOADING error is an answer too: a replica
// may refuse commands while it swaps the dataset in.
type dbsizeWatch struct {
	mu   sync.Mutex
	seen []string
	stop chan struct{}
	done chan struct{}
}

func watchDBSize(t *testing.T, n *replNode) *dbsizeWatch {
	c := redis.NewClient(&redis.Options{Addr: n.Addr(), ReadTimeout: 20 * time.Second, MaxRetries: -1, PoolSize: 1})
	w := &dbsizeWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer c.Close()
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			v, err := c.DBSize(context.Background()).Result()
			s := strconv.FormatInt(v, 10)
			if err != nil {
				s = err.Error()
				if strings.HasPrefix(s, "LOADING ") {
					s = "LOADING"
				}
			}
			w.mu.Lock()
			if len(w.seen) == 0 || w.seen[len(w.seen)-1] != s {
				w.seen = append(w.seen, s)
			}
			w.mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { w.Stop() })
	return w
}

// Stop ends the polling and returns the answers seen.
func (w *dbsizeWatch) Stop() []string {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	return w.Seen()
}

func (w *dbsizeWatch) Seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}

// requireNoHalfLoad checks that a replica showed only the old count,
// LOADING, or the full count, in that order.
func requireNoHalfLoad(t *testing.T, seen []string, old, full int) {
	t.Helper()
	allowed := map[string]int{strconv.Itoa(old): 0, "LOADING": 1, strconv.Itoa(full): 2}
	last := 0
	for _, s := range seen {
		rank, ok := allowed[s]
		require.True(t, ok, "the replica answered DBSIZE %q during the sync; answers in order: %q", s, seen)
		require.GreaterOrEqual(t, rank, last, "the replica went back to an older dataset; answers in order: %q", seen)
		last = rank
	}
}

const (
	bigKeys  = 50000
	bigValue = 80 // about 5 MB of RDB
)

// TestSlowFullSyncNeverServesHalfLoaded: a replica that holds an old
// dataset fetches a large one through a slow link. Until the new dataset
// is complete it keeps serving the old one; then it switches at once.
func TestSlowFullSyncNeverServesHalfLoaded(t *testing.T) {
	for _, mode := range []string{"disk", "diskless"} {
		t.Run(mode, func(t *testing.T) {
			master := startNode(t, "", "--repl-diskless-sync", map[string]string{"disk": "no", "diskless": "yes"}[mode])
			loadKeys(t, master.server, "key", bigKeys, bigValue)
			replica := startNode(t, "")
			loadKeys(t, replica.server, "old", 10, 8)
			p := startProxy(t, master.Addr())
			p.Slow(4 << 20)

			w := watchDBSize(t, replica)
			start := time.Now()
			replicaOf(t, replica, p.Addr())
			waitSynced(t, master, replica)
			seen := w.Stop()
			t.Logf("full sync through the slow link took %v; DBSIZE answers: %q", time.Since(start), seen)
			requireNoHalfLoad(t, seen, 10, bigKeys)
			require.Equal(t, "10", seen[0], "the replica did not serve its old dataset while the new one was on its way")
			requireSameDigest(t, master, replica)
		})
	}
}

// TestLinkCutMidStream: the link drops again and again while the master
// is written to; the replica continues partially and converges.
func TestLinkCutMidStream(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	populate(t, master.c)
	replica := startNode(t, "")
	p := startProxy(t, master.Addr())
	replicaOf(t, replica, p.Addr())
	waitSynced(t, master, replica)

	stop := writeLoad(t, master)
	for i := 0; i < 4; i++ {
		time.Sleep(150 * time.Millisecond)
		p.Cut()
	}
	stop()
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
	stats := infoMap(t, master.c, "stats")
	assert.Equal(t, "1", stats["sync_full"], "a cut link forced a full resync")
	ok, _ := strconv.Atoi(stats["sync_partial_ok"])
	assert.GreaterOrEqual(t, ok, 1, "no partial resync after the cuts")
	require.NoError(t, master.c.Set(ctx, "after", "cuts", 0).Err())
	waitSynced(t, master, replica)
	assert.Equal(t, "cuts", replica.c.Get(ctx, "after").Val())
}

// TestLinkStall: nothing moves on the link for a while; the replica falls
// behind, keeps the link, and catches up when the bytes flow again.
func TestLinkStall(t *testing.T) {
	master := startNode(t, "")
	replica := startNode(t, "")
	p := startProxy(t, master.Addr())
	replicaOf(t, replica, p.Addr())
	waitSynced(t, master, replica)

	p.Stall(1500 * time.Millisecond)
	stop := writeLoad(t, master)
	time.Sleep(500 * time.Millisecond)
	stop()
	behind := offsetOf(t, master, "master_repl_offset") - offsetOf(t, replica, "slave_repl_offset")
	assert.Positive(t, behind, "the replica kept up through a stalled link")
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
	stats := infoMap(t, master.c, "stats")
	assert.Equal(t, "1", stats["sync_full"])
	assert.Equal(t, "0", stats["sync_partial_ok"], "a stall of 1.5 s dropped the link")
}

// TestLinkCutMidTransfer: the link drops while a large RDB is on its way;
// the replica throws the partial payload away, keeps serving its old
// dataset, and syncs again from scratch.
func TestLinkCutMidTransfer(t *testing.T) {
	master := startNode(t, "")
	loadKeys(t, master.server, "key", bigKeys, bigValue)
	replica := startNode(t, "")
	loadKeys(t, replica.server, "old", 10, 8)
	p := startProxy(t, master.Addr())
	p.Slow(2 << 20)

	w := watchDBSize(t, replica)
	replicaOf(t, replica, p.Addr())
	waitFor(t, 15*time.Second, "the RDB transfer to start", func() (bool, string) {
		n := p.Largest()
		return n > 1<<20, fmt.Sprintf("at most %d bytes forwarded on one connection", n)
	})
	p.Cut()
	p.Slow(0)
	waitSynced(t, master, replica)
	seen := w.Stop()
	requireNoHalfLoad(t, seen, 10, bigKeys)
	requireSameDigest(t, master, replica)
	full, err := strconv.Atoi(infoMap(t, master.c, "stats")["sync_full"])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, full, 2, "the cut transfer was not started again")
}

// TestMasterKilledMidTransfer: the master dies (SIGKILL) while a large RDB
// is on its way. The replica keeps its old dataset, and converges with a
// new master reachable at the same address.
func TestMasterKilledMidTransfer(t *testing.T) {
	master := startNode(t, "")
	// 15 MB of RDB: far more than the socket buffers between the master
	// and the replica can hold, so the master dies with most of it unsent.
	loadKeys(t, master.server, "key", bigKeys, 300)
	replica := startNode(t, "")
	loadKeys(t, replica.server, "old", 10, 8)
	p := startProxy(t, master.Addr())
	p.Slow(2 << 20)

	w := watchDBSize(t, replica)
	replicaOf(t, replica, p.Addr())
	waitFor(t, 15*time.Second, "the RDB transfer to start", func() (bool, string) {
		n := p.Largest()
		return n > 1<<20, fmt.Sprintf("at most %d bytes forwarded on one connection", n)
	})
	kill9(master.server)
	p.Retarget(addr(freePort(t))) // nobody there: the replica keeps retrying
	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, []string{"10"}, w.Seen(), "the replica did not keep its old dataset")
	assert.Equal(t, "down", infoMap(t, replica.c, "replication")["master_link_status"])

	again := startNode(t, "")
	populate(t, again.c)
	p.Slow(0)
	p.Retarget(again.Addr())
	waitSynced(t, again, replica)
	seen := w.Stop()
	for _, s := range seen {
		require.Contains(t, []string{"10", "LOADING", strconv.FormatInt(again.c.DBSize(context.Background()).Val(), 10)}, s,
			"the replica served a partial dataset; DBSIZE answers in order: %q", seen)
	}
	requireSameDigest(t, again, replica)
}

// writeLoad writes to every type in two dbs and in transactions on
// master until the returned function is called. Errors are ignored: the
// load only has to change the dataset.
func writeLoad(t *testing.T, master *replNode) (stop func()) {
	c := redis.NewClient(&redis.Options{Addr: master.Addr(), PoolSize: 2})
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ctx := context.Background()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			c.Set(ctx, fmt.Sprint("load:", i%500), i, 0)
			c.RPush(ctx, "load:list", i)
			c.HIncrBy(ctx, "load:hash", fmt.Sprint("f", i%50), 1)
			c.ZAdd(ctx, "load:zset", redis.Z{Score: float64(i), Member: i % 100})
			c.SAdd(ctx, "load:set", i%300)
			c.Set(ctx, fmt.Sprint("load:ttl:", i%50), i, time.Hour)
			c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "load:counter")
				p.Do(ctx, "SELECT", 3)
				p.Append(ctx, "load:db3", "x")
				return nil
			})
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			<-finished
			c.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}

// offsetOf reads an offset field of INFO replication.
func offsetOf(t *testing.T, n *replNode, field string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(infoMap(t, n.c, "replication")[field], 10, 64)
	require.NoError(t, err, "%s in INFO replication", field)
	return v
}
