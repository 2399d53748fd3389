// Package listpack is Redis 7.0's listpack (src/listpack.c), byte for
// byte: the compact encoding of small hashes and sorted sets, and the
// nodes of lists (see internal/quicklist). The RDB writer dumps these bytes
// unchanged and real Redis loads them, so the layout below must never
// drift from listpack.c.
//
// Layout:
//
//	<total bytes: uint32 LE> <count: uint16 LE> <entry> ... <0xFF>
//
// The count is 65535 when unknown (65535 entries or more); a Listpack
// keeps the real count beside the bytes. Each entry is <encoding+data>
// <backlen>, where backlen is the length of <encoding+data> in 1 to 5
// bytes, 7 bits per byte, read right to left (high bit set on every byte
// but the leftmost one), so that the list can be walked backwards.
// Encodings, by the first byte:
//
//	0xxxxxxx                      7-bit unsigned integer
//	10xxxxxx                      string, 6-bit length
//	110xxxxx yyyyyyyy             13-bit signed integer
//	1110xxxx yyyyyyyy             string, 12-bit length
//	11110000 + 4 bytes LE         string, 32-bit length
//	0xF1 / 0xF2 / 0xF3 / 0xF4     16 / 24 / 32 / 64-bit signed integer, LE
//	0xFF                          end of listpack
//
// A string that is the canonical decimal form of an int64 (Redis's
// string2ll, num.ParseInt) is stored as an integer in the smallest
// encoding that fits. Given that rule the bytes are a function of the
// element sequence alone, which the tests exploit.
//
// A Listpack has no locking and no copy on write of its own: its owner
// clones it before changing one a snapshot may be reading.
package listpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/num"
)

const (
	lpHdrSize          = 6
	lpEOF              = 0xFF
	lpHdrNumeleUnknown = math.MaxUint16
	lpEmptySize        = lpHdrSize + 1
)

// MaxSafetySize is LISTPACK_MAX_SAFETY_SIZE: the encodings that use a
// listpack convert before it grows past 1 GB.
const MaxSafetySize = 1 << 30

// Listpack is Redis's listpack, a compact byte-encoded sequence of strings
// and integers.
//
// Positions are byte offsets of entries in Bytes(); -1 means none. A
// position stays valid until the listpack changes; the methods that change
// it return the position to continue from. A value passed in must not
// alias the listpack's own bytes (a slice from Get): copy it first.
type Listpack struct {
	b []byte
	n int // number of entries; the header only says 65535 past that
}

var errListpackCorrupt = errors.New("listpack integrity check failed")

// New returns an empty listpack.
func New() *Listpack {
	return &Listpack{b: []byte{lpEmptySize, 0, 0, 0, 0, 0, lpEOF}}
}

// FromBytes takes ownership of b and checks it as deeply as Redis's
// lpValidateIntegrity with deep checking: the header's byte count, every
// entry's encoding and bounds, every backlen, the terminator and the element
// count (unless 65535, "unknown"). It never panics on bad input.
//
// An empty listpack is valid here; Redis's RDB loader rejects empty ones
// ("Bad data format" from RESTORE), so the loader must check Len itself, as
// well as any per-type rule (an even count for hashes, no duplicates).
func FromBytes(b []byte) (*Listpack, error) {
	if len(b) < lpEmptySize || uint64(len(b)) > math.MaxUint32 {
		return nil, errListpackCorrupt
	}
	if int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != lpEOF {
		return nil, errListpackCorrupt
	}
	eof := len(b) - 1
	count := 0
	p := lpHdrSize
	for b[p] != lpEOF {
		next, ok := lpValidateEntry(b, p, eof)
		if !ok {
			return nil, errListpackCorrupt
		}
		p = next
		count++
	}
	if p != eof {
		return nil, errListpackCorrupt
	}
	if hdr := int(binary.LittleEndian.Uint16(b[4:])); hdr != lpHdrNumeleUnknown && hdr != count {
		return nil, errListpackCorrupt
	}
	return &Listpack{b: b, n: count}, nil
}

// lpValidateEntry checks the entry at p, which must end at or before eof,
// and returns the position after it. As lpValidateNext, plus one check
// Redis lacks: the backlen must end where its size says (its leftmost byte
// has no continuation bit). Otherwise a backlen could borrow bytes of the
// entry before it and turn invalid once that entry changes; Redis never
// writes such a backlen.
func lpValidateEntry(b []byte, p, eof int) (int, bool) {
	hdr := lpEncodingHeaderSize(b[p])
	if hdr == 0 || p+hdr > eof {
		return 0, false
	}
	size := lpEncodedSize(b, p)
	bl := lpBacklenSize(size)
	if size > eof-p || bl > eof-p-size {
		return 0, false
	}
	next := p + size + bl
	if lpDecodeBacklen(b, next-1) != uint64(size) || b[next-bl]&128 != 0 {
		return 0, false
	}
	return next, true
}

