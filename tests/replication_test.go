package tests

// Master/replica replication between processes of the server under test
// (and, in TestChainThroughOurReplica, real Redis around it): the three
// ways to configure a replica, full sync of every type, the write stream,
// read-only replicas, partial and full resynchronization, WAIT and
// min-replicas-to-write, and restarts from an RDB. Agreement is checked by
// DEBUG DIGEST once every replica's offset equals the master's.

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncTimeout bounds every wait for a link to come up or catch up.
const syncTimeout = 20 * time.Second

// replNode is one server of a replication test, with a client that never
// retries, so that every error reply reaches the test as it was sent.
type replNode struct {
	*server
	c   *redis.Client
	bin string // "" for the server under test
	dir string // its --dir, kept across restarts
}

// startNode starts bin (ours when empty) in a fresh directory. A leading
// argument that is not an option is a config file.
func startNode(t *testing.T, bin string, args ...string) *replNode {
	return launchNode(t, bin, t.TempDir(), freePort(t), args...)
}

// restartNode starts a stopped node again on its port and directory.
func restartNode(t *testing.T, n *replNode, args ...string) *replNode {
	return launchNode(t, n.bin, n.dir, n.Port, args...)
}

// launchNode runs bin on port serving dir, with debug commands, no delay
// before a diskless sync, and no save points unless args set some. Its
// output goes to a directory of its own, so that a restart keeps the log
// of each run.
func launchNode(t *testing.T, bin, dir string, port int, args ...string) *replNode {
	t.Helper()
	var full []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		full, args = append(full, args[0]), args[1:]
	}
	full = append(full, "--port", strconv.Itoa(port), "--dir", dir, "--enable-debug-command", "yes",
		"--repl-diskless-sync-delay", "0")
	hasSave := false
	for _, a := range args {
		hasSave = hasSave || a == "--save"
	}
	if !hasSave {
		full = append(full, "--save", "")
	}
	full = append(full, args...)
	s := startWith(t, launch{Args: full, Port: port, Dir: t.TempDir(), Bin: bin})
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: 10 * time.Second})
	t.Cleanup(func() { c.Close() })
	stopTogether(t, s)
	return &replNode{server: s, c: c, bin: bin, dir: dir}
}

var (
	nodesMu sync.Mutex
	nodes   = map[*testing.T][]*server{}
)

// stopTogether makes the servers of a test stop in parallel when it ends,
// rather than one after the other: under the race detector each takes a
// second to exit.
func stopTogether(t *testing.T, s *server) {
	nodesMu.Lock()
	nodes[t] = append(nodes[t], s)
	nodesMu.Unlock()
	t.Cleanup(func() {
		nodesMu.Lock()
		all := nodes[t]
		delete(nodes, t)
		nodesMu.Unlock()
		var wg sync.WaitGroup
		for _, s := range all {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.stop()
			}()
		}
		wg.Wait()
	})
}

// kill9 kills the server with SIGKILL, as a crash would.
func kill9(s *server) {
	s.stopped.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// replicaOf runs REPLICAOF host port on n, hostPort being host:port.
func replicaOf(t *testing.T, n *replNode, hostPort string) {
	t.Helper()
	host, port, err := net.SplitHostPort(hostPort)
	require.NoError(t, err)
	require.NoError(t, n.c.Do(context.Background(), "REPLICAOF", host, port).Err())
}

// infoMap is one INFO section as field -> value.
func infoMap(t *testing.T, c *redis.Client, section string) map[string]string {
	t.Helper()
	s, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err, "INFO %s", section)
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			m[k] = v
		}
	}
	return m
}

// waitFor polls cond every 20 ms until it holds, and fails the test with
// cond's last description of the state if it does not within d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; last state: %s", d, what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSynced waits until every replica's link is up and its
// slave_repl_offset equals the master's master_repl_offset: the writes
// have settled.
func waitSynced(t *testing.T, master *replNode, replicas ...*replNode) {
	t.Helper()
	waitSyncedWithin(t, syncTimeout, master, replicas...)
}

