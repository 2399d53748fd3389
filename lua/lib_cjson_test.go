package lua

import "testing"

// cjsonCases are checked against real Redis by TestCjsonRedis. Objects with several
// keys are compared after a round trip (the prelude sorts table entries), since Lua 5.1
// and gopher-lua order hash keys differently.
var cjsonCases = []string{
	// Scalars.
	"cjson.encode(1)", "cjson.encode(-1)", "cjson.encode(0)", "cjson.encode(-0.0)", "cjson.encode(0.1)",
	"cjson.encode(1/3)", "cjson.encode(2^31)", "cjson.encode(-2^31)", "cjson.encode(2^32)", "cjson.encode(2^53)",
	"cjson.encode(2^53+1)", "cjson.encode(2^63)", "cjson.encode(1e15)", "cjson.encode(1e14)", "cjson.encode(123456789012345)",
	"cjson.encode(1e100)", "cjson.encode(1e-5)", "cjson.encode(1e-4)", "cjson.encode(5e-324)", "cjson.encode(1.7976931348623157e308)",
	"cjson.encode(3.14159265358979)", "cjson.encode(100)", "cjson.encode(1/0)", "cjson.encode(-1/0)", "cjson.encode(0/0)",
	"cjson.encode(true)", "cjson.encode(false)", "cjson.encode(nil)", "cjson.encode(cjson.null)", "cjson.encode('')",
	// Strings and escaping.
	"cjson.encode('abc')", "cjson.encode('a/b')", "cjson.encode('a\"b')", "cjson.encode('a\\\\b')", "cjson.encode('\\n\\r\\t\\b\\f')",
	"cjson.encode('\\0\\1\\31\\127')", "cjson.encode('\\11')", "cjson.encode('\\128\\255')", "cjson.encode('h\\195\\169llo')", "cjson.encode(' ~')",
	"cjson.encode(string.rep('x', 300))",
	// Tables: arrays, objects, sparse arrays.
	"cjson.encode({})", "cjson.encode({1, 2, 3})", "cjson.encode({{}})", "cjson.encode({{}, {{}}})", "cjson.encode({'a', true, false, 1.5})",
	"cjson.encode({a = 1})", "cjson.encode({[1] = 1, [3] = 3})", "cjson.encode({[1] = 1, [2] = nil, [4] = 4})", "cjson.encode({[10] = 1})", "cjson.encode({[11] = 1})",
	"cjson.encode({[1] = 1, [12] = 1})", "cjson.encode({[1] = 1, [2] = 2, [21] = 1})", "cjson.encode({[1.5] = 1})", "cjson.encode({[0] = 1})", "cjson.encode({[-1] = 1})",
	"cjson.encode({[2^31] = 1})", "cjson.encode({[2^53] = 1})", "cjson.encode({[1/0] = 1})", "cjson.encode({[-1/0] = 1})", "cjson.encode({[true] = 1})",
	"cjson.encode({[{}] = 1})", "cjson.encode({[1] = 'a', x = 'b'})", "cjson.encode({[1] = cjson.null})", "cjson.encode({cjson.null, cjson.null})", "cjson.encode({['1'] = 1})",
	"cjson.encode({[0.5] = 'half'})", "cjson.encode({[1e20] = 1})", "cjson.encode({[-0.0] = 1})", "cjson.encode({a = {b = {c = {}}}})", "cjson.encode({[1] = 1, [2] = 2, [3] = 3, [30] = 30})",
	"cjson.decode(cjson.encode({a = 1, b = 'x', c = {1, 2}, d = {e = false}}))", "cjson.decode(cjson.encode({1, 2, x = 3}))", "#cjson.encode({a = 1, b = 2, c = 3})",
	// Unsupported values.
	"cjson.encode(function() end)", "cjson.encode({function() end})", "cjson.encode({f = type})", "cjson.encode(coroutine.create(function() end))", "cjson.encode({1, {2, {3, type}}})",
	"cjson.encode()", "cjson.encode(1, 2)", "pcall(cjson.encode)", "select(2, pcall(cjson.encode, 1, 2))", "select(2, pcall(cjson.encode, type))",
	// Nesting limits.
	"local t = {} for i = 1, 999 do t = {t} end return #cjson.encode(t)", "local t = {} for i = 1, 1000 do t = {t} end return cjson.encode(t)",
	"local t = {} t[1] = t return cjson.encode(t)", "local t = {} t.x = t return cjson.encode(t)",
	"local t = {} for i = 1, 5 do t = {t} end cjson.encode_max_depth(5) return cjson.encode(t)", "local t = {} for i = 1, 4 do t = {t} end cjson.encode_max_depth(5) return cjson.encode(t)",
	"local t = {} for i = 1, 5000 do t = {t} end cjson.encode_max_depth(10000) return cjson.encode(t)", "local t = {} for i = 1, 3000 do t = {x = t} end cjson.encode_max_depth(10000) return cjson.encode(t)",
	"local t = {} for i = 1, 3997 do t = {t} end cjson.encode_max_depth(10000) return #cjson.encode(t)", "local t = {} for i = 1, 3998 do t = {t} end cjson.encode_max_depth(10000) return cjson.encode(t)",
	// Settings.
	"cjson.encode_max_depth()", "cjson.encode_max_depth(5)", "cjson.encode_max_depth(0)", "cjson.encode_max_depth(-1)", "cjson.encode_max_depth(2^31)",
	"cjson.encode_max_depth('7')", "cjson.encode_max_depth('x')", "cjson.encode_max_depth(1, 2)", "cjson.encode_max_depth(2.9)", "cjson.encode_max_depth(2^32+3)",
	"cjson.decode_max_depth()", "cjson.decode_max_depth(3)", "cjson.decode_max_depth(0)", "cjson.decode_max_depth({})", "cjson.decode_max_depth(nil)",
	"cjson.encode_number_precision()", "cjson.encode_number_precision(1)", "cjson.encode_number_precision(14)", "cjson.encode_number_precision(15)", "cjson.encode_number_precision(0)",
	"local p = cjson.encode_number_precision(3) return cjson.encode({1/3, 12345, 0.5, 1e-7})", "local p = cjson.encode_number_precision(1) return cjson.encode(2.5)", "local p = cjson.encode_number_precision(10) return cjson.encode(2^40 + 0.5)",
	"cjson.encode_keep_buffer()", "cjson.encode_keep_buffer(false)", "cjson.encode_keep_buffer('off')", "cjson.encode_keep_buffer('on')", "cjson.encode_keep_buffer('yes')",
	"cjson.encode_keep_buffer(1)", "local a = cjson.encode_keep_buffer(false) return a, cjson.encode({1}), cjson.encode_keep_buffer()", "cjson.encode_keep_buffer(true, 1)",
	"cjson.encode_invalid_numbers()", "cjson.encode_invalid_numbers(true)", "cjson.encode_invalid_numbers('null')", "cjson.encode_invalid_numbers('on')", "cjson.encode_invalid_numbers('nope')",
	"local a = cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0, -(0/0)})", "local a = cjson.encode_invalid_numbers('null') return cjson.encode({1/0, -1/0, 0/0, 1})", "local a = cjson.encode_invalid_numbers(true) return cjson.encode({[1/0] = 1})",
	"local a = cjson.encode_invalid_numbers('null') return cjson.encode({[1/0] = 1})", "local a = cjson.encode_invalid_numbers(false) return cjson.encode(0/0)",
	"cjson.decode_invalid_numbers()", "cjson.decode_invalid_numbers(false)", "cjson.decode_invalid_numbers('on')", "cjson.decode_invalid_numbers('null')",
	"cjson.encode_sparse_array()", "cjson.encode_sparse_array(true)", "cjson.encode_sparse_array(true, 3, 4)", "cjson.encode_sparse_array(nil, nil, 20)", "cjson.encode_sparse_array(false, -1)",
	"cjson.encode_sparse_array(false, 1, -1)", "cjson.encode_sparse_array(1, 2, 3, 4)", "cjson.encode_sparse_array('on', 2^31)",
	"local a = cjson.encode_sparse_array(true) return cjson.encode({[20] = 1})", "local a = cjson.encode_sparse_array(false, 0) return cjson.encode({[20] = 1})",
	"local a = cjson.encode_sparse_array(false, 1, 0) return cjson.encode({[1] = 1, [3] = 1})", "local a = cjson.encode_sparse_array(false, 3, 1) return cjson.encode({[1] = 1, [3] = 1})",
	"local a = cjson.encode_sparse_array(false, 2^31-1, 1) return cjson.encode({[1] = 1, [2] = 1, [9] = 1})",
	// Decoding scalars and numbers.
	"cjson.decode('1')", "cjson.decode('-1')", "cjson.decode('1.5e3')", "cjson.decode('1E-2')", "cjson.decode('0')",
	"cjson.decode('-0')", "cjson.decode('1e400')", "cjson.decode('-1e400')", "cjson.decode('1e-400')", "cjson.decode('123456789012345678901234567890')",
	"cjson.decode('0.1')", "cjson.decode('  42  ')", "cjson.decode('\\t\\r\\n 7')", "cjson.decode('01')", "cjson.decode('+1')",
	"cjson.decode('0x10')", "cjson.decode('0X1p4')", "cjson.decode('-0x10')", "cjson.decode('NaN')", "cjson.decode('nan')",
	"cjson.decode('-nan')", "cjson.decode('Infinity')", "cjson.decode('-Infinity')", "cjson.decode('inf')", "cjson.decode('-inf')",
	"cjson.decode('infinit')", "cjson.decode('nan(123)')", "cjson.decode('1.')", "cjson.decode('.5')", "cjson.decode('-')",
	"cjson.decode('1e')", "cjson.decode('1e+')", "cjson.decode('- 1')", "cjson.decode('0x')", "cjson.decode('1.5.5')",
	"cjson.decode('true')", "cjson.decode('false')", "cjson.decode('null')", "cjson.decode('null') == cjson.null", "cjson.decode('truex')",
	"cjson.decode('tru')", "cjson.decode('nul')", "cjson.decode('TRUE')", "cjson.decode('N')", "cjson.decode('I')",
	// Decoding strings.
	"cjson.decode('\"abc\"')", "cjson.decode('\"\"')", "cjson.decode('\"a\\\\/b\"')", "cjson.decode('\"\\\\\"\\\\\\\\\\\\b\\\\f\\\\n\\\\r\\\\t\"')", "cjson.decode('\"\\\\u0041\"')",
	"cjson.decode('\"\\\\u00e9\"')", "cjson.decode('\"\\\\u20AC\"')", "cjson.decode('\"\\\\ud83d\\\\ude00\"')", "cjson.decode('\"\\\\u0000\"')", "cjson.decode('\"\\\\uD800\"')",
	"cjson.decode('\"\\\\uDC00\"')", "cjson.decode('\"\\\\uD800\\\\u0041\"')", "cjson.decode('\"\\\\uD800x\"')", "cjson.decode('\"\\\\u12\"')", "cjson.decode('\"\\\\u12G4\"')",
	"cjson.decode('\"\\\\x\"')", "cjson.decode('\"abc')", "cjson.decode('\"\\\\')", "cjson.decode('\"a\\0b\"')", "cjson.decode('\"\\1\\31\"')",
	"cjson.decode('\"\\255\\128\"')", "cjson.decode('\"\\\\uFFFF\"')", "cjson.decode('\"\\\\udbff\\\\udfff\"')", "cjson.decode('\"\\\\u007f\\\\u0080\\\\u07ff\\\\u0800\"')", "cjson.decode(cjson.encode('\\0\\1/\"\\\\\\127\\255'))",
	// Decoding arrays and objects.
	"cjson.decode('[]')", "cjson.decode('{}')", "cjson.decode('[1,2,3]')", "cjson.decode('[1,[2,[3]]]')", "cjson.decode('{\"a\":1}')",
	"cjson.decode('{\"a\":{\"b\":[true,false,null]}}')", "cjson.decode(' [ 1 , 2 ] ')", "cjson.decode('{\"a\":1,\"a\":2}')", "cjson.decode('{\"1\":1}')", "cjson.decode('[null,1]')",
	"cjson.decode('[1,]')", "cjson.decode('[,1]')", "cjson.decode('[1 2]')", "cjson.decode('[1')", "cjson.decode('[')",
	"cjson.decode('{\"a\":1,}')", "cjson.decode('{\"a\" 1}')", "cjson.decode('{1:1}')", "cjson.decode('{\"a\":1')", "cjson.decode('{\"a\":}')",
	"cjson.decode('{\"a\":1 \"b\":2}')", "cjson.decode('{')", "cjson.decode(']')", "cjson.decode('}')", "cjson.decode(':')",
	"cjson.decode(',')", "cjson.decode('[1]]')", "cjson.decode('1 2')", "cjson.decode('[1] x')", "cjson.decode('{\"a\":[1,{\"b\":2}]}')",
	// Whole-text errors.
	"cjson.decode('')", "cjson.decode('   ')", "cjson.decode('x')", "cjson.decode('\\0')", "cjson.decode('1\\0')",
	"cjson.decode('[1]\\0garbage')", "cjson.decode('\\0\\0\\0[')", "cjson.decode('a\\0')", "cjson.decode('\"\\0')", "cjson.decode('/')",
	"cjson.decode()", "cjson.decode(1, 2)", "cjson.decode({})", "cjson.decode(nil)", "cjson.decode(123)",
	"cjson.decode(1e15)", "cjson.decode(true)", "cjson.decode('\\239\\187\\191[]')", "cjson.decode('//')", "cjson.decode('[1] // c')",
	// Decode nesting limits.
	"#cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))", "cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))", "cjson.decode(string.rep('{\"a\":', 1001) .. '1' .. string.rep('}', 1001))",
	"local a = cjson.decode_max_depth(2) return cjson.decode('[[1]]')", "local a = cjson.decode_max_depth(2) return cjson.decode('[[[1]]]')", "local a = cjson.decode_max_depth(2) return cjson.decode('{\"a\":{\"b\":{}}}')",
	"local a = cjson.decode_max_depth(100000) return #cjson.decode(string.rep('[', 7998) .. string.rep(']', 7998))", "local a = cjson.decode_max_depth(100000) return cjson.decode(string.rep('[', 7999) .. string.rep(']', 7999))",
	"local a = cjson.decode_max_depth(100000) return cjson.decode(string.rep('{\"a\":', 4000) .. '1' .. string.rep('}', 4000))", "local a = cjson.decode_max_depth(100000) return type(cjson.decode(string.rep('{\"a\":', 3998) .. '1' .. string.rep('}', 3998)))",
	"local a = cjson.decode_invalid_numbers(false) return cjson.decode('NaN')", "local a = cjson.decode_invalid_numbers(false) return cjson.decode('0x10')", "local a = cjson.decode_invalid_numbers(false) return cjson.decode('+1')",
	"local a = cjson.decode_invalid_numbers(false) return cjson.decode('01')", "local a = cjson.decode_invalid_numbers(false) return cjson.decode('-Infinity')", "local a = cjson.decode_invalid_numbers(false) return cjson.decode('[1, nope]')",
	"local a = cjson.decode_invalid_numbers(false) return cjson.decode('-1.5e2')", "local a = cjson.decode_invalid_numbers(false) return cjson.decode('0')",
	// Module shape and cjson.new.
	"type(cjson.null)", "tostring(cjson.null)", "cjson._NAME", "cjson._VERSION", "type(cjson.new)",
	"cjson.new().encode({1})", "cjson.new().null == cjson.null", "cjson.new().decode('null') == cjson.null", "local a = cjson.encode_max_depth(1) return cjson.new().encode({{}})", "local c = cjson.new() local a = c.encode_max_depth(1) return cjson.encode({{}}), pcall(c.encode, {{}})",
	"cjson.encode(cjson.decode('[1,\"a\",null,true,{\"k\":[]}]'))", "cjson.encode(cjson.decode('{\"k\":{}}'))", "cjson.encode(cjson.decode('[[],{}]'))", "cjson.decode(cjson.encode({[1] = 1, [2] = 2, [5] = 5}))",
}

func TestCjsonRedis(t *testing.T) {
	libsCompare(t, cjsonCases)
}
