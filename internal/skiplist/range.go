package skiplist

// Score and lexicographic intervals, as t_zset.c's zrangespec and
// zlexrangespec. Parsing them from command arguments is the caller's
// (zslParseRange, zslParseLexRange).

import (
	"bytes"
	"strings"
	"unsafe"
)

// ScoreRange is a score interval; MinEx and MaxEx make an end exclusive.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// GteMin reports whether v is above the range's minimum.
func (r *ScoreRange) GteMin(v float64) bool {
	if r.MinEx {
		return v > r.Min
	}
	return v >= r.Min
}

// LteMax reports whether v is below the range's maximum.
func (r *ScoreRange) LteMax(v float64) bool {
	if r.MaxEx {
		return v < r.Max
	}
	return v <= r.Max
}

// Empty reports a range no score can be in.
func (r *ScoreRange) Empty() bool {
	return r.Min > r.Max || r.Min == r.Max && (r.MinEx || r.MaxEx)
}

// LexKind says whether an end of a LexRange is a string or "-" / "+".
type LexKind int8

// The kinds of LexRange ends.
const (
	LexMinusInf LexKind = -1 // "-": below every string
	LexValue    LexKind = 0
	LexPlusInf  LexKind = 1 // "+": above every string
)

// LexRange is a lexicographic interval of members.
type LexRange struct {
	Min, Max         []byte // for LexValue ends; may borrow the arguments
	MinKind, MaxKind LexKind
	MinEx, MaxEx     bool
}

// lexCmp compares a member with a range end, as sdscmplex.
func lexCmp(v string, end []byte, kind LexKind) int {
	switch kind {
	case LexMinusInf:
		return 1
	case LexPlusInf:
		return -1
	}
	return strings.Compare(v, unsafe.String(unsafe.SliceData(end), len(end)))
}

// GteMin reports whether v is above the range's minimum.
func (r *LexRange) GteMin(v string) bool {
	c := lexCmp(v, r.Min, r.MinKind)
	if r.MinEx {
		return c > 0
	}
	return c >= 0
}

// LteMax reports whether v is below the range's maximum.
func (r *LexRange) LteMax(v string) bool {
	c := lexCmp(v, r.Max, r.MaxKind)
	if r.MaxEx {
		return c < 0
	}
	return c <= 0
}

// Empty reports a range no member can be in.
func (r *LexRange) Empty() bool {
	var c int
	switch {
	case r.MinKind == r.MaxKind && r.MinKind != LexValue:
		c = 0
	case r.MinKind == LexMinusInf || r.MaxKind == LexPlusInf:
		c = -1
	case r.MinKind == LexPlusInf || r.MaxKind == LexMinusInf:
		c = 1
	default:
		c = bytes.Compare(r.Min, r.Max)
	}
	return c > 0 || c == 0 && (r.MinEx || r.MaxEx)
}
