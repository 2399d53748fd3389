// The list commands, as Redis 7.0's t_list.c. The value is a List, a
// quicklist (internal/quicklist); the blocking variants wait through
// blocking.go.
//
// A list left empty by any command is deleted: Redis never keeps an empty
// list. Pops and moves served from a
// blocking command are propagated as their non-blocking form (BLPOP as
// LPOP key, BLMPOP as LPOP key count, BLMOVE as LMOVE, BRPOPLPUSH as
// RPOPLPUSH), like LMPOP.

package db

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/internal/num"
	"github.com/redis-go/redis-server/internal/quicklist"
)

func init() {
	register("lpush", func(c *Client) { pushGenericCommand(c, true, false) })
	register("rpush", func(c *Client) { pushGenericCommand(c, false, false) })
	register("lpushx", func(c *Client) { pushGenericCommand(c, true, true) })
	register("rpushx", func(c *Client) { pushGenericCommand(c, false, true) })
	register("lpop", func(c *Client) { popGenericCommand(c, true) })
	register("rpop", func(c *Client) { popGenericCommand(c, false) })
	register("llen", llenCommand)
	register("lrange", lrangeCommand)
	register("lindex", lindexCommand)
	register("lset", lsetCommand)
	register("lrem", lremCommand)
	register("ltrim", ltrimCommand)
	register("linsert", linsertCommand)
	register("lpos", lposCommand)
	register("lmove", lmoveCommand)
	register("rpoplpush", rpoplpushCommand)
	register("lmpop", func(c *Client) { lmpopGenericCommand(c, 1, false) })
	register("blpop", func(c *Client) { blockingPopGenericCommand(c, c.Argv[1:len(c.Argv)-1], true, len(c.Argv)-1, -1) })
	register("brpop", func(c *Client) { blockingPopGenericCommand(c, c.Argv[1:len(c.Argv)-1], false, len(c.Argv)-1, -1) })
	register("blmove", blmoveCommand)
	register("brpoplpush", brpoplpushCommand)
	register("blmpop", func(c *Client) { lmpopGenericCommand(c, 2, true) })
	RegisterDebug("quicklist-packed-threshold", 3, debugQuicklistPackedThreshold)
	RegisterDebug("quicklist", -3, debugQuicklist)
}

// debugQuicklistPackedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD size:
// elements of size bytes or more get a plain node of their own (see
// internal/quicklist). Like Redis's, the setting is the process's, not
// saved anywhere.
func debugQuicklistPackedThreshold(c *Client) {
	sz, ok := config.MemToUint64(string(c.Argv[2]))
	if !ok || !quicklist.SetPackedThreshold(sz) {
		c.Error("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	c.OK()
}

// debugQuicklist is DEBUG QUICKLIST <key> [<0|1>]: Redis's quicklistRepr
// on stdout, with each node's entries when the level of detail is not 0.
func debugQuicklist(c *Client) {
	if len(c.Argv) > 4 {
		replySubcommandSyntaxError(c)
		return
	}
	v := c.DB.lookup(c.Argv[2])
	if v == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	full := false
	if len(c.Argv) == 4 {
		n, _ := strconv.Atoi(strings.TrimSpace(string(c.Argv[3]))) // atoi
		full = n != 0
	}
	l, ok := v.(*List)
	if !ok {
		c.Error("ERR Not a quicklist encoded object.")
		return
	}
	w := bufio.NewWriter(os.Stdout)
	l.Repr(w, full)
	w.Flush()
	c.Status("Quicklist structure printed on stdout")
}

// listSettings are the options new lists get (list-max-listpack-size,
// list-compress-depth), cached from the configuration.
type listSettings struct {
	fill, compress int
}

func (s *Server) loadListSettings() {
	s.lists.fill = int(s.Config.Int("list-max-listpack-size"))
	s.lists.compress = int(s.Config.Int("list-compress-depth"))
}

// List is the list value: a quicklist, with what the keyspace needs of a
// value (Object, and the copy-on-write epoch of cowObject). The quicklist
// is embedded by value: a list is one allocation, as before the split.
type List struct {
	quicklist.Quicklist
	epoch uint32 // see cowObject
	counted
}

// NewList returns an empty list with the current settings.
func (s *Server) NewList() *List { return newList(s.lists, s.COW) }

func newList(ls listSettings, cow *COW) *List {
	return &List{Quicklist: *quicklist.New(ls.fill, ls.compress, cow), epoch: cow.Stamp()}
}

// Type implements Object: "list".
func (l *List) Type() string { return "list" }

// Encoding implements Object: "quicklist", the only list encoding of
// Redis 7.0.
func (l *List) Encoding() string { return "quicklist" }

// Clone implements Object: a deep copy.
func (l *List) Clone() Object { return &List{Quicklist: *l.Quicklist.Clone()} }

func (l *List) cowEpoch() uint32     { return l.epoch }
func (l *List) setCOWEpoch(e uint32) { l.epoch = e }

// detach returns a list sharing l's nodes, which the quicklist copies one
// by one as they change (see cowObject).
func (l *List) detach(*COW) Object {
	return &List{Quicklist: *l.ShallowCopy(), counted: l.counted}
}

// quicklistSize is sizeof(quicklist).
const quicklistSize = 40

// memSize is what Redis allocates for the list, as objectComputeSize
// counting every node (MEMORY USAGE ... SAMPLES 0), in O(1): the quicklist
// keeps the size of its nodes.
func (l *List) memSize() int { return robjSize + quicklistSize + l.MemSize() }

// allocSize is memSize: a list has no dict entries.
func (l *List) allocSize() int { return l.memSize() }

// sampledSize is objectComputeSize with samples > 0: the robj and
// quicklist headers, plus the average of the first nodes (header and
// entry allocation: listpack, plain element or LZF data) times the nodes.
func (l *List) sampledSize(samples int) int {
	size := robjSize + quicklistSize
	nodes := l.NodeCount()
	if nodes == 0 {
		return size
	}
	elesize, n := 0, 0
	for ; n < nodes && n < samples; n++ {
		elesize += l.NodeMem(n)
	}
	return size + int(float64(elesize)/float64(n)*float64(nodes))
}

// Arguments of the rewritten commands that are propagated.
var (
	argLPOP      = []byte("LPOP")
	argRPOP      = []byte("RPOP")
	argLMOVE     = []byte("LMOVE")
	argRPOPLPUSH = []byte("RPOPLPUSH")
	argLEFT      = []byte("LEFT")
	argRIGHT     = []byte("RIGHT")
)

// listForWrite looks key up for a change: nil if missing; false (after
// replying WRONGTYPE) if it is not a list. A list a snapshot shares is
// replaced by a copy first (see detach).
func (c *Client) listForWrite(key []byte) (*List, bool) {
	v := c.DB.LookupWrite(key)
	if v == nil {
		return nil, true
	}
	q, ok := v.(*List)
	if !ok {
		c.Error(ErrWrongType)
		return nil, false
	}
	return q, true // LookupWrite detached a list a snapshot shares

}

// listForRead looks key up for a read: nil if missing; false (after
// replying WRONGTYPE) if it is not a list.
func (c *Client) listForRead(key []byte) (*List, bool) {
	v := c.DB.LookupRead(key)
	if v == nil {
		return nil, true
	}
	q, ok := v.(*List)
	if !ok {
		c.Error(ErrWrongType)
		return nil, false
	}
	return q, true
}

// replyEntry sends a list element as a bulk string.
func replyEntry(c *Client, s []byte, n int64, isInt bool) {
	if isInt {
		c.BulkInt(n)
	} else {
		c.Bulk(s)
	}
}

// listElementsRemoved does what follows a removal of count elements from
// the head or tail: the event, deleting a list left empty, WATCH, dirty.
func listElementsRemoved(c *Client, key []byte, head bool, q *List, count int) {
	s := c.srv
	event := "rpop"
	if head {
		event = "lpop"
	}
	s.notifyKeyspaceEvent(NotifyList, event, key, c.DB.ID)
	if q.Len() == 0 {
		c.DB.Delete(key)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
	} else {
		s.signalModifiedKey(c.DB, key)
	}
	s.Dirty += int64(count)
}

// listPositionArg parses LEFT or RIGHT; head is true for LEFT.
func listPositionArg(c *Client, i int) (head, ok bool) {
	switch {
	case c.ArgIs(i, "left"):
		return true, true
	case c.ArgIs(i, "right"):
		return false, true
	}
	c.Error(ErrSyntax)
	return false, false
}

var argLeft, argRight = []byte("left"), []byte("right")

// listWhere is the word Redis propagates for a list end.
func listWhere(head bool) []byte {
	if head {
		return argLeft
	}
	return argRight
}

// positiveArg is getPositiveLongFromObjectOrReply.
func positiveArg(c *Client, i int, msg string) (int64, bool) {
	if msg == "" {
		msg = "ERR value is out of range, must be positive"
	}
	return argLongInRange(c, i, 0, 1<<63-1, msg)
}

func pushGenericCommand(c *Client, head, xx bool) {
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	s := c.srv
	if q == nil {
		if xx {
			c.Int(0)
			return
		}
		q = s.NewList()
		c.DB.Add(key, q)
	}
	for _, v := range c.Argv[2:] {
		q.Push(v, head)
	}
	s.Dirty += int64(len(c.Argv) - 2)
	c.Int(int64(q.Len()))
	event := "rpush"
	if head {
		event = "lpush"
	}
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyList, event, key, c.DB.ID)
}

func popGenericCommand(c *Client, head bool) {
	if len(c.Argv) > 3 {
		c.ErrorArity()
		return
	}
	hasCount := len(c.Argv) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = positiveArg(c, 2, ""); !ok {
			return
		}
	}
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	if q == nil {
		if hasCount {
			c.NullArray()
		} else {
			c.Null()
		}
		return
	}
	if hasCount && count == 0 {
		c.ArrayLen(0)
		return
	}
	if !hasCount {
		s, n, isInt, _ := q.End(head)
		replyEntry(c, s, n, isInt)
		q.DeleteEnd(head)
		listElementsRemoved(c, key, head, q, 1)
		return
	}
	n := popRange(c, q, head, count)
	listElementsRemoved(c, key, head, q, n)
}

