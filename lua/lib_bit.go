// lib_bit.go: the "bit" library (LuaBitOp 1.0.2, deps/lua/src/lua_bit.c), and the few pieces
// of Lua 5.1's C API that the four C libraries Redis adds (bit, struct, cjson, cmsgpack) rely
// on and that gopher-lua words or computes differently: luaL_error's "chunk:line:" prefix,
// luaL_argerror's "bad argument #n to 'f' (...)", lua_tonumber's strtod-based string
// conversion, "%.14g" number formatting and the 8000-slot limit of lua_checkstack.
// Those helpers carry the "bit" prefix only because this package's other files belong to
// other authors; lib_struct.go, lib_cjson.go and lib_cmsgpack.go use them.
package lua

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// OpenBit registers the global table "bit" as Redis's luaopen_bit does.
//
// LuaBitOp works on 32-bit integers held in Lua numbers (doubles): every argument is
// normalised by adding 2^52+2^51 and keeping the low 32 bits of the double's
// representation, which rounds to the nearest integer (ties to even) and wraps modulo
// 2^32; results are returned as signed 32-bit values.
func OpenBit(L *glua.LState) {
	L.RegisterModule("bit", map[string]glua.LGFunction{
		"tobit":   bitTobit,
		"bnot":    bitBnot,
		"band":    bitBand,
		"bor":     bitBor,
		"bxor":    bitBxor,
		"lshift":  bitLshift,
		"rshift":  bitRshift,
		"arshift": bitArshift,
		"rol":     bitRol,
		"ror":     bitRor,
		"bswap":   bitBswap,
		"tohex":   bitTohex,
	})
}

// bitArg converts argument idx as barg() does. A value that lua_tonumber turns into 0
// and that is not a number is a type error; other non-numbers become 0 silently
// (there are none: lua_tonumber gives 0 for all of them).
func bitArg(L *glua.LState, idx int) uint32 {
	n, ok := bitToNumber(L.Get(idx))
	b := uint32(math.Float64bits(n + 6755399441055744.0))
	if b == 0 && !ok {
		bitTypeError(L, idx, "number")
	}
	return b
}

func bitRet(L *glua.LState, b uint32) int {
	L.Push(glua.LNumber(int32(b)))
	return 1
}

func bitTobit(L *glua.LState) int { return bitRet(L, bitArg(L, 1)) }
func bitBnot(L *glua.LState) int  { return bitRet(L, ^bitArg(L, 1)) }

// bitFold applies op to the first argument and each following one, from the last to the
// second as lua_bit.c does (the order only shows in which bad argument is reported).
func bitFold(L *glua.LState, op func(a, b uint32) uint32) int {
	b := bitArg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b = op(b, bitArg(L, i))
	}
	return bitRet(L, b)
}

func bitBand(L *glua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a & b }) }
func bitBor(L *glua.LState) int  { return bitFold(L, func(a, b uint32) uint32 { return a | b }) }
func bitBxor(L *glua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a ^ b }) }

// bitShift reads the value and the shift count (taken modulo 32).
func bitShift(L *glua.LState, op func(b, n uint32) uint32) int {
	b := bitArg(L, 1)
	n := bitArg(L, 2) & 31
	return bitRet(L, op(b, n))
}

func bitLshift(L *glua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b << n })
}

func bitRshift(L *glua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b >> n })
}

func bitArshift(L *glua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return uint32(int32(b) >> n) })
}

// A rotation by 0 ORs b with b >> 32, which C leaves to the CPU (x86 masks the count,
// giving b); Go gives 0, and b | 0 is b too.
func bitRol(L *glua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b<<n | b>>(32-n) })
}

func bitRor(L *glua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b<<(32-n) | b>>n })
}

