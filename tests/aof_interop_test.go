package tests

// AOF interop with real Redis 7.0: the multi-part append-only files
// (appendonlydir, its manifest, a BASE file that is an RDB preamble or
// commands, INCR files) that one server writes, the other loads to the same
// dataset (DEBUG DIGEST, keys and expires per database, every expiry time),
// and redis-check-aof accepts; damaged files are refused or truncated with
// Redis's log lines; an old single appendonly.aof is migrated into
// appendonlydir as Redis does; the manifests and file names that a rewrite
// leaves are byte for byte Redis's.
//
// The dataset is the differential test's (diffgen_test.go): a seeded random
// set of every type and encoding over several databases, with expiries far
// in the future. AOF_SEED reproduces a run (the seed is printed when a test
// fails). Every server runs with appendfsync always, so that kill -9 loses
// nothing that was acknowledged.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis-go/redis-server/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aofTimeout bounds every wait: a rewrite, a load, an exit. The binary
// under test runs with the race detector, so it is generous.
const aofTimeout = 60 * time.Second

// aofKeys is the size of the generated dataset.
const aofKeys = 800

// aofNode is a server running with appendonly yes.
type aofNode struct {
	*server
	c   *redis.Client
	bin string
	dir string
}

// aofStart starts bin (ours when empty) serving dir with the AOF on,
// appendfsync always and no save points; args come last and win.
func aofStart(t *testing.T, bin, dir string, args ...string) *aofNode {
	t.Helper()
	full := append([]string{"--appendonly", "yes", "--appendfsync", "always", "--save", ""}, args...)
	s := startIn(t, bin, dir, full...)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, PoolSize: 1, Protocol: 2,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return &aofNode{server: s, c: c, bin: bin, dir: dir}
}

// name tells the servers apart in messages.
func (n *aofNode) name() string {
	if n.bin == "" {
		return "ours"
	}
	return "redis"
}

// do runs one command that must succeed.
func (n *aofNode) do(t *testing.T, args ...any) any {
	t.Helper()
	v, err := n.c.Do(context.Background(), args...).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	require.NoError(t, err, "%s: %v", n.name(), args)
	return v
}

// aofSeed is AOF_SEED or a new seed, logged, and printed again with the
// way to reproduce it if the test fails.
func aofSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AOF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "AOF_SEED")
		seed = v
	}
	t.Logf("seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: AOF_SEED=%d go test ./tests -run '^%s$'", seed, strings.Split(t.Name(), "/")[0])
		}
	})
	return seed
}

// fill sends the generated commands, database by database, in pipelines.
// Error replies are part of the dataset's story (a BITOP on a list); any
// other error fails the test.
func (n *aofNode) fill(t *testing.T, g *gen) {
	t.Helper()
	ctx := context.Background()
	for db, cmds := range g.cmds {
		if len(cmds) == 0 {
			continue
		}
		c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: db, Protocol: 2, MaxRetries: -1, PoolSize: 1,
			ReadTimeout: time.Minute, WriteTimeout: time.Minute, DisableIdentity: true})
		for len(cmds) > 0 {
			batch := cmds[:min(len(cmds), 500)]
			cmds = cmds[len(batch):]
			p := c.Pipeline()
			for _, cmd := range batch {
				p.Do(ctx, cmd...)
			}
			res, _ := p.Exec(ctx)
			for i, r := range res {
				var rerr redis.Error
				if err := r.Err(); err != nil && !errors.Is(err, redis.Nil) && !errors.As(err, &rerr) {
					c.Close()
					t.Fatalf("%s: db %d: %s: %v", n.name(), db, clip(fmt.Sprint(batch[i]), 200), err)
				}
			}
		}
		c.Close()
	}
}

// zeroNegativeZeros turns every -0 score into 0. The command form of
// the AOF cannot carry a -0: ZADD stores "-0" as 0, so a -0 that ZINCRBY
// or a weighted union made comes back as 0 from a BASE of commands (an
// RDB preamble keeps it), and the loaded dataset would not be the written
// one.
func (n *aofNode) zeroNegativeZeros(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for db := 0; db < numDBs; db++ {
		c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: db, Protocol: 2, MaxRetries: -1, PoolSize: 1, DisableIdentity: true})
		iter := c.ScanType(ctx, 0, "*", 1000, "zset").Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			zeros, err := c.Do(ctx, "ZRANGEBYSCORE", k, 0, 0, "WITHSCORES").StringSlice()
			require.NoError(t, err)
			for i := 0; i+1 < len(zeros); i += 2 {
				if zeros[i+1] == "-0" {
					require.NoError(t, c.ZRem(ctx, k, zeros[i]).Err())
					require.NoError(t, c.ZAdd(ctx, k, redis.Z{Score: 0, Member: zeros[i]}).Err())
				}
			}
		}
		require.NoError(t, iter.Err())
		c.Close()
	}
}

// rewrite runs BGREWRITEAOF and waits until it is over, the history files
// deleted and the manifest names every file of appendonlydir.
func (n *aofNode) rewrite(t *testing.T) {
	t.Helper()
	before := atoi(t, infoMap(t, n.c, "persistence")["aof_rewrites"])
	reply := n.do(t, "BGREWRITEAOF")
	require.Contains(t, []any{"Background append only file rewriting started",
		"Background append only file rewriting scheduled"}, reply)
	waitFor(t, aofTimeout, n.name()+": BGREWRITEAOF to finish", func() (bool, string) {
		info := infoMap(t, n.c, "persistence")
		done := atoi(t, info["aof_rewrites"]) > before && info["aof_rewrite_in_progress"] == "0" &&
			info["aof_rewrite_scheduled"] == "0"
		return done, fmt.Sprintf("aof_rewrites %s, in progress %s, scheduled %s",
			info["aof_rewrites"], info["aof_rewrite_in_progress"], info["aof_rewrite_scheduled"])
	})
	require.Equal(t, "ok", infoMap(t, n.c, "persistence")["aof_last_bgrewrite_status"])
	aofWaitSettled(t, n.dir)
}

