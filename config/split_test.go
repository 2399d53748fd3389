// Tests of the config line splitter and quoting, and the fuzz target.

package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		line string
		want []string // nil with ok false: unbalanced quotes
		ok   bool
	}{
		{"", nil, true},
		{"   \t ", nil, true},
		{"port 6379", []string{"port", "6379"}, true},
		{"  port \t 6379  ", []string{"port", "6379"}, true},
		{`save ""`, []string{"save", ""}, true},
		{`a "b c" d`, []string{"a", "b c", "d"}, true},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, true},
		{`"\x41\x4a\x4B\x7e"`, []string{"AJK~"}, true},
		{`"\x4" "\xZZ"`, []string{"x4", "xZZ"}, true},
		{`"\x41`, nil, false},
		{`'a\'b' 'c\nd'`, []string{"a'b", `c\nd`}, true},
		{`'it''s'`, nil, false},
		{`foo"bar baz"`, []string{"foobar baz"}, true},
		{`foo'bar'`, []string{"foobar"}, true},
		{`"a"b`, nil, false},
		{`'a'b`, nil, false},
		{`"a"	b`, []string{"a", "b"}, true},
		{`"unterminated`, nil, false},
		{`'unterminated`, nil, false},
		{`"trailing backslash\`, nil, false},
		{"a\vb", []string{"a\vb"}, true},
		{"a\x00b c", []string{"a"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, err := splitArgs(tc.line)
			if !tc.ok {
				require.EqualError(t, err, "Unbalanced quotes in configuration line")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"dump.rdb", `"dump.rdb"`},
		{`a "b" \c`, `"a \"b\" \\c"`},
		{"\n\r\t\a\b", `"\n\r\t\a\b"`},
		{"\x00\x7f\xff é", `"\x00\x7f\xff \xc3\xa9"`},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, repr(tc.in), "%q", tc.in)
	}
}

// FuzzParseConfig feeds arbitrary text to the line splitter and the
// loader. Neither may panic, and quoting what the splitter returns must
// split back to the same arguments.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"port 6379",
		`requirepass "a\x41\q\n"`,
		`'a\'b' "c d"`,
		"save 900 1\nsave \"\"\nbind 127.0.0.1 -::1",
		"client-output-buffer-limit normal 1mb 2mb 3 pubsub 1 2 3",
		"notify-keyspace-events KEA\nmaxmemory-clients 10%\nunixsocketperm 777",
		"\"unbalanced\nfoo'bar'",
		"include /dev/null\nrename-command X Y\nmod.param 1\nsentinel",
		"dir /\nlatency-tracking-info-percentiles 0x10 1e1\nshutdown-on-sigint save now",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, line := range strings.Split(text, "\n") {
			args, err := splitArgs(line)
			if err != nil {
				continue
			}
			quoted := make([]string, len(args))
			for i, a := range args {
				quoted[i] = repr(a)
			}
			again, err := splitArgs(strings.Join(quoted, " "))
			require.NoError(t, err)
			require.Equal(t, args, again)
		}
		c := New() // with no file access: include /dev/full would never end
		c.readFiles = func(string) (string, error) { return "", nil }
		c.openLog = func(string) error { return nil }
		_ = c.LoadString(text)
		_ = c.Get("*")
	})
}
