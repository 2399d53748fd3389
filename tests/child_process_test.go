package tests

// Background children (package child): BGSAVE and BGREWRITEAOF run in a
// process of their own, as Redis's forked children do, and what a user or
// a tool sees of it is Redis's: its title, its temp file named with its
// pid, its oom_score_adj, what killing it does, what a shutdown leaves.
// All pass against real Redis 7.0 (REDIS_SERVER_BIN) too.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const childWait = 20 * time.Second // bound on every poll here

// oneChild waits for the server to have a child process and returns it.
func oneChild(t *testing.T, s *server) int {
	t.Helper()
	var pid int
	waitFor(t, childWait, "a child process", func() (bool, string) {
		kids := faultChildren(s.cmd.Process.Pid)
		if len(kids) == 1 {
			pid = kids[0]
		}
		return len(kids) == 1, fmt.Sprint(kids)
	})
	return pid
}

// procTitle is a process's command line, its arguments joined by spaces.
func procTitle(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	require.NoError(t, err)
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// processGone reports whether pid has exited (a zombie counts as gone).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z") || strings.HasPrefix(rest, "X")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// infoIs polls INFO until field has value.
func infoIs(t *testing.T, c *redis.Client, section, field, value string) {
	t.Helper()
	waitFor(t, childWait, field+":"+value, func() (bool, string) {
		info, err := c.Info(context.Background(), section).Result()
		if err != nil {
			return false, err.Error()
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				return v == value, line
			}
		}
		return false, "no " + field
	})
}

// fillKeys writes n keys, so that rdb-key-save-delay makes a save slow.
func fillKeys(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	pipe := c.Pipeline()
	for i := range n {
		pipe.Set(ctx, "key:"+strconv.Itoa(i), strings.Repeat("v", i%100), 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
}

func TestBgsaveChildProcess(t *testing.T) {
	s := startServer(t, "--save", "3600 1")
	c := s.client(t, 2)
	ctx := context.Background()
	fillKeys(t, c, 100)
	require.NoError(t, c.ConfigSet(ctx, "oom-score-adj-values", "0 0 30").Err())
	require.NoError(t, c.ConfigSet(ctx, "oom-score-adj", "relative").Err())
	base, err := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", s.cmd.Process.Pid))
	require.NoError(t, err)
	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "1000000").Err())

	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	pid := oneChild(t, s)
	require.True(t, strings.HasPrefix(procTitle(t, pid), "redis-rdb-bgsave "), procTitle(t, pid))
	temp := filepath.Join(s.Dir, fmt.Sprintf("temp-%d.rdb", pid))
	waitFor(t, childWait, "the child's temp file", func() (bool, string) { return fileExists(temp), temp })
	baseScore, _ := strconv.Atoi(strings.TrimSpace(string(base)))
	waitFor(t, childWait, "the child's oom_score_adj", func() (bool, string) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid))
		return strings.TrimSpace(string(b)) == strconv.Itoa(baseScore+30), string(b)
	})

	// Killed, the child fails the save: MISCONF, and no temp file left.
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	infoIs(t, c, "persistence", "rdb_bgsave_in_progress", "0")
	infoIs(t, c, "persistence", "rdb_last_bgsave_status", "err")
	require.False(t, fileExists(temp), "the temp file of the killed child")
	require.ErrorContains(t, c.Set(ctx, "k", "v", 0).Err(), "MISCONF")
	require.Equal(t, "v", must(c.Get(ctx, "key:1").Result()), "reads still work")

	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	infoIs(t, c, "persistence", "rdb_bgsave_in_progress", "0")
	infoIs(t, c, "persistence", "rdb_last_bgsave_status", "ok")
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.True(t, fileExists(filepath.Join(s.Dir, "dump.rdb")))
	waitFor(t, childWait, "the child's exit", func() (bool, string) {
		kids := faultChildren(s.cmd.Process.Pid)
		return len(kids) == 0, fmt.Sprint(kids)
	})
	require.Contains(t, s.output(), "Background saving terminated by signal 9")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// slowBgsave starts a BGSAVE of 20 keys at 100 ms each and returns its
// child.
func slowBgsave(t *testing.T, s *server) int {
	t.Helper()
	c := s.client(t, 2)
	ctx := context.Background()
	fillKeys(t, c, 20)
	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "100000").Err())
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	return oneChild(t, s)
}

// waitExited waits for the server to exit as it was asked to, by what.
func waitExited(t *testing.T, s *server, what string) {
	t.Helper()
	select {
	case <-s.exited:
	case <-time.After(childWait):
		t.Fatal(what + " did not end the server")
	}
	s.stopped.Do(func() {})
}

func TestShutdownNosaveRemovesTheChildsTempFile(t *testing.T) {
	s := startServer(t, "--save", "")
	pid := slowBgsave(t, s)
	temp := filepath.Join(s.Dir, fmt.Sprintf("temp-%d.rdb", pid))
	waitFor(t, childWait, "the child's temp file", func() (bool, string) { return fileExists(temp), temp })
	s.raw(t).send(t, []string{"SHUTDOWN", "NOSAVE"})
	waitExited(t, s, "SHUTDOWN NOSAVE")
	require.False(t, fileExists(temp), "SHUTDOWN left the child's temp file")
	waitFor(t, childWait, "the child's exit", func() (bool, string) { return processGone(pid), "alive" })
}

func TestBgsaveChildEndsWithItsServer(t *testing.T) {
	s := startServer(t, "--save", "")
	pid := slowBgsave(t, s)
	kill9(s)
	waitFor(t, childWait, "the orphaned child's exit", func() (bool, string) { return processGone(pid), "alive" })
	require.False(t, fileExists(filepath.Join(s.Dir, "dump.rdb")), "an unfinished save was committed")
}

