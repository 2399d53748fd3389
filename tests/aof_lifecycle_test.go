package tests

// The AOF's life in a running server, as Redis 7.0 lives it: turned on and
// off with CONFIG SET (a rewrite writes the first BASE, and SHUTDOWN refuses
// to lose it), BGREWRITEAOF against a running rewrite or BGSAVE, automatic
// rewrites on growth, DEBUG LOADAOF, the aof_* fields of INFO persistence
// and the file sizes behind them, the rewrite a replica starts after a full
// sync, and the fsync at SHUTDOWN. Log lines are matched without their pid.
//
// A rewrite is made slow where a test must see it running: its BASE is an
// RDB preamble, which waits rdb-key-save-delay microseconds per key, as a
// BGSAVE does. Real Redis's child keeps the delay it forked with; the test
// sets it back to 0 at once, so a server that reads it live finishes early.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lcSlowKey is the rdb-key-save-delay (µs per key) of a rewrite or a
// BGSAVE that a test observes while it runs: populate's 15 keys make it
// last at least 1.5 s.
const lcSlowKey = "100000"

// lcTimeout bounds every wait for a rewrite, a save or an exit.
const lcTimeout = 30 * time.Second

// lcDir is a node's AOF directory (appenddirname).
func lcDir(n *replNode) string { return filepath.Join(n.dir, "appendonlydir") }

// lcFiles lists the files of dir, sorted; none when it does not exist.
func lcFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// lcWaitFiles waits until the AOF directory holds exactly want (history
// files are removed in the background) and no temporary file is left in
// the data directory.
func lcWaitFiles(t *testing.T, n *replNode, want ...string) {
	t.Helper()
	slices.Sort(want)
	waitFor(t, lcTimeout, "the AOF files", func() (bool, string) {
		got := lcFiles(t, lcDir(n))
		var temps []string
		for _, f := range lcFiles(t, n.dir) {
			if strings.HasPrefix(f, "temp-") {
				temps = append(temps, f)
			}
		}
		return slices.Equal(got, want) && len(temps) == 0, fmt.Sprintf("appendonlydir %v, temporary files %v", got, temps)
	})
}

// lcManifest is the manifest a rewrite leaves: one BASE and one INCR file
// of sequence seq.
func lcManifest(seq int) string {
	return fmt.Sprintf("file appendonly.aof.%d.base.rdb seq %d type b\nfile appendonly.aof.%d.incr.aof seq %d type i\n", seq, seq, seq, seq)
}

// lcRequireFiles checks the files and the manifest of the AOF after the
// rewrite that made BASE number seq.
func lcRequireFiles(t *testing.T, n *replNode, seq int) {
	t.Helper()
	base, incr := fmt.Sprintf("appendonly.aof.%d.base.rdb", seq), fmt.Sprintf("appendonly.aof.%d.incr.aof", seq)
	lcWaitFiles(t, n, base, incr, "appendonly.aof.manifest")
	require.Equal(t, lcManifest(seq), lcRead(t, n, "appendonly.aof.manifest"))
	require.True(t, strings.HasPrefix(lcRead(t, n, base), "REDIS0010"), "%s is an RDB preamble", base)
}

// lcRead is the content of one file of the AOF directory.
func lcRead(t *testing.T, n *replNode, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lcDir(n), name))
	require.NoError(t, err)
	return string(b)
}

// lcSize is the size of one file of the AOF directory.
func lcSize(t *testing.T, n *replNode, name string) int64 {
	t.Helper()
	st, err := os.Stat(filepath.Join(lcDir(n), name))
	require.NoError(t, err)
	return st.Size()
}

// lcWaitContent waits until a file of the AOF directory holds want: with
// appendfsync everysec Redis may hold a write back while a background
// fsync runs.
func lcWaitContent(t *testing.T, n *replNode, name, want string) {
	t.Helper()
	waitFor(t, lcTimeout, name+" to hold the writes", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(lcDir(n), name))
		return err == nil && string(b) == want, fmt.Sprintf("%q (%v)", b, err)
	})
}

