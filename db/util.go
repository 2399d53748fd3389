package db

import (
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/num"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ParseInt parses a Redis integer argument: optional '-', no spaces, no
// leading '+' or zeros, as string2ll.
func ParseInt(b []byte) (int64, bool) { return num.ParseInt(b) }

// ParseFloat parses a float argument as Redis's string2ld/strtold check:
// no spaces, not NaN.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpaceByte(b[0]) || isSpaceByte(b[len(b)-1]) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// strtold accepts "inf"/"infinity" and overflows to inf; Go
		// reports ErrRange for overflow with f = ±Inf.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && math.IsInf(f, 0) {
			return f, true
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// FormatInt appends the decimal form of n.
func FormatInt(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// IntArg parses argument i as an integer, replying ErrNotInteger on
// failure.
func (c *Client) IntArg(i int) (int64, bool) {
	v, ok := ParseInt(c.Argv[i])
	if !ok {
		c.Error(ErrNotInteger)
	}
	return v, ok
}

// FloatArg parses argument i as a float, replying ErrNotFloat on failure.
func (c *Client) FloatArg(i int) (float64, bool) {
	v, ok := ParseFloat(c.Argv[i])
	if !ok {
		c.Error(ErrNotFloat)
	}
	return v, ok
}

// argLongInRange parses argument i as Redis's getRangeLongFromObjectOrReply:
// an integer within [lo, hi]; msg, when not empty, replaces both the parse
// and the range errors.
func argLongInRange(c *Client, i int, lo, hi int64, msg string) (int64, bool) {
	v, ok := ParseInt(c.Argv[i])
	if !ok {
		if msg == "" {
			msg = ErrNotInteger
		}
		c.Error(msg)
		return 0, false
	}
	if v < lo || v > hi {
		if msg == "" {
			msg = "ERR value is out of range, value must between " + itoa(lo) + " and " + itoa(hi)
		}
		c.Error(msg)
		return 0, false
	}
	return v, true
}
