package db

import (
	"cmp"
	"slices"
	"time"
)

// Packages outside db (rdb, repl) add commands and duties through these
// registration points, at init time.

// RegisterCommand adds the implementation of a command or subcommand with
// the metadata Redis gives it, like the register calls inside db.
func RegisterCommand(name string, proc func(c *Client)) *Command { return register(name, proc) }

// AddCronHook runs fn at every serverCron tick.
func AddCronHook(fn func(s *Server, now time.Time)) { cronHooks = append(cronHooks, fn) }

// AddFlushallHook runs fn after FLUSHALL emptied every database.
func AddFlushallHook(fn func(s *Server)) { flushallHooks = append(flushallHooks, fn) }

// AddClientFreeHook runs fn when a client goes away.
func AddClientFreeHook(fn func(s *Server, c *Client)) { clientFreeHooks = append(clientFreeHooks, fn) }

// NotifyKeyspaceEvent publishes a keyspace event (for commands outside db).
func (s *Server) NotifyKeyspaceEvent(class NotifyFlag, event string, key []byte, dbid int) {
	s.notifyKeyspaceEvent(class, event, key, dbid)
}

// SignalKeyAsReady wakes the clients blocked on key (for commands outside
// db that create keys).
func (s *Server) SignalKeyAsReady(d *DB, key []byte) { s.signalKeyAsReady(d, key) }

// DiskErrorHook, set by persistence, reports whether writes must be refused
// with MISCONF because the last background save failed.
var DiskErrorHook func(s *Server) bool

// MasterStreamHook receives, on a replica, every command read from the
// master exactly as it arrived, before it runs: replication counts the
// bytes in its offset and proxies them to sub-replicas and the backlog.
var MasterStreamHook func(s *Server, c *Client, raw []byte)

// SetAuthenticated records that c is (or is not) authenticated, lifting
// the protocol limits of unauthenticated clients: replication's master
// client is authenticated without AUTH.
func (c *Client) SetAuthenticated(ok bool) { c.setAuthenticated(ok) }

// ClientInfo is c's CLIENT LIST line, for log lines that name a client.
func (s *Server) ClientInfo(c *Client) string { return s.clientInfo(c) }

// DisconnectAllBlockedClients ends the wait of every blocked client with
// an -UNBLOCKED error and closes it after the reply, as Redis's
// disconnectAllBlockedClients when a master turns into a replica.
func (s *Server) DisconnectAllBlockedClients() {
	blocked := make([]*Client, 0, len(s.blocking.clients))
	for c := range s.blocking.clients {
		blocked = append(blocked, c)
	}
	slices.SortFunc(blocked, func(a, b *Client) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range blocked {
		s.replyError(c, "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
		s.unblockClient(c)
		c.Blocking = nil
		c.Flags |= ClientCloseAfterReply
		s.MarkPending(c)
	}
}

// NoReplicasHook, set by replication, reports whether writes must be
// refused with NOREPLICAS: min-replicas-to-write is not met.
var NoReplicasHook func(s *Server) bool

// BlockClient blocks c on no key (WAIT) until FinishBlocked, or until the
// deadline (unix ms, 0 for none) passes or CLIENT UNBLOCK: onTimeout then
// writes the reply.
func (s *Server) BlockClient(c *Client, deadline int64, onTimeout func(c *Client)) {
	s.blockForKeys(c, nil, "none", deadline)
	c.Blocking.OnTimeout = onTimeout
}

// FinishBlocked ends the wait of a client blocked by BlockClient, which
// the caller answered.
func (s *Server) FinishBlocked(c *Client) { s.finishBlocked(c) }

// PauseClients pauses the clients (their writes only if write) until end,
// as CLIENT PAUSE does; Unpause ends it. FAILOVER pauses writes while a
// replica catches up.
func (s *Server) PauseClients(end time.Time, write bool) { s.pauseClients(end, write) }

// Unpause ends a pause.
func (s *Server) Unpause() { s.unpause() }
