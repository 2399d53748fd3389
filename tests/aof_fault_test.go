package tests

// Fault tests of the append-only file: the server is killed with SIGKILL,
// as a crash would, at random moments under a write load, during and
// around BGREWRITEAOF, or its disk fills up. A restart on the same
// directory must find every write whose reply a client received, the
// manifest must always load, and redis-check-aof must accept the files.
//
// A kill -9 leaves the kernel's page cache behind: these tests prove what
// reaches write(2) and when, not that fsync is called (only a power cut
// would).
//
// Every test logs its seed; AOF_SEED=<seed> repeats its random choices
// (the moments of the kills, the mix of commands). A failure message names
// the seed, the round, when the kill happened and the first writes lost.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	faultWait  = 60 * time.Second // for writes to be acknowledged, a rewrite to end: generous, for -race
	faultBatch = 1000             // keys per MGET when checking
)

// faultSeed is the test's random seed: AOF_SEED, or the clock.
func faultSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AOF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "AOF_SEED")
		seed = v
	}
	t.Logf("seed %d (AOF_SEED=%d repeats this run's random choices)", seed, seed)
	return seed
}

// faultStart starts the server under test on dir (kept across restarts)
// with a fresh port, no save points and args.
func faultStart(t *testing.T, dir string, args ...string) *replNode {
	t.Helper()
	return launchNode(t, "", dir, freePort(t), args...)
}

// faultCrash kills the server with SIGKILL, and with it any process it forked
// (real Redis rewrites the AOF in a child, which would otherwise go on
// writing into dir after its parent died: a crash of the machine takes
// both). It returns the moment just before the kill.
func faultCrash(s *server) time.Time {
	kids := faultChildren(s.cmd.Process.Pid)
	at := time.Now()
	kill9(s)
	for _, pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return at
}

// faultChildren lists the processes whose parent is pid.
func faultChildren(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(b), ") ")
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}

// faultLogTail is the end of a server's log, for a failure message.
func faultLogTail(s *server) string {
	out := s.output()
	if len(out) > 3000 {
		out = "..." + out[len(out)-3000:]
	}
	return out
}

// faultCheckAOF runs redis-check-aof on the manifest in dir and requires it to
// accept every file.
func faultCheckAOF(t *testing.T, dir string) {
	t.Helper()
	manifest := filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")
	out, errOut, err := runTool(t, 60*time.Second, "", "redis-check-aof", manifest)
	require.NoError(t, err, "redis-check-aof %s\n%s%s", manifest, out, errOut)
	require.Contains(t, out, "All AOF files and manifest are valid", "redis-check-aof %s\n%s%s", manifest, out, errOut)
}

// faultWriter is one client of a write load. It records only the writes
// whose reply it received, and what it sent, so that after a crash every
// acknowledged write must be there and nothing never sent may be:
//
//	SET k:<id>:<n % slots> <n>      n counts the writer's SETs
//	INCR c:<id>
//	RPUSH l:<id> <i>                 i counts its pushes: the list is 1..LLEN
//	MULTI SET t:<id>:a <i> SET t:<id>:b <i> INCR tc:<id> EXEC
//	                                 i counts its transactions: a = b = tc
//
// At most one command is in flight, the one that failed when the server
// died: it may or may not have been persisted.
type faultWriter struct {
	id    int
	slots int
	r     *rand.Rand
	set   map[int]int // slot -> n of the last acknowledged SET to it
	nextN int
	// pendSlot, pendN: the SET in flight when the writer stopped, if any.
	pendSlot, pendN int
	incr, push, tx  faultCount
	acks            atomic.Int64
	err             error
	errAt           time.Time
}

// faultCount is what a writer knows of a counter: the value in the last
// reply it received, and how many increments it sent.
type faultCount struct{ acked, sent int64 }

func newFaultWriters(seed uint64, n, slots int) []*faultWriter {
	ws := make([]*faultWriter, n)
	for i := range ws {
		ws[i] = &faultWriter{id: i, slots: slots, r: rand.New(rand.NewPCG(seed, uint64(i)+1)),
			set: map[int]int{}, pendSlot: -1}
	}
	return ws
}

func (w *faultWriter) setKey(slot int) string { return fmt.Sprintf("k:%d:%d", w.id, slot) }
func (w *faultWriter) name(prefix string) string {
	return fmt.Sprintf("%s:%d", prefix, w.id)
}

