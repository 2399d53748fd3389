package tests

// The differential test: a seeded random dataset of every type, encoding
// and class of value (diffgen_test.go) is built by the same commands on the
// server under test and on real Redis 7.0, then moved every way data moves
// between servers: SAVE files loaded by the other server (and checked by
// redis-check-rdb), DUMP/RESTORE payloads both ways, and full syncs to real
// and to our replicas, disk and diskless, through a chain. After each move
// the two sides must agree key by key: type, DEBUG DIGEST-VALUE, expiry
// time (the digest only marks that a key expires, not when), a stream's
// groups, PELs and consumers (which the digest leaves out: streamState)
// and, between servers that built their values the same way, OBJECT
// ENCODING. Replies
// to the building commands must be equal too, and DUMP payloads of the
// encodings whose bytes do not depend on a hash seed byte for byte.
//
// A round picks its seed at random. DIFF_SEED reproduces one (the seed is
// printed when it fails), DIFF_KEYS sets the number of keys (3000), and
// DIFF_TIME runs rounds of consecutive seeds until that much time has
// passed, or that many rounds with "10x" (make fuzz: DIFF_TIME=FUZZTIME,
// 10000 keys).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "DIFF_SEED")
		seed = v
	}
	keys := 3000
	if s := os.Getenv("DIFF_KEYS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(t, err, "DIFF_KEYS")
		keys = v
	}
	// DIFF_TIME is a duration or, as go test's -fuzztime, a count of
	// rounds such as 10x.
	var budget time.Duration
	rounds := uint64(1)
	if s := os.Getenv("DIFF_TIME"); s != "" {
		if n, ok := strings.CutSuffix(s, "x"); ok {
			v, err := strconv.ParseUint(n, 10, 64)
			require.NoError(t, err, "DIFF_TIME")
			rounds = v
		} else {
			v, err := time.ParseDuration(s)
			require.NoError(t, err, "DIFF_TIME")
			budget, rounds = v, 0
		}
	}
	if budget == 0 && rounds <= 1 {
		runDifferential(t, seed, keys)
		return
	}
	start := time.Now()
	for round := uint64(0); round == 0 || round < rounds || time.Since(start) < budget; round++ {
		s := seed + round
		if !t.Run(fmt.Sprint("seed=", s), func(t *testing.T) { runDifferential(t, s, keys) }) {
			return
		}
	}
}

// diffRun is one round: its seed, for the failure messages.
type diffRun struct {
	t    *testing.T
	seed uint64
	keys int
	gen  *gen
}

