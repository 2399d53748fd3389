package tests

// Sentinel: three real redis-sentinel processes (quorum 2) watch servers
// under test. They must discover the replicas and each other through our
// INFO and pub/sub, fail over a crashed master without losing a write
// that WAIT 1 acknowledged and without a full resync of the other
// replicas, turn the old master into a replica when it comes back
// (SLAVEOF, CONFIG REWRITE and CLIENT KILL in one MULTI), obey SENTINEL
// FAILOVER and replica-priority 0, and do all this with real Redis on
// either side of a link.

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// sentinelName is the name the sentinels monitor the master under.
	sentinelName = "mymaster"
	// failoverWait bounds every wait for Sentinel to notice, agree and
	// reconfigure: a failover takes down-after-milliseconds, an election
	// and a few INFO periods, more on a loaded machine.
	failoverWait = 60 * time.Second
)

// sentinelNode is one running redis-sentinel and a client for it.
type sentinelNode struct {
	*server
	c *redis.Client
}

// configNode starts a server of ours (bin "") or real Redis' (bin a path)
// with a config file of its own, which Sentinel's CONFIG REWRITE rewrites;
// the file's path is returned with it. Settings are redis.conf lines.
func configNode(t *testing.T, bin string, settings ...string) (*replNode, string) {
	t.Helper()
	conf := writeFile(t, t.TempDir(), "redis.conf", strings.Join(append([]string{"# sentinel test"}, settings...), "\n")+"\n")
	return startNode(t, bin, conf), conf
}

// replicaLine is the replicaof directive naming master.
func replicaLine(master *replNode) string {
	return "replicaof 127.0.0.1 " + strconv.Itoa(master.Port)
}