// run writes until stop is closed or a command fails.
func (w *faultWriter) run(c *redis.Client, stop <-chan struct{}) {
	ctx := context.Background()
	w.err = nil
	for {
		select {
		case <-stop:
			return
		default:
		}
		w.pendSlot = -1
		var err error
		switch p := w.r.IntN(20); {
		case p < 11:
			n := w.nextN
			w.nextN++
			w.pendSlot, w.pendN = n%w.slots, n
			if err = c.Set(ctx, w.setKey(n%w.slots), n, 0).Err(); err == nil {
				w.set[n%w.slots] = n
				w.pendSlot = -1
			}
		case p < 14:
			w.incr.sent++
			var v int64
			if v, err = c.Incr(ctx, w.name("c")).Result(); err == nil {
				w.incr.acked = v
			}
		case p < 17:
			w.push.sent++
			var v int64
			if v, err = c.RPush(ctx, w.name("l"), w.push.sent).Result(); err == nil {
				w.push.acked = v
			}
		default:
			w.tx.sent++
			i := w.tx.sent
			_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, w.name("t")+":a", i, 0)
				p.Set(ctx, w.name("t")+":b", i, 0)
				p.Incr(ctx, w.name("tc"))
				return nil
			})
			if err == nil {
				w.tx.acked = i
			}
		}
		if err != nil {
			w.err, w.errAt = err, time.Now()
			return
		}
		w.acks.Add(1)
	}
}

// verify checks the server holds every acknowledged write of w, and
// then takes what it holds as w's new state (the write in flight at the
// crash may have been kept). It returns the problems found.
func (w *faultWriter) verify(t *testing.T, c *redis.Client) []string {
	t.Helper()
	ctx := context.Background()
	var problems []string
	slots := make([]int, 0, len(w.set)+1)
	for s := range w.set {
		slots = append(slots, s)
	}
	if _, ok := w.set[w.pendSlot]; !ok && w.pendSlot >= 0 {
		slots = append(slots, w.pendSlot)
	}
	slices.Sort(slots)
	for start := 0; start < len(slots); start += faultBatch {
		batch := slots[start:min(len(slots), start+faultBatch)]
		keys := make([]string, len(batch))
		for i, s := range batch {
			keys[i] = w.setKey(s)
		}
		vals, err := c.MGet(ctx, keys...).Result()
		require.NoError(t, err)
		for i, s := range batch {
			got, _ := vals[i].(string)
			acked, wasAcked := w.set[s]
			switch {
			case s == w.pendSlot && got == strconv.Itoa(w.pendN):
				w.set[s] = w.pendN
			case !wasAcked:
			case vals[i] == nil:
				problems = append(problems, fmt.Sprintf("%s missing (acknowledged SET to %d)", keys[i], acked))
			case got != strconv.Itoa(acked):
				problems = append(problems, fmt.Sprintf("%s = %q (acknowledged SET to %d)", keys[i], got, acked))
			}
		}
	}
	w.pendSlot = -1

	counter := func(what string, key string, n *faultCount) {
		v, err := c.Get(ctx, key).Int64()
		if errors.Is(err, redis.Nil) {
			v, err = 0, nil
		}
		require.NoError(t, err, key)
		if v < n.acked || v > n.sent {
			problems = append(problems, fmt.Sprintf("%s %s = %d: acknowledged %d, sent %d", what, key, v, n.acked, n.sent))
		}
		n.acked, n.sent = v, v
	}
	counter("INCR", w.name("c"), &w.incr)

	list, err := c.LRange(ctx, w.name("l"), 0, -1).Result()
	require.NoError(t, err)
	if n := int64(len(list)); n < w.push.acked || n > w.push.sent {
		problems = append(problems, fmt.Sprintf("RPUSH %s: LLEN %d, acknowledged %d, sent %d", w.name("l"), n, w.push.acked, w.push.sent))
	}
	for i, v := range list {
		if v != strconv.Itoa(i+1) {
			problems = append(problems, fmt.Sprintf("RPUSH %s: element %d is %q, not %d", w.name("l"), i, v, i+1))
			break
		}
	}
	w.push.acked, w.push.sent = int64(len(list)), int64(len(list))

	tx, err := c.MGet(ctx, w.name("t")+":a", w.name("t")+":b").Result()
	require.NoError(t, err)
	counter("MULTI/EXEC", w.name("tc"), &w.tx)
	want := strconv.FormatInt(w.tx.sent, 10)
	for i, suffix := range []string{":a", ":b"} {
		got, _ := tx[i].(string)
		if tx[i] == nil && w.tx.sent == 0 {
			continue
		}
		if got != want {
			problems = append(problems, fmt.Sprintf("MULTI/EXEC not all or nothing: %s = %v but %s = %s", w.name("t")+suffix, tx[i], w.name("tc"), want))
		}
	}
	return problems
}

