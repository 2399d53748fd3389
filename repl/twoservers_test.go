package repl_test

// Two whole servers in one process, wired as cmd/redis-server wires one:
// nothing of a server lives in package state, so a master and its replica
// can share a process. The replica syncs from the master through real
// sockets (a disk sync: a BGSAVE by the master's own persistence) and then
// follows its stream.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/ae"
	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
	"github.com/redis-go/redis-server/repl"
	"github.com/redis-go/redis-server/resp"
)

// server is one server of the test, as main.go starts it.
type server struct {
	srv  *db.Server
	port int
}

// startServer serves a fresh server with these config lines on a free
// port until the test ends.
func startServer(t *testing.T, lines ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := config.New()
	lines = append(lines, "port "+strconv.Itoa(port), "bind 127.0.0.1", `save ""`)
	require.NoError(t, cfg.LoadString(strings.Join(lines, "\n")))

	srv := db.NewServer(cfg)
	loop := ae.New(srv, []string{"tcp://127.0.0.1:" + strconv.Itoa(port)}, port)
	persistence := rdb.Attach(srv)
	replication := repl.New(srv, loop)
	require.NoError(t, persistence.LoadAtStartup())
	require.Same(t, replication, repl.Of(srv))
	require.Same(t, persistence, rdb.Of(srv))

	ready := make(chan struct{})
	loop.OnReady = func() {
		replication.Start()
		close(ready)
	}
	done := make(chan error, 1)
	go func() { done <- loop.Run() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("loop stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not start")
	}
	t.Cleanup(func() {
		loop.Shutdown()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the loop did not stop")
		}
	})
	return &server{srv: srv, port: port}
}

// client is a connection to a server of the test.
type client struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func (s *server) connect(t *testing.T) *client {
	nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// do sends a command and returns its reply, rendered by resp.Value.String.
func (c *client) do(args ...string) string {
	c.t.Helper()
	cmd := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		cmd += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write([]byte(cmd))
	require.NoError(c.t, err)
	v, err := resp.ReadReply(c.br)
	require.NoError(c.t, err)
	return v.String()
}

// infoField is a field of an INFO section.
func (c *client) infoField(section, name string) string {
	for _, line := range strings.Split(c.do("INFO", section), "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

func TestMasterAndReplicaInOneProcess(t *testing.T) {
	logger.SetOutput(io.Discard)
	t.Chdir(t.TempDir()) // the dump files: the working directory is the process's
	master := startServer(t, "dbfilename master.rdb", "repl-diskless-sync no")
	replica := startServer(t, "dbfilename replica.rdb")
	m, r := master.connect(t), replica.connect(t)

	require.Equal(t, "OK", m.do("SET", "before", "sync"))
	require.Equal(t, "OK", r.do("REPLICAOF", "127.0.0.1", strconv.Itoa(master.port)))
	require.Eventually(t, func() bool { return r.infoField("replication", "master_link_status") == "up" },
		10*time.Second, 20*time.Millisecond, "the replica syncs")
	require.Equal(t, "sync", r.do("GET", "before"), "the full sync carried the dataset")

	require.Equal(t, "OK", m.do("SET", "after", "sync"))
	require.Equal(t, "1", m.do("RPUSH", "list", "x"))
	require.Eventually(t, func() bool { return r.do("LRANGE", "list", "0", "-1") == "[x]" },
		5*time.Second, 10*time.Millisecond, "the stream reaches the replica")
	require.Equal(t, "sync", r.do("GET", "after"))

	// Each server answers for itself: its role, its replication, its saves.
	require.Equal(t, "master", m.infoField("replication", "role"))
	require.Equal(t, "1", m.infoField("replication", "connected_slaves"))
	require.Equal(t, "slave", r.infoField("replication", "role"))
	require.Equal(t, m.infoField("replication", "master_replid"), r.infoField("replication", "master_replid"))
	require.Equal(t, "1", m.infoField("stats", "sync_full"))
	require.Equal(t, "0", r.infoField("stats", "sync_full"))
	require.Equal(t, "READONLY You can't write against a read only replica.", r.do("SET", "k", "v"))
	require.Equal(t, "OK", m.do("SET", "k", "v"))
	require.Equal(t, "Background saving started", r.do("BGSAVE"))
	require.Eventually(t, func() bool { return r.infoField("persistence", "rdb_bgsave_in_progress") == "0" },
		5*time.Second, 10*time.Millisecond)
	require.Equal(t, "0", m.infoField("persistence", "rdb_bgsave_in_progress"), "the replica's BGSAVE is its own")
	require.FileExists(t, "replica.rdb")
	require.FileExists(t, "master.rdb")
}

// TestPausedReplicaHoldsMasterStream checks CLIENT PAUSE WRITE on a
// replica, as Redis 7.0: the master's writes are read
// (slave_read_repl_offset) but not applied (slave_repl_offset, the data)
// until the pause ends; then they run in order.
func TestPausedReplicaHoldsMasterStream(t *testing.T) {
	logger.SetOutput(io.Discard)
	t.Chdir(t.TempDir())
	master := startServer(t, "dbfilename master.rdb")
	replica := startServer(t, "dbfilename replica.rdb")
	m, r := master.connect(t), replica.connect(t)
	require.Equal(t, "OK", r.do("REPLICAOF", "127.0.0.1", strconv.Itoa(master.port)))
	require.Eventually(t, func() bool { return r.infoField("replication", "master_link_status") == "up" },
		10*time.Second, 20*time.Millisecond, "the replica syncs")
	require.Equal(t, "OK", m.do("SET", "foo", "bar")) // the stream's SELECT comes first
	offset := func() string { return m.infoField("replication", "master_repl_offset") }
	require.Eventually(t, func() bool { return r.infoField("replication", "slave_repl_offset") == offset() },
		5*time.Second, 10*time.Millisecond, "the replica applies the SET")
	before := offset()

	require.Equal(t, "OK", r.do("CLIENT", "PAUSE", "100000", "WRITE"))
	require.Equal(t, "OK", m.do("SET", "foo2", "bar2"))
	require.Equal(t, "1", m.do("INCR", "n"))
	require.Eventually(t, func() bool { return r.infoField("replication", "slave_read_repl_offset") == offset() },
		5*time.Second, 10*time.Millisecond, "the replica reads the stream")
	require.Equal(t, before, r.infoField("replication", "slave_repl_offset"))
	require.Equal(t, "(nil)", r.do("GET", "foo2"))
	require.Equal(t, "1", r.infoField("clients", "blocked_clients"))

	require.Equal(t, "OK", r.do("CLIENT", "UNPAUSE"))
	require.Eventually(t, func() bool { return r.infoField("replication", "slave_repl_offset") == offset() },
		5*time.Second, 10*time.Millisecond, "the replica applies the stream")
	require.Equal(t, "bar2", r.do("GET", "foo2"))
	require.Equal(t, "1", r.do("GET", "n"))
}