// aofWaitSettled waits until appendonlydir holds exactly the manifest and
// the files it names, and dir no temporary rewrite file: history files are
// deleted in the background.
func aofWaitSettled(t *testing.T, dir string) {
	t.Helper()
	waitFor(t, aofTimeout, "history and temporary files to go", func() (bool, string) {
		want := append(aofManifestFiles(t, dir), "appendonly.aof.manifest")
		slices.Sort(want)
		got := aofFiles(t, dir)
		temps, _ := filepath.Glob(filepath.Join(dir, "temp-*"))
		return slices.Equal(want, got) && len(temps) == 0,
			fmt.Sprintf("manifest names %q, appendonlydir holds %q, temporary files %q", want, got, temps)
	})
}

// aofManifestFiles is the file names the manifest of dir lists.
func aofManifestFiles(t *testing.T, dir string) []string {
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(aofRead(t, dir, "appendonly.aof.manifest")), "\n") {
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 2, "manifest line %q", line)
		names = append(names, f[1])
	}
	return names
}

// aofFiles is the sorted names in dir/appendonlydir.
func aofFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func aofRead(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "appendonlydir", name))
	require.NoError(t, err)
	return string(b)
}

// aofWriteDir makes a new directory whose appendonlydir holds files.
func aofWriteDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "appendonlydir"), 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "appendonlydir", name), []byte(content), 0o644))
	}
	return dir
}

// aofCopy copies dir's appendonlydir into a new directory.
func aofCopy(t *testing.T, dir string) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range aofFiles(t, dir) {
		files[name] = aofRead(t, dir, name)
	}
	return aofWriteDir(t, files)
}

// aofCheck runs redis-check-aof on dir's manifest, which must pass.
func aofCheck(t *testing.T, dir string) {
	t.Helper()
	out, _, err := runTool(t, aofTimeout, "", "redis-check-aof", filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	require.NoError(t, err, "redis-check-aof:\n%s", out)
	require.Contains(t, out, "All AOF files and manifest are valid", out)
}

// kill9 kills the server as a crash would.
func (n *aofNode) kill9(t *testing.T) {
	kill9(n.server)
	n.logOnFailure(t)
}

// shutdownNoSave stops the server with SHUTDOWN NOSAVE, which must exit 0.
func (n *aofNode) shutdownNoSave(t *testing.T) {
	t.Helper()
	n.stopped.Do(func() {
		_ = n.c.Do(context.Background(), "SHUTDOWN", "NOSAVE").Err()
		select {
		case <-n.exited:
		case <-time.After(aofTimeout):
			_ = n.cmd.Process.Kill()
			<-n.exited
			t.Errorf("%s: still running %v after SHUTDOWN NOSAVE", n.name(), aofTimeout)
		}
		assert.NoError(t, n.waitErr, "%s: exit after SHUTDOWN NOSAVE", n.name())
	})
	n.logOnFailure(t)
}

// logOnFailure prints a stopped server's output at the end of a failed
// test, as server.stop does for a running one.
func (n *aofNode) logOnFailure(t *testing.T) {
	out := n.output()
	if strings.Contains(out, "WARNING: DATA RACE") {
		t.Errorf("%s: the race detector reported a data race", n.name())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output (%s):\n%s", n.name(), strings.Join(n.cmd.Args, " "), out)
		}
	})
}

// aofState is what two servers that load the same files must agree on.
type aofState struct {
	digest   string
	keyspace map[string]string // "db3" -> "keys=10,expires=2"
	keys     map[string]map[string]aofKey
}

// aofKey is one key's DEBUG DIGEST-VALUE and PEXPIRETIME, and a stream's
// groups as the AOF carries them (streamStateLive).
type aofKey struct {
	digest   string
	expireAt int64
	groups   string
}

func (n *aofNode) state(t *testing.T) aofState {
	t.Helper()
	ctx := context.Background()
	s := aofState{digest: digestOf(t, n.c), keyspace: map[string]string{}, keys: map[string]map[string]aofKey{}}
	for db, v := range infoMap(t, n.c, "keyspace") {
		s.keyspace[db], _, _ = strings.Cut(v, ",avg_ttl")
		i, err := strconv.Atoi(strings.TrimPrefix(db, "db"))
		require.NoError(t, err, db)
		c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: i, Protocol: 2, MaxRetries: -1, PoolSize: 1, DisableIdentity: true})
		var all []string
		iter := c.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			all = append(all, iter.Val())
		}
		require.NoError(t, iter.Err())
		p := c.Pipeline()
		digests := p.Do(ctx, append([]any{"DEBUG", "DIGEST-VALUE"}, strsToAny(all)...)...)
		expires := make([]*redis.Cmd, len(all))
		types := make([]*redis.StatusCmd, len(all))
		for j, k := range all {
			expires[j] = p.Do(ctx, "PEXPIRETIME", k)
			types[j] = p.Type(ctx, k)
		}
		_, err = p.Exec(ctx)
		require.NoError(t, err)
		values, err := digests.StringSlice()
		require.NoError(t, err)
		require.Len(t, values, len(all))
		s.keys[db] = map[string]aofKey{}
		for j, k := range all {
			ms, err := expires[j].Int64()
			require.NoError(t, err, k)
			key := aofKey{digest: values[j], expireAt: ms}
			if types[j].Val() == "stream" {
				v, err := c.Do(ctx, streamStateCmd(k)...).Result()
				require.NoError(t, err, "XINFO STREAM %q FULL", k)
				key.groups = streamStateLive(v)
			}
			s.keys[db][k] = key
		}
		c.Close()
	}
	return s
}

// aofRequireSame checks that got loaded what want wrote.
func aofRequireSame(t *testing.T, want aofState, got *aofNode, what string) {
	t.Helper()
	s := got.state(t)
	require.NotEqual(t, strings.Repeat("0", 40), want.digest, "the dataset is empty")
	require.Equal(t, want.keyspace, s.keyspace, "%s: INFO keyspace", what)
	bad := 0
	for db, keys := range want.keys {
		for k, v := range keys {
			if g := s.keys[db][k]; g != v {
				if bad++; bad <= 10 {
					t.Errorf("%s: %s key %q (%s): digest %s expires at %d, want digest %s expires at %d%s",
						what, db, clip(k, 60), got.describe(t, db, k), g.digest, g.expireAt, v.digest, v.expireAt,
						groupsDiff(v.groups, g.groups))
				}
			}
		}
	}
	require.Zero(t, bad, "%s: %d keys differ", what, bad)
	require.Equal(t, want.digest, s.digest, "%s: DEBUG DIGEST", what)
}

