// Eviction and the per-key access clock, as Redis 7.0's evict.c.
//
// Every key carries a 24-bit access clock in its keyspace entry (the dict
// entry's clock, which fills what would be padding: no memory per key).
// Under an LRU policy, and whenever the policy is not an LFU one, it is the
// LRU clock of the last access: unix seconds modulo 2^24. Under an LFU
// policy it is 16 bits of minutes (the time of the last decrement) and an
// 8-bit logarithmic access counter. Lookups update it (not the NOTOUCH
// ones, nor while a snapshot is written: the entry may be shared with it,
// as Redis leaves it alone while a child would pay a copy-on-write). A
// policy change at runtime does not convert the clocks: as in Redis, the
// same 24 bits are read the other way until keys are touched again.
//
// When maxmemory is set, processCommand calls performEvictions before each
// command: while the memory that counts (evictionMemory) is above the
// limit, keys are picked by the policy and deleted, each deletion counted
// in evicted_keys, notified as "evicted" and propagated as DEL (UNLINK with
// lazyfree-lazy-eviction). The LRU, LFU and volatile-ttl policies pick
// from a pool of 16 candidates kept across calls and refilled from
// maxmemory-samples keys of every db (evictionPoolPopulate): Redis's
// approximation of the best key to evict. All of it runs on the loop.
package db

import (
	"math"
	"math/rand/v2"
	"time"
	"unsafe"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/logger"
)

const (
	lruClockMax        = 1<<24 - 1 // LRU_CLOCK_MAX
	lruClockResolution = 1000      // LRU_CLOCK_RESOLUTION, ms
	lfuInitVal         = 5         // LFU_INIT_VAL
	evictionPoolSize   = 16        // EVPOOL_SIZE
)

// maxmemoryPolicy is Redis's maxmemory_policy: a number and flags.
type maxmemoryPolicy int

const (
	policyFlagLRU     maxmemoryPolicy = 1 << 0
	policyFlagLFU     maxmemoryPolicy = 1 << 1
	policyFlagAllKeys maxmemoryPolicy = 1 << 2

	policyVolatileLRU    = 0<<8 | policyFlagLRU
	policyVolatileLFU    = 1<<8 | policyFlagLFU
	policyVolatileTTL    = 2 << 8
	policyVolatileRandom = 3 << 8
	policyAllKeysLRU     = 4<<8 | policyFlagLRU | policyFlagAllKeys
	policyAllKeysLFU     = 5<<8 | policyFlagLFU | policyFlagAllKeys
	policyAllKeysRandom  = 6<<8 | policyFlagAllKeys
	policyNoEviction     = 7 << 8
)

var policyByName = map[string]maxmemoryPolicy{
	"volatile-lru": policyVolatileLRU, "volatile-lfu": policyVolatileLFU,
	"volatile-ttl": policyVolatileTTL, "volatile-random": policyVolatileRandom,
	"allkeys-lru": policyAllKeysLRU, "allkeys-lfu": policyAllKeysLFU,
	"allkeys-random": policyAllKeysRandom, "noeviction": policyNoEviction,
}

// evictState is the Server's eviction settings and state.
type evictState struct {
	maxmemory    int64 // 0: no limit
	policy       maxmemoryPolicy
	samples      int
	tenacity     int64
	lfuLogFactor int64
	lfuDecayTime int64
	lazy         bool // lazyfree-lazy-eviction
	replicaIgn   bool // replica-ignore-maxmemory
	loaded       bool

	preCommandOOM bool // see PreCommandOOM

	pool   [evictionPoolSize]poolEntry
	nextDB int   // where the random policies look first
	nowMs  int64 // the clock of this round of evictions, read once

	procRunning bool // evictionTimeProc is scheduled

	// spare holds the string values of evicted keys, for the next new
	// keys' values to reuse (keepEvicted, reuseString).
	spare []any
}

