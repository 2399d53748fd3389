package db

// The sorted set value, as Redis 7.0's t_zset.c: the ZSet type and the
// operations every command shares. The commands are in t_zset.go.
//
// A sorted set is a *ZSet in one of Redis's two encodings, switched at the
// same thresholds (zset-max-listpack-entries, zset-max-listpack-value):
//
//   - "listpack": member, score, member, score... in a listpack, sorted by
//     score then member, with Redis's exact bytes (the zzl* functions at
//     the end of this file);
//   - "skiplist": a skiplist.List ordered by (score, member), with spans
//     for ranks (internal/skiplist), plus a dict member -> score. The
//     member strings are shared by both.
//
// A listpack becomes a skiplist when a member is added past the limits; a
// skiplist becomes a listpack again only where Redis converts back: the
// results of ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE, and RDB loading.
//
// Copy on write: a snapshot may share a sorted set with the loop (see
// COW). Before its first access on the loop after a snapshot, a shared set
// is replaced in the keyspace by a copy (zsetForWrite, zsetForRead): a
// listpack is cloned; a skiplist set gets a new Dict sharing the old one's
// segments, which COW then copies as they change, so the snapshot's ZSet
// keeps a frozen Dict. The skiplist itself is shared and changed in place:
// a snapshot must read a skiplist set through its Dict only.
//
// For the RDB writer and loader (and DUMP/RESTORE):
//
//	(*ZSet).Listpack()            the listpack, or nil for a skiplist
//	(*ZSet).Len()                 the number of members (snapshot-safe)
//	(*ZSet).EachUnordered(fn)     every (member, score) in dict order, for a
//	                              skiplist set read from a snapshot
//	(*ZSet).Each(fn), EachReverse(fn)
//	                              in score order / from the highest score
//	                              (loop only: DUMP writes the reverse order)
//	NewZSetFromListpack(lp, cow)  a set over a listpack (member/score pairs
//	                              in order; see ZsetListpackValid)
//	NewZSetSkiplist(cow, n)       an empty skiplist set presized for n, then
//	(*ZSet).LoadAdd(m, score)     add a member (false for a duplicate),
//	(*ZSet).LoadDone(b)           convert to listpack if small enough, as
//	                              rdbLoadObject does after loading
//	(*ZSet).ConvertIfLarge(b)     a loaded listpack past the entries limit
//	                              becomes a skiplist, as rdbLoadObject does
//
// Within the package (GEO commands are sorted set commands): zsetForWrite,
// zsetForRead (t_zset.go), newZSetFor, (*ZSet).add, score, del,
// cursorInRange and zsetFromSortedPairs (t_zset.go) are t_zset.c's
// zsetAdd, zsetScore, zsetDel, ranges and zsetConvertToListpackIfNeeded.

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/skiplist"
	"github.com/redis-go/redis-server/resp"
)

// ZSet is a sorted set value: lp, or zsl with dict.
type ZSet struct {
	lp    *listpack.Listpack
	zsl   *skiplist.List
	dict  *dict.Dict[float64]
	cow   *COW
	epoch uint32 // COW epoch the ZSet was created or copied in
	counted
}

// zsetSettings are the encoding thresholds, read by loadSettings.
type zsetSettings struct {
	maxEntries int // zset-max-listpack-entries
	maxValue   int // zset-max-listpack-value
}

func (s *Server) loadZsetSettings() {
	s.zsets = zsetSettings{
		maxEntries: int(s.Config.Int("zset-max-listpack-entries")),
		maxValue:   int(s.Config.Int("zset-max-listpack-value")),
	}
}

func newZSetListpack(cow *COW) *ZSet {
	return &ZSet{lp: listpack.New(), cow: cow, epoch: cow.Stamp()}
}

// NewZSetSkiplist returns an empty set in skiplist encoding, presized for n
// members.
func NewZSetSkiplist(cow *COW, n int) *ZSet {
	d := dict.New[float64](cow)
	if n > 0 {
		d.Expand(n)
	}
	return &ZSet{zsl: skiplist.New(), dict: d, cow: cow, epoch: cow.Stamp()}
}

