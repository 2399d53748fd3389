package tests

// Resharding a live cluster with redis-cli, as an operator would: slots
// move between masters (CLUSTER SETSLOT IMPORTING / MIGRATING / NODE,
// GETKEYSINSLOT, MIGRATE with RESTORE-ASKING) while a client keeps
// writing and reading through go-redis's ClusterClient, which follows the
// MOVED and ASK redirections. No acknowledged write may be lost, no read
// may see a wrong value, and every master must end up holding exactly the
// keys of its slots. The clusters are of our nodes only, and mixed with
// real Redis 7.0 masters, so that keys move both ways between the two.
// A one-node cluster checks the script flags and FAILOVER's refusal
// against real Redis.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// reshardSlots is how many slots a redis-cli --cluster reshard moves
// between real Redis and ours, and between our own nodes (then
// rebalanced): about 10 round trips each, slow on a server built with
// -race, so fewer when all the nodes are ours.
const reshardSlots, reshardSlotsOurs = 2000, 500

// reshardNodeTimeout is the nodes' cluster-node-timeout: a loaded test
// machine must not make them fail over while the slots move.
const reshardNodeTimeout = "15000"

// clusterTraffic writes k_i = i for i = 0, 1, ... through a ClusterClient,
// reads each key back, and rereads an earlier acknowledged one, until
// stopped.
type clusterTraffic struct {
	cc       *redis.ClusterClient
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	acked    []int    // the i whose SET was acknowledged
	attempts int      // SETs sent
	wrong    []string // reads that returned a wrong value
	errs     []string // commands that failed
}

func startTraffic(nodes []*replNode) *clusterTraffic {
	tr := &clusterTraffic{
		cc:   redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs(nodes), MaxRedirects: 16}),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go tr.run()
	return tr
}

func (tr *clusterTraffic) run() {
	defer close(tr.done)
	ctx := context.Background()
	for i := 0; ; i++ {
		select {
		case <-tr.stop:
			return
		default:
		}
		key := fmt.Sprint("k_", i)
		err := tr.cc.Set(ctx, key, i, 0).Err()
		tr.mu.Lock()
		tr.attempts++
		if err == nil {
			tr.acked = append(tr.acked, i)
		} else {
			tr.errs = append(tr.errs, fmt.Sprintf("SET %s: %v", key, err))
		}
		tr.mu.Unlock()
		if err == nil {
			tr.check(ctx, i)
		}
		tr.mu.Lock()
		j := -1
		if len(tr.acked) > 0 {
			j = tr.acked[rand.IntN(len(tr.acked))]
		}
		tr.mu.Unlock()
		if j >= 0 {
			tr.check(ctx, j)
		}
	}
}

// check reads k_i, whose write was acknowledged.
func (tr *clusterTraffic) check(ctx context.Context, i int) {
	key := fmt.Sprint("k_", i)
	v, err := tr.cc.Get(ctx, key).Result()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	switch {
	case errors.Is(err, redis.Nil):
		tr.wrong = append(tr.wrong, fmt.Sprintf("GET %s: nil", key))
	case err != nil:
		tr.errs = append(tr.errs, fmt.Sprintf("GET %s: %v", key, err))
	case v != strconv.Itoa(i):
		tr.wrong = append(tr.wrong, fmt.Sprintf("GET %s: %q", key, v))
	}
}

// finish stops the traffic and checks what it saw, then that every
// acknowledged write is there.
func (tr *clusterTraffic) finish(t *testing.T) {
	t.Helper()
	close(tr.stop)
	select {
	case <-tr.done:
	case <-time.After(clusterTimeout):
		t.Fatal("the traffic did not stop")
	}
	defer tr.cc.Close()
	t.Logf("%d writes, %d acknowledged", tr.attempts, len(tr.acked))
	require.Empty(t, tr.wrong, "wrong reads")
	require.Empty(t, tr.errs, "failed commands")
	require.NotEmpty(t, tr.acked)

	ctx := context.Background()
	for start := 0; start < len(tr.acked); start += 1000 {
		batch := tr.acked[start:min(start+1000, len(tr.acked))]
		cmds, err := tr.cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range batch {
				p.Get(ctx, fmt.Sprint("k_", i))
			}
			return nil
		})
		require.NoError(t, err)
		for n, cmd := range cmds {
			require.Equal(t, strconv.Itoa(batch[n]), cmd.(*redis.StringCmd).Val(), "k_%d", batch[n])
		}
	}
}