// poolEntry is a candidate for eviction: the larger idle, the better.
type poolEntry struct {
	idle uint64
	key  string
	db   int
	full bool // false for an empty slot ("" is a key like any other)
	// The key's entry and where the sampling found it, under the
	// allkeys-* policies, so that the deletion finds it without hashing
	// the key (dict.DeleteSampled); nil otherwise.
	en *dictEntry
	at dict.Loc
}

// evictee is the key evictionCandidate picks, with its sampled entry.
type evictee struct {
	db  *DB
	key string
	en  *dictEntry
	at  dict.Loc
}

// loadEvictSettings copies the eviction settings from the configuration.
// A new, smaller maxmemory starts evicting at once, as Redis's
// updateMaxmemory.
func (s *Server) loadEvictSettings() {
	e := &s.evict
	old := e.maxmemory
	e.maxmemory = int64(min(s.Config.Uint("maxmemory"), math.MaxInt64))
	e.policy = policyByName[s.Config.String("maxmemory-policy")]
	e.samples = int(s.Config.Int("maxmemory-samples"))
	e.tenacity = s.Config.Int("maxmemory-eviction-tenacity")
	e.lfuLogFactor = s.Config.Int("lfu-log-factor")
	e.lfuDecayTime = s.Config.Int("lfu-decay-time")
	e.lazy = s.Config.Bool("lazyfree-lazy-eviction")
	e.replicaIgn = s.Config.Bool("replica-ignore-maxmemory")
	if e.loaded && e.maxmemory != 0 && e.maxmemory != old {
		if used, _ := s.evictionMemory(); e.maxmemory < used {
			logger.Warningf("WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.", uint64(e.maxmemory), used)
		}
		s.startEvictionTimeProc()
	}
	e.loaded = true
}

func (s *Server) lfuPolicy() bool { return s.evict.policy&policyFlagLFU != 0 }

// The clocks. Time is the command's (Server.Now), as Redis's cached
// server.lruclock and server.unixtime.

// lruClockAt is LRU_CLOCK for a time in unix ms.
func lruClockAt(ms int64) uint32 { return uint32(ms/lruClockResolution) & lruClockMax }

// idleMs is estimateObjectIdleTime: the clock wraps every 194 days.
func idleMs(now, lru uint32) int64 {
	if now >= lru {
		return int64(now-lru) * lruClockResolution
	}
	return int64(now+(lruClockMax-lru)) * lruClockResolution
}

// lfuMinutes is LFUGetTimeInMinutes.
func lfuMinutes(ms int64) uint32 { return uint32(ms/1000/60) & 65535 }

// lfuElapsed is LFUTimeElapsed: minutes since ldt, wrapping at 2^16.
func lfuElapsed(now, ldt uint32) uint32 {
	if now >= ldt {
		return now - ldt
	}
	return 65535 - ldt + now
}

// lfuLogIncr is LFULogIncr with r uniform in [0,1]: the more a counter
// is, the less likely an access increments it.
func lfuLogIncr(counter uint8, factor int64, r float64) uint8 {
	if counter == 255 {
		return 255
	}
	base := max(float64(counter)-lfuInitVal, 0)
	if r < 1.0/(base*float64(factor)+1) {
		counter++
	}
	return counter
}

// lfuDecr is LFUDecrAndReturn: the counter minus one per decay period
// elapsed since the clock's minutes (none with a decay time of 0).
func lfuDecr(clock, nowMin uint32, decayTime int64) uint8 {
	ldt, counter := clock>>8, int64(clock&255)
	if decayTime > 0 {
		if periods := int64(lfuElapsed(nowMin, ldt)) / decayTime; periods > 0 {
			counter = max(counter-periods, 0)
		}
	}
	return uint8(counter)
}

func lfuClock(nowMin uint32, counter uint8) uint32 { return nowMin<<8 | uint32(counter) }

// newClock is the clock of a value created now (createObject).
func (s *Server) newClock() uint32 {
	if s.lfuPolicy() {
		return lfuClock(lfuMinutes(s.Now()), lfuInitVal)
	}
	return lruClockAt(s.Now())
}