func bitBswap(L *glua.LState) int {
	b := bitArg(L, 1)
	return bitRet(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
}

// bitTohex formats the low n hex digits (default 8, at most 8); a negative n asks for
// upper case. An explicit nil count is a type error, as in C (only "none" means 8).
func bitTohex(L *glua.LState) int {
	b := bitArg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(bitArg(L, 2))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		// -2^31 stays negative in C, where the digit loop then runs away; clamp it
		// to the widest result instead.
		n = -n
		if n < 0 {
			n = 8
		}
		digits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(glua.LString(buf))
	return 1
}

// bitMaxCStack is LUAI_MAXCSTACK: lua_checkstack fails when a C function would hold
// more than this many stack slots. The C libraries turn that into their own errors
// (cjson's nesting errors, struct's and cmsgpack's "stack overflow (...)").
const bitMaxCStack = 8000

// bitWhere is luaL_where(L, 1): "chunk:line:" of the function that called the running
// Go function when it is a Lua function, "" when it is a Go function (pcall, ...).
func bitWhere(L *glua.LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil || dbg.CurrentLine <= 0 {
		return ""
	}
	src := dbg.Source
	if strings.HasPrefix(src, "@") || strings.HasPrefix(src, "=") {
		src = src[1:]
	}
	return fmt.Sprintf("%s:%d: ", src, dbg.CurrentLine)
}

// bitError is luaL_error: the message prefixed with the caller's position.
func bitError(L *glua.LState, format string, args ...any) {
	L.Error(glua.LString(bitWhere(L)+fmt.Sprintf(format, args...)), 0)
}

// bitArgError is luaL_argerror. The function name comes from the calling instruction as
// in Lua 5.1 ("?" when the caller is not a Lua function).
func bitArgError(L *glua.LState, narg int, msg string) {
	name := "?"
	if dbg, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", dbg, glua.LNil); err == nil {
			name = dbg.Name
		}
	}
	// gopher-lua's names for "not called from Lua code" ("corountine" is its spelling).
	switch name {
	case "", "(anonymous)", "main chunk", "corountine":
		name = "?"
	}
	if strings.HasPrefix(name, "<") {
		name = "?"
	}
	bitError(L, "bad argument #%d to '%s' (%s)", narg, name, msg)
}

// bitTypeError is luaL_typerror.
func bitTypeError(L *glua.LState, narg int, tname string) {
	got := "no value"
	if narg <= L.GetTop() {
		got = bitTypeName(L.Get(narg))
	}
	bitArgError(L, narg, tname+" expected, got "+got)
}

// bitTypeName is lua_typename for the types a Redis script can hold. gopher-lua has no
// light userdata; cjson.null is a full userdata, which Lua names the same.
func bitTypeName(v glua.LValue) string {
	switch v.(type) {
	case *glua.LState:
		return "thread"
	case *glua.LUserData:
		return "userdata"
	}
	return v.Type().String()
}

// bitToNumber is lua_tonumber plus lua_isnumber: numbers, and strings that Lua 5.1's
// luaO_str2d accepts (strtod up to the first NUL, optional surrounding white space).
func bitToNumber(v glua.LValue) (float64, bool) {
	switch x := v.(type) {
	case glua.LNumber:
		return float64(x), true
	case glua.LString:
		return bitStrToNumber(string(x))
	}
	return 0, false
}

func bitStrToNumber(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	f, n := bitStrtod(s)
	if n == 0 {
		return 0, false
	}
	// A strtod that stopped on 'x' sends Lua to strtoul(s, 16), which cannot get past
	// that 'x' either (glibc's strtod already reads hexadecimal), so the string fails.
	for ; n < len(s); n++ {
		if !bitIsSpace(s[n]) {
			return 0, false
		}
	}
	return f, true
}

func bitIsSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

func bitIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func bitIsHex(c byte) bool {
	return bitIsDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// bitStrtod is glibc's strtod: the value of the longest prefix of s that is a number
// (leading white space, sign, decimal or hexadecimal with optional exponent, "inf",
// "infinity", "nan", "nan(...)", any case) and that prefix's length, 0 if none.
// Out-of-range values give ±Inf or 0 as strtod does.
func bitStrtod(s string) (float64, int) {
	i := 0
	for i < len(s) && bitIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var f float64
	end := 0
	switch rest := bitLowerPrefix(s[i:], 8); {
	case strings.HasPrefix(rest, "inf"):
		f, end = math.Inf(1), i+3
		if strings.HasPrefix(rest, "infinity") {
			end = i + 8
		}
	case strings.HasPrefix(rest, "nan"):
		f, end = math.Float64frombits(0x7ff8000000000000), i+3
		if end < len(s) && s[end] == '(' {
			j := end + 1
			for j < len(s) && (bitIsDigit(s[j]) || s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z' || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				end = j + 1
			}
		}
	case len(rest) > 2 && rest[0] == '0' && rest[1] == 'x' &&
		(bitIsHex(rest[2]) || rest[2] == '.' && len(rest) > 3 && bitIsHex(rest[3])):
		f, end = bitStrtodHex(s, i+2)
	default:
		f, end = bitStrtodDec(s, i)
	}
	if end == 0 {
		return 0, 0
	}
	if neg {
		f = -f
	}
	return f, end
}

// bitLowerPrefix is the first n bytes of s (or fewer) in lower case.
func bitLowerPrefix(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToLower(s)
}

// bitStrtodDec reads digits, an optional fraction and an optional exponent from s[i:].
func bitStrtodDec(s string, i int) (float64, int) {
	start, digits := i, 0
	for i < len(s) && bitIsDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && bitIsDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0, 0
	}
	i = bitStrtodExp(s, i, 'e')
	f, _ := strconv.ParseFloat(s[start:i], 64)
	return f, i
}

// bitStrtodHex reads hexadecimal digits, an optional fraction and an optional binary
// exponent from s[i:] (just past "0x").
func bitStrtodHex(s string, i int) (float64, int) {
	start := i
	for i < len(s) && bitIsHex(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && bitIsHex(s[i]) {
			i++
		}
	}
	mant := s[start:i]
	i = bitStrtodExp(s, i, 'p')
	exp := "p0"
	if len(mant) < i-start {
		exp = s[start+len(mant) : i]
	}
	f, _ := strconv.ParseFloat("0x"+mant+exp, 64)
	return f, i
}

// bitStrtodExp returns the end of an exponent marked by letter at s[i], or i when
// there is no complete exponent there.
func bitStrtodExp(s string, i int, letter byte) int {
	if i >= len(s) || s[i]|0x20 != letter {
		return i
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || !bitIsDigit(s[j]) {
		return i
	}
	for j < len(s) && bitIsDigit(s[j]) {
		j++
	}
	return j
}

// bitFormatG is C's printf("%.<prec>g"), including glibc's "inf" and "-nan".
func bitFormatG(f float64, prec int) string {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', prec, 64)
}

// bitNumberToString is how Lua 5.1 turns a number into a string (LUAI_NUMFFORMAT).
func bitNumberToString(f float64) string { return bitFormatG(f, 14) }

// bitNumberToInteger is lua_tointeger's cast on x86-64: out of range and NaN give
// the "integer indefinite" value.
func bitNumberToInteger(f float64) int64 {
	if f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
		return int64(f)
	}
	return math.MinInt64
}

// bitCheckNumber is luaL_checknumber.
func bitCheckNumber(L *glua.LState, narg int) float64 {
	f, ok := bitToNumber(L.Get(narg))
	if f == 0 && !ok {
		bitTypeError(L, narg, "number")
	}
	return f
}

// bitCheckInteger is luaL_checkinteger.
func bitCheckInteger(L *glua.LState, narg int) int64 {
	return bitNumberToInteger(bitCheckNumber(L, narg))
}

// bitOptInteger is luaL_optinteger: nil or absent gives def.
func bitOptInteger(L *glua.LState, narg int, def int64) int64 {
	if L.Get(narg) == glua.LNil {
		return def
	}
	return bitCheckInteger(L, narg)
}

// bitCheckString is luaL_checklstring: a string, or a number converted with "%.14g".
func bitCheckString(L *glua.LState, narg int) string {
	switch x := L.Get(narg).(type) {
	case glua.LString:
		return string(x)
	case glua.LNumber:
		return bitNumberToString(float64(x))
	}
	bitTypeError(L, narg, "string")
	return ""
}
