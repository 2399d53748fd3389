package tests

// The memory of clients as Redis 7.0 counts it, against real Redis: what a
// new connection adds to used_memory, its tot-mem, the reply buffer shrunk
// by the clients cron once idle, the query buffer grown by a read and
// trimmed after 2 idle seconds. Every wait is a bounded poll.

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientMemoryAsRedis(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	for name, s := range map[string]*server{"ours": startServer(t), "redis": startBin(t, tool(t, "redis-server"))} {
		ctl := s.client(t, 2)
		require.NoError(t, ctl.Ping(ctx).Err())
		infoField(t, ctl, "memory", "used_memory") // INFO's latency histogram
		const n = 50
		before := infoField(t, ctl, "memory", "used_memory")
		conns := make([]net.Conn, n)
		for i := range conns {
			conns[i] = s.dial(t)
		}
		// A new client holds a 16KB reply buffer, its struct and an empty
		// query buffer, 18112 bytes of used_memory in all. The control
		// client's buffers may move meanwhile (by up to some 30KB in all).
		waitFor(t, limitsPoll, name+" clients connected", func() (bool, string) {
			c := infoField(t, ctl, "clients", "connected_clients")
			return c == n+1, fmt.Sprint(c)
		})
		perClient := (infoField(t, ctl, "memory", "used_memory") - before) / n
		require.InDelta(t, 17160+952, perClient, 600, name)

		// Idle, its reply buffer shrinks to 1KB within a few cron visits.
		waitFor(t, limitsPoll, name+" idle clients shrunk", func() (bool, string) {
			list, err := ctl.ClientList(ctx).Result()
			require.NoError(t, err)
			for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
				if strings.Contains(line, " cmd=client|list ") {
					continue
				}
				if clientField(t, line, "tot-mem") != 1800 || clientField(t, line, "rbs") != 1024 ||
					clientField(t, line, "qbuf-free") != 4 {
					return false, line
				}
			}
			return true, ""
		})

		// A command grows the query buffer to 16KB and more (20480 allocated).
		_, err := conns[0].Write([]byte("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\none\r\n"))
		require.NoError(t, err)
		buf := make([]byte, 5)
		_, err = conns[0].Read(buf)
		require.NoError(t, err)
		line := clientLine(t, ctl, "one")
		require.Equal(t, int64(20474), clientField(t, line, "qbuf-free"), name)
		require.Equal(t, int64(22272), clientField(t, line, "tot-mem"), name)
		// After more than 2 idle seconds the cron trims it.
		waitFor(t, limitsPoll, name+" query buffer trimmed", func() (bool, string) {
			line := clientLine(t, ctl, "one")
			return clientField(t, line, "tot-mem") == 1800 && clientField(t, line, "qbuf-free") == 0, line
		})
		// mem_clients_normal follows, as of the cron.
		waitFor(t, limitsPoll, name+" mem_clients_normal", func() (bool, string) {
			normal := infoField(t, ctl, "memory", "mem_clients_normal")
			return normal >= n*1800 && normal < n*1800+64<<10, fmt.Sprint(normal)
		})
	}
}
