package db

// Set commands, as Redis 7.0's t_set.c.
//
// A set is a *Set in one of two encodings, with Redis 7.0's rules (7.0 has
// no listpack sets):
//
//   - "intset": while every member is an integer (string2ll's canonical
//     form) and there are at most set-max-intset-entries of them; sorted,
//     Redis's bytes, dumped as they are by the RDB writer.
//   - "hashtable": a Dict of the members. A set never goes back to intset.
//
// Replies list an intset in ascending order, as Redis; a hashtable in the
// dict's order, which differs from Redis's.
//
// For the RDB loader and writer:
//
//	NewSetFromIntset(is)          a set over an intset (validated by the caller)
//	NewSetTable(cow, n)           an empty hashtable set presized for n members
//	(*Set).Add(b, member)         add a member, converting as SADD does
//	(*Set).Each(fn)               every member (borrowed bytes)
//	(*Set).Intset()               the intset, or nil for a hashtable
//	(*Set).Len()                  the number of members

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/intset"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/resp"
)

func init() {
	register("sadd", saddCommand)
	register("srem", sremCommand)
	register("smembers", sinterCommand)
	register("sismember", sismemberCommand)
	register("smismember", smismemberCommand)
	register("scard", scardCommand)
	register("spop", spopCommand)
	register("srandmember", srandmemberCommand)
	register("smove", smoveCommand)
	register("sinter", sinterCommand)
	register("sintercard", sintercardCommand)
	register("sinterstore", sinterstoreCommand)
	register("sunion", sunionCommand)
	register("sunionstore", sunionstoreCommand)
	register("sdiff", sdiffCommand)
	register("sdiffstore", sdiffstoreCommand)
	register("sscan", sscanCommand)
}

// Set is a set value: exactly one of is and d is set.
type Set struct {
	is    *intset.Intset
	d     *dict.Dict[struct{}]
	elems int    // with d: what Redis allocates for its entries (memSize)
	epoch uint32 // see cowObject
	counted
}

// NewSetFromIntset returns a set over is, owned by the set from now on.
func NewSetFromIntset(is *intset.Intset) *Set { return &Set{is: is} }

// NewSetTable returns an empty set in hashtable encoding, presized for n
// members.
func NewSetTable(cow *COW, n int) *Set {
	d := dict.New[struct{}](cow)
	d.Expand(n)
	return &Set{d: d}
}

// newSetFor returns an empty set in the encoding suited to its first
// member, as setTypeCreate.
func newSetFor(member []byte, cow *COW) *Set {
	if _, ok := ParseInt(member); ok {
		return &Set{is: intset.New()}
	}
	return NewSetTable(cow, 0)
}

// Type implements Object.
func (s *Set) Type() string { return "set" }

func (s *Set) cowEpoch() uint32     { return s.epoch }
func (s *Set) setCOWEpoch(e uint32) { s.epoch = e }
func (s *Set) rehashForced() bool   { return s.d != nil && s.d.RehashForced() }

// detach returns a copy the loop may change while a snapshot reads s.
func (s *Set) detach(cow *COW) Object {
	if s.is != nil {
		cow.Copied += int64(s.is.Size())
		return &Set{is: s.is.Clone(), counted: s.counted}
	}
	return &Set{d: s.d.Fork(), elems: s.elems, counted: s.counted}
}

// Encoding implements Object.
func (s *Set) Encoding() string {
	if s.is != nil {
		return "intset"
	}
	return "hashtable"
}

// Clone implements Object.
func (s *Set) Clone() Object {
	if s.is != nil {
		return &Set{is: s.is.Clone()}
	}
	cp := NewSetTable(s.d.COW(), s.d.Len())
	s.d.Each(func(k string, _ struct{}) bool {
		cp.d.Set(string(keyBytes(k)), struct{}{})
		return true
	})
	cp.elems = s.elems
	return cp
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.is != nil {
		return s.is.Len()
	}
	return s.d.Len()
}

