package tests

// Crash reports, ours and Redis's side by side: DEBUG SEGFAULT, DEBUG
// PANIC, DEBUG ASSERT and a SIGABRT or SIGSEGV from outside end the
// server by the same signal as Redis, after the same bug report sections
// in the log, and crash-log-enabled no leaves the report out.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// crashRun starts bin on a free port with args, lets crash end it and
// returns the signal it died of and its log.
func crashRun(t *testing.T, bin string, crash func(c *redis.Client, pid int), args ...string) (syscall.Signal, string) {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	logfile := filepath.Join(dir, "log")
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--dir", dir, "--save", "",
		"--enable-debug-command", "yes", "--crash-memcheck-enabled", "no", "--logfile", logfile}, args...)...)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	c := redis.NewClient(&redis.Options{Addr: addr(port), MaxRetries: -1})
	defer c.Close()
	ctx := context.Background()
	waitFor(t, syncTimeout, "the server to answer", func() (bool, string) {
		err := c.Ping(ctx).Err()
		return err == nil, fmt.Sprint(err)
	})
	require.NoError(t, c.Set(ctx, "foo", "bar", 0).Err())
	crash(c, cmd.Process.Pid)
	select {
	case <-exited:
	case <-time.After(syncTimeout):
		t.Fatalf("the server is still running")
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled(), "exit status %v", cmd.ProcessState)
	log, err := os.ReadFile(logfile)
	require.NoError(t, err)
	return ws.Signal(), string(log)
}

func TestCrashReport(t *testing.T) {
	t.Parallel()
	debug := func(sub string) func(c *redis.Client, pid int) {
		return func(c *redis.Client, pid int) { _ = c.Do(context.Background(), "DEBUG", sub, "foo").Err() }
	}
	signal := func(sig syscall.Signal) func(c *redis.Client, pid int) {
		return func(c *redis.Client, pid int) { _ = syscall.Kill(pid, sig) } // else it does not die: a timeout
	}
	for _, tc := range []struct {
		name   string
		crash  func(c *redis.Client, pid int)
		sig    syscall.Signal
		header []string
	}{
		{"segfault", debug("segfault"), syscall.SIGSEGV, []string{"# Redis 7.0.15 crashed by signal: 11, si_code: 2", "# Accessing address: 0x"}},
		{"panic", debug("panic"), syscall.SIGABRT, []string{"# !!! Software Failure. Press left mouse button to continue",
			"# Guru Meditation: DEBUG PANIC called at Unix time "}},
		{"assert", debug("assert"), syscall.SIGABRT, []string{"# === ASSERTION FAILED CLIENT CONTEXT ===",
			"# client->argv[1] = \"assert\" (refcount: 1)", "# === ASSERTION FAILED ===", "# ==> debug.c:530 '1 == 2' is not true"}},
		{"sigabrt", signal(syscall.SIGABRT), syscall.SIGABRT, []string{"# Redis 7.0.15 crashed by signal: 6, si_code: 0"}},
		{"sigsegv", signal(syscall.SIGSEGV), syscall.SIGSEGV, []string{"# Redis 7.0.15 crashed by signal: 11, si_code: 0"}},
	} {
		for _, side := range []struct{ name, bin string }{{"ours", serverBin}, {"redis", tool(t, "redis-server")}} {
			t.Run(tc.name+"/"+side.name, func(t *testing.T) {
				t.Parallel()
				sig, log := crashRun(t, side.bin, tc.crash)
				require.Equal(t, tc.sig, sig)
				sections := []string{"=== REDIS BUG REPORT START: Cut & paste starting from here ==="}
				sections = append(sections, tc.header...)
				sections = append(sections, "------ STACK TRACE ------", "------ INFO OUTPUT ------", "# Keyspace",
					"------ CLIENT LIST OUTPUT ------")
				if strings.HasPrefix(tc.name, "sig") {
					sections = append(sections, "------ MODULES INFO OUTPUT ------")
				} else {
					sections = append(sections, "------ CURRENT CLIENT INFO ------", "argv[0]: '\"DEBUG\"'",
						"argv[2]: '\"foo\"'", "------ MODULES INFO OUTPUT ------")
				}
				sections = append(sections, "------ CONFIG DEBUG OUTPUT ------", "proto-max-bulk-len 512mb",
					"=== REDIS BUG REPORT END. Make sure to include from START to END. ===")
				at := 0
				for _, s := range sections {
					i := strings.Index(log[at:], s)
					require.GreaterOrEqual(t, i, 0, "%q not in the log after byte %d:\n%s", s, at, log)
					at += i + len(s)
				}
			})
		}
	}
	for _, side := range []struct{ name, bin string }{{"ours", serverBin}, {"redis", tool(t, "redis-server")}} {
		t.Run("crash-log-disabled/"+side.name, func(t *testing.T) {
			t.Parallel()
			sig, log := crashRun(t, side.bin, debug("segfault"), "--crash-log-enabled", "no")
			require.Equal(t, syscall.SIGSEGV, sig)
			require.NotContains(t, log, "BUG REPORT START")
		})
	}
}
