package rdb

import (
	"encoding/binary"
	"strconv"
)

// Older RDB files (Redis 2.6 to 6.2) store small collections as ziplists,
// and Redis 2.x hashes as zipmaps. They are only read, and converted to the
// current encodings by the loader.

// ziplistEntries decodes a ziplist into its entries (integers as decimal
// text), with every check of Redis's deep ziplistValidateIntegrity: the
// header's byte count and tail offset, each entry's encoding and its
// lengths within the buffer, each entry's record of the size of the one
// before it, and the entry count unless the header says 65535 (unknown).
// false: the ziplist is corrupt.
func ziplistEntries(b []byte) ([][]byte, bool) {
	if len(b) < 11 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return nil, false
	}
	last := len(b) - 1 // the terminator
	tail := int(binary.LittleEndian.Uint32(b[4:]))
	if tail > last {
		return nil, false
	}
	var out [][]byte
	p, prev, prevSize := 10, -1, 0
	for b[p] != 0xff {
		prevLenSize, prevLen := 1, int(b[p])
		if b[p] == 0xfe {
			if p+5 > last {
				return nil, false
			}
			prevLenSize, prevLen = 5, int(binary.LittleEndian.Uint32(b[p+1:]))
		}
		if prevLen != prevSize {
			return nil, false
		}
		e := p + prevLenSize
		if e >= last {
			return nil, false
		}
		v, size, ok := ziplistValue(b[:last], e)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		prev, prevSize = p, size+prevLenSize
		p += prevSize
	}
	if p != last || prev >= 0 && prev != tail {
		return nil, false
	}
	if n := int(binary.LittleEndian.Uint16(b[8:])); n != 0xffff && n != len(out) {
		return nil, false
	}
	return out, true
}

// ziplistValue decodes the entry whose encoding is at e in b (the ziplist
// up to its terminator): its value, and its size from e on.
func ziplistValue(b []byte, e int) ([]byte, int, bool) {
	enc := b[e]
	str := func(hdr, n int) ([]byte, int, bool) {
		if n < 0 || e+hdr+n > len(b) {
			return nil, 0, false
		}
		return append([]byte(nil), b[e+hdr:e+hdr+n]...), hdr + n, true
	}
	switch {
	case enc>>6 == 0:
		return str(1, int(enc&0x3f))
	case enc>>6 == 1:
		if e+2 > len(b) {
			return nil, 0, false
		}
		return str(2, int(enc&0x3f)<<8|int(b[e+1]))
	case enc == 0x80:
		if e+5 > len(b) {
			return nil, 0, false
		}
		return str(5, int(binary.BigEndian.Uint32(b[e+1:])))
	}
	var x int64
	size := 0
	switch enc {
	case 0xc0:
		size = 2
	case 0xd0:
		size = 4
	case 0xe0:
		size = 8
	case 0xf0:
		size = 3
	case 0xfe:
		size = 1
	default:
		if enc < 0xf1 || enc > 0xfd {
			return nil, 0, false
		}
		x = int64(enc&0x0f) - 1
	}
	p := e + 1
	if p+size > len(b) {
		return nil, 0, false
	}
	switch size {
	case 1:
		x = int64(int8(b[p]))
	case 2:
		x = int64(int16(binary.LittleEndian.Uint16(b[p:])))
	case 3:
		x = int64(int32(uint32(b[p])<<8|uint32(b[p+1])<<16|uint32(b[p+2])<<24) >> 8)
	case 4:
		x = int64(int32(binary.LittleEndian.Uint32(b[p:])))
	case 8:
		x = int64(binary.LittleEndian.Uint64(b[p:]))
	}
	return strconv.AppendInt(nil, x, 10), 1 + size, true
}

// zipmapEntries decodes a zipmap into alternating fields and values,
// with the checks of Redis's zipmapValidateIntegrity: every length within
// the buffer, at least one pair, and the count of the first byte unless
// it says 254 (unknown). false: the zipmap is corrupt.
func zipmapEntries(b []byte) ([][]byte, bool) {
	if len(b) < 2 || b[len(b)-1] != 0xff {
		return nil, false
	}
	last := len(b) - 1
	p := 1
	// length reads an encoded length at p and moves past it.
	length := func() (int, bool) {
		if b[p] < 254 {
			p++
			return int(b[p-1]), p <= last
		}
		if p+5 > last {
			return 0, false
		}
		n := int(binary.LittleEndian.Uint32(b[p+1:]))
		p += 5
		return n, true
	}
	var out [][]byte
	for b[p] != 0xff {
		klen, ok := length()
		if !ok || klen > last-p {
			return nil, false
		}
		key := append([]byte(nil), b[p:p+klen]...)
		p += klen
		vlen, ok := length()
		if !ok || p >= last {
			return nil, false
		}
		free := int(b[p])
		p++
		if vlen > last-p || free > last-p-vlen {
			return nil, false
		}
		out = append(out, key, append([]byte(nil), b[p:p+vlen]...))
		p += vlen + free
	}
	if n := int(b[0]); len(out) == 0 || n != 254 && n != len(out)/2 {
		return nil, false
	}
	return out, true
}
