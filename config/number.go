// This file holds the number parsers Redis's config code leans on. They are
// ports, not Go equivalents, because each accepts a slightly different set of
// strings and users see the difference: "007" is a bad integer but a fine
// memory value, "" is a valid octal zero, "+5" passes strtoll but not
// string2ll.

package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// memToUint64 is util.c's memtoull: digits followed by an optional unit,
// b k kb m mb g gb, case-insensitive, where k is 1000 and kb is 1024. No sign,
// no blanks. Digit overflow saturates and the unit multiply wraps, as in C.
func memToUint64(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	var mul uint64
	switch strings.ToLower(s[digits:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if digits >= 128 {
		return 0, false
	}
	val, err := strconv.ParseUint(s[:digits], 10, 64)
	if err != nil && digits > 0 {
		val = math.MaxUint64 // strtoull saturates on overflow
	}
	return val * mul, true
}

// MemToUint64 is memtoull, for the commands that take a memory value
// outside CONFIG (DEBUG QUICKLIST-PACKED-THRESHOLD).
func MemToUint64(s string) (uint64, bool) { return memToUint64(s) }

// strtoll parses s in the given base the way the C idiom
// "v = strtoll(s, &end, base); valid if *end == '\0'" does: leading white
// space and a sign are allowed, the rest must be digits, overflow saturates,
// and the empty string is a valid zero (strtoll leaves end at the NUL).
func strtoll(s string, base int) (int64, bool) {
	body := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	if body == "" {
		return 0, s == ""
	}
	u, err := strconv.ParseUint(body, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
		u = math.MaxUint64
	}
	switch {
	case neg && u > 1<<63:
		return math.MinInt64, true
	case neg:
		return -int64(u), true
	case u > math.MaxInt64:
		return math.MaxInt64, true
	}
	return int64(u), true
}

// string2d is util.c's strict double parser (strtod over the whole string,
// no leading blank, no overflow, no NaN), the parser behind
// latency-tracking-info-percentiles.
func string2d(s string) (float64, bool) {
	if s == "" || isSpace(s[0]) || strings.ContainsRune(s, '_') {
		return 0, false
	}
	text := s
	lower := strings.ToLower(strings.TrimLeft(s, "+-"))
	if strings.HasPrefix(lower, "0x") && !strings.Contains(lower, "p") {
		text += "p0" // strtod takes hex without an exponent, ParseFloat does not
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && nonZeroMantissa(lower) {
		return 0, false // underflow to zero: strtod reports ERANGE
	}
	return f, true
}

// nonZeroMantissa tells whether the digits before the exponent of a
// lower-cased, unsigned float literal are not all zero.
func nonZeroMantissa(lower string) bool {
	digits, exp := "0123456789", "e"
	if strings.HasPrefix(lower, "0x") {
		lower, digits, exp = lower[2:], "0123456789abcdef", "p"
	}
	if i := strings.Index(lower, exp); i >= 0 {
		lower = lower[:i]
	}
	return strings.ContainsAny(lower, digits[1:])
}

// formatDouble is sprintf("%f") followed by util.c's trimDoubleString:
// six decimals, then trailing zeros and a trailing dot removed.
func formatDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatMemory writes bytes for a config file the way CONFIG REWRITE does:
// with the largest of gb, mb, kb that divides it exactly. The arithmetic is
// signed, as in Redis, so a value above 2^63 comes out negative.
func formatMemory(bytes int64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case bytes != 0 && bytes%gb == 0:
		return fmt.Sprintf("%dgb", bytes/gb)
	case bytes != 0 && bytes%mb == 0:
		return fmt.Sprintf("%dmb", bytes/mb)
	case bytes != 0 && bytes%kb == 0:
		return fmt.Sprintf("%dkb", bytes/kb)
	}
	return strconv.FormatInt(bytes, 10)
}
