package repl

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/rdb"
)

// The master side in process: commands go through the executor as a
// connection's bytes would, replies are read from the client's buffer.
// Transfers (sockets, goroutines) are covered by the tests in tests/.

type testConn struct{ outbound int }

func (*testConn) Close()          {}
func (c *testConn) Outbound() int { return c.outbound }

// newMaster returns a master's replication state; its settings are cfg
// lines.
func newMaster(t *testing.T, cfg ...string) *Repl {
	t.Helper()
	conf := config.New()
	require.NoError(t, conf.LoadString(strings.Join(cfg, "\n")))
	srv := db.NewServer(conf)
	rdb.Attach(srv)
	return New(srv, nil)
}

// client connects a client from port.
func (r *Repl) testClient(port string) *db.Client {
	return r.srv.NewClient(&testConn{}, "127.0.0.1:"+port, "127.0.0.1:6379", -1)
}

// run sends a command and returns the replies it got.
func run(r *Repl, c *db.Client, args ...string) string {
	c.Buf = c.Buf[:0]
	r.srv.ProcessInput(c, []byte(string(multibulk(args...))))
	out := string(c.Buf)
	c.Buf = c.Buf[:0]
	return out
}

// stream is what the backlog holds after offset.
func (r *Repl) stream(from int64) string { return string(r.backlog.ReadFrom(from)) }

func TestNoBacklogNoOffset(t *testing.T) {
	r := newMaster(t)
	c := r.testClient("1000")
	require.Equal(t, "+OK\r\n", run(r, c, "SET", "k", "v"))
	require.EqualValues(t, 0, r.Offset)
}

func TestStreamEncoding(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	c := r.testClient("1000")
	run(r, c, "SET", "k", "v")
	run(r, c, "SELECT", "2")
	run(r, c, "INCR", "n")
	run(r, c, "MULTI")
	run(r, c, "SET", "a", "1")
	run(r, c, "SELECT", "3")
	run(r, c, "SET", "b", "2")
	run(r, c, "EXEC")
	want := string(multibulk("SELECT", "0")) + string(multibulk("SET", "k", "v")) +
		string(multibulk("SELECT", "2")) + string(multibulk("INCR", "n")) +
		// The transaction's SELECT comes before its MULTI, as in Redis.
		string(multibulk("MULTI")) + string(multibulk("SET", "a", "1")) +
		string(multibulk("SELECT", "3")) + string(multibulk("SET", "b", "2")) + string(multibulk("EXEC"))
	require.Equal(t, want, r.stream(1))
	require.EqualValues(t, len(want), r.Offset)
	require.EqualValues(t, len(want), r.woff[c], "the client's last write")
}

// replicaAt makes a client that asked for a sync and is online at the
// backlog's end.
func replicaAt(t *testing.T, r *Repl, port string) *db.Client {
	t.Helper()
	c := r.testClient("5" + port)
	require.Equal(t, "+OK\r\n", run(r, c, "REPLCONF", "listening-port", port, "capa", "psync2"))
	require.Equal(t, "+CONTINUE "+r.ReplID+"\r\n", run(r, c, "PSYNC", r.ReplID, itoa(r.Offset+1)))
	return c
}

