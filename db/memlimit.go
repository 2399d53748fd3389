package db

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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
var memLimit struct {
	sync.Mutex
	managed bool
	set     int64 // the limit in force; 0 before the first
}

const (
	memLimitFactor = 2        // the heap may reach twice maxmemory
	memLimitBase   = 16 << 20 // and the runtime's own memory
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
}

// liveHeap is the heap the last collection found live.
func liveHeap() int64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

// backgroundWorkRunning reports whether a snapshot or a load is under way.
func backgroundWorkRunning() bool {
	procs.Lock()
	defer procs.Unlock()
	return procs.jobs > 0
}
