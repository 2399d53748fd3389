package tests

// SORT and SORT_RO against real Redis 7.0: the same commands sent to the
// server under test and to a real redis-server must get the same replies.
// TestSortScripts covers what the data-driven scripts of package db cannot
// (SORT called from Lua, where a set sorted BY a constant is sorted
// anyway, and replication of SORT ... STORE); TestSortDifferential runs
// random SORT invocations over random lists, sets and sorted sets of every
// encoding, with random weights in strings and hashes.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis-go/redis-server/resp"
	"github.com/stretchr/testify/require"
)

// sortConn is a connection that sends commands and renders their replies
// exactly (type, nulls, bytes), for comparing two servers.
type sortConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialSort(t *testing.T, port int) *sortConn {
	c, err := net.Dial("tcp", addr(port))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &sortConn{c: c, r: bufio.NewReader(c)}
}

// pipeline sends cmds at once and returns their rendered replies.
func (rc *sortConn) pipeline(t *testing.T, cmds [][]string) []string {
	t.Helper()
	w := &resp.Writer{}
	for _, cmd := range cmds {
		w.ArrayLen(len(cmd))
		for _, a := range cmd {
			w.BulkString(a)
		}
	}
	require.NoError(t, rc.c.SetDeadline(time.Now().Add(time.Minute)))
	_, err := rc.c.Write(w.Buf)
	require.NoError(t, err)
	out := make([]string, len(cmds))
	for i := range cmds {
		v, err := resp.ReadReply(rc.r)
		require.NoError(t, err)
		out[i] = renderReply(v)
	}
	return out
}

func (rc *sortConn) do(t *testing.T, args ...string) string {
	t.Helper()
	return rc.pipeline(t, [][]string{args})[0]
}

func renderReply(v resp.Value) string {
	switch {
	case v.Null || v.Type == '_':
		return "nil"
	case v.Type == ':':
		return ":" + strconv.FormatInt(v.Int, 10)
	case v.Elems != nil || v.Type == '*' || v.Type == '~' || v.Type == '%':
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = renderReply(e)
		}
		// Quoted strings have no newline: it separates elements.
		return string(v.Type) + "[" + strings.Join(parts, "\n") + "]"
	}
	return string(v.Type) + strconv.Quote(string(v.Str))
}

// sortPair is the server under test and real Redis, each with a
// connection.
type sortPair struct {
	ours, real *sortConn
	oursSrv    *server
	realSrv    *server
}

func startSortPair(t *testing.T) *sortPair {
	ours := startServer(t, "--save", "")
	real := startBin(t, tool(t, "redis-server"), "--save", "")
	return &sortPair{ours: dialSort(t, ours.Port), real: dialSort(t, real.Port), oursSrv: ours, realSrv: real}
}

// both runs cmds on the two servers and requires equal replies.
func (p *sortPair) both(t *testing.T, cmds [][]string) []string {
	t.Helper()
	want := p.real.pipeline(t, cmds)
	got := p.ours.pipeline(t, cmds)
	for i := range cmds {
		require.Equal(t, want[i], got[i], "%q", cmds[i])
	}
	return got
}

func cmds(lines ...string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		argv, ok := resp.SplitArgs([]byte(l), nil)
		if !ok {
			panic("bad quoting: " + l)
		}
		for _, a := range argv {
			out[i] = append(out[i], string(a))
		}
	}
	return out
}

