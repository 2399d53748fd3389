package db

// ZRANGE and its family (ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE,
// ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX), and ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX, as zrangeGenericCommand and
// zremrangeGenericCommand. A range is walked once with a zcursor and
// handed to a sink: the client's reply, or a new set for ZRANGESTORE.

import "github.com/redis-go/redis-server/resp"

func init() {
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
}

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

func (r *zrangeStore) begin(int) { r.z = newZSetListpack(r.c.srv.COW) }

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
	var sr zrangeSpec
	var lr zlexSpec
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
func zrangeByScore(sink zrangeSink, z *ZSet, r *zrangeSpec, offset, limit int64, rev bool) {
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
		if rev && !r.gteMin(score) || !rev && !r.lteMax(score) {
			break
		}
		sink.emit(cur.member(), score)
		n++
		cur.advance(rev)
	}
	sink.end(n)
}

// zrangeByLex is genericZrangebylexCommand.
func zrangeByLex(sink zrangeSink, z *ZSet, r *zlexSpec, offset, limit int64, rev bool) {
	sink.begin(-1)
	cur := z.cursorInLexRange(r, rev)
	for ; cur.ok() && offset != 0; offset-- {
		cur.advance(rev)
	}
	n := 0
	for ; cur.ok() && limit != 0; limit-- {
		m := cur.member()
		if rev && !r.gteMin(bstr(m)) || !rev && !r.lteMax(bstr(m)) {
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
	var sr zrangeSpec
	var lr zlexSpec
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
			deleted = zzlDeleteWhile(lp, zzlFirstInRange(lp, &sr), func(p int) bool { return sr.lteMax(zzlScore(lp, lp.Next(p))) })
		case zrangeLex:
			deleted = zzlDeleteWhile(lp, zzlFirstInLexRange(lp, &lr), func(p int) bool { return zzlLexLteMax(lp, p, &lr) })
		}
	} else {
		removed := func(m string) { z.dict.Delete(m) }
		switch rtype {
		case zrangeRank:
			deleted = z.zsl.deleteRangeByRank(s+1, e+1, removed)
		case zrangeScore:
			deleted = z.zsl.deleteRangeByScore(&sr, removed)
		case zrangeLex:
			deleted = z.zsl.deleteRangeByLex(&lr, removed)
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