// NewZSetFromListpack returns a set over lp, owned by the set from now on.
func NewZSetFromListpack(lp *listpack.Listpack, cow *COW) *ZSet {
	return &ZSet{lp: lp, cow: cow, epoch: cow.Stamp()}
}

// newZSetFor returns the empty set ZADD creates for its first member.
func newZSetFor(s *Server, firstMember []byte) *ZSet {
	if s.zsets.maxEntries == 0 || s.zsets.maxValue < len(firstMember) {
		return NewZSetSkiplist(s.COW, 0)
	}
	return newZSetListpack(s.COW)
}

// Type implements Object.
func (z *ZSet) Type() string { return "zset" }

// Encoding implements Object.
func (z *ZSet) Encoding() string {
	if z.lp != nil {
		return "listpack"
	}
	return "skiplist"
}

// Clone implements Object: a deep copy in the same encoding.
func (z *ZSet) Clone() Object {
	if z.lp != nil {
		return NewZSetFromListpack(z.lp.Clone(), z.cow)
	}
	cp := NewZSetSkiplist(z.cow, z.Len())
	// From the highest score down, every insertion is at the head.
	for x := z.zsl.Last(); x != nil; x = x.Prev() {
		// Strings are immutable: the copy shares the members.
		cp.zsl.Insert(x.Score(), x.Member())
		cp.dict.Set(x.Member(), x.Score())
	}
	return cp
}

// Len returns the number of members. It reads the dict, not the skiplist,
// so a snapshot may call it.
func (z *ZSet) Len() int {
	if z.lp != nil {
		return z.lp.Len() / 2
	}
	return z.dict.Len()
}

// Listpack returns the listpack of a listpack set, else nil. It is
// borrowed: not to be modified.
func (z *ZSet) Listpack() *listpack.Listpack { return z.lp }

// Each calls fn for every member from the lowest score up until fn returns
// false. The member is borrowed. Loop only.
func (z *ZSet) Each(fn func(member []byte, score float64) bool) {
	for cur := z.cursorAtRank(0, false); cur.ok(); cur.advance(false) {
		if !fn(cur.member(), cur.score()) {
			return
		}
	}
}

// EachReverse is Each from the highest score down.
func (z *ZSet) EachReverse(fn func(member []byte, score float64) bool) {
	for cur := z.cursorAtRank(0, true); cur.ok(); cur.advance(true) {
		if !fn(cur.member(), cur.score()) {
			return
		}
	}
}

// EachUnordered calls fn for every member until fn returns false, a
// skiplist set in its dict's order. It only reads, and only what a
// snapshot freezes: a snapshot goroutine may call it.
func (z *ZSet) EachUnordered(fn func(member []byte, score float64) bool) {
	if z.lp != nil {
		var buf [20]byte
		for p := z.lp.First(); p >= 0; p = zzlNextPair(z.lp, p) {
			if !fn(zzlMember(z.lp, p, &buf), zzlScore(z.lp, z.lp.Next(p))) {
				return
			}
		}
		return
	}
	z.dict.Each(func(m string, score float64) bool { return fn(keyBytes(m), score) })
}

// ZsetListpackValid reports whether a loaded listpack holds member/score
// pairs with no member twice, as lpValidateIntegrityAndDups checks a zset
// listpack (its order and scores are not checked, as in Redis).
func ZsetListpackValid(lp *listpack.Listpack) bool {
	if lp.Len()%2 != 0 {
		return false
	}
	seen := make(map[string]struct{}, lp.Len()/2)
	var buf [20]byte
	for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
		m := zzlMember(lp, p, &buf)
		if _, dup := seen[bstr(m)]; dup {
			return false
		}
		seen[string(m)] = struct{}{}
	}
	return true
}

