package db

// SORT and SORT_RO, as Redis's sort.c: the elements of a list, set or
// sorted set ordered by their own value or by weights looked up in other
// keys (BY pattern, "->field" of a hash), numerically or ALPHA, optionally
// limited, projected through GET patterns, and returned or STOREd as a
// list.
//
// What makes the output byte-exact with Redis's for any input:
//   - The elements are loaded in Redis's order: a list head to tail, an
//     intset ascending, a hashtable set or a sorted set's dict in their
//     dict order (a hash-seed order, random in Redis too).
//   - Numeric weights are parsed as strtod is checked in sort.c (whole
//     string up to its first NUL, no ERANGE, no NaN: cWeight), equal
//     weights fall back to comparing the elements' bytes, so the order is
//     total. ALPHA compares with strcoll in the C locale (bytes up to the
//     first NUL), or memcmp when storing, and ALPHA BY weights may tie.
//   - Ties are ordered as Redis's sorts order them: glibc's qsort is a
//     stable merge sort (any stable sort gives the same result), and the
//     partial sort of BY ... LIMIT is a port of Redis's pqsort, unstable
//     but deterministic.
//   - A sorted set is converted to its skiplist encoding first, as
//     sort.c's zsetConvert does (OBJECT ENCODING shows it afterwards).

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/redis-go/redis-server/internal/csort"
)

func init() {
	register("sort", sortCommand)
	// SORT_RO's key specs are incomplete (BY and GET patterns): its key is
	// argv[1] only, as Redis's sortROGetKeys. SORT's is in nativeGetKeys.
	register("sort_ro", sortROCommand).GetKeys = func([][]byte) []int { return []int{1} }
	commands["sort"].GetKeys = func(argv [][]byte) []int {
		var pos []int
		for _, k := range nativeGetKeys["sort"](argv) {
			pos = append(pos, k.pos)
		}
		return pos
	}
}

func sortCommand(c *Client)   { sortGeneric(c, false) }
func sortROCommand(c *Client) { sortGeneric(c, true) }

// sortItem is one element being sorted: where its bytes are, and what it
// is compared by (score, or the ALPHA BY value, found false when the BY
// key is missing: such elements come first). It holds no pointers, so
// that sorting moves it without write barriers for the collector.
type sortItem struct {
	elemAt, elemEnd int // in sortOrder.elems
	cmpAt, cmpEnd   int // in sortOrder.cmps
	score           float64
	found           bool
}

// sortOrder is how items compare: Redis's sortCompare and the server.sort_*
// globals it reads, with the bytes the items refer to.
type sortOrder struct {
	desc, alpha, byPattern, store bool
	items                         []sortItem
	elems, cmps                   []byte
}

// compareAt compares items i and j: the sorts move indexes, not items.
func (o *sortOrder) compareAt(i, j int) int { return o.compare(&o.items[i], &o.items[j]) }

// compareIndexes is compareAt for the sorts of internal/csort.
func (o *sortOrder) compareIndexes(i, j *int) int { return o.compareAt(*i, *j) }

func (o *sortOrder) elem(it *sortItem) []byte { return o.elems[it.elemAt:it.elemEnd] }
func (o *sortOrder) cmp(it *sortItem) []byte  { return o.cmps[it.cmpAt:it.cmpEnd] }

func (o *sortOrder) compare(a, b *sortItem) int {
	var cmp int
	switch {
	case !o.alpha:
		switch {
		case a.score > b.score:
			cmp = 1
		case a.score < b.score:
			cmp = -1
		default:
			cmp = bytes.Compare(o.elem(a), o.elem(b))
		}
	case o.byPattern:
		switch {
		case !a.found || !b.found:
			if a.found == b.found {
				cmp = 0
			} else if !a.found {
				cmp = -1
			} else {
				cmp = 1
			}
		case o.store:
			cmp = bytes.Compare(o.cmp(a), o.cmp(b))
		default:
			cmp = strcoll(o.cmp(a), o.cmp(b))
		}
	case o.store:
		cmp = bytes.Compare(o.elem(a), o.elem(b))
	default:
		cmp = strcoll(o.elem(a), o.elem(b))
	}
	if o.desc {
		return -cmp
	}
	return cmp
}

