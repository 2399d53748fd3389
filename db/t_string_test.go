package db

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// propagated runs cmds on a fresh server and returns, for the last one,
// what it propagated, one command a string with its arguments separated by
// spaces. The earlier commands set the scene.
func propagated(t *testing.T, cmds ...string) []string {
	r := newLocalRunner(t)
	var got []string
	r.srv.AddPropagator(PropagateAll, func(dbid int, argv [][]byte) {
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = string(a)
		}
		got = append(got, strings.Join(parts, " "))
	})
	for i, cmd := range cmds {
		if i == len(cmds)-1 {
			got = nil
		}
		r.do("", splitArgs(t, cmd))
	}
	return got
}

func splitArgs(_ *testing.T, cmd string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(cmd) {
		argv = append(argv, []byte(f))
	}
	return argv
}

// TestStringPropagation checks the form in which string and bit commands
// reach replicas and the AOF, as Redis 7.0.15's replication stream shows
// it.
func TestStringPropagation(t *testing.T) {
	tests := []struct {
		name string
		cmds []string
		want []string
	}{
		{"set", []string{"set k v"}, []string{"set k v"}},
		{"set exat", []string{"set k v exat 99999999999"}, []string{"SET k v PXAT 99999999999000"}},
		{"set pxat", []string{"set k v pxat 99999999999999"}, []string{"SET k v PXAT 99999999999999"}},
		{"set exat in the past", []string{"set k v exat 1"}, []string{"SET k v PXAT 1000"}},
		{"set get", []string{"set k v1", "set k v2 GET"}, []string{"set k v2"}},
		{"set get repeated", []string{"set k v get KEEPTTL Get"}, []string{"set k v KEEPTTL"}},
		{"set get pxat", []string{"set k v get pxat 5000000000000"}, []string{"SET k v PXAT 5000000000000"}},
		{"set nx existing", []string{"set k v", "set k v nx"}, nil},
		{"set xx missing", []string{"set k v xx"}, nil},
		{"setnx", []string{"setnx k v"}, []string{"setnx k v"}},
		{"setnx existing", []string{"set k v", "setnx k v"}, nil},
		{"getex", []string{"set k v", "getex k"}, nil},
		{"getex exat", []string{"set k v", "getex k exat 99999999999"}, []string{"PEXPIREAT k 99999999999000"}},
		{"getex pxat past", []string{"set k v", "getex k pxat 1"}, []string{"DEL k"}},
		{"getex persist", []string{"set k v exat 99999999999", "getex k persist"}, []string{"PERSIST k"}},
		{"getex persist without ttl", []string{"set k v", "getex k persist"}, nil},
		{"getdel", []string{"set k v", "getdel k"}, []string{"DEL k"}},
		{"getdel missing", []string{"getdel k"}, nil},
		{"getset", []string{"getset k v"}, []string{"SET k v"}},
		{"incrbyfloat", []string{"set k 1.5", "incrbyfloat k 0.1"}, []string{"SET k 1.6 KEEPTTL"}},
		{"incrbyfloat error", []string{"set k x", "incrbyfloat k 0.1"}, nil},
		{"incr", []string{"incr k"}, []string{"incr k"}},
		{"incr overflow", []string{"set k 9223372036854775807", "incr k"}, nil},
		{"append", []string{"append k x"}, []string{"append k x"}},
		{"setrange nothing", []string{"setrange k 0 x", "setrange k 5"}, nil},
		{"mset", []string{"mset a 1 b 2"}, []string{"mset a 1 b 2"}},
		{"msetnx existing", []string{"set a 1", "msetnx a 1 b 2"}, nil},
		{"setbit", []string{"setbit k 3 1"}, []string{"setbit k 3 1"}},
		{"setbit unchanged", []string{"setbit k 3 1", "setbit k 3 1"}, nil},
		{"setbit clear within", []string{"setbit k 3 1", "setbit k 2 0"}, nil},
		{"setbit grows", []string{"setbit k 3 1", "setbit k 100 0"}, []string{"setbit k 100 0"}},
		{"bitfield", []string{"bitfield k incrby u2 0 1"}, []string{"bitfield k incrby u2 0 1"}},
		{"bitfield fail", []string{"setbit k 0 0", "bitfield k overflow fail incrby u2 0 5"}, nil},
		{"bitfield get", []string{"setbit k 1 1", "bitfield k get u8 0"}, nil},
		{"bitop", []string{"set a x", "bitop not d a"}, []string{"bitop not d a"}},
		{"bitop deletes", []string{"set d x", "bitop and d nokey"}, []string{"bitop and d nokey"}},
		{"bitop nothing", []string{"bitop and d nokey"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, propagated(t, tc.cmds...))
		})
	}
}

