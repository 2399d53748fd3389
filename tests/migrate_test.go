package tests

// MIGRATE between this server and real Redis 7.0, both ways: a seeded
// random dataset of every type moves key by key and in KEYS batches, with
// COPY and without, and arrives with the same types, DEBUG DIGEST-VALUEs
// and expiry (give or take the transfer, as MIGRATE sends relative TTLs);
// the replies, errors included, are Redis's byte for byte; a MIGRATE
// reaches replicas as the DEL of the keys moved.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMigrateDataset(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MIGRATE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	d := &diffRun{t: t, seed: seed, keys: 1500}
	t.Logf("seed %d", seed)
	redisBin := tool(t, "redis-server")
	g := newGen(seed)
	g.dataset(d.keys)
	d.gen = g
	real := d.start(redisBin, "redis")
	ours := d.start("", "ours")
	d.build(g, ours, real)
	kept := real.facts()

	// What a key becomes on arrival is what real Redis makes of it from
	// real Redis: RESTORE re-encodes (a skiplist sorted set small enough
	// arrives as a listpack, and a listpack keeps no negative zero).
	ref := d.start(redisBin, "redis reference")
	d.migrateAll(real, ref, true)
	d.sameData("redis after COPY", kept, real.facts())
	want := ref.facts()

	// Ours to Redis with COPY, in batches: the source keeps everything.
	toReal := d.start(redisBin, "redis target")
	d.migrateAll(ours, toReal, true)
	d.sameData("ours -> redis, COPY", want, toReal.facts())
	d.sameData("ours after COPY", kept, ours.facts())

	// Redis to ours without COPY: the source ends empty.
	toOurs := d.start("", "ours target")
	d.migrateAll(real, toOurs, false)
	d.sameData("redis -> ours", want, toOurs.facts())
	require.Empty(t, real.facts(), "redis's keys after MIGRATE")

	// Ours to Redis without COPY, over what the COPY left (REPLACE).
	d.migrateAll(ours, toReal, false, "REPLACE")
	d.sameData("ours -> redis, REPLACE", want, toReal.facts())
	require.Empty(t, ours.facts(), "our keys after MIGRATE")
}

// migrateAll moves every key of from to the same database of to: the
// first keys of each database one by one, the rest in KEYS batches.
func (d *diffRun) migrateAll(from, to *dnode, copy bool, opts ...any) {
	d.t.Helper()
	if copy {
		opts = append(opts, "COPY")
	}
	for db := 0; db < numDBs; db++ {
		keys := from.keysOf(d.t, db)
		for i := 0; i < len(keys); {
			args := []any{"MIGRATE", "127.0.0.1", strconv.Itoa(to.Port)}
			n := 1
			if i < 5 {
				args = append(append(args, keys[i], db, 5000), opts...)
			} else {
				n = min(len(keys)-i, 100)
				args = append(append(append(args, "", db, 5000), opts...), "KEYS")
				for _, k := range keys[i : i+n] {
					args = append(args, k)
				}
			}
			require.Equal(d.t, "OK", d.do(from, db, args...), "%s: MIGRATE to %s", from.name, to.name)
			i += n
		}
	}
}

// sameData compares the keys of got with want: types and digests exactly,
// expiry within the time the transfer took.
func (d *diffRun) sameData(stage string, want, got facts) {
	d.t.Helper()
	bad := 0
	for db := 0; db < numDBs; db++ {
		require.Equal(d.t, len(want[db]), len(got[db]), "%s: keys in db %d (seed %d)", stage, db, d.seed)
		for k, w := range want[db] {
			g, ok := got[db][k]
			switch {
			case !ok:
				d.t.Errorf("%s: db %d: %s is missing", stage, db, clipq(k))
			case g.typ != w.typ || g.digest != w.digest:
				d.t.Errorf("%s: db %d: %s: %v, want %v", stage, db, clipq(k), g, w)
			case (g.expireAt < 0) != (w.expireAt < 0) || g.expireAt-w.expireAt > 60_000 || w.expireAt-g.expireAt > 60_000:
				d.t.Errorf("%s: db %d: %s expires at %d, want %d", stage, db, clipq(k), g.expireAt, w.expireAt)
			default:
				continue
			}
			if bad++; bad > 20 {
				d.t.Fatalf("%s: more keys differ (seed %d)", stage, d.seed)
			}
		}
	}
}