// popRange replies with up to count elements from the head or the tail
// (nearest first) and removes them; it returns how many.
func popRange(c *Client, q *List, head bool, count int64) int {
	n := int(min(count, int64(q.Len())))
	if head {
		addListRangeReply(c, q, 0, int64(n-1), false)
		q.DeleteRange(0, n)
	} else {
		addListRangeReply(c, q, int64(-n), -1, true)
		q.DeleteRange(q.Len()-n, n)
	}
	return n
}

// addListRangeReply sends elements start..end (negative from the tail,
// clamped as LRANGE), from end to start when reverse.
func addListRangeReply(c *Client, q *List, start, end int64, reverse bool) {
	llen := int64(q.Len())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		c.ArrayLen(0)
		return
	}
	if end >= llen {
		end = llen - 1
	}
	n := int(end - start + 1)
	c.ArrayLen(n)
	from := start
	if reverse {
		from = end
	}
	q.Range(int(from), n, reverse, func(s []byte, v int64, isInt bool) { replyEntry(c, s, v, isInt) })
	last := from + int64(n) - 1
	if reverse {
		last = from - int64(n) + 1
	}
	c.DB.listWalkedElements(q, int(from), int(last))
}

// listWalked does to nodes first through last of l what Redis's iterator
// leaves behind on the nodes a read walked (quicklist.Visit): it may
// compress a node an insert left uncompressed. A list a snapshot shares is
// left as it is.
func (db *DB) listWalked(l *List, first, last int) {
	if l.CompressDepth() == 0 || db.srv.COW.Shared(l.epoch) {
		return
	}
	db.touchedForWrite(l)
	l.Visit(first, last)
}

// listWalkedElements is listWalked for the nodes of elements from through
// last; finding them costs nothing without compression.
func (db *DB) listWalkedElements(l *List, from, last int) {
	if l.CompressDepth() != 0 {
		db.listWalked(l, l.NodeOf(from), l.NodeOf(last))
	}
}

// WalkLists does to every list what Redis's DEBUG DIGEST, walking every
// element, leaves behind on its nodes (see listWalked).
func (s *Server) WalkLists() {
	for _, db := range s.DBs {
		db.Each(func(_ string, v any) bool {
			if l, ok := v.(*List); ok {
				db.listWalked(l, 0, l.NodeCount()-1)
			}
			return true
		})
	}
}

// WalkList is WalkLists for one key (DEBUG DIGEST-VALUE).
func (db *DB) WalkList(key []byte) {
	if l, ok := db.Peek(key).(*List); ok {
		db.listWalked(l, 0, l.NodeCount()-1)
	}
}

