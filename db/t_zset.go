package db

// Sorted set commands, as Redis 7.0's t_zset.c. The value, a ZSet in the
// listpack or the skiplist encoding, is in zset.go. In this file, in
// order: the commands on single members (ZADD, ZREM, ZSCORE...); ZRANGE
// and its family, and ZREMRANGEBY*; ZUNION, ZINTER, ZDIFF; ZPOP*, BZPOP*,
// ZMPOP, ZRANDMEMBER and ZSCAN; last, the parsing of score and lex ranges
// and of scores.

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/skiplist"
	"github.com/redis-go/redis-server/resp"
)

func init() {
	register("zadd", zaddCommand)
	register("zincrby", zincrbyCommand)
	register("zrem", zremCommand)
	register("zcard", zcardCommand)
	register("zscore", zscoreCommand)
	register("zmscore", zmscoreCommand)
	register("zrank", zrankCommand)
	register("zrevrank", zrevrankCommand)
	register("zcount", zcountCommand)
	register("zlexcount", zlexcountCommand)
	register("zrange", func(c *Client) { zrangeGeneric(c, 1, false, zrangeAuto, dirAuto) })
	register("zrangestore", func(c *Client) { zrangeGeneric(c, 2, true, zrangeAuto, dirAuto) })
	register("zrevrange", func(c *Client) { zrangeGeneric(c, 1, false, zrangeRank, dirReverse) })
	register("zrangebyscore", func(c *Client) { zrangeGeneric(c, 1, false, zrangeScore, dirForward) })
	register("zrevrangebyscore", func(c *Client) { zrangeGeneric(c, 1, false, zrangeScore, dirReverse) })
	register("zrangebylex", func(c *Client) { zrangeGeneric(c, 1, false, zrangeLex, dirForward) })
	register("zrevrangebylex", func(c *Client) { zrangeGeneric(c, 1, false, zrangeLex, dirReverse) })
	register("zremrangebyrank", func(c *Client) { zremrangeGeneric(c, zrangeRank) })
	register("zremrangebyscore", func(c *Client) { zremrangeGeneric(c, zrangeScore) })
	register("zremrangebylex", func(c *Client) { zremrangeGeneric(c, zrangeLex) })
	register("zunion", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpUnion, false) })
	register("zinter", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpInter, false) })
	register("zdiff", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpDiff, false) })
	register("zunionstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpUnion, false) })
	register("zinterstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpInter, false) })
	register("zdiffstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpDiff, false) })
	register("zintercard", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpInter, true) })
	register("zpopmin", func(c *Client) { zpopMinMax(c, zsetMin) })
	register("zpopmax", func(c *Client) { zpopMinMax(c, zsetMax) })
	register("bzpopmin", func(c *Client) { bzpopMinMax(c, zsetMin) })
	register("bzpopmax", func(c *Client) { bzpopMinMax(c, zsetMax) })
	register("zmpop", func(c *Client) { zmpopGeneric(c, 1, false) })
	register("bzmpop", func(c *Client) { zmpopGeneric(c, 2, true) })
	register("zrandmember", zrandmemberCommand)
	register("zscan", zscanCommand)
}

