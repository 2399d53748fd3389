package tests

// The replication stream, byte for byte: a raw "fake replica" full-syncs
// from a fresh master, a scripted workload runs on that master, and the
// bytes the master then sends must be exactly those real Redis 7.0.15 sends
// for the same workload. The workload exercises what a master propagates
// instead of the command it ran (PEXPIREAT for every expiry form, SET PXAT
// for SET EX, SET KEEPTTL for INCRBYFLOAT, SREM or DEL for SPOP, LPOP for a
// served BLPOP, DEL for a lazily expired key), when SELECT is emitted, and
// when the commands one top-level call produced travel wrapped in
// MULTI/EXEC (a transaction with several writes, a write that first
// expired the key it touched).
//
// Only two things are normalised before comparing. An absolute expiry time
// that the master computed from its clock (now + a relative TTL) differs
// between runs: in a PEXPIREAT, after PXAT in a SET, and (the same rewrite
// for RESTORE) in a RESTORE ... ABSTTL, the timestamp's digits are replaced
// by "<now+TTLms>" when it falls in the window [start+TTL, end+TTL] of the
// run for one of the relative TTLs the workload uses; the bulk header
// ($13) stays, and so does a timestamp in no window, so a wrong unit or
// base still shows. Absolute times the workload gives are compared as
// they are. And PING / REPLCONF GETACK, which the workload never causes
// (repl-ping-replica-period is an hour, there is no WAIT), would be
// dropped if they appeared.
//
// Streams take their part too (rsStreams): XADD's generated IDs, trims
// propagated as their exact effect, XREADGROUP and XAUTOCLAIM as XCLAIM and
// XGROUP SETID; the IDs and delivery times they take from the clock are
// normalised as expiry times are.
//
// SPOP with 0 < count < size is left out on purpose: Redis picks the
// members at random and propagates one SREM per member inside MULTI/EXEC,
// so the bytes differ from run to run even on the same server. SPOP of a
// one-member set and SPOP with count >= size (propagated as SREM of that
// member and as DEL) are deterministic and covered. SRANDMEMBER, SORT and
// EVAL are not used.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The relative TTLs of the workload, in milliseconds. They are far apart
// (much more than a run lasts) so that a timestamp names its TTL without
// ambiguity.
const (
	rsTTLLazy = 1 // PX 1: keys that are expired by the time they are used
	rsTTL1    = 1000 * 1000
	rsTTL2    = 2000 * 1000
	rsTTL3    = 3000 * 1000
	rsTTL4    = 4000 * 1000
	rsTTL5    = 5000 * 1000
	rsTTL6    = 6000 * 1000
	rsTTL7    = 7000 * 1000
	rsTTL8    = 8000 * 1000
	rsTTL9    = 9000 * 1000
	rsTTL10   = 10000 * 1000
)

var rsRelativeTTLs = []int64{rsTTLLazy, rsTTL1, rsTTL2, rsTTL3, rsTTL4, rsTTL5, rsTTL6, rsTTL7, rsTTL8, rsTTL9, rsTTL10}

// rsFarFuture is 2100-01-01T00:00:00Z in seconds: absolute expiry times
// that the stream must carry unchanged (converted to milliseconds).
const rsFarFuture = "4102444800"

// rsTimeout bounds every read from a client or the stream.
const rsTimeout = 10 * time.Second

func TestReplicationStreamMatchesRedis(t *testing.T) {
	args := []string{"--appendonly", "no", "--repl-ping-replica-period", "3600", "--repl-diskless-sync", "yes"}
	ours := startNode(t, "", args...)
	redis := startNode(t, tool(t, "redis-server"), args...)
	want := rsRecord(t, redis, "real Redis")
	got := rsRecord(t, ours, "the server under test")
	for _, s := range []*rsStream{want, got} {
		require.NotEmpty(t, s.steps, "no steps recorded")
	}
	if want.normalized() == got.normalized() && want.extra == got.extra {
		rsLogReplyDiffs(t, want, got)
		return
	}
	t.Errorf("the replication stream differs from Redis 7.0.15's\n%s", rsExplain(want, got))
	rsLogReplyDiffs(t, want, got)
}

// rsStream is what one server sent its fake replica during the workload,
// cut into steps by the master_repl_offset read after each step.
type rsStream struct {
	name  string
	steps []rsStepStream
	extra string // problems with the stream itself (short, past the offset)
	start time.Time
	end   time.Time
}

type rsStepStream struct {
	name    string
	raw     []byte
	replies []string
}

// normalized is the whole stream after normalisation, parsed in one piece
// so that a step boundary in the middle of a command (a master whose
// offset runs ahead of or behind its bytes) cannot change it.
func (s *rsStream) normalized() string {
	var raw []byte
	for _, st := range s.steps {
		raw = append(raw, st.raw...)
	}
	var b strings.Builder
	for _, c := range s.commands(raw) {
		b.Write(c.norm)
	}
	return b.String()
}

// rsRecord attaches a fake replica to n, runs the workload on n and
// returns the stream it received.
func rsRecord(t *testing.T, n *replNode, name string) *rsStream {
	t.Helper()
	repl, base := rsAttachReplica(t, n)
	w := &rsRun{t: t, n: n, a: rsDial(t, n), b: rsDial(t, n), c: rsDial(t, n), last: base}
	w.stream = &rsStream{name: fmt.Sprintf("%s (%s)", name, n.cmd.Path), start: time.Now()}
	rsWorkload(w)
	w.stream.end = time.Now()

	total := w.last - base
	var buf []byte
	chunk := make([]byte, 64<<10)
	deadline := time.Now().Add(rsTimeout)
	for int64(len(buf)) < total && time.Now().Before(deadline) {
		require.NoError(t, repl.conn.SetReadDeadline(deadline))
		k, err := repl.r.Read(chunk)
		buf = append(buf, chunk[:k]...)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("%s: reading the stream: %v", n.cmd.Path, err)
			}
		}
	}
	if int64(len(buf)) < total {
		w.stream.extra += fmt.Sprintf("the stream stopped after %d bytes, master_repl_offset says %d\n", len(buf), total)
	}
	// Anything past the offset the master reports: read until quiet.
	for {
		require.NoError(t, repl.conn.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		k, err := repl.r.Read(chunk)
		buf = append(buf, chunk[:k]...)
		if err != nil {
			break
		}
	}
	if int64(len(buf)) > total {
		w.stream.extra += fmt.Sprintf("the stream has %d bytes, master_repl_offset says %d\n", len(buf), total)
	}

	// Cut the stream at each step's offset; trailing bytes go to the last step.
	pos := int64(0)
	for i := range w.stream.steps {
		st := &w.stream.steps[i]
		end := min(w.offsets[i]-base, int64(len(buf)))
		if i == len(w.stream.steps)-1 {
			end = int64(len(buf))
		}
		end = max(end, pos)
		st.raw = buf[pos:end]
		pos = end
	}
	return w.stream
}

