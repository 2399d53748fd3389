package db

// CLIENT and its subcommands, and CLIENT PAUSE.
//
// A paused client is held back the way Redis does it (blockClient with
// BLOCKED_POSTPONE): processCommand, after all its checks, hands the command
// to postponeIfPaused, which keeps an owned copy of the arguments and flags
// the client ClientPaused. ProcessInput then reads no further command from
// that client. When the pause ends, resumePostponed re-runs the kept command
// through processCommand (which may postpone it again) and then what is left
// in the query buffer. Resuming happens from TakePending, the loop's
// beforeSleep, never inside another client's command: CLIENT UNPAUSE only
// ends the pause, the postponed clients run after the current batch.

import (
	"strings"
	"time"
)

func init() {
	register("client|help", clientHelpCommand)
	register("client|id", func(c *Client) { c.Int(c.ID) })
	register("client|info", clientInfoCommand)
	register("client|list", clientListCommand)
	register("client|kill", clientKillCommand)
	register("client|setname", clientSetNameCommand)
	register("client|getname", clientGetNameCommand)
	register("client|pause", clientPauseCommand)
	register("client|unpause", clientUnpauseCommand)
	register("client|reply", clientReplyCommand)
	register("client|no-evict", clientNoEvictCommand)
}

var clientHelp = []string{
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}

// replySubcommandHelp answers "XXX HELP" as Redis's addReplyHelp.
func replySubcommandHelp(c *Client, lines []string) {
	c.ArrayLen(len(lines) + 3)
	c.Status(strings.ToUpper(c.Arg(0)) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.Status(l)
	}
	c.Status("HELP")
	c.Status("    Prints this help.")
}

// replySubcommandSyntaxError is Redis's addReplySubcommandSyntaxError, for
// a subcommand called with more arguments than it takes.
func replySubcommandSyntaxError(c *Client) {
	sub := c.Arg(1)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + strings.ToUpper(c.Arg(0)) + " HELP.")
}

func clientHelpCommand(c *Client) { replySubcommandHelp(c, clientHelp) }

func clientInfoCommand(c *Client) { c.Verbatim(c.srv.clientInfo(c) + "\n") }

// clientKind is a client's class for CLIENT LIST TYPE and CLIENT KILL TYPE,
// Redis's getClientType.
type clientKind int

const (
	kindNormal clientKind = iota
	kindReplica
	kindPubSub
	kindMaster
)

func kindOf(c *Client) clientKind {
	switch {
	case c.Flags&ClientMaster != 0:
		return kindMaster
	case c.Flags&ClientReplica != 0:
		// MONITOR clients are replicas in Redis but listed as normal.
		return kindReplica
	case c.Flags&ClientPubSub != 0 || c.subscriptionCount() > 0:
		return kindPubSub
	}
	return kindNormal
}

func parseClientKind(name []byte) (clientKind, bool) {
	switch strings.ToLower(string(name)) {
	case "normal":
		return kindNormal, true
	case "slave", "replica":
		return kindReplica, true
	case "pubsub":
		return kindPubSub, true
	case "master":
		return kindMaster, true
	}
	return 0, false
}

