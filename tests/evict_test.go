package tests

// maxmemory and eviction end to end, and the per-key access clock across
// RDB files and DUMP/RESTORE between this server and real Redis 7.0.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// For every policy, writing 4 times maxmemory keeps used_memory at or
// under maxmemory (plus the overshoot of the last commands of a pipeline
// and of the client's buffers) at every sample; volatile policies never
// evict a key without an expire time; noeviction answers OOM to writes
// while reads go on.
func TestEvictionKeepsMemoryUnderLimit(t *testing.T) {
	const (
		maxmemory = 2 << 20
		valueSize = 100
		batch     = 100
		overshoot = 64 << 10
	)
	ctx := context.Background()
	for _, policy := range []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			srv := startServer(t, "--save", "", "--maxmemory", strconv.Itoa(maxmemory), "--maxmemory-policy", policy)
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer c.Close()
			volatile := strings.HasPrefix(policy, "volatile")
			persistent := 0
			if volatile { // keys without TTL, a fraction of the limit
				for ; persistent < 2000; persistent++ {
					require.NoError(t, c.Set(ctx, fmt.Sprint("persistent:", persistent), "v", 0).Err())
				}
			}
			value := strings.Repeat("x", valueSize)
			written, oom := 0, 0
			for i := 0; written < 4*maxmemory; i += batch {
				p := c.Pipeline()
				for j := i; j < i+batch; j++ {
					ttl := time.Duration(0)
					if volatile {
						ttl = time.Hour + time.Duration(j)*time.Second
					}
					p.Set(ctx, fmt.Sprint("key:", j), value, ttl)
					written += valueSize + 10
				}
				cmds, _ := p.Exec(ctx)
				for _, cmd := range cmds {
					if err := cmd.Err(); err != nil {
						require.Equal(t, "OOM command not allowed when used memory > 'maxmemory'.", err.Error())
						oom++
					}
				}
				used := infoField(t, c, "memory", "used_memory")
				require.LessOrEqual(t, used, int64(maxmemory+overshoot), "after %d bytes written", written)
			}
			evicted := infoField(t, c, "stats", "evicted_keys")
			require.NoError(t, c.ConfigSet(ctx, "maxmemory-samples", "5").Err())
			require.NotContains(t, srv.output(), "not implemented", "the eviction settings are implemented")
			if policy == "noeviction" {
				require.Positive(t, oom)
				require.Zero(t, evicted)
				v, err := c.Get(ctx, "key:0").Result()
				require.NoError(t, err)
				require.Equal(t, value, v)
				require.NoError(t, c.Del(ctx, "key:0").Err())
				return
			}
			require.Zero(t, oom)
			require.Positive(t, evicted)
			for i := 0; i < persistent; i++ {
				require.Equal(t, int64(1), c.Exists(ctx, fmt.Sprint("persistent:", i)).Val(), "persistent:%d was evicted", i)
			}
		})
	}
}

// Evictions reach a replica and the AOF as DELs (UNLINKs with
// lazyfree-lazy-eviction); the replica, whose maxmemory is far lower, does
// not evict on its own (replica-ignore-maxmemory).
func TestEvictionPropagates(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	master := startServer(t, "--save", "", "--appendonly", "yes", "--lazyfree-lazy-eviction", "yes")
	mc := redis.NewClient(&redis.Options{Addr: master.Addr(), PoolSize: 1})
	defer mc.Close()
	replica := startServer(t, "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port), "--maxmemory", "1")
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr(), PoolSize: 1})
	defer rc.Close()
	wait := func(what string, cond func() bool) {
		waitFor(t, 10*time.Second, what, func() (bool, string) { return cond(), "" })
	}
	wait("the link", func() bool { return infoMap(t, rc, "replication")["master_link_status"] == "up" })
	for i := range 100 {
		require.NoError(t, mc.Set(ctx, fmt.Sprint("k", i), "v", 0).Err())
	}
	wait("the keys on the replica", func() bool { return rc.DBSize(ctx).Val() == 100 })
	require.NoError(t, mc.ConfigSet(ctx, "maxmemory-policy", "allkeys-random").Err())
	require.NoError(t, mc.ConfigSet(ctx, "maxmemory", "1").Err())
	wait("the evictions", func() bool { return mc.DBSize(ctx).Val() == 0 })
	wait("the DELs on the replica", func() bool { return rc.DBSize(ctx).Val() == 0 })
	require.Equal(t, int64(100), infoField(t, mc, "stats", "evicted_keys"))
	require.Zero(t, infoField(t, rc, "stats", "evicted_keys"))
	require.Equal(t, "OK", mc.ConfigSet(ctx, "maxmemory", "0").Val())
	wait("the AOF", func() bool {
		files, _ := filepath.Glob(filepath.Join(master.Dir, "appendonlydir", "*.incr.aof"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if strings.Count(string(b), "$6\r\nUNLINK\r\n") == 100 {
				return true
			}
		}
		return false
	})
}

