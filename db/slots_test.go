package db

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/internal/keyslot"
)

func newClusterRunner(t *testing.T) *localRunner {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("enable-debug-command yes\ncluster-enabled yes\n"))
	return &localRunner{srv: NewServer(cfg), clients: map[string]*Client{}}
}

// requireSlotIndex checks the index of DB 0 against a full scan.
func requireSlotIndex(t *testing.T, s *Server) {
	t.Helper()
	require.Empty(t, s.DBs[0].slotIndexErr())
}

// TestSlotIndexPaths drives every way a key enters or leaves the keyspace
// and checks the index after each.
func TestSlotIndexPaths(t *testing.T) {
	r := newClusterRunner(t)
	s := r.srv
	do := func(cmd ...string) []string {
		t.Helper()
		out := r.do("", kargs(cmd...))
		requireSlotIndex(t, s)
		return out
	}
	slot := keyslot.SlotString("{t}")
	keys := func() []string { return s.DBs[0].KeysInSlot(slot, 100) }

	do("SET", "{t}a", "1")
	do("SET", "{t}b", "1")
	do("RPUSH", "{t}c", "x")
	require.Equal(t, []string{"{t}c", "{t}b", "{t}a"}, keys(), "newest first")
	require.Equal(t, 3, s.DBs[0].CountKeysInSlot(slot))

	do("SET", "{t}a", "2") // an overwrite keeps its place
	do("APPEND", "{t}b", "x")
	require.Equal(t, []string{"{t}c", "{t}b", "{t}a"}, keys())

	do("DEL", "{t}b")
	do("SET", "{t}b", "3") // added again: newest
	require.Equal(t, []string{"{t}b", "{t}c", "{t}a"}, keys())

	do("RENAME", "{t}a", "{t}d")
	require.Equal(t, []string{"{t}d", "{t}b", "{t}c"}, keys())
	do("RENAME", "{t}d", "other")
	require.Equal(t, []string{"{t}b", "{t}c"}, keys())
	require.Equal(t, 1, s.DBs[0].CountKeysInSlot(keyslot.SlotString("other")))

	do("COPY", "{t}b", "{t}e")
	require.Equal(t, []string{"{t}e", "{t}b", "{t}c"}, keys())
	do("COPY", "{t}c", "{t}e", "REPLACE")
	require.Equal(t, []string{"{t}e", "{t}b", "{t}c"}, keys())

	do("LPOP", "{t}c") // the list emptied: the key goes
	require.Equal(t, []string{"{t}e", "{t}b"}, keys())

	// Lazy expiry, then active expiry.
	do("SET", "{t}x", "v", "PX", "1")
	do("SET", "{t}y", "v", "PX", "1")
	require.Equal(t, 4, s.DBs[0].CountKeysInSlot(slot), "expired keys count until deleted")
	time.Sleep(5 * time.Millisecond)
	do("GET", "{t}x")
	require.Equal(t, []string{"{t}y", "{t}e", "{t}b"}, keys())
	for s.DBs[0].Len() > 0 && s.DBs[0].Peek([]byte("{t}y")) == nil && s.DBs[0].lookup([]byte("{t}y")) != nil {
		s.Cron()
	}
	requireSlotIndex(t, s)
	require.Equal(t, []string{"{t}e", "{t}b"}, keys())

	// Eviction.
	for i := range 50 {
		do("SET", fmt.Sprint("{t}ev", i), "v")
	}
	do("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
	do("CONFIG", "SET", "maxmemory", "1")
	do("SET", "{t}new", "v")
	do("CONFIG", "SET", "maxmemory", "0")
	require.Less(t, s.DBs[0].CountKeysInSlot(slot), 52)

	// FLUSHDB, FLUSHALL, sync and async.
	for _, flush := range [][]string{{"FLUSHDB"}, {"FLUSHALL"}, {"FLUSHALL", "ASYNC"}, {"FLUSHDB", "ASYNC"}} {
		do("SET", "{t}f", "v")
		do("MSET", "a", "1", "b", "2")
		do(flush...)
		require.Zero(t, s.DBs[0].CountKeysInSlot(slot))
		require.Empty(t, keys())
	}

	// A load replaces the dataset: RDB and AOF loads, full syncs and
	// DEBUG RELOAD all install a Load.
	do("SET", "{t}old", "v")
	l := s.NewDetachedLoad()
	dbs := l.DBs
	require.True(t, dbs[0].LoadAdd([]byte("{t}l1"), NewStringValue([]byte("v")), -1, 0))
	require.True(t, dbs[0].LoadAdd([]byte("{t}l2"), NewStringValue([]byte("v")), -1, 0))
	require.False(t, dbs[0].LoadAdd([]byte("{t}l2"), NewStringValue([]byte("v")), -1, 0))
	require.Nil(t, dbs[1].slots, "only DB 0 is indexed")
	s.Install(l)
	requireSlotIndex(t, s)
	require.Equal(t, []string{"{t}l2", "{t}l1"}, keys())

	// Other databases are Redis's refusals.
	require.Equal(t, []string{"-" + ErrSelectCluster}, do("SELECT", "1"))
	require.Equal(t, []string{"+OK"}, do("SELECT", "0"))
	require.Equal(t, []string{"-" + ErrMoveCluster}, do("MOVE", "{t}l1", "1"))
	require.Equal(t, []string{"-" + ErrSwapdbCluster}, do("SWAPDB", "0", "1"))
	require.Equal(t, []string{"-" + ErrCopyCluster}, do("COPY", "{t}l1", "x", "DB", "1"))
	require.Equal(t, []string{"-ERR DB index is out of range"}, do("COPY", "{t}l1", "x", "DB", "100"))

	// DelKeysInSlot: newest first, every key of the slot and no other.
	do("SET", "a", "1")
	require.Equal(t, 2, s.DBs[0].DelKeysInSlot(slot))
	require.Zero(t, s.DBs[0].CountKeysInSlot(slot))
	require.Equal(t, []string{":1"}, do("DBSIZE"))
}

// TestSlotIndexRandom mixes adds, deletes and re-adds over a few slots
// and checks counts, order (newest first, as Redis's list) and that the
// stale entries stay bounded.
func TestSlotIndexRandom(t *testing.T) {
	r := newClusterRunner(t)
	s := r.srv
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	tags := []string{"{a}", "{b}", "{c}"}
	order := map[int][]string{} // per slot, oldest first
	for range 5000 {
		tag := tags[rng.IntN(len(tags))]
		key := tag + fmt.Sprint(rng.IntN(60))
		slot := keyslot.SlotString(key)
		if rng.IntN(2) == 0 {
			r.do("", kargs("DEL", key))
			order[slot] = slices.DeleteFunc(order[slot], func(k string) bool { return k == key })
		} else if r.do("", kargs("SET", key, "v", "NX"))[0] == "+OK" {
			order[slot] = append(order[slot], key)
		}
	}
	requireSlotIndex(t, s)
	for slot, keys := range order {
		want := slices.Clone(keys)
		slices.Reverse(want)
		require.Equal(t, len(want), s.DBs[0].CountKeysInSlot(slot))
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, s.DBs[0].KeysInSlot(slot, 1000))
		if len(want) > 3 {
			require.Equal(t, want[:3], s.DBs[0].KeysInSlot(slot, 3))
		}
		require.LessOrEqual(t, len(s.DBs[0].slots.keys[slot]), 2*len(want)+slotCompactSlack)
	}
}