// waitSyncedWithin is waitSynced with a time limit of d.
func waitSyncedWithin(t *testing.T, d time.Duration, master *replNode, replicas ...*replNode) {
	t.Helper()
	waitFor(t, d, "the replicas to catch up", func() (bool, string) {
		m, err := master.c.Info(context.Background(), "replication").Result()
		if err != nil {
			return false, "master: " + err.Error()
		}
		want := field(m, "master_repl_offset")
		var states []string
		ok := true
		for i, r := range replicas {
			info, err := r.c.Info(context.Background(), "replication").Result()
			if err != nil {
				ok = false
				states = append(states, fmt.Sprintf("replica %d: %v", i, err))
				continue
			}
			link, got := field(info, "master_link_status"), field(info, "slave_repl_offset")
			states = append(states, fmt.Sprintf("replica %d: link %s offset %s", i, link, got))
			ok = ok && link == "up" && got == want
		}
		return ok, fmt.Sprintf("master offset %s; %s", want, strings.Join(states, "; "))
	})
}

// field is one field of an INFO reply, "" when absent.
func field(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// requireSameDigest checks that every node has the dataset of the first.
func requireSameDigest(t *testing.T, nodes ...*replNode) {
	t.Helper()
	want := digestOf(t, nodes[0].c)
	require.NotEqual(t, strings.Repeat("0", 40), want, "the dataset is empty")
	for i, n := range nodes[1:] {
		require.Equal(t, want, digestOf(t, n.c), "DEBUG DIGEST of node %d differs from node 0's", i+1)
	}
}

// waitLog waits until the server's output contains line.
func waitLog(t *testing.T, s *server, line string) {
	t.Helper()
	waitFor(t, syncTimeout, fmt.Sprintf("%q in the log", line), func() (bool, string) {
		return strings.Contains(s.output(), line), "not there yet"
	})
}

func (n *replNode) configGet(t *testing.T, name string) string {
	t.Helper()
	got, err := n.c.ConfigGet(context.Background(), name).Result()
	require.NoError(t, err)
	return got[name]
}

// TestReplicaofThreeWays: a replica set on the command line, in a config
// file and by REPLICAOF at run time each get a full copy of every type.
func TestReplicaofThreeWays(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	populate(t, master.c)
	host, port := "127.0.0.1", strconv.Itoa(master.Port)

	byFlag := startNode(t, "", "--replicaof", host, port)
	conf := writeFile(t, t.TempDir(), "replica.conf", "replicaof "+host+" "+port+"\n")
	byFile := startNode(t, "", conf)
	byCommand := startNode(t, "")
	res, err := byCommand.c.Do(ctx, "REPLICAOF", host, port).Text()
	require.NoError(t, err)
	assert.Equal(t, "OK", res)

	replicas := []*replNode{byFlag, byFile, byCommand}
	waitSynced(t, master, replicas...)
	requireSameDigest(t, append([]*replNode{master}, replicas...)...)

	for i, r := range replicas {
		assert.Equal(t, host+" "+port, r.configGet(t, "replicaof"), "replica %d", i)
		assert.Equal(t, host+" "+port, r.configGet(t, "slaveof"), "replica %d", i)
		info := infoMap(t, r.c, "replication")
		assert.Equal(t, "slave", info["role"], "replica %d", i)
		assert.Equal(t, host, info["master_host"], "replica %d", i)
		assert.Equal(t, port, info["master_port"], "replica %d", i)
		assert.Equal(t, infoMap(t, master.c, "replication")["master_replid"], info["master_replid"], "replica %d", i)
		role, err := r.c.Do(ctx, "ROLE").Slice()
		require.NoError(t, err)
		require.Len(t, role, 5)
		assert.Equal(t, []any{"slave", host, int64(master.Port), "connected"}, role[:4], "replica %d", i)
	}
	assert.Equal(t, "", master.configGet(t, "replicaof"))
	// The master may list a replica as online a moment after the replica
	// reports its link up.
	waitAcked(t, master, 3)
	info := infoMap(t, master.c, "replication")
	assert.Equal(t, "master", info["role"])
	assert.Equal(t, "3", info["connected_slaves"])
	assert.Equal(t, "3", infoMap(t, master.c, "stats")["sync_full"])
	assert.Equal(t, "hello", byFile.c.Get(ctx, "str").Val())
	assert.Equal(t, "a\x00b\xff\r\n", byFlag.c.Get(ctx, "bin").Val())
}

// TestReplicationStream: writes after the full sync reach every replica
// as their effect: transactions, several dbs, expiries, random commands,
// binary data, lazily expired keys.
func TestReplicationStream(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	r1 := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	r2 := startNode(t, "")
	replicaOf(t, r2, master.Addr())
	waitSynced(t, master, r1, r2)

	m := master.c
	populate(t, m)
	_, err := m.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx:a", 1, 0)
		p.Incr(ctx, "tx:a")
		p.LPush(ctx, "tx:list", "x", "y")
		p.HSet(ctx, "tx:hash", "f", "v")
		p.Expire(ctx, "tx:list", time.Hour)
		return nil
	})
	require.NoError(t, err)
	for db := 1; db <= 3; db++ {
		c := redis.NewClient(&redis.Options{Addr: master.Addr(), DB: db, MaxRetries: -1})
		require.NoError(t, c.Set(ctx, "db", db, 0).Err())
		require.NoError(t, c.SAdd(ctx, "set", "a", "b", db).Err())
		_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, "counter")
			p.ZAdd(ctx, "zset", redis.Z{Score: float64(db), Member: "m"})
			return nil
		})
		require.NoError(t, err)
		c.Close()
	}
	require.NoError(t, m.Do(ctx, "MOVE", "str", 2).Err())
	require.NoError(t, m.Set(ctx, "ex", "v", 100*time.Second).Err())
	require.NoError(t, m.SetEx(ctx, "setex", "v", time.Hour).Err())
	require.NoError(t, m.Expire(ctx, "hash", 500*time.Second).Err())
	require.NoError(t, m.PExpireAt(ctx, "set", time.Now().Add(time.Hour)).Err())
	require.NoError(t, m.Persist(ctx, "bigzset").Err())
	require.NoError(t, m.GetEx(ctx, "int", time.Hour).Err())
	require.NoError(t, m.IncrByFloat(ctx, "float", 1.1).Err())
	require.NoError(t, m.IncrByFloat(ctx, "float", 2.25).Err())
	require.NoError(t, m.SPopN(ctx, "bigset", 7).Err())
	require.NoError(t, m.Set(ctx, "\x00bin\xffkey", strings.Repeat("\x00\r\n\xfe", 1000), 0).Err())
	require.NoError(t, m.Set(ctx, "big", strings.Repeat("0123456789", 100000), 0).Err())
	require.NoError(t, m.Rename(ctx, "list", "list2").Err())
	require.NoError(t, m.Del(ctx, "long").Err())
	require.NoError(t, m.Unlink(ctx, "intset").Err())
	// The master deletes "short" only when the GET below finds it expired:
	// active expiry could delete it, on a slow machine, between the
	// digests of the master and of its replicas.
	require.NoError(t, m.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err())
	require.NoError(t, m.Set(ctx, "short", "v", 300*time.Millisecond).Err())
	waitSynced(t, master, r1, r2)
	requireSameDigest(t, master, r1, r2)

	// A key past its expiry is hidden on a replica, which never deletes it
	// itself; the master's DEL, sent when it finds the key expired, does.
	time.Sleep(400 * time.Millisecond)
	for _, r := range []*replNode{r1, r2} {
		assert.Equal(t, redis.Nil, r.c.Get(ctx, "short").Err())
	}
	require.Equal(t, redis.Nil, m.Get(ctx, "short").Err())
	waitSynced(t, master, r1, r2)
	requireSameDigest(t, master, r1, r2)
	for _, r := range []*replNode{r1, r2} {
		assert.Equal(t, m.DBSize(ctx).Val(), r.c.DBSize(ctx).Val())
	}
	v, err := r1.c.Get(ctx, "float").Result()
	require.NoError(t, err)
	assert.Equal(t, "3.35", v)
}