// faultLoad runs writers against a server, one client each.
type faultLoad struct {
	ws      []*faultWriter
	stop    chan struct{}
	wg      sync.WaitGroup
	started time.Time
}

func startFaultLoad(s *server, ws []*faultWriter) *faultLoad {
	l := &faultLoad{ws: ws, stop: make(chan struct{}), started: time.Now()}
	for _, w := range ws {
		w.acks.Store(0)
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, MaxRetries: -1, PoolSize: 1,
			ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer c.Close()
			w.run(c, l.stop)
		}()
	}
	return l
}

func (l *faultLoad) acks() int64 {
	var n int64
	for _, w := range l.ws {
		n += w.acks.Load()
	}
	return n
}

// waitAcks waits until the writers have n acknowledged writes.
func (l *faultLoad) waitAcks(t *testing.T, n int64) {
	t.Helper()
	waitFor(t, faultWait, fmt.Sprintf("%d acknowledged writes", n), func() (bool, string) {
		got := l.acks()
		return got >= n, fmt.Sprintf("%d acknowledged", got)
	})
}

// end waits for the writers after the kill. A writer that failed before
// the kill got an error from a live server: that fails the test.
func (l *faultLoad) end(t *testing.T, killedAt time.Time, what string) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	for _, w := range l.ws {
		if w.err != nil && w.errAt.Before(killedAt) {
			t.Fatalf("%s: writer %d failed %v before the kill: %v", what, w.id, killedAt.Sub(w.errAt), w.err)
		}
	}
}

// faultVerifyAll checks every writer's acknowledged writes on the server.
func faultVerifyAll(t *testing.T, c *redis.Client, ws []*faultWriter, what string, killed *server) {
	t.Helper()
	var problems []string
	for _, w := range ws {
		problems = append(problems, w.verify(t, c)...)
	}
	if len(problems) > 0 {
		if killed != nil {
			t.Logf("log of the killed server:\n%s", faultLogTail(killed))
		}
		t.Fatalf("%s: %d acknowledged writes lost or wrong, the first: %s", what, len(problems),
			strings.Join(problems[:min(len(problems), 8)], "; "))
	}
}

// TestAOFKill9Always proves appendfsync always: a write whose reply a
// client received survives a kill -9 at any moment. Eight clients write
// (SET, INCR, RPUSH, MULTI/EXEC); the server is killed at a random moment
// and restarted on the same directory, ten times (the data accumulates).
// Every acknowledged write must be there, no write that was never sent,
// and transactions all or nothing. redis-check-aof accepts the files that
// the last restart left: a kill may tear the tail of the AOF, which the
// restart truncates (aof-load-truncated), as Redis does.
func TestAOFKill9Always(t *testing.T) {
	seed := faultSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", "always"}
	ws := newFaultWriters(seed, 8, 1<<30)
	n := faultStart(t, dir, args...)
	for round := 0; round < 10; round++ {
		load := startFaultLoad(n.server, ws)
		load.waitAcks(t, 100)
		time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		killedAt := faultCrash(n.server)
		what := fmt.Sprintf("seed %d, round %d, killed %v after the load started (%d writes acknowledged)",
			seed, round, killedAt.Sub(load.started).Round(time.Millisecond), load.acks())
		load.end(t, killedAt, what)
		killed := n.server
		n = faultStart(t, dir, args...)
		faultVerifyAll(t, n.c, ws, what, killed)
		t.Logf("round %d: killed %v after the load started, %d writes acknowledged", round,
			killedAt.Sub(load.started).Round(time.Millisecond), load.acks())
	}
	n.stop()
	faultCheckAOF(t, dir)
}