// lcInOrder checks that each line occurs in out after the previous one.
func lcInOrder(t *testing.T, out string, lines ...string) {
	t.Helper()
	at := 0
	for _, line := range lines {
		i := strings.Index(out[at:], line)
		require.True(t, i >= 0, "%q is not in the log after %q", line, out[max(0, at-200):at])
		at += i + len(line)
	}
}

// lcWaitRewrites waits until aof_rewrites is n and no rewrite runs or is
// scheduled, then checks that the last one succeeded.
func lcWaitRewrites(t *testing.T, n *replNode, rewrites int) map[string]string {
	t.Helper()
	want := strconv.Itoa(rewrites)
	var info map[string]string
	waitFor(t, lcTimeout, "rewrite number "+want+" to finish", func() (bool, string) {
		info = infoMap(t, n.c, "persistence")
		return info["aof_rewrites"] == want && info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0" && info["rdb_bgsave_in_progress"] == "0",
			fmt.Sprintf("aof_rewrites %s, aof_rewrite_in_progress %s, aof_rewrite_scheduled %s, rdb_bgsave_in_progress %s",
				info["aof_rewrites"], info["aof_rewrite_in_progress"], info["aof_rewrite_scheduled"], info["rdb_bgsave_in_progress"])
	})
	require.Equal(t, "ok", info["aof_last_bgrewrite_status"])
	require.Equal(t, "0", info["aof_rewrites_consecutive_failures"])
	require.Equal(t, "-1", info["aof_current_rewrite_time_sec"])
	return info
}

// lcReply runs a command and checks its reply, a status or an error.
func lcReply(t *testing.T, c *redis.Client, want string, args ...any) {
	t.Helper()
	got, err := c.Do(context.Background(), args...).Text()
	if err != nil {
		got = err.Error()
	}
	require.Equal(t, want, got, "%v", args)
}

// lcShutdown sends SHUTDOWN with args, which closes the connection, and
// waits for the server to exit with status 0.
func lcShutdown(t *testing.T, n *replNode, args ...any) {
	t.Helper()
	err := n.c.Do(context.Background(), append([]any{"SHUTDOWN"}, args...)...).Err()
	var reply redis.Error
	require.False(t, errors.As(err, &reply), "SHUTDOWN replied %v", err)
	select {
	case <-n.exited:
	case <-time.After(lcTimeout):
		t.Fatalf("the server did not exit within %v after SHUTDOWN\n%s", lcTimeout, n.output())
	}
	require.NoError(t, n.waitErr, "exit status after SHUTDOWN\n%s", n.output())
	n.stopped.Do(func() {
		if strings.Contains(n.output(), "WARNING: DATA RACE") {
			t.Errorf("the race detector reported a data race")
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output of the server shut down (%s):\n%s", strings.Join(n.cmd.Args, " "), n.output())
		}
	})
}

// lcRestart stops n if it runs, removes its dump.rdb, so that only the AOF
// can bring the data back, and starts it again with appendonly yes.
func lcRestart(t *testing.T, n *replNode, args ...string) *replNode {
	t.Helper()
	n.stop()
	err := os.Remove(filepath.Join(n.dir, "dump.rdb"))
	require.True(t, err == nil || errors.Is(err, os.ErrNotExist), "%v", err)
	again := restartNode(t, n, append([]string{"--appendonly", "yes"}, args...)...)
	require.Contains(t, again.output(), "DB loaded from append only file: ")
	return again
}

