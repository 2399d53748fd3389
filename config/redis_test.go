// This file runs the real redis-server, the reference this package is
// compared against. Tests that need it skip when it is not installed.

package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const redisServer = "/usr/bin/redis-server"

// needRedis skips the test when the reference server is missing.
func needRedis(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(redisServer); err != nil {
		t.Fatal("redis-server is not installed: nothing to compare against (make test installs Debian's redis-server and redis-tools)")
	}
}

// freePort finds a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs redis-server with args (which must set the port) in dir
// and connects to it on port. The server is killed when the test ends.
func startRedis(t *testing.T, dir string, port int, args ...string) *redisConn {
	t.Helper()
	needRedis(t)
	cmd := exec.Command(redisServer, args...)
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			t.Cleanup(func() { conn.Close() })
			return &redisConn{conn, bufio.NewReader(conn)}
		}
		select {
		case <-exited:
			t.Fatalf("redis-server exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("redis-server did not start: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runRedisConfig runs redis-server with a configuration that is expected
// to be refused, and returns what it printed on stderr.
func runRedisConfig(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return runRedisConfigStdin(t, dir, "", args...)
}

// runRedisConfigStdin is runRedisConfig with stdin for "-".
func runRedisConfigStdin(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	needRedis(t)
	cmd := exec.Command(redisServer, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	require.NoError(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "redis-server accepted the config")
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("redis-server accepted the config and kept running")
	}
	return stderr.String()
}

// redisConn is the smallest RESP2 client that CONFIG needs.
type redisConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// redisError is an error reply, without its leading '-'.
type redisError string

func (e redisError) Error() string { return string(e) }

// do sends a command and reads its reply: a string, nil, or []any for
// arrays. An error reply comes back as a redisError.
func (c *redisConn) do(t *testing.T, args ...string) (any, error) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	require.NoError(t, c.conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err := io.WriteString(c.conn, b.String())
	require.NoError(t, err)
	reply, err := c.read()
	var re redisError
	if errors.As(err, &re) {
		return nil, err
	}
	require.NoError(t, err)
	return reply, nil
}

func (c *redisConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return nil, redisError(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		items := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			item, err := c.read()
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
		return items, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// configGet runs CONFIG GET and returns its pairs sorted by name, the form
// Config.Get returns.
func (c *redisConn) configGet(t *testing.T, patterns ...string) [][2]string {
	t.Helper()
	reply, err := c.do(t, append([]string{"CONFIG", "GET"}, patterns...)...)
	require.NoError(t, err)
	items := reply.([]any)
	pairs := make([][2]string, 0, len(items)/2)
	for i := 0; i+1 < len(items); i += 2 {
		pairs = append(pairs, [2]string{items[i].(string), items[i+1].(string)})
	}
	sortPairs(pairs)
	return pairs
}
