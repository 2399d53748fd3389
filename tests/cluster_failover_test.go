package tests

// Failover in cluster mode (issue 15): a master killed with SIGKILL is
// replaced by its replica within about twice the node timeout and the
// cluster is ok again with every acknowledged key; the old master comes
// back as a replica of the new one; CLUSTER FAILOVER (plain, FORCE,
// TAKEOVER) moves a master's role without losing an acknowledged write.
// Clusters of our nodes, and mixed with real Redis 7.0 nodes, where each
// kind must win an election with the other kind's votes.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// failoverNodeTimeout is the cluster-node-timeout of these tests, in ms.
const failoverNodeTimeout = 2000

// failoverBound is how long a replica may take to replace its killed
// master. Redis's own estimate is about twice the node timeout: the node
// timeout until the master is PFAIL, up to half of it more for the
// failure reports of a majority to reach the replica by gossip (every
// node pings every other within half the timeout), then the election's
// fixed delay of 500 ms plus up to 500 ms at random (rank #0). The extra
// 1.5 s covers the cron's 100 ms granularity at each step and the race
// detector's slowdown.
const failoverBound = 2*failoverNodeTimeout*time.Millisecond + 1500*time.Millisecond

// failoverCluster is a cluster built so that replicas[i] replicates
// masters[i], and each of extra replicates masters[0].
type failoverCluster struct {
	masters, replicas, extra []*replNode
}

func (fc *failoverCluster) all() []*replNode {
	return append(append(append([]*replNode(nil), fc.masters...), fc.replicas...), fc.extra...)
}

// replicasOf are the replicas of masters[i] as built.
func (fc *failoverCluster) replicasOf(i int) []*replNode {
	rs := []*replNode{fc.replicas[i]}
	if i == 0 {
		rs = append(rs, fc.extra...)
	}
	return rs
}

// startFailoverCluster starts one master per entry of masterBins ("" for
// ours), creates the cluster over them with redis-cli, then adds one
// replica per entry of replicaBins to the master of the same index, and
// one per entry of extraBins to the first master, with redis-cli
// --cluster add-node --cluster-slave.
func startFailoverCluster(t *testing.T, masterBins, replicaBins, extraBins []string) *failoverCluster {
	t.Helper()
	fc := &failoverCluster{}
	args := []string{"--cluster-node-timeout", strconv.Itoa(failoverNodeTimeout)}
	for _, bin := range masterBins {
		fc.masters = append(fc.masters, startClusterNode(t, bin, args...))
	}
	for _, bin := range replicaBins {
		fc.replicas = append(fc.replicas, startClusterNode(t, bin, args...))
	}
	for _, bin := range extraBins {
		fc.extra = append(fc.extra, startClusterNode(t, bin, args...))
	}
	createCluster(t, fc.masters, 0)
	add := func(r, m *replNode) {
		waitClusterAgree(t, fc.masters[0].Addr())
		out, errOut, err := runTool(t, clusterTimeout, "", "redis-cli", "--cluster", "add-node", r.Addr(),
			fc.masters[0].Addr(), "--cluster-slave", "--cluster-master-id", nodeID(t, m))
		require.NoError(t, err, "redis-cli --cluster add-node:\n%s\n%s", out, errOut)
	}
	for i, r := range fc.replicas {
		add(r, fc.masters[i])
	}
	for _, r := range fc.extra {
		add(r, fc.masters[0])
	}
	for i := range fc.masters {
		for _, r := range fc.replicasOf(i) {
			waitClusterReplicaOf(t, r, fc.masters[i], clusterTimeout)
		}
	}
	waitClusterOK(t, fc.all())
	return fc
}

// nodeID is CLUSTER MYID of n, waiting while n answers -LOADING (a replica
// loading its full sync refuses CLUSTER, as Redis's does).
func nodeID(t *testing.T, n *replNode) string {
	t.Helper()
	var id string
	waitFor(t, clusterTimeout, "CLUSTER MYID of "+n.Addr(), func() (bool, string) {
		var err error
		id, err = n.c.Do(context.Background(), "CLUSTER", "MYID").Text()
		if err != nil && strings.HasPrefix(err.Error(), "LOADING") {
			return false, err.Error()
		}
		require.NoError(t, err)
		return true, ""
	})
	return id
}

// roleOf is the first element of ROLE, "" when the node does not answer.
func roleOf(n *replNode) string {
	role, err := n.c.Do(context.Background(), "ROLE").Slice()
	if err != nil || len(role) == 0 {
		return ""
	}
	s, _ := role[0].(string)
	return s
}

// nodesLine is the line of CLUSTER NODES, as seen by n, about the node
// named id, split in fields.
func nodesLine(n *replNode, id string) ([]string, error) {
	out, err := n.c.ClusterNodes(context.Background()).Result()
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) >= 8 && f[0] == id {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%.40s not in CLUSTER NODES", id)
}