// Lua scripts: a set sorted BY a constant is sorted anyway (ALPHA), as
// with STORE, so that replicas and the AOF see the same output; lists and
// sorted sets keep their order; SORT's write flag in read-only scripts.
func TestSortScripts(t *testing.T) {
	p := startSortPair(t)
	p.both(t, cmds(
		"SADD st apple banana cherry date 10 9 8",
		"SADD si 5 -3 100 7 0",
		"ZADD z 1 a 5 b 2 c 10 d 3 e",
		"RPUSH l c a b",
		"MSET w_c 1 w_a 3 w_b 2 w_5 x w_0 y",
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort')" 1 st`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc', 'limit', 0, 2)" 1 st`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'get', '#', 'get', 'w_*')" 1 si`,
		`EVAL "return redis.call('sort_ro', KEYS[1], 'by', 'nosort', 'limit', 1, 3)" 1 st`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc')" 1 z`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc', 'limit', 1, 2)" 1 z`,
		`EVAL "return redis.call('sort_ro', KEYS[1], 'alpha')" 1 z`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort')" 1 l`,
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'w_*')" 1 l`,
		`EVAL "return redis.call('sort', KEYS[1], 'store', 'dst')" 1 si`,
		"LRANGE dst 0 -1",
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'store', KEYS[2])" 2 st dst`,
		"LRANGE dst 0 -1",
		`EVAL_RO "return redis.call('sort', KEYS[1])" 1 l`,
		`EVAL_RO "return redis.call('sort_ro', KEYS[1])" 1 l`,
		"EVAL \"#!lua flags=no-writes\nreturn redis.call('sort', KEYS[1])\" 1 l",
		"EVAL \"#!lua flags=no-writes\nreturn redis.call('sort_ro', KEYS[1], 'by', 'nosort')\" 1 st",
		`EVAL "return redis.pcall('sort', KEYS[1], 'by', 'w_*')" 1 st`,
		`EVAL "return redis.pcall('sort_ro', KEYS[1], 'store', 'x')" 1 st`,
		"MULTI",
		"SORT si BY nosort DESC",
		"SORT z BY nosort LIMIT 0 2",
		"SORT st BY nosort STORE dst",
		"EXEC",
		"LRANGE dst 0 -1",
	))
}

// Every BY and GET lookup counts as a keyspace hit or miss, as Redis's
// lookupKeyRead.
func TestSortKeyspaceStats(t *testing.T) {
	p := startSortPair(t)
	p.both(t, cmds(
		"RPUSH l 3 1 2",
		"MSET w_1 c w_2 b",
		"HSET o_3 wt 1",
		"CONFIG RESETSTAT",
		"SORT l BY w_* GET # GET o_*->wt GET nokey_*",
		"SORT l BY nosort GET w_* STORE dst",
		"SORT_RO l BY o_*->wt ALPHA LIMIT 0 1 GET #",
		"SORT nokey BY w_*",
	))
	stats := func(c *sortConn) []string {
		var out []string
		for _, line := range strings.Split(c.do(t, "INFO", "stats"), `\r\n`) {
			if strings.HasPrefix(line, "keyspace_") {
				out = append(out, line)
			}
		}
		return out
	}
	want := stats(p.real)
	require.Len(t, want, 2)
	require.Equal(t, want, stats(p.ours))
}

// SORT ... STORE reaches a replica as it is, from a command, MULTI or a
// script; a SORT without STORE writes nothing. The replica is real Redis.
func TestSortStoreReplicated(t *testing.T) {
	master := startServer(t, "--save", "", "--repl-diskless-sync-delay", "0")
	replica := startBin(t, tool(t, "redis-server"), "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	m, r := dialSort(t, master.Port), dialSort(t, replica.Port)
	waitFor(t, 10*time.Second, "the replica's link", func() (bool, string) {
		info := r.do(t, "INFO", "replication")
		return strings.Contains(info, "master_link_status:up"), info
	})
	m.pipeline(t, cmds(
		"RPUSH l 3 1 2",
		"SADD st apple banana cherry",
		"MSET w_1 c w_2 b w_3 a",
		"SORT l BY w_* ALPHA STORE d1",
		"MULTI",
		"SORT st BY nosort STORE d2",
		"SORT l DESC STORE d3",
		"EXEC",
		`EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'store', KEYS[2])" 2 st d4`,
		"SET d5 x",
		"SORT nokey STORE d5",
	))
	offset := func(c *sortConn) string {
		for _, line := range strings.Split(c.do(t, "INFO", "replication"), `\r\n`) {
			if v, ok := strings.CutPrefix(line, "master_repl_offset:"); ok {
				return v
			}
		}
		return ""
	}
	waitFor(t, 10*time.Second, "the replica's offset", func() (bool, string) {
		mo, ro := offset(m), offset(r)
		return mo == ro, mo + " " + ro
	})
	for _, k := range []string{"d1", "d2", "d3", "d4"} {
		require.Equal(t, m.do(t, "LRANGE", k, "0", "-1"), r.do(t, "LRANGE", k, "0", "-1"), k)
	}
	require.Equal(t, ":0", r.do(t, "EXISTS", "d5"))
	before := offset(m)
	m.pipeline(t, cmds("SORT l", "SORT_RO st ALPHA", "SORT nokey STORE d5"))
	require.Equal(t, before, offset(m), "SORT without a change is not propagated")
}

// sortGen builds a random dataset and random SORT commands over it.
type sortGen struct {
	rng *rand.Rand
	// elems are the elements of every collection, by key; kinds says
	// whether a key's order is its hash order (a hashtable set, a sorted
	// set outside BY nosort), where ties must not show.
	elems  map[string][]string
	hashed map[string]bool
	keys   []string
}

func (g *sortGen) word() string {
	const letters = "abcAB-_.:x "
	n := 1 + g.rng.IntN(6)
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[g.rng.IntN(len(letters))]
	}
	return string(b)
}