// clusterMasters returns the masters among nodes, in order, and every
// node's ID.
func clusterMasters(t *testing.T, nodes []*replNode) (masters []*replNode, ids map[*replNode]string) {
	t.Helper()
	ctx := context.Background()
	ids = map[*replNode]string{}
	for _, n := range nodes {
		id, err := n.c.Do(ctx, "CLUSTER", "MYID").Text()
		require.NoError(t, err)
		ids[n] = id
		role, err := n.c.Do(ctx, "ROLE").Slice()
		require.NoError(t, err)
		if role[0] == "master" {
			masters = append(masters, n)
		}
	}
	return masters, ids
}

// reshard runs redis-cli --cluster with args against nodes[0], then waits
// for the cluster to settle.
func reshard(t *testing.T, nodes []*replNode, args ...string) {
	t.Helper()
	full := append([]string{"--cluster"}, args[0], nodes[0].Addr())
	full = append(full, args[1:]...)
	start := time.Now()
	out, errOut, err := runTool(t, 2*clusterTimeout, "", "redis-cli", full...)
	require.NoError(t, err, "redis-cli %s:\n%s\n%s", strings.Join(full, " "), out, errOut)
	require.NotContains(t, out, "[ERR]", "redis-cli %s:\n%s", strings.Join(full, " "), out)
	t.Logf("redis-cli --cluster %s: %v", args[0], time.Since(start).Round(time.Millisecond))
	waitClusterOK(t, nodes)
}

// requireKeysInOwnSlots checks that each master holds exactly the keys of
// the slots it serves (the sum of CLUSTER COUNTKEYSINSLOT over them is
// its DBSIZE), that the masters together hold between the acknowledged
// and the attempted writes, and that the replicas caught up.
func requireKeysInOwnSlots(t *testing.T, nodes []*replNode, tr *clusterTraffic) {
	t.Helper()
	ctx := context.Background()
	masters, ids := clusterMasters(t, nodes)
	slots, err := nodes[0].c.ClusterSlots(ctx).Result()
	require.NoError(t, err)
	total := int64(0)
	for _, m := range masters {
		var counts []*redis.IntCmd
		_, err := m.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, r := range slots {
				if r.Nodes[0].ID != ids[m] {
					continue
				}
				for s := r.Start; s <= r.End; s++ {
					counts = append(counts, p.ClusterCountKeysInSlot(ctx, s))
				}
			}
			return nil
		})
		require.NoError(t, err)
		sum := int64(0)
		for _, c := range counts {
			sum += c.Val()
		}
		size, err := m.c.DBSize(ctx).Result()
		require.NoError(t, err)
		require.Equal(t, size, sum, "DBSIZE of master %s against the keys of its %d slots", m.Addr(), len(counts))
		total += size
	}
	require.GreaterOrEqual(t, total, int64(len(tr.acked)), "keys held by the masters")
	require.LessOrEqual(t, total, int64(tr.attempts), "keys held by the masters")

	// Each replica ends up with its master's keys.
	for _, n := range nodes {
		info, err := n.c.Info(ctx, "replication").Result()
		require.NoError(t, err)
		if field(info, "role") != "slave" {
			continue
		}
		master := nodeAt(nodes, field(info, "master_port"))
		require.NotNil(t, master, "the master of %s", n.Addr())
		waitFor(t, clusterTimeout, "replica "+n.Addr()+" to hold its master's keys", func() (bool, string) {
			a, err1 := master.c.DBSize(ctx).Result()
			b, err2 := n.c.DBSize(ctx).Result()
			return err1 == nil && err2 == nil && a == b, fmt.Sprintf("master %d, replica %d keys", a, b)
		})
	}
}

func nodeAt(nodes []*replNode, port string) *replNode {
	for _, n := range nodes {
		if strconv.Itoa(n.Port) == port {
			return n
		}
	}
	return nil
}

// reshardUnderTraffic builds a cluster of three masters with a replica
// each from bins ("" for ours), moves slots from the first master to the
// second and back (by reshard, or by rebalance) while the traffic runs,
// and checks the outcome.
func reshardUnderTraffic(t *testing.T, bins []string, rebalance bool, count int) {
	var nodes []*replNode
	for _, bin := range bins {
		nodes = append(nodes, startClusterNode(t, bin, "--cluster-node-timeout", reshardNodeTimeout))
	}
	createCluster(t, nodes, 1)
	waitClusterOK(t, nodes)
	masters, ids := clusterMasters(t, nodes)
	require.Len(t, masters, 3)
	from, to := ids[masters[0]], ids[masters[1]]

	tr := startTraffic(nodes)
	waitFor(t, clusterTimeout, "the traffic to start", func() (bool, string) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return len(tr.acked) >= 200, fmt.Sprintf("%d acknowledged, errors %v", len(tr.acked), tr.errs)
	})
	slots := strconv.Itoa(count)
	reshard(t, nodes, "reshard", "--cluster-from", from, "--cluster-to", to, "--cluster-slots", slots, "--cluster-yes")
	if rebalance {
		reshard(t, nodes, "rebalance", "--cluster-use-empty-masters")
	} else {
		reshard(t, nodes, "reshard", "--cluster-from", to, "--cluster-to", from, "--cluster-slots", slots, "--cluster-yes")
	}
	tr.finish(t)
	requireKeysInOwnSlots(t, nodes, tr)
}

