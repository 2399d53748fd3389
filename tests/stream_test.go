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
	sg := g.streams
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
	t.Parallel() // mostly waiting (see doc.go)
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

// streamStateCmd reads what DEBUG DIGEST leaves out of a stream: its
// metadata, groups, PELs and consumers (XINFO STREAM FULL, COUNT 0 for
// every pending entry).
func streamStateCmd(key string) []any {
	return []any{"XINFO", "STREAM", key, "FULL", "COUNT", "0"}
}

// streamState is the reply of streamStateCmd as a string, without the
// entries (which the digest covers) and without the times that depend on
// when a server ran a command: delivery times of pending entries and the
// consumers' seen-time. Delivery counts, consumers and IDs remain.
func streamState(v any) string {
	return fmt.Sprint(maskStreamTimes(v, ""))
}

// streamStateLive is streamState without the pending entries of deleted
// entries and without the consumers with no pending entry: what the
// command form of an AOF carries. Redis's rewriteStreamObject emits an
// XCLAIM ... FORCE per pending entry, which skips a deleted entry, and
// creates a consumer with the first XCLAIM that succeeds, so a consumer
// whose entries were all deleted is gone, or kept empty if a later XCLAIM
// dropped them. The node counts go too: the entries are added again into
// new nodes. The reply must be RESP2.
func streamStateLive(v any) string {
	top, ok := v.([]any)
	if !ok {
		return streamState(v)
	}
	live := map[string]bool{}
	if entries, ok := respField(top, "entries").([]any); ok {
		for _, e := range entries {
			live[fmt.Sprint(e.([]any)[0])] = true
		}
	}
	keep := func(pending []any) []any {
		var out []any
		for _, p := range pending {
			if live[fmt.Sprint(p.([]any)[0])] {
				out = append(out, p)
			}
		}
		return out
	}
	groups, _ := respField(top, "groups").([]any)
	var newGroups []any
	for _, g := range groups {
		g := slices.Clone(g.([]any))
		pending := keep(respField(g, "pending").([]any))
		setField(g, "pending", pending)
		setField(g, "pel-count", int64(len(pending)))
		var cons []any
		for _, c := range respField(g, "consumers").([]any) {
			c := slices.Clone(c.([]any))
			p := keep(respField(c, "pending").([]any))
			if len(p) == 0 {
				continue
			}
			setField(c, "pending", p)
			setField(c, "pel-count", int64(len(p)))
			cons = append(cons, c)
		}
		setField(g, "consumers", cons)
		newGroups = append(newGroups, g)
	}
	top = slices.Clone(top)
	setField(top, "groups", newGroups)
	setField(top, "radix-tree-keys", "(nodes)") // re-added entries fill new nodes
	setField(top, "radix-tree-nodes", "(nodes)")
	return streamState(top)
}

// respField is the value of name in a RESP2 array of names and values.
func respField(kv []any, name string) any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == name {
			return kv[i+1]
		}
	}
	return nil
}

func setField(kv []any, name string, v any) {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == name {
			kv[i+1] = v
		}
	}
}

// maskStreamTimes masks the times in an XINFO STREAM FULL reply (RESP2
// arrays or RESP3 maps); under is the name of the field holding v.
func maskStreamTimes(v any, under string) any {
	switch x := v.(type) {
	case []any:
		if under == "pending" {
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = maskPendingTime(e)
			}
			return out
		}
		out := make([]any, len(x))
		for i := range x {
			name := ""
			if i > 0 {
				name, _ = x[i-1].(string)
			}
			out[i] = maskStreamField(name, x[i])
		}
		return out
	case map[any]any:
		out := map[any]any{}
		for k, e := range x {
			name, _ := k.(string)
			out[k] = maskStreamField(name, e)
		}
		return out
	}
	return v
}

func maskStreamField(name string, v any) any {
	switch name {
	case "entries":
		if _, ok := v.([]any); ok {
			return "(entries)"
		}
	case "seen-time":
		return int64(0)
	}
	return maskStreamTimes(v, name)
}

// maskPendingTime zeroes the delivery time of a pending entry: [id
// consumer time count] in a group's PEL, [id time count] in a consumer's.
func maskPendingTime(e any) any {
	x, ok := e.([]any)
	if !ok {
		return e
	}
	out := append([]any(nil), x...)
	switch len(out) {
	case 4:
		out[2] = int64(0)
	case 3:
		out[1] = int64(0)
	}
	return out
}