// The idle time (LRU policies) and the frequency (LFU policies) of keys
// cross RDB files between this server and real Redis in both directions,
// as RDB_OPCODE_IDLE and RDB_OPCODE_FREQ; RESTORE's IDLETIME and FREQ set
// them, with Redis's replies and errors.
func TestAccessClockInterop(t *testing.T) {
	ctx := context.Background()
	realBin := tool(t, "redis-server")
	for _, tc := range []struct {
		policy, option, read string
		value                int64
	}{
		{"allkeys-lru", "IDLETIME", "IDLETIME", 100000},
		{"volatile-lfu", "FREQ", "FREQ", 100},
	} {
		for _, dir := range [][2]string{{realBin, ""}, {"", realBin}} {
			from, to := dir[0], dir[1]
			name := fmt.Sprintf("%s from %s to %s", tc.policy, binName(from), binName(to))
			t.Run(name, func(t *testing.T) {
				data := t.TempDir()
				args := []string{"--maxmemory-policy", tc.policy, "--lfu-decay-time", "0"}
				src := startIn(t, from, data, args...)
				sc := redis.NewClient(&redis.Options{Addr: src.Addr(), PoolSize: 1})
				defer sc.Close()
				require.NoError(t, sc.Set(ctx, "k", "v", 0).Err())
				payload, err := sc.Dump(ctx, "k").Result()
				require.NoError(t, err)
				require.NoError(t, sc.Do(ctx, "RESTORE", "clocked", 0, payload, tc.option, tc.value).Err())
				require.NoError(t, sc.Save(ctx).Err())
				src.stop()

				dst := startIn(t, to, data, args...)
				dc := redis.NewClient(&redis.Options{Addr: dst.Addr(), PoolSize: 1})
				defer dc.Close()
				got, err := dc.Do(ctx, "OBJECT", tc.read, "clocked").Int64()
				require.NoError(t, err)
				require.GreaterOrEqual(t, got, tc.value)
				require.LessOrEqual(t, got, tc.value+5) // the seconds the test took
			})
		}
	}
}

func binName(bin string) string {
	if bin == "" {
		return "ours"
	}
	return "redis"
}

