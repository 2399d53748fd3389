package stream

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/num"
)

// ID is a stream entry ID: milliseconds and a sequence number, ordered
// by ms then seq (streamID).
type ID struct {
	Ms, Seq uint64
}

// MaxID is the largest ID, "+" in ranges.
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a ID) Compare(b ID) int {
	switch {
	case a.Ms > b.Ms:
		return 1
	case a.Ms < b.Ms:
		return -1
	case a.Seq > b.Seq:
		return 1
	case a.Seq < b.Seq:
		return -1
	}
	return 0
}

// Less reports whether a < b.
func (a ID) Less(b ID) bool { return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq }

// IsZero reports whether the ID is 0-0.
func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the next ID, as streamIncrID; ok is false (and the ID 0-0)
// past the largest one.
func (a ID) Incr() (ID, bool) {
	if a.Seq == math.MaxUint64 {
		if a.Ms == math.MaxUint64 {
			return ID{}, false
		}
		return ID{a.Ms + 1, 0}, true
	}
	return ID{a.Ms, a.Seq + 1}, true
}

// Decr returns the previous ID, as streamDecrID; ok is false (and the ID
// the largest one) before 0-0.
func (a ID) Decr() (ID, bool) {
	if a.Seq == 0 {
		if a.Ms == 0 {
			return MaxID, false
		}
		return ID{a.Ms - 1, math.MaxUint64}, true
	}
	return ID{a.Ms, a.Seq - 1}, true
}

// Append appends the ID as "<ms>-<seq>".
func (a ID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

// String returns the ID as "<ms>-<seq>".
func (a ID) String() string { return string(a.Append(nil)) }

// Encode returns the ID as the 128-bit big-endian key of Redis's radix
// trees (streamEncodeID): the form of node keys and PEL IDs in an RDB.
func (a ID) Encode() [16]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a.Ms)
	binary.BigEndian.PutUint64(b[8:], a.Seq)
	return b
}

// DecodeID is the inverse of Encode; b must hold 16 bytes.
func DecodeID(b []byte) ID {
	return ID{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])}
}

// ParseID parses "<ms>-<seq>" or "<ms>" (seq then missingSeq), as
// streamGenericParseIDOrReply without the special forms, which callers
// handle: "-", "+", "<ms>-*".
func ParseID(b []byte, missingSeq uint64) (ID, bool) {
	if len(b) > 127 {
		return ID{}, false
	}
	msPart, seqPart, hasSeq := cutByte(b, '-')
	ms, ok := parseUint(msPart)
	if !ok {
		return ID{}, false
	}
	if !hasSeq {
		return ID{ms, missingSeq}, true
	}
	seq, ok := parseUint(seqPart)
	if !ok {
		return ID{}, false
	}
	return ID{ms, seq}, true
}

func cutByte(b []byte, c byte) (before, after []byte, found bool) {
	for i, x := range b {
		if x == c {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// parseUint is Redis's string2ull: a canonical integer (string2ll) must
// not be negative; anything else goes to strtoull, which skips leading
// white space, takes a sign (negating modulo 2^64) and leading zeros.
func parseUint(b []byte) (uint64, bool) {
	if n, ok := num.ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false // ERANGE
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