// groupsDiff shows two streams' states when they differ.
func groupsDiff(want, got string) string {
	if want == got {
		return ""
	}
	return fmt.Sprintf("\n  groups: %s\n  want:   %s", clip(got, 1500), clip(want, 1500))
}

// describe is a key's type and encoding, for the failure messages.
func (n *aofNode) describe(t *testing.T, db, key string) string {
	i, err := strconv.Atoi(strings.TrimPrefix(db, "db"))
	require.NoError(t, err, db)
	c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: i, Protocol: 2, MaxRetries: -1, PoolSize: 1, DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	typ, _ := c.Type(ctx, key).Result()
	enc, _ := c.ObjectEncoding(ctx, key).Result()
	return typ + " " + enc
}

// tail writes after the rewrite, so that they land in the INCR file: the
// commands whose effect Redis propagates in another form (SPOP as SREM,
// EXPIRE as PEXPIREAT, SET EX as SET PXAT, INCRBYFLOAT as SET KEEPTTL,
// GETEX, blocking pops that did not block, a lazily expired key as DEL),
// SELECT switches and a MULTI/EXEC over two databases, some of them on the
// generated keys.
func (n *aofNode) tail(t *testing.T, g *gen) {
	t.Helper()
	ctx := context.Background()
	conn := n.c.Conn()
	defer conn.Close()
	do := func(args ...any) any {
		t.Helper()
		v, err := conn.Do(ctx, args...).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		require.NoError(t, err, "%s: %v", n.name(), args)
		return v
	}
	members := []any{"SADD", "tail:set"}
	for i := 0; i < 40; i++ {
		members = append(members, fmt.Sprint("m", g.n(1000)), strconv.Itoa(g.n(100000)))
	}
	do("SELECT", 0)
	do(members...)
	do("SPOP", "tail:set", 3)
	do("SPOP", "tail:set")
	do("SRANDMEMBER", "tail:set", -5)
	do("SADD", "tail:small", "a", "b")
	do("SPOP", "tail:small", 5)
	do("EXPIRE", "tail:set", 1000)
	do("SET", "tail:ex", "v", "EX", 1000)
	do("PSETEX", "tail:px", 900000, "v")
	do("SETEX", "tail:sx", 800, "v")
	do("SET", "tail:f", "1.5")
	do("INCRBYFLOAT", "tail:f", "0.1")
	do("EXPIRE", "tail:f", 700)
	do("INCRBYFLOAT", "tail:f", "2.5e3")
	do("HSET", "tail:h", "f", "1.5", "g", "x")
	do("HINCRBYFLOAT", "tail:h", "f", "0.25")
	do("GETEX", "tail:ex", "PERSIST")
	do("GETEX", "tail:px", "EX", 500)
	do("SET", "tail:gone", "v")
	do("EXPIREAT", "tail:gone", 1)
	do("SET", "tail:neg", "v")
	do("EXPIRE", "tail:neg", -1)
	do("RPUSH", "tail:l", "a", "b", "c", "d", "e")
	do("LMOVE", "tail:l", "tail:l2", "LEFT", "RIGHT")
	do("BLMOVE", "tail:l", "tail:l2", "RIGHT", "LEFT", 0)
	do("BRPOP", "tail:l", 0)
	do("ZADD", "tail:z", 1, "a", 2, "b", 3, "c", "1e300", "d")
	do("ZPOPMIN", "tail:z")
	do("ZINCRBY", "tail:z", "1.5", "c")
	do("ZADD", "tail:z", "INCR", 2, "b")
	payload := do("DUMP", "tail:z")
	do("RESTORE", "tail:zr", 0, payload)
	do("RESTORE", "tail:zr2", strconv.FormatInt(farFuture+12345, 10), payload, "ABSTTL")
	do("COPY", "tail:set", "tail:setcopy", "DB", 5)
	do("MOVE", "tail:h", 6)
	do("DEBUG", "SET-ACTIVE-EXPIRE", 0)
	do("SET", "tail:lazy", "v", "PX", 100)
	for db := 0; db < 4; db++ {
		do("SELECT", db)
		if len(g.sets[db]) > 0 {
			do("SPOP", g.sets[db][g.n(len(g.sets[db]))], 2)
		}
		if len(g.zsets[db]) > 0 {
			do("ZPOPMAX", g.zsets[db][g.n(len(g.zsets[db]))])
		}
		if len(g.all[db]) > 1 {
			do("EXPIRE", g.all[db][g.n(len(g.all[db]))], 5000+g.n(5000))
			do("PERSIST", g.all[db][g.n(len(g.all[db]))])
			do("DEL", g.all[db][g.n(len(g.all[db]))])
		}
	}
	do("SELECT", 0)
	n.streamTail(t, conn, g)
	do("SELECT", 3)
	do("SET", "tail:db3", "x")
	do("MULTI")
	do("SET", "tail:multi", 1)
	do("SADD", "tail:mset", "a", "b", "c")
	do("SELECT", 7)
	do("INCR", "tail:multi")
	do("SPOP", "tail:none")
	do("SET", "tail:mex", "v", "EX", 600)
	res := do("EXEC")
	require.Len(t, res, 6, "%s: EXEC", n.name())
	do("SELECT", 9)
	do("SWAPDB", 9, 10)
	do("SELECT", 11)
	do("FLUSHDB")
	do("SET", "tail:after-flush", 1)
	time.Sleep(200 * time.Millisecond)
	do("SELECT", 0)
	require.Nil(t, do("GET", "tail:lazy"), "%s: tail:lazy has expired", n.name())
	do("DEBUG", "SET-ACTIVE-EXPIRE", 1)
	do("SET", "tail:last", "end")
}

