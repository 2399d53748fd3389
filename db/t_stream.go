package db

// Stream commands without consumer groups, as Redis 7.0's t_stream.c:
// XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XREAD, XSETID. The value is
// internal/stream's, wrapped in *Stream for the keyspace (Object, copy on
// write). Consumer groups are in t_stream_group.go.
//
// Propagation follows Redis: XADD with an automatic ID propagates the ID
// it generated, and approximate trimming (~) propagates its exact effect
// as MAXLEN = <length after> or MINID = <first ID after>.
//
// A blocked XREAD runs again when an XADD signals its key (see
// blocking.go); "$" was resolved to the last ID when it blocked and is
// rewritten in the blocked copy of the arguments, so the rerun reads what
// arrived since.

import (
	"math"
	"slices"
	"strconv"

	"github.com/redis-go/redis-server/internal/stream"
)

func init() {
	register("xadd", xaddCommand)
	register("xrange", xrangeCommand)
	register("xrevrange", xrevrangeCommand)
	register("xlen", xlenCommand)
	register("xdel", xdelCommand)
	register("xtrim", xtrimCommand)
	register("xread", xreadCommand)
	register("xsetid", xsetidCommand)
}

// Error replies of the stream commands.
const (
	errInvalidStreamID = "ERR Invalid stream ID specified as stream command argument"
	errStreamTooLarge  = "ERR Elements are too large to be stored"
)

// Stream is a stream value in the keyspace.
type Stream struct {
	*stream.Stream
	epoch uint32 // see cowObject
	counted
}

// NewStream returns an empty stream.
func NewStream() *Stream { return &Stream{Stream: stream.New()} }

// WrapStream returns the keyspace value for s (the RDB loader's).
func WrapStream(s *stream.Stream) *Stream { return &Stream{Stream: s} }

// Type implements Object.
func (s *Stream) Type() string { return "stream" }

// Encoding implements Object.
func (s *Stream) Encoding() string { return "stream" }

// Clone implements Object.
func (s *Stream) Clone() Object { return &Stream{Stream: s.Stream.Clone()} }

func (s *Stream) cowEpoch() uint32     { return s.epoch }
func (s *Stream) setCOWEpoch(e uint32) { s.epoch = e }

// detach shares the node listpacks, each copied on its first change.
func (s *Stream) detach(cow *COW) Object {
	return &Stream{Stream: s.Stream.Detach(), counted: s.counted}
}

// memSize is objectComputeSize for a stream counting every node
// (MEMORY USAGE ... SAMPLES 0): the robj, the stream struct, the radix
// tree as streamRadixTreeMemoryUsage estimates it, the listpacks'
// allocations, and the groups with their PELs and consumers.
func (s *Stream) memSize() int { return s.sampledSize(len(s.Nodes)) }

// sampledSize is objectComputeSize with samples: the first samples
// listpacks stand for all but the last.
func (s *Stream) sampledSize(samples int) int {
	size := robjSize + 80 + raxMemory(len(s.Nodes), s.RaxNodes())
	n := len(s.Nodes)
	lpsize, k := 0, 0
	for ; k < samples && k < n; k++ {
		lpsize += s.Nodes[k].Alloc()
	}
	if n <= k {
		size += lpsize
	} else {
		if k > 0 {
			lpsize /= k
		}
		size += lpsize*(n-1) + s.Nodes[n-1].Alloc()
	}
	for _, g := range s.Groups {
		size += 40 + raxMemory(g.PEL.Len(), stream.RaxNodesOf(g.PEL.IDs())) + 24*g.PEL.Len()
		for _, c := range g.Consumers {
			size += 24 + len(c.Name) + raxMemory(c.PEL.Len(), stream.RaxNodesOf(c.PEL.IDs()))
		}
	}
	return size
}

// raxMemory is streamRadixTreeMemoryUsage: 16 bytes a key, a 4-byte
// header and 30 words a node.
func raxMemory(keys, nodes int) int { return keys*16 + nodes*(4+8*30) }