func TestAOFRewriteChildProcess(t *testing.T) {
	s := startServer(t, "--save", "", "--appendonly", "yes")
	c := s.client(t, 2)
	ctx := context.Background()
	fillKeys(t, c, 50)
	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "1000000").Err())
	require.Equal(t, "Background append only file rewriting started", c.BgRewriteAOF(ctx).Val())
	pid := oneChild(t, s)
	require.True(t, strings.HasPrefix(procTitle(t, pid), "redis-aof-rewrite "), procTitle(t, pid))
	temp := filepath.Join(s.Dir, fmt.Sprintf("temp-rewriteaof-%d.aof", pid))
	waitFor(t, childWait, "the child's temp file", func() (bool, string) { return fileExists(temp), temp })
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	infoIs(t, c, "persistence", "aof_rewrite_in_progress", "0")
	infoIs(t, c, "persistence", "aof_last_bgrewrite_status", "err")
	require.False(t, fileExists(temp))
	require.False(t, fileExists(filepath.Join(s.Dir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", pid))))
	require.Contains(t, s.output(), "Background AOF rewrite terminated by signal 9")

	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	require.Equal(t, "Background append only file rewriting started", c.BgRewriteAOF(ctx).Val())
	infoIs(t, c, "persistence", "aof_rewrite_in_progress", "0")
	infoIs(t, c, "persistence", "aof_last_bgrewrite_status", "ok")
	require.Contains(t, s.output(), "Successfully created the temporary AOF base file temp-rewriteaof-bg-")
	entries, err := os.ReadDir(s.Dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "temp-"), "left behind: %s", e.Name())
	}
}

// FLUSHALL stops a BGSAVE with SIGUSR1: no error, and the next writes are
// accepted (no MISCONF).
func TestFlushallStopsTheChildWithoutError(t *testing.T) {
	s := startServer(t, "--save", "")
	pid := slowBgsave(t, s)
	c := s.client(t, 2)
	ctx := context.Background()
	require.NoError(t, c.FlushAll(ctx).Err())
	infoIs(t, c, "persistence", "rdb_bgsave_in_progress", "0")
	infoIs(t, c, "persistence", "rdb_last_bgsave_status", "ok")
	waitFor(t, childWait, "the stopped child's exit", func() (bool, string) { return processGone(pid), "alive" })
	require.Contains(t, s.output(), "Background saving terminated by signal 10")
	require.False(t, fileExists(filepath.Join(s.Dir, fmt.Sprintf("temp-%d.rdb", pid))))
}

// disklessTransfer starts a master with a slow diskless sync (50 keys at
// 100 ms each) and a replica of it, and returns the master and the
// transfer's child.
func disklessTransfer(t *testing.T) (*server, *server, int) {
	t.Helper()
	master := startServer(t, "--save", "", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
	c := master.client(t, 2)
	fillKeys(t, c, 50)
	require.NoError(t, c.ConfigSet(context.Background(), "rdb-key-save-delay", "100000").Err())
	replica := startServer(t, "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	return master, replica, oneChild(t, master)
}

// A diskless sync runs in a child, redis-rdb-to-slaves, whose pid the
// log names; kill -9 of it fails the transfer at once, and FLUSHALL stops
// it (SIGUSR1). The replica then syncs with a new one.
func TestDisklessSyncChildProcess(t *testing.T) {
	master, replica, pid := disklessTransfer(t)
	c := master.client(t, 2)
	ctx := context.Background()
	require.True(t, strings.HasPrefix(procTitle(t, pid), "redis-rdb-to-slaves "), procTitle(t, pid))
	require.Contains(t, master.output(), fmt.Sprintf("Background RDB transfer started by pid %d", pid))
	infoIs(t, c, "persistence", "rdb_bgsave_in_progress", "1")

	// (Not rdb_bgsave_in_progress:0: the replica is back at once for
	// another transfer, which Redis may have started before a poll.)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	waitFor(t, childWait, "the failed transfer's log", func() (bool, string) {
		out := master.output()
		return strings.Contains(out, "Background transfer terminated by signal 9") &&
			strings.Contains(out, "SYNC failed. BGSAVE child returned an error"), ""
	})

	// The replica comes back for another transfer; FLUSHALL stops it.
	var next int
	waitFor(t, childWait, "the next transfer's child", func() (bool, string) {
		kids := faultChildren(master.cmd.Process.Pid)
		if len(kids) == 1 && kids[0] != pid {
			next = kids[0]
		}
		return next != 0, fmt.Sprint(kids)
	})
	require.NoError(t, c.FlushAll(ctx).Err())
	waitFor(t, childWait, "the stopped transfer's log", func() (bool, string) {
		return strings.Contains(master.output(), "Background transfer terminated by signal 10"), ""
	})
	waitFor(t, childWait, "the stopped child's exit", func() (bool, string) { return processGone(next), "alive" })

	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	require.NoError(t, c.Set(ctx, "after", "flush", 0).Err())
	rc := replica.client(t, 2)
	waitFor(t, childWait, "the replica's sync", func() (bool, string) {
		v, err := rc.Get(ctx, "after").Result()
		return err == nil && v == "flush", fmt.Sprint(v, err)
	})
	require.Equal(t, int64(1), rc.DBSize(ctx).Val())
}

func TestDisklessChildEndsWithItsServer(t *testing.T) {
	master, _, pid := disklessTransfer(t)
	kill9(master)
	waitFor(t, childWait, "the orphaned child's exit", func() (bool, string) { return processGone(pid), "alive" })
}
