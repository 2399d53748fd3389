package tests

// Our replica of a real Redis 7.0 master: the full sync of every type, the
// live stream (transactions, several dbs, expiries, effects of random
// commands, large and binary values), read-only replicas, the partial
// resync after the master drops the link, promotion, and the data kept
// when a master sends an RDB that does not load. Progress is judged from
// the real master's side (the offsets our replica acknowledges) and by
// DEBUG DIGEST.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitAcked waits until the real master's only replica acknowledged its
// whole stream. WAIT makes the master ask for an ACK at once.
func waitAckedAll(t *testing.T, master *replNode) {
	t.Helper()
	ctx := context.Background()
	offsetRE := regexp.MustCompile(`state=online,offset=(\d+)`)
	waitFor(t, syncTimeout, "the replica to acknowledge the master's offset", func() (bool, string) {
		master.c.Do(ctx, "WAIT", 1, 100)
		info := infoMap(t, master.c, "replication")
		m := offsetRE.FindStringSubmatch(info["slave0"])
		if m == nil {
			return false, "slave0: " + info["slave0"]
		}
		return m[1] == info["master_repl_offset"], fmt.Sprintf("acked %s of %s", m[1], info["master_repl_offset"])
	})
}

func TestReplicaOfRealRedis(t *testing.T) {
	ctx := context.Background()
	master := startNode(t, tool(t, "redis-server"))
	populate(t, master.c)
	m := master.c
	for db := 1; db < 4; db++ {
		_, err := m.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Select(ctx, db)
			p.Set(ctx, fmt.Sprint("db", db), strings.Repeat("v", db*1000), time.Duration(db)*time.Hour)
			p.Select(ctx, 0)
			return nil
		})
		require.NoError(t, err)
	}

	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	waitAckedAll(t, master)
	requireSameDigest(t, master, replica)
	for _, line := range []string{
		"Connecting to MASTER 127.0.0.1:" + strconv.Itoa(master.Port),
		"MASTER <-> REPLICA sync started",
		"Non blocking connect for SYNC fired the event.",
		"Master replied to PING, replication can continue...",
		"Partial resynchronization not possible (no cached master)",
		"MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk",
		"MASTER <-> REPLICA sync: Flushing old data",
		"MASTER <-> REPLICA sync: Loading DB in memory",
		"MASTER <-> REPLICA sync: Finished with success",
	} {
		assert.Contains(t, replica.output(), line)
	}
	replid := infoMap(t, m, "replication")["master_replid"]
	assert.Contains(t, replica.output(), "Full resync from master: "+replid+":")

	// The stream: every kind of write, as the master propagates it, from
	// one connection (a transaction switches its db).
	r := replica.c
	mc := m.Conn()
	defer mc.Close()
	big := strings.Repeat("0123456789abcdef", 8192) // several reads
	must := func(cmd redis.Cmder) { require.NoError(t, cmd.Err(), cmd.String()) }
	must(mc.Set(ctx, "big", big, 0))
	must(mc.Set(ctx, "bin2", "\x00\r\n\xff*3\r\n", 0))
	must(mc.Set(ctx, "ex", "v", time.Hour))
	must(mc.Expire(ctx, "str", time.Hour))
	must(mc.IncrByFloat(ctx, "float", 1.5))
	must(mc.SPop(ctx, "set"))
	must(mc.LPop(ctx, "biglist"))
	must(mc.ZIncrBy(ctx, "zset", 2, "a"))
	must(mc.HDel(ctx, "bighash", "f1", "f2"))
	_, err := mc.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "counter")
		p.RPush(ctx, "list", "in-multi")
		p.Select(ctx, 7)
		p.Set(ctx, "db7", "x", 0)
		return nil
	})
	require.NoError(t, err)
	must(mc.Del(ctx, "db7"))
	must(mc.Set(ctx, "db7-other", "y", 0))
	waitAckedAll(t, master)
	requireSameDigest(t, master, replica)
	assert.Equal(t, big, r.Get(ctx, "big").Val())

	// Read-only.
	err = r.Set(ctx, "k", "v", 0).Err()
	require.Error(t, err)
	assert.Equal(t, "READONLY You can't write against a read only replica.", err.Error())

	// The master drops the link: we continue from our offset.
	n, err := m.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Int()
	require.NoError(t, err)
	require.Equal(t, 1, n)
	must(mc.Select(ctx, 0))
	must(mc.Set(ctx, "after", "kill", 0))
	waitLog(t, replica.server, "Successful partial resynchronization with master.")
	waitAckedAll(t, master)
	requireSameDigest(t, master, replica)
	assert.Contains(t, replica.output(), "Connection with master lost.")
	assert.Contains(t, replica.output(), "Caching the disconnected master state.")
	assert.Contains(t, replica.output(), "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
	stats := infoMap(t, m, "stats")
	assert.Equal(t, "1", stats["sync_full"])
	assert.Equal(t, "1", stats["sync_partial_ok"])
	assert.Equal(t, "kill", r.Get(ctx, "after").Val())

	// Promotion: the master's history becomes our replid2.
	offset := infoMap(t, m, "replication")["master_repl_offset"]
	require.NoError(t, r.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	o, _ := strconv.ParseInt(offset, 10, 64)
	assert.Contains(t, replica.output(), fmt.Sprintf("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is ", replid, o+1))
	assert.Contains(t, replica.output(), "MASTER MODE enabled (user request from 'id=")
	require.NoError(t, r.Set(ctx, "k", "v", 0).Err())
	info := infoMap(t, r, "replication")
	assert.Equal(t, "master", info["role"])
	assert.Equal(t, replid, info["master_replid2"])
	assert.Equal(t, strconv.FormatInt(o+1, 10), info["second_repl_offset"])
	assert.NotEqual(t, replid, info["master_replid"])
	assert.Equal(t, "", replica.configGet(t, "replicaof"))
}

// fakeMaster serves one replica a full sync with the given payload, then
// holds the connection until the test ends.
func fakeMasterServing(t *testing.T, payload string) (port int, served chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	served = make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					switch {
					case strings.HasPrefix(line, "PING"), strings.HasPrefix(line, "REPLCONF"):
						c.Write([]byte("+OK\r\n"))
					case strings.HasPrefix(line, "PSYNC"):
						c.Write([]byte("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n"))
						c.Write([]byte(payload))
						served <- struct{}{}
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, served
}

// TestCorruptFullSyncKeepsData: an RDB that does not load never replaces
// the dataset; the replica keeps serving it and tries again.
func TestCorruptFullSyncKeepsData(t *testing.T) {
	ctx := context.Background()
	rdb := "REDIS0010\xfa\x09redis-ver\x067.0.15\x00\x03key\x7f\x7f" // a string longer than the file
	port, served := fakeMasterServing(t, fmt.Sprintf("$%d\r\n%s", len(rdb), rdb))
	replica := startNode(t, "", "--replica-serve-stale-data", "yes")
	require.NoError(t, replica.c.Set(ctx, "mine", "kept", 0).Err())
	replicaOf(t, replica, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	for i := 0; i < 2; i++ {
		select {
		case <-served:
		case <-time.After(syncTimeout):
			t.Fatal("the replica never asked for a sync")
		}
	}
	waitLog(t, replica.server, "Failed trying to load the MASTER synchronization DB from disk")
	// Tried again after a second, not in a loop.
	assert.Equal(t, 2, strings.Count(replica.output(), "Connecting to MASTER 127.0.0.1:"+strconv.Itoa(port)))
	assert.Equal(t, "kept", replica.c.Get(ctx, "mine").Val())
	assert.NotContains(t, replica.output(), "MASTER <-> REPLICA sync: Finished with success")
	role, err := replica.c.Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	assert.Equal(t, "slave", role[0])
}