// lpEncodingHeaderSize is the number of bytes needed to know an entry's
// size: the encoding byte plus any length bytes. 0 for an invalid encoding
// (0xF5..0xFE) and for EOF.
func lpEncodingHeaderSize(c byte) int {
	switch {
	case c&0x80 == 0, c&0xC0 == 0x80:
		return 1
	case c&0xE0 == 0xC0, c&0xF0 == 0xE0:
		return 2
	case c == 0xF0:
		return 5
	case c >= 0xF1 && c <= 0xF4:
		return 1
	}
	return 0
}

// lpEncodedSize is the size of the entry's encoding and data, without the
// backlen. The entry's header must be readable (see lpEncodingHeaderSize).
func lpEncodedSize(b []byte, p int) int {
	c := b[p]
	switch {
	case c&0x80 == 0:
		return 1
	case c&0xC0 == 0x80:
		return 1 + int(c&0x3F)
	case c&0xE0 == 0xC0:
		return 2
	case c&0xF0 == 0xE0:
		return 2 + (int(c&0x0F)<<8 | int(b[p+1]))
	}
	switch c {
	case 0xF0:
		return 5 + int(binary.LittleEndian.Uint32(b[p+1:]))
	case 0xF1:
		return 3
	case 0xF2:
		return 4
	case 0xF3:
		return 5
	case 0xF4:
		return 9
	}
	return 1 // EOF
}

// lpBacklenSize is how many bytes lpEncodeBacklen uses for l. The
// boundaries are listpack.c's, including its "< 16383" (not "<= 16383")
// style, which real Redis 7.0 produces: an entry of 16383 bytes gets a
// 3-byte backlen.
func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpEncodeBacklen writes the backlen of l into dst, which must hold
// lpBacklenSize(l) bytes. The leftmost byte has no continuation bit.
func lpEncodeBacklen(dst []byte, l int) {
	n := lpBacklenSize(l)
	v := uint64(l)
	for i := n - 1; i >= 0; i-- {
		dst[i] = byte(v&127) | 128
		v >>= 7
	}
	dst[0] &= 127
}

// lpDecodeBacklen reads the backlen whose last (rightmost) byte is at i.
// It returns MaxUint64 if the encoding runs past 5 bytes or the buffer.
func lpDecodeBacklen(b []byte, i int) uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		if shift > 28 || i < 0 {
			return math.MaxUint64
		}
		v |= uint64(b[i]&127) << shift
		if b[i]&128 == 0 {
			return v
		}
		i--
	}
}

// lpIntSize is the encoded size of an integer entry, without backlen.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= -1<<23 && v <= 1<<23-1:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

// lpStrSize is the encoded size of a string entry, without backlen.
func lpStrSize(l int) int {
	switch {
	case l < 64:
		return 1 + l
	case l < 4096:
		return 2 + l
	}
	return 5 + l
}

// lpValue is an element about to be written: an integer or a string.
type lpValue struct {
	s     []byte
	n     int64
	isInt bool
	size  int // encoding and data, without backlen
}

// lpStringValue decides how v is encoded, as lpEncodeGetType: as an
// integer when num.ParseInt, which is listpack.c's lpStringToInt64 (a copy
// of string2ll), accepts it.
func lpStringValue(v []byte) lpValue {
	if n, ok := num.ParseInt(v); ok {
		return lpIntValue(n)
	}
	return lpValue{s: v, size: lpStrSize(len(v))}
}

func lpIntValue(n int64) lpValue {
	return lpValue{n: n, isInt: true, size: lpIntSize(n)}
}

// total is the entry's full size, backlen included.
func (v *lpValue) total() int { return v.size + lpBacklenSize(v.size) }

// write encodes the entry, backlen included, at the start of dst.
func (v *lpValue) write(dst []byte) {
	if v.isInt {
		lpWriteInt(dst, v.n, v.size)
	} else {
		l := len(v.s)
		switch v.size - l {
		case 1:
			dst[0] = 0x80 | byte(l)
		case 2:
			dst[0] = 0xE0 | byte(l>>8)
			dst[1] = byte(l)
		default:
			dst[0] = 0xF0
			binary.LittleEndian.PutUint32(dst[1:], uint32(l))
		}
		copy(dst[v.size-l:], v.s)
	}
	lpEncodeBacklen(dst[v.size:], v.size)
}