// TestReadOnlyReplica: writes to a replica are refused until
// replica-read-only (alias slave-read-only) is turned off.
func TestReadOnlyReplica(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	const readOnly = "READONLY You can't write against a read only replica."

	assert.EqualError(t, replica.c.Set(ctx, "k", "v", 0).Err(), readOnly)
	assert.EqualError(t, replica.c.FlushAll(ctx).Err(), readOnly)
	assert.EqualError(t, replica.c.Incr(ctx, "n").Err(), readOnly)
	_, err := replica.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "k", "v", 0)
		return nil
	})
	assert.Error(t, err)
	assert.Equal(t, redis.Nil, replica.c.Get(ctx, "k").Err())
	assert.Equal(t, "yes", replica.configGet(t, "replica-read-only"))

	require.NoError(t, replica.c.ConfigSet(ctx, "replica-read-only", "no").Err())
	assert.Equal(t, "no", replica.configGet(t, "slave-read-only"))
	require.NoError(t, replica.c.Set(ctx, "local", "v", 0).Err())
	assert.Equal(t, "v", replica.c.Get(ctx, "local").Val())
	assert.Equal(t, redis.Nil, master.c.Get(ctx, "local").Err(), "a replica's own write reached the master")

	require.NoError(t, replica.c.ConfigSet(ctx, "slave-read-only", "yes").Err())
	assert.Equal(t, "yes", replica.configGet(t, "replica-read-only"))
	assert.EqualError(t, replica.c.Set(ctx, "k", "v", 0).Err(), readOnly)

	require.NoError(t, master.c.Set(ctx, "from", "master", 0).Err())
	waitSynced(t, master, replica)
	assert.Equal(t, "master", replica.c.Get(ctx, "from").Val())
}

