// Tests that compare CONFIG GET * with a live redis-server.

package config

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// withoutNames drops the named parameters from CONFIG GET pairs.
func withoutNames(pairs [][2]string, names ...string) [][2]string {
	var out [][2]string
	for _, p := range pairs {
		skip := false
		for _, n := range names {
			skip = skip || p[0] == n
		}
		if !skip {
			out = append(out, p)
		}
	}
	return out
}

// TestDefaultsMatchRedis compares every parameter, name and value, with a
// redis-server started with no config file. dir is the only
// machine-dependent value left: the server's working directory.
func TestDefaultsMatchRedis(t *testing.T) {
	port := freePort(t)
	args := []string{"--port", strconv.Itoa(port), "--save", ""}
	r := startRedis(t, t.TempDir(), port, args...)
	c := New()
	require.NoError(t, c.ApplyArgs(args))
	want := withoutNames(r.configGet(t, "*"), "dir")
	require.Len(t, want, 191)
	require.Equal(t, want, withoutNames(c.Get("*"), "dir"))
}

// TestLoadMatchesRedis loads the same configurations into Config and into
// redis-server and compares everything CONFIG GET * shows.
func TestLoadMatchesRedis(t *testing.T) {
	tests := []struct {
		name string
		args func(t *testing.T, dir string, port int) []string
		auth string // the requirepass the configuration sets
	}{
		{"debian", func(t *testing.T, dir string, port int) []string {
			return []string{debianConfig(t), "--port", strconv.Itoa(port), "--daemonize", "no",
				"--logfile", "", "--pidfile", "", "--dir", dir}
		}, ""},
		{"custom", func(t *testing.T, dir string, port int) []string {
			copyTestdata(t, dir, "load/custom.conf", "load/inc.conf")
			return []string{filepath.Join(dir, "custom.conf"), "--port", strconv.Itoa(port)}
		}, "a bA\n\\ \"q\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			needRedis(t)
			dir, port := t.TempDir(), freePort(t)
			args := tc.args(t, dir, port)
			r := startRedis(t, dir, port, args...)
			if tc.auth != "" {
				_, err := r.do(t, "AUTH", tc.auth)
				require.NoError(t, err)
			}
			c := New()
			require.NoError(t, c.LoadArgs(args))
			require.Equal(t, r.configGet(t, "*"), c.Get("*"))
		})
	}
}

// copyTestdata copies files from testdata into dir, replacing $DIR by dir.
func copyTestdata(t *testing.T, dir string, names ...string) {
	t.Helper()
	files := map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		require.NoError(t, err)
		files[filepath.Base(n)] = string(b)
	}
	writeFiles(t, dir, files)
}
