// This file holds the two halves of Redis's config-line quoting: splitArgs
// (sds.c's sdssplitargs) turns a line into arguments, repr (sdscatrepr)
// quotes a value so that splitArgs gives it back unchanged.

package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis-go/redis-server/resp"
)

// errUnbalanced is what splitArgs reports for a line Redis refuses.
var errUnbalanced = errors.New("Unbalanced quotes in configuration line")

// splitArgs splits a line into arguments the way redis-server reads its
// config file: blanks separate arguments; "double quotes" understand
// \n \r \t \b \a \xHH and backslash-anything; 'single quotes' understand only
// \'; a closing quote must be followed by a blank or the end of the line.
// A quote may open in the middle of an argument (foo"bar baz" is one
// argument). A NUL byte ends the line, as it ends a C string.
func splitArgs(line string) ([]string, error) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	words, ok := resp.SplitArgs([]byte(line), nil)
	if !ok {
		return nil, errUnbalanced
	}
	var args []string
	for _, w := range words {
		args = append(args, string(w))
	}
	return args, nil
}

// repr quotes s the way sdscatrepr does: always in double quotes, with
// escapes for the characters splitArgs would otherwise take apart and \xHH
// for anything not printable ASCII.
func repr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
