package tests

// The server under test as a master, real Redis 7.0 as its replica: the
// real replica syncs (diskless and disk), follows the stream of every type
// and effect, agrees by DEBUG DIGEST and offsets, continues partially
// after CLIENT KILL TYPE replica, and acknowledges WAIT. The stream itself,
// read by a raw replica, is byte for byte what real Redis sends for the
// same commands; one diskless transfer feeds several replicas and drops a
// stalled one; redis-cli --rdb and --functions-rdb get their RDB.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestOurMasterRealReplicaDiskless(t *testing.T) { testOurMasterRealReplica(t, "yes") }

func TestOurMasterRealReplicaDisk(t *testing.T) { testOurMasterRealReplica(t, "no") }

func testOurMasterRealReplica(t *testing.T, diskless string) {
	ctx := context.Background()
	master := startIn(t, "", t.TempDir(), "--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "1")
	mc := rmiClient(t, master)
	populate(t, mc) // travels in the RDB

	// Writes keep coming while the replica syncs: they are held for it
	// during the transfer and sent after the RDB.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := rmiClient(t, master)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := c.Incr(ctx, "during-sync").Err(); err != nil {
				t.Errorf("INCR during the sync: %v", err)
				return
			}
			if err := c.HSet(ctx, "during-hash", fmt.Sprint("f", i%500), i).Err(); err != nil {
				t.Errorf("HSET during the sync: %v", err)
				return
			}
		}
	}()
	replica := startIn(t, tool(t, "redis-server"), t.TempDir(), "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	rc := rmiClient(t, replica)
	rmiWaitLinkUp(t, rc)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	rmiStreamEveryType(t, mc) // travels in the stream
	rmiWaitSame(t, mc, rc)

	// CLIENT KILL TYPE replica: the replica comes back and continues
	// from the backlog.
	require.NoError(t, mc.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err())
	require.NoError(t, mc.Set(ctx, "after-kill", "v", 0).Err())
	require.NoError(t, mc.RPush(ctx, "after-kill-list", 1, 2, 3).Err())
	rmiWaitLog(t, replica, "Successful partial resynchronization with master.")
	rmiWaitLinkUp(t, rc)
	rmiWaitSame(t, mc, rc)
	stats := rmiInfo(t, mc, "stats")
	require.Equal(t, "1", stats["sync_full"])
	require.Equal(t, "1", stats["sync_partial_ok"])
	require.Equal(t, "0", stats["sync_partial_err"])
	require.Contains(t, master.output(), "Partial resynchronization request from 127.0.0.1:"+strconv.Itoa(replica.Port)+" accepted.")

	// ROLE and INFO show the replica online at the master's offset, once
	// it acknowledged it (once a second).
	var info map[string]string
	rmiEventually(t, "the replica's ACK", func() (bool, string) {
		info = rmiInfo(t, mc, "replication")
		want := fmt.Sprintf("ip=127.0.0.1,port=%d,state=online,offset=%s,lag=", replica.Port, info["master_repl_offset"])
		return strings.HasPrefix(info["slave0"], want), info["slave0"]
	})
	require.Equal(t, "1", info["connected_slaves"])
	role, err := mc.Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{"master", rmiInt(t, info["master_repl_offset"]),
		[]any{[]any{"127.0.0.1", strconv.Itoa(replica.Port), info["master_repl_offset"]}}}, role)

	// WAIT: REPLCONF GETACK makes the replica acknowledge the write at once.
	conn := mc.Conn()
	defer conn.Close()
	require.NoError(t, conn.Set(ctx, "waited", "x", 0).Err())
	n, err := conn.Do(ctx, "WAIT", 1, 10000).Int()
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = conn.Do(ctx, "WAIT", 2, 100).Int()
	require.NoError(t, err)
	require.Equal(t, 1, n, "only one replica: the timeout passes")
}