// streamTail writes to streams after the rewrite: XADD with "*" (the INCR
// file holds the generated IDs), approximate trims (their exact effect),
// XREADGROUP and XAUTOCLAIM (as XCLAIM and XGROUP SETID), XACK, XCLAIM,
// XDEL, XSETID, on a new stream and on generated ones, whose groups may
// have gone (an error reply is fine there).
func (n *aofNode) streamTail(t *testing.T, conn *redis.Conn, g *gen) {
	t.Helper()
	ctx := context.Background()
	do := func(mayFail bool, args ...any) any {
		t.Helper()
		v, err := conn.Do(ctx, args...).Result()
		var rerr redis.Error
		if err != nil && !errors.Is(err, redis.Nil) && !(mayFail && errors.As(err, &rerr)) {
			require.NoError(t, err, "%s: %v", n.name(), args)
		}
		return v
	}
	do(false, "XGROUP", "CREATE", "tail:s", "g", "$", "MKSTREAM")
	var ids []any
	for i := 0; i < 40; i++ {
		args := []any{"XADD", "tail:s"}
		if i%9 == 8 {
			args = append(args, "MAXLEN", "~", 12)
		}
		ids = append(ids, do(false, append(args, "*", "f", i, "n", g.value())...))
	}
	do(false, "XREADGROUP", "GROUP", "g", "alice", "COUNT", 5, "STREAMS", "tail:s", ">")
	do(false, "XREADGROUP", "GROUP", "g", "bob", "COUNT", 3, "NOACK", "STREAMS", "tail:s", ">")
	do(false, "XREADGROUP", "GROUP", "g", "carol", "COUNT", 4, "STREAMS", "tail:s", ">")
	do(false, "XACK", "tail:s", "g", ids[30], ids[31])
	do(false, "XDEL", "tail:s", ids[33])
	do(false, "XCLAIM", "tail:s", "g", "dave", 0, ids[32], ids[33], ids[38], "RETRYCOUNT", 7)
	do(false, "XAUTOCLAIM", "tail:s", "g", "erin", 0, "0", "COUNT", 3)
	do(false, "XTRIM", "tail:s", "MINID", "~", ids[20])
	do(false, "XGROUP", "CREATECONSUMER", "tail:s", "g", "idle")
	do(false, "XSETID", "tail:s", ids[39], "ENTRIESADDED", 500, "MAXDELETEDID", ids[33])
	read := map[string][]string{"tail:s": {"g"}}
	for _, sk := range g.streams.built {
		if sk.db != 0 {
			continue
		}
		do(true, "XADD", sk.key, "MAXLEN", "~", g.between(0, 100), "*", "tail", g.value())
		for _, group := range g.streams.groups[sk] {
			do(true, "XREADGROUP", "GROUP", group, "tail", "COUNT", 3, "STREAMS", sk.key, ">")
			do(true, "XAUTOCLAIM", sk.key, group, "tail2", 0, "0", "COUNT", 2)
			read[sk.key] = append(read[sk.key], group)
		}
	}
	// Redis 7.0 propagates XREADGROUP as XCLAIM ... LASTID, which moves
	// the group's last ID without its entries-read: a replica or an AOF
	// load of Redis itself does not know it. Setting it again with XGROUP
	// SETID ... ENTRIESREAD, as an application would, puts it in the file.
	for key, groups := range read {
		infos, err := conn.Do(ctx, "XINFO", "GROUPS", key).Slice()
		if err != nil {
			continue // the key is gone or no longer a stream
		}
		for _, info := range infos {
			f := map[string]any{}
			kv := info.([]any)
			for i := 0; i+1 < len(kv); i += 2 {
				f[kv[i].(string)] = kv[i+1]
			}
			if !slices.Contains(groups, f["name"].(string)) {
				continue
			}
			read := f["entries-read"]
			if read == nil {
				read = int64(-1)
			}
			do(false, "XGROUP", "SETID", key, f["name"], f["last-delivered-id"], "ENTRIESREAD", read)
		}
	}
}

// TestAOFInteropBothWays: a dataset of every type written with the AOF on,
// rewritten (BASE as an RDB preamble or as commands), then a tail of
// writes in the INCR file, and the server stopped by kill -9 or SHUTDOWN
// NOSAVE. redis-check-aof accepts the directory, and the other server
// loads a copy of it to the same dataset and expiry times, then goes on
// appending to the same INCR file. Both ways: ours writes and Redis loads,
// Redis writes (appendonlydir as real Redis leaves it) and ours loads.
func TestAOFInteropBothWays(t *testing.T) {
	redisBin := tool(t, "redis-server")
	seed := aofSeed(t)
	for _, preamble := range []string{"yes", "no"} {
		for _, way := range []struct{ name, writer, loader string }{
			{"ours to redis", serverBin, redisBin},
			{"redis to ours", redisBin, serverBin},
		} {
			t.Run("preamble="+preamble+"/"+way.name, func(t *testing.T) {
				writer, loader := way.writer, way.loader
				if writer == serverBin {
					writer = ""
				} else {
					loader = ""
				}
				crash := (preamble == "yes") == (writer == "")
				aofBothWays(t, seed, preamble, writer, loader, crash)
			})
		}
	}
}