// lpWriteInt writes n in the encoding of the given size (lpIntSize).
func lpWriteInt(dst []byte, n int64, size int) {
	u := uint64(n)
	switch size {
	case 1:
		dst[0] = byte(u)
	case 2:
		u &= 1<<13 - 1
		dst[0] = 0xC0 | byte(u>>8)
		dst[1] = byte(u)
	case 3:
		dst[0] = 0xF1
		binary.LittleEndian.PutUint16(dst[1:], uint16(u))
	case 4:
		dst[0] = 0xF2
		dst[1], dst[2], dst[3] = byte(u), byte(u>>8), byte(u>>16)
	case 5:
		dst[0] = 0xF3
		binary.LittleEndian.PutUint32(dst[1:], uint32(u))
	default:
		dst[0] = 0xF4
		binary.LittleEndian.PutUint64(dst[1:], u)
	}
}

// Bytes returns the raw listpack, for RDB and DUMP. It is borrowed: valid
// until the next change, and not to be modified.
func (lp *Listpack) Bytes() []byte { return lp.b }

// Len returns the number of entries.
func (lp *Listpack) Len() int { return lp.n }

// Size returns the size in bytes.
func (lp *Listpack) Size() int { return len(lp.b) }

// Clone returns a deep copy.
func (lp *Listpack) Clone() *Listpack {
	return &Listpack{b: bytes.Clone(lp.b), n: lp.n}
}

// First returns the position of the first entry.
func (lp *Listpack) First() int {
	if lp.b[lpHdrSize] == lpEOF {
		return -1
	}
	return lpHdrSize
}

// Last returns the position of the last entry.
func (lp *Listpack) Last() int { return lp.prev(len(lp.b) - 1) }

// Next returns the position of the entry after p.
func (lp *Listpack) Next(p int) int {
	q := lp.skip(p)
	if lp.b[q] == lpEOF {
		return -1
	}
	return q
}

// Prev returns the position of the entry before p.
func (lp *Listpack) Prev(p int) int { return lp.prev(p) }

// prev works for any entry and for the terminator. As lpPrev, the size of
// the backlen is derived from its value, not from the bytes read.
func (lp *Listpack) prev(p int) int {
	if p <= lpHdrSize {
		return -1
	}
	l := int(lpDecodeBacklen(lp.b, p-1))
	return p - lpBacklenSize(l) - l
}

// skip returns the position right after the entry at p.
func (lp *Listpack) skip(p int) int {
	size := lpEncodedSize(lp.b, p)
	return p + size + lpBacklenSize(size)
}

// Seek returns the position of the index-th entry; a negative index counts
// from the end (-1 is the last). It walks from whichever end is nearer.
func (lp *Listpack) Seek(index int) int {
	if index < 0 {
		index += lp.n
	}
	if index < 0 || index >= lp.n {
		return -1
	}
	if index <= lp.n/2 {
		p := lpHdrSize
		for ; index > 0; index-- {
			p = lp.skip(p)
		}
		return p
	}
	p := lp.prev(len(lp.b) - 1)
	for i := lp.n - 1; i > index; i-- {
		p = lp.prev(p)
	}
	return p
}

// Get returns the entry at p: a string s (isInt false) or an integer n.
// s is borrowed from the listpack, valid until the next change.
func (lp *Listpack) Get(p int) (s []byte, n int64, isInt bool) {
	s, n, isInt, _ = lp.get(p)
	return s, n, isInt
}

// get is Get that also returns the encoded size without backlen.
func (lp *Listpack) get(p int) (s []byte, n int64, isInt bool, size int) {
	b := lp.b
	c := b[p]
	switch {
	case c&0x80 == 0:
		return nil, int64(c), true, 1
	case c&0xC0 == 0x80:
		l := int(c & 0x3F)
		return b[p+1 : p+1+l : p+1+l], 0, false, 1 + l
	case c&0xE0 == 0xC0:
		u := uint16(c&0x1F)<<8 | uint16(b[p+1])
		return nil, int64(int16(u<<3) >> 3), true, 2
	case c&0xF0 == 0xE0:
		l := int(c&0x0F)<<8 | int(b[p+1])
		return b[p+2 : p+2+l : p+2+l], 0, false, 2 + l
	}
	switch c {
	case 0xF0:
		l := int(binary.LittleEndian.Uint32(b[p+1:]))
		return b[p+5 : p+5+l : p+5+l], 0, false, 5 + l
	case 0xF1:
		return nil, int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), true, 3
	case 0xF2:
		u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
		return nil, int64(int32(u<<8) >> 8), true, 4
	case 0xF3:
		return nil, int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), true, 5
	case 0xF4:
		return nil, int64(binary.LittleEndian.Uint64(b[p+1:])), true, 9
	}
	panic("listpack: no entry at position " + strconv.Itoa(p))
}

