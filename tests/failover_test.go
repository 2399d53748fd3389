package tests

// Failover: a replica promoted with REPLICAOF NO ONE keeps the old history
// as replid2, so the other replica and the demoted master continue
// partially with it; chained replicas share the top master's replid; and
// the FAILOVER command, when the server has it.

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromoteAndRepoint: A is promoted, B and then the old master follow
// A, each with a partial resynchronization, even when B comes seconds
// later, as it does when Sentinel repoints it.
func TestPromoteAndRepoint(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	populate(t, master.c)
	a := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	b := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, a, b)
	old := infoMap(t, master.c, "replication")
	oldID, oldOffset := old["master_replid"], old["master_repl_offset"]
	o, err := strconv.ParseInt(oldOffset, 10, 64)
	require.NoError(t, err)

	require.NoError(t, a.c.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	info := infoMap(t, a.c, "replication")
	assert.Equal(t, "master", info["role"])
	assert.NotEqual(t, oldID, info["master_replid"])
	assert.Equal(t, oldID, info["master_replid2"])
	assert.Equal(t, oldOffset, info["master_repl_offset"])
	assert.Equal(t, strconv.FormatInt(o+1, 10), info["second_repl_offset"])
	newID := info["master_replid"]
	assert.Equal(t, "", a.configGet(t, "replicaof"))
	// Sentinel repoints the other replicas only after its next INFO of
	// the promoted one, a second or more later: the new master keeps its
	// backlog (repl-backlog-ttl counts from the promotion) across the
	// replication cron's ticks in between.
	holdFor(t, 2500*time.Millisecond, "the promoted replica to keep its backlog", func() (bool, string) {
		info, err := a.c.Info(ctx, "replication").Result()
		if err != nil {
			return false, err.Error()
		}
		active, id2 := field(info, "repl_backlog_active"), field(info, "master_replid2")
		return active == "1" && id2 == oldID, "repl_backlog_active:" + active + " master_replid2:" + id2
	})
	require.NoError(t, a.c.Set(ctx, "written", "on the new master", 0).Err())

	replicaOf(t, b, a.Addr())
	waitSynced(t, a, b)
	waitLog(t, b.server, "Successful partial resynchronization with master.")
	bInfo := infoMap(t, b.c, "replication")
	assert.Equal(t, newID, bInfo["master_replid"])
	assert.Equal(t, oldID, bInfo["master_replid2"])
	stats := infoMap(t, a.c, "stats")
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, "0", stats["sync_full"])

	// The old master had no write since: it continues too.
	replicaOf(t, master, a.Addr())
	waitSynced(t, a, b, master)
	waitLog(t, master.server, "Successful partial resynchronization with master.")
	stats = infoMap(t, a.c, "stats")
	assert.Equal(t, "2", stats["sync_partial_ok"])
	assert.Equal(t, "0", stats["sync_full"])

	require.NoError(t, a.c.Incr(ctx, "after").Err())
	waitSynced(t, a, b, master)
	requireSameDigest(t, a, b, master)
	assert.Equal(t, "on the new master", master.c.Get(ctx, "written").Val())
}

// holdFor checks cond every 20 ms for d, and fails the test as soon as it
// does not hold: what must not happen can only be watched for a while.
func holdFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok, state := cond(); !ok {
			t.Fatalf("%s: it stopped after %v; state: %s", what, d-time.Until(deadline), state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChainedReplication: C replicates from B, which replicates from the
// master. B passes the master's stream on unchanged: C has the master's
// replid and offset.
func TestChainedReplication(t *testing.T) {
	master := startNode(t, "")
	populate(t, master.c)
	b := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	c := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(b.Port))
	waitSynced(t, master, b, c)
	requireSameDigest(t, master, b, c)

	stop := writeLoad(t, master)
	time.Sleep(300 * time.Millisecond)
	stop()
	waitSynced(t, master, b, c)
	requireSameDigest(t, master, b, c)
	id := infoMap(t, master.c, "replication")["master_replid"]
	assert.Equal(t, id, infoMap(t, b.c, "replication")["master_replid"])
	assert.Equal(t, id, infoMap(t, c.c, "replication")["master_replid"])
	bInfo := infoMap(t, b.c, "replication")
	assert.Equal(t, "slave", bInfo["role"])
	assert.Equal(t, "1", bInfo["connected_slaves"])
	assert.Equal(t, "1", infoMap(t, master.c, "replication")["connected_slaves"])
}

// skipWithoutFailover skips a test when the server under test has no
// FAILOVER command: COMMAND INFO answers nil for it.
func skipWithoutFailover(t *testing.T, n *replNode) {
	if v, err := n.c.Do(context.Background(), "COMMAND", "INFO", "failover").Slice(); err != nil || len(v) == 0 || v[0] == nil {
		t.Skip("FAILOVER is not implemented by the server under test")
	}
}

// TestFailoverErrors: FAILOVER's argument and state checks, in Redis's
// order and words.
func TestFailoverErrors(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	skipWithoutFailover(t, master)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"FAILOVER"}, "ERR FAILOVER requires connected replicas."},
		{[]any{"FAILOVER", "TO", "127.0.0.1", 1}, "ERR FAILOVER requires connected replicas."},
		{[]any{"FAILOVER", "ABORT"}, "ERR No failover in progress."},
		{[]any{"FAILOVER", "TIMEOUT", -1}, "ERR FAILOVER timeout must be greater than 0"},
		{[]any{"FAILOVER", "BOGUS"}, "ERR syntax error"},
	} {
		assert.EqualError(t, master.c.Do(ctx, tc.args...).Err(), tc.want, "%v", tc.args)
	}
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, replica)
	waitAcked(t, master, 1)
	assert.EqualError(t, master.c.Do(ctx, "FAILOVER", "TO", "127.0.0.1", freePort(t)).Err(),
		"ERR FAILOVER target HOST and PORT is not a replica.")
	assert.EqualError(t, master.c.Do(ctx, "FAILOVER", "TO", "127.0.0.1", replica.Port, "FORCE").Err(),
		"ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
	assert.EqualError(t, replica.c.Do(ctx, "FAILOVER").Err(), "ERR FAILOVER is not valid when server is a replica.")
	assert.Equal(t, "no-failover", infoMap(t, master.c, "replication")["master_failover_state"])
}