// touchedClock is the clock after an access (lookupKey's update).
func (s *Server) touchedClock(old uint32) uint32 {
	if !s.lfuPolicy() {
		return lruClockAt(s.Now())
	}
	now := lfuMinutes(s.Now())
	counter := lfuDecr(old, now, s.evict.lfuDecayTime)
	return lfuClock(now, lfuLogIncr(counter, s.evict.lfuLogFactor, rand.Float64()))
}

// idleSeconds is OBJECT IDLETIME's answer for a clock.
func (s *Server) idleSeconds(clock uint32) int64 {
	return idleMs(lruClockAt(s.Now()), clock) / 1000
}

// freq is OBJECT FREQ's answer for a clock.
func (s *Server) freq(clock uint32) int64 {
	return int64(lfuDecr(clock, lfuMinutes(s.Now()), s.evict.lfuDecayTime))
}

// KeyClock is Builder.KeyClock with the policy and the time of now.
func (s *Server) KeyClock(freq, idle int64) uint32 {
	b := Builder{lfu: s.lfuPolicy(), nowMs: s.Now()}
	return b.KeyClock(freq, idle)
}

// ClockView reads the access clocks of a snapshot from another
// goroutine: the policy and the time of the snapshot's moment. An RDB
// records the idle time (LRU policies) or the frequency (LFU policies).
type ClockView struct {
	LRU, LFU  bool
	nowMs     int64
	decayTime int64
}

// ClockView returns the view of the clocks as of now.
func (s *Server) ClockView() ClockView {
	return ClockView{
		LRU: s.evict.policy&policyFlagLRU != 0, LFU: s.lfuPolicy(),
		nowMs: s.Now(), decayTime: s.evict.lfuDecayTime,
	}
}

// IdleSeconds is the idle time a clock stands for.
func (v ClockView) IdleSeconds(clock uint32) uint64 {
	return uint64(idleMs(lruClockAt(v.nowMs), clock) / 1000)
}

// Freq is the LFU counter a clock stands for.
func (v ClockView) Freq(clock uint32) uint8 { return lfuDecr(clock, lfuMinutes(v.nowMs), v.decayTime) }

// Eviction.

type evictResult int

const (
	evictOK      evictResult = iota // under the limit, or nothing to do
	evictRunning                    // over, still evicting in the background
	evictFail                       // over, and nothing can be evicted
)

const errOOM = "OOM command not allowed when used memory > 'maxmemory'."

// rejectedForOOM is processCommand's maxmemory check: it evicts what the
// policy allows and rejects a denyoom command (any command but the
// transaction controls inside MULTI) when memory stays over the limit.
// The outcome is kept for the scripts the command runs (PreCommandOOM).
func (s *Server) rejectedForOOM(c *Client, flags CmdFlag) bool {
	if s.evict.maxmemory == 0 || s.ScriptBusy() {
		return false
	}
	oom := s.performEvictions() == evictFail
	name := c.Cmd.Name
	deny := flags&FlagDenyOOM != 0 || name == "exec" && c.Multi != nil && c.Multi.flags&FlagDenyOOM != 0
	if c.Flags&ClientMulti != 0 && name != "exec" && name != "discard" && name != "quit" && name != "reset" {
		deny = true // queueing takes memory too
	}
	if oom && deny {
		s.reject(c, errOOM)
		return true
	}
	s.evict.preCommandOOM = oom
	return false
}

// PreCommandOOM reports whether memory was over maxmemory, with nothing
// left to evict, when the command being run started (Redis's
// pre_command_oom_state): a script then may not run a denyoom command
// before its first write.
func (s *Server) PreCommandOOM() bool { return s.evict.maxmemory != 0 && s.evict.preCommandOOM }

// evictionSafe is isSafeToPerformEvictions: not during a load, a busy
// script or a client pause, nor on a replica that ignores maxmemory.
func (s *Server) evictionSafe() bool {
	return !s.Loading && !s.ScriptBusy() && !(s.IsReplica && s.evict.replicaIgn) && !s.ClientsPaused()
}

