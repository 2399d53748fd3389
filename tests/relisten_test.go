package tests

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CONFIG SET port moves the server to the new port at once (new clients
// there, none on the old one, the connected ones served on), and a port
// in use or a bind address that cannot be bound is refused with Redis's
// errors, the server listening where it did. bind from the wildcard to
// 127.0.0.1 on the same port works, as in Redis. Both servers.
func TestConfigSetPortAndBindListenAnew(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*server{"ours": startServer(t), "redis": startBin(t, tool(t, "redis-server"))} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1, MaxRetries: -1})
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err(), name)

		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
		err = c.ConfigSet(ctx, "port", busyPort).Err()
		busy.Close()
		require.Error(t, err, name)
		assert.Equal(t, "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.", err.Error(), name)
		assert.Equal(t, strconv.Itoa(s.Port), c.ConfigGet(ctx, "port").Val()["port"], name)
		requirePing(t, s.Port, name)

		err = c.ConfigSet(ctx, "bind", "999.999.999.999").Err()
		require.Error(t, err, name)
		assert.Equal(t, "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.", err.Error(), name)
		requirePing(t, s.Port, name)

		require.NoError(t, c.ConfigSet(ctx, "bind", "127.0.0.1").Err(), name)
		requirePing(t, s.Port, name)

		moved := freePort(t)
		require.NoError(t, c.ConfigSet(ctx, "port", strconv.Itoa(moved)).Err(), name)
		assert.Equal(t, "v", c.Get(ctx, "k").Val(), name) // the connection stays
		requirePing(t, moved, name)
		_, err = net.DialTimeout("tcp", addr(s.Port), time.Second)
		require.Error(t, err, "%s: the old port still accepts", name)
		assert.Equal(t, strconv.Itoa(moved), infoMap(t, c, "server")["tcp_port"], name)
		c.Close()

		// Clients of the new port are clients as any other, pipelines too.
		m := redis.NewClient(&redis.Options{Addr: addr(moved)})
		cmds, err := m.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range 100 {
				p.Incr(ctx, "n")
				p.Get(ctx, "k")
				_ = i
			}
			return nil
		})
		require.NoError(t, err, name)
		assert.Equal(t, int64(100), cmds[198].(*redis.IntCmd).Val(), name)
		require.NoError(t, m.Do(ctx, "CONFIG", "SET", "port", strconv.Itoa(s.Port)).Err(), name)
		m.Close()
		requirePing(t, s.Port, name)
	}
}

// requirePing connects to port afresh and expects PONG.
func requirePing(t *testing.T, port int, name string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr(port), MaxRetries: -1, DialTimeout: 2 * time.Second})
	defer c.Close()
	require.NoError(t, c.Ping(context.Background()).Err(), "%s: port %d", name, port)
}
