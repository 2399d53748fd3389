package tests

// CLIENT PAUSE WRITE and scripts, as Redis 7.0's getCommandFlags: a
// script that declares no-writes (EVAL with a shebang, FCALL of such a
// function, or inside MULTI) runs during the pause; one without flags or
// that may write is held back until the pause ends. Passes against real
// Redis (REDIS_SERVER_BIN) too.

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPauseWriteAndScriptFlags(t *testing.T) {
	s := startServer(t)
	ctl := s.raw(t)
	require.Equal(t, "+OK", ctl.do(t, "SET", "x", "y"))
	require.Equal(t, "ro", ctl.do(t, "FUNCTION", "LOAD", "#!lua name=ro\n"+
		"redis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}}"))
	require.Equal(t, "rw", ctl.do(t, "FUNCTION", "LOAD", "#!lua name=rw\n"+
		"redis.register_function('rw', function() return 'rw' end)"))
	// A transaction queued before the pause: queuing EVAL is held back too.
	tx := s.raw(t)
	require.Equal(t, "+OK", tx.do(t, "CLIENT", "SETNAME", "exec"))
	require.Equal(t, "+OK", tx.do(t, "MULTI"))
	require.Equal(t, "+QUEUED", tx.do(t, "EVAL", "return 3", "0"))
	require.Equal(t, "+OK", ctl.do(t, "CLIENT", "PAUSE", "600000", "WRITE"))

	// These answer at once (do fails after its deadline otherwise).
	c := s.raw(t)
	require.Equal(t, "y", c.do(t, "EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "x"))
	require.Equal(t, "y", c.do(t, "EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "x")) // cached
	require.Equal(t, "ro", c.do(t, "FCALL", "ro", "0"))
	require.Equal(t, "y", c.do(t, "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "x"))
	require.Equal(t, "+OK", c.do(t, "MULTI"))
	require.Equal(t, "+QUEUED", c.do(t, "EVAL", "#!lua flags=no-writes\nreturn 1", "0"))
	require.Equal(t, "*1\n:1", c.do(t, "EXEC"))

	// These wait for the end of the pause, each on its own connection.
	held := map[string][]string{
		"eval":    {"EVAL", "return 1", "0"},
		"shebang": {"EVAL", "#!lua\nreturn 2", "0"},
		"fcall":   {"FCALL", "rw", "0"},
		"exec":    {"EXEC"},
	}
	conns := map[string]*rawConn{}
	for name, cmd := range held {
		hc := tx
		if name != "exec" {
			hc = s.raw(t)
			require.Equal(t, "+OK", hc.do(t, "CLIENT", "SETNAME", name))
		}
		hc.send(t, cmd)
		conns[name] = hc
	}
	waitFor(t, 10*time.Second, "the four held back", func() (bool, string) {
		list := ctl.do(t, "CLIENT", "LIST")
		n := 0
		for _, line := range strings.Split(list, "\n") {
			for name := range held {
				if strings.Contains(line, " name="+name+" ") && (strings.Contains(line, " flags=b ") || strings.Contains(line, " flags=xb ")) {
					n++
				}
			}
		}
		return n == len(held), list
	})
	require.Equal(t, "+OK", ctl.do(t, "CLIENT", "UNPAUSE"))
	for name, want := range map[string]string{"eval": ":1", "shebang": ":2", "fcall": "rw", "exec": "*1\n:3"} {
		got, err := readReplyWithin(conns[name], 10*time.Second)
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}
}

func readReplyWithin(c *rawConn, d time.Duration) (string, error) {
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		return "", err
	}
	return readReply(c.r)
}
