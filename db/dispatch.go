package db

import (
	"os"
	"strings"
	"time"

	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/resp"
)

// ProcessInput appends data to c's input and runs every complete command in
// it, stopping early when c blocks, pauses or is being closed. data is
// borrowed: what is left unparsed is copied into the client's own buffer.
func (s *Server) ProcessInput(c *Client, data []byte) {
	if c.held != nil {
		*c.held = append(*c.held, data...)
		return
	}
	c.NetIn += int64(len(data))
	if c.Flags&ClientMaster != 0 {
		s.Stats.NetReplIn += int64(len(data))
	} else {
		s.Stats.NetIn += int64(len(data))
	}
	master := c.Flags&ClientMaster != 0
	if len(data) > 0 {
		c.mem.bufs.queryRead(len(data), master)
		s.recountClient(c) // the commands see the query buffer grown
	}
	buf := data
	fromQbuf := len(c.qbuf) > 0
	if fromQbuf {
		c.qbuf = append(c.qbuf, data...)
		buf = c.qbuf
	}
	off := 0
	for off < len(buf) && c.Flags&(ClientBlocked|ClientCloseASAP|ClientCloseAfterReply) == 0 && !s.pausedFor(c) {
		if s.busy != nil && (s.busy.caller == c || c.Flags&ClientMaster != 0) {
			break // the caller waits for its script, the master's stream for its end
		}
		argv, n, err := c.parser.Next(buf[off:])
		if err != nil {
			s.protocolError(c, err)
			off = len(buf)
			break
		}
		if n == 0 {
			break
		}
		if c.Flags&ClientMaster != 0 {
			if len(argv) > 0 && s.holdMasterCommand(c, argv) {
				break // CLIENT PAUSE: it runs from the query buffer later
			}
			// Before running it: the command's bytes are borrowed argv.
			s.Replication.MasterStream(c, buf[off:off+n])
		}
		if len(argv) > 0 {
			c.Argv = argv
			before := len(c.Buf)
			s.processCommand(c)
			c.resetCaching()
			c.resetAsking()
			if c.Flags&ClientReplica != 0 && len(c.Buf) > before {
				s.replicaReplied(c, before)
			}
			if n >= protoMbulkBigArg && !master {
				c.bigArgsDone(argv)
			}
			c.Argv = nil
		} else if c.Flags&ClientReplica != 0 {
			s.Replication.ReplicaNewline(c)
		}
		off += n
	}
	rest := buf[off:]
	c.queryLeft(rest, master)
	switch {
	case len(rest) == 0:
		c.qbuf = c.qbuf[:0]
		if cap(c.qbuf) > 64<<10 {
			c.qbuf = nil
		}
	case fromQbuf:
		c.qbuf = c.qbuf[:copy(c.qbuf, rest)]
	default:
		c.qbuf = append(c.qbuf[:0], rest...)
	}
	s.inputProcessed(c)
}

// HoldInput holds c's input back from now on: what it reads waits, after
// first, until ReleaseInput, while its holder feeds it what must run
// before (FeedHeld) one piece at a time, the loop serving the others in
// between. A replica applies so the stream it buffered during a
// dual-channel sync while its master's link goes on.
func (s *Server) HoldInput(c *Client, first []byte) {
	held := append([]byte(nil), first...)
	c.held = &held
}

// FeedHeld runs data as c's input, before what is held.
func (s *Server) FeedHeld(c *Client, data []byte) {
	held := c.held
	c.held = nil
	s.ProcessInput(c, data)
	if c.held == nil { // not released meanwhile
		c.held = held
	}
}

// HeldBytes is the input held back (HoldInput).
func (c *Client) HeldBytes() int {
	if c.held == nil {
		return 0
	}
	return len(*c.held)
}

// ReleaseInput ends HoldInput: the input held runs now, and what c
// reads from now on as it comes.
func (s *Server) ReleaseInput(c *Client) {
	if c.held == nil {
		return
	}
	data := *c.held
	c.held = nil
	s.ProcessInput(c, data)
}

// bigArgsDone notes the arguments of a command just run that Redis
// received as big arguments: each left a new query buffer of its size.
func (c *Client) bigArgsDone(argv [][]byte) {
	for _, a := range argv {
		if len(a) >= protoMbulkBigArg {
			c.mem.bufs.bigArgDone(len(a))
		}
	}
}

// queryLeft sets the query buffer model to what a read left unprocessed.
func (c *Client) queryLeft(rest []byte, master bool) {
	if len(rest) == 0 {
		c.mem.bufs.queryLeft(0, 0, 0, -1, master)
		return
	}
	argBytes, argc, off, bulk := c.parser.Partial(rest)
	c.mem.bufs.queryLeft(len(rest)-off, argBytes, argc, bulk, master)
}

