// Tests of the ported C number parsers and formatters.

package config

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/internal/num"
)

func TestMemToUint64(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"b", 0, true},
		{"100", 100, true},
		{"7b", 7, true},
		{"1k", 1000, true},
		{"1K", 1000, true},
		{"1kb", 1024, true},
		{"1KB", 1024, true},
		{"1kB", 1024, true},
		{"2m", 2000000, true},
		{"2mb", 2 << 20, true},
		{"3g", 3000000000, true},
		{"3gb", 3 << 30, true},
		{"05", 5, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"99999999999999999999", math.MaxUint64, true}, // strtoull saturates
		{"17179869184gb", 0, true},                     // and the unit wraps
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1x", 0, false},
		{"1tb", 0, false},
		{"1.5mb", 0, false},
	}
	for _, tc := range tests {
		got, ok := memToUint64(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestString2ll(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-1", -1, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"007", 0, false},
		{"-0", 0, false},
		{"+5", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"1e3", 0, false},
	}
	for _, tc := range tests {
		got, ok := num.ParseInt(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestStrtoll(t *testing.T) {
	tests := []struct {
		in   string
		base int
		want int64
		ok   bool
	}{
		{"", 10, 0, true},
		{"10", 10, 10, true},
		{"+10", 10, 10, true},
		{" \t-10", 10, -10, true},
		{"007", 10, 7, true},
		{"99999999999999999999", 10, math.MaxInt64, true},
		{"-99999999999999999999", 10, math.MinInt64, true},
		{" ", 10, 0, false},
		{"+", 10, 0, false},
		{"10 ", 10, 0, false},
		{"1x", 10, 0, false},
		{"777", 8, 0o777, true},
		{"0700", 8, 0o700, true},
		{"8", 8, 0, false},
		{"-7", 8, -7, true},
	}
	for _, tc := range tests {
		got, ok := strtoll(tc.in, tc.base)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestString2d(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"50", 50, true},
		{"99.9", 99.9, true},
		{".5", 0.5, true},
		{"1e1", 10, true},
		{"0x10", 16, true},
		{"0x1p-2", 0.25, true},
		{"-0", 0, true},
		{"0.000", 0, true},
		{"inf", math.Inf(1), true},
		{"nan", 0, false},
		{"1e400", 0, false},
		{"1e-400", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"", 0, false},
		{"1_0", 0, false},
		{"abc", 0, false},
	}
	for _, tc := range tests {
		got, ok := string2d(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestFormatDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{50, "50"},
		{99.9, "99.9"},
		{12.5, "12.5"},
		{0, "0"},
		{12.3456789, "12.345679"},
		{0.0000001, "0"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, formatDouble(tc.in), "%v", tc.in)
	}
}

func TestFormatMemory(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{1000, "1000"},
		{1024, "1kb"},
		{1536, "1536"},
		{3 << 20, "3mb"},
		{1 << 30, "1gb"},
		{(1 << 30) + 1024, "1048577kb"},
		{-1, "-1"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, formatMemory(tc.in), "%d", tc.in)
	}
}