// LoadAdd adds a member while loading a skiplist set, and reports false if
// it was already there. The caller rejects NaN scores first.
func (z *ZSet) LoadAdd(member []byte, score float64) bool {
	if _, dup := z.dict.Find(bstr(member)); dup {
		return false
	}
	m := string(member)
	z.zsl.Insert(score, m)
	z.dict.Set(m, score)
	return true
}

// LoadDone converts a loaded skiplist set to a listpack if it is within
// the limits.
func (z *ZSet) LoadDone(b *Builder) {
	if z.lp == nil {
		maxlen, total := z.memberLengths()
		z.convertToListpackIfNeeded(&b.zsets, maxlen, total)
	}
}

// ConvertIfLarge turns a loaded listpack set with more members than
// zset-max-listpack-entries into a skiplist.
func (z *ZSet) ConvertIfLarge(b *Builder) {
	if z.lp != nil && z.Len() > b.zsets.maxEntries {
		z.convertToSkiplist()
	}
}

// memberLengths returns the longest member length and the sum of them.
func (z *ZSet) memberLengths() (maxlen, total int) {
	z.EachUnordered(func(m []byte, _ float64) bool {
		maxlen = max(maxlen, len(m))
		total += len(m)
		return true
	})
	return maxlen, total
}

// memSize is what Redis allocates for the sorted set, as
// objectComputeSize counting every member (MEMORY USAGE ... SAMPLES 0), in
// O(1): the skiplist keeps the size of its nodes.
func (z *ZSet) memSize() int {
	if z.lp != nil {
		return robjSize + jemalloc.Size(z.lp.Size())
	}
	return zsetTableSize(z.dict.TargetBuckets()) + z.zsl.MemSize() + dictEntrySize*z.dict.Len()
}

// allocSize is memSize with the dict entries as jemalloc allocates them.
func (z *ZSet) allocSize() int {
	if z.lp != nil {
		return z.memSize()
	}
	return z.memSize() + entrySlack(z.dict.Len())
}

// zsetTableSize is the skiplist encoding's fixed part: the robj, the zset,
// zskiplist and dict structs, the dict's buckets and the skiplist header.
func zsetTableSize(buckets uint64) int {
	const zsetStructSize, zskiplistSize, zslNodeHeader = 16, 32, 24
	return robjSize + zsetStructSize + zskiplistSize + dictStructSize +
		pointerSize*int(buckets) + jemalloc.Size(zslNodeHeader+skiplist.MaxLevel*16)
}

// sampledSize is objectComputeSize with samples > 0: the fixed part and
// the average of the first members times the members.
func (z *ZSet) sampledSize(samples int) int {
	if z.lp != nil {
		return z.memSize()
	}
	const zslNodeHeader = 24
	size := zsetTableSize(z.dict.Buckets())
	n, elesize := 0, 0
	for x := z.zsl.First(); x != nil && n < samples; x = x.Next() {
		elesize += jemalloc.SdsSize(len(x.Member())) + dictEntrySize +
			jemalloc.Size(zslNodeHeader+16*z.zsl.NodeLevel(x))
		n++
	}
	if n > 0 {
		size += int(float64(elesize) / float64(n) * float64(z.Len()))
	}
	return size
}

func (z *ZSet) cowEpoch() uint32     { return z.epoch }
func (z *ZSet) rehashForced() bool   { return z.dict != nil && z.dict.RehashForced() }
func (z *ZSet) setCOWEpoch(e uint32) { z.epoch = e }

// detach returns a copy of z the loop can change without the snapshots
// that share z seeing it (see the file comment and cowObject).
func (z *ZSet) detach(cow *COW) Object {
	cp := &ZSet{cow: z.cow, counted: z.counted}
	if z.lp != nil {
		cp.lp = z.lp.Clone()
		cow.Copied += int64(z.lp.Size())
		return cp
	}
	cp.zsl = z.zsl
	cp.dict = z.dict.Fork()
	return cp
}

