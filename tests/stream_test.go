package tests

// TestStreamDifferential is the randomized model test of streams: from a
// seed it generates stream keys by XADD (explicit IDs of every form, with
// MAXLEN/MINID trimming, = and ~, LIMIT), XDEL, XTRIM, XSETID and consumer
// groups (XGROUP, XREADGROUP, XACK), interleaved with reads (XRANGE,
// XREVRANGE, XLEN, XREAD, XPENDING), sends the same commands to this
// server and to real Redis and compares every reply. Then the datasets
// must agree (DEBUG DIGEST, per-key digests) and survive every crossing
// of the differential test: SAVE loaded by the other server and checked
// by redis-check-rdb, the round trip, DUMP/RESTORE both ways. Node limits
// are small so that streams span many nodes. Consumer-group state after
// each crossing is compared through XPENDING's summary of every group.
//
// STREAM_SEED=n reproduces a run.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestStreamDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("STREAM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "STREAM_SEED")
		seed = v
	}
	t.Logf("seed %d (STREAM_SEED=%d go test ./tests -run TestStreamDifferential)", seed, seed)
	d := &diffRun{t: t, seed: seed, keys: 100}
	g := newGen(seed)
	sg := &streamGen{gen: g, groups: map[streamKey][]string{}}
	for i := 0; i < 60; i++ {
		db := g.pickDB()
		sg.build(db, g.key(db))
	}
	d.gen = g
	limits := []string{"--stream-node-max-entries", strconv.Itoa(g.between(0, 12)),
		"--stream-node-max-bytes", g.oneOf("0", "200", "4096")}
	redisBin := tool(t, "redis-server")
	real := d.start(redisBin, "redis", limits...)
	ours := d.start("", "ours", limits...)
	d.build(g, ours, real)
	want := real.facts()
	d.compare("after the same commands", real, want, ours, true)
	d.compareDumps(real, ours, profile{})
	sg.compareDumps(d, real, ours)
	sg.compareGroups(d, real, ours)

	ourDump, realDump := d.save(ours), d.save(real)
	d.checkRDB(ourDump)
	ref := d.startFrom(redisBin, "redis loading its own SAVE", realDump)
	loaded := ref.facts()
	realFromOurs := d.startFrom(redisBin, "redis loading our SAVE", ourDump)
	oursFromReal := d.startFrom("", "ours loading Redis's SAVE", realDump)
	d.compare("our SAVE loaded by Redis", ref, loaded, realFromOurs, true)
	d.compare("Redis's SAVE loaded here", ref, loaded, oursFromReal, true)
	sg.compareGroups(d, ref, realFromOurs)
	sg.compareGroups(d, ref, oursFromReal)
	// Loaded from the same file, the groups agree to the millisecond.
	sg.compareFull(d, ref, oursFromReal)
	sg.compareFull(d, ours, realFromOurs)

	again := d.save(oursFromReal)
	d.checkRDB(again)
	roundTrip := d.startFrom(redisBin, "redis loading our SAVE of Redis's SAVE", again)
	d.compare("Redis -> ours -> Redis through SAVE", ref, loaded, roundTrip, true)
	sg.compareGroups(d, ref, roundTrip)
	sg.compareFull(d, ref, roundTrip)

	d.restoreAll(ours, roundTrip)
	roundTrip.name = "redis restoring our DUMPs"
	d.compare("DUMP here, RESTORE in Redis", ref, loaded, roundTrip, true)
	sg.compareGroups(d, ref, roundTrip)
	d.restoreAll(real, oursFromReal)
	oursFromReal.name = "ours restoring Redis's DUMPs"
	d.compare("DUMP in Redis, RESTORE here", ref, loaded, oursFromReal, true)
	sg.compareGroups(d, ref, oursFromReal)

	d.do(real, 0, "DEBUG", "RELOAD")
	d.do(ours, 0, "DEBUG", "RELOAD")
	d.compare("DEBUG RELOAD on both", real, real.facts(), ours, true)
	sg.compareGroups(d, real, ours)
}

type streamKey struct {
	db  int
	key string
}

