package ae

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// startLoop serves a fresh server on a free port until the test ends.
func startLoop(t *testing.T) (*Loop, *db.Server, int) {
	logger.SetOutput(io.Discard)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := db.NewServer(config.New())
	l := New(srv, []string{"tcp://127.0.0.1:" + strconv.Itoa(port)}, port)
	ready := make(chan struct{})
	l.OnReady = func() { close(ready) }
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("loop stopped: %v", err)
	}
	t.Cleanup(func() {
		l.Shutdown()
		<-done
	})
	return l, srv, port
}

// TestEnrollMasterConnection: a connection made elsewhere becomes a client
// of the loop; setup runs first and feeds what was read before; the
// client's replies are dropped, raw writes go out.
func TestEnrollMasterConnection(t *testing.T) {
	l, _, port := startLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer peer.Close()
	nc, err := ln.Accept()
	require.NoError(t, err)

	// The peer's next command is on its way before the hand-over.
	_, err = peer.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv2\r\n"))
	require.NoError(t, err)
	failed := make(chan error, 1)
	l.Enroll(nc, func(c *db.Client, raw io.Writer) {
		c.Flags |= db.ClientMaster
		c.Srv().ProcessInput(c, []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n*3\r\n$3\r\nSET\r\n$1\r\nj\r\n$1\r\nx\r\n"))
		raw.Write([]byte("hello"))
	}, func(err error) { failed <- err })

	peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 5)
	_, err = io.ReadFull(peer, got)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))

	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	require.NoError(t, err)
	defer c.Close()
	br := bufio.NewReader(c)
	get := func(key string) string {
		c.Write([]byte("GET " + key + "\r\n"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		if line[0] == '$' && line != "$-1\r\n" {
			line, err = br.ReadString('\n')
			require.NoError(t, err)
		}
		return line
	}
	require.Eventually(t, func() bool { return get("k") == "v2\r\n" }, 2*time.Second, 10*time.Millisecond,
		"the bytes read before the hand-over ran first, then the connection's")
	require.Equal(t, "x\r\n", get("j"))

	peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	n, _ := peer.Read(got)
	require.Zero(t, n, "a master client's replies are dropped")
	select {
	case err := <-failed:
		t.Fatal(err)
	default:
	}
}