// TestAOFEverysecLossBounded proves appendfsync everysec's bound: after a
// kill -9, what survives is a prefix of a client's sequential writes (no
// holes), and it holds every write acknowledged more than
// everysecLossBound before the kill. Redis writes the AOF buffer before it
// replies, unless a background fsync is still running: then it postpones
// the write, for at most two seconds by its clock of whole seconds
// (aof_delayed_fsync counts the writes it stopped waiting for), retried
// every cron tick. A reply can thus precede its write(2) by two seconds
// and a little: three seconds is that bound with a margin for a loaded
// machine.
func TestAOFEverysecLossBounded(t *testing.T) {
	const everysecLossBound = 3 * time.Second
	seed := faultSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", "everysec"}
	key := func(round, i int) string { return fmt.Sprintf("seq:%d:%d", round, i) }
	// present fetches which of seq:<round>:0..n-1 the server holds.
	present := func(c *redis.Client, round, n int) []bool {
		has := make([]bool, n)
		for start := 0; start < n; start += faultBatch {
			keys := make([]string, 0, faultBatch)
			for i := start; i < min(n, start+faultBatch); i++ {
				keys = append(keys, key(round, i))
			}
			vals, err := c.MGet(context.Background(), keys...).Result()
			require.NoError(t, err)
			for j, v := range vals {
				has[start+j] = v == strconv.Itoa(start+j)
			}
		}
		return has
	}
	var kept []int // per round, how many of its writes survived
	n := faultStart(t, dir, args...)
	for round := 0; round < 3; round++ {
		c := redis.NewClient(&redis.Options{Addr: n.Addr(), Protocol: 2, MaxRetries: -1, PoolSize: 1,
			ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
		var (
			acked   []time.Time // acked[i]: when SET seq:<round>:<i> was acknowledged
			count   atomic.Int64
			werr    error
			werrAt  time.Time
			stopped = make(chan struct{})
		)
		go func() {
			defer close(stopped)
			defer c.Close()
			for i := 0; ; i++ {
				if werr = c.Set(context.Background(), key(round, i), i, 0).Err(); werr != nil {
					werrAt = time.Now()
					return
				}
				acked = append(acked, time.Now())
				count.Add(1)
			}
		}()
		waitFor(t, faultWait, "a first acknowledged write", func() (bool, string) { return count.Load() > 0, "none yet" })
		// Kill once the oldest writes are well past the bound.
		time.Sleep(everysecLossBound + time.Second + time.Duration(rng.IntN(1500))*time.Millisecond)
		killedAt := faultCrash(n.server)
		<-stopped
		what := fmt.Sprintf("seed %d, round %d, killed at %s", seed, round, killedAt.Format("15:04:05.000"))
		if werrAt.Before(killedAt) {
			t.Fatalf("%s: the writer failed %v before the kill: %v", what, killedAt.Sub(werrAt), werr)
		}
		killed := n.server
		n = faultStart(t, dir, args...)

		has := present(n.c, round, len(acked)+1) // and the write in flight
		m := slices.Index(has, false)
		if m < 0 {
			m = len(has)
		}
		if hole := slices.Index(has[m:], true); hole >= 0 {
			t.Fatalf("%s: a hole: %s is missing but %s is there", what, key(round, m), key(round, m+hole))
		}
		if m < len(acked) && acked[m].Before(killedAt.Add(-everysecLossBound)) {
			last := m
			for last+1 < len(acked) && acked[last+1].Before(killedAt.Add(-everysecLossBound)) {
				last++
			}
			t.Logf("log of the killed server:\n%s", faultLogTail(killed))
			t.Fatalf("%s: lost %s..%s, acknowledged %v to %v before the kill (bound %v); %d of %d acknowledged writes are there",
				what, key(round, m), key(round, last), killedAt.Sub(acked[m]).Round(time.Millisecond),
				killedAt.Sub(acked[last]).Round(time.Millisecond), everysecLossBound, m, len(acked))
		}
		t.Logf("round %d: %d writes acknowledged, %d there after the restart", round, len(acked), m)
		kept = append(kept, m)
		for r, want := range kept {
			has := present(n.c, r, want+1)
			if i := slices.Index(has[:want], false); i >= 0 || has[want] {
				t.Fatalf("%s: round %d's %d writes changed after a later restart (first missing %d, one more there: %v)",
					what, r, want, i, has[want])
			}
		}
	}
}

// TestAOFRewriteKilled proves that a crash during or around BGREWRITEAOF
// loses nothing: the manifest always loads and names a consistent set of
// files. A dataset of some thousands of keys, with rdb-key-save-delay to
// make the rewrite last (Redis honours it in the AOF rewrite, with and
// without the RDB preamble), a write load with appendfsync always, and a
// kill at a random moment from the start of BGREWRITEAOF to a little past
// its end. After each restart every acknowledged write is there. At the
// end a BGREWRITEAOF succeeds (no leftover of the killed rewrites is in
// its way), leaves only the files its manifest names, and the rewritten
// files load.
func TestAOFRewriteKilled(t *testing.T) {
	seed := faultSeed(t)
	for _, preamble := range []string{"yes", "no"} {
		t.Run("aof-use-rdb-preamble="+preamble, func(t *testing.T) {
			t.Parallel() // two servers of their own, mostly waiting
			faultRewriteKilled(t, seed, preamble)
		})
	}
}

func faultRewriteKilled(t *testing.T, seed uint64, preamble string) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", "always",
		"--aof-use-rdb-preamble", preamble, "--rdb-key-save-delay", "250"}
	n := faultStart(t, dir, args...)
	keys, digests := faultPreload(t, n.c)
	checkPreload := func(c *redis.Client, what string) {
		t.Helper()
		got, err := c.Do(ctx, append([]any{"DEBUG", "DIGEST-VALUE"}, keys...)...).StringSlice()
		require.NoError(t, err)
		for i, k := range keys {
			require.Equal(t, digests[i], got[i], "%s: %s changed", what, k)
		}
	}
	ws := newFaultWriters(seed, 4, 64)
	var rewrite time.Duration // how long the last complete rewrite took
	for round := 0; round < 6; round++ {
		load := startFaultLoad(n.server, ws)
		load.waitAcks(t, 50)
		start := time.Now()
		msg, err := n.c.BgRewriteAOF(ctx).Result()
		require.NoError(t, err)
		require.Equal(t, "Background append only file rewriting started", msg)
		if round == 0 || rng.IntN(3) == 0 {
			// Right after the end: the new manifest, the history files
			// being deleted.
			faultWaitRewrite(t, n.c)
			rewrite = time.Since(start)
			time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		} else {
			time.Sleep(time.Duration(rng.Int64N(int64(rewrite) * 5 / 4)))
		}
		running := infoMap(t, n.c, "persistence")["aof_rewrite_in_progress"] == "1"
		killedAt := faultCrash(n.server)
		what := fmt.Sprintf("seed %d, round %d, killed %v after BGREWRITEAOF, rewrite running %v just before (the last complete one took %v)",
			seed, round, killedAt.Sub(start).Round(time.Millisecond), running, rewrite.Round(time.Millisecond))
		load.end(t, killedAt, what)
		killed := n.server
		n = faultStart(t, dir, args...)
		faultVerifyAll(t, n.c, ws, what, killed)
		checkPreload(n.c, what)
		t.Logf("round %d: killed %v after BGREWRITEAOF, rewrite running %v, %d writes acknowledged", round,
			killedAt.Sub(start).Round(time.Millisecond), running, load.acks())
	}

	require.NoError(t, n.c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	msg, err := n.c.BgRewriteAOF(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, "Background append only file rewriting started", msg)
	faultWaitRewrite(t, n.c)
	waitFor(t, faultWait, "only the manifest's files in appendonlydir", func() (bool, string) {
		listed, present := faultDirFiles(t, dir)
		return slices.Equal(listed, present), fmt.Sprintf("manifest %v, directory %v", listed, present)
	})
	n.stop()
	faultCheckAOF(t, dir)
	n = faultStart(t, dir, args...)
	faultVerifyAll(t, n.c, ws, "after the last rewrite", nil)
	checkPreload(n.c, "after the last rewrite")
}

// faultPreload writes 2000 strings and a collection of each type, and
// returns the keys and their DEBUG DIGEST-VALUE.
func faultPreload(t *testing.T, c *redis.Client) (keys []any, digests []string) {
	ctx := context.Background()
	p := c.Pipeline()
	for i := 0; i < 2000; i++ {
		p.Set(ctx, fmt.Sprint("pre:", i), strings.Repeat("v", i%50)+strconv.Itoa(i), 0)
		keys = append(keys, fmt.Sprint("pre:", i))
	}
	for i := 0; i < 500; i++ {
		p.HSet(ctx, "pre:hash", fmt.Sprint("f", i), i)
		p.RPush(ctx, "pre:list", i)
		p.SAdd(ctx, "pre:set", fmt.Sprint("m", i))
		p.ZAdd(ctx, "pre:zset", redis.Z{Score: float64(i) / 7, Member: fmt.Sprint("m", i)})
	}
	p.Expire(ctx, "pre:zset", time.Hour)
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	keys = append(keys, "pre:hash", "pre:list", "pre:set", "pre:zset")
	digests, err = c.Do(ctx, append([]any{"DEBUG", "DIGEST-VALUE"}, keys...)...).StringSlice()
	require.NoError(t, err)
	require.Len(t, digests, len(keys))
	return keys, digests
}

// faultWaitRewrite waits until no AOF rewrite runs or is scheduled, and
// requires the last one to have succeeded.
func faultWaitRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	waitFor(t, faultWait, "the AOF rewrite to end", func() (bool, string) {
		info := infoMap(t, c, "persistence")
		return info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0",
			fmt.Sprintf("aof_rewrite_in_progress:%s aof_rewrite_scheduled:%s", info["aof_rewrite_in_progress"], info["aof_rewrite_scheduled"])
	})
	info := infoMap(t, c, "persistence")
	require.Equal(t, "ok", info["aof_last_bgrewrite_status"], "aof_last_bgrewrite_status")
	require.Equal(t, "ok", info["aof_last_write_status"], "aof_last_write_status")
}

