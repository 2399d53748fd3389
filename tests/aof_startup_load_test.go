package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// startAOFLoading starts our server on dir's AOF with a base that loads a
// tenth of a second per key (until CONFIG SET key-load-delay changes it),
// without waiting for PONG: a client that can already talk to it, the
// process, a channel closed when it exits, and its output.
func startAOFLoading(t *testing.T, dir string, port int) (*redis.Client, *exec.Cmd, chan struct{}, string) {
	out := filepath.Join(t.TempDir(), "server.out")
	f, err := os.Create(out)
	require.NoError(t, err)
	defer f.Close()
	cmd := exec.Command(serverBin, "--port", strconv.Itoa(port), "--dir", dir, "--enable-debug-command", "yes",
		"--appendonly", "yes", "--save", "", "--key-load-delay", "100000", "--loading-process-events-interval-bytes", "1024")
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	c := redis.NewClient(&redis.Options{Addr: addr(port), MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	waitFor(t, readyTimeout, "INFO answered while loading", func() (bool, string) {
		info, err := c.Info(context.Background(), "persistence").Result()
		return err == nil && strings.Contains(info, "loading:1\r\n"), info
	})
	return c, cmd, exited, out
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
	c, _, exited, out := startAOFLoading(t, n.dir, n.Port)
	for _, cmd := range [][]any{{"GET", "key:1"}, {"PING"}, {"SET", "k", "v"}, {"BGREWRITEAOF"}, {"FLUSHALL"}} {
		err := c.Do(ctx, cmd...).Err()
		require.Error(t, err, "%v", cmd)
		assert.Equal(t, "LOADING Redis is loading the dataset in memory", err.Error(), "%v", cmd)
	}
	info := infoMap(t, c, "persistence")
	assert.Equal(t, "1", info["loading"])
	require.NotContains(t, logOf(t, out), "Ready to accept connections")

	require.NoError(t, c.ConfigSet(ctx, "key-load-delay", "0").Err())
	waitFor(t, syncTimeout, "the load to end", func() (bool, string) {
		return c.Ping(ctx).Err() == nil, ""
	})
	assert.Equal(t, "0", infoMap(t, c, "persistence")["loading"])
	assert.Equal(t, want, digestOf(t, c))
	log := logOf(t, out)
	loaded := strings.Index(log, "DB loaded from append only file")
	require.GreaterOrEqual(t, loaded, 0, log)
	assert.Greater(t, strings.Index(log, "Opening AOF incr file"), loaded, log)
	assert.Greater(t, strings.Index(log, "Ready to accept connections"), loaded, log)

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

	_, cmd, exited, out := startAOFLoading(t, n.dir, n.Port)
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