// GetBytes returns the entry at p as a newly allocated byte slice, integers
// formatted in decimal. Use Get to avoid the allocation.
func (lp *Listpack) GetBytes(p int) []byte {
	s, n, isInt := lp.Get(p)
	if isInt {
		return strconv.AppendInt(nil, n, 10)
	}
	return bytes.Clone(s)
}

// GetNext is Get that also returns the position of the next entry, -1
// after the last: one step of a forward walk.
func (lp *Listpack) GetNext(p int) (s []byte, n int64, isInt bool, next int) {
	s, n, isInt, size := lp.get(p)
	next = p + size + lpBacklenSize(size)
	if lp.b[next] == lpEOF {
		next = -1
	}
	return s, n, isInt, next
}

// Walk calls fn for the entries from position p towards the end, until it
// has called it n times or reached the end, and returns how many it
// visited: a tight walk over the bytes, for LRANGE. s is borrowed.
func (lp *Listpack) Walk(p, n int, fn func(s []byte, v int64, isInt bool)) int {
	done := 0
	for ; done < n && lp.b[p] != lpEOF; done++ {
		s, v, isInt, size := lp.get(p)
		fn(s, v, isInt)
		p += size + lpBacklenSize(size)
	}
	return done
}

// Append adds v at the end.
func (lp *Listpack) Append(v []byte) {
	e := lpStringValue(v)
	lp.insert(len(lp.b)-1, &e)
}

// AppendInt adds the integer n at the end: the entry Append of its
// decimal form would add, without formatting and parsing it.
func (lp *Listpack) AppendInt(n int64) {
	e := lpIntValue(n)
	lp.insert(len(lp.b)-1, &e)
}

// ShrinkToFit gives back the spare capacity, as lpShrinkToFit: for a
// listpack that is done growing.
func (lp *Listpack) ShrinkToFit() {
	if cap(lp.b) > len(lp.b) {
		lp.b = bytes.Clone(lp.b)
	}
}

// Compact moves the listpack into dst, which has exactly its size (from
// make or carved out of a larger block, capacity included), as
// ShrinkToFit, and hands its old buffer back for reuse by NewIn: a node
// listpack that is full keeps only what it holds, and the next one fills
// the same buffer instead of a new one. Nothing may still refer to the old
// bytes (a snapshot sharing the listpack, a slice from Get).
func (lp *Listpack) Compact(dst []byte) (old []byte) {
	if len(dst) != len(lp.b) || cap(dst) != len(dst) {
		panic("listpack: Compact into a buffer of another size")
	}
	old = lp.b
	copy(dst, old)
	lp.b = dst
	return old[:0]
}

// NewIn returns an empty listpack written into buf's storage (from
// Compact), or a new one with room for capacity bytes when buf is smaller.
func NewIn(buf []byte, capacity int) *Listpack {
	if cap(buf) < max(capacity, lpEmptySize) {
		buf = make([]byte, 0, max(capacity, lpEmptySize))
	}
	return &Listpack{b: append(buf[:0], lpEmptySize, 0, 0, 0, 0, 0, lpEOF)}
}

// Prepend adds v at the start.
func (lp *Listpack) Prepend(v []byte) {
	e := lpStringValue(v)
	lp.insert(lpHdrSize, &e)
}

// Insert adds v before or after the entry at p.
func (lp *Listpack) Insert(p int, v []byte, before bool) {
	if !before {
		p = lp.skip(p)
	}
	e := lpStringValue(v)
	lp.insert(p, &e)
}

// Replace overwrites the entry at p with v and returns the position of the
// new entry (p itself).
func (lp *Listpack) Replace(p int, v []byte) int {
	e := lpStringValue(v)
	oldTotal := lp.skip(p) - p
	newTotal := e.total()
	lp.resizeAt(p+oldTotal, newTotal-oldTotal)
	e.write(lp.b[p:])
	lp.writeHeader()
	return p
}

// ReplaceInt is Replace with the integer n.
func (lp *Listpack) ReplaceInt(p int, n int64) int {
	e := lpIntValue(n)
	oldTotal := lp.skip(p) - p
	lp.resizeAt(p+oldTotal, e.total()-oldTotal)
	e.write(lp.b[p:])
	lp.writeHeader()
	return p
}

