package db

import (
	"unsafe"

	"github.com/redis-go/redis-server/internal/dict"
)

// DB is one numbered database: the keys, and the expire times of the keys
// that have one (a second dict, as in Redis, so the active expire cycle
// samples only volatile keys).
type DB struct {
	ID            int
	srv           *Server
	keys          *dict.Dict[any]
	expires       *dict.Dict[int64]
	avgTTL        int64
	expiresCursor uint64 // where the active expire cycle resumes (cron.go)
	mem           int64  // what the keys and values take, as Redis counts it (memory.go)
	// slots indexes the keys by hash slot: DB 0 in cluster mode only,
	// nil otherwise (slots.go).
	slots *slotIndex
	// cow is the clock of a Load's database (load.go), nil for the
	// server's own, which use Server.COW.
	cow *COW
}

func newDB(s *Server, id int) *DB {
	db := &DB{ID: id, srv: s}
	if id == 0 && s.clusterEnabled {
		db.slots = &slotIndex{}
	}
	db.newDicts()
	return db
}

// bstr views b as a string without copying, for lookups only: the result
// must not be kept.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Len returns the number of keys, logically expired ones included (DBSIZE).
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen returns the number of keys with an expire time.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// AvgTTL is the estimate the active expire cycle keeps (INFO keyspace).
func (db *DB) AvgTTL() int64 { return db.avgTTL }

// Expire returns the expire time of key in unix ms, or -1.
func (db *DB) Expire(key []byte) int64 {
	if db.expires.Len() == 0 {
		return -1
	}
	if when, ok := db.expires.Find(bstr(key)); ok {
		return when
	}
	return -1
}

// isExpired reports whether key has an expire time in the past.
func (db *DB) isExpired(key []byte) bool {
	when := db.Expire(key)
	return when >= 0 && when < db.srv.Now()
}

// expireIfNeeded deletes key if it has expired and reports whether it is
// (logically) gone. A replica never deletes on its own: it waits for the
// master's DEL, hiding the key from reads meanwhile, except for the master
// client, which must see the key its commands refer to.
func (db *DB) expireIfNeeded(key []byte) bool {
	s := db.srv
	if s.Loading || !db.isExpired(key) { // a load sees every key, as Redis's keyIsExpired
		return false
	}
	if s.IsReplica {
		if s.Executing != nil && s.Executing.Flags&ClientMaster != 0 {
			return false
		}
		return true
	}
	if s.pausedNow() { // the dataset stays as it is until the pause ends
		return true
	}
	db.deleteExpired(key)
	return true
}

// expireIfNeededForWrite is expireIfNeeded for a key about to be written
// (Redis's EXPIRE_FORCE_DELETE_EXPIRED): a writable replica deletes an
// expired key its own client writes, where a read only hides it.
func (db *DB) expireIfNeededForWrite(key []byte) bool {
	s := db.srv
	if !s.IsReplica || s.ReplicaReadOnly || s.Executing == nil || s.Executing.Flags&ClientMaster != 0 {
		return db.expireIfNeeded(key)
	}
	if s.Loading || !db.isExpired(key) {
		return false
	}
	db.deleteExpired(key)
	return true
}

// deleteExpired removes an expired key and propagates its deletion: DEL,
// or UNLINK with lazyfree-lazy-expire, as Redis's propagateDeletion.
func (db *DB) deleteExpired(key []byte) {
	s := db.srv
	lazy := s.Config.Bool("lazyfree-lazy-expire")
	if lazy {
		s.lazyFreed(db.lookup(key))
	}
	db.delete(key)
	s.Stats.ExpiredKeys++
	s.notifyKeyspaceEvent(NotifyExpired, "expired", key, db.ID)
	s.signalKeyDeletedByServer(db, key)
	del := argDEL
	if lazy {
		del = argUNLINK
	}
	s.AlsoPropagate(db.ID, [][]byte{del, key})
}

// dictEntry is a keyspace entry: key, value and access clock (evict.go).
type dictEntry = dict.Entry[any]