// The same commands with our server and then real Redis as the source, to
// a real Redis target: the same replies, byte for byte (redis-cli's).
func TestMigrateReplies(t *testing.T) {
	redisBin := tool(t, "redis-server")
	target := startNode(t, redisBin)
	down := freePort(t) // nothing listens there
	tp, dp := strconv.Itoa(target.Port), strconv.Itoa(down)
	script := [][]string{
		{"SET", "a", "1"}, {"RPUSH", "l", "x", "y", "z"}, {"SET", "e", "v", "PX", "100000"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000"},
		{"MIGRATE", "127.0.0.1", tp, "", "3", "1000", "KEYS", "l", "e", "nokey"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000"},
		{"SET", "a", "2"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000", "REPLACE", "COPY"},
		{"GET", "a"},
		{"MIGRATE", "127.0.0.1", dp, "a", "0", "100"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000", "AUTH", "foo"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000", "AUTH2", "u", "p"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000", "KEYS"},
		{"MIGRATE", "127.0.0.1", tp, "a", "x", "1000"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "x"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "1000", "bogus"},
		{"MIGRATE", "127.0.0.1", tp, "", "0", "1000", "AUTH2", "u"},
		{"MIGRATE", "127.0.0.1", tp, "", "0", "1000", "KEYS"},
		{"MIGRATE", "127.0.0.1", tp, "", "0", "1000", "KEYS", "zz"},
		{"MIGRATE", "127.0.0.1", tp, "a", "99", "1000", "REPLACE"},
		{"MIGRATE", "127.0.0.1", tp, "a", "0", "0", "REPLACE"}, // timeout 0 is 1000
		{"MIGRATE", "127.0.0.1", tp, "a"},
		{"EXISTS", "a", "l", "e"},
	}
	run := func(bin string) string {
		src := startNode(t, bin)
		require.NoError(t, target.client(t, 2).FlushAll(context.Background()).Err())
		out := ""
		for _, cmd := range script {
			b, err := exec.Command(tool(t, "redis-cli"), append([]string{"-p", strconv.Itoa(src.Port)}, cmd...)...).CombinedOutput()
			require.NoError(t, err, "%v", cmd)
			out += fmt.Sprintf("%v -> %s", cmd, b)
		}
		return out + fmt.Sprint("migrate_cached_sockets:", infoField(t, src.client(t, 2), "stats", "migrate_cached_sockets"))
	}
	require.Equal(t, run(redisBin), run(""))
}

// A MIGRATE without COPY reaches a replica as the DEL of the keys the
// target took; the cached connection closes after 10 idle seconds.
func TestMigratePropagatesDel(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	master := startNode(t, "")
	replica := startNode(t, "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	target := startNode(t, tool(t, "redis-server"))
	ctx := context.Background()
	m := master.client(t, 2)
	for i := 0; i < 20; i++ {
		require.NoError(t, m.Set(ctx, fmt.Sprint("k", i), i, 0).Err())
	}
	require.NoError(t, target.client(t, 2).Set(ctx, "k3", "taken", 0).Err()) // BUSYKEY: k3 stays
	waitSynced(t, master, replica)
	args := []any{"MIGRATE", "127.0.0.1", target.Port, "", 0, 1000, "KEYS"}
	for i := 0; i < 10; i++ {
		args = append(args, fmt.Sprint("k", i))
	}
	err := m.Do(ctx, args...).Err()
	require.EqualError(t, err, "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
	waitSynced(t, master, replica)
	r := replica.client(t, 2)
	for i := 0; i < 20; i++ {
		n, err := r.Exists(ctx, fmt.Sprint("k", i)).Result()
		require.NoError(t, err)
		require.Equal(t, int64(map[bool]int{true: 1}[i >= 10 || i == 3]), n, "k%d on the replica", i)
	}
	require.Equal(t, int64(1), infoField(t, m, "stats", "migrate_cached_sockets"))
	require.Eventually(t, func() bool {
		return infoField(t, m, "stats", "migrate_cached_sockets") == 0
	}, 30*time.Second, 100*time.Millisecond)
}