// zsetForWrite looks key up for a change: nil if missing; false (after
// replying WRONGTYPE) for another type. LookupWrite has replaced a set a
// snapshot shares by a copy.
func zsetForWrite(c *Client, key []byte) (*ZSet, bool) {
	switch v := c.DB.LookupWrite(key).(type) {
	case nil:
		return nil, true
	case *ZSet:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// zsetForRead is zsetForWrite for a read. Reads change nothing, not even
// a dict's rehashing while a snapshot is live (see dict.Dict.Find).
func zsetForRead(c *Client, key []byte) (*ZSet, bool) {
	switch v := c.DB.LookupRead(key).(type) {
	case nil:
		return nil, true
	case *ZSet:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// replyScore writes a score as addReplyDouble does ("%.17g", a RESP3
// double), printing integers below 1e17 (which "%.17g" writes out in full)
// without the float formatting.
func replyScore(c *Client, score float64) {
	n, ok := double2ll(score)
	if !ok || n <= -1e17 || n >= 1e17 || n == 0 && math.Signbit(score) {
		c.Double(score)
		return
	}
	var buf [24]byte
	if c.Proto > 2 {
		b := append(buf[:0], ',')
		b = strconv.AppendInt(b, n, 10)
		c.Raw(append(b, '\r', '\n'))
		return
	}
	c.Bulk(strconv.AppendInt(buf[:0], n, 10))
}

// The sorted set commands that add, remove and look up single members:
// ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT,
// ZLEXCOUNT.

const errZsetNaN = "ERR resulting score is not a number (NaN)"

func zaddCommand(c *Client)    { zaddGeneric(c, 0) }
func zincrbyCommand(c *Client) { zaddGeneric(c, zaddIncr) }

// zaddGeneric is zaddGenericCommand. Every error is found before the set
// changes: options, then all the scores.
func zaddGeneric(c *Client, flags int) {
	ch := false
	i := 2
options:
	for ; i < len(c.Argv); i++ {
		switch a := c.Argv[i]; {
		case optIs(a, "nx"):
			flags |= zaddNX
		case optIs(a, "xx"):
			flags |= zaddXX
		case optIs(a, "ch"):
			ch = true
		case optIs(a, "incr"):
			flags |= zaddIncr
		case optIs(a, "gt"):
			flags |= zaddGT
		case optIs(a, "lt"):
			flags |= zaddLT
		default:
			break options
		}
	}
	elements := len(c.Argv) - i
	if elements%2 != 0 || elements == 0 {
		c.Error(ErrSyntax)
		return
	}
	elements /= 2
	incr, nx, xx, gt, lt := flags&zaddIncr != 0, flags&zaddNX != 0, flags&zaddXX != 0, flags&zaddGT != 0, flags&zaddLT != 0
	switch {
	case nx && xx:
		c.Error("ERR XX and NX options at the same time are not compatible")
		return
	case gt && nx || lt && nx || gt && lt:
		c.Error("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	case incr && elements > 1:
		c.Error("ERR INCR option supports a single increment-element pair")
		return
	}
	var small [8]float64
	scores := small[:0]
	for j := 0; j < elements; j++ {
		s, ok := parseScore(c.Argv[i+2*j])
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		scores = append(scores, s)
	}

	key := c.Argv[1]
	z, ok := zsetForWrite(c, key)
	if !ok {
		return
	}
	srv := c.srv
	added, updated, processed := 0, 0, 0
	var score float64
	if z == nil && !xx {
		z = newZSetFor(srv, c.Argv[i+1])
		c.DB.Add(key, z)
	}
	if z != nil {
		for j, s := range scores {
			out, newscore := z.add(c.Argv[i+2*j+1], s, flags, &srv.zsets)
			if out&zaddOutNaN != 0 {
				c.Error(errZsetNaN)
				return
			}
			if out&zaddOutAdded != 0 {
				added++
			}
			if out&zaddOutUpdated != 0 {
				updated++
			}
			if out&zaddOutNop == 0 {
				processed++
			}
			score = newscore
		}
		srv.Dirty += int64(added + updated)
	}
	switch {
	case !incr && ch:
		c.Int(int64(added + updated))
	case !incr:
		c.Int(int64(added))
	case processed > 0:
		replyScore(c, score)
	default:
		c.Null()
	}
	if added+updated > 0 {
		srv.signalModifiedKey(c.DB, key)
		event := "zadd"
		if incr {
			event = "zincr"
		}
		srv.notifyKeyspaceEvent(NotifyZset, event, key, c.DB.ID)
		zsetCheck(z)
	}
}

func zremCommand(c *Client) {
	key := c.Argv[1]
	z, ok := zsetForWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.Int(0)
		return
	}
	deleted, removed := 0, false
	for _, m := range c.Argv[2:] {
		if z.del(m) {
			deleted++
		}
		if z.Len() == 0 {
			c.DB.Delete(key)
			removed = true
			break
		}
	}
	if deleted > 0 {
		srv := c.srv
		srv.notifyKeyspaceEvent(NotifyZset, "zrem", key, c.DB.ID)
		if removed {
			srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
		}
		srv.signalModifiedKey(c.DB, key)
		srv.Dirty += int64(deleted)
		zsetCheck(z)
	}
	c.Int(int64(deleted))
}

func zcardCommand(c *Client) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if z != nil {
		n = z.Len()
	}
	c.Int(int64(n))
}

func zscoreCommand(c *Client) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Null()
		return
	}
	if s, found := z.score(c.Argv[2]); found {
		replyScore(c, s)
	} else {
		c.Null()
	}
}

func zmscoreCommand(c *Client) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if z == nil {
			c.Null()
		} else if s, found := z.score(m); found {
			replyScore(c, s)
		} else {
			c.Null()
		}
	}
}

func zrankCommand(c *Client)    { zrankGeneric(c, false) }
func zrevrankCommand(c *Client) { zrankGeneric(c, true) }

func zrankGeneric(c *Client, rev bool) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Null()
		return
	}
	if r := z.rank(c.Argv[2], rev); r >= 0 {
		c.Int(int64(r))
	} else {
		c.Null()
	}
}

func zcountCommand(c *Client) {
	r, ok := parseScoreRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.Error(errZsetMinMaxFloat)
		return
	}
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	count := 0
	switch {
	case z == nil:
	case z.lp != nil:
		for cur := z.cursorInRange(&r, false); cur.ok() && r.LteMax(cur.score()); cur.advance(false) {
			count++
		}
	default:
		// The distance between the ranks of the first and the last
		// member in range.
		zsl := z.zsl
		if first := zsl.FirstInRange(&r); first != nil {
			last := zsl.LastInRange(&r)
			count = zsl.Rank(last.Score(), last.Member()) - zsl.Rank(first.Score(), first.Member()) + 1
		}
	}
	c.Int(int64(count))
}

func zlexcountCommand(c *Client) {
	r, ok := parseLexRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.Error(errZsetLexRange)
		return
	}
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	count := 0
	switch {
	case z == nil:
	case z.lp != nil:
		for cur := z.cursorInLexRange(&r, false); cur.ok() && r.LteMax(bstr(cur.member())); cur.advance(false) {
			count++
		}
	default:
		zsl := z.zsl
		if first := zsl.FirstInLexRange(&r); first != nil {
			last := zsl.LastInLexRange(&r)
			count = zsl.Rank(last.Score(), last.Member()) - zsl.Rank(first.Score(), first.Member()) + 1
		}
	}
	c.Int(int64(count))
}

const (
	errZsetMinMaxFloat = "ERR min or max is not a float"
	errZsetLexRange    = "ERR min or max not valid string range item"
)

// ZRANGE and its family (ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE,
// ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX), and ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX, as zrangeGenericCommand and
// zremrangeGenericCommand. A range is walked once with a zcursor and
// handed to a sink: the client's reply, or a new set for ZRANGESTORE.

type zrangeType int

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir int

const (
	dirAuto zrangeDir = iota
	dirForward
	dirReverse
)

// zrangeSink receives the result of a range: begin with its length (-1 if
// not known yet), the members, then end with how many there were.
type zrangeSink interface {
	begin(n int)
	emit(member []byte, score float64)
	end(n int)
}

// zrangeReply sends the range to the client: flat in RESP2, pairs in RESP3
// when with scores.
type zrangeReply struct {
	c          *Client
	withScores bool
	deferred   bool
	d          resp.Deferred
}

