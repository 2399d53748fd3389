package tests

// Cluster mode: clusters of this server's nodes, and mixed with real Redis
// 7.0 nodes, built and checked by redis-cli --cluster as a user would,
// used by go-redis's ClusterClient, their nodes.conf reloaded at restart.

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// clusterTimeout bounds the waits for the cluster to converge.
const clusterTimeout = 60 * time.Second

// freeClusterPort is a port p under 55536 with p and p+10000 (the bus)
// both free.
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		p := freePort(t)
		if p > 55535 {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatal("no free pair of ports for a cluster node")
	return 0
}

// startClusterNode starts bin ("" for ours) as a cluster node with its own
// nodes.conf in a fresh directory.
func startClusterNode(t *testing.T, bin string, args ...string) *replNode {
	t.Helper()
	full := append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "3000", "--appendonly", "no"}, args...)
	return launchNode(t, bin, t.TempDir(), freeClusterPort(t), full...)
}

func clusterAddrs(nodes []*replNode) []string {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.Addr())
	}
	return addrs
}

// createCluster runs redis-cli --cluster create over nodes, with
// replicas replicas per master.
func createCluster(t *testing.T, nodes []*replNode, replicas int) {
	t.Helper()
	args := append([]string{"--cluster", "create"}, clusterAddrs(nodes)...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, errOut, err := runTool(t, 2*clusterTimeout, "", "redis-cli", args...)
	require.NoError(t, err, "redis-cli --cluster create:\n%s\n%s", out, errOut)
	require.Contains(t, out, "[OK] All 16384 slots covered.", "redis-cli --cluster create:\n%s", out)
}

// waitClusterOK waits until every node reports cluster_state:ok and
// knows all the others, and redis-cli --cluster check agrees.
func waitClusterOK(t *testing.T, nodes []*replNode) {
	t.Helper()
	waitFor(t, clusterTimeout, "cluster_state:ok on every node", func() (bool, string) {
		var states []string
		ok := true
		for i, n := range nodes {
			info, err := n.c.ClusterInfo(context.Background()).Result()
			if err != nil {
				return false, err.Error()
			}
			state, known := field(info, "cluster_state"), field(info, "cluster_known_nodes")
			states = append(states, fmt.Sprintf("node %d: %s, knows %s", i, state, known))
			ok = ok && state == "ok" && known == strconv.Itoa(len(nodes))
		}
		return ok, strings.Join(states, "; ")
	})
	waitFor(t, clusterTimeout, "redis-cli --cluster check to pass", func() (bool, string) {
		out, _, err := runTool(t, clusterTimeout, "", "redis-cli", "--cluster", "check", nodes[0].Addr())
		return err == nil && strings.Contains(out, "[OK] All nodes agree about slots configuration.") &&
			strings.Contains(out, "[OK] All 16384 slots covered."), out
	})
}

// waitClusterAgree waits until the nodes of addr's cluster agree about
// the slots' configuration, as redis-cli --cluster add-node and reshard
// check before they change anything: the gossip of the last change may
// still be on its way.
func waitClusterAgree(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, clusterTimeout, "the nodes to agree about the slots", func() (bool, string) {
		out, _, _ := runTool(t, clusterTimeout, "", "redis-cli", "--cluster", "check", addr)
		return strings.Contains(out, "[OK] All nodes agree about slots configuration."), out
	})
}

// useCluster writes and reads keys through go-redis's ClusterClient.
func useCluster(t *testing.T, nodes []*replNode, n int) {
	t.Helper()
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs(nodes), MaxRedirects: 16})
	defer cc.Close()
	for i := 0; i < n; i++ {
		require.NoError(t, cc.Set(ctx, fmt.Sprint("key:", i), i, 0).Err())
	}
	for i := 0; i < n; i++ {
		require.Equal(t, strconv.Itoa(i), cc.Get(ctx, fmt.Sprint("key:", i)).Val())
	}
	// Every master holds exactly the keys of its slots.
	total := 0
	for _, node := range nodes {
		role, err := node.c.Do(ctx, "ROLE").Slice()
		require.NoError(t, err)
		if role[0] != "master" {
			continue
		}
		size, err := node.c.DBSize(ctx).Result()
		require.NoError(t, err)
		total += int(size)
	}
	require.Equal(t, n, total, "keys held by the masters")
}

func TestClusterOfOurNodes(t *testing.T) {
	var nodes []*replNode
	for i := 0; i < 6; i++ {
		nodes = append(nodes, startClusterNode(t, ""))
	}
	createCluster(t, nodes, 1)
	waitClusterOK(t, nodes)
	useCluster(t, nodes, 1000)

	// A node that is not the owner redirects.
	ctx := context.Background()
	slot, err := nodes[0].c.ClusterKeySlot(ctx, "somekey").Result()
	require.NoError(t, err)
	for _, n := range nodes {
		err := n.c.Get(ctx, "somekey").Err()
		if err != nil && err != redis.Nil {
			require.Contains(t, err.Error(), fmt.Sprintf("MOVED %d 127.0.0.1:", slot))
		}
	}
}

func TestClusterMixedWithRedis(t *testing.T) {
	redisBin := tool(t, "redis-server")
	var nodes []*replNode
	for i := 0; i < 6; i++ {
		bin := ""
		if i%2 == 1 {
			bin = redisBin
		}
		nodes = append(nodes, startClusterNode(t, bin))
	}
	createCluster(t, nodes, 1)
	waitClusterOK(t, nodes)
	useCluster(t, nodes, 1000)

	// CLUSTER NODES seen from a real node and from ours agree on who is
	// who and who serves what.
	ctx := context.Background()
	view := func(n *replNode) map[string]string {
		out, err := n.c.ClusterNodes(ctx).Result()
		require.NoError(t, err)
		m := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Fields(line)
			flags := strings.ReplaceAll(f[2], "myself,", "")
			m[f[0]] = strings.Join(append([]string{f[1], flags, f[3]}, f[8:]...), " ")
		}
		return m
	}
	// Gossip converges: poll until both views agree, then compare.
	waitFor(t, clusterTimeout, "CLUSTER NODES of a real node and ours to agree", func() (bool, string) {
		a, b := view(nodes[1]), view(nodes[0])
		return fmt.Sprint(a) == fmt.Sprint(b), fmt.Sprintf("real %v, ours %v", a, b)
	})
	require.Equal(t, view(nodes[1]), view(nodes[0]))

	// CLUSTER SHARDS too: the same shards, slots, nodes and roles.
	shards := func(n *replNode) []string {
		res, err := n.c.ClusterShards(ctx).Result()
		require.NoError(t, err)
		var out []string
		for _, sh := range res {
			for _, nd := range sh.Nodes {
				out = append(out, fmt.Sprint(sh.Slots, nd.ID, nd.IP, nd.Port, nd.Endpoint, nd.Role, nd.Health))
			}
		}
		slices.Sort(out)
		return out
	}
	require.Len(t, shards(nodes[0]), 6)
	waitFor(t, clusterTimeout, "CLUSTER SHARDS of a real node and ours to agree", func() (bool, string) {
		a, b := shards(nodes[1]), shards(nodes[0])
		return slices.Equal(a, b), fmt.Sprintf("real %v, ours %v", a, b)
	})
}
