// Tests of the CONFIG GET pattern matcher.

package glob

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatchCases(t *testing.T) {
	tests := []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"*", "", false, false}, // Redis: an empty string matches nothing
		{"*", "maxmemory", false, true},
		{"max*", "maxmemory", false, true},
		{"*memory", "maxmemory", false, true},
		{"*mem*", "maxmemory", false, true},
		{"max*policy", "maxmemory-policy", false, true},
		{"max*policy", "maxmemory", false, false},
		{"m?xmemory", "maxmemory", false, true},
		{"m?xmemory", "mxmemory", false, false},
		{"MAX*", "maxmemory", false, false},
		{"MAX*", "maxmemory", true, true},
		{"[a-m]axmemory", "maxmemory", false, true},
		{"[z-a]axmemory", "maxmemory", false, true}, // ranges may run backwards
		{"[A-M]axmemory", "maxmemory", true, true},
		{"[^a-l]axmemory", "maxmemory", false, true},
		{"[^a-m]axmemory", "maxmemory", false, false},
		{"[!a]cl", "acl", false, true}, // '!' is not negation
		{"[!a]cl", "!cl", false, true},
		{"[!a]cl", "bcl", false, false},
		{"[xm]axmemory", "maxmemory", false, true},
		{`[\]]x`, "]x", false, true},
		{`\*x`, "*x", false, true},
		{`\*x`, "ax", false, false},
		{"[abc", "a", false, true}, // an unclosed class runs to the end
		{"[abc", "ab", false, false},
		{"a**b", "axxb", false, true},
		{"a*", "", false, false},
		{"", "", false, true},
		{"", "a", false, false},
		{"a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, Match([]byte(tc.pattern), []byte(tc.s), tc.nocase), "%q %q", tc.pattern, tc.s)
	}
}
