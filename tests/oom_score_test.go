package tests

// oom-score-adj moves the server's /proc/<pid>/oom_score_adj with its role
// and the settings, as Redis 7.0 (unit/oom-score-adj). Passes against real
// Redis (REDIS_SERVER_BIN) too.

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOOMScoreAdj(t *testing.T) {
	s := startServer(t)
	path := "/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/oom_score_adj"
	score := func() int {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		require.NoError(t, err)
		return n
	}
	base := score()
	c := s.raw(t)
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "oom-score-adj-values", "10 20 30"))
	require.Equal(t, base, score(), "off by default")
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "oom-score-adj", "yes"))
	require.Equal(t, base+10, score())
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "oom-score-adj-values", "15 20 30"))
	require.Equal(t, base+15, score())
	require.Equal(t, "+OK", c.do(t, "REPLICAOF", "localhost", "1"))
	require.Equal(t, base+20, score(), "a replica's value")
	require.Equal(t, "+OK", c.do(t, "REPLICAOF", "NO", "ONE"))
	require.Equal(t, base+15, score())
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "oom-score-adj", "absolute"))
	require.Equal(t, 15, score())
	require.Equal(t, "+OK", c.do(t, "CONFIG", "SET", "oom-score-adj", "no"))
	require.Equal(t, base, score(), "the score from before")
}