func TestRestoreClockOptions(t *testing.T) {
	ctx := context.Background()
	real := startIn(t, tool(t, "redis-server"), t.TempDir())
	ours := startIn(t, "", t.TempDir())
	var replies [2][]string
	for i, srv := range []*server{real, ours} {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
		defer c.Close()
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
		payload := c.Dump(ctx, "k").Val()
		run := func(args ...any) {
			v, err := c.Do(ctx, args...).Result()
			replies[i] = append(replies[i], fmt.Sprint(args...)+" -> "+fmt.Sprint(v, err))
		}
		for _, opts := range [][]any{
			{"IDLETIME", -1}, {"IDLETIME", "abc"}, {"IDLETIME"}, {"FREQ", 256}, {"FREQ", -1}, {"FREQ", "x"}, {"FREQ"},
			{"IDLETIME", 10, "FREQ", 10}, {"FREQ", 10, "IDLETIME", 10}, {"IDLETIME", 10, "IDLETIME", 20},
			{"FREQ", 10, "FREQ", 20}, {"IDLETIME", 1000, "REPLACE"},
		} {
			run(append([]any{"RESTORE", "r", 0, payload}, opts...)...)
		}
		// The option the policy does not use is accepted and ignored.
		run("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
		run("RESTORE", "r", 0, payload, "REPLACE", "IDLETIME", 100000)
		run("OBJECT", "FREQ", "r")
		run("RESTORE", "r", 0, payload, "REPLACE", "FREQ", 0)
		run("OBJECT", "FREQ", "r")
		run("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
		run("RESTORE", "r", 0, payload, "REPLACE", "FREQ", 100)
		run("OBJECT", "IDLETIME", "r")
		run("RESTORE", "r", 0, payload, "REPLACE", "IDLETIME", 1<<60)
		run("OBJECT", "IDLETIME", "r")
	}
	require.Equal(t, replies[0], replies[1])
}

// redis-cli --hotkeys reads OBJECT FREQ under an LFU policy: with
// lfu-log-factor 0 each access counts, so the counters are exact.
func TestHotkeys(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, "--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0", "--lfu-decay-time", "0")
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
	defer c.Close()
	for i := range 100 {
		require.NoError(t, c.Set(ctx, fmt.Sprint("key:", i), "v", 0).Err())
	}
	for range 40 {
		require.NoError(t, c.Get(ctx, "key:42").Err())
	}
	for range 20 {
		require.NoError(t, c.Get(ctx, "key:7").Err())
	}
	out, stderr, err := runTool(t, time.Minute, "", "redis-cli", "-p", strconv.Itoa(srv.Port), "--hotkeys")
	require.NoError(t, err, stderr)
	require.Contains(t, out, "hot key found with counter: 45\tkeyname: \"key:42\"")
	require.Contains(t, out, "hot key found with counter: 25\tkeyname: \"key:7\"")
	require.Contains(t, out, "Sampled 100 keys in the keyspace!")
}

// redis-cli --lru-test, Redis's simulation of a cache, runs against the
// server with allkeys-lru and allkeys-lfu: it reports its hit ratio every
// second and never an error, while keys are evicted.
func TestLRUTestTool(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		t.Run(policy, func(t *testing.T) {
			srv := startServer(t, "--maxmemory", "1mb", "--maxmemory-policy", policy)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd := exec.CommandContext(ctx, "stdbuf", "-o0", tool(t, "redis-cli"), "-p", strconv.Itoa(srv.Port), "--lru-test", "100000")
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			require.NoError(t, cmd.Start())
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1})
			defer c.Close()
			report := regexp.MustCompile(`Gets/sec \| Hits: \d+ \(\d+\.\d+%\) \| Misses: \d+`)
			waitFor(t, time.Minute, "two reports", func() (bool, string) {
				return len(report.FindAllString(out.String(), -1)) >= 2, out.String()
			})
			cancel()
			cmd.Wait()
			require.NotContains(t, out.String(), "ERR")
			require.Positive(t, infoField(t, c, "stats", "evicted_keys"))
			require.LessOrEqual(t, infoField(t, c, "memory", "used_memory"), int64(1<<20+64<<10))
		})
	}
}

