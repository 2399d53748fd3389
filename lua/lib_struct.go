// lib_struct.go: the "struct" library (Roberto Ierusalimschy's struct 1.7 as patched by
// Redis, deps/lua/src/lua_struct.c): pack, unpack and size of binary records described by
// a format string, with the sizes and alignment of x86-64 Linux, where Redis runs.
package lua

import (
	"encoding/binary"
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// Sizes of the C types on x86-64 Linux, and the default alignment of "!" (that of a
// double in a struct).
const (
	stSizeShort  = 2
	stSizeInt    = 4
	stSizeLong   = 8
	stSizeSizeT  = 8
	stMaxIntSize = 32
	stMaxAlign   = 8
)

// OpenStruct registers the global table "struct" as Redis's luaopen_struct does.
func OpenStruct(L *glua.LState) {
	L.RegisterModule("struct", map[string]glua.LGFunction{
		"pack":   structPack,
		"unpack": structUnpack,
		"size":   structSize,
	})
}

// stHeader holds the format's current endianness and maximum alignment.
type stHeader struct {
	little bool
	align  int
}

func stDefaultHeader() stHeader { return stHeader{little: true, align: 1} }

// stFormat walks a format string; C reads it as a NUL-terminated string, so an
// embedded NUL ends it.
type stFormat struct {
	s string
	i int
}

func stNewFormat(s string) *stFormat {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return &stFormat{s: s}
}

func (f *stFormat) more() bool { return f.i < len(f.s) }

func (f *stFormat) next() byte {
	c := f.s[f.i]
	f.i++
	return c
}

// getnum reads an optional decimal count, df when there is none.
func (f *stFormat) getnum(L *glua.LState, df int) int {
	if !f.more() || !bitIsDigit(f.s[f.i]) {
		return df
	}
	a := 0
	for f.more() && bitIsDigit(f.s[f.i]) {
		d := int(f.s[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			bitError(L, "integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// optsize is the size of option opt, reading its count if it takes one; 0 for the
// options that need no alignment.
func (f *stFormat) optsize(L *glua.LState, opt byte) uint64 {
	switch opt {
	case 'B', 'b', 'x':
		return 1
	case 'H', 'h':
		return stSizeShort
	case 'L', 'l':
		return stSizeLong
	case 'T':
		return stSizeSizeT
	case 'f':
		return 4
	case 'd':
		return 8
	case 'c':
		return uint64(f.getnum(L, 1))
	case 'i', 'I':
		sz := f.getnum(L, stSizeInt)
		if sz > stMaxIntSize {
			bitError(L, "integral size %d is larger than limit of %d", sz, stMaxIntSize)
		}
		return uint64(sz)
	}
	return 0
}

// gettoalign is the padding an item of the given size needs at offset n. The C
// arithmetic is kept as is, including for sizes that are not powers of 2 (i3, ...).
func stToAlign(n uint64, h *stHeader, opt byte, size uint64) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > uint64(h.align) {
		size = uint64(h.align)
	}
	return (size - (n & (size - 1))) & (size - 1)
}

// controloptions handles the options that produce nothing: ' ', '<', '>', '!'.
func (f *stFormat) controloptions(L *glua.LState, opt byte, h *stHeader) {
	switch opt {
	case ' ':
	case '>':
		h.little = false
	case '<':
		h.little = true
	case '!':
		a := f.getnum(L, stMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			bitError(L, "alignment %d is not a power of 2", a)
		}
		h.align = a
	default:
		bitArgError(L, 1, "invalid format option '"+string(opt)+"'")
	}
}

func structPack(L *glua.LState) int {
	f := stNewFormat(bitCheckString(L, 1))
	h := stDefaultHeader()
	arg := 2
	// C pushes a nil to separate the arguments from its buffer: a missing argument
	// right after the last one reads as nil, not as "no value".
	L.Push(glua.LNil)
	var out []byte
	for f.more() {
		opt := f.next()
		size := f.optsize(L, opt)
		pad := stToAlign(uint64(len(out)), &h, opt, size)
		out = append(out, make([]byte, pad)...)
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			out = stPutInteger(out, bitCheckNumber(L, arg), h.little, int(size))
			arg++
		case 'x':
			out = append(out, 0)
		case 'f':
			bits := math.Float32bits(float32(bitCheckNumber(L, arg)))
			arg++
			out = stAppendUint(out, uint64(bits), 4, h.little)
		case 'd':
			bits := math.Float64bits(bitCheckNumber(L, arg))
			arg++
			out = stAppendUint(out, bits, 8, h.little)
		case 'c', 's':
			s := bitCheckString(L, arg)
			arg++
			if size == 0 {
				size = uint64(len(s))
			}
			if uint64(len(s)) < size {
				// C reports the argument after the string (arg was already advanced).
				bitArgError(L, arg, "string too short")
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			f.controloptions(L, opt, &h)
		}
	}
	L.Push(glua.LString(out))
	return 1
}

// stPutInteger appends size bytes of n as C's putinteger does: negative numbers through
// a signed 64-bit cast, others through an unsigned one; bytes beyond the eighth are 0.
func stPutInteger(out []byte, n float64, little bool, size int) []byte {
	var v uint64
	if n < 0 {
		v = uint64(bitNumberToInteger(n))
	} else {
		v = stNumberToUint64(n)
	}
	buf := make([]byte, size)
	for i := 0; i < size; i++ {
		j := i
		if !little {
			j = size - 1 - i
		}
		buf[j] = byte(v)
		v >>= 8
	}
	return append(out, buf...)
}

// stNumberToUint64 is gcc's double to uint64 conversion on x86-64 for non-negative
// values: from 2^63 on, the conversion of n-2^63 with the top bit flipped, else (NaN
// included) the signed conversion, where out of range gives 2^63.
func stNumberToUint64(n float64) uint64 {
	if n >= 9223372036854775808.0 {
		return uint64(bitNumberToInteger(n-9223372036854775808.0)) ^ (1 << 63)
	}
	return uint64(bitNumberToInteger(n))
}

func stAppendUint(out []byte, v uint64, size int, little bool) []byte {
	var b [8]byte
	if little {
		binary.LittleEndian.PutUint64(b[:], v)
		return append(out, b[:size]...)
	}
	binary.BigEndian.PutUint64(b[:], v)
	return append(out, b[8-size:]...)
}

// stGetInteger reads size bytes as C's getinteger: only the low 64 bits survive, and
// the sign mask is shifted by size*8-1 modulo 64, as the x86 shift instruction does.
func stGetInteger(b []byte, little, signed bool) float64 {
	var l uint64
	size := len(b)
	for i := 0; i < size; i++ {
		j := i
		if little {
			j = size - 1 - i
		}
		l = l<<8 | uint64(b[j])
	}
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func stGetUint(b []byte, little bool) uint64 {
	var v uint64
	for i := range b {
		j := i
		if little {
			j = len(b) - 1 - i
		}
		v = v<<8 | uint64(b[j])
	}
	return v
}

func structUnpack(L *glua.LState) int {
	f := stNewFormat(bitCheckString(L, 1))
	data := bitCheckString(L, 2)
	ld := uint64(len(data))
	pos := uint64(bitOptInteger(L, 3, 1))
	if pos == 0 {
		bitArgError(L, 3, "offset must be 1 or greater")
	}
	pos--
	base := L.GetTop() // the C function's own stack slots, for lua_checkstack
	h := stDefaultHeader()
	var res []glua.LValue
	for f.more() {
		opt := f.next()
		size := f.optsize(L, opt)
		pos += stToAlign(pos, &h, opt, size)
		if size > ld || pos > ld-size {
			bitArgError(L, 2, "data string too short")
		}
		if base+len(res)+2 > bitMaxCStack {
			bitError(L, "stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a' && opt <= 'z'
			res = append(res, glua.LNumber(stGetInteger([]byte(data[pos:pos+size]), h.little, signed)))
		case 'x':
		case 'f':
			bits := uint32(stGetUint([]byte(data[pos:pos+4]), h.little))
			res = append(res, glua.LNumber(float64(math.Float32frombits(bits))))
		case 'd':
			res = append(res, glua.LNumber(math.Float64frombits(stGetUint([]byte(data[pos:pos+8]), h.little))))
		case 'c':
			if size == 0 {
				var n float64
				ok := len(res) > 0
				if ok {
					n, ok = bitToNumber(res[len(res)-1])
				}
				if !ok {
					bitError(L, "format 'c0' needs a previous size")
				}
				size = stNumberToSize(n)
				res = res[:len(res)-1]
				if size > ld || pos > ld-size {
					bitArgError(L, 2, "data string too short")
				}
			}
			res = append(res, glua.LString(data[pos:pos+size]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				bitError(L, "unfinished string in data")
			}
			size = uint64(e) + 1
			res = append(res, glua.LString(data[pos:pos+uint64(e)]))
		default:
			f.controloptions(L, opt, &h)
		}
		pos += size
	}
	for _, v := range res {
		L.Push(v)
	}
	L.Push(glua.LNumber(float64(pos + 1)))
	return len(res) + 1
}

// stNumberToSize is C's double to size_t conversion of a length read by "c0": negative
// values wrap through the signed conversion, as gcc's code does.
func stNumberToSize(n float64) uint64 {
	if n < 0 {
		return uint64(bitNumberToInteger(n))
	}
	return stNumberToUint64(n)
}

func structSize(L *glua.LState) int {
	f := stNewFormat(bitCheckString(L, 1))
	h := stDefaultHeader()
	var pos uint64
	for f.more() {
		opt := f.next()
		size := f.optsize(L, opt)
		pos += stToAlign(pos, &h, opt, size)
		if opt == 's' {
			bitArgError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			bitArgError(L, 1, "option 'c0' has no fixed size")
		}
		if !stIsAlnum(opt) {
			f.controloptions(L, opt, &h)
		}
		pos += size
	}
	L.Push(glua.LNumber(float64(pos)))
	return 1
}

func stIsAlnum(c byte) bool {
	return bitIsDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z'
}
