package db

// Client-side caching, as Redis's tracking.c: CLIENT TRACKING remembers
// which clients read which keys, and a change to a key sends them an
// invalidation, once, after which the key is forgotten until read again.
//
//   - Default mode: the keys of every read-only command a tracking client
//     runs go into the tracking table (key -> client IDs). OPTIN records
//     only after CLIENT CACHING yes, OPTOUT skips after CLIENT CACHING no
//     (for the next command or transaction).
//   - BCAST mode: no table; a client subscribes to key prefixes (all keys
//     without PREFIX) and receives, at the end of each loop iteration, the
//     keys changed under them, in one message per prefix.
//   - Messages are RESP3 pushes (">2 invalidate [keys]"); with REDIRECT
//     they go to another client, which may be a RESP2 client subscribed to
//     __redis__:invalidate. A flush invalidates everything with a null.
//     NOLOOP leaves out the client's own changes. An invalidation for the
//     client running the command is held until its reply is written.
//   - tracking-table-max-keys bounds the table: keys over it are forgotten
//     at random, with an invalidation, before each command.

import (
	"sort"
	"strings"
)

func init() {
	register("client|tracking", clientTrackingCommand)
	register("client|caching", clientCachingCommand)
	register("client|getredir", clientGetredirCommand)
	register("client|trackinginfo", clientTrackingInfoCommand)
}

// trackingMode is a client's tracking state (Redis's CLIENT_TRACKING_*
// flags), kept apart from ClientFlag.
type trackingMode uint8

const (
	trackingOn trackingMode = 1 << iota
	trackingBrokenRedir
	trackingBcast
	trackingOptin
	trackingOptout
	trackingCaching // CLIENT CACHING given for the next command
	trackingNoloop
)

// clientTracking is the tracking state of one client.
type clientTracking struct {
	mode     trackingMode
	redirect int64               // the client the messages go to; 0: itself
	prefixes map[string]struct{} // BCAST prefixes
}

// trackingTable is the server's side of client-side caching.
type trackingTable struct {
	clients  int                           // tracking_clients
	keys     map[string]map[int64]struct{} // key -> IDs of clients that read it
	items    int                           // tracking_total_items
	prefixes map[string]*bcastState        // prefix -> its BCAST clients
	pending  []*string                     // invalidations held for the running client; nil: a flush
	overRuns int                           // limitUsedSlots calls in a row that stayed over the limit
}

// bcastState is one prefix of BCAST mode: its clients, and the keys
// changed under it since the last broadcast with who changed them last.
type bcastState struct {
	clients map[*Client]struct{}
	keys    map[string]*Client
}

const trackingChannel = "__redis__:invalidate"

// disableTracking is CLIENT TRACKING off, also run when the client goes.
// The table keeps the client's ID: entries are forgotten lazily.
func (s *Server) disableTracking(c *Client) {
	t := &c.tracking
	if t.mode&trackingBcast != 0 {
		for p := range t.prefixes {
			bs := s.tracking.prefixes[p]
			delete(bs.clients, c)
			if len(bs.clients) == 0 {
				delete(s.tracking.prefixes, p)
			}
		}
		t.prefixes = nil
	}
	if t.mode&trackingOn != 0 {
		s.tracking.clients--
		t.mode = 0
	}
}

// enableTracking is CLIENT TRACKING on with options already checked.
func (s *Server) enableTracking(c *Client, redirect int64, options trackingMode, prefixes []string) {
	t := &c.tracking
	if t.mode&trackingOn == 0 {
		s.tracking.clients++
	}
	t.mode = t.mode&^(trackingBrokenRedir|trackingBcast|trackingOptin|trackingOptout|trackingNoloop) | trackingOn
	t.redirect = redirect
	if s.tracking.keys == nil {
		s.tracking.keys = map[string]map[int64]struct{}{}
		s.tracking.prefixes = map[string]*bcastState{}
	}
	if options&trackingBcast != 0 {
		t.mode |= trackingBcast
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			bs := s.tracking.prefixes[p]
			if bs == nil {
				bs = &bcastState{clients: map[*Client]struct{}{}, keys: map[string]*Client{}}
				s.tracking.prefixes[p] = bs
			}
			if _, ok := bs.clients[c]; !ok {
				bs.clients[c] = struct{}{}
				if t.prefixes == nil {
					t.prefixes = map[string]struct{}{}
				}
				t.prefixes[p] = struct{}{}
			}
		}
	}
	t.mode |= options & (trackingOptin | trackingOptout | trackingNoloop)
}

