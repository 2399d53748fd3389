package db

// GEO commands, as Redis 7.0's geo.c. A geo set is a sorted set whose
// scores are 52-bit geohashes of the members' positions (internal/geohash
// has the math): GEOADD is ZADD with the positions encoded, and a search
// reads the score ranges of the nine cells that cover its area, keeps the
// members inside the shape, sorts them by distance and replies with them or
// stores them in another sorted set.
//
// Propagation and events, as Redis 7.0: GEOADD rewrites itself into the ZADD
// it runs (so it goes to replicas and the AOF as ZADD, and notifies "zadd");
// GEORADIUS ... STORE and GEOSEARCHSTORE go as they are and notify
// "georadiusstore" and "geosearchstore" on the destination.

import (
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/csort"
	"github.com/redis-go/redis-server/internal/geohash"
	"github.com/redis-go/redis-server/internal/skiplist"
)

func init() {
	register("geoadd", geoaddCommand)
	register("geopos", geoposCommand)
	register("geohash", geohashCommand)
	register("geodist", geodistCommand)
	register("georadius", func(c *Client) { georadiusGeneric(c, 1, geoRadiusCoords) })
	register("georadiusbymember", func(c *Client) { georadiusGeneric(c, 1, geoRadiusMember) })
	register("georadius_ro", func(c *Client) { georadiusGeneric(c, 1, geoRadiusCoords|geoNoStore) })
	register("georadiusbymember_ro", func(c *Client) { georadiusGeneric(c, 1, geoRadiusMember|geoNoStore) })
	register("geosearch", func(c *Client) { georadiusGeneric(c, 1, geoSearch) })
	register("geosearchstore", func(c *Client) { georadiusGeneric(c, 2, geoSearch|geoSearchStore) })
}

const errGeoDecode = "ERR could not decode requested zset member"

// geoaddCommand is GEOADD key [NX|XX] [CH] lon lat member...: the options
// and the positions are checked, then the command becomes the ZADD of the
// encoded positions and runs as ZADD (which reports its own errors, such as
// WRONGTYPE and the syntax error of an empty list).
// argZADD is the name GEOADD's command line takes.
var argZADD = []byte("zadd")

func geoaddCommand(c *Client) {
	xx, nx, longidx := false, false, 2
	for ; longidx < len(c.Argv); longidx++ {
		switch a := c.Argv[longidx]; {
		case optIs(a, "nx"):
			nx = true
		case optIs(a, "xx"):
			xx = true
		case optIs(a, "ch"): // ZADD's
		default:
			goto parsed
		}
	}
parsed:
	if (len(c.Argv)-longidx)%3 != 0 || xx && nx {
		c.Error(ErrSyntax)
		return
	}
	elements := (len(c.Argv) - longidx) / 3
	// The new command line's bytes in one allocation, sized so that no
	// append moves them.
	size := 0
	for _, a := range c.Argv[1:longidx] {
		size += len(a)
	}
	for i := 0; i < elements; i++ {
		size += 20 + len(c.Argv[longidx+i*3+2])
	}
	buf := make([]byte, 0, size)
	keep := func(b []byte) []byte {
		at := len(buf)
		buf = append(buf, b...)
		return buf[at:len(buf):len(buf)]
	}
	argv := make([][]byte, 0, longidx+elements*2)
	argv = append(argv, argZADD)
	for _, a := range c.Argv[1:longidx] {
		argv = append(argv, keep(a))
	}
	for i := 0; i < elements; i++ {
		lon, lat, ok := geoLongLatArgs(c, longidx+i*3)
		if !ok {
			return
		}
		score, _ := geohash.Score(lon, lat)
		at := len(buf)
		buf = strconv.AppendUint(buf, score, 10)
		argv = append(argv, buf[at:len(buf):len(buf)], keep(c.Argv[longidx+i*3+2]))
	}
	c.RewriteArgv(argv...)
	zaddGeneric(c, 0)
}