// streamGen generates the commands of stream keys into a gen.
type streamGen struct {
	*gen
	groups map[streamKey][]string // the groups created on each key
	built  []streamKey            // every key, in order
	ms     uint64                 // the ms part of the next IDs
	ids    []string               // the IDs added to the key being built
}

// fieldNames are few, so that entries often have their node's master
// fields (the SAMEFIELDS encoding).
var fieldNames = []string{"a", "b", "temperature", "1", "-5", "humidity"}

func (g *streamGen) fields() []any {
	n := g.between(1, 4)
	if g.chance(0.1) {
		n = g.between(5, 20)
	}
	var out []any
	for i := 0; i < n; i++ {
		f := fieldNames[g.n(len(fieldNames))]
		if g.chance(0.1) {
			f = g.shortValue()
		}
		v := g.shortValue()
		if g.chance(0.05) {
			v = g.value()
		}
		out = append(out, f, v)
	}
	return out
}

// nextID returns an XADD ID argument of one of the accepted forms, now
// and then one that is not greater than the last (an error reply).
func (g *streamGen) nextID() string {
	switch x := g.n(100); {
	case x < 3 && len(g.ids) > 0:
		return g.ids[g.n(len(g.ids))]
	case x < 5:
		return g.oneOf("0-0", "0", "-1", "1-x", "+", "-")
	}
	g.ms += uint64(g.between(0, 3))
	if g.chance(0.01) {
		g.ms += 1 << 40
	}
	ms := strconv.FormatUint(g.ms, 10)
	switch g.n(3) {
	case 0:
		return ms + "-*"
	case 1:
		return ms
	}
	return ms + "-" + strconv.Itoa(g.between(0, 5))
}

func (g *streamGen) trimArgs() []any {
	var a []any
	if g.chance(0.5) {
		a = append(a, "MAXLEN")
	} else {
		a = append(a, "MINID")
	}
	approx := g.chance(0.5)
	switch {
	case approx:
		a = append(a, "~")
	case g.chance(0.5):
		a = append(a, "=")
	}
	if a[0] == "MAXLEN" {
		a = append(a, strconv.Itoa(g.between(0, 200)))
	} else {
		a = append(a, strconv.FormatUint(max(g.ms, 1)-uint64(g.between(0, 50)), 10))
	}
	if approx && g.chance(0.3) {
		a = append(a, "LIMIT", strconv.Itoa(g.between(0, 50)))
	}
	return a
}

func (g *streamGen) someID() string {
	if len(g.ids) == 0 || g.chance(0.1) {
		return strconv.FormatUint(g.ms, 10) + "-" + strconv.Itoa(g.n(3))
	}
	return g.ids[g.n(len(g.ids))]
}

// build builds one stream key with reads in between.
func (g *streamGen) build(db int, k string) {
	g.ms, g.ids = uint64(g.between(1, 1000)), nil
	sk := streamKey{db, k}
	g.built = append(g.built, sk)
	n := g.between(1, 30)
	if g.chance(0.1) {
		n = g.between(300, 1500)
	}
	for i := 0; i < n; i++ {
		args := []any{"XADD", k}
		if g.chance(0.1) {
			args = append(args, g.trimArgs()...)
		}
		id := g.nextID()
		args = append(append(args, id), g.fields()...)
		g.add(db, args...)
		g.ids = append(g.ids, id)
		g.op(db, sk)
	}
	for i := g.between(0, 20); i > 0; i-- {
		g.op(db, sk)
	}
}

