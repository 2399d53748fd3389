package db

import "time"

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
	Keys    *Frozen[any]
	Expires *Frozen[int64]
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
}

// Keys returns the number of keys in the snapshot.
func (sn *Snapshot) Keys() int {
	n := 0
	for _, d := range sn.DBs {
		n += d.Keys.Len()
	}
	return n
}