// TestRelativeExpirePropagation checks that EX and PX travel as an
// absolute PXAT (PEXPIREAT for GETEX) computed from the command's time.
func TestRelativeExpirePropagation(t *testing.T) {
	tests := []struct {
		cmds   []string
		prefix string
		ms     int64
	}{
		{[]string{"set k v ex 100"}, "SET k v PXAT ", 100000},
		{[]string{"set k v px 12345"}, "SET k v PXAT ", 12345},
		{[]string{"setex k 100 v"}, "SET k v PXAT ", 100000},
		{[]string{"psetex k 12345 v"}, "SET k v PXAT ", 12345},
		{[]string{"set k v ex 100 get"}, "SET k v PXAT ", 100000},
		{[]string{"set k v", "getex k ex 100"}, "PEXPIREAT k ", 100000},
		{[]string{"set k v", "getex k px 12345"}, "PEXPIREAT k ", 12345},
	}
	for _, tc := range tests {
		before := time.Now().UnixMilli()
		got := propagated(t, tc.cmds...)
		after := time.Now().UnixMilli()
		require.Len(t, got, 1, tc.cmds)
		require.True(t, strings.HasPrefix(got[0], tc.prefix), got[0])
		when, err := strconv.ParseInt(strings.TrimPrefix(got[0], tc.prefix), 10, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, when, before+tc.ms, tc.cmds)
		require.LessOrEqual(t, when, after+tc.ms, tc.cmds)
	}
}

// TestStringExpireTimes checks the TTL each command leaves on the key.
func TestStringExpireTimes(t *testing.T) {
	r := newLocalRunner(t)
	db := r.srv.DBs[0]
	run := func(cmd string) { r.do("", splitArgs(t, cmd)) }
	ttl := func(key string) int64 { return db.Expire([]byte(key)) }

	run("set k v exat 99999999999")
	require.Equal(t, int64(99999999999000), ttl("k"))
	run("set k v2 keepttl")
	require.Equal(t, int64(99999999999000), ttl("k"))
	run("incrbyfloat k 1")
	run("set k 1 keepttl")
	run("incrbyfloat k 1")
	run("append k x")
	run("setrange k 0 y")
	run("setbit k 0 1")
	run("incr n")
	require.Equal(t, int64(99999999999000), ttl("k"))
	run("set k v")
	require.Equal(t, int64(-1), ttl("k"))

	run("set k v pxat 99999999999999")
	run("getset k v")
	require.Equal(t, int64(-1), ttl("k"))
	run("set k v pxat 99999999999999")
	run("mset k v")
	require.Equal(t, int64(-1), ttl("k"))
	run("set k v pxat 99999999999999")
	run("bitop not k k")
	require.Equal(t, int64(-1), ttl("k"))

	run("set k v")
	run("getex k pxat 99999999999999")
	require.Equal(t, int64(99999999999999), ttl("k"))
	run("getex k persist")
	require.Equal(t, int64(-1), ttl("k"))
}

