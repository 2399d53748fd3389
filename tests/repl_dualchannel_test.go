package tests

// The dual-channel full sync between two servers under test
// (repl/dualchannel.go, repl/rdbchannel.go): under a steady write load the
// sync completes with the same dataset while the master holds almost
// nothing for the replica, with an output limit that makes the classic
// sync start over forever, and after a link cut in the middle of the
// transfer. Interoperation with real Redis (classic protocol) is covered
// by repl_master_interop_test.go and repl_replica_interop_test.go.

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// dualKeys and dualKeyDelay make an RDB that takes about a second to
// stream (rdb-key-save-delay is in microseconds per key).
const (
	dualKeys     = 1500
	dualKeyDelay = "250"
)

// setLoad runs pipelined SETs of 100-byte values on c until stopped, 50
// every 5 ms: the stream grows by about a megabyte a second.
type setLoad struct {
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func startSetLoad(c *redis.Client) *setLoad {
	w := &setLoad{stop: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx := context.Background()
		val := strings.Repeat("v", 100)
		rng := rand.New(rand.NewSource(1))
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			p := c.Pipeline()
			for i := 0; i < 50; i++ {
				p.Set(ctx, "w:"+strconv.Itoa(rng.Intn(1000)), val, 0)
			}
			p.Exec(ctx)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return w
}

func (w *setLoad) end() {
	w.once.Do(func() { close(w.stop) })
	w.wg.Wait()
}

var omemRE = regexp.MustCompile(`omem=(\d+)`)

// replicaOmem is the largest omem of the master's replica clients.
func replicaOmem(t *testing.T, master *replNode) int {
	t.Helper()
	list, err := master.c.Do(context.Background(), "CLIENT", "LIST", "TYPE", "replica").Text()
	require.NoError(t, err)
	most := 0
	for _, m := range omemRE.FindAllStringSubmatch(list, -1) {
		most = max(most, atoi(t, m[1]))
	}
	return most
}

// dualMaster starts a master of ours holding dualKeys keys whose RDB
// streams slowly.
func dualMaster(t *testing.T, args ...string) *replNode {
	t.Helper()
	m := startNode(t, "", append([]string{"--rdb-key-save-delay", dualKeyDelay}, args...)...)
	require.NoError(t, m.c.Do(context.Background(), "DEBUG", "POPULATE", dualKeys, "k", 100).Err())
	return m
}

// TestDualChannelSyncUnderWrites: a full sync under a steady write load
// ends with the master's dataset on the replica (and on a sub-replica of
// it, chained), the stream having waited on the replica's side
// (replicas_repl_buffer_peak) rather than in the master's output buffer.
func TestDualChannelSyncUnderWrites(t *testing.T) {
	master := dualMaster(t)
	load := startSetLoad(master.c)
	defer load.end()
	replica := startNode(t, "")
	replicaOf(t, replica, master.Addr())
	peakOmem := 0
	waitFor(t, syncTimeout, "the dual-channel sync", func() (bool, string) {
		peakOmem = max(peakOmem, replicaOmem(t, master))
		info := infoMap(t, replica.c, "replication")
		return info["master_link_status"] == "up", fmt.Sprintf("link %s", info["master_link_status"])
	})
	sub := startNode(t, "")
	replicaOf(t, sub, replica.Addr())
	waitFor(t, syncTimeout, "the chained sync", func() (bool, string) {
		info := infoMap(t, sub.c, "replication")
		return info["master_link_status"] == "up", "link " + info["master_link_status"]
	})
	load.end()
	waitSynced(t, master, replica)
	waitSynced(t, replica, sub)
	requireSameDigest(t, master, replica, sub)

	info := infoMap(t, replica.c, "replication")
	peak := atoi(t, info["replicas_repl_buffer_peak"])
	require.Greater(t, peak, 0, "the stream was not buffered by the replica")
	// The RDB took about a second under a write load: a classic sync
	// would have held all that stream here.
	require.Less(t, peakOmem, 1<<20, "omem of the replica on the master")
	log := master.output()
	require.Contains(t, log, "Full sync will continue with dedicated RDB channel")
	require.NotContains(t, log, "output buffer limits")
	stats := infoMap(t, master.c, "stats")
	require.Equal(t, "1", stats["sync_full"])
	require.Equal(t, "0", stats["sync_partial_ok"]) // the main channel's PSYNC is part of the full sync
}

// TestDualChannelSyncBeatsOutputLimit: with client-output-buffer-limit
// replica small enough, the classic sync starts over again and again (the
// master closes the replica for its output buffer); the same replica with
// the dual-channel sync turned on completes.
func TestDualChannelSyncBeatsOutputLimit(t *testing.T) {
	ctx := context.Background()
	master := dualMaster(t, "--client-output-buffer-limit", "replica 128kb 0 0")
	load := startSetLoad(master.c)
	defer load.end()
	replica := startNode(t, "", "--dual-channel-replication-enabled", "no")
	replicaOf(t, replica, master.Addr())
	const closed = "scheduled to be closed ASAP for overcoming of output buffer limits"
	waitFor(t, syncTimeout, "the classic sync to fail twice", func() (bool, string) {
		n := strings.Count(master.output(), closed)
		return n >= 2, fmt.Sprintf("%d failures", n)
	})
	require.Equal(t, "down", infoMap(t, replica.c, "replication")["master_link_status"])

	require.NoError(t, replica.c.ConfigSet(ctx, "dual-channel-replication-enabled", "yes").Err())
	waitFor(t, syncTimeout, "the dual-channel sync", func() (bool, string) {
		info := infoMap(t, replica.c, "replication")
		return info["master_link_status"] == "up", "link " + info["master_link_status"]
	})
	load.end()
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
}

// TestDualChannelSyncLinkCut: REPLICAOF NO ONE in the middle of a
// transfer leaves the replica's data as it was; the master dropping the
// main channel in the middle of a transfer makes the replica start over
// and end with the master's data.
func TestDualChannelSyncLinkCut(t *testing.T) {
	ctx := context.Background()
	master := dualMaster(t)
	load := startSetLoad(master.c)
	defer load.end()
	replica := startNode(t, "")

	// REPLICAOF NO ONE in the middle keeps the replica's own data.
	require.NoError(t, replica.c.Set(ctx, "mine", "kept", 0).Err())
	replicaOf(t, replica, master.Addr())
	waitFor(t, syncTimeout, "a dual-channel transfer", func() (bool, string) {
		// Its RDB channel is there until the RDB is sent.
		return replicaClientID(t, master, "sync") != "", "none yet"
	})
	require.NoError(t, replica.c.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	require.Equal(t, "kept", replica.c.Get(ctx, "mine").Val())
	require.EqualValues(t, 1, replica.c.DBSize(ctx).Val())

	// The master drops the main channel mid-transfer: the RDB channel
	// goes with it and the replica starts over.
	replicaOf(t, replica, master.Addr())
	var id string
	waitFor(t, syncTimeout, "a dual-channel transfer", func() (bool, string) {
		id = replicaClientID(t, master, "psync")
		return id != "" && replicaClientID(t, master, "sync") != "", "none yet"
	})
	require.NoError(t, master.c.Do(ctx, "CLIENT", "KILL", "ID", id).Err())
	waitFor(t, syncTimeout, "the sync after the cut", func() (bool, string) {
		info := infoMap(t, replica.c, "replication")
		return info["master_link_status"] == "up", "link " + info["master_link_status"]
	})
	load.end()
	waitSynced(t, master, replica)
	requireSameDigest(t, master, replica)
}

// replicaClientID is the client id of the master's replica client whose
// last command was cmd ("psync": the main channel, "sync": the RDB
// channel), while a dual-channel transfer is in progress; "" if none.
func replicaClientID(t *testing.T, master *replNode, cmd string) string {
	t.Helper()
	info, err := master.c.Info(context.Background(), "replication").Result()
	require.NoError(t, err)
	if !strings.Contains(info, "state=bg_transfer") {
		return ""
	}
	list, err := master.c.Do(context.Background(), "CLIENT", "LIST", "TYPE", "replica").Text()
	require.NoError(t, err)
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " cmd="+cmd+" ") {
			return regexp.MustCompile(`id=(\d+)`).FindStringSubmatch(line)[1]
		}
	}
	return ""
}