// faultDirFiles returns the files the manifest in dir names, with the
// manifest, and the files appendonlydir holds, both sorted.
func faultDirFiles(t *testing.T, dir string) (listed, present []string) {
	aofDir := filepath.Join(dir, "appendonlydir")
	b, err := os.ReadFile(filepath.Join(aofDir, "appendonly.aof.manifest"))
	require.NoError(t, err)
	listed = []string{"appendonly.aof.manifest"}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "file" {
			listed = append(listed, f[1])
		}
	}
	entries, err := os.ReadDir(aofDir)
	require.NoError(t, err)
	for _, e := range entries {
		present = append(present, e.Name())
	}
	slices.Sort(listed)
	slices.Sort(present)
	return listed, present
}

// faultMountTmpfs mounts a tmpfs of size (mount's syntax: 1m) on a fresh
// directory, as root or through sudo -n, and unmounts it when the test
// ends (after the servers it started later have stopped). Without root
// or sudo the test fails: it never skips. resize changes the size of the
// mounted tmpfs.
func faultMountTmpfs(t *testing.T, size string) (dir string, resize func(size string) error) {
	dir = filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.Mkdir(dir, 0o755))
	run := func(args ...string) error {
		if os.Geteuid() != 0 {
			args = append([]string{"sudo", "-n"}, args...)
		}
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir); err != nil {
		t.Fatalf("this test mounts a small tmpfs to fill it, which needs root or sudo -n: %v", err)
	}
	t.Cleanup(func() {
		if err := run("umount", dir); err != nil {
			t.Errorf("unmounting the test's tmpfs: %v", err)
		}
	})
	return dir, func(size string) error { return run("mount", "-o", "remount,size="+size, dir) }
}