// rsReplica is the fake replica's link.
type rsReplica struct {
	conn net.Conn
	r    *bufio.Reader
}

// rsAttachReplica does a full sync by hand, as a Redis 7.0 replica does
// (capa eof psync2), discards the RDB in either transfer form, tells the
// master it is online with an ACK (a diskless transfer starts the command
// stream only then), and returns the link and the offset of +FULLRESYNC.
func rsAttachReplica(t *testing.T, n *replNode) (*rsReplica, int64) {
	t.Helper()
	conn, err := net.Dial("tcp", n.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(rsTimeout)))
	r := bufio.NewReader(conn)
	line := func() string { // skips the newlines a master sends to keep the link alive
		for {
			l, err := r.ReadString('\n')
			require.NoError(t, err)
			if l = strings.TrimRight(l, "\r\n"); l != "" {
				return l
			}
		}
	}
	send := func(args ...string) {
		_, err := conn.Write([]byte(multibulk(args...)))
		require.NoError(t, err)
	}
	send("REPLCONF", "listening-port", "6399")
	require.Equal(t, "+OK", line())
	send("REPLCONF", "capa", "eof", "capa", "psync2")
	require.Equal(t, "+OK", line())
	send("PSYNC", "?", "-1")
	full := strings.Fields(line())
	require.Len(t, full, 3, "PSYNC reply %q", full)
	require.Equal(t, "+FULLRESYNC", full[0])
	base, err := strconv.ParseInt(full[2], 10, 64)
	require.NoError(t, err)

	head := line()
	switch {
	case strings.HasPrefix(head, "$EOF:"):
		mark := []byte(head[len("$EOF:"):])
		require.Len(t, mark, 40, "EOF mark")
		var tail []byte
		for !bytes.HasSuffix(tail, mark) {
			b, err := r.ReadByte()
			require.NoError(t, err, "reading the diskless RDB")
			if tail = append(tail, b); len(tail) > 4096 {
				tail = tail[len(tail)-64:]
			}
		}
	case strings.HasPrefix(head, "$"):
		size, err := strconv.ParseInt(head[1:], 10, 64)
		require.NoError(t, err, "RDB length %q", head)
		_, err = io.CopyN(io.Discard, r, size)
		require.NoError(t, err, "reading the RDB")
	default:
		t.Fatalf("expected the RDB payload, got %q", head)
	}
	waitFor(t, rsTimeout, "the fake replica to be online", func() (bool, string) {
		s := field(n.c.Info(t.Context(), "replication").Val(), "slave0")
		return strings.Contains(s, "state=online"), s
	})
	send("REPLCONF", "ACK", strconv.FormatInt(base, 10))
	require.NoError(t, conn.SetDeadline(time.Time{}))
	return &rsReplica{conn: conn, r: r}, base
}

// rsClient is a raw RESP2 connection to the master.
type rsClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func rsDial(t *testing.T, n *replNode) *rsClient {
	conn := n.dial(t)
	return &rsClient{conn: conn, r: bufio.NewReader(conn)}
}

// rsRun runs the workload on one master: a, b and c are clients (b and c
// block), n.c reads INFO.
type rsRun struct {
	t       *testing.T
	n       *replNode
	a, b, c *rsClient
	stream  *rsStream
	offsets []int64 // master_repl_offset after each step
	last    int64
}

// step runs fn as one named step and records the offset after it.
func (w *rsRun) step(name string, fn func()) {
	w.t.Helper()
	w.stream.steps = append(w.stream.steps, rsStepStream{name: name})
	fn()
	w.last = w.offset()
	w.offsets = append(w.offsets, w.last)
}

// cmds is a step that sends each command on a and reads its reply.
func (w *rsRun) cmds(name string, cmds ...[]string) {
	w.t.Helper()
	w.step(name, func() {
		for _, c := range cmds {
			w.do(w.a, c...)
		}
	})
}

// send writes a command on cl without reading its reply.
func (w *rsRun) send(cl *rsClient, args ...string) {
	w.t.Helper()
	_, err := cl.conn.Write([]byte(multibulk(args...)))
	require.NoError(w.t, err)
}

// recv reads one reply on cl, records it in the current step (on one
// line, quoted if binary) and returns it as readReply renders it.
func (w *rsRun) recv(cl *rsClient) string {
	w.t.Helper()
	require.NoError(w.t, cl.conn.SetReadDeadline(time.Now().Add(rsTimeout)))
	rep, err := readReply(cl.r)
	require.NoError(w.t, err)
	w.record(strings.ReplaceAll(rep, "\n", " "))
	return rep
}

func (w *rsRun) record(rep string) {
	if strings.ContainsFunc(rep, func(r rune) bool { return r < ' ' || r > '~' }) {
		rep = strconv.Quote(rep)
	}
	if len(rep) > 200 {
		rep = fmt.Sprintf("%s...(%d bytes)", rep[:160], len(rep))
	}
	st := &w.stream.steps[len(w.stream.steps)-1]
	st.replies = append(st.replies, rep)
}

// do sends a command on cl and reads its reply. The members SPOP with a
// count returns come in no particular order: they are recorded sorted.
func (w *rsRun) do(cl *rsClient, args ...string) string {
	w.t.Helper()
	w.send(cl, args...)
	if !strings.EqualFold(args[0], "SPOP") || len(args) < 3 {
		return w.recv(cl)
	}
	require.NoError(w.t, cl.conn.SetReadDeadline(time.Now().Add(rsTimeout)))
	rep, err := readReply(cl.r)
	require.NoError(w.t, err)
	lines := strings.Split(rep, "\n")
	slices.Sort(lines[1:])
	w.record(strings.Join(lines, " "))
	return rep
}

func (w *rsRun) offset() int64 {
	w.t.Helper()
	info, err := w.n.c.Info(w.t.Context(), "replication").Result()
	require.NoError(w.t, err)
	off, err := strconv.ParseInt(field(info, "master_repl_offset"), 10, 64)
	require.NoError(w.t, err, "master_repl_offset")
	return off
}

// waitBlocked waits until n clients are blocked on the master.
func (w *rsRun) waitBlocked(n int) {
	w.t.Helper()
	waitFor(w.t, rsTimeout, fmt.Sprintf("%d blocked clients", n), func() (bool, string) {
		s := field(w.n.c.Info(w.t.Context(), "clients").Val(), "blocked_clients")
		return s == strconv.Itoa(n), "blocked_clients:" + s
	})
}