// waitClusterReplicaOf waits until r replicates m with its link up, by ROLE and
// by CLUSTER NODES as r sees itself.
func waitClusterReplicaOf(t *testing.T, r, m *replNode, d time.Duration) {
	t.Helper()
	rid, mid := nodeID(t, r), nodeID(t, m)
	waitFor(t, d, fmt.Sprintf("%s to replicate %s", r.Addr(), m.Addr()), func() (bool, string) {
		role, err := r.c.Do(context.Background(), "ROLE").Slice()
		if err != nil {
			return false, err.Error()
		}
		f, err := nodesLine(r, rid)
		if err != nil {
			return false, err.Error()
		}
		ok := len(role) >= 4 && role[0] == "slave" && fmt.Sprint(role[2]) == strconv.Itoa(m.Port) &&
			role[3] == "connected" && strings.Contains(f[2], "slave") && f[3] == mid
		return ok, fmt.Sprintf("ROLE %v; CLUSTER NODES %v", role, f)
	})
}

// waitMaster waits until n is a master, by ROLE and by CLUSTER NODES as
// each of views sees it, with slots.
func waitMaster(t *testing.T, n *replNode, d time.Duration, views ...*replNode) {
	t.Helper()
	id := nodeID(t, n)
	waitFor(t, d, fmt.Sprintf("%s to be a master", n.Addr()), func() (bool, string) {
		if role := roleOf(n); role != "master" {
			return false, "ROLE " + role
		}
		for _, v := range views {
			f, err := nodesLine(v, id)
			if err != nil {
				return false, err.Error()
			}
			if !strings.Contains(f[2], "master") || len(f) < 9 {
				return false, fmt.Sprintf("%s sees %v", v.Addr(), f)
			}
		}
		return true, ""
	})
}

// waitSeenAsReplica waits until every node of views sees r as a replica
// of m in CLUSTER NODES: before that, a master refuses r's request for
// its vote ("it is a master node").
func waitSeenAsReplica(t *testing.T, r, m *replNode, views []*replNode) {
	t.Helper()
	rid, mid := nodeID(t, r), nodeID(t, m)
	waitFor(t, clusterTimeout, fmt.Sprintf("every node to see %s as a replica of %s", r.Addr(), m.Addr()), func() (bool, string) {
		for _, v := range views {
			f, err := nodesLine(v, rid)
			if err != nil {
				return false, err.Error()
			}
			if !strings.Contains(f[2], "slave") || f[3] != mid {
				return false, fmt.Sprintf("%s sees %v", v.Addr(), f)
			}
		}
		return true, ""
	})
}

// waitStateOK waits until every node of nodes says cluster_state:ok.
func waitStateOK(t *testing.T, nodes []*replNode, d time.Duration) {
	t.Helper()
	waitFor(t, d, "cluster_state:ok on every live node", func() (bool, string) {
		var states []string
		ok := true
		for _, n := range nodes {
			info, err := n.c.ClusterInfo(context.Background()).Result()
			if err != nil {
				return false, err.Error()
			}
			state := field(info, "cluster_state")
			states = append(states, n.Addr()+" "+state)
			ok = ok && state == "ok"
		}
		return ok, strings.Join(states, "; ")
	})
}

func newClusterClient(nodes []*replNode) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs(nodes), MaxRedirects: 16,
		ReadTimeout: 5 * time.Second})
}

// writeAndSettle writes n keys through a ClusterClient and waits until
// every replica has processed its master's whole stream.
func writeAndSettle(t *testing.T, fc *failoverCluster, n int) {
	t.Helper()
	ctx := context.Background()
	cc := newClusterClient(fc.all())
	defer cc.Close()
	for i := 0; i < n; i++ {
		require.NoError(t, cc.Set(ctx, fmt.Sprint("key:", i), i, 0).Err())
	}
	for i, m := range fc.masters {
		waitSynced(t, m, fc.replicasOf(i)...)
	}
}

// readAll reads the n keys of writeAndSettle back through a ClusterClient
// that knows only live.
func readAll(t *testing.T, live []*replNode, n int) {
	t.Helper()
	ctx := context.Background()
	cc := newClusterClient(live)
	defer cc.Close()
	for i := 0; i < n; i++ {
		got, err := cc.Get(ctx, fmt.Sprint("key:", i)).Result()
		require.NoError(t, err, "key:%d", i)
		require.Equal(t, strconv.Itoa(i), got, "key:%d", i)
	}
}