// TestStringEncodings checks what the commands store: int64 for canonical
// integers written by SET and INCR, a short exact copy (embstr) for other
// short strings, and a raw string (capacity rawMinCap or more) after the
// commands Redis makes raw.
func TestStringEncodings(t *testing.T) {
	r := newLocalRunner(t)
	db := r.srv.DBs[0]
	run := func(cmd string) { r.do("", splitArgs(t, cmd)) }
	val := func(key string) any { return db.Peek([]byte(key)) }
	isRaw := func(key string) bool {
		b, ok := val(key).([]byte)
		return ok && cap(b) >= rawMinCap
	}

	run("set a 123")
	require.Equal(t, int64(123), val("a"))
	run("set a 12345678901234567890")
	require.Equal(t, "embstr", EncodingName(val("a")))
	require.False(t, isRaw("a"))
	run("set a 0123")
	require.False(t, isRaw("a"))
	run("incr a")
	require.Equal(t, "embstr", EncodingName(val("a")))
	run("set a -5")
	run("incr a")
	require.Equal(t, int64(-4), val("a"))
	run("incrbyfloat f 1")
	require.Equal(t, []byte("1"), val("f"))
	require.False(t, isRaw("f"))
	run("set a " + strings.Repeat("x", 45))
	require.Equal(t, "raw", EncodingName(val("a")))
	run("mset m1 7 m2 x")
	require.Equal(t, int64(7), val("m1"))
	run("getset m2 8")
	require.Equal(t, int64(8), val("m2"))
	run("append new 9")
	require.Equal(t, int64(9), val("new"))
	run("append new2 abc")
	require.False(t, isRaw("new2"))

	for _, cmd := range []string{"append a1 x", "setrange a1 0 y", "setbit a1 0 1", "bitfield a1 set u8 0 1"} {
		run("set a1 123")
		run(cmd)
		require.True(t, isRaw("a1"), cmd)
		run("set a1 abc")
		run(cmd)
		require.True(t, isRaw("a1"), cmd)
	}
	run("setrange r1 2 x")
	require.True(t, isRaw("r1"))
	run("setbit r2 2 1")
	require.True(t, isRaw("r2"))
	run("setbit r2 2 1") // unchanged, but made raw all the same
	require.True(t, isRaw("r2"))
	run("bitop or r3 a")
	require.True(t, isRaw("r3"))
}

// TestWritableStringCopiesForSnapshot checks that a string patched in place
// is copied first while a snapshot may share it, and not otherwise.
func TestWritableStringCopiesForSnapshot(t *testing.T) {
	r := newLocalRunner(t)
	db := r.srv.DBs[0]
	r.do("", splitArgs(t, "setbit k 0 1"))
	before := db.Peek([]byte("k")).([]byte)

	r.do("", splitArgs(t, "setbit k 1 1"))
	require.Equal(t, byte(0xc0), before[0], "patched in place")

	r.srv.COW.Live++
	r.do("", splitArgs(t, "setbit k 2 1"))
	r.srv.COW.Live--
	require.Equal(t, byte(0xc0), before[0], "the shared copy is untouched")
	require.Equal(t, []byte{0xe0}, db.Peek([]byte("k")))

	// SET reuses an embstr of the same length, but not a shared one.
	r.do("", splitArgs(t, "set s abc"))
	old := db.Peek([]byte("s")).([]byte)
	r.do("", splitArgs(t, "set s xyz"))
	require.Equal(t, "xyz", string(old), "overwritten in place")
	r.srv.COW.Live++
	r.do("", splitArgs(t, "set s uvw"))
	r.srv.COW.Live--
	require.Equal(t, "xyz", string(old), "the shared copy is untouched")
	require.Equal(t, []byte("uvw"), db.Peek([]byte("s")))
	r.do("", splitArgs(t, "set s 789"))
	require.Equal(t, int64(789), db.Peek([]byte("s")), "an integer is stored as such")
}

func TestLongDouble(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.1", "0.1"},
		{"1e21", "1000000000000000000000"},
		{"-1e-20", "0"},
		{"123.456", "123.456"},
		{"0x1p-1", "0.5"},
		{"1e-17", "0.00000000000000001"},
		{"5e-18", "0"},
		{"9223372036854775807", "9223372036854775807"},
		{"1.7976931348623157e308", "179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384"},
	}
	for _, tc := range tests {
		f, ok := parseLongDouble([]byte(tc.in))
		require.True(t, ok, tc.in)
		require.Equal(t, tc.want, string(appendLongDouble(nil, f)), tc.in)
	}
	for _, bad := range []string{"", " 1", "1 ", "nan", "1e5000", "1e-5000", "0x", "1e", "1\x00"} {
		_, ok := parseLongDouble([]byte(bad))
		require.False(t, ok, bad)
	}
}

