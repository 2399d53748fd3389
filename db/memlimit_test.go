package db

import (
	"math"
	"runtime/debug"
	"testing"

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
