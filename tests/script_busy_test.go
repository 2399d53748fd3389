package tests

// Busy scripts: past busy-reply-threshold the server answers other
// clients -BUSY, SCRIPT KILL and FUNCTION KILL stop a script that has not
// written, SHUTDOWN NOSAVE ends the server anyway, and the caller's
// connection carries on after its script. Every test also passes against
// real Redis (REDIS_SERVER_BIN).

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	busyEval   = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	busyScript = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)

// rawConn is a connection with its reader.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func (s *server) raw(t *testing.T) *rawConn {
	c := s.dial(t)
	return &rawConn{Conn: c, r: bufio.NewReader(c)}
}

// send writes commands, pipelined.
func (c *rawConn) send(t *testing.T, cmds ...[]string) {
	t.Helper()
	var b strings.Builder
	for _, cmd := range cmds {
		b.WriteString(multibulk(cmd...))
	}
	_, err := c.Write([]byte(b.String()))
	require.NoError(t, err)
}

// do sends one command and reads its reply.
func (c *rawConn) do(t *testing.T, args ...string) string {
	t.Helper()
	c.send(t, args)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
	got, err := readReply(c.r)
	require.NoError(t, err)
	return got
}

// waitBusy polls PING from c until the server answers -BUSY.
func waitBusy(t *testing.T, c *rawConn, want string) {
	t.Helper()
	waitFor(t, 30*time.Second, "the script to be busy", func() (bool, string) {
		got := c.do(t, "PING")
		return got == want, got
	})
}

func TestScriptBusyKill(t *testing.T) {
	s := startServer(t, "--busy-reply-threshold", "100")
	caller, other := s.raw(t), s.raw(t)
	// The caller's pipeline: the script, then commands that run after it.
	caller.send(t, []string{"EVAL", "local i = 0 while true do i = i + 1 end", "0"},
		[]string{"SET", "after", "1"}, []string{"GET", "after"})
	waitBusy(t, other, busyEval)
	require.Equal(t, busyEval, other.do(t, "GET", "after"))
	require.Equal(t, busyEval, other.do(t, "FUNCTION", "STATS"))
	require.Equal(t, busyEval, other.do(t, "FUNCTION", "KILL"))
	require.Equal(t, busyEval, other.do(t, "SHUTDOWN"))
	// A transaction: MULTI is allowed, its commands are refused, EXEC aborts.
	require.Equal(t, "+OK", other.do(t, "MULTI"))
	require.Equal(t, busyEval, other.do(t, "SET", "x", "1"))
	require.Equal(t, "-EXECABORT Transaction discarded because of: "+busyEval[1:], other.do(t, "EXEC"))
	require.Equal(t, "+OK", other.do(t, "SCRIPT", "KILL"))
	expectReplies(t, caller, caller.r, []string{
		"-ERR Script killed by user with SCRIPT KILL... script: " + sha1hexOf("local i = 0 while true do i = i + 1 end") + ", on @user_script:1.",
		"+OK", "1"})
	require.Equal(t, "+PONG", other.do(t, "PING"))
	require.Equal(t, "-NOTBUSY No scripts in execution right now.", other.do(t, "SCRIPT", "KILL"))
	require.Equal(t, "$-1", other.do(t, "GET", "x"))
	waitFor(t, 10*time.Second, "the log lines", func() (bool, string) {
		out := s.output()
		return strings.Contains(out, "Slow script detected: still in execution after") &&
			strings.Contains(out, "You can try killing the script using the SCRIPT KILL command.") &&
			strings.Contains(out, "Lua script killed by user with SCRIPT KILL."), out
	})
}

func TestScriptBusyPcallCannotCatchKill(t *testing.T) {
	s := startServer(t, "--busy-reply-threshold", "100")
	caller, other := s.raw(t), s.raw(t)
	caller.send(t, []string{"EVAL", "local ok = pcall(function() while true do end end) while true do end", "0"})
	waitBusy(t, other, busyEval)
	require.Equal(t, "+OK", other.do(t, "SCRIPT", "KILL"))
	require.NoError(t, caller.SetReadDeadline(time.Now().Add(30*time.Second)))
	got, err := readReply(caller.r)
	require.NoError(t, err)
	require.Contains(t, got, "Script killed by user with SCRIPT KILL...")
	require.Equal(t, "+PONG", caller.do(t, "PING"))
}

