package db

import (
	"math/rand/v2"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/glob"
)

// Cases checked against KEYS on real Redis 7.0.
var globCases = []struct {
	pattern, str string
	match        bool
}{
	{"*", "", false},
	{"**", "", false},
	{"", "", true},
	{"*", "abc", true},
	{"a*", "a", true},
	{"*a", "a", true},
	{"a*b*c", "aXbYc", true},
	{"a*b*c", "aXbY", false},
	{"?", "", false},
	{"?", "x", true},
	{"h?llo", "hello", true},
	{"h[ae]llo", "hallo", true},
	{"h[^e]llo", "hello", false},
	{"h[^e]llo", "hallo", true},
	{"h[a-b]llo", "hbllo", true},
	{"h[b-a]llo", "hallo", true},
	{"[", "[", false},
	{"[", "a", false},
	{"[^", "a", true},
	{"[^", "", false},
	{"[abc", "b", true},
	{"[abc", "d", false},
	{"[a-]", "_", true},
	{"[a-]", "]", true},
	{"[a-]", "-", false},
	{"[a-]x", "x", true},
	{"[a-]x", "ax", false},
	{"[\\]]", "]", true},
	{"[\\", "\\", true},
	{"\\*", "*", true},
	{"\\*", "a", false},
	{"\\", "\\", true},
	{"a\\", "a\\", true},
	{"[]]", "]", false},
	{"[]a]", "a", false},
	{"[]a]", "]a]", false},
	{"[]", "]", false},
	{"*[", "a[", false},
	{"a[^]", "ab", true},
}

func TestStringMatch(t *testing.T) {
	for _, tc := range globCases {
		require.Equal(t, tc.match, glob.Match([]byte(tc.pattern), []byte(tc.str), false), "%q %q", tc.pattern, tc.str)
	}
	require.True(t, glob.Match([]byte("H[A-C]LLO"), []byte("hbllo"), true))
	require.True(t, glob.Match([]byte("[^A]"), []byte("b"), true))
	require.False(t, glob.Match([]byte("[^A]"), []byte("a"), true))
	// A pattern that is exponential without the early exit.
	long := []byte(strings.Repeat("a", 60))
	require.False(t, glob.Match([]byte(strings.Repeat("*a", 30)+"b"), long, false))
}

// TestStringMatchAgainstRedis compares random patterns and keys with KEYS on
// a real redis-server.
func TestStringMatchAgainstRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil || testing.Short() {
		t.Fatal("needs redis-server (make test installs Debian's redis-server and redis-tools)")
	}
	r := newRedisRunner(t)
	defer r.close()
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(alphabet string, n int) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	keys := map[string]bool{"": true}
	for len(keys) < 300 {
		keys[gen("abAB-]^\\[*?x", 5)] = true
	}
	for k := range keys {
		r.do("", [][]byte{[]byte("SET"), []byte(k), []byte("1")})
	}
	for i := 0; i < 3000; i++ {
		pat := gen("ab*?[]^-\\xA", 8)
		if pat == "*" {
			continue
		}
		got := r.do("", [][]byte{[]byte("KEYS"), []byte(pat)})
		var redis []string
		for _, line := range got[1:] {
			s, err := strconv.Unquote(strings.TrimSpace(line))
			require.NoError(t, err)
			redis = append(redis, s)
		}
		var ours []string
		for k := range keys {
			if glob.Match([]byte(pat), []byte(k), false) {
				ours = append(ours, k)
			}
		}
		sort.Strings(redis)
		sort.Strings(ours)
		require.Equal(t, redis, ours, "pattern %q", pat)
	}
}
