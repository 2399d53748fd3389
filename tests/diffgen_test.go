package tests

// The dataset generator of the differential test (differential_test.go):
// from a seed, the commands that build a few thousand keys of every type
// and encoding, with values drawn from every class of string that the
// servers or the RDB format treat specially (integers of every width and
// sign, almost-integers, floats in every notation, binary, empty, long
// compressible and incompressible strings). Members, fields, scores and
// key names come from the same classes. Streams (streamGen, at the end)
// get explicit IDs, entries of random field counts and values, deletions
// and trims, and consumer groups with pending entries and consumers.
// Nothing in it depends on time or on a server's randomness, so both
// servers build the same dataset and answer every command alike (the
// delivery and seen times of stream groups excepted, which only XINFO
// STREAM FULL shows, and streamState masks).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// farFuture is 2100-01-01 in unix ms: expiry times from here on never
// pass during a test, and being absolute they are the same on every server.
const farFuture = 4102444800000

// numDBs is how many databases the generator spreads keys over (Redis's
// default of 16).
const numDBs = 16

// gen draws values and commands from one seeded source.
type gen struct {
	r *rand.Rand
	// keys holds the names taken in each database; all the keys made
	// there, and sets, zsets and hlls those of that type, as sources for
	// the commands on several keys.
	keys                   [numDBs]map[string]bool
	all, sets, zsets, hlls [numDBs][]string
	// cmds is the commands to send to each database, in order.
	cmds [numDBs][][]any
	// streams generates the stream keys and remembers their groups.
	streams *streamGen
}

func newGen(seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for i := range g.keys {
		g.keys[i] = map[string]bool{}
	}
	g.streams = &streamGen{gen: g, groups: map[streamKey][]string{}}
	return g
}

func (g *gen) n(n int) int            { return g.r.IntN(n) }
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) chance(p float64) bool  { return g.r.Float64() < p }
func (g *gen) oneOf(s ...string) string {
	return s[g.r.IntN(len(s))]
}

// Integers on both sides of every boundary the formats care about: RDB's
// 8/16/32-bit string encodings, the intset's 16/32/64-bit widths,
// listpack's 7/13/16/24/32/64-bit integers, int64 itself (2^63 and -2^63-1
// do not fit one).
var boundaryInts = func() []string {
	var out []string
	for _, bits := range []uint{7, 12, 13, 15, 16, 23, 24, 31, 32, 53, 63} {
		p := uint64(1) << bits
		for _, v := range []uint64{p - 1, p, p + 1} {
			s := strconv.FormatUint(v, 10)
			out = append(out, s, "-"+s)
		}
	}
	return append(out, "0", "1", "-1", "18446744073709551615", "18446744073709551616")
}()

// Strings that look like integers or floats but are not canonical, which
// must stay strings (and fail INCR) everywhere.
var almostInts = []string{
	"-0", "007", "+1", " 1", "1 ", "1e3", "0x10", "00", "-", "+", "--1", "1-",
	"12345678901234567890", "99999999999999999999", "-9223372036854775809",
	"100000000000000000000", "0.0", "1.", ".1", "1,000", "1_000", "١", "\t1", "1\n",
}

// Floats in every notation, and strings that strtod and ParseFloat treat
// differently (hex, infinity spellings, NaN, out of range, denormals).
var specialFloats = []string{
	"1.5", "-1.5", "-0.0", "0.0", "0", "-0", "1e10", "1E-5", "1e+5", "2.5e-3",
	"inf", "-inf", "+inf", "Inf", "INF", "infinity", "-Infinity", "nan", "NaN", "-nan",
	"3.0", ".5", "5.", "1e308", "1e309", "-1e309", "4.9e-324", "1e-400", "2.2250738585072014e-308",
	"1.7976931348623157e308", "0x1p3", "0x10", "0.1", "0.2", "0.30000000000000004",
	"9007199254740993", "123456789012345678", "1.0000000000000002", "3.141592653589793",
}

