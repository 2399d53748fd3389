package tests

// The server's executable run as redis-check-rdb checks a file as Redis's
// does, line for line; a server whose dump file is corrupt prints that
// report before it exits.

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkReport runs a redis-check-rdb on path: its report without the
// lines that differ between two saves (ctime, used-mem) and the pids and
// times of log lines, and its exit status.
func checkReport(t *testing.T, bin, path string) (string, int) {
	out, err := exec.Command(bin, path).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "AUX FIELD ctime") || strings.Contains(l, "AUX FIELD used-mem") {
			continue
		}
		keep = append(keep, regexp.MustCompile(`^\d+:C \d+ \w+ \d+ [\d:.]+ `).ReplaceAllString(l, ""))
	}
	return strings.Join(keep, "\n"), code
}

// corruptZiplistRDB is an RDB file (version 9, no checksum) holding a hash
// ziplist whose second entry misstates the size of the first.
func corruptZiplistRDB() []byte {
	zl := []byte{0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 'f', 9 /* should be 3 */, 1, 'v', 0xff}
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], 13)
	b := []byte("REDIS0009")
	b = append(b, 0xfe, 0, 13, 1, 'h', byte(len(zl)))
	b = append(b, zl...)
	return append(b, 0xff, 0, 0, 0, 0, 0, 0, 0, 0)
}

func TestCheckRDBLikeRedis(t *testing.T) {
	dir := t.TempDir()
	ours := filepath.Join(dir, "redis-check-rdb")
	require.NoError(t, os.Symlink(serverBin, ours))

	s := startIn(t, "", dir, "--save", "")
	c := s.client(t, 2)
	populate(t, c)
	require.NoError(t, c.Save(context.Background()).Err())
	dump, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	files := map[string][]byte{
		"valid.rdb":     dump,
		"truncated.rdb": dump[:len(dump)-9],
		"badcrc.rdb":    append(append([]byte(nil), dump[:len(dump)-1]...), dump[len(dump)-1]^1),
		"signature.rdb": append([]byte("REDIX"), dump[5:]...),
		"ziplist.rdb":   corruptZiplistRDB(),
	}
	// Cut anywhere: inside a value, a length, a key, between keys.
	rng := rand.New(rand.NewSource(7))
	for range 8 {
		n := 9 + rng.Intn(len(dump)-9)
		files[fmt.Sprintf("cut%d.rdb", n)] = dump[:n]
	}
	for name, b := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, b, 0o644))
		want, wantCode := checkReport(t, tool(t, "redis-check-rdb"), path)
		got, gotCode := checkReport(t, ours, path)
		require.Equal(t, want, got, name)
		require.Equal(t, wantCode, gotCode, name)
	}
	got, _ := checkReport(t, ours, filepath.Join(dir, "valid.rdb"))
	require.Contains(t, got, `\o/ RDB looks OK! \o/`)
	got, _ = checkReport(t, ours, filepath.Join(dir, "ziplist.rdb"))
	require.Contains(t, got, "[offset 32] Internal error in RDB reading offset 0, function at rdb.c:2274 -> Hash ziplist integrity check failed.")

	// A server on that file prints the report and exits.
	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "dump.rdb"), corruptZiplistRDB(), 0o644))
	out, err := exec.Command(serverBin, "--dir", bad, "--port", strconv.Itoa(freePort(t))).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "# Internal error in RDB reading offset 0, function at rdb.c:2274 -> Hash ziplist integrity check failed.")
	require.Contains(t, string(out), "[offset 0] Checking RDB file dump.rdb\n")
	require.Contains(t, string(out), "--- RDB ERROR DETECTED ---\n")
	require.Contains(t, string(out), "# Terminating server after rdb file reading failure.")
}

// Port 0 and no unix socket: nothing to listen on, and the server says so
// and exits, as Redis's.
func TestNotListeningAnywhere(t *testing.T) {
	out, err := exec.Command(serverBin, "--port", "0", "--dir", t.TempDir()).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 1, ee.ExitCode())
	require.Contains(t, string(out), "# Configured to not listen anywhere, exiting.")
}