// Flags of zsetAdd, as ZADD_IN_* and ZADD_OUT_*.
const (
	zaddIncr = 1 << iota
	zaddNX
	zaddXX
	zaddGT
	zaddLT
)

const (
	zaddOutNaN = 1 << iota
	zaddOutAdded
	zaddOutUpdated
	zaddOutNop
)

// add is zsetAdd: it adds member with score or updates its score as the
// flags say, converting the encoding when the set outgrows the listpack
// limits. It returns what happened and the member's new score.
func (z *ZSet) add(member []byte, score float64, flags int, lim *zsetSettings) (out int, newscore float64) {
	if math.IsNaN(score) {
		return zaddOutNaN, 0
	}
	cur, found := z.score(member)
	if found {
		if flags&zaddNX != 0 {
			return zaddOutNop, 0
		}
		if flags&zaddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return zaddOutNaN, 0
			}
		}
		if flags&zaddLT != 0 && score >= cur || flags&zaddGT != 0 && score <= cur {
			return zaddOutNop, 0
		}
		if score != cur {
			z.updateScore(member, cur, score)
			out = zaddOutUpdated
		}
		return out, score
	}
	if flags&zaddXX != 0 {
		return zaddOutNop, 0
	}
	z.insertNew(member, score, lim)
	return zaddOutAdded, score
}

// insertNew adds a member that is not in the set.
func (z *ZSet) insertNew(member []byte, score float64, lim *zsetSettings) {
	if lp := z.lp; lp != nil {
		if lp.Len()/2+1 <= lim.maxEntries && len(member) <= lim.maxValue && lp.Size()+len(member) <= listpack.MaxSafetySize {
			zzlInsert(lp, member, score)
			return
		}
		z.convertToSkiplist()
	}
	m := string(member)
	z.zsl.Insert(score, m)
	z.dict.Set(m, score)
}

// updateScore moves an existing member from cur to score.
func (z *ZSet) updateScore(member []byte, cur, score float64) {
	if lp := z.lp; lp != nil {
		p, _ := zzlFind(lp, member)
		zzlDelete(lp, p)
		zzlInsert(lp, member, score)
		return
	}
	z.zsl.UpdateScore(cur, bstr(member), score)
	z.dict.Set(bstr(member), score) // an existing key: the string is not kept
}

// score returns the score of member.
func (z *ZSet) score(member []byte) (float64, bool) {
	if lp := z.lp; lp != nil {
		p, s := zzlFind(lp, member)
		return s, p >= 0
	}
	return z.dict.Find(bstr(member))
}

// del removes member and reports whether it was there.
func (z *ZSet) del(member []byte) bool {
	if lp := z.lp; lp != nil {
		p := lp.Find(lp.First(), member, 1)
		if p < 0 {
			return false
		}
		zzlDelete(lp, p)
		return true
	}
	score, ok := z.dict.Delete(bstr(member))
	if ok {
		z.zsl.Delete(score, bstr(member))
	}
	return ok
}

// rank returns the 0-based rank of member, from the highest score if rev,
// or -1.
func (z *ZSet) rank(member []byte, rev bool) int {
	n := z.Len()
	r := -1
	if lp := z.lp; lp != nil {
		i := 0
		for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
			if lp.Equal(p, member) {
				r = i
				break
			}
			i++
		}
	} else if score, ok := z.dict.Find(bstr(member)); ok {
		r = z.zsl.Rank(score, bstr(member)) - 1
	}
	if r >= 0 && rev {
		r = n - 1 - r
	}
	return r
}

// convertToSkiplist turns a listpack set into a skiplist one.
func (z *ZSet) convertToSkiplist() {
	lp := z.lp
	n := lp.Len() / 2
	z.zsl, z.dict, z.lp = skiplist.New(), dict.New[float64](z.cow), nil
	z.dict.Expand(n)
	var buf [20]byte
	// From the highest score down, every insertion is at the head.
	for p := zzlLastPair(lp); p >= 0; p = zzlPrevPair(lp, p) {
		m := string(zzlMember(lp, p, &buf))
		s := zzlScore(lp, lp.Next(p))
		z.zsl.Insert(s, m)
		z.dict.Set(m, s)
	}
}

