package db

// Bit operations on strings, as Redis's bitops.c: SETBIT, GETBIT, BITCOUNT,
// BITPOS, BITOP, BITFIELD and BITFIELD_RO. Bit 0 is the most significant
// bit of the first byte. Writes patch a raw string in place (see
// writableString in t_string.go).

import (
	"encoding/binary"
	"math"
	"math/bits"
)

func init() {
	register("setbit", setbitCommand)
	register("getbit", getbitCommand)
	register("bitcount", bitcountCommand)
	register("bitpos", bitposCommand)
	register("bitop", bitopCommand)
	register("bitfield", bitfieldCommand)
	register("bitfield_ro", bitfieldROCommand)
}

const (
	errBitOffset    = "ERR bit offset is not an integer or out of range"
	errBitValue     = "ERR bit is not an integer or out of range"
	errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)

// bitOffsetArg parses a bit offset, which must address a byte below
// proto-max-bulk-len. With hash (BITFIELD) an offset "#n" means n times
// bits.
func bitOffsetArg(c *Client, arg []byte, hash bool, bits int) (uint64, bool) {
	useHash := hash && bits > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	off, ok := ParseInt(arg)
	if ok && useHash {
		off *= int64(bits) // wraps as in C; a negative result is refused
	}
	if !ok || off < 0 || c.Flags&ClientMaster == 0 && off>>3 >= c.srv.protoMaxBulk {
		c.Error(errBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// lookupStringForBits returns key's string made raw and at least
// maxbit/8+1 bytes long, creating it if missing (Redis's
// lookupStringForBitCommand); grown reports a new or longer string. ok is
// false after a WRONGTYPE error.
func lookupStringForBits(c *Client, maxbit uint64) (b []byte, grown, ok bool) {
	db, key := c.DB, c.Argv[1]
	n := int(maxbit>>3) + 1
	v := db.LookupWrite(key)
	if v == nil {
		b = newRawString(n)
		db.Add(key, b)
		return b, true, true
	}
	if TypeName(v) != "string" {
		c.Error(ErrWrongType)
		return nil, false, false
	}
	b = writableString(db, key, v, true)
	if n > len(b) {
		b = growZero(b, n)
		storeString(db, key, b)
		grown = true
	}
	return b, grown, true
}

// readString returns the bytes of the string at key for a read, nil when
// missing; ok is false after a WRONGTYPE error.
func readString(c *Client, key []byte, tmp *[20]byte) (b []byte, exists, ok bool) {
	v := c.DB.LookupRead(key)
	if v == nil {
		return nil, false, true
	}
	b, ok = stringOf(v, tmp)
	if !ok {
		c.Error(ErrWrongType)
	}
	return b, true, ok
}

func setbitCommand(c *Client) {
	off, ok := bitOffsetArg(c, c.Argv[2], false, 0)
	if !ok {
		return
	}
	on, ok := ParseInt(c.Argv[3])
	if !ok || on&^1 != 0 {
		c.Error(errBitValue)
		return
	}
	b, grown, ok := lookupStringForBits(c, off)
	if !ok {
		return
	}
	byteIdx, mask := off>>3, byte(1)<<(7-off&7)
	old := b[byteIdx]&mask != 0
	// Only a change is a write: setting a bit to its value is not
	// propagated.
	if grown || old != (on == 1) {
		if on == 1 {
			b[byteIdx] |= mask
		} else {
			b[byteIdx] &^= mask
		}
		c.srv.signalModifiedKey(c.DB, c.Argv[1])
		c.srv.notifyKeyspaceEvent(NotifyString, "setbit", c.Argv[1], c.DB.ID)
		c.srv.Dirty++
	}
	c.Int(int64(boolInt(old)))
}

func getbitCommand(c *Client) {
	off, ok := bitOffsetArg(c, c.Argv[2], false, 0)
	if !ok {
		return
	}
	var tmp [20]byte
	b, _, ok := readString(c, c.Argv[1], &tmp)
	if !ok {
		return
	}
	bit := 0
	if byteIdx := off >> 3; byteIdx < uint64(len(b)) && b[byteIdx]&(1<<(7-off&7)) != 0 {
		bit = 1
	}
	c.Int(int64(bit))
}

// bitRange resolves the start and end arguments of BITCOUNT and BITPOS
// against a string of n bytes (n*8 bits in BIT mode), as Redis: negative
// values count from the end, and the range is clamped to the string.
func bitRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end
}

// bitModeArg parses the BYTE|BIT argument of BITCOUNT and BITPOS.
func bitModeArg(c *Client, i int) (isBit, ok bool) {
	switch {
	case i >= len(c.Argv):
		return false, true
	case optIs(c.Argv[i], "bit"):
		return true, true
	case optIs(c.Argv[i], "byte"):
		return false, true
	}
	c.Error(ErrSyntax)
	return false, false
}

func bitcountCommand(c *Client) {
	var tmp [20]byte
	b, exists, ok := readString(c, c.Argv[1], &tmp)
	if !ok {
		return
	}
	if !exists {
		c.Int(0)
		return
	}
	n := int64(len(b))
	var start, end int64
	isBit := false
	switch len(c.Argv) {
	case 2:
		start, end = 0, n-1
	case 4, 5:
		if start, ok = c.IntArg(2); !ok {
			return
		}
		if end, ok = c.IntArg(3); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.Int(0)
			return
		}
		if isBit, ok = bitModeArg(c, 4); !ok {
			return
		}
		if isBit {
			n <<= 3
		}
		start, end = bitRange(start, end, n)
	default:
		c.Error(ErrSyntax)
		return
	}
	if start > end {
		c.Int(0)
		return
	}
	if !isBit {
		c.Int(popcount(b[start : end+1]))
		return
	}
	// Count the whole bytes, then remove the bits of the edge bytes that
	// are outside the range.
	first, last := start>>3, end>>3
	count := popcount(b[first : last+1])
	count -= int64(bits.OnesCount8(b[first] & ^byte(0xff>>(start&7))))
	count -= int64(bits.OnesCount8(b[last] & byte(0xff>>(end&7+1))))
	c.Int(count)
}

// popcount counts the set bits of b, eight bytes at a time.
func popcount(b []byte) int64 {
	n := 0
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

func bitposCommand(c *Client) {
	bit, ok := c.IntArg(2)
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.Error("ERR The bit argument must be 1 or 0.")
		return
	}
	var tmp [20]byte
	b, exists, ok := readString(c, c.Argv[1], &tmp)
	if !ok {
		return
	}
	if !exists {
		// A missing key is an infinite run of zeros.
		c.Int(-bit)
		return
	}
	n := int64(len(b))
	start, end := int64(0), n*8-1 // in bits
	endGiven := false
	switch len(c.Argv) {
	case 3:
	case 4, 5, 6:
		if start, ok = c.IntArg(3); !ok {
			return
		}
		isBit, ok := bitModeArg(c, 5)
		if !ok {
			return
		}
		end = n - 1
		if isBit {
			end = n*8 - 1
		}
		if len(c.Argv) >= 5 {
			if end, ok = c.IntArg(4); !ok {
				return
			}
			endGiven = true
		}
		if isBit {
			start, end = bitRange(start, end, n*8)
		} else {
			// An empty byte range is empty before it is made bits: a
			// huge start would overflow start*8.
			if start, end = bitRange(start, end, n); start > end {
				c.Int(-1)
				return
			}
			start, end = start*8, end*8+7
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	if start > end {
		c.Int(-1)
		return
	}
	if pos := findBit(b, start, end, bit == 1); pos >= 0 {
		c.Int(pos)
		return
	}
	// No clear bit in the string: without an explicit end, the string is
	// followed by zeros, so the answer is the first bit after it.
	if bit == 0 && !endGiven {
		c.Int(n * 8)
		return
	}
	c.Int(-1)
}

// findBit returns the position of the first bit equal to want in bits
// [start, end] of b, or -1.
func findBit(b []byte, start, end int64, want bool) int64 {
	skip := byte(0) // a byte made of bits != want
	if !want {
		skip = 0xff
	}
	for i := start; i <= end; {
		byteIdx := i >> 3
		if i&7 == 0 && i+7 <= end {
			// Whole bytes: skip those with no wanted bit, a word at a
			// time when possible.
			for i+63 <= end && wordIs(b[byteIdx:], skip) {
				i += 64
				byteIdx += 8
			}
			if i+7 <= end && b[byteIdx] == skip {
				i += 8
				continue
			}
			if i > end { // the words skipped ended the range
				break
			}
		}
		if (b[byteIdx]&(0x80>>(i&7)) != 0) == want {
			return i
		}
		i++
	}
	return -1
}

// wordIs reports whether the eight bytes at the start of b all equal x.
func wordIs(b []byte, x byte) bool {
	return binary.LittleEndian.Uint64(b) == uint64(x)*0x0101010101010101
}

func bitopCommand(c *Client) {
	const (
		opAnd = iota
		opOr
		opXor
		opNot
	)
	var op int
	switch name := c.Argv[1]; {
	case optIs(name, "and"):
		op = opAnd
	case optIs(name, "or"):
		op = opOr
	case optIs(name, "xor"):
		op = opXor
	case optIs(name, "not"):
		op = opNot
	default:
		c.Error(ErrSyntax)
		return
	}
	if op == opNot && len(c.Argv) != 4 {
		c.Error("ERR BITOP NOT must be called with a single source key.")
		return
	}
	keys := c.Argv[3:]
	srcs := make([][]byte, len(keys))
	maxLen := 0
	for j, key := range keys {
		v := c.DB.LookupRead(key)
		if v == nil {
			continue
		}
		b, ok := StringBytes(v)
		if !ok {
			c.Error(ErrWrongType)
			return
		}
		srcs[j] = b
		maxLen = max(maxLen, len(b))
	}
	db, target := c.DB, c.Argv[2]
	if maxLen == 0 {
		if db.Delete(target) {
			c.srv.notifyKeyspaceEvent(NotifyGeneric, "del", target, db.ID)
			c.srv.Dirty++
		}
		c.Int(0)
		return
	}
	// A missing byte (short or missing source) counts as zero.
	res := newRawString(maxLen)
	copy(res, srcs[0])
	switch op {
	case opNot:
		for i := range res {
			res[i] = ^res[i]
		}
	case opAnd:
		for _, s := range srcs[1:] {
			for i := range res {
				if i < len(s) {
					res[i] &= s[i]
				} else {
					res[i] = 0
				}
			}
		}
	case opOr:
		for _, s := range srcs[1:] {
			for i, x := range s {
				res[i] |= x
			}
		}
	case opXor:
		for _, s := range srcs[1:] {
			for i, x := range s {
				res[i] ^= x
			}
		}
	}
	db.expireIfNeededForWrite(target)
	db.Set(target, res, false)
	c.srv.notifyKeyspaceEvent(NotifyString, "set", target, db.ID)
	c.srv.Dirty++
	c.Int(int64(maxLen))
}

// BITFIELD

type bitfieldOverflow uint8

const (
	overflowWrap bitfieldOverflow = iota
	overflowSat
	overflowFail
)

const (
	bfGet = iota
	bfSet
	bfIncrBy
)

type bitfieldOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	opcode   uint8
	overflow bitfieldOverflow
	bits     uint8
	signed   bool
}

func bitfieldCommand(c *Client) { bitfieldGeneric(c, false) }

func bitfieldROCommand(c *Client) { bitfieldGeneric(c, true) }

// bitfieldTypeArg parses i1..i64 or u1..u63 (lower case only); the digits
// stop at a NUL byte, as Redis reads them with strlen.
func bitfieldTypeArg(c *Client, arg []byte) (signed bool, nbits int, ok bool) {
	arg = cstr(arg)
	if len(arg) > 0 {
		switch arg[0] {
		case 'i':
			signed = true
		case 'u':
		default:
			arg = nil
		}
	}
	var n int64
	if len(arg) > 0 {
		n, ok = ParseInt(arg[1:])
	}
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		c.Error(errBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

// bitfieldGeneric parses every operation before running any, as Redis: an
// error in any of them leaves the string untouched.
func bitfieldGeneric(c *Client, readonly bool) {
	var ops []bitfieldOp
	overflow := overflowWrap
	writes := false
	var highest uint64 // highest bit written
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		remaining := len(argv) - j - 1
		var opcode uint8
		switch sub := argv[j]; {
		case optIs(sub, "get") && remaining >= 2:
			opcode = bfGet
		case optIs(sub, "set") && remaining >= 3:
			opcode = bfSet
		case optIs(sub, "incrby") && remaining >= 3:
			opcode = bfIncrBy
		case optIs(sub, "overflow") && remaining >= 1:
			j++
			switch kind := argv[j]; {
			case optIs(kind, "wrap"):
				overflow = overflowWrap
			case optIs(kind, "sat"):
				overflow = overflowSat
			case optIs(kind, "fail"):
				overflow = overflowFail
			default:
				c.Error("ERR Invalid OVERFLOW type specified")
				return
			}
			continue
		default:
			c.Error(ErrSyntax)
			return
		}
		signed, nbits, ok := bitfieldTypeArg(c, argv[j+1])
		if !ok {
			return
		}
		off, ok := bitOffsetArg(c, argv[j+2], true, nbits)
		if !ok {
			return
		}
		var value int64
		if opcode != bfGet {
			writes = true
			highest = max(highest, off+uint64(nbits)-1)
			if value, ok = c.IntArg(j + 3); !ok {
				return
			}
			j++
		}
		ops = append(ops, bitfieldOp{offset: off, value: value, opcode: opcode,
			overflow: overflow, bits: uint8(nbits), signed: signed})
		j += 2
	}

	var b []byte
	var tmp [20]byte
	var ok, grown bool
	switch {
	case writes && readonly:
		c.Error("ERR BITFIELD_RO only supports the GET subcommand")
		return
	case writes:
		b, grown, ok = lookupStringForBits(c, highest)
	default:
		b, _, ok = readString(c, c.Argv[1], &tmp)
	}
	if !ok {
		return
	}

	c.ArrayLen(len(ops))
	changes := 0
	for i := range ops {
		op := &ops[i]
		if op.opcode == bfGet {
			if op.signed {
				c.Int(getSignedBitfield(b, op.offset, op.bits))
			} else {
				c.Int(int64(getUnsignedBitfield(b, op.offset, op.bits)))
			}
			continue
		}
		if op.signed {
			old := getSignedBitfield(b, op.offset, op.bits)
			var newVal, ret int64
			var over bool
			if op.opcode == bfIncrBy {
				var wrapped int64
				over, wrapped = signedBitfieldOverflow(old, op.value, op.bits, op.overflow)
				newVal = old + op.value
				if over {
					newVal = wrapped
				}
				ret = newVal
			} else {
				newVal = op.value
				var wrapped int64
				if over, wrapped = signedBitfieldOverflow(newVal, 0, op.bits, op.overflow); over {
					newVal = wrapped
				}
				ret = old
			}
			if over && op.overflow == overflowFail {
				c.Null()
				continue
			}
			c.Int(ret)
			setBitfield(b, op.offset, op.bits, uint64(newVal))
			if grown || old != newVal { // only a change is a write, as SETBIT
				changes++
			}
		} else {
			old := getUnsignedBitfield(b, op.offset, op.bits)
			var newVal, ret uint64
			var over bool
			if op.opcode == bfIncrBy {
				var wrapped uint64
				over, wrapped = unsignedBitfieldOverflow(old, op.value, op.bits, op.overflow)
				newVal = old + uint64(op.value)
				if over {
					newVal = wrapped
				}
				ret = newVal
			} else {
				newVal = uint64(op.value)
				var wrapped uint64
				if over, wrapped = unsignedBitfieldOverflow(newVal, 0, op.bits, op.overflow); over {
					newVal = wrapped
				}
				ret = old
			}
			if over && op.overflow == overflowFail {
				c.Null()
				continue
			}
			c.Int(int64(ret))
			setBitfield(b, op.offset, op.bits, newVal)
			if grown || old != newVal {
				changes++
			}
		}
	}
	if changes > 0 {
		c.srv.signalModifiedKey(c.DB, c.Argv[1])
		c.srv.notifyKeyspaceEvent(NotifyString, "setbit", c.Argv[1], c.DB.ID)
		c.srv.Dirty += int64(changes)
	}
}

// getUnsignedBitfield reads nbits bits at offset, most significant first;
// bits past the end of b read as zero.
func getUnsignedBitfield(b []byte, offset uint64, nbits uint8) uint64 {
	var v uint64
	for j := uint8(0); j < nbits; j++ {
		bit := uint64(0)
		if byteIdx := offset >> 3; byteIdx < uint64(len(b)) {
			bit = uint64(b[byteIdx]>>(7-offset&7)) & 1
		}
		v = v<<1 | bit
		offset++
	}
	return v
}

func getSignedBitfield(b []byte, offset uint64, nbits uint8) int64 {
	v := getUnsignedBitfield(b, offset, nbits)
	if nbits < 64 && v&(1<<(nbits-1)) != 0 {
		v |= math.MaxUint64 << nbits
	}
	return int64(v)
}

// setBitfield writes the low nbits bits of v at offset; b is long enough.
func setBitfield(b []byte, offset uint64, nbits uint8, v uint64) {
	for j := uint8(0); j < nbits; j++ {
		mask := byte(1) << (7 - offset&7)
		if v&(1<<(nbits-1-j)) != 0 {
			b[offset>>3] |= mask
		} else {
			b[offset>>3] &^= mask
		}
		offset++
	}
}

// unsignedBitfieldOverflow reports whether value+incr overflows an
// unsigned field of nbits bits, and the value to store then under the WRAP
// or SAT policy (Redis's checkUnsignedBitfieldOverflow).
func unsignedBitfieldOverflow(value uint64, incr int64, nbits uint8, policy bitfieldOverflow) (bool, uint64) {
	maxVal := uint64(1)<<nbits - 1
	maxIncr := int64(maxVal - value)
	minIncr := -int64(value)
	wrap := func() (bool, uint64) { return true, (value + uint64(incr)) & maxVal }
	switch {
	case value > maxVal || incr > 0 && incr > maxIncr:
		if policy == overflowWrap {
			return wrap()
		}
		return true, maxVal
	case incr < 0 && incr < minIncr:
		if policy == overflowWrap {
			return wrap()
		}
		return true, 0
	}
	return false, 0
}

// signedBitfieldOverflow is unsignedBitfieldOverflow for a signed field
// (Redis's checkSignedBitfieldOverflow).
func signedBitfieldOverflow(value, incr int64, nbits uint8, policy bitfieldOverflow) (bool, int64) {
	maxVal := int64(math.MaxInt64)
	if nbits < 64 {
		maxVal = 1<<(nbits-1) - 1
	}
	minVal := -maxVal - 1
	// These may overflow, but are only used once value is in range.
	maxIncr := int64(uint64(maxVal) - uint64(value))
	minIncr := minVal - value
	wrap := func() (bool, int64) {
		v := uint64(value) + uint64(incr)
		if nbits < 64 {
			mask := uint64(math.MaxUint64) << nbits
			if v&(1<<(nbits-1)) != 0 {
				v |= mask
			} else {
				v &^= mask
			}
		}
		return true, int64(v)
	}
	switch {
	case value > maxVal || nbits != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr:
		if policy == overflowWrap {
			return wrap()
		}
		return true, maxVal
	case value < minVal || nbits != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr:
		if policy == overflowWrap {
			return wrap()
		}
		return true, minVal
	}
	return false, 0
}
