package db

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
)

// The runtime's memory limit follows maxmemory (and CONFIG SET of it),
// never falls below the live heap plus a quarter, and is lifted without
// maxmemory or while a snapshot runs.
func TestMemoryLimitFollowsMaxmemory(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	memLimit.Lock()
	managed, set := memLimit.managed, memLimit.set
	memLimit.managed, memLimit.set = true, 0
	memLimit.Unlock()
	defer func() {
		memLimit.Lock()
		memLimit.managed, memLimit.set = managed, set
		memLimit.Unlock()
	}()

	cfg := config.New()
	require.NoError(t, cfg.LoadString("maxmemory 200mb\nmaxmemory-policy allkeys-lru\n"))
	s := NewServer(cfg)
	c := s.NewClient(nopConn{}, "127.0.0.1:40000", "127.0.0.1:6379", 8)
	do := func(cmd string) { s.ProcessInput(c, []byte(cmd+"\r\n")); c.Buf = c.Buf[:0] }

	s.Cron()
	live := liveHeap()
	want := max(memLimitFactor*(200<<20), live+live/4) + memLimitBase
	require.InDelta(t, want, debug.SetMemoryLimit(-1), float64(want)/16)

	do("CONFIG SET maxmemory 1mb") // the live heap of the test binary dominates
	s.Cron()
	live = liveHeap()
	require.GreaterOrEqual(t, debug.SetMemoryLimit(-1), live+live/4-live/16)

	BackgroundWork(true)
	s.Cron()
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
	BackgroundWork(false)

	do("CONFIG SET maxmemory 0")
	s.Cron()
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
}

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

	memLimit.Lock()
	memLimit.allocs = before.allocs
	memLimit.quietTicks = quietTicksPurge - 1
	memLimit.lastPurge = time.Time{}
	purgeWhenQuiet()
	started := !memLimit.lastPurge.IsZero()
	memLimit.Unlock()
	require.True(t, started)
	require.Eventually(t, func() bool {
		memLimit.Lock()
		defer memLimit.Unlock()
		return !memLimit.purging
	}, 30*time.Second, 10*time.Millisecond)
	require.Less(t, readGCMetrics().retained, before.retained-32<<20)

	memLimit.Lock() // within purgeInterval of the last: none
	memLimit.quietTicks = quietTicksPurge
	last := memLimit.lastPurge
	purgeWhenQuiet()
	require.Equal(t, last, memLimit.lastPurge)
	memLimit.Unlock()
}