// lcDB is a client of database db of n.
func lcDB(t *testing.T, n *replNode, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: db, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// lcSlow makes the rewrites and saves that start from now on slow, or fast
// again with "0".
func lcSlow(t *testing.T, n *replNode, delay string) {
	t.Helper()
	require.NoError(t, n.c.ConfigSet(context.Background(), "rdb-key-save-delay", delay).Err())
}

// TestAOFConfigSetAppendonly: CONFIG SET appendonly yes starts a rewrite
// that writes the first BASE (aof_enabled is 1 at once); BGREWRITEAOF and
// BGSAVE against a running rewrite, BGREWRITEAOF scheduled behind a BGSAVE;
// appendfsync at run time; appendonly no keeps the files and stops
// appending; appendonly yes during a BGSAVE waits for it.
func TestAOFConfigSetAppendonly(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	n := startNode(t, "")
	c := n.c
	populate(t, c)
	info := infoMap(t, c, "persistence")
	require.Equal(t, "0", info["aof_enabled"])
	require.NotContains(t, info, "aof_current_size")
	require.Empty(t, lcFiles(t, lcDir(n)))

	// The first rewrite: SHUTDOWN refuses to exit before it is written.
	lcSlow(t, n, lcSlowKey)
	lcReply(t, c, "OK", "CONFIG", "SET", "appendonly", "yes")
	info = infoMap(t, c, "persistence")
	require.Equal(t, "1", info["aof_enabled"])
	require.Equal(t, "1", info["aof_rewrite_in_progress"])
	require.Equal(t, "0", info["aof_rewrite_scheduled"])
	require.Equal(t, "1", info["aof_rewrites"])
	require.Equal(t, "-1", info["aof_last_rewrite_time_sec"])
	require.Equal(t, "0", info["aof_current_size"])
	require.Equal(t, "0", info["aof_base_size"])
	lcReply(t, c, "ERR Background append only file rewriting already in progress", "BGREWRITEAOF")
	lcReply(t, c, "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.", "BGSAVE")
	lcReply(t, c, "ERR Errors trying to SHUTDOWN. Check logs.", "SHUTDOWN")
	lcSlow(t, n, "0")
	info = lcWaitRewrites(t, n, 1)
	require.Equal(t, "1", info["aof_enabled"])
	out := n.output()
	lcInOrder(t, out,
		"# User requested shutdown...",
		"# Writing initial AOF, can't exit.",
		"# Errors trying to shut down the server. Check the logs for more information.")
	lcInOrder(t, out,
		"* Creating AOF incr file temp-appendonly.aof.incr on background rewrite",
		"* Background append only file rewriting started by pid ",
		"* Successfully created the temporary AOF base file temp-rewriteaof-bg-",
		"* Background AOF rewrite terminated with success",
		"* Successfully renamed the temporary AOF base file temp-rewriteaof-bg-",
		".aof into appendonly.aof.1.base.rdb",
		"* Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof",
		"* Background AOF rewrite finished successfully")
	lcRequireFiles(t, n, 1)
	require.Empty(t, lcRead(t, n, "appendonly.aof.1.incr.aof"))

	// Writes are appended as they were sent, after a SELECT.
	lcReply(t, c, "OK", "SET", "after", "enable")
	lcReply(t, c, "OK", "CONFIG", "SET", "appendfsync", "always")
	require.Equal(t, "always", n.configGet(t, "appendfsync"))
	require.NoError(t, c.Do(ctx, "INCR", "counter").Err())
	lcReply(t, c, "OK", "CONFIG", "SET", "appendfsync", "no")
	require.NoError(t, c.Do(ctx, "LPUSH", "list", "x").Err())
	lcReply(t, c, "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no",
		"CONFIG", "SET", "appendfsync", "sometimes")
	lcReply(t, c, "OK", "CONFIG", "SET", "appendfsync", "everysec")
	require.Equal(t, "everysec", n.configGet(t, "appendfsync"))
	lcWaitContent(t, n, "appendonly.aof.1.incr.aof", "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"+
		"*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$6\r\nenable\r\n"+
		"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n"+
		"*3\r\n$5\r\nLPUSH\r\n$4\r\nlist\r\n$1\r\nx\r\n")

	// BGREWRITEAOF, twice.
	lcSlow(t, n, lcSlowKey)
	lcReply(t, c, "Background append only file rewriting started", "BGREWRITEAOF")
	lcReply(t, c, "ERR Background append only file rewriting already in progress", "BGREWRITEAOF")
	info = infoMap(t, c, "persistence")
	require.Equal(t, "1", info["aof_rewrite_in_progress"])
	require.Equal(t, "2", info["aof_rewrites"])
	lcSlow(t, n, "0")
	lcWaitRewrites(t, n, 2)
	lcInOrder(t, n.output(),
		"* Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite",
		"* Background append only file rewriting started by pid ",
		"* Background AOF rewrite terminated with success",
		".aof into appendonly.aof.2.base.rdb",
		"* Removing the history file appendonly.aof.1.incr.aof in the background",
		"* Removing the history file appendonly.aof.1.base.rdb in the background",
		"* Background AOF rewrite finished successfully")
	lcRequireFiles(t, n, 2)

	// BGREWRITEAOF while a BGSAVE runs is scheduled and starts after it.
	lcSlow(t, n, lcSlowKey)
	lcReply(t, c, "Background saving started", "BGSAVE")
	lcReply(t, c, "Background append only file rewriting scheduled", "BGREWRITEAOF")
	info = infoMap(t, c, "persistence")
	require.Equal(t, "1", info["rdb_bgsave_in_progress"])
	require.Equal(t, "0", info["aof_rewrite_in_progress"])
	require.Equal(t, "1", info["aof_rewrite_scheduled"])
	require.Equal(t, "1", info["aof_pending_rewrite"])
	require.Equal(t, "2", info["aof_rewrites"])
	lcSlow(t, n, "0")
	info = lcWaitRewrites(t, n, 3)
	require.Equal(t, "0", info["aof_pending_rewrite"])
	out = n.output()
	saved := strings.LastIndex(out, "* Background saving terminated with success")
	require.True(t, saved >= 0, "the BGSAVE did not finish")
	lcInOrder(t, out[saved:],
		"* Creating AOF incr file appendonly.aof.3.incr.aof on background rewrite",
		"* Background append only file rewriting started by pid ",
		"* Background AOF rewrite finished successfully")
	lcRequireFiles(t, n, 3)

	// appendonly no: the files stay, the writes no longer reach them.
	require.NoError(t, c.Set(ctx, "in-aof", "yes", 0).Err())
	want := digestOf(t, c)
	lcReply(t, c, "OK", "CONFIG", "SET", "appendonly", "no")
	info = infoMap(t, c, "persistence")
	require.Equal(t, "0", info["aof_enabled"])
	require.NotContains(t, info, "aof_current_size")
	incr := lcRead(t, n, "appendonly.aof.3.incr.aof")
	require.NoError(t, c.Set(ctx, "in-aof", "no", 0).Err())
	require.NoError(t, c.Set(ctx, "not-in-aof", "x", 0).Err())
	require.Equal(t, incr, lcRead(t, n, "appendonly.aof.3.incr.aof"))
	lcRequireFiles(t, n, 3)
	n = lcRestart(t, n)
	require.Equal(t, want, digestOf(t, n.c))
	require.Equal(t, "yes", n.c.Get(ctx, "in-aof").Val())

	// appendonly yes while a BGSAVE runs: the rewrite waits for it.
	lcReply(t, n.c, "OK", "CONFIG", "SET", "appendonly", "no")
	lcSlow(t, n, lcSlowKey)
	lcReply(t, n.c, "Background saving started", "BGSAVE")
	lcReply(t, n.c, "OK", "CONFIG", "SET", "appendonly", "yes")
	info = infoMap(t, n.c, "persistence")
	require.Equal(t, "1", info["aof_enabled"])
	require.Equal(t, "1", info["aof_rewrite_scheduled"])
	require.Equal(t, "0", info["aof_rewrite_in_progress"])
	lcSlow(t, n, "0")
	lcWaitRewrites(t, n, 1)
	out = n.output()
	lcInOrder(t, out,
		"# AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.",
		"* Background saving terminated with success",
		"* Creating AOF incr file temp-appendonly.aof.incr on background rewrite",
		"* Background append only file rewriting started by pid ",
		".aof into appendonly.aof.4.base.rdb",
		"* Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.4.incr.aof",
		"* Removing the history file appendonly.aof.3.incr.aof in the background",
		"* Removing the history file appendonly.aof.3.base.rdb in the background",
		"* Background AOF rewrite finished successfully")
	lcRequireFiles(t, n, 4)
}

// lcFieldNames is the names of the fields of one INFO section, in order.
func lcFieldNames(t *testing.T, c *redis.Client, section string) []string {
	t.Helper()
	s, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err)
	var names []string
	for _, line := range strings.Split(s, "\r\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			names = append(names, k)
		}
	}
	return names
}