func aofBothWays(t *testing.T, seed uint64, preamble, writerBin, loaderBin string, crash bool) {
	g := newGen(seed)
	g.dataset(aofKeys)
	ext := map[string]string{"yes": "rdb", "no": "aof"}[preamble]
	start := time.Now()

	// The dataset goes in with appendfsync no, which is faster; the tail,
	// which kill -9 may follow, with appendfsync always.
	w := aofStart(t, writerBin, t.TempDir(), "--aof-use-rdb-preamble", preamble, "--appendfsync", "no")
	require.Contains(t, w.output(), "Creating AOF base file appendonly.aof.1.base."+ext+" on server start")
	require.Contains(t, w.output(), "Creating AOF incr file appendonly.aof.1.incr.aof on server start")
	w.fill(t, g)
	w.zeroNegativeZeros(t)
	t.Logf("%s: dataset written in %v", w.name(), time.Since(start).Round(time.Millisecond))
	w.rewrite(t)
	require.Equal(t, "file appendonly.aof.2.base."+ext+" seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		aofRead(t, w.dir, "appendonly.aof.manifest"))
	base := aofRead(t, w.dir, "appendonly.aof.2.base."+ext)
	if preamble == "yes" {
		require.True(t, strings.HasPrefix(base, "REDIS0010"), "the base file is an RDB: %q", clip(base, 20))
	} else {
		require.True(t, strings.HasPrefix(base, "*2\r\n$6\r\nSELECT\r\n"), "the base file is commands: %q", clip(base, 40))
	}
	w.do(t, "CONFIG", "SET", "appendfsync", "always")
	w.tail(t, g)
	want := w.state(t)
	incr := aofRead(t, w.dir, "appendonly.aof.2.incr.aof")
	require.True(t, strings.HasPrefix(incr, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), "the incr file starts with SELECT 0: %q", clip(incr, 40))
	for _, banned := range []string{"SPOP", "EXPIRE\r\n", "INCRBYFLOAT", "GETEX", "BLMOVE", "BRPOP", "SETEX", "PSETEX", "XREADGROUP", "XAUTOCLAIM"} {
		require.NotContains(t, incr, "\r\n"+banned, "%s is propagated as its effect", banned)
	}
	if crash {
		w.kill9(t)
	} else {
		w.shutdownNoSave(t)
	}
	t.Logf("%s wrote in %v", w.name(), time.Since(start).Round(time.Millisecond))
	aofCheck(t, w.dir)

	start = time.Now()
	dir := aofCopy(t, w.dir)
	l := aofStart(t, loaderBin, dir, "--aof-use-rdb-preamble", preamble)
	t.Logf("%s loaded in %v", l.name(), time.Since(start).Round(time.Millisecond))
	out := l.output()
	if preamble == "yes" {
		require.Contains(t, out, "Reading RDB base file on AOF loading...")
	}
	require.Contains(t, out, "DB loaded from base file appendonly.aof.2.base."+ext+": ")
	require.Contains(t, out, "DB loaded from incr file appendonly.aof.2.incr.aof: ")
	require.Contains(t, out, "DB loaded from append only file: ")
	require.Contains(t, out, "Opening AOF incr file appendonly.aof.2.incr.aof on server start")
	aofRequireSame(t, want, l, fmt.Sprintf("%s loading what %s wrote", l.name(), w.name()))

	// The loader appends to the same INCR file, after what it loaded.
	conn := l.c.Conn()
	for _, cmd := range [][]any{{"SET", "appended", "by the loader"}, {"SELECT", 4}, {"SET", "appended", "in db 4"},
		{"PEXPIREAT", "appended", farFuture}, {"INCRBYFLOAT", "float", "1.25"}} {
		require.NoError(t, conn.Do(context.Background(), cmd...).Err(), "%s: %v", l.name(), cmd)
	}
	conn.Close()
	again := l.state(t)
	l.kill9(t)
	require.Equal(t, []string{"appendonly.aof.2.base." + ext, "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}, aofFiles(t, dir))
	aofCheck(t, dir)
	w2 := aofStart(t, writerBin, aofCopy(t, dir), "--aof-use-rdb-preamble", preamble)
	aofRequireSame(t, again, w2, fmt.Sprintf("%s loading what %s appended", w2.name(), l.name()))
}

// aofManifest1 is the manifest of a BASE and an INCR file of sequence 1.
const aofManifest1 = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"

// aofRefuse runs bin (ours when empty) on dir with the AOF on, expects it
// to exit with status 1 without ever answering PING, and returns its
// output.
func aofRefuse(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	if bin == "" {
		bin = serverBin
	}
	port := freePort(t)
	full := append([]string{"--port", strconv.Itoa(port), "--dir", dir, "--appendonly", "yes", "--save", ""}, args...)
	cmd := exec.Command(bin, full...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(aofTimeout)
	for {
		select {
		case err := <-exited:
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "%s must exit with status 1, got %v\n%s", bin, err, out.String())
			require.Equal(t, 1, exit.ExitCode(), out.String())
			return out.String()
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("%s still running after %v\n%s", bin, aofTimeout, out.String())
		case <-time.After(50 * time.Millisecond):
			if pingOnce(port) {
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("%s started, it must refuse to\n%s", bin, out.String())
			}
		}
	}
}

// aofBins is the binary under test and real Redis, by name.
func aofBins(t *testing.T) []struct{ name, bin string } {
	return []struct{ name, bin string }{{"ours", ""}, {"redis", tool(t, "redis-server")}}
}

// aofStrings is every key of db 0 and its value, all strings.
func (n *aofNode) aofStrings(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := n.c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	m := map[string]string{}
	for _, k := range keys {
		m[k], err = n.c.Get(ctx, k).Result()
		require.NoError(t, err, k)
	}
	return m
}

// TestAOFLoadTruncated: an INCR file cut in the middle of a command. With
// aof-load-truncated yes the server keeps the commands before the cut,
// truncates the file there with Redis's warnings, and appends after it;
// with no it refuses to start. A transaction without its EXEC is dropped
// whole. A cut in a file that is not the last is fatal.
func TestAOFLoadTruncated(t *testing.T) {
	base := multibulk("SELECT", "0") + multibulk("SET", "base", "b")
	valid := multibulk("SET", "k1", "v1") + multibulk("SET", "k2", "v2") + multibulk("SET", "k3", "v3")
	cut := valid + multibulk("SET", "k4", "v4")[:20]
	files := map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base, "appendonly.aof.1.incr.aof": cut}
	for _, b := range aofBins(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Run("load-truncated yes", func(t *testing.T) {
				dir := aofWriteDir(t, files)
				n := aofStart(t, b.bin, dir, "--aof-load-truncated", "yes")
				out := n.output()
				for _, line := range []string{
					"# !!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!",
					fmt.Sprintf("# !!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!", len(valid)),
					"# AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled",
					"* DB loaded from incr file appendonly.aof.1.incr.aof: ",
					"* DB loaded from append only file: ",
				} {
					require.Contains(t, out, line)
				}
				require.Equal(t, map[string]string{"base": "b", "k1": "v1", "k2": "v2", "k3": "v3"}, n.aofStrings(t))
				require.Equal(t, valid, aofRead(t, dir, "appendonly.aof.1.incr.aof"), "the file is cut after the last whole command")
				n.do(t, "SET", "k5", "v5")
				n.kill9(t)
				// The first write after a start selects its database.
				require.Equal(t, valid+multibulk("SELECT", "0")+multibulk("SET", "k5", "v5"), aofRead(t, dir, "appendonly.aof.1.incr.aof"))
				aofCheck(t, dir)
				again := aofStart(t, b.bin, dir)
				require.Equal(t, map[string]string{"base": "b", "k1": "v1", "k2": "v2", "k3": "v3", "k5": "v5"}, again.aofStrings(t))
			})
			t.Run("load-truncated no", func(t *testing.T) {
				dir := aofWriteDir(t, files)
				out := aofRefuse(t, b.bin, dir, "--aof-load-truncated", "no")
				require.Contains(t, out, "# Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: "+
					"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
					"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.")
				require.NotContains(t, out, "Truncating")
				require.Equal(t, cut, aofRead(t, dir, "appendonly.aof.1.incr.aof"), "the file is left alone")
			})
			t.Run("MULTI without EXEC", func(t *testing.T) {
				before := multibulk("SET", "k1", "v1")
				multi := before + multibulk("MULTI") + multibulk("SET", "k2", "v2") + multibulk("SET", "k3", "v3")
				dir := aofWriteDir(t, map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base,
					"appendonly.aof.1.incr.aof": multi})
				n := aofStart(t, b.bin, dir)
				out := n.output()
				require.Contains(t, out, "# Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof")
				require.Contains(t, out, fmt.Sprintf("# !!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!", len(before)))
				require.Equal(t, map[string]string{"base": "b", "k1": "v1"}, n.aofStrings(t))
				require.Equal(t, before, aofRead(t, dir, "appendonly.aof.1.incr.aof"))
			})
			t.Run("MULTI cut in a command", func(t *testing.T) {
				queued := multibulk("SET", "k1", "v1") + multibulk("MULTI") + multibulk("SET", "k2", "v2")
				dir := aofWriteDir(t, map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base,
					"appendonly.aof.1.incr.aof": queued + multibulk("SET", "k3", "v3")[:10]})
				n := aofStart(t, b.bin, dir)
				// The cut is a short read: the file keeps the commands
				// queued before it, and none of the transaction runs.
				require.Contains(t, n.output(), fmt.Sprintf("# !!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!", len(queued)))
				require.NotContains(t, n.output(), "Revert incomplete MULTI/EXEC")
				require.Equal(t, map[string]string{"base": "b", "k1": "v1"}, n.aofStrings(t))
				require.Equal(t, queued, aofRead(t, dir, "appendonly.aof.1.incr.aof"))
				n.kill9(t)
				again := aofStart(t, b.bin, dir)
				require.Contains(t, again.output(), "# Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof")
				require.Equal(t, map[string]string{"base": "b", "k1": "v1"}, again.aofStrings(t))
				require.Equal(t, multibulk("SET", "k1", "v1"), aofRead(t, dir, "appendonly.aof.1.incr.aof"))
			})
			t.Run("not the last file", func(t *testing.T) {
				dir := aofWriteDir(t, map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base[:len(base)-3],
					"appendonly.aof.1.incr.aof": valid})
				out := aofRefuse(t, b.bin, dir, "--aof-load-truncated", "yes")
				require.Contains(t, out, "# !!! Warning: short read while loading the AOF file appendonly.aof.1.base.aof!!!")
				require.Contains(t, out, "# Fatal error: the truncated file is not the last file")
			})
		})
	}
}

