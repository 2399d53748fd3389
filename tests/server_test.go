package tests

// Starting, waiting for and stopping the server under test.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	readyTimeout = 15 * time.Second // from start to the first PONG
	stopTimeout  = 5 * time.Second  // from SIGTERM to exit, then SIGKILL
)

// server is one running server under test. Its standard output and error
// go to a log file, printed when the test fails.
type server struct {
	t       *testing.T
	Port    int
	Dir     string
	LogPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	stopped sync.Once
}

// launch is a whole command line for the server under test.
type launch struct {
	Args  []string // after the binary's name
	Stdin string   // fed to the server's standard input
	Port  int      // where it answers PING once ready
	Dir   string   // an existing directory for its log file
	Bin   string   // the binary; the server under test when empty
}

// startServer starts the server with "--port <free> --dir <temp dir>" and
// then args. A leading argument that is not an option (a config file, or
// "-" for standard input) stays first, as redis-server wants.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	var full []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		full, args = append(full, args[0]), args[1:]
	}
	full = append(full, "--port", strconv.Itoa(port), "--dir", dir)
	full = append(full, args...)
	return startWith(t, launch{Args: full, Port: port, Dir: dir})
}

// startWith starts the server with exactly l.Args and waits for PING.
func startWith(t *testing.T, l launch) *server {
	t.Helper()
	s := &server{t: t, Port: l.Port, Dir: l.Dir, LogPath: filepath.Join(l.Dir, "server.out"), exited: make(chan struct{})}
	out, err := os.Create(s.LogPath)
	require.NoError(t, err)
	defer out.Close()
	bin := serverBin
	if l.Bin != "" {
		bin = l.Bin
	}
	s.cmd = exec.Command(bin, l.Args...)
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.Stdin = strings.NewReader(l.Stdin)
	require.NoError(t, s.cmd.Start())
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.stop)
	s.waitReady()
	return s
}

// waitReady polls PING until the server answers PONG.
func (s *server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			s.t.Fatalf("server exited before answering PING: %v\n%s", s.waitErr, s.output())
		default:
		}
		if pingOnce(s.Port) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("server did not answer PING on port %d within %v\n%s", s.Port, readyTimeout, s.output())
}

// pingOnce reports whether a server on port answers an inline PING.
func pingOnce(port int) bool {
	c, err := net.DialTimeout("tcp", addr(port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// stop sends SIGTERM, kills the server if it has not exited within
// stopTimeout, and fails the test if it did not exit cleanly or reported a
// data race. On failure it prints the server's output.
func (s *server) stop() {
	s.stopped.Do(func() {
		select {
		case <-s.exited:
			s.t.Errorf("server exited on its own: %v", s.waitErr)
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
				if s.waitErr != nil {
					s.t.Errorf("server exit after SIGTERM: %v", s.waitErr)
				}
			case <-time.After(stopTimeout):
				_ = s.cmd.Process.Kill()
				<-s.exited
				s.t.Errorf("server still running %v after SIGTERM: killed", stopTimeout)
			}
		}
		out := s.output()
		if strings.Contains(out, "WARNING: DATA RACE") {
			s.t.Errorf("the race detector reported a data race")
		}
		if s.t.Failed() {
			s.t.Logf("server output (%s):\n%s", strings.Join(s.cmd.Args, " "), out)
		}
	})
}

// output is the server's standard output and error so far, at most its
// last 64 KiB.
func (s *server) output() string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 64<<10 {
		b = b[len(b)-64<<10:]
	}
	return string(b)
}

// Addr is the server's TCP address.
func (s *server) Addr() string { return addr(s.Port) }

// client returns a go-redis client speaking RESP protocol proto (2 or 3).
func (s *server) client(t *testing.T, proto int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
	t.Cleanup(func() { c.Close() })
	return c
}

// dial opens a raw TCP connection to the server.
func (s *server) dial(t *testing.T) net.Conn {
	c, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// freePort returns a TCP port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// tool returns the path of a Redis tool. A missing tool fails the test:
// make test installs them.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	require.NoError(t, err, "%s is not installed: run make test, which installs redis-server, redis-tools and redis-sentinel", name)
	return path
}

// runTool runs a Redis tool with stdin and a time limit and returns its
// standard output and error. A tool that outlives the limit fails the test.
func runTool(t *testing.T, timeout time.Duration, stdin string, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t, name), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s %s did not finish within %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), timeout, out.String(), errOut.String())
	}
	return out.String(), errOut.String(), err
}
