package tests

// The process title follows proc-title-template, as Redis's
// redisSetProcTitle: ps shows "redis-server *:6379", and CONFIG SET of the
// template changes it at once. Passes against real Redis (REDIS_SERVER_BIN)
// too.

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProcessTitle(t *testing.T) {
	s := startServer(t)
	pid := s.cmd.Process.Pid
	f := strings.Fields(procTitle(t, pid))
	require.Len(t, f, 2, procTitle(t, pid))
	require.Equal(t, serverBin, f[0])
	require.Equal(t, "*:"+strconv.Itoa(s.Port), f[1])

	c := s.raw(t)
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "proc-title-template", "TEST {title} {port} {server-mode}"+strings.Repeat("-", 300)))
	want := "TEST " + serverBin + " " + strconv.Itoa(s.Port) + " " + strings.Repeat("-", 300)
	require.Equal(t, want[:255], procTitle(t, pid), "longer than the command line, cut at 255 bytes")
	require.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables",
		c.do(t, "CONFIG", "SET", "proc-title-template", "{invalid-var}"))
}