// TestAOFLoadCorrupt: damage that no truncation repairs stops the server
// with Redis's message: garbage between commands, a manifest naming a
// missing file, an unknown command, a malformed manifest.
func TestAOFLoadCorrupt(t *testing.T) {
	base := multibulk("SELECT", "0") + multibulk("SET", "base", "b")
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"garbage", map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base,
			"appendonly.aof.1.incr.aof": multibulk("SET", "k1", "v1") + "garbage\r\n" + multibulk("SET", "k2", "v2")},
			[]string{"# Bad file format reading the append only file appendonly.aof.1.incr.aof: " +
				"make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"}},
		{"missing file", map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base},
			[]string{"# Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: No such file or directory"}},
		{"unknown command", map[string]string{"appendonly.aof.manifest": aofManifest1, "appendonly.aof.1.base.aof": base,
			"appendonly.aof.1.incr.aof": multibulk("SET", "k1", "v1") + multibulk("FOOBAR", "x") + multibulk("SET", "k2", "v2")},
			[]string{"# Unknown command 'FOOBAR' reading the append only file appendonly.aof.1.incr.aof"}},
		{"bad manifest line", map[string]string{"appendonly.aof.manifest": "file appendonly.aof.1.base.aof seq 1 type b\nbogus line\n",
			"appendonly.aof.1.base.aof": base},
			[]string{"# \n*** FATAL AOF MANIFEST FILE ERROR ***\n", "# Reading the manifest file, at line 2\n", "# >>> 'bogus line'\n",
				"# Invalid AOF manifest file format\n"}},
		{"non-monotonic sequence", map[string]string{"appendonly.aof.manifest": "file appendonly.aof.1.base.aof seq 1 type b\n" +
			"file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
			"appendonly.aof.1.base.aof": base, "appendonly.aof.1.incr.aof": "", "appendonly.aof.2.incr.aof": ""},
			[]string{"# Reading the manifest file, at line 3\n", "# Found a non-monotonic sequence number\n"}},
	} {
		for _, b := range aofBins(t) {
			t.Run(tc.name+"/"+b.name, func(t *testing.T) {
				out := aofRefuse(t, b.bin, aofWriteDir(t, tc.files), "--aof-load-truncated", "yes")
				for _, line := range tc.want {
					require.Contains(t, out, line)
				}
			})
		}
	}
}