// evictionMemory returns the memory that counts against maxmemory, and
// maxmemory, as getMaxmemoryState: used_memory less, when that is over the
// limit, the replicas' share of the replication buffers and the AOF
// buffer, which would otherwise feed on the DELs of the evictions.
// usedMemory is a running count (memory.go) with a few operations per
// database: it is read before every command and around every eviction.
func (s *Server) evictionMemory() (used, limit int64) {
	used, limit = s.usedMemory(), s.evict.maxmemory
	if used > limit {
		used = max(used-s.notCountedForEvict(), 0)
	}
	return used, limit
}

// evictionTimeLimitUs is how long one call may evict, from
// maxmemory-eviction-tenacity: linear up to 500µs at 10, then growing 15%
// a step to about 2 minutes at 99, and no limit at 100.
func (s *Server) evictionTimeLimitUs() int64 {
	t := s.evict.tenacity
	switch {
	case t <= 10:
		return 50 * t
	case t < 100:
		return int64(500.0 * math.Pow(1.15, float64(t)-10.0))
	}
	return math.MaxInt64
}

// startEvictionTimeProc goes on evicting from the loop, between commands
// and events, until memory is under the limit or nothing is left to evict
// (Redis's evictionTimeProc): each round that runs out of time schedules
// the next, after the loop polled (NextTurn: an Execute from the round
// would run in the same batch of tasks, and the clients would wait for
// the whole eviction).
func (s *Server) startEvictionTimeProc() {
	if s.evict.procRunning || s.Loop == nil {
		return
	}
	s.evict.procRunning = true
	s.Loop.NextTurn(func() {
		s.evict.procRunning = false
		if s.evict.maxmemory != 0 {
			s.performEvictions()
		}
	})
}

// performEvictions evicts keys until the memory that counts is under
// maxmemory, or the time limit of one call is spent (evictRunning: the
// time proc goes on), or nothing is left to evict (evictFail).
func (s *Server) performEvictions() evictResult {
	if !s.evictionSafe() {
		return evictOK
	}
	used, limit := s.evictionMemory()
	if used <= limit {
		return s.evictionMetrics(evictOK)
	}
	if s.evict.policy == policyNoEviction {
		return s.evictionMetrics(evictFail)
	}
	toFree := used - limit
	s.evict.nowMs = s.Now()
	// The time limit is checked every 16 keys, from the first check on: a
	// command that evicts a few keys, the common case, reads no clock.
	var start time.Time
	if s.latency.threshold > 0 {
		start = time.Now()
	}
	var freed int64
	keys := 0
	result := evictOK
	for freed < toFree {
		c := s.evictionCandidate()
		if c.db == nil {
			result = evictFail
			break
		}
		n, ok := s.evictKey(c)
		if !ok {
			continue // a key deleted since it was sampled
		}
		freed += n
		if keys++; keys%16 == 0 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start).Microseconds() > s.evictionTimeLimitUs() {
				s.startEvictionTimeProc()
				break
			}
		}
	}
	if result != evictFail && s.evict.procRunning {
		result = evictRunning
	}
	if s.latency.threshold > 0 {
		s.LatencyAddSampleIfNeeded("eviction-cycle", time.Since(start).Milliseconds())
	}
	return s.evictionMetrics(result)
}

// evictionMetrics keeps total_eviction_exceeded_time and
// current_eviction_exceeded_time.
func (s *Server) evictionMetrics(r evictResult) evictResult {
	st := &s.Stats
	switch {
	case r != evictOK && st.evictExceededAt == 0:
		st.evictExceededAt = time.Now().UnixMicro()
	case r == evictOK && st.evictExceededAt != 0:
		st.EvictExceededUs += time.Now().UnixMicro() - st.evictExceededAt
		st.evictExceededAt = 0
	}
	return r
}

