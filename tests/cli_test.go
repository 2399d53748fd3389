package tests

// Interoperability with redis-cli from the real Redis distribution.

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cliTimeout = 20 * time.Second

// cli runs redis-cli against s with args and stdin and returns its output.
func (s *server) cli(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runTool(t, cliTimeout, stdin, "redis-cli", append([]string{"-p", strconv.Itoa(s.Port)}, args...)...)
	require.NoError(t, err, "redis-cli %v: %s", args, errOut)
	assert.Equal(t, "", errOut)
	return out
}

func TestCliPing(t *testing.T) {
	s := startServer(t)
	assert.Equal(t, "PONG\n", s.cli(t, "", "ping"))
	assert.Equal(t, "hello world\n", s.cli(t, "", "echo", "hello world"))
}

func TestCliSetGet(t *testing.T) {
	s := startServer(t)
	assert.Equal(t, "OK\n", s.cli(t, "", "set", "a", "b"))
	assert.Equal(t, "b\n", s.cli(t, "", "get", "a"))
}

// TestCliStdin feeds commands on standard input, one a line, as in
// echo -e "PING\nSET x 1\nGET x" | redis-cli.
func TestCliStdin(t *testing.T) {
	s := startServer(t)
	out := s.cli(t, "PING\nSET x 1\nGET x\nRPUSH l a b c\nLRANGE l 0 -1\nGET nothing\n")
	assert.Equal(t, "PONG\nOK\n1\n3\na\nb\nc\n\n", out)
}

func TestCliNoRawArrays(t *testing.T) {
	s := startServer(t)
	assert.Equal(t, "(integer) 3\n", s.cli(t, "", "--no-raw", "rpush", "l", "a", "b", "c"))
	assert.Equal(t, "1) \"a\"\n2) \"b\"\n3) \"c\"\n", s.cli(t, "", "--no-raw", "lrange", "l", "0", "-1"))
	assert.Equal(t, "(empty array)\n", s.cli(t, "", "--no-raw", "lrange", "none", "0", "-1"))
	assert.Equal(t, "(nil)\n", s.cli(t, "", "--no-raw", "get", "none"))
	assert.Equal(t, "1) \"0\"\n2) 1) \"l\"\n", s.cli(t, "", "--no-raw", "scan", "0"))
	assert.Equal(t, "(error) ERR wrong number of arguments for 'incr' command\n", s.cli(t, "", "--no-raw", "incr", "a", "b"))
}
