package tests

// repl-diskless-load on our replica, as Redis 7.0: the payload of a full
// sync goes to a temp file (disabled, or on-empty-db with keys) or
// straight to the loader (swapdb, on-empty-db without keys), from a master
// that sends it with a length (disk sync) or an EOF mark (diskless sync),
// ours or a real Redis. While it loads, clients get -LOADING; with swapdb
// and a master whose history is ours, they keep reading the old data
// (async_loading), which also stays if the transfer is cut. key-load-delay
// on the replica makes a load slow enough to be seen.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDisklessLoadModes syncs a replica of each mode from each kind of
// master and compares the datasets.
func TestDisklessLoadModes(t *testing.T) {
	ctx := context.Background()
	for _, m := range []struct{ name, bin, diskless string }{
		{"ours disk", "", "no"},
		{"ours diskless", "", "yes"},
		{"redis disk", tool(t, "redis-server"), "no"},
		{"redis diskless", tool(t, "redis-server"), "yes"},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel() // each master with its own replicas
			master := startNode(t, m.bin, "--repl-diskless-sync", m.diskless)
			populate(t, master.c)
			require.NoError(t, master.c.Do(ctx, "DEBUG", "POPULATE", 2000, "key", 100).Err())
			announce := "receiving streamed RDB from master with EOF"
			if m.diskless == "no" {
				announce = "bytes from master"
			}
			modes := []struct{ mode, key, to string }{
				{"disabled", "", "to disk"},
				{"on-empty-db", "", "to parser"},
				{"on-empty-db", "old", "to disk"},
				{"swapdb", "old", "to parser"},
			}
			var replicas []*replNode
			for _, r := range modes {
				n := startNode(t, "", "--repl-diskless-load", r.mode)
				if r.key != "" {
					require.NoError(t, n.c.Set(ctx, r.key, "v", 0).Err())
				}
				replicaOf(t, n, master.Addr())
				replicas = append(replicas, n)
			}
			waitSynced(t, master, replicas...)
			requireSameDigest(t, append([]*replNode{master}, replicas...)...)
			for i, r := range modes {
				assert.Regexp(t, announce+".* "+r.to, replicas[i].output(), "%s with keys %q", r.mode, r.key)
			}
		})
	}
}

// forceFullSync makes master drop its replicas and write past its backlog
// in one transaction, so that they come back to a full sync of the same
// history, as Redis's tests do. The key "mark" becomes "new".
func forceFullSync(t *testing.T, master *replNode) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, master.c.ConfigSet(ctx, "repl-backlog-size", "16384").Err())
	_, err := master.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "CLIENT", "KILL", "TYPE", "replica")
		p.Set(ctx, "mark", "new", 0)
		for i := 0; i < 10; i++ {
			p.Set(ctx, "big"+strconv.Itoa(i), strings.Repeat("A", 4096), 0)
		}
		return nil
	})
	require.NoError(t, err)
}

// waitInfo waits until INFO section shows name:want.
func waitInfo(t *testing.T, n *replNode, section, name, want string) {
	t.Helper()
	waitFor(t, syncTimeout, name+":"+want, func() (bool, string) {
		got := infoMap(t, n.c, section)[name]
		return got == want, name + ":" + got
	})
}

// With swapdb and the master's history, the replica serves its old data
// while the new one loads, then swaps; a transfer cut by a crash of the
// master keeps the old data.
func TestSwapdbServesOldDataWhileLoading(t *testing.T) {
	ctx := context.Background()
	for _, m := range []struct{ name, bin string }{{"ours", ""}, {"redis", tool(t, "redis-server")}} {
		t.Run(m.name, func(t *testing.T) {
			master := startNode(t, m.bin, "--repl-diskless-sync", "yes")
			require.NoError(t, master.c.Do(ctx, "DEBUG", "POPULATE", 2000, "key", 100).Err())
			require.NoError(t, master.c.Set(ctx, "mark", "old", 0).Err())
			replica := startNode(t, "", "--repl-diskless-load", "swapdb")
			replicaOf(t, replica, master.Addr())
			waitSynced(t, master, replica)
			old := digestOf(t, replica.c)

			// 2000 keys, half a millisecond each: a second of loading;
			// the real master takes two seconds to send them. Clients
			// are served every KB of the load, as Redis serves them.
			require.NoError(t, replica.c.ConfigSet(ctx, "loading-process-events-interval-bytes", "1024").Err())
			if m.bin == "" {
				require.NoError(t, replica.c.ConfigSet(ctx, "key-load-delay", "500").Err())
			} else {
				require.NoError(t, master.c.ConfigSet(ctx, "rdb-key-save-delay", "1000").Err())
			}
			forceFullSync(t, master)
			waitInfo(t, replica, "persistence", "async_loading", "1")
			assert.Equal(t, "0", infoMap(t, replica.c, "persistence")["loading"])
			assert.Equal(t, "old", replica.c.Get(ctx, "mark").Val())
			assert.EqualValues(t, 2001, replica.c.DBSize(ctx).Val())
			assert.Equal(t, "LOADING Redis is loading the dataset in memory",
				replica.c.Do(ctx, "REPLICAOF", "NO", "ONE").Err().Error())
			require.Equal(t, "1", infoMap(t, replica.c, "persistence")["async_loading"], "the load ended too early to check")
			if m.bin == "" {
				// Our master: the load completes, then the stream follows.
				require.NoError(t, replica.c.ConfigSet(ctx, "key-load-delay", "0").Err())
				waitSynced(t, master, replica)
				requireSameDigest(t, master, replica)
				assert.Equal(t, "new", replica.c.Get(ctx, "mark").Val())
				assert.Contains(t, replica.output(), "MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
				return
			}
			// Real Redis: it dies in the middle of the transfer.
			kill9(master.server)
			waitInfo(t, replica, "persistence", "async_loading", "0")
			assert.Equal(t, old, digestOf(t, replica.c))
			assert.Contains(t, replica.output(), "MASTER <-> REPLICA sync: Discarding temporary DB in background")
		})
	}
}

// With repl-diskless-load disabled, a client gets -LOADING while the RDB
// received loads, and INFO shows the load's progress.
func TestDisabledLoadAnswersLoading(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, tool(t, "redis-server"), "--repl-diskless-sync", "no")
	require.NoError(t, master.c.Do(ctx, "DEBUG", "POPULATE", 2000, "key", 100).Err())
	replica := startNode(t, "", "--key-load-delay", "500", "--loading-process-events-interval-bytes", "1024")
	require.NoError(t, replica.c.Set(ctx, "mine", "v", 0).Err())
	replicaOf(t, replica, master.Addr())
	waitInfo(t, replica, "persistence", "loading", "1")
	err := replica.c.Get(ctx, "mine").Err()
	require.Error(t, err)
	assert.Equal(t, "LOADING Redis is loading the dataset in memory", err.Error())
	info := infoMap(t, replica.c, "persistence")
	assert.Equal(t, "0", info["async_loading"])
	for _, f := range []string{"loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
		"loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"} {
		assert.Contains(t, info, f)
	}
	assert.NotEqual(t, "0", info["loading_total_bytes"])
	require.Equal(t, "1", infoMap(t, replica.c, "persistence")["loading"], "the load ended too early to check")
	require.NoError(t, replica.c.ConfigSet(ctx, "key-load-delay", "0").Err())
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
	assert.NotContains(t, infoMap(t, replica.c, "persistence"), "loading_start_time")
}
