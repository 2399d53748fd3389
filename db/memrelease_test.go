package db

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A quiet process holding much more than its live heap gives it back.
func TestPurgeWhenQuiet(t *testing.T) {
	garbage := make([][]byte, 0, 1024)
	for i := 0; i < 1024; i++ {
		garbage = append(garbage, make([]byte, 64<<10))
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	runtime.GC() // the 64 MB are free but still held from the OS
	before := readGCMetrics()
	require.Greater(t, before.retained, before.live+before.live/4+purgeSlack)

	memRelease.Lock()
	memRelease.allocs = before.allocs
	memRelease.quietTicks = quietTicksPurge - 1
	memRelease.lastPurge = time.Time{}
	purgeWhenQuiet()
	started := !memRelease.lastPurge.IsZero()
	memRelease.Unlock()
	require.True(t, started)
	require.Eventually(t, func() bool {
		memRelease.Lock()
		defer memRelease.Unlock()
		return !memRelease.purging
	}, 30*time.Second, 10*time.Millisecond)
	require.Less(t, readGCMetrics().retained, before.retained-32<<20)

	memRelease.Lock() // within purgeInterval of the last: none
	memRelease.quietTicks = quietTicksPurge
	last := memRelease.lastPurge
	purgeWhenQuiet()
	require.Equal(t, last, memRelease.lastPurge)
	memRelease.Unlock()
}
