package db

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as
// zunionInterDiffGenericCommand. Plain sets are accepted as inputs, every
// member scoring 1. The result is sorted once at the end, by score then
// member, as the skiplist Redis builds it in would order it; a stored
// result takes the listpack encoding when within the limits
// (zsetConvertToListpackIfNeeded).

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

func init() {
	register("zunion", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpUnion, false) })
	register("zinter", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpInter, false) })
	register("zdiff", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpDiff, false) })
	register("zunionstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpUnion, false) })
	register("zinterstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpInter, false) })
	register("zdiffstore", func(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpDiff, false) })
	register("zintercard", func(c *Client) { zsetOpGeneric(c, nil, 1, zsetOpInter, true) })
}

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
	if len(pairs) <= lim.maxEntries && maxlen <= lim.maxValue && total <= lpSafetySize {
		z := newZSetListpack(s.COW)
		for _, p := range pairs {
			zzlInsertAt(z.lp, -1, keyBytes(p.member), p.score)
		}
		return z
	}
	z := NewZSetSkiplist(s.COW, len(pairs))
	for i := len(pairs) - 1; i >= 0; i-- { // each insertion at the head
		z.zsl.insert(pairs[i].score, pairs[i].member)
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
