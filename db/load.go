package db

// Building a dataset off the loop: an RDB load (a replica's full sync, the
// RDB at startup, DEBUG RELOAD) fills fresh databases that the server does
// not see until Server.Install puts them in place, on the loop, once the
// load is complete and valid.
//
// A replica loads its master's RDB on a goroutine of its own while the
// loop serves clients (-LOADING, or the old data with swapdb). What the
// values need from the server is therefore copied on the loop when the
// load starts (Server.NewLoad): the encodings' thresholds, the eviction
// policy's clock, and a copy-on-write clock of the load's own. The
// goroutine reads nothing that the loop writes; CONFIG SET during the load
// applies to the next one, as the RDB loader of Redis reads its settings
// once per value but cannot see a change in the middle of a blocking load.

import "github.com/redis-go/redis-server/internal/dict"

// Builder is what building values takes: the settings of their compact
// encodings, the access clock of new keys, and the copy-on-write clock of
// the keyspace they go to. Server.Builder is the live server's, for a
// value built on the loop (RESTORE); a Load carries a copy.
type Builder struct {
	cow     *COW
	hashSet hashSetLimits
	lists   listSettings
	zsets   zsetSettings
	lfu     bool  // the eviction policy is an LFU one
	nowMs   int64 // the time the clocks of new keys start from
}

// Builder returns the live server's settings, for values built on the loop.
func (s *Server) Builder() *Builder {
	return &Builder{cow: s.COW, hashSet: s.hashSet, lists: s.lists, zsets: s.zsets, lfu: s.lfuPolicy(), nowMs: s.Now()}
}

// COW is the copy-on-write clock of the keyspace the values go to.
func (b *Builder) COW() *COW { return b.cow }

// Now is the time of the settings, in unix ms.
func (b *Builder) Now() int64 { return b.nowMs }

// SetMaxIntset is set-max-intset-entries.
func (b *Builder) SetMaxIntset() int { return b.hashSet.setIntset }

// HashMaxListpack is hash-max-listpack-entries and hash-max-listpack-value.
func (b *Builder) HashMaxListpack() (entries, value int) {
	return b.hashSet.hashEntries, b.hashSet.hashValue
}

// NewList returns an empty list with the list settings.
func (b *Builder) NewList() *List { return newList(b.lists, b.cow) }

// KeyClock is the access clock of a key created now, restored or loaded
// with a frequency or an idle time in seconds (-1 when not given), as
// createObject and objectSetLRUOrLFU: the one the policy does not use is
// ignored.
func (b *Builder) KeyClock(freq, idle int64) uint32 {
	if b.lfu {
		if freq < 0 {
			freq = lfuInitVal
		}
		return lfuClock(lfuMinutes(b.nowMs), uint8(min(freq, 255)))
	}
	now := int64(lruClockAt(b.nowMs))
	if idle < 0 {
		return uint32(now)
	}
	abs := now - idle*1000/lruClockResolution
	if abs < 0 { // wrapped: half-way round the clock, so it looks idle for long
		abs = (now + lruClockMax/2) % lruClockMax
	}
	return uint32(abs) & lruClockMax
}

// Load is a dataset being built: fresh databases, and a Builder with its
// own copy-on-write clock, all made on the loop by NewLoad. Another
// goroutine may fill it (DB.LoadAdd, Expand and the Builder's values);
// only Install, on the loop, makes it the server's.
type Load struct {
	Builder
	DBs []*DB
}

// NewLoad returns an empty dataset to load into on the loop, with the
// settings of now and the server's copy-on-write clock: its values may
// also join the live data (DEBUG RELOAD NOFLUSH).
func (s *Server) NewLoad() *Load { return s.newLoad(s.COW) }

// NewDetachedLoad is NewLoad for a load that another goroutine fills while
// the loop goes on (a replica's full sync). Its copy-on-write clock is its
// own, starting at the server's epoch, so that the goroutine never reads
// the server's while a snapshot starts or ends; no snapshot sees the
// load's data before Install, which hands the clock to the server.
func (s *Server) NewDetachedLoad() *Load { return s.newLoad(&COW{Epoch: s.COW.Epoch}) }

func (s *Server) newLoad(cow *COW) *Load {
	l := &Load{Builder: *s.Builder()}
	l.cow = cow
	l.DBs = make([]*DB, len(s.DBs))
	for i := range l.DBs {
		d := &DB{ID: i, srv: s, cow: cow}
		if i == 0 && s.clusterEnabled {
			d.slots = &slotIndex{}
		}
		d.keys = dict.New[any](cow)
		d.expires = dict.New[int64](cow)
		l.DBs[i] = d
	}
	return l
}

// Keys is the number of keys loaded so far. Only the goroutine that fills
// the load may call it.
func (l *Load) Keys() int {
	n := 0
	for _, d := range l.DBs {
		n += d.keys.Len()
	}
	return n
}

// Install puts a complete load in place of the dataset, as Redis's
// swapMainDbWithTempDb: clients that WATCH keys see them touched, tracking
// clients are told every key changed, and the old data goes away with the
// load's databases.
//
// A detached load's data was stamped by its own clock, which becomes the
// server's: its epoch stays the server's (so a snapshot that was live
// before the load and still is treats the new data as shared and copies it
// on write, which is safe), and the count of live snapshots carries over,
// as their Release decrements the server's clock. The old data keeps the
// old clock: only those snapshots read it now.
func (s *Server) Install(l *Load) {
	for i, d := range l.DBs {
		if i < len(s.DBs) {
			s.touchAllWatchedKeysInDB(s.DBs[i])
			s.DBs[i].swap(d)
			s.DBs[i].keys.SetExpandAllowed(s.dictExpandAllowed)
			s.DBs[i].expires.SetExpandAllowed(s.dictExpandAllowed)
		}
	}
	s.trackingInvalidateKeysOnFlush()
	if old := s.COW; l.cow != old {
		l.cow.Epoch, l.cow.Live, l.cow.Copied = old.Epoch, old.Live, old.Copied
		s.COW = l.cow
	}
}