func TestPsyncPartial(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	w := r.testClient("1000")
	run(r, w, "SET", "k", "v")
	all := r.stream(1)

	// Our replid, an offset in the backlog: +CONTINUE and the missing bytes.
	c := r.testClient("40000")
	require.Equal(t, "+OK\r\n", run(r, c, "REPLCONF", "listening-port", "6380"))
	require.Equal(t, "+CONTINUE\r\n"+all[10:], run(r, c, "PSYNC", r.ReplID, "11"))
	require.True(t, c.Flags&db.ClientReplica != 0)
	require.EqualValues(t, 1, r.srv.Stats.SyncPartialOK)
	// It gets the stream from now on.
	run(r, w, "SET", "k", "w")
	require.Equal(t, string(multibulk("SET", "k", "w")), string(c.Buf))
	c.Buf = c.Buf[:0]

	// psync2 replicas learn the replid; the end of the backlog is fine.
	c2 := r.testClient("40001")
	run(r, c2, "REPLCONF", "capa", "eof", "capa", "psync2")
	require.Equal(t, "+CONTINUE "+r.ReplID+"\r\n", run(r, c2, "PSYNC", strings.ToUpper(r.ReplID), itoa(r.Offset+1)))

	// The previous history is valid up to the offset of the promotion.
	r.shiftReplicationID()
	c3 := r.testClient("40002")
	require.Equal(t, "+CONTINUE\r\n", run(r, c3, "PSYNC", r.ReplID2, itoa(r.SecondOffset)))
	require.EqualValues(t, 3, r.srv.Stats.SyncPartialOK)
	require.Equal(t, 3, len(r.replicas))
	info := r.srv.Info("replication")
	// lag is in whole seconds of the clock: 1 if a second began since the
	// replica's last ack.
	require.Regexp(t, `connected_slaves:3\r\nslave0:ip=127\.0\.0\.1,port=6380,state=online,offset=0,lag=[01]\r\n`+
		`slave1:ip=127\.0\.0\.1,port=0,state=online,offset=0,lag=[01]\r\n`, info)
}

func TestPsyncFull(t *testing.T) {
	r := newMaster(t, "repl-diskless-sync-delay 5") // the sync waits for the cron
	oldID := r.ReplID
	for _, tc := range []struct{ replid, offset string }{
		{"?", "-1"},
		{oldID, "1"}, // no backlog yet
		{NewID(), "1"},
	} {
		c := r.testClient("40000")
		run(r, c, "REPLCONF", "capa", "eof")
		require.Equal(t, "", run(r, c, "PSYNC", tc.replid, tc.offset), "the reply waits for the RDB")
		require.True(t, c.Flags&db.ClientReplica != 0)
	}
	require.NotEqual(t, oldID, r.ReplID, "a new backlog, a new history")
	require.NotNil(t, r.backlog)
	require.EqualValues(t, 3, r.srv.Stats.SyncFull)
	require.EqualValues(t, 2, r.srv.Stats.SyncPartialErr, "? is not an error")
	require.Regexp(t, `slave0:ip=127\.0\.0\.1,port=0,state=wait_bgsave,offset=0,lag=[01]\r\n`, r.srv.Info("replication"))

	// Out of the backlog, or past the second id's end: full.
	c := r.testClient("40001")
	run(r, c, "SET", "x", "y")
	run(r, c, "REPLCONF", "capa", "eof")
	require.Equal(t, "", run(r, c, "PSYNC", r.ReplID, itoa(r.Offset+2)))
	r.shiftReplicationID()
	c = r.testClient("40002")
	run(r, c, "REPLCONF", "capa", "eof")
	require.Equal(t, "", run(r, c, "PSYNC", r.ReplID2, itoa(r.SecondOffset+1)))
	require.EqualValues(t, 5, r.srv.Stats.SyncFull)
}

func TestSyncRefusals(t *testing.T) {
	r := newMaster(t)
	c := r.testClient("40000")
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", run(r, c, "PSYNC", "?", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'psync' command\r\n", run(r, c, "PSYNC", "?"))
	require.Equal(t, "+OK\r\n-ERR Command not allowed inside a transaction\r\n",
		run(r, c, "MULTI")+run(r, c, "SYNC"))
	run(r, c, "DISCARD")
	// A reply not yet sent: SYNC must start from clean output.
	c.Buf = c.Buf[:0]
	r.srv.ProcessInput(c, []byte("PING\r\nSYNC\r\n"))
	require.Equal(t, "+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n", string(c.Buf))
	c.Buf = c.Buf[:0]
	c.Conn.(*testConn).outbound = 10
	require.Equal(t, "-ERR SYNC and PSYNC are invalid with pending output\r\n", run(r, c, "SYNC"))

	// A replica whose link is down.
	r.link = &Link{Host: "127.0.0.1", Port: 1}
	r.srv.IsReplica = true
	c = r.testClient("40001")
	require.Equal(t, "-NOMASTERLINK Can't SYNC while not connected with my master\r\n", run(r, c, "PSYNC", "?", "-1"))
	require.Equal(t, "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n",
		run(r, c, "WAIT", "0", "0"))
}