// convertToListpackIfNeeded is zsetConvertToListpackIfNeeded: a skiplist
// set within the limits becomes a listpack.
func (z *ZSet) convertToListpackIfNeeded(lim *zsetSettings, maxelelen, totelelen int) {
	if z.lp != nil || z.Len() > lim.maxEntries || maxelelen > lim.maxValue || totelelen > listpack.MaxSafetySize {
		return
	}
	lp := listpack.New()
	for x := z.zsl.First(); x != nil; x = x.Next() {
		zzlInsertAt(lp, -1, keyBytes(x.Member()), x.Score())
	}
	z.lp, z.zsl, z.dict = lp, nil, nil
}

// zcursor is a position in a sorted set of either encoding, walked in
// either direction.
type zcursor struct {
	lp  *listpack.Listpack
	p   int // member position in lp, -1 past the end
	n   *skiplist.Node
	buf [20]byte
}

func (c *zcursor) ok() bool {
	if c.lp != nil {
		return c.p >= 0
	}
	return c.n != nil
}

// member returns the member, borrowed until the cursor moves or the set
// changes.
func (c *zcursor) member() []byte {
	if c.lp != nil {
		return zzlMember(c.lp, c.p, &c.buf)
	}
	return keyBytes(c.n.Member())
}

func (c *zcursor) score() float64 {
	if c.lp != nil {
		return zzlScore(c.lp, c.lp.Next(c.p))
	}
	return c.n.Score()
}

func (c *zcursor) advance(rev bool) {
	switch {
	case c.lp != nil && rev:
		c.p = zzlPrevPair(c.lp, c.p)
	case c.lp != nil:
		c.p = zzlNextPair(c.lp, c.p)
	case rev:
		c.n = c.n.Prev()
	default:
		c.n = c.n.Next()
	}
}

// cursorAtRank returns a cursor at 0-based rank, counted from the highest
// score if rev.
func (z *ZSet) cursorAtRank(rank int, rev bool) zcursor {
	cur := zcursor{lp: z.lp, p: -1}
	if rank < 0 || rank >= z.Len() {
		return cur
	}
	if lp := z.lp; lp != nil {
		if rev {
			cur.p = lp.Seek(-2 - 2*rank)
		} else {
			cur.p = lp.Seek(2 * rank)
		}
		return cur
	}
	switch {
	case rev && rank == 0:
		cur.n = z.zsl.Last()
	case rev:
		cur.n = z.zsl.ByRank(z.Len() - rank)
	case rank == 0:
		cur.n = z.zsl.First()
	default:
		cur.n = z.zsl.ByRank(rank + 1)
	}
	return cur
}

// cursorInRange returns a cursor at the first member with a score in r,
// the last one if rev.
func (z *ZSet) cursorInRange(r *skiplist.ScoreRange, rev bool) zcursor {
	cur := zcursor{lp: z.lp, p: -1}
	switch {
	case z.lp != nil && rev:
		cur.p = zzlLastInRange(z.lp, r)
	case z.lp != nil:
		cur.p = zzlFirstInRange(z.lp, r)
	case rev:
		cur.n = z.zsl.LastInRange(r)
	default:
		cur.n = z.zsl.FirstInRange(r)
	}
	return cur
}

// cursorInLexRange is cursorInRange for a lex range.
func (z *ZSet) cursorInLexRange(r *skiplist.LexRange, rev bool) zcursor {
	cur := zcursor{lp: z.lp, p: -1}
	switch {
	case z.lp != nil && rev:
		cur.p = zzlLastInLexRange(z.lp, r)
	case z.lp != nil:
		cur.p = zzlFirstInLexRange(z.lp, r)
	case rev:
		cur.n = z.zsl.LastInLexRange(r)
	default:
		cur.n = z.zsl.FirstInLexRange(r)
	}
	return cur
}

