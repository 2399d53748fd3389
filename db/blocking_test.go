package db

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/resp"
)

// The script runners' support for replies that come later: "name>& CMD"
// sends without reading, "name<" reads (see script_test.go).

// asyncRunner is implemented by the script runners.
type asyncRunner interface {
	send(client string, argv [][]byte)
	receive(client string) []string
}

// runStep runs one script step and returns the rendered replies.
func runStep(r scriptRunner, st scriptStep) []string {
	switch st.mode {
	case '&':
		r.(asyncRunner).send(st.client, st.argv)
		return nil
	case '<':
		return r.(asyncRunner).receive(st.client)
	case '!':
		return r.(rawRunner).raw(st.client, bytes.Join(st.argv, nil))
	}
	return r.do(st.client, st.argv)
}

var clientNameRE = regexp.MustCompile(`^[A-Za-z0-9_]*$`)

// isClientName reports whether s can name a script's client.
func isClientName(s string) bool { return clientNameRE.MatchString(s) }

const receiveTimeout = 5 * time.Second

func (r *localRunner) send(name string, argv [][]byte) {
	r.srv.ProcessInput(r.client(name), encodeCommand(argv))
}

// receive renders what the client received; when nothing did yet, it runs
// the cron until something comes, as time passes for a timeout.
func (r *localRunner) receive(name string) []string {
	c := r.client(name)
	for deadline := time.Now().Add(receiveTimeout); len(c.Buf) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		r.srv.Cron()
	}
	return renderReplies(c.Buf, &c.Buf)
}

// renderReplies renders every reply in buf and empties *clear.
func renderReplies(buf []byte, clear *[]byte) []string {
	rd := bufio.NewReader(bytes.NewReader(buf))
	var out []string
	for {
		v, err := resp.ReadReply(rd)
		if err != nil {
			break
		}
		out = renderValue(v, "", out)
	}
	*clear = (*clear)[:0]
	if len(out) == 0 {
		return []string{"<no reply>"}
	}
	return out
}

// conn returns the named client's connection, dialing it the first time.
func (r *redisRunner) conn(name string) *bufio.ReadWriter {
	rw := r.clients[name]
	if rw == nil {
		c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", r.port))
		if err != nil {
			panic(err)
		}
		rw = bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c))
		r.clients[name] = rw
		r.conns[name] = c
	}
	return rw
}

// send writes the command, then waits until the server ran it: either a
// reply is there to read, or one more client is blocked.
func (r *redisRunner) send(name string, argv [][]byte) {
	rw := r.conn(name)
	before := r.blockedClients()
	rw.Write(encodeCommand(argv))
	rw.Flush()
	c := r.conns[name]
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := rw.Reader.Peek(1)
		c.SetReadDeadline(time.Time{})
		if err == nil || r.blockedClients() > before {
			return
		}
	}
}

func (r *redisRunner) receive(name string) []string {
	rw := r.conn(name)
	c := r.conns[name]
	c.SetReadDeadline(time.Now().Add(receiveTimeout))
	defer c.SetReadDeadline(time.Time{})
	v, err := resp.ReadReply(rw.Reader)
	if err != nil {
		return []string{"<no reply>"}
	}
	out := renderValue(v, "", nil)
	for rw.Reader.Buffered() > 0 {
		v, err := resp.ReadReply(rw.Reader)
		if err != nil {
			break
		}
		out = renderValue(v, "", out)
	}
	return out
}

var blockedClientsRE = regexp.MustCompile(`blocked_clients:(\d+)`)

