package proctitle

import (
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func cmdline(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/cmdline")
	require.NoError(t, err)
	return strings.TrimRight(string(b), "\x00")
}

func TestSetShortAndLongTitles(t *testing.T) {
	args0 := unsafe.Pointer(unsafe.StringData(os.Args[0]))
	CloneArgs()
	require.NoError(t, Set(args0, "short"))
	require.Equal(t, "short", cmdline(t))
	long := strings.Repeat("a long title ", 40) // past the arguments, into the environment
	require.NoError(t, Set(args0, long))
	require.Equal(t, long[:255], cmdline(t), "cut at 255 bytes, as Redis's")
	require.NoError(t, Set(args0, "again short"))
	require.Equal(t, "again short", cmdline(t))
	require.NotEmpty(t, os.Getenv("PATH"), "the runtime's copy of the environment is untouched")
}
