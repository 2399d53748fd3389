package geohash

// The number formats of the GEO replies.

import (
	"math"
	"strconv"
)

// AppendDistance appends d as Redis's addReplyDoubleDistance writes a
// distance: fixedpoint_d2string with 4 decimals, the value scaled by 10^4
// and rounded half to even as llrint does (NaN and out-of-range values
// become llrint's LLONG_MIN).
func AppendDistance(dst []byte, d float64) []byte {
	if d == 0 {
		return append(dst, "0.0000"...)
	}
	s := llrint(d * 10000.0)
	var v uint64
	if s < 0 {
		dst = append(dst, '-')
		v = uint64(-s) // LLONG_MIN stays 2^63
	} else {
		v = uint64(s)
	}
	dst = strconv.AppendUint(dst, v/10000, 10)
	frac := v % 10000
	return append(dst, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
}

// llrint is C's llrint on x86-64: round half to even, LLONG_MIN when the
// result does not fit.
func llrint(x float64) int64 {
	r := math.RoundToEven(x)
	if !(r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
		return math.MinInt64
	}
	return int64(r)
}

// AppendHuman appends f as Redis's ld2string in LD_STR_HUMAN mode writes a
// long double holding it (addReplyHumanLongDouble, GEOPOS and WITHCOORD):
// "%.17Lf" without the trailing zeros and dot, "-0" as "0".
func AppendHuman(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	end := len(dst)
	for dst[end-1] == '0' {
		end--
	}
	if dst[end-1] == '.' {
		end--
	}
	dst = dst[:end]
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