// Delete removes the entry at p and returns the position of the entry that
// followed it, or -1 if it was the last.
func (lp *Listpack) Delete(p int) int {
	lp.resizeAt(lp.skip(p), p-lp.skip(p))
	lp.n--
	lp.writeHeader()
	if lp.b[p] == lpEOF {
		return -1
	}
	return p
}

// DeleteRange removes count entries starting at index (negative counts from
// the end), as lpDeleteRange: nothing if index is out of range, and no more
// than there are.
func (lp *Listpack) DeleteRange(index, count int) {
	p := lp.Seek(index)
	if p < 0 || count <= 0 {
		return
	}
	lp.DeleteRangeAt(p, count)
}

// DeleteRangeAt removes count entries from position p on, no more than
// there are, as lpDeleteRangeWithEntry, and returns the position of the
// entry that followed them, or -1.
func (lp *Listpack) DeleteRangeAt(p, count int) int {
	q, deleted := p, 0
	for ; deleted < count && lp.b[q] != lpEOF; deleted++ {
		q = lp.skip(q)
	}
	lp.resizeAt(q, p-q)
	lp.n -= deleted
	lp.writeHeader()
	if lp.b[p] == lpEOF {
		return -1
	}
	return p
}

// Merge appends the entries of other to lp's, as lpMerge: one header over
// both. other is left as it is.
func (lp *Listpack) Merge(other *Listpack) {
	lp.b = append(lp.b[:len(lp.b)-1], other.b[lpHdrSize:]...)
	lp.n += other.n
	lp.writeHeader()
}

// Find returns the position of the first entry equal to v, starting at p
// and comparing one entry in every skip+1 (skip=1 visits only the fields of
// a field/value listpack), or -1. As lpFind: string entries compare bytes,
// integer entries compare with v's integer value if v is canonical.
func (lp *Listpack) Find(p int, v []byte, skip int) int {
	if p < 0 {
		return -1
	}
	var vn int64
	vState := 0 // 0: not parsed yet, 1: v is an integer vn, 2: it is not
	for skipped := 0; lp.b[p] != lpEOF; {
		if skipped > 0 {
			skipped--
			p = lp.skip(p)
			continue
		}
		s, n, isInt, size := lp.get(p)
		if !isInt {
			if bytes.Equal(s, v) {
				return p
			}
		} else {
			if vState == 0 {
				vState = 2
				if len(v) < 32 {
					if x, ok := num.ParseInt(v); ok {
						vn, vState = x, 1
					}
				}
			}
			if vState == 1 && n == vn {
				return p
			}
		}
		skipped = skip
		p += size + lpBacklenSize(size)
	}
	return -1
}

// Equal reports whether the entry at p equals v, as lpCompare: an integer
// entry equals exactly its canonical decimal form.
func (lp *Listpack) Equal(p int, v []byte) bool {
	s, n, isInt := lp.Get(p)
	if !isInt {
		return bytes.Equal(s, v)
	}
	x, ok := num.ParseInt(v)
	return ok && x == n
}

// insert writes e at byte offset at, shifting what follows.
func (lp *Listpack) insert(at int, e *lpValue) {
	total := e.total()
	lp.resizeAt(at, total)
	e.write(lp.b[at:])
	lp.n++
	lp.writeHeader()
}

// resizeAt opens (delta > 0) or closes (delta < 0) a gap at byte offset at,
// moving the bytes from at onwards. Closing removes the delta bytes before
// at. Growth is amortized by append; a buffer left mostly empty is given
// back so that a drained listpack does not pin its peak size.
func (lp *Listpack) resizeAt(at, delta int) {
	old := len(lp.b)
	switch {
	case delta > 0:
		if uint64(old+delta) > math.MaxUint32 {
			panic("listpack: larger than 4GB")
		}
		if old+delta <= cap(lp.b) {
			// No need to clear the new bytes: the move and the caller's
			// write cover them.
			lp.b = lp.b[:old+delta]
		} else {
			lp.b = append(lp.b, make([]byte, delta)...)
		}
		copy(lp.b[at+delta:], lp.b[at:old])
	case delta < 0:
		copy(lp.b[at+delta:], lp.b[at:old])
		lp.b = lp.b[:old+delta]
		if cap(lp.b) > 256 && cap(lp.b) > 4*len(lp.b) {
			lp.b = bytes.Clone(lp.b)
		}
	}
}

// writeHeader stores the total size and count, 65535 for "unknown" once the
// count no longer fits.
func (lp *Listpack) writeHeader() {
	binary.LittleEndian.PutUint32(lp.b, uint32(len(lp.b)))
	binary.LittleEndian.PutUint16(lp.b[4:], uint16(min(lp.n, lpHdrNumeleUnknown)))
}
