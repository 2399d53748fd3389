package tests

// Round trips through go-redis, the most used Go client, in RESP2 and RESP3.

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var protocols = []int{2, 3}

func TestGoRedisPing(t *testing.T) {
	s := startServer(t)
	for _, proto := range protocols {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			c := s.client(t, proto)
			pong, err := c.Ping(context.Background()).Result()
			require.NoError(t, err)
			assert.Equal(t, "PONG", pong)
		})
	}
}

// TestGoRedisHello checks that the client really negotiated each protocol:
// HELLO replies with a map in RESP3 and a flat array in RESP2.
func TestGoRedisHello(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	v3, err := s.client(t, 3).Do(ctx, "HELLO", "3").Result()
	require.NoError(t, err)
	m, ok := v3.(map[interface{}]interface{})
	require.True(t, ok, "HELLO 3 replied %T, want a map", v3)
	assert.Equal(t, "redis", m["server"])
	assert.Equal(t, "7.0.15", m["version"])
	assert.Equal(t, int64(3), m["proto"])
	assert.Equal(t, "master", m["role"])

	v2, err := s.client(t, 2).Do(ctx, "HELLO", "2").Result()
	require.NoError(t, err)
	a, ok := v2.([]interface{})
	require.True(t, ok, "HELLO 2 replied %T, want an array", v2)
	require.Len(t, a, 14)
	assert.Equal(t, []interface{}{"server", "redis", "version", "7.0.15", "proto", int64(2)}, a[:6])
}

func TestGoRedisStrings(t *testing.T) {
	s := startServer(t)
	for _, proto := range protocols {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			c := s.client(t, proto)
			key := func(name string) string { return fmt.Sprintf("%s:%d", name, proto) }

			require.NoError(t, c.Set(ctx, key("k"), "hello world", 0).Err())
			v, err := c.Get(ctx, key("k")).Result()
			require.NoError(t, err)
			assert.Equal(t, "hello world", v)

			_, err = c.Get(ctx, key("missing")).Result()
			assert.Equal(t, redis.Nil, err)

			n, err := c.Del(ctx, key("k"), key("missing")).Result()
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
			_, err = c.Get(ctx, key("k")).Result()
			assert.Equal(t, redis.Nil, err)

			for want := int64(1); want <= 3; want++ {
				n, err := c.Incr(ctx, key("counter")).Result()
				require.NoError(t, err)
				assert.Equal(t, want, n)
			}
			require.NoError(t, c.Set(ctx, key("text"), "abc", 0).Err())
			err = c.Incr(ctx, key("text")).Err()
			require.Error(t, err)
			assert.Equal(t, "ERR value is not an integer or out of range", err.Error())
		})
	}
}

func TestGoRedisExpire(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.client(t, 3)

	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	ttl, err := c.TTL(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), ttl, "no expiry")
	ttl, err = c.TTL(ctx, "missing").Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-2), ttl, "no key")

	ok, err := c.Expire(ctx, "k", 100*time.Second).Result()
	require.NoError(t, err)
	assert.True(t, ok)
	ttl, err = c.TTL(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, 100*time.Second, ttl)
	ok, err = c.Expire(ctx, "missing", 100*time.Second).Result()
	require.NoError(t, err)
	assert.False(t, ok)

	// A key expires on time, whether it is read (lazy expiry) or not.
	require.NoError(t, c.Set(ctx, "short", "v", 0).Err())
	ok, err = c.PExpire(ctx, "short", 50*time.Millisecond).Result()
	require.NoError(t, err)
	assert.True(t, ok)
	time.Sleep(150 * time.Millisecond)
	_, err = c.Get(ctx, "short").Result()
	assert.Equal(t, redis.Nil, err)
	n, err := c.Exists(ctx, "short").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(0), n)
}

// TestGoRedisPipeline sends 10,000 commands in one go-redis pipeline.
func TestGoRedisPipeline(t *testing.T) {
	const n = 10000
	s := startServer(t)
	for _, proto := range protocols {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			c := s.client(t, proto)
			prefix := "p" + strconv.Itoa(proto) + ":"

			pipe := c.Pipeline()
			for i := 0; i < n; i++ {
				pipe.Set(ctx, prefix+strconv.Itoa(i), "value-"+strconv.Itoa(i), 0)
				pipe.Incr(ctx, prefix+"counter")
			}
			cmds, err := pipe.Exec(ctx)
			require.NoError(t, err)
			require.Len(t, cmds, 2*n)
			assert.Equal(t, int64(n), cmds[2*n-1].(*redis.IntCmd).Val())

			pipe = c.Pipeline()
			gets := make([]*redis.StringCmd, n)
			for i := range gets {
				gets[i] = pipe.Get(ctx, prefix+strconv.Itoa(i))
			}
			_, err = pipe.Exec(ctx)
			require.NoError(t, err)
			for i, g := range gets {
				require.Equal(t, "value-"+strconv.Itoa(i), g.Val(), "GET %s%d", prefix, i)
			}
		})
	}
}
