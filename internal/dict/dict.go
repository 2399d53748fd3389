// Package dict is Redis's dict (src/dict.c): a chained hash table with
// power-of-two sizes and incremental rehashing between two tables, so that
// no single operation pays for a whole resize and SCAN can keep its
// guarantees across resizes. It holds the keyspace (keys and expire times)
// and the hashtable encodings of hashes, sets and sorted sets.
//
// It is also copy-on-write for snapshots. Buckets live in segments of
// segSize slots; a Freeze hands a consistent, read-only view (a Frozen) to
// another goroutine by copying only the slice of segment pointers. While a
// snapshot is live, the owner copies a segment before its first write to
// it, and an entry (with the entries before it in its chain) before
// changing it, so the frozen view never sees a change. With no live
// snapshot nothing is copied. COW is the clock that tells: every structure
// a snapshot can freeze (a Dict, a quicklist's nodes, the collections
// themselves) stamps its data with the epoch it was written in.
//
// One goroutine owns a Dict and its COW; only a Frozen may be read from
// another goroutine.
package dict

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"strings"
	"unsafe"
)

// Dict is a hash table from strings to V (see the package comment).
type Dict[V any] struct {
	ht        [2]table[V]
	rehashIdx int // bucket of ht[0] to move next; -1 when not rehashing
	cow       *COW
	// epoch is the COW epoch when the dict was made (New, Fork): a
	// snapshot taken since may hold the dict as a whole (a collection it
	// shares), and then a read must not change it.
	epoch uint32
	// expandAllowed, if set, may veto the growth an insert asks for
	// (SetExpandAllowed).
	expandAllowed func(moreMem uint64, usedRatio float64) bool
	// touched receives what SampleEntries reads ahead, so that the reads
	// are not optimized away.
	touched uint32
	// spare holds entries DeleteSampled unlinked, for insertions to reuse.
	spare []*Entry[V]
}

// SetExpandAllowed sets the check an insert's growth of the table must
// pass, as Redis's dictType.expandAllowed: moreMem is the new bucket
// array's size in bytes, usedRatio the entries per bucket now.
func (d *Dict[V]) SetExpandAllowed(fn func(moreMem uint64, usedRatio float64) bool) {
	d.expandAllowed = fn
}

// segSize is the buckets of a segment: 607 pointers and the 8-byte header
// Go's allocator gives an object with pointers of over 512 bytes fill its
// 4864-byte size class. With 512, a power of two, the same class held
// 4104 bytes (16% of the bucket arrays wasted). Dividing by a constant
// costs a multiplication.
const segSize = 607

// Entry is one key of a Dict. Its 24-bit clock is free for the owner's use
// (the keyspace keeps Redis's LRU/LFU access clock there); the top 8 bits
// of the same word hold a tag from the key's hash, so that a lookup skips
// the keys of its chain that cannot match without reading their bytes (a
// cache miss each). Both fill what would be padding after epoch, so they
// cost no memory.
type Entry[V any] struct {
	key   string
	val   V
	next  *Entry[V]
	epoch uint32
	clock uint32 // tag<<clockBits | clock
}

const (
	clockBits = 24
	clockMask = 1<<clockBits - 1
)

// hashTag is the tag of hash h: its top bits, which bucket indexes never use.
func hashTag(h uint64) uint32 { return uint32(h>>(64-(32-clockBits))) << clockBits }

// matches reports whether e holds key, whose hash has tag.
func (e *Entry[V]) matches(key string, tag uint32) bool {
	return e.clock&^clockMask == tag && e.key == key
}

// Key returns the entry's key.
func (e *Entry[V]) Key() string { return e.key }

// Val returns the entry's value.
func (e *Entry[V]) Val() V { return e.val }

// Clock returns the entry's clock.
func (e *Entry[V]) Clock() uint32 { return e.clock & clockMask }

func (e *Entry[V]) setClock(clock uint32) { e.clock = e.clock&^clockMask | clock&clockMask }

type segment[V any] struct {
	epoch   uint32
	buckets []*Entry[V]
}

type table[V any] struct {
	segs []*segment[V]
	size uint64 // buckets; 0 when unallocated
	used int
}

