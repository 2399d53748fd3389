// Tests of CONFIG REWRITE against golden files recorded from Redis.

package config

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A rewrite case is a directory under testdata/rewrite: redis.conf (and
// any file it includes) is loaded, with $DIR and $PORT standing for the
// test's directory and port; steps holds CONFIG SET commands; expected.conf
// is the file after CONFIG REWRITE, with the same placeholders.
// go test -run TestRewrite -update re-records expected.conf from Config;
// TestRewriteMatchesRedis checks it against redis-server.

func rewriteCases(t *testing.T) []string {
	dirs, err := filepath.Glob("testdata/rewrite/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	return dirs
}

// setUpRewrite copies a case into a fresh directory and returns the
// directory, the port and the redis-server arguments that load it.
func setUpRewrite(t *testing.T, caseDir string) (string, int, []string) {
	dir, port := t.TempDir(), freePort(t)
	entries, err := os.ReadDir(caseDir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == "steps" || e.Name() == "expected.conf" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(caseDir, e.Name()))
		require.NoError(t, err)
		text := strings.NewReplacer("$DIR", dir, "$PORT", strconv.Itoa(port)).Replace(string(b))
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), []byte(text), 0o644))
	}
	return dir, port, []string{filepath.Join(dir, "redis.conf"), "--port", strconv.Itoa(port), "--dir", dir}
}

// rewriteSteps reads the CONFIG SET commands of a case.
func rewriteSteps(t *testing.T, caseDir string) [][]string {
	b, err := os.ReadFile(filepath.Join(caseDir, "steps"))
	require.NoError(t, err)
	var steps [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		args, err := splitArgs(line)
		require.NoError(t, err)
		steps = append(steps, args)
	}
	return steps
}

// rewritten reads the rewritten file back with the placeholders restored.
func rewritten(t *testing.T, dir string, port int) string {
	b, err := os.ReadFile(filepath.Join(dir, "redis.conf"))
	require.NoError(t, err)
	return strings.NewReplacer(dir, "$DIR", strconv.Itoa(port), "$PORT").Replace(string(b))
}

func TestRewrite(t *testing.T) {
	for _, caseDir := range rewriteCases(t) {
		t.Run(filepath.Base(caseDir), func(t *testing.T) {
			dir, port, args := setUpRewrite(t, caseDir)
			c := New()
			require.NoError(t, c.LoadArgs(args))
			for _, step := range rewriteSteps(t, caseDir) {
				require.Equal(t, []string{"OK"}, doConfig(t, c, step), step)
			}
			require.NoError(t, c.Rewrite())
			got := rewritten(t, dir, port)
			golden := filepath.Join(caseDir, "expected.conf")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got)

			// What was written loads back to the same values.
			again := New()
			require.NoError(t, again.LoadArgs(args))
			require.Equal(t, c.Get("*"), again.Get("*"))
		})
	}
}

// sortGenerated sorts the lines after the CONFIG REWRITE signature, which
// Redis appends in the order of its hash table, and this package in name
// order.
func sortGenerated(text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if l == rewriteSignature {
			sort.Strings(lines[i+1:])
			break
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestRewriteMatchesRedis(t *testing.T) {
	needRedis(t)
	for _, caseDir := range rewriteCases(t) {
		t.Run(filepath.Base(caseDir), func(t *testing.T) {
			dir, port, args := setUpRewrite(t, caseDir)
			r := startRedis(t, dir, port, args...)
			for _, step := range rewriteSteps(t, caseDir) {
				require.Equal(t, []string{"OK"}, doRedis(t, r, step), step)
				if strings.EqualFold(step[2], "requirepass") {
					_, err := r.do(t, "AUTH", step[3])
					require.NoError(t, err)
				}
			}
			_, err := r.do(t, "CONFIG", "REWRITE")
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(caseDir, "expected.conf"))
			require.NoError(t, err)
			require.Equal(t, sortGenerated(string(want)), sortGenerated(rewritten(t, dir, port)))
		})
	}
}

func TestRewriteErrors(t *testing.T) {
	require.EqualError(t, New().Rewrite(), "ERR The server is running without a config file")

	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "redis.conf")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("timeout 5\n"), 0o644))
	c := New()
	require.NoError(t, c.LoadFile(path))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "sub")))
	require.EqualError(t, c.Rewrite(), "ERR Rewriting config file: No such file or directory")
}

// A config file deleted after loading is written anew.
func TestRewriteMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	require.NoError(t, os.WriteFile(path, []byte("timeout 5\n"), 0o644))
	c := New()
	require.NoError(t, c.LoadFile(path))
	require.NoError(t, os.Remove(path))
	require.NoError(t, c.Rewrite())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		rewriteSignature,
		`dir "` + c.String("dir") + `"`,
		"latency-tracking-info-percentiles 50 99 99.9",
		"save 3600 1",
		"save 300 100",
		"save 60 10000",
		"timeout 5",
		"user default on nopass ~* &* +@all",
		"",
	}, "\n"), string(b))
	// The mode is 0644 less the umask, as for any file created 0644.
	ref := filepath.Join(dir, "ref")
	require.NoError(t, os.WriteFile(ref, nil, 0o644))
	refInfo, err := os.Stat(ref)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, refInfo.Mode(), info.Mode())
}

// A crash report's config lines are CONFIG REWRITE's, defaults included,
// as Redis 7.0.15 prints them.
func TestDebugLines(t *testing.T) {
	c := New()
	require.Equal(t, []string{"list-compress-depth 0", "client-query-buffer-limit 1gb", "proto-max-bulk-len 512mb",
		"slave-read-only yes", "repl-diskless-load disabled", "io-threads-do-reads no"},
		c.DebugLines("list-compress-depth", "client-query-buffer-limit", "proto-max-bulk-len", "slave-read-only",
			"repl-diskless-load", "io-threads-do-reads"))
}