// TestPartialResyncAfterClientKill: a replica whose link the master drops
// continues from its offset with +CONTINUE.
func TestPartialResyncAfterClientKill(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	populate(t, master.c)
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)

	n, err := master.c.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Int()
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, master.c.Set(ctx, "after", "kill", 0).Err())
	require.NoError(t, master.c.RPush(ctx, "list", "more").Err())
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
	waitLog(t, replica.server, "Successful partial resynchronization with master.")
	stats := infoMap(t, master.c, "stats")
	assert.Equal(t, "1", stats["sync_full"])
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, "kill", replica.c.Get(ctx, "after").Val())
}

// TestFullResyncAfterBacklogOverflow: while the link is down the master
// writes more than its backlog holds; the replica must sync fully again.
func TestFullResyncAfterBacklogOverflow(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "", "--repl-backlog-size", "16kb")
	populate(t, master.c)
	replica := startNode(t, "")
	p := startProxy(t, master.Addr())
	replicaOf(t, replica, p.Addr())
	waitSynced(t, master, replica)

	before := infoMap(t, master.c, "stats")
	p.Down()
	waitFor(t, syncTimeout, "the master to drop the replica", func() (bool, string) {
		n := infoMap(t, master.c, "replication")["connected_slaves"]
		return n == "0", "connected_slaves:" + n
	})
	for i := 0; i < 64; i++ {
		require.NoError(t, master.c.Set(ctx, fmt.Sprint("while-down:", i), strings.Repeat("x", 1024), 0).Err())
	}
	p.Up()
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
	after := infoMap(t, master.c, "stats")
	for name, grew := range map[string]int{"sync_full": 1, "sync_partial_ok": 0, "sync_partial_err": 1} {
		assert.Equal(t, grew, atoi(t, after[name])-atoi(t, before[name]), "%s went from %s to %s", name, before[name], after[name])
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "%q is not a number", s)
	return n
}