// clientListCommand is CLIENT LIST [TYPE type | ID id [id ...]].
func clientListCommand(c *Client) {
	s := c.srv
	var b strings.Builder
	switch {
	case len(c.Argv) == 4 && c.ArgIs(2, "type"):
		kind, ok := parseClientKind(c.Argv[3])
		if !ok {
			c.Error("ERR Unknown client type '" + c.Arg(3) + "'")
			return
		}
		for _, cl := range s.Clients() {
			if kindOf(cl) == kind {
				b.WriteString(s.clientInfo(cl))
				b.WriteByte('\n')
			}
		}
	case len(c.Argv) > 3 && c.ArgIs(2, "id"):
		ids := make([]int64, 0, len(c.Argv)-3)
		for _, a := range c.Argv[3:] {
			id, ok := ParseInt(a)
			if !ok {
				c.Error("ERR Invalid client ID")
				return
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if cl := s.clients[id]; cl != nil {
				b.WriteString(s.clientInfo(cl))
				b.WriteByte('\n')
			}
		}
	case len(c.Argv) != 2:
		c.Error(ErrSyntax)
		return
	default:
		for _, cl := range s.Clients() {
			b.WriteString(s.clientInfo(cl))
			b.WriteByte('\n')
		}
	}
	c.Verbatim(b.String())
}

// killFilter selects the clients CLIENT KILL closes.
type killFilter struct {
	addr, laddr string
	kind        clientKind
	anyKind     bool
	id          int64
	user        string
	skipMe      bool
}

func (f *killFilter) matches(self, c *Client) bool {
	return (f.addr == "" || c.peerID() == f.addr) &&
		(f.laddr == "" || c.LAddr == f.laddr) &&
		(f.anyKind || kindOf(c) == f.kind) &&
		(f.id == 0 || c.ID == f.id) &&
		(f.user == "" || c.User == f.user) &&
		!(c == self && f.skipMe)
}

// clientKillCommand is CLIENT KILL addr (the old form, which may kill the
// caller) and CLIENT KILL option value [option value ...].
func clientKillCommand(c *Client) {
	f := killFilter{anyKind: true, skipMe: true}
	oldForm := len(c.Argv) == 3
	if oldForm {
		f.addr, f.skipMe = c.Arg(2), false
		if f.addr == "" {
			// An empty address matches no client in Redis (strcmp).
			c.Error("ERR No such client")
			return
		}
	} else if !parseKillFilter(c, &f) {
		return
	}
	killed, self := 0, false
	for _, cl := range c.srv.Clients() {
		if !f.matches(c, cl) {
			continue
		}
		if cl == c {
			self = true
		} else {
			c.srv.killClientNow(cl)
		}
		killed++
	}
	if oldForm {
		if killed == 0 {
			c.Error("ERR No such client")
		} else {
			c.OK()
		}
	} else {
		c.Int(int64(killed))
	}
	if self {
		c.Flags |= ClientCloseAfterReply
	}
}

func parseKillFilter(c *Client, f *killFilter) bool {
	for i := 2; i < len(c.Argv); i += 2 {
		if i+1 >= len(c.Argv) {
			c.Error(ErrSyntax)
			return false
		}
		val := c.Argv[i+1]
		switch {
		case c.ArgIs(i, "id"):
			id, ok := ParseInt(val)
			if !ok || id < 1 {
				c.Error("ERR client-id should be greater than 0")
				return false
			}
			f.id = id
		case c.ArgIs(i, "type"):
			kind, ok := parseClientKind(val)
			if !ok {
				c.Error("ERR Unknown client type '" + string(val) + "'")
				return false
			}
			f.kind, f.anyKind = kind, false
		case c.ArgIs(i, "addr"):
			f.addr = string(val)
		case c.ArgIs(i, "laddr"):
			f.laddr = string(val)
		case c.ArgIs(i, "user"):
			if string(val) != "default" {
				c.Error("ERR No such user '" + string(val) + "'")
				return false
			}
			f.user = "default"
		case c.ArgIs(i, "skipme"):
			switch {
			case c.ArgIs(i+1, "yes"):
				f.skipMe = true
			case c.ArgIs(i+1, "no"):
				f.skipMe = false
			default:
				c.Error(ErrSyntax)
				return false
			}
		default:
			c.Error(ErrSyntax)
			return false
		}
	}
	return true
}

// killClient closes another client now, as Redis's freeClient: its pending
// output is dropped, it leaves the client table and its state is released
// at once; the loop closes the connection when it flushes.
func (s *Server) killClient(c *Client) {
	s.FreeClient(c)
	c.dropOutput()
	c.Flags |= ClientCloseASAP
	s.MarkPending(c)
}

// killClientNow is killClient where Redis frees the client at once
// (freeClient, not freeClientAsync: CLIENT KILL of another client, the
// idle timeout, eviction): its socket is shut down now, so that the peer
// sees the end of the connection before the killer's reply, as with
// Redis. A replica killed inside a MULTI is down before EXEC answers.
func (s *Server) killClientNow(c *Client) {
	s.killClient(c)
	if sd, ok := c.Conn.(interface{ Shutdown() }); ok {
		sd.Shutdown()
	}
}

// setName sets the connection name, replying with the error when the name
// has characters that would break CLIENT LIST's format. An empty name
// removes the name.
func (c *Client) setName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			c.Error("ERR Client names cannot contain spaces, newlines or special characters.")
			return false
		}
	}
	c.Name = string(name)
	return true
}