// trackingRememberKeys records for c the keys of the command it runs: of
// a read-only command, or, when a script of c's ran one, the keys the
// script declared (EVAL's, FCALL's).
func (s *Server) trackingRememberKeys(c *Client) {
	t := &c.tracking
	optin, optout, caching := t.mode&trackingOptin != 0, t.mode&trackingOptout != 0, t.mode&trackingCaching != 0
	if optin && !caching || optout && caching || c.Cmd.Has(FlagPubSub) {
		return
	}
	for _, k := range commandKeys(c.Cmd, c.Argv) {
		key := string(c.Argv[k.pos])
		ids := s.tracking.keys[key]
		if ids == nil {
			ids = map[int64]struct{}{}
			s.tracking.keys[key] = ids
		}
		if _, ok := ids[c.ID]; !ok {
			ids[c.ID] = struct{}{}
			s.tracking.items++
		}
	}
}

// afterReadCommand is call's tracking duty for a read-only command.
func (s *Server) afterReadCommand(c *Client) {
	if s.tracking.clients == 0 || !c.Cmd.Has(FlagReadonly) {
		return
	}
	switch c.Cmd.Name {
	case "eval_ro", "evalsha_ro", "fcall_ro":
		return
	}
	caller := c
	if c.Flags&ClientScript != 0 && c.scriptCaller != nil {
		caller = c.scriptCaller
	}
	if caller.tracking.mode&trackingOn != 0 && caller.tracking.mode&trackingBcast == 0 {
		s.trackingRememberKeys(caller)
	}
}

// sendTrackingMessage sends c an invalidation of key, or with raw set the
// RESP of its keys (BCAST's array, a flush's null), to c or to the client
// it redirects to.
func (s *Server) sendTrackingMessage(c *Client, key string, raw bool) {
	target := c
	redirected := false
	if id := c.tracking.redirect; id != 0 {
		r := s.clients[id]
		if r == nil {
			c.tracking.mode |= trackingBrokenRedir
			if c.Proto > 2 {
				s.startPush(c)
				c.PushLen(2)
				c.BulkString("tracking-redir-broken")
				c.Int(id)
				s.endPushTo(c)
			}
			return
		}
		target, redirected = r, true
	}
	switch {
	case target.Proto > 2:
		s.startPush(target)
		target.PushLen(2)
		target.BulkString("invalidate")
	case redirected && target.subscriptionCount() > 0:
		s.startPush(target)
		target.ArrayLen(3)
		target.BulkString("message")
		target.BulkString(trackingChannel)
	default:
		return // a RESP2 client cannot take a push on its own link
	}
	if raw {
		target.Raw([]byte(key))
	} else {
		target.ArrayLen(1)
		target.BulkString(key)
	}
	s.endPushTo(target)
}

// startPush and endPushTo frame a message written into another client's
// output, as deliver does for pub/sub.
func (s *Server) startPush(c *Client) {
	if len(c.Buf) == 0 {
		s.MarkPending(c)
	}
	c.beginPush()
}

func (s *Server) endPushTo(c *Client) {
	c.endPush()
	s.outputAdded(c)
}

// trackingCurrent is the client whose command runs (Redis's
// current_client): for a script's command, the script's caller.
func (s *Server) trackingCurrent() *Client {
	c := s.Executing
	if c != nil && c.Flags&ClientScript != 0 && c.scriptCaller != nil {
		return c.scriptCaller
	}
	return c
}