// waitAcked waits until the master lists n replicas online that
// acknowledged its whole stream: before its first ACK a replica is not
// counted by WAIT or min-replicas-to-write.
func waitAcked(t *testing.T, master *replNode, n int) {
	t.Helper()
	waitFor(t, syncTimeout, fmt.Sprintf("%d replicas to acknowledge the master's offset", n), func() (bool, string) {
		info := infoMap(t, master.c, "replication")
		acked := 0
		var lines []string
		for i := 0; ; i++ {
			line, ok := info[fmt.Sprint("slave", i)]
			if !ok {
				break
			}
			lines = append(lines, line)
			if strings.Contains(line, ",state=online,") && strings.Contains(line, ",offset="+info["master_repl_offset"]+",") {
				acked++
			}
		}
		return acked == n, fmt.Sprintf("master offset %s; %q", info["master_repl_offset"], lines)
	})
}

// TestWait: WAIT returns as soon as enough replicas acknowledged, or after
// the timeout with how many did.
func TestWait(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	r1 := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	r2 := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, r1, r2)
	waitAcked(t, master, 2)

	require.NoError(t, master.c.Set(ctx, "k", "v", 0).Err())
	n, err := master.c.Do(ctx, "WAIT", 2, 1000).Int()
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	// Right after a sync Redis itself may answer only on the replicas'
	// next periodic ACK; from then on it asks them (REPLCONF GETACK).
	require.NoError(t, master.c.Set(ctx, "k", "u", 0).Err())
	start := time.Now()
	n, err = master.c.Do(ctx, "WAIT", 2, 5000).Int()
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Less(t, time.Since(start), 500*time.Millisecond, "WAIT 2 5000 with two replicas did not ask them for an ACK")

	require.NoError(t, master.c.Set(ctx, "k", "w", 0).Err())
	start = time.Now()
	n, err = master.c.Do(ctx, "WAIT", 3, 500).Int()
	took := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.GreaterOrEqual(t, took, 450*time.Millisecond, "WAIT 3 500 with two replicas returned early")
	assert.Less(t, took, 2*time.Second)
	assert.Equal(t, "w", r2.c.Get(ctx, "k").Val())

	n, err = master.c.Do(ctx, "WAIT", 0, 0).Int()
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.EqualError(t, r1.c.Do(ctx, "WAIT", 1, 100).Err(),
		"ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
}

// TestMinReplicasToWrite: with fewer good replicas than
// min-replicas-to-write the master refuses writes, not reads.
func TestMinReplicasToWrite(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	r1 := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	r2 := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, r1, r2)
	require.NoError(t, master.c.Set(ctx, "k", "v", 0).Err())

	require.NoError(t, master.c.ConfigSet(ctx, "min-replicas-to-write", "3").Err())
	assert.EqualError(t, master.c.Set(ctx, "k", "w", 0).Err(), "NOREPLICAS Not enough good replicas to write.")
	assert.Equal(t, "v", master.c.Get(ctx, "k").Val())

	require.NoError(t, master.c.ConfigSet(ctx, "min-replicas-to-write", "2").Err())
	waitFor(t, 5*time.Second, "writes to be accepted with two good replicas", func() (bool, string) {
		err := master.c.Set(ctx, "k", "w", 0).Err()
		return err == nil, fmt.Sprint(err)
	})
	waitSynced(t, master, r1, r2)
	assert.Equal(t, "w", r1.c.Get(ctx, "k").Val())
	assert.Equal(t, "2", infoMap(t, master.c, "replication")["min_slaves_good_slaves"])
}

