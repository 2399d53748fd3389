package tests

// RDB interop with real Redis 7.0: files and DUMP payloads cross in both
// directions and the two servers agree by DEBUG DIGEST; BGSAVE under a
// write load is point in time and race free (the binary under test is
// built with -race).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startIn starts bin (ours when empty) serving dir, with debug commands on.
func startIn(t *testing.T, bin, dir string, args ...string) *server {
	port := freePort(t)
	full := append([]string{"--port", strconv.Itoa(port), "--dir", dir, "--enable-debug-command", "yes"}, args...)
	return startWith(t, launch{Args: full, Port: port, Dir: dir, Bin: bin})
}

// populate writes every type and encoding, with expiries, binary data and
// several databases.
func populate(t *testing.T, c *redis.Client) {
	ctx := context.Background()
	must := func(cmd redis.Cmder) {
		require.NoError(t, cmd.Err(), cmd.String())
	}
	must(c.Set(ctx, "str", "hello", 0))
	must(c.Set(ctx, "int", 12345, 0))
	must(c.Set(ctx, "bin", "a\x00b\xff\r\n", 0))
	must(c.Set(ctx, "long", strings.Repeat("abcdefgh", 100), 0))
	must(c.Set(ctx, "ttl", "v", time.Hour))
	must(c.RPush(ctx, "list", "a", "b", 1, 2, -3000000000))
	must(c.HSet(ctx, "hash", "f1", "v1", "f2", 2))
	must(c.SAdd(ctx, "intset", 1, 2, 3, -100))
	must(c.SAdd(ctx, "set", "a", "b", "c"))
	must(c.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"}))
	for i := 0; i < 300; i++ {
		must(c.HSet(ctx, "bighash", fmt.Sprint("f", i), fmt.Sprint("v", i)))
		must(c.SAdd(ctx, "bigset", fmt.Sprint("m", i)))
		must(c.ZAdd(ctx, "bigzset", redis.Z{Score: float64(i) / 3, Member: fmt.Sprint("m", i)}))
		must(c.RPush(ctx, "biglist", fmt.Sprint("element-", i)))
	}
	must(c.Expire(ctx, "bigzset", time.Hour))
	must(c.Do(ctx, "SELECT", 5))
	must(c.Set(ctx, "db5", "x", 0))
	must(c.Do(ctx, "SELECT", 0))
}

func digestOf(t *testing.T, c *redis.Client) string {
	d, err := c.Do(context.Background(), "DEBUG", "DIGEST").Text()
	require.NoError(t, err)
	require.Len(t, d, 40)
	return d
}

func TestRDBWrittenHereLoadsInRedis(t *testing.T) {
	dir := t.TempDir()
	ours := startIn(t, "", dir)
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), MaxRetries: -1, PoolSize: 1})
	defer c.Close()
	populate(t, c)
	want := digestOf(t, c)
	require.NoError(t, c.Save(context.Background()).Err())
	out, err := exec.Command(tool(t, "redis-check-rdb"), filepath.Join(dir, "dump.rdb")).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "RDB looks OK!")

	real := startIn(t, tool(t, "redis-server"), dir)
	rc := redis.NewClient(&redis.Options{Addr: real.Addr()})
	defer rc.Close()
	require.Equal(t, want, digestOf(t, rc))
}

func TestRDBWrittenByRedisLoadsHere(t *testing.T) {
	dir := t.TempDir()
	real := startIn(t, tool(t, "redis-server"), dir)
	rc := redis.NewClient(&redis.Options{Addr: real.Addr(), PoolSize: 1})
	defer rc.Close()
	populate(t, rc)
	want := digestOf(t, rc)
	require.NoError(t, rc.Save(context.Background()).Err())

	ours := startIn(t, "", dir)
	c := redis.NewClient(&redis.Options{Addr: ours.Addr()})
	defer c.Close()
	require.Equal(t, want, digestOf(t, c))
	require.Contains(t, ours.output(), "DB loaded from disk:")
}