// Intset returns the intset of an intset-encoded set, else nil.
func (s *Set) Intset() *intset.Intset { return s.is }

// memSize is what Redis allocates for the set, as objectComputeSize
// counting every member (MEMORY USAGE ... SAMPLES 0), in O(1).
func (s *Set) memSize() int {
	if s.is != nil {
		return robjSize + jemalloc.Size(s.is.Size())
	}
	return robjSize + dictStructSize + pointerSize*int(s.d.TargetBuckets()) + s.elems
}

// allocSize is memSize with the dict entries as jemalloc allocates them.
func (s *Set) allocSize() int {
	if s.is != nil {
		return s.memSize()
	}
	return s.memSize() + entrySlack(s.d.Len())
}

// sampledSize is objectComputeSize with samples > 0: the table and the
// average of the first members times the members.
func (s *Set) sampledSize(samples int) int {
	if s.is != nil {
		return s.memSize()
	}
	size := robjSize + dictStructSize + pointerSize*int(s.d.Buckets())
	n, elesize := 0, 0
	s.d.Each(func(k string, _ struct{}) bool {
		elesize += setEntryMem(len(k))
		n++
		return n < samples
	})
	if n > 0 {
		size += int(float64(elesize) / float64(n) * float64(s.d.Len()))
	}
	return size
}

// setEntryMem is what Redis allocates for a member of a hashtable set:
// the dict entry and an sds string.
func setEntryMem(member int) int { return dictEntrySize + jemalloc.SdsSize(member) }

// Add adds member (copied), converting the encoding as SADD does, and
// reports whether it is new.
func (s *Set) Add(b *Builder, member []byte) bool {
	return s.add(member, &b.hashSet, b.cow)
}

// add is setTypeAdd.
func (s *Set) add(member []byte, lim *hashSetLimits, cow *COW) bool {
	if is := s.is; is != nil {
		if v, ok := ParseInt(member); ok {
			if !is.Add(v) {
				return false
			}
			if is.Len() > lim.setIntset {
				s.convert(cow)
			}
			return true
		}
		s.convert(cow)
	}
	if _, ok := s.d.Find(bstr(member)); ok {
		return false
	}
	s.d.Set(string(member), struct{}{})
	s.elems += setEntryMem(len(member))
	return true
}

// addInt adds an integer member.
func (s *Set) addInt(v int64, lim *hashSetLimits, cow *COW) bool {
	if s.is != nil {
		if !s.is.Add(v) {
			return false
		}
		if s.is.Len() > lim.setIntset {
			s.convert(cow)
		}
		return true
	}
	var buf [20]byte
	return s.add(strconv.AppendInt(buf[:0], v, 10), lim, cow)
}

// convert turns an intset set into a hashtable one.
func (s *Set) convert(cow *COW) {
	is := s.is
	d := dict.New[struct{}](cow)
	d.Expand(is.Len())
	elems := 0
	for i := range is.Len() {
		m := strconv.FormatInt(is.Get(i), 10)
		d.Set(m, struct{}{})
		elems += setEntryMem(len(m))
	}
	s.is, s.d, s.elems = nil, d, elems
}

// remove deletes member and reports whether it was there.
func (s *Set) remove(member []byte) bool {
	if s.is != nil {
		v, ok := ParseInt(member)
		return ok && s.is.Remove(v)
	}
	_, ok := s.d.Delete(bstr(member))
	if ok {
		s.elems -= setEntryMem(len(member))
	}
	return ok
}

// contains is setTypeIsMember.
func (s *Set) contains(member []byte) bool {
	if s.is != nil {
		v, ok := ParseInt(member)
		return ok && s.is.Contains(v)
	}
	_, ok := s.d.Find(bstr(member))
	return ok
}

// containsInt reports whether the integer v is a member.
func (s *Set) containsInt(v int64) bool {
	if s.is != nil {
		return s.is.Contains(v)
	}
	var buf [20]byte
	_, ok := s.d.Find(bstr(strconv.AppendInt(buf[:0], v, 10)))
	return ok
}