func runDifferential(t *testing.T, seed uint64, keys int) {
	d := &diffRun{t: t, seed: seed, keys: keys}
	t.Logf("seed %d, %d keys", seed, keys)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: DIFF_SEED=%d DIFF_KEYS=%d go test ./tests -run '^TestDifferential$'", seed, keys)
		}
	})
	redisBin := tool(t, "redis-server")
	step := d.stepTimer()
	g := newGen(seed)
	p := g.profile()
	g.dataset(keys)
	d.gen = g
	t.Logf("%d of the keys are streams", len(g.streams.built))
	t.Logf("servers that build the dataset: %q; servers that load it: %q", p.build, p.load)

	// 1. The same commands on both: the same replies and the same data,
	// in the same encodings, with the same DUMP payloads.
	real := d.start(redisBin, "redis", p.build...)
	ours := d.start("", "ours", p.build...)
	if p.packedThreshold != "" {
		t.Logf("quicklist packed threshold %s", p.packedThreshold)
		for _, n := range []*dnode{real, ours} {
			d.do(n, 0, "DEBUG", "QUICKLIST-PACKED-THRESHOLD", p.packedThreshold)
		}
	}
	d.build(g, ours, real)
	generated := real.facts()
	d.compare("after the same commands", real, generated, ours, true)
	d.compareDumps(real, ours, p)
	step("built and compared the dataset")

	// 2. Our SAVE loads in Redis and passes redis-check-rdb; Redis's SAVE
	// loads here. Redis loading its own file is the reference for every
	// load, rather than the dataset as built: a load may change a value
	// (Redis turns a -0 score into 0 when a skiplist becomes a listpack).
	ourDump := d.save(ours)
	realDump := d.save(real)
	d.checkRDB(ourDump)
	ref := d.startFrom(redisBin, "redis loading its own SAVE", realDump, p.load...)
	loaded := ref.facts()
	realFromOurs := d.startFrom(redisBin, "redis loading our SAVE", ourDump, p.load...)
	oursFromReal := d.startFrom("", "ours loading Redis's SAVE", realDump, p.load...)
	d.compare("our SAVE loaded by Redis", ref, loaded, realFromOurs, true)
	d.compare("Redis's SAVE loaded here", ref, loaded, oursFromReal, true)

	// 3. The round trip: what we loaded from Redis, saved again, loads in
	// Redis.
	again := d.save(oursFromReal)
	d.checkRDB(again)
	roundTrip := d.startFrom(redisBin, "redis loading our SAVE of Redis's SAVE", again, p.load...)
	d.compare("Redis -> ours -> Redis through SAVE", ref, loaded, roundTrip, true)
	step("SAVE and load both ways")

	// 4. DUMP/RESTORE of every key, both ways, into emptied servers.
	d.restoreAll(ours, roundTrip)
	roundTrip.name = "redis restoring our DUMPs"
	d.compare("DUMP here, RESTORE in Redis", ref, loaded, roundTrip, true)
	d.restoreAll(real, oursFromReal)
	oursFromReal.name = "ours restoring Redis's DUMPs"
	d.compare("DUMP in Redis, RESTORE here", ref, loaded, oursFromReal, true)
	step("DUMP/RESTORE both ways")

	// 5. Full syncs, disk then diskless, to a real replica of ours and to
	// our replica of Redis, and along real -> ours -> ours -> real.
	replica := func(bin, name string, master *dnode) *dnode {
		return d.start(bin, name, append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(master.Port)}, p.load...)...)
	}
	for _, m := range []*dnode{ours, real} {
		d.do(m, 0, "CONFIG", "SET", "repl-diskless-sync", "no")
	}
	realReplica := replica(redisBin, "redis replica of ours (disk)", ours)
	ourReplica := replica("", "our replica of redis (disk)", real)
	d.waitSynced(ours, realReplica)
	d.waitSynced(real, ourReplica)
	d.compare("full sync (disk) of Redis from ours", ref, loaded, realReplica, true)
	d.compare("full sync (disk) of ours from Redis", ref, loaded, ourReplica, true)
	for _, m := range []*dnode{ours, real} {
		d.do(m, 0, "CONFIG", "SET", "repl-diskless-sync", "yes")
	}
	realReplica2 := replica(redisBin, "redis replica of ours (diskless)", ours)
	middle := replica("", "our replica of redis (diskless)", real)
	sub := replica("", "our sub-replica", middle)
	leaf := replica(redisBin, "redis replica of our sub-replica", sub)
	d.waitSynced(ours, realReplica2)
	d.waitSynced(real, middle, sub, leaf)
	d.compare("full sync (diskless) of Redis from ours", ref, loaded, realReplica2, true)
	for _, n := range []*dnode{middle, sub, leaf} {
		d.compare("full sync (diskless) along redis -> ours -> ours -> redis", ref, loaded, n, true)
	}
	step("full syncs")

	// 6. DEBUG RELOAD where the dataset was built, last: with the limits
	// of the build a reload may give other encodings and values than a
	// load elsewhere (a skiplist that becomes a listpack loses its -0
	// scores), which the steps above would have inherited.
	d.do(real, 0, "DEBUG", "RELOAD")
	d.do(ours, 0, "DEBUG", "RELOAD")
	d.compare("DEBUG RELOAD on both", real, real.facts(), ours, true)
}

