package db

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/internal/stream"
)

// TestStreamCOW: a snapshot keeps seeing the stream, its nodes and its
// groups as they were, while every kind of write changes the live one;
// nodes no write touched stay shared.
func TestStreamCOW(t *testing.T) {
	r := newBlockingRunner(t)
	r.do("a", "CONFIG SET stream-node-max-entries 10")
	for i := 1; i <= 500; i++ {
		r.do("a", fmt.Sprintf("XADD s %d-1 f %d g x", i, i))
	}
	r.do("a", "XGROUP CREATE s g 0")
	r.do("a", "XREADGROUP GROUP g c COUNT 20 STREAMS s >")
	frozen := r.srv.DBs[0].Peek([]byte("s")).(*Stream)
	nodesBefore := make([][]byte, len(frozen.Nodes))
	for i, n := range frozen.Nodes {
		nodesBefore[i] = bytes.Clone(n.LP.Bytes())
	}
	g := frozen.LookupGroup([]byte("g"))
	pelBefore, lastBefore := g.PEL.Len(), g.LastID
	sn := r.srv.Snapshot()
	defer sn.Release()
	for _, cmd := range []string{"XADD s 501-1 f v", "XDEL s 250-1 3-1", "XTRIM s MAXLEN 300",
		"XACK s g 201-1", "XREADGROUP GROUP g c2 COUNT 5 STREAMS s >", "XCLAIM s g c3 0 205-1",
		"XGROUP CREATECONSUMER s g c4", "XSETID s 600-1", "XGROUP DESTROY s g"} {
		r.do("a", cmd)
	}
	live := r.srv.DBs[0].Peek([]byte("s")).(*Stream)
	require.NotSame(t, frozen, live)
	require.Len(t, frozen.Nodes, len(nodesBefore))
	for i, n := range frozen.Nodes {
		require.Equal(t, nodesBefore[i], n.LP.Bytes(), "node %d", i)
	}
	require.Equal(t, uint64(500), frozen.Length)
	require.Equal(t, pelBefore, g.PEL.Len())
	require.Equal(t, lastBefore, g.LastID)
	require.Same(t, g, frozen.LookupGroup([]byte("g")))
	require.Nil(t, live.LookupGroup([]byte("g")))
	require.Equal(t, ":300", r.do("a", "XLEN s"))
	shared := 0
	for _, n := range live.Nodes {
		for _, m := range frozen.Nodes {
			if n.LP == m.LP {
				shared++
			}
		}
	}
	require.Greater(t, shared, 0, "untouched nodes stay shared")
	require.Equal(t, stream.ID{Ms: 600, Seq: 1}, live.LastID)
}