// op is one random command on the stream other than a plain XADD.
func (g *streamGen) op(db int, sk streamKey) {
	k := sk.key
	groups := g.groups[sk]
	group := func() string {
		if len(groups) == 0 || g.chance(0.05) {
			return "nogroup"
		}
		return groups[g.n(len(groups))]
	}
	consumer := func() string { return g.oneOf("alice", "bob", "carol", "7") }
	count := func() []any {
		if g.chance(0.5) {
			return nil
		}
		return []any{"COUNT", strconv.Itoa(g.between(0, 20))}
	}
	switch x := g.n(200); {
	case x < 10:
		g.add(db, "XDEL", k, g.someID(), g.someID())
	case x < 14:
		g.add(db, append([]any{"XTRIM", k}, g.trimArgs()...)...)
	case x < 24:
		start, end := g.oneOf("-", "(", "")+g.someID(), g.oneOf("+", "(", "")+g.someID()
		if start[0] == '(' && len(start) == 1 {
			start = "-"
		}
		if end == "(" {
			end = "+"
		}
		cmd := g.oneOf("XRANGE", "XREVRANGE")
		if cmd == "XREVRANGE" {
			start, end = end, start
		}
		g.add(db, append([]any{cmd, k, start, end}, count()...)...)
	case x < 26:
		g.add(db, "XLEN", k)
	case x < 29:
		g.add(db, append(append([]any{"XREAD"}, count()...), "STREAMS", k, g.someID())...)
	case x < 31:
		name := fmt.Sprintf("g%d", g.n(4))
		id := g.oneOf("$", "0", g.someID())
		args := []any{"XGROUP", "CREATE", k, name, id}
		if g.chance(0.2) {
			args = append(args, "ENTRIESREAD", strconv.Itoa(g.between(-1, 50)))
		}
		g.add(db, args...)
		if !slices.Contains(groups, name) {
			g.groups[sk] = append(groups, name)
		}
	case x < 42:
		id := ">"
		if g.chance(0.3) {
			id = g.oneOf("0", g.someID())
		}
		args := []any{"XREADGROUP", "GROUP", group(), consumer()}
		args = append(args, count()...)
		if g.chance(0.1) {
			args = append(args, "NOACK")
		}
		g.add(db, append(args, "STREAMS", k, id)...)
	case x < 48:
		g.add(db, "XACK", k, group(), g.someID(), g.someID(), g.someID())
	case x < 50:
		g.add(db, "XPENDING", k, group())
	case x < 51:
		g.add(db, "XGROUP", "SETID", k, group(), g.oneOf("$", "0", g.someID()))
	case x < 52:
		g.add(db, "XGROUP", g.oneOf("CREATECONSUMER", "DELCONSUMER"), k, group(), consumer())
	case x < 53:
		g.add(db, "XSETID", k, g.someID())
	case x < 58:
		g.add(db, "XINFO", g.oneOf("STREAM", "GROUPS"), k)
	case x < 60:
		g.add(db, "MEMORY", "USAGE", k, "SAMPLES", g.oneOf("0", "1", "5"))
	case x < 63:
		args := []any{"XCLAIM", k, group(), consumer(), g.oneOf("0", "100000000"), g.someID(), g.someID()}
		for _, opt := range []string{"FORCE", "JUSTID"} {
			if g.chance(0.3) {
				args = append(args, opt)
			}
		}
		if g.chance(0.2) {
			args = append(args, "RETRYCOUNT", strconv.Itoa(g.n(5)))
		}
		if g.chance(0.2) {
			args = append(args, "LASTID", g.someID())
		}
		g.add(db, args...)
	case x < 68:
		args := []any{"XAUTOCLAIM", k, group(), consumer(), g.oneOf("0", "100000000"), g.oneOf("-", "0", g.someID())}
		if g.chance(0.5) {
			args = append(args, "COUNT", strconv.Itoa(g.between(1, 10)))
		}
		if g.chance(0.3) {
			args = append(args, "JUSTID")
		}
		g.add(db, args...)
	}
}

// compareGroups compares XPENDING's summary of every group the generator
// created on both servers.
func (g *streamGen) compareGroups(d *diffRun, a, b *dnode) {
	d.t.Helper()
	for sk, groups := range g.groups {
		var cmds [][]any
		for _, name := range groups {
			cmds = append(cmds, []any{"XPENDING", sk.key, name})
		}
		ra, rb := d.both(a, b, sk.db, cmds)
		for i := range cmds {
			if !reflect.DeepEqual(ra[i], rb[i]) {
				d.t.Errorf("db %d: %s\n  %s: %s\n  %s: %s", sk.db, showCmd(cmds[i]), a.name, showReply(ra[i]), b.name, showReply(rb[i]))
			}
		}
	}
}

