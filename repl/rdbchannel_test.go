package repl

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDualChannelSyncExchange plays a master that offers the dual-channel
// sync with Valkey 8's messages, byte for byte, on two connections, and
// checks what the replica's attempt sends and keeps: the RDB in the temp
// file, the snapshot's replid and offset, and the stream read on the main
// connection meanwhile, in order.
func TestDualChannelSyncExchange(t *testing.T) {
	t.Chdir(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	const replid = "0123456789012345678901234567890123456789"
	mark := strings.Repeat("m", 39) + "M"
	part1, part2 := "*1\r\n$4\r\nPING\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	sent := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		main := &fakeMaster{t: t, c: c, br: bufio.NewReader(c), ln: ln}
		rdb := main.dualHandshake()
		if rdb == nil {
			return
		}
		defer rdb.c.Close()
		rdb.send("\n\n$ENDOFF:1234 "+replid+" 3 42\r\n", 5)

		main.expect("REPLCONF", "set-rdb-client-id", "42")
		main.send("+OK\r\n", 100)
		main.expect("PSYNC", replid, "1235")
		main.send("+CONTINUE "+replid+"\r\n"+part1, 7)
		rdb.send("$EOF:"+mark+"\r\n"+rdbBody+mark, 9)
		main.send(part2, 3)
		close(sent)
		<-time.After(time.Second) // the replica closes first
	}()
	a := newAttempt(linkParams{host: "127.0.0.1", port: ln.Addr().(*net.TCPAddr).Port, listenPort: 6380,
		timeout: 5 * time.Second, dual: dualParams{enabled: true}})
	nc, serr := a.dial()
	require.Nil(t, serr)
	defer nc.Close()
	res, serr := a.sync(nc)
	require.Nil(t, serr)
	require.Equal(t, syncDual, res.kind)
	require.Equal(t, replid, res.replID)
	require.EqualValues(t, 1234, res.offset)
	require.True(t, res.eofMark)
	require.Equal(t, rdbBody, fileContent(t, res.tmpfile))
	<-sent
	require.Eventually(t, func() bool { return res.stream.size() == int64(len(part1+part2)) }, 5*time.Second, 5*time.Millisecond)
	chunks, err := res.stream.stop()
	require.NoError(t, err)
	require.Equal(t, part1+part2, string(bytes.Join(chunks, nil)))
	nc.Close()
	<-done
}

// TestDualChannelBufferLimit: the stream buffering stops reading at its
// limit and keeps what it read.
func TestDualChannelBufferLimit(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	s := newStreamBuffer(client, 10, 5*time.Second)
	s.start()
	wrote := make(chan int, 25)
	go func() {
		for i := 0; i < 25; i++ { // one byte a read: a pipe hands over one write a read
			if _, err := server.Write([]byte("x")); err != nil {
				return
			}
			wrote <- i + 1
		}
	}()
	require.Eventually(t, func() bool { return s.size() >= 10 && len(wrote) >= 10 }, 5*time.Second, time.Millisecond)
	chunks, err := s.stop()
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("x", 10), string(bytes.Join(chunks, nil)))
	require.Len(t, wrote, 10) // the 11th write found no reader
}

// TestDualChannelWaitTimeout: a master that goes quiet while the RDB
// channel waits for $ENDOFF (the snapshot not started: a diskless sync's
// delay, a master in DEBUG SLEEP) times the replica out with Redis's
// handshake message, as a replica waiting for its PSYNC reply: ROLE says
// handshake until then.
func TestDualChannelWaitTimeout(t *testing.T) {
	p := linkParams{timeout: 300 * time.Millisecond, dual: dualParams{enabled: true}}
	_, _, serr := runAttempt(t, p, func(m *fakeMaster) {
		rdb := m.dualHandshake()
		if rdb == nil {
			return
		}
		defer rdb.c.Close()
		rdb.send("\n", 1)
		rdb.br.ReadByte() // quiet until the replica gives up
	})
	require.NotNil(t, serr)
	require.True(t, serr.now)
	require.Equal(t, "Timeout connecting to the MASTER...", serr.Error())
}

// dualHandshake plays a master offering the dual-channel sync: the main
// channel up to +DUALCHANNELSYNC, then the RDB channel it accepts up to
// SYNC, which it returns (nil when the replica never connected it).
func (m *fakeMaster) dualHandshake() *fakeMaster {
	m.expect("PING")
	m.send("+PONG\r\n", 100)
	m.expect("REPLCONF", "listening-port", "6380")
	m.expect("REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel")
	m.send("+OK\r\n+OK\r\n", 100)
	m.expect("PSYNC", "?", "-1")
	m.send("+DUALCHANNELSYNC\r\n", 100)
	rc, err := m.ln.Accept()
	if err != nil {
		return nil
	}
	rdb := &fakeMaster{t: m.t, c: rc, br: bufio.NewReader(rc)}
	rdb.expect("REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1", "listening-port", "6380")
	rdb.send("+OK\r\n", 100)
	rdb.expect("SYNC")
	return rdb
}
