package db

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// memRelease gives memory back to the OS when the server goes quiet: the
// heap a load or a burst of writes left behind (up to twice the live data
// under the default GOGC) stays mapped until the runtime's scavenger
// slowly returns it, where Redis's allocator frees at once. After a second
// without allocation to speak of, if the runtime holds a quarter more than
// the live heap, a collection and a release to the OS run on their own
// goroutine (as MEMORY PURGE, which does it on the loop). Like GOMAXPROCS
// (procs) this belongs to the process: cmd/redis-server turns it on, for
// its one server.
//
// The runtime's memory limit (GOMEMLIMIT) is left to the user. Tied to
// maxmemory it held the RSS under eviction churn near twice maxmemory
// (140 MB at 64mb, against 176 MB without and Redis's 78 MB), but the
// collector then ran so often that SET cost 40% more CPU and its p99 was 3
// times as long: too high a price to pay by default.
var memRelease struct {
	sync.Mutex
	managed bool

	allocs     uint64    // bytes allocated so far, at the last tick
	quietTicks int       // ticks in a row that allocated little
	lastPurge  time.Time // the last release to the OS
	purging    bool
}

const (
	quietAllocBytes = 256 << 10        // a tick that allocates less is quiet
	quietTicksPurge = 10               // a second of them at hz 10
	purgeSlack      = 8 << 20          // retained memory not worth a purge
	purgeInterval   = 30 * time.Second // at most one purge in this time
)

// ManageMemory turns the release of memory when quiet on.
func ManageMemory() {
	memRelease.Lock()
	memRelease.managed = true
	memRelease.Unlock()
}

// releaseMemoryWhenQuiet is the cron's part.
func releaseMemoryWhenQuiet() {
	memRelease.Lock()
	defer memRelease.Unlock()
	if memRelease.managed {
		purgeWhenQuiet()
	}
}

// purgeWhenQuiet starts a release of memory to the OS once the process has
// been quiet for quietTicksPurge ticks and holds much more than it uses.
// The caller holds memRelease.
func purgeWhenQuiet() {
	m := readGCMetrics()
	quiet := m.allocs-memRelease.allocs < quietAllocBytes
	memRelease.allocs = m.allocs
	if !quiet {
		memRelease.quietTicks = 0
		return
	}
	if memRelease.quietTicks++; memRelease.quietTicks < quietTicksPurge || memRelease.purging ||
		time.Since(memRelease.lastPurge) < purgeInterval || m.retained < m.live+m.live/4+purgeSlack {
		return
	}
	memRelease.purging = true
	memRelease.lastPurge = time.Now()
	go func() {
		debug.FreeOSMemory()
		memRelease.Lock()
		memRelease.purging = false
		memRelease.Unlock()
	}()
}

// gcMetrics are the runtime's figures memLimit works from.
type gcMetrics struct {
	live     int64  // the heap the last collection found live
	retained int64  // memory the runtime holds from the OS
	allocs   uint64 // bytes allocated since the start
}

func readGCMetrics() gcMetrics {
	samples := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/allocs:bytes"},
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return samples[i].Value.Uint64()
	}
	return gcMetrics{live: int64(v(0)), retained: int64(v(1) - v(2)), allocs: v(3)}
}