// lcAOFFields is what INFO persistence of Redis 7.0 prints from aof_enabled
// on, when the AOF is on and nothing loads.
var lcAOFFields = []string{
	"aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
	"aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
	"aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
	"module_fork_in_progress", "module_fork_last_cow_size",
	"aof_current_size", "aof_base_size", "aof_pending_rewrite", "aof_buffer_length",
	"aof_pending_bio_fsync", "aof_delayed_fsync",
}

// lcRequireSizes waits until aof_current_size is base plus the INCR file's
// size and aof_base_size is base.
func lcRequireSizes(t *testing.T, n *replNode, incr string, base int64) {
	t.Helper()
	waitFor(t, lcTimeout, "aof_current_size to follow the files", func() (bool, string) {
		info := infoMap(t, n.c, "persistence")
		cur, size := info["aof_current_size"], lcSize(t, n, incr)
		return cur == strconv.FormatInt(base+size, 10) && info["aof_base_size"] == strconv.FormatInt(base, 10),
			fmt.Sprintf("aof_current_size %s, aof_base_size %s; %s is %d bytes, base %d", cur, info["aof_base_size"], incr, size, base)
	})
}

// TestAOFInfoFields: INFO persistence has Redis's fields in Redis's order,
// and aof_current_size and aof_base_size follow the files: on a fresh
// start neither counts the BASE just created, after a restart both do, and
// after a rewrite both are the new BASE's size.
func TestAOFInfoFields(t *testing.T) {
	ctx := context.Background()
	real := startNode(t, tool(t, "redis-server"), "--appendonly", "yes")
	n := startNode(t, "", "--appendonly", "yes", "--appendfsync", "always")
	names := lcFieldNames(t, real.c, "persistence")
	require.Equal(t, names, lcFieldNames(t, n.c, "persistence"))
	at := slices.Index(names, "aof_enabled")
	require.True(t, at >= 0)
	require.Equal(t, lcAOFFields, names[at:])

	info := infoMap(t, n.c, "persistence")
	for field, want := range map[string]string{
		"aof_enabled": "1", "aof_rewrite_in_progress": "0", "aof_rewrite_scheduled": "0",
		"aof_last_rewrite_time_sec": "-1", "aof_current_rewrite_time_sec": "-1",
		"aof_last_bgrewrite_status": "ok", "aof_rewrites": "0", "aof_rewrites_consecutive_failures": "0",
		"aof_last_write_status": "ok", "aof_current_size": "0", "aof_base_size": "0",
		"aof_pending_rewrite": "0", "aof_buffer_length": "0", "aof_pending_bio_fsync": "0", "aof_delayed_fsync": "0",
	} {
		assert.Equal(t, want, info[field], field)
	}
	lcRequireFiles(t, n, 1)
	require.Greater(t, lcSize(t, n, "appendonly.aof.1.base.rdb"), int64(0))

	// A fresh start does not count the empty BASE it wrote.
	lcReply(t, n.c, "OK", "SET", "k", "v")
	require.Equal(t, int64(50), lcSize(t, n, "appendonly.aof.1.incr.aof"))
	lcRequireSizes(t, n, "appendonly.aof.1.incr.aof", 0)
	require.NoError(t, n.c.RPush(ctx, "list", 1, 2, 3).Err())
	lcRequireSizes(t, n, "appendonly.aof.1.incr.aof", 0)

	// A restart counts every file, the BASE as base.
	n.stop()
	n = restartNode(t, n, "--appendonly", "yes", "--appendfsync", "always")
	base := lcSize(t, n, "appendonly.aof.1.base.rdb")
	lcRequireSizes(t, n, "appendonly.aof.1.incr.aof", base)
	for i := range 20 {
		require.NoError(t, n.c.Set(ctx, fmt.Sprint("key:", i), strings.Repeat("v", i), 0).Err())
	}
	lcRequireSizes(t, n, "appendonly.aof.1.incr.aof", base)

	// A rewrite makes the new BASE the whole size.
	lcReply(t, n.c, "Background append only file rewriting started", "BGREWRITEAOF")
	info = lcWaitRewrites(t, n, 1)
	lcRequireFiles(t, n, 2)
	base = lcSize(t, n, "appendonly.aof.2.base.rdb")
	require.Equal(t, strconv.FormatInt(base, 10), info["aof_current_size"])
	require.Equal(t, strconv.FormatInt(base, 10), info["aof_base_size"])
	last, err := strconv.Atoi(info["aof_last_rewrite_time_sec"])
	require.NoError(t, err)
	require.GreaterOrEqual(t, last, 0)
	lcReply(t, n.c, "OK", "SET", "k", "w")
	lcRequireSizes(t, n, "appendonly.aof.2.incr.aof", base)
	require.Equal(t, names, lcFieldNames(t, n.c, "persistence"))
}