func llenCommand(c *Client) {
	q, ok := c.listForRead(c.Argv[1])
	if !ok {
		return
	}
	if q == nil {
		c.Int(0)
		return
	}
	c.Int(int64(q.Len()))
}

func lrangeCommand(c *Client) {
	start, ok := c.IntArg(2)
	if !ok {
		return
	}
	end, ok := c.IntArg(3)
	if !ok {
		return
	}
	q, ok := c.listForRead(c.Argv[1])
	if !ok {
		return
	}
	if q == nil {
		c.ArrayLen(0)
		return
	}
	addListRangeReply(c, q, start, end, false)
}

func lindexCommand(c *Client) {
	q, ok := c.listForRead(c.Argv[1])
	if !ok {
		return
	}
	if q == nil {
		c.Null()
		return
	}
	index, ok := c.IntArg(2)
	if !ok {
		return
	}
	s, n, isInt, found := q.Index(int(index))
	if !found {
		c.Null()
		return
	}
	replyEntry(c, s, n, isInt)
	if index < 0 {
		index += int64(q.Len())
	}
	c.DB.listWalkedElements(q, int(index), int(index))
}

func lsetCommand(c *Client) {
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	if q == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	index, ok := c.IntArg(2)
	if !ok {
		return
	}
	if !q.Replace(int(index), c.Argv[3]) {
		c.Error(ErrOutOfRange)
		return
	}
	c.OK()
	c.srv.signalModifiedKey(c.DB, key)
	c.srv.notifyKeyspaceEvent(NotifyList, "lset", key, c.DB.ID)
	c.srv.Dirty++
}

func lremCommand(c *Client) {
	toRemove, ok := c.IntArg(2)
	if !ok {
		return
	}
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	if q == nil {
		c.Int(0)
		return
	}
	fromHead := toRemove >= 0
	if !fromHead {
		toRemove = -toRemove // MinInt64 stays negative: no limit, as in Redis
	}
	removed := q.Remove(c.Argv[3], int(toRemove), fromHead)
	s := c.srv
	if removed > 0 {
		s.signalModifiedKey(c.DB, key)
		s.notifyKeyspaceEvent(NotifyList, "lrem", key, c.DB.ID)
		s.Dirty += int64(removed)
	}
	if q.Len() == 0 {
		c.DB.Delete(key)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
	}
	c.Int(int64(removed))
}

func ltrimCommand(c *Client) {
	start, ok := c.IntArg(2)
	if !ok {
		return
	}
	end, ok := c.IntArg(3)
	if !ok {
		return
	}
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	if q == nil {
		c.OK()
		return
	}
	llen := int64(q.Len())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	var ltrim, rtrim int64
	if start > end || start >= llen {
		ltrim, rtrim = llen, 0
	} else {
		end = min(end, llen-1)
		ltrim, rtrim = start, llen-end-1
	}
	q.DeleteRange(0, int(ltrim))
	q.DeleteRange(q.Len()-int(rtrim), int(rtrim))
	s := c.srv
	s.notifyKeyspaceEvent(NotifyList, "ltrim", key, c.DB.ID)
	if q.Len() == 0 {
		c.DB.Delete(key)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
	}
	s.signalModifiedKey(c.DB, key)
	s.Dirty += ltrim + rtrim
	c.OK()
}

func linsertCommand(c *Client) {
	var after bool
	switch {
	case c.ArgIs(2, "after"):
		after = true
	case c.ArgIs(2, "before"):
	default:
		c.Error(ErrSyntax)
		return
	}
	key := c.Argv[1]
	q, ok := c.listForWrite(key)
	if !ok {
		return
	}
	if q == nil {
		c.Int(0)
		return
	}
	if !q.InsertAt(c.Argv[3], c.Argv[4], after) {
		c.Int(-1)
		return
	}
	s := c.srv
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyList, "linsert", key, c.DB.ID)
	s.Dirty++
	c.Int(int64(q.Len()))
}