// element is a random member: integers (some in intset range, some
// not canonical), floats, words, and for lists the odd NUL byte.
func (g *sortGen) element(list bool) string {
	switch g.rng.IntN(10) {
	case 0, 1, 2:
		return strconv.Itoa(g.rng.IntN(200) - 100)
	case 3:
		return strconv.FormatInt(g.rng.Int64()-(1<<62), 10)
	case 4:
		return strconv.FormatFloat(g.rng.NormFloat64()*100, 'g', -1, 64)
	case 5:
		return fmt.Sprintf("%03d", g.rng.IntN(50))
	case 6:
		if list {
			return g.word() + "\x00" + g.word()
		}
		return g.word()
	default:
		return g.word()
	}
}

// weight is a random BY value: mostly numbers, some words (not numbers,
// or sorted as ALPHA), some values strtod rejects or overflows on.
func (g *sortGen) weight() string {
	switch g.rng.IntN(20) {
	case 0:
		return g.word()
	case 1:
		return []string{"", " 5", "0x1A", "inf", "-inf", "1e400", "1e-310", "nan", "3abc", "\t7"}[g.rng.IntN(10)]
	case 2, 3, 4:
		return strconv.Itoa(g.rng.IntN(5)) // many ties
	case 5, 6:
		return strconv.FormatFloat(g.rng.Float64()*10, 'f', 2, 64)
	default:
		return strconv.Itoa(g.rng.IntN(100000))
	}
}

// dataset returns the commands that build the keys: lists, intsets,
// hashtable sets, listpack and skiplist sorted sets, and for every
// element w_<e> (a string, sometimes missing), o_<e> (a hash with field
// wt) and u_<e> (a unique weight, for ALPHA BY over hash-ordered keys).
func (g *sortGen) dataset() [][]string {
	var out [][]string
	g.elems, g.hashed = map[string][]string{}, map[string]bool{}
	all := map[string]bool{}
	add := func(key, typ string, n int) {
		var members []string
		seen := map[string]bool{}
		for len(members) < n {
			var e string
			switch typ {
			case "intset":
				e = strconv.Itoa(g.rng.IntN(1000) - 500)
			default:
				e = g.element(typ == "list")
			}
			if typ != "list" && seen[e] {
				continue
			}
			seen[e] = true
			members = append(members, e)
			all[e] = true
		}
		switch typ {
		case "list":
			out = append(out, append([]string{"RPUSH", key}, members...))
		case "intset", "set":
			out = append(out, append([]string{"SADD", key}, members...))
			g.hashed[key] = typ == "set"
		case "zset":
			cmd := []string{"ZADD", key}
			for _, m := range members {
				cmd = append(cmd, strconv.Itoa(g.rng.IntN(20)), m)
			}
			out = append(out, cmd)
			g.hashed[key] = true
		}
		g.elems[key] = members
		g.keys = append(g.keys, key)
	}
	add("l1", "list", 5)
	add("l2", "list", 60)
	add("l3", "list", 300)
	add("s1", "intset", 30)
	add("s2", "set", 40)
	add("s3", "set", 200)
	add("z1", "zset", 20)
	add("z2", "zset", 200)
	add("empty", "list", 0)
	out = append(out, []string{"DEL", "empty"})
	names := make([]string, 0, len(all))
	for e := range all {
		names = append(names, e)
	}
	sort.Strings(names)
	u := g.rng.Perm(len(names))
	for i, e := range names {
		if g.rng.IntN(10) > 0 {
			out = append(out, []string{"SET", "w_" + e, g.weight()})
		}
		if g.rng.IntN(10) > 0 {
			out = append(out, []string{"HSET", "o_" + e, "wt", g.weight()})
		}
		out = append(out, []string{"SET", "u_" + e, fmt.Sprintf("u%06d", u[i])})
	}
	return out
}