func (r *zrangeReply) begin(n int) {
	if n > 0 {
		if r.withScores && r.c.Proto == 2 {
			n *= 2
		}
		r.c.ArrayLen(n)
		return
	}
	r.d, r.deferred = r.c.Defer(), true
}

func (r *zrangeReply) emit(member []byte, score float64) {
	if r.withScores && r.c.Proto > 2 {
		r.c.ArrayLen(2)
	}
	r.c.Bulk(member)
	if r.withScores {
		replyScore(r.c, score)
	}
}

func (r *zrangeReply) end(n int) {
	if !r.deferred {
		return
	}
	if r.withScores && r.c.Proto == 2 {
		n *= 2
	}
	r.c.SetArrayLen(r.d, n)
}

// zrangeStore builds ZRANGESTORE's destination as ZADDs to a new listpack
// set would, then stores it (or deletes dst for an empty range).
type zrangeStore struct {
	c   *Client
	dst []byte
	z   *ZSet
}

// begin starts the destination as zrangeResultBeginStore does: a skiplist
// when the range is known to be longer than zset-max-listpack-entries (a
// rank range), else a listpack. It shows in the scores: a listpack stores
// -0 as 0, a skiplist keeps its sign.
func (r *zrangeStore) begin(length int) {
	if length > r.c.srv.zsets.maxEntries {
		r.z = NewZSetSkiplist(r.c.srv.COW, length)
		return
	}
	r.z = newZSetListpack(r.c.srv.COW)
}

func (r *zrangeStore) emit(member []byte, score float64) {
	r.z.add(member, score, 0, &r.c.srv.zsets)
}

func (r *zrangeStore) end(n int) {
	c, srv := r.c, r.c.srv
	if n > 0 {
		c.DB.Set(r.dst, r.z, false)
		c.Int(int64(n))
		srv.notifyKeyspaceEvent(NotifyZset, "zrangestore", r.dst, c.DB.ID)
		srv.Dirty++
		zsetCheck(r.z)
		return
	}
	c.Int(0)
	if c.DB.Delete(r.dst) {
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", r.dst, c.DB.ID)
		srv.Dirty++
	}
}