// Each calls fn for every member until fn returns false. The bytes are
// borrowed: valid during the call only, never to be modified.
func (s *Set) Each(fn func(member []byte) bool) {
	if is := s.is; is != nil {
		var buf [20]byte
		for i := range is.Len() {
			if !fn(strconv.AppendInt(buf[:0], is.Get(i), 10)) {
				return
			}
		}
		return
	}
	s.d.Each(func(k string, _ struct{}) bool { return fn(keyBytes(k)) })
}

// setMember is a member as the set algebra sees it: an integer from an
// intset, else a string from a hashtable.
type setMember struct {
	s     string
	n     int64
	isInt bool
}

func (m setMember) bytes(buf *[20]byte) []byte {
	if m.isInt {
		return strconv.AppendInt(buf[:0], m.n, 10)
	}
	return keyBytes(m.s)
}

func (m setMember) reply(c *Client) {
	if m.isInt {
		c.BulkInt(m.n)
	} else {
		c.BulkString(m.s)
	}
}

// in reports whether m is a member of s.
func (m setMember) in(s *Set) bool {
	if m.isInt {
		return s.containsInt(m.n)
	}
	return s.contains(keyBytes(m.s))
}

// addTo adds m to s.
func (m setMember) addTo(s *Set, lim *hashSetLimits, cow *COW) bool {
	if m.isInt {
		return s.addInt(m.n, lim, cow)
	}
	return s.add(keyBytes(m.s), lim, cow)
}

// eachMember calls fn for every member until it returns false; fn must not
// change the set.
func (s *Set) eachMember(fn func(m setMember) bool) {
	if is := s.is; is != nil {
		for i := range is.Len() {
			if !fn(setMember{n: is.Get(i), isInt: true}) {
				return
			}
		}
		return
	}
	s.d.Each(func(k string, _ struct{}) bool { return fn(setMember{s: k}) })
}

// random returns a random member (setTypeRandomElement).
func (s *Set) random() setMember {
	if s.is != nil {
		return setMember{n: s.is.Random(), isInt: true}
	}
	k, _ := dictFairRandom(s.d)
	return setMember{s: k}
}

// removeMember deletes m, which must be a member.
func (s *Set) removeMember(m setMember) {
	if m.isInt && s.is != nil {
		s.is.Remove(m.n)
		return
	}
	var buf [20]byte
	s.remove(m.bytes(&buf))
}