// blockedClients asks INFO on a connection of the runner's own.
func (r *redisRunner) blockedClients() int {
	rw := r.conn("\x00control")
	rw.Write(encodeCommand([][]byte{[]byte("INFO"), []byte("clients")}))
	rw.Flush()
	v, err := resp.ReadReply(rw.Reader)
	if err != nil {
		panic(err)
	}
	m := blockedClientsRE.FindSubmatch(v.Str)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// blockingRunner is an in-process server with named clients, for the
// tests below.
type blockingRunner struct {
	*localRunner
	t *testing.T
}

func newBlockingRunner(t *testing.T) *blockingRunner {
	return &blockingRunner{newLocalRunner(t), t}
}

// do runs cmd as client name and returns its replies on one line each.
func (r *blockingRunner) do(name, cmd string) string {
	return strings.Join(r.localRunner.do(name, splitArgs(r.t, cmd)), "\n")
}

// send runs cmd as client name without reading a reply.
func (r *blockingRunner) send(name, cmd string) {
	r.localRunner.send(name, splitArgs(r.t, cmd))
}

// raw returns and clears the bytes client name received.
func (r *blockingRunner) raw(name string) string {
	c := r.client(name)
	out := string(c.Buf)
	c.Buf = c.Buf[:0]
	return out
}

func TestBlockingPopWakesOnPush(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP l 0")
	require.Equal(t, "", r.raw("b"), "blocked: no reply yet")
	require.True(t, r.client("b").Flags&ClientBlocked != 0)
	require.Equal(t, 1, r.srv.BlockedClients())
	require.Equal(t, ":1", r.do("a", "LPUSH l v"))
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nv\r\n", r.raw("b"))
	require.Equal(t, 0, r.srv.BlockedClients())
	require.Equal(t, ":0", r.do("a", "EXISTS l"), "the served pop emptied the list")
	require.Equal(t, "+PONG", r.do("b", "PING"))
}

func TestBlockingFIFO(t *testing.T) {
	r := newBlockingRunner(t)
	for _, name := range []string{"c1", "c2", "c3"} {
		r.send(name, "BRPOP l 0")
	}
	require.Equal(t, ":2", r.do("a", "RPUSH l x y"))
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\ny\r\n", r.raw("c1"))
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nx\r\n", r.raw("c2"))
	require.Equal(t, "", r.raw("c3"))
	require.Equal(t, ":1", r.do("a", "RPUSH l z"))
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nz\r\n", r.raw("c3"))
}

func TestBlockingMultipleKeys(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP k1 k2 k2 0")
	require.Equal(t, 1, len(r.srv.blocking.keys[blockKey{r.srv.DBs[0], "k2"}]), "a key given twice waits once")
	r.do("a", "RPUSH k2 v")
	require.Equal(t, "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n", r.raw("b"))
	require.Empty(t, r.srv.blocking.keys, "unblocked from every key")
}

func TestBlockingMove(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLMOVE src dst RIGHT LEFT 0")
	r.send("c", "BLPOP dst 0") // served by b's move
	r.do("a", "RPUSH src x y")
	require.Equal(t, "$1\r\ny\r\n", r.raw("b"))
	require.Equal(t, "*2\r\n$3\r\ndst\r\n$1\r\ny\r\n", r.raw("c"))
	require.Equal(t, "*1\n  \"x\"", r.do("a", "LRANGE src 0 -1"))
}

func TestBlockingWrongTypeKeepsWaiting(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP k 0")
	r.do("a", "SET k str")
	require.Equal(t, "", r.raw("b"))
	r.do("a", "DEL k")
	r.do("a", "RPUSH k v")
	require.Equal(t, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", r.raw("b"))
}

func TestBlockingTimeout(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP l 0.1")
	r.send("m", "BLMOVE l d LEFT LEFT 0.1")
	r.do("r3", "HELLO 3")
	r.send("r3", "BLPOP l 0.1")
	r.send("forever", "BLPOP l 0")
	start := time.Now()
	r.srv.Cron()
	require.Equal(t, "", r.raw("b"), "not yet")
	for time.Since(start) < 150*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
	}
	r.srv.Cron()
	require.Equal(t, "*-1\r\n", r.raw("b"))
	require.Equal(t, "*-1\r\n", r.raw("m"), "BLMOVE times out with a null array too")
	require.Equal(t, "_\r\n", r.raw("r3"))
	require.Equal(t, "", r.raw("forever"))
	require.Equal(t, 1, r.srv.BlockedClients())
}

func TestBlockingInMulti(t *testing.T) {
	r := newBlockingRunner(t)
	r.do("a", "MULTI")
	r.do("a", "BLPOP l 0")
	r.do("a", "BLMOVE l d LEFT LEFT 0")
	require.Equal(t, "*2\n  *-1\n  (nil)", r.do("a", "EXEC"))
	require.Equal(t, 0, r.srv.BlockedClients())
}

func TestBlockingPipelinedInput(t *testing.T) {
	r := newBlockingRunner(t)
	c := r.client("b")
	r.srv.ProcessInput(c, []byte("*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n"))
	require.Equal(t, "", r.raw("b"), "PING waits behind the blocked BLPOP")
	r.do("a", "RPUSH l v")
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nv\r\n+PONG\r\n", r.raw("b"))
}

func TestBlockingPropagation(t *testing.T) {
	r := newBlockingRunner(t)
	var log []string
	r.srv.AddPropagator(PropagateAll, func(dbid int, argv [][]byte) {
		log = append(log, fmt.Sprintf("%d %s", dbid, bytes.Join(argv, []byte(" "))))
	})
	r.do("b", "SELECT 3")
	r.send("b", "BLPOP l 0")
	r.do("m", "SELECT 3")
	r.send("m", "BLMOVE src dst LEFT RIGHT 0")
	r.send("p", "SELECT 3")
	r.send("p", "BRPOPLPUSH s2 d2 0")
	r.send("q", "SELECT 3")
	r.send("q", "BLMPOP 0 2 x l2 RIGHT COUNT 5")
	r.do("a", "SELECT 3")
	r.do("a", "RPUSH l v1 v2")
	r.do("a", "RPUSH src w")
	r.do("a", "RPUSH s2 z")
	r.do("a", "RPUSH l2 1 2")
	require.Equal(t, []string{
		"3 RPUSH l v1 v2", "3 LPOP l",
		"3 RPUSH src w", "3 LMOVE src dst left right",
		"3 RPUSH s2 z", "3 RPOPLPUSH s2 d2",
		"3 RPUSH l2 1 2", "3 RPOP l2 2",
	}, log)
	require.Equal(t, "+OK\r\n*2\r\n$2\r\nl2\r\n*2\r\n$1\r\n2\r\n$1\r\n1\r\n", r.raw("q"))
}

func TestClientUnblock(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP l 0")
	id := strconv.FormatInt(r.client("b").ID, 10)
	require.Equal(t, ":1", r.do("a", "CLIENT UNBLOCK "+id))
	require.Equal(t, "*-1\r\n", r.raw("b"))
	require.Equal(t, ":0", r.do("a", "CLIENT UNBLOCK "+id))
	r.send("b", "BLPOP l 0")
	require.Equal(t, ":1", r.do("a", "CLIENT UNBLOCK "+id+" error"))
	require.Equal(t, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", r.raw("b"))
	require.Equal(t, 0, r.srv.BlockedClients())
}

func TestBlockedClientGoesAway(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP l 0")
	r.send("c", "BLPOP l 0")
	r.srv.FreeClient(r.client("b"))
	require.Equal(t, 1, r.srv.BlockedClients())
	r.do("a", "RPUSH l v")
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nv\r\n", r.raw("c"))
	require.Empty(t, r.srv.blocking.keys)

	r.send("d", "BLPOP l 0")
	require.Equal(t, ":1", r.do("a", "CLIENT KILL ID "+strconv.FormatInt(r.client("d").ID, 10)))
	require.Equal(t, 0, r.srv.BlockedClients())
	require.Empty(t, r.srv.blocking.keys)
}

func TestBlockingServedAfterExec(t *testing.T) {
	r := newBlockingRunner(t)
	r.send("b", "BLPOP l 0")
	r.do("a", "MULTI")
	r.do("a", "RPUSH l a b")
	r.do("a", "LPOP l")
	r.do("a", "LPOP l")
	require.Equal(t, "", r.raw("b"))
	r.do("a", "RPUSH l c")
	r.do("a", "EXEC")
	require.Equal(t, "*2\r\n$1\r\nl\r\n$1\r\nc\r\n", r.raw("b"), "served with what is left after EXEC")
}

func TestBlockTimeoutParsing(t *testing.T) {
	for _, tc := range []struct {
		in string
		ms int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1000, true}, {"0.1", 100, true}, {"1.5", 1500, true},
		{"-0.0001", 0, true}, {"-0.001", 0, true}, {"-0.5", -500, true},
		{"0x10", 16000, true}, {"inf", -1 << 63, true}, {"1e300", -1 << 63, true},
		{"1e5000", 0, false}, {"nan", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"", 0, false}, {"1_0", 0, false}, {"0b1", 0, false},
	} {
		ms, ok := timeoutMs([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		if ok {
			require.Equal(t, tc.ms, ms, tc.in)
		}
	}
}