func clientSetNameCommand(c *Client) {
	if c.setName(c.Argv[2]) {
		c.OK()
	}
}

func clientGetNameCommand(c *Client) {
	if c.Name == "" {
		c.Null()
		return
	}
	c.BulkString(c.Name)
}

// clientReplyCommand is CLIENT REPLY ON|OFF|SKIP. OFF and SKIP have no
// reply: call() drops the replies while the flags say so.
func clientReplyCommand(c *Client) {
	switch {
	case c.ArgIs(2, "on"):
		c.Flags &^= ClientReplySkip | ClientReplyOff
		c.OK()
	case c.ArgIs(2, "off"):
		c.Flags |= ClientReplyOff
	case c.ArgIs(2, "skip"):
		if c.Flags&ClientReplyOff == 0 {
			c.Flags |= ClientReplySkipNext
		}
	default:
		c.Error(ErrSyntax)
	}
}

// dropRejection tells processCommand's rejections to stay silent when
// CLIENT REPLY OFF or SKIP is in effect, as Redis's prepareClientToWrite
// refuses every reply then; the error is still counted. A skipped reply
// uses up the SKIP, as resetClient does after any command.
func (s *Server) dropRejection(c *Client, msg string) bool {
	if c.Flags&(ClientReplyOff|ClientReplySkip) == 0 {
		return false
	}
	c.Flags &^= ClientReplySkip
	s.countError(msg)
	return true
}

func clientNoEvictCommand(c *Client) {
	switch {
	case c.ArgIs(2, "on"):
		c.Flags |= ClientNoEvict
		c.OK()
	case c.ArgIs(2, "off"):
		c.Flags &^= ClientNoEvict
		c.OK()
	default:
		c.Error(ErrSyntax)
	}
}