// lcFill writes one transaction of count SETs of size bytes: nothing else
// reaches the AOF until it is all there.
func lcFill(t *testing.T, c *redis.Client, prefix string, count, size int) {
	t.Helper()
	ctx := context.Background()
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := range count {
			p.Set(ctx, fmt.Sprint(prefix, i), strings.Repeat("x", size), 0)
		}
		return nil
	})
	require.NoError(t, err)
}

// TestAOFLifecycleAutoRewrite: writes past auto-aof-rewrite-min-size and
// auto-aof-rewrite-percentage start a rewrite on their own, which removes
// the history files; the growth logged is (current*100/base)-100.
func TestAOFLifecycleAutoRewrite(t *testing.T) {
	n := startNode(t, "", "--appendonly", "yes", "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "4kb")
	lcInOrder(t, n.output(),
		"* Creating AOF base file appendonly.aof.1.base.rdb on server start",
		"* Creating AOF incr file appendonly.aof.1.incr.aof on server start",
		"* Ready to accept connections")
	lcRequireFiles(t, n, 1)
	require.Equal(t, "0", infoMap(t, n.c, "persistence")["aof_rewrites"])

	lcFill(t, n.c, "a:", 64, 100)
	info := lcWaitRewrites(t, n, 1)
	require.Regexp(t, regexp.MustCompile(`\* Starting automatic rewriting of AOF on \d+% growth`), n.output())
	lcInOrder(t, n.output(),
		"* Starting automatic rewriting of AOF on ",
		"* Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite",
		"* Background append only file rewriting started by pid ",
		"* Background AOF rewrite terminated with success",
		".aof into appendonly.aof.2.base.rdb",
		"* Removing the history file appendonly.aof.1.incr.aof in the background",
		"* Removing the history file appendonly.aof.1.base.rdb in the background",
		"* Background AOF rewrite finished successfully")
	lcRequireFiles(t, n, 2)
	base := lcSize(t, n, "appendonly.aof.2.base.rdb")
	require.Equal(t, strconv.FormatInt(base, 10), info["aof_base_size"])
	require.Equal(t, strconv.FormatInt(base, 10), info["aof_current_size"])

	// With automatic rewrites off, the AOF grows past 100%; turned on, the
	// next cron starts a rewrite at exactly that growth.
	lcReply(t, n.c, "OK", "CONFIG", "SET", "auto-aof-rewrite-percentage", "0")
	lcFill(t, n.c, "b:", 128, 100)
	lcRequireSizes(t, n, "appendonly.aof.2.incr.aof", base)
	info = infoMap(t, n.c, "persistence")
	require.Equal(t, "1", info["aof_rewrites"])
	cur, err := strconv.ParseInt(info["aof_current_size"], 10, 64)
	require.NoError(t, err)
	growth := cur*100/base - 100
	require.GreaterOrEqual(t, growth, int64(100))
	lcReply(t, n.c, "OK", "CONFIG", "SET", "auto-aof-rewrite-percentage", "100")
	lcWaitRewrites(t, n, 2)
	require.Contains(t, n.output(), fmt.Sprintf("* Starting automatic rewriting of AOF on %d%% growth", growth))
	lcRequireFiles(t, n, 3)
}

// TestAOFLifecycleDebugLoadaof: DEBUG LOADAOF empties the dataset and loads
// it back from the BASE and INCR files, without appending to them.
func TestAOFLifecycleDebugLoadaof(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, "", "--appendonly", "yes")
	c := n.c
	populate(t, c)
	lcReply(t, c, "Background append only file rewriting started", "BGREWRITEAOF")
	lcWaitRewrites(t, n, 1)
	require.NoError(t, c.Set(ctx, "after-rewrite", "in incr", 0).Err())
	require.NoError(t, c.HSet(ctx, "hash", "f3", "v3").Err())
	require.NoError(t, c.Expire(ctx, "list", time.Hour).Err())
	require.NoError(t, c.Del(ctx, "str").Err())
	_, err := lcDB(t, n, 9).TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "db9")
		p.Set(ctx, "other", "v", 0)
		return nil
	})
	require.NoError(t, err)
	want := digestOf(t, c)
	waitFor(t, lcTimeout, "the writes to reach the INCR file", func() (bool, string) {
		return infoMap(t, c, "persistence")["aof_current_size"] == strconv.FormatInt(lcSize(t, n, "appendonly.aof.2.base.rdb")+lcSize(t, n, "appendonly.aof.2.incr.aof"), 10), "not yet"
	})
	incr := lcRead(t, n, "appendonly.aof.2.incr.aof")
	require.NotEmpty(t, incr)

	lcReply(t, c, "OK", "DEBUG", "LOADAOF")
	require.Equal(t, want, digestOf(t, c))
	require.Contains(t, n.output(), "# Append Only File loaded by DEBUG LOADAOF")
	require.Equal(t, "0", infoMap(t, c, "persistence")["rdb_changes_since_last_save"])
	require.Equal(t, incr, lcRead(t, n, "appendonly.aof.2.incr.aof"))
	ttl, err := c.TTL(ctx, "list").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute)
	lcReply(t, c, "OK", "SET", "after-load", "x")
	lcWaitContent(t, n, "appendonly.aof.2.incr.aof", incr+"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$10\r\nafter-load\r\n$1\r\nx\r\n")
	lcRequireFiles(t, n, 2)
}

