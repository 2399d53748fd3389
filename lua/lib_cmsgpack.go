// lib_cmsgpack.go: the "cmsgpack" library (lua-cmsgpack 0.4.0, deps/lua/src/lua_cmsgpack.c):
// MessagePack encoding of Lua values and decoding of MessagePack streams.
//
// Lua 5.1 numbers are doubles: those equal to a 64-bit integer are written as the
// smallest integer format, others as a float when that loses nothing, else as a double.
// A table whose keys are exactly 1..n is an array, any other a map; tables nested 16
// deep are written as nil. Maps are written in gopher-lua's table order, which for
// several non-array keys is not the order of Lua 5.1's hash part.
package lua

import (
	"encoding/binary"
	"math"

	glua "github.com/yuin/gopher-lua"
)

const mpMaxNesting = 16

// OpenCmsgpack registers the global table "cmsgpack" as Redis's luaopen_cmsgpack does.
func OpenCmsgpack(L *glua.LState) {
	t := L.CreateTable(0, 8)
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(mpUnpack))
	t.RawSetString("unpack_one", L.NewFunction(mpUnpackOne))
	t.RawSetString("unpack_limit", L.NewFunction(mpUnpackLimit))
	t.RawSetString("_NAME", glua.LString("cmsgpack"))
	t.RawSetString("_VERSION", glua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", glua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", glua.LString("MessagePack C implementation for Lua"))
	L.SetGlobal("cmsgpack", t)
}

/* ===== Encoding ===== */

// mpPack encodes each argument and returns the concatenation.
func mpPack(L *glua.LState) int {
	nargs := L.GetTop()
	if nargs == 0 {
		bitArgError(L, 0, "MessagePack pack needs input.")
	}
	if nargs+nargs > bitMaxCStack {
		bitArgError(L, 0, "Too many arguments for MessagePack pack.")
	}
	var buf []byte
	for i := 1; i <= nargs; i++ {
		buf = mpEncode(buf, L.Get(i), 0)
	}
	L.Push(glua.LString(buf))
	return 1
}

func mpEncode(buf []byte, v glua.LValue, level int) []byte {
	switch x := v.(type) {
	case glua.LString:
		return mpEncodeBytes(buf, string(x))
	case glua.LBool:
		if x {
			return append(buf, 0xc3)
		}
		return append(buf, 0xc2)
	case glua.LNumber:
		return mpEncodeNumber(buf, float64(x))
	case *glua.LTable:
		if level == mpMaxNesting {
			break
		}
		if n, ok := mpTableIsArray(x); ok {
			buf = mpEncodeHeader(buf, uint32(n), 0x90, 0xdc)
			for j := 1; j <= n; j++ {
				buf = mpEncode(buf, x.RawGetInt(j), level+1)
			}
			return buf
		}
		n := 0
		for k, _ := x.Next(glua.LNil); k != glua.LNil; k, _ = x.Next(k) {
			n++
		}
		buf = mpEncodeHeader(buf, uint32(n), 0x80, 0xde)
		for k, val := x.Next(glua.LNil); k != glua.LNil; k, val = x.Next(k) {
			buf = mpEncode(buf, k, level+1)
			buf = mpEncode(buf, val, level+1)
		}
		return buf
	}
	return append(buf, 0xc0)
}

// mpTableIsArray reports whether the keys are exactly 1..n, and n. A key must be a
// number that a C int holds exactly.
func mpTableIsArray(t *glua.LTable) (int, bool) {
	count, max := 0, 0
	for k, _ := t.Next(glua.LNil); k != glua.LNil; k, _ = t.Next(k) {
		n, ok := k.(glua.LNumber)
		if !ok || n <= 0 || float64(cjsonToInt32(float64(n))) != float64(n) {
			return 0, false
		}
		if int(n) > max {
			max = int(n)
		}
		count++
	}
	return count, max == count
}

func mpEncodeBytes(buf []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		buf = append(buf, 0xa0|byte(n))
	case n <= 0xff:
		buf = append(buf, 0xd9, byte(n))
	case n <= 0xffff:
		buf = append(buf, 0xda)
		buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	default:
		buf = append(buf, 0xdb)
		buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	}
	return append(buf, s...)
}

