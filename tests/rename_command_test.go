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
	for conf, want := range map[string]string{
		"port 7777\nrename-command nosuch x\n":                        "at line 2\n>>> 'rename-command nosuch x'\nNo such command in rename-command\n",
		"port 7777\nrename-command get get\nrename-command set get\n": "at line 3\n>>> 'rename-command set get'\nTarget command name already exists\n",
	} {
		code, _, errOut := runServer(t, "", writeFile(t, t.TempDir(), "bad.conf", conf))
		assert.Equal(t, 1, code)
		assert.Equal(t, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "+want, errOut)
	}
}
