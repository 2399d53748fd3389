package child

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The test binary is the child too: Start runs it with the job's
// environment, and this package's init does the job.

func start(t *testing.T, dir string) *Process {
	t.Helper()
	p, err := Start(Spec{
		Job: RDB, Title: "child-test",
		Temp:  filepath.Join(dir, "temp-%d.rdb"),
		Final: filepath.Join(dir, "dump.rdb"),
	})
	require.NoError(t, err)
	return p
}

func TestCommitWritesTheFile(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 5<<20+123)
	rand.New(rand.NewSource(1)).Read(data)
	p := start(t, dir)
	for b := data; len(b) > 0; {
		n := min(len(b), 100_000)
		_, err := p.Write(b[:n])
		require.NoError(t, err)
		b = b[n:]
	}
	require.True(t, p.Commit().OK())
	got, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	require.NoFileExists(t, p.Temp)
}

func TestNoCommitNoFile(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir)
	_, err := p.Write([]byte("REDIS0010"))
	require.NoError(t, err)
	exit := p.Wait() // the server gave up, or died: the pipes close
	require.Equal(t, Exit{Code: 1}, exit)
	require.NoFileExists(t, p.Temp)
	require.NoFileExists(t, filepath.Join(dir, "dump.rdb"))
}

func TestStopIsNoError(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir)
	_, err := p.Write([]byte("REDIS0010"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := os.Stat(p.Temp); return err == nil }, 10*time.Second, 5*time.Millisecond)
	exit := p.StopAndWait()
	require.True(t, exit.Stopped(), "%+v", exit)
	require.Equal(t, int(syscall.SIGUSR1), exit.BySignal())
	require.NoFileExists(t, filepath.Join(dir, "dump.rdb"))
}

func TestKilledChildFailsTheWrites(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir)
	require.NoError(t, syscall.Kill(p.Pid, syscall.SIGKILL))
	require.Eventually(t, p.Exited, 10*time.Second, 5*time.Millisecond)
	_, err := p.Write(make([]byte, 4<<20))
	require.ErrorIs(t, err, syscall.EPIPE)
	require.Equal(t, Exit{Signal: syscall.SIGKILL}, p.Wait())
	require.Equal(t, int(syscall.SIGKILL), p.Wait().BySignal())
}