// TestStringsRESP3 checks the replies to a RESP3 client (HELLO 3), as
// Redis 7.0.15 gives them: nulls are "_", LCS IDX is a map. A script cannot
// hold these, as HELLO's reply shows the connection id.
func TestStringsRESP3(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"SET k v", "+OK"},
		{"GET nokey", "_"},
		{"GET k", "\"v\""},
		{"SET k v NX", "_"},
		{"SET k2 v GET", "_"},
		{"SET k v XX GET", "\"v\""},
		{"GETEX nokey", "_"},
		{"GETEX nokey PERSIST", "_"},
		{"GETDEL nokey", "_"},
		{"GETSET nokey2 v", "_"},
		{"MGET k nokey", "*2\n  \"v\"\n  _"},
		{"INCRBYFLOAT f 1.5", "\"1.5\""},
		{"INCR n", ":1"},
		{"SETNX k v", ":0"},
		{"MSET a ohmytext b mynewtext", "+OK"},
		{"LCS a b", "\"mytext\""},
		{"LCS a b LEN", ":6"},
		{"LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "%2\n  \"matches\"\n  *1\n    *3\n      *2\n        :4\n        :7\n      *2\n        :5\n        :8\n      :4\n  \"len\"\n  :6"},
		{"BITFIELD bf SET u8 0 255 OVERFLOW FAIL INCRBY u8 0 1 GET u8 0", "*3\n  :0\n  _\n  :255"},
		{"BITFIELD_RO bf GET u8 0", "*1\n  :255"},
		{"BITFIELD_RO nokey GET u8 0", "*1\n  :0"},
		{"SETBIT sb 1 1", ":0"},
		{"GETBIT sb 1", ":1"},
		{"BITCOUNT sb", ":1"},
		{"BITPOS sb 1", ":1"},
		{"GETRANGE nokey 0 -1", "\"\""},
		{"STRLEN k", ":1"},
		{"SUBSTR k 0 0", "\"v\""},
	}
	r := newLocalRunner(t)
	r.do("", splitArgs(t, "HELLO 3"))
	for _, tc := range tests {
		require.Equal(t, tc.want, strings.Join(r.do("", splitArgs(t, tc.cmd)), "\n"), tc.cmd)
	}
}

// benchCommand runs cmd in a loop on an in-process server, after setup.
func benchCommand(b *testing.B, setup []string, cmd string) {
	r := newLocalRunner(&testing.T{})
	for _, s := range setup {
		r.do("", splitArgs(nil, s))
	}
	c := r.client("")
	in := encodeCommand(splitArgs(nil, cmd))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.srv.ProcessInput(c, in)
		c.Buf = c.Buf[:0]
	}
}

func BenchmarkGet(b *testing.B)    { benchCommand(b, []string{"set key:1 xxx"}, "get key:1") }
func BenchmarkGetInt(b *testing.B) { benchCommand(b, []string{"set key:1 12345"}, "get key:1") }
func BenchmarkSet(b *testing.B)    { benchCommand(b, nil, "set key:1 xxx") }
func BenchmarkIncr(b *testing.B)   { benchCommand(b, nil, "incr counter:1") }
func BenchmarkMget(b *testing.B)   { benchCommand(b, []string{"mset a 1 b 2 c x"}, "mget a b c d") }
func BenchmarkMset(b *testing.B)   { benchCommand(b, nil, "mset a xxx b yyy c zzz") }
func BenchmarkSetbit(b *testing.B) { benchCommand(b, nil, "setbit bits 1000 1") }
func BenchmarkAppend(b *testing.B) { benchCommand(b, []string{"set s x"}, "append s x") }
func BenchmarkBitcount(b *testing.B) {
	benchCommand(b, []string{"setrange s 10000 x"}, "bitcount s")
}
