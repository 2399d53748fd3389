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

// startLoading starts our server on dir's dump file (or, with args
// "--appendonly yes", its AOF's RDB base) with a load that waits a tenth
// of a second per key (until CONFIG SET key-load-delay changes it),
// without waiting for PONG: a client that can already talk to it, the
// process, a channel closed when it exits, and its output.
func startLoading(t *testing.T, dir string, port int, args ...string) (*redis.Client, *exec.Cmd, chan struct{}, string) {
	out := filepath.Join(t.TempDir(), "server.out")
	f, err := os.Create(out)
	require.NoError(t, err)
	defer f.Close()
	cmd := exec.Command(serverBin, append([]string{"--port", strconv.Itoa(port), "--dir", dir, "--enable-debug-command", "yes",
		"--key-load-delay", "100000", "--loading-process-events-interval-bytes", "1024"}, args...)...)
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

// As Redis, a server starting with a dump file listens at once and
// answers -LOADING until the file is loaded (INFO, CONFIG answer), with
// INFO's loading fields; then the data is there and it is ready.
func TestStartupLoadAnswersLoading(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	n, want, dump := savedDataset(t)
	st, err := os.Stat(dump)
	require.NoError(t, err)

	c, _, _, out := startLoading(t, n.dir, n.Port)
	requireLoading(t, c, []any{"GET", "key:1"}, []any{"PING"}, []any{"SET", "k", "v"}, []any{"DEBUG", "RELOAD"}, []any{"SAVE"})
	info := infoMap(t, c, "persistence")
	assert.Equal(t, "1", info["loading"])
	assert.Equal(t, strconv.FormatInt(st.Size(), 10), info["loading_total_bytes"])
	for _, f := range []string{"loading_start_time", "loading_rdb_used_mem", "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"} {
		assert.Contains(t, info, f)
	}
	finishLoad(t, c, out, want, "DB loaded from disk")
}

// requireLoading expects -LOADING for each command.
func requireLoading(t *testing.T, c *redis.Client, cmds ...[]any) {
	t.Helper()
	for _, cmd := range cmds {
		err := c.Do(context.Background(), cmd...).Err()
		require.Error(t, err, "%v", cmd)
		assert.Equal(t, "LOADING Redis is loading the dataset in memory", err.Error(), "%v", cmd)
	}
}

// finishLoad lets the load of startLoading end (key-load-delay 0) and
// checks that the data is want, and that the server was ready only once
// it logged loadedLine. It returns the log.
func finishLoad(t *testing.T, c *redis.Client, out, want, loadedLine string) string {
	t.Helper()
	ctx := context.Background()
	require.NotContains(t, logOf(t, out), "Ready to accept connections")
	require.NoError(t, c.ConfigSet(ctx, "key-load-delay", "0").Err())
	waitFor(t, syncTimeout, "the load to end", func() (bool, string) {
		return c.Ping(ctx).Err() == nil, ""
	})
	assert.Equal(t, "0", infoMap(t, c, "persistence")["loading"])
	assert.Equal(t, want, digestOf(t, c))
	log := logOf(t, out)
	loaded := strings.Index(log, loadedLine)
	require.GreaterOrEqual(t, loaded, 0, log)
	assert.Greater(t, strings.Index(log, "Ready to accept connections"), loaded, log)
	return log
}

// SIGTERM while the dump file loads exits without saving: the file is not
// replaced by the data not loaded yet.
func TestStartupLoadShutdownKeepsTheFile(t *testing.T) {
	t.Parallel() // servers of its own, mostly waiting
	n, _, dump := savedDataset(t, "--save", "3600 1")
	before, err := os.ReadFile(dump)
	require.NoError(t, err)

	_, cmd, exited, out := startLoading(t, n.dir, n.Port)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
	case <-time.After(syncTimeout):
		t.Fatal("the server did not exit")
	}
	after, err := os.ReadFile(dump)
	require.NoError(t, err)
	require.Equal(t, before, after, "the dump file changed")
	assert.Contains(t, logOf(t, out), "Received shutdown signal during loading, scheduling shutdown.")
}

// savedDataset saves 20000 keys to the dump file of a stopped server of
// ours: the node, the data's DEBUG DIGEST and the file's path.
func savedDataset(t *testing.T, args ...string) (*replNode, string, string) {
	ctx := context.Background()
	n := startNode(t, "", args...)
	require.NoError(t, n.c.Do(ctx, "DEBUG", "POPULATE", 20000, "key", 100).Err())
	digest := digestOf(t, n.c)
	require.NoError(t, n.c.Save(ctx).Err())
	n.server.stop()
	return n, digest, filepath.Join(n.dir, "dump.rdb")
}

func logOf(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
