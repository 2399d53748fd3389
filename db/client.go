package db

import (
	"fmt"
	"strings"
	"time"

	"github.com/redis-go/redis-server/acl"
	"github.com/redis-go/redis-server/resp"
)

// ClientFlag is a client's state bits, the letters of CLIENT LIST's flags.
type ClientFlag uint32

// Client flags.
const (
	ClientMaster          ClientFlag = 1 << iota // M: the link to our master
	ClientReplica                                // S: a replica of ours
	ClientMonitor                                // O
	ClientMulti                                  // x: inside MULTI
	ClientDirtyCAS                               // d: a WATCHed key changed
	ClientDirtyExec                              // EXEC will fail: a command was rejected while queueing
	ClientBlocked                                // b
	ClientPubSub                                 // P
	ClientCloseASAP                              // A: close now
	ClientCloseAfterReply                        // c: close once the reply is flushed
	ClientUnblocked                              // u
	ClientReplyOff                               // CLIENT REPLY OFF
	ClientReplySkipNext                          // CLIENT REPLY SKIP, for the next command
	ClientReplySkip                              // skip the reply of the current command
	ClientNoEvict                                // e
	ClientPaused                                 // waiting for CLIENT UNPAUSE
	ClientProtected                              // cannot be closed now (running a command)
	ClientScript                                 // the client running a script's commands (MONITOR shows "lua")
	ClientAOF                                    // the client replaying the AOF: never blocks, never replies
	ClientAsking                                 // ASKING: the next command may use an importing slot
	ClientReadOnly                               // r: READONLY, a cluster replica serves its master's slots
)

// Conn is what the executor needs from a client's connection; package ae
// implements it over a gnet connection.
type Conn interface {
	// Close closes the connection after flushing the pending output.
	Close()
	// Outbound returns the bytes queued in the socket layer, not yet sent.
	Outbound() int
}

// Client is one connection's state, as Redis's client struct.
type Client struct {
	resp.Writer // the reply buffer, flushed by ae after each read batch

	tracking     clientTracking // CLIENT TRACKING (tracking.go)
	scriptCaller *Client        // for a script client: who called the script
	errorCounted bool           // the reply's error is counted already (ErrorReplyNoStats)

	ID    int64
	srv   *Server
	DB    *DB
	Argv  [][]byte
	Cmd   *Command // command being run
	Last  *Command // last command run
	Flags ClientFlag
	// replyMark is where the output of the command being run starts, past
	// any push it wrote: with replies off or skipped, the output from the
	// mark on is dropped after the command. Pushes are never silenced
	// (Redis's CLIENT_PUSHING): each moves the mark past itself.
	replyMark int

	Name          string
	Addr, LAddr   string // ip:port of the peer and of our end
	FD            int
	Authenticated bool
	User          string    // the name of aclUser
	aclUser       *acl.User // nil: allowed everything (the AOF's client)
	Created       time.Time
	LastActive    time.Time
	Conn          Conn

	listed bool // in Server.clients: from NewClient to FreeClient
	parser resp.Parser
	qbuf   []byte // unconsumed input
	// held is the input read while HoldInput holds it back, with its
	// stream's unapplied part that its holder feeds first (FeedHeld).
	held *[]byte
	// argvOwned marks Argv as rewritten by the command (not borrowed).
	argvOwned bool
	// postponedArgv is the command CLIENT PAUSE holds back (owned copies).
	postponedArgv [][]byte
	// forcePropagate propagates the command even if Dirty did not grow
	// (Redis's forceCommandPropagation: FLUSHDB on an empty db).
	forcePropagate PropagateTarget
	// preventPropagate keeps call() from propagating the command, which
	// propagated its effect itself (Redis's preventCommandPropagation).
	preventPropagate bool
	// ScriptRepl is where the writes of a script client go
	// (redis.set_repl); other clients' go everywhere.
	ScriptRepl PropagateTarget

	// Transactions (MULTI/WATCH), pub/sub and blocking keep their state in
	// these fields; see multi.go, pubsub.go and blocking.go.
	Multi    *MultiState
	PubSub   *PubSubState
	Blocking *BlockState

	// Replication: for a replica client, the state the master keeps; for
	// the master client, where the replica's own offset is tracked.
	Repl any
	// HoldOutput keeps the reply buffer from being flushed while a
	// goroutine owns the connection (the RDB transfer of a full sync).
	HoldOutput bool

	// Per-client statistics for CLIENT LIST.
	NetIn, NetOut int64
	Commands      int64
	scriptTime    int64 // the script client's: when its script started (BeginScript)

	// mem is the output buffer limits' and client eviction's bookkeeping
	// (client_limits.go).
	mem clientMem
}

