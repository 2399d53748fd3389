package db

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// propagationLog records what a server hands to its replicas and AOF.
type propagationLog struct {
	cmds []string // "dbid: arg arg ..."
}

func (p *propagationLog) install(s *Server) {
	s.AddPropagator(PropagateAll, func(dbid int, argv [][]byte) {
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = string(a)
		}
		p.cmds = append(p.cmds, strconv.Itoa(dbid)+": "+strings.Join(parts, " "))
	})
}

func (p *propagationLog) take() []string {
	cmds := p.cmds
	p.cmds = nil
	return cmds
}

func kargs(s ...string) [][]byte {
	argv := make([][]byte, len(s))
	for i, a := range s {
		argv[i] = []byte(a)
	}
	return argv
}

func TestExpirePropagation(t *testing.T) {
	r := newLocalRunner(t)
	var p propagationLog
	p.install(r.srv)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }

	do("SET", "k", "v")
	require.Equal(t, []string{"0: SET k v"}, p.take())

	// Relative and second forms travel as PEXPIREAT with the absolute
	// time; the conditions travel along.
	before := time.Now().UnixMilli()
	require.Equal(t, []string{":1"}, do("EXPIRE", "k", "100"))
	after := time.Now().UnixMilli()
	cmds := p.take()
	require.Len(t, cmds, 1)
	f := strings.Fields(cmds[0])
	require.Equal(t, []string{"0:", "PEXPIREAT", "k"}, f[:3])
	when, err := strconv.ParseInt(f[3], 10, 64)
	require.NoError(t, err)
	require.True(t, when >= before+100000 && when <= after+100000, "%d", when)

	require.Equal(t, []string{":0"}, do("EXPIRE", "k", "100", "NX"))
	require.Empty(t, p.take())
	do("pexpire", "k", "5000", "xx")
	cmds = p.take()
	require.Len(t, cmds, 1)
	f = strings.Fields(cmds[0])
	require.Equal(t, "PEXPIREAT", f[1])
	require.Equal(t, "xx", f[4])

	do("pexpireat", "k", "99999999999999")
	require.Equal(t, []string{"0: pexpireat k 99999999999999"}, p.take())
	do("EXPIREAT", "k", "99999999999", "LT")
	require.Equal(t, []string{"0: PEXPIREAT k 99999999999000 LT"}, p.take())

	// A time in the past deletes the key: DEL, or UNLINK with
	// lazyfree-lazy-expire.
	require.Equal(t, []string{":1"}, do("EXPIRE", "k", "-1"))
	require.Equal(t, []string{"0: DEL k"}, p.take())
	require.Equal(t, []string{":0"}, do("EXISTS", "k"))
	require.NoError(t, r.srv.Config.Set([][2]string{{"lazyfree-lazy-expire", "yes"}}))
	do("SET", "k", "v")
	do("PEXPIREAT", "k", "1")
	require.Equal(t, []string{"0: SET k v", "0: UNLINK k"}, p.take())
	require.NoError(t, r.srv.Config.Set([][2]string{{"lazyfree-lazy-expire", "no"}}))

	// PERSIST only when there was a TTL.
	do("SET", "k", "v")
	do("PERSIST", "k")
	do("EXPIREAT", "k", "99999999999")
	do("PERSIST", "k")
	require.Equal(t, []string{"0: SET k v", "0: PEXPIREAT k 99999999999000", "0: PERSIST k"}, p.take())

	// Reads and no-ops propagate nothing.
	do("TTL", "k")
	do("TOUCH", "k")
	do("RENAME", "k", "k")
	do("EXPIRE", "nokey", "10")
	do("DEL", "nokey")
	require.Empty(t, p.take())
}

