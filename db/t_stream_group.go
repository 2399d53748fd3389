package db

// Stream consumer groups, as Redis 7.0's t_stream.c: XGROUP, XREADGROUP's
// side (the PEL, consumers, the group's last ID and entries_read), XACK,
// XPENDING.
//
// XREADGROUP is not propagated itself: each entry it hands out goes to
// replicas and the AOF as an idempotent XCLAIM ... FORCE JUSTID LASTID, a
// NOACK read as XGROUP SETID ... ENTRIESREAD, and a consumer it creates
// under NOACK as XGROUP CREATECONSUMER (streamPropagateXCLAIM and
// friends).

import (
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/stream"
)

func init() {
	register("xgroup|create", xgroupCreateCommand)
	register("xgroup|setid", xgroupSetidCommand)
	register("xgroup|destroy", xgroupDestroyCommand)
	register("xgroup|createconsumer", xgroupCreateConsumerCommand)
	register("xgroup|delconsumer", xgroupDelConsumerCommand)
	register("xgroup|help", xgroupHelpCommand)
	register("xreadgroup", xreadCommand)
	register("xack", xackCommand)
	register("xpending", xpendingCommand)
}

// lookupOrCreateConsumer finds the consumer of XREADGROUP, refreshing its
// seen time, or creates it (dirty, notified, and propagated under NOACK).
func lookupOrCreateConsumer(c *Client, s *Stream, g *stream.Group, key, groupName, name []byte, noack bool) *stream.Consumer {
	srv := c.srv
	if cons := g.LookupConsumer(name); cons != nil {
		cons.SeenTime = srv.Now()
		return cons
	}
	cons := g.CreateConsumer(string(name), srv.Now())
	srv.Dirty++
	srv.notifyKeyspaceEvent(NotifyStream, "xgroup-createconsumer", key, c.DB.ID)
	if noack {
		srv.AlsoPropagate(c.DB.ID, [][]byte{[]byte("XGROUP"), []byte("CREATECONSUMER"), key, groupName, name})
	}
	return cons
}

// replyGroupRange is streamReplyWithRange with a group: it serves the
// entries after start, moves the group's last ID, and adds each entry to
// the PELs (propagated as XCLAIM) unless noack.
func replyGroupRange(c *Client, s *Stream, key, groupName []byte, g *stream.Group, cons *stream.Consumer, start stream.ID, count int64, noack bool) {
	srv := c.srv
	d := c.Defer()
	n := int64(0)
	propagateLastID := false
	now := srv.Now()
	var prop *xclaimProp
	if !noack && srv.propagating() {
		prop = new(xclaimProp)
	}
	w := s.Walk(start, stream.MaxID, false)
	for count <= 0 || n < count {
		e := w.Next()
		if e == nil {
			break
		}
		id := e.ID
		if id.Compare(g.LastID) > 0 {
			if g.EntriesRead != stream.InvalidEntriesRead && !s.RangeHasTombstones(id, stream.MaxID) {
				g.EntriesRead++
			} else if s.EntriesAdded != 0 {
				g.EntriesRead = s.EstimateDistanceFromFirstEverEntry(id)
			}
			g.LastID = id
			if noack {
				propagateLastID = true
			}
		}
		replyStreamEntry(c, e)
		n++
		if noack {
			continue
		}
		nack := &stream.NACK{Consumer: cons, DeliveryTime: now, DeliveryCount: 1}
		if !g.PEL.Insert(id, nack) {
			nack = g.PEL.Find(id)
			nack.Consumer.PEL.Remove(id)
			nack.Consumer = cons
			nack.DeliveryTime = now
			nack.DeliveryCount = 1
		}
		cons.PEL.Insert(id, nack)
		if prop != nil {
			prop.propagate(c, key, groupName, g.LastID, id, nack)
		}
	}
	c.SetArrayLen(d, int(n))
	if propagateLastID {
		propagateGroupID(c, key, groupName, g)
	}
}

// The constant arguments of the commands streams propagate; never changed.
var (
	argXclaim     = []byte("XCLAIM")
	argZero       = []byte("0")
	argTime       = []byte("TIME")
	argRetrycount = []byte("RETRYCOUNT")
	argForce      = []byte("FORCE")
	argJustid     = []byte("JUSTID")
	argLastid     = []byte("LASTID")
)