// TestSlotIndexOffOutsideCluster: no index, nothing counted.
func TestSlotIndexOffOutsideCluster(t *testing.T) {
	r := newLocalRunner(t)
	r.do("", kargs("SET", "a", "1"))
	require.Nil(t, r.srv.DBs[0].slots)
	require.Zero(t, r.srv.DBs[0].CountKeysInSlot(keyslot.SlotString("a")))
	require.Equal(t, []string{"+OK"}, r.do("", kargs("SELECT", "1")))
}

// TestClusterMemory: in cluster mode each key's dict entry carries its
// slot links, 16 bytes, as MEMORY USAGE and MEMORY STATS of Redis 7.0.15
// in cluster mode show (values recorded from it).
func TestClusterMemory(t *testing.T) {
	r := newClusterRunner(t)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	do("SET", "a", "hello")
	require.Equal(t, []string{":80"}, do("MEMORY", "USAGE", "a"))
	do("SET", "a", "12345678901234567890123")
	require.Equal(t, []string{":96"}, do("MEMORY", "USAGE", "a"))
	do("SET", "{b}x", "1")
	stats := strings.Join(do("MEMORY", "STATS"), "\n")
	require.Contains(t, stats, "\"db.0\"\n  *6\n    \"overhead.hashtable.main\"\n    :112\n    \"overhead.hashtable.expires\"\n    :0\n    \"overhead.hashtable.slot-to-keys\"\n    :32")
}