// trackingInvalidateKey is called for every change of a key (and with
// bcast false when the table forgets a key): the clients that read it
// are told, and the key leaves the table. by made the change (nil: the
// server), for BCAST's NOLOOP.
func (s *Server) trackingInvalidateKey(key []byte, bcast bool, by *Client) {
	tt := &s.tracking
	if tt.keys == nil {
		return
	}
	current := s.trackingCurrent()
	if bcast && len(tt.prefixes) > 0 {
		for p, bs := range tt.prefixes {
			if strings.HasPrefix(bstr(key), p) {
				bs.keys[string(key)] = by
				// Broadcast before the replies of this batch go out
				// (BeforeSleep), as Redis's beforeSleep does.
				s.BeforeReply = true
			}
		}
	}
	ids, ok := tt.keys[bstr(key)]
	if !ok {
		return
	}
	k := string(key)
	for id := range ids {
		target := s.clients[id]
		if target == nil || target.tracking.mode&trackingOn == 0 || target.tracking.mode&trackingBcast != 0 {
			continue
		}
		if target.tracking.mode&trackingNoloop != 0 && target == current {
			continue
		}
		if target == current && s.nowMs != 0 { // running its command: after the reply
			tt.pending = append(tt.pending, &k)
			continue
		}
		s.sendTrackingMessage(target, k, false)
	}
	tt.items -= len(ids)
	delete(tt.keys, k)
}

// trackingHandlePending sends the invalidations held for client c, the one
// whose top-level command just ended (afterCommand in Redis).
func (s *Server) trackingHandlePending(c *Client) {
	tt := &s.tracking
	if len(tt.pending) == 0 {
		return
	}
	for _, k := range tt.pending {
		if c == nil || s.clients[c.ID] != c {
			break
		}
		if k == nil {
			s.sendTrackingMessage(c, nullFor(c), true)
		} else {
			s.sendTrackingMessage(c, *k, false)
		}
	}
	clear(tt.pending)
	tt.pending = tt.pending[:0]
}

// nullFor is the null a flush invalidates with, in c's protocol.
func nullFor(c *Client) string {
	if c.Proto > 2 {
		return "_\r\n"
	}
	return "$-1\r\n"
}

// trackingInvalidateKeysOnFlush tells every tracking client that all keys
// changed (a null), and empties the table: FLUSHDB and FLUSHALL.
func (s *Server) trackingInvalidateKeysOnFlush() {
	tt := &s.tracking
	if tt.clients > 0 {
		for _, c := range s.Clients() {
			if c.tracking.mode&trackingOn == 0 {
				continue
			}
			if c == s.Executing {
				tt.pending = append(tt.pending, nil)
			} else {
				s.sendTrackingMessage(c, nullFor(c), true)
			}
		}
	}
	if tt.keys != nil {
		tt.keys = map[string]map[int64]struct{}{}
		tt.items = 0
	}
}

// trackingLimitUsedSlots forgets keys beyond tracking-table-max-keys, with
// an invalidation each, trying harder each time it stays over the limit.
func (s *Server) trackingLimitUsedSlots() {
	tt := &s.tracking
	max := int(s.Config.Int("tracking-table-max-keys"))
	if tt.keys == nil || max == 0 {
		return
	}
	if len(tt.keys) <= max {
		tt.overRuns = 0
		return
	}
	effort := 100 * (tt.overRuns + 1)
	for k := range tt.keys { // map order: a random walk of sorts
		if effort--; effort < 0 {
			break
		}
		s.trackingInvalidateKey([]byte(k), false, nil)
		if len(tt.keys) <= max {
			tt.overRuns = 0
			return
		}
	}
	tt.overRuns++
}