func TestReplconf(t *testing.T) {
	r := newMaster(t)
	c := r.testClient("40000")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"REPLCONF"}, "+OK\r\n"},
		{[]string{"REPLCONF", "a"}, "-ERR syntax error\r\n"},
		{[]string{"REPLCONF", "foo", "bar"}, "-ERR Unrecognized REPLCONF option: foo\r\n"},
		{[]string{"REPLCONF", "listening-port", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"REPLCONF", "rdb-only", "2"}, "-ERR value is out of range, value must between 0 and 1\r\n"},
		{[]string{"REPLCONF", "rdb-filter-only", "x"}, "-ERR Unsupported rdb-filter-only option: x\r\n"},
		{[]string{"REPLCONF", "rdb-filter-only", ""}, "+OK\r\n"},
		{[]string{"PSYNC", "?", "-1"}, "-ERR Filtered replica requires EOF capability\r\n"},
		{[]string{"REPLCONF", "ip-address", strings.Repeat("a", 256)}, "-ERR REPLCONF ip-address provided by replica instance is too long: 256 bytes\r\n"},
		{[]string{"REPLCONF", "capa", "foo", "capa", "eof", "listening-port", "7000", "ip-address", "10.0.0.1"}, "+OK\r\n"},
		{[]string{"REPLCONF", "ack", "5"}, ""}, // not a replica: ignored, no reply
		{[]string{"REPLCONF", "getack", "*"}, ""},
	} {
		require.Equal(t, tc.want, run(r, c, tc.args...), "%v", tc.args)
	}
	rep := c.Repl.(*Replica)
	require.True(t, rep.capaEOF)
	require.Equal(t, "10.0.0.1:7000", rep.name())
}