// TestAOFReplicaRewritesAfterSync: a replica with appendonly yes stops its
// AOF for the full sync and starts it again with a rewrite of the loaded
// dataset; writes that come during and after that rewrite are in its AOF,
// which alone brings back the master's dataset.
func TestAOFReplicaRewritesAfterSync(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	for _, tc := range []struct{ name, master string }{
		{"RealMaster", tool(t, "redis-server")},
		{"OurMaster", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			master := startNode(t, tc.master)
			populate(t, master.c)
			replica := startNode(t, "", "--appendonly", "yes", "--appendfsync", "always",
				"--rdb-key-save-delay", lcSlowKey, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
			waitLog(t, replica.server, "MASTER <-> REPLICA sync: Finished with success")
			// Likely during the rewrite, which takes 1.5 s.
			for i := range 10 {
				require.NoError(t, master.c.Set(ctx, fmt.Sprint("during:", i), i, 0).Err())
			}
			lcWaitRewrites(t, replica, 1)
			require.NoError(t, master.c.Incr(ctx, "after").Err())
			require.NoError(t, master.c.HSet(ctx, "hash", "f9", "v9").Err())
			_, err := lcDB(t, master, 3).TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.LPush(ctx, "db3", "a", "b")
				p.Expire(ctx, "db3", time.Hour)
				return nil
			})
			require.NoError(t, err)
			waitAckedAll(t, master)
			want := digestOf(t, master.c)
			require.Equal(t, want, digestOf(t, replica.c))
			lcInOrder(t, replica.output(),
				"* Creating AOF base file appendonly.aof.1.base.rdb on server start",
				"* Creating AOF incr file appendonly.aof.1.incr.aof on server start",
				"* MASTER <-> REPLICA sync: Flushing old data",
				"* MASTER <-> REPLICA sync: Loading DB in memory",
				"* MASTER <-> REPLICA sync: Finished with success",
				"* Creating AOF incr file temp-appendonly.aof.incr on background rewrite",
				"* Background append only file rewriting started by pid ",
				"* Successfully created the temporary AOF base file temp-rewriteaof-bg-",
				"* Background AOF rewrite terminated with success",
				"* Successfully renamed the temporary AOF base file temp-rewriteaof-bg-",
				".aof into appendonly.aof.2.base.rdb",
				"* Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.2.incr.aof",
				"* Removing the history file appendonly.aof.1.incr.aof in the background",
				"* Removing the history file appendonly.aof.1.base.rdb in the background",
				"* Background AOF rewrite finished successfully")
			lcRequireFiles(t, replica, 2)

			// What the replica acknowledged is on disk: kill -9 loses none
			// of it.
			kill9(replica.server)
			err = os.Remove(filepath.Join(replica.dir, "dump.rdb"))
			require.True(t, err == nil || errors.Is(err, os.ErrNotExist), "%v", err)
			alone := restartNode(t, replica, "--appendonly", "yes")
			lcInOrder(t, alone.output(),
				"* DB loaded from base file appendonly.aof.2.base.rdb: ",
				"* DB loaded from incr file appendonly.aof.2.incr.aof: ",
				"* DB loaded from append only file: ",
				"* Opening AOF incr file appendonly.aof.2.incr.aof on server start",
				"* Ready to accept connections")
			require.Equal(t, want, digestOf(t, alone.c))
		})
	}
}