// clientPauseCommand is CLIENT PAUSE timeout [WRITE|ALL]. Pauses combine as
// in Redis: the later end time and the more restrictive mode win.
func clientPauseCommand(c *Client) {
	write := false
	if len(c.Argv) == 4 {
		switch {
		case c.ArgIs(3, "write"):
			write = true
		case c.ArgIs(3, "all"):
		default:
			c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(c.Argv) > 4 {
		replySubcommandSyntaxError(c)
		return
	}
	ms, ok := ParseInt(c.Argv[2])
	if !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.Error(ErrTimeoutNeg)
		return
	}
	// Like Redis, add in milliseconds and let a huge timeout wrap around
	// into the past: such a pause ends at once.
	c.srv.pauseClients(time.UnixMilli(time.Now().UnixMilli()+ms), write)
	c.OK()
}

// pauseClients starts or extends a pause until end. A pause whose end has
// already passed (CLIENT PAUSE 0) does nothing, as in Redis.
func (s *Server) pauseClients(end time.Time, write bool) {
	if !end.After(time.Now()) {
		return
	}
	if s.pauseUntil.IsZero() {
		s.pauseWrite = write
	} else {
		s.pauseWrite = s.pauseWrite && write
	}
	if end.After(s.pauseUntil) {
		s.pauseUntil = end
	}
}

func clientUnpauseCommand(c *Client) {
	c.srv.unpause()
	c.OK()
}

// ClientsPaused reports whether a CLIENT PAUSE is in effect. While it is,
// Redis keeps the dataset still: no active expiry, no eviction, and lazy
// expiry reports keys as expired without deleting them.
func (s *Server) ClientsPaused() bool { return !s.pauseUntil.IsZero() }

// pausedNow reports whether a CLIENT PAUSE (WRITE or ALL) is under way and
// not past its end, which the cron may not have seen yet (Redis's
// checkClientPauseTimeoutAndReturnIfPaused): expired keys are then neither
// deleted on access nor by the active cycle.
func (s *Server) pausedNow() bool {
	return !s.pauseUntil.IsZero() && time.Now().Before(s.pauseUntil)
}

// postponeIfPaused holds back c's command while CLIENT PAUSE applies to it:
// every command under PAUSE ALL, commands that may write or replicate
// (EXEC of such commands included) under PAUSE WRITE. Replicas and MONITOR
// clients are never paused. It returns true when the command was kept for
// later.
func (s *Server) postponeIfPaused(c *Client, flags CmdFlag) bool {
	if !s.pauseHolds(c, flags) {
		return false
	}
	argv := copyArgv(c.Argv)
	c.postponedArgv = argv
	c.Flags |= ClientPaused
	s.postponed = append(s.postponed, c)
	return true
}

// pauseHolds reports whether CLIENT PAUSE holds back c's command, of flags.
func (s *Server) pauseHolds(c *Client, flags CmdFlag) bool {
	if s.pauseUntil.IsZero() || c.Flags&(ClientReplica|ClientMonitor) != 0 {
		return false
	}
	return !s.pauseWrite || mayReplicate(c, flags)
}

// holdMasterCommand holds back, unparsed, the command argv of our master
// while CLIENT PAUSE applies to it. Redis counts the master's stream as
// applied (slave_repl_offset) and proxies it to our replicas only once a
// command ran; here MasterStream does both before a command runs, so a
// held command stays in the query buffer, and runs from there, stream
// and all, when the pause ends (resumePostponed).
func (s *Server) holdMasterCommand(c *Client, argv [][]byte) bool {
	if s.pauseUntil.IsZero() {
		return false
	}
	cmd := s.lookupCommand(argv)
	if cmd == nil {
		return false
	}
	saved, savedCmd := c.Argv, c.Cmd
	c.Argv, c.Cmd = argv, cmd
	hold := s.pauseHolds(c, s.CommandFlags(c))
	c.Argv, c.Cmd = saved, savedCmd
	if hold {
		c.Flags |= ClientPaused
		s.postponed = append(s.postponed, c)
	}
	return hold
}

// Unprocessed is the input c read that no command has consumed yet: a
// command still arriving, or one CLIENT PAUSE holds back.
func (c *Client) Unprocessed() int { return len(c.qbuf) }

// mayReplicate reports whether c's command, of flags (CommandFlags), may
// change the dataset or propagate something, Redis's
// is_may_replicate_command: an EXEC by those of the commands it queued. A
// script that declares no-writes does not.
func mayReplicate(c *Client, flags CmdFlag) bool {
	const may = FlagWrite | FlagMayReplicate
	if flags&may != 0 {
		return true
	}
	return c.Cmd.Name == "exec" && c.Flags&ClientMulti != 0 && c.Multi != nil && c.Multi.flags&may != 0
}

// cmdMayReplicate reports whether cmd writes or has Redis's may_replicate
// flag, which COMMAND INFO hides (so commands.resp lacks it): the commands
// below are those Redis 7.0.15 holds back under CLIENT PAUSE WRITE without
// being write commands.
func cmdMayReplicate(cmd *Command) bool {
	if cmd.Has(FlagWrite | FlagMayReplicate) {
		return true
	}
	switch cmd.Name {
	case "eval", "evalsha", "fcall", "publish", "spublish", "pfcount":
		return true
	}
	return false
}

// resumePostponed runs the commands held back by a pause that has ended,
// then the rest of each client's input. It is called from TakePending, so
// from the loop between batches, as Redis's processUnblockedClients.
func (s *Server) resumePostponed() {
	if len(s.postponed) == 0 || !s.pauseUntil.IsZero() {
		return
	}
	clients := s.postponed
	s.postponed = nil
	for _, c := range clients {
		if s.clients[c.ID] != c || c.Flags&ClientPaused == 0 {
			continue
		}
		c.Flags &^= ClientPaused
		if c.postponedArgv != nil { // a master's command waits in its input
			c.Argv, c.postponedArgv = c.postponedArgv, nil
			s.processCommand(c)
			c.resetCaching()
			c.Argv = nil
		}
		s.ResumeInput(c)
		s.MarkPending(c)
	}
}
