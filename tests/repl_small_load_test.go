package tests

// A small full sync is invisible to the replica's clients: Redis loads an
// RDB on its event loop and serves clients only every
// loading-process-events-interval-bytes, and installs it in the same
// event, so a load shorter than that never answers -LOADING. Redis's own
// cluster tests count on it (they send CLUSTER NODES to replicas that are
// syncing).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestSmallFullSyncNoLoading(t *testing.T) {
	for _, bin := range []string{"", "redis"} {
		for _, mode := range []string{"disabled", "on-empty-db", "swapdb"} {
			t.Run(bin+mode, func(t *testing.T) { smallFullSyncs(t, bin, mode) })
		}
	}
}

// smallFullSyncs switches a replica of bin ("": ours, or "redis") between
// two masters of ours, in repl-diskless-load mode, while a client reads.
func smallFullSyncs(t *testing.T, bin, mode string) {
	if bin == "redis" {
		bin = tool(t, "redis-server")
	}
	ctx := context.Background()
	masters := []*replNode{startNode(t, ""), startNode(t, "")}
	for i, m := range masters {
		for k := 0; k < 100; k++ {
			require.NoError(t, m.c.Set(ctx, fmt.Sprintf("k%d", k), fmt.Sprintf("m%d", i), 0).Err())
		}
	}
	r := startNode(t, bin, "--repl-diskless-load", mode)

	// A client reads from the replica all the while.
	hammer, stop := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1}), make(chan struct{})
	defer hammer.Close()
	var loading, reads atomic.Int64
	var lastErr atomic.Value
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := hammer.Get(ctx, "k1").Err()
			reads.Add(1)
			if err != nil && strings.HasPrefix(err.Error(), "LOADING") {
				loading.Add(1)
				lastErr.Store(err.Error())
			}
		}
	}()

	// Each switch to the other master is a full sync; with
	// on-empty-db the replica is emptied first, so that it loads
	// from the socket.
	for i := 0; i < 8; i++ {
		m := masters[i%2]
		require.NoError(t, r.c.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		if mode == "on-empty-db" {
			require.NoError(t, r.c.FlushAll(ctx).Err())
		}
		replicaOf(t, r, m.Addr())
		waitSynced(t, m, r)
		require.Equal(t, fmt.Sprintf("m%d", i%2), r.c.Get(ctx, "k1").Val())
	}
	close(stop)
	wg.Wait()
	require.Zero(t, loading.Load(), "-LOADING answered %d times of %d reads during small full syncs: %v",
		loading.Load(), reads.Load(), lastErr.Load())
	require.Positive(t, reads.Load())
}
