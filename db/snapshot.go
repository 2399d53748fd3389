package db

import (
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/redis-go/redis-server/internal/dict"
)

// COW is the dataset's copy-on-write clock (Server.COW): internal/dict
// defines it, as every structure a snapshot can freeze follows it.
type COW = dict.COW

// A Snapshot is the dataset frozen at one moment of the event loop, the
// Go analogue of the memory a forked Redis child sees. Taking one costs a
// copy of each dict's segment pointers (n/512 words), not a pass over the
// keys; afterwards the loop copies a segment, an entry or a value only on
// its first write to it (see COW), so the snapshot goroutine reads memory
// the loop no longer writes.
//
// Consumers (BGSAVE, the full sync of a replica, an AOF rewrite) read it
// from their own goroutine and must hand Release back to the loop.
type Snapshot struct {
	DBs  []FrozenDB
	Time time.Time
	// Replication state of the same moment, for the RDB aux fields and
	// the +FULLRESYNC offset: filled by whoever takes the snapshot.
	ReplID       string
	ReplOffset   int64
	ReplStreamDB int

	srv      *Server
	released bool
}

// FrozenDB is one database of a snapshot.
type FrozenDB struct {
	ID      int
	Keys    *dict.Frozen[any]
	Expires *dict.Frozen[int64]
}

// Snapshot freezes every database. It must run on the loop.
func (s *Server) Snapshot() *Snapshot {
	sn := &Snapshot{Time: time.Now(), srv: s, DBs: make([]FrozenDB, len(s.DBs))}
	for i, d := range s.DBs {
		sn.DBs[i] = FrozenDB{ID: i, Keys: d.keys.Freeze(), Expires: d.expires.Freeze()}
	}
	s.COW.Epoch++
	s.COW.Live++
	if s.COW.Live == 1 {
		s.COW.Copied = 0
	}
	BackgroundWork(true)
	return sn
}

// Release ends the snapshot's claim on the shared data. It must run on
// the loop; calling it twice is harmless.
func (sn *Snapshot) Release() {
	if sn.released {
		return
	}
	sn.released = true
	sn.srv.COW.Live--
	BackgroundWork(false)
}

// procs manages GOMAXPROCS, which belongs to the process, not to a
// server. With ManageProcs the process runs Go with one processor under a
// heavy load, two under a light one, and every core while a snapshot is
// being written or a load runs, whichever server of the process does it.
//
// Under a heavy load, like Redis, all the work is on one thread: a second
// processor only adds scheduling. gnet as it came yielded
// (runtime.Gosched) each time a poll for events found none, and with an
// idle processor the runtime woke a second thread for it every time, which
// found nothing to do and slept again: 5-15% more CPU a request, and a
// longer tail (p99 1.3 ms against 0.85-1.1 under redis-benchmark GET -P 16
// on 2 cores). third_party/gnet yields at most every 9 ms with two
// processors (PATCH.md); one still costs less under writes, where the
// collector's work on the second processor adds to the total (SET -P 16:
// 149-212 ms of CPU per 100k requests with one, 163-227 with two, in
// alternated runs; GET the same with both).
//
// Under a light load one processor is the costly one. The loop then waits
// for events in a blocking epoll_wait, and the runtime's monitor (sysmon)
// takes the only processor from a thread in a system call after 20µs, and
// hands it to another thread, when no processor is idle. That takes every
// wait from the loop's thread, and each one keeps the monitor waking every
// 20µs: a client sending a SET every millisecond cost 127µs of CPU a
// request with one processor, 43µs with two (Redis 23µs); every 150µs,
// 51µs against 34µs (Redis 19µs). The nodes of a cluster sharing a
// machine are in that case too.
//
// An idle server takes one processor again: with two, the loop's thread
// waiting in epoll_wait holds one and the other is idle, so sysmon never
// sleeps for long (15 ms of CPU a second against 5 with one processor;
// Redis 2). With one it goes to sleep until there is work.
//
// balanceProcs, from the cron, measures the process's share of a core
// since its last run and moves between the three (procMode, modeAfter).
// The lock orders the count and the GOMAXPROCS calls when several servers
// share the process (tests).
var procs struct {
	sync.Mutex
	managed bool
	jobs    int // work that wants the other cores: live snapshots, loads

	loads     int  // loads under way (LoadWork)
	boosted   bool // GOGC is raised for them
	gcPercent int  // GOGC before

	mode    procMode
	cpuAt   time.Time     // when balanceProcs last measured
	cpuUsed time.Duration // the process's CPU time then
}