// TestFailoverCommand: FAILOVER TO hands the master role to a replica
// without losing a write; the old master becomes its replica with a
// partial resynchronization.
func TestFailoverCommand(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	skipWithoutFailover(t, master)
	populate(t, master.c)
	a := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	b := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, a, b)
	assert.EqualError(t, a.c.Do(ctx, "FAILOVER").Err(), "ERR FAILOVER is not valid when server is a replica.")

	require.NoError(t, master.c.Do(ctx, "FAILOVER", "TO", "127.0.0.1", a.Port, "TIMEOUT", 5000).Err())
	waitFor(t, syncTimeout, "the failover to end", func() (bool, string) {
		m := infoMap(t, master.c, "replication")
		ai := infoMap(t, a.c, "replication")
		done := m["role"] == "slave" && m["master_port"] == strconv.Itoa(a.Port) &&
			m["master_failover_state"] == "no-failover" && ai["role"] == "master"
		return done, "old master: role " + m["role"] + " failover " + m["master_failover_state"] + "; a: role " + ai["role"]
	})
	require.NoError(t, a.c.Set(ctx, "after", "failover", 0).Err())
	waitSynced(t, a, master, b)
	requireSameDigest(t, a, master, b)
	stats := infoMap(t, a.c, "stats")
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, "0", stats["sync_full"])
	assert.Equal(t, "failover", b.c.Get(ctx, "after").Val())
}

// TestFailoverTargetRejectsPsync: a FAILOVER whose target refuses our
// PSYNC (its default user lacks +psync) is aborted, as Redis: we stay the
// master with our data, never fall back to a SYNC that would replace it
// with the target's, and our replicas continue with us partially.
func TestFailoverTargetRejectsPsync(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, "")
	target := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitSynced(t, master, target)
	populate(t, master.c)
	waitSynced(t, master, target)
	before := infoMap(t, master.c, "stats")["sync_partial_ok"]
	require.NoError(t, target.c.Do(ctx, "ACL", "SETUSER", "default", "-psync").Err())
	require.NoError(t, master.c.Do(ctx, "FAILOVER", "TO", "127.0.0.1", strconv.Itoa(target.Port)).Err())
	waitFor(t, 10*time.Second, "the failover to end", func() (bool, string) {
		info := master.c.Info(ctx, "replication").Val()
		return field(info, "master_failover_state") == "no-failover", info
	})
	require.NoError(t, target.c.Do(ctx, "ACL", "SETUSER", "default", "+psync").Err())
	require.Equal(t, "master", master.c.Do(ctx, "ROLE").Val().([]any)[0])
	waitSynced(t, master, target)
	assert.Contains(t, master.output(), "FAILOVER to 127.0.0.1:"+strconv.Itoa(target.Port)+" aborted: Failover target rejected psync request")
	assert.NotContains(t, master.output(), "Retrying with SYNC")
	assert.Equal(t, "0", infoMap(t, target.c, "stats")["sync_full"], "the old master took a full sync from the target")
	after, _ := strconv.Atoi(infoMap(t, master.c, "stats")["sync_partial_ok"])
	b, _ := strconv.Atoi(before)
	assert.Equal(t, 1, after-b, "the replica continues partially")
	requireSameDigest(t, master, target)
}