func TestKeysPropagation(t *testing.T) {
	r := newLocalRunner(t)
	var p propagationLog
	p.install(r.srv)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }

	// FLUSHDB and FLUSHALL are propagationLog even on empty dbs.
	do("FLUSHDB")
	do("FLUSHALL", "ASYNC")
	do("FLUSHDB", "bad")
	require.Equal(t, []string{"0: FLUSHDB", "0: FLUSHALL ASYNC"}, p.take())
	dirty := r.srv.Dirty
	do("SELECT", "3")
	do("SET", "a", "1")
	do("SET", "b", "1")
	do("FLUSHALL")
	require.Equal(t, dirty+4, r.srv.Dirty, "FLUSHALL adds the keys removed, not 1")
	do("FLUSHDB")
	require.Equal(t, dirty+4, r.srv.Dirty)
	require.Equal(t, []string{"3: SET a 1", "3: SET b 1", "3: FLUSHALL", "3: FLUSHDB"}, p.take())

	do("SET", "a", "1")
	do("UNLINK", "a", "nokey")
	do("SET", "a", "1")
	do("RENAME", "a", "b")
	do("COPY", "b", "c", "DB", "1")
	do("MOVE", "b", "2")
	do("SWAPDB", "0", "0")
	do("RENAMENX", "b", "b")
	require.Equal(t, []string{
		"3: SET a 1", "3: UNLINK a nokey", "3: SET a 1", "3: RENAME a b",
		"3: COPY b c DB 1", "3: MOVE b 2", "3: SWAPDB 0 0",
	}, p.take())

	// A key found expired by a command is deleted and its DEL propagationLog
	// before the command itself.
	do("SET", "x", "1")
	r.srv.DBs[3].SetExpire([]byte("x"), time.Now().UnixMilli()-10)
	p.take()
	require.Equal(t, []string{":0"}, do("DEL", "x"))
	require.Equal(t, []string{"3: DEL x"}, p.take())
}

func TestExpireOnReplica(t *testing.T) {
	r := newLocalRunner(t)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	do("SET", "k", "v")
	r.srv.IsReplica = true
	r.srv.ReplicaReadOnly = false
	// A replica keeps the key with its past expire time and waits for
	// the master's DEL, hiding it meanwhile.
	require.Equal(t, []string{":1"}, do("EXPIRE", "k", "-10"))
	require.Equal(t, []string{":1"}, do("DBSIZE"))
	require.Equal(t, []string{":-2"}, do("TTL", "k"))
	require.Equal(t, []string{"*0"}, do("KEYS", "*"))
}

// TestActiveExpiry checks that the cron alone removes keys whose time has
// come, and nothing else.
func TestActiveExpiry(t *testing.T) {
	r := newLocalRunner(t)
	var p propagationLog
	p.install(r.srv)
	do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
	do("SET", "k", "v")
	do("PEXPIRE", "k", "50")
	do("SET", "keep", "v")
	do("SET", "later", "v")
	do("EXPIRE", "later", "100")
	for i := 0; i < 1000; i++ {
		k := "many:" + strconv.Itoa(i)
		do("SET", k, "v")
		do("PEXPIRE", k, "20")
	}
	p.take()
	require.Equal(t, []string{":1003"}, do("DBSIZE"))
	deadline := time.Now().Add(2 * time.Second)
	for r.srv.DBs[0].Len() > 2 && time.Now().Before(deadline) {
		r.srv.Cron()
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, []string{":2"}, do("DBSIZE"))
	require.Equal(t, []string{":1"}, do("EXISTS", "later"))
	require.Equal(t, int64(1001), r.srv.Stats.ExpiredKeys)
	dels := p.take()
	require.Len(t, dels, 1001)
	require.Contains(t, dels, "0: DEL k")
	require.Positive(t, r.srv.DBs[0].AvgTTL())
}

// TestArbitraryKeysExpireUnwrapped: the keys SCAN and RANDOMKEY find
// expired go out as separate DELs, not in MULTI/EXEC (Redis's
// CMD_TOUCHES_ARBITRARY_KEYS); any other command's do.
func TestArbitraryKeysExpireUnwrapped(t *testing.T) {
	for _, cmd := range [][]string{{"SCAN", "0"}, {"RANDOMKEY"}, {"MGET", "foo1", "foo2"}} {
		r := newLocalRunner(t)
		var p propagationLog
		p.install(r.srv)
		do := func(cmd ...string) []string { return r.do("", kargs(cmd...)) }
		do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
		do("SET", "foo1", "bar", "PX", "1")
		do("SET", "foo2", "bar", "PX", "1")
		time.Sleep(5 * time.Millisecond) // the keys' expire time passes
		p.take()
		do(cmd...)
		want := []string{"0: DEL foo1", "0: DEL foo2"}
		if cmd[0] == "MGET" {
			want = []string{"0: MULTI", "0: DEL foo1", "0: DEL foo2", "0: EXEC"}
		}
		got := p.take()
		if cmd[0] != "MGET" { // in the order of the table
			require.ElementsMatch(t, want, got, cmd)
			continue
		}
		require.Equal(t, want, got, cmd)
	}
}