// value draws a string from every class, in proportions that keep the
// dataset small: long strings are rare.
func (g *gen) value() string {
	switch x := g.n(100); {
	case x < 30:
		return g.intOfDigits()
	case x < 38:
		return boundaryInts[g.n(len(boundaryInts))]
	case x < 44:
		return almostInts[g.n(len(almostInts))]
	case x < 56:
		return g.float()
	case x < 58:
		return ""
	case x < 66:
		return g.binary(g.between(1, 40))
	case x < 82:
		return g.word()
	case x < 90:
		return g.digits(g.between(20, 40))
	case x < 94:
		return g.compressible(g.between(21, 200))
	case x < 96:
		return g.atBoundaryLength()
	case x < 98:
		return g.compressible(g.between(200, 6000))
	default:
		return g.binary(g.between(21, 3000))
	}
}

// boundaryLengths are the string lengths where a format changes: RDB's
// LZF threshold (20), embstr (44), listpack's 6-bit and 12-bit string
// lengths and its entry back-lengths (127, 16383), the listpack value
// limit of hashes and sorted sets (64).
var boundaryLengths = []int{20, 21, 22, 44, 45, 62, 63, 64, 65, 125, 126, 127, 128, 129, 4094, 4095, 4096, 4097}

// atBoundaryLength is a string of one of boundaryLengths, now and then
// one around 16 KB.
func (g *gen) atBoundaryLength() string {
	n := boundaryLengths[g.n(len(boundaryLengths))]
	if g.chance(0.05) {
		n = g.between(16379, 16388)
	}
	switch g.n(3) {
	case 0:
		return g.binary(n)
	case 1:
		return g.digits(n)
	}
	return g.compressible(n)[:n]
}

// shortValue is a value of the classes that stay within the listpack
// limits of hashes and sorted sets (64 bytes).
func (g *gen) shortValue() string {
	for {
		if v := g.value(); len(v) <= 64 {
			return v
		}
	}
}

// intOfDigits is a random integer of 1 to 19 digits, either sign.
func (g *gen) intOfDigits() string {
	d := g.between(1, 19)
	lo := int64(1)
	for i := 1; i < d; i++ {
		lo *= 10
	}
	if d == 1 {
		lo = 0
	}
	hi := int64(math.MaxInt64)
	if d < 19 {
		hi = lo*10 - 1
		if d == 1 {
			hi = 9
		}
	}
	v := lo + g.r.Int64N(hi-lo+1)
	if v != 0 && g.chance(0.5) {
		v = -v
	}
	return strconv.FormatInt(v, 10)
}

// intOfWidth is a random integer that needs bits (16, 32 or 64) bits, as
// an intset member of that width.
func (g *gen) intOfWidth(bits int) string {
	switch bits {
	case 16:
		return strconv.Itoa(g.between(math.MinInt16, math.MaxInt16))
	case 32:
		v := g.r.Int64N(math.MaxInt32-math.MaxInt16) + math.MaxInt16 + 1
		if g.chance(0.5) {
			v = -v
		}
		return strconv.FormatInt(v, 10)
	}
	v := g.r.Int64N(math.MaxInt64-math.MaxInt32) + math.MaxInt32 + 1
	if g.chance(0.5) {
		v = -v
	}
	return strconv.FormatInt(v, 10)
}