// aofPair starts ours and Redis each on its own copy of files, plus
// old-style files in the directory itself, and returns them in that order.
func aofPair(t *testing.T, files, old map[string]string, args ...string) []*aofNode {
	t.Helper()
	var nodes []*aofNode
	for _, b := range aofBins(t) {
		dir := aofWriteDir(t, files)
		if files == nil {
			require.NoError(t, os.Remove(filepath.Join(dir, "appendonlydir")))
		}
		for name, content := range old {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
		}
		nodes = append(nodes, aofStart(t, b.bin, dir, args...))
	}
	return nodes
}

// aofRequireSameFiles checks that ours left the manifest and file names
// Redis left, and returns the manifest.
func aofRequireSameFiles(t *testing.T, ours, real *aofNode, what string) string {
	t.Helper()
	aofWaitSettled(t, ours.dir)
	aofWaitSettled(t, real.dir)
	require.Equal(t, aofFiles(t, real.dir), aofFiles(t, ours.dir), "%s: the files of appendonlydir", what)
	m := aofRead(t, real.dir, "appendonly.aof.manifest")
	require.Equal(t, m, aofRead(t, ours.dir, "appendonly.aof.manifest"), "%s: the manifest", what)
	return m
}

// TestAOFLoadOldSingleFile: a directory holding only an appendonly.aof of
// an older Redis, commands or an RDB preamble and commands, is migrated
// into appendonlydir as its BASE, and the data is there.
func TestAOFLoadOldSingleFile(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	commands := multibulk("SELECT", "0") + multibulk("SET", "a", "1") + multibulk("PEXPIREAT", "a", strconv.FormatInt(farFuture, 10)) +
		multibulk("SELECT", "3") + multibulk("RPUSH", "l", "x", "y", "z") + multibulk("ZADD", "z", "1.5", "m")

	// An RDB preamble: a BASE file of Redis's.
	src := aofStart(t, tool(t, "redis-server"), t.TempDir(), "--aof-use-rdb-preamble", "yes", "--appendfsync", "no")
	populate(t, src.c)
	src.rewrite(t)
	preamble := aofRead(t, src.dir, "appendonly.aof.2.base.rdb")
	src.shutdownNoSave(t)

	for _, tc := range []struct {
		name, file string
		logs       []string
	}{
		{"commands", commands, nil},
		{"rdb preamble", preamble + commands, []string{"* Reading RDB preamble from AOF file...", "* Reading the remaining AOF tail..."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := aofPair(t, nil, map[string]string{"appendonly.aof": tc.file})
			ours, real := nodes[0], nodes[1]
			for _, n := range nodes {
				out := n.output()
				for _, line := range append([]string{
					"* Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).",
					"* DB loaded from base file appendonly.aof: ",
					"* DB loaded from append only file: ",
					"* Creating AOF incr file appendonly.aof.1.incr.aof on server start",
				}, tc.logs...) {
					require.Contains(t, out, line, n.name())
				}
				_, err := os.Stat(filepath.Join(n.dir, "appendonly.aof"))
				require.True(t, os.IsNotExist(err), "%s: appendonly.aof moved into appendonlydir", n.name())
				require.Equal(t, tc.file, aofRead(t, n.dir, "appendonly.aof"), n.name())
			}
			m := aofRequireSameFiles(t, ours, real, "after the migration")
			require.Equal(t, "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", m)
			require.Equal(t, real.state(t), ours.state(t))
			require.Equal(t, "1", ours.do(t, "GET", "a"))

			for _, n := range nodes {
				n.do(t, "SET", "after", "migration")
				n.rewrite(t)
			}
			m = aofRequireSameFiles(t, ours, real, "after a rewrite")
			require.Equal(t, "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", m)
			require.Equal(t, real.state(t), ours.state(t))
		})
	}
}

var aofTimestamp = regexp.MustCompile(`#TS:(\d+)\r\n`)

// aofRequireTimestamps checks that content starts with a #TS: annotation
// of a time between from and to, and that every annotation in it is.
func aofRequireTimestamps(t *testing.T, content, what string, from, to int64) {
	t.Helper()
	require.True(t, strings.HasPrefix(content, "#TS:"), "%s starts with a timestamp: %q", what, clip(content, 40))
	for _, m := range aofTimestamp.FindAllStringSubmatch(content, -1) {
		ts, err := strconv.ParseInt(m[1], 10, 64)
		require.NoError(t, err)
		require.True(t, ts >= from && ts <= to, "%s: #TS:%d not within [%d, %d]", what, ts, from, to)
	}
}