// lookup finds key without touching statistics or its access clock.
func (db *DB) lookup(key []byte) any {
	v, _ := db.keys.Find(bstr(key))
	return v
}

// touch updates the access clock of a key just looked up, as lookupKey
// does, except while a snapshot is being written (Redis spares its child
// the copy-on-write; the dict refuses to write an entry a snapshot
// shares anyway).
func (db *DB) touch(e *dictEntry) {
	if db.srv.child == ChildNone {
		db.keys.SetClock(e, db.srv.touchedClock(e.Clock()))
	}
}

// LookupRead returns the value of key for a read, or nil, counting a hit or
// a miss and updating its access clock.
func (db *DB) LookupRead(key []byte) any { return db.lookupRead(key, true) }

// LookupReadNoTouch is LookupRead leaving the access clock alone, as
// Redis's LOOKUP_NOTOUCH (EXISTS, TYPE, TTL, OBJECT).
func (db *DB) LookupReadNoTouch(key []byte) any { return db.lookupRead(key, false) }

func (db *DB) lookupRead(key []byte, touch bool) any {
	if db.expireIfNeeded(key) {
		db.srv.Stats.Misses++
		return nil
	}
	e := db.keys.FindEntry(bstr(key))
	if e == nil {
		db.srv.Stats.Misses++
		return nil
	}
	db.srv.Stats.Hits++
	if touch {
		db.touch(e)
	}
	if db.srv.COW.Live > 0 {
		return db.detachForRehash(key, e.Val())
	}
	return e.Val()
}

// forcedRehasher is a collection whose dict may have a rehash that a live
// snapshot does not hold back (dict.RehashForced).
type forcedRehasher interface{ rehashForced() bool }

// detachForRehash detaches, as for a write, a collection a snapshot shares
// whose dict must go on rehashing although a snapshot is live (the tables'
// sizes differ 5 times or more), so that reads move its buckets as Redis's
// do during a BGSAVE; the snapshot keeps the old one.
func (db *DB) detachForRehash(key []byte, v any) any {
	r, ok := v.(forcedRehasher)
	if !ok || !r.rehashForced() {
		return v
	}
	o := v.(cowObject)
	if !db.srv.COW.Shared(o.cowEpoch()) {
		return v
	}
	db.srv.settleMemory() // the copy takes over what o was charged
	n := o.detach(db.srv.COW)
	db.stamp(n)
	db.keys.SetView(bstr(key), n)
	return n
}

// Clock returns the access clock of key, and false when it is missing
// (OBJECT, DEBUG OBJECT: no lookup side effects).
func (db *DB) Clock(key []byte) (uint32, bool) {
	if e := db.keys.FindEntry(bstr(key)); e != nil {
		return e.Clock(), true
	}
	return 0, false
}

// cowObject is a collection that a snapshot may be reading. Its epoch
// is the COW epoch when it was stored in the keyspace: an older one means
// the snapshot shares it, and LookupWrite swaps in a detached copy before
// the command changes it. Detaching copies a small encoding whole and
// forks a dict (n/512 pointers); the dict then copies what is written.
type cowObject interface {
	cowEpoch() uint32
	setCOWEpoch(uint32)
	detach(cow *COW) Object
}

// clock is the copy-on-write clock of db's data.
func (db *DB) clock() *COW {
	if db.cow != nil {
		return db.cow
	}
	return db.srv.COW
}

// stamp marks a value stored now as owned by the current epoch.
func (db *DB) stamp(val any) {
	if o, ok := val.(cowObject); ok {
		o.setCOWEpoch(db.clock().Epoch)
	}
}

// LookupWrite returns the value of key for a write, or nil. A collection a
// snapshot shares is replaced by a detached copy first, so the command may
// change what it gets.
func (db *DB) LookupWrite(key []byte) any {
	db.expireIfNeededForWrite(key)
	e := db.keys.FindEntry(bstr(key))
	if e == nil {
		return nil
	}
	db.touch(e)
	v := e.Val()
	if o, ok := v.(cowObject); ok && db.srv.COW.Shared(o.cowEpoch()) {
		db.srv.settleMemory() // the copy takes over what o was charged
		n := o.detach(db.srv.COW)
		db.stamp(n)
		db.keys.SetView(bstr(key), n)
		v = n
	}
	db.touchedForWrite(v) // the command may change it in place (memory.go)
	return v
}