// The listpack encoding of small sorted sets, as t_zset.c's zzl*
// functions: member, score, member, score... sorted by score then member.
// Scores are stored as zzlInsertAt stores them, so that the bytes are
// Redis's: an integer entry when the score is an integer within ±2^62
// (double2ll), else the string d2string prints ("%.17g", "inf", "-inf").

// zzlScoreBytes appends the listpack form of score.
func zzlScoreBytes(buf []byte, score float64) []byte {
	if n, ok := double2ll(score); ok {
		return strconv.AppendInt(buf, n, 10)
	}
	return resp.AppendDouble(buf, score)
}

// double2ll is Redis's double2ll: d as an integer when it is one and lies
// within ±2^62, the form listpacks store such scores in.
func double2ll(d float64) (int64, bool) {
	if !(d >= -0x1p62 && d <= 0x1p62) {
		return 0, false
	}
	n := int64(d)
	return n, float64(n) == d
}

// zzlScore reads the score entry at p.
func zzlScore(lp *listpack.Listpack, p int) float64 {
	s, n, isInt := lp.Get(p)
	if isInt {
		return float64(n)
	}
	return zzlStrtod(s)
}

// zzlStrtod parses a stored score as zzlStrtod: strtod of its first 127
// bytes, trailing junk ignored.
func zzlStrtod(s []byte) float64 {
	if v, err := strconv.ParseFloat(bstr(s), 64); err == nil {
		return v
	}
	if len(s) > 127 {
		s = s[:127]
	}
	return strtod(s)
}

// zzlMember returns the member entry at p, an integer formatted into buf.
func zzlMember(lp *listpack.Listpack, p int, buf *[20]byte) []byte {
	return lpEntry(lp, p, buf)
}

// zzlCompare compares the member entry at p with member (memcmp order).
func zzlCompare(lp *listpack.Listpack, p int, member []byte) int {
	var buf [20]byte
	return bytes.Compare(zzlMember(lp, p, &buf), member)
}

// zzlFind returns the position of member's entry and its score, or -1.
func zzlFind(lp *listpack.Listpack, member []byte) (int, float64) {
	p := lp.Find(lp.First(), member, 1)
	if p < 0 {
		return -1, 0
	}
	return p, zzlScore(lp, lp.Next(p))
}

// zzlInsert adds (member, score), member not being in lp yet, at its place.
func zzlInsert(lp *listpack.Listpack, member []byte, score float64) {
	for p := lp.First(); p >= 0; {
		sp := lp.Next(p)
		s := zzlScore(lp, sp)
		if s > score || s == score && zzlCompare(lp, p, member) > 0 {
			zzlInsertAt(lp, p, member, score)
			return
		}
		p = lp.Next(sp)
	}
	zzlInsertAt(lp, -1, member, score)
}

// zzlInsertAt inserts (member, score) before the member entry at p, or at
// the end when p is -1.
func zzlInsertAt(lp *listpack.Listpack, p int, member []byte, score float64) {
	var buf [32]byte
	sb := zzlScoreBytes(buf[:0], score)
	if p < 0 {
		lp.Append(member)
		lp.Append(sb)
		return
	}
	lp.Insert(p, member, true)
	lp.Insert(p, sb, false)
}

// zzlDelete removes the pair whose member entry is at p and returns the
// position of the next member, or -1.
func zzlDelete(lp *listpack.Listpack, p int) int { return lp.DeleteRangeAt(p, 2) }

// zzlPrevPair returns the member position of the pair before the one at p.
func zzlPrevPair(lp *listpack.Listpack, p int) int {
	sp := lp.Prev(p)
	if sp < 0 {
		return -1
	}
	return lp.Prev(sp)
}

// zzlNextPair returns the member position of the pair after the one at p.
func zzlNextPair(lp *listpack.Listpack, p int) int {
	sp := lp.Next(p)
	if sp < 0 {
		return -1
	}
	return lp.Next(sp)
}

