package rdb

import (
	"encoding/binary"
	"strconv"
)

// Older RDB files (Redis 2.6 to 6.2) store small collections as ziplists,
// and Redis 2.x hashes as zipmaps. They are only read, and converted to the
// current encodings by the loader.

// ziplistEntries decodes a ziplist into its entries (integers as decimal
// text). It validates every length against the buffer.
func ziplistEntries(b []byte) ([][]byte, error) {
	if len(b) < 11 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return nil, corrupt("invalid ziplist header")
	}
	var out [][]byte
	p := 10
	for b[p] != 0xff {
		// prevlen
		if b[p] == 0xfe {
			p += 5
		} else {
			p++
		}
		if p >= len(b)-1 {
			return nil, corrupt("ziplist entry out of range")
		}
		enc := b[p]
		var v []byte
		switch {
		case enc>>6 == 0:
			n := int(enc & 0x3f)
			p++
			if p+n > len(b)-1 {
				return nil, corrupt("ziplist string out of range")
			}
			v, p = append([]byte(nil), b[p:p+n]...), p+n
		case enc>>6 == 1:
			if p+2 > len(b)-1 {
				return nil, corrupt("ziplist header out of range")
			}
			n := int(enc&0x3f)<<8 | int(b[p+1])
			p += 2
			if p+n > len(b)-1 {
				return nil, corrupt("ziplist string out of range")
			}
			v, p = append([]byte(nil), b[p:p+n]...), p+n
		case enc == 0x80:
			if p+5 > len(b)-1 {
				return nil, corrupt("ziplist header out of range")
			}
			n := int(binary.BigEndian.Uint32(b[p+1:]))
			p += 5
			if n < 0 || p+n > len(b)-1 {
				return nil, corrupt("ziplist string out of range")
			}
			v, p = append([]byte(nil), b[p:p+n]...), p+n
		default:
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
				if enc >= 0xf1 && enc <= 0xfd {
					x = int64(enc&0x0f) - 1
				} else {
					return nil, corrupt("invalid ziplist encoding %#x", enc)
				}
			}
			p++
			if p+size > len(b)-1 {
				return nil, corrupt("ziplist integer out of range")
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
			p += size
			v = strconv.AppendInt(nil, x, 10)
		}
		out = append(out, v)
		if p >= len(b) {
			return nil, corrupt("ziplist without terminator")
		}
	}
	if p != len(b)-1 {
		return nil, corrupt("ziplist data after terminator")
	}
	return out, nil
}

// zipmapEntries decodes a zipmap into alternating fields and values.
func zipmapEntries(b []byte) ([][]byte, error) {
	if len(b) < 2 {
		return nil, corrupt("invalid zipmap")
	}
	var out [][]byte
	p := 1
	readLen := func() (int, error) {
		if p >= len(b) {
			return 0, corrupt("zipmap out of range")
		}
		if b[p] < 254 {
			p++
			return int(b[p-1]), nil
		}
		if b[p] == 254 && p+5 <= len(b) {
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
			return n, nil
		}
		return 0, corrupt("invalid zipmap length")
	}
	for p < len(b) && b[p] != 0xff {
		klen, err := readLen()
		if err != nil {
			return nil, err
		}
		if klen < 0 || p+klen > len(b) {
			return nil, corrupt("zipmap key out of range")
		}
		key := append([]byte(nil), b[p:p+klen]...)
		p += klen
		vlen, err := readLen()
		if err != nil {
			return nil, err
		}
		if p >= len(b) {
			return nil, corrupt("zipmap out of range")
		}
		free := int(b[p])
		p++
		if vlen < 0 || p+vlen+free > len(b) {
			return nil, corrupt("zipmap value out of range")
		}
		val := append([]byte(nil), b[p:p+vlen]...)
		p += vlen + free
		out = append(out, key, val)
	}
	if p != len(b)-1 {
		return nil, corrupt("zipmap without terminator")
	}
	return out, nil
}