// waitSynced waits for replicas to catch up with master, allowing a
// second more per thousand keys than the other tests allow.
func (d *diffRun) waitSynced(master *dnode, replicas ...*dnode) {
	d.t.Helper()
	var rs []*replNode
	for _, r := range replicas {
		rs = append(rs, r.replNode)
	}
	waitSyncedWithin(d.t, syncTimeout+time.Duration(d.keys)*time.Millisecond, master.replNode, rs...)
}

// stepTimer logs how long each step took.
func (d *diffRun) stepTimer() func(string) {
	last := time.Now()
	return func(what string) {
		d.t.Logf("%s in %v", what, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}
}

// dnode is one server of the test, with a RESP2 client per database.
type dnode struct {
	*replNode
	name string
	mu   sync.Mutex
	dbs  [numDBs]*redis.Client
}

func (d *diffRun) start(bin, name string, args ...string) *dnode {
	return &dnode{replNode: startNode(d.t, bin, args...), name: name}
}

// startFrom starts bin on a copy of the RDB file dump.
func (d *diffRun) startFrom(bin, name, dump string, args ...string) *dnode {
	b, err := os.ReadFile(dump)
	require.NoError(d.t, err)
	dir := d.t.TempDir()
	require.NoError(d.t, os.WriteFile(filepath.Join(dir, "dump.rdb"), b, 0o644))
	return &dnode{replNode: launchNode(d.t, bin, dir, freePort(d.t), args...), name: name}
}

func (n *dnode) db(i int) *redis.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dbs[i] == nil {
		c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: i, Protocol: 2, MaxRetries: -1,
			ReadTimeout: time.Minute, WriteTimeout: time.Minute, PoolSize: 2, DisableIdentity: true})
		n.t.Cleanup(func() { c.Close() })
		n.dbs[i] = c
	}
	return n.dbs[i]
}

// do runs one command that must succeed.
func (d *diffRun) do(n *dnode, db int, args ...any) any {
	d.t.Helper()
	v, err := n.db(db).Do(context.Background(), args...).Result()
	require.NoError(d.t, err, "%s: %v", n.name, args)
	return v
}

// reply is one command's answer: its value or its error text.
type reply struct {
	val any
	err string
}

// pipeline sends cmds to database db in one round trip. An error that is
// not a server's error reply (a timeout, a closed connection) fails the
// test.
func (n *dnode) pipeline(db int, cmds [][]any) ([]reply, error) {
	ctx := context.Background()
	p := n.db(db).Pipeline()
	out := make([]*redis.Cmd, len(cmds))
	for i, c := range cmds {
		out[i] = p.Do(ctx, c...)
	}
	_, _ = p.Exec(ctx)
	replies := make([]reply, len(cmds))
	for i, c := range out {
		v, err := c.Result()
		var rerr redis.Error
		switch {
		case err == nil, errors.Is(err, redis.Nil):
		case errors.As(err, &rerr):
			replies[i].err = err.Error()
		default:
			return nil, fmt.Errorf("%s: %v: %w", n.name, clip(fmt.Sprint(cmds[i]), 200), err)
		}
		replies[i].val = v
	}
	return replies, nil
}

// both runs cmds on a and b at the same time.
func (d *diffRun) both(a, b *dnode, db int, cmds [][]any) (ra, rb []reply) {
	d.t.Helper()
	var errA, errB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ra, errA = a.pipeline(db, cmds) }()
	go func() { defer wg.Done(); rb, errB = b.pipeline(db, cmds) }()
	wg.Wait()
	require.NoError(d.t, errA)
	require.NoError(d.t, errB)
	return ra, rb
}

// build sends the generated commands to both servers, in batches, and
// compares every reply.
func (d *diffRun) build(g *gen, ours, real *dnode) {
	d.t.Helper()
	bad := 0
	for db, cmds := range g.cmds {
		for len(cmds) > 0 {
			batch := cmds[:min(len(cmds), 500)]
			cmds = cmds[len(batch):]
			ro, rr := d.both(ours, real, db, batch)
			for i := range batch {
				if reflect.DeepEqual(ro[i], rr[i]) {
					continue
				}
				if bad++; bad <= 20 {
					d.t.Errorf("db %d: %s\n  redis: %s\n  ours:  %s", db, showCmd(batch[i]), showReply(rr[i]), showReply(ro[i]))
				}
			}
		}
	}
	if bad > 20 {
		d.t.Errorf("%d replies differ in all", bad)
	}
}