// COW is the copy-on-write clock shared by every structure a snapshot can
// freeze. Epoch advances at each freeze; data stamped with an older epoch may
// be shared with a live snapshot and must be copied before it is changed.
type COW struct {
	Epoch uint32
	Live  int // snapshots not yet released
	// Copied counts bytes copied because of writes while a snapshot was live
	// (rdb_last_cow_size).
	Copied int64
}

// Shared reports whether data stamped with epoch must be copied before a write.
func (c *COW) Shared(epoch uint32) bool { return c != nil && c.Live > 0 && epoch != c.Epoch }

// Stamp is the epoch to stamp new data with: Epoch, or 0 without a clock.
func (c *COW) Stamp() uint32 {
	if c == nil {
		return 0
	}
	return c.Epoch
}

var hashSeed = maphash.MakeSeed()

func hashKey(key string) uint64 { return maphash.String(hashSeed, key) }

// New returns an empty dict using the given copy-on-write clock (nil for a
// dict that is never snapshotted).
func New[V any](cow *COW) *Dict[V] {
	return &Dict[V]{rehashIdx: -1, cow: cow, epoch: cow.Stamp()}
}

// COW returns the dict's copy-on-write clock, for a dict of the same
// owner.
func (d *Dict[V]) COW() *COW { return d.cow }

// Len returns the number of entries.
func (d *Dict[V]) Len() int { return d.ht[0].used + d.ht[1].used }

// Buckets returns the number of buckets of the main table (for INFO/DEBUG).
func (d *Dict[V]) Buckets() uint64 { return d.ht[0].size + d.ht[1].size }

// TargetBuckets returns the buckets the dict has once a rehash in progress
// is over. Unlike Buckets it changes only when the dict grows or shrinks,
// not as reads move a rehash on: a size kept up to date by writes alone
// (the memory accounting) can count on it.
func (d *Dict[V]) TargetBuckets() uint64 {
	if d.rehashing() {
		return d.ht[1].size
	}
	return d.ht[0].size
}

func (d *Dict[V]) rehashing() bool { return d.rehashIdx >= 0 }

func (t *table[V]) bucket(i uint64) *Entry[V] {
	return t.segs[i/segSize].buckets[i%segSize]
}

// writableSeg returns segment s of t, copied first if a snapshot shares it.
func (d *Dict[V]) writableSeg(t *table[V], s uint64) *segment[V] {
	seg := t.segs[s]
	if d.cow.Shared(seg.epoch) {
		cp := &segment[V]{epoch: d.cow.Epoch, buckets: append([]*Entry[V](nil), seg.buckets...)}
		d.cow.Copied += int64(len(seg.buckets)) * 8
		t.segs[s] = cp
		return cp
	}
	return seg
}

func (d *Dict[V]) setBucket(t *table[V], i uint64, e *Entry[V]) {
	d.writableSeg(t, i/segSize).buckets[i%segSize] = e
}

func newTable[V any](size uint64, epoch uint32) table[V] {
	n := (size + segSize - 1) / segSize
	t := table[V]{segs: make([]*segment[V], n), size: size}
	for i := range t.segs {
		t.segs[i] = &segment[V]{epoch: epoch, buckets: make([]*Entry[V], min(size-uint64(i)*segSize, segSize))}
	}
	return t
}

// Find returns the value stored under key. Like every operation it moves
// a bucket of a rehash under way, except while a snapshot is live
// (readMayRehash): then a read changes nothing.
func (d *Dict[V]) Find(key string) (v V, ok bool) {
	if e := d.find(key); e != nil {
		return e.val, true
	}
	return v, false
}

// FindEntry returns the entry of key, or nil. The entry is valid until the
// dict changes.
func (d *Dict[V]) FindEntry(key string) *Entry[V] { return d.find(key) }

// SetClock sets the clock (its low 24 bits) of an entry FindEntry returned, unless a live
// snapshot shares the entry: then it reports false and changes nothing, as
// Redis leaves access times alone while a child would see the write.
func (d *Dict[V]) SetClock(e *Entry[V], clock uint32) bool {
	if d.cow.Shared(e.epoch) {
		return false
	}
	e.setClock(clock)
	return true
}

