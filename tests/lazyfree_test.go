package tests

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// lazyfreed_objects counts as Redis's: values past the free-effort
// threshold dropped by UNLINK, DEL with lazyfree-lazy-user-del, and the
// keys of databases flushed asynchronously (ASYNC or
// lazyfree-lazy-user-flush); small values and plain DEL do not count.
// Both servers run the same steps and must agree after each.
func TestLazyfreedObjects(t *testing.T) {
	t.Parallel() // servers of its own
	ctx := context.Background()
	fill := func(n *replNode, prefix string) {
		p := n.c.Pipeline()
		for i := range 300 {
			p.RPush(ctx, prefix+"list", fmt.Sprintf("%0500d", i)) // many quicklist nodes
			p.SAdd(ctx, prefix+"set", fmt.Sprintf("m%d", i))
			p.HSet(ctx, prefix+"hash", fmt.Sprintf("f%d", i), i)
			p.ZAdd(ctx, prefix+"zset", redis.Z{Score: float64(i), Member: fmt.Sprintf("m%d", i)})
			p.XAdd(ctx, &redis.XAddArgs{Stream: prefix + "stream", Values: []any{"f", i}})
		}
		p.RPush(ctx, prefix+"small", "a", "b")
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	steps := []func(n *replNode){
		func(n *replNode) {
			fill(n, "a:")
			n.c.Unlink(ctx, "a:list", "a:set", "a:hash", "a:zset", "a:stream", "a:small")
		},
		func(n *replNode) {
			fill(n, "b:")
			n.c.Del(ctx, "b:list", "b:set", "b:hash", "b:zset", "b:stream", "b:small")
		},
		func(n *replNode) {
			n.c.ConfigSet(ctx, "lazyfree-lazy-user-del", "yes")
			fill(n, "c:")
			n.c.Del(ctx, "c:list", "c:small")
		},
		func(n *replNode) { fill(n, "d:"); n.c.Do(ctx, "FLUSHDB", "ASYNC") },
		func(n *replNode) { fill(n, "e:"); n.c.Do(ctx, "FLUSHALL", "SYNC") },
		func(n *replNode) {
			n.c.ConfigSet(ctx, "lazyfree-lazy-user-flush", "yes")
			fill(n, "f:")
			n.c.Do(ctx, "FLUSHALL")
		},
	}
	var got [2][]string
	for i, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin, "--stream-node-max-entries", "5")
		for _, step := range steps {
			step(n)
			waitFor(t, syncTimeout, "the lazy frees", func() (bool, string) {
				info := infoMap(t, n.c, "memory")
				return info["lazyfree_pending_objects"] == "0", info["lazyfree_pending_objects"]
			})
			got[i] = append(got[i], infoMap(t, n.c, "memory")["lazyfreed_objects"])
		}
	}
	t.Logf("lazyfreed_objects after each step: %v", got[0])
	require.Equal(t, got[1], got[0], "lazyfreed_objects after each step: ours, then Redis's")
}

// An active expire cycle that runs past latency-monitor-threshold is the
// latency monitor's expire-cycle event, as Redis's: 200k keys expiring at
// once keep the cycle busy for its whole time budget (25 ms at hz 10).
func TestLatencyExpireCycleEvent(t *testing.T) {
	t.Parallel() // servers of its own
	ctx := context.Background()
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		require.NoError(t, n.c.Do(ctx, "DEBUG", "POPULATE", 200000).Err())
		require.NoError(t, n.c.ConfigSet(ctx, "latency-monitor-threshold", "10").Err())
		require.NoError(t, n.c.Eval(ctx, `
			for i = 0, 199999 do redis.call('pexpire', 'key:' .. i, 100) end
			return 1`, nil).Err())
		waitFor(t, syncTimeout, "the keys to expire", func() (bool, string) {
			size := n.c.DBSize(ctx).Val()
			return size == 0, fmt.Sprintf("%d keys", size)
		})
		latest, err := n.c.Do(ctx, "LATENCY", "LATEST").Slice()
		require.NoError(t, err)
		require.Contains(t, fmt.Sprint(latest), "expire-cycle", binName(bin))
	}
}