// propagateXclaim is streamPropagateXCLAIM.
func propagateXclaim(c *Client, key, groupName []byte, lastID, id stream.ID, nack *stream.NACK) {
	if !c.srv.propagating() {
		return // before x, which goes to the heap
	}
	var x xclaimProp
	x.propagate(c, key, groupName, lastID, id, nack)
}

// xclaimProp builds the XCLAIMs that propagate claims. XREADGROUP
// propagates one per entry it delivers: one xclaimProp serves them all,
// as AlsoPropagate copies what it keeps.
type xclaimProp struct {
	argv [14][]byte
	buf  [4 * 44]byte
	// the name of the consumer of the last one, as bytes
	cons *stream.Consumer
	name []byte
}

func (x *xclaimProp) propagate(c *Client, key, groupName []byte, lastID, id stream.ID, nack *stream.NACK) {
	b := x.buf[:0]
	b = id.Append(b)
	idEnd := len(b)
	b = strconv.AppendInt(b, nack.DeliveryTime, 10)
	timeEnd := len(b)
	b = strconv.AppendUint(b, nack.DeliveryCount, 10)
	countEnd := len(b)
	b = lastID.Append(b)
	if x.cons != nack.Consumer {
		x.cons, x.name = nack.Consumer, []byte(nack.Consumer.Name)
	}
	x.argv = [...][]byte{
		argXclaim, key, groupName, x.name, argZero,
		b[:idEnd], argTime, b[idEnd:timeEnd], argRetrycount, b[timeEnd:countEnd],
		argForce, argJustid, argLastid, b[countEnd:],
	}
	c.srv.AlsoPropagate(c.DB.ID, x.argv[:])
}

// propagateGroupID is streamPropagateGroupID.
func propagateGroupID(c *Client, key, groupName []byte, g *stream.Group) {
	c.srv.AlsoPropagate(c.DB.ID, [][]byte{
		[]byte("XGROUP"), []byte("SETID"), key, groupName, g.LastID.Append(nil),
		[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10),
	})
}

// replyConsumerPEL is streamReplyWithRangeFromConsumerPEL: the consumer's
// own pending entries from start on; an entry deleted meanwhile is its ID
// and a null.
func replyConsumerPEL(c *Client, s *Stream, start stream.ID, cons *stream.Consumer, count int64) {
	d := c.Defer()
	n := int64(0)
	now := c.srv.Now()
	for it := cons.PEL.Seek(start); it.Valid() && (count <= 0 || n < count); it.Next() {
		id := it.ID()
		if s.Get(id, func(e *stream.Entry) { replyStreamEntry(c, e) }) {
			nack := it.NACK()
			nack.DeliveryTime = now
			nack.DeliveryCount++
		} else {
			c.ArrayLen(2)
			replyStreamID(c, id)
			c.NullArray()
		}
		n++
	}
	c.SetArrayLen(d, int(n))
}

// xgroupArgs are what xgroupLookup finds for an XGROUP subcommand.
type xgroupArgs struct {
	s           *Stream
	g           *stream.Group
	mkstream    bool
	entriesRead int64
}

// xgroupLookup is the common start of the XGROUP subcommands: the options
// after the ID (CREATE, SETID), the stream and the group. ok is false after
// an error reply.
func xgroupLookup(c *Client, sub string) (a xgroupArgs, ok bool) {
	a.entriesRead = stream.InvalidEntriesRead
	create, setid := sub == "create", sub == "setid"
	for i := 5; i < len(c.Argv); {
		switch {
		case create && c.ArgIs(i, "mkstream"):
			a.mkstream = true
			i++
		case (create || setid) && c.ArgIs(i, "entriesread") && i+1 < len(c.Argv):
			n, ok := c.IntArg(i + 1)
			if !ok {
				return a, false
			}
			if n < 0 && n != stream.InvalidEntriesRead {
				c.Error("ERR value for ENTRIESREAD must be positive or -1")
				return a, false
			}
			a.entriesRead = n
			i += 2
		default:
			replySubcommandSyntaxError(c)
			return a, false
		}
	}
	s, ok := lookupStreamWrite(c, c.Argv[2])
	if !ok {
		return a, false
	}
	a.s = s
	if !a.mkstream {
		if s == nil {
			c.Error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return a, false
		}
		a.g = s.LookupGroup(c.Argv[3])
		if a.g == nil && (setid || sub == "createconsumer" || sub == "delconsumer") {
			c.Error("NOGROUP No such consumer group '" + cString(c.Argv[3]) + "' for key name '" + cString(c.Argv[2]) + "'")
			return a, false
		}
	}
	return a, true
}