// allocSize is what the stream is charged in used_memory: memSize's
// parts in O(groups), the listpacks estimated from the first and last.
func (s *Stream) allocSize() int {
	n := len(s.Nodes)
	size := robjSize + 80 + raxMemory(n, 2*n)
	if n > 0 {
		size += s.Nodes[0].Alloc()*(n-1) + s.Nodes[n-1].Alloc()
	}
	for _, g := range s.Groups {
		size += 40 + 300*g.PEL.Len()
		for _, c := range g.Consumers {
			size += 24 + len(c.Name) + 300*c.PEL.Len()
		}
	}
	return size
}

// loadStreamLimits reads the node limits of the configuration.
func (srv *Server) loadStreamLimits() {
	srv.streamNode = stream.Limits{
		MaxBytes:   srv.Config.Int("stream-node-max-bytes"),
		MaxEntries: srv.Config.Int("stream-node-max-entries"),
	}
}

// parseStreamID parses a stream ID argument as
// streamGenericParseIDOrReply: "-" and "+" unless strict, "<ms>" (the
// sequence then missingSeq), "<ms>-<seq>", and "<ms>-*" when seqGiven is
// not nil (which then says whether the sequence was given). It replies
// with the error when c is not nil.
func parseStreamID(c *Client, b []byte, missingSeq uint64, strict bool, seqGiven *bool) (stream.ID, bool) {
	invalid := func() (stream.ID, bool) {
		if c != nil {
			c.Error(errInvalidStreamID)
		}
		return stream.ID{}, false
	}
	if len(b) > 127 {
		return invalid()
	}
	if strict && len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		return invalid()
	}
	if seqGiven != nil {
		*seqGiven = true
	}
	if len(b) == 1 && b[0] == '-' {
		return stream.ID{}, true
	}
	if len(b) == 1 && b[0] == '+' {
		return stream.MaxID, true
	}
	if seqGiven != nil && len(b) >= 2 && b[len(b)-1] == '*' && b[len(b)-2] == '-' {
		if i := indexByte(b, '-'); i == len(b)-2 {
			id, ok := stream.ParseID(b[:len(b)-2], 0)
			if !ok {
				return invalid()
			}
			*seqGiven = false
			return id, true
		}
	}
	id, ok := stream.ParseID(b, missingSeq)
	if !ok {
		return invalid()
	}
	return id, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// parseIntervalID parses a range bound: "(" makes it exclusive (strict).
func parseIntervalID(c *Client, b []byte, missingSeq uint64) (id stream.ID, exclude, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, ok = parseStreamID(c, b[1:], missingSeq, true, nil)
		return id, true, ok
	}
	id, ok = parseStreamID(c, b, missingSeq, false, nil)
	return id, false, ok
}

// replyStreamID replies with an ID as a bulk string.
func replyStreamID(c *Client, id stream.ID) {
	var buf [44]byte
	c.Bulk(id.Append(buf[:0]))
}

func replyStreamValue(c *Client, v stream.Value) {
	if v.IsInt {
		c.BulkInt(v.N)
	} else {
		c.Bulk(v.S)
	}
}

// replyStreamEntry replies with [id, [field, value, ...]].
func replyStreamEntry(c *Client, e *stream.Entry) {
	c.ArrayLen(2)
	replyStreamID(c, e.ID)
	c.ArrayLen(2 * e.NumFields())
	e.Fields(func(f, v stream.Value) {
		replyStreamValue(c, f)
		replyStreamValue(c, v)
	})
}

