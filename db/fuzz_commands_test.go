package db

// FuzzCommands sends whole commands to an in-process server and asserts
// that none can crash it (issue 17): no panic, no allocation beyond
// maxCommandAlloc, and the server still answers PING afterwards.
//
// An input is a command selector and a byte string of arguments. The
// selector picks one of fuzzCommandNames (every registered command and
// subcommand, minus those that stop the process or park the test). The
// argument bytes encode:
//
//	byte 0: number of arguments (mod 7); bit 7 set runs the command in RESP3
//	then, per argument, one selector byte s:
//	  s < len(fuzzArgPool)  the pool value s (boundary numbers, keys, option words)
//	  s == 0xff             the decimal form of the next 8 bytes (an int64)
//	  otherwise             raw: a length byte (mod 64), then that many bytes
//
// so the mutator mostly recombines boundary values and the seed corpus can
// be written as readable commands (fuzzSeed encodes them). Each input gets a
// fresh server with one key of every type and encoding, so a crasher
// reproduces on its own.

import (
	"encoding/binary"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// maxCommandAlloc bounds what one command may allocate. SETRANGE, SETBIT and
// BITFIELD may legitimately grow a string to proto-max-bulk-len (512 MiB), as
// Redis does; anything beyond that is an unbounded allocation.
const maxCommandAlloc = 640 << 20

// fuzzExcluded are the commands a fuzz input may not run: they stop the
// process, pause every client, run unbounded loops by design (DEBUG
// POPULATE with a huge count, PFSELFTEST) or sleep.
var fuzzExcluded = map[string]bool{
	"shutdown":     true,
	"monitor":      true,
	"client|pause": true,
	"pfselftest":   true,
	"debug":        true, // added back below with its safe subcommands
	"replicaof":    true, "slaveof": true, "sync": true, "psync": true, "failover": true,
	"save": true, "bgsave": true, "bgrewriteaof": true, "wait": true,
}

// fuzzDebugSubcommands are the DEBUG subcommands that can run in a test.
var fuzzDebugSubcommands = []string{"help", "object", "set-active-expire", "error", "log", "protocol"}

// fuzzCommandNames lists the argv prefixes a selector picks from: "get",
// "config get", "debug object". The table is filled by init functions, after
// package variables, hence the Once.
var fuzzCommandNames = sync.OnceValue(func() []string {
	var names []string
	for _, n := range commands.sortedNames() {
		cmd := commands[n]
		if !fuzzExcluded[n] {
			names = append(names, n)
		}
		var subs []string
		for s := range cmd.Sub {
			subs = append(subs, s)
		}
		sort.Strings(subs)
		for _, s := range subs {
			if !fuzzExcluded[n+"|"+s] {
				names = append(names, n+" "+s)
			}
		}
	}
	for _, s := range fuzzDebugSubcommands {
		names = append(names, "debug "+s)
	}
	return names
})

// fuzzArgPool holds the values arguments are drawn from. Its order is part
// of the input encoding: append, never reorder.
var fuzzArgPool = []string{
	// Keys of fuzzPopulate, and a missing one.
	"s", "n", "b", "l", "lb", "h", "hb", "st", "is", "sb", "z", "zb", "hll", "e", "missing",
	// Integers at the edges of every width.
	"0", "1", "-1", "-0", "2", "-2", "3", "5", "10", "100", "1000",
	"2147483647", "2147483648", "-2147483648", "-2147483649",
	"4294967295", "4294967296", "-4294967296",
	"1152921504606846976", "-1152921504606846976", // 2^60
	"2305843009213693952", "-2305843009213693952", // 2^61
	"4611686018427387904", "-4611686018427387904", // 2^62
	"9223372036854775807", "-9223372036854775808",
	"9223372036854775806", "-9223372036854775807",
	"9223372036854775808", "-9223372036854775809",
	"18446744073709551615", "18446744073709551616",
	"536870911", "536870912", "1000000000", "99999999999",
	// Floats.
	"inf", "-inf", "+inf", "nan", "1e308", "-1e308", "1e309", "0.0005", "-0.0005", "1.5", "0.0", "-0.0",
	"(1", "(-inf", "(+inf", "[a", "(a", "-", "+", "[", "(",
	// Strings.
	"", "a", "x", "foo", "*", "?", "\x00", "\xff\xff\xff\xff",
	// Option words.
	"MIN", "MAX", "COUNT", "LIMIT", "BYSCORE", "BYLEX", "REV", "WITHSCORES", "BIT", "BYTE",
	"LEFT", "RIGHT", "NX", "XX", "GT", "LT", "CH", "INCR", "EX", "PX", "EXAT", "PXAT",
	"KEEPTTL", "GET", "PERSIST", "MATCH", "TYPE", "STORE", "WEIGHTS", "AGGREGATE", "SUM",
	"IDLETIME", "FREQ", "REPLACE", "ABSTTL", "LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN",
	"RANK", "MAXLEN", "BEFORE", "AFTER", "WITHVALUES", "ID", "SAMPLES", "DB", "FIELDS",
	"OVERFLOW", "WRAP", "SAT", "FAIL", "SET", "INCRBY", "u8", "i64", "u63", "i1", "#1",
	"AND", "OR", "XOR", "NOT", "USER", "ADDR", "LADDR", "SKIPME", "ON", "OFF", "YES", "NO",
	"KEYS", "STRING", "LIST", "HASH", "ZSET", "NUMKEYS", "HELP", "ALL", "RESET",
	"maxmemory", "hz", "list-max-listpack-size", "set-max-intset-entries", "zset-max-listpack-entries",
	"proto-max-bulk-len", "client-query-buffer-limit", "slowlog-max-len", "latency-tracking-info-percentiles",
	"maxmemory-policy", "allkeys-lfu", "MULTI", "EXEC",
}

// fuzzPopulate gives the server one key of every type and encoding.
var fuzzPopulate = func() [][]string {
	lb := []string{"RPUSH", "lb"}
	hb := []string{"HSET", "hb"}
	sb := []string{"SADD", "sb"}
	zb := []string{"ZADD", "zb"}
	for i := 0; i < 200; i++ {
		v := "m" + strconv.Itoa(i)
		lb = append(lb, v)
		hb = append(hb, v, strconv.Itoa(i))
		sb = append(sb, v)
		zb = append(zb, strconv.Itoa(i-100), v)
	}
	return [][]string{
		{"SET", "s", "hello world"},
		{"SET", "n", "12345"},
		{"SET", "b", "\xff\xf0\x00"},
		{"RPUSH", "l", "a", "b", "c", "1", "2"},
		lb,
		{"HSET", "h", "a", "1", "b", "2", "f", "1.5"},
		hb,
		{"SADD", "st", "a", "b", "c"},
		{"SADD", "is", "1", "2", "3", "-5"},
		sb,
		{"ZADD", "z", "1", "a", "2", "b", "2", "c", "-inf", "m", "inf", "x"},
		zb,
		{"PFADD", "hll", "a", "b", "c"},
		{"SET", "e", "v", "PX", "100000"},
	}
}()

// fuzzCommand is one decoded command of an input.
type fuzzCommand struct {
	argv  [][]byte
	proto int
}

// decodeFuzzCommands turns a fuzz input into up to three commands: the
// first selected by sel, and while bytes remain after its arguments, two
// bytes select the next one, whose arguments follow as for the first.
func decodeFuzzCommands(sel uint16, data []byte) []fuzzCommand {
	var cmds []fuzzCommand
	for {
		var cmd fuzzCommand
		cmd, data = decodeFuzzCommand(sel, data)
		cmds = append(cmds, cmd)
		if len(data) < 2 || len(cmds) == 3 {
			return cmds
		}
		sel, data = binary.BigEndian.Uint16(data), data[2:]
	}
}

// decodeFuzzCommand decodes one command and returns the bytes left.
func decodeFuzzCommand(sel uint16, data []byte) (fuzzCommand, []byte) {
	names := fuzzCommandNames()
	cmd := fuzzCommand{proto: 2}
	for _, w := range strings.Fields(names[int(sel)%len(names)]) {
		cmd.argv = append(cmd.argv, []byte(w))
	}
	if len(data) == 0 {
		return cmd, data
	}
	if data[0]&0x80 != 0 {
		cmd.proto = 3
	}
	n := int(data[0]&0x7f) % 7
	data = data[1:]
	for ; n > 0 && len(data) > 0; n-- {
		s := data[0]
		data = data[1:]
		switch {
		case int(s) < len(fuzzArgPool):
			cmd.argv = append(cmd.argv, []byte(fuzzArgPool[s]))
		case s == 0xff:
			var b [8]byte
			data = data[copy(b[:], data):]
			cmd.argv = append(cmd.argv, strconv.AppendInt(nil, int64(binary.BigEndian.Uint64(b[:])), 10))
		default:
			l := 0
			if len(data) > 0 {
				l = min(int(data[0])%64, len(data)-1)
				data = data[1:]
			}
			cmd.argv = append(cmd.argv, append([]byte(nil), data[:l]...))
			data = data[l:]
		}
	}
	return cmd, data
}

// fuzzSeed encodes a readable command as a fuzz input: the inverse of
// decodeFuzzCommands for one command with arguments in the pool or up to 63 bytes long.
func fuzzSeed(t testing.TB, resp3 bool, name string, args ...string) (uint16, []byte) {
	sel := -1
	for i, n := range fuzzCommandNames() {
		if len(args) > 0 && n == strings.ToLower(name+" "+args[0]) {
			sel, args = i, args[1:]
			break
		}
		if n == strings.ToLower(name) {
			sel = i
		}
	}
	if sel < 0 {
		t.Fatalf("fuzz seed: no command %q", name)
	}
	data := []byte{byte(len(args))}
	if resp3 {
		data[0] |= 0x80
	}
next:
	for _, a := range args {
		for i, p := range fuzzArgPool {
			if p == a {
				data = append(data, byte(i))
				continue next
			}
		}
		if len(a) > 63 {
			t.Fatalf("fuzz seed: argument too long: %q", a)
		}
		data = append(data, 0xfe, byte(len(a)))
		data = append(data, a...)
	}
	return uint16(sel), data
}

func FuzzCommands(f *testing.F) {
	if len(fuzzArgPool) >= 0xfe {
		f.Fatalf("fuzzArgPool has %d values: selectors 0xfe and 0xff are taken", len(fuzzArgPool))
	}
	for _, seed := range fuzzCommandSeeds {
		var sel uint16
		var data []byte
		for i, s := range splitSeed(seed) {
			resp3 := s[0] == "RESP3"
			if resp3 {
				s = s[1:]
			}
			cmdSel, cmdData := fuzzSeed(f, resp3, s[0], s[1:]...)
			if i == 0 {
				sel, data = cmdSel, cmdData
				continue
			}
			data = binary.BigEndian.AppendUint16(data, cmdSel)
			data = append(data, cmdData...)
		}
		f.Add(sel, data)
	}
	f.Fuzz(func(t *testing.T, sel uint16, data []byte) {
		cmds := decodeFuzzCommands(sel, data)
		for _, cmd := range cmds {
			if fuzzUnbounded(cmd.argv) {
				t.Skip("unbounded by design")
			}
		}
		r := newLocalRunner(t)
		for _, cmd := range fuzzPopulate {
			argv := make([][]byte, len(cmd))
			for i, a := range cmd {
				argv[i] = []byte(a)
			}
			r.do("setup", argv)
		}
		var before, after runtime.MemStats
		for _, cmd := range cmds {
			c := r.client("fuzz")
			if cmd.proto == 3 {
				c.Proto = 3 // else as the previous command (HELLO) left it
			}
			runtime.ReadMemStats(&before)
			r.srv.ProcessInput(c, encodeCommand(cmd.argv))
			runtime.ReadMemStats(&after)
			c.Buf = c.Buf[:0]
			if c.Closing() {
				r.srv.FreeClient(c)
				delete(r.clients, "fuzz")
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > maxCommandAlloc {
				t.Fatalf("%q allocated %d MiB", cmd.argv, d>>20)
			}
			if got := r.do("ping", [][]byte{[]byte("PING")}); len(got) != 1 || got[0] != "+PONG" {
				t.Fatalf("after %q, PING got %q", cmd.argv, got)
			}
			if err := r.srv.checkMemory(); err != nil {
				t.Fatalf("after %q: %v", cmd.argv, err)
			}
		}
	})
}

// fuzzUnbounded reports commands that Redis too runs for as long as the
// client asks: HRANDFIELD, SRANDMEMBER and ZRANDMEMBER with a negative count
// reply count elements, stopping only when the client is closed for its
// output buffer limit, which is unlimited for normal clients by default.
func fuzzUnbounded(argv [][]byte) bool {
	switch strings.ToLower(string(argv[0])) {
	case "hrandfield", "srandmember", "zrandmember":
	default:
		return false
	}
	if len(argv) < 3 {
		return false
	}
	n, err := strconv.ParseInt(string(argv[2]), 10, 64)
	if err != nil || n >= -1<<20 || n == math.MinInt64 {
		return false // out of range below -LONG_MAX
	}
	// With values the count doubles: Redis rejects one below -LONG_MAX/2.
	return len(argv) == 3 || n >= -math.MaxInt64/2
}

// splitSeed splits a seed at its ";" words into commands.
func splitSeed(seed []string) [][]string {
	var cmds [][]string
	start := 0
	for i, w := range seed {
		if w == ";" {
			cmds = append(cmds, seed[start:i])
			start = i + 1
		}
	}
	return append(cmds, seed[start:])
}

// fuzzCommandSeeds is the seed corpus: edge cases worth keeping, and every
// crasher found. A leading "RESP3" runs the command in RESP3; ";" separates
// the commands of a sequence (three at most).
var fuzzCommandSeeds = [][]string{
	// Known crashers (issue 17).
	{"ZMPOP", "9223372036854775807", "z", "MIN"},
	{"BZMPOP", "1", "9223372036854775807", "z", "MIN"},
	{"BITPOS", "b", "1", "9223372036854775807"},
	{"BITPOS", "b", "0", "-9223372036854775808", "9223372036854775807", "BIT"},
	{"LCS", "s", "n", "IDX", "MINMATCHLEN", "9223372036854775807", "WITHMATCHLEN"},
	// Edges.
	{"LMPOP", "9223372036854775807", "l", "LEFT"},
	{"BLMPOP", "1", "2147483648", "l", "LEFT", "COUNT", "5"},
	{"SINTERCARD", "9223372036854775807", "st"},
	{"ZINTERCARD", "-1", "z"},
	{"ZUNIONSTORE", "d", "9223372036854775807", "z"},
	{"ZRANGE", "zb", "0", "-1", "BYSCORE", "LIMIT", "-9223372036854775808", "9223372036854775807"},
	{"ZRANGE", "z", "-9223372036854775808", "9223372036854775807"},
	{"ZRANGESTORE", "d", "zb", "9223372036854775807", "-9223372036854775808", "REV"},
	{"ZRANDMEMBER", "z", "-9223372036854775808"},
	{"ZRANDMEMBER", "zb", "-9223372036854775807", "WITHSCORES"},
	{"HRANDFIELD", "h", "-9223372036854775808"},
	{"HRANDFIELD", "hb", "-9223372036854775807", "WITHVALUES"},
	{"SRANDMEMBER", "st", "-9223372036854775808"},
	{"SPOP", "is", "9223372036854775807"},
	{"LRANGE", "lb", "-9223372036854775808", "9223372036854775807"},
	{"LTRIM", "lb", "9223372036854775807", "-9223372036854775808"},
	{"LPOS", "l", "a", "RANK", "-9223372036854775808"},
	{"LPOS", "lb", "m1", "COUNT", "0", "MAXLEN", "9223372036854775807"},
	{"LINDEX", "lb", "-9223372036854775808"},
	{"LSET", "lb", "-9223372036854775808", "x"},
	{"LREM", "l", "-9223372036854775808", "a"},
	{"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"},
	{"SETRANGE", "s", "536870912", "x"},
	{"SETBIT", "b", "4294967296", "1"},
	{"GETBIT", "b", "18446744073709551615"},
	{"BITCOUNT", "b", "-9223372036854775808", "9223372036854775807", "BIT"},
	{"BITFIELD", "b", "GET", "u63", "#1", "INCRBY", "i64", "9223372036854775807", "9223372036854775807"},
	{"BITFIELD_RO", "b", "GET", "i64", "9223372036854775807"},
	{"INCRBY", "n", "9223372036854775807"},
	{"DECRBY", "n", "-9223372036854775808"},
	{"INCRBYFLOAT", "n", "1e308"},
	{"HINCRBY", "h", "a", "9223372036854775807"},
	{"HINCRBYFLOAT", "h", "f", "inf"},
	{"ZINCRBY", "z", "nan", "a"},
	{"ZADD", "z", "INCR", "-inf", "x"},
	{"EXPIRE", "s", "9223372036854775807"},
	{"PEXPIRE", "s", "-9223372036854775808"},
	{"EXPIREAT", "s", "9223372036854775806", "GT"},
	{"SET", "s", "v", "EX", "9223372036854775807"},
	{"SET", "s", "v", "PXAT", "-9223372036854775808"},
	{"GETEX", "s", "EX", "4611686018427387904"},
	{"SCAN", "18446744073709551615", "COUNT", "9223372036854775807"},
	{"HSCAN", "hb", "0", "COUNT", "-1"},
	{"ZSCAN", "zb", "18446744073709551616"},
	{"OBJECT", "FREQ", "s"},
	{"SELECT", "-2147483649"},
	{"MOVE", "s", "2147483648"},
	{"COPY", "s", "d", "DB", "-1"},
	{"SWAPDB", "0", "4294967296"},
	{"CLIENT", "KILL", "ID", "18446744073709551615"},
	{"CLIENT", "NO-EVICT", "ON"},
	{"SLOWLOG", "GET", "-9223372036854775808"},
	{"LATENCY", "HISTOGRAM", "*"},
	{"CONFIG", "SET", "hz", "9223372036854775807"},
	{"CONFIG", "SET", "list-max-listpack-size", "-9223372036854775808"},
	{"PFCOUNT", "hll", "s"},
	{"PFDEBUG", "GETREG", "hll"},
	{"MEMORY", "USAGE", "zb", "SAMPLES", "9223372036854775807"},
	{"DEBUG", "PROTOCOL", "bignum"},
	{"RESP3", "HELLO", "3"},
	{"RESP3", "ZRANDMEMBER", "zb", "-5", "WITHSCORES"},
	{"COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "9223372036854775807", "z"},
	{"COMMAND", "GETKEYSANDFLAGS", "LMPOP", "-1", "l"},
	{"BLPOP", "l", "lb", "0.0005"},
	{"BRPOP", "missing", "1e308"},
	{"WATCH", "s"},
	// Sequences.
	{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", ";", "OBJECT", "FREQ", "s"},
	{"MULTI", ";", "ZMPOP", "9223372036854775807", "z", "MIN", ";", "EXEC"},
	{"CONFIG", "SET", "zset-max-listpack-entries", "0", ";", "ZADD", "z", "1e308", "y", ";", "ZRANGE", "z", "-inf", "+inf", "BYSCORE"},
	{"CONFIG", "SET", "set-max-intset-entries", "1", ";", "SADD", "is", "-9223372036854775808", ";", "SPOP", "is", "3"},
	{"RESP3", "CLIENT", "REPLY", "OFF", ";", "GET", "s", ";", "CLIENT", "REPLY", "ON"},
	{"SUBSCRIBE", "a", ";", "RESP3", "HELLO", "3", ";", "PUBLISH", "a", "x"},
}
