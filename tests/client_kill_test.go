package tests

// CLIENT KILL frees another client at once, as Redis's freeClient: its
// socket is shut down before the killer gets its reply. A replica killed
// inside a MULTI is thus down before EXEC answers (integration/replication
// "Diskless load swapdb (async_loading)" relies on it). Passes against real
// Redis (REDIS_SERVER_BIN) too.

import (
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// peekEOF reports whether the peer of c has closed it, without waiting:
// a peek at its receive queue finds the end of the stream.
func peekEOF(t *testing.T, c net.Conn) bool {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var n int
	var rerr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		buf := make([]byte, 1)
		n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}))
	if rerr == syscall.EAGAIN {
		return false
	}
	return rerr != nil || n == 0
}

func TestClientKillClosesBeforeTheReply(t *testing.T) {
	s := startServer(t)
	for range 20 {
		victim := s.raw(t)
		id := strings.TrimPrefix(victim.do(t, "CLIENT", "ID"), ":")
		killer := s.raw(t)
		require.Equal(t, "+OK", killer.do(t, "MULTI"))
		require.Equal(t, "+QUEUED", killer.do(t, "CLIENT", "KILL", "ID", id))
		require.Equal(t, "+QUEUED", killer.do(t, "PING"))
		killer.send(t, []string{"EXEC"})
		got, err := readReply(killer.r)
		require.NoError(t, err)
		require.Equal(t, "*2\n:1\n+PONG", got)
		require.True(t, peekEOF(t, victim.Conn), "the killed client's connection is still open after EXEC answered")
		victim.Close()
		killer.Close()
	}
}
