package tests

// The command line, config file and process behaviour of redis-server.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runServer runs the server to completion (it is expected to exit by
// itself) and returns its exit code and output.
func runServer(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, serverBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "redis-server %v did not exit\nstdout:\n%s\nstderr:\n%s", args, out.String(), errOut.String())
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		require.True(t, ok, "redis-server %v: %v", args, err)
		return exit.ExitCode(), out.String(), errOut.String()
	}
	return 0, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		code, out, errOut := runServer(t, "", flag)
		assert.Equal(t, 0, code)
		assert.Regexp(t, `^Redis server v=7\.0\.15 sha=[0-9a-f]{8}:[01] malloc=\S+ bits=64 build=[0-9a-f]+\n$`, out)
		assert.Equal(t, "", errOut)
	}
}

func TestPortOption(t *testing.T) {
	s := startServer(t)
	got, err := s.client(t, 2).ConfigGet(context.Background(), "port").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"port": strconv.Itoa(s.Port)}, got)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// configGet returns CONFIG GET name's value.
func configGet(t *testing.T, s *server, name string) string {
	t.Helper()
	got, err := s.client(t, 2).ConfigGet(context.Background(), name).Result()
	require.NoError(t, err)
	return got[name]
}

// TestConfigFileAndOverrides: options on the command line win over the
// config file, which wins over the defaults.
func TestConfigFileAndOverrides(t *testing.T) {
	conf := writeFile(t, t.TempDir(), "redis.conf",
		"# a comment\n\nport 1\nhz 20\nmaxmemory-policy allkeys-lru\nmaxmemory 10mb\n")
	s := startServer(t, conf, "--hz", "30")
	assert.Equal(t, strconv.Itoa(s.Port), configGet(t, s, "port"))
	assert.Equal(t, "30", configGet(t, s, "hz"))
	assert.Equal(t, "allkeys-lru", configGet(t, s, "maxmemory-policy"))
	assert.Equal(t, "10485760", configGet(t, s, "maxmemory"))
	assert.Equal(t, "16", configGet(t, s, "databases"))
}

// TestConfigFromStdin: "-" reads the configuration from standard input.
func TestConfigFromStdin(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	s := startWith(t, launch{
		Args:  []string{"-", "--dir", dir},
		Stdin: "port " + strconv.Itoa(port) + "\nhz 25\n",
		Port:  port,
		Dir:   dir,
	})
	assert.Equal(t, "25", configGet(t, s, "hz"))
}

func TestConfigFileUnknownDirective(t *testing.T) {
	conf := writeFile(t, t.TempDir(), "bad.conf", "port 7777\nfoo bar\n")
	code, out, errOut := runServer(t, "", conf)
	assert.Equal(t, 1, code)
	assert.Equal(t, "", out)
	assert.Equal(t, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Reading the configuration file, at line 2\n"+
		">>> 'foo bar'\n"+
		"Bad directive or wrong number of arguments\n", errOut)
}

func TestUnknownOption(t *testing.T) {
	code, out, errOut := runServer(t, "", "--no-such-option", "1")
	assert.Equal(t, 1, code)
	assert.Equal(t, "", out)
	assert.Equal(t, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Reading the configuration file, at line 2\n"+
		">>> 'no-such-option \"1\"'\n"+
		"Bad directive or wrong number of arguments\n", errOut)
}

// TestDaemonize: with daemonize yes the command returns at once with 0
// and the server goes on in the background, writing its pidfile.
func TestDaemonize(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	pidfile := filepath.Join(dir, "redis.pid")
	code, out, errOut := runServer(t, "", "--daemonize", "yes", "--port", strconv.Itoa(port),
		"--pidfile", pidfile, "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidfile)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, readyTimeout, 20*time.Millisecond, "no pidfile %s", pidfile)
	t.Cleanup(func() {
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	require.Eventually(t, func() bool { return pingOnce(port) }, readyTimeout, 20*time.Millisecond)
	assert.Equal(t, strconv.Itoa(pid), processID(t, port))

	require.NoError(t, syscall.Kill(pid, syscall.SIGTERM))
	assert.Eventually(t, func() bool { return !alive(pid) }, stopTimeout, 20*time.Millisecond, "still running after SIGTERM")
	assert.NoFileExists(t, pidfile)
}

// processID is INFO server's process_id.
func processID(t *testing.T, port int) string {
	s := &server{Port: port}
	info, err := s.client(t, 2).Info(context.Background(), "server").Result()
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^process_id:(\d+)\r$`).FindStringSubmatch(info)
	require.NotNil(t, m, "no process_id in INFO server:\n%s", info)
	return m[1]
}

// alive reports whether pid runs (a zombie is not running).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

var (
	logLine           = regexp.MustCompile(`^\d+:[MSC] \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] `)
	signalHandlerLine = regexp.MustCompile(`^\d+:signal-handler \(\d+\) Received SIG(TERM|INT) scheduling shutdown\.\.\.$`)
)

// TestLogfile: every line in the log file has Redis's format. Redis logs
// the signal it received in another format, from its signal handler.
func TestLogfile(t *testing.T) {
	dir := t.TempDir()
	logfile := filepath.Join(dir, "redis.log")
	s := startServer(t, "--logfile", logfile, "--loglevel", "verbose")
	s.stop()
	b, err := os.ReadFile(logfile)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for _, line := range lines {
		if !signalHandlerLine.MatchString(line) {
			assert.Regexp(t, logLine, line)
		}
	}
	assert.Contains(t, string(b), " * Ready to accept connections\n")
	assert.Contains(t, string(b), " # Redis is now ready to exit, bye bye...")
}

// TestAlwaysShowLogo: with always-show-logo, the banner of Redis 7.0 is
// on standard output, with the version, the mode, the port and the pid;
// without it, and not on a terminal, the one "Running mode" line.
func TestAlwaysShowLogo(t *testing.T) {
	s := startServer(t, "--always-show-logo", "yes")
	pid := processID(t, s.Port)
	s.stop()
	out := s.output()
	for _, want := range []string{
		"\n                _._                                                  \n",
		"           Redis 7.0.15 (00000000/0) 64 bit\n",
		"     Running in standalone mode\n",
		fmt.Sprintf("     Port: %d\n", s.Port),
		fmt.Sprintf("     PID: %s\n", pid),
		"           https://redis.io       \n",
		"\n              `-.__.-'                                               \n\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "Running mode=")
	assert.NotContains(t, out, "always-show-logo") // no "not implemented" warning
	assert.Regexp(t, `(?m)^\d+:signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.$`, out)

	s = startServer(t)
	s.stop()
	assert.Contains(t, s.output(), fmt.Sprintf(" * Running mode=standalone, port=%d.\n", s.Port))
	assert.NotContains(t, s.output(), "_._")
}

// TestRelativeLogfileIsInDir: a relative logfile is opened in dir, as
// Redis has moved there before it opens the log.
func TestRelativeLogfileIsInDir(t *testing.T) {
	name := fmt.Sprintf("relative-%d.log", os.Getpid())
	s := startServer(t, "--logfile", name)
	s.stop()
	b, err := os.ReadFile(filepath.Join(s.Dir, name))
	require.NoError(t, err)
	assert.Contains(t, string(b), "Ready to accept connections")
	_, err = os.Stat(name)
	assert.True(t, os.IsNotExist(err), "the log is not in the working directory")
}