// strcoll is strcoll(3) in the C locale: the bytes of C strings, which end
// at the first NUL.
func strcoll(a, b []byte) int { return bytes.Compare(cBytes(a), cBytes(b)) }

func cBytes(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortPattern is a BY or GET pattern, parsed once as lookupKeyByPattern
// reads it: "#" is the element itself; otherwise the first '*' is replaced
// by the element to make a key name, and "->field" after the '*' reads a
// hash field. A pattern without '*' finds nothing. The pattern is a C
// string to those searches (they stop at a NUL) but not to the lengths.
type sortPattern struct {
	self           bool
	star           bool
	prefix, suffix []byte
	field          []byte // nil: the key is a string
}

func parseSortPattern(p []byte) sortPattern {
	if len(p) == 1 && p[0] == '#' {
		return sortPattern{self: true}
	}
	cs := cBytes(p)
	star := bytes.IndexByte(cs, '*')
	if star < 0 {
		return sortPattern{}
	}
	sp := sortPattern{star: true, prefix: p[:star], suffix: p[star+1:]}
	if f := bytes.Index(cs[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(cs) {
		at := star + 1 + f
		sp.suffix, sp.field = p[star+1:at], p[at+2:]
	}
	return sp
}

// sortLookup is lookupKeyByPattern: the value the pattern finds for elem,
// read with lookupKeyRead (hits, misses, lazy expiry). The bytes are
// borrowed from the keyspace, or formatted into buf.
func (c *Client) sortLookup(p *sortPattern, elem []byte, key, buf *[]byte) ([]byte, bool) {
	if p.self {
		return elem, true
	}
	if !p.star {
		return nil, false
	}
	k := append(append(append((*key)[:0], p.prefix...), elem...), p.suffix...)
	*key = k
	v := c.DB.LookupRead(k)
	if p.field != nil {
		h, ok := v.(*Hash)
		if !ok {
			return nil, false
		}
		var nb [20]byte
		val, ok := h.get(p.field, &nb)
		if !ok {
			return nil, false
		}
		if len(val) > 0 && &val[0] == &nb[0] {
			*buf = append((*buf)[:0], val...)
			val = *buf
		}
		return val, true
	}
	switch v := v.(type) {
	case []byte:
		return v, true
	case int64:
		*buf = strconv.AppendInt((*buf)[:0], v, 10)
		return *buf, true
	}
	return nil, false
}

// sortClusterEnabled reports cluster mode (cluster-enabled), where BY with
// a real pattern and GET are refused: their keys may be on other nodes.
// This server has no cluster yet; the directive is what Redis reads.
func (c *Client) sortClusterEnabled() bool { return c.srv.Config.Bool("cluster-enabled") }

// sortFullKeyAccess is whether the user may read any key, which BY and
// GET patterns need (acl.go).
func (c *Client) sortFullKeyAccess() bool { return c.srv.aclFullKeyAccess(c) }

// sortArgs are SORT's parsed options.
type sortArgs struct {
	desc, alpha, dontsort  bool
	limitStart, limitCount int64
	by                     []byte // nil: none
	store                  []byte // nil: reply
	gets                   [][]byte
}

// parseSortArgs parses the options after the key, replying the error and
// returning false as sortCommandGeneric's parser does.
func parseSortArgs(c *Client, readonly bool) (sortArgs, bool) {
	a := sortArgs{limitCount: -1}
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		opt := argv[j]
		switch {
		case eqFold(opt, "asc"):
			a.desc = false
		case eqFold(opt, "desc"):
			a.desc = true
		case eqFold(opt, "alpha"):
			a.alpha = true
		case eqFold(opt, "limit") && left >= 2:
			start, ok := c.IntArg(j + 1)
			if !ok {
				return a, false
			}
			count, ok := c.IntArg(j + 2)
			if !ok {
				return a, false
			}
			a.limitStart, a.limitCount = start, count
			j += 2
		case !readonly && eqFold(opt, "store") && left >= 1:
			a.store = argv[j+1]
			j++
		case eqFold(opt, "by") && left >= 1:
			a.by = argv[j+1]
			// A BY pattern without '*' is constant: nothing to sort by.
			if bytes.IndexByte(cBytes(a.by), '*') < 0 {
				a.dontsort = true
			} else {
				if c.sortClusterEnabled() {
					c.Error("ERR BY option of SORT denied in Cluster mode.")
					return a, false
				}
				if !c.sortFullKeyAccess() {
					c.Error("ERR BY option of SORT denied due to insufficient ACL permissions.")
					return a, false
				}
			}
			j++
		case eqFold(opt, "get") && left >= 1:
			if c.sortClusterEnabled() {
				c.Error("ERR GET option of SORT denied in Cluster mode.")
				return a, false
			}
			if !c.sortFullKeyAccess() {
				c.Error("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return a, false
			}
			a.gets = append(a.gets, argv[j+1])
			j++
		default:
			c.Error(ErrSyntax)
			return a, false
		}
	}
	return a, true
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}

// sortGeneric is sortCommandGeneric.
func sortGeneric(c *Client, readonly bool) {
	a, ok := parseSortArgs(c, readonly)
	if !ok {
		return
	}
	key := c.Argv[1]
	val := c.DB.LookupRead(key)
	switch val.(type) {
	case nil, *List, *Set, *ZSet:
	default:
		c.Error(ErrWrongType)
		return
	}
	sortBy := a.by
	if _, isSet := val.(*Set); isSet && a.dontsort && (a.store != nil || c.Flags&ClientScript != 0) {
		// A set's order is its hash order: sorted anyway where the output
		// must be the same on replicas and in the AOF.
		a.dontsort, a.alpha, sortBy = false, true, nil
	}
	if z, isZset := val.(*ZSet); isZset && z.lp != nil {
		// sort.c converts a listpack sorted set for good.
		z = c.DB.LookupWrite(key).(*ZSet)
		z.convertToSkiplist()
		val = z
	}

	vectorlen := 0
	switch v := val.(type) {
	case *List:
		vectorlen = v.Len()
	case *Set:
		vectorlen = v.Len()
	case *ZSet:
		vectorlen = v.Len()
	}
	// LIMIT, clamped to the size as Redis does.
	n := int64(vectorlen)
	start := min(max(a.limitStart, 0), n)
	count := min(max(a.limitCount, -1), n)
	end := n - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	// A list or sorted set not sorted loads just the range.
	_, isSet := val.(*Set)
	if val != nil && !isSet && a.dontsort && (start != 0 || end != n-1) {
		vectorlen = int(end - start + 1)
	}

	if !a.alpha && sortBy == nil && !a.dontsort {
		sortNumbers(c, val, a, start, end)
		return
	}

	o := &sortOrder{desc: a.desc, alpha: a.alpha, byPattern: sortBy != nil, store: a.store != nil}
	o.elems = make([]byte, 0, 16*vectorlen)
	items := make([]sortItem, 0, vectorlen)
	keep := func(b []byte) {
		at := len(o.elems)
		o.elems = append(o.elems, b...)
		items = append(items, sortItem{elemAt: at, elemEnd: len(o.elems)})
	}
	var nb [20]byte
	switch v := val.(type) {
	case *List:
		if !a.dontsort {
			v.Each(func(s []byte, x int64, isInt bool) bool {
				if isInt {
					s = strconv.AppendInt(nb[:0], x, 10)
				}
				keep(s)
				return true
			})
			if vectorlen > 0 {
				c.DB.listWalkedElements(v, 0, vectorlen-1)
			}
		} else if end >= start {
			from := int(start)
			if a.desc {
				from = v.Len() - int(start) - 1
			}
			v.Range(from, vectorlen, a.desc, func(s []byte, x int64, isInt bool) {
				if isInt {
					s = strconv.AppendInt(nb[:0], x, 10)
				}
				keep(s)
			})
			last := from + vectorlen - 1
			if a.desc {
				last = from - vectorlen + 1
			}
			if vectorlen > 0 {
				c.DB.listWalkedElements(v, from, last)
			}
			end -= start
			start = 0
		}
	case *Set:
		v.Each(func(m []byte) bool { keep(m); return true })
	case *ZSet:
		if a.dontsort {
			cur := v.cursorAtRank(int(start), a.desc)
			for i := 0; i < vectorlen; i++ {
				keep(cur.member())
				cur.advance(a.desc)
			}
			end -= start
			start = 0
		} else {
			v.EachUnordered(func(m []byte, _ float64) bool { keep(m); return true })
		}
	}

	o.items = items
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	convErr := false
	if !a.dontsort {
		convErr = sortLoadWeights(c, o, items, sortBy)
		if sortBy != nil && (start != 0 || end != int64(len(items))-1) {
			csort.Partial(order, o.compareIndexes, int(start), int(end))
		} else {
			csort.Merge(order, make([]int, len(order)), o.compareIndexes)
		}
	}

	outputlen := end - start + 1
	if len(a.gets) > 0 {
		outputlen *= int64(len(a.gets))
	}
	out := order[:0]
	if end >= start {
		out = order[start : end+1]
	}
	elem := func(k int) []byte { return o.elem(&o.items[out[k]]) }
	switch {
	case convErr:
		c.Error("ERR One or more scores can't be converted into double")
	case a.store == nil:
		sortReply(c, len(out), elem, a.gets, outputlen)
	default:
		sortStore(c, len(out), elem, a.gets, a.store, outputlen)
	}
}

// sortScratch is what a SORT by the elements' own numeric values sorts:
// the elements' bytes one after the other, and for each its score and
// where its bytes are. The next SORT reuses it when it is not too large.
type sortScratch struct {
	elems []byte
	nums  []sortNum
}

type sortNum struct {
	score   float64
	at, end int
}

// sortScratchMax is the size past which a SORT's buffers are dropped.
const sortScratchMax = 1 << 20

// sortNumbers is SORT without BY and without ALPHA: every element is its
// own weight, and equal weights compare by the elements' bytes, so the
// order is total and any sort gives Redis's (a stable merge sort).
func sortNumbers(c *Client, val any, a sortArgs, start, end int64) {
	buf := &c.srv.sortBuf
	elems, nums := buf.elems[:0], buf.nums[:0]
	convErr := false
	add := func(b []byte) {
		at := len(elems)
		elems = append(elems, b...)
		score, ok := cWeight(b)
		convErr = convErr || !ok
		nums = append(nums, sortNum{score: score, at: at, end: len(elems)})
	}
	switch v := val.(type) {
	case *List:
		v.Each(func(s []byte, x int64, isInt bool) bool {
			if !isInt {
				add(s)
				return true
			}
			at := len(elems)
			elems = strconv.AppendInt(elems, x, 10)
			nums = append(nums, sortNum{score: float64(x), at: at, end: len(elems)})
			return true
		})
		if n := v.Len(); n > 0 {
			c.DB.listWalkedElements(v, 0, n-1)
		}
	case *Set:
		v.Each(func(m []byte) bool { add(m); return true })
	case *ZSet:
		v.EachUnordered(func(m []byte, _ float64) bool { add(m); return true })
	}
	if !convErr {
		desc := a.desc
		slices.SortFunc(nums, func(x, y sortNum) int {
			r := 0
			switch {
			case x.score < y.score:
				r = -1
			case x.score > y.score:
				r = 1
			default:
				r = bytes.Compare(elems[x.at:x.end], elems[y.at:y.end])
			}
			if desc {
				return -r
			}
			return r
		})
	}
	outputlen := end - start + 1
	if len(a.gets) > 0 {
		outputlen *= int64(len(a.gets))
	}
	var out []sortNum
	if end >= start {
		out = nums[start : end+1]
	}
	elem := func(k int) []byte { return elems[out[k].at:out[k].end] }
	switch {
	case convErr:
		c.Error("ERR One or more scores can't be converted into double")
	case a.store == nil:
		sortReply(c, len(out), elem, a.gets, outputlen)
	default:
		sortStore(c, len(out), elem, a.gets, a.store, outputlen)
	}
	if cap(elems) <= sortScratchMax && cap(nums)*int(unsafe.Sizeof(sortNum{})) <= sortScratchMax {
		buf.elems, buf.nums = elems[:0], nums[:0]
	} else {
		*buf = sortScratch{}
	}
}

// sortLoadWeights gives every item what it is sorted by: its BY value
// (a missing one leaves the zero score, or found false for ALPHA), or
// itself. It reports whether a numeric weight is not a number; it still
// looks every weight up, as Redis does.
func sortLoadWeights(c *Client, o *sortOrder, items []sortItem, sortBy []byte) (convErr bool) {
	var pat sortPattern
	if sortBy != nil {
		pat = parseSortPattern(sortBy)
	}
	var key, buf []byte
	for i := range items {
		it := &items[i]
		w := o.elem(it)
		if sortBy != nil {
			v, ok := c.sortLookup(&pat, w, &key, &buf)
			if !ok {
				continue
			}
			w = v
		}
		if o.alpha {
			if sortBy != nil {
				it.cmpAt = len(o.cmps)
				o.cmps = append(o.cmps, w...)
				it.cmpEnd, it.found = len(o.cmps), true
			}
			continue
		}
		score, ok := cWeight(w)
		it.score = score
		if !ok {
			convErr = true
		}
	}
	return convErr
}

// sortReply sends the sorted range, or what its GET patterns find.
func sortReply(c *Client, n int, elem func(k int) []byte, gets [][]byte, outputlen int64) {
	pats := make([]sortPattern, len(gets))
	for i, g := range gets {
		pats[i] = parseSortPattern(g)
	}
	var key, buf []byte
	c.ArrayLen(int(outputlen))
	for k := 0; k < n; k++ {
		if len(pats) == 0 {
			c.Bulk(elem(k))
			continue
		}
		for j := range pats {
			if v, ok := c.sortLookup(&pats[j], elem(k), &key, &buf); ok {
				c.Bulk(v)
			} else {
				c.Null()
			}
		}
	}
}

// sortStore stores the sorted range (or what its GET patterns find, an
// empty string for nothing) as a list at dst, or deletes dst when the
// result is empty, and replies with the length.
func sortStore(c *Client, n int, elem func(k int) []byte, gets [][]byte, dst []byte, outputlen int64) {
	srv, db := c.srv, c.DB
	pats := make([]sortPattern, len(gets))
	for i, g := range gets {
		pats[i] = parseSortPattern(g)
	}
	l := srv.NewList()
	var key, buf []byte
	for k := 0; k < n; k++ {
		if len(pats) == 0 {
			l.PushTail(elem(k))
			continue
		}
		for j := range pats {
			v, _ := c.sortLookup(&pats[j], elem(k), &key, &buf)
			l.PushTail(v)
		}
	}
	if outputlen > 0 {
		db.Set(dst, l, false)
		srv.notifyKeyspaceEvent(NotifyList, "sortstore", dst, db.ID)
		srv.Dirty += outputlen
	} else if db.Delete(dst) {
		srv.notifyKeyspaceEvent(NotifyGeneric, "del", dst, db.ID)
		srv.Dirty++
	}
	c.Int(outputlen)
}

// cWeight parses a numeric SORT weight as sort.c checks strtod: the C
// string (up to the first NUL) must be consumed whole, the result must not
// be NaN, and strtod must not set ERANGE (overflow to infinity, or an
// inexact result below the smallest normal double). An empty string is 0.
func cWeight(b []byte) (float64, bool) {
	if len(b) > 0 && len(b) <= 20 && b[0] != '0' {
		if n, ok := ParseInt(b); ok {
			return float64(n), true
		}
	}
	s := cBytes(b)
	if len(s) == 0 {
		return 0, true // strtod converts nothing and stops at the end
	}
	i := 0
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	body := s[i:]
	neg := false
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch {
	case eqFold(body, "inf"), eqFold(body, "infinity"):
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case len(body) >= 3 && eqFold(body[:3], "nan"):
		return 0, false
	}
	var text, mant, exp string
	var ok bool
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		mant, exp, ok = splitNumber(body[2:], isHexDigit, 'p')
		text = "0x" + mant + "p" + exp
	} else {
		mant, exp, ok = splitNumber(body, isDecDigit, 'e')
		text = mant + "e" + exp
	}
	if !ok {
		return 0, false
	}
	if neg {
		text = "-" + text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// Only a range error is left: overflow to infinity (strconv does
		// not report an underflow).
		return f, false
	}
	if math.Abs(f) <= 0x1p-1022 && strtodUnderflow(text, mant, f) {
		return f, false // an inexact subnormal or zero: ERANGE
	}
	return f, true
}

// splitNumber checks that s is all number: digits with at most one '.'
// and at least one digit, then optionally the exponent letter, a sign and
// decimal digits. It returns the mantissa and the exponent ("0" if none).
func splitNumber(s []byte, digit func(byte) bool, expLetter byte) (mant, exp string, ok bool) {
	i, digits, dot := 0, 0, false
	for ; i < len(s); i++ {
		switch {
		case digit(s[i]):
			digits++
		case s[i] == '.' && !dot:
			dot = true
		default:
			goto mantEnd
		}
	}
mantEnd:
	if digits == 0 {
		return "", "", false
	}
	mant, exp = string(s[:i]), "0"
	if i == len(s) {
		return mant, exp, true
	}
	if s[i]|0x20 != expLetter {
		return "", "", false
	}
	e := s[i+1:]
	j := 0
	if len(e) > 0 && (e[0] == '+' || e[0] == '-') {
		j++
	}
	if j == len(e) {
		return "", "", false
	}
	for k := j; k < len(e); k++ {
		if !isDecDigit(e[k]) {
			return "", "", false
		}
	}
	return mant, string(e), true
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f'
}

// strtodUnderflow reports whether glibc's strtod sets ERANGE for text
// (Go syntax, as cWeight builds it; mant its mantissa), which rounds to f:
// the result is inexact and tiny, that is below the smallest normal double
// once rounded to 53 bits with an unbounded exponent (x86 detects
// tininess after rounding). Only results of at most that size get here.
// A zero is exact only from a zero mantissa; otherwise the exponent is
// bounded by the length of the text, and so is the rational.
func strtodUnderflow(text, mant string, f float64) bool {
	if f == 0 {
		return strings.Trim(mant, "0.") != ""
	}
	var r, g big.Rat
	if _, ok := r.SetString(text); !ok {
		return false
	}
	if r.Cmp(g.SetFloat64(f)) == 0 {
		return false
	}
	if math.Abs(f) < 0x1p-1022 {
		return true
	}
	// f is the smallest normal: tiny if the value is below it at 53 bits.
	x := new(big.Float).SetPrec(53).SetRat(&r)
	return x.Abs(x).Cmp(big.NewFloat(0x1p-1022)) < 0
}