// EvictionExceededTime returns total_eviction_exceeded_time and
// current_eviction_exceeded_time, in ms.
func (s *Server) EvictionExceededTime() (total, current int64) {
	st := &s.Stats
	if st.evictExceededAt != 0 {
		current = time.Now().UnixMicro() - st.evictExceededAt
	}
	return (st.EvictExceededUs + current) / 1000, current / 1000
}

// evictionCandidate picks the key to evict by the policy, or returns a nil
// db when no key is eligible.
func (s *Server) evictionCandidate() evictee {
	e := &s.evict
	allKeys := e.policy&policyFlagAllKeys != 0
	if e.policy&(policyFlagLRU|policyFlagLFU) != 0 || e.policy == policyVolatileTTL {
		for {
			total := 0
			for _, db := range s.DBs {
				n := db.keys.Len()
				if !allKeys {
					n = db.expires.Len()
				}
				if n > 0 {
					s.evictionPoolPopulate(db, allKeys)
					total += n
				}
			}
			if total == 0 {
				return evictee{}
			}
			// From the best candidate down; keys gone since they were
			// sampled (ghosts) are dropped.
			for k := evictionPoolSize - 1; k >= 0; k-- {
				p := e.pool[k]
				if !p.full {
					continue
				}
				e.pool[k] = poolEntry{}
				db := s.DBs[p.db]
				// Under allkeys-* evictKey's deletion is the check that
				// the key still exists: one lookup instead of two.
				if allKeys {
					return evictee{db, p.key, p.en, p.at}
				}
				if _, found := db.expires.Find(p.key); found {
					return evictee{db: db, key: p.key}
				}
			}
		}
	}
	for range s.DBs { // the random policies, one db after the other
		e.nextDB = (e.nextDB + 1) % len(s.DBs)
		db := s.DBs[e.nextDB]
		var key string
		var ok bool
		if allKeys {
			key, _, ok = db.keys.Random()
		} else {
			key, _, ok = db.expires.Random()
		}
		if ok {
			return evictee{db: db, key: key}
		}
	}
	return evictee{}
}

// evictionPoolPopulate samples maxmemory-samples keys of db (of its
// expires for the volatile policies) and inserts those that score better
// than the pool's worst, keeping the pool sorted by ascending score:
// idle time for LRU, 255 minus the frequency for LFU, how soon it expires
// for volatile-ttl.
func (s *Server) evictionPoolPopulate(db *DB, allKeys bool) {
	e := &s.evict
	lruNow, lfuNow := lruClockAt(e.nowMs), lfuMinutes(e.nowMs)
	score := func(clock uint32) uint64 {
		if e.policy&policyFlagLRU != 0 {
			return uint64(idleMs(lruNow, clock))
		}
		return 255 - uint64(lfuDecr(clock, lfuNow, e.lfuDecayTime))
	}
	if allKeys {
		db.keys.SampleEntries(e.samples, func(en *dictEntry, at dict.Loc) {
			if k := e.poolInsert(db.ID, en.Key(), score(en.Clock())); k >= 0 {
				e.pool[k].en, e.pool[k].at = en, at
			}
		})
		return
	}
	db.expires.Sample(e.samples, func(key string, when int64) {
		if e.policy == policyVolatileTTL {
			e.poolInsert(db.ID, key, math.MaxUint64-uint64(when))
			return
		}
		if en := db.keys.FindEntry(key); en != nil {
			e.poolInsert(db.ID, key, score(en.Clock()))
		}
	})
}

// poolInsert is the insertion of evictionPoolPopulate. It returns the
// slot the key took, or -1.
func (e *evictState) poolInsert(dbid int, key string, idle uint64) int {
	pool := &e.pool
	k := 0
	for k < evictionPoolSize && pool[k].full && pool[k].idle < idle {
		k++
	}
	switch {
	case k == 0 && pool[evictionPoolSize-1].full:
		return -1 // worse than the worst, and no room
	case k < evictionPoolSize && !pool[k].full:
		// an empty slot
	case !pool[evictionPoolSize-1].full:
		copy(pool[k+1:], pool[k:evictionPoolSize-1]) // room on the right
	default:
		k-- // full: drop the worst, on the left
		copy(pool[:k], pool[1:k+1])
	}
	pool[k] = poolEntry{idle: idle, key: key, db: dbid, full: true}
	return k
}