// startSentinels starts three sentinels with quorum 2 that monitor master,
// then waits until each knows the replicas and the two others. The master
// is declared down after 2 s without an answer. SENTINEL DEBUG shortens
// two periods that only make the test wait: INFO goes to every node each
// second rather than every 10 s (Sentinel turns a master that came back
// into a replica only on an INFO from it), and hellos go out every 500 ms
// rather than 2 s (it waits four of them first). A sentinel that stalls
// (TILT mode) resumes after 5 s rather than 30.
func startSentinels(t *testing.T, master *replNode, replicas ...*replNode) []*sentinelNode {
	t.Helper()
	bin := tool(t, "redis-sentinel")
	var ss []*sentinelNode
	for i := 0; i < 3; i++ {
		dir := t.TempDir()
		port := freePort(t)
		conf := writeFile(t, dir, "sentinel.conf", fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
sentinel resolve-hostnames no
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %[3]s 2000
sentinel failover-timeout %[3]s 6000
sentinel parallel-syncs %[3]s 1
`, port, dir, sentinelName, master.Port))
		s := startWith(t, launch{Args: []string{conf}, Port: port, Dir: dir, Bin: bin})
		stopTogether(t, s)
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, MaxRetries: -1})
		t.Cleanup(func() { c.Close() })
		require.NoError(t, c.Do(context.Background(), "SENTINEL", "DEBUG", "info-period", 1000, "publish-period", 500, "tilt-period", 5000).Err())
		ss = append(ss, &sentinelNode{server: s, c: c})
	}
	waitDiscovered(t, ss, master, replicas...)
	return ss
}

// waitDiscovered waits until every sentinel names master, lists exactly
// replicas as healthy replicas of it with their link up, and knows the
// other sentinels.
func waitDiscovered(t *testing.T, ss []*sentinelNode, master *replNode, replicas ...*replNode) {
	t.Helper()
	want := portsOf(replicas...)
	waitFor(t, failoverWait, "the sentinels to discover the replicas and each other", func() (bool, string) {
		for i, s := range ss {
			addr, err := s.masterAddr()
			if err != nil || addr != master.Addr() {
				return false, fmt.Sprintf("sentinel %d: master %s %v", i, addr, err)
			}
			reps, err := s.instances("REPLICAS")
			if err != nil {
				return false, fmt.Sprintf("sentinel %d: %v", i, err)
			}
			var healthy []string
			for _, r := range reps {
				if r["flags"] == "slave" && r["master-link-status"] == "ok" && r["master-port"] == strconv.Itoa(master.Port) {
					healthy = append(healthy, r["port"])
				}
			}
			sort.Strings(healthy)
			if strings.Join(healthy, ",") != want {
				return false, fmt.Sprintf("sentinel %d: healthy replicas %v of %v, want %s", i, healthy, reps, want)
			}
			others, err := s.instances("SENTINELS")
			connected := 0
			for _, o := range others {
				if o["flags"] == "sentinel" {
					connected++
				}
			}
			if err != nil || connected != len(ss)-1 {
				return false, fmt.Sprintf("sentinel %d: other sentinels %v %v", i, others, err)
			}
		}
		return true, ""
	})
}

// portsOf is the nodes' ports, sorted and joined by commas.
func portsOf(nodes ...*replNode) string {
	var ports []string
	for _, n := range nodes {
		ports = append(ports, strconv.Itoa(n.Port))
	}
	sort.Strings(ports)
	return strings.Join(ports, ",")
}

// masterAddr is SENTINEL GET-MASTER-ADDR-BY-NAME as host:port.
func (s *sentinelNode) masterAddr() (string, error) {
	v, err := s.c.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinelName).StringSlice()
	if err != nil {
		return "", err
	}
	if len(v) != 2 {
		return "", fmt.Errorf("GET-MASTER-ADDR-BY-NAME: %q", v)
	}
	return v[0] + ":" + v[1], nil
}

// instances is SENTINEL <what> <name> (REPLICAS, SENTINELS), each
// instance as field -> value.
func (s *sentinelNode) instances(what string) ([]map[string]string, error) {
	v, err := s.c.Do(context.Background(), "SENTINEL", what, sentinelName).Slice()
	if err != nil {
		return nil, err
	}
	var all []map[string]string
	for _, e := range v {
		fields, ok := e.([]any)
		if !ok {
			return nil, fmt.Errorf("SENTINEL %s: an entry is %T", what, e)
		}
		all = append(all, pairs(fields))
	}
	return all, nil
}

// pairs turns a flat field, value, ... reply into a map.
func pairs(fields []any) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		m[fmt.Sprint(fields[i])] = fmt.Sprint(fields[i+1])
	}
	return m
}

// waitNewMaster waits until every sentinel names one master other than
// old and returns it among candidates.
func waitNewMaster(t *testing.T, ss []*sentinelNode, old *replNode, candidates ...*replNode) *replNode {
	t.Helper()
	var found *replNode
	waitFor(t, failoverWait, "the sentinels to agree on a new master", func() (bool, string) {
		var addrs []string
		for _, s := range ss {
			addr, err := s.masterAddr()
			if err != nil {
				addr = err.Error()
			}
			addrs = append(addrs, addr)
		}
		for _, n := range candidates {
			agree := 0
			for _, a := range addrs {
				if a == n.Addr() {
					agree++
				}
			}
			if n != old && agree == len(ss) {
				found = n
				return true, ""
			}
		}
		return false, fmt.Sprintf("sentinels name %q", addrs)
	})
	return found
}

// waitReplicaOf waits until n replicates from master with its link up.
func waitReplicaOf(t *testing.T, n, master *replNode) {
	t.Helper()
	waitFor(t, failoverWait, fmt.Sprintf("%s to replicate from %s", n.Addr(), master.Addr()), func() (bool, string) {
		info, err := n.c.Info(context.Background(), "replication").Result()
		if err != nil {
			return false, err.Error()
		}
		role, port, link := field(info, "role"), field(info, "master_port"), field(info, "master_link_status")
		return role == "slave" && port == strconv.Itoa(master.Port) && link == "up",
			fmt.Sprintf("role %s master_port %s link %s", role, port, link)
	})
}

// ackedWrites is a write load that follows Sentinel: each writer SETs its
// next key on the master the sentinel names, then runs WAIT 1; a write a
// replica acknowledged is recorded. On an error a writer asks the
// sentinel again.
type ackedWrites struct {
	mu     sync.Mutex
	acked  map[string]string // key -> value
	byAddr map[string]int    // acknowledged writes per master address
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startAckedWrites(s *sentinelNode, writers int) *ackedWrites {
	w := &ackedWrites{acked: map[string]string{}, byAddr: map[string]int{}, stop: make(chan struct{})}
	for id := 0; id < writers; id++ {
		w.wg.Add(1)
		go w.run(s, id)
	}
	return w
}

func (w *ackedWrites) run(s *sentinelNode, id int) {
	defer w.wg.Done()
	ctx := context.Background()
	var c *redis.Client
	addr := ""
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return
		default:
		}
		if c == nil {
			var err error
			if addr, err = s.masterAddr(); err == nil {
				err = probe(addr) // no client, and none of its log lines, for a dead master
			}
			if err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			c = redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, MaxRetries: -1, PoolSize: 1,
				DialTimeout: time.Second, DialerRetries: 1, ReadTimeout: 5 * time.Second})
		}
		key, val := fmt.Sprintf("acked:%d:%d", id, i), strconv.Itoa(i)
		err := c.Set(ctx, key, val, 0).Err()
		var n int
		if err == nil {
			n, err = c.Do(ctx, "WAIT", 1, 1000).Int()
		}
		if err != nil {
			c.Close()
			c = nil
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if n >= 1 {
			w.mu.Lock()
			w.acked[key] = val
			w.byAddr[addr]++
			w.mu.Unlock()
		}
	}
}

// probe reports whether something listens on addr.
func probe(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

// on is how many writes were acknowledged on the master at addr.
func (w *ackedWrites) on(addr string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byAddr[addr]
}

// waitAckedOn waits until n writes were acknowledged on master.
func (w *ackedWrites) waitAckedOn(t *testing.T, master *replNode, n int) {
	t.Helper()
	waitFor(t, failoverWait, fmt.Sprintf("%d writes acknowledged by WAIT 1 on %s", n, master.Addr()), func() (bool, string) {
		got := w.on(master.Addr())
		return got >= n, strconv.Itoa(got)
	})
}

// end stops the writers and returns every acknowledged write.
func (w *ackedWrites) end() map[string]string {
	close(w.stop)
	w.wg.Wait()
	return w.acked
}

// requireHasAll checks that n holds every write in want.
func requireHasAll(t *testing.T, n *replNode, want map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	missing := 0
	for start := 0; start < len(keys); start += 500 {
		batch := keys[start:min(len(keys), start+500)]
		got, err := n.c.MGet(context.Background(), batch...).Result()
		require.NoError(t, err)
		for i, k := range batch {
			if got[i] != want[k] {
				if missing < 10 {
					t.Errorf("acknowledged write %s=%s reads %v on %s", k, want[k], got[i], n.Addr())
				}
				missing++
			}
		}
	}
	require.Zero(t, missing, "%d of %d acknowledged writes are missing", missing, len(want))
}

// syncStats is the node's sync_full and sync_partial_ok.
func syncStats(t *testing.T, n *replNode) (full, partial int) {
	t.Helper()
	stats := infoMap(t, n.c, "stats")
	return atoi(t, stats["sync_full"]), atoi(t, stats["sync_partial_ok"])
}

// requirePartialOnly checks that every replica of the new master came
// with a partial resync, continuing the old master's history.
func requirePartialOnly(t *testing.T, newMaster *replNode, oldID string) {
	t.Helper()
	full, partial := syncStats(t, newMaster)
	assert.Equal(t, 0, full, "sync_full on the new master")
	assert.GreaterOrEqual(t, partial, 1, "sync_partial_ok on the new master")
	assert.Equal(t, oldID, infoMap(t, newMaster.c, "replication")["master_replid2"])
}

// TestSentinelDiscovery: the sentinels find our replicas through the
// master's INFO and each other through its __sentinel__:hello channel.
func TestSentinelDiscovery(t *testing.T) {
	ctx := context.Background()
	master, _ := configNode(t, "")
	a, _ := configNode(t, "", replicaLine(master))
	b, _ := configNode(t, "", replicaLine(master), "replica-priority 42")
	waitSynced(t, master, a, b)
	ss := startSentinels(t, master, a, b)
	runID := map[string]string{}
	for _, n := range []*replNode{master, a, b} {
		runID[strconv.Itoa(n.Port)] = infoMap(t, n.c, "server")["run_id"]
	}

	for i, s := range ss {
		addr, err := s.c.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinelName).StringSlice()
		require.NoError(t, err)
		assert.Equal(t, []string{"127.0.0.1", strconv.Itoa(master.Port)}, addr, "sentinel %d", i)
		m, err := s.c.Do(ctx, "SENTINEL", "MASTER", sentinelName).Slice()
		require.NoError(t, err)
		mi := pairs(m)
		assert.Equal(t, "master", mi["flags"], "sentinel %d", i)
		assert.Equal(t, "master", mi["role-reported"], "sentinel %d", i)
		assert.Equal(t, "2", mi["num-slaves"], "sentinel %d", i)
		assert.Equal(t, "2", mi["num-other-sentinels"], "sentinel %d", i)
		assert.Equal(t, "2", mi["quorum"], "sentinel %d", i)
		assert.Equal(t, runID[strconv.Itoa(master.Port)], mi["runid"], "sentinel %d", i)

		reps, err := s.instances("REPLICAS")
		require.NoError(t, err)
		priority := map[string]string{}
		for _, r := range reps {
			assert.Equal(t, "slave", r["role-reported"], "sentinel %d: %v", i, r)
			assert.Equal(t, "127.0.0.1", r["master-host"], "sentinel %d: %v", i, r)
			assert.Equal(t, runID[r["port"]], r["runid"], "sentinel %d: %v", i, r)
			priority[r["port"]] = r["slave-priority"]
		}
		assert.Equal(t, map[string]string{strconv.Itoa(a.Port): "100", strconv.Itoa(b.Port): "42"}, priority, "sentinel %d", i)

		others, err := s.instances("SENTINELS")
		require.NoError(t, err)
		var ports []string
		for _, o := range others {
			assert.Equal(t, "sentinel", o["flags"], "sentinel %d: %v", i, o)
			assert.Equal(t, "127.0.0.1", o["ip"], "sentinel %d: %v", i, o)
			ports = append(ports, o["port"])
		}
		var want []string
		for j, o := range ss {
			if j != i {
				want = append(want, strconv.Itoa(o.Port))
			}
		}
		assert.ElementsMatch(t, want, ports, "sentinel %d", i)

		q, err := s.c.Do(ctx, "SENTINEL", "CKQUORUM", sentinelName).Text()
		require.NoError(t, err)
		assert.Equal(t, "OK 3 usable Sentinels. Quorum and failover authorization can be reached", q)
	}

	// Each sentinel has a command and a pub/sub connection to every node,
	// named with CLIENT SETNAME, and subscribes to the hello channel.
	for _, n := range []*replNode{master, a, b} {
		waitFor(t, failoverWait, "6 named sentinel connections on "+n.Addr(), func() (bool, string) {
			list, err := n.c.ClientList(ctx).Result()
			if err != nil {
				return false, err.Error()
			}
			named := strings.Count(list, "name=sentinel-")
			cmd, pubsub := strings.Count(list, "-cmd age="), strings.Count(list, "-pubsub age=")
			return named == 6 && cmd == 3 && pubsub == 3, list
		})
		subs, err := n.c.PubSubNumSub(ctx, "__sentinel__:hello").Result()
		require.NoError(t, err)
		assert.Equal(t, int64(3), subs["__sentinel__:hello"], n.Addr())
	}
}

// TestSentinelFailover: the master is killed under a write load. The
// sentinels promote a replica; no write that WAIT 1 acknowledged is lost;
// the other replica continues partially with the new master, which shows
// the old history as replid2. The old master, restarted, is made a
// replica of the new one, and its config file says so.
func TestSentinelFailover(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	master, masterConf := configNode(t, "")
	a, _ := configNode(t, "", replicaLine(master))
	b, _ := configNode(t, "", replicaLine(master))
	populate(t, master.c)
	waitSynced(t, master, a, b)
	ss := startSentinels(t, master, a, b)
	oldID := infoMap(t, master.c, "replication")["master_replid"]

	load := startAckedWrites(ss[0], 4)
	load.waitAckedOn(t, master, 200)
	kill9(master.server)
	promoted := waitNewMaster(t, ss, master, a, b)
	other := a
	if promoted == a {
		other = b
	}
	waitReplicaOf(t, other, promoted)
	load.waitAckedOn(t, promoted, 50)
	acked := load.end()
	t.Logf("%d writes acknowledged: %d on the old master, %d on the new one", len(acked), load.on(master.Addr()), load.on(promoted.Addr()))

	requireHasAll(t, promoted, acked)
	waitSynced(t, promoted, other)
	requireSameDigest(t, promoted, other)
	requirePartialOnly(t, promoted, oldID)
	assert.Equal(t, "master", infoMap(t, promoted.c, "replication")["role"])

	// The old master comes back as a master, with its old config file:
	// Sentinel turns it into a replica and rewrites the file.
	again := restartNode(t, master, masterConf)
	waitReplicaOf(t, again, promoted)
	waitSynced(t, promoted, other, again)
	requireSameDigest(t, promoted, other, again)
	conf, err := os.ReadFile(masterConf)
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(conf), "\n"), replicaLine(promoted), "the old master's config file:\n%s", conf)
	waitDiscovered(t, ss, promoted, other, again)
}

// TestSentinelManualFailover: SENTINEL FAILOVER promotes a replica of a
// master that is up; the old master and the other replica follow it.
func TestSentinelManualFailover(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	master, masterConf := configNode(t, "")
	a, aConf := configNode(t, "", replicaLine(master))
	b, bConf := configNode(t, "", replicaLine(master))
	populate(t, master.c)
	waitSynced(t, master, a, b)
	ss := startSentinels(t, master, a, b)

	require.NoError(t, ss[1].c.Do(ctx, "SENTINEL", "FAILOVER", sentinelName).Err())
	promoted := waitNewMaster(t, ss, master, a, b)
	other, otherConf, promotedConf := a, aConf, bConf
	if promoted == a {
		other, otherConf, promotedConf = b, bConf, aConf
	}
	waitReplicaOf(t, other, promoted)
	waitReplicaOf(t, master, promoted)
	require.NoError(t, promoted.c.Set(ctx, "after", "failover", 0).Err())
	waitSynced(t, promoted, other, master)
	requireSameDigest(t, promoted, other, master)
	assert.Equal(t, "failover", master.c.Get(ctx, "after").Val())
	waitDiscovered(t, ss, promoted, other, master)

	// Every reconfiguration went through CONFIG REWRITE.
	for path, want := range map[string]string{masterConf: replicaLine(promoted), otherConf: replicaLine(promoted)} {
		conf, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Contains(t, strings.Split(string(conf), "\n"), want, "%s:\n%s", filepath.Base(filepath.Dir(path)), conf)
	}
	conf, err := os.ReadFile(promotedConf)
	require.NoError(t, err)
	assert.NotContains(t, string(conf), "replicaof", "the promoted replica's config file")
}

// TestSentinelReplicaPriorityZero: a replica with replica-priority 0 is
// never promoted: the other one is, and it follows it.
func TestSentinelReplicaPriorityZero(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	master, _ := configNode(t, "")
	never, _ := configNode(t, "", replicaLine(master), "replica-priority 0")
	b, _ := configNode(t, "", replicaLine(master))
	populate(t, master.c)
	waitSynced(t, master, never, b)
	ss := startSentinels(t, master, never, b)
	oldID := infoMap(t, master.c, "replication")["master_replid"]
	reps, err := ss[0].instances("REPLICAS")
	require.NoError(t, err)
	for _, r := range reps {
		if r["port"] == strconv.Itoa(never.Port) {
			assert.Equal(t, "0", r["slave-priority"])
		}
	}

	kill9(master.server)
	promoted := waitNewMaster(t, ss, master, never, b)
	require.Equal(t, b, promoted, "the replica with replica-priority 0 was promoted")
	waitReplicaOf(t, never, b)
	waitSynced(t, b, never)
	requireSameDigest(t, b, never)
	requirePartialOnly(t, b, oldID)
}

// TestSentinelMixedFailover: a real Redis master with a replica of ours
// and a real Redis replica (replica-priority 0, so that ours is chosen).
// Killed, the master fails over to ours: the real replica continues
// partially with it and acknowledges WAIT 1, and the real old master
// comes back as its replica. The writes stop before the kill: with the
// replica Sentinel would pick (the one with the most data) ruled out, the
// real one may have received more of the dead master's stream than ours,
// and must then sync fully, as with Redis on both sides.
func TestSentinelMixedFailover(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	ctx := context.Background()
	redisBin := tool(t, "redis-server")
	master, masterConf := configNode(t, redisBin)
	ours, _ := configNode(t, "", replicaLine(master))
	theirs, _ := configNode(t, redisBin, replicaLine(master), "replica-priority 0")
	populate(t, master.c)
	waitSynced(t, master, ours, theirs)
	ss := startSentinels(t, master, ours, theirs)

	load := startAckedWrites(ss[0], 2)
	load.waitAckedOn(t, master, 100)
	acked := load.end()
	waitSynced(t, master, ours, theirs)
	oldID := infoMap(t, master.c, "replication")["master_replid"]
	kill9(master.server)
	promoted := waitNewMaster(t, ss, master, ours, theirs)
	require.Equal(t, ours, promoted, "the replica with replica-priority 0 was promoted")
	waitReplicaOf(t, theirs, ours)
	requireHasAll(t, ours, acked)
	requirePartialOnly(t, ours, oldID)

	load = startAckedWrites(ss[0], 2)
	load.waitAckedOn(t, ours, 50)
	acked = load.end()
	waitSynced(t, ours, theirs)
	requireHasAll(t, theirs, acked)
	requireSameDigest(t, ours, theirs)

	again := restartNode(t, master, masterConf)
	waitReplicaOf(t, again, ours)
	require.NoError(t, ours.c.Set(ctx, "after", "failover", 0).Err())
	waitSynced(t, ours, theirs, again)
	requireSameDigest(t, ours, theirs, again)
	conf, err := os.ReadFile(masterConf)
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(conf), "\n"), replicaLine(ours), "the old master's config file:\n%s", conf)
}