// rmiStreamEveryType writes every type through the effects that travel
// rewritten (expiries as PEXPIREAT or PXAT, INCRBYFLOAT as SET, SPOP as
// SREM, a lazily expired key as DEL), transactions across databases, and
// big values.
func rmiStreamEveryType(t *testing.T, c *redis.Client) {
	ctx := context.Background()
	cmds := [][]any{
		{"SET", "s1", "v", "EX", "1000"},
		{"SET", "s2", "v", "PX", "100000", "GET"},
		{"SETEX", "s3", 500, "x"},
		{"INCRBYFLOAT", "f", "1.5"},
		{"INCRBYFLOAT", "f", "2.25"},
		{"APPEND", "s1", "more"},
		{"SETRANGE", "s4", 5, "abc"},
		{"INCRBY", "n", 7},
		{"MSET", "m1", "a", "m2", "b"},
		{"GETDEL", "m2"},
		{"EXPIRE", "m1", 300},
		{"PERSIST", "s3"},
		{"GETEX", "s2", "EX", "700"},
		{"LPUSH", "l", "a", "b", "c", "d"},
		{"RPOP", "l"},
		{"LMOVE", "l", "l2", "LEFT", "RIGHT"},
		{"LINSERT", "l", "BEFORE", "a", "z"},
		{"LSET", "l", 0, "y"},
		{"LTRIM", "l", 0, 10},
		{"HSET", "h", "a", 1, "b", 2, "c", 3},
		{"HINCRBYFLOAT", "h", "a", "0.5"},
		{"HDEL", "h", "b"},
		{"SADD", "set", "a", "b", "c", "d", "e"},
		{"SPOP", "set", 2},
		{"SMOVE", "set", "set2", "a"},
		{"SINTERSTORE", "set3", "set", "set2"},
		{"ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d"},
		{"ZINCRBY", "z", 2.5, "a"},
		{"ZPOPMIN", "z"},
		{"ZRANGESTORE", "z2", "z", 0, -1},
		{"ZUNIONSTORE", "z3", 2, "z", "z2"},
		{"PFADD", "hll", "a", "b", "c"},
		{"SET", "big", strings.Repeat("0123456789", 20000)},
		{"COPY", "h", "h-copy"},
		{"RENAME", "l2", "l3"},
		{"SELECT", 3},
		{"SET", "in3", "x"},
		{"MOVE", "in3", 4},
		{"FLUSHDB"},
		{"SELECT", 0},
		{"SET", "gone", "v", "PX", "30"},
	}
	conn := c.Conn()
	defer conn.Close()
	for _, cmd := range cmds {
		if err := conn.Do(ctx, cmd...).Err(); err != redis.Nil {
			require.NoError(t, err, "%v", cmd)
		}
	}
	// A transaction that changes databases.
	_, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx1", "a", 0)
		p.Do(ctx, "SELECT", 5)
		p.Incr(ctx, "tx2")
		p.Do(ctx, "SELECT", 0)
		p.LPush(ctx, "tx3", "x")
		return nil
	})
	require.NoError(t, err)
	time.Sleep(60 * time.Millisecond)
	require.Equal(t, redis.Nil, conn.Get(ctx, "gone").Err(), "expired: its DEL goes to the replica")
}

func rmiClient(t *testing.T, s *server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, PoolSize: 2, ReadTimeout: 10 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func rmiInfo(t *testing.T, c *redis.Client, section string) map[string]string {
	t.Helper()
	s, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err)
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			m[k] = v
		}
	}
	return m
}

func rmiInt(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

// rmiEventually polls cond until it holds, or fails after 20 s with the
// last state it described.
func rmiEventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %s; last state: %s", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rmiWaitLinkUp(t *testing.T, replica *redis.Client) {
	t.Helper()
	rmiEventually(t, "master_link_status:up", func() (bool, string) {
		st := rmiInfo(t, replica, "replication")["master_link_status"]
		return st == "up", st
	})
}

func rmiWaitLog(t *testing.T, s *server, line string) {
	t.Helper()
	rmiEventually(t, fmt.Sprintf("%q in the log", line), func() (bool, string) {
		return strings.Contains(s.output(), line), "not there"
	})
}

