package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// serverBin is the absolute path of the binary under test.
var serverBin string

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// runTests finds or builds the binary under test, then runs the tests.
func runTests(m *testing.M) (int, error) {
	if bin := os.Getenv("REDIS_SERVER_BIN"); bin != "" {
		path, err := exec.LookPath(bin)
		if err != nil {
			return 0, fmt.Errorf("REDIS_SERVER_BIN: %w", err)
		}
		if serverBin, err = filepath.Abs(path); err != nil {
			return 0, err
		}
		return m.Run(), nil
	}
	tmp, err := os.MkdirTemp("", "redis-go-tests-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	serverBin = filepath.Join(tmp, "redis-server")
	if err := buildServer(serverBin); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// buildServer compiles ./cmd/redis-server of this module to out, with the
// race detector and the invariants tag (see the package doc).
func buildServer(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-race", "-tags", "invariants", "-o", out, "./cmd/redis-server")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the server: %w\n%s", err, msg)
	}
	return nil
}
