// Package num holds Redis's number parsers, shared by the protocol parser,
// the commands, the configuration and the RDB encoder so that they agree on
// what an integer is.
package num

import "math"

// ParseInt is Redis's string2ll: an optional '-', then "0" or a digit 1-9
// followed by digits, nothing else (no '+', no spaces, no leading zeros),
// fitting in an int64. It allocates nothing.
func ParseInt[T ~string | ~[]byte](b T) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	if i == len(b) || b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		ch := b[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		// v*10+d must not overflow; no division per digit, so that this
		// is as fast as listpack.c's copy of string2ll it replaced.
		if v > math.MaxUint64/10 || v*10 > math.MaxUint64-d {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