// killAndFailOver kills master i with SIGKILL, waits for one of its
// replicas to take over and the live nodes to agree, and returns the
// winner. The other replicas of master i must follow the winner.
func (fc *failoverCluster) killAndFailOver(t *testing.T, i int, live []*replNode) *replNode {
	t.Helper()
	killed := time.Now()
	kill9(fc.masters[i].server)
	candidates := fc.replicasOf(i)
	var winner *replNode
	waitFor(t, clusterTimeout, "a replica to win the election", func() (bool, string) {
		var roles []string
		for _, r := range candidates {
			role := roleOf(r)
			if role == "master" {
				winner = r
				return true, ""
			}
			roles = append(roles, role)
		}
		return false, strings.Join(roles, ", ")
	})
	took := time.Since(killed)
	t.Logf("%s replaced %s after %v", winner.Addr(), fc.masters[i].Addr(), took)
	for _, line := range strings.Split(winner.output(), "\n") {
		if strings.Contains(line, "election") || strings.Contains(line, "FAIL message") {
			t.Logf("%d: %s", winner.Port, line)
		}
	}
	require.LessOrEqual(t, took, failoverBound, "the failover took longer than twice the node timeout plus a margin")
	waitMaster(t, winner, clusterTimeout, live...)
	for _, r := range candidates {
		if r != winner {
			waitClusterReplicaOf(t, r, winner, clusterTimeout)
		}
	}
	waitStateOK(t, live, clusterTimeout)
	return winner
}

func without(nodes []*replNode, gone ...*replNode) []*replNode {
	var live []*replNode
	for _, n := range nodes {
		keep := true
		for _, g := range gone {
			keep = keep && n != g
		}
		if keep {
			live = append(live, n)
		}
	}
	return live
}

// TestClusterFailoverKill9: our master, with two replicas, killed; one
// replica replaces it with every key and the other follows it, partially
// (the winner's replid2 is the old master's history). The old master,
// restarted from its RDB, rejoins as a replica of the new one; restarted
// again as a replica, it continues partially.
func TestClusterFailoverKill9(t *testing.T) {
	fc := startFailoverCluster(t, []string{"", "", ""}, []string{"", "", ""}, []string{""})
	ctx := context.Background()
	const keys = 1000
	writeAndSettle(t, fc, keys)
	old := fc.masters[0]
	require.NoError(t, old.c.Save(ctx).Err())

	live := without(fc.all(), old)
	winner := fc.killAndFailOver(t, 0, live)
	readAll(t, live, keys)
	waitLog(t, winner.server, "Partial resynchronization request from")

	// The old master comes back with its nodes.conf and its RDB: the
	// cluster's newer epoch makes it a replica of its replacement. As a
	// master at startup it keeps the RDB's history as replid2 only, and
	// asks for a partial resynchronization under its new replid: a full
	// one follows, as in Redis 7.0.
	clusterArgs := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.Itoa(failoverNodeTimeout), "--appendonly", "no"}
	again := restartNode(t, old, clusterArgs...)
	waitClusterReplicaOf(t, again, winner, clusterTimeout)
	waitSynced(t, winner, again)
	waitLog(t, winner.server, "Partial resynchronization not accepted: Replication ID mismatch")
	all := append(live, again)
	waitStateOK(t, all, clusterTimeout)
	readAll(t, all, keys)

	// A replica restarted from its RDB is a replica from nodes.conf on:
	// the RDB's replid and offset are its master's, and it continues
	// partially with what its master's backlog kept meanwhile.
	require.NoError(t, again.c.Save(ctx).Err())
	kill9(again.server)
	cc := newClusterClient(live)
	defer cc.Close()
	for i := 0; i < 100; i++ {
		require.NoError(t, cc.Set(ctx, fmt.Sprint("while:", i), i, 0).Err())
	}
	again = restartNode(t, again, clusterArgs...)
	waitClusterReplicaOf(t, again, winner, clusterTimeout)
	waitSynced(t, winner, again)
	waitLog(t, again.server, "Successful partial resynchronization with master.")
	requireSameDigest(t, winner, again)
}

// writer writes keys continuously through a ClusterClient and records
// those acknowledged.
type writer struct {
	cc    *redis.ClusterClient
	acked sync.Map
	count atomic.Int64
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex // held while paused
}

// pause returns once no write is in flight, and holds the next.
func (w *writer) pause() { w.mu.Lock() }

func (w *writer) resume() { w.mu.Unlock() }