// mpEncodeHeader writes an array or map header: the fix form up to 15 entries, then
// the 16-bit form (code16), then the 32-bit one (code16+1).
func mpEncodeHeader(buf []byte, n uint32, fix, code16 byte) []byte {
	switch {
	case n <= 15:
		return append(buf, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(buf, code16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(buf, code16+1), n)
}

// mpEncodeNumber writes an integer when the double is one (below 2^63 in magnitude),
// else a float when the conversion is exact, else a double.
func mpEncodeNumber(buf []byte, d float64) []byte {
	if i := bitNumberToInteger(d); float64(i) == d {
		return mpEncodeInt(buf, i)
	}
	if f := float32(d); float64(f) == d {
		return binary.BigEndian.AppendUint32(append(buf, 0xca), math.Float32bits(f))
	}
	return binary.BigEndian.AppendUint64(append(buf, 0xcb), math.Float64bits(d))
}

func mpEncodeInt(buf []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(buf, byte(n))
		case n <= 0xff:
			return append(buf, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(buf, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(buf, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(buf, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(buf, byte(n))
	case n >= -128:
		return append(buf, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(buf, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(buf, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(buf, 0xd3), uint64(n))
}

/* ===== Decoding ===== */

type mpCurError int

const (
	mpErrNone   mpCurError = iota
	mpErrEOF               // not enough data
	mpErrBadFmt            // unknown type byte
)

// mpCursor reads a MessagePack stream. The decoding functions take the number of Lua
// stack slots the C decoder would hold at that point, which lua_checkstack limits.
type mpCursor struct {
	L   *glua.LState
	s   string
	p   int
	err mpCurError
}

func (c *mpCursor) left() int { return len(c.s) - c.p }

// need records an EOF error unless n bytes are left.
func (c *mpCursor) need(n uint64) bool {
	if uint64(c.left()) < n {
		c.err = mpErrEOF
		return false
	}
	return true
}

func (c *mpCursor) byteAt(i int) byte { return c.s[c.p+i] }

func (c *mpCursor) uint(off, size int) uint64 {
	var v uint64
	for i := 0; i < size; i++ {
		v = v<<8 | uint64(c.byteAt(off+i))
	}
	return v
}

// decode reads one value. slots is the number of stack slots in use before it is pushed.
// On a cursor error the returned value is meaningless and c.err is set.
func (c *mpCursor) decode(slots int) glua.LValue {
	if !c.need(1) {
		return glua.LNil
	}
	if slots+1 > bitMaxCStack {
		bitError(c.L, "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)")
	}
	b := c.byteAt(0)
	// Fixed-size scalars: the type byte's total size and its value.
	switch b {
	case 0xcc, 0xd0:
		if !c.need(2) {
			return glua.LNil
		}
		v := float64(c.byteAt(1))
		if b == 0xd0 {
			v = float64(int8(c.byteAt(1)))
		}
		c.p += 2
		return glua.LNumber(v)
	case 0xcd, 0xd1:
		if !c.need(3) {
			return glua.LNil
		}
		u := c.uint(1, 2)
		c.p += 3
		if b == 0xd1 {
			return glua.LNumber(float64(int16(u)))
		}
		return glua.LNumber(float64(u))
	case 0xce, 0xd2, 0xca:
		if !c.need(5) {
			return glua.LNil
		}
		u := c.uint(1, 4)
		c.p += 5
		switch b {
		case 0xd2:
			return glua.LNumber(float64(int32(u)))
		case 0xca:
			return glua.LNumber(float64(math.Float32frombits(uint32(u))))
		}
		return glua.LNumber(float64(u))
	case 0xcf, 0xd3, 0xcb:
		if !c.need(9) {
			return glua.LNil
		}
		u := c.uint(1, 8)
		c.p += 9
		if b == 0xcb {
			return glua.LNumber(math.Float64frombits(u))
		}
		// uint 64 goes through lua_pushinteger too, wrapping at 2^63.
		return glua.LNumber(float64(int64(u)))
	case 0xc0:
		c.p++
		return glua.LNil
	case 0xc2, 0xc3:
		c.p++
		return glua.LBool(b == 0xc3)
	case 0xd9, 0xda, 0xdb:
		size := 1 << (b - 0xd9) // length bytes: 1, 2, 4
		if !c.need(uint64(1 + size)) {
			return glua.LNil
		}
		return c.str(1+size, c.uint(1, size))
	case 0xdc, 0xdd, 0xde, 0xdf:
		size := 2 << ((b - 0xdc) & 1) // length bytes: 2, 4
		if !c.need(uint64(1 + size)) {
			return glua.LNil
		}
		n := c.uint(1, size)
		c.p += 1 + size
		if b <= 0xdd {
			return c.array(n, slots)
		}
		return c.hash(n, slots)
	}
	switch {
	case b&0x80 == 0: // positive fixnum
		c.p++
		return glua.LNumber(float64(b))
	case b&0xe0 == 0xe0: // negative fixnum
		c.p++
		return glua.LNumber(float64(int8(b)))
	case b&0xe0 == 0xa0: // fix str
		if !c.need(uint64(1 + b&0x1f)) {
			return glua.LNil
		}
		return c.str(1, uint64(b&0x1f))
	case b&0xf0 == 0x90:
		c.p++
		return c.array(uint64(b&0xf), slots)
	case b&0xf0 == 0x80:
		c.p++
		return c.hash(uint64(b&0xf), slots)
	}
	c.err = mpErrBadFmt
	return glua.LNil
}

// str reads a string of n bytes after a header of hdr bytes.
func (c *mpCursor) str(hdr int, n uint64) glua.LValue {
	if !c.need(uint64(hdr) + n) {
		return glua.LNil
	}
	s := c.s[c.p+hdr : c.p+hdr+int(n)]
	c.p += hdr + int(n)
	return glua.LString(s)
}

func (c *mpCursor) array(n uint64, slots int) glua.LValue {
	t := c.L.CreateTable(0, 0)
	if slots+2 > bitMaxCStack {
		bitError(c.L, "stack overflow (in function mp_decode_to_lua_array)")
	}
	for i := 1; uint64(i) <= n; i++ {
		// The table and the index are on the stack while the element is read.
		v := c.decode(slots + 2)
		if c.err != mpErrNone {
			return t
		}
		t.RawSetInt(i, v)
	}
	return t
}

func (c *mpCursor) hash(n uint64, slots int) glua.LValue {
	t := c.L.CreateTable(0, 0)
	for ; n > 0; n-- {
		k := c.decode(slots + 1)
		if c.err != mpErrNone {
			return t
		}
		v := c.decode(slots + 2)
		if c.err != mpErrNone {
			return t
		}
		// lua_settable's own errors, raised without a position.
		if k == glua.LNil {
			c.L.Error(glua.LString("table index is nil"), 0)
		}
		if f, ok := k.(glua.LNumber); ok && math.IsNaN(float64(f)) {
			c.L.Error(glua.LString("table index is NaN"), 0)
		}
		t.RawSet(k, v)
	}
	return t
}

// mpUnpackFull decodes up to limit values from offset (all of them when both are 0,
// and then without the leading next-offset result). base is the number of stack slots
// the C function holds (its arguments).
func mpUnpackFull(L *glua.LState, limit, offset int64, base int) int {
	s := bitCheckString(L, 1)
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		// C prints the input length where it announces the limit.
		bitError(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	} else if uint64(offset) > uint64(len(s)) {
		bitError(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	c := &mpCursor{L: L, s: s, p: int(offset)}
	var vals []glua.LValue
	for cnt := int64(0); c.left() > 0 && cnt < limit; cnt++ {
		v := c.decode(base + len(vals))
		switch c.err {
		case mpErrEOF:
			bitError(L, "Missing bytes in input.")
		case mpErrBadFmt:
			bitError(L, "Bad data format in input.")
		}
		vals = append(vals, v)
	}
	n := len(vals)
	if !decodeAll {
		if base+n+1 > bitMaxCStack {
			bitError(L, "stack overflow (in function mp_unpack_full)")
		}
		next := int64(c.p)
		if c.left() == 0 {
			next = -1
		}
		L.Push(glua.LNumber(float64(next)))
		n++
	}
	for _, v := range vals {
		L.Push(v)
	}
	return n
}

func mpUnpack(L *glua.LState) int {
	return mpUnpackFull(L, 0, 0, L.GetTop())
}

func mpUnpackOne(L *glua.LState) int {
	offset := bitOptInteger(L, 2, 0)
	return mpUnpackFull(L, 1, offset, 1)
}

func mpUnpackLimit(L *glua.LState) int {
	limit := bitCheckInteger(L, 2)
	offset := bitOptInteger(L, 3, 0)
	return mpUnpackFull(L, limit, offset, 1)
}
