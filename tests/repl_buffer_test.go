package tests

// The replication buffer that the backlog and the replicas share, as
// Redis 7.0's (integration/replication-buffer): replicas waiting for the
// end of their full sync hold their place in it rather than a copy of
// what is written meanwhile, the backlog outgrows repl-backlog-size while
// they do (and a partial resync may use all of it), and it shrinks back
// once they are gone. Each check runs with our master and with Redis's,
// the replicas being real Redis, which does not take the dual-channel
// sync.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSharedReplicationBuffer(t *testing.T) {
	t.Parallel()
	for _, side := range []struct{ name, bin string }{{"ours", ""}, {"redis", tool(t, "redis-server")}} {
		for _, diskless := range []string{"no", "yes"} {
			t.Run(side.name+"/diskless-"+diskless, func(t *testing.T) { testSharedReplicationBuffer(t, side.bin, diskless) })
		}
	}
}

func testSharedReplicationBuffer(t *testing.T, bin, diskless string) {
	ctx := context.Background()
	real := tool(t, "redis-server")
	master := startNode(t, bin, "--repl-backlog-size", "16384", "--repl-diskless-sync", diskless,
		"--client-output-buffer-limit", "replica 0 0 0")
	for i := range 100 {
		require.NoError(t, master.c.Set(ctx, fmt.Sprint("k", i), i, 0).Err())
	}
	online := startNode(t, real)
	replicaOf(t, online, master.Addr())
	waitSynced(t, master, online)

	// Two more replicas wait for a BGSAVE that takes 100 s (a second a key),
	// once the first sync's is over (its child may outlive the sync a
	// moment): else they would wait for the next one, and hold nothing.
	waitFor(t, syncTimeout, "the first sync's BGSAVE to end", func() (bool, string) {
		v := infoMap(t, master.c, "persistence")["rdb_bgsave_in_progress"]
		return v == "0", "rdb_bgsave_in_progress:" + v
	})
	require.NoError(t, master.c.ConfigSet(ctx, "rdb-key-save-delay", "1000000").Err())
	// One diskless transfer for both: it starts once both wait.
	require.NoError(t, master.c.ConfigSet(ctx, "repl-diskless-sync-delay", "5").Err())
	require.NoError(t, master.c.ConfigSet(ctx, "repl-diskless-sync-max-replicas", "2").Err())
	waiting := []*replNode{startNode(t, real), startNode(t, real)}
	for _, w := range waiting {
		replicaOf(t, w, master.Addr())
	}
	waitFor(t, syncTimeout, "two replicas waiting for the BGSAVE", func() (bool, string) {
		info := master.c.Info(ctx, "replication", "persistence").Val()
		return strings.Count(info, "state=wait_bgsave") == 2 && field(info, "rdb_bgsave_in_progress") == "1", info
	})

	// 1 MB of writes: held once for both, in the backlog.
	value := strings.Repeat("x", 1000)
	pipe := master.c.Pipeline()
	for i := range 1000 {
		pipe.Set(ctx, fmt.Sprint("big", i), value, 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	buffers := atoi(t, infoMap(t, master.c, "memory")["mem_total_replication_buffers"])
	require.Greater(t, buffers, 1000000)
	require.Less(t, buffers, 2000000, "each waiting replica has a copy")
	require.Greater(t, atoi(t, infoMap(t, master.c, "replication")["repl_backlog_histlen"]), 1000000,
		"the backlog keeps what the waiting replicas hold")
	holding := 0
	for _, line := range strings.Split(strings.TrimSpace(master.c.ClientList(ctx).Val()), "\n") {
		if strings.Contains(line, " flags=S ") && clientField(t, line, "omem") > 1000000 {
			holding++ // its omem is its share of the buffer
		}
	}
	require.Equal(t, 2, holding, master.c.ClientList(ctx).Val())

	// The online replica leaves, misses 200 KB (far past
	// repl-backlog-size) and continues from the grown backlog.
	waitSynced(t, master, online)
	// A master nobody serves: the replica keeps its history, as when it
	// follows another replica (REPLICAOF NO ONE would start a new one).
	require.NoError(t, online.c.Do(ctx, "REPLICAOF", "127.0.0.1", freePort(t)).Err())
	for i := range 200 {
		require.NoError(t, master.c.Set(ctx, fmt.Sprint("more", i), value, 0).Err())
	}
	replicaOf(t, online, master.Addr())
	waitSynced(t, master, online)
	require.Equal(t, "1", infoMap(t, master.c, "stats")["sync_partial_ok"])
	requireSameDigest(t, master, online)

	// One waiting replica goes: the other still holds the buffer.
	buffers = atoi(t, infoMap(t, master.c, "memory")["mem_total_replication_buffers"])
	kill9(waiting[0].server)
	waitFor(t, syncTimeout, "two replicas left", func() (bool, string) {
		n := infoMap(t, master.c, "replication")["connected_slaves"]
		return n == "2", n
	})
	require.Equal(t, buffers, atoi(t, infoMap(t, master.c, "memory")["mem_total_replication_buffers"]))

	// The other goes: the buffer shrinks to about repl-backlog-size.
	kill9(waiting[1].server)
	waitFor(t, syncTimeout, "the backlog back to about its size", func() (bool, string) {
		repl, mem := infoMap(t, master.c, "replication"), infoMap(t, master.c, "memory")
		hist, buf := atoi(t, repl["repl_backlog_histlen"]), atoi(t, mem["mem_total_replication_buffers"])
		return repl["connected_slaves"] == "1" && hist < 64<<10 && buf < 100<<10,
			fmt.Sprintf("replicas %s, histlen %d, buffers %d", repl["connected_slaves"], hist, buf)
	})
	waitSynced(t, master, online)
	requireSameDigest(t, master, online)
}

// A replica's hard output limit under repl-backlog-size counts as that
// size (Redis's checkClientOutputBufferLimits): a 200 KB write does not
// cut a replica whose limit says 1000 bytes when the backlog is 1 MB.
func TestReplicaOutputLimitAtLeastBacklog(t *testing.T) {
	t.Parallel()
	for _, side := range []struct{ name, bin string }{{"ours", ""}, {"redis", tool(t, "redis-server")}} {
		t.Run(side.name, func(t *testing.T) {
			ctx := context.Background()
			master := startNode(t, side.bin, "--repl-backlog-size", "1mb", "--client-output-buffer-limit", "replica 1000 0 0")
			replica := startNode(t, tool(t, "redis-server"))
			replicaOf(t, replica, master.Addr())
			require.NoError(t, master.c.Set(ctx, "k", "v", 0).Err())
			waitSynced(t, master, replica)
			for i := range 3 {
				require.NoError(t, master.c.Set(ctx, fmt.Sprint("big", i), strings.Repeat("y", 200<<10), 0).Err())
			}
			waitSynced(t, master, replica)
			requireSameDigest(t, master, replica)
			stats := infoMap(t, master.c, "stats")
			require.Equal(t, "1", stats["sync_full"])
			require.Equal(t, "0", stats["sync_partial_ok"], "the replica was cut and came back")
			require.NotContains(t, master.output(), "output buffer limits")
		})
	}
}