// blockThenServe sends blocking on cl, waits until it blocks, runs serve
// on a (the command that feeds it), then reads cl's reply.
func (w *rsRun) blockThenServe(cl *rsClient, blocking []string, serve ...[]string) {
	w.t.Helper()
	w.send(cl, blocking...)
	w.waitBlocked(1)
	for _, s := range serve {
		w.do(w.a, s...)
	}
	w.recv(cl)
}

// rsWorkload is the script. Each step is deterministic: same commands,
// same order, same stream on any correct master.
func rsWorkload(w *rsRun) {
	c := func(args ...string) []string { return args }
	sec := func(ms int64) string { return strconv.FormatInt(ms/1000, 10) }
	ms := func(ms int64) string { return strconv.FormatInt(ms, 10) }

	w.cmds("no active expiry (not propagated)", c("DEBUG", "SET-ACTIVE-EXPIRE", "0"))
	w.cmds("first write: SELECT 0 first", c("SET", "plain", "1"))
	w.cmds("lowercase command kept as sent", c("set", "lower", "v"), c("incr", "counter"))
	w.cmds("writes in other dbs", c("SELECT", "1"), c("SET", "k1", "db1"), c("SELECT", "2"),
		c("SET", "k2", "db2"), c("RPUSH", "l2", "x"), c("SELECT", "1"), c("SET", "k1b", "db1"), c("SELECT", "0"))
	w.cmds("SELECT alone is not propagated", c("SELECT", "5"), c("SELECT", "0"), c("SET", "after-selects", "x"))
	w.cmds("db 15, binary and big arguments", c("SELECT", "15"), c("SET", "bin\r\nkey", "\x00\xff\r\n"),
		c("SET", "big", strings.Repeat("0123456789", 20000)), c("APPEND", "big", strings.Repeat("x", 70000)),
		rsManyPairs(40), c("SELECT", "0"))
	w.step("pipelined commands", func() {
		batch := [][]string{c("SET", "p1", "a"), c("SELECT", "2"), c("INCR", "p2"), c("MULTI"), c("SET", "p3", "x"),
			c("SELECT", "3"), c("DEL", "p3", "p4"), c("SET", "p4", "y"), c("EXEC"), c("SELECT", "0"), c("RPUSH", "p5", "z")}
		var out strings.Builder
		for _, cmd := range batch {
			out.WriteString(multibulk(cmd...))
		}
		_, err := w.a.conn.Write([]byte(out.String()))
		require.NoError(w.t, err)
		for range batch {
			w.recv(w.a)
		}
	})
	w.cmds("writes that change nothing", c("DEL", "missing"), c("SET", "plain", "2", "NX"), c("SET", "nokey", "v", "XX"),
		c("EXPIRE", "missing", "100"), c("LPUSHX", "missing", "x"), c("HDEL", "missing", "f"), c("SPOP", "missing"))

	// SET and its expiry options: EX/PX become PXAT; GET is dropped.
	w.cmds("SET EX", c("SET", "s-ex", "v", "EX", sec(rsTTL6)))
	w.cmds("SET PX", c("SET", "s-px", "v", "PX", ms(rsTTL7)))
	w.cmds("SET EXAT", c("SET", "s-exat", "v", "EXAT", rsFarFuture))
	w.cmds("SET PXAT", c("SET", "s-pxat", "v", "PXAT", rsFarFuture+"999"))
	w.cmds("SET KEEPTTL", c("SET", "s-ex", "v2", "KEEPTTL"))
	w.cmds("SET GET", c("SET", "s-px", "v3", "GET"))
	w.cmds("SET EX GET", c("SET", "s-exat", "v4", "ex", sec(rsTTL9), "get"))
	w.cmds("SET NX GET on a missing key", c("SET", "s-nxget", "v", "NX", "GET"))
	w.cmds("SET in the past", c("SET", "s-past", "v", "PXAT", "1000"))

	// EXPIRE family: all become PEXPIREAT, flags kept.
	w.cmds("setup expiry keys", c("MSET", "e1", "1", "e2", "2", "e3", "3", "e4", "4"))
	w.cmds("EXPIRE", c("EXPIRE", "e1", sec(rsTTL1)))
	w.cmds("EXPIRE NX not applied", c("EXPIRE", "e1", sec(rsTTL2), "NX"))
	w.cmds("EXPIRE NX applied", c("expire", "e2", sec(rsTTL1), "nx"))
	w.cmds("EXPIRE XX applied", c("EXPIRE", "e1", sec(rsTTL3), "XX"))
	w.cmds("EXPIRE XX not applied", c("EXPIRE", "e3", sec(rsTTL3), "XX"))
	w.cmds("EXPIRE GT not applied", c("EXPIRE", "e1", sec(rsTTL2), "GT"))
	w.cmds("EXPIRE GT applied", c("EXPIRE", "e1", sec(rsTTL4), "GT"))
	w.cmds("EXPIRE LT applied", c("EXPIRE", "e1", sec(rsTTL1), "LT"))
	w.cmds("PEXPIRE", c("PEXPIRE", "e2", ms(rsTTL5)))
	w.cmds("PEXPIRE LT not applied", c("PEXPIRE", "e2", ms(rsTTL10), "LT"))
	w.cmds("EXPIREAT", c("EXPIREAT", "e3", rsFarFuture))
	w.cmds("PEXPIREAT", c("PEXPIREAT", "e1", rsFarFuture+"123"))
	w.cmds("PEXPIREAT GT", c("PEXPIREAT", "e1", rsFarFuture+"456", "GT"))
	w.cmds("EXPIREAT in the past deletes", c("EXPIREAT", "e4", "1"))
	w.cmds("EXPIRE negative deletes", c("SET", "e5", "x"), c("EXPIRE", "e5", "-5"))
	w.cmds("PERSIST", c("PERSIST", "e2"), c("PERSIST", "e2"))
	w.cmds("EXPIRE GT/LT on a key without TTL", c("EXPIRE", "e2", sec(rsTTL1), "GT"), c("EXPIRE", "e2", sec(rsTTL2), "LT"))

	w.cmds("INCRBYFLOAT", c("INCRBYFLOAT", "f", "1.5"), c("incrbyfloat", "f", "0.1"), c("INCRBYFLOAT", "f", "3.0e3"))
	w.cmds("INCRBYFLOAT keeps the TTL", c("INCRBYFLOAT", "e1", "0.5"))
	w.cmds("HINCRBYFLOAT", c("HINCRBYFLOAT", "hf", "x", "1.25"), c("HINCRBYFLOAT", "hf", "x", "2.0e2"))

	w.cmds("SPOP of a one-member set", c("SADD", "one", "only"), c("SPOP", "one"))
	w.cmds("SPOP with count >= size", c("SADD", "many", "a", "b", "c"), c("SPOP", "many", "3"),
		c("SADD", "many2", "a", "b"), c("SPOP", "many2", "10"))
	w.cmds("SPOP count 0", c("SADD", "zero", "a"), c("SPOP", "zero", "0"))

	w.cmds("LMOVE and RPOPLPUSH", c("RPUSH", "src", "a", "b", "c"), c("LMOVE", "src", "dst", "LEFT", "RIGHT"),
		c("RPOPLPUSH", "src", "dst"), c("LMOVE", "missing", "dst", "LEFT", "LEFT"))
	w.cmds("blocking pops served at once", c("BLPOP", "src", "0"), c("BLMOVE", "dst", "src", "Right", "Left", "0"),
		c("RPUSH", "imm", "1", "2", "3", "4"), c("BRPOP", "imm", "0"), c("BLMPOP", "0", "1", "imm", "LEFT", "COUNT", "10"),
		c("ZADD", "immz", "1", "a", "2", "b", "3", "c"), c("BZPOPMAX", "immz", "0"),
		c("BZMPOP", "0", "1", "immz", "MIN", "COUNT", "5"))
	w.cmds("blocking pop that times out", c("BLPOP", "nothing", "0.01"))
	w.step("BLPOP served by a later RPUSH", func() {
		w.blockThenServe(w.b, c("BLPOP", "bq", "0"), c("RPUSH", "bq", "x", "y"))
	})
	w.step("BRPOP on the second key", func() {
		w.blockThenServe(w.b, c("BRPOP", "bq-none", "bq2", "0"), c("LPUSH", "bq2", "z"))
	})
	// A BLMOVE served at once keeps the client's spelling of LEFT/RIGHT (it
	// is its own argv rewritten); one served later is rebuilt by Redis 7.0
	// from the positions, always as lowercase "left"/"right".
	w.step("BLMOVE served by a later LPUSH", func() {
		w.blockThenServe(w.b, c("BLMOVE", "bsrc", "bdst", "RIGHT", "LEFT", "0"), c("LPUSH", "bsrc", "p", "q"))
	})
	w.step("BRPOPLPUSH served by a later RPUSH", func() {
		w.blockThenServe(w.b, c("BRPOPLPUSH", "bsrc2", "bdst", "0"), c("RPUSH", "bsrc2", "r"))
	})
	w.step("BLMPOP served by a later RPUSH", func() {
		w.blockThenServe(w.b, c("BLMPOP", "0", "1", "bm", "LEFT", "COUNT", "2"), c("RPUSH", "bm", "1", "2", "3"))
	})
	w.step("BZPOPMIN served by a later ZADD", func() {
		w.blockThenServe(w.b, c("BZPOPMIN", "bz", "0"), c("ZADD", "bz", "1", "a", "2", "b"))
	})
	w.step("two clients blocked, one push serves both", func() {
		w.send(w.b, "BLPOP", "two", "0")
		w.waitBlocked(1)
		w.send(w.c, "BLPOP", "two", "0")
		w.waitBlocked(2)
		w.do(w.a, "RPUSH", "two", "1", "2", "3")
		w.recv(w.b)
		w.recv(w.c)
	})
	w.step("BZMPOP served by a later ZADD", func() {
		w.blockThenServe(w.b, c("BZMPOP", "0", "1", "bz2", "MAX", "COUNT", "5"), c("ZADD", "bz2", "1", "a", "2", "b"))
	})
	w.step("BLMOVE served, its destination serves a BLPOP", func() {
		w.send(w.b, "BLMOVE", "ch1", "ch2", "LEFT", "RIGHT", "0")
		w.waitBlocked(1)
		w.send(w.c, "BLPOP", "ch2", "0")
		w.waitBlocked(2)
		w.do(w.a, "RPUSH", "ch1", "x")
		w.recv(w.b)
		w.recv(w.c)
	})
	w.step("push and delete inside MULTI serve nobody", func() {
		w.send(w.b, "BLPOP", "gone", "0")
		w.waitBlocked(1)
		for _, cmd := range [][]string{c("MULTI"), c("RPUSH", "gone", "x"), c("DEL", "gone"), c("EXEC")} {
			w.do(w.a, cmd...)
		}
		w.do(w.a, "RPUSH", "gone", "y")
		w.recv(w.b)
	})
	w.step("blocked client served by a push inside MULTI", func() {
		w.blockThenServe(w.b, c("BLPOP", "mq", "0"),
			c("MULTI"), c("RPUSH", "mq", "x"), c("SET", "mq-side", "y"), c("EXEC"))
	})
	w.step("blocked client in db 3 served", func() {
		w.do(w.b, "SELECT", "3")
		w.blockThenServe(w.b, c("BLPOP", "bq3", "0"), c("SELECT", "3"), c("RPUSH", "bq3", "v"), c("SELECT", "0"))
		w.do(w.b, "SELECT", "0")
	})

	w.cmds("MULTI with one write", c("MULTI"), c("SET", "m1", "a"), c("GET", "m1"), c("EXEC"))
	w.cmds("MULTI with several writes", c("MULTI"), c("SET", "m2", "a"), c("INCR", "m3"), c("GET", "m1"),
		c("LPUSH", "m4", "x"), c("EXEC"))
	w.cmds("MULTI across dbs", c("MULTI"), c("SET", "m5", "a"), c("SELECT", "3"), c("SET", "m6", "b"),
		c("SELECT", "4"), c("SET", "m7", "c"), c("EXEC"), c("SELECT", "0"))
	w.cmds("MULTI starting in another db", c("SELECT", "6"), c("MULTI"), c("SET", "m8", "a"), c("SET", "m9", "b"),
		c("EXEC"), c("SELECT", "0"))
	w.cmds("MULTI with one write in another db", c("MULTI"), c("SELECT", "7"), c("SET", "m10", "a"), c("EXEC"),
		c("SELECT", "0"))
	w.cmds("MULTI with only reads", c("MULTI"), c("GET", "m1"), c("EXISTS", "m2"), c("EXEC"))
	w.cmds("MULTI with rewritten commands", c("MULTI"), c("INCRBYFLOAT", "mf", "2.5"), c("SET", "mex", "v", "EX", sec(rsTTL8)),
		c("EXPIRE", "m1", sec(rsTTL8)), c("SADD", "mone", "z"), c("SPOP", "mone"), c("EXEC"))
	w.cmds("MULTI with BLPOP and PUBLISH", c("RPUSH", "mbl", "a"), c("MULTI"), c("BLPOP", "mbl", "0"), c("BLPOP", "mbl", "0"),
		c("PUBLISH", "ch", "in-multi"), c("EXEC"))
	w.cmds("MULTI with only PUBLISH", c("MULTI"), c("PUBLISH", "ch", "alone"), c("EXEC"))
	w.cmds("MULTI with a failing command", c("MULTI"), c("SET", "m11", "a"), c("LPUSH", "m11", "x"), c("SET", "m12", "b"),
		c("EXEC"))
	w.cmds("MULTI aborted by a queueing error", c("MULTI"), c("SET", "m13", "a"), c("NOSUCHCOMMAND"), c("EXEC"))
	w.cmds("DISCARD", c("MULTI"), c("SET", "m14", "a"), c("DISCARD"))
	w.step("EXEC aborted by WATCH", func() {
		w.do(w.a, "SET", "watched", "0")
		w.do(w.a, "WATCH", "watched")
		w.do(w.b, "SET", "watched", "by-b")
		w.do(w.a, "MULTI")
		w.do(w.a, "SET", "watched", "by-a")
		w.do(w.a, "SET", "other", "by-a")
		w.do(w.a, "EXEC")
	})
	w.cmds("WATCH not touched", c("WATCH", "watched"), c("MULTI"), c("SET", "watched", "by-a"), c("EXEC"))

	// Lazy expiry: keys set with PX 1 are expired once the probe, set
	// after them, reads as gone (PTTL -2, which itself propagates the
	// probe's DEL). Active expiry is off, so only an access deletes them.
	w.cmds("keys that will expire", c("SET", "lz1", "v", "PX", ms(rsTTLLazy)), c("SET", "lz2", "5", "PX", ms(rsTTLLazy)),
		c("SET", "lz3", "v", "PX", ms(rsTTLLazy)), c("SET", "lz4", "v", "PX", ms(rsTTLLazy)),
		c("SET", "lz5", "v", "PX", ms(rsTTLLazy)), c("SET", "lz6", "v", "PX", ms(rsTTLLazy)),
		c("SET", "lz7", "v", "PX", ms(rsTTLLazy)), c("SET", "lz8", "v", "PX", ms(rsTTLLazy)),
		c("SET", "lz9", "v", "PX", ms(rsTTLLazy)), c("SET", "lz10", "1", "PX", ms(rsTTLLazy)),
		c("SET", "lz11", "v", "PX", ms(rsTTLLazy)), c("SET", "lz12", "v", "PX", ms(rsTTLLazy)),
		c("SET", "lz13", "v", "PX", ms(rsTTLLazy)), c("SET", "lz14", "v", "PX", ms(rsTTLLazy)),
		c("SET", "lz15", "v", "PX", ms(rsTTLLazy)), c("SET", "probe", "v", "PX", ms(rsTTLLazy)))
	w.step("wait for the probe to expire", func() {
		waitFor(w.t, rsTimeout, "the probe to expire", func() (bool, string) {
			w.send(w.a, "PTTL", "probe")
			require.NoError(w.t, w.a.conn.SetReadDeadline(time.Now().Add(rsTimeout)))
			rep, err := readReply(w.a.r)
			require.NoError(w.t, err)
			return rep == ":-2", rep
		})
	})
	w.cmds("SET on an expired key", c("SET", "lz1", "new"))
	w.cmds("INCR on an expired key", c("INCR", "lz2"))
	w.cmds("GET on an expired key", c("GET", "lz3"))
	w.cmds("expired key read inside MULTI", c("MULTI"), c("GET", "lz4"), c("SET", "lz-side", "x"), c("EXEC"))
	w.cmds("failing write on an expired key", c("RENAME", "lz5", "lz5b"))
	w.cmds("MGET of two expired keys", c("MGET", "lz6", "lz7", "plain"))
	w.cmds("DEL of two expired keys", c("DEL", "lz8", "lz9"))
	w.cmds("INCRBYFLOAT on an expired key", c("INCRBYFLOAT", "lz10", "2.5"))
	w.cmds("EXPIRE on an expired key", c("EXPIRE", "lz11", sec(rsTTL1)))
	w.cmds("GETEX EX on an expired key", c("GETEX", "lz12", "EX", sec(rsTTL1)))
	w.cmds("SET GET on an expired key", c("SET", "lz13", "new", "GET"))
	w.cmds("EXISTS on an expired key", c("EXISTS", "lz14"))
	w.cmds("expired key read inside MULTI without writes", c("MULTI"), c("GET", "lz15"), c("EXEC"))

	rsStreams(w)

	w.cmds("DEL several keys", c("MSET", "d1", "1", "d2", "2"), c("DEL", "d1", "missing", "d2"), c("UNLINK", "plain", "nope"))
	w.cmds("RENAME", c("SET", "r1", "x"), c("RENAME", "r1", "r2"), c("RENAMENX", "r2", "lower"), c("RENAMENX", "r2", "r4"))
	w.cmds("COPY and MOVE", c("COPY", "r4", "r3", "DB", "2"), c("COPY", "r4", "r3", "DB", "2"), c("MOVE", "r4", "3"))
	w.cmds("PFADD and PFCOUNT", c("PFADD", "hll", "a", "b", "c"), c("PFCOUNT", "hll"), c("PFCOUNT", "hll"),
		c("PFADD", "hll", "a"), c("PFADD", "hll2", "z"), c("PFCOUNT", "hll", "hll2"), c("PFMERGE", "hll3", "hll", "hll2"))
	w.cmds("GETEX", c("SET", "g", "v"), c("GETEX", "g"), c("GETEX", "g", "EX", sec(rsTTL2)), c("GETEX", "g", "PERSIST"),
		c("GETEX", "g", "PERSIST"), c("GETEX", "g", "PXAT", rsFarFuture+"000"), c("GETEX", "g", "EXAT", "1"))
	w.cmds("SETRANGE and APPEND", c("SETRANGE", "sr", "5", "abc"), c("APPEND", "sr", "xyz"), c("SETRANGE", "sr", "0", ""),
		c("APPEND", "sr", ""))
	w.cmds("ZADD ZINCRBY ZPOPMIN", c("ZADD", "z", "1", "a", "2", "b", "3", "c"), c("ZINCRBY", "z", "2.5", "a"),
		c("ZADD", "z", "2", "b"), c("ZPOPMIN", "z"), c("ZPOPMIN", "z", "5"))
	w.cmds("HSET HDEL", c("HSET", "h", "f", "v", "g", "w"), c("HDEL", "h", "f", "missing"), c("HDEL", "h", "missing"))
	w.cmds("LPUSH LTRIM", c("LPUSH", "l", "a", "b", "c", "d", "e"), c("LTRIM", "l", "0", "2"), c("LTRIM", "l", "0", "-1"))
	w.cmds("SINTERSTORE", c("SADD", "i1", "a", "b", "c"), c("SADD", "i2", "b", "c", "d"),
		c("SINTERSTORE", "idst", "i1", "i2"), c("SINTERSTORE", "idst", "i1", "nothing"),
		c("SINTERSTORE", "idst2", "nothing", "i1"))
	w.cmds("string commands rewritten", c("SETEX", "sx", sec(rsTTL3), "v"), c("PSETEX", "psx", ms(rsTTL4), "v"),
		c("GETSET", "sx", "w"), c("getset", "gs-new", "w"), c("GETDEL", "sx"), c("GETDEL", "sx"))
	w.cmds("other writes propagated as sent", c("SETNX", "snx", "v"), c("SETNX", "snx", "w"),
		c("MSETNX", "mn1", "a", "mn2", "b"), c("HSETNX", "h", "nx", "v"), c("INCRBY", "ib", "5"), c("DECRBY", "ib", "2"),
		c("SMOVE", "i1", "i2", "a"), c("SUNIONSTORE", "su", "i1", "i2"), c("SDIFFSTORE", "sd", "i2", "i1"),
		c("LSET", "l", "0", "z"), c("LINSERT", "l", "BEFORE", "z", "y"), c("LREM", "l", "0", "y"),
		c("LPOP", "l", "10"), c("RPUSH", "l", "a", "b", "c"), c("RPOP", "l"),
		c("LMPOP", "1", "l", "RIGHT", "COUNT", "10"), c("ZADD", "z2", "1", "a", "2", "b"), c("ZADD", "z2", "INCR", "5", "a"),
		c("ZRANGESTORE", "z3", "z2", "0", "-1"), c("ZUNIONSTORE", "z4", "2", "z2", "z3"), c("ZREM", "z2", "a", "nope"),
		c("ZMPOP", "1", "z3", "MIN", "COUNT", "10"), c("ZREMRANGEBYSCORE", "z4", "-inf", "+inf"),
		c("SETBIT", "bits", "7", "1"), c("SETBIT", "bits", "7", "1"), c("BITOP", "OR", "bits2", "bits", "nope"),
		c("BITFIELD", "bits", "SET", "u8", "8", "255", "GET", "u8", "0"), c("BITFIELD", "bits", "GET", "u8", "0"),
		c("COPY", "bits", "bits2", "REPLACE"))
	w.step("DUMP and RESTORE", func() {
		w.do(w.a, "SET", "dumpsrc", "payload")
		dump := w.do(w.a, "DUMP", "dumpsrc")
		w.do(w.a, "RESTORE", "rs1", "0", dump)
		w.do(w.a, "RESTORE", "rs2", ms(rsTTL5), dump)
		w.do(w.a, "RESTORE", "rs3", rsFarFuture+"000", dump, "ABSTTL")
		w.do(w.a, "RESTORE", "rs1", "1", dump, "ABSTTL", "REPLACE")
		w.do(w.a, "RESTORE", "rs4", "1", dump, "ABSTTL")
	})
	w.cmds("wrong type between writes", c("SET", "str", "x"), c("LPUSH", "str", "y"), c("HSET", "hw", "f", "v"),
		c("INCR", "str"), c("SET", "str2", "y"))
	w.cmds("PUBLISH", c("PUBLISH", "ch", "msg"), c("SELECT", "5"), c("PUBLISH", "ch", "in-db-5"), c("SELECT", "0"))
	w.cmds("SWAPDB", c("SWAPDB", "0", "1"), c("SET", "after-swap", "x"), c("SWAPDB", "1", "0"))
	w.cmds("FLUSHDB", c("SELECT", "9"), c("SET", "f9", "x"), c("FLUSHDB"), c("FLUSHDB"), c("SET", "f9", "y"),
		c("FLUSHDB", "ASYNC"), c("SELECT", "0"))
	w.cmds("MULTI with FLUSHALL", c("MULTI"), c("SET", "mfa", "a"), c("FLUSHALL"), c("SET", "mfb", "b"), c("EXEC"))
	w.cmds("FLUSHALL", c("FLUSHALL"), c("SET", "after-flushall", "x"))
	w.cmds("last write", c("SET", "last", "x"))
}

