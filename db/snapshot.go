package db

import (
	"runtime"
	"runtime/debug"
	"sync"
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
// server: with ManageProcs the process runs Go with one processor except
// while a snapshot is being written or a load runs, whichever server
// of the process does it. Like Redis, all the work is on one thread; a
// second processor that the runtime keeps spinning only competes with the
// clients for the CPU and lengthens the latency tail (p99 0.6 ms against
// 2 ms under redis-benchmark on 2 cores). The snapshot goroutine gets the
// other cores while it runs. The lock orders the count and the
// GOMAXPROCS calls when several servers share the process (tests).
var procs struct {
	sync.Mutex
	managed bool
	jobs    int // work that wants the other cores: live snapshots, loads

	loads     int  // loads under way (LoadWork)
	boosted   bool // GOGC is raised for them
	gcPercent int  // GOGC before
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

// ManageProcs turns the management of GOMAXPROCS on and sets it to 1.
// cmd/redis-server calls it at startup unless the GOMAXPROCS environment
// variable is set.
func ManageProcs() {
	procs.Lock()
	defer procs.Unlock()
	procs.managed = true
	if procs.jobs == 0 {
		runtime.GOMAXPROCS(1)
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
		runtime.GOMAXPROCS(1)
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
