package resp

import (
	"bytes"
	"errors"

	"github.com/redis-go/redis-server/internal/num"
)

// Limits from Redis's networking.c.
const (
	InlineMaxSize = 64 * 1024 // longest inline command or header line
	maxMultibulk  = 1<<31 - 1 // INT_MAX
	unauthMaxArgs = 10        // argument count allowed before AUTH
	unauthMaxBulk = 16384     // bulk length allowed before AUTH
)

// ProtocolError is a malformed request. The connection is closed after the
// error is sent, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "ERR Protocol error: " + e.Msg }

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// errNoCRLF: a header line has not fully arrived yet.
var errNoCRLF = errors.New("no line yet")

// Parser extracts one command at a time from a byte buffer. Its state lets a
// command that spans several reads be resumed where the last call stopped.
// Offsets are relative to the start of the command, so the caller may move the
// unconsumed bytes to the front of its buffer between calls.
type Parser struct {
	MaxBulk       int64 // proto-max-bulk-len
	Authenticated bool  // before AUTH, Redis caps argument counts and sizes

	argc  int      // expected arguments of the pending multibulk, 0 if none
	pos   int      // where parsing of the pending command resumes
	spans [][2]int // argument spans found so far
	argv  [][]byte // reused result slice
}

// Reset forgets a pending partial command.
func (p *Parser) Reset() {
	p.argc, p.pos, p.spans = 0, 0, p.spans[:0]
}

// Pending reports whether a partial command has been started.
func (p *Parser) Pending() bool { return p.argc > 0 }

// Partial describes the incomplete command at the start of buf (Next
// returned n == 0 for it), as Redis's parser holds it: the bytes and count
// of the arguments complete so far, where the rest starts (the bytes Redis
// keeps in its query buffer), and the length of the argument being
// received, -1 if its header has not arrived (or for an inline command).
func (p *Parser) Partial(buf []byte) (argBytes, argc, rest, bulk int) {
	if p.argc == 0 {
		return 0, 0, 0, -1
	}
	for _, s := range p.spans {
		argBytes += s[1] - s[0]
	}
	rest, bulk = p.pos, -1
	if rest < len(buf) && buf[rest] == '$' {
		if line, next, err := readLine(buf, rest, ""); err == nil {
			if n, ok := num.ParseInt(line[1:]); ok && n >= 0 {
				rest, bulk = next, int(n)
			}
		}
	}
	return argBytes, len(p.spans), min(rest, len(buf)), bulk
}

// Next parses the command at the start of buf. It returns the arguments and
// the number of bytes the command used. n > 0 with no arguments is an empty
// command (a blank line, "*0") to be skipped. n == 0 with a nil error means
// the command is incomplete: call again with the same bytes and more appended.
// The argument slices alias buf and are reused by the next call.
func (p *Parser) Next(buf []byte) (argv [][]byte, n int, err error) {
	if len(buf) == 0 {
		return nil, 0, nil
	}
	if p.argc == 0 && buf[0] != '*' {
		return p.inline(buf)
	}
	return p.multibulk(buf)
}

func (p *Parser) inline(buf []byte) ([][]byte, int, error) {
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		if len(buf) > InlineMaxSize {
			return nil, 0, protoErr("too big inline request")
		}
		return nil, 0, nil
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := SplitArgs(line, p.argv[:0])
	if !ok {
		return nil, 0, protoErr("unbalanced quotes in request")
	}
	p.argv = args
	return args, nl + 1, nil
}

// readLine finds the header line at buf[pos:], returning its content and the
// offset just after its "\r\n".
func readLine(buf []byte, pos int, tooBig string) ([]byte, int, error) {
	i := bytes.IndexByte(buf[pos:], '\r')
	if i < 0 || pos+i+1 >= len(buf) {
		if len(buf)-pos > InlineMaxSize {
			return nil, 0, protoErr(tooBig)
		}
		return nil, 0, errNoCRLF
	}
	if i > InlineMaxSize {
		return nil, 0, protoErr(tooBig)
	}
	return buf[pos : pos+i], pos + i + 2, nil
}

func (p *Parser) multibulk(buf []byte) ([][]byte, int, error) {
	if p.argc == 0 {
		line, next, err := readLine(buf, 0, "too big mbulk count string")
		if err == errNoCRLF {
			return nil, 0, nil
		} else if err != nil {
			return nil, 0, err
		}
		count, ok := num.ParseInt(line[1:])
		if !ok || count > maxMultibulk {
			return nil, 0, protoErr("invalid multibulk length")
		}
		if !p.Authenticated && count > unauthMaxArgs {
			return nil, 0, protoErr("unauthenticated multibulk length")
		}
		if count <= 0 {
			return p.argv[:0], next, nil
		}
		p.argc, p.pos, p.spans = int(count), next, p.spans[:0]
	}
	for len(p.spans) < p.argc {
		if p.pos >= len(buf) {
			return nil, 0, nil
		}
		if buf[p.pos] != '$' {
			err := protoErr("expected '$', got '" + string(buf[p.pos]) + "'")
			p.Reset()
			return nil, 0, err
		}
		line, next, err := readLine(buf, p.pos, "too big bulk count string")
		if err == errNoCRLF {
			return nil, 0, nil
		} else if err != nil {
			p.Reset()
			return nil, 0, err
		}
		size, ok := num.ParseInt(line[1:])
		if !ok || size < 0 || size > p.maxBulk() {
			p.Reset()
			return nil, 0, protoErr("invalid bulk length")
		}
		if !p.Authenticated && size > unauthMaxBulk {
			p.Reset()
			return nil, 0, protoErr("unauthenticated bulk length")
		}
		// Like Redis, the two bytes after the payload are skipped unchecked.
		end := next + int(size)
		if end+2 > len(buf) {
			return nil, 0, nil
		}
		p.spans = append(p.spans, [2]int{next, end})
		p.pos = end + 2
	}
	argv := p.argv[:0]
	for _, s := range p.spans {
		argv = append(argv, buf[s[0]:s[1]:s[1]])
	}
	p.argv = argv
	n := p.pos
	p.Reset()
	return argv, n, nil
}

func (p *Parser) maxBulk() int64 {
	if p.MaxBulk <= 0 {
		return 512 << 20
	}
	return p.MaxBulk
}

// SplitArgs splits a line the way Redis's sdssplitargs does: spaces separate
// arguments, "double quotes" understand \n \r \t \b \a \\ \" and \xHH, and
// 'single quotes' understand only \'. A closing quote must be followed by a
// space or the end of the line. It returns false on unbalanced quotes.
func SplitArgs(line []byte, out [][]byte) ([][]byte, bool) {
	at := func(i int) byte { // 0 past the end, like C's terminator
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, true
		}
		arg := []byte{}
		inDQ, inSQ := false, false
		for done := false; !done; {
			c := at(i)
			switch {
			case inDQ:
				switch {
				case c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)):
					arg = append(arg, hexVal(at(i+2))<<4|hexVal(at(i+3)))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					arg = append(arg, unescape(line[i]))
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return out, false
					}
					done = true
				case i >= len(line):
					return out, false
				default:
					arg = append(arg, c)
				}
			case inSQ:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					arg = append(arg, '\'')
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return out, false
					}
					done = true
				case i >= len(line):
					return out, false
				default:
					arg = append(arg, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDQ = true
				case '\'':
					inSQ = true
				default:
					arg = append(arg, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		out = append(out, arg)
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

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
	default:
		return c
	}
}