// maxSpareStrings bounds the evicted values kept for reuse: each command
// evicts about what it adds, so a few are enough.
const maxSpareStrings = 32

// keepEvicted keeps the string value of a key eviction just deleted for
// reuseString. A keyspace string belongs to one key at a time (RENAME and
// MOVE hand it over, which is why only eviction keeps what it deletes;
// replies, propagation, COPY and scripts copy its bytes), which is what
// lets a SET of the same length overwrite it in place too. A snapshot may
// share it, so none is kept while one is live.
func (s *Server) keepEvicted(db *DB, v any) {
	b, ok := v.([]byte)
	if !ok || cap(b) == 0 || snapshotLive(db) || len(s.evict.spare) == maxSpareStrings {
		return
	}
	s.evict.spare = append(s.evict.spare, v)
}

// reuseString returns the last kept value refilled with val, if its bytes
// fit val as a new allocation would: big enough, not much bigger, and
// embstr or raw alike (see EncodingName). Evicting a key and adding one
// then touches memory just touched, as with Redis's allocator, and leaves
// the garbage collector less to do.
//
// The value is reused whole: the bytes and the slice header the interface
// boxes (a []byte in an interface is a pointer to a header on the heap,
// Go's runtime.eface; refilling the header in place spares that allocation
// too, see TestReuseString).
func (s *Server) reuseString(val []byte) (any, bool) {
	n := len(s.evict.spare)
	if n == 0 {
		return nil, false
	}
	v := s.evict.spare[n-1]
	p := boxedBytes(&v)
	c := cap(*p)
	if len(val) > c || c-len(val) >= max(16, c/8) || len(val) <= embstrLimit && c >= rawMinCap {
		return nil, false
	}
	s.evict.spare[n-1] = nil
	s.evict.spare = s.evict.spare[:n-1]
	b := (*p)[:len(val)]
	copy(b, val)
	*p = b
	return v, true
}

// boxedBytes returns the slice header that *v, holding a non-nil []byte,
// points to.
func boxedBytes(v *any) *[]byte {
	return (*[]byte)((*[2]unsafe.Pointer)(unsafe.Pointer(v))[1])
}

// evictKey deletes an evicted key as Redis does: the stat, the keyspace
// event, the WATCH invalidation and a DEL (UNLINK under
// lazyfree-lazy-eviction) to the replicas and the AOF. It returns the
// memory the deletion alone freed (what propagating it costs is not
// counted, or the loop would never end), and false when key is gone.
func (s *Server) evictKey(c evictee) (int64, bool) {
	db, key := c.db, c.key
	k := keyBytes(key) // the dict's own key, which the pool keeps
	if s.evict.lazy {
		s.lazyFreed(db.lookup(k))
	}
	before := db.mem + db.tableMemory()
	var old any
	var deleted bool
	if s.latency.threshold > 0 {
		start := time.Now()
		old, deleted = db.deleteSampled(k, c.en, c.at)
		s.LatencyAddSampleIfNeeded("eviction-del", time.Since(start).Milliseconds())
	} else {
		old, deleted = db.deleteSampled(k, c.en, c.at)
	}
	if !deleted {
		return 0, false
	}
	s.keepEvicted(db, old)
	freed := before - db.mem - db.tableMemory()
	s.Stats.EvictedKeys++
	s.signalKeyDeletedByServer(db, k)
	s.notifyKeyspaceEvent(NotifyEvicted, "evicted", k, db.ID)
	if s.propagating() {
		del := argDEL
		if s.evict.lazy {
			del = argUNLINK
		}
		s.AlsoPropagate(db.ID, [][]byte{del, k})
	}
	return freed, true
}