func (d *Dict[V]) find(key string) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() && d.readMayRehash() {
		d.rehashStep()
	}
	h := hashKey(key)
	tag := hashTag(h)
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		if tb.size == 0 {
			continue
		}
		for e := tb.bucket(h & (tb.size - 1)); e != nil; e = e.next {
			if e.matches(key, tag) {
				return e
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// Set stores val under key and reports whether the key is new. The key
// string is kept: callers pass a string they own.
// An existing entry keeps its clock; a new one starts at 0.
func (d *Dict[V]) Set(key string, val V) (added bool) {
	_, added = d.set(key, val, false, 0, true)
	return added
}

// SetView is Set for a key that may alias memory the caller does not own
// (a []byte viewed as a string): it is copied only when it is inserted.
func (d *Dict[V]) SetView(key string, val V) (added bool) {
	_, added = d.set(key, val, true, 0, true)
	return added
}

// SetViewClock is SetView that also sets the entry's clock: a new entry
// starts at clock, an existing one takes it too unless keep.
func (d *Dict[V]) SetViewClock(key string, val V, clock uint32, keep bool) (added bool) {
	_, added = d.set(key, val, true, clock, keep)
	return added
}

// SwapViewClock is SetViewClock that also returns the value it replaced,
// if any, in the same walk of the table.
func (d *Dict[V]) SwapViewClock(key string, val V, clock uint32, keep bool) (old V, added bool) {
	return d.set(key, val, true, clock, keep)
}

func (d *Dict[V]) set(key string, val V, view bool, clock uint32, keep bool) (old V, added bool) {
	if d.rehashing() {
		d.rehashStep()
	}
	h := hashKey(key)
	tag := hashTag(h)
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		if tb.size == 0 {
			continue
		}
		idx := h & (tb.size - 1)
		for e := tb.bucket(idx); e != nil; e = e.next {
			if e.matches(key, tag) {
				w := d.writableEntry(tb, idx, e)
				old, w.val = w.val, val
				if !keep {
					w.setClock(clock)
				}
				return old, false
			}
		}
		if !d.rehashing() {
			break
		}
	}
	d.expandIfNeeded()
	if view {
		key = strings.Clone(key)
	}
	tb := &d.ht[0]
	if d.rehashing() {
		tb = &d.ht[1]
	}
	idx := h & (tb.size - 1)
	e := d.newEntry()
	*e = Entry[V]{key: key, val: val, next: tb.bucket(idx), epoch: d.cow.Stamp(), clock: tag | clock&clockMask}
	d.setBucket(tb, idx, e)
	tb.used++
	return old, true
}

// writableEntry returns e, or a copy of it linked in its place when a
// snapshot shares it. Copying e means rewriting the pointer to it, so the
// shared entries before it in the chain are copied too.
func (d *Dict[V]) writableEntry(tb *table[V], idx uint64, target *Entry[V]) *Entry[V] {
	if !d.cow.Shared(target.epoch) {
		return target
	}
	var head, tail, found *Entry[V]
	for e := tb.bucket(idx); ; e = e.next {
		cp := e
		if d.cow.Shared(e.epoch) {
			c := *e
			c.epoch = d.cow.Epoch
			cp = &c
			d.cow.Copied += 48
		}
		if tail == nil {
			head = cp
		} else {
			tail.next = cp
		}
		tail = cp
		if e == target {
			found = cp
			break
		}
	}
	d.setBucket(tb, idx, head)
	return found
}

// Delete removes key and returns its value.
func (d *Dict[V]) Delete(key string) (v V, ok bool) {
	if d.Len() == 0 {
		return v, false
	}
	if d.rehashing() {
		d.rehashStep()
	}
	return d.deleteKey(key)
}

// deleteKey is Delete after its rehashing step.
func (d *Dict[V]) deleteKey(key string) (v V, ok bool) {
	h := hashKey(key)
	tag := hashTag(h)
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		if tb.size == 0 {
			continue
		}
		idx := h & (tb.size - 1)
		var prev *Entry[V]
		for e := tb.bucket(idx); e != nil; prev, e = e, e.next {
			if e.matches(key, tag) {
				return d.unlink(tb, idx, prev, e), true
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return v, false
}

// unlink takes e, after prev in bucket idx of tb, out of the dict.
func (d *Dict[V]) unlink(tb *table[V], idx uint64, prev, e *Entry[V]) V {
	if prev == nil {
		d.setBucket(tb, idx, e.next)
	} else {
		d.writableEntry(tb, idx, prev).next = e.next
	}
	tb.used--
	d.shrinkIfNeeded()
	return e.val
}

// Loc is where SampleEntries found an entry, for DeleteSampled.
type Loc struct {
	size uint64 // the size of the table it was in, 0 for unknown
	idx  uint64 // its bucket
}

// DeleteSampled is Delete(key) for e, the entry of key that SampleEntries
// found at at (key must be e.Key() as it was then, not an equal copy):
// while its bucket is where it was (the table neither resized nor rehashed
// past it), e is found in the bucket by its address, without hashing the
// key, which would read its bytes (a cache miss, the key being one of the
// least recently used). Otherwise, or if e was copied for a snapshot since,
// the key is looked up.
//
// An entry found by its address is kept for the next insertion when no
// snapshot is live: the freed memory is reused while it is still in the
// cache, as Redis's allocator does, and the garbage collector has less to
// do. So e may since have been reused for another key; it is taken only if
// it still holds key's very bytes (the caller's reference to them keeps
// them from being reused), which a reused entry cannot.
func (d *Dict[V]) DeleteSampled(key string, e *Entry[V], at Loc) (v V, ok bool) {
	if d.Len() == 0 {
		return v, false
	}
	if d.rehashing() {
		d.rehashStep()
	}
	for t := 0; t < 2 && at.size != 0 && e != nil; t++ {
		tb := &d.ht[t]
		if tb.size != at.size {
			continue
		}
		var prev *Entry[V]
		for x := tb.bucket(at.idx); x != nil; prev, x = x, x.next {
			if x == e && sameString(x.key, key) {
				v = d.unlink(tb, at.idx, prev, e)
				d.keepSpare(e)
				return v, true
			}
		}
		break
	}
	return d.deleteKey(key)
}

// maxSpare bounds the entries kept for reuse: evictions and insertions
// alternate, so a few are enough.
const maxSpare = 32

// keepSpare keeps e, just unlinked, for newEntry, unless a snapshot is
// live: a frozen view may still reach it.
func (d *Dict[V]) keepSpare(e *Entry[V]) {
	if d.cow != nil && d.cow.Live > 0 || len(d.spare) == maxSpare {
		return
	}
	*e = Entry[V]{}
	d.spare = append(d.spare, e)
}

// newEntry returns an entry to fill: the last one kept, or a new one.
func (d *Dict[V]) newEntry() *Entry[V] {
	if n := len(d.spare); n > 0 {
		e := d.spare[n-1]
		d.spare[n-1] = nil
		d.spare = d.spare[:n-1]
		return e
	}
	return new(Entry[V])
}

// sameString reports whether a and b are the same bytes in memory, not
// merely equal.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// resizeAllowed mirrors Redis's dict_can_resize: no resizing while a snapshot
// is live (it would copy most of the table), unless the table is overfull.
func (d *Dict[V]) resizeAllowed(ratio uint64) bool {
	return d.cow == nil || d.cow.Live == 0 || ratio > 5
}

func (d *Dict[V]) expandIfNeeded() {
	if d.rehashing() {
		return
	}
	if d.ht[0].size == 0 {
		d.resize(4)
		return
	}
	used := uint64(d.ht[0].used)
	if used >= d.ht[0].size && d.resizeAllowed(used/d.ht[0].size) &&
		(d.expandAllowed == nil || d.expandAllowed(8<<bits.Len64(used), float64(used)/float64(d.ht[0].size))) {
		d.resize(used + 1)
	}
}

func (d *Dict[V]) shrinkIfNeeded() {
	if d.rehashing() || d.ht[0].size <= 4 || d.cow != nil && d.cow.Live > 0 {
		return
	}
	used := uint64(d.ht[0].used)
	if used*100/d.ht[0].size < 10 {
		d.resize(max(used, 4))
	}
}

// Expand grows the table ahead of n insertions (like dictExpand).
func (d *Dict[V]) Expand(n int) {
	if d.rehashing() || uint64(n) <= d.ht[0].size {
		return
	}
	d.resize(uint64(n))
}

func (d *Dict[V]) resize(n uint64) {
	size := uint64(4)
	if n > 4 {
		size = 1 << bits.Len64(n-1)
	}
	if size == d.ht[0].size {
		return
	}
	nt := newTable[V](size, d.cow.Stamp())
	if d.ht[0].size == 0 {
		d.ht[0] = nt
		return
	}
	d.ht[1] = nt
	d.rehashIdx = 0
}

func (d *Dict[V]) rehashStep() { d.Rehash(1) }

// readMayRehash reports whether a lookup may move buckets. Not while a
// snapshot taken since the dict was made is live: a collection's dict is
// shared with the snapshot as a whole (it is forked before a write, see
// Fork), so a read must not change it. A fork made during the snapshot is
// the loop's alone.
func (d *Dict[V]) readMayRehash() bool { return !d.cow.Shared(d.epoch) }

// RehashForced reports a rehash that a live snapshot does not hold back:
// the tables' sizes differ by 5 times or more (Redis's
// dict_force_resize_ratio), as after a set shrank from 100,000 members to
// 500.
func (d *Dict[V]) RehashForced() bool {
	return d.rehashing() && !d.rehashHeldBack()
}

// rehashHeldBack is Redis's DICT_RESIZE_AVOID in dictRehash: while a
// snapshot is live, a rehash waits unless one table is at least 5 times
// the other, so as not to copy what the snapshot shares.
func (d *Dict[V]) rehashHeldBack() bool {
	if d.cow == nil || d.cow.Live == 0 {
		return false
	}
	s0, s1 := d.ht[0].size, d.ht[1].size
	return s1 > s0 && s1 < 5*s0 || s1 < s0 && s0 < 5*s1
}

// Fork returns a Dict with d's contents that shares d's segments and
// entries; the copy-on-write rules copy them before they change. From then
// on d is frozen as long as only the fork is written: this is how a
// collection a snapshot shares is detached, for n/512 pointers.
func (d *Dict[V]) Fork() *Dict[V] {
	nd := &Dict[V]{rehashIdx: d.rehashIdx, cow: d.cow, epoch: d.cow.Stamp(), expandAllowed: d.expandAllowed}
	for t := range d.ht {
		nd.ht[t] = table[V]{segs: append([]*segment[V](nil), d.ht[t].segs...), size: d.ht[t].size, used: d.ht[t].used}
		if d.cow != nil {
			d.cow.Copied += int64(len(d.ht[t].segs)) * 8
		}
	}
	return nd
}

// Rehash moves up to n buckets from the old table to the new one, visiting at
// most 10*n empty buckets. It reports whether rehashing is still under way.
func (d *Dict[V]) Rehash(n int) bool {
	emptyVisits := n * 10
	if !d.rehashing() {
		return false
	}
	if d.rehashHeldBack() {
		return true // moving entries now would copy them for the snapshot
	}
	old, nt := &d.ht[0], &d.ht[1]
	for ; n > 0 && old.used > 0; n-- {
		for old.bucket(uint64(d.rehashIdx)) == nil {
			d.rehashIdx++
			if emptyVisits--; emptyVisits == 0 {
				return true
			}
		}
		idx := uint64(d.rehashIdx)
		for e := old.bucket(idx); e != nil; {
			next := e.next
			if d.cow.Shared(e.epoch) {
				c := *e
				c.epoch = d.cow.Epoch
				e = &c
				d.cow.Copied += 48
			}
			dst := hashKey(e.key) & (nt.size - 1)
			e.next = nt.bucket(dst)
			d.setBucket(nt, dst, e)
			old.used--
			nt.used++
			e = next
		}
		d.setBucket(old, idx, nil)
		d.rehashIdx++
	}
	if old.used == 0 {
		d.ht[0], d.ht[1] = d.ht[1], table[V]{}
		d.rehashIdx = -1
		return false
	}
	return true
}

// Each calls fn for every entry until fn returns false. fn must not change
// the dict.
func (d *Dict[V]) Each(fn func(key string, val V) bool) {
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		for _, seg := range tb.segs {
			for _, e := range seg.buckets {
				for ; e != nil; e = e.next {
					if !fn(e.key, e.val) {
						return
					}
				}
			}
		}
	}
}

// Random returns a random entry, as dictGetRandomKey: a random non-empty
// bucket, then a random element of its chain.
func (d *Dict[V]) Random() (key string, val V, ok bool) {
	if d.Len() == 0 {
		return "", val, false
	}
	if d.rehashing() && d.readMayRehash() {
		d.rehashStep()
	}
	var e *Entry[V]
	for e == nil {
		if d.rehashing() {
			s0, s1 := d.ht[0].size, d.ht[1].size
			i := uint64(d.rehashIdx) + rand.Uint64N(s0+s1-uint64(d.rehashIdx))
			if i >= s0 {
				e = d.ht[1].bucket(i - s0)
			} else {
				e = d.ht[0].bucket(i)
			}
		} else {
			e = d.ht[0].bucket(rand.Uint64N(d.ht[0].size))
		}
	}
	n := 0
	for x := e; x != nil; x = x.next {
		n++
	}
	for i := rand.IntN(n); i > 0; i-- {
		e = e.next
	}
	return e.key, e.val, true
}

// Sample calls fn for up to count entries taken as dictGetSomeKeys takes
// them: from consecutive buckets starting at a random one, with the chain
// that completes the count sampled to its end (reservoir sampling), so
// that the end of a long chain has its chance. It is fast and not
// uniformly random.
func (d *Dict[V]) Sample(count int, fn func(key string, val V)) {
	var small [64]*Entry[V]
	buf := small[:0]
	if count > len(small) {
		buf = make([]*Entry[V], 0, count)
	}
	d.sampleEntries(count, rand.Uint64, func(e *Entry[V], _ Loc) { buf = append(buf, e) },
		func(i int, e *Entry[V]) { buf[i] = e })
	for _, e := range buf {
		fn(e.key, e.val)
	}
}

// SampleEntries is Sample handing out the entries, clocks included, and
// where each was found (for DeleteSampled). fn must not change the dict.
//
// The entries are those dictGetSomeKeys takes, in its order: every entry
// of a bucket before the next bucket's. They are read in windows: the
// heads of the next non-empty buckets are found in the bucket arrays
// first, then all touched at once, so that their cache misses (a sampled
// key is usually cold) overlap instead of following one another.
func (d *Dict[V]) SampleEntries(count int, fn func(e *Entry[V], at Loc)) {
	d.sampleEntries(count, rand.Uint64, fn, nil)
}

// sampleEntries is SampleEntries drawing its random bucket indexes from
// rnd. With replace, the chain that completes the count is sampled to its
// end: its i-th entry past the count replaces the one fn got r-th, for a
// random r < i, when r < count (Redis 7.0.15's reservoir).
func (d *Dict[V]) sampleEntries(count int, rnd func() uint64, fn func(e *Entry[V], at Loc), replace func(r int, e *Entry[V])) {
	if d.Len() == 0 || count <= 0 {
		return
	}
	count = min(count, d.Len())
	for j := 0; j < count && d.rehashing() && d.readMayRehash(); j++ {
		d.rehashStep()
	}
	tables := 1
	if d.rehashing() {
		tables = 2
	}
	maxMask := d.ht[0].size - 1
	if tables == 2 && d.ht[1].size > d.ht[0].size {
		maxMask = d.ht[1].size - 1
	}
	const window = 16
	var heads [window]*Entry[V]
	var locs [window]Loc
	i := rnd() & maxMask
	stored, empty := 0, 0
	t := 0 // the table to look at next in bucket i
	for steps := count * 10; stored < count && (steps > 0 || t > 0); {
		// The heads of the next buckets, as many as entries are missing.
		n := 0
		for n < min(count-stored, window) && (steps > 0 || t > 0) {
			tb := &d.ht[t]
			skip := false
			if tables == 2 && t == 0 && i < uint64(d.rehashIdx) {
				if i >= d.ht[1].size {
					i = uint64(d.rehashIdx)
				} else {
					skip = true
				}
			}
			if !skip && i < tb.size {
				if e := tb.bucket(i); e != nil {
					empty = 0
					heads[n], locs[n] = e, Loc{size: tb.size, idx: i}
					n++
				} else if empty++; empty >= 5 && empty > count {
					i = rnd() & maxMask
					empty = 0
				}
			}
			if t++; t == tables {
				t = 0
				i = (i + 1) & maxMask
				steps--
			}
		}
		var touch uint32
		for _, e := range heads[:n] {
			touch += e.clock
		}
		d.touched = touch
		for k := 0; k < n && stored < count; k++ {
			e := heads[k]
			for ; e != nil && stored < count; e = e.next {
				fn(e, locs[k])
				stored++
			}
			for seen := stored; replace != nil && e != nil; e = e.next {
				if r := rnd() % uint64(seen+1); r < uint64(count) {
					replace(int(r), e)
				}
				seen++
			}
		}
	}
}

// Scan visits the buckets at cursor v and returns the next cursor, as
// Redis's dictScan: the cursor's bits are incremented from the top so that
// every element present for the whole scan is returned at least once even if
// the table grows or shrinks between calls.
func (d *Dict[V]) Scan(v uint64, fn func(key string, val V)) uint64 {
	if d.Len() == 0 {
		return 0
	}
	emit := func(tb *table[V], idx uint64) {
		for e := tb.bucket(idx); e != nil; e = e.next {
			fn(e.key, e.val)
		}
	}
	if !d.rehashing() {
		t0 := &d.ht[0]
		m0 := t0.size - 1
		emit(t0, v&m0)
		v |= ^m0
		v = bits.Reverse64(v)
		v++
		return bits.Reverse64(v)
	}
	t0, t1 := &d.ht[0], &d.ht[1]
	if t0.size > t1.size {
		t0, t1 = t1, t0
	}
	m0, m1 := t0.size-1, t1.size-1
	emit(t0, v&m0)
	for {
		emit(t1, v&m1)
		v |= ^m1
		v = bits.Reverse64(v)
		v++
		v = bits.Reverse64(v)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

// Frozen is a read-only, point-in-time view of a Dict. It may be read from
// another goroutine while the owner keeps changing the Dict.
type Frozen[V any] struct {
	ht [2]table[V]
}

// Freeze returns a view of d as it is now. The caller must have advanced the
// COW epoch (and counted a live snapshot) before the next change to d.
func (d *Dict[V]) Freeze() *Frozen[V] {
	f := &Frozen[V]{}
	for t := 0; t < 2; t++ {
		f.ht[t] = table[V]{segs: append([]*segment[V](nil), d.ht[t].segs...), size: d.ht[t].size, used: d.ht[t].used}
	}
	return f
}

// Len returns the number of entries in the view.
func (f *Frozen[V]) Len() int { return f.ht[0].used + f.ht[1].used }

// Each calls fn for every entry of the view until fn returns false.
func (f *Frozen[V]) Each(fn func(key string, val V) bool) {
	for t := 0; t < 2; t++ {
		for _, seg := range f.ht[t].segs {
			for _, e := range seg.buckets {
				for ; e != nil; e = e.next {
					if !fn(e.key, e.val) {
						return
					}
				}
			}
		}
	}
}

// EachEntry is Each handing out the entries, clocks included.
func (f *Frozen[V]) EachEntry(fn func(e *Entry[V]) bool) {
	for t := 0; t < 2; t++ {
		for _, seg := range f.ht[t].segs {
			for _, e := range seg.buckets {
				for ; e != nil; e = e.next {
					if !fn(e) {
						return
					}
				}
			}
		}
	}
}

// Find looks key up in the view. Unlike Dict.Find it never rehashes: the
// view is read-only and may be read from another goroutine.
func (f *Frozen[V]) Find(key string) (v V, ok bool) {
	if f.Len() == 0 {
		return v, false
	}
	h := hashKey(key)
	tag := hashTag(h)
	for t := 0; t < 2; t++ {
		tb := &f.ht[t]
		if tb.size == 0 {
			continue
		}
		for e := tb.bucket(h & (tb.size - 1)); e != nil; e = e.next {
			if e.matches(key, tag) {
				return e.val, true
			}
		}
	}
	return v, false
}
