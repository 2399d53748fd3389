package db

import "time"

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