func TestDumpRestoreBothWays(t *testing.T) {
	ctx := context.Background()
	real := startIn(t, tool(t, "redis-server"), t.TempDir())
	ours := startIn(t, "", t.TempDir())
	rc := redis.NewClient(&redis.Options{Addr: real.Addr(), PoolSize: 1})
	oc := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
	defer rc.Close()
	defer oc.Close()
	populate(t, rc)
	populate(t, oc)
	keys, err := rc.Keys(ctx, "*").Result()
	require.NoError(t, err)
	for _, k := range keys {
		for _, pair := range [][2]*redis.Client{{rc, oc}, {oc, rc}} {
			from, to := pair[0], pair[1]
			payload, err := from.Dump(ctx, k).Result()
			require.NoError(t, err, k)
			ttl, err := from.PTTL(ctx, k).Result()
			require.NoError(t, err, k)
			ms := max(ttl.Milliseconds(), 0)
			require.NoError(t, to.Do(ctx, "RESTORE", k+":copy", ms, payload).Err(), k)
			a, err := from.Do(ctx, "DEBUG", "DIGEST-VALUE", k).StringSlice()
			require.NoError(t, err)
			b, err := to.Do(ctx, "DEBUG", "DIGEST-VALUE", k+":copy").StringSlice()
			require.NoError(t, err)
			require.Equal(t, a, b, k)
		}
	}
	err = oc.Do(ctx, "RESTORE", "bad", 0, "garbage-payload-xx").Err()
	require.EqualError(t, err, "ERR DUMP payload version or checksum are wrong")
	err = oc.Do(ctx, "RESTORE", "str:copy", 0, "x").Err()
	require.EqualError(t, err, "BUSYKEY Target key name already exists.")
}

// A BGSAVE started inside a transaction saves exactly the dataset of that
// moment, while clients keep writing during the save.
func TestBgsavePointInTimeUnderWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ours := startIn(t, "", dir)
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 4})
	defer c.Close()
	populate(t, c)
	pipe := c.Pipeline()
	for i := 0; i < 50000; i++ {
		pipe.Set(ctx, fmt.Sprint("key:", i), i, 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprint("key:", (i*7+w)%50000)
				c.Set(ctx, k, "changed", 0)
				c.HSet(ctx, "bighash", fmt.Sprint("f", i%300), i)
				c.ZIncrBy(ctx, "bigzset", 1, fmt.Sprint("m", i%300))
				c.LPush(ctx, "biglist", i)
				c.SAdd(ctx, "bigset", fmt.Sprint("n", i))
				c.HSet(ctx, "hash", "f1", i)
				c.SAdd(ctx, "intset", i)
				c.SRem(ctx, "set", "a")
				c.ZAdd(ctx, "zset", redis.Z{Score: float64(i), Member: "a"})
				c.RPush(ctx, "list", i)
				c.Append(ctx, "str", "x")
			}
		}(w)
	}
	time.Sleep(100 * time.Millisecond)
	// The writers wait while the save starts and the digest is taken (a
	// BGSAVE inside MULTI would only be scheduled, as in Redis 7.0), then
	// write on during the save.
	ctl := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
	defer ctl.Close()
	require.NoError(t, ctl.Do(ctx, "CLIENT", "PAUSE", 20000, "WRITE").Err())
	require.NoError(t, ctl.BgSave(ctx).Err())
	want := digestOf(t, ctl)
	require.NoError(t, ctl.Do(ctx, "CLIENT", "UNPAUSE").Err())
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := c.Info(ctx, "persistence").Result()
		require.NoError(t, err)
		if strings.Contains(info, "rdb_bgsave_in_progress:0") {
			require.Contains(t, info, "rdb_last_bgsave_status:ok")
			break
		}
		require.True(t, time.Now().Before(deadline), "BGSAVE did not finish")
	}
	close(stop)
	wg.Wait()

	real := startIn(t, tool(t, "redis-server"), dir)
	rc := redis.NewClient(&redis.Options{Addr: real.Addr()})
	defer rc.Close()
	require.Equal(t, want, digestOf(t, rc))
}

// With save points, SIGTERM saves and a restart finds the same data.
func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ours := startIn(t, "", dir, "--save", "3600 1")
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
	populate(t, c)
	want := digestOf(t, c)
	c.Close()
	ours.stop()
	require.Contains(t, ours.output(), "Saving the final RDB snapshot before exiting.")
	again := startIn(t, "", dir)
	c2 := redis.NewClient(&redis.Options{Addr: again.Addr()})
	defer c2.Close()
	require.Equal(t, want, digestOf(t, c2))
}