// rmiWaitSame waits until the replica applied the master's whole stream,
// then checks that both hold the same data.
func rmiWaitSame(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	rmiEventually(t, "the replica to catch up", func() (bool, string) {
		m := rmiInfo(t, master, "replication")["master_repl_offset"]
		r := rmiInfo(t, replica, "replication")["slave_repl_offset"]
		return m == r, "master at " + m + ", replica at " + r
	})
	want := digestOf(t, master)
	require.NotEqual(t, strings.Repeat("0", 40), want)
	require.Equal(t, want, digestOf(t, replica), "DEBUG DIGEST")
	require.Equal(t, rmiKeyspace(t, master), rmiKeyspace(t, replica))
}

// rmiKeyspace is INFO keyspace without avg_ttl, which replicas (they do
// not expire keys) do not sample.
func rmiKeyspace(t *testing.T, c *redis.Client) map[string]string {
	m := rmiInfo(t, c, "keyspace")
	for db, v := range m {
		m[db], _, _ = strings.Cut(v, ",avg_ttl=")
	}
	return m
}

// TestOurStreamMatchesRedis: a raw replica of ours and one of real Redis
// receive the same bytes for the same commands: SELECTs, transactions
// across databases (SELECT before MULTI), effects, PUBLISH, FLUSHDB of an
// empty db, REPLCONF GETACK from WAIT.
func TestOurStreamMatchesRedis(t *testing.T) {
	args := []string{"--save", "", "--repl-diskless-sync", "no", "--repl-ping-replica-period", "3600"}
	ours := startIn(t, "", t.TempDir(), args...)
	real := startIn(t, tool(t, "redis-server"), t.TempDir(), args...)
	script := func(c *redis.Client) {
		ctx := context.Background()
		conn := c.Conn()
		defer conn.Close()
		for _, cmd := range [][]any{
			{"SET", "a", "1"},
			{"SELECT", 2},
			{"SET", "b", "2"},
			{"INCRBYFLOAT", "f", "1.25"},
			{"SADD", "one", "x"},
			{"SPOP", "one"},
			{"SELECT", 7},
			{"FLUSHDB"},
			{"PUBLISH", "ch", "msg"},
			{"DEL", "nothing"},
			{"SELECT", 0},
			{"LPUSH", "l", "a", "b"},
		} {
			require.NoError(t, conn.Do(ctx, cmd...).Err(), "%v", cmd)
		}
		_, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, "SELECT", 3)
			p.Set(ctx, "t1", "x", 0)
			p.Do(ctx, "SELECT", 4)
			p.Set(ctx, "t2", "y", 0)
			return nil
		})
		require.NoError(t, err)
		_, err = conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "single", "x", 0) // one write: no MULTI/EXEC
			p.Get(ctx, "single")
			return nil
		})
		require.NoError(t, err)
		n, err := conn.Do(ctx, "WAIT", 1, 50).Int()
		require.NoError(t, err)
		require.Equal(t, 0, n, "a raw replica that does not ACK")
		require.NoError(t, conn.Do(ctx, "SET", "last", "x").Err())
	}
	streams := make([]string, 2)
	for i, s := range []*server{ours, real} {
		conn, r := rmiRawReplica(t, s.Port)
		script(rmiClient(t, s))
		streams[i] = rmiReadQuiet(t, conn, r)
	}
	require.Equal(t, streams[1], streams[0])
	require.Contains(t, streams[0], "REPLCONF")
}

// rmiRawReplica does a full sync by hand (disk transfer) and returns the
// connection positioned at the start of the stream.
func rmiRawReplica(t *testing.T, port int) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr(port))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	readLine := func() string {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		return strings.TrimRight(line, "\r\n")
	}
	_, err = conn.Write([]byte(multibulk("REPLCONF", "listening-port", "1", "capa", "psync2")))
	require.NoError(t, err)
	require.Equal(t, "+OK", readLine())
	_, err = conn.Write([]byte(multibulk("PSYNC", "?", "-1")))
	require.NoError(t, err)
	line := ""
	for line == "" { // newlines keep the link alive meanwhile
		line = readLine()
	}
	require.True(t, strings.HasPrefix(line, "+FULLRESYNC "), line)
	for line = ""; line == ""; {
		line = readLine()
	}
	require.True(t, strings.HasPrefix(line, "$"), line)
	n, err := strconv.Atoi(line[1:])
	require.NoError(t, err)
	_, err = io.CopyN(io.Discard, r, int64(n))
	require.NoError(t, err)
	return conn, r
}