func TestScriptBusyUnkillableThenShutdownNosave(t *testing.T) {
	s := startServer(t, "--busy-reply-threshold", "100")
	caller, other := s.raw(t), s.raw(t)
	caller.send(t, []string{"EVAL", "redis.call('set', KEYS[1], 'v') while true do end", "1", "written"})
	waitBusy(t, other, busyEval)
	require.Equal(t, "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
		other.do(t, "SCRIPT", "KILL"))
	require.Equal(t, busyEval, other.do(t, "SHUTDOWN"))
	other.send(t, []string{"SHUTDOWN", "NOSAVE"})
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not end the server")
	}
	_, err := readReply(caller.r) // the caller's connection closes unanswered
	require.Error(t, err)
	s.stopped.Do(func() {}) // it exited as asked
}

func TestScriptBusyFunctionKill(t *testing.T) {
	s := startServer(t, "--busy-reply-threshold", "100")
	caller, other := s.raw(t), s.raw(t)
	require.Equal(t, "busylib", caller.do(t, "FUNCTION", "LOAD",
		"#!lua name=busylib\nredis.register_function('spin', function() while true do end end)"))
	caller.send(t, []string{"FCALL", "spin", "0", "a1"})
	waitBusy(t, other, busyScript)
	require.Equal(t, busyScript, other.do(t, "SCRIPT", "KILL"))
	stats := other.do(t, "FUNCTION", "STATS")
	require.True(t, strings.HasPrefix(stats, "*4\nrunning_script\n*6\nname\nspin\ncommand\n*4\nFCALL\nspin\n0\na1\nduration_ms\n:"), stats)
	require.Equal(t, "+OK", other.do(t, "FUNCTION", "KILL"))
	require.NoError(t, caller.SetReadDeadline(time.Now().Add(30*time.Second)))
	got, err := readReply(caller.r)
	require.NoError(t, err)
	require.Equal(t, "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.", got)
	require.Equal(t, "+PONG", other.do(t, "PING"))
}

// A caller that disconnects while its script is busy: the script is
// still killed cleanly and the server goes on.
func TestScriptBusyCallerGone(t *testing.T) {
	s := startServer(t, "--busy-reply-threshold", "100")
	caller, other := s.raw(t), s.raw(t)
	caller.send(t, []string{"EVAL", "while true do end", "0"})
	waitBusy(t, other, busyEval)
	caller.Close()
	fresh := s.raw(t) // a connection made while busy
	require.Equal(t, busyEval, fresh.do(t, "PING"))
	require.Equal(t, "+OK", other.do(t, "SCRIPT", "KILL"))
	require.Equal(t, "+PONG", fresh.do(t, "PING"))
	waitFor(t, 10*time.Second, "one client left", func() (bool, string) {
		got := other.do(t, "CLIENT", "LIST")
		return strings.Count(got, "id=") == 2, got
	})
}

func sha1hexOf(body string) string {
	sum := sha1.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// On a replica, the master's stream waits while a read-only script is
// busy (the replica does not answer its master -BUSY), and is applied once
// the script is killed. The master is ours and real Redis in turn.
func TestScriptBusyReplicaHoldsStream(t *testing.T) {
	for _, masterBin := range []string{"", "redis-server"} {
		name := "ours"
		if masterBin != "" {
			name = "redis"
			masterBin = tool(t, "redis-server")
		}
		t.Run("master="+name, func(t *testing.T) {
			master := startNode(t, masterBin)
			replica := startNode(t, "", "--busy-reply-threshold", "100")
			replicaOf(t, replica, master.Addr())
			waitSynced(t, master, replica)
			caller, other := replica.raw(t), replica.raw(t)
			caller.send(t, []string{"EVAL_RO", "local i = 0 while true do i = i + 1 end", "0"})
			waitBusy(t, other, busyEval)
			ctx := context.Background()
			require.NoError(t, master.c.Set(ctx, "during", "1", 0).Err())
			require.Equal(t, busyEval, other.do(t, "GET", "during"))
			require.Equal(t, "+OK", other.do(t, "SCRIPT", "KILL"))
			waitSynced(t, master, replica)
			require.Equal(t, "1", other.do(t, "GET", "during"))
			requireSameDigest(t, master, replica)
		})
	}
}