// lookupStreamRead returns the stream at key, nil if missing; ok is false
// (after the error reply) for a key of another type.
func lookupStreamRead(c *Client, key []byte) (*Stream, bool) {
	switch v := c.DB.LookupRead(key).(type) {
	case nil:
		return nil, true
	case *Stream:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

func lookupStreamWrite(c *Client, key []byte) (*Stream, bool) {
	switch v := c.DB.LookupWrite(key).(type) {
	case nil:
		return nil, true
	case *Stream:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// trimArgs are XADD's and XTRIM's options (streamAddTrimArgs).
type trimArgs struct {
	stream.TrimArgs
	argIdx     int // index of the MAXLEN/MINID argument, for rewriting
	id         stream.ID
	idGiven    bool
	seqGiven   bool
	noMkstream bool
}

// parseAddTrimArgs is streamParseAddOrTrimArgsOrReply: it returns the
// index of XADD's ID argument, or -1 after an error reply.
func parseAddTrimArgs(c *Client, a *trimArgs, xadd bool) int {
	limitGiven := false
	i := 2
	for ; i < len(c.Argv); i++ {
		more := len(c.Argv) - 1 - i
		opt := c.Argv[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			goto done
		case (c.ArgIs(i, "maxlen") || c.ArgIs(i, "minid")) && more > 0:
			if a.Strategy != stream.TrimNone {
				c.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return -1
			}
			maxlen := c.ArgIs(i, "maxlen")
			a.Approx = false
			next := c.Argv[i+1]
			if more >= 2 && len(next) == 1 && next[0] == '~' {
				a.Approx = true
				i++
			} else if more >= 2 && len(next) == 1 && next[0] == '=' {
				i++
			}
			if maxlen {
				n, ok := c.IntArg(i + 1)
				if !ok {
					return -1
				}
				if n < 0 {
					c.Error("ERR The MAXLEN argument must be >= 0.")
					return -1
				}
				a.MaxLen = n
				a.Strategy = stream.TrimMaxLen
			} else {
				id, ok := parseStreamID(c, c.Argv[i+1], 0, true, nil)
				if !ok {
					return -1
				}
				a.MinID = id
				a.Strategy = stream.TrimMinID
			}
			i++
			a.argIdx = i
		case c.ArgIs(i, "limit") && more > 0:
			n, ok := c.IntArg(i + 1)
			if !ok {
				return -1
			}
			if n < 0 {
				c.Error("ERR The LIMIT argument must be >= 0.")
				return -1
			}
			a.Limit = n
			limitGiven = true
			i++
		case xadd && c.ArgIs(i, "nomkstream"):
			a.noMkstream = true
		case xadd:
			id, ok := parseStreamID(c, opt, 0, true, &a.seqGiven)
			if !ok {
				return -1
			}
			a.id, a.idGiven = id, true
			goto done
		default:
			c.Error(ErrSyntax)
			return -1
		}
	}
done:
	if a.Limit != 0 && a.Strategy == stream.TrimNone {
		c.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return -1
	}
	if !xadd && a.Strategy == stream.TrimNone {
		c.Error("ERR syntax error, XTRIM must be called with a trimming strategy")
		return -1
	}
	if c.Flags&(ClientMaster|ClientAOF) != 0 {
		a.Limit = 0
	} else if limitGiven {
		if !a.Approx {
			c.Error("ERR syntax error, LIMIT cannot be used without the special ~ option")
			return -1
		}
	} else if a.Approx {
		a.Limit = 100 * c.srv.streamNode.MaxEntries
		if a.Limit <= 0 {
			a.Limit = 10000
		}
		if a.Limit > 1000000 {
			a.Limit = 1000000
		}
	} else {
		a.Limit = 0
	}
	return i
}

// rewriteTrimArgs makes approximate trimming propagate its exact effect
// (streamRewriteApproxSpecifier, streamRewriteTrimArgument).
func rewriteTrimArgs(c *Client, s *Stream, a *trimArgs) {
	argv := ownedArgv(c)
	argv[a.argIdx-1] = []byte("=")
	if a.Strategy == stream.TrimMaxLen {
		argv[a.argIdx] = strconv.AppendUint(nil, s.Length, 10)
	} else {
		argv[a.argIdx] = s.EdgeID(true, false).Append(nil)
	}
	c.RewriteArgv(argv...)
}

// ownedArgv returns a copy of the arguments that the command may rewrite.
func ownedArgv(c *Client) [][]byte { return copyArgv(c.Argv) }

func xaddCommand(c *Client) {
	var a trimArgs
	idpos := parseAddTrimArgs(c, &a, true)
	if idpos < 0 {
		return
	}
	fieldPos := idpos + 1
	if n := len(c.Argv) - fieldPos; n < 2 || n%2 == 1 {
		c.ErrorArity()
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.Error("ERR The ID specified in XADD must be greater than 0-0")
		return
	}
	key := c.Argv[1]
	s, ok := lookupStreamWrite(c, key)
	if !ok {
		return
	}
	srv := c.srv
	if s == nil {
		if a.noMkstream {
			c.Null()
			return
		}
		s = NewStream()
		c.DB.Add(key, s)
	}
	if s.LastID == stream.MaxID {
		c.Error("ERR The stream has exhausted the last possible ID, unable to add more items")
		return
	}
	id, err := nextStreamID(srv, s, &a)
	if err == "" {
		total := 0
		for _, b := range c.Argv[fieldPos:] {
			total += len(b)
		}
		if total > stream.ListpackMaxSize {
			err = errStreamTooLarge
		}
	}
	if err != "" {
		c.Error(err)
		return
	}
	s.Append(id, c.Argv[fieldPos:], srv.streamNode)
	var buf [44]byte
	idBytes := id.Append(buf[:0])
	c.Bulk(idBytes)
	srv.signalModifiedKey(c.DB, key)
	srv.notifyKeyspaceEvent(NotifyStream, "xadd", key, c.DB.ID)
	srv.Dirty++
	if a.Strategy != stream.TrimNone {
		if s.Trim(&a.TrimArgs) > 0 {
			srv.notifyKeyspaceEvent(NotifyStream, "xtrim", key, c.DB.ID)
		}
		if a.Approx {
			rewriteTrimArgs(c, s, &a)
		}
	}
	if (!a.idGiven || !a.seqGiven) && srv.propagating() {
		// Replicas and the AOF get the generated ID (Redis's
		// rewriteClientCommandArgument); with neither, the command is
		// not propagated and keeps its arguments. The other arguments stay
		// borrowed, which is enough: the command is propagated before the
		// call returns. MONITOR shows the command as sent, from the argv
		// call() kept (callState.argv), so with a monitor attached the ID
		// goes in a new argv; otherwise into this command's own argv array
		// (the parser's, a queued MULTI command's, a script's): a copy per
		// XADD is garbage that shows in the RSS of a stream being filled.
		id := append([]byte(nil), idBytes...)
		if len(srv.monitors) > 0 {
			argv := slices.Clone(c.Argv)
			argv[idpos] = id
			c.RewriteArgv(argv...)
		} else {
			c.Argv[idpos] = id
		}
	}
	srv.signalKeyAsReady(c.DB, key)
}

// nextStreamID is the ID XADD adds, as streamAppendItem, or the error
// reply. "<ms>-*" when the sequence of ms is exhausted fails as Redis
// does there: with the message of its errno, which is not EDOM.
func nextStreamID(srv *Server, s *Stream, a *trimArgs) (stream.ID, string) {
	var id stream.ID
	switch {
	case a.idGiven && a.seqGiven:
		id = a.id
	case a.idGiven:
		if s.LastID.Ms == a.id.Ms {
			if s.LastID.Seq == math.MaxUint64 {
				return id, errStreamTooLarge
			}
			id = stream.ID{Ms: s.LastID.Ms, Seq: s.LastID.Seq + 1}
		} else {
			id = a.id
		}
	default:
		ms := uint64(srv.Now())
		if ms > s.LastID.Ms {
			id = stream.ID{Ms: ms}
		} else {
			id, _ = s.LastID.Incr()
		}
	}
	if id.Compare(s.LastID) <= 0 {
		return id, "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	}
	return id, ""
}

func xrangeCommand(c *Client)    { xrangeGeneric(c, false) }
func xrevrangeCommand(c *Client) { xrangeGeneric(c, true) }

func xrangeGeneric(c *Client, rev bool) {
	startArg, endArg := c.Argv[2], c.Argv[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, startEx, ok := parseIntervalID(c, startArg, 0)
	if !ok {
		return
	}
	if startEx {
		if start, ok = start.Incr(); !ok {
			c.Error("ERR invalid start ID for the interval")
			return
		}
	}
	end, endEx, ok := parseIntervalID(c, endArg, math.MaxUint64)
	if !ok {
		return
	}
	if endEx {
		if end, ok = end.Decr(); !ok {
			c.Error("ERR invalid end ID for the interval")
			return
		}
	}
	count := int64(-1)
	for j := 4; j < len(c.Argv); j++ {
		if c.ArgIs(j, "count") && j+1 < len(c.Argv) {
			n, ok := c.IntArg(j + 1)
			if !ok {
				return
			}
			count = max(n, 0)
			j++
		} else {
			c.Error(ErrSyntax)
			return
		}
	}
	s, ok := lookupStreamRead(c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.ArrayLen(0)
		return
	}
	if count == 0 {
		c.NullArray()
		return
	}
	replyStreamRange(c, s, start, end, count, rev)
}

// replyStreamRange replies with the entries in [start, end], at most
// count of them unless count <= 0.
func replyStreamRange(c *Client, s *Stream, start, end stream.ID, count int64, rev bool) {
	d := c.Defer()
	n := int64(0)
	if rev {
		s.Range(start, end, rev, false, func(e *stream.Entry) bool {
			replyStreamEntry(c, e)
			n++
			return count <= 0 || n < count
		})
	} else {
		w := s.Walk(start, end, false)
		for e := w.Next(); e != nil; e = w.Next() {
			replyStreamEntry(c, e)
			if n++; count > 0 && n >= count {
				break
			}
		}
	}
	c.SetArrayLen(d, int(n))
}

func xlenCommand(c *Client) {
	s, ok := lookupStreamRead(c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Int(0)
		return
	}
	c.Int(int64(s.Length))
}

func xdelCommand(c *Client) {
	key := c.Argv[1]
	s, ok := lookupStreamWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.Int(0)
		return
	}
	ids := make([]stream.ID, 0, len(c.Argv)-2)
	for j := 2; j < len(c.Argv); j++ {
		id, ok := parseStreamID(c, c.Argv[j], 0, true, nil)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted, firstEntry := 0, false
	for _, id := range ids {
		if !s.Delete(id) {
			continue
		}
		if id == s.FirstID {
			firstEntry = true
		}
		if id.Compare(s.MaxDeletedID) > 0 {
			s.MaxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.Length == 0 {
			s.FirstID = stream.ID{}
		} else if firstEntry {
			s.FirstID = s.EdgeID(true, true)
		}
		srv := c.srv
		srv.signalModifiedKey(c.DB, key)
		srv.notifyKeyspaceEvent(NotifyStream, "xdel", key, c.DB.ID)
		srv.Dirty += int64(deleted)
	}
	c.Int(int64(deleted))
}

func xtrimCommand(c *Client) {
	var a trimArgs
	if parseAddTrimArgs(c, &a, false) < 0 {
		return
	}
	key := c.Argv[1]
	s, ok := lookupStreamWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.Int(0)
		return
	}
	deleted := s.Trim(&a.TrimArgs)
	if deleted > 0 {
		srv := c.srv
		srv.notifyKeyspaceEvent(NotifyStream, "xtrim", key, c.DB.ID)
		if a.Approx {
			rewriteTrimArgs(c, s, &a)
		}
		srv.signalModifiedKey(c.DB, key)
		srv.Dirty += deleted
	}
	c.Int(deleted)
}

func xsetidCommand(c *Client) {
	id, ok := parseStreamID(c, c.Argv[2], 0, true, nil)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxXdel stream.ID
	for i := 3; i < len(c.Argv); i += 2 {
		more := len(c.Argv) - 1 - i
		switch {
		case c.ArgIs(i, "entriesadded") && more > 0:
			n, ok := c.IntArg(i + 1)
			if !ok {
				return
			}
			if n < 0 {
				c.Error("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case c.ArgIs(i, "maxdeletedid") && more > 0:
			m, ok := parseStreamID(c, c.Argv[i+1], 0, true, nil)
			if !ok {
				return
			}
			if id.Compare(m) < 0 {
				c.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxXdel = m
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key := c.Argv[1]
	s, ok := lookupStreamWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if s.Length > 0 {
		if id.Compare(s.LastValidID()) < 0 {
			c.Error("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.Length > uint64(entriesAdded) {
			c.Error("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxXdel.IsZero() {
		s.MaxDeletedID = maxXdel
	}
	c.OK()
	c.srv.Dirty++
	c.srv.notifyKeyspaceEvent(NotifyStream, "xsetid", key, c.DB.ID)
}

// xreadBlockedCount is XREAD_BLOCKED_DEFAULT_COUNT: a blocked reader
// without COUNT is served at most this many entries.
const xreadBlockedCount = 1000

// xreadCommand is XREAD and XREADGROUP.
func xreadCommand(c *Client) {
	timeout := int64(-1)
	count := int64(0)
	streamsArg, nstreams := 0, 0
	noack := false
	xreadgroup := len(c.Argv[0]) == 10
	var groupName, consumerName []byte
	for i := 1; i < len(c.Argv); i++ {
		more := len(c.Argv) - i - 1
		switch {
		case c.ArgIs(i, "block") && more > 0:
			if c.Flags&ClientScript != 0 {
				c.Error("ERR " + cString(c.Argv[0]) + " command is not allowed with BLOCK option from scripts")
				return
			}
			i++
			n, ok := ParseInt(c.Argv[i])
			if !ok {
				c.Error("ERR timeout is not an integer or out of range")
				return
			}
			if n < 0 {
				c.Error(ErrTimeoutNeg)
				return
			}
			if n > 0 {
				n += c.srv.Now()
			}
			timeout = n
		case c.ArgIs(i, "count") && more > 0:
			i++
			n, ok := c.IntArg(i)
			if !ok {
				return
			}
			count = max(n, 0)
		case c.ArgIs(i, "streams") && more > 0:
			streamsArg = i + 1
			nstreams = len(c.Argv) - streamsArg
			if nstreams%2 != 0 {
				c.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return
			}
			nstreams /= 2
			i = len(c.Argv)
		case c.ArgIs(i, "group") && more >= 2:
			if !xreadgroup {
				c.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			groupName, consumerName = c.Argv[i+1], c.Argv[i+2]
			i += 2
		case c.ArgIs(i, "noack"):
			if !xreadgroup {
				c.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			noack = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if streamsArg == 0 {
		c.Error(ErrSyntax)
		return
	}
	if xreadgroup && groupName == nil {
		c.Error("ERR Missing GROUP option for XREADGROUP")
		return
	}
	ids := make([]stream.ID, nstreams)
	var groups []*stream.Group
	if groupName != nil {
		groups = make([]*stream.Group, nstreams)
	}
	reprocessing := c.servedAfterBlocking()
	serve := c.keysToServe(c.Argv[streamsArg : streamsArg+nstreams])
	for j := range nstreams {
		key := c.Argv[streamsArg+j]
		arg := c.Argv[streamsArg+nstreams+j]
		if reprocessing && string(key) != string(serve[0]) {
			continue // served from the key that got ready alone
		}
		s, ok := lookupStreamRead(c, key)
		if !ok {
			return
		}
		if groupName != nil {
			var g *stream.Group
			if s != nil {
				g = s.LookupGroup(groupName)
			}
			if g == nil && reprocessing {
				c.Error("NOGROUP the consumer group this client was blocked on no longer exists")
				return
			}
			if g == nil {
				c.Error("NOGROUP No such key '" + cString(key) + "' or consumer group '" + cString(groupName) + "' in XREADGROUP with GROUP option")
				return
			}
			groups[j] = g
		}
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if xreadgroup {
				c.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if s != nil {
				ids[j] = s.LastID
			}
		case len(arg) == 1 && arg[0] == '>':
			if !xreadgroup {
				c.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			ids[j] = stream.MaxID
		default:
			id, ok := parseStreamID(c, arg, 0, true, nil)
			if !ok {
				return
			}
			ids[j] = id
		}
	}
	if xreadgroup {
		c.preventPropagate = true // the effects go out as XCLAIM / XGROUP
	}
	if reprocessing && count == 0 {
		count = xreadBlockedCount
	}
	d, served := c.Defer(), 0
	for j := range nstreams {
		key := c.Argv[streamsArg+j]
		if reprocessing && string(key) != string(serve[0]) {
			continue
		}
		v, _ := c.DB.LookupRead(key).(*Stream)
		if v == nil {
			continue
		}
		gt := ids[j]
		sync, history := false, false
		switch {
		case groups != nil && gt != stream.MaxID:
			sync, history = true, true
		case groups != nil:
			if reprocessing && v.LastID.Compare(groups[j].LastID) > 0 {
				sync = true
			} else if v.Length > 0 && v.LastValidID().Compare(groups[j].LastID) > 0 {
				sync = true
			}
			gt = groups[j].LastID
		case reprocessing:
			sync = v.LastID.Compare(gt) > 0
		case v.Length > 0:
			sync = v.LastValidID().Compare(gt) > 0
		}
		if !sync {
			continue
		}
		served++
		start, _ := gt.Incr()
		if c.Proto == 2 {
			c.ArrayLen(2)
		}
		c.Bulk(key)
		if groups == nil {
			replyStreamRange(c, v, start, stream.MaxID, count, false)
			continue
		}
		v = c.DB.LookupWrite(key).(*Stream) // detached if a snapshot shares it
		g := v.LookupGroup(groupName)
		cons := lookupOrCreateConsumer(c, v, g, key, groupName, consumerName, noack)
		if history {
			replyConsumerPEL(c, v, start, cons, count)
		} else {
			replyGroupRange(c, v, key, groupName, g, cons, start, count, noack)
		}
		c.srv.Dirty++
	}
	if served > 0 {
		if c.Proto == 2 {
			c.SetArrayLen(d, served)
		} else {
			c.SetMapLen(d, served)
		}
		return
	}
	c.Buf = c.Buf[:int(d)]
	if timeout != -1 {
		if c.denyBlocking() {
			c.NullArray()
			return
		}
		keys := c.Argv[streamsArg : streamsArg+nstreams]
		c.srv.blockForKeys(c, keys, "stream", timeout)
		// "$" means the last ID at the time of the call: the rerun must
		// read from there.
		bs := c.Blocking
		for j := range nstreams {
			if a := bs.argv[streamsArg+nstreams+j]; len(a) == 1 && a[0] == '$' {
				bs.argv[streamsArg+nstreams+j] = ids[j].Append(nil)
			}
		}
		return
	}
	c.NullArray()
}

// cString is b as Redis's "%s" prints it: up to the first NUL byte.
func cString(b []byte) string {
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// signalStreamGone signals key when the stream it held was deleted or
// overwritten, as dbGenericDelete and dbOverwrite: readers blocked in
// XREADGROUP on it are then answered -UNBLOCKED.
func (db *DB) signalStreamGone(key []byte, old any) {
	if _, ok := old.(*Stream); ok {
		db.srv.signalKeyAsReady(db, key)
	}
}

// unblockDeletedStreamReader answers a client blocked in XREADGROUP on a
// key that no longer holds a stream (unblockDeletedStreamReadgroupClients)
// and reports whether it did.
func unblockDeletedStreamReader(s *Server, c *Client, v any) bool {
	if _, ok := v.(*Stream); ok || c.Blocking.cmd.Name != "xreadgroup" {
		return false
	}
	c.Error("UNBLOCKED the stream key no longer exists")
	s.Stat(c.Blocking.cmd).FailedCalls++
	s.countError("UNBLOCKED")
	s.finishBlocked(c)
	return true
}

// streamLimits are the node limits a Server keeps (loadStreamLimits).
type streamLimits = stream.Limits

// groupReaderWaits reports whether a client blocked in XREADGROUP waits
// on bk: when the key goes, it is answered -UNBLOCKED.
func (s *Server) groupReaderWaits(bk blockKey) bool {
	for _, c := range s.blocking.keys[bk] {
		if c.Blocking != nil && c.Blocking.cmd.Name == "xreadgroup" {
			return true
		}
	}
	return false
}

// signalFlushedStreams signals the keys of db that XREADGROUP readers
// wait on, before db is emptied (scanDatabaseForDeletedStreams).
func (s *Server) signalFlushedStreams(db *DB) {
	for bk := range s.blocking.keys {
		if bk.db == db && s.groupReaderWaits(bk) {
			s.signalKeyAsReady(db, []byte(bk.key))
		}
	}
}
