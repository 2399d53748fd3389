package tests

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rename-command, as real Redis: the command answers only to its new
// name, or to none, from clients, scripts, MULTI, ACL DRYRUN and COMMAND
// (which still shows the original name).
func TestRenameCommand(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	ctx := context.Background()
	conf := "rename-command flushdb badger\nrename-command config \"\"\nrename-command get fetch\nrename-command fetch read\n"
	probes := [][]any{
		{"SET", "k", "v"}, {"GET", "k"}, {"FETCH", "k"}, {"READ", "k"}, {"FLUSHDB"},
		{"CONFIG", "GET", "port"}, {"EVAL", "return redis.call('read', 'k')", 0},
		{"EVAL", "return redis.call('get', 'k')", 0}, {"EVAL", "return redis.acl_check_cmd('badger')", 0},
		{"EVAL", "return redis.acl_check_cmd('flushdb')", 0},
		{"COMMAND", "INFO", "read", "get", "badger", "flushdb"}, {"COMMAND", "COUNT"},
		{"COMMAND", "GETKEYS", "read", "k"}, {"ACL", "DRYRUN", "default", "badger"},
		{"MULTI"}, {"READ", "k"}, {"BADGER"}, {"EXEC"}, {"DBSIZE"},
	}
	var replies [2][]string
	for i, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin, writeFile(t, t.TempDir(), "redis.conf", conf))
		for _, p := range probes {
			v, err := n.c.Do(ctx, p...).Result()
			replies[i] = append(replies[i], fmt.Sprintf("%v %v", v, err))
		}
	}
	require.Len(t, replies[0], len(probes))
	for i, p := range probes {
		assert.Equal(t, replies[1][i], replies[0][i], "%v", p)
	}
}

// A rename-command line that names no command, or a name taken, is the
// file's fatal error, as Redis reports it.
func TestRenameCommandErrors(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	for conf, want := range map[string]string{
		"port 7777\nrename-command nosuch x\n":                        "at line 2\n>>> 'rename-command nosuch x'\nNo such command in rename-command\n",
		"port 7777\nrename-command get get\nrename-command set get\n": "at line 3\n>>> 'rename-command set get'\nTarget command name already exists\n",
	} {
		code, _, errOut := runServer(t, "", writeFile(t, t.TempDir(), "bad.conf", conf))
		assert.Equal(t, 1, code)
		assert.Equal(t, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "+want, errOut)
	}
}

// DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 makes RESTORE take a payload whatever
// its checksum (Redis's fuzzer of corrupt payloads needs it); 0 checks it
// again. As real Redis.
func TestSkipChecksumValidation(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	ctx := context.Background()
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		require.NoError(t, n.c.Set(ctx, "k", "value", 0).Err())
		p, err := n.c.Dump(ctx, "k").Result()
		require.NoError(t, err)
		b := []byte(p)
		b[len(b)-1] ^= 0xff // the checksum's last byte
		bad := string(b)
		assert.EqualError(t, n.c.Restore(ctx, "a", 0, bad).Err(), "ERR DUMP payload version or checksum are wrong", bin)
		require.NoError(t, n.c.Do(ctx, "DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1").Err())
		require.NoError(t, n.c.Restore(ctx, "b", 0, bad).Err(), bin)
		assert.Equal(t, "value", n.c.Get(ctx, "b").Val())
		require.NoError(t, n.c.Do(ctx, "DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0").Err())
		assert.Error(t, n.c.Restore(ctx, "c", 0, bad).Err(), bin)
	}
}