// zzlLastPair returns the member position of the last pair, or -1.
func zzlLastPair(lp *listpack.Listpack) int {
	if lp.Len() < 2 {
		return -1
	}
	return lp.Seek(-2)
}

// zzlFirstInRange returns the first member position with a score in r.
func zzlFirstInRange(lp *listpack.Listpack, r *skiplist.ScoreRange) int {
	if r.Empty() {
		return -1
	}
	for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
		s := zzlScore(lp, lp.Next(p))
		if r.GteMin(s) {
			if r.LteMax(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInRange returns the last member position with a score in r.
func zzlLastInRange(lp *listpack.Listpack, r *skiplist.ScoreRange) int {
	if r.Empty() {
		return -1
	}
	for p := zzlLastPair(lp); p >= 0; p = zzlPrevPair(lp, p) {
		s := zzlScore(lp, lp.Next(p))
		if r.LteMax(s) {
			if r.GteMin(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLexGteMin and zzlLexLteMax test the member entry at p against r.
func zzlLexGteMin(lp *listpack.Listpack, p int, r *skiplist.LexRange) bool {
	var buf [20]byte
	return r.GteMin(bstr(zzlMember(lp, p, &buf)))
}

func zzlLexLteMax(lp *listpack.Listpack, p int, r *skiplist.LexRange) bool {
	var buf [20]byte
	return r.LteMax(bstr(zzlMember(lp, p, &buf)))
}

// zzlFirstInLexRange returns the first member position in r.
func zzlFirstInLexRange(lp *listpack.Listpack, r *skiplist.LexRange) int {
	if r.Empty() {
		return -1
	}
	for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
		if zzlLexGteMin(lp, p, r) {
			if zzlLexLteMax(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInLexRange returns the last member position in r.
func zzlLastInLexRange(lp *listpack.Listpack, r *skiplist.LexRange) int {
	if r.Empty() {
		return -1
	}
	for p := zzlLastPair(lp); p >= 0; p = zzlPrevPair(lp, p) {
		if zzlLexLteMax(lp, p, r) {
			if zzlLexGteMin(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlDeleteWhile deletes the pairs from p on while keep accepts them and
// returns how many went.
func zzlDeleteWhile(lp *listpack.Listpack, p int, keep func(p int) bool) int {
	n := 0
	for p >= 0 && keep(p) {
		p = zzlDelete(lp, p)
		n++
	}
	return n
}

// Structure checks of sorted sets, run by tests and, in builds with the
// invariants tag, after every command that changes a set (zsetCheck).

// check returns the first broken invariant of z, or nil.
func (z *ZSet) check() error {
	if lp := z.lp; lp != nil {
		if lp.Len()%2 != 0 {
			return fmt.Errorf("zset listpack: odd entry count %d", lp.Len())
		}
		seen := map[string]bool{}
		var prevM string
		var prevS float64
		var buf [20]byte
		for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
			m, s := string(zzlMember(lp, p, &buf)), zzlScore(lp, lp.Next(p))
			if seen[m] {
				return fmt.Errorf("zset listpack: duplicate member %q", m)
			}
			if len(seen) > 0 && (s < prevS || s == prevS && m <= prevM) {
				return fmt.Errorf("zset listpack: %q %v after %q %v", m, s, prevM, prevS)
			}
			seen[m] = true
			prevM, prevS = m, s
		}
		return nil
	}
	if err := z.zsl.Check(); err != nil {
		return err
	}
	if z.dict.Len() != z.zsl.Len() {
		return fmt.Errorf("zset: dict has %d members, skiplist %d", z.dict.Len(), z.zsl.Len())
	}
	for x := z.zsl.First(); x != nil; x = x.Next() {
		if s, ok := z.dict.Find(x.Member()); !ok || s != x.Score() {
			return fmt.Errorf("zset: dict has %v, %v for %q, skiplist %v", s, ok, x.Member(), x.Score())
		}
	}
	return nil
}