// float is a float in a random notation, or a special spelling.
func (g *gen) float() string {
	if g.chance(0.3) {
		return specialFloats[g.n(len(specialFloats))]
	}
	var f float64
	switch g.n(3) {
	case 0: // any exponent
		f = math.Float64frombits(g.r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 1.25
		}
	case 1: // a human-sized number
		f = (g.r.Float64() - 0.5) * math.Pow(10, float64(g.between(-6, 12)))
	default: // a few decimals
		f = float64(g.between(-100000, 100000)) / 100
	}
	switch g.n(5) {
	case 0:
		return strconv.FormatFloat(f, 'g', 17, 64) // 17 significant digits
	case 1:
		return strconv.FormatFloat(f, 'e', -1, 64)
	case 2:
		return strings.ToUpper(strconv.FormatFloat(f, 'E', g.between(0, 10), 64))
	case 3:
		if math.Abs(f) < 1e20 {
			return strconv.FormatFloat(f, 'f', g.between(0, 8), 64)
		}
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// score is a valid ZADD score: finite values of every magnitude,
// infinities, negative zero, fractions. (zsetOps also tries scores drawn
// from value, most of which are none.)
func (g *gen) score() string {
	switch x := g.n(100); {
	case x < 20:
		return g.oneOf("inf", "-inf", "+inf", "0", "-0", "-0.0", "1e300", "-1e300", "4.9e-324",
			"1.7976931348623157e308", "-1.7976931348623157e308", "9007199254740993", "0.1")
	case x < 45:
		return strconv.Itoa(g.between(-1000, 1000))
	case x < 55:
		return g.intOfDigits()
	}
	return g.validFloat()
}

// validFloat is a float that every server parses alike.
func (g *gen) validFloat() string {
	for {
		f := g.float()
		if _, err := strconv.ParseFloat(f, 64); err == nil && !strings.ContainsAny(f, "xXnN") {
			return f
		}
	}
}

const wordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_."

// word is short text.
func (g *gen) word() string {
	b := make([]byte, g.between(1, 24))
	for i := range b {
		b[i] = wordChars[g.n(len(wordChars))]
	}
	return string(b)
}

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.n(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// binary is n random bytes with CR, LF, NUL and high bytes mixed in.
func (g *gen) binary(n int) string {
	b := make([]byte, n)
	for i := range b {
		switch g.n(6) {
		case 0:
			b[i] = "\r\n\x00\xff\x80"[g.n(5)]
		default:
			b[i] = byte(g.r.Uint32())
		}
	}
	return string(b)
}

// compressible is a repeated pattern that LZF shrinks.
func (g *gen) compressible(n int) string {
	var pat string
	switch g.n(4) {
	case 0:
		pat = g.word()
	case 1:
		pat = g.binary(g.between(1, 12))
	case 2:
		pat = g.digits(g.between(1, 6))
	default:
		pat = strings.Repeat("x", g.between(1, 3))
	}
	s := strings.Repeat(pat, n/len(pat)+1)[:n]
	if g.chance(0.3) { // a compressible run inside noise
		s = g.binary(g.between(1, 10)) + s + g.binary(g.between(1, 10))
	}
	return s
}

// key picks a name not taken in db, of any value class.
func (g *gen) key(db int) string {
	for try := 0; ; try++ {
		k := g.value()
		if len(k) > 512 {
			k = k[:512]
		}
		if try > 3 {
			k = fmt.Sprintf("%s:%d", k, len(g.keys[db]))
		}
		if !g.keys[db][k] {
			g.keys[db][k] = true
			return k
		}
	}
}

func (g *gen) pickDB() int {
	if g.chance(0.7) {
		return 0
	}
	return g.between(1, numDBs-1)
}

func (g *gen) add(db int, args ...any) { g.cmds[db] = append(g.cmds[db], args) }

// addVariadic sends cmd prefix then items, at most 200 items a command.
func (g *gen) addVariadic(db int, items []string, prefix ...any) {
	for len(items) > 0 {
		n := min(len(items), 200)
		args := append(append([]any{}, prefix...), strsToAny(items[:n])...)
		g.add(db, args...)
		items = items[n:]
	}
}

func strsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// dataset adds the commands for n keys.
func (g *gen) dataset(n int) {
	for i := 0; i < n; i++ {
		db := g.pickDB()
		k := g.key(db)
		switch x := g.n(100); {
		case x < 32:
			g.stringKey(db, k)
		case x < 45:
			g.listKey(db, k)
		case x < 58:
			g.hashKey(db, k)
		case x < 73:
			g.setKey(db, k)
		case x < 87:
			g.zsetKey(db, k)
		case x < 92:
			g.hllKey(db, k)
		default:
			g.streams.build(db, k)
		}
		g.expiry(db, k)
		g.all[db] = append(g.all[db], k)
		if g.chance(0.02) {
			g.multiKey(db)
		}
		if g.chance(0.01) {
			g.moveKey(db)
		}
	}
}

// expiry gives some keys an absolute expiry far in the future, and takes
// it away again from a few.
func (g *gen) expiry(db int, k string) {
	if !g.chance(0.2) {
		return
	}
	at := farFuture + g.r.Int64N(1e12)
	switch g.n(4) {
	case 0:
		g.add(db, "EXPIREAT", k, strconv.FormatInt(at/1000, 10))
	case 1:
		g.add(db, "PEXPIREAT", k, strconv.FormatInt(at, 10), g.oneOf("NX", "GT", "LT", "XX"))
	default:
		g.add(db, "PEXPIREAT", k, strconv.FormatInt(at, 10))
	}
	if g.chance(0.1) {
		g.add(db, "PERSIST", k)
	}
	g.add(db, "PEXPIRETIME", k)
}

func (g *gen) stringKey(db int, k string) {
	if g.chance(0.1) {
		g.add(db, "SET", k, g.value(), "PXAT", strconv.FormatInt(farFuture+g.r.Int64N(1e12), 10))
	} else {
		g.add(db, "SET", k, g.value())
	}
	for ops := g.n(3); ops > 0; ops-- {
		switch g.n(17) {
		case 0:
			g.add(db, "BITFIELD", k, "SET", g.oneOf("i8", "u16", "i32", "i64"), "#"+strconv.Itoa(g.n(8)), g.intOfDigits(),
				"INCRBY", g.oneOf("u8", "i16"), strconv.Itoa(g.n(64)), strconv.Itoa(g.between(-300, 300)))
		case 1:
			g.add(db, "GETEX", k, "PXAT", strconv.FormatInt(farFuture+g.r.Int64N(1e12), 10))
		case 2:
			g.add(db, "SETRANGE", k, strconv.Itoa(g.n(5000)), g.word())
		case 3:
			g.add(db, "APPEND", k, g.value())
		case 4:
			g.add(db, "SETRANGE", k, strconv.Itoa(g.n(40)), g.value())
		case 5:
			g.add(db, "INCRBY", k, g.oneOf(g.intOfDigits(), g.value()))
		case 6:
			g.add(db, "DECRBY", k, g.intOfDigits())
		case 7:
			g.add(db, "INCR", k)
		case 8:
			g.add(db, "INCRBYFLOAT", k, g.oneOf(g.float(), g.value()))
		case 9:
			g.add(db, "SETBIT", k, strconv.Itoa(g.n(300)), g.oneOf("0", "1"))
		case 10:
			g.add(db, "SET", k, g.value(), "GET")
		case 11:
			g.add(db, "SET", k, g.value(), "KEEPTTL")
		case 12:
			g.add(db, "GETRANGE", k, strconv.Itoa(g.between(-20, 20)), strconv.Itoa(g.between(-20, 20)))
		case 13:
			g.add(db, "STRLEN", k)
		case 14:
			g.add(db, "GET", k)
		case 15:
			g.add(db, "GETSET", k, g.value())
		default:
			g.add(db, "DECR", k)
		}
	}
	g.add(db, "GET", k)
}

func (g *gen) listKey(db int, k string) {
	var items []string
	switch x := g.n(10); {
	case x < 6: // one listpack node
		items = g.values(g.between(1, 30), g.value)
	case x < 9: // many elements, several 8 KB nodes (list-max-listpack-size -2)
		items = g.values(g.between(300, 1500), g.shortValue)
	default: // large elements, a node each or nearly
		items = g.values(g.between(2, 6), func() string {
			if g.chance(0.5) {
				return g.compressible(g.between(4000, 16000))
			}
			return g.binary(g.between(4000, 10000))
		})
	}
	g.addVariadic(db, items, g.oneOf("RPUSH", "LPUSH"), k)
	// Edits in the middle split and merge quicklist nodes.
	for ops := g.n(7); ops > 0; ops-- {
		switch g.n(12) {
		case 0, 9:
			g.add(db, "LINSERT", k, g.oneOf("BEFORE", "AFTER"), items[g.n(len(items))], g.value())
		case 1, 10:
			g.add(db, "LSET", k, strconv.Itoa(g.between(-len(items), len(items)-1)), g.value())
		case 11:
			more := g.values(g.between(1, 50), g.value)
			g.add(db, append([]any{g.oneOf("RPUSH", "LPUSH", "RPUSHX", "LPUSHX"), k}, strsToAny(more)...)...)
			items = append(items, more...)
		case 2:
			g.add(db, "LREM", k, strconv.Itoa(g.between(-2, 2)), items[g.n(len(items))])
		case 3:
			g.add(db, "LTRIM", k, strconv.Itoa(g.n(len(items)/4+1)), strconv.Itoa(-1-g.n(len(items)/4+1)))
		case 4:
			g.add(db, g.oneOf("LPOP", "RPOP"), k, strconv.Itoa(g.between(1, 3)))
		case 5:
			g.add(db, "LMOVE", k, k, g.oneOf("LEFT", "RIGHT"), g.oneOf("LEFT", "RIGHT"))
		case 6:
			g.add(db, "LPOS", k, items[g.n(len(items))], "RANK", strconv.Itoa(g.oneOf2(1, -1)))
		case 7:
			g.add(db, "LINDEX", k, strconv.Itoa(g.between(-len(items), len(items)-1)))
		default:
			g.add(db, "LRANGE", k, "0", "5")
		}
	}
	g.add(db, "RPUSH", k, g.value()) // never left empty
	g.add(db, "LLEN", k)
}

// around is limit or one past it, or a size up to most: a collection at
// the edge of its compact encoding, or well past it. (Duplicates drawn
// among the members may leave it a little smaller.)
func (g *gen) around(limit, most int) int {
	switch g.n(4) {
	case 0:
		return limit
	case 1:
		return limit + 1
	}
	return g.between(limit+2, most)
}

func (g *gen) oneOf2(a, b int) int {
	if g.chance(0.5) {
		return a
	}
	return b
}

func (g *gen) values(n int, f func() string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

func (g *gen) hashKey(db int, k string) {
	var fields []string
	val, long := g.shortValue, false
	switch g.n(4) {
	case 0, 1: // listpack
		fields = g.values(g.between(1, 40), g.shortValue)
	case 2: // hashtable by count (hash-max-listpack-entries 512)
		fields = g.values(g.around(512, 800), g.shortValue)
	default: // hashtable by value length (hash-max-listpack-value 64)
		fields = g.values(g.between(1, 20), g.shortValue)
		val, long = g.value, true
	}
	pairs := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		pairs = append(pairs, f, val())
	}
	if long && g.chance(0.5) {
		pairs = append(pairs, g.shortValue(), g.compressible(g.between(65, 300)))
	}
	for len(pairs) > 0 {
		n := min(len(pairs), 200)
		g.add(db, append([]any{g.oneOf("HSET", "HMSET"), k}, strsToAny(pairs[:n])...)...)
		pairs = pairs[n:]
	}
	for ops := g.n(4); ops > 0; ops-- {
		f := fields[g.n(len(fields))]
		if g.chance(0.3) {
			f = g.shortValue()
		}
		switch g.n(8) {
		case 0:
			g.add(db, "HDEL", k, f, fields[g.n(len(fields))], fields[g.n(len(fields))])
		case 1:
			g.add(db, "HINCRBY", k, f, g.oneOf(g.intOfDigits(), g.value()))
		case 2:
			g.add(db, "HINCRBYFLOAT", k, f, g.oneOf(g.float(), g.value()))
		case 3:
			g.add(db, "HDEL", k, f)
		case 4:
			g.add(db, "HSETNX", k, f, g.value())
		case 5:
			g.add(db, "HGET", k, f)
		case 6:
			g.add(db, "HSTRLEN", k, f)
		default:
			g.add(db, "HLEN", k)
		}
	}
	g.add(db, "HSET", k, g.shortValue(), g.shortValue()) // never left empty
}

func (g *gen) setKey(db int, k string) {
	var members []string
	switch g.n(8) {
	case 0:
		members = g.values(g.between(1, 100), func() string { return g.intOfWidth(16) })
	case 1:
		members = g.values(g.between(1, 100), func() string { return g.intOfWidth(32) })
	case 2:
		members = g.values(g.between(1, 100), func() string { return g.intOfWidth(64) })
	case 3: // widths mixed, or the boundaries themselves
		members = g.values(g.between(1, 100), func() string {
			if g.chance(0.3) {
				return boundaryInts[g.n(len(boundaryInts))]
			}
			return g.intOfWidth([]int{16, 32, 64}[g.n(3)])
		})
	case 4: // hashtable by count (set-max-intset-entries 512)
		members = g.values(g.around(512, 1500), func() string { return g.intOfWidth(16) })
	case 5: // an intset that a string turns into a hashtable
		members = append(g.values(g.between(1, 50), g.intOfDigits), g.word())
	default:
		members = g.values(g.between(1, 300), g.value)
	}
	g.addVariadic(db, members, "SADD", k)
	for ops := g.n(3); ops > 0; ops-- {
		m := members[g.n(len(members))]
		switch g.n(7) {
		case 0:
			if sets := g.sets[db]; len(sets) > 0 {
				g.add(db, "SMOVE", k, sets[g.n(len(sets))], m)
			}
		case 1:
			g.add(db, "SREM", k, m, members[g.n(len(members))], g.value())
		case 2:
			g.add(db, "SREM", k, m)
		case 3:
			g.add(db, "SISMEMBER", k, g.oneOf(m, g.value()))
		case 4:
			g.add(db, "SADD", k, g.value())
		case 5:
			g.add(db, "SMISMEMBER", k, m, g.value())
		default:
			g.add(db, "SCARD", k)
		}
	}
	g.add(db, "SADD", k, g.intOfWidth(16)) // never left empty
	g.sets[db] = append(g.sets[db], k)
}

func (g *gen) zsetKey(db int, k string) {
	var n int
	member := g.shortValue
	switch g.n(4) {
	case 0, 1: // listpack
		n = g.between(1, 40)
	case 2: // skiplist by count (zset-max-listpack-entries 128)
		n = g.around(128, 500)
	default: // skiplist by member length (zset-max-listpack-value 64)
		n = g.between(1, 20)
		member = g.value
	}
	// The lexicographical commands are only defined when every score is
	// the same: otherwise even Redis's answers depend on the skiplist's
	// random levels.
	lex := g.chance(0.15)
	score, same := g.score, g.score()
	if lex {
		score = func() string { return same }
	}
	var pairs, members []string
	for i := 0; i < n; i++ {
		m := member()
		members = append(members, m)
		pairs = append(pairs, score(), m)
	}
	if n <= 20 && g.chance(0.3) {
		m := g.compressible(g.between(65, 200))
		members = append(members, m)
		pairs = append(pairs, score(), m)
	}
	for len(pairs) > 0 {
		c := min(len(pairs), 200)
		g.add(db, append([]any{"ZADD", k}, strsToAny(pairs[:c])...)...)
		pairs = pairs[c:]
	}
	if lex {
		g.lexOps(db, k, members, same)
	} else {
		g.zsetOps(db, k, members)
	}
	g.add(db, "ZADD", k, score(), g.shortValue()) // never left empty
	g.zsets[db] = append(g.zsets[db], k)
}

// lexBound is a ZRANGEBYLEX bound around a member.
func (g *gen) lexBound(members []string) string {
	switch g.n(6) {
	case 0:
		return "-"
	case 1:
		return "+"
	case 2:
		return "(" + members[g.n(len(members))]
	}
	return "[" + members[g.n(len(members))]
}

// lexOps edits and reads a sorted set whose scores are all the same.
func (g *gen) lexOps(db int, k string, members []string, score string) {
	for ops := g.n(5); ops > 0; ops-- {
		switch g.n(6) {
		case 0:
			g.add(db, "ZREMRANGEBYLEX", k, g.lexBound(members), g.lexBound(members))
		case 1:
			g.add(db, "ZRANGEBYLEX", k, g.lexBound(members), g.lexBound(members), "LIMIT", "0", "5")
		case 2:
			g.add(db, "ZLEXCOUNT", k, g.lexBound(members), g.lexBound(members))
		case 3:
			g.add(db, "ZREM", k, members[g.n(len(members))])
		case 4:
			g.add(db, "ZADD", k, score, g.shortValue())
		default:
			g.add(db, "ZREVRANGEBYLEX", k, g.lexBound(members), g.lexBound(members))
		}
	}
}

// zsetOps edits and reads a sorted set of any scores.
func (g *gen) zsetOps(db int, k string, members []string) {
	for ops := g.n(5); ops > 0; ops-- {
		m := members[g.n(len(members))]
		switch g.n(13) {
		case 0:
			g.add(db, "ZREMRANGEBYRANK", k, strconv.Itoa(g.between(-5, 5)), strconv.Itoa(g.between(-5, 5)))
		case 1:
			g.add(db, "ZCOUNT", k, g.oneOf("-inf", "("+g.validFloat()), g.oneOf("+inf", g.validFloat()))
		case 2:
			g.add(db, g.oneOf("ZPOPMIN", "ZPOPMAX"), k, strconv.Itoa(g.between(1, 3)))
		case 3:
			g.add(db, "ZMSCORE", k, m, g.shortValue())
		case 4:
			g.add(db, "ZINCRBY", k, g.score(), m)
		case 5:
			g.add(db, "ZADD", k, g.oneOf("NX", "XX", "GT", "LT", "CH", "INCR"), g.score(), g.oneOf(m, g.shortValue()))
		case 6: // a score that is maybe no score at all
			g.add(db, "ZADD", k, g.value(), g.shortValue())
		case 7:
			g.add(db, "ZREM", k, m)
		case 8:
			g.add(db, "ZREMRANGEBYSCORE", k, g.oneOf("("+g.validFloat(), g.validFloat()), g.oneOf("("+g.validFloat(), g.validFloat()))
		case 9:
			g.add(db, "ZSCORE", k, m)
		case 10:
			g.add(db, "ZRANGE", k, "0", "4", "WITHSCORES")
		case 11:
			g.add(db, "ZRANK", k, m)
		default:
			g.add(db, "ZCARD", k)
		}
	}
}

// hllKey is a HyperLogLog: sparse with few elements, dense past
// hll-sparse-max-bytes (3000 bytes of sparse opcodes).
func (g *gen) hllKey(db int, k string) {
	n := g.between(0, 300)
	if g.chance(0.3) {
		n = g.between(1500, 3000)
	}
	items := g.values(n, g.shortValue)
	g.add(db, "PFADD", k)
	g.addVariadic(db, items, "PFADD", k)
	if g.chance(0.5) {
		g.add(db, "PFCOUNT", k) // caches the cardinality in the header
	}
	g.hlls[db] = append(g.hlls[db], k)
}

// multiKey stores the result of a command over keys of one type into a
// new key: set algebra, weighted unions of sorted sets, merged HLLs.
func (g *gen) multiKey(db int) {
	pick := func(ks []string) string { return ks[g.n(len(ks))] }
	dst := g.key(db)
	switch g.n(5) {
	case 0:
		if len(g.sets[db]) > 0 {
			g.add(db, g.oneOf("SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"), dst, pick(g.sets[db]), pick(g.sets[db]))
		}
	case 1:
		if len(g.zsets[db]) > 0 {
			g.add(db, g.oneOf("ZUNIONSTORE", "ZINTERSTORE"), dst, "2", pick(g.zsets[db]), pick(g.zsets[db]),
				"WEIGHTS", g.oneOf("1", "2.5", "-1", "0"), g.oneOf("1", "0.5", "inf"),
				"AGGREGATE", g.oneOf("SUM", "MIN", "MAX"))
		}
	case 2:
		if len(g.zsets[db]) > 0 {
			if g.chance(0.5) {
				g.add(db, "ZDIFFSTORE", dst, "2", pick(g.zsets[db]), pick(g.zsets[db]))
			} else {
				g.add(db, "ZRANGESTORE", dst, pick(g.zsets[db]), strconv.Itoa(g.between(-10, 10)), strconv.Itoa(g.between(-10, 200)))
			}
		}
	case 3:
		if len(g.all[db]) > 0 {
			g.add(db, "BITOP", g.oneOf("AND", "OR", "XOR"), dst, pick(g.all[db]), pick(g.all[db]))
		}
	default:
		if len(g.hlls[db]) > 0 {
			g.add(db, "PFMERGE", dst, pick(g.hlls[db]), pick(g.hlls[db]))
			g.add(db, "PFCOUNT", dst)
		}
	}
}

// moveKey copies, renames or moves a key, maybe to another database.
func (g *gen) moveKey(db int) {
	src := g.all[db][g.n(len(g.all[db]))]
	switch g.n(3) {
	case 0:
		to := g.pickDB()
		g.add(db, "COPY", src, g.key(to), "DB", strconv.Itoa(to))
	case 1:
		g.add(db, "RENAME", src, g.key(db))
	default:
		to := g.pickDB()
		g.keys[to][src] = true
		g.add(db, "MOVE", src, strconv.Itoa(to))
	}
}

// profile is a round's configuration: one for the two servers that build
// the dataset, another for every server that loads it (from a file, from
// DUMP payloads or by a full sync), so that loads convert encodings too.
type profile struct {
	build, load []string
	// packedThreshold, when set, is the DEBUG QUICKLIST-PACKED-THRESHOLD
	// of the servers that build the dataset: long list elements then get
	// plain nodes.
	packedThreshold string
}

// encodingLimits are Redis's defaults, small limits (everything converts)
// and large ones (long listpacks).
var encodingLimits = [][]string{
	nil,
	{"--hash-max-listpack-entries", "4", "--hash-max-listpack-value", "8",
		"--zset-max-listpack-entries", "4", "--zset-max-listpack-value", "8",
		"--set-max-intset-entries", "8", "--list-max-listpack-size", "3", "--hll-sparse-max-bytes", "200",
		"--stream-node-max-entries", "3", "--stream-node-max-bytes", "300"},
	{"--hash-max-listpack-entries", "1000", "--hash-max-listpack-value", "300",
		"--zset-max-listpack-entries", "1000", "--zset-max-listpack-value", "300",
		"--set-max-intset-entries", "2000", "--list-max-listpack-size", "-5", "--hll-sparse-max-bytes", "12000",
		"--stream-node-max-entries", "0", "--stream-node-max-bytes", "65536"},
}

func (g *gen) profile() profile {
	limits := func() int {
		if g.chance(0.5) {
			return 0
		}
		return g.between(1, len(encodingLimits)-1)
	}
	b, l := limits(), 0
	if g.chance(0.3) {
		l = limits()
	} else {
		l = b
	}
	var p profile
	p.build = append(p.build, encodingLimits[b]...)
	p.load = append(p.load, encodingLimits[l]...)
	for _, side := range []*[]string{&p.build, &p.load} {
		if g.chance(0.2) {
			*side = append(*side, "--rdbcompression", "no")
		}
		if g.chance(0.2) {
			*side = append(*side, "--rdbchecksum", "no")
		}
		if g.chance(0.2) {
			*side = append(*side, "--list-compress-depth", g.oneOf("1", "2"))
		}
		// LRU and LFU policies make Redis write IDLE and FREQ opcodes.
		*side = append(*side, "--maxmemory-policy", g.oneOf("noeviction", "allkeys-lru", "allkeys-lfu"))
	}
	if g.chance(0.25) {
		p.packedThreshold = g.oneOf("100", "1000", "4kb")
	}
	return p
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
		args := []any{"XGROUP", "SETID", k, group(), g.oneOf("$", "0", g.someID())}
		if g.chance(0.3) {
			args = append(args, "ENTRIESREAD", strconv.Itoa(g.between(-1, 50)))
		}
		g.add(db, args...)
	case x < 52:
		g.add(db, "XGROUP", g.oneOf("CREATECONSUMER", "DELCONSUMER"), k, group(), consumer())
	case x < 53:
		args := []any{"XSETID", k, g.someID()}
		if g.chance(0.5) {
			args = append(args, "ENTRIESADDED", strconv.Itoa(g.between(0, 2000)), "MAXDELETEDID", g.someID())
		}
		g.add(db, args...)
	case x < 54:
		g.add(db, "XGROUP", "DESTROY", k, group())
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
