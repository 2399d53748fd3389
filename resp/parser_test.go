package resp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseAll feeds input to a parser the way the server does and returns the
// commands found (joined by spaces), or the protocol error.
func parseAll(t *testing.T, input string, chunk int) (cmds []string, perr string) {
	p := &Parser{Authenticated: true}
	var buf []byte
	for off := 0; off < len(input) || len(buf) > 0; {
		if off < len(input) {
			end := min(off+chunk, len(input))
			buf = append(buf, input[off:end]...)
			off = end
		}
		for len(buf) > 0 {
			argv, n, err := p.Next(buf)
			if err != nil {
				return cmds, err.Error()
			}
			if n == 0 {
				break
			}
			if len(argv) > 0 {
				parts := make([]string, len(argv))
				for i, a := range argv {
					parts[i] = string(a)
				}
				cmds = append(cmds, strings.Join(parts, " "))
			}
			buf = buf[n:]
		}
		if off >= len(input) {
			break
		}
	}
	return cmds, ""
}

func TestParser(t *testing.T) {
	cases := []struct {
		in   string
		cmds []string
		err  string
	}{
		{"PING\r\n", []string{"PING"}, ""},
		{"PING\n", []string{"PING"}, ""},
		{"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\na b\r\n", []string{"PING", "ECHO a b"}, ""},
		{"*-1\r\n*0\r\n\r\n\r\nPING\r\n", []string{"PING"}, ""},
		{"set a \"b\\x41\\n\" 'it\\'s'\r\n", []string{"set a bA\n it's"}, ""},
		{"*1\r\n$4\r\nPING\n", nil, ""},
		{"PING\r\n*x\r\n", []string{"PING"}, "ERR Protocol error: invalid multibulk length"},
		{"*1\r\n+PING\r\n", nil, "ERR Protocol error: expected '$', got '+'"},
		{"set a \"b\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"set a \"b\"c\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"*1\r\n$-5\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"*1\r\n$600000000\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"*1x\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{strings.Repeat("a", InlineMaxSize+1), nil, "ERR Protocol error: too big inline request"},
		{"*1\r\n$" + strings.Repeat("1", InlineMaxSize+1), nil, "ERR Protocol error: too big bulk count string"},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 3, 1 << 20} {
			cmds, err := parseAll(t, tc.in, chunk)
			assert.Equal(t, tc.cmds, cmds, "%q chunk %d", tc.in, chunk)
			assert.Equal(t, tc.err, err, "%q chunk %d", tc.in, chunk)
		}
	}
}

// Before AUTH, Redis 7.0 refuses more than 10 arguments and bulks over
// 16384 bytes, with their own words (checked against redis-server
// --requirepass).
func TestParserUnauthenticatedLimits(t *testing.T) {
	p := &Parser{}
	_, _, err := p.Next([]byte("*11\r\n"))
	require.EqualError(t, err, "ERR Protocol error: unauthenticated multibulk length")
	p = &Parser{}
	_, _, err = p.Next([]byte("*1\r\n$16385\r\n"))
	require.EqualError(t, err, "ERR Protocol error: unauthenticated bulk length")
	p = &Parser{}
	_, _, err = p.Next([]byte("*1\r\n$-1\r\n"))
	require.EqualError(t, err, "ERR Protocol error: invalid bulk length")
	p = &Parser{Authenticated: true}
	_, n, err := p.Next([]byte("*11\r\n"))
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestParserLargePipeline(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 10000; i++ {
		sb.WriteString("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
	}
	cmds, err := parseAll(t, sb.String(), 4096)
	require.Empty(t, err)
	require.Len(t, cmds, 10000)
}

func FuzzParser(f *testing.F) {
	for _, s := range []string{"PING\r\n", "*2\r\n$4\r\nECHO\r\n$1\r\na\r\n", "set a \"b\\x41\"\r\n", "*1\r\n$-1\r\n", "'a\\'b'\n"} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		p := &Parser{Authenticated: true, MaxBulk: 1 << 20}
		var buf []byte
		for off := 0; off < len(data); {
			end := min(off+chunk, len(data))
			buf = append(buf, data[off:end]...)
			off = end
			for len(buf) > 0 {
				_, n, err := p.Next(buf)
				if err != nil {
					return
				}
				if n == 0 {
					break
				}
				if n > len(buf) {
					t.Fatalf("consumed %d of %d", n, len(buf))
				}
				buf = buf[n:]
			}
		}
	})
}
