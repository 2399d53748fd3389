package db

// Score and lexicographic intervals of the range commands, and the parsing
// of scores, as t_zset.c's zrangespec, zlexrangespec, zslParseRange and
// zslParseLexRange, with strtod's syntax and quirks.

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// zrangeSpec is a score interval; minex/maxex make an end exclusive.
type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zrangeSpec) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// empty reports a range no score can be in.
func (r *zrangeSpec) empty() bool {
	return r.min > r.max || r.min == r.max && (r.minex || r.maxex)
}

// parseScoreRange parses min and max as zslParseRange: an optional "("
// for an exclusive end, then strtod's syntax, whatever follows it
// rejected. Unlike ZADD's scores, "" is 0, leading spaces are skipped and
// 1e400 is inf.
func parseScoreRange(min, max []byte) (zrangeSpec, bool) {
	var r zrangeSpec
	var ok bool
	if r.min, r.minex, ok = parseRangeScore(min); !ok {
		return r, false
	}
	if r.max, r.maxex, ok = parseRangeScore(max); !ok {
		return r, false
	}
	return r, true
}

func parseRangeScore(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	// strtod stops at a NUL byte, which Redis then takes for the end.
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, ex, true // no conversion, but nothing left over either
	}
	b = bytes.TrimLeft(b, " \t\n\v\f\r")
	v, _, ok = strtodWhole(b)
	return v, ex, ok && !math.IsNaN(v)
}

// parseScore parses a score as getDoubleFromObject: strtod's syntax over
// the whole argument, no leading space, no NaN, no overflow to inf and no
// underflow to zero ("inf" itself is fine).
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isSpaceByte(b[0]) {
		return 0, false
	}
	v, erange, ok := strtodWhole(b)
	if !ok || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// strtodWhole parses all of b with C's strtod syntax: decimal or hex
// (without the "p" exponent Go requires), inf, infinity, nan, any case,
// an optional sign. erange reports an overflow to inf or an underflow to
// zero, which strtod flags with ERANGE.
func strtodWhole(b []byte) (v float64, erange, ok bool) {
	s := bstr(b)
	if strings.IndexByte(s, '_') >= 0 {
		return 0, false, false // Go's separators; strtod stops there
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false, false
	}
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && !strings.ContainsAny(body, "pP") {
		s += "p0"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return v, true, true
		}
		return 0, false, false
	}
	if v == 0 && hasNonzeroDigit(body) {
		return v, true, true // underflow to zero
	}
	return v, false, true
}

// hasNonzeroDigit reports whether the mantissa of a number has a digit
// other than 0.
func hasNonzeroDigit(s string) bool {
	hex := len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if hex {
		s = s[2:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9', hex && (c|0x20 >= 'a' && c|0x20 <= 'f'):
			return true
		}
	}
	return false
}

// double2ll is Redis's double2ll: d as an integer when it is one and lies
// within ±2^62, the form listpacks store such scores in.
func double2ll(d float64) (int64, bool) {
	if !(d >= -0x1p62 && d <= 0x1p62) {
		return 0, false
	}
	n := int64(d)
	return n, float64(n) == d
}

// lexKind says whether a lex range end is a string or "-" / "+".
type lexKind int8

const (
	lexMinusInf lexKind = -1 // "-": below every string
	lexValue    lexKind = 0
	lexPlusInf  lexKind = 1 // "+": above every string
)

// zlexSpec is a lexicographic interval of members.
type zlexSpec struct {
	min, max         []byte // borrowed from the arguments
	minKind, maxKind lexKind
	minex, maxex     bool
}

// lexCmp compares a member with a range end, as sdscmplex.
func lexCmp(v string, end []byte, kind lexKind) int {
	switch kind {
	case lexMinusInf:
		return 1
	case lexPlusInf:
		return -1
	}
	return strings.Compare(v, bstr(end))
}

func (r *zlexSpec) gteMin(v string) bool {
	c := lexCmp(v, r.min, r.minKind)
	if r.minex {
		return c > 0
	}
	return c >= 0
}

func (r *zlexSpec) lteMax(v string) bool {
	c := lexCmp(v, r.max, r.maxKind)
	if r.maxex {
		return c < 0
	}
	return c <= 0
}

// empty reports a range no member can be in.
func (r *zlexSpec) empty() bool {
	var c int
	switch {
	case r.minKind == r.maxKind && r.minKind != lexValue:
		c = 0
	case r.minKind == lexMinusInf || r.maxKind == lexPlusInf:
		c = -1
	case r.minKind == lexPlusInf || r.maxKind == lexMinusInf:
		c = 1
	default:
		c = bytes.Compare(r.min, r.max)
	}
	return c > 0 || c == 0 && (r.minex || r.maxex)
}

// parseLexRange parses min and max as zslParseLexRange: "(x" excludes x,
// "[x" includes it, "-" and "+" are the ends of all strings.
func parseLexRange(min, max []byte) (zlexSpec, bool) {
	var r zlexSpec
	var ok bool
	if r.min, r.minKind, r.minex, ok = parseLexItem(min); !ok {
		return r, false
	}
	if r.max, r.maxKind, r.maxex, ok = parseLexItem(max); !ok {
		return r, false
	}
	return r, true
}

func parseLexItem(b []byte) (v []byte, kind lexKind, ex, ok bool) {
	if len(b) == 0 {
		return nil, 0, false, false
	}
	switch b[0] {
	case '+':
		return nil, lexPlusInf, true, len(b) == 1
	case '-':
		return nil, lexMinusInf, true, len(b) == 1
	case '(':
		return b[1:], lexValue, true, true
	case '[':
		return b[1:], lexValue, false, true
	}
	return nil, 0, false, false
}