func startWriter(nodes []*replNode, prefix string) *writer {
	w := &writer{cc: newClusterClient(nodes), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		ctx := context.Background()
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			k := fmt.Sprintf("%s:%d", prefix, i)
			w.mu.Lock()
			if w.cc.Set(ctx, k, i, 0).Err() == nil {
				w.acked.Store(k, strconv.Itoa(i))
				w.count.Add(1)
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// waitWrites waits until n more writes were acknowledged.
func (w *writer) waitWrites(t *testing.T, n int64) {
	t.Helper()
	want := w.count.Load() + n
	waitFor(t, clusterTimeout, "acknowledged writes", func() (bool, string) {
		got := w.count.Load()
		return got >= want, fmt.Sprintf("%d of %d", got, want)
	})
}

// finish stops the writer and checks every acknowledged key through a
// ClusterClient that knows only live.
func (w *writer) finish(t *testing.T, live []*replNode) int64 {
	t.Helper()
	close(w.stop)
	<-w.done
	w.cc.Close()
	cc := newClusterClient(live)
	defer cc.Close()
	ctx := context.Background()
	w.acked.Range(func(k, v any) bool {
		got, err := cc.Get(ctx, k.(string)).Result()
		require.NoError(t, err, "acknowledged key %s", k)
		require.Equal(t, v, got, "acknowledged key %s", k)
		return true
	})
	return w.count.Load()
}

// TestClusterFailoverManual: CLUSTER FAILOVER under a continuous write
// load swaps the roles without losing an acknowledged write; FORCE and
// TAKEOVER swap them back and forth too.
func TestClusterFailoverManual(t *testing.T) {
	fc := startFailoverCluster(t, []string{"", "", ""}, []string{"", "", ""}, nil)
	all := fc.all()
	m, r := fc.masters[0], fc.replicas[0]
	manualFailover(t, all, m, r, "")
	manualFailover(t, all, r, m, "FORCE")
	manualFailover(t, all, m, r, "TAKEOVER")
}

// manualFailover runs CLUSTER FAILOVER [option] on to, a replica of
// from, while a client writes through a ClusterClient, and checks that
// the roles swap and that every acknowledged write is there. FORCE and
// TAKEOVER do not wait for the master's stream (a write the master
// acknowledges meanwhile may be lost, in Redis too): the writes pause
// until the replica has them all.
func manualFailover(t *testing.T, all []*replNode, from, to *replNode, option string) {
	t.Helper()
	ctx := context.Background()
	w := startWriter(all, "mf:"+from.Addr()+":"+option)
	w.waitWrites(t, 200)
	args := []any{"CLUSTER", "FAILOVER"}
	if option != "" {
		w.pause()
		waitSynced(t, from, to)
		args = append(args, option)
	}
	partial := fmt.Sprintf("Partial resynchronization request from %s accepted", from.Addr())
	before := strings.Count(to.output(), partial)
	start := time.Now()
	require.NoError(t, to.c.Do(ctx, args...).Err(), "CLUSTER FAILOVER %s", option)
	waitFor(t, clusterTimeout, fmt.Sprintf("CLUSTER FAILOVER %s to promote %s", option, to.Addr()), func() (bool, string) {
		toRole, _ := to.c.Do(ctx, "ROLE").Slice()
		fromRole, _ := from.c.Do(ctx, "ROLE").Slice()
		return len(toRole) > 0 && toRole[0] == "master", fmt.Sprintf("ROLE of %s: %v; of %s: %v", to.Addr(), toRole, from.Addr(), fromRole)
	})
	waitMaster(t, to, clusterTimeout, all...)
	waitClusterReplicaOf(t, from, to, clusterTimeout)
	waitSeenAsReplica(t, from, to, all)
	// The old master had nothing the new one lacks: it continues partially.
	waitFor(t, syncTimeout, fmt.Sprintf("%q in the log", partial), func() (bool, string) {
		return strings.Count(to.output(), partial) > before, "not there yet"
	})
	t.Logf("CLUSTER FAILOVER %s on %s: roles swapped after %v", option, to.Addr(), time.Since(start))
	if option != "" {
		w.resume()
	}
	w.waitWrites(t, 200)
	waitStateOK(t, all, clusterTimeout)
	n := w.finish(t, all)
	t.Logf("CLUSTER FAILOVER %s on %s: %d acknowledged writes, all there", option, to.Addr(), n)
}

// TestClusterFailoverMixed: CLUSTER FAILOVER from our replica of a real
// master, and back from the real one. Then a real Redis replica of our
// killed master wins the election with the votes of a real master and of
// ours; then our replica of a killed real master wins with the votes of
// the promoted real node and of our master.
func TestClusterFailoverMixed(t *testing.T) {
	redisBin := tool(t, "redis-server")
	fc := startFailoverCluster(t, []string{"", redisBin, ""}, []string{redisBin, "", ""}, nil)
	const keys = 1000
	writeAndSettle(t, fc, keys)
	manualFailover(t, fc.all(), fc.masters[1], fc.replicas[1], "")
	manualFailover(t, fc.all(), fc.replicas[1], fc.masters[1], "")
	writeAndSettle(t, fc, keys)

	live := without(fc.all(), fc.masters[0])
	fc.killAndFailOver(t, 0, live)
	readAll(t, live, keys)

	live = without(live, fc.masters[1])
	fc.killAndFailOver(t, 1, live)
	readAll(t, live, keys)
}