// Peek returns the value of key, nil if missing or logically expired,
// without statistics or deletion (TYPE, OBJECT, SCAN filters).
func (db *DB) Peek(key []byte) any {
	if db.isExpired(key) {
		return nil
	}
	return db.lookup(key)
}

// Exists reports whether key exists (after expiring it if due).
func (db *DB) Exists(key []byte) bool {
	if db.expireIfNeeded(key) {
		return false
	}
	return db.lookup(key) != nil
}

// Add stores a new key; the caller knows it does not exist.
func (db *DB) Add(key []byte, val any) { db.AddWithClock(key, val, db.srv.newClock()) }

// AddWithClock is Add with the key's access clock given (RESTORE, see
// Server.KeyClock).
func (db *DB) AddWithClock(key []byte, val any, clock uint32) {
	db.stamp(val)
	db.charge(key, val)
	if db.keys.SetViewClock(bstr(key), val, clock, false) && db.slots != nil {
		db.slotAdded(key)
	}
	db.srv.notifyNewKey(db, key)
	db.srv.signalKeyAsReady(db, key)
	db.srv.signalModifiedKey(db, key)
}

// Overwrite replaces the value of an existing key, keeping its expire time.
// As Redis's dbOverwrite, the new value's access clock is now under an LRU
// policy and the old one's under LFU, whose counter must survive writes.
func (db *DB) Overwrite(key []byte, val any) {
	db.stamp(val)
	old, _ := db.keys.SwapViewClock(bstr(key), val, db.srv.newClock(), db.srv.lfuPolicy())
	db.recharge(key, old, val)
	db.signalStreamGone(key, old)
	db.srv.signalModifiedKey(db, key)
}

// replace puts a new value under an existing key without a signal or a
// new access clock: a string made writable or re-encoded in place, whose
// command signals once it is done.
func (db *DB) replace(key []byte, val any) {
	old, _ := db.keys.SwapViewClock(bstr(key), val, 0, true)
	db.recharge(key, old, val)
}

// Set stores val under key, replacing any value and dropping its expire time
// unless keepTTL (Redis's setKey). The clock of a key that existed is as
// its lookup for the write and dbOverwrite leave it.
func (db *DB) Set(key []byte, val any, keepTTL bool) {
	db.stamp(val)
	clock := db.srv.newClock()
	if db.srv.lfuPolicy() {
		if e := db.keys.FindEntry(bstr(key)); e != nil && db.srv.child == ChildNone {
			clock = db.srv.touchedClock(e.Clock())
		} else if e != nil {
			clock = e.Clock()
		}
	}
	old, added := db.keys.SwapViewClock(bstr(key), val, clock, false)
	db.recharge(key, old, val)
	db.signalStreamGone(key, old)
	if added {
		if db.slots != nil {
			db.slotAdded(key)
		}
		db.srv.notifyNewKey(db, key)
		db.srv.signalKeyAsReady(db, key)
	}
	if !keepTTL && db.expires.Len() > 0 {
		db.expires.Delete(bstr(key))
	}
	db.srv.signalModifiedKey(db, key)
}

// Delete removes key and reports whether it existed.
func (db *DB) Delete(key []byte) bool {
	if !db.delete(key) {
		return false
	}
	db.srv.signalModifiedKey(db, key)
	return true
}

func (db *DB) delete(key []byte) bool {
	_, ok := db.deleteSampled(key, nil, dict.Loc{})
	return ok
}

