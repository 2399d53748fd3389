// This file holds the two halves of Redis's config-line quoting: splitArgs
// (sds.c's sdssplitargs) turns a line into arguments, repr (sdscatrepr)
// quotes a value so that splitArgs gives it back unchanged.

package config

import (
	"errors"
	"fmt"
	"strings"
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
	var args []string
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return args, nil
		}
		arg, next, err := splitOne(line, p)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		p = next
	}
}

// splitOne reads the argument starting at line[p] and returns it with the
// index just past it.
func splitOne(line string, p int) (string, int, error) {
	var cur []byte
	inDouble, inSingle := false, false
	for {
		atEnd := p == len(line)
		switch {
		case inDouble:
			switch {
			case atEnd:
				return "", 0, errUnbalanced
			case line[p] == '\\' && p+3 < len(line) && line[p+1] == 'x' &&
				isHex(line[p+2]) && isHex(line[p+3]):
				cur = append(cur, unhex(line[p+2])<<4|unhex(line[p+3]))
				p += 3
			case line[p] == '\\' && p+1 < len(line):
				p++
				cur = append(cur, unescape(line[p]))
			case line[p] == '"':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return "", 0, errUnbalanced
				}
				return string(cur), p + 1, nil
			default:
				cur = append(cur, line[p])
			}
		case inSingle:
			switch {
			case atEnd:
				return "", 0, errUnbalanced
			case line[p] == '\\' && p+1 < len(line) && line[p+1] == '\'':
				p++
				cur = append(cur, '\'')
			case line[p] == '\'':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return "", 0, errUnbalanced
				}
				return string(cur), p + 1, nil
			default:
				cur = append(cur, line[p])
			}
		default:
			if atEnd {
				return string(cur), p, nil
			}
			switch line[p] {
			case ' ', '\n', '\r', '\t':
				return string(cur), p + 1, nil
			case '"':
				inDouble = true
			case '\'':
				inSingle = true
			default:
				cur = append(cur, line[p])
			}
		}
		p++
	}
}

// unescape maps the character after a backslash inside double quotes.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