// TestAOFLifecycleShutdownFsync: SHUTDOWN writes and fsyncs the AOF whatever
// appendfsync says, and NOSAVE, which is about the RDB, keeps it too.
func TestAOFLifecycleShutdownFsync(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	for _, tc := range []struct {
		name string
		args []string
		cmd  []any
	}{
		{"everysec", []string{"--appendfsync", "everysec"}, nil},
		{"no", []string{"--appendfsync", "no"}, nil},
		{"nosave", []string{"--appendfsync", "no", "--save", "3600 1"}, []any{"NOSAVE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			n := startNode(t, "", append([]string{"--appendonly", "yes"}, tc.args...)...)
			populate(t, n.c)
			pipe := n.c.Pipeline()
			for i := range 2000 {
				pipe.Set(ctx, fmt.Sprint("key:", i), i, 0)
			}
			_, err := pipe.Exec(ctx)
			require.NoError(t, err)
			want := digestOf(t, n.c)
			lcShutdown(t, n, tc.cmd...)
			out := n.output()
			lcInOrder(t, out,
				"# User requested shutdown...",
				"* Calling fsync() on the AOF file.",
				"# Redis is now ready to exit, bye bye...")
			require.NotContains(t, out, "Saving the final RDB snapshot before exiting.")
			require.NoFileExists(t, filepath.Join(n.dir, "dump.rdb"))
			again := restartNode(t, n, "--appendonly", "yes")
			require.Contains(t, again.output(), "DB loaded from append only file: ")
			require.Equal(t, want, digestOf(t, again.c))
		})
	}
}