// keyFacts is what two servers must agree on about a key.
type keyFacts struct {
	typ, enc, digest string
	expireAt         int64
	// groups is a stream's state beyond its entries (streamState).
	groups string
}

// facts is every key of every database of a server.
type facts map[int]map[string]keyFacts

func (n *dnode) keysOf(t *testing.T, db int) []string {
	keys, err := n.db(db).Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	return keys
}

func (n *dnode) facts() facts {
	t := n.t
	out := facts{}
	for db := 0; db < numDBs; db++ {
		keys := n.keysOf(t, db)
		if len(keys) == 0 {
			continue
		}
		var cmds [][]any
		for _, k := range keys {
			cmds = append(cmds, []any{"TYPE", k}, []any{"OBJECT", "ENCODING", k},
				[]any{"DEBUG", "DIGEST-VALUE", k}, []any{"PEXPIRETIME", k})
		}
		r, err := n.pipeline(db, cmds)
		require.NoError(t, err)
		m := map[string]keyFacts{}
		for i, k := range keys {
			r := r[4*i:]
			for _, x := range r[:4] {
				require.Empty(t, x.err, "%s: facts of %q", n.name, k)
			}
			m[k] = keyFacts{typ: r[0].val.(string), enc: r[1].val.(string),
				digest: fmt.Sprint(r[2].val), expireAt: r[3].val.(int64)}
		}
		n.addStreamStates(db, m)
		out[db] = m
	}
	return out
}

// addStreamStates fills in the groups fact of the streams of m.
func (n *dnode) addStreamStates(db int, m map[string]keyFacts) {
	var keys []string
	var cmds [][]any
	for k, f := range m {
		if f.typ == "stream" {
			keys = append(keys, k)
			cmds = append(cmds, streamStateCmd(k))
		}
	}
	if len(cmds) == 0 {
		return
	}
	r, err := n.pipeline(db, cmds)
	require.NoError(n.t, err)
	for i, k := range keys {
		require.Empty(n.t, r[i].err, "%s: XINFO STREAM %q FULL", n.name, k)
		f := m[k]
		f.groups = streamState(r[i].val)
		m[k] = f
	}
}

// compare checks that got holds the dataset want describes (as seen on
// the server ref), encodings included when enc is set, and names the
// keys that differ, with both values.
func (d *diffRun) compare(stage string, ref *dnode, want facts, got *dnode, enc bool) {
	d.t.Helper()
	ctx := context.Background()
	wantDigest, err := ref.db(0).Do(ctx, "DEBUG", "DIGEST").Text()
	require.NoError(d.t, err)
	gotDigest, err := got.db(0).Do(ctx, "DEBUG", "DIGEST").Text()
	require.NoError(d.t, err)
	var diffs []string
	if gotDigest != wantDigest {
		diffs = append(diffs, fmt.Sprintf("DEBUG DIGEST %s on %s, %s on %s", wantDigest, ref.name, gotDigest, got.name))
	}
	have := got.facts()
	for db := 0; db < numDBs; db++ {
		w, h := want[db], have[db]
		for k, wf := range w {
			hf, ok := h[k]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("db %d key %s: missing on %s", db, clipq(k), got.name))
			case wf.typ != hf.typ || wf.digest != hf.digest || wf.expireAt != hf.expireAt || enc && wf.enc != hf.enc ||
				wf.groups != hf.groups:
				diffs = append(diffs, fmt.Sprintf("db %d key %s:\n    %s: %s\n    %s: %s%s%s", db, clipq(k),
					ref.name, wf, got.name, hf, d.valueDiff(ref, got, db, k, wf, hf), d.history(db, k)))
			}
		}
		for k := range h {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("db %d key %s: only on %s", db, clipq(k), got.name))
			}
		}
	}
	if len(diffs) == 0 {
		return
	}
	n := len(diffs)
	if n > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("... %d differences in all", n))
	}
	d.t.Errorf("%s: %s differs from %s (seed %d):\n  %s", stage, got.name, ref.name, d.seed, strings.Join(diffs, "\n  "))
}

