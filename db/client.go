package db

import (
	"fmt"
	"strings"
	"time"

	"github.com/redis-go/redis-server/resp"
)

// ClientFlag is a client's state bits, the letters of CLIENT LIST's flags.
type ClientFlag uint32

// Client flags.
const (
	ClientMaster       ClientFlag = 1 << iota // M: the link to our master
	ClientReplica                             // S: a replica of ours
	ClientMonitor                             // O
	ClientMulti                               // x: inside MULTI
	ClientDirtyCAS                            // d: a WATCHed key changed
	ClientDirtyExec                           // EXEC will fail: a command was rejected while queueing
	ClientBlocked                             // b
	ClientPubSub                              // P
	ClientCloseASAP                           // A: close now
	ClientCloseAfterReply                     // c: close once the reply is flushed
	ClientUnblocked                           // u
	ClientReplyOff                            // CLIENT REPLY OFF
	ClientReplySkipNext                       // CLIENT REPLY SKIP, for the next command
	ClientReplySkip                           // skip the reply of the current command
	ClientNoEvict                             // e
	ClientPaused                              // waiting for CLIENT UNPAUSE
	ClientProtected                           // cannot be closed now (running a command)
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

	ID    int64
	srv   *Server
	DB    *DB
	Argv  [][]byte
	Cmd   *Command // command being run
	Last  *Command // last command run
	Flags ClientFlag

	Name          string
	Addr, LAddr   string // ip:port of the peer and of our end
	FD            int
	Authenticated bool
	User          string
	Created       time.Time
	LastActive    time.Time
	Conn          Conn

	parser resp.Parser
	qbuf   []byte // unconsumed input
	// argvOwned marks Argv as rewritten by the command (not borrowed).
	argvOwned bool

	// Transactions (MULTI/WATCH), pub/sub and blocking keep their state in
	// these fields; see multi.go, pubsub.go and blocking.go.
	Multi    *MultiState
	PubSub   *PubSubState
	Blocking *BlockState

	// Replication: for a replica client, the state the master keeps; for
	// the master client, where the replica's own offset is tracked.
	Repl any

	// Per-client statistics for CLIENT LIST.
	NetIn, NetOut int64
	Commands      int64
}

// Srv returns the server the client belongs to.
func (c *Client) Srv() *Server { return c.srv }

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


// pausedFor reports whether CLIENT PAUSE holds back c's next command.
// Replicas and the master are never paused; with PAUSE WRITE only clients
// about to write wait, which processCommand checks per command.
func (s *Server) pausedFor(c *Client) bool {
	if s.pauseUntil.IsZero() || c.Flags&(ClientMaster|ClientReplica) != 0 {
		return false
	}
	if time.Now().After(s.pauseUntil) {
		s.unpause()
		return false
	}
	return !s.pauseWrite
}

// unpause ends CLIENT PAUSE and resumes the clients that waited.
func (s *Server) unpause() {
	s.pauseUntil = time.Time{}
	for _, c := range s.Clients() {
		if len(c.qbuf) > 0 && c.Flags&ClientBlocked == 0 {
			s.ResumeInput(c)
		}
	}
}

// clientInfo is c's line in CLIENT LIST.
func (s *Server) clientInfo(c *Client) string {
	var b strings.Builder
	now := time.Now()
	fmt.Fprintf(&b, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=0 multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=0 rbs=%d rbp=%d obl=%d oll=0 omem=%d tot-mem=%d events=r cmd=%s user=%s redir=-1 resp=%d",
		c.ID, c.Addr, c.LAddr, c.FD, c.Name,
		int64(now.Sub(c.Created).Seconds()), int64(now.Sub(c.LastActive).Seconds()),
		c.flagString(), c.DB.ID, c.channelCount(), c.patternCount(), c.multiCount(),
		len(c.qbuf), max(cap(c.qbuf)-len(c.qbuf), 0), c.argvMem(), max(cap(c.Buf), 1024), len(c.Buf), len(c.Buf),
		c.outboundBytes(), 1024+cap(c.qbuf)+cap(c.Buf), c.lastCmdName(), c.User, c.Proto)
	return b.String()
}

func (c *Client) flagString() string {
	var f []byte
	add := func(flag ClientFlag, ch byte) {
		if c.Flags&flag != 0 {
			f = append(f, ch)
		}
	}
	add(ClientCloseASAP, 'A')
	add(ClientBlocked, 'b')
	add(ClientCloseAfterReply, 'c')
	add(ClientDirtyCAS, 'd')
	add(ClientNoEvict, 'e')
	add(ClientMaster, 'M')
	add(ClientMonitor, 'O')
	if c.subscriptionCount() > 0 {
		f = append(f, 'P')
	}
	add(ClientReplica, 'S')
	add(ClientUnblocked, 'u')
	add(ClientMulti, 'x')
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
	return len(c.Multi.Cmds)
}

func (c *Client) argvMem() int {
	n := 0
	for _, a := range c.Argv {
		n += len(a)
	}
	return n
}

func (c *Client) outboundBytes() int {
	if c.Conn == nil {
		return 0
	}
	return c.Conn.Outbound()
}

func (c *Client) lastCmdName() string {
	switch {
	case c.Cmd != nil:
		return c.Cmd.FullName()
	case c.Last != nil:
		return c.Last.FullName()
	}
	return "NULL"
}