// A failed background save makes writes fail with MISCONF until a save
// succeeds again. The save fails because the dump's name is taken by a
// directory, which the final rename cannot replace.
func TestMisconfAfterFailedBgsave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ours := startIn(t, "", dir, "--save", "3600 1")
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
	defer c.Close()
	require.NoError(t, c.Set(ctx, "a", 1, 0).Err())
	blocker := filepath.Join(dir, "dump.rdb")
	require.NoError(t, os.Mkdir(blocker, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(blocker, "x"), nil, 0o644))
	require.NoError(t, c.BgSave(ctx).Err())
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, _ := c.Info(ctx, "persistence").Result()
		if strings.Contains(info, "rdb_last_bgsave_status:err") {
			break
		}
		require.True(t, time.Now().Before(deadline))
	}
	err := c.Set(ctx, "b", 1, 0).Err()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "MISCONF Redis is configured to save RDB snapshots"), err.Error())
	require.NoError(t, c.Get(ctx, "a").Err())
	require.NoError(t, os.RemoveAll(blocker))
	require.NoError(t, c.Save(ctx).Err())
	require.NoError(t, c.Set(ctx, "b", 1, 0).Err())
}

// SHUTDOWN while a slow BGSAVE runs stops the background save and still
// writes the final dump, then exits: no FORCE needed, nothing lost.
func TestShutdownDuringBgsave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ours := startIn(t, "", dir, "--save", "3600 1", "--rdb-key-save-delay", "10000")
	c := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
	defer c.Close()
	populate(t, c)
	want := digestOf(t, c)
	require.NoError(t, c.BgSave(ctx).Err())
	info, err := c.Info(ctx, "persistence").Result()
	require.NoError(t, err)
	// Over a thousand keys at 10 ms each: the save cannot be over yet.
	require.Contains(t, info, "rdb_bgsave_in_progress:1")
	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	ours.stop()
	require.Contains(t, ours.output(), "Saving the final RDB snapshot before exiting.")
	require.Contains(t, ours.output(), "DB saved on disk")
	again := startIn(t, "", dir)
	c2 := redis.NewClient(&redis.Options{Addr: again.Addr()})
	defer c2.Close()
	require.Equal(t, want, digestOf(t, c2))
}

// RESTORE takes IDLETIME or FREQ, not both (an object has an LRU clock or
// an LFU counter), in either order, with Redis's errors.
func TestRestoreIdletimeOrFreq(t *testing.T) {
	ctx := context.Background()
	s := startIn(t, "", t.TempDir())
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	require.NoError(t, c.Set(ctx, "b", "x", 0).Err())
	p, err := c.Dump(ctx, "b").Result()
	require.NoError(t, err)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"IDLETIME", 1, "FREQ", 1}, "ERR syntax error"},
		{[]any{"FREQ", 1, "IDLETIME", 1}, "ERR syntax error"},
		{[]any{"IDLETIME", -1}, "ERR Invalid IDLETIME value, must be >= 0"},
		{[]any{"FREQ", 256}, "ERR Invalid FREQ value, must be >= 0 and <= 255"},
		{[]any{"FREQ", 5}, "OK"},
		{[]any{"IDLETIME", int64(9223372036854775807), "REPLACE"}, "OK"},
	} {
		args := append([]any{"RESTORE", "r", 0, p}, tc.args...)
		if tc.want == "OK" {
			args = append(args, "REPLACE")
			require.NoError(t, c.Do(ctx, args...).Err(), "%v", tc.args)
			continue
		}
		require.EqualError(t, c.Do(ctx, args...).Err(), tc.want, "%v", tc.args)
	}
}

// TestCorruptChecksumRefusedAtStartup: a dump file whose checksum is
// wrong stops the server at startup with Redis's log lines, ours and real
// Redis alike, and with the same two checksums.
func TestCorruptChecksumRefusedAtStartup(t *testing.T) {
	dir := t.TempDir()
	s := startIn(t, "", dir)
	c := s.client(t, 2)
	require.NoError(t, c.Set(context.Background(), "k", "v", 0).Err())
	require.NoError(t, c.Save(context.Background()).Err())
	s.stop()
	path := filepath.Join(dir, "dump.rdb")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	copy(b[len(b)-8:], "foobar00")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	wrong := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if _, msg, ok := strings.Cut(l, "# Wrong RDB checksum"); ok {
				return msg
			}
		}
		return "no checksum line in:\n" + out
	}
	var lines []string
	for _, bin := range []string{"", tool(t, "redis-server")} {
		out := aofRefuse(t, bin, dir, "--appendonly", "no")
		require.Contains(t, out, "Internal error in RDB reading offset 0, function at rdb.c:3217 -> RDB CRC error")
		lines = append(lines, wrong(out))
	}
	require.Equal(t, lines[1], lines[0])
}