// lockedBuffer collects a process's output for another goroutine to read.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// Reads and writes during a BGSAVE under an LFU policy leave the clocks
// the snapshot writes alone (the race detector of the server under test
// watches), and the file, FREQ records included, loads in real Redis.
func TestBgsaveWithClocksUnderAccess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	args := []string{"--maxmemory-policy", "allkeys-lfu", "--rdb-key-save-delay", "-5"}
	ours := startIn(t, "", dir, args...)
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 2})
	defer c.Close()
	p := c.Pipeline()
	for i := range 20000 {
		p.Set(ctx, fmt.Sprint("key:", i), i, 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, c.BgSave(ctx).Err())
	rounds := 0
	for ; infoMap(t, c, "persistence")["rdb_bgsave_in_progress"] == "1"; rounds++ {
		i := rounds
		p := c.Pipeline()
		for j := range 100 {
			k := fmt.Sprint("key:", (i*100+j*7)%20000)
			p.Get(ctx, k)
			p.Do(ctx, "TOUCH", k)
			if j%10 == 0 {
				p.Set(ctx, k, "changed", 0)
			}
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	require.Positive(t, rounds, "the save ended before the first round")
	require.Equal(t, "ok", infoMap(t, c, "persistence")["rdb_last_bgsave_status"])
	require.NotContains(t, ours.output(), "DATA RACE")
	ours.stop()

	real := startIn(t, tool(t, "redis-server"), dir, "--maxmemory-policy", "allkeys-lfu")
	rc := redis.NewClient(&redis.Options{Addr: real.Addr(), PoolSize: 1})
	defer rc.Close()
	require.Equal(t, int64(20000), rc.DBSize(ctx).Val())
	freq, err := rc.ObjectFreq(ctx, "key:19999").Result()
	require.NoError(t, err)
	require.GreaterOrEqual(t, freq, int64(4)) // 5 at most one minute ago
}

// Evicting keys that clients track sends them invalidations; once written
// to their sockets those take no memory, and eviction stops where the
// limit is met instead of feeding on the memory of output already gone
// (Redis's "client tracking don't cause eviction feedback loop"): both
// servers evict a few dozen of 300 keys.
func TestTrackingEvictionNoFeedbackLoop(t *testing.T) {
	t.Parallel() // servers of its own
	ctx := context.Background()
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		// A command's first latency histogram takes memory too.
		require.NoError(t, n.c.ConfigSet(ctx, "latency-tracking", "no").Err())
		require.NoError(t, n.c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err())
		require.NoError(t, n.c.ConfigSet(ctx, "maxmemory-eviction-tenacity", "100").Err())
		var trackers []net.Conn
		for range 10 {
			c, err := net.Dial("tcp", n.Addr())
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Write([]byte("HELLO 3\r\nCLIENT TRACKING on\r\n"))
			require.NoError(t, err)
			trackers = append(trackers, c)
		}
		readers := make([]*bufio.Reader, len(trackers))
		for i, c := range trackers {
			readers[i] = bufio.NewReader(c)
			skipRESP3(t, readers[i]) // HELLO's map
			skipRESP3(t, readers[i]) // +OK
		}
		for j := range 300 {
			key := strconv.Itoa(j) + strings.Repeat("x", 1000)
			require.NoError(t, n.c.Set(ctx, key, "x", 0).Err())
			for i, c := range trackers {
				_, err := c.Write([]byte("GET " + key + "\r\n"))
				require.NoError(t, err)
				skipRESP3(t, readers[i])
			}
		}
		// The cron trims the query buffers' excess within a second (a
		// clock, not a speed): then used_memory holds still.
		time.Sleep(1100 * time.Millisecond)
		used := atoi(t, infoMap(t, n.c, "memory")["used_memory"])
		require.NoError(t, n.c.ConfigSet(ctx, "maxmemory", strconv.Itoa(used-40000)).Err())
		evicted := atoi(t, infoMap(t, n.c, "stats")["evicted_keys"])
		size := n.c.DBSize(ctx).Val()
		t.Logf("%s: evicted %d, %d keys left", binName(bin), evicted, size)
		require.True(t, size >= 200 && size <= 300, "%s: %d keys left", binName(bin), size)
		require.True(t, evicted >= 10 && evicted <= 50, "%s: %d keys evicted", binName(bin), evicted)
	}
}

// skipRESP3 reads one RESP3 reply (of the kinds HELLO, CLIENT TRACKING and
// GET give) and drops it.
func skipRESP3(t *testing.T, r *bufio.Reader) {
	t.Helper()
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	switch line[0] {
	case '$':
		if n >= 0 {
			_, err := io.ReadFull(r, make([]byte, n+2))
			require.NoError(t, err)
		}
	case '*', '>':
		for range n {
			skipRESP3(t, r)
		}
	case '%':
		for range 2 * n {
			skipRESP3(t, r)
		}
	}
}
