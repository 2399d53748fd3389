package db

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// memLimit keeps the Go runtime's soft memory limit (debug.SetMemoryLimit)
// tied to maxmemory, which is what makes maxmemory bound the process and
// not only used_memory. Under eviction churn the evicted values stay on the
// heap until the collector runs, and with the default GOGC the heap grows
// to twice the live data first: about 2.8 times maxmemory in RSS where
// Redis, which frees at once, stays near 1.2 times. With the limit the
// collector runs when the heap reaches twice maxmemory instead. It is never
// set below a quarter above the live heap, so that data maxmemory does not
// count (replica buffers, the backlog) cannot make the collector run
// without end, and it is lifted while a snapshot or a load runs, which
// grow the heap for a while on purpose. Like GOMAXPROCS (procs) the limit
// belongs to the process: cmd/redis-server turns its management on, for
// its one server.
//
// The same management gives memory back when the server goes quiet: the
// heap a load or a burst of writes left behind (up to twice the live data
// under the default GOGC) stays mapped until the runtime's scavenger
// slowly returns it, where Redis's allocator frees at once. After a
// second without allocation to speak of, if the runtime holds a quarter
// more than the live heap, a collection and a release to the OS run on
// their own goroutine (as MEMORY PURGE, which does it on the loop).
var memLimit struct {
	sync.Mutex
	managed bool
	set     int64 // the limit in force; 0 before the first

	allocs     uint64    // bytes allocated so far, at the last tick
	quietTicks int       // ticks in a row that allocated little
	lastPurge  time.Time // the last release to the OS
	purging    bool
}

const (
	memLimitFactor = 2        // the heap may reach twice maxmemory
	memLimitBase   = 16 << 20 // and the runtime's own memory

	quietAllocBytes = 256 << 10        // a tick that allocates less is quiet
	quietTicksPurge = 10               // a second of them at hz 10
	purgeSlack      = 8 << 20          // retained memory not worth a purge
	purgeInterval   = 30 * time.Second // at most one purge in this time
)

// ManageMemoryLimit turns the management of the runtime's memory limit on.
func ManageMemoryLimit() {
	memLimit.Lock()
	memLimit.managed = true
	memLimit.Unlock()
}

// tuneMemoryLimit sets the memory limit for maxmemory (the cron calls it).
func (s *Server) tuneMemoryLimit() {
	memLimit.Lock()
	defer memLimit.Unlock()
	if !memLimit.managed {
		return
	}
	limit := int64(math.MaxInt64)
	if mm := s.evict.maxmemory; mm > 0 && !backgroundWorkRunning() {
		live := liveHeap()
		limit = max(memLimitFactor*mm, live+live/4) + memLimitBase
	}
	// Small moves of the live heap are not worth a call.
	if d := limit - memLimit.set; memLimit.set == 0 || d > memLimit.set/16 || -d > memLimit.set/16 {
		debug.SetMemoryLimit(limit)
		memLimit.set = limit
	}
	purgeWhenQuiet()
}

// purgeWhenQuiet starts a release of memory to the OS once the process has
// been quiet for quietTicksPurge ticks and holds much more than it uses.
// The caller holds memLimit.
func purgeWhenQuiet() {
	m := readGCMetrics()
	quiet := m.allocs-memLimit.allocs < quietAllocBytes
	memLimit.allocs = m.allocs
	if !quiet {
		memLimit.quietTicks = 0
		return
	}
	if memLimit.quietTicks++; memLimit.quietTicks < quietTicksPurge || memLimit.purging ||
		time.Since(memLimit.lastPurge) < purgeInterval || m.retained < m.live+m.live/4+purgeSlack {
		return
	}
	memLimit.purging = true
	memLimit.lastPurge = time.Now()
	go func() {
		debug.FreeOSMemory()
		memLimit.Lock()
		memLimit.purging = false
		memLimit.Unlock()
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

// liveHeap is the heap the last collection found live.
func liveHeap() int64 { return readGCMetrics().live }

// backgroundWorkRunning reports whether a snapshot or a load is under way.
func backgroundWorkRunning() bool {
	procs.Lock()
	defer procs.Unlock()
	return procs.jobs > 0
}