// lookupSetRead returns the set at key for a read, nil if missing; ok is
// false (after the error reply) for a key of another type.
func lookupSetRead(c *Client, key []byte) (*Set, bool) {
	switch v := c.DB.LookupRead(key).(type) {
	case nil:
		return nil, true
	case *Set:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// lookupSetWrite is lookupSetRead for a write.
func lookupSetWrite(c *Client, key []byte) (*Set, bool) {
	switch v := c.DB.LookupWrite(key).(type) {
	case nil:
		return nil, true
	case *Set:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

func saddCommand(c *Client) {
	key := c.Argv[1]
	set, ok := lookupSetWrite(c, key)
	if !ok {
		return
	}
	srv := c.srv
	if set == nil {
		set = newSetFor(c.Argv[2], srv.COW)
		c.DB.Add(key, set)
	}
	added := 0
	for _, m := range c.Argv[2:] {
		if set.add(m, &srv.hashSet, srv.COW) {
			added++
		}
	}
	if added > 0 {
		srv.signalModifiedKey(c.DB, key)
		srv.notifyKeyspaceEvent(NotifySet, "sadd", key, c.DB.ID)
	}
	srv.Dirty += int64(added)
	c.Int(int64(added))
}

func sremCommand(c *Client) {
	key := c.Argv[1]
	set, ok := lookupSetWrite(c, key)
	if !ok {
		return
	}
	if set == nil {
		c.Int(0)
		return
	}
	deleted, removed := 0, false
	for _, m := range c.Argv[2:] {
		if set.remove(m) {
			deleted++
			if set.Len() == 0 {
				c.DB.Delete(key)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		srv := c.srv
		srv.signalModifiedKey(c.DB, key)
		srv.notifyKeyspaceEvent(NotifySet, "srem", key, c.DB.ID)
		if removed {
			srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
		}
		srv.Dirty += int64(deleted)
	}
	c.Int(int64(deleted))
}

func smoveCommand(c *Client) {
	srcKey, dstKey, member := c.Argv[1], c.Argv[2], c.Argv[3]
	srcV := c.DB.LookupWrite(srcKey)
	dstV := c.DB.LookupWrite(dstKey)
	if srcV == nil {
		c.Int(0)
		return
	}
	src, ok := srcV.(*Set)
	dst, dstOK := dstV.(*Set)
	if !ok || dstV != nil && !dstOK {
		c.Error(ErrWrongType)
		return
	}
	if src == dst {
		c.Int(int64(boolInt(src.contains(member))))
		return
	}
	if !src.remove(member) {
		c.Int(0)
		return
	}
	srv, db := c.srv, c.DB
	srv.notifyKeyspaceEvent(NotifySet, "srem", srcKey, db.ID)
	if src.Len() == 0 {
		db.Delete(srcKey)
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", srcKey, db.ID)
	}
	if dst == nil {
		dst = newSetFor(member, srv.COW)
		db.Add(dstKey, dst)
	}
	srv.signalModifiedKey(db, srcKey)
	srv.Dirty++
	if dst.add(member, &srv.hashSet, srv.COW) {
		srv.Dirty++
		srv.signalModifiedKey(db, dstKey)
		srv.notifyKeyspaceEvent(NotifySet, "sadd", dstKey, db.ID)
	}
	c.Int(1)
}

func sismemberCommand(c *Client) {
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.Int(int64(boolInt(set != nil && set.contains(c.Argv[2]))))
}

func smismemberCommand(c *Client) {
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		c.Int(int64(boolInt(set != nil && set.contains(m))))
	}
}

func scardCommand(c *Client) {
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if set != nil {
		n = set.Len()
	}
	c.Int(int64(n))
}

var argSREM = []byte("SREM")

func spopCommand(c *Client) {
	if len(c.Argv) == 3 {
		spopWithCount(c)
		return
	}
	if len(c.Argv) > 3 {
		c.Error(ErrSyntax)
		return
	}
	key := c.Argv[1]
	set, ok := lookupSetWrite(c, key)
	if !ok {
		return
	}
	if set == nil {
		c.Null()
		return
	}
	m := set.random()
	set.removeMember(m)
	srv, db := c.srv, c.DB
	srv.notifyKeyspaceEvent(NotifySet, "spop", key, db.ID)
	var buf [20]byte
	c.RewriteArgv(argSREM, key, m.bytes(&buf))
	m.reply(c)
	if set.Len() == 0 {
		db.Delete(key)
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, db.ID)
	}
	srv.signalModifiedKey(db, key)
	srv.Dirty++
}

// spopMoveStrategyMul is SPOP_MOVE_STRATEGY_MUL: when fewer than count/5
// members would remain, SPOP builds the remaining set anew instead.
const spopMoveStrategyMul = 5

// spopWithCount is Redis's spopWithCountCommand. Its effect travels as
// one SREM per popped member (wrapped in MULTI/EXEC when several), or as a
// DEL when the whole set goes, exactly as Redis 7.0 propagates it.
func spopWithCount(c *Client) {
	l, ok := argLongInRange(c, 2, 0, maxInt64, "ERR value is out of range, must be positive")
	if !ok {
		return
	}
	count := uint64(l)
	key := c.Argv[1]
	set, ok := lookupSetWrite(c, key)
	if !ok {
		return
	}
	if set == nil || count == 0 {
		c.SetLen(0)
		return
	}
	srv, db := c.srv, c.DB
	size := uint64(set.Len())
	srv.notifyKeyspaceEvent(NotifySet, "spop", key, db.ID)
	srv.Dirty += int64(min(count, size))

	// CASE 1: the whole set, replied as SUNION of it.
	if count >= size {
		sunionDiffGeneric(c, c.Argv[1:2], nil, setOpUnion)
		db.Delete(key)
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, db.ID)
		c.RewriteArgv(argDEL, key)
		srv.signalModifiedKey(db, key)
		return
	}

	c.SetLen(int(count))
	var popped [][]byte
	propagate := srv.propagating()
	emit := func(m setMember) {
		m.reply(c)
		if propagate {
			var buf [20]byte
			popped = append(popped, append([]byte(nil), m.bytes(&buf)...))
		}
	}
	remaining := size - count
	if remaining*spopMoveStrategyMul > count {
		// CASE 2: pop random members one by one.
		for range count {
			m := set.random()
			emit(m)
			set.removeMember(m)
		}
	} else {
		// CASE 3: move the members that stay into a new set, then pop
		// all that is left in the old one.
		var kept *Set
		var buf [20]byte
		for range remaining {
			m := set.random()
			b := m.bytes(&buf)
			if kept == nil {
				kept = newSetFor(b, srv.COW)
			}
			kept.add(b, &srv.hashSet, srv.COW)
			set.removeMember(m)
		}
		set.eachMember(func(m setMember) bool { emit(m); return true })
		db.Overwrite(key, kept)
	}
	propagateSREMs(c, key, popped)
	srv.signalModifiedKey(db, key)
}

// propagateSREMs propagates SREM key m for each popped member, in place of
// the command: several go as one transaction (propagate.go).
func propagateSREMs(c *Client, key []byte, members [][]byte) {
	c.preventPropagate = true
	for _, m := range members {
		c.srv.AlsoPropagate(c.DB.ID, [][]byte{argSREM, key, m})
	}
}

func srandmemberCommand(c *Client) {
	if len(c.Argv) == 3 {
		srandmemberWithCount(c)
		return
	}
	if len(c.Argv) > 3 {
		c.Error(ErrSyntax)
		return
	}
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	if set == nil {
		c.Null()
		return
	}
	set.random().reply(c)
}

// srandmemberWithCount is Redis's srandmemberWithCountCommand and its four
// cases, as HRANDFIELD's.
func srandmemberWithCount(c *Client) {
	l, ok := argLongInRange(c, 2, -maxInt64, maxInt64, "")
	if !ok {
		return
	}
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	count, uniq := uint64(l), true
	if l < 0 {
		count, uniq = uint64(-l), false
	}
	if set == nil || count == 0 {
		c.ArrayLen(0)
		return
	}
	size := uint64(set.Len())

	// CASE 1: with repetitions.
	if !uniq || count == 1 {
		c.ArrayLen(int(count))
		for ; count > 0 && !c.outputCut(count); count-- {
			set.random().reply(c)
		}
		return
	}

	// CASE 2: the whole set.
	if count >= size {
		c.ArrayLen(int(size))
		set.eachMember(func(m setMember) bool { m.reply(c); return true })
		return
	}
	c.ArrayLen(int(count))
	n := int(count)

	// CASE 3: count is close to the size: a partial shuffle.
	if count*randSubStrategyMul > size {
		all := make([]setMember, 0, size)
		set.eachMember(func(m setMember) bool { all = append(all, m); return true })
		for i := 0; i < n; i++ {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
			all[i].reply(c)
		}
		return
	}

	// CASE 4: draw until there are count distinct members.
	seen := make(map[setMember]struct{}, n)
	for len(seen) < n {
		m := set.random()
		if _, dup := seen[m]; dup {
			continue
		}
		seen[m] = struct{}{}
		m.reply(c)
	}
}

// lookupSets looks up the sets of keys for SINTER and friends: nil for a
// missing key. ok is false (after the error reply) if one has another type.
func lookupSets(c *Client, keys [][]byte) (sets []*Set, empty int, ok bool) {
	sets = make([]*Set, len(keys))
	for j, k := range keys {
		v := c.DB.LookupRead(k)
		if v == nil {
			empty++
			continue
		}
		s, isSet := v.(*Set)
		if !isSet {
			c.Error(ErrWrongType)
			return nil, 0, false
		}
		sets[j] = s
	}
	return sets, empty, true
}

func sinterCommand(c *Client) { sinterGeneric(c, c.Argv[1:], nil, false, 0) }

func sinterstoreCommand(c *Client) { sinterGeneric(c, c.Argv[2:], c.Argv[1], false, 0) }

func sintercardCommand(c *Client) {
	numkeys, ok := argLongInRange(c, 1, 1, maxInt64, "ERR numkeys should be greater than 0")
	if !ok {
		return
	}
	if numkeys > int64(len(c.Argv)-2) {
		c.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	limit := int64(0)
	for j := 2 + int(numkeys); j < len(c.Argv); j++ {
		if optIs(c.Argv[j], "limit") && j+1 < len(c.Argv) {
			j++
			if limit, ok = argLongInRange(c, j, 0, maxInt64, "ERR LIMIT can't be negative"); !ok {
				return
			}
		} else {
			c.Error(ErrSyntax)
			return
		}
	}
	sinterGeneric(c, c.Argv[2:2+numkeys], nil, true, limit)
}

// storeSetResult stores the result of a *STORE command at dst, or deletes
// dst when the result is empty, and replies with its size.
func storeSetResult(c *Client, dst []byte, result *Set, event string) {
	srv, db := c.srv, c.DB
	if n := result.Len(); n > 0 {
		db.Set(dst, result, false)
		c.Int(int64(n))
		srv.notifyKeyspaceEvent(NotifySet, event, dst, db.ID)
		srv.Dirty++
		return
	}
	c.Int(0)
	if db.Delete(dst) {
		srv.Dirty++
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", dst, db.ID)
	}
}

// sinterGeneric is Redis's sinterGenericCommand: walk the smallest set and
// keep the members found in every other one. It replies with the members,
// their count (SINTERCARD, stopping at limit if not 0), or stores them at
// dst.
func sinterGeneric(c *Client, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, empty, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	srv := c.srv
	if empty > 0 {
		switch {
		case dst != nil:
			if c.DB.Delete(dst) {
				srv.notifyKeyspaceEvent(NotifyGeneric, "del", dst, c.DB.ID)
				srv.Dirty++
			}
			c.Int(0)
		case cardOnly:
			c.Int(0)
		default:
			c.SetLen(0)
		}
		return
	}
	slices.SortStableFunc(sets, func(a, b *Set) int { return a.Len() - b.Len() })

	var result *Set
	var d resp.Deferred
	if dst != nil {
		result = &Set{is: intset.New()}
	} else if !cardOnly {
		d = c.Defer()
	}
	card := int64(0)
	sets[0].eachMember(func(m setMember) bool {
		for _, other := range sets[1:] {
			if other != sets[0] && !m.in(other) {
				return true
			}
		}
		switch {
		case cardOnly:
			card++
			return limit == 0 || card < limit
		case dst == nil:
			m.reply(c)
			card++
		default:
			m.addTo(result, &srv.hashSet, srv.COW)
		}
		return true
	})
	switch {
	case cardOnly:
		c.Int(card)
	case dst != nil:
		storeSetResult(c, dst, result, "sinterstore")
	default:
		c.SetSetLen(d, int(card))
	}
}

type setOp int

const (
	setOpUnion setOp = iota
	setOpDiff
)

func sunionCommand(c *Client)      { sunionDiffGeneric(c, c.Argv[1:], nil, setOpUnion) }
func sunionstoreCommand(c *Client) { sunionDiffGeneric(c, c.Argv[2:], c.Argv[1], setOpUnion) }
func sdiffCommand(c *Client)       { sunionDiffGeneric(c, c.Argv[1:], nil, setOpDiff) }
func sdiffstoreCommand(c *Client)  { sunionDiffGeneric(c, c.Argv[2:], c.Argv[1], setOpDiff) }

// sunionDiffGeneric is Redis's sunionDiffGenericCommand: the result is
// built as a new set (an intset while it can be), then replied or stored
// at dst. SDIFF picks one of Redis's two algorithms by the same estimate,
// since they can leave the result in different encodings.
func sunionDiffGeneric(c *Client, keys [][]byte, dst []byte, op setOp) {
	sets, _, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	sameSet := false
	for j := 1; j < len(sets); j++ {
		if sets[0] == sets[j] {
			sameSet = true
		}
	}
	diffAlgo := 1
	if op == setOpDiff && sets[0] != nil && !sameSet {
		one, two := 0, 0
		for _, s := range sets {
			if s != nil {
				one += sets[0].Len()
				two += s.Len()
			}
		}
		// Algorithm 1 has better constant times: give it an advantage.
		one /= 2
		if one > two {
			diffAlgo = 2
		}
		if diffAlgo == 1 && len(sets) > 1 {
			// Subtract the largest sets first, to rule members out
			// sooner.
			slices.SortStableFunc(sets[1:], func(a, b *Set) int { return setLen(b) - setLen(a) })
		}
	}

	srv := c.srv
	lim, cow := &srv.hashSet, srv.COW
	result := &Set{is: intset.New()}
	switch {
	case op == setOpUnion:
		for _, s := range sets {
			if s != nil {
				s.eachMember(func(m setMember) bool { m.addTo(result, lim, cow); return true })
			}
		}
	case sameSet || sets[0] == nil:
		// A set minus itself, or nothing minus anything: empty.
	case diffAlgo == 1:
		sets[0].eachMember(func(m setMember) bool {
			for _, s := range sets[1:] {
				if s != nil && (s == sets[0] || m.in(s)) {
					return true
				}
			}
			m.addTo(result, lim, cow)
			return true
		})
	default:
		sets[0].eachMember(func(m setMember) bool { m.addTo(result, lim, cow); return true })
		for _, s := range sets[1:] {
			if result.Len() == 0 {
				break
			}
			if s != nil {
				s.eachMember(func(m setMember) bool {
					var buf [20]byte
					result.remove(m.bytes(&buf))
					return true
				})
			}
		}
	}

	if dst == nil {
		c.SetLen(result.Len())
		result.eachMember(func(m setMember) bool { m.reply(c); return true })
		return
	}
	event := "sunionstore"
	if op == setOpDiff {
		event = "sdiffstore"
	}
	storeSetResult(c, dst, result, event)
}

func setLen(s *Set) int {
	if s == nil {
		return 0
	}
	return s.Len()
}

func sscanCommand(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	set, ok := lookupSetRead(c, c.Argv[1])
	if !ok {
		return
	}
	if set == nil {
		replyEmptyScan(c)
		return
	}
	o, ok := parseCollectionScan(c)
	if !ok {
		return
	}
	// An intset is small: all of it in one call, and cursor 0.
	if is := set.is; is != nil {
		var kept []int64
		var buf [20]byte
		for i := range is.Len() {
			v := is.Get(i)
			if o.match(strconv.AppendInt(buf[:0], v, 10)) {
				kept = append(kept, v)
			}
		}
		replyScanCursor(c, 0, len(kept))
		for _, v := range kept {
			c.BulkInt(v)
		}
		return
	}
	var out []string
	collect := func(k string, _ struct{}) { out = append(out, k) }
	for maxIter := o.count * 10; ; maxIter-- {
		cursor = set.d.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(out)) >= o.count {
			break
		}
	}
	kept := out[:0]
	for _, k := range out {
		if o.match(keyBytes(k)) {
			kept = append(kept, k)
		}
	}
	replyScanCursor(c, cursor, len(kept))
	for _, k := range kept {
		c.BulkString(k)
	}
}