// TestStreamReplication runs a stream workload on a master, half before
// its replicas attach (the full sync) and half after (the live stream),
// in both pairings: our master with a real and an our replica, a real
// master with our replica; the full sync diskless and through a file. Automatic IDs, approximate trimming, groups
// read by XREADGROUP (blocked ones too), XCLAIM, XAUTOCLAIM and NOACK
// reads must leave every replica with the master's digest and the same
// groups, PELs and consumers (XINFO STREAM FULL, where only the consumers'
// seen-time, which replicas set when they apply the claims, may differ).
func TestStreamReplication(t *testing.T) {
	redisBin := tool(t, "redis-server")
	for _, pairing := range []struct {
		name     string
		master   string
		replicas []string
		diskless string
	}{
		{"ours to redis and ours, diskless", "", []string{redisBin, ""}, "yes"},
		{"redis to ours, diskless", redisBin, []string{""}, "yes"},
		{"ours to redis, disk", "", []string{redisBin}, "no"},
		{"redis to ours, disk", redisBin, []string{""}, "no"},
	} {
		t.Run(pairing.name, func(t *testing.T) {
			master := startNode(t, pairing.master, "--stream-node-max-entries", "5",
				"--repl-diskless-sync", pairing.diskless)
			streamWorkload(t, master, 0)
			var replicas []*replNode
			for _, bin := range pairing.replicas {
				r := startNode(t, bin, "--stream-node-max-entries", "5")
				replicaOf(t, r, master.Addr())
				replicas = append(replicas, r)
			}
			waitSynced(t, master, replicas...)
			streamWorkload(t, master, 1)
			waitSynced(t, master, replicas...)
			requireSameDigest(t, append([]*replNode{master}, replicas...)...)
			for _, key := range []string{"s0", "s1"} {
				want := xinfoFull(t, master, key)
				for i, r := range replicas {
					require.Equal(t, want, xinfoFull(t, r, key), "XINFO STREAM %s FULL of replica %d", key, i)
				}
			}
		})
	}
}

// streamWorkload runs the writes of round on n's stream "s<round>" and its
// groups.
func streamWorkload(t *testing.T, n *replNode, round int) {
	t.Helper()
	ctx := context.Background()
	key := fmt.Sprint("s", round)
	do := func(args ...any) any {
		t.Helper()
		v, err := n.c.Do(ctx, args...).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			require.NoError(t, err, "%v", args)
		}
		return v
	}
	do("XGROUP", "CREATE", key, "g", "$", "MKSTREAM")
	do("XGROUP", "CREATE", key, "g2", "0")
	// A reader blocked on the group, served by the next XADD.
	blocked := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1, DisableIdentity: true})
	defer blocked.Close()
	served := make(chan error, 1)
	go func() {
		served <- blocked.Do(ctx, "XREADGROUP", "GROUP", "g", "waiter", "BLOCK", 0, "STREAMS", key, ">").Err()
	}()
	waitFor(t, 10*time.Second, "the reader to block", func() (bool, string) {
		info := infoMap(t, n.c, "clients")
		return info["blocked_clients"] == "1", "blocked_clients " + info["blocked_clients"]
	})
	var ids []string
	for i := 0; i < 60; i++ {
		args := []any{"XADD", key}
		if i%7 == 6 {
			args = append(args, "MAXLEN", "~", 20)
		}
		id := do(append(args, "*", "f", i, "g", "v")...).(string)
		ids = append(ids, id)
	}
	require.NoError(t, <-served)
	do("XADD", key, "MINID", "~", ids[10], "*", "late", 1)
	do("XTRIM", key, "MAXLEN", "~", 30)
	do("XDEL", key, ids[55], ids[56])
	do("XREADGROUP", "GROUP", "g", "alice", "COUNT", 5, "STREAMS", key, ">")
	do("XREADGROUP", "GROUP", "g", "bob", "COUNT", 5, "STREAMS", key, ">")
	do("XREADGROUP", "GROUP", "g", "carol", "COUNT", 3, "NOACK", "STREAMS", key, ">")
	do("XREADGROUP", "GROUP", "g2", "dave", "COUNT", 10, "STREAMS", key, ">")
	// (A read of a consumer's history is left out: it bumps the delivery
	// counts on the master only, in Redis as here.)
	do("XACK", key, "g", ids[40], ids[41])
	do("XDEL", key, ids[45])
	do("XCLAIM", key, "g", "erin", 0, ids[42], ids[43], ids[45])
	do("XCLAIM", key, "g", "frank", 0, ids[44], "JUSTID", "LASTID", ids[59])
	do("XAUTOCLAIM", key, "g2", "gina", 0, "0", "COUNT", 4)
	do("XGROUP", "CREATECONSUMER", key, "g", "idle")
	do("XGROUP", "DELCONSUMER", key, "g", "bob")
	do("XGROUP", "SETID", key, "g2", ids[50], "ENTRIESREAD", 3)
	do("XSETID", key, "18446744073709551615-0", "ENTRIESADDED", 1000, "MAXDELETEDID", "1-1")
	do("MULTI")
	do("XADD", key, "18446744073709551615-*", "in", "multi")
	do("XREADGROUP", "GROUP", "g", "hank", "COUNT", 1, "STREAMS", key, ">")
	do("EXEC")
}

