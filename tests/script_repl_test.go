package tests

// Scripts and functions across replication, with real Redis 7.0 on the
// other end in both roles: the functions travel in the full sync's RDB and
// as FUNCTION LOAD/DELETE in the stream, a script's writes as the effects
// it made (MULTI/EXEC), so that master and replica agree by DEBUG DIGEST
// and FUNCTION LIST, including for non-deterministic scripts (SPOP,
// math.random, TIME).

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestScriptsReplicateToRealRedis(t *testing.T) {
	testScriptsReplicate(t, "", tool(t, "redis-server"))
}

func TestScriptsReplicateFromRealRedis(t *testing.T) {
	testScriptsReplicate(t, tool(t, "redis-server"), "")
}

// testScriptsReplicate runs scripts and functions on a master (bin,
// "" for ours) with a replica of the other kind.
func testScriptsReplicate(t *testing.T, masterBin, replicaBin string) {
	ctx := context.Background()
	master := startIn(t, masterBin, t.TempDir(), "--save", "", "--repl-diskless-sync-delay", "0")
	mc := rmiClient(t, master)
	// Before the sync: travels in the RDB.
	require.NoError(t, mc.Do(ctx, "FUNCTION", "LOAD", "#!lua name=before\n"+
		"redis.register_function('push', function(keys, args) return redis.call('rpush', keys[1], unpack(args)) end)").Err())
	require.NoError(t, mc.Do(ctx, "FCALL", "push", 1, "l", "a", "b").Err())

	replica := startIn(t, replicaBin, t.TempDir(), "--save", "", "--replicaof", "127.0.0.1", fmt.Sprint(master.Port))
	rc := rmiClient(t, replica)
	rmiWaitLinkUp(t, rc)

	// After the sync: travels in the stream.
	require.NoError(t, mc.Do(ctx, "FUNCTION", "LOAD", "#!lua name=after\n"+
		"redis.register_function{function_name='spopper', callback=function(keys) return redis.call('spop', keys[1]) end}").Err())
	require.NoError(t, mc.SAdd(ctx, "s", "a", "b", "c", "d", "e", "f").Err())
	for i := 0; i < 3; i++ {
		require.NoError(t, mc.Do(ctx, "FCALL", "spopper", 1, "s").Err())
	}
	script := redis.NewScript(`
local t = redis.call('time')
redis.call('set', KEYS[1], t[1] .. ':' .. math.random(1000))
redis.call('incrbyfloat', KEYS[2], '1.5')
redis.call('expire', KEYS[1], 1000)
redis.call('select', 2)
redis.call('hset', 'h', 'f', ARGV[1])
return redis.call('spop', 's2')`)
	require.NoError(t, mc.Eval(ctx, "redis.call('select', 2) return redis.call('sadd', 's2', 'x', 'y', 'z', 'w')", nil).Err())
	for i := 0; i < 3; i++ {
		require.NoError(t, script.Run(ctx, mc, []string{"r", "f"}, i).Err(), "run %d", i)
	}
	require.NoError(t, mc.Do(ctx, "FUNCTION", "DELETE", "before").Err())
	// redis.set_repl(REPL_NONE): the write stays on the master.
	require.NoError(t, mc.Eval(ctx, "redis.set_repl(redis.REPL_NONE) redis.call('set', 'local-only', 1) return 1", nil).Err())
	require.NoError(t, mc.Set(ctx, "marker", 1, 0).Err())
	rmiEventually(t, "the marker on the replica", func() (bool, string) {
		n, _ := rc.Exists(ctx, "marker").Result()
		return n == 1, fmt.Sprint(n)
	})
	require.Equal(t, int64(0), rc.Exists(ctx, "local-only").Val())
	require.NoError(t, mc.Del(ctx, "local-only").Err())

	rmiWaitSame(t, mc, rc)
	want, err := mc.Do(ctx, "FUNCTION", "LIST").Slice()
	require.NoError(t, err)
	got, err := rc.Do(ctx, "FUNCTION", "LIST").Slice()
	require.NoError(t, err)
	require.Equal(t, want, got, "FUNCTION LIST")
	require.Len(t, got, 1, "only the library 'after' is left")
}