// nextSecond sleeps until the unix time in seconds changes.
func nextSecond() {
	for next := time.Now().Unix() + 1; time.Now().Unix() < next; {
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAOFLoadTimestamps: with aof-timestamp-enabled, a BASE of commands
// starts with a #TS: annotation, and an INCR file has one before the first
// command fed in a second later than the last annotation's (the SELECT
// included); both servers and redis-check-aof read them.
func TestAOFLoadTimestamps(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	redisBin := tool(t, "redis-server")
	for _, way := range []struct{ name, writer, loader string }{
		{"ours to redis", "", redisBin},
		{"redis to ours", redisBin, ""},
	} {
		t.Run(way.name, func(t *testing.T) {
			from := time.Now().Unix() - 1
			w := aofStart(t, way.writer, t.TempDir(), "--aof-timestamp-enabled", "yes", "--aof-use-rdb-preamble", "no", "--appendfsync", "no")
			// The BASE made at the start of an empty server is only its
			// annotation, which sets the time of the last one: a write
			// in the same second gets none.
			require.Regexp(t, `^#TS:\d+\r\n$`, aofRead(t, w.dir, "appendonly.aof.1.base.aof"))
			nextSecond()
			populate(t, w.c)
			incr1 := aofRead(t, w.dir, "appendonly.aof.1.incr.aof")
			w.rewrite(t)
			nextSecond()
			w.do(t, "SET", "tail", "1")
			w.do(t, "INCR", "tail")
			want := w.state(t)
			w.shutdownNoSave(t)
			to := time.Now().Unix() + 1
			aofRequireTimestamps(t, incr1, "the first INCR file", from, to)
			aofRequireTimestamps(t, aofRead(t, w.dir, "appendonly.aof.2.base.aof"), "the BASE file", from, to)
			incr2 := aofRead(t, w.dir, "appendonly.aof.2.incr.aof")
			aofRequireTimestamps(t, incr2, "the second INCR file", from, to)
			require.Regexp(t, `^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n`, incr2)
			aofCheck(t, w.dir)

			for _, ts := range []string{"yes", "no"} {
				l := aofStart(t, way.loader, aofCopy(t, w.dir), "--aof-timestamp-enabled", ts)
				aofRequireSame(t, want, l, l.name()+" loading timestamps, aof-timestamp-enabled "+ts)
			}
		})
	}
}

// TestAOFLoadManifestFormats: ours and Redis, started on copies of the same
// appendonlydir (Redis's after several rewrites, or a manifest with
// history files and several INCR files), leave the same manifest and
// files, after the start and after one more BGREWRITEAOF.
func TestAOFLoadManifestFormats(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	redisBin := tool(t, "redis-server")
	for _, preamble := range []string{"yes", "no"} {
		ext := map[string]string{"yes": "rdb", "no": "aof"}[preamble]
		t.Run("preamble="+preamble+"/after rewrites", func(t *testing.T) {
			src := aofStart(t, redisBin, t.TempDir(), "--aof-use-rdb-preamble", preamble, "--appendfsync", "no")
			for i := 0; i < 3; i++ {
				populate(t, src.c)
				src.do(t, "SET", "round", i)
				src.rewrite(t)
			}
			src.do(t, "INCR", "round")
			src.shutdownNoSave(t)
			files := map[string]string{}
			for _, name := range aofFiles(t, src.dir) {
				files[name] = aofRead(t, src.dir, name)
			}
			aofPairRewrite(t, files, preamble,
				fmt.Sprintf("file appendonly.aof.4.base.%s seq 4 type b\nfile appendonly.aof.4.incr.aof seq 4 type i\n", ext),
				fmt.Sprintf("file appendonly.aof.5.base.%s seq 5 type b\nfile appendonly.aof.5.incr.aof seq 5 type i\n", ext))
		})
		t.Run("preamble="+preamble+"/history and several incr files", func(t *testing.T) {
			files := map[string]string{
				"appendonly.aof.manifest": "file appendonly.aof.2.base.aof seq 2 type b\n" +
					"file appendonly.aof.1.base.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type h\n" +
					"file appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n",
				"appendonly.aof.1.base.aof": "history, never read",
				"appendonly.aof.2.incr.aof": "history, never read",
				"appendonly.aof.2.base.aof": multibulk("SELECT", "0") + multibulk("SET", "a", "1"),
				"appendonly.aof.3.incr.aof": multibulk("SELECT", "0") + multibulk("SET", "b", "2"),
				"appendonly.aof.4.incr.aof": multibulk("SELECT", "1") + multibulk("SET", "c", "3"),
			}
			aofPairRewrite(t, files, preamble,
				"file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n",
				fmt.Sprintf("file appendonly.aof.3.base.%s seq 3 type b\nfile appendonly.aof.5.incr.aof seq 5 type i\n", ext))
		})
	}
}

// aofPairRewrite starts ours and Redis on copies of files, checks that
// both leave the manifest atStart, then writes and rewrites on both and
// checks that both leave the manifest afterRewrite, with the same data.
func aofPairRewrite(t *testing.T, files map[string]string, preamble, atStart, afterRewrite string) {
	t.Helper()
	nodes := aofPair(t, files, nil, "--aof-use-rdb-preamble", preamble)
	ours, real := nodes[0], nodes[1]
	require.Equal(t, atStart, aofRequireSameFiles(t, ours, real, "after the start"))
	require.Equal(t, real.state(t), ours.state(t))
	for _, n := range nodes {
		n.do(t, "SET", "before", "rewrite")
		n.rewrite(t)
		n.do(t, "SET", "after", "rewrite")
	}
	require.Equal(t, afterRewrite, aofRequireSameFiles(t, ours, real, "after BGREWRITEAOF"))
	want := real.state(t)
	require.Equal(t, want, ours.state(t))
	for _, n := range nodes {
		n.kill9(t)
		aofCheck(t, n.dir)
	}
	again := aofStart(t, "", ours.dir, "--aof-use-rdb-preamble", preamble)
	aofRequireSame(t, want, again, "ours restarted")
	require.Equal(t, afterRewrite, aofRead(t, ours.dir, "appendonly.aof.manifest"))
}

// TestAOFScriptsOnReadOnlyReplica: an AOF whose EVALs write loads on a
// read-only replica, ours and real Redis: the AOF is obeyed as a master
// is (mustObeyClient), not refused as a client would be.
func TestAOFScriptsOnReadOnlyReplica(t *testing.T) {
	for _, bin := range []string{"", tool(t, "redis-server")} {
		dir := t.TempDir()
		aofdir := filepath.Join(dir, "appendonlydir")
		require.NoError(t, os.MkdirAll(aofdir, 0o755))
		var aof []byte
		for _, argv := range [][]string{{"select", "9"}, {"eval", `redis.call("set",KEYS[1],"100")`, "1", "foo"},
			{"eval", `redis.call("incr",KEYS[1])`, "1", "foo"}, {"eval", `redis.call("incr",KEYS[1])`, "1", "foo"}} {
			aof = resp.AppendCommand(aof, argv...)
		}
		require.NoError(t, os.WriteFile(filepath.Join(aofdir, "appendonly.aof.1.incr.aof"), aof, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(aofdir, "appendonly.aof.manifest"),
			[]byte("file appendonly.aof.1.incr.aof seq 1 type i\n"), 0o644))
		n := aofStart(t, bin, dir, "--replica-read-only", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(freePort(t)))
		n.do(t, "SELECT", "9")
		require.Equal(t, "102", n.do(t, "GET", "foo"), n.name())
	}
}