// xinfoFull is XINFO STREAM key FULL, every consumer's seen-time zeroed.
func xinfoFull(t *testing.T, n *replNode, key string) string {
	t.Helper()
	v, err := n.c.Do(context.Background(), "XINFO", "STREAM", key, "FULL", "COUNT", 0).Result()
	require.NoError(t, err)
	return fmt.Sprint(maskSeenTime(v))
}

func maskSeenTime(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			if i > 0 && x[i-1] == "seen-time" {
				out[i] = int64(0)
				continue
			}
			out[i] = maskSeenTime(x[i])
		}
		return out
	case map[any]any:
		out := map[any]any{}
		for k, e := range x {
			if k == "seen-time" {
				e = int64(0)
			}
			out[k] = maskSeenTime(e)
		}
		return out
	}
	return v
}

// compareDumps checks that the DUMP payloads of the keys without groups
// are byte for byte Redis's (with groups, they hold delivery and seen
// times): the same nodes, master entries and delta-encoded entries.
func (g *streamGen) compareDumps(d *diffRun, real, ours *dnode) {
	d.t.Helper()
	for _, n := range []*dnode{real, ours} {
		d.do(n, 0, "CONFIG", "SET", "rdbcompression", "no")
		defer d.do(n, 0, "CONFIG", "SET", "rdbcompression", "yes")
	}
	compared := 0
	for _, sk := range g.built {
		if len(g.groups[sk]) > 0 {
			continue
		}
		cmds := [][]any{{"DUMP", sk.key}}
		rr, ro := d.both(real, ours, sk.db, cmds)
		if !reflect.DeepEqual(rr[0], ro[0]) {
			d.t.Errorf("db %d: DUMP %q differs:\n  redis: %q\n  ours:  %q", sk.db, sk.key, rr[0].val, ro[0].val)
		}
		compared++
	}
	d.t.Logf("%d DUMP payloads of streams without groups compared", compared)
}

// compareFull compares XINFO STREAM FULL of every stream, times included:
// for servers that loaded the same data.
func (g *streamGen) compareFull(d *diffRun, a, b *dnode) {
	d.t.Helper()
	for _, sk := range g.built {
		cmds := [][]any{{"XINFO", "STREAM", sk.key, "FULL", "COUNT", "0"}}
		ra, rb := d.both(a, b, sk.db, cmds)
		if !reflect.DeepEqual(ra[0], rb[0]) {
			d.t.Errorf("db %d: XINFO STREAM %q FULL differs:\n  %s: %s\n  %s: %s", sk.db, sk.key, a.name, clip(showReply(ra[0]), 2000), b.name, clip(showReply(rb[0]), 2000))
		}
	}
}
