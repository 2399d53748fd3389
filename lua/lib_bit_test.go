package lua

import "testing"

// bitCases are checked against real Redis by TestBitRedis. Numbers are returned through
// the prelude's "%.17g", so the exact doubles are compared.
var bitCases = []string{
	// tobit: rounding (ties to even), wrapping modulo 2^32, sign.
	"bit.tobit(0)", "bit.tobit(1)", "bit.tobit(-1)", "bit.tobit(0.5)", "bit.tobit(1.5)",
	"bit.tobit(2.5)", "bit.tobit(-0.5)", "bit.tobit(-1.5)", "bit.tobit(-2.5)", "bit.tobit(0.49999999999999994)",
	"bit.tobit(2^31)", "bit.tobit(2^31-1)", "bit.tobit(-2^31)", "bit.tobit(-2^31-1)", "bit.tobit(2^32)",
	"bit.tobit(2^32+1)", "bit.tobit(2^32-1)", "bit.tobit(2^52)", "bit.tobit(2^52+1)", "bit.tobit(2^53)",
	"bit.tobit(2^53+2)", "bit.tobit(2^60+12345)", "bit.tobit(2^64)", "bit.tobit(2^70)", "bit.tobit(1e100)",
	"bit.tobit(-1e100)", "bit.tobit(1/0)", "bit.tobit(-1/0)", "bit.tobit(0/0)", "bit.tobit(-0)",
	"bit.tobit(1e-300)", "bit.tobit(4294967295.5)", "bit.tobit(-2^51)", "bit.tobit(2^51+0.5)", "bit.tobit(6755399441055744)",
	"bit.tobit(1437217655)", "bit.tobit(0xffffffff)", "bit.tobit(0x7fffffff)", "bit.tobit(0x80000000)", "bit.tobit(123456789012)",
	// String arguments go through lua_tonumber.
	"bit.tobit('10')", "bit.tobit(' 10 ')", "bit.tobit('0x10')", "bit.tobit('1e3')", "bit.tobit('-0x10')",
	"bit.tobit('10x')", "bit.tobit('')", "bit.tobit('abc')", "bit.tobit('inf')", "bit.tobit('nan')",
	"bit.tobit('0x1p4')", "bit.tobit('1e')", "bit.tobit('.5')", "bit.tobit('5.')", "bit.tobit('\\t7\\n')",
	"bit.tobit('7\\0 9')", "bit.tobit('0x')", "bit.tobit('0b1')", "bit.tobit('1_0')", "bit.tobit('infinity')",
	// Type errors.
	"bit.tobit()", "bit.tobit(nil)", "bit.tobit({})", "bit.tobit(true)", "bit.tobit(type)",
	"bit.band(1, 'x')", "bit.band(1, 2, {}, 3)", "bit.bor()", "bit.lshift(1)", "bit.tohex(1, nil)",
	"pcall(bit.band, {})", "select(2, pcall(bit.band, {}))", "(bit.bnot())", "bit.tohex()", "bit.bswap()",
	// bnot and the logical operations.
	"bit.bnot(0)", "bit.bnot(-1)", "bit.bnot(2^31)", "bit.bnot(0x12345678)", "bit.bnot(1.5)",
	"bit.band(0xff, 0x0f)", "bit.band(-1, 2^31)", "bit.band(1)", "bit.band(0xf0f0, 0xff00, 0x0ff0)", "bit.band(2^32+5, 7)",
	"bit.bor(1, 2, 4, 8)", "bit.bor(2^31, 1)", "bit.bor(0)", "bit.bor(-1, 0)", "bit.bor(0x12, 0x3400, 0x560000)",
	"bit.bxor(0xff, 0x0f)", "bit.bxor(-1, 1)", "bit.bxor(1, 1, 1)", "bit.bxor(2^31, 2^31)", "bit.bxor(0x5555, 0xaaaa)",
	// Shifts: count modulo 32, results as signed 32-bit.
	"bit.lshift(1, 0)", "bit.lshift(1, 31)", "bit.lshift(1, 32)", "bit.lshift(1, 33)", "bit.lshift(1, -1)",
	"bit.lshift(0xff, 28)", "bit.lshift(3, 2.5)", "bit.rshift(-1, 0)", "bit.rshift(-1, 1)", "bit.rshift(-1, 31)",
	"bit.rshift(-1, 32)", "bit.rshift(2^31, 4)", "bit.rshift(256, 4)", "bit.arshift(-256, 4)", "bit.arshift(-1, 31)",
	"bit.arshift(2^31, 1)", "bit.arshift(0x7fffffff, 30)", "bit.arshift(-8, 2)", "bit.arshift(16, -1)", "bit.arshift(16, 33)",
	"bit.rol(0x12345678, 4)", "bit.rol(0x12345678, 0)", "bit.rol(0x12345678, 32)", "bit.rol(-1, 7)", "bit.rol(2^31, 1)",
	"bit.ror(0x12345678, 4)", "bit.ror(0x12345678, 0)", "bit.ror(1, 1)", "bit.ror(0x12345678, -4)", "bit.ror(0x12345678, 36)",
	"bit.bswap(0x12345678)", "bit.bswap(-1)", "bit.bswap(0)", "bit.bswap(0xff)", "bit.bswap(2^31)",
	// tohex: default 8 digits, at most 8, negative width for upper case.
	"bit.tohex(0)", "bit.tohex(255)", "bit.tohex(-1)", "bit.tohex(0x12345678)", "bit.tohex(0x12345678, 4)",
	"bit.tohex(0x12345678, -4)", "bit.tohex(0xabcdef, -8)", "bit.tohex(0xabcdef, 12)", "bit.tohex(0xabcdef, -12)", "bit.tohex(1, 0)",
	"bit.tohex(1, 1)", "bit.tohex(2^32+10)", "bit.tohex(-2^31)", "bit.tohex(0xdead, 2.5)", "bit.tohex('255', '2')",
	// How luaL_argerror names the function and luaL_where places the error.
	"local f = bit.band return f({})", "local x = bit.band({}) return x", "(bit.band)({})", "local b = bit return b.bor(nil)", "bit['bxor'](true)",
	"local t = {f = bit.tohex} return t.f()", "local ok, e = pcall(bit.rol) return e", "select(2, coroutine.resume(coroutine.create(function() return bit.bnot() end)))", "select(2, pcall(string.gsub, 'a', 'a', bit.bnot))", "local s = 'x' return bit.tobit(s)",
	// Library shape.
	"type(bit)", "type(bit.tobit)", "bit.tohex(bit.bor(bit.lshift(0xab, 8), 0xcd), 4)", "#bit", "bit.nosuch",
}

func TestBitRedis(t *testing.T) {
	libsCompare(t, bitCases)
}