func xgroupCreateCommand(c *Client) {
	if len(c.Argv) > 8 {
		replySubcommandSyntaxError(c)
		return
	}
	a, ok := xgroupLookup(c, "create")
	if !ok {
		return
	}
	var id stream.ID
	if arg := c.Argv[4]; len(arg) == 1 && arg[0] == '$' {
		if a.s != nil {
			id = a.s.LastID
		}
	} else if id, ok = parseStreamID(c, arg, 0, true, nil); !ok {
		return
	}
	key := c.Argv[2]
	srv := c.srv
	if a.s == nil {
		a.s = NewStream()
		c.DB.Add(key, a.s)
		srv.signalModifiedKey(c.DB, key)
	}
	if a.s.CreateGroup(string(c.Argv[3]), id, a.entriesRead) == nil {
		c.Error("BUSYGROUP Consumer Group name already exists")
		return
	}
	c.OK()
	srv.Dirty++
	srv.notifyKeyspaceEvent(NotifyStream, "xgroup-create", key, c.DB.ID)
}

func xgroupSetidCommand(c *Client) {
	if len(c.Argv) != 5 && len(c.Argv) != 7 {
		replySubcommandSyntaxError(c)
		return
	}
	a, ok := xgroupLookup(c, "setid")
	if !ok {
		return
	}
	var id stream.ID
	if arg := c.Argv[4]; len(arg) == 1 && arg[0] == '$' {
		id = a.s.LastID
	} else if id, ok = parseStreamID(c, arg, 0, false, nil); !ok {
		return
	}
	a.g.LastID = id
	a.g.EntriesRead = a.entriesRead
	c.OK()
	c.srv.Dirty++
	c.srv.notifyKeyspaceEvent(NotifyStream, "xgroup-setid", c.Argv[2], c.DB.ID)
}

func xgroupDestroyCommand(c *Client) {
	a, ok := xgroupLookup(c, "destroy")
	if !ok {
		return
	}
	if a.g == nil {
		c.Int(0)
		return
	}
	a.s.DestroyGroup(c.Argv[3])
	c.Int(1)
	srv := c.srv
	srv.Dirty++
	srv.notifyKeyspaceEvent(NotifyStream, "xgroup-destroy", c.Argv[2], c.DB.ID)
	srv.signalKeyAsReady(c.DB, c.Argv[2]) // blocked readers of the group get -NOGROUP
}

func xgroupCreateConsumerCommand(c *Client) {
	a, ok := xgroupLookup(c, "createconsumer")
	if !ok {
		return
	}
	srv := c.srv
	if a.g.CreateConsumer(string(c.Argv[4]), srv.Now()) == nil {
		c.Int(0)
		return
	}
	srv.Dirty++
	srv.notifyKeyspaceEvent(NotifyStream, "xgroup-createconsumer", c.Argv[2], c.DB.ID)
	c.Int(1)
}

func xgroupDelConsumerCommand(c *Client) {
	a, ok := xgroupLookup(c, "delconsumer")
	if !ok {
		return
	}
	pending := 0
	if cons := a.g.LookupConsumer(c.Argv[4]); cons != nil {
		pending = a.g.DeleteConsumer(cons)
		c.srv.Dirty++
		c.srv.notifyKeyspaceEvent(NotifyStream, "xgroup-delconsumer", c.Argv[2], c.DB.ID)
	}
	c.Int(int64(pending))
}

func xgroupHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
	})
}

