package db

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
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

// TestPropagatorWhile: while its propagator is not listening (the AOF
// off, replication without a backlog), a command collects nothing; once it
// listens, XADD * goes out with its ID and XREADGROUP as XCLAIMs.
func TestPropagatorWhile(t *testing.T) {
	r := newLocalRunner(t)
	var got []string
	listening := false
	r.srv.AddPropagatorWhile(PropagateAll, func(dbid int, argv [][]byte) {
		got = append(got, string(bytes.Join(argv, []byte(" "))))
	}, func() bool { return listening })
	for _, cmd := range []string{"XADD s 1-1 f v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >", "XACK s g 1-1"} {
		r.do("a", splitArgs(nil, cmd))
	}
	require.Empty(t, got)
	listening = true
	r.do("a", splitArgs(nil, "XADD s * f v"))
	require.Len(t, got, 1)
	id := strings.Fields(got[0])[2]
	require.Equal(t, "XADD s "+id+" f v", got[0])
	r.do("a", splitArgs(nil, "XREADGROUP GROUP g c STREAMS s >"))
	require.Equal(t, "XCLAIM s g c 0 "+id+" TIME ", got[1][:len("XCLAIM s g c 0 "+id+" TIME ")])
	require.True(t, strings.HasSuffix(got[1], " RETRYCOUNT 1 FORCE JUSTID LASTID "+id), got[1])
}

// BenchmarkStreamGroupLoop is a work queue's cycle, as benchcmp's stream
// section drives it: 10 XADDs, an XREADGROUP COUNT 10, the XACK of the 10
// IDs. The stream starts again every 10000 cycles.
func BenchmarkStreamGroupLoop(b *testing.B) {
	srv := NewServer(config.New())
	c := srv.NewClient(nopConn{}, "127.0.0.1:1", "127.0.0.1:6379", 8)
	reset := encodeCommand(splitArgs(nil, "DEL s"))
	create := encodeCommand(splitArgs(nil, "XGROUP CREATE s g $ MKSTREAM"))
	read := encodeCommand(splitArgs(nil, "XREADGROUP GROUP g c COUNT 10 STREAMS s >"))
	var adds, ack []byte
	var id [10][]byte
	cycle := 0
	b.ReportAllocs()
	for b.Loop() {
		if cycle%10000 == 0 {
			srv.ProcessInput(c, reset)
			srv.ProcessInput(c, create)
		}
		cycle++
		adds, ack = adds[:0], append(ack[:0], "*13\r\n$4\r\nXACK\r\n$1\r\ns\r\n$1\r\ng\r\n"...)
		for i := range id {
			id[i] = strconv.AppendInt(append(id[i][:0], "1-"...), int64(cycle*10+i), 10)
			adds = append(adds, "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$"...)
			adds = strconv.AppendInt(adds, int64(len(id[i])), 10)
			adds = append(append(append(adds, "\r\n"...), id[i]...), "\r\n$1\r\nf\r\n$1\r\nv\r\n"...)
			ack = strconv.AppendInt(append(ack, '$'), int64(len(id[i])), 10)
			ack = append(append(append(ack, "\r\n"...), id[i]...), "\r\n"...)
		}
		srv.ProcessInput(c, adds)
		srv.ProcessInput(c, read)
		srv.ProcessInput(c, ack)
		if !bytes.HasSuffix(c.Buf, []byte(":10\r\n")) {
			b.Fatalf("%q", c.Buf)
		}
		c.Buf = c.Buf[:0]
	}
}
