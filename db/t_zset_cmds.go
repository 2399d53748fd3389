package db

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
		for cur := z.cursorInRange(&r, false); cur.ok() && r.lteMax(cur.score()); cur.advance(false) {
			count++
		}
	default:
		// The distance between the ranks of the first and the last
		// member in range.
		zsl := z.zsl
		if first := zsl.firstInRange(&r); first != nil {
			last := zsl.lastInRange(&r)
			count = zsl.rank(last.score, last.member) - zsl.rank(first.score, first.member) + 1
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
		for cur := z.cursorInLexRange(&r, false); cur.ok() && r.lteMax(bstr(cur.member())); cur.advance(false) {
			count++
		}
	default:
		zsl := z.zsl
		if first := zsl.firstInLexRange(&r); first != nil {
			last := zsl.lastInLexRange(&r)
			count = zsl.rank(last.score, last.member) - zsl.rank(first.score, first.member) + 1
		}
	}
	c.Int(int64(count))
}

const (
	errZsetMinMaxFloat = "ERR min or max is not a float"
	errZsetLexRange    = "ERR min or max not valid string range item"
)