// Srv returns the server the client belongs to.
func (c *Client) Srv() *Server { return c.srv }

// SkipsSanitizePayload says that the client's user has the
// skip-sanitize-payload flag (RESTORE, sanitize-dump-payload clients).
func (c *Client) SkipsSanitizePayload() bool {
	return c.aclUser != nil && c.aclUser.SkipsSanitizePayload()
}

// Arg returns argument i as a string (a copy).
func (c *Client) Arg(i int) string { return string(c.Argv[i]) }

// ArgIs reports whether argument i equals name, ignoring case.
func (c *Client) ArgIs(i int, name string) bool {
	return i < len(c.Argv) && len(c.Argv[i]) == len(name) && strings.EqualFold(bstr(c.Argv[i]), name)
}

// RewriteArgv replaces the command's arguments for propagation (and for the
// rest of the call). The new arguments are owned by the client.
func (c *Client) RewriteArgv(argv ...[]byte) {
	c.Argv = argv
	c.argvOwned = true
}

// Errorf appends an error reply built from format.
func (c *Client) ErrorArity() {
	c.Error("ERR wrong number of arguments for '" + c.Cmd.FullName() + "' command")
}

// Closing reports whether the client is being closed.
func (c *Client) Closing() bool { return c.Flags&(ClientCloseASAP|ClientCloseAfterReply) != 0 }

// SelectDB switches the client to database id.
func (c *Client) SelectDB(id int) bool {
	if id < 0 || id >= len(c.srv.DBs) {
		return false
	}
	c.DB = c.srv.DBs[id]
	return true
}

// pausedFor reports whether c waits for the end of a CLIENT PAUSE with a
// command held back: ProcessInput then reads nothing more from it. See
// postponeIfPaused in client_cmds.go.
func (s *Server) pausedFor(c *Client) bool { return c.Flags&ClientPaused != 0 }

// unpause ends CLIENT PAUSE (UNPAUSE, or the cron when the time is up). The
// clients it held back run from the loop afterwards (resumePostponed).
func (s *Server) unpause() {
	s.pauseUntil = time.Time{}
	s.pauseWrite = false
}

// clientInfo is c's line in CLIENT LIST and CLIENT INFO, field for field as
// Redis 7.0's catClientInfoString. The memory fields describe Redis's
// buffers as client_mem.go models them: qbuf and qbuf-free its query
// buffer, rbs and rbp its reply buffer's size and recent peak, obl the part
// of our pending output that buffer would hold, omem the rest, in our reply
// buffer or in the socket layer, and oll that in 16KB blocks; tot-mem is
// what client eviction counts.
func (s *Server) clientInfo(c *Client) string {
	var b strings.Builder
	now := time.Now().Unix()
	events := "r"
	if c.outboundBytes() > 0 {
		events = "rw"
	}
	m := &c.mem.bufs
	argvMem := m.argBytes
	if s.Executing == c {
		argvMem = 0
		for _, a := range c.Argv {
			argvMem += len(a)
		}
	}
	omem := c.outputMem()
	fmt.Fprintf(&b, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=%d rbs=%d rbp=%d obl=%d oll=%d omem=%d tot-mem=%d events=%s cmd=%s user=%s redir=%d resp=%d",
		c.ID, c.peerID(), c.LAddr, c.FD, c.Name,
		now-c.Created.Unix(), now-c.LastActive.Unix(),
		c.flagString(), c.DB.ID, c.channelCount(), c.patternCount(), c.shardChannelCount(), c.multiCount(),
		m.qlen, max(m.qalloc-m.qlen, 0), argvMem, c.multiMem(), m.bufSize, m.bufPeak, c.staticBufLen(),
		outputBlocks(omem), omem, c.memoryUsage(), events, c.lastCmdName(), c.User, c.trackingRedir(), c.Proto)
	return b.String()
}

