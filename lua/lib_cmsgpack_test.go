package lua

import "testing"

// cmsgpackCases are checked against real Redis by TestCmsgpackRedis. Packed strings come
// back with non-printable bytes as \xHH; maps with several keys are compared after a
// round trip, since Lua 5.1 and gopher-lua order hash keys differently.
var cmsgpackCases = []string{
	// Integers: every format boundary.
	"cmsgpack.pack(0)", "cmsgpack.pack(1)", "cmsgpack.pack(127)", "cmsgpack.pack(128)", "cmsgpack.pack(255)",
	"cmsgpack.pack(256)", "cmsgpack.pack(65535)", "cmsgpack.pack(65536)", "cmsgpack.pack(2^32-1)", "cmsgpack.pack(2^32)",
	"cmsgpack.pack(2^53)", "cmsgpack.pack(2^62)", "cmsgpack.pack(2^63)", "cmsgpack.pack(2^64)", "cmsgpack.pack(-1)",
	"cmsgpack.pack(-32)", "cmsgpack.pack(-33)", "cmsgpack.pack(-128)", "cmsgpack.pack(-129)", "cmsgpack.pack(-32768)",
	"cmsgpack.pack(-32769)", "cmsgpack.pack(-2^31)", "cmsgpack.pack(-2^31-1)", "cmsgpack.pack(-2^63)", "cmsgpack.pack(-2^64)",
	"cmsgpack.pack(-0.0)", "cmsgpack.pack(2^31)", "cmsgpack.pack(1e15)", "cmsgpack.pack(-1e18)", "cmsgpack.pack(9007199254740993)",
	// Floats and doubles.
	"cmsgpack.pack(1.5)", "cmsgpack.pack(0.1)", "cmsgpack.pack(-0.25)", "cmsgpack.pack(1/3)", "cmsgpack.pack(1/0)",
	"cmsgpack.pack(-1/0)", "cmsgpack.pack(0/0)", "cmsgpack.pack(-(0/0))", "cmsgpack.pack(1e300)", "cmsgpack.pack(1e-300)",
	"cmsgpack.pack(3.4028234663852886e38)", "cmsgpack.pack(2^-149)", "cmsgpack.pack(2^-150)", "cmsgpack.pack(2^63 + 2^40)", "cmsgpack.pack(16777217.5)",
	// Strings of every header size.
	"cmsgpack.pack('')", "cmsgpack.pack('a')", "cmsgpack.pack(string.rep('x', 31))", "#cmsgpack.pack(string.rep('x', 32))", "cmsgpack.pack(string.rep('x', 32)):sub(1, 3)",
	"cmsgpack.pack(string.rep('x', 255)):sub(1, 3)", "cmsgpack.pack(string.rep('x', 256)):sub(1, 4)", "cmsgpack.pack(string.rep('x', 65535)):sub(1, 4)", "cmsgpack.pack(string.rep('x', 65536)):sub(1, 6)", "#cmsgpack.pack(string.rep('x', 65536))",
	"cmsgpack.pack('\\0\\255\\128')", "cmsgpack.pack('h\\195\\169')",
	// Other types.
	"cmsgpack.pack(true)", "cmsgpack.pack(false)", "cmsgpack.pack(nil)", "cmsgpack.pack(type)", "cmsgpack.pack(cjson.null)",
	"cmsgpack.pack(coroutine.create(function() end))", "cmsgpack.pack({type})",
	// Tables: array or map.
	"cmsgpack.pack({})", "cmsgpack.pack({1, 2, 3})", "cmsgpack.pack({'a', {'b'}, {}})", "cmsgpack.pack({a = 1})", "cmsgpack.pack({[1] = 1, [3] = 3})",
	"cmsgpack.pack({[2] = 2})", "cmsgpack.pack({[0] = 0})", "cmsgpack.pack({[1.5] = 1})", "cmsgpack.pack({[-1] = 1})", "cmsgpack.pack({[2^31] = 1})",
	"cmsgpack.pack({[1] = 1, [2] = nil, [3] = 3})", "cmsgpack.pack({[true] = false})", "cmsgpack.pack({[1] = 'a', x = 'b'})", "cmsgpack.pack({[1] = cjson.null})", "cmsgpack.pack({['1'] = 1})",
	"cmsgpack.pack({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})", "cmsgpack.pack({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})", "local t = {} for i = 1, 65536 do t[i] = i % 2 end return cmsgpack.pack(t):sub(1, 8)", "local t = {} for i = 1, 70000 do t[i] = true end return #cmsgpack.pack(t)",
	"local t = {} for i = 1, 16 do t['k' .. i] = i end return cmsgpack.pack(t):sub(1, 3)", "local t = {} for i = 1, 70000 do t['k' .. i] = i end return cmsgpack.pack(t):sub(1, 5)", "local t = {} for i = 1, 70000 do t['k' .. i] = i end return #cmsgpack.pack(t)",
	"cmsgpack.unpack(cmsgpack.pack({a = 1, b = {1, 2}, c = {d = 'e'}, f = false}))", "cmsgpack.unpack(cmsgpack.pack({1, 2, x = 3}))",
	// Nesting: tables 16 deep become nil, cycles stop there too.
	"local t = {} for i = 1, 15 do t = {t} end return cmsgpack.pack(t)", "local t = {} for i = 1, 16 do t = {t} end return cmsgpack.pack(t)", "local t = {} for i = 1, 20 do t = {t} end return cmsgpack.pack(t)",
	"local t = {} t[1] = t return cmsgpack.pack(t)", "local t = {} t.x = t return cmsgpack.pack(t)", "local t = {} for i = 1, 16 do t = {x = t} end return cmsgpack.pack(t)",
	// Several values, and argument errors.
	"cmsgpack.pack(1, 'a', {2})", "cmsgpack.pack(nil, nil)", "cmsgpack.pack()", "select(2, pcall(cmsgpack.pack))", "#cmsgpack.pack(unpack((function() local t = {} for i = 1, 4000 do t[i] = i end return t end)()))",
	"cmsgpack.pack(unpack((function() local t = {} for i = 1, 4001 do t[i] = i end return t end)()))",
	// unpack of scalars and every type byte.
	"cmsgpack.unpack('\\0')", "cmsgpack.unpack('\\127')", "cmsgpack.unpack('\\255')", "cmsgpack.unpack('\\224')", "cmsgpack.unpack('\\204\\200')",
	"cmsgpack.unpack('\\208\\200')", "cmsgpack.unpack('\\205\\255\\254')", "cmsgpack.unpack('\\209\\255\\254')", "cmsgpack.unpack('\\209\\128\\0')", "cmsgpack.unpack('\\206\\255\\255\\255\\255')",
	"cmsgpack.unpack('\\210\\255\\255\\255\\255')", "cmsgpack.unpack('\\210\\128\\0\\0\\0')", "cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')", "cmsgpack.unpack('\\207\\128\\0\\0\\0\\0\\0\\0\\0')", "cmsgpack.unpack('\\207\\0\\32\\0\\0\\0\\0\\0\\1')",
	"cmsgpack.unpack('\\211\\255\\255\\255\\255\\255\\255\\255\\254')", "cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0')", "cmsgpack.unpack('\\192')", "cmsgpack.unpack('\\194')", "cmsgpack.unpack('\\195')",
	"cmsgpack.unpack('\\202\\63\\192\\0\\0')", "cmsgpack.unpack('\\202\\127\\192\\0\\0')", "cmsgpack.unpack('\\202\\255\\128\\0\\0')", "cmsgpack.unpack('\\203\\63\\185\\153\\153\\153\\153\\153\\154')", "cmsgpack.unpack('\\203\\255\\248\\0\\0\\0\\0\\0\\0')",
	"cmsgpack.unpack('\\163abc')", "cmsgpack.unpack('\\160')", "cmsgpack.unpack('\\217\\3abc')", "cmsgpack.unpack('\\218\\0\\3abc')", "cmsgpack.unpack('\\219\\0\\0\\0\\3abc')",
	"cmsgpack.unpack('\\144')", "cmsgpack.unpack('\\128')", "cmsgpack.unpack('\\146\\1\\2')", "cmsgpack.unpack('\\129\\161a\\1')", "cmsgpack.unpack('\\220\\0\\2\\1\\2')",
	"cmsgpack.unpack('\\221\\0\\0\\0\\1\\7')", "cmsgpack.unpack('\\222\\0\\1\\1\\2')", "cmsgpack.unpack('\\223\\0\\0\\0\\1\\1\\2')", "cmsgpack.unpack('\\146\\192\\1')", "cmsgpack.unpack('\\130\\1\\192\\2\\3')",
	"cmsgpack.unpack('\\130\\161a\\1\\161a\\2')", "cmsgpack.unpack('\\129\\1\\161x')", "cmsgpack.unpack('\\129\\203\\63\\240\\0\\0\\0\\0\\0\\0\\161x')", "cmsgpack.unpack('\\129\\144\\1')", "cmsgpack.unpack('\\147\\147\\147\\144\\144\\144\\144\\144')",
	// unpack errors.
	"cmsgpack.unpack('\\129\\192\\1')", "cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')", "cmsgpack.unpack('\\193')", "cmsgpack.unpack('\\196\\1a')", "cmsgpack.unpack('\\199\\1\\1a')",
	"cmsgpack.unpack('\\212\\1\\1')", "cmsgpack.unpack('\\204')", "cmsgpack.unpack('\\205\\1')", "cmsgpack.unpack('\\203\\1\\2\\3')", "cmsgpack.unpack('\\163ab')",
	"cmsgpack.unpack('\\217')", "cmsgpack.unpack('\\217\\5ab')", "cmsgpack.unpack('\\219\\255\\255\\255\\255ab')", "cmsgpack.unpack('\\146\\1')", "cmsgpack.unpack('\\221\\255\\255\\255\\255')",
	"cmsgpack.unpack('\\130\\1\\2\\3')", "cmsgpack.unpack('\\146\\1\\193')", "cmsgpack.unpack('\\1\\2\\193')", "cmsgpack.unpack('\\220\\0')", "cmsgpack.unpack('\\222')",
	"cmsgpack.unpack('')", "cmsgpack.unpack()", "cmsgpack.unpack({})", "cmsgpack.unpack(nil)", "cmsgpack.unpack(5)",
	"cmsgpack.unpack(12)", "cmsgpack.unpack('\\1', 'ignored')",
	// Several values, unpack_one, unpack_limit.
	"cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}, nil, true))", "select('#', cmsgpack.unpack(cmsgpack.pack(1, nil, nil)))", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)",
	"cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 4)", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), -1)", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 'x')", "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1.7)",
	"cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 0, 'extra')", "cmsgpack.unpack_one('')", "cmsgpack.unpack_one()", "cmsgpack.unpack_one('\\204')", "cmsgpack.unpack_one(cmsgpack.pack('abc', 'de'), 1)",
	"cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 3)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)",
	"cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 3)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, -5)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))",
	"cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 'x')", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 10)", "cmsgpack.unpack_limit('', 1)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2^40)", "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 2^33)",
	// Stack limits of many values and deep nesting.
	"select('#', cmsgpack.unpack(string.rep('\\1', 7999)))", "cmsgpack.unpack(string.rep('\\1', 8000))", "select('#', cmsgpack.unpack(string.rep('\\1', 7998), 'x'))", "cmsgpack.unpack(string.rep('\\1', 7999), 'x')", "select('#', cmsgpack.unpack_limit(string.rep('\\1', 9000), 7998))",
	"cmsgpack.unpack_limit(string.rep('\\1', 9000), 7999)", "#cmsgpack.unpack(string.rep('\\145', 3998) .. '\\1')", "cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1')", "cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1')", "cmsgpack.unpack(string.rep('\\129\\1', 4000) .. '\\1')",
	"type(cmsgpack.unpack(string.rep('\\129\\1', 3998) .. '\\1'))", "cmsgpack.unpack(string.rep('\\129\\1', 3999) .. '\\1')", "cmsgpack.unpack(string.rep('\\129', 8000) .. '\\1')", "type(cmsgpack.unpack(string.rep('\\129', 7998) .. '\\1\\1' .. string.rep('\\1', 7998)))",
	// Module shape.
	"type(cmsgpack)", "cmsgpack._NAME", "cmsgpack._VERSION", "cmsgpack._COPYRIGHT", "cmsgpack._DESCRIPTION",
	"cmsgpack.unpack(cmsgpack.pack(0.1, 1.5, 2^63, -2^63, 2^64, 1/0))",
	// Lua 5.1 merges the constants 0 and -0.0 of a function: here 1/0 is -inf in Redis.
	// gopher-lua does not, so only the -0.0 is checked.
	"cmsgpack.unpack(cmsgpack.pack(-0.0))",
}

func TestCmsgpackRedis(t *testing.T) {
	libsCompare(t, cmsgpackCases)
}