func lposCommand(c *Client) {
	ele := c.Argv[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT
	for j := 3; j < len(c.Argv); j++ {
		moreArgs := j < len(c.Argv)-1
		var ok bool
		switch {
		case c.ArgIs(j, "rank") && moreArgs:
			j++
			// Redis 7.0.15 takes any long: LONG_MIN stays negative
			// once negated, and then matches from the first match.
			if rank, ok = c.IntArg(j); !ok {
				return
			}
			if rank == 0 {
				c.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
		case c.ArgIs(j, "count") && moreArgs:
			j++
			if count, ok = positiveArg(c, j, "ERR COUNT can't be negative"); !ok {
				return
			}
		case c.ArgIs(j, "maxlen") && moreArgs:
			j++
			if maxlen, ok = positiveArg(c, j, "ERR MAXLEN can't be negative"); !ok {
				return
			}
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	forward := rank > 0
	if !forward {
		rank = -rank
	}
	q, ok := c.listForRead(c.Argv[1])
	if !ok {
		return
	}
	if q == nil {
		if count != -1 {
			c.ArrayLen(0)
		} else {
			c.Null()
		}
		return
	}
	var d = c.Defer()
	llen := int64(q.Len())
	from := int64(0)
	if !forward {
		from = llen - 1
	}
	it := q.IterAt(int(from), forward)
	var index, matches, arrayLen int64
	matchIndex := int64(-1)
	for {
		// Redis fetches the next element before it checks maxlen, so its
		// iterator may step into one more node.
		s, n, isInt, more := it.Next()
		if !more || maxlen != 0 && index >= maxlen {
			break
		}
		if entryEqual(s, n, isInt, ele) {
			matches++
			matchIndex = index
			if !forward {
				matchIndex = llen - index - 1
			}
			if matches >= rank {
				if count == -1 {
					break
				}
				arrayLen++
				c.Int(matchIndex)
				if count != 0 && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
		matchIndex = -1
	}
	first, last := it.Walked()
	c.DB.listWalked(q, first, last)
	if count != -1 {
		c.SetArrayLen(d, int(arrayLen))
		return
	}
	if matchIndex != -1 {
		c.Int(matchIndex)
	} else {
		c.Null()
	}
}

// entryEqual compares a listpack entry with v, as lpCompare.
func entryEqual(s []byte, n int64, isInt bool, v []byte) bool {
	if !isInt {
		return string(s) == string(v)
	}
	x, ok := num.ParseInt(v)
	return ok && x == n
}

func lmoveCommand(c *Client) {
	from, ok := listPositionArg(c, 3)
	if !ok {
		return
	}
	to, ok := listPositionArg(c, 4)
	if !ok {
		return
	}
	lmoveGenericCommand(c, from, to)
}

func rpoplpushCommand(c *Client) { lmoveGenericCommand(c, false, true) }

// lmoveGenericCommand moves an element from the source list (argv[1]) to
// the destination (argv[2]) and replies with it; the source may be the
// destination.
func lmoveGenericCommand(c *Client, fromHead, toHead bool) {
	src, dst := c.Argv[1], c.Argv[2]
	sq, ok := c.listForWrite(src)
	if !ok {
		return
	}
	if sq == nil || sq.Len() == 0 {
		c.Null()
		return
	}
	dq, ok := c.listForWrite(dst)
	if !ok {
		return
	}
	value, _ := sq.Pop(fromHead, nil)
	s := c.srv
	if dq == nil {
		dq = s.NewList()
		c.DB.Add(dst, dq)
	}
	s.signalModifiedKey(c.DB, dst)
	dq.Push(value, toHead)
	event := "rpush"
	if toHead {
		event = "lpush"
	}
	s.notifyKeyspaceEvent(NotifyList, event, dst, c.DB.ID)
	c.Bulk(value)

	event = "rpop"
	if fromHead {
		event = "lpop"
	}
	s.notifyKeyspaceEvent(NotifyList, event, src, c.DB.ID)
	if sq.Len() == 0 {
		c.DB.Delete(src)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", src, c.DB.ID)
	}
	s.signalModifiedKey(c.DB, src)
	s.Dirty++
	switch {
	case c.Cmd.Name == "blmove" && c.servedAfterBlocking():
		// Redis builds the LMOVE of a served client from its own
		// lowercase words, not from what the client sent.
		c.RewriteArgv(argLMOVE, src, dst, listWhere(fromHead), listWhere(toHead))
	case c.Cmd.Name == "blmove":
		c.RewriteArgv(argLMOVE, src, dst, c.Argv[3], c.Argv[4])
	case c.Cmd.Name == "brpoplpush":
		c.RewriteArgv(argRPOPLPUSH, src, dst)
	}
}

func blmoveCommand(c *Client) {
	from, ok := listPositionArg(c, 3)
	if !ok {
		return
	}
	to, ok := listPositionArg(c, 4)
	if !ok {
		return
	}
	deadline, ok := c.blockTimeoutArg(5)
	if !ok {
		return
	}
	blmoveGenericCommand(c, from, to, deadline)
}

func brpoplpushCommand(c *Client) {
	deadline, ok := c.blockTimeoutArg(3)
	if !ok {
		return
	}
	blmoveGenericCommand(c, false, true, deadline)
}

func blmoveGenericCommand(c *Client, fromHead, toHead bool, deadline int64) {
	q, ok := c.listForWrite(c.Argv[1])
	if !ok {
		return
	}
	if q != nil {
		lmoveGenericCommand(c, fromHead, toHead)
		return
	}
	if c.denyBlocking() {
		c.Null()
		return
	}
	c.srv.blockForKeys(c, c.Argv[1:2], "list", deadline)
}

// lmpopGenericCommand is LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT n]
// (numkeys at argv[1]) and BLMPOP timeout numkeys ... (numkeys at argv[2]).
func lmpopGenericCommand(c *Client, numkeysIdx int, block bool) {
	numkeys, ok := argLongInRange(c, numkeysIdx, 1, 1<<63-1, "ERR numkeys should be greater than 0")
	if !ok {
		return
	}
	if numkeys >= int64(len(c.Argv)) {
		c.Error(ErrSyntax)
		return
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	if whereIdx >= len(c.Argv) {
		c.Error(ErrSyntax)
		return
	}
	head, ok := listPositionArg(c, whereIdx)
	if !ok {
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(c.Argv); j++ {
		if count == -1 && c.ArgIs(j, "count") && j < len(c.Argv)-1 {
			j++
			if count, ok = argLongInRange(c, j, 1, 1<<63-1, "ERR count should be greater than 0"); !ok {
				return
			}
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.Argv[numkeysIdx+1 : whereIdx]
	if block {
		blockingPopGenericCommand(c, keys, head, 1, count)
		return
	}
	for _, key := range keys {
		q, ok := c.listForWrite(key)
		if !ok {
			return
		}
		if q == nil || q.Len() == 0 {
			continue
		}
		listPopRangeAndReplyWithKey(c, q, key, head, count)
		return
	}
	c.NullArray()
}

// listPopRangeAndReplyWithKey pops up to count elements for [B]LMPOP,
// replying [key, [elements]], and rewrites the command as [LR]POP key n.
func listPopRangeAndReplyWithKey(c *Client, q *List, key []byte, head bool, count int64) {
	c.ArrayLen(2)
	c.Bulk(key)
	n := popRange(c, q, head, count)
	listElementsRemoved(c, key, head, q, n)
	c.RewriteArgv(popArg(head), key, FormatInt(int64(n)))
}

func popArg(head bool) []byte {
	if head {
		return argLPOP
	}
	return argRPOP
}

// blockingPopGenericCommand is BLPOP, BRPOP and BLMPOP: pop from the first
// non-empty list of keys, or block. count -1 is the single-element form.
func blockingPopGenericCommand(c *Client, keys [][]byte, head bool, timeoutIdx int, count int64) {
	deadline, ok := c.blockTimeoutArg(timeoutIdx)
	if !ok {
		return
	}
	for _, key := range c.keysToServe(keys) {
		q, ok := c.listForWrite(key)
		if !ok {
			return
		}
		if q == nil || q.Len() == 0 {
			continue
		}
		if count != -1 {
			listPopRangeAndReplyWithKey(c, q, key, head, count)
			return
		}
		c.ArrayLen(2)
		c.Bulk(key)
		s, n, isInt, _ := q.End(head)
		replyEntry(c, s, n, isInt)
		q.DeleteEnd(head)
		listElementsRemoved(c, key, head, q, 1)
		c.RewriteArgv(popArg(head), key)
		return
	}
	if c.denyBlocking() {
		c.NullArray()
		return
	}
	c.srv.blockForKeys(c, keys, "list", deadline)
}