// flagString is the flags field of CLIENT LIST, letters in Redis's order.
func (c *Client) flagString() string {
	var f []byte
	add := func(flag ClientFlag, ch byte) {
		if c.Flags&flag != 0 {
			f = append(f, ch)
		}
	}
	add(ClientMonitor, 'O')
	add(ClientReplica, 'S')
	add(ClientMaster, 'M')
	if c.Flags&ClientPubSub != 0 || c.subscriptionCount() > 0 {
		f = append(f, 'P')
	}
	add(ClientMulti, 'x')
	if c.Flags&(ClientBlocked|ClientPaused) != 0 {
		f = append(f, 'b')
	}
	f = append(f, c.trackingFlags()...)
	add(ClientDirtyCAS, 'd')
	add(ClientCloseAfterReply, 'c')
	add(ClientUnblocked, 'u')
	add(ClientCloseASAP, 'A')
	if c.isUnixSocket() {
		f = append(f, 'U')
	}
	add(ClientReadOnly, 'r')
	add(ClientNoEvict, 'e')
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

func (c *Client) channelCount() int {
	if c.PubSub == nil {
		return 0
	}
	return len(c.PubSub.Channels)
}

func (c *Client) patternCount() int {
	if c.PubSub == nil {
		return 0
	}
	return len(c.PubSub.Patterns)
}

func (c *Client) multiCount() int {
	if c.Flags&ClientMulti == 0 {
		return -1
	}
	if c.Multi == nil {
		return 0
	}
	return len(c.Multi.Cmds)
}

// multiMem is Redis's mstate.argv_len_sums: the queued arguments' bytes
// plus a pointer for each.
func (c *Client) multiMem() int {
	if c.Multi == nil {
		return 0
	}
	n := 0
	for _, q := range c.Multi.Cmds {
		for _, a := range q.argv {
			n += len(a) + 8
		}
	}
	return n
}

func (c *Client) outboundBytes() int {
	if c.Conn == nil {
		return 0
	}
	return c.Conn.Outbound()
}

// lastCmdName is the cmd field: the command last looked up for c, NULL
// after an unknown one, as Redis's lastcmd.
func (c *Client) lastCmdName() string {
	if c.Cmd != nil {
		return c.Cmd.FullName()
	}
	return "NULL"
}

// silenced reports whether the command being run has its replies dropped
// (CLIENT REPLY OFF, or SKIP for this one command).
func (c *Client) silenced() bool { return c.Flags&(ClientReplyOff|ClientReplySkip) != 0 }

// beginPush starts a push reply (a pub/sub message or notice, DEBUG
// PROTOCOL PUSH): when the command being run is silenced, what it wrote
// so far is dropped now, so that the push, which is kept, follows nothing
// that will not be sent.
func (c *Client) beginPush() {
	if c.srv.Executing == c && c.silenced() {
		c.Buf = c.Buf[:c.replyMark]
	}
}

// dropOutput discards the output not yet handed to the socket layer, for a
// client being closed: the reply mark goes too, so that nothing past it is
// resliced back.
func (c *Client) dropOutput() {
	c.Buf = c.Buf[:0]
	c.replyMark = 0
}

// endPush moves the reply mark past the push just written.
func (c *Client) endPush() {
	if c.srv.Executing == c {
		c.replyMark = len(c.Buf)
	}
}
