package tests

// Raw TCP: large pipelines in a single write and a large value in chunks.
// These guard the event loop's rule that every byte read is handed to the
// executor, whatever its size and however it is split.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// multibulk encodes a command in RESP.
func multibulk(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// readReply reads one RESP2 reply and renders it: "+OK", "-ERR ...",
// ":1", "$-1", the bulk's content, or "*N" followed by its elements
// rendered the same way, one per line.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") || len(line) < 3 {
		return "", fmt.Errorf("bad reply line %q", line)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return line, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		parts := []string{line}
		for i := 0; i < n; i++ {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unknown reply type %q", line)
}

// expectReplies reads len(want) replies and compares each with want.
func expectReplies(t *testing.T, c net.Conn, r *bufio.Reader, want []string) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
	for i, w := range want {
		got, err := readReply(r)
		require.NoError(t, err, "reading reply %d of %d", i+1, len(want))
		require.Equal(t, w, got, "reply %d of %d", i+1, len(want))
	}
}

// pipeline builds n commands, every fourth one inline and the others
// in RESP, from cmd(i).
func pipeline(n int, cmd func(i int) []string) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		args := cmd(i)
		if i%4 == 3 {
			b.WriteString(strings.Join(args, " ") + "\r\n")
		} else {
			b.WriteString(multibulk(args...))
		}
	}
	return b.Bytes()
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestRawPipelinePing(t *testing.T) {
	const n = 20000
	s := startServer(t)
	c := s.dial(t)
	r := bufio.NewReader(c)
	_, err := c.Write(pipeline(n, func(int) []string { return []string{"PING"} }))
	require.NoError(t, err)
	expectReplies(t, c, r, repeat("+PONG", n))
}

func TestRawPipelineSetGet(t *testing.T) {
	const n = 20000
	s := startServer(t)
	c := s.dial(t)
	r := bufio.NewReader(c)

	_, err := c.Write(pipeline(n, func(i int) []string {
		return []string{"SET", "key:" + strconv.Itoa(i), "value:" + strconv.Itoa(i)}
	}))
	require.NoError(t, err)
	expectReplies(t, c, r, repeat("+OK", n))

	_, err = c.Write(pipeline(n, func(i int) []string { return []string{"GET", "key:" + strconv.Itoa(i)} }))
	require.NoError(t, err)
	want := make([]string, n)
	for i := range want {
		want[i] = "value:" + strconv.Itoa(i)
	}
	expectReplies(t, c, r, want)
}

// TestRawBigValue sends a 10 MB SET in chunks, so that the server sees the
// bulk argument across many reads, then reads it back.
func TestRawBigValue(t *testing.T) {
	const size = 10 << 20
	s := startServer(t)
	c := s.dial(t)
	r := bufio.NewReader(c)

	value := make([]byte, size)
	for i := range value {
		value[i] = byte('a' + i%26 + i/(1<<20))
	}
	msg := append([]byte(fmt.Sprintf("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", size)), value...)
	msg = append(msg, "\r\n"...)
	for len(msg) > 0 {
		chunk := min(len(msg), 256<<10)
		_, err := c.Write(msg[:chunk])
		require.NoError(t, err)
		msg = msg[chunk:]
		time.Sleep(time.Millisecond)
	}
	expectReplies(t, c, r, []string{"+OK"})

	_, err := c.Write([]byte(multibulk("STRLEN", "big") + "GET big\r\n"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
	n, err := readReply(r)
	require.NoError(t, err)
	assert.Equal(t, ":"+strconv.Itoa(size), n)
	got, err := readReply(r)
	require.NoError(t, err)
	require.Equal(t, size, len(got))
	assert.True(t, got == string(value), "GET returned different bytes")
}

// TestProtectedMode: with protected-mode on and no password, only
// 127.0.0.1, ::1 and unix sockets are local, whatever bind says: a client
// from 127.0.0.2 is told DENIED and disconnected, as by Redis 7.0.
func TestProtectedMode(t *testing.T) {
	s := startServer(t, "--bind", "127.0.0.1 127.0.0.2", "--protected-mode", "yes")
	// pingFrom returns the first reply line and whether the server then
	// closed the connection.
	pingFrom := func(ip string) (string, bool) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", net.JoinHostPort(ip, strconv.Itoa(s.Port)))
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = c.Write([]byte("PING\r\n"))
		require.NoError(t, err)
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		require.NoError(t, c.SetDeadline(time.Now().Add(500*time.Millisecond)))
		_, err = r.ReadByte()
		// A close with our request unread may come as a reset.
		return line, err == io.EOF || errors.Is(err, syscall.ECONNRESET)
	}
	line, closed := pingFrom("127.0.0.2")
	require.True(t, strings.HasPrefix(line, "-DENIED Redis is running in protected mode"), line)
	require.True(t, closed)
	line, closed = pingFrom("127.0.0.1")
	require.Equal(t, "+PONG\r\n", line)
	require.False(t, closed)
	require.NoError(t, s.client(t, 2).ConfigSet(context.Background(), "requirepass", "pw").Err())
	line, closed = pingFrom("127.0.0.2")
	require.Equal(t, "-NOAUTH Authentication required.\r\n", line)
	require.False(t, closed)
}

// TestFormerCrashers: each command once took the whole server down (a
// panic on the loop or an allocation of gigabytes); now each gets an
// answer and the server goes on serving its data.
func TestFormerCrashers(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	c := s.client(t, 2)
	require.NoError(t, c.Set(ctx, "b", "x", 0).Err())
	require.NoError(t, c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}).Err())
	long := strings.Repeat("ab", 16<<10)
	require.NoError(t, c.Set(ctx, "la", long, 0).Err())
	require.NoError(t, c.Set(ctx, "lb", long[1:]+"c", 0).Err())
	for _, cmd := range [][]any{
		{"ZMPOP", "9223372036854775807", "z", "MIN"},
		{"ZMPOP", "9223372036854775806", "z", "MIN"},
		{"BZMPOP", "0", "9223372036854775807", "z", "MIN"},
		{"BITPOS", "b", "1", "9223372036854775807"},
		{"BITPOS", "b", "1", "1152921504606846976"},
		{"BITPOS", "b", "1", "2305843009213693952"},
		{"LCS", "la", "lb"},
	} {
		err := c.Do(ctx, cmd...).Err()
		require.True(t, err == nil || strings.HasPrefix(err.Error(), "ERR "), "%v: %v", cmd, err)
		require.True(t, pingOnce(s.Port), "%v", cmd)
	}
	require.Equal(t, "x", c.Get(ctx, "b").Val())
	require.Equal(t, int64(1), c.ZCard(ctx, "z").Val())
}
