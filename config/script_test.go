// This file drives testdata/*.script: CONFIG commands and the exact replies
// real Redis 7.0.15 gives them. The same script runs against Config and,
// when redis-server is installed, against Redis itself, so the expected
// replies are checked from both sides. go test -run Script -update rewrites
// the expectations from a live Redis.

package config

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata expectations from the live redis-server")

// A script is a sequence of "> command" lines, each followed by its reply
// lines. Lines starting with '#' and blank lines are kept as they are.
// Replies are rendered as: OK, "(error) <message>", one "name=value" line
// per CONFIG GET pair in name order, or (empty).

// runScript executes the commands of script with do and returns the script
// with the replies do gave in place of the recorded ones.
func runScript(t *testing.T, script string, do func(args []string) []string) string {
	t.Helper()
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(script, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "> "):
			out.WriteString(line + "\n")
			args, err := splitArgs(line[2:])
			require.NoError(t, err, line)
			for _, r := range do(args) {
				out.WriteString(r + "\n")
			}
		case line == "" || strings.HasPrefix(line, "#"):
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

// renderPairs renders CONFIG GET's answer.
func renderPairs(pairs [][2]string) []string {
	if len(pairs) == 0 {
		return []string{"(empty)"}
	}
	lines := make([]string, len(pairs))
	for i, p := range pairs {
		lines[i] = p[0] + "=" + p[1]
	}
	return lines
}

func sortPairs(pairs [][2]string) {
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0] < pairs[j][0] })
}

// doConfig runs a CONFIG command against c.
func doConfig(t *testing.T, c *Config, args []string) []string {
	t.Helper()
	require.GreaterOrEqual(t, len(args), 2, "not a CONFIG command: %q", args)
	require.True(t, strings.EqualFold(args[0], "config"), "not a CONFIG command: %q", args)
	var err error
	switch strings.ToLower(args[1]) {
	case "get":
		return renderPairs(c.Get(args[2:]...))
	case "set":
		require.Equal(t, 0, len(args)%2, "CONFIG SET needs pairs: %q", args)
		var pairs [][2]string
		for i := 2; i < len(args); i += 2 {
			pairs = append(pairs, [2]string{args[i], args[i+1]})
		}
		err = c.Set(pairs)
	case "rewrite":
		err = c.Rewrite()
	default:
		t.Fatalf("unsupported command %q", args)
	}
	if err != nil {
		return []string{"(error) " + err.Error()}
	}
	return []string{"OK"}
}

// doRedis runs a command against the live server.
func doRedis(t *testing.T, r *redisConn, args []string) []string {
	t.Helper()
	if len(args) >= 2 && strings.EqualFold(args[1], "get") {
		return renderPairs(r.configGet(t, args[2:]...))
	}
	reply, err := r.do(t, args...)
	if err != nil {
		return []string{"(error) " + err.Error()}
	}
	return []string{reply.(string)}
}

// scriptConfig is the Config the scripts run against: what redis-server
// --save "" starts with.
func scriptConfig(t *testing.T) *Config {
	c := New()
	require.NoError(t, c.ApplyArgs([]string{"--save", ""}))
	return c
}

func scripts(t *testing.T) []string {
	paths, err := filepath.Glob("testdata/*.script")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	return paths
}

func TestScript(t *testing.T) {
	for _, path := range scripts(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			c := scriptConfig(t)
			got := runScript(t, string(want), func(args []string) []string { return doConfig(t, c, args) })
			require.Equal(t, string(want), got)
		})
	}
}

// TestScriptMatchesRedis checks the recorded replies against the reference
// server, or records them with -update.
func TestScriptMatchesRedis(t *testing.T) {
	needRedis(t)
	for _, path := range scripts(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			port := freePort(t)
			r := startRedis(t, t.TempDir(), port, "--port", strconv.Itoa(port), "--save", "")
			got := runScript(t, string(want), func(args []string) []string { return doRedis(t, r, args) })
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			require.Equal(t, string(want), got)
		})
	}
}