// replicaReplied closes a replica whose command generated a reply: the
// link carries the stream, not replies, as Redis 7.0 enforces. The
// replication commands answer on it by design.
func (s *Server) replicaReplied(c *Client, before int) {
	name := "<unknown>"
	if c.Cmd != nil {
		switch c.Cmd.Name {
		case "psync", "sync", "replconf":
			return
		}
		name = c.Cmd.FullName()
	}
	c.Buf = c.Buf[:before]
	logger.Warningf("Replica generated a reply to command '%s', disconnecting it: %s", name, s.clientInfo(c))
	s.killClient(c)
}

// ResumeInput runs the commands left in c's buffer, after c was unblocked or
// unpaused.
func (s *Server) ResumeInput(c *Client) {
	if len(c.qbuf) > 0 {
		s.ProcessInput(c, nil)
		s.MarkPending(c)
	}
}

func (s *Server) protocolError(c *Client, err error) {
	if logger.Enabled(logger.Verbose) {
		logger.Verbosef("Protocol error (%s) from client: %s", strings.TrimPrefix(err.Error(), "ERR Protocol error: "), s.clientInfo(c))
	}
	c.Error(err.Error())
	c.Flags |= ClientCloseAfterReply
}

// processCommand checks a command against the table's rules and the
// server's state, then runs it (or queues it inside MULTI), as Redis's
// processCommand. Every rejection is an error reply; nothing else happens.
func (s *Server) processCommand(c *Client) {
	cmd := s.lookupCommand(c.Argv)
	c.Cmd = cmd
	if cmd == nil {
		var args strings.Builder
		for _, a := range c.Argv[1:] {
			if args.Len() >= 128 {
				break
			}
			n := min(len(a), 128-args.Len())
			args.WriteString("'")
			args.Write(a[:n])
			args.WriteString("' ")
		}
		name := string(c.Argv[0])
		if len(name) > 128 {
			name = name[:128]
		}
		s.reject(c, "ERR unknown command '"+name+"', with args beginning with: "+args.String())
		return
	}
	if cmd.Sub != nil && len(c.Argv) >= 2 { // lookupCommand found no such subcommand
		sub := string(c.Argv[1])
		if len(sub) > 128 {
			sub = sub[:128]
		}
		s.reject(c, "ERR unknown subcommand '"+sub+"'. Try "+strings.ToUpper(cmd.Name)+" HELP.")
		return
	}
	if cmd.Arity > 0 && len(c.Argv) != cmd.Arity || len(c.Argv) < -cmd.Arity {
		s.reject(c, "ERR wrong number of arguments for '"+cmd.FullName()+"' command")
		return
	}
	if msg := protectedRejection(c, cmd); msg != "" {
		s.reject(c, msg)
		return
	}
	if c.authRequired() && !cmd.Has(FlagNoAuth) {
		s.reject(c, ErrNoAuth)
		return
	}
	if c.Flags&ClientMulti != 0 && cmd.Has(FlagNoMulti) {
		s.reject(c, "ERR Command not allowed inside a transaction")
		return
	}
	if msg := s.aclCheck(c, cmd); msg != "" { // the user's ACL rules (acl.go)
		s.reject(c, msg)
		return
	}
	if s.Cluster != nil && s.clusterRedirect(c, cmd) { // -MOVED, -ASK, ... (cluster.go)
		return
	}
	flags := s.CommandFlags(c)      // EVAL, FCALL: the script's declared flags
	if s.rejectedForOOM(c, flags) { // maxmemory: evict, or -OOM (evict.go)
		return
	}
	if s.tracking.clients > 0 {
		s.trackingLimitUsedSlots() // tracking-table-max-keys (tracking.go)
	}
	isWrite := flags&FlagWrite != 0 || c.Flags&ClientMulti != 0 && cmd.Name == "exec" && c.Multi.hasWriteCmd()
	if isWrite || cmd.Name == "ping" {
		if msg := s.diskError(); msg != "" && !s.IsReplica {
			s.reject(c, msg)
			return
		}
	}
	if isWrite && s.Replication.NoReplicas() {
		s.reject(c, "NOREPLICAS Not enough good replicas to write.")
		return
	}
	if s.IsReplica && s.ReplicaReadOnly && isWrite && c.Flags&ClientMaster == 0 {
		s.reject(c, ErrReadOnly)
		return
	}
	if c.Proto == 2 && c.subscriptionCount() > 0 && !allowedInPubSub(cmd.Name) {
		s.reject(c, "ERR Can't execute '"+cmd.FullName()+"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		return
	}
	if c.Flags&ClientReplica != 0 && (isWrite || cmd.Has(FlagReadonly) || mayReplicate(c, flags)) {
		// Replicas are exempt from CLIENT PAUSE: they must not use that.
		s.reject(c, "ERR Replica can't interact with the keyspace")
		return
	}
	if s.RunningStale() && (flags&FlagStale == 0 || c.execLacks(FlagStale)) {
		s.reject(c, ErrMasterDown)
		return
	}
	// A load refuses what lacks the loading flag; a replica that keeps
	// serving its old data while it loads (async_loading) refuses only
	// what must not run then (BGSAVE, REPLICAOF, PSYNC...).
	if s.Loading && !s.Persistence.AsyncLoading && (!cmd.Has(FlagLoading) || c.execLacks(FlagLoading)) ||
		s.Persistence.AsyncLoading && (cmd.Has(FlagNoAsyncLoading) || c.Cmd.Name == "exec" && c.Multi != nil && c.Multi.flags&FlagNoAsyncLoading != 0) {
		s.reject(c, ErrLoading)
		return
	}
	if s.busy != nil && !cmd.Has(FlagAllowBusy) {
		s.reject(c, s.busyError())
		return
	}
	if s.postponeIfPaused(c, flags) { // CLIENT PAUSE: runs again when it ends
		return
	}
	if c.Flags&ClientMulti != 0 && !execControl(cmd.Name) {
		s.queueMultiCommand(c)
		return
	}
	s.call(c)
	s.endKilled() // SCRIPT KILL: the script's end before the next command
}

func allowedInPubSub(name string) bool {
	switch name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

func execControl(name string) bool {
	switch name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// reject answers a command that did not pass processCommand's checks. Inside
// MULTI it also dooms the transaction, as Redis's flagTransaction.
func (s *Server) reject(c *Client, msg string) {
	if c.Cmd != nil {
		s.Stat(c.Cmd).RejectedCalls++
	}
	if c.Flags&ClientMulti != 0 {
		c.Flags |= ClientDirtyExec
	}
	if c.Cmd != nil && c.Cmd.Name == "exec" {
		s.execAbort(c, msg) // a rejected EXEC discards the transaction
		return
	}
	if s.dropRejection(c, msg) { // CLIENT REPLY OFF|SKIP
		return
	}
	s.replyError(c, msg)
}

// replyError appends an error reply and counts it in errorstats.
func (s *Server) replyError(c *Client, msg string) {
	c.Error(msg)
	s.countError(msg)
	s.errorToPeer(c, msg)
}

// errorToPeer logs an error reply to our master, to a replica or to the
// AOF being loaded, as Redis's afterErrorReply: it is never read, and is
// rare enough to mean a bug or a diverging data set. With
// propagation-error-behavior panic (or panic-on-replicas, for a read-only
// replica's master) the server stops rather than diverge.
func (s *Server) errorToPeer(c *Client, msg string) {
	var from, to string
	switch {
	case c.Flags&ClientAOF != 0:
		from, to = "server", "AOF-loading-client"
	case c.Flags&ClientMaster != 0:
		from, to = "replica", "master"
	case c.Flags&ClientReplica != 0:
		from, to = "master", "replica"
	default:
		return
	}
	// Redis logs the message as the command gave it: an ERR without its
	// code, any other error code with its dash.
	if m, ok := strings.CutPrefix(msg, "ERR "); ok {
		msg = m
	} else {
		msg = "-" + msg
	}
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	name := "<unknown>"
	if c.Cmd != nil {
		name = c.Cmd.FullName()
	}
	logger.Warningf("== CRITICAL == This %s is sending an error to its %s: '%s' after processing the command '%s'", from, to, msg, name)
	s.Stats.UnexpectedErrors++
	behavior := s.Config.String("propagation-error-behavior")
	if c.Flags&ClientMaster != 0 && s.ReplicaReadOnly && behavior != "ignore" ||
		c.Flags&ClientAOF != 0 && behavior == "panic" {
		logger.Warningf("Guru Meditation: This %s panicked sending an error to its %s after processing the command '%s'", from, to, name)
		os.Exit(1)
	}
}

func (s *Server) countError(msg string) {
	s.Stats.ErrorReplies++
	code, _, _ := strings.Cut(msg, " ")
	if len(s.Stats.ErrorCodes) < 128 || s.Stats.ErrorCodes[code] > 0 {
		s.Stats.ErrorCodes[code]++
	}
}

// callState is what call keeps of a command between running its body and
// the bookkeeping after it: the two are apart when a busy script suspends
// its EVAL (script_busy.go).
type callState struct {
	cmd       *Command
	dirty     int64
	keys      int // keys in db 0 before, for the invariants' slot index check
	outBefore int
	prevExec  *Client
	start     time.Duration // the clock's reading
	argv      [][]byte
}

// call runs the command body and does the bookkeeping around it: time,
// statistics, slow log, MONITOR, reply suppression and propagation, as
// Redis's call().
func (s *Server) call(c *Client) {
	st := callState{cmd: c.Cmd, dirty: s.Dirty, keys: s.DBs[0].Len(), outBefore: len(c.Buf), prevExec: s.Executing}
	if st.prevExec != c { // not a command of c's EXEC: those share its mark
		c.replyMark = st.outBefore
	}
	s.Executing = c
	st.start = s.clock.read()
	s.nowMs = s.clock.unixMilli()
	if c.scriptTime != 0 { // a script's command: the script's time
		s.nowMs = c.scriptTime
	}
	st.argv = c.Argv // as sent, for MONITOR, even if the command rewrites it
	s.prop.nesting++
	st.cmd.Proc(c)
	if s.suspended(c) { // a busy script: the rest when it returns
		s.busy.call = st
		s.busy.call.argv = c.Argv
		s.nowMs = 0
		s.Executing = st.prevExec
		return
	}
	s.callDone(c, st)
}

// callDone is call's part after the command body.
func (s *Server) callDone(c *Client, st callState) {
	cmd := st.cmd
	s.afterReadCommand(c) // client-side caching remembers what c read
	if len(s.monitors) > 0 && !cmd.Has(FlagSkipMonitor|FlagAdmin) {
		s.feedMonitorsArgv(c, st.argv)
	}
	dur := s.clock.read() - st.start
	s.nowMs = 0

	usec := dur.Microseconds()
	stat := s.Stat(cmd)
	stat.Calls++
	stat.Usec += usec
	c.Commands++
	c.Last = cmd
	s.Stats.Commands++
	if st.outBefore < len(c.Buf) && c.Buf[st.outBefore] == '-' {
		stat.FailedCalls++
		line := c.Buf[st.outBefore+1:]
		if i := indexCRLF(line); i >= 0 && !c.errorCounted {
			s.countError(string(line[:i]))
			if c.Flags&(ClientAOF|ClientMaster|ClientReplica) != 0 {
				s.errorToPeer(c, string(line[:i]))
			}
		}
	}
	c.errorCounted = false
	s.commandDone(cmd, usec)
	// As the client sent it; a command that blocked is logged once served
	// (reprocessBlocked).
	if !cmd.Has(FlagSkipSlowlog) && c.Flags&ClientBlocked == 0 {
		s.slowlogPush(c, redactArgv(cmd, st.argv), usec)
	}
	// EXEC is never propagated itself: its commands are, as one unit
	// (execCommand in multi.go).
	// Writes from our master go to the AOF only: replication proxies the
	// master's stream as it arrived (Replication.MasterStream).
	target := c.forcePropagate
	if s.Dirty > st.dirty {
		target = PropagateAll
	}
	if c.Flags&ClientMaster != 0 {
		target &= PropagateAOF
	}
	if target != 0 && !c.preventPropagate && cmd.Name != "exec" {
		s.propagateCall(c, target)
	}
	if s.prop.nesting--; s.prop.nesting == 0 {
		s.propagatePending()
		s.trackingHandlePending(c) // after the reply (tracking.go)
	}
	s.Executing = st.prevExec // after propagating: WAIT knows whose write it was
	c.forcePropagate, c.preventPropagate = 0, false
	s.handleClientsBlockedOnKeys() // serve the keys this command filled (blocking.go)
	switch {
	case c.Flags&ClientReplySkip != 0:
		c.Flags &^= ClientReplySkip
		c.Buf = c.Buf[:c.replyMark]
	case c.Flags&ClientReplySkipNext != 0:
		c.Flags = c.Flags&^ClientReplySkipNext | ClientReplySkip
	case c.Flags&ClientReplyOff != 0 && cmd.Name != "client|reply":
		c.Buf = c.Buf[:c.replyMark]
	}
	if c.Flags&ClientMaster != 0 && c.Flags&ClientMulti == 0 {
		// Replies to the master are not sent: the replica only acks.
		c.Buf = c.Buf[:st.outBefore]
	}
	clobberArgv(c)
	if s.Dirty > st.dirty || s.DBs[0].Len() != st.keys { // else the index is as it was
		slotIndexCheck(s.DBs[0])
	}
	c.argvOwned = false
	s.commandReplied(c)
}

func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return -1
}

// Reply writes a reply value (used by commands that relay replies).
func (c *Client) Reply(v resp.Value) { c.WriteValue(v) }
