package lua

import "testing"

// structCases are checked against real Redis by TestStructRedis. Packed strings come
// back through the prelude with non-printable bytes as \xHH.
var structCases = []string{
	// Integers of every size, both endiannesses.
	"struct.pack('b', 1)", "struct.pack('b', -1)", "struct.pack('b', 127)", "struct.pack('b', 128)", "struct.pack('b', 255)",
	"struct.pack('b', 256)", "struct.pack('B', -2)", "struct.pack('h', 0x1234)", "struct.pack('>h', 0x1234)", "struct.pack('<H', 65535)",
	"struct.pack('>H', -1)", "struct.pack('i', 1)", "struct.pack('>i', 1)", "struct.pack('I', 2^32-1)", "struct.pack('i', 2^31)",
	"struct.pack('>i', -2^31)", "struct.pack('l', 1)", "struct.pack('>l', -2)", "struct.pack('L', 2^63)", "struct.pack('L', 2^64)",
	"struct.pack('L', 2^64+2^12)", "struct.pack('l', -2^63)", "struct.pack('l', -2^64)", "struct.pack('l', 1/0)", "struct.pack('l', -1/0)",
	"struct.pack('l', 0/0)", "struct.pack('l', -(0/0))", "struct.pack('L', 1e30)", "struct.pack('T', 12345)", "struct.pack('>T', 1)",
	"struct.pack('i1', 300)", "struct.pack('i2', -3)", "struct.pack('>i3', 0x123456)", "struct.pack('<i3', -1)", "struct.pack('I5', 2^40-1)",
	"struct.pack('>I7', 2^50+3)", "struct.pack('i8', -1)", "struct.pack('<i9', -1)", "struct.pack('>i12', -1)", "struct.pack('I16', 2^64-2048)",
	"struct.pack('i32', 1)", "struct.pack('i0', 5)", "struct.pack('i33', 1)", "struct.pack('i99999999999', 1)", "struct.pack('b', 1.5)",
	"struct.pack('b', -1.5)", "struct.pack('h', 2.9)", "struct.pack('b', '12')", "struct.pack('b', ' 0x10 ')", "struct.pack('i', 2^53+1)",
	// Floats and doubles.
	"struct.pack('f', 1.5)", "struct.pack('>f', 1.5)", "struct.pack('f', 0.1)", "struct.pack('f', 1e40)", "struct.pack('f', -0.0)",
	"struct.pack('d', 0.1)", "struct.pack('>d', 0.1)", "struct.pack('d', -0.0)", "struct.pack('d', 1/0)", "struct.pack('>d', 2^-1074)",
	"struct.pack('f', 0/0)", "struct.pack('d', 0/0)",
	// Strings.
	"struct.pack('s', 'abc')", "struct.pack('s', '')", "struct.pack('s', 'a\\0b')", "struct.pack('c', 'xyz')", "struct.pack('c3', 'xyz')",
	"struct.pack('c0', 'hello')", "struct.pack('c5', 'ab')", "struct.pack('c2c5', 'ab', 'x')", "struct.pack('s', 12)", "struct.pack('c0', 1e15)",
	"struct.pack('c0', 0.1)", "struct.pack('s', {})", "struct.pack('c0', nil)", "struct.pack('c1', '')", "struct.pack('c0', '')",
	// Alignment and padding.
	"struct.pack('!bi', 1, 2)", "struct.pack('!4bi', 1, 2)", "struct.pack('!2bi', 1, 2)", "struct.pack('!bd', 1, 2)", "struct.pack('!4bd', 1, 2)",
	"struct.pack('!bh', 1, 2)", "struct.pack('!8bxl', 1, 2)", "struct.pack('!b i3', 1, 2)", "struct.pack('!bc3i', 1, 'abc', 2)", "struct.pack('!bsi', 1, 'ab', 2)",
	"struct.pack('!3b', 1)", "struct.pack('!0b', 1)", "struct.pack('!16bd', 1, 2)", "struct.pack('!99999999999b', 1)", "struct.pack('bxxb', 1, 2)",
	"struct.pack('> b <h >h', 1, 2, 3)", "struct.pack('!b!1i', 1, 2)", "struct.pack('!bI5', 1, 2)", "struct.pack('!4 b f', 1, 2)", "struct.pack('x')",
	// Format errors and argument errors.
	"struct.pack('y', 1)", "struct.pack('=i', 1)", "struct.pack('i')", "struct.pack('ii', 1)", "struct.pack('i', 'x')",
	"struct.pack('i', {})", "struct.pack()", "struct.pack({})", "struct.pack(nil)", "struct.pack(12, 1)",
	"struct.pack('')", "struct.pack('', 1, 2)", "struct.pack('b\\0b', 1, 2)", "struct.pack('d', true)", "struct.pack('%', 1)",
	// unpack.
	"struct.unpack('b', '\\255')", "struct.unpack('B', '\\255')", "struct.unpack('h', '\\1\\2')", "struct.unpack('>h', '\\1\\2')", "struct.unpack('>H', '\\255\\255')",
	"struct.unpack('>h', '\\255\\254')", "struct.unpack('i', '\\1\\0\\0\\128')", "struct.unpack('I', '\\1\\0\\0\\128')", "struct.unpack('l', string.rep('\\255', 8))", "struct.unpack('L', string.rep('\\255', 8))",
	"struct.unpack('>l', '\\128' .. string.rep('\\0', 7))", "struct.unpack('>L', '\\128' .. string.rep('\\0', 7))", "struct.unpack('i3', '\\255\\255\\255')", "struct.unpack('I3', '\\255\\255\\255')", "struct.unpack('>i3', '\\128\\0\\0')",
	"struct.unpack('<i9', string.rep('\\255', 9))", "struct.unpack('>i9', '\\1' .. string.rep('\\0', 8))", "struct.unpack('<I12', string.rep('\\1', 12))", "struct.unpack('>I12', string.rep('\\1', 12))", "struct.unpack('i16', string.rep('\\128', 16))",
	"struct.unpack('i0', '')", "struct.unpack('I0', 'abc')", "struct.unpack('f', struct.pack('f', 1.5))", "struct.unpack('>f', struct.pack('>f', 0.1))", "struct.unpack('d', struct.pack('d', 0.1))",
	"struct.unpack('>d', struct.pack('>d', -1/0))", "struct.unpack('<d', struct.pack('>d', 1))", "struct.unpack('f', '\\0\\0\\192\\127')", "struct.unpack('d', string.rep('\\255', 8))", "struct.unpack('s', 'abc\\0def')",
	"struct.unpack('ss', 'ab\\0cd\\0')", "struct.unpack('s', 'abc')", "struct.unpack('c3', 'abcdef')", "struct.unpack('c', 'abc')", "struct.unpack('c3c2', 'abcde')",
	"struct.unpack('bc0', '\\3abcd')", "struct.unpack('bc0', '\\9abc')", "struct.unpack('c0', 'abc')", "struct.unpack('c1c0', '2abc')", "struct.unpack('c1c0', 'xabc')",
	"struct.unpack('bc0', '\\0abc')", "struct.unpack('sc0', '3\\0abc')", "struct.unpack('Bc0B', '\\2ab\\7')", "struct.unpack('!bi', '\\1\\0\\0\\0\\2\\0\\0\\0')", "struct.unpack('!4bd', string.rep('\\0', 16))",
	"struct.unpack('b', 'abc', 2)", "struct.unpack('b', 'abc', 3)", "struct.unpack('b', 'abc', 4)", "struct.unpack('b', 'abc', 0)", "struct.unpack('b', 'abc', -1)",
	"struct.unpack('b', 'abc', 1.9)", "struct.unpack('b', 'abc', '2')", "struct.unpack('b', 'abc', {})", "struct.unpack('', 'abc', 7)", "struct.unpack('<', 'abc', 7)",
	"struct.unpack('!8bl', '\\1\\0')", "struct.unpack('i', 'ab')", "struct.unpack('i')", "struct.unpack('i', nil)", "struct.unpack(nil, 'x')",
	"struct.unpack('y', 'abc')", "struct.unpack('!3b', 'a')", "struct.unpack('xb', 'ab')", "struct.unpack('i33', 'a')", "struct.unpack('b', 12)",
	"struct.unpack('b', '')", "struct.unpack('b', 'abc', nil)", "struct.unpack('x', '')", "struct.unpack(' b', 'a')", "struct.unpack('c99999999999', 'a')",
	"select('#', struct.unpack(string.rep('b', 7990), string.rep('a', 8000)))", "struct.unpack(string.rep('b', 8000), string.rep('a', 8000))", "select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000)))", "select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 8000)))", "struct.unpack(string.rep('b', 7998), string.rep('a', 8000), 1)",
	// size.
	"struct.size('b')", "struct.size('bhilTfd')", "struct.size('!bhilTfd')", "struct.size('!4bd')", "struct.size('c10')",
	"struct.size('i7')", "struct.size('x')", "struct.size('')", "struct.size('s')", "struct.size('c0')",
	"struct.size('y')", "struct.size('Z9')", "struct.size('=')", "struct.size('!3')", "struct.size('i40')",
	"struct.size('!bi3')", "struct.size('> < !')", "struct.size()", "struct.size(12)", "struct.size('b\\0i')",
	// Round trips.
	"struct.unpack('>!4 b h i l d s c3', struct.pack('>!4 b h i l d s c3', -1, -2, -3, -4, 0.25, 'str', 'abc'))",
	"struct.unpack('<I2I2', struct.pack('<I2I2', 513, 1027))",
	"type(struct)", "struct.nosuch",
}

func TestStructRedis(t *testing.T) {
	libsCompare(t, structCases)
}