// The log lines and error of a full disk, from Redis's aof.c and server.c.
const (
	faultWriteErrorLog = "Error writing to the AOF file: No space left on device"
	faultShortWriteLog = "Short write while writing to the AOF file: (nwritten="
	faultSolvedLog     = "AOF write error looks solved, Redis can write again."
	faultAlwaysExitLog = "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
	faultMisconf       = "MISCONF Errors writing to the AOF file: No space left on device"
)

// TestAOFFullDisk fills the disk under the AOF. With appendfsync
// everysec, the write that meets the full disk is acknowledged (it waits
// in the AOF buffer), writes are then refused with MISCONF and INFO says
// aof_last_write_status:err, reads go on; once there is room again writes
// succeed without a restart, and the log says the error looks solved.
// With appendfsync always, a reply is a promise that the write is on
// disk, so the server logs that it cannot recover and exits with status
// 1 rather than refuse writes. Either way, after a kill -9 and a restart
// with room, no acknowledged write is lost and redis-check-aof accepts the
// files. Each log line is checked by a substring of Redis's source.
func TestAOFFullDisk(t *testing.T) {
	for _, fsync := range []string{"everysec", "always"} {
		t.Run("appendfsync="+fsync, func(t *testing.T) { faultFullDisk(t, fsync) })
	}
}