// deleteSampled is delete for a key whose entry en the eviction sampled at
// at (dict.DeleteSampled), or nil. It returns the value deleted.
func (db *DB) deleteSampled(key []byte, en *dictEntry, at dict.Loc) (any, bool) {
	var old any
	var ok bool
	if en != nil {
		old, ok = db.keys.DeleteSampled(bstr(key), en, at)
	} else {
		old, ok = db.keys.Delete(bstr(key))
	}
	if !ok {
		return nil, false
	}
	if db.slots != nil {
		db.slotDeleted(key)
	}
	db.signalStreamGone(key, old)
	db.credit(key, old)
	if db.expires.Len() > 0 {
		db.expires.Delete(bstr(key))
	}
	return old, true
}

// SetExpire sets the expire time of an existing key in unix ms.
func (db *DB) SetExpire(key []byte, when int64) {
	db.expires.SetView(bstr(key), when)
	if s := db.srv; s.IsReplica && !s.ReplicaReadOnly {
		if c := s.Executing; c != nil && c.Flags&ClientMaster == 0 {
			s.rememberReplicaKeyWithExpire(db, key)
		}
	}
}

// Persist removes the expire time of key and reports whether it had one.
func (db *DB) Persist(key []byte) bool {
	_, ok := db.expires.Delete(bstr(key))
	return ok
}

// newDicts gives db empty keyspace dicts, which grow only within
// maxmemory (dictExpandAllowed).
func (db *DB) newDicts() {
	db.keys = dict.New[any](db.srv.COW)
	db.expires = dict.New[int64](db.srv.COW)
	db.keys.SetExpandAllowed(db.srv.dictExpandAllowed)
	db.expires.SetExpandAllowed(db.srv.dictExpandAllowed)
}

// Flush removes every key and returns how many there were.
func (db *DB) Flush() int {
	n := db.keys.Len()
	db.srv.signalFlushedStreams(db)
	db.srv.forgetPending() // nothing pending may name the keys any more
	db.mem = 0
	if db.slots != nil {
		*db.slots = slotIndex{}
	}
	db.newDicts()
	db.avgTTL = 0
	return n
}

// RandomKey returns a random key that is not expired, or "" when empty.
func (db *DB) RandomKey() (string, bool) {
	for tries := 0; db.keys.Len() > 0; tries++ {
		k, _ := dictFairRandom(db.keys)
		if !db.isExpired([]byte(k)) {
			return k, true
		}
		// On a replica every key may be logically expired: give up after
		// a while rather than loop forever, as Redis does.
		if db.srv.IsReplica && tries > 100 {
			return k, true
		}
		db.expireIfNeeded([]byte(k))
	}
	return "", false
}

// Scan visits the keys at cursor and returns the next cursor.
func (db *DB) Scan(cursor uint64, fn func(key string, val any)) uint64 {
	return db.keys.Scan(cursor, fn)
}

// Each visits every key until fn returns false; fn must not modify the db.
func (db *DB) Each(fn func(key string, val any) bool) { db.keys.Each(fn) }

// swap exchanges the contents of two databases (SWAPDB).
func (db *DB) swap(other *DB) {
	db.srv.forgetPending() // pending writes name the DB, not its contents
	db.mem, other.mem = other.mem, db.mem
	db.keys, other.keys = other.keys, db.keys
	db.expires, other.expires = other.expires, db.expires
	db.avgTTL, other.avgTTL = other.avgTTL, db.avgTTL
	db.slots, other.slots = other.slots, db.slots
}

// LoadAdd adds a key during a load: no notification, no WATCH, no dirty.
// It reports false when the key already exists. when is -1 for no expire;
// clock is the key's access clock (Builder.KeyClock). A Load's
// databases may be filled off the loop.
func (db *DB) LoadAdd(key []byte, val any, when int64, clock uint32) bool {
	db.stamp(val)
	if !db.keys.SetViewClock(bstr(key), val, clock, false) {
		return false
	}
	if db.slots != nil {
		db.slotAdded(key)
	}
	db.chargeLoaded(key, val)
	if when >= 0 {
		db.expires.SetView(bstr(key), when)
	}
	return true
}

// Expand presizes the database's tables for a load (RDB RESIZEDB).
func (db *DB) Expand(keys, expires int) {
	db.keys.Expand(keys)
	db.expires.Expand(expires)
}