// trackingBroadcast sends the BCAST clients the keys changed under their
// prefixes during this loop iteration (beforeSleep).
func (s *Server) trackingBroadcast() {
	tt := &s.tracking
	if tt.keys == nil || tt.clients == 0 {
		return
	}
	prefixes := make([]string, 0, len(tt.prefixes))
	for p := range tt.prefixes {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		bs := tt.prefixes[p]
		if len(bs.keys) == 0 {
			continue
		}
		keys := make([]string, 0, len(bs.keys))
		for k := range bs.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		all := broadcastReply(keys, bs.keys, nil)
		clients := make([]*Client, 0, len(bs.clients))
		for c := range bs.clients {
			clients = append(clients, c)
		}
		sort.Slice(clients, func(i, j int) bool { return clients[i].ID < clients[j].ID })
		for _, c := range clients {
			if c.tracking.mode&trackingNoloop != 0 {
				if own := broadcastReply(keys, bs.keys, c); own != "" {
					s.sendTrackingMessage(c, own, true)
				}
				continue
			}
			s.sendTrackingMessage(c, all, true)
		}
		bs.keys = map[string]*Client{}
	}
}

// broadcastReply is the RESP array of keys, without those last changed by
// noloop (when not nil); "" when that leaves none.
func broadcastReply(keys []string, by map[string]*Client, noloop *Client) string {
	var w strings.Builder
	n := 0
	for _, k := range keys {
		if noloop == nil || by[k] != noloop {
			n++
		}
	}
	if n == 0 && noloop != nil {
		return ""
	}
	w.WriteString("*" + itoa(int64(n)) + "\r\n")
	for _, k := range keys {
		if noloop != nil && by[k] == noloop {
			continue
		}
		w.WriteString("$" + itoa(int64(len(k))) + "\r\n" + k + "\r\n")
	}
	return w.String()
}

