package rdb

import "errors"

// LZF is the compression Redis uses for long strings in RDB files
// (liblzf's format). A compressed stream is a sequence of:
//
//	000LLLLL <L+1 literal bytes>
//	LLLooooo oooooooo            back reference, length L+2 (L < 7)
//	111ooooo LLLLLLLL oooooooo   back reference, length L+9
//
// where the offset o+1 counts back from the current output position.

var errLZF = errors.New("invalid LZF data")

const (
	lzfHashLog  = 14
	lzfMaxLit   = 1 << 5
	lzfMaxOff   = 1 << 13
	lzfMaxRef   = (1 << 8) + (1 << 3)
	lzfHashSize = 1 << lzfHashLog
)

// LZFCompress compresses in and returns nil when the result would not be
// shorter than maxOut bytes (Redis stores the string plain then).
func LZFCompress(in []byte, maxOut int) []byte {
	n := len(in)
	if n < 4 {
		return nil
	}
	out := make([]byte, 0, maxOut+1)
	var htab [lzfHashSize]int32
	lit := 0 // literals pending in the current run
	out = append(out, 0)
	litPos := 0 // index of the current run's control byte
	hash := func(i int) uint32 {
		v := uint32(in[i])<<16 | uint32(in[i+1])<<8 | uint32(in[i+2])
		return (v * 2654435761) >> (32 - lzfHashLog)
	}
	i := 0
	for i+2 < n {
		h := hash(i)
		ref := int(htab[h]) - 1
		htab[h] = int32(i + 1)
		off := i - ref - 1
		if ref >= 0 && off < lzfMaxOff && in[ref] == in[i] && in[ref+1] == in[i+1] && in[ref+2] == in[i+2] {
			// Match: find its length.
			l := 2
			maxLen := min(n-i, lzfMaxRef)
			for l+1 < maxLen && in[ref+l+1] == in[i+l+1] {
				l++
			}
			l++ // bytes matched
			// Close the literal run.
			if lit == 0 {
				out = out[:len(out)-1]
			} else {
				out[litPos] = byte(lit - 1)
			}
			code := l - 2
			if code < 7 {
				out = append(out, byte(code<<5|off>>8))
			} else {
				out = append(out, byte(7<<5|off>>8), byte(code-7))
			}
			out = append(out, byte(off))
			if len(out) >= maxOut {
				return nil
			}
			// Index the positions inside the match.
			for j := i + 1; j < i+l && j+2 < n; j++ {
				htab[hash(j)] = int32(j + 1)
			}
			i += l
			litPos = len(out)
			out = append(out, 0)
			lit = 0
			continue
		}
		out = append(out, in[i])
		lit++
		i++
		if lit == lzfMaxLit {
			out[litPos] = byte(lit - 1)
			litPos = len(out)
			out = append(out, 0)
			lit = 0
		}
		if len(out) >= maxOut {
			return nil
		}
	}
	for i < n {
		out = append(out, in[i])
		lit++
		i++
		if lit == lzfMaxLit {
			out[litPos] = byte(lit - 1)
			litPos = len(out)
			out = append(out, 0)
			lit = 0
		}
	}
	if lit == 0 {
		out = out[:len(out)-1]
	} else {
		out[litPos] = byte(lit - 1)
	}
	if len(out) >= maxOut {
		return nil
	}
	return out
}

// LZFDecompress expands in to exactly outLen bytes.
func LZFDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 1<<5 {
			l := ctrl + 1
			if i+l > len(in) || len(out)+l > outLen {
				return nil, errLZF
			}
			out = append(out, in[i:i+l]...)
			i += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return nil, errLZF
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errLZF
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		l += 2
		if ref < 0 || len(out)+l > outLen {
			return nil, errLZF
		}
		for j := 0; j < l; j++ { // may overlap: byte by byte
			out = append(out, out[ref+j])
		}
	}
	if len(out) != outLen {
		return nil, errLZF
	}
	return out, nil
}
