package db

// ZPOPMIN, ZPOPMAX, BZPOPMIN, BZPOPMAX, ZMPOP, BZMPOP (genericZpopCommand
// and blockingGenericZpopCommand), ZRANDMEMBER and ZSCAN.
//
// Propagation, as Redis 7.0: ZPOPMIN/ZPOPMAX go as they are; BZPOPMIN and
// BZPOPMAX as ZPOPMIN/ZPOPMAX key; ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX key
// count, the count clamped to the set's size. A blocked client is served
// by running its command again (blocking.go), so the same code replies and
// rewrites the arguments.

import (
	"math/rand/v2"
	"strconv"

	"github.com/redis-go/redis-server/resp"
)

func init() {
	register("zpopmin", func(c *Client) { zpopMinMax(c, zsetMin) })
	register("zpopmax", func(c *Client) { zpopMinMax(c, zsetMax) })
	register("bzpopmin", func(c *Client) { bzpopMinMax(c, zsetMin) })
	register("bzpopmax", func(c *Client) { bzpopMinMax(c, zsetMax) })
	register("zmpop", func(c *Client) { zmpopGeneric(c, 1, false) })
	register("bzmpop", func(c *Client) { zmpopGeneric(c, 2, true) })
	register("zrandmember", zrandmemberCommand)
	register("zscan", zscanCommand)
}

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
	whereIdx := int64(numkeysIdx) + numkeys + 1
	if whereIdx >= int64(len(c.Argv)) {
		c.Error(ErrSyntax)
		return
	}
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
	m, s, _ := z.dict.Random()
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
		for ; count > 0 && !c.Closing(); count-- {
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
		m, s, _ := z.dict.Random()
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
