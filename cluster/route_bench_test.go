package cluster

import (
	"testing"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/resp"
)

// benchRouted runs 16 pipelined commands on key "b" (slot 3300, node A's)
// per iteration, on node A of the route tests' cluster or, with plain, on
// a server without cluster mode: the difference is what cluster mode adds
// to a command served where it is sent.
func benchRouted(b *testing.B, plain bool, args ...string) {
	t := &testing.T{}
	var srv *db.Server
	if plain {
		srv = db.NewServer(config.New())
	} else {
		srv = newRouteNode(t, nameA, true).srv
	}
	c := srv.NewClient(routeNop{}, "127.0.0.1:50000", "127.0.0.1:7201", 10)
	w := &resp.Writer{}
	for range 16 {
		w.ArrayLen(len(args))
		for _, a := range args {
			w.Bulk([]byte(a))
		}
	}
	srv.ProcessInput(c, w.Buf)
	c.Buf = c.Buf[:0]
	b.ReportAllocs()
	for b.Loop() {
		srv.ProcessInput(c, w.Buf)
		c.Buf = c.Buf[:0]
	}
}

func BenchmarkRoutedGet(b *testing.B)      { benchRouted(b, false, "GET", "b") }
func BenchmarkRoutedGetPlain(b *testing.B) { benchRouted(b, true, "GET", "b") }
func BenchmarkRoutedSet(b *testing.B)      { benchRouted(b, false, "SET", "b", "0123456789abcdef") }
func BenchmarkRoutedSetPlain(b *testing.B) { benchRouted(b, true, "SET", "b", "0123456789abcdef") }