// procMode is the load as balanceProcs last saw it.
type procMode uint8

const (
	idleMode  procMode = iota // one processor
	lightMode                 // two
	heavyMode                 // one
)

// The shares of a core that move the load from one mode to another. Each
// pair is apart so as not to flap: the modes with one processor make the
// same work cost more of a core under a light load, less under a heavy
// one.
const (
	heavyLoad   = 0.7  // to heavy
	unheavyLoad = 0.4  // from heavy to light
	idleLoad    = 0.02 // to idle
	unidleLoad  = 0.04 // from idle to light
)

// modeAfter is the mode after a measure of busy, the share of a core the
// process used since the last one, in mode m.
func modeAfter(m procMode, busy float64) procMode {
	switch {
	case busy >= heavyLoad || m == heavyMode && busy >= unheavyLoad:
		return heavyMode
	case busy < idleLoad || m == idleMode && busy < unidleLoad:
		return idleMode
	}
	return lightMode
}

// idleProcs is GOMAXPROCS when no background work runs. The caller holds
// procs.
func idleProcs() int {
	if procs.mode == lightMode {
		return min(2, runtime.NumCPU())
	}
	return 1
}

// balanceProcs switches between one and two processors as the load is
// heavy or light (see procs). The cron calls it; it measures over 100 ms
// at least.
func balanceProcs() {
	procs.Lock()
	defer procs.Unlock()
	if !procs.managed || runtime.NumCPU() < 2 {
		return
	}
	now, used := time.Now(), processCPUTime()
	elapsed := now.Sub(procs.cpuAt)
	if elapsed < 100*time.Millisecond {
		return
	}
	busy := float64(used-procs.cpuUsed) / float64(elapsed)
	first := procs.cpuAt.IsZero()
	procs.cpuAt, procs.cpuUsed = now, used
	if first {
		return
	}
	if m := modeAfter(procs.mode, busy); m != procs.mode {
		before := idleProcs()
		procs.mode = m
		if after := idleProcs(); after != before && procs.jobs == 0 {
			runtime.GOMAXPROCS(after)
		}
	}
}

// processCPUTime is the user and system time of the whole process.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadWork marks the start (true) or the end (false) of a load. A load
// only allocates what it keeps, so the collector runs less often
// (GOGC 400) while one runs, and it wants the other cores
// (BackgroundWork). After the last one a collection runs on a goroutine
// of its own, on every core, before GOGC and GOMAXPROCS go back: put back
// at once, GOGC would put the heap far past its goal and the loop would
// mark the whole load itself in assists (0.5 s for 1M keys, the replica
// answering nothing meanwhile).
func LoadWork(start bool) {
	procs.Lock()
	if start {
		procs.loads++
		if !procs.boosted {
			procs.gcPercent, procs.boosted = debug.SetGCPercent(400), true
		}
		procs.Unlock()
		BackgroundWork(true)
		return
	}
	procs.loads--
	last := procs.loads == 0
	procs.Unlock()
	if !last {
		BackgroundWork(false)
		return
	}
	go func() {
		runtime.GC()
		procs.Lock()
		if procs.loads == 0 && procs.boosted {
			debug.SetGCPercent(procs.gcPercent)
			procs.boosted = false
		}
		procs.Unlock()
		BackgroundWork(false)
	}()
}

// ManageProcs turns the management of GOMAXPROCS on, starting idle, with
// one processor. cmd/redis-server calls it at startup unless the
// GOMAXPROCS environment variable is set.
func ManageProcs() {
	procs.Lock()
	defer procs.Unlock()
	procs.managed, procs.mode = true, idleMode
	if procs.jobs == 0 {
		runtime.GOMAXPROCS(idleProcs())
	}
}

// BackgroundWork marks the start (true) or the end (false) of work that
// wants the other cores (the garbage collector runs beside a load).
func BackgroundWork(start bool) {
	procs.Lock()
	defer procs.Unlock()
	if start {
		procs.jobs++
	} else {
		procs.jobs--
	}
	if !procs.managed {
		return
	}
	switch {
	case start && procs.jobs == 1:
		runtime.GOMAXPROCS(runtime.NumCPU())
	case !start && procs.jobs == 0:
		runtime.GOMAXPROCS(idleProcs())
	}
}

// Keys returns the number of keys in the snapshot.
func (sn *Snapshot) Keys() int {
	n := 0
	for _, d := range sn.DBs {
		n += d.Keys.Len()
	}
	return n
}