// command returns a random SORT or SORT_RO over key, and whether its
// reply may be compared as a multiset only (a hashtable set BY nosort).
func (g *sortGen) command(key string) (cmd []string, unordered bool) {
	ro := g.rng.IntN(4) == 0
	cmd = []string{"SORT", key}
	if ro {
		cmd[0] = "SORT_RO"
	}
	alpha := g.rng.IntN(3) == 0
	by := ""
	switch g.rng.IntN(5) {
	case 1:
		by = "nosort"
	case 2:
		by = "w_*"
	case 3:
		by = "o_*->wt"
	case 4:
		by = "nokey_*"
	}
	if g.hashed[key] && alpha && (by == "w_*" || by == "o_*->wt" || by == "nokey_*") {
		by = "u_*" // ties in hash order would show
	}
	if by != "" {
		cmd = append(cmd, "BY", by)
	}
	if alpha {
		cmd = append(cmd, "ALPHA")
	}
	if g.rng.IntN(2) == 0 {
		cmd = append(cmd, []string{"ASC", "DESC"}[g.rng.IntN(2)])
	}
	store := !ro && g.rng.IntN(4) == 0
	setNosort := by == "nosort" && strings.HasPrefix(key, "s") && g.hashed[key]
	if g.rng.IntN(2) == 0 && !(setNosort && !store) {
		n := len(g.elems[key])
		start := g.rng.IntN(n+3) - 2
		count := g.rng.IntN(n+3) - 1
		if g.rng.IntN(20) == 0 {
			start, count = 0, 1<<62
		}
		cmd = append(cmd, "LIMIT", strconv.Itoa(start), strconv.Itoa(count))
	}
	for range g.rng.IntN(3) {
		cmd = append(cmd, "GET", []string{"#", "w_*", "o_*->wt", "nokey_*", "const", "u_*"}[g.rng.IntN(6)])
	}
	if store {
		cmd = append(cmd, "STORE", "dst")
	}
	return cmd, setNosort && !store
}

// Random SORT invocations: every reply equal to real Redis's, and every
// stored list. SORT_SEED reproduces a run, SORT_ROUNDS sets the number of
// datasets (3) of 1500 commands each.
func TestSortDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SORT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "SORT_SEED")
		seed = v
	}
	rounds := 3
	if s := os.Getenv("SORT_ROUNDS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(t, err, "SORT_ROUNDS")
		rounds = v
	}
	p := startSortPair(t)
	for round := range rounds {
		s := seed + uint64(round)
		g := &sortGen{rng: rand.New(rand.NewPCG(s, s))}
		p.both(t, [][]string{{"FLUSHALL"}})
		data := g.dataset()
		p.both(t, data)
		for i := 0; i < 1500; i++ {
			key := g.keys[g.rng.IntN(len(g.keys))]
			cmd, unordered := g.command(key)
			// An ERANGE from strtod stays in Redis's errno until
			// something resets it: ZADD ... XX parses a double and
			// resets it, and changes nothing.
			batch := [][]string{{"ZADD", "errno", "XX", "0", "x"}, cmd}
			stores := cmd[len(cmd)-2] == "STORE"
			if stores {
				batch = append(batch, []string{"LRANGE", "dst", "0", "-1"}, []string{"EXISTS", "dst"})
			}
			want := p.real.pipeline(t, batch)
			got := p.ours.pipeline(t, batch)
			if unordered {
				want[1], got[1] = sortedReply(want[1]), sortedReply(got[1])
			}
			require.Equal(t, want, got, "seed %d, command %d: %q", s, i, cmd)
		}
		var enc [][]string
		for _, k := range g.keys {
			enc = append(enc, []string{"OBJECT", "ENCODING", k})
		}
		p.both(t, enc)
	}
}

// sortedReply puts the elements of a rendered array reply in order.
func sortedReply(r string) string {
	inner, ok := strings.CutPrefix(r, "*[")
	if !ok {
		return r
	}
	parts := strings.Split(strings.TrimSuffix(inner, "]"), "\n")
	sort.Strings(parts)
	return "*[" + strings.Join(parts, "\n") + "]"
}
