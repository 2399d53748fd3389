// Package intset is Redis's intset (src/intset.c), byte for byte: the
// encoding of small sets of integers. The RDB writer dumps these bytes
// unchanged as SET_INTSET, so the layout must match intset.c exactly:
//
//	<encoding: uint32 LE> <length: uint32 LE> <length values, LE, ascending>
//
// The encoding is the width of every value: 2, 4 or 8 bytes. Adding a value
// that does not fit upgrades the whole set to the smallest width that holds
// it; removing never downgrades, as in Redis.
//
// An Intset has no locking and no copy on write of its own: its owner
// clones it before changing one a snapshot may be reading.
package intset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
)

const (
	intsetEnc16   = 2
	intsetEnc32   = 4
	intsetEnc64   = 8
	intsetHdrSize = 8
)

// Intset is Redis's intset: a sorted array of distinct integers, all stored
// with the same width.
type Intset struct {
	b []byte
}

var errIntsetCorrupt = errors.New("intset integrity check failed")

// New returns an empty intset of 16-bit encoding.
func New() *Intset {
	return &Intset{b: []byte{intsetEnc16, 0, 0, 0, 0, 0, 0, 0}}
}

// FromBytes takes ownership of b and checks it as Redis's
// intsetValidateIntegrity with deep checking: a known encoding, a length
// that matches the size, values strictly ascending. It never panics.
//
// An empty intset is valid here; Redis's RDB loader rejects empty ones
// ("Bad data format" from RESTORE), so the loader must check Len itself.
func FromBytes(b []byte) (*Intset, error) {
	if len(b) < intsetHdrSize {
		return nil, errIntsetCorrupt
	}
	enc := binary.LittleEndian.Uint32(b)
	if enc != intsetEnc16 && enc != intsetEnc32 && enc != intsetEnc64 {
		return nil, errIntsetCorrupt
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if intsetHdrSize+n*uint64(enc) != uint64(len(b)) {
		return nil, errIntsetCorrupt
	}
	is := &Intset{b: b}
	for i := 1; i < int(n); i++ {
		if is.Get(i) <= is.Get(i-1) {
			return nil, errIntsetCorrupt
		}
	}
	return is, nil
}

// intsetValueEncoding is the smallest encoding that holds v.
func intsetValueEncoding(v int64) int {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return intsetEnc64
	case v < math.MinInt16 || v > math.MaxInt16:
		return intsetEnc32
	}
	return intsetEnc16
}

// Bytes returns the raw intset, for RDB and DUMP. It is borrowed: valid
// until the next change, and not to be modified.
func (is *Intset) Bytes() []byte { return is.b }

// Len returns the number of values.
func (is *Intset) Len() int { return int(binary.LittleEndian.Uint32(is.b[4:])) }

// Size returns the size in bytes.
func (is *Intset) Size() int { return len(is.b) }

// Clone returns a deep copy.
func (is *Intset) Clone() *Intset { return &Intset{b: bytes.Clone(is.b)} }

func (is *Intset) enc() int { return int(binary.LittleEndian.Uint32(is.b)) }

// Get returns the i-th smallest value.
func (is *Intset) Get(i int) int64 { return intsetGet(is.b, is.enc(), i) }

func intsetGet(b []byte, enc, i int) int64 {
	off := intsetHdrSize + i*enc
	switch enc {
	case intsetEnc16:
		return int64(int16(binary.LittleEndian.Uint16(b[off:])))
	case intsetEnc32:
		return int64(int32(binary.LittleEndian.Uint32(b[off:])))
	}
	return int64(binary.LittleEndian.Uint64(b[off:]))
}

func intsetSet(b []byte, enc, i int, v int64) {
	off := intsetHdrSize + i*enc
	switch enc {
	case intsetEnc16:
		binary.LittleEndian.PutUint16(b[off:], uint16(v))
	case intsetEnc32:
		binary.LittleEndian.PutUint32(b[off:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(b[off:], uint64(v))
	}
}

// Random returns a uniformly chosen value; the set must not be empty.
func (is *Intset) Random() int64 { return is.Get(rand.IntN(is.Len())) }

// search returns the index of v, or where it would be inserted.
func (is *Intset) search(v int64) (int, bool) {
	enc := is.enc()
	lo, hi := 0, is.Len()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch x := intsetGet(is.b, enc, mid); {
		case x < v:
			lo = mid + 1
		case x > v:
			hi = mid
		default:
			return mid, true
		}
	}
	return lo, false
}

// Contains reports whether v is in the set.
func (is *Intset) Contains(v int64) bool {
	if intsetValueEncoding(v) > is.enc() {
		return false
	}
	_, ok := is.search(v)
	return ok
}

// Add inserts v and reports whether it was not already there.
func (is *Intset) Add(v int64) bool {
	if intsetValueEncoding(v) > is.enc() {
		is.upgradeAndAdd(v)
		return true
	}
	i, ok := is.search(v)
	if ok {
		return false
	}
	enc, n := is.enc(), is.Len()
	is.b = append(is.b, make([]byte, enc)...)
	off := intsetHdrSize + i*enc
	copy(is.b[off+enc:], is.b[off:intsetHdrSize+n*enc])
	intsetSet(is.b, enc, i, v)
	is.setLen(n + 1)
	return true
}

// upgradeAndAdd widens every value to v's encoding and adds v, which being
// out of the old range is either the new minimum or the new maximum.
func (is *Intset) upgradeAndAdd(v int64) {
	oldEnc, enc, n := is.enc(), intsetValueEncoding(v), is.Len()
	b := make([]byte, intsetHdrSize+(n+1)*enc)
	binary.LittleEndian.PutUint32(b, uint32(enc))
	shift := 0
	if v < 0 {
		shift = 1
	}
	for i := range n {
		intsetSet(b, enc, i+shift, intsetGet(is.b, oldEnc, i))
	}
	if v < 0 {
		intsetSet(b, enc, 0, v)
	} else {
		intsetSet(b, enc, n, v)
	}
	is.b = b
	is.setLen(n + 1)
}

// Remove deletes v and reports whether it was there.
func (is *Intset) Remove(v int64) bool {
	if intsetValueEncoding(v) > is.enc() {
		return false
	}
	i, ok := is.search(v)
	if !ok {
		return false
	}
	enc, n := is.enc(), is.Len()
	off := intsetHdrSize + i*enc
	copy(is.b[off:], is.b[off+enc:])
	is.b = is.b[:len(is.b)-enc]
	is.setLen(n - 1)
	return true
}

func (is *Intset) setLen(n int) { binary.LittleEndian.PutUint32(is.b[4:], uint32(n)) }