// TestReplicaRestartContinuesPartially: a replica restarted from its own
// RDB (saved by SAVE) knows its master's replid and offset and continues.
func TestReplicaRestartContinuesPartially(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	populate(t, master.c)
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	require.NoError(t, master.c.Set(ctx, "before", "save", 0).Err())
	waitSynced(t, master, replica)

	require.NoError(t, replica.c.Save(ctx).Err())
	replica.stop()
	require.NoError(t, master.c.Set(ctx, "while", "down", 0).Err())
	again := restartNode(t, replica, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, again)
	requireSameDigest(t, master, again)
	waitLog(t, again.server, "Successful partial resynchronization with master.")
	stats := infoMap(t, master.c, "stats")
	assert.Equal(t, "1", stats["sync_full"])
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, "down", again.c.Get(ctx, "while").Val())
}

// TestMasterRestartContinuesPartially: a master restarted from the RDB it
// saved at shutdown keeps its offset, shows the saved replid as replid2,
// and its replica continues partially.
func TestMasterRestartContinuesPartially(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "", "--save", "3600 1")
	populate(t, master.c)
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	oldID := infoMap(t, master.c, "replication")["master_replid"]

	// Shutdown waits for the replica to acknowledge the last write, then
	// saves: the RDB's offset is the replica's.
	require.NoError(t, master.c.Set(ctx, "last", "before shutdown", 0).Err())
	master.stop()
	assert.Contains(t, master.output(), "1 of 1 replicas are in sync when shutting down.")
	offset := offsetOf(t, replica, "slave_repl_offset")
	assert.Equal(t, "before shutdown", replica.c.Get(ctx, "last").Val())
	again := restartNode(t, master, "--save", "3600 1")
	info := infoMap(t, again.c, "replication")
	assert.Equal(t, oldID, info["master_replid2"])
	assert.NotEqual(t, oldID, info["master_replid"])
	assert.Equal(t, strconv.FormatInt(offset, 10), info["master_repl_offset"])
	assert.Equal(t, strconv.FormatInt(offset+1, 10), info["second_repl_offset"])

	require.NoError(t, again.c.Set(ctx, "after", "restart", 0).Err())
	waitSynced(t, again, replica)
	requireSameDigest(t, again, replica)
	stats := infoMap(t, again.c, "stats")
	assert.Equal(t, "0", stats["sync_full"])
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, info["master_replid"], infoMap(t, replica.c, "replication")["master_replid"])
}

// TestChainThroughOurReplica: real Redis master -> our replica -> real
// Redis replica. Ours proxies the master's stream, so all three share one
// replid and offset.
func TestChainThroughOurReplica(t *testing.T) {
	ctx := context.Background()
	redisBin := tool(t, "redis-server")
	master := startNode(t, redisBin)
	populate(t, master.c)
	middle := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	leaf := startNode(t, redisBin, "--replicaof", "127.0.0.1", strconv.Itoa(middle.Port))
	waitSynced(t, master, middle, leaf)
	requireSameDigest(t, master, middle, leaf)

	stop := writeLoad(t, master)
	time.Sleep(300 * time.Millisecond)
	stop()
	require.NoError(t, master.c.Set(ctx, "last", "write", 0).Err())
	waitSynced(t, master, middle, leaf)
	requireSameDigest(t, master, middle, leaf)
	id := infoMap(t, master.c, "replication")["master_replid"]
	assert.Equal(t, id, infoMap(t, middle.c, "replication")["master_replid"])
	assert.Equal(t, id, infoMap(t, leaf.c, "replication")["master_replid"])
}