// rsStreams is the stream part of the workload: what XADD, trimming and
// the consumer-group commands propagate. IDs and delivery times taken from
// the clock are normalised (labelStreamTimes); a clock ID is generated once
// per stream, the later "*" IDs of a stream then continue its last
// millisecond or one in the future (4102444800000, 2100-01-01), which
// makes their sequence numbers the same on every run.
func rsStreams(w *rsRun) {
	c := func(args ...string) []string { return args }
	const fut = "4102444800000"
	w.cmds("small stream nodes (not propagated)", c("CONFIG", "SET", "stream-node-max-entries", "4"))
	w.cmds("XADD * on a new stream", c("XADD", "xclock", "*", "f", "v"))
	w.cmds("XADD explicit IDs, <ms>-* and *", c("XADD", "xs", fut+"-0", "a", "1", "b", "2"),
		c("XADD", "xs", "*", "a", "3", "b", "4"), c("XADD", "xs", fut+"-*", "a", "5"), c("XADD", "xs", "*", "c", "6"),
		c("XADD", "xs", fut+"-9", "a", "7", "b", "8"), c("XADD", "xs", fut+"-9", "dup", "x"), c("XADD", "xs", fut))
	w.cmds("XADD NOMKSTREAM", c("XADD", "xnone", "NOMKSTREAM", "*", "f", "v"), c("XADD", "xs", "NOMKSTREAM", "*", "f", "v"))
	var fill [][]string
	for i := range 22 {
		fill = append(fill, c("XADD", "xt", fut+"-"+strconv.Itoa(i+1), "n", strconv.Itoa(i)))
	}
	w.cmds("a stream of several nodes", fill...)
	w.cmds("XADD MAXLEN ~", c("XADD", "xt", "MAXLEN", "~", "15", "*", "n", "x"))
	w.cmds("XADD MAXLEN ~ that trims nothing", c("XADD", "xt", "MAXLEN", "~", "14", "*", "n", "y"))
	w.cmds("XADD MAXLEN =", c("XADD", "xt", "MAXLEN", "=", "14", "*", "n", "z"), c("XADD", "xt", "MAXLEN", "13", "*", "n", "w"))
	w.cmds("XADD MINID ~ and =", c("XADD", "xt", "MINID", "~", fut+"-15", "*", "n", "m"),
		c("XADD", "xt", "MINID", fut+"-17", "*", "n", "o"))
	w.cmds("XADD MAXLEN ~ LIMIT", c("XADD", "xt", "MAXLEN", "~", "2", "LIMIT", "4", "*", "n", "l"))
	w.cmds("XTRIM", c("XTRIM", "xt", "MAXLEN", "~", "5"), c("XTRIM", "xt", "MAXLEN", "100"),
		c("XTRIM", "xt", "MINID", "=", fut+"-28"), c("XTRIM", "xt", "MAXLEN", "~", "0", "LIMIT", "2"),
		c("XTRIM", "missing", "MAXLEN", "0"))
	w.cmds("XDEL", c("XDEL", "xs", fut+"-2", "1-1"), c("XDEL", "xs", "1-1"), c("XDEL", "missing", "1-1"))

	w.cmds("XGROUP CREATE", c("XGROUP", "CREATE", "xs", "g1", "0"), c("XGROUP", "CREATE", "xs", "g2", "$"),
		c("XGROUP", "CREATE", "xs", "g1", "0"), c("XGROUP", "CREATE", "xs", "g3", fut+"-1", "ENTRIESREAD", "2"),
		c("XGROUP", "CREATE", "xnew", "g", "$", "MKSTREAM"), c("XGROUP", "CREATE", "xclock", "gc", "0"))
	w.cmds("XGROUP SETID", c("XGROUP", "SETID", "xs", "g2", "0"), c("XGROUP", "SETID", "xs", "g3", "$", "ENTRIESREAD", "5"),
		c("XGROUP", "SETID", "xs", "nogroup", "0"))
	w.cmds("XGROUP CREATECONSUMER and DELCONSUMER", c("XGROUP", "CREATECONSUMER", "xs", "g1", "alice"),
		c("XGROUP", "CREATECONSUMER", "xs", "g1", "alice"), c("XGROUP", "DELCONSUMER", "xs", "g1", "alice"),
		c("XGROUP", "DELCONSUMER", "xs", "g1", "nobody"), c("XGROUP", "CREATECONSUMER", "xs", "g1", "idle"))
	w.cmds("XREADGROUP of one new entry", c("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "xs", ">"))
	w.cmds("XREADGROUP of new entries", c("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "xs", ">"))
	w.cmds("XREADGROUP from a clock stream", c("XREADGROUP", "GROUP", "gc", "c1", "STREAMS", "xclock", ">"))
	w.cmds("XREADGROUP NOACK", c("XREADGROUP", "GROUP", "g2", "carol", "COUNT", "2", "NOACK", "STREAMS", "xs", ">"))
	w.cmds("XREADGROUP of a consumer's history", c("XREADGROUP", "GROUP", "g1", "bob", "STREAMS", "xs", "0"))
	w.cmds("XREADGROUP with nothing new, a new consumer", c("XREADGROUP", "GROUP", "g3", "dan", "STREAMS", "xs", ">"))
	w.cmds("XREADGROUP of two streams", c("XREADGROUP", "GROUP", "g", "eve", "STREAMS", "xnew", "xs", ">", ">"),
		c("XADD", "xnew", fut+"-1", "f", "v"), c("XREADGROUP", "GROUP", "g", "eve", "STREAMS", "xnew", ">"))
	w.cmds("XACK", c("XACK", "xs", "g1", fut+"-0", "1-1"), c("XACK", "xs", "g1", fut+"-0"), c("XACK", "xs", "nogroup", "1-1"))
	w.cmds("XCLAIM", c("XCLAIM", "xs", "g1", "frank", "0", fut+"-1"),
		c("XCLAIM", "xs", "g1", "frank", "0", fut+"-3", "JUSTID", "RETRYCOUNT", "5", "TIME", fut),
		c("XCLAIM", "xs", "g1", "gina", "3600000", fut+"-1"),
		c("XCLAIM", "xs", "g1", "gina", "0", fut+"-5", "FORCE", "JUSTID", "LASTID", fut+"-9"),
		c("XCLAIM", "xs", "g1", "gina", "0", "1-1", "FORCE"))
	w.cmds("XCLAIM of a deleted entry", c("XDEL", "xs", fut+"-1"), c("XCLAIM", "xs", "g1", "frank", "0", fut+"-1"))
	w.cmds("XAUTOCLAIM", c("XAUTOCLAIM", "xs", "g1", "hal", "0", "0", "COUNT", "1"),
		c("XAUTOCLAIM", "xs", "g1", "hal", "0", "0", "JUSTID"), c("XAUTOCLAIM", "xs", "g1", "hal", "3600000", "0"))
	w.cmds("XAUTOCLAIM of a deleted entry", c("XDEL", "xs", fut+"-3"), c("XAUTOCLAIM", "xs", "g1", "ian", "0", "0"))
	w.step("XREADGROUP served by a later XADD", func() {
		w.do(w.a, "XGROUP", "CREATE", "xs", "gw", "$")
		w.blockThenServe(w.b, c("XREADGROUP", "GROUP", "gw", "waiter", "BLOCK", "0", "STREAMS", "xs", ">"),
			c("XADD", "xs", "*", "late", "1"))
	})
	w.step("XREAD served by a later XADD", func() {
		w.blockThenServe(w.b, c("XREAD", "BLOCK", "0", "STREAMS", "xs", "$"), c("XADD", "xs", "*", "later", "1"))
	})
	w.cmds("XADD and XREADGROUP inside MULTI", c("MULTI"), c("XADD", "xs", "*", "m", "1"),
		c("XREADGROUP", "GROUP", "g1", "jo", "STREAMS", "xs", ">"), c("XACK", "xs", "g1", fut+"-0"), c("EXEC"))
	w.cmds("XSETID", c("XSETID", "xs", fut+"-50"), c("XSETID", "xs", fut+"-60", "ENTRIESADDED", "100", "MAXDELETEDID", fut+"-3"),
		c("XSETID", "xs", "1-1"), c("XSETID", "xempty", "1-1"))
	w.cmds("XGROUP DESTROY", c("XGROUP", "DESTROY", "xs", "g3"), c("XGROUP", "DESTROY", "xs", "g3"))
	w.cmds("DEL a stream", c("DEL", "xclock"))
}

// rsManyPairs is key/value arguments for an MSET of n keys.
func rsManyPairs(n int) []string {
	var args []string
	for i := range n {
		args = append(args, fmt.Sprintf("many:%d", i), strconv.Itoa(i*i))
	}
	return append([]string{"MSET"}, args...)
}

// rsCmd is one command of the stream: its bytes as sent, its bytes after
// normalisation and its arguments (normalised) for display.
type rsCmd struct {
	norm []byte
	args []string
}

// commands parses raw as RESP multibulk commands, normalising
// clock-derived timestamps and dropping PING and REPLCONF GETACK. Bytes
// that do not parse become one pseudo-command holding them.
func (s *rsStream) commands(raw []byte) []rsCmd {
	var out []rsCmd
	for len(raw) > 0 {
		args, spans, n := rsParse(raw)
		if n == 0 {
			out = append(out, rsCmd{norm: raw, args: []string{fmt.Sprintf("<unparsed %q>", raw)}})
			break
		}
		cmd, norm := raw[:n], raw[:n]
		raw = raw[n:]
		name := strings.ToUpper(args[0])
		if name == "PING" || (name == "REPLCONF" && len(args) > 1 && strings.EqualFold(args[1], "GETACK")) {
			continue // never caused by the workload; not part of the comparison
		}
		if i := rsTimestampArg(args); i > 0 {
			if label, ok := s.label(args[i]); ok {
				norm = append(append(append([]byte(nil), cmd[:spans[i]]...), label...), cmd[spans[i]+len(args[i]):]...)
				args[i] = label
			}
		} else if name[0] == 'X' {
			norm = s.labelStreamTimes(cmd, args, spans)
		}
		out = append(out, rsCmd{norm: norm, args: args})
	}
	return out
}

// labelStreamTimes normalises the times a stream command carries from the
// master's clock: an ID "<ms>-<seq>" (XADD *, a group's last ID after it
// read one) or a plain "<ms>" (XCLAIM ... TIME, a delivery time) whose
// milliseconds fall within the run becomes "<now>-<seq>" or "<now>". It
// changes args and returns the command's normalised bytes.
func (s *rsStream) labelStreamTimes(cmd []byte, args []string, spans []int) []byte {
	var norm []byte
	from := 0
	for i := 1; i < len(args); i++ {
		ms, seq, hasSeq := strings.Cut(args[i], "-")
		v, err := strconv.ParseInt(ms, 10, 64)
		if err != nil || v < s.start.UnixMilli()-1000 || v > s.end.UnixMilli()+1000 {
			continue
		}
		if _, err := strconv.ParseUint(seq, 10, 64); hasSeq && err != nil {
			continue
		}
		label := "<now>"
		if hasSeq {
			label += "-" + seq
		}
		norm = append(append(norm, cmd[from:spans[i]]...), label...)
		from = spans[i] + len(args[i])
		args[i] = label
	}
	return append(norm, cmd[from:]...)
}

// rsTimestampArg is the index of the absolute time in a PEXPIREAT, a
// SET ... PXAT or a RESTORE ... ABSTTL, or 0.
func rsTimestampArg(args []string) int {
	switch strings.ToUpper(args[0]) {
	case "PEXPIREAT":
		if len(args) > 2 {
			return 2
		}
	case "SET":
		for i := 3; i+1 < len(args); i++ {
			if strings.EqualFold(args[i], "PXAT") {
				return i + 1
			}
		}
	case "RESTORE":
		for _, a := range args[2:] {
			if strings.EqualFold(a, "ABSTTL") {
				return 2
			}
		}
	}
	return 0
}

// label names a timestamp computed as now + one of the workload's
// relative TTLs during this run.
func (s *rsStream) label(ts string) (string, bool) {
	v, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", false
	}
	lo, hi := s.start.UnixMilli()-1000, s.end.UnixMilli()+1000
	for _, ttl := range rsRelativeTTLs {
		if v-ttl >= lo && v-ttl <= hi {
			return fmt.Sprintf("<now+%dms>", ttl), true
		}
	}
	return "", false
}

// rsParse parses one multibulk command at the start of b: its arguments,
// the offset of each argument's content, and its length (0 if b does not
// start with a whole command).
func rsParse(b []byte) (args []string, spans []int, n int) {
	line := func(at int) (string, int) {
		i := bytes.Index(b[at:], []byte("\r\n"))
		if i < 0 {
			return "", -1
		}
		return string(b[at : at+i]), at + i + 2
	}
	head, pos := line(0)
	if pos < 0 || !strings.HasPrefix(head, "*") {
		return nil, nil, 0
	}
	count, err := strconv.Atoi(head[1:])
	if err != nil || count < 1 {
		return nil, nil, 0
	}
	for range count {
		h, next := line(pos)
		if next < 0 || !strings.HasPrefix(h, "$") {
			return nil, nil, 0
		}
		size, err := strconv.Atoi(h[1:])
		if err != nil || size < 0 || next+size+2 > len(b) || string(b[next+size:next+size+2]) != "\r\n" {
			return nil, nil, 0
		}
		args = append(args, string(b[next:next+size]))
		spans = append(spans, next)
		pos = next + size + 2
	}
	return args, spans, pos
}

// rsShow renders a command on one line, quoting arguments only when
// needed and eliding the middle of long ones.
func rsShow(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if len(a) > 80 {
			a = fmt.Sprintf("%s...(%d bytes)...%s", a[:32], len(a), a[len(a)-16:])
		}
		parts[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return r <= ' ' || r > '~' || r == '"' }) {
			parts[i] = strconv.Quote(a)
		}
	}
	line := strings.Join(parts, " ")
	if len(line) > 300 {
		line = fmt.Sprintf("%s...(%d arguments)", line[:240], len(args))
	}
	return line
}

func (s *rsStream) showStep(st rsStepStream) []string {
	var lines []string
	for _, c := range s.commands(st.raw) {
		lines = append(lines, rsShow(c.args))
	}
	return lines
}

// rsExplain lists the steps whose streams differ, then both whole streams.
func rsExplain(want, got *rsStream) string {
	var b strings.Builder
	b.WriteString(want.extra)
	if got.extra != "" {
		b.WriteString("ours: " + got.extra)
	}
	if len(want.steps) != len(got.steps) {
		fmt.Fprintf(&b, "step counts differ: %d vs %d\n", len(want.steps), len(got.steps))
	}
	for i := range min(len(want.steps), len(got.steps)) {
		w, g := want.showStep(want.steps[i]), got.showStep(got.steps[i])
		if strings.Join(w, "\n") == strings.Join(g, "\n") {
			continue
		}
		fmt.Fprintf(&b, "\n--- step %q differs\n", want.steps[i].name)
		fmt.Fprintf(&b, "  replies redis: %s\n  replies ours:  %s\n",
			strings.Join(want.steps[i].replies, " | "), strings.Join(got.steps[i].replies, " | "))
		b.WriteString("  redis:\n")
		for _, l := range w {
			b.WriteString("    " + l + "\n")
		}
		b.WriteString("  ours:\n")
		for _, l := range g {
			b.WriteString("    " + l + "\n")
		}
	}
	for _, s := range []*rsStream{want, got} {
		fmt.Fprintf(&b, "\n=== whole stream of %s\n", s.name)
		for _, st := range s.steps {
			fmt.Fprintf(&b, "# %s\n", st.name)
			for _, l := range s.showStep(st) {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String()
}

// rsLogReplyDiffs logs the steps whose replies differ: not the subject of
// this test, but it helps to read a stream difference.
func rsLogReplyDiffs(t *testing.T, want, got *rsStream) {
	for i := range min(len(want.steps), len(got.steps)) {
		w, g := strings.Join(want.steps[i].replies, " | "), strings.Join(got.steps[i].replies, " | ")
		if w != g {
			t.Logf("replies of step %q differ:\n  redis: %s\n  ours:  %s", want.steps[i].name, w, g)
		}
	}
}
