package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aofDataset builds a seeded dataset of every type on a server of ours
// with appendonly yes: part of it before a BGREWRITEAOF (the base, an RDB
// preamble), the rest after (the incr file, thousands of commands, a
// transaction and a script among them). It returns the stopped node and
// the data's DEBUG DIGEST.
func aofDataset(t *testing.T) (*replNode, string) {
	ctx := context.Background()
	n := startNode(t, "", "--appendonly", "yes")
	send := func(g *gen) {
		for db, cmds := range g.cmds {
			c := lcDB(t, n, db)
			for len(cmds) > 0 {
				batch := cmds[:min(len(cmds), 500)]
				cmds = cmds[len(batch):]
				_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for _, cmd := range batch {
						p.Do(ctx, cmd...)
					}
					return nil
				})
				// Some generated commands fail by design (WRONGTYPE...).
				_ = err
			}
		}
	}
	g := newGen(41)
	g.dataset(1500)
	send(g)
	require.NoError(t, n.c.BgRewriteAOF(ctx).Err())
	waitFor(t, syncTimeout, "the rewrite to end", func() (bool, string) {
		info := infoMap(t, n.c, "persistence")
		return info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0", ""
	})
	g2 := newGen(42)
	g2.dataset(1500)
	send(g2)
	_, err := n.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "tx:counter")
		p.RPush(ctx, "tx:list", "a", "b")
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, n.c.Eval(ctx, "for i = 1, 100 do redis.call('incr', KEYS[1]) end return 1", []string{"script:counter"}).Err())
	want := digestOf(t, n.c)
	lcShutdown(t, n)
	return n, want
}

// As Redis, a server starting from an AOF listens at once and answers
// -LOADING while it loads the base and replays the incr file, which it
// does a batch of commands at a time between serving its clients. The
// data is then the data written, and the AOF goes on in the same incr
// file.
func TestAOFStartupLoadAnswersLoading(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	ctx := context.Background()
	n, want := aofDataset(t)
	c, _, exited, out := startLoading(t, n.dir, n.Port, "--appendonly", "yes", "--save", "")
	requireLoading(t, c, []any{"GET", "key:1"}, []any{"PING"}, []any{"SET", "k", "v"}, []any{"BGREWRITEAOF"}, []any{"FLUSHALL"})
	assert.Equal(t, "1", infoMap(t, c, "persistence")["loading"])
	log := finishLoad(t, c, out, want, "DB loaded from append only file")
	assert.Greater(t, strings.Index(log, "Opening AOF incr file"), strings.Index(log, "DB loaded from append only file"), log)

	// What is written now is appended, and comes back after a restart
	// with the rest; so does the data when real Redis loads the AOF.
	require.NoError(t, c.Set(ctx, "after:load", "1", 0).Err())
	want = digestOf(t, c)
	require.NoError(t, c.Shutdown(ctx).Err())
	select {
	case <-exited:
	case <-time.After(syncTimeout):
		t.Fatal("the server did not exit")
	}
	for _, bin := range []string{"", "redis-server"} {
		again := launchNode(t, bin, n.dir, n.Port, "--appendonly", "yes")
		assert.Equal(t, want, digestOf(t, again.c), "%q", bin)
		again.stop()
	}
}

// SIGTERM while the AOF loads exits without touching it.
func TestAOFStartupLoadShutdownKeepsTheFiles(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	n, _ := aofDataset(t)
	dir := filepath.Join(n.dir, "appendonlydir")
	before := lcFiles(t, dir)
	contents := map[string][]byte{}
	for _, name := range before {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		contents[name] = b
	}

	_, cmd, exited, out := startLoading(t, n.dir, n.Port, "--appendonly", "yes", "--save", "")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
	case <-time.After(syncTimeout):
		t.Fatal("the server did not exit")
	}
	require.Equal(t, before, lcFiles(t, dir))
	for _, name := range before {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, contents[name], b, "%s changed", name)
	}
	assert.Contains(t, logOf(t, out), "Received shutdown signal during loading, scheduling shutdown.")
}
