package tests

// SIGTERM and SIGINT, as Redis's sigShutdownHandler and serverCron handle
// them: shutdown-on-sigterm's flags, SHUTDOWN ABORT of a signal's shutdown
// not started yet, a second SIGINT during the final save. All pass against
// real Redis 7.0 (REDIS_SERVER_BIN) too.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestShutdownOnSigtermNosave(t *testing.T) {
	for _, flags := range []string{"default", "nosave"} {
		t.Run(flags, func(t *testing.T) {
			s := startServer(t, "--save", "3600 1")
			c := s.client(t, 2)
			ctx := context.Background()
			require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
			require.NoError(t, c.ConfigSet(ctx, "shutdown-on-sigterm", flags).Err())
			require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
			waitExited(t, s, "SIGTERM")
			saved := fileExists(filepath.Join(s.Dir, "dump.rdb"))
			require.Equal(t, flags == "default", saved, "dump.rdb written")
		})
	}
}

func TestShutdownAbortCancelsSignal(t *testing.T) {
	s := startServer(t, "--enable-debug-command", "yes")
	c := s.raw(t)
	require.Equal(t, "+OK", c.do(t, "DEBUG", "PAUSE-CRON", "1"))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	waitFor(t, childWait, "the signal's log line", func() (bool, string) {
		return strings.Contains(s.output(), "Received SIGTERM scheduling shutdown..."), ""
	})
	require.Equal(t, "+OK", c.do(t, "SHUTDOWN", "ABORT"))
	require.Contains(t, s.output(), "Shutdown manually aborted.")
	require.Equal(t, "+OK", c.do(t, "DEBUG", "PAUSE-CRON", "0"))
	time.Sleep(300 * time.Millisecond) // three crons at hz 10: none may shut down
	require.Equal(t, "+PONG", c.do(t, "PING"))
	require.Equal(t, "-ERR No shutdown in progress.", c.do(t, "SHUTDOWN", "ABORT"))
}

func TestSecondSigintDuringFinalSave(t *testing.T) {
	s := startServer(t, "--save", "3600 1")
	c := s.client(t, 2)
	ctx := context.Background()
	fillKeys(t, c, 20)
	require.NoError(t, c.ConfigSet(ctx, "rdb-key-save-delay", "100000").Err())
	temp := filepath.Join(s.Dir, fmt.Sprintf("temp-%d.rdb", s.cmd.Process.Pid))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	waitFor(t, childWait, "the final save's temp file", func() (bool, string) { return fileExists(temp), temp })
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	waitExited(t, s, "the second SIGINT")
	require.Error(t, s.waitErr, "an unclean exit")
	require.Contains(t, s.output(), "You insist... exiting now.")
	require.False(t, fileExists(temp), "the final save's temp file was left")
	require.False(t, fileExists(filepath.Join(s.Dir, "dump.rdb")), "the save was not to finish")
}