func (f keyFacts) String() string {
	s := fmt.Sprintf("type %s, encoding %s, digest %s, pexpiretime %d", f.typ, f.enc, f.digest, f.expireAt)
	if f.groups != "" {
		s += ", XINFO STREAM FULL " + clip(f.groups, 1500)
	}
	return s
}

// valueDiff shows where two values of a key differ, read back through
// ordinary commands.
func (d *diffRun) valueDiff(a, b *dnode, db int, key string, fa, fb keyFacts) string {
	if fa.typ != fb.typ || fa.digest == fb.digest {
		return ""
	}
	va, vb := a.contents(db, key, fa.typ), b.contents(db, key, fb.typ)
	for i := 0; i < max(len(va), len(vb)); i++ {
		x, y := "(none)", "(none)"
		if i < len(va) {
			x = clipq(va[i])
		}
		if i < len(vb) {
			y = clipq(vb[i])
		}
		if x != y {
			return fmt.Sprintf("\n    %d elements against %d; first difference at %d: %s against %s", len(va), len(vb), i, x, y)
		}
	}
	return "\n    (equal through ordinary commands)"
}

// history lists the generated commands that name key, which rebuild it:
// those sent to its database, and COPY or MOVE from others (all of a
// database's commands are sent before the next database's).
func (d *diffRun) history(db int, key string) string {
	var b strings.Builder
	n := 0
	for from, cmds := range d.gen.cmds {
		for _, c := range cmds {
			if !slices.Contains(c, any(key)) || from != db && c[0] != "COPY" && c[0] != "MOVE" {
				continue
			}
			if n++; n <= 12 {
				b.WriteString("\n      ")
				if from != db {
					fmt.Fprintf(&b, "(db %d) ", from)
				}
				b.WriteString(showCmd(c))
			}
		}
	}
	if n > 12 {
		fmt.Fprintf(&b, "\n      ... %d commands in all", n)
	}
	if n == 0 {
		return ""
	}
	return "\n    built by:" + b.String()
}

// contents is a value as a list of strings in a canonical order.
func (n *dnode) contents(db int, key, typ string) []string {
	ctx := context.Background()
	c := n.db(db)
	var out []string
	var err error
	switch typ {
	case "string":
		var s string
		s, err = c.Get(ctx, key).Result()
		out = []string{s}
	case "list":
		out, err = c.LRange(ctx, key, 0, -1).Result()
	case "set":
		out, err = c.SMembers(ctx, key).Result()
		slices.Sort(out)
	case "hash":
		var m map[string]string
		m, err = c.HGetAll(ctx, key).Result()
		for f, v := range m {
			out = append(out, f+" => "+v)
		}
		slices.Sort(out)
	case "zset":
		var zs []string
		zs, err = c.Do(ctx, "ZRANGE", key, 0, -1, "WITHSCORES").StringSlice()
		for i := 0; i+1 < len(zs); i += 2 {
			out = append(out, zs[i]+" => "+zs[i+1])
		}
	case "stream":
		var xs []any
		xs, err = c.Do(ctx, "XRANGE", key, "-", "+").Slice()
		for _, x := range xs {
			out = append(out, fmt.Sprint(x))
		}
	}
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	return out
}

// deterministic lists the encodings whose DUMP bytes depend only on the
// commands that built them, not on a hash seed or table order.
var deterministic = map[string]bool{"int": true, "embstr": true, "raw": true, "listpack": true, "intset": true, "quicklist": true}

