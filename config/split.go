// This file holds the two halves of Redis's config-line quoting: splitArgs
// (sds.c's sdssplitargs) turns a line into arguments, repr (sdscatrepr)
// quotes a value so that splitArgs gives it back unchanged.

package config

import (
	"errors"
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

// repr quotes s the way sdscatrepr does, so that splitArgs gives it back.
func repr(s string) string { return resp.Repr(s) }

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