// geoLongLatArgs parses the longitude and latitude at argv[i] and argv[i+1]
// (extractLongLatOrReply).
func geoLongLatArgs(c *Client, i int) (lon, lat float64, ok bool) {
	if lon, ok = geoDoubleArg(c, i, ""); !ok {
		return
	}
	if lat, ok = geoDoubleArg(c, i+1, ""); !ok {
		return
	}
	if lon < geohash.LongMin || lon > geohash.LongMax || lat < geohash.LatMin || lat > geohash.LatMax {
		c.Error("ERR invalid longitude,latitude pair " + cFormatF(lon) + "," + cFormatF(lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// cFormatF is C's "%f".
func cFormatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoDoubleArg is getDoubleFromObjectOrReply: msg, when not empty,
// replaces "value is not a valid float".
func geoDoubleArg(c *Client, i int, msg string) (float64, bool) {
	v, ok := parseScore(c.Argv[i])
	if !ok {
		if msg == "" {
			msg = ErrNotFloat
		}
		c.Error(msg)
	}
	return v, ok
}

// geoUnitArg returns the meters in the unit at argv[i]
// (extractUnitOrReply), or replies with an error.
func geoUnitArg(c *Client, i int) (float64, bool) {
	switch u := c.Argv[i]; {
	case optIs(u, "m"):
		return 1, true
	case optIs(u, "km"):
		return 1000, true
	case optIs(u, "ft"):
		return 0.3048, true
	case optIs(u, "mi"):
		return 1609.34, true
	}
	c.Error("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

// geoMemberPos returns the position of a member (longLatFromMember).
func geoMemberPos(z *ZSet, member []byte) (lon, lat float64, ok bool) {
	score, found := z.score(member)
	if !found {
		return 0, 0, false
	}
	return geohash.DecodeScore(score)
}

// replyHumanDouble is addReplyHumanLongDouble.
func replyHumanDouble(c *Client, f float64) {
	var buf [64]byte
	if c.Proto > 2 {
		b := append(buf[:0], ',')
		b = geohash.AppendHuman(b, f)
		c.Raw(append(b, '\r', '\n'))
		return
	}
	c.Bulk(geohash.AppendHuman(buf[:0], f))
}

// replyDistance is addReplyDoubleDistance: a bulk string in both protocols.
func replyDistance(c *Client, d float64) {
	var buf [32]byte
	c.Bulk(geohash.AppendDistance(buf[:0], d))
}

// geohashCommand is GEOHASH key member...: the standard 11-character
// geohash of each member, null for a missing one.
func geohashCommand(c *Client) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if h, ok := geohashOf(z, m); ok {
			c.BulkString(h)
		} else {
			c.Null()
		}
	}
}

// geohashOf returns the geohash string of a member of z (nil: no set).
func geohashOf(z *ZSet, member []byte) (string, bool) {
	if z == nil {
		return "", false
	}
	score, found := z.score(member)
	if !found {
		return "", false
	}
	return geohash.String(score)
}

// geoposCommand is GEOPOS key member...: [longitude, latitude] of each
// member, a null array for a missing one.
func geoposCommand(c *Client) {
	z, ok := zsetForRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		var lon, lat float64
		found := false
		if z != nil {
			lon, lat, found = geoMemberPos(z, m)
		}
		if !found {
			c.NullArray()
			continue
		}
		c.ArrayLen(2)
		replyHumanDouble(c, lon)
		replyHumanDouble(c, lat)
	}
}

// geodistCommand is GEODIST key member1 member2 [unit].
func geodistCommand(c *Client) {
	toMeter := 1.0
	switch {
	case len(c.Argv) == 5:
		var ok bool
		if toMeter, ok = geoUnitArg(c, 4); !ok {
			return
		}
	case len(c.Argv) > 5:
		c.Error(ErrSyntax)
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
	lon1, lat1, ok1 := geoMemberPos(z, c.Argv[2])
	lon2, lat2, ok2 := geoMemberPos(z, c.Argv[3])
	if !ok1 || !ok2 {
		c.Null()
		return
	}
	replyDistance(c, geohash.Distance(lon1, lat1, lon2, lat2)/toMeter)
}

// The variants of georadiusGeneric.
const (
	geoRadiusCoords = 1 << iota // around a position (GEORADIUS)
	geoRadiusMember             // around a member (GEORADIUSBYMEMBER)
	geoNoStore                  // no STORE/STOREDIST (the _RO variants)
	geoSearch                   // GEOSEARCH's arguments
	geoSearchStore              // GEOSEARCHSTORE: only STOREDIST
)

type geoSort int

const (
	geoSortNone geoSort = iota
	geoSortAsc
	geoSortDesc
)

// geoInlinePoints is how many members a search finds in a buffer on the
// stack, before they go to the heap: a search finds them all before it
// sorts them (by distance: which it keeps with COUNT depends on all), and
// growing a slice of them for each search feeds the GC.
const geoInlinePoints = 1024

// geoPoint is a member found by a search. Its position is decoded again
// from the score for WITHCOORD: a search may collect many points.
type geoPoint struct {
	dist, score float64
	member      string
}

// geoQuery is a parsed search.
type geoQuery struct {
	shape                          geohash.Shape
	storekey                       []byte
	storedist                      bool // STOREDIST: the distance as the score
	withdist, withhash, withcoords bool
	frommember, fromloc            bool
	byradius, bybox                bool
	sort                           geoSort
	anyOpt                         bool  // ANY: stop as soon as COUNT members are found
	count                          int64 // COUNT, 0 for all
}

// georadiusGeneric is GEORADIUS, GEORADIUSBYMEMBER, their _RO variants,
// GEOSEARCH and GEOSEARCHSTORE. The errors come in Redis's order: the type
// of the source key, the center and radius of the GEORADIUS forms, the
// options one by one, then their combinations.
func georadiusGeneric(c *Client, srcKeyIndex int, flags int) {
	z, ok := zsetForRead(c, c.Argv[srcKeyIndex])
	if !ok {
		return
	}
	var q geoQuery
	baseArgs, ok := geoCenterArgs(c, z, flags, &q)
	if !ok || !geoOptionArgs(c, z, flags, baseArgs, &q) || !geoCheckQuery(c, flags, &q) {
		return
	}
	if z == nil {
		if q.storekey != nil {
			geoDeleteStore(c, q.storekey)
			c.Int(0)
		} else {
			c.ArrayLen(0)
		}
		return
	}
	geoSearchAndReply(c, z, &q, flags)
}

// geoSearchAndReply runs a parsed search of z and replies or stores. Its
// frame holds the buffer of the members found, which the parsing and its
// errors do without.
func geoSearchAndReply(c *Client, z *ZSet, q *geoQuery, flags int) {
	// COUNT without an order returns the nearest ones, unless ANY.
	if q.count != 0 && q.sort == geoSortNone && !q.anyOpt {
		q.sort = geoSortAsc
	}
	area := q.shape.CalculateAreas()
	limit := 0
	if q.anyOpt {
		limit = int(q.count)
	}
	var inline [geoInlinePoints]geoPoint
	points := geoMembersOfAllNeighbors(z, &area, &q.shape, limit, inline[:0])
	if len(points) == 0 && q.storekey == nil {
		c.ArrayLen(0)
		return
	}
	returned := len(points)
	if q.count != 0 && int64(returned) > q.count {
		returned = int(q.count)
	}
	order := geoSortPoints(points, q.sort, returned)
	for _, i := range order {
		points[i].dist /= q.shape.Conversion // to the unit
	}
	if q.storekey == nil {
		geoReplyPoints(c, points, order, q.withdist, q.withhash, q.withcoords)
		return
	}
	geoStorePoints(c, q.storekey, points, order, q.storedist, flags&geoSearch != 0)
}

// geoSortPoints returns the indices of the first n points in the order
// asked for, as Redis sorts them: all of them stably (glibc's qsort), or
// just the first n (pqsort), ties where these algorithms put them. It sorts
// indices rather than the points because csort keeps, as far as escape
// analysis sees, the slice it sorts, and the points are on the stack.
func geoSortPoints(points []geoPoint, sort geoSort, n int) []int32 {
	order := make([]int32, len(points))
	for i := range order {
		order[i] = int32(i)
	}
	if sort == geoSortNone {
		return order[:n]
	}
	cmp := func(a, b *int32) int { return geoCompareAsc(&points[*a], &points[*b]) }
	if sort == geoSortDesc {
		cmp = func(a, b *int32) int { return -geoCompareAsc(&points[*a], &points[*b]) }
	}
	if n == len(order) {
		csort.Merge(order, make([]int32, len(order)), cmp)
	} else {
		csort.Partial(order, cmp, 0, n-1)
	}
	return order[:n]
}

// geoCenterArgs parses the arguments before the options: the center and
// radius of GEORADIUS and GEORADIUSBYMEMBER (not looked at when the source
// key is missing), GEOSEARCHSTORE's destination. It returns the index of
// the first option.
func geoCenterArgs(c *Client, z *ZSet, flags int, q *geoQuery) (int, bool) {
	switch {
	case flags&geoRadiusCoords != 0:
		lon, lat, ok := geoLongLatArgs(c, 2)
		if !ok {
			return 0, false
		}
		q.shape.XY = [2]float64{lon, lat}
		return 6, geoDistanceArgs(c, 4, &q.shape)
	case flags&geoRadiusMember != 0 && z == nil:
		// Parse the options anyway, to know which reply to give.
		return 5, true
	case flags&geoRadiusMember != 0:
		lon, lat, ok := geoMemberPos(z, c.Argv[2])
		if !ok {
			c.Error(errGeoDecode)
			return 0, false
		}
		q.shape.XY = [2]float64{lon, lat}
		return 5, geoDistanceArgs(c, 3, &q.shape)
	case flags&geoSearchStore != 0:
		q.storekey = c.Argv[1]
		return 3, true
	}
	return 2, true // GEOSEARCH
}

// geoOptionArgs parses the options from argv[base] on, in order, each
// checked as it comes (a missing member of FROMMEMBER only when the key
// exists).
func geoOptionArgs(c *Client, z *ZSet, flags, base int, q *geoQuery) bool {
	search := flags&geoSearch != 0
	canStore := flags&(geoNoStore|geoSearch) == 0
	remaining := len(c.Argv) - base
	for i := 0; i < remaining; i++ {
		j := base + i
		switch arg := c.Argv[j]; {
		case optIs(arg, "withdist"):
			q.withdist = true
		case optIs(arg, "withhash"):
			q.withhash = true
		case optIs(arg, "withcoord"):
			q.withcoords = true
		case optIs(arg, "any"):
			q.anyOpt = true
		case optIs(arg, "asc"):
			q.sort = geoSortAsc
		case optIs(arg, "desc"):
			q.sort = geoSortDesc
		case optIs(arg, "count") && i+1 < remaining:
			n, ok := c.IntArg(j + 1)
			if !ok {
				return false
			}
			if n <= 0 {
				c.Error("ERR COUNT must be > 0")
				return false
			}
			q.count = n
			i++
		case optIs(arg, "store") && i+1 < remaining && canStore:
			q.storekey, q.storedist = c.Argv[j+1], false
			i++
		case optIs(arg, "storedist") && i+1 < remaining && canStore:
			q.storekey, q.storedist = c.Argv[j+1], true
			i++
		case optIs(arg, "storedist") && search && flags&geoSearchStore != 0:
			q.storedist = true
		case optIs(arg, "frommember") && i+1 < remaining && search && !q.fromloc:
			if z != nil {
				lon, lat, ok := geoMemberPos(z, c.Argv[j+1])
				if !ok {
					c.Error(errGeoDecode)
					return false
				}
				q.shape.XY = [2]float64{lon, lat}
			}
			q.frommember = true
			i++
		case optIs(arg, "fromlonlat") && i+2 < remaining && search && !q.frommember:
			lon, lat, ok := geoLongLatArgs(c, j+1)
			if !ok {
				return false
			}
			q.shape.XY = [2]float64{lon, lat}
			q.fromloc = true
			i += 2
		case optIs(arg, "byradius") && i+2 < remaining && search && !q.bybox:
			if !geoDistanceArgs(c, j+1, &q.shape) {
				return false
			}
			q.shape.Box = false
			q.byradius = true
			i += 2
		case optIs(arg, "bybox") && i+3 < remaining && search && !q.byradius:
			if !geoBoxArgs(c, j+1, &q.shape) {
				return false
			}
			q.shape.Box = true
			q.bybox = true
			i += 3
		default:
			c.Error(ErrSyntax)
			return false
		}
	}
	return true
}

// geoCheckQuery checks the combinations of options.
func geoCheckQuery(c *Client, flags int, q *geoQuery) bool {
	search := flags&geoSearch != 0
	switch {
	case q.storekey != nil && (q.withdist || q.withhash || q.withcoords):
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.Error("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	case search && !(q.frommember || q.fromloc):
		c.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cstr(c.Argv[0])))
	case search && !(q.byradius || q.bybox):
		c.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(cstr(c.Argv[0])))
	case q.anyOpt && q.count == 0:
		c.Error("ERR the ANY argument requires COUNT argument")
	default:
		return true
	}
	return false
}

// geoDistanceArgs parses "radius unit" at argv[i] (extractDistanceOrReply).
func geoDistanceArgs(c *Client, i int, shape *geohash.Shape) bool {
	d, ok := geoDoubleArg(c, i, "ERR need numeric radius")
	if !ok {
		return false
	}
	if d < 0 {
		c.Error("ERR radius cannot be negative")
		return false
	}
	shape.Radius = d
	conv, ok := geoUnitArg(c, i+1)
	if !ok {
		return false
	}
	shape.Conversion = conv
	return true
}

// geoBoxArgs parses "width height unit" at argv[i] (extractBoxOrReply).
func geoBoxArgs(c *Client, i int, shape *geohash.Shape) bool {
	w, ok := geoDoubleArg(c, i, "ERR need numeric width")
	if !ok {
		return false
	}
	h, ok := geoDoubleArg(c, i+1, "ERR need numeric height")
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.Error("ERR height or width cannot be negative")
		return false
	}
	shape.Width, shape.Height = w, h
	conv, ok := geoUnitArg(c, i+2)
	if !ok {
		return false
	}
	shape.Conversion = conv
	return true
}

// geoMembersOfAllNeighbors collects the members inside the shape from the
// cells of area, in Redis's order of cells, skipping a cell equal to the
// one read just before (huge radiuses make neighbours coincide), and
// stopping at limit members when limit is not 0.
func geoMembersOfAllNeighbors(z *ZSet, area *geohash.Radius, shape *geohash.Shape, limit int, points []geoPoint) []geoPoint {
	cells := area.Cells()
	last := 0 // as Redis: 0 also means "none yet", so cell 1 is never compared to cell 0
	for i, cell := range cells {
		if cell.IsZero() {
			continue
		}
		if last != 0 && cell == cells[last] {
			continue
		}
		if len(points) > 0 && limit > 0 && len(points) >= limit {
			break
		}
		lo, hi := geohash.ScoreRange(cell)
		points = geoPointsInRange(z, float64(lo), float64(hi), shape, points, limit)
		last = i
	}
	return points
}

// geoBatch is how many members of a cell a search measures at once: one
// call into C (geohash.Within) for the lot.
const geoBatch = 64

// geoPointsInRange appends the members with a score in [lo, hi) that are
// inside the shape (geoGetPointsInRange), stopping at limit members when
// limit is not 0. The members are measured a batch at a time; those of a
// batch past the limit are measured for nothing, as nothing tells.
func geoPointsInRange(z *ZSet, lo, hi float64, shape *geohash.Shape, points []geoPoint, limit int) []geoPoint {
	var (
		hashes [geoBatch]uint64
		scores [geoBatch]float64
		nodes  [geoBatch]*skiplist.Node // where the members are: skiplist
		pos    [geoBatch]int            // or listpack
		in     [geoBatch]int32
		dists  [geoBatch]float64
	)
	r := skiplist.ScoreRange{Min: lo, Max: hi, MaxEx: true}
	cur := z.cursorInRange(&r, false)
	for cur.ok() {
		n := 0
		for ; n < geoBatch && cur.ok(); cur.advance(false) {
			score := cur.score()
			if !(score < hi) {
				break
			}
			hashes[n], scores[n], nodes[n], pos[n] = geohash.CUint64(score), score, cur.n, cur.p
			n++
		}
		found := shape.Within(hashes[:n], in[:n], dists[:n])
		for k := 0; k < found; k++ {
			i := in[k]
			at := zcursor{lp: cur.lp, n: nodes[i], p: pos[i]}
			points = append(points, geoPoint{dist: dists[k], score: scores[i], member: at.memberString()})
			if limit > 0 && len(points) >= limit {
				return points
			}
		}
		if n < geoBatch {
			break // the end of the range
		}
	}
	return points
}

// memberString returns the member as a string: a copy for a listpack, the
// skiplist's own string (immutable) otherwise.
func (c *zcursor) memberString() string {
	if c.lp != nil {
		return string(c.member())
	}
	return c.n.Member()
}

// geoCompareAsc is sort_gp_asc (NaN distances compare as smaller, as in C).
func geoCompareAsc(a, b *geoPoint) int {
	switch {
	case a.dist > b.dist:
		return 1
	case a.dist == b.dist:
		return 0
	}
	return -1
}

// geoReplyPoints replies with the members found, in order, each with the
// options asked for in Redis's order: distance, hash, coordinates.
func geoReplyPoints(c *Client, points []geoPoint, order []int32, withdist, withhash, withcoords bool) {
	options := 0
	for _, w := range []bool{withdist, withhash, withcoords} {
		if w {
			options++
		}
	}
	c.ArrayLen(len(order))
	for _, i := range order {
		p := &points[i]
		if options > 0 {
			c.ArrayLen(options + 1)
		}
		c.BulkString(p.member)
		if withdist {
			replyDistance(c, p.dist)
		}
		if withhash {
			c.Int(geohash.CInt64(p.score))
		}
		if withcoords {
			lon, lat, _ := geohash.DecodeScore(p.score)
			c.ArrayLen(2)
			replyHumanDouble(c, lon)
			replyHumanDouble(c, lat)
		}
	}
}

// geoStorePoints stores the members found (those in order) in a sorted set
// at dst, scored by their hash or (storedist) their distance, or deletes
// dst when none was found; it replies with their number.
func geoStorePoints(c *Client, dst []byte, points []geoPoint, order []int32, storedist, search bool) {
	if len(order) == 0 {
		geoDeleteStore(c, dst)
		c.Int(0)
		return
	}
	pairs := make([]zsetPair, 0, len(order))
	seen := make(map[string]bool, len(order))
	for _, i := range order {
		p := &points[i]
		if seen[p.member] {
			continue // Redis would assert: a member is in one cell only
		}
		seen[p.member] = true
		score := p.score
		if storedist {
			score = p.dist
		}
		pairs = append(pairs, zsetPair{member: p.member, score: score})
	}
	sortZsetPairs(pairs)
	srv, db := c.srv, c.DB
	z := zsetFromSortedPairs(srv, pairs)
	db.Set(dst, z, false)
	event := "georadiusstore"
	if search {
		event = "geosearchstore"
	}
	srv.notifyKeyspaceEvent(NotifyZset, event, dst, db.ID)
	srv.Dirty += int64(len(order))
	zsetCheck(z)
	c.Int(int64(len(order)))
}

// geoDeleteStore deletes the destination of a search that found nothing.
func geoDeleteStore(c *Client, dst []byte) {
	if c.DB.Delete(dst) {
		c.srv.notifyKeyspaceEvent(NotifyGeneric, "del", dst, c.DB.ID)
		c.srv.Dirty++
	}
}