func TestClusterReshardOurNodes(t *testing.T) {
	reshardUnderTraffic(t, []string{"", "", "", "", "", ""}, true, reshardSlotsOurs)
}

// TestClusterReshardMixed moves slots from one of our masters to a real
// Redis master and back.
func TestClusterReshardMixed(t *testing.T) {
	redisBin := tool(t, "redis-server")
	bins := []string{"", redisBin, "", redisBin, "", redisBin}
	reshardUnderTraffic(t, bins, false, reshardSlots)
}

// TestClusterOneNodeLikeRedis compares, on a one-node cluster of real
// Redis and one of ours, what cluster mode changes for scripts (no-cluster
// refuses to run, a script with flags keeps to one slot unless it allows
// cross-slot keys), FAILOVER, and RESTORE-ASKING.
func TestClusterOneNodeLikeRedis(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	lib := "#!lua name=lib\n" +
		"redis.register_function{function_name='f1', callback=function(k) return redis.call('set','b','1') end}\n" +
		"redis.register_function{function_name='f2', callback=function(k) return 1 end, flags={'no-cluster'}}\n" +
		"redis.register_function{function_name='f3', callback=function(k) return redis.call('set','b','1') end, flags={'allow-cross-slot-keys'}}\n" +
		"redis.register_function{function_name='f4', callback=function(k) return 1 end, flags={'no-cluster','no-writes'}}"
	cases := [][]any{
		{"EVAL", "#!lua flags=no-cluster\nreturn 1", 0},
		{"EVAL", "#!lua flags=no-cluster,no-writes\nreturn 1", 0},
		{"EVAL_RO", "#!lua flags=no-cluster\nreturn 1", 0},
		{"EVAL", "#!lua\nreturn redis.call('set','a','1')", 1, "a"},
		{"EVAL", "#!lua\nreturn redis.call('set','b','1')", 1, "a"},
		{"EVAL", "#!lua\nreturn redis.call('set','b','1')", 0},
		{"EVAL", "#!lua\nredis.call('set','a','1') return redis.call('set','b','1')", 0},
		{"EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('set','b','1')", 1, "a"},
		{"EVAL", "return redis.call('set','b','1')", 1, "a"},
		{"EVAL", "redis.call('set','a','1') return redis.call('set','b','1')", 0},
		{"EVAL", "#!lua\nreturn redis.call('set','{a}x','1')", 1, "a"},
		{"EVAL", "#!lua\nreturn redis.call('mset','a','1','b','2')", 0},
		{"FUNCTION", "LOAD", "REPLACE", lib},
		{"FCALL", "f1", 1, "a"},
		{"FCALL", "f1", 0},
		{"FCALL", "f2", 0},
		{"FCALL", "f3", 1, "a"},
		{"FCALL_RO", "f2", 0},
		{"FCALL_RO", "f4", 0},
		{"FAILOVER"},
		{"FAILOVER", "ABORT"},
		{"FAILOVER", "TO", "127.0.0.1", 1},
		{"SET", "x", "hello"},
		{"DUMP", "x"},
		{"DEL", "x"},
		{"RESTORE-ASKING", "x", 0, "\x00\x05hello\n\x00cr\xdfve4 \n"},
		{"GET", "x"},
		{"COMMAND", "INFO", "restore-asking"},
	}
	replies := func(bin string) []string {
		n := startClusterNode(t, bin)
		require.NoError(t, n.c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err())
		waitFor(t, clusterTimeout, "cluster_state:ok", func() (bool, string) {
			info, err := n.c.ClusterInfo(ctx).Result()
			return err == nil && field(info, "cluster_state") == "ok", info
		})
		var out []string
		for _, args := range cases {
			v, err := n.c.Do(ctx, args...).Result()
			out = append(out, fmt.Sprintf("%q: %#v, %v", args[:min(len(args), 2)], v, err))
		}
		return out
	}
	require.Equal(t, replies(tool(t, "redis-server")), replies(""))
}