// zrangeGeneric is zrangeGenericCommand: <src> <min> <max> at argument
// first, then the options the command allows. Options and range are
// parsed before the key is looked up.
func zrangeGeneric(c *Client, first int, store bool, rtype zrangeType, dir zrangeDir) {
	key := c.Argv[first]
	minIdx, maxIdx := first+1, first+2
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := first + 3; j < len(c.Argv); j++ {
		left := len(c.Argv) - j - 1
		a := c.Argv[j]
		switch {
		case !store && optIs(a, "withscores"):
			withScores = true
		case optIs(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.IntArg(j + 1); !ok {
				return
			}
			if limit, ok = c.IntArg(j + 2); !ok {
				return
			}
			j += 2
		case dir == dirAuto && optIs(a, "rev"):
			dir = dirReverse
		case rtype == zrangeAuto && optIs(a, "bylex"):
			rtype = zrangeLex
		case rtype == zrangeAuto && optIs(a, "byscore"):
			rtype = zrangeScore
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if dir == dirAuto {
		dir = dirForward
	}
	if rtype == zrangeAuto {
		rtype = zrangeRank
	}
	if limit != -1 && rtype == zrangeRank {
		c.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withScores && rtype == zrangeLex {
		c.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	rev := dir == dirReverse
	if rev && rtype != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx // given as max, min
	}

	var start, end int64
	var sr skiplist.ScoreRange
	var lr skiplist.LexRange
	var ok bool
	switch rtype {
	case zrangeRank:
		if start, ok = c.IntArg(minIdx); !ok {
			return
		}
		if end, ok = c.IntArg(maxIdx); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(c.Argv[minIdx], c.Argv[maxIdx]); !ok {
			c.Error(errZsetMinMaxFloat)
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(c.Argv[minIdx], c.Argv[maxIdx]); !ok {
			c.Error(errZsetLexRange)
			return
		}
	}

	var sink zrangeSink
	if store {
		sink = &zrangeStore{c: c, dst: c.Argv[1]}
	} else {
		sink = &zrangeReply{c: c, withScores: withScores}
	}
	v := c.DB.LookupRead(key)
	if v == nil {
		if store {
			sink.begin(-1)
			sink.end(0)
		} else {
			c.ArrayLen(0)
		}
		return
	}
	z, isZset := v.(*ZSet)
	if !isZset {
		c.Error(ErrWrongType)
		return
	}
	switch rtype {
	case zrangeRank:
		zrangeByRank(sink, z, start, end, rev)
	case zrangeScore:
		zrangeByScore(sink, z, &sr, offset, limit, rev)
	case zrangeLex:
		zrangeByLex(sink, z, &lr, offset, limit, rev)
	}
}

// zsetRankRange clamps start and end (negative from the end) to the set,
// as Redis: ok is false for an empty range.
func zsetRankRange(start, end int64, n int) (int, int, bool) {
	llen := int64(n)
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	start = max(start, 0)
	if start > end || start >= llen {
		return 0, 0, false
	}
	end = min(end, llen-1)
	return int(start), int(end), true
}

func zrangeByRank(sink zrangeSink, z *ZSet, start, end int64, rev bool) {
	s, e, ok := zsetRankRange(start, end, z.Len())
	if !ok {
		sink.begin(0)
		sink.end(0)
		return
	}
	n := e - s + 1
	sink.begin(n)
	cur := z.cursorAtRank(s, rev)
	for i := 0; i < n; i++ {
		sink.emit(cur.member(), cur.score())
		cur.advance(rev)
	}
	sink.end(n)
}

// zrangeByScore is genericZrangebyscoreCommand. offset and limit keep
// C's loop semantics: a negative offset skips everything, a negative limit
// takes everything.
func zrangeByScore(sink zrangeSink, z *ZSet, r *skiplist.ScoreRange, offset, limit int64, rev bool) {
	sink.begin(-1)
	if offset > 0 && offset >= int64(z.Len()) {
		sink.end(0)
		return
	}
	cur := z.cursorInRange(r, rev)
	for ; cur.ok() && offset != 0; offset-- {
		cur.advance(rev)
	}
	n := 0
	for ; cur.ok() && limit != 0; limit-- {
		score := cur.score()
		if rev && !r.GteMin(score) || !rev && !r.LteMax(score) {
			break
		}
		sink.emit(cur.member(), score)
		n++
		cur.advance(rev)
	}
	sink.end(n)
}

// zrangeByLex is genericZrangebylexCommand.
func zrangeByLex(sink zrangeSink, z *ZSet, r *skiplist.LexRange, offset, limit int64, rev bool) {
	sink.begin(-1)
	cur := z.cursorInLexRange(r, rev)
	for ; cur.ok() && offset != 0; offset-- {
		cur.advance(rev)
	}
	n := 0
	for ; cur.ok() && limit != 0; limit-- {
		m := cur.member()
		if rev && !r.GteMin(bstr(m)) || !rev && !r.LteMax(bstr(m)) {
			break
		}
		sink.emit(m, cur.score())
		n++
		cur.advance(rev)
	}
	sink.end(n)
}

// zremrangeGeneric is zremrangeGenericCommand: ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
func zremrangeGeneric(c *Client, rtype zrangeType) {
	key := c.Argv[1]
	var start, end int64
	var sr skiplist.ScoreRange
	var lr skiplist.LexRange
	var ok bool
	var event string
	switch rtype {
	case zrangeRank:
		event = "zremrangebyrank"
		if start, ok = c.IntArg(2); !ok {
			return
		}
		if end, ok = c.IntArg(3); !ok {
			return
		}
	case zrangeScore:
		event = "zremrangebyscore"
		if sr, ok = parseScoreRange(c.Argv[2], c.Argv[3]); !ok {
			c.Error(errZsetMinMaxFloat)
			return
		}
	case zrangeLex:
		event = "zremrangebylex"
		if lr, ok = parseLexRange(c.Argv[2], c.Argv[3]); !ok {
			c.Error(errZsetLexRange)
			return
		}
	}
	z, ok := zsetForWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.Int(0)
		return
	}
	var s, e int
	if rtype == zrangeRank {
		if s, e, ok = zsetRankRange(start, end, z.Len()); !ok {
			c.Int(0)
			return
		}
	}
	deleted := 0
	if lp := z.lp; lp != nil {
		switch rtype {
		case zrangeRank:
			lp.DeleteRange(2*s, 2*(e-s+1))
			deleted = e - s + 1
		case zrangeScore:
			deleted = zzlDeleteWhile(lp, zzlFirstInRange(lp, &sr), func(p int) bool { return sr.LteMax(zzlScore(lp, lp.Next(p))) })
		case zrangeLex:
			deleted = zzlDeleteWhile(lp, zzlFirstInLexRange(lp, &lr), func(p int) bool { return zzlLexLteMax(lp, p, &lr) })
		}
	} else {
		removed := func(m string) { z.dict.Delete(m) }
		switch rtype {
		case zrangeRank:
			deleted = z.zsl.DeleteRangeByRank(s+1, e+1, removed)
		case zrangeScore:
			deleted = z.zsl.DeleteRangeByScore(&sr, removed)
		case zrangeLex:
			deleted = z.zsl.DeleteRangeByLex(&lr, removed)
		}
	}
	keyRemoved := z.Len() == 0
	if keyRemoved {
		c.DB.Delete(key)
	}
	srv := c.srv
	if deleted > 0 {
		srv.signalModifiedKey(c.DB, key)
		srv.notifyKeyspaceEvent(NotifyZset, event, key, c.DB.ID)
		if keyRemoved {
			srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
		}
		zsetCheck(z)
	}
	srv.Dirty += int64(deleted)
	c.Int(int64(deleted))
}

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as
// zunionInterDiffGenericCommand. Plain sets are accepted as inputs, every
// member scoring 1. The result is sorted once at the end, by score then
// member, as the skiplist Redis builds it in would order it; a stored
// result takes the listpack encoding when within the limits
// (zsetConvertToListpackIfNeeded).

type zsetOp int

const (
	zsetOpUnion zsetOp = iota
	zsetOpInter
	zsetOpDiff
)

type zaggregate int

const (
	aggrSum zaggregate = iota
	aggrMin
	aggrMax
)

// zsetOpSrc is one input: a sorted set, a set, or nothing (a missing key).
type zsetOpSrc struct {
	z      *ZSet
	set    *Set
	weight float64
}

func (s *zsetOpSrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.set != nil:
		return s.set.Len()
	}
	return 0
}

// same reports whether two inputs are the same value (a key given twice).
func (s *zsetOpSrc) same(o *zsetOpSrc) bool {
	return s.z != nil && s.z == o.z || s.set != nil && s.set == o.set
}

// each calls fn for every member and its score, a sorted set from the
// highest score down as zuiNext. The member is borrowed.
func (s *zsetOpSrc) each(fn func(member []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.EachReverse(fn)
	case s.set != nil:
		s.set.Each(func(m []byte) bool { return fn(m, 1) })
	}
}

// find returns the score of member in the input (1 in a set).
func (s *zsetOpSrc) find(member []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(member)
	case s.set != nil:
		return 1, s.set.contains(member)
	}
	return 0, false
}

func (a zaggregate) apply(target *float64, v float64) {
	switch a {
	case aggrSum:
		*target += v
		// inf + -inf: Redis keeps to the convention of 0.
		if math.IsNaN(*target) {
			*target = 0
		}
	case aggrMin:
		if v < *target {
			*target = v
		}
	case aggrMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetPair is a member of a computed result.
type zsetPair struct {
	member string
	score  float64
}

func sortZsetPairs(pairs []zsetPair) {
	slices.SortFunc(pairs, func(a, b zsetPair) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		return strings.Compare(a.member, b.member)
	})
}

// zsetOpGeneric is zunionInterDiffGenericCommand. The keys are looked up
// (and their types checked) before the options are parsed, as in Redis.
func zsetOpGeneric(c *Client, dst []byte, numkeysIdx int, op zsetOp, cardOnly bool) {
	setnum, ok := c.IntArg(numkeysIdx)
	if !ok {
		return
	}
	if setnum < 1 {
		c.Error("ERR at least 1 input key is needed for '" + c.Cmd.FullName() + "' command")
		return
	}
	if setnum > int64(len(c.Argv)-numkeysIdx-1) {
		c.Error(ErrSyntax)
		return
	}
	n := int(setnum)
	src := make([]zsetOpSrc, n)
	j := numkeysIdx + 1
	for i := range src {
		key := c.Argv[j]
		j++
		src[i].weight = 1
		switch v := c.DB.LookupRead(key).(type) {
		case nil:
		case *ZSet:
			src[i].z = v
		case *Set:
			src[i].set = v
		default:
			c.Error(ErrWrongType)
			return
		}
	}

	aggregate, withScores, limit := aggrSum, false, int64(0)
	for remaining := len(c.Argv) - j; remaining > 0; remaining = len(c.Argv) - j {
		a := c.Argv[j]
		switch {
		case op != zsetOpDiff && !cardOnly && remaining >= n+1 && optIs(a, "weights"):
			j++
			for i := range src {
				w, ok := parseScore(c.Argv[j])
				if !ok {
					c.Error("ERR weight value is not a float")
					return
				}
				src[i].weight = w
				j++
			}
		case op != zsetOpDiff && !cardOnly && remaining >= 2 && optIs(a, "aggregate"):
			switch b := c.Argv[j+1]; {
			case optIs(b, "sum"):
				aggregate = aggrSum
			case optIs(b, "min"):
				aggregate = aggrMin
			case optIs(b, "max"):
				aggregate = aggrMax
			default:
				c.Error(ErrSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && optIs(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && optIs(a, "limit"):
			l, ok := ParseInt(c.Argv[j+1])
			if !ok || l < 0 {
				c.Error("ERR LIMIT can't be negative")
				return
			}
			limit = l
			j += 2
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if op != zsetOpDiff {
		// Smallest first: the intersection walks src[0].
		slices.SortStableFunc(src, func(a, b zsetOpSrc) int { return a.len() - b.len() })
	}

	var result []zsetPair
	switch op {
	case zsetOpInter:
		if cardOnly {
			c.Int(zsetInterCard(src, limit))
			return
		}
		result = zsetInter(src, aggregate)
	case zsetOpUnion:
		result = zsetUnion(src, aggregate)
	case zsetOpDiff:
		result = zsetDiff(src)
	}
	sortZsetPairs(result)
	if dst == nil {
		zsetReplyPairs(c, result, withScores)
		return
	}
	event := [...]string{zsetOpUnion: "zunionstore", zsetOpInter: "zinterstore", zsetOpDiff: "zdiffstore"}[op]
	zsetStorePairs(c, dst, result, event)
}

// zsetInterCard counts the intersection, stopping at limit if not 0.
func zsetInterCard(src []zsetOpSrc, limit int64) int64 {
	var card int64
	if src[0].len() == 0 {
		return 0
	}
	src[0].each(func(m []byte, _ float64) bool {
		for j := 1; j < len(src); j++ {
			if !src[j].same(&src[0]) {
				if _, ok := src[j].find(m); !ok {
					return true
				}
			}
		}
		card++
		return limit == 0 || card < limit
	})
	return card
}

func zsetInter(src []zsetOpSrc, aggregate zaggregate) []zsetPair {
	var result []zsetPair
	if src[0].len() == 0 {
		return nil
	}
	src[0].each(func(m []byte, s float64) bool {
		score := src[0].weight * s
		if math.IsNaN(score) {
			score = 0
		}
		for j := 1; j < len(src); j++ {
			if src[j].same(&src[0]) {
				aggregate.apply(&score, s*src[j].weight)
			} else if v, ok := src[j].find(m); ok {
				aggregate.apply(&score, v*src[j].weight)
			} else {
				return true
			}
		}
		result = append(result, zsetPair{string(m), score})
		return true
	})
	return result
}

func zsetUnion(src []zsetOpSrc, aggregate zaggregate) []zsetPair {
	acc := make(map[string]int, src[len(src)-1].len()) // member -> index in result
	var result []zsetPair
	for i := range src {
		src[i].each(func(m []byte, s float64) bool {
			score := src[i].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			if k, ok := acc[bstr(m)]; ok {
				aggregate.apply(&result[k].score, score)
				return true
			}
			ms := string(m)
			acc[ms] = len(result)
			result = append(result, zsetPair{ms, score})
			return true
		})
	}
	return result
}

// zsetDiff keeps the members of src[0] found in no other input, with their
// scores (DIFF algorithm 1: both algorithms give the same set).
func zsetDiff(src []zsetOpSrc) []zsetPair {
	if src[0].len() == 0 {
		return nil
	}
	for j := 1; j < len(src); j++ {
		if src[j].same(&src[0]) {
			return nil
		}
	}
	var result []zsetPair
	src[0].each(func(m []byte, s float64) bool {
		for j := 1; j < len(src); j++ {
			if _, ok := src[j].find(m); ok {
				return true
			}
		}
		result = append(result, zsetPair{string(m), s})
		return true
	})
	return result
}

// zsetReplyPairs replies with a computed result: flat in RESP2, pairs in
// RESP3 when with scores.
func zsetReplyPairs(c *Client, pairs []zsetPair, withScores bool) {
	n := len(pairs)
	if withScores && c.Proto == 2 {
		n *= 2
	}
	c.ArrayLen(n)
	for _, p := range pairs {
		if withScores && c.Proto > 2 {
			c.ArrayLen(2)
		}
		c.BulkString(p.member)
		if withScores {
			replyScore(c, p.score)
		}
	}
}

// zsetFromSortedPairs builds a set from pairs in order, in the encoding
// zsetConvertToListpackIfNeeded would leave it in.
func zsetFromSortedPairs(s *Server, pairs []zsetPair) *ZSet {
	maxlen, total := 0, 0
	for _, p := range pairs {
		maxlen = max(maxlen, len(p.member))
		total += len(p.member)
	}
	lim := &s.zsets
	if len(pairs) <= lim.maxEntries && maxlen <= lim.maxValue && total <= listpack.MaxSafetySize {
		z := newZSetListpack(s.COW)
		for _, p := range pairs {
			zzlInsertAt(z.lp, -1, keyBytes(p.member), p.score)
		}
		return z
	}
	z := NewZSetSkiplist(s.COW, len(pairs))
	for i := len(pairs) - 1; i >= 0; i-- { // each insertion at the head
		z.zsl.Insert(pairs[i].score, pairs[i].member)
		z.dict.Set(pairs[i].member, pairs[i].score)
	}
	return z
}

// zsetStorePairs stores a computed result at dst, or deletes dst when the
// result is empty, and replies with its size.
func zsetStorePairs(c *Client, dst []byte, pairs []zsetPair, event string) {
	srv, db := c.srv, c.DB
	if len(pairs) > 0 {
		z := zsetFromSortedPairs(srv, pairs)
		db.Set(dst, z, false)
		c.Int(int64(len(pairs)))
		srv.notifyKeyspaceEvent(NotifyZset, event, dst, db.ID)
		srv.Dirty++
		zsetCheck(z)
		return
	}
	c.Int(0)
	if db.Delete(dst) {
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", dst, db.ID)
		srv.Dirty++
	}
}

// ZPOPMIN, ZPOPMAX, BZPOPMIN, BZPOPMAX, ZMPOP, BZMPOP (genericZpopCommand
// and blockingGenericZpopCommand), ZRANDMEMBER and ZSCAN.
//
// Propagation, as Redis 7.0: ZPOPMIN/ZPOPMAX go as they are; BZPOPMIN and
// BZPOPMAX as ZPOPMIN/ZPOPMAX key; ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX key
// count, the count clamped to the set's size. A blocked client is served
// by running its command again (blocking.go), so the same code replies and
// rewrites the arguments.

type zsetWhere int

const (
	zsetMin zsetWhere = iota
	zsetMax
)

var (
	argZPOPMIN = []byte("ZPOPMIN")
	argZPOPMAX = []byte("ZPOPMAX")
)

func (w zsetWhere) popCommand() []byte {
	if w == zsetMax {
		return argZPOPMAX
	}
	return argZPOPMIN
}

// zpopShape is how a pop replies: with the key first (BZPOP*, ZMPOP),
// pairs nested in their own arrays, a null rather than an empty array when
// nothing was popped.
type zpopShape struct {
	emitKey, nested, nilWhenEmpty bool
}

// genericZpop pops from the first existing key among keys; count is -1 for
// a plain single pop. It returns the key popped from and the size the set
// had, for the propagated form; key is nil if nothing was popped.
func genericZpop(c *Client, keys [][]byte, where zsetWhere, count int64, shape zpopShape) (key []byte, llen int) {
	var z *ZSet
	for _, k := range keys {
		var ok bool
		if z, ok = zsetForWrite(c, k); !ok {
			return nil, 0
		}
		if z != nil {
			key = k
			break
		}
	}
	if z == nil {
		if shape.nilWhenEmpty {
			c.NullArray()
		} else {
			c.ArrayLen(0)
		}
		return nil, 0
	}
	if count == 0 {
		c.ArrayLen(0) // ZPOPMIN/ZPOPMAX with a count of 0
		return nil, 0
	}
	llen = z.Len()
	zpopFrom(c, key, z, where, count, shape)
	return key, llen
}

// zpopFrom pops up to count members (1 if count is -1) from z at key.
func zpopFrom(c *Client, key []byte, z *ZSet, where zsetWhere, count int64, shape zpopShape) {
	if count == -1 {
		count = 1
	}
	llen := z.Len()
	n := int(min(count, int64(llen)))
	switch {
	case !shape.nested && !shape.emitKey:
		c.ArrayLen(2 * n)
	case shape.nested && !shape.emitKey:
		c.ArrayLen(n)
	case !shape.nested:
		c.ArrayLen(2*n + 1)
		c.Bulk(key)
	default:
		c.ArrayLen(2)
		c.Bulk(key)
		c.ArrayLen(n)
	}
	srv := c.srv
	var buf []byte
	for i := 0; i < n; i++ {
		cur := z.cursorAtRank(0, where == zsetMax)
		buf = append(buf[:0], cur.member()...)
		score := cur.score()
		z.del(buf)
		srv.Dirty++
		if i == 0 {
			event := "zpopmin"
			if where == zsetMax {
				event = "zpopmax"
			}
			srv.notifyKeyspaceEvent(NotifyZset, event, key, c.DB.ID)
			srv.signalModifiedKey(c.DB, key)
		}
		if shape.nested {
			c.ArrayLen(2)
		}
		c.Bulk(buf)
		replyScore(c, score)
	}
	if z.Len() == 0 {
		c.DB.Delete(key)
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
	}
	zsetCheck(z)
}

// zpopMinMax is ZPOPMIN/ZPOPMAX key [count]: flat in RESP2 and without a
// count, pairs in RESP3 with one.
func zpopMinMax(c *Client, where zsetWhere) {
	if len(c.Argv) > 3 {
		c.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Argv) == 3 {
		var ok bool
		if count, ok = argLongInRange(c, 2, 0, maxInt64, "ERR value is out of range, must be positive"); !ok {
			return
		}
	}
	genericZpop(c, c.Argv[1:2], where, count, zpopShape{nested: c.Proto > 2 && count != -1})
}

func bzpopMinMax(c *Client, where zsetWhere) {
	blockingZpop(c, c.Argv[1:len(c.Argv)-1], where, len(c.Argv)-1, -1, zpopShape{emitKey: true})
}

// blockingZpop is blockingGenericZpopCommand: pop from the first non-empty
// key, else block on all of them (or answer a null when blocking is not
// allowed).
func blockingZpop(c *Client, keys [][]byte, where zsetWhere, timeoutIdx int, count int64, shape zpopShape) {
	deadline, ok := c.blockTimeoutArg(timeoutIdx)
	if !ok {
		return
	}
	for _, key := range keys {
		z, ok := zsetForWrite(c, key)
		if !ok {
			return
		}
		if z == nil {
			continue
		}
		llen := z.Len()
		zpopFrom(c, key, z, where, count, shape)
		if count == -1 {
			c.RewriteArgv(where.popCommand(), key)
		} else {
			c.RewriteArgv(where.popCommand(), key, strconv.AppendInt(nil, min(count, int64(llen)), 10))
		}
		return
	}
	if c.denyBlocking() {
		c.NullArray()
		return
	}
	c.srv.blockForKeys(c, keys, "zset", deadline)
}

// zmpopGeneric is ZMPOP numkeys key... MIN|MAX [COUNT count] and BZMPOP
// timeout numkeys ..., the timeout parsed last.
func zmpopGeneric(c *Client, numkeysIdx int, block bool) {
	numkeys, ok := argLongInRange(c, numkeysIdx, 1, maxInt64, "ERR numkeys should be greater than 0")
	if !ok {
		return
	}
	// Compared before adding: numkeys may be LONG_MAX.
	if numkeys >= int64(len(c.Argv)-numkeysIdx-1) {
		c.Error(ErrSyntax)
		return
	}
	whereIdx := int64(numkeysIdx) + numkeys + 1
	var where zsetWhere
	switch a := c.Argv[whereIdx]; {
	case optIs(a, "min"):
		where = zsetMin
	case optIs(a, "max"):
		where = zsetMax
	default:
		c.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	for j := int(whereIdx) + 1; j < len(c.Argv); j++ {
		if count == -1 && optIs(c.Argv[j], "count") && j+1 < len(c.Argv) {
			j++
			if count, ok = argLongInRange(c, j, 1, maxInt64, "ERR count should be greater than 0"); !ok {
				return
			}
		} else {
			c.Error(ErrSyntax)
			return
		}
	}
	if count == -1 {
		count = 1
	}
	keys := c.Argv[numkeysIdx+1 : whereIdx]
	shape := zpopShape{emitKey: true, nested: true, nilWhenEmpty: true}
	if block {
		blockingZpop(c, keys, where, 1, count, shape)
		return
	}
	// ZMPOP propagates as ZPOPMIN/ZPOPMAX key count.
	if key, llen := genericZpop(c, keys, where, count, shape); key != nil {
		c.RewriteArgv(where.popCommand(), key, strconv.AppendInt(nil, min(count, int64(llen)), 10))
	}
}

// zrandmemberCommand is ZRANDMEMBER key [count [WITHSCORES]].
func zrandmemberCommand(c *Client) {
	if len(c.Argv) >= 3 {
		l, withScores, ok := randCountArgs(c, "withscores")
		if !ok {
			return
		}
		zrandmemberWithCount(c, l, withScores)
		return
	}
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Null()
		return
	}
	m, _ := z.random()
	c.Bulk(m)
}

// random returns a random member (borrowed) and its score.
func (z *ZSet) random() ([]byte, float64) {
	if lp := z.lp; lp != nil {
		cur := zcursor{lp: lp, p: lp.Seek(2 * rand.IntN(z.Len()))}
		return cur.member(), cur.score()
	}
	m, s := dictFairRandom(z.dict)
	return keyBytes(m), s
}

// zrandReply writes the members of ZRANDMEMBER: flat in RESP2, pairs in
// RESP3 with scores.
type zrandReply struct {
	c          *Client
	withScores bool
}

func (r zrandReply) header(n int) {
	if r.withScores && r.c.Proto == 2 {
		n *= 2
	}
	r.c.ArrayLen(n)
}

func (r zrandReply) pair(m []byte, score float64) {
	if r.withScores && r.c.Proto > 2 {
		r.c.ArrayLen(2)
	}
	r.c.Bulk(m)
	if r.withScores {
		replyScore(r.c, score)
	}
}

// zrandmemberWithCount is zrandmemberWithCountCommand and its four cases:
// a negative count samples with repetitions; a count covering the set
// returns it all, from the highest score down; a count close to the size
// picks by elimination; a small count draws until it has enough.
func zrandmemberWithCount(c *Client, l int64, withScores bool) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ArrayLen(0)
		return
	}
	count, uniq := uint64(l), true
	if l < 0 {
		count, uniq = uint64(-l), false
	}
	if count == 0 {
		c.ArrayLen(0)
		return
	}
	r := zrandReply{c, withScores}
	size := uint64(z.Len())

	// CASE 1: with repetitions, in random order.
	if !uniq || count == 1 {
		r.header(int(count))
		for ; count > 0 && !c.outputCut(count); count-- {
			r.pair(z.random())
		}
		return
	}

	// CASE 2: the whole set.
	if count >= size {
		r.header(int(size))
		z.EachReverse(func(m []byte, s float64) bool { r.pair(m, s); return true })
		return
	}
	r.header(int(count))
	n := int(count)

	// CASE 3: count close to the size: a partial shuffle of all members.
	if count*randSubStrategyMul > size {
		all := make([]zsetPair, 0, size)
		z.EachReverse(func(m []byte, s float64) bool { all = append(all, zsetPair{string(m), s}); return true })
		for i := 0; i < n; i++ {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
			r.pair(keyBytes(all[i].member), all[i].score)
		}
		return
	}

	// CASE 4: count small compared to the size.
	if lp := z.lp; lp != nil {
		// Selection sampling in listpack order, as lpRandomPairsUnique.
		need, left := n, int(size)
		for p := lp.First(); p >= 0 && need > 0; p = zzlNextPair(lp, p) {
			if rand.IntN(left) < need {
				cur := zcursor{lp: lp, p: p}
				r.pair(cur.member(), cur.score())
				need--
			}
			left--
		}
		return
	}
	seen := make(map[string]struct{}, n)
	for len(seen) < n {
		m, s := dictFairRandom(z.dict)
		if _, dup := seen[m]; dup {
			continue
		}
		seen[m] = struct{}{}
		r.pair(keyBytes(m), s)
	}
}

func zscanCommand(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		replyEmptyScan(c)
		return
	}
	o, ok := parseCollectionScan(c)
	if !ok {
		return
	}
	// A listpack is small: all of it in one call, and cursor 0. Scores
	// are replied as stored.
	if lp := z.lp; lp != nil {
		var pos []int
		var buf [20]byte
		for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
			if o.match(zzlMember(lp, p, &buf)) {
				pos = append(pos, p)
			}
		}
		replyScanCursor(c, 0, 2*len(pos))
		for _, p := range pos {
			replyLpEntry(c, lp, p)
			replyLpEntry(c, lp, lp.Next(p))
		}
		return
	}
	var out []zsetPair
	collect := func(m string, s float64) { out = append(out, zsetPair{m, s}) }
	for maxIter := o.count * 10; ; maxIter-- {
		cursor = z.dict.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(out)) >= o.count {
			break
		}
	}
	kept := out[:0]
	for _, p := range out {
		if o.match(keyBytes(p.member)) {
			kept = append(kept, p)
		}
	}
	replyScanCursor(c, cursor, 2*len(kept))
	var buf [32]byte
	for _, p := range kept {
		c.BulkString(p.member)
		c.Bulk(resp.AppendDouble(buf[:0], p.score))
	}
}

// The parsing of the score and lexicographic intervals of the range
// commands (skiplist.ScoreRange, skiplist.LexRange) and of scores, as
// t_zset.c's zslParseRange and zslParseLexRange, with strtod's syntax and
// quirks.

// parseScoreRange parses min and max as zslParseRange: an optional "("
// for an exclusive end, then strtod's syntax, whatever follows it
// rejected. Unlike ZADD's scores, "" is 0, leading spaces are skipped and
// 1e400 is inf.
func parseScoreRange(min, max []byte) (skiplist.ScoreRange, bool) {
	var r skiplist.ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseRangeScore(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = parseRangeScore(max); !ok {
		return r, false
	}
	return r, true
}

func parseRangeScore(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	// strtod stops at a NUL byte, which Redis then takes for the end.
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, ex, true // no conversion, but nothing left over either
	}
	b = bytes.TrimLeft(b, " \t\n\v\f\r")
	v, _, ok = strtodWhole(b)
	return v, ex, ok && !math.IsNaN(v)
}

// parseScore parses a score as getDoubleFromObject: strtod's syntax over
// the whole argument, no leading space, no NaN, no overflow to inf and no
// underflow to zero ("inf" itself is fine).
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isSpaceByte(b[0]) {
		return 0, false
	}
	v, erange, ok := strtodWhole(b)
	if !ok || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// strtodWhole parses all of b with C's strtod syntax: decimal or hex
// (without the "p" exponent Go requires), inf, infinity, nan, any case,
// an optional sign. erange reports an overflow to inf or an underflow to
// zero, which strtod flags with ERANGE.
func strtodWhole(b []byte) (v float64, erange, ok bool) {
	s := bstr(b)
	if strings.IndexByte(s, '_') >= 0 {
		return 0, false, false // Go's separators; strtod stops there
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false, false
	}
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && !strings.ContainsAny(body, "pP") {
		s += "p0"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return v, true, true
		}
		return 0, false, false
	}
	if v == 0 && hasNonzeroDigit(body) {
		return v, true, true // underflow to zero
	}
	return v, false, true
}

// hasNonzeroDigit reports whether the mantissa of a number has a digit
// other than 0.
func hasNonzeroDigit(s string) bool {
	hex := len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if hex {
		s = s[2:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9', hex && (c|0x20 >= 'a' && c|0x20 <= 'f'):
			return true
		}
	}
	return false
}

// parseLexRange parses min and max as zslParseLexRange: "(x" excludes x,
// "[x" includes it, "-" and "+" are the ends of all strings.
func parseLexRange(min, max []byte) (skiplist.LexRange, bool) {
	var r skiplist.LexRange
	var ok bool
	if r.Min, r.MinKind, r.MinEx, ok = parseLexItem(min); !ok {
		return r, false
	}
	if r.Max, r.MaxKind, r.MaxEx, ok = parseLexItem(max); !ok {
		return r, false
	}
	return r, true
}

func parseLexItem(b []byte) (v []byte, kind skiplist.LexKind, ex, ok bool) {
	if len(b) == 0 {
		return nil, 0, false, false
	}
	switch b[0] {
	case '+':
		return nil, skiplist.LexPlusInf, true, len(b) == 1
	case '-':
		return nil, skiplist.LexMinusInf, true, len(b) == 1
	case '(':
		return b[1:], skiplist.LexValue, true, true
	case '[':
		return b[1:], skiplist.LexValue, false, true
	}
	return nil, 0, false, false
}