func TestWaitAndAcks(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	w := r.testClient("1000")
	require.Equal(t, ":0\r\n", run(r, w, "WAIT", "0", "0"))
	require.Equal(t, "-ERR timeout is not an integer or out of range\r\n", run(r, w, "WAIT", "1", "x"))
	require.Equal(t, "-ERR timeout is negative\r\n", run(r, w, "WAIT", "1", "-1"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", run(r, w, "WAIT", "x", "1"))

	rep := replicaAt(t, r, "6380")
	require.Equal(t, ":1\r\n", run(r, w, "WAIT", "1", "0"), "no write yet: offset 0 is acked")
	run(r, w, "SET", "k", "v")
	require.Equal(t, "", run(r, w, "WAIT", "1", "0"))
	require.True(t, w.Flags&db.ClientBlocked != 0)

	run(r, rep, "REPLCONF", "ACK", "3") // not enough
	require.Empty(t, w.Buf)
	require.Equal(t, "", run(r, rep, "REPLCONF", "ACK", itoa(r.Offset)))
	require.Equal(t, ":1\r\n", string(w.Buf))
	require.True(t, w.Flags&db.ClientBlocked == 0)
	require.Empty(t, r.waiting)
	require.Regexp(t, "offset="+itoa(r.Offset)+",lag=[01]\r\n", r.srv.Info("replication"))
}

func TestMinReplicas(t *testing.T) {
	r := newMaster(t, "min-replicas-to-write 1")
	w := r.testClient("1000")
	require.Equal(t, "-NOREPLICAS Not enough good replicas to write.\r\n", run(r, w, "SET", "k", "v"))
	require.Equal(t, "$-1\r\n", run(r, w, "GET", "k"))
	r.ensureBacklog()
	replicaAt(t, r, "6380")
	require.Equal(t, "+OK\r\n", run(r, w, "SET", "k", "v"))
	require.Contains(t, r.srv.Info("replication"), "connected_slaves:1\r\nmin_slaves_good_slaves:1\r\nslave0:")
}

func TestRole(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	w := r.testClient("1000")
	run(r, w, "SET", "k", "v")
	rep := replicaAt(t, r, "6380")
	run(r, rep, "REPLCONF", "ACK", "12")
	require.Equal(t, "*3\r\n$6\r\nmaster\r\n:"+itoa(r.Offset)+"\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n$2\r\n12\r\n", run(r, w, "ROLE"))
}

func TestOutputLimitClosesReplica(t *testing.T) {
	r := newMaster(t, "repl-backlog-size 16384", "client-output-buffer-limit replica 20000 10000 60")
	r.ensureBacklog()
	w := r.testClient("1000")
	rep := replicaAt(t, r, "6380")
	run(r, w, "SET", "k", strings.Repeat("x", 12000)) // over the soft limit: tolerated
	require.False(t, rep.Closing())
	run(r, w, "SET", "k", strings.Repeat("x", 12000)) // over the hard one
	require.True(t, rep.Closing())
	require.Empty(t, r.replicas)
}

// A hard limit under repl-backlog-size counts as that size, as Redis's
// checkClientOutputBufferLimits: a partial resync may hand a replica that
// much of the backlog.
func TestOutputLimitAtLeastBacklogSize(t *testing.T) {
	r := newMaster(t, "repl-backlog-size 65536", "client-output-buffer-limit replica 1000 0 0")
	r.ensureBacklog()
	w := r.testClient("1000")
	rep := replicaAt(t, r, "6380")
	run(r, w, "SET", "k", strings.Repeat("x", 30000))
	require.False(t, rep.Closing())
	run(r, w, "SET", "k", strings.Repeat("x", 40000))
	require.True(t, rep.Closing())
}

func itoa(n int64) string { return string(db.FormatInt(n)) }

func TestCronPingsNewlinesTimeouts(t *testing.T) {
	r := newMaster(t, "repl-diskless-sync-delay 100", "repl-timeout 60")
	r.ensureBacklog()
	online := replicaAt(t, r, "6380")
	waiting := r.testClient("40001")
	run(r, waiting, "REPLCONF", "capa", "eof")
	require.Equal(t, "", run(r, waiting, "PSYNC", "?", "-1"))

	now := time.Now()
	r.cronLoops = 0   // a loop that is a multiple of repl-ping-replica-period
	r.masterCron(now) // loop 0: a PING, counted in the offset
	require.Equal(t, string(multibulk("ping")), string(online.Buf))
	require.Equal(t, "\n", string(waiting.Buf), "a replica waiting for its RDB gets newlines")
	require.EqualValues(t, 14, r.Offset)
	online.Buf, waiting.Buf = online.Buf[:0], waiting.Buf[:0]
	r.masterCron(now.Add(500 * time.Millisecond)) // once a second only
	require.Empty(t, waiting.Buf)

	// A replica silent for longer than repl-timeout is dropped.
	online.Repl.(*Replica).ackTime = now.Add(-61 * time.Second)
	r.masterCron(now.Add(time.Second))
	require.True(t, online.Closing())
	require.Equal(t, 1, len(r.replicas))
	require.Empty(t, string(online.Buf), "loop 1: no PING")
}

func TestBacklogTTL(t *testing.T) {
	r := newMaster(t, "repl-backlog-ttl 10")
	r.ensureBacklog()
	id := r.ReplID
	now := time.Now()
	r.noReplicasSince = now.Add(-10 * time.Second)
	r.masterCron(now)
	require.NotNil(t, r.backlog, "not idle for longer than the ttl yet")
	r.masterCronAt = time.Time{}
	r.noReplicasSince = now.Add(-11 * time.Second)
	r.masterCron(now)
	require.Nil(t, r.backlog)
	require.NotEqual(t, id, r.ReplID, "a new history: the offset stops moving")
	require.Contains(t, r.srv.Info("replication"), "repl_backlog_active:0\r\n")
}

// TestBacklogTTLAfterPromotion: a replica that ran for longer than the ttl
// without replicas of its own keeps its backlog when promoted: the ttl
// counts from the promotion, so that its master's other replicas, which
// Sentinel repoints only seconds later, continue partially with it.
func TestBacklogTTLAfterPromotion(t *testing.T) {
	r := newMaster(t, "repl-backlog-ttl 3600")
	require.WithinDuration(t, time.Now(), r.noReplicasSince, time.Minute, "without replicas since startup")
	r.link = &Link{}
	r.setMasterHost("127.0.0.1", 6379)
	r.ensureBacklog()
	r.noReplicasSince = time.Now().Add(-2 * time.Hour) // a replica for two hours
	r.masterCron(time.Now())
	require.NotNil(t, r.backlog, "a replica keeps its backlog")

	oldID := r.ReplID
	r.unsetMaster()
	now := time.Now()
	r.masterCronAt = time.Time{}
	r.masterCron(now)
	require.NotNil(t, r.backlog, "freed right after the promotion")
	require.Equal(t, oldID, r.ReplID2)
	r.masterCronAt = time.Time{}
	r.masterCron(now.Add(3601 * time.Second))
	require.Nil(t, r.backlog, "the ttl counts from the promotion")
}

func TestPsyncFailoverRequest(t *testing.T) {
	r := newMaster(t)
	c := r.testClient("40000")
	require.Equal(t, "-ERR PSYNC FAILOVER can't be sent to a master.\r\n", run(r, c, "PSYNC", r.ReplID, "1", "FAILOVER"))
	require.Equal(t, "-ERR FAILOVER requires connected replicas.\r\n", run(r, c, "FAILOVER"))
	require.Equal(t, "-ERR No failover in progress.\r\n", run(r, c, "FAILOVER", "ABORT"))
	require.Contains(t, r.srv.Info("replication"), "master_failover_state:no-failover\r\n")

	r.ensureBacklog()
	replicaAt(t, r, "6380")
	require.Equal(t, "+OK\r\n", run(r, c, "FAILOVER", "TIMEOUT", "60000"))
	require.Contains(t, r.srv.Info("replication"), "master_failover_state:waiting-for-sync\r\n")
	require.True(t, r.srv.ClientsPaused())
	require.Equal(t, "-ERR FAILOVER already in progress.\r\n", run(r, c, "FAILOVER"))
	require.Equal(t, "-NOMASTERLINK Can't SYNC while failing over\r\n", run(r, r.testClient("40001"), "PSYNC", "?", "-1"))
	require.Equal(t, "+OK\r\n", run(r, c, "FAILOVER", "ABORT"))
	require.False(t, r.srv.ClientsPaused())
	require.Contains(t, r.srv.Info("replication"), "master_failover_state:no-failover\r\n")
}

func TestReplicaMustNotGetReplies(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	for _, cmd := range [][]string{{"GET", "k"}, {"PING"}, {"NOSUCHCOMMAND"}} {
		rep := replicaAt(t, r, "6380")
		require.Equal(t, "", run(r, rep, cmd...), "%v", cmd)
		require.True(t, rep.Closing(), "%v", cmd)
	}
	require.Empty(t, r.replicas)
}

// mfCluster is cluster mode with a CLUSTER FAILOVER under way or not.
type mfCluster struct{ inProgress bool }

func (mfCluster) Redirect(*db.Client) string                { return "" }
func (mfCluster) Info(*strings.Builder)                     {}
func (mfCluster) RedirectBlocked(*db.Client, []byte) string { return "" }
func (m mfCluster) ManualFailoverInProgress() bool          { return m.inProgress }

// While a CLUSTER FAILOVER has the master paused, the cron sends its
// replicas no PING: it would move the offset the replica must reach, and
// the failover would time out (Redis's manual_failover_in_progress).
func TestCronNoPingDuringClusterFailover(t *testing.T) {
	r := newMaster(t)
	r.ensureBacklog()
	online := replicaAt(t, r, "6380")
	r.srv.Cluster = mfCluster{inProgress: true}
	r.srv.PauseClients(time.Now().Add(time.Minute), true)
	now := time.Now()
	r.cronLoops = 0
	r.masterCron(now)
	require.Empty(t, string(online.Buf))
	require.EqualValues(t, 0, r.Offset)

	r.srv.Cluster = mfCluster{}
	r.masterCronAt, r.cronLoops = time.Time{}, 0
	r.masterCron(now)
	require.Equal(t, string(multibulk("ping")), string(online.Buf), "no failover: the PING")
}
