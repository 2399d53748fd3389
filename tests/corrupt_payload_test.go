package tests

// RESTORE of corrupt payloads, differentially against real Redis 7.0 with
// sanitize-dump-payload yes: valid payloads of every encoded collection
// (listpacks, an intset, a stream, and the ziplists and zipmap of older
// RDB versions) are mutated at random, seeded, and restored on both.
// Whatever Redis's deep check refuses, this server refuses too; what both
// accept, both hold the same (DEBUG DIGEST-VALUE); and the server stays up.

import (
	"context"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// ziplist builds a ziplist of string entries (each shorter than 64 bytes)
// as Redis 6.2 wrote them.
func ziplist(entries ...string) []byte {
	b := make([]byte, 10)
	prev, tail := 0, 10
	for _, e := range entries {
		tail = len(b)
		size := len(b)
		b = append(b, byte(prev), byte(len(e)))
		b = append(b, e...)
		prev = len(b) - size
	}
	b = append(b, 0xff)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(tail))
	binary.LittleEndian.PutUint16(b[8:], uint16(len(entries)))
	return b
}

// zipmap builds a Redis 2.x zipmap of short fields and values.
func zipmap(pairs ...string) []byte {
	b := []byte{byte(len(pairs) / 2)}
	for i := 0; i < len(pairs); i += 2 {
		b = append(b, byte(len(pairs[i])))
		b = append(b, pairs[i]...)
		b = append(b, byte(len(pairs[i+1])), 0)
		b = append(b, pairs[i+1]...)
	}
	return append(b, 0xff)
}

// oldPayload is a RESTORE payload of RDB version 9 (Redis 6.2) holding a
// value of type typ encoded as blob.
func oldPayload(typ byte, blob []byte) []byte {
	return oldPayloadRaw(typ, rdbString(blob))
}

// oldPayloadRaw is oldPayload for a serialized value.
func oldPayloadRaw(typ byte, value []byte) []byte {
	p := append([]byte{typ}, value...)
	return append(p, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0) // version 9, no checksum
}

// rdbString is b as an RDB string (shorter than 16 KB).
func rdbString(b []byte) []byte {
	return append([]byte{0x40 | byte(len(b)>>8), byte(len(b))}, b...) // a 14-bit length
}

func TestCorruptPayloadsLikeRedis(t *testing.T) {
	ctx := context.Background()
	real := startNode(t, tool(t, "redis-server"), "--loglevel", "verbose")
	ours := startNode(t, "", "--loglevel", "verbose")
	nodes := []*replNode{real, ours}
	for _, n := range nodes {
		require.NoError(t, n.c.Do(ctx, "DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1").Err())
		require.NoError(t, n.c.ConfigSet(ctx, "sanitize-dump-payload", "yes").Err())
	}

	// Valid payloads: DUMPs of Redis's listpacks and intset, and payloads
	// of the older encodings.
	rc := real.c
	require.NoError(t, rc.HSet(ctx, "hash", "a", "1", "b", "two", "c", "-3").Err())
	require.NoError(t, rc.ZAdd(ctx, "zset", redis.Z{Score: 1, Member: "x"}, redis.Z{Score: 2.5, Member: "y"}).Err())
	require.NoError(t, rc.RPush(ctx, "list", "a", "bb", "123", "-7").Err())
	require.NoError(t, rc.SAdd(ctx, "intset", 1, 2, 300, -70000).Err())
	require.NoError(t, rc.XAdd(ctx, &redis.XAddArgs{Stream: "stream", ID: "1-1", Values: []any{"f", "v"}}).Err())
	require.NoError(t, rc.XAdd(ctx, &redis.XAddArgs{Stream: "stream", ID: "2-1", Values: []any{"f", "w", "g", "x"}}).Err())
	require.NoError(t, rc.XGroupCreate(ctx, "stream", "group", "0").Err())
	require.NoError(t, rc.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "group", Consumer: "alice", Streams: []string{"stream", ">"}, Count: 1}).Err())
	valid := map[string][]byte{
		"list ziplist": oldPayload(10, ziplist("a", "bb", "ccc")),
		"hash ziplist": oldPayload(13, ziplist("f1", "v1", "f2", "v2")),
		"zset ziplist": oldPayload(12, ziplist("m1", "1", "m2", "2.5")),
		"hash zipmap":  oldPayload(9, zipmap("f1", "v1", "f2", "v2")),
		"quicklist":    oldPayloadRaw(14, append(append([]byte{2}, rdbString(ziplist("a", "b"))...), rdbString(ziplist("c", "dd"))...)),
	}
	for _, k := range []string{"hash", "zset", "list", "intset", "stream"} {
		p, err := rc.Dump(ctx, k).Result()
		require.NoError(t, err)
		valid[k] = []byte(p)
	}
	// Each valid payload restores the same on both.
	for name, p := range valid {
		var digests [2]string
		for i, n := range nodes {
			require.NoError(t, n.c.RestoreReplace(ctx, "v", 0, string(p)).Err(), "%s on %s", name, []string{"redis", "ours"}[i])
			digests[i] = n.c.Do(ctx, "DEBUG", "DIGEST-VALUE", "v").String()
		}
		require.Equal(t, digests[0], digests[1], name)
	}

	rng := rand.New(rand.NewSource(20261206))
	counts := map[string]int{}
	for name, p := range valid {
		for range 150 {
			m := append([]byte(nil), p...)
			body := len(m) - 10
			for range 1 + rng.Intn(2) {
				switch i := rng.Intn(body); rng.Intn(3) {
				case 0:
					m[i] = byte(rng.Intn(256))
				case 1:
					m[i] ^= 1 << rng.Intn(8)
				default:
					m[i] += byte(rng.Intn(5)) - 2
				}
			}
			var errs [2]error
			var digests [2]string
			for i, n := range nodes {
				errs[i] = n.c.RestoreReplace(ctx, "m", 0, string(m)).Err()
				if errs[i] == nil {
					digests[i] = n.c.Do(ctx, "DEBUG", "DIGEST-VALUE", "m").String()
				}
			}
			require.NoError(t, ours.c.Ping(ctx).Err(), "%s %q", name, m)
			require.NoError(t, real.c.Ping(ctx).Err(), "%s %q", name, m)
			switch {
			case errs[0] != nil:
				require.Error(t, errs[1], "%s %q: Redis says %v", name, m, errs[0])
				require.Equal(t, errs[0].Error(), errs[1].Error(), "%s %q", name, m)
				counts["both refuse"]++
			case errs[1] != nil:
				// Stricter than Redis: only where Redis accepts a value
				// it would trip over later (see rdb.Report).
				require.Equal(t, "ERR Bad data format", errs[1].Error(), "%s %q", name, m)
				counts["only ours refuses"]++
			default:
				require.Equal(t, digests[0], digests[1], "%s %q", name, m)
				counts["both accept"]++
			}
		}
	}
	t.Logf("%v", counts)
	require.Contains(t, ours.output(), "integrity check failed")
	require.NotContains(t, ours.output(), "panic")
	info := infoMap(t, ours.c, "stats")
	require.NotEqual(t, "0", info["dump_payload_sanitizations"])
	require.Equal(t, infoMap(t, real.c, "stats")["dump_payload_sanitizations"] != "0", true)
}
