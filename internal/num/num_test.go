package num

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseInt(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "10", "9223372036854775807", "-9223372036854775808", "1234567890123456"} {
		v, ok := ParseInt(s)
		require.True(t, ok, s)
		require.Equal(t, s, strconv.FormatInt(v, 10))
		w, ok := ParseInt([]byte(s))
		require.True(t, ok, s)
		require.Equal(t, v, w)
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", "00", " 1", "1 ", "1e3", "0x10", "1.0",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901"} {
		_, ok := ParseInt(s)
		require.False(t, ok, s)
	}
}

// ParseInt accepts exactly the canonical decimal form of an int64.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "+1", "01", "9223372036854775807", "-9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseInt(s)
		w, err := strconv.ParseInt(s, 10, 64)
		canonical := err == nil && strconv.FormatInt(w, 10) == s
		if ok != canonical || (ok && v != w) {
			t.Fatalf("ParseInt(%q) = %d, %v; strconv says %d, canonical %v", s, v, ok, w, canonical)
		}
	})
}