func faultFullDisk(t *testing.T, fsync string) {
	ctx := context.Background()
	disk, resize := faultMountTmpfs(t, "1m")
	args := []string{"--appendonly", "yes", "--appendfsync", fsync}
	n := faultStart(t, disk, args...)
	value := strings.Repeat("x", 4000)
	var acked []string
	var fillErr error
	for i := 0; fillErr == nil; i++ {
		require.Less(t, i, 10000, "1 MB of disk took 40 MB of writes without an error")
		k := fmt.Sprint("fill:", i)
		if fillErr = n.c.Set(ctx, k, value, 0).Err(); fillErr == nil {
			acked = append(acked, k)
		}
	}
	t.Logf("appendfsync %s: %d writes acknowledged, then: %v", fsync, len(acked), fillErr)
	writeErrorLogged := func() (bool, string) {
		out := n.output()
		return strings.Contains(out, faultWriteErrorLog) || strings.Contains(out, faultShortWriteLog), faultLogTail(n.server)
	}

	if fsync == "always" {
		var redisErr redis.Error
		require.False(t, errors.As(fillErr, &redisErr), "an error reply, not the connection closing: %v", fillErr)
		select {
		case <-n.exited:
		case <-time.After(faultWait):
			t.Fatalf("still running %v after the write that met the full disk (%v)", faultWait, fillErr)
		}
		var exit *exec.ExitError
		require.True(t, errors.As(n.waitErr, &exit), "exit: %v", n.waitErr)
		require.Equal(t, 1, exit.ExitCode(), "exit status")
		kill9(n.server) // it has exited: this only marks it stopped
		ok, log := writeErrorLogged()
		require.True(t, ok, "no write error in the log:\n%s", log)
		require.Contains(t, n.output(), faultAlwaysExitLog)
		require.NoError(t, resize("64m"))
	} else {
		require.EqualError(t, fillErr, faultMisconf)
		require.EqualError(t, n.c.Set(ctx, "refused", 1, 0).Err(), faultMisconf)
		require.Equal(t, "err", infoMap(t, n.c, "persistence")["aof_last_write_status"])
		ok, log := writeErrorLogged()
		require.True(t, ok, "no write error in the log:\n%s", log)
		got, err := n.c.Get(ctx, acked[len(acked)-1]).Result()
		require.NoError(t, err, "reads go on")
		require.Equal(t, value, got)

		require.NoError(t, resize("64m"))
		waitFor(t, faultWait, "writes to succeed with room on the disk", func() (bool, string) {
			err := n.c.Set(ctx, "probe", 1, 0).Err()
			return err == nil, fmt.Sprint(err)
		})
		acked = append(acked, "probe")
		require.Equal(t, "ok", infoMap(t, n.c, "persistence")["aof_last_write_status"])
		waitLog(t, n.server, faultSolvedLog)
		for i := 0; i < 100; i++ {
			k := fmt.Sprint("after:", i)
			require.NoError(t, n.c.Set(ctx, k, value, 0).Err())
			acked = append(acked, k)
		}
		faultCrash(n.server)
	}

	// Redis removes a short write with ftruncate, and nothing was being
	// written at the kill: the files are valid before any restart.
	faultCheckAOF(t, disk)
	n = faultStart(t, disk, args...)
	var missing []string
	for start := 0; start < len(acked); start += faultBatch {
		batch := acked[start:min(len(acked), start+faultBatch)]
		vals, err := n.c.MGet(ctx, batch...).Result()
		require.NoError(t, err)
		for i, v := range vals {
			if v == nil {
				missing = append(missing, batch[i])
			}
		}
	}
	require.Empty(t, missing, "appendfsync %s: %d of %d acknowledged writes lost", fsync, len(missing), len(acked))
	n.stop()
	faultCheckAOF(t, disk)
}
