// Package lzf is liblzf 3.6 as Redis 7.0 builds it (src/lzf_c.c, lzf_d.c
// with HLOG 16 and VERY_FAST): the compression of long strings in RDB files
// and of quicklist nodes (list-compress-depth). Compress is a port, not a
// reimplementation: a list node compressed here must be the same bytes as
// in Redis, because DUMP and the RDB write the compressed bytes as they are.
//
// A compressed stream is a sequence of:
//
//	000LLLLL <L+1 literal bytes>
//	LLLooooo oooooooo            back reference, length L+2 (L < 7)
//	111ooooo LLLLLLLL oooooooo   back reference, length L+9
//
// where the offset o+1 counts back from the current output position.
//
// Redis leaves its hash table uninitialized (INIT_HTAB 0), so stale slots
// from an earlier call may in principle yield other (valid) back references;
// this port starts every call from an empty table, which is what Redis does
// whenever the stale slots point outside the input.
package lzf

import (
	"errors"
)

const (
	hashLog  = 16
	hashSize = 1 << hashLog
	maxLit   = 1 << 5
	maxOff   = 1 << 13
	maxRef   = (1 << 8) + (1 << 3)
)

// ErrCorrupt is Decompress's error for data that does not expand to the
// expected length.
var ErrCorrupt = errors.New("invalid LZF data")

// table is the hash table of positions. Slots hold gen<<32 | position, so
// that a table is reused without clearing it: a slot of an older generation
// is empty.
type table struct {
	gen   uint64
	slots [hashSize]uint64
}

// tables keeps a few tables for reuse: one is 512 KB, too much to
// allocate per call. A channel rather than a sync.Pool, which the race
// detector's builds drop items from at random (a save under -race then
// allocated a table per string).
var tables = make(chan *table, 4)

func getTable() *table {
	select {
	case t := <-tables:
		return t
	default:
		return new(table)
	}
}

func putTable(t *table) {
	select {
	case tables <- t:
	default:
	}
}

func idx(h uint32) uint32 { return ((h >> (3*8 - hashLog)) - h*5) & (hashSize - 1) }

// Compress compresses in into at most outLen bytes, as lzf_compress(in,
// len(in), out, outLen): nil when the result does not fit (or in is
// empty).
func Compress(in []byte, outLen int) []byte {
	if len(in) == 0 || outLen <= 0 {
		return nil
	}
	t := getTable()
	defer putTable(t)
	t.gen++
	if t.gen == 1<<32 {
		t.gen = 1
		clear(t.slots[:])
	}
	gen := t.gen << 32
	out := make([]byte, outLen+4)
	ip, op := 0, 0
	inEnd, outEnd := len(in), outLen
	lit := 0
	op++ // start run
	var hval uint32
	if inEnd >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inEnd-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := &t.slots[idx(hval)]
		ref := -1
		if *slot&^(1<<32-1) == gen {
			ref = int(*slot & (1<<32 - 1))
		}
		*slot = gen | uint64(ip)
		if ref > 0 && ip-ref-1 < maxOff && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			off := ip - ref - 1
			l := 2
			maxlen := min(inEnd-ip-l, maxRef)
			if op+3+1 >= outEnd && op-b2i(lit == 0)+3+1 >= outEnd {
				return nil
			}
			out[op-lit-1] = byte(lit - 1) // stop run
			op -= b2i(lit == 0)           // undo run if length is zero
			l = matchLen(in, ref, ip, l, maxlen)
			l -= 2 // octets - 1
			ip++
			if l < 7 {
				out[op] = byte(off>>8 + l<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += l + 1
			if ip >= inEnd-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			t.slots[idx(hval)] = gen | uint64(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			t.slots[idx(hval)] = gen | uint64(ip)
			ip++
			continue
		}
		if op >= outEnd {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outEnd {
		return nil
	}
	for ip < inEnd {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end run
	op -= b2i(lit == 0)
	return out[:op:op]
}

// matchLen extends a match of l bytes at ref and ip as lzf_compress's loop
// does, including its unrolled part, which may run up to two bytes past
// maxlen (still inside the input).
func matchLen(in []byte, ref, ip, l, maxlen int) int {
	if maxlen > 16 {
		for k := 0; k < 16; k++ {
			l++
			if in[ref+l] != in[ip+l] {
				return l
			}
		}
	}
	for {
		l++
		if !(l < maxlen && in[ref+l] == in[ip+l]) {
			return l
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Decompress expands in to exactly outLen bytes.
func Decompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 1<<5 {
			l := ctrl + 1
			if i+l > len(in) || len(out)+l > outLen {
				return nil, ErrCorrupt
			}
			out = append(out, in[i:i+l]...)
			i += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return nil, ErrCorrupt
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, ErrCorrupt
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		l += 2
		if ref < 0 || len(out)+l > outLen {
			return nil, ErrCorrupt
		}
		for j := 0; j < l; j++ { // may overlap: byte by byte
			out = append(out, out[ref+j])
		}
	}
	if len(out) != outLen {
		return nil, ErrCorrupt
	}
	return out, nil
}