// compareDumps checks that both servers DUMP the same bytes for every key
// of a deterministic encoding (they built it with the same commands), and
// the same RDB type for the others. Compression is off meanwhile: LZF's
// output is not part of the format, only its decompression is.
func (d *diffRun) compareDumps(real, ours *dnode, _ profile) {
	d.t.Helper()
	for _, n := range []*dnode{real, ours} {
		was := d.do(n, 0, "CONFIG", "GET", "rdbcompression").([]any)[1]
		d.do(n, 0, "CONFIG", "SET", "rdbcompression", "no")
		defer d.do(n, 0, "CONFIG", "SET", "rdbcompression", was)
	}
	var diffs []string
	for db := 0; db < numDBs; db++ {
		keys := real.keysOf(d.t, db)
		var cmds [][]any
		for _, k := range keys {
			cmds = append(cmds, []any{"OBJECT", "ENCODING", k}, []any{"DUMP", k})
		}
		rr, ro := d.both(real, ours, db, cmds)
		for i, k := range keys {
			enc := fmt.Sprint(rr[2*i].val)
			a, _ := rr[2*i+1].val.(string)
			b, _ := ro[2*i+1].val.(string)
			if a == b || !deterministic[enc] && a != "" && b != "" && a[0] == b[0] {
				continue
			}
			at := 0
			for at < min(len(a), len(b)) && a[at] == b[at] {
				at++
			}
			diffs = append(diffs, fmt.Sprintf("db %d key %s (%s): %d bytes against %d, first difference at byte %d: %q against %q",
				db, clipq(k), enc, len(a), len(b), at, clip(a[min(at, len(a)):], 16), clip(b[min(at, len(b)):], 16)))
		}
	}
	if len(diffs) > 0 {
		n := len(diffs)
		if n > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("... %d keys in all", n))
		}
		d.t.Errorf("DUMP payloads differ (redis against ours, seed %d):\n  %s", d.seed, strings.Join(diffs, "\n  "))
	}
}

// save runs SAVE and returns the file's path.
func (d *diffRun) save(n *dnode) string {
	d.t.Helper()
	d.do(n, 0, "SAVE")
	return filepath.Join(n.dir, "dump.rdb")
}

// checkRDB runs redis-check-rdb on a file.
func (d *diffRun) checkRDB(path string) {
	d.t.Helper()
	out, errOut, err := runTool(d.t, time.Minute, "", "redis-check-rdb", path)
	if err != nil || !strings.Contains(out, "RDB looks OK!") {
		d.t.Errorf("redis-check-rdb %s: %v (seed %d)\n%s%s", path, err, d.seed, out, errOut)
	}
}

// restoreAll empties to, then DUMPs every key of from and RESTOREs it in
// to with the same absolute expiry.
func (d *diffRun) restoreAll(from, to *dnode) {
	d.t.Helper()
	d.do(to, 0, "FLUSHALL")
	for db := 0; db < numDBs; db++ {
		keys := from.keysOf(d.t, db)
		var cmds [][]any
		for _, k := range keys {
			cmds = append(cmds, []any{"DUMP", k}, []any{"PEXPIRETIME", k})
		}
		r, err := from.pipeline(db, cmds)
		require.NoError(d.t, err)
		var restores [][]any
		for i, k := range keys {
			payload, at := r[2*i].val, r[2*i+1].val.(int64)
			require.Empty(d.t, r[2*i].err)
			restores = append(restores, []any{"RESTORE", k, strconv.FormatInt(max(at, 0), 10), payload, "ABSTTL"})
		}
		res, err := to.pipeline(db, restores)
		require.NoError(d.t, err)
		for i, x := range res {
			if x.err != "" {
				d.t.Errorf("RESTORE %s in %s of %s's DUMP: %s (seed %d)", clipq(keys[i]), to.name, from.name, x.err, d.seed)
			}
		}
	}
}

func showCmd(args []any) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(clipq(fmt.Sprint(a)))
	}
	return clip(b.String(), 400)
}

func showReply(r reply) string {
	if r.err != "" {
		return "error " + strconv.Quote(r.err)
	}
	return clip(fmt.Sprintf("%#v", r.val), 400)
}

// clipq quotes s, shortened to its first 80 bytes.
func clipq(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", s[:80], len(s))
	}
	return strconv.Quote(s)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