func xackCommand(c *Client) {
	s, ok := lookupStreamWrite(c, c.Argv[1])
	if !ok {
		return
	}
	var g *stream.Group
	if s != nil {
		g = s.LookupGroup(c.Argv[2])
	}
	if g == nil {
		c.Int(0)
		return
	}
	// All the IDs are parsed before any is acknowledged: one invalid
	// fails the command and changes nothing.
	var buf [16]stream.ID
	ids := buf[:0]
	for j := 3; j < len(c.Argv); j++ {
		id, ok := parseStreamID(c, c.Argv[j], 0, true, nil)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	acked := 0
	for _, id := range ids {
		if nack := g.PEL.Delete(id); nack != nil {
			nack.Consumer.PEL.Remove(id)
			acked++
			c.srv.Dirty++
		}
	}
	c.Int(int64(acked))
}

func xpendingCommand(c *Client) {
	argc := len(c.Argv)
	justInfo := argc == 3
	if argc != 3 && (argc < 6 || argc > 9) {
		c.Error(ErrSyntax)
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		startIdx := 3
		if c.ArgIs(3, "idle") {
			n, ok := c.IntArg(4)
			if !ok {
				return
			}
			minIdle = n
			if argc < 8 {
				c.Error(ErrSyntax)
				return
			}
			startIdx += 2
		}
		n, ok := c.IntArg(startIdx + 2)
		if !ok {
			return
		}
		count = max(n, 0)
		var ex bool
		if start, ex, ok = parseIntervalID(c, c.Argv[startIdx], 0); !ok {
			return
		}
		if ex {
			if start, ok = start.Incr(); !ok {
				c.Error("ERR invalid start ID for the interval")
				return
			}
		}
		if end, ex, ok = parseIntervalID(c, c.Argv[startIdx+1], ^uint64(0)); !ok {
			return
		}
		if ex {
			if end, ok = end.Decr(); !ok {
				c.Error("ERR invalid end ID for the interval")
				return
			}
		}
		if startIdx+3 < argc {
			consumerName = c.Argv[startIdx+3]
		}
	}
	s, ok := lookupStreamRead(c, c.Argv[1])
	if !ok {
		return
	}
	var g *stream.Group
	if s != nil {
		g = s.LookupGroup(c.Argv[2])
	}
	if g == nil {
		c.Error("NOGROUP No such key '" + cString(c.Argv[1]) + "' or consumer group '" + cString(c.Argv[2]) + "'")
		return
	}
	if justInfo {
		c.ArrayLen(4)
		c.Int(int64(g.PEL.Len()))
		if g.PEL.Len() == 0 {
			c.Null()
			c.Null()
			c.NullArray()
			return
		}
		replyStreamID(c, g.PEL.First())
		replyStreamID(c, g.PEL.Last())
		d, n := c.Defer(), 0
		for _, cons := range g.Consumers {
			if cons.PEL.Len() == 0 {
				continue
			}
			c.ArrayLen(2)
			c.BulkString(cons.Name)
			c.BulkInt(int64(cons.PEL.Len()))
			n++
		}
		c.SetArrayLen(d, n)
		return
	}
	pel := &g.PEL
	if consumerName != nil {
		cons := g.LookupConsumer(consumerName)
		if cons == nil {
			c.ArrayLen(0)
			return
		}
		pel = &cons.PEL
	}
	now := c.srv.Now()
	d, n := c.Defer(), 0
	for it := pel.Seek(start); count > 0 && it.Valid() && it.ID().Compare(end) <= 0; it.Next() {
		nack := it.NACK()
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		n++
		count--
		c.ArrayLen(4)
		replyStreamID(c, it.ID())
		c.BulkString(nack.Consumer.Name)
		c.Int(max(now-nack.DeliveryTime, 0))
		c.Int(int64(nack.DeliveryCount))
	}
	c.SetArrayLen(d, n)
}

func init() {
	register("xclaim", xclaimCommand)
	register("xautoclaim", xautoclaimCommand)
	register("xinfo|stream", xinfoStreamCommand)
	register("xinfo|groups", xinfoGroupsCommand)
	register("xinfo|consumers", xinfoConsumersCommand)
	register("xinfo|help", xinfoHelpCommand)
}

// lookupGroupOrReply finds the stream at argv[1] and its group argv[2],
// replying NOGROUP (or WRONGTYPE) when either is missing.
func lookupGroupOrReply(c *Client) (*Stream, *stream.Group, bool) {
	s, ok := lookupStreamWrite(c, c.Argv[1])
	if !ok {
		return nil, nil, false
	}
	var g *stream.Group
	if s != nil {
		g = s.LookupGroup(c.Argv[2])
	}
	if g == nil {
		c.Error("NOGROUP No such key '" + cString(c.Argv[1]) + "' or consumer group '" + cString(c.Argv[2]) + "'")
		return nil, nil, false
	}
	return s, g, true
}

// claimConsumer returns the consumer a claim goes to, created on first
// use (streamLookupConsumer / streamCreateConsumer).
func claimConsumer(c *Client, g *stream.Group, cons **stream.Consumer) *stream.Consumer {
	if *cons == nil {
		name := c.Argv[3]
		if *cons = g.LookupConsumer(name); *cons != nil {
			(*cons).SeenTime = c.srv.Now()
		} else {
			*cons = g.CreateConsumer(string(name), c.srv.Now())
			c.srv.Dirty++
			c.srv.notifyKeyspaceEvent(NotifyStream, "xgroup-createconsumer", c.Argv[1], c.DB.ID)
		}
	}
	return *cons
}

// moveNACK gives the pending entry id to cons.
func moveNACK(id stream.ID, nack *stream.NACK, cons *stream.Consumer) {
	if nack.Consumer != cons {
		if nack.Consumer != nil {
			nack.Consumer.PEL.Remove(id)
		}
		cons.PEL.Insert(id, nack)
		nack.Consumer = cons
	}
}

// dropDeletedNACK removes the pending entry of an entry no longer in the
// stream, propagating it as an XCLAIM (which does the same on replicas).
func dropDeletedNACK(c *Client, g *stream.Group, id stream.ID, nack *stream.NACK) {
	propagateXclaim(c, c.Argv[1], c.Argv[2], g.LastID, id, nack)
	c.srv.Dirty++
	g.PEL.Remove(id)
	nack.Consumer.PEL.Remove(id)
}

func xclaimCommand(c *Client) {
	s, g, ok := lookupGroupOrReply(c)
	if !ok {
		return
	}
	minIdle, ok := ParseInt(c.Argv[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	var ids []stream.ID
	for ; j < len(c.Argv); j++ {
		id, ok := parseStreamID(nil, c.Argv[j], 0, true, nil)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.srv.Now()
	deliveryTime, retryCount := int64(-1), int64(-1)
	force, justID := false, false
	var lastID stream.ID
	for ; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch {
		case c.ArgIs(j, "force"):
			force = true
		case c.ArgIs(j, "justid"):
			justID = true
		case c.ArgIs(j, "idle") && more > 0:
			j++
			n, ok := ParseInt(c.Argv[j])
			if !ok {
				c.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - n
		case c.ArgIs(j, "time") && more > 0:
			j++
			n, ok := ParseInt(c.Argv[j])
			if !ok {
				c.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case c.ArgIs(j, "retrycount") && more > 0:
			j++
			n, ok := ParseInt(c.Argv[j])
			if !ok {
				c.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case c.ArgIs(j, "lastid") && more > 0:
			j++
			id, ok := parseStreamID(c, c.Argv[j], 0, true, nil)
			if !ok {
				return
			}
			lastID = id
		default:
			c.Error("ERR Unrecognized XCLAIM option '" + cString(c.Argv[j]) + "'")
			return
		}
	}
	propagateLastID := false
	if lastID.Compare(g.LastID) > 0 {
		g.LastID = lastID
		propagateLastID = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	c.preventPropagate = true
	var cons *stream.Consumer
	d, n := c.Defer(), 0
	for _, id := range ids {
		nack := g.PEL.Find(id)
		if !s.Exists(id) {
			if nack != nil {
				dropDeletedNACK(c, g, id, nack)
				propagateLastID = false
			}
			continue
		}
		if force && nack == nil {
			nack = &stream.NACK{DeliveryTime: now, DeliveryCount: 1} // streamCreateNACK
			g.PEL.Insert(id, nack)
		}
		if nack == nil {
			continue
		}
		if nack.Consumer != nil && minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		to := claimConsumer(c, g, &cons)
		if nack.Consumer != to && nack.Consumer != nil {
			nack.Consumer.PEL.Remove(id)
		}
		nack.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.DeliveryCount = uint64(retryCount)
		} else if !justID {
			nack.DeliveryCount++
		}
		if nack.Consumer != to {
			to.PEL.Insert(id, nack)
			nack.Consumer = to
		}
		if justID {
			replyStreamID(c, id)
		} else {
			s.Get(id, func(e *stream.Entry) { replyStreamEntry(c, e) })
		}
		n++
		propagateXclaim(c, c.Argv[1], c.Argv[2], g.LastID, id, nack)
		propagateLastID = false
		c.srv.Dirty++
	}
	if propagateLastID {
		propagateGroupID(c, c.Argv[1], c.Argv[2], g)
		c.srv.Dirty++
	}
	c.SetArrayLen(d, n)
}

func xautoclaimCommand(c *Client) {
	minIdle, ok := ParseInt(c.Argv[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := parseIntervalID(c, c.Argv[5], 0)
	if !ok {
		return
	}
	if ex {
		if start, ok = start.Incr(); !ok {
			c.Error("ERR invalid start ID for the interval")
			return
		}
	}
	count, justID := int64(100), false
	for j := 6; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch {
		case c.ArgIs(j, "count") && more > 0:
			n, ok := argLongInRange(c, j+1, 1, math.MaxInt64/16, "ERR COUNT must be > 0")
			if !ok {
				return
			}
			count = n
			j++
		case c.ArgIs(j, "justid"):
			justID = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	s, g, ok := lookupGroupOrReply(c)
	if !ok {
		return
	}
	c.preventPropagate = true
	attempts := count * 10
	now := c.srv.Now()
	var cons *stream.Consumer
	var deleted []stream.ID
	c.ArrayLen(3)
	endPos := c.Defer()
	d, n := c.Defer(), 0
	it := g.PEL.Seek(start)
	for attempts > 0 && count > 0 && it.Valid() {
		attempts--
		id, nack := it.ID(), it.NACK()
		if !s.Exists(id) {
			dropDeletedNACK(c, g, id, nack)
			deleted = append(deleted, id)
			count--
			it = g.PEL.Seek(id) // the entry after the one removed
			continue
		}
		it.Next()
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		to := claimConsumer(c, g, &cons)
		nack.DeliveryTime = now
		if !justID {
			nack.DeliveryCount++
		}
		moveNACK(id, nack, to)
		if justID {
			replyStreamID(c, id)
		} else {
			s.Get(id, func(e *stream.Entry) { replyStreamEntry(c, e) })
		}
		n++
		count--
		propagateXclaim(c, c.Argv[1], c.Argv[2], g.LastID, id, nack)
		c.srv.Dirty++
	}
	c.SetArrayLen(d, n)
	var end stream.ID
	if it.Valid() {
		end = it.ID()
	}
	// The cursor goes before the claimed entries.
	tail := append([]byte(nil), c.Buf[int(endPos):]...)
	c.Buf = c.Buf[:int(endPos)]
	replyStreamID(c, end)
	c.Buf = append(c.Buf, tail...)
	c.ArrayLen(len(deleted))
	for _, id := range deleted {
		replyStreamID(c, id)
	}
}

// replyGroupLag is streamReplyWithCGLag: the entries the group has yet to
// read, or null when the tombstones make it unknown.
func replyGroupLag(c *Client, s *Stream, g *stream.Group) {
	switch {
	case s.EntriesAdded == 0:
		c.Int(0)
	case g.EntriesRead != stream.InvalidEntriesRead && !s.RangeHasTombstones(g.LastID, stream.MaxID):
		c.Int(int64(s.EntriesAdded) - g.EntriesRead)
	default:
		if read := s.EstimateDistanceFromFirstEverEntry(g.LastID); read != stream.InvalidEntriesRead {
			c.Int(int64(s.EntriesAdded) - read)
		} else {
			c.Null()
		}
	}
}

func replyEntriesRead(c *Client, g *stream.Group) {
	if g.EntriesRead != stream.InvalidEntriesRead {
		c.Int(g.EntriesRead)
	} else {
		c.Null()
	}
}

// lookupXinfoStream is XINFO's lookup: ERR no such key when missing.
func lookupXinfoStream(c *Client) (*Stream, bool) {
	s, ok := lookupStreamRead(c, c.Argv[2])
	if ok && s == nil {
		c.Error(ErrNoSuchKey)
		return nil, false
	}
	return s, ok
}

func xinfoConsumersCommand(c *Client) {
	s, ok := lookupXinfoStream(c)
	if !ok {
		return
	}
	g := s.LookupGroup(c.Argv[3])
	if g == nil {
		c.Error("NOGROUP No such consumer group '" + cString(c.Argv[3]) + "' for key name '" + cString(c.Argv[2]) + "'")
		return
	}
	now := c.srv.Now()
	c.ArrayLen(len(g.Consumers))
	for _, cons := range g.Consumers {
		c.MapLen(3)
		c.BulkString("name")
		c.BulkString(cons.Name)
		c.BulkString("pending")
		c.Int(int64(cons.PEL.Len()))
		c.BulkString("idle")
		c.Int(max(now-cons.SeenTime, 0))
	}
}

func xinfoGroupsCommand(c *Client) {
	s, ok := lookupXinfoStream(c)
	if !ok {
		return
	}
	c.ArrayLen(len(s.Groups))
	for _, g := range s.Groups {
		c.MapLen(6)
		c.BulkString("name")
		c.BulkString(g.Name)
		c.BulkString("consumers")
		c.Int(int64(len(g.Consumers)))
		c.BulkString("pending")
		c.Int(int64(g.PEL.Len()))
		c.BulkString("last-delivered-id")
		replyStreamID(c, g.LastID)
		c.BulkString("entries-read")
		replyEntriesRead(c, g)
		c.BulkString("lag")
		replyGroupLag(c, s, g)
	}
}

func xinfoStreamCommand(c *Client) {
	full, count := false, int64(10)
	switch opts := len(c.Argv) - 3; {
	case opts == 0:
	case opts != 1 && opts != 3 || !c.ArgIs(3, "full") || opts == 3 && !c.ArgIs(4, "count"):
		replySubcommandSyntaxError(c)
		return
	default:
		full = true
		if opts == 3 {
			n, ok := c.IntArg(5)
			if !ok {
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	s, ok := lookupXinfoStream(c)
	if !ok {
		return
	}
	if full {
		c.MapLen(9)
	} else {
		c.MapLen(10)
	}
	c.BulkString("length")
	c.Int(int64(s.Length))
	c.BulkString("radix-tree-keys")
	c.Int(int64(len(s.Nodes)))
	c.BulkString("radix-tree-nodes")
	c.Int(int64(s.RaxNodes()))
	c.BulkString("last-generated-id")
	replyStreamID(c, s.LastID)
	c.BulkString("max-deleted-entry-id")
	replyStreamID(c, s.MaxDeletedID)
	c.BulkString("entries-added")
	c.Int(int64(s.EntriesAdded))
	c.BulkString("recorded-first-entry-id")
	replyStreamID(c, s.FirstID)
	if !full {
		c.BulkString("groups")
		c.Int(int64(len(s.Groups)))
		for _, rev := range []bool{false, true} {
			if rev {
				c.BulkString("last-entry")
			} else {
				c.BulkString("first-entry")
			}
			found := false
			s.Range(stream.ID{}, stream.MaxID, rev, false, func(e *stream.Entry) bool {
				replyStreamEntry(c, e)
				found = true
				return false
			})
			if !found {
				c.Null()
			}
		}
		return
	}
	c.BulkString("entries")
	replyStreamRange(c, s, stream.ID{}, stream.MaxID, count, false)
	c.BulkString("groups")
	c.ArrayLen(len(s.Groups))
	for _, g := range s.Groups {
		c.MapLen(7)
		c.BulkString("name")
		c.BulkString(g.Name)
		c.BulkString("last-delivered-id")
		replyStreamID(c, g.LastID)
		c.BulkString("entries-read")
		replyEntriesRead(c, g)
		c.BulkString("lag")
		replyGroupLag(c, s, g)
		c.BulkString("pel-count")
		c.Int(int64(g.PEL.Len()))
		c.BulkString("pending")
		n := min(int64(g.PEL.Len()), count)
		if count == 0 {
			n = int64(g.PEL.Len())
		}
		c.ArrayLen(int(n))
		it := g.PEL.Iter()
		for range int(n) {
			nack := it.NACK()
			c.ArrayLen(4)
			replyStreamID(c, it.ID())
			it.Next()
			c.BulkString(nack.Consumer.Name)
			c.Int(nack.DeliveryTime)
			c.Int(int64(nack.DeliveryCount))
		}
		c.BulkString("consumers")
		c.ArrayLen(len(g.Consumers))
		for _, cons := range g.Consumers {
			c.MapLen(4)
			c.BulkString("name")
			c.BulkString(cons.Name)
			c.BulkString("seen-time")
			c.Int(cons.SeenTime)
			c.BulkString("pel-count")
			c.Int(int64(cons.PEL.Len()))
			c.BulkString("pending")
			n := min(int64(cons.PEL.Len()), count)
			if count == 0 {
				n = int64(cons.PEL.Len())
			}
			c.ArrayLen(int(n))
			it := cons.PEL.Iter()
			for range int(n) {
				nack := it.NACK()
				c.ArrayLen(3)
				replyStreamID(c, it.ID())
				it.Next()
				c.Int(nack.DeliveryTime)
				c.Int(int64(nack.DeliveryCount))
			}
		}
	}
}

func xinfoHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
	})
}
