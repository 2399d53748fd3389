// Replaying commands outside any connection: how an AOF is loaded, as
// Redis's loadSingleAppendOnlyFile runs each command of the file through
// a fake client. The commands run without processCommand's checks (they
// were accepted when they were first run), MULTI is queued and EXEC run as
// for a client, and nothing is propagated: the writes are already in the
// file being read.

package db

import (
	"errors"
	"time"
)

// ErrUnknownReplayed is the error of Replay for a command the table does
// not have.
var ErrUnknownReplayed = errors.New("unknown command")

// NewReplayClient returns a client for Replay, in db 0, not registered
// among the connections (CLIENT LIST does not show it).
func (s *Server) NewReplayClient() *Client {
	c := &Client{ID: -1, srv: s, DB: s.DBs[0], User: "default", Authenticated: true}
	c.Proto = 2
	c.Flags = ClientAOF
	return c
}

// Replay runs argv on c. argv must stay valid for the call only. It
// returns ErrUnknownReplayed for a command that does not exist. Replies
// are discarded.
func (s *Server) Replay(c *Client, argv [][]byte) error {
	cmd := s.table().lookup(argv)
	if cmd == nil || cmd.Sub != nil && len(argv) >= 2 {
		return ErrUnknownReplayed
	}
	c.Argv, c.Cmd = argv, cmd
	c.argvOwned = false
	mark := len(s.prop.pending) // DEBUG LOADAOF replays inside a command
	s.prop.nesting++
	if c.Flags&ClientMulti != 0 && cmd.Name != "exec" && cmd.Name != "multi" {
		s.queueMultiCommand(c)
	} else {
		prev := s.Executing
		s.Executing = c
		s.nowMs = time.Now().UnixMilli()
		cmd.Proc(c)
		s.nowMs = 0
		s.Executing = prev
	}
	s.prop.nesting--
	s.dropPending(mark)
	c.Buf = c.Buf[:0]
	c.Argv, c.Cmd = nil, nil
	c.forcePropagate, c.preventPropagate = 0, false
	return nil
}

// InReplayMulti reports whether c is inside a MULTI it has not executed
// yet: a file that ends there ends in an incomplete transaction.
func (c *Client) InReplayMulti() bool { return c.Flags&ClientMulti != 0 }