// TestSwapdbServesExpiredWaiterKey: SWAPDB brings an expired key to a
// client blocked on it. As in Redis, the waiter stays blocked and the key
// is deleted, with a DEL to the replica (which keeps expired keys until its
// master deletes them), not left for active expiry to find.
func TestSwapdbServesExpiredWaiterKey(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	require.NoError(t, master.c.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err())
	db1 := redis.NewClient(&redis.Options{Addr: master.Addr(), DB: 1, MaxRetries: -1})
	defer db1.Close()
	require.NoError(t, db1.RPush(ctx, "k", "hello").Err())
	require.NoError(t, db1.PExpire(ctx, "k", 50*time.Millisecond).Err())
	expires := time.Now().Add(60 * time.Millisecond)
	waiter := redis.NewClient(&redis.Options{Addr: master.Addr(), DB: 9, MaxRetries: -1, ReadTimeout: 10 * time.Second})
	defer waiter.Close()
	id, err := waiter.ClientID(ctx).Result()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- waiter.BRPop(ctx, 0, "k").Err() }()
	waitFor(t, 5*time.Second, "the waiter to block", func() (bool, string) {
		info := master.c.Info(ctx, "clients").Val()
		return field(info, "blocked_clients") == "1", info
	})
	time.Sleep(time.Until(expires)) // any read of k would expire it first
	require.NoError(t, master.c.Do(ctx, "SWAPDB", 1, 9).Err())
	require.Contains(t, master.c.ClientList(ctx).Val(), fmt.Sprintf("id=%d ", id))
	require.Equal(t, "1", field(master.c.Info(ctx, "clients").Val(), "blocked_clients"))
	waitSynced(t, master, replica)
	rep9 := redis.NewClient(&redis.Options{Addr: replica.Addr(), DB: 9, MaxRetries: -1})
	defer rep9.Close()
	require.Equal(t, int64(0), rep9.DBSize(ctx).Val(), "the replica still holds the expired key: no DEL came")
	require.NoError(t, master.c.Do(ctx, "CLIENT", "UNBLOCK", id).Err())
	require.ErrorIs(t, <-done, redis.Nil)
}

// TestMasterRestartDeletesExpiredKeys: keys that expire while the master
// is down are skipped when it loads its dump, and the replicas continuing
// partially (ours and real Redis) get their DELs, so that every digest
// agrees, as Redis's rdbLoad feeds them to the backlog.
func TestMasterRestartDeletesExpiredKeys(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "", "--save", "3600 1")
	require.NoError(t, master.c.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err())
	ours := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	real := startNode(t, tool(t, "redis-server"), "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, ours, real)
	for db := 0; db < 4; db++ {
		c := redis.NewClient(&redis.Options{Addr: master.Addr(), DB: db, MaxRetries: -1})
		for i := 0; i < 50; i++ {
			require.NoError(t, c.Set(ctx, fmt.Sprint("gone:", i), "v", 200*time.Millisecond).Err())
			require.NoError(t, c.Set(ctx, fmt.Sprint("kept:", i), "v", time.Hour).Err())
		}
		c.Close()
	}
	expires := time.Now().Add(300 * time.Millisecond)
	waitSynced(t, master, ours, real)
	master.stop()
	time.Sleep(time.Until(expires)) // the keys expire while the master is down
	again := restartNode(t, master, "--save", "3600 1")
	assert.Equal(t, "200", infoMap(t, again.c, "persistence")["rdb_last_load_keys_expired"])
	waitSynced(t, again, ours, real)
	stats := infoMap(t, again.c, "stats")
	assert.Equal(t, "0", stats["sync_full"])
	assert.Equal(t, "2", stats["sync_partial_ok"])
	requireSameDigest(t, again, ours)
	requireSameDigest(t, again, real)
	for _, n := range []*replNode{ours, real} {
		require.Equal(t, int64(50), n.c.DBSize(ctx).Val(), "a replica still holds keys that expired")
	}
}