// rmiReadQuiet reads the stream until nothing came for 300 ms.
func rmiReadQuiet(t *testing.T, conn net.Conn, r *bufio.Reader) string {
	var out []byte
	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return string(out)
			}
			t.Fatalf("reading the stream: %v", err)
		}
	}
}

// TestDisklessSyncDropsStalledReplica: one diskless transfer feeds every
// replica that arrived during repl-diskless-sync-delay; a replica that
// stops reading is dropped after repl-timeout, the others finish.
func TestDisklessSyncDropsStalledReplica(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	master := startIn(t, "", t.TempDir(), "--save", "", "--repl-diskless-sync", "yes",
		"--repl-diskless-sync-delay", "2", "--repl-timeout", "2", "--rdbcompression", "no")
	mc := rmiClient(t, master)
	// Enough data (uncompressed) to fill the socket buffers of the
	// stalled replica.
	require.NoError(t, mc.Do(ctx, "DEBUG", "POPULATE", 20000, "key", 1000).Err())

	// A small receive window: the master's writes to it soon block.
	dialer := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	stalled, err := dialer.Dial("tcp", master.Addr())
	require.NoError(t, err)
	defer stalled.Close()
	_, err = stalled.Write([]byte(multibulk("REPLCONF", "capa", "eof", "capa", "psync2")))
	require.NoError(t, err)
	ok, err := bufio.NewReader(stalled).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "+OK\r\n", ok)
	_, err = stalled.Write([]byte(multibulk("PSYNC", "?", "-1")))
	require.NoError(t, err)

	var replicas []*redis.Client
	for range 2 {
		s := startIn(t, tool(t, "redis-server"), t.TempDir(), "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
		replicas = append(replicas, rmiClient(t, s))
	}
	for _, rc := range replicas {
		rmiWaitLinkUp(t, rc)
	}
	require.NoError(t, mc.Set(ctx, "after", "sync", 0).Err())
	for _, rc := range replicas {
		rmiWaitSame(t, mc, rc)
	}
	out := master.output()
	require.Contains(t, out, "Disconnecting timedout replica (full sync): 127.0.0.1:<unknown-replica-port>")
	require.Equal(t, 1, strings.Count(out, "Starting BGSAVE for SYNC with target: replicas sockets"), "one transfer for all")
	require.Contains(t, out, "Diskless rdb transfer, done reading from pipe, 2 replicas still up.")
	require.Equal(t, "2", rmiInfo(t, mc, "replication")["connected_slaves"])
}

// TestRedisCliRdbFromOurMaster: redis-cli --rdb (SYNC with rdb-only, EOF
// capable) gets our RDB over a diskless or a disk transfer, and
// --functions-rdb a filtered one, without keys.
func TestRedisCliRdbFromOurMaster(t *testing.T) {
	ctx := context.Background()
	for _, diskless := range []string{"yes", "no"} {
		master := startIn(t, "", t.TempDir(), "--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
		mc := rmiClient(t, master)
		require.NoError(t, mc.Set(ctx, "k", "v", 0).Err())
		for _, mode := range []string{"--rdb", "--functions-rdb"} {
			path := filepath.Join(t.TempDir(), "out.rdb")
			out, errOut, err := runTool(t, 20*time.Second, "", "redis-cli", "-p", strconv.Itoa(master.Port), mode, path)
			require.NoError(t, err, "%s %s: %s%s", mode, diskless, out, errOut)
			require.Contains(t, out+errOut, "Transfer finished with success")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(string(b), "REDIS0010"), "%q", b[:min(len(b), 16)])
			require.Equal(t, mode == "--rdb", strings.Contains(string(b), "\x01k\x01v"), "%s: the key", mode)
		}
		rmiEventually(t, "the rdb-only replicas to go", func() (bool, string) {
			n := rmiInfo(t, mc, "replication")["connected_slaves"]
			return n == "0", n
		})
	}
}
