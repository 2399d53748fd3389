package db

// Server commands that report on or act on the whole server: TIME,
// LASTSAVE, ROLE and SHUTDOWN (MEMORY is in memory.go).

import (
	"net"
	"strings"
	"time"
)

func init() {
	register("time", timeCommand)
	register("lastsave", lastsaveCommand)
	register("role", roleCommand)
	register("shutdown", shutdownCommand)
}

// adminState is what the server commands keep between calls.
type adminState struct {
	replID string // master_replid until package repl provides one
}

// defaultReplID is the replication id INFO shows while no replication code
// has taken over (see standalone.Info).
func (s *Server) defaultReplID() string {
	if s.admin.replID == "" {
		s.admin.replID = randomHex(40)
	}
	return s.admin.replID
}

// isLocalClient reports whether c is connected over loopback or a unix
// socket, as Redis's islocalClient (enable-debug-command local, protected
// configs).
func isLocalClient(c *Client) bool {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c.Addr == "" || strings.HasPrefix(c.Addr, "/")
	}
	return host == "127.0.0.1" || host == "::1"
}

func timeCommand(c *Client) {
	now := time.Now().UnixMicro()
	c.ArrayLen(2)
	c.BulkInt(now / 1e6)
	c.BulkInt(now % 1e6)
}

func lastsaveCommand(c *Client) { c.Int(c.srv.Persistence.LastSave) }

func roleCommand(c *Client) { c.srv.Replication.Role(c) }

func shutdownCommand(c *Client) {
	flags, abort := 0, false
	for i := 1; i < len(c.Argv); i++ {
		switch {
		case c.ArgIs(i, "nosave"):
			flags |= ShutdownNoSave
		case c.ArgIs(i, "save"):
			flags |= ShutdownSave
		case c.ArgIs(i, "now"):
			flags |= ShutdownNow
		case c.ArgIs(i, "force"):
			flags |= ShutdownForce
		case c.ArgIs(i, "abort"):
			abort = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if abort && flags != 0 || flags&ShutdownNoSave != 0 && flags&ShutdownSave != 0 {
		c.Error(ErrSyntax)
		return
	}
	s := c.srv
	if abort {
		if !s.abortShutdown() {
			c.Error("ERR No shutdown in progress.")
			return
		}
		c.OK()
		return
	}
	if c.denyBlocking() {
		flags |= ShutdownNow // no waiting for replicas inside MULTI
	}
	if s.busy != nil {
		if flags&ShutdownNoSave == 0 { // a busy script: only NOSAVE
			s.replyError(c, s.busyError())
			return
		}
		flags |= ShutdownNow // the cron that waits for replicas does not run
	}
	switch err := s.PrepareForShutdown(flags); {
	case err == errShutdownPending: // the reply comes when it ends
		s.blockForKeys(c, nil, "none", 0)
		s.shutdown.waiting = append(s.shutdown.waiting, c)
	case err != nil:
		c.Error("ERR Errors trying to SHUTDOWN. Check logs.")
	}
}