// TestWritableReplicaExpiry, on ours and real Redis: a writable replica
// expires the keys its own clients wrote with a TTL (the master sends no
// DEL for those), and a write of its client to a key its master let expire
// replaces it, where a read only hides it.
func TestWritableReplicaExpiry(t *testing.T) {
	ctx := context.Background()
	replies := map[string][]string{}
	for _, bin := range []string{"", tool(t, "redis-server")} {
		master := startNode(t, bin)
		replica := startNode(t, bin, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port), "--replica-read-only", "no")
		waitSynced(t, master, replica)
		r := replica.c
		require.NoError(t, r.Set(ctx, "local", "v", 100*time.Millisecond).Err())
		waitFor(t, 10*time.Second, "the replica to expire its own key", func() (bool, string) {
			n := r.DBSize(ctx).Val()
			return n == 0, fmt.Sprint(n)
		})
		require.NoError(t, master.c.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err())
		require.NoError(t, master.c.Set(ctx, "k1", "5", 10*time.Millisecond).Err())
		require.NoError(t, master.c.Set(ctx, "k2", "5", 10*time.Millisecond).Err())
		waitFor(t, 10*time.Second, "the keys to replicate and expire", func() (bool, string) {
			n, e := r.DBSize(ctx).Val(), r.Exists(ctx, "k1", "k2").Val()
			return n == 2 && e == 0, fmt.Sprint(n, e)
		})
		var got []string
		for _, cmd := range [][]any{{"INCR", "k1"}, {"TTL", "k1"}, {"GET", "k2"}, {"DBSIZE"}} {
			v, err := r.Do(ctx, cmd...).Result()
			got = append(got, fmt.Sprint(v, " ", err))
		}
		replies[bin] = got
	}
	want := replies[tool(t, "redis-server")]
	require.Equal(t, []string{"1 <nil>", "-1 <nil>", "<nil> redis: nil", "2 <nil>"}, want)
	require.Equal(t, want, replies[""])
}

// TestReplicaLogsErrorToMaster: DEBUG REPLICATE sends a command the
// replicas cannot run; each (ours and real Redis) logs the error it would
// send its master with the same CRITICAL line, and keeps replicating.
func TestReplicaLogsErrorToMaster(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	ours := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	real := startNode(t, tool(t, "redis-server"), "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, ours, real)
	require.NoError(t, master.c.Do(ctx, "DEBUG", "REPLICATE", "fake-command-1").Err())
	require.NoError(t, master.c.Set(ctx, "foo", "bar", 0).Err())
	waitSynced(t, master, ours, real)
	line := func(n *replNode) string {
		for _, l := range strings.Split(n.output(), "\n") {
			if _, msg, ok := strings.Cut(l, "== CRITICAL =="); ok {
				return msg
			}
		}
		return "no CRITICAL line in:\n" + n.output()
	}
	want := line(real)
	require.Contains(t, want, "fake-command-1")
	require.Equal(t, want, line(ours))
	require.Equal(t, "bar", ours.c.Get(ctx, "foo").Val())
	require.Equal(t, "1", infoMap(t, ours.c, "stats")["unexpected_error_replies"])
}

// TestShutdownWaitsForLaggingReplica: SHUTDOWN on a master whose replica
// lags pauses writes and waits (INFO server shows shutdown_in_milliseconds)
// until the replica caught up, then exits: the replica has the last write.
func TestShutdownWaitsForLaggingReplica(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "", "--shutdown-timeout", "10")
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	require.NoError(t, master.c.Set(ctx, "k", "1", 0).Err())
	waitSynced(t, master, replica)
	require.NoError(t, replica.cmd.Process.Signal(syscall.SIGSTOP))
	stopped := true
	defer func() {
		if stopped {
			replica.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	require.NoError(t, master.c.Incr(ctx, "k").Err())
	shut := redis.NewClient(&redis.Options{Addr: master.Addr(), MaxRetries: -1})
	defer shut.Close()
	go shut.Shutdown(ctx)
	waitFor(t, 10*time.Second, "the master to wait for its replica", func() (bool, string) {
		info, err := master.c.Info(ctx, "server").Result()
		ms, _ := strconv.Atoi(field(info, "shutdown_in_milliseconds"))
		return err == nil && ms > 0, fmt.Sprint(err, " ", field(info, "shutdown_in_milliseconds"))
	})
	require.NoError(t, replica.cmd.Process.Signal(syscall.SIGCONT))
	stopped = false
	waitFor(t, 15*time.Second, "the master to exit", func() (bool, string) {
		return !pingOnce(master.Port), "still answers"
	})
	require.Contains(t, master.output(), "1 of 1 replicas are in sync when shutting down.")
	require.Equal(t, "2", replica.c.Get(ctx, "k").Val())
}