// clientTrackingCommand is CLIENT TRACKING on|off [REDIRECT id] [PREFIX p
// ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP].
func clientTrackingCommand(c *Client) {
	s := c.srv
	var redirect int64
	var options trackingMode
	var prefixes []string
	for j := 3; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch {
		case c.ArgIs(j, "redirect") && more > 0:
			j++
			if redirect != 0 {
				c.Error("ERR A client can only redirect to a single other client")
				return
			}
			id, ok := ParseInt(c.Argv[j])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if s.clients[id] == nil {
				c.Error("ERR The client ID you want redirect to does not exist")
				return
			}
			redirect = id
		case c.ArgIs(j, "bcast"):
			options |= trackingBcast
		case c.ArgIs(j, "optin"):
			options |= trackingOptin
		case c.ArgIs(j, "optout"):
			options |= trackingOptout
		case c.ArgIs(j, "noloop"):
			options |= trackingNoloop
		case c.ArgIs(j, "prefix") && more > 0:
			j++
			prefixes = append(prefixes, string(c.Argv[j]))
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	mode := c.tracking.mode
	switch {
	case c.ArgIs(2, "on"):
		switch {
		case options&trackingBcast == 0 && len(prefixes) > 0:
			c.Error("ERR PREFIX option requires BCAST mode to be enabled")
		case mode&trackingOn != 0 && (mode&trackingBcast != 0) != (options&trackingBcast != 0):
			c.Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
		case options&trackingBcast != 0 && options&(trackingOptin|trackingOptout) != 0:
			c.Error("ERR OPTIN and OPTOUT are not compatible with BCAST")
		case options&trackingOptin != 0 && options&trackingOptout != 0:
			c.Error("ERR You can't specify both OPTIN mode and OPTOUT mode")
		case options&trackingOptin != 0 && mode&trackingOptout != 0, options&trackingOptout != 0 && mode&trackingOptin != 0:
			c.Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
		case options&trackingBcast != 0 && !prefixesDisjoint(c, prefixes):
		default:
			s.enableTracking(c, redirect, options, prefixes)
			c.OK()
		}
	case c.ArgIs(2, "off"):
		s.disableTracking(c)
		c.OK()
	default:
		c.Error(ErrSyntax)
	}
}

// prefixesDisjoint is checkPrefixCollisionsOrReply: no new prefix may be a
// prefix of another, new or already registered.
func prefixesDisjoint(c *Client, prefixes []string) bool {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	have := make([]string, 0, len(c.tracking.prefixes))
	for p := range c.tracking.prefixes {
		have = append(have, p)
	}
	sort.Strings(have)
	for i, p := range prefixes {
		for _, h := range have {
			if overlap(h, p) {
				c.Error("ERR Prefix '" + p + "' overlaps with an existing prefix '" + h + "'. Prefixes for a single client must not overlap.")
				return false
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				c.Error("ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap.")
				return false
			}
		}
	}
	return true
}

// clientCachingCommand is CLIENT CACHING yes|no, for the next command or
// transaction of an OPTIN or OPTOUT client.
func clientCachingCommand(c *Client) {
	mode := c.tracking.mode
	switch {
	case mode&trackingOn == 0:
		c.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
	case c.ArgIs(2, "yes") && mode&trackingOptin == 0:
		c.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
	case c.ArgIs(2, "no") && mode&trackingOptout == 0:
		c.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
	case c.ArgIs(2, "yes"), c.ArgIs(2, "no"):
		c.tracking.mode |= trackingCaching
		c.OK()
	default:
		c.Error(ErrSyntax)
	}
}

// resetCaching forgets CLIENT CACHING after the command that followed it,
// or the transaction (resetClient in Redis): any CLIENT subcommand keeps it.
func (c *Client) resetCaching() {
	if c.tracking.mode&trackingCaching != 0 && c.Flags&ClientMulti == 0 &&
		(c.Cmd == nil || !strings.HasPrefix(c.Cmd.Name, "client|")) {
		c.tracking.mode &^= trackingCaching
	}
}

func clientGetredirCommand(c *Client) {
	if c.tracking.mode&trackingOn == 0 {
		c.Int(-1)
		return
	}
	c.Int(c.tracking.redirect)
}

// trackingInfoFlags are CLIENT TRACKINGINFO's flags after on/off, in
// Redis's order, each shown when all its bits are set.
var trackingInfoFlags = []struct {
	bits trackingMode
	name string
}{
	{trackingBcast, "bcast"},
	{trackingOptin, "optin"},
	{trackingOptin | trackingCaching, "caching-yes"},
	{trackingOptout, "optout"},
	{trackingOptout | trackingCaching, "caching-no"},
	{trackingNoloop, "noloop"},
	{trackingBrokenRedir, "broken_redirect"},
}

// clientTrackingInfoCommand is CLIENT TRACKINGINFO.
func clientTrackingInfoCommand(c *Client) {
	mode := c.tracking.mode
	flags := []string{"off"}
	if mode&trackingOn != 0 {
		flags[0] = "on"
	}
	for _, f := range trackingInfoFlags {
		if mode&f.bits == f.bits {
			flags = append(flags, f.name)
		}
	}
	c.MapLen(3)
	c.BulkString("flags")
	c.SetLen(len(flags))
	for _, f := range flags {
		c.BulkString(f)
	}
	c.BulkString("redirect")
	if mode&trackingOn != 0 {
		c.Int(c.tracking.redirect)
	} else {
		c.Int(-1)
	}
	c.BulkString("prefixes")
	ps := make([]string, 0, len(c.tracking.prefixes))
	for p := range c.tracking.prefixes {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	c.ArrayLen(len(ps))
	for _, p := range ps {
		c.BulkString(p)
	}
}

// trackingFlags are CLIENT LIST's letters for the tracking state.
func (c *Client) trackingFlags() string {
	var b []byte
	if c.tracking.mode&trackingOn != 0 {
		b = append(b, 't')
	}
	if c.tracking.mode&trackingBrokenRedir != 0 {
		b = append(b, 'R')
	}
	if c.tracking.mode&trackingBcast != 0 {
		b = append(b, 'B')
	}
	return string(b)
}

// trackingRedir is CLIENT LIST's redir field.
func (c *Client) trackingRedir() int64 {
	if c.tracking.mode&trackingOn == 0 {
		return -1
	}
	return c.tracking.redirect
}
