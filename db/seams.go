// Seams: where subsystems outside db (persistence in rdb, replication in
// repl, and whatever comes next) plug into one Server. Nothing here is
// package state: every seam is a field or a registration of a Server, so
// that two servers (a master and its replica in a test) live in one
// process without sharing anything but the command table.
//
// A subsystem's constructor (rdb.Attach, repl.New) takes the Server and
// plugs itself in, on the loop goroutine, before the loop runs:
//   - the executor asks it questions through an interface field
//     (Server.Replication, Server.Persister), which NewServer fills with
//     the behaviour of a server without that subsystem;
//   - it takes on duties through the per-server registrations OnCron,
//     OnFlushall, OnClientFree and OnShutdown, run in registration order;
//   - its commands are registered once, at init, into the process-wide
//     command table (RegisterCommand, RegisterDebug): a command proc finds
//     its server with Client.Srv and the subsystem through the field, e.g.
//     c.Srv().Replication.(*repl.Repl).
//
// Work done on another goroutine comes back through Server.Loop.Execute.
// The writes reach replicas and the AOF through Server.AddPropagator
// (propagate.go).

package db

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Replication is what the executor asks of replication (package repl).
type Replication interface {
	// Info writes the fields of INFO replication.
	Info(b *strings.Builder)
	// Role answers ROLE.
	Role(c *Client)
	// NoReplicas reports whether writes must be refused with NOREPLICAS:
	// min-replicas-to-write is not met.
	NoReplicas() bool
	// MasterStream receives, on a replica, every command read from the
	// master exactly as it arrived, before it runs: replication counts
	// the bytes in its offset and proxies them to sub-replicas and the
	// backlog. raw is borrowed for the call.
	MasterStream(c *Client, raw []byte)
	// ReplicaNewline hears a lone newline from a replica: one that loads
	// a big RDB sends them to show it is alive.
	ReplicaNewline(c *Client)
	// ShutdownReplicas is its share of a shutdown.
	ShutdownReplicas
}

// ShutdownReplicas is replication's share of a shutdown: as Redis 7.0, a
// shutdown (unless NOW) first lets the replicas acknowledge the whole
// stream, for up to shutdown-timeout seconds.
type ShutdownReplicas interface {
	InSync() bool // every replica acknowledged our offset
	AskAcks()     // sends REPLCONF GETACK *
	Report()      // logs the replicas that lag, before exiting
}

// Persister is what the executor asks of persistence (package rdb).
type Persister interface {
	// SerializedLength is DEBUG OBJECT's serializedlength: the bytes the
	// value takes in a snapshot.
	SerializedLength(v any) int
}

// Cluster is what the executor asks of cluster mode (package cluster).
type Cluster interface {
	// Redirect is getNodeByQuery for the command c is about to run (for
	// EXEC, its queued commands): "" when it runs here, else the error to
	// reply, without its '-' (MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN).
	Redirect(c *Client) string
	// Info writes INFO cluster's fields after the section header.
	Info(b *strings.Builder)
	// RedirectBlocked is clusterRedirectBlockedClientIfNeeded for c,
	// blocked on key (a list, sorted set or stream): "" while the key's
	// slot is served here, else the error to unblock it with.
	RedirectBlocked(c *Client, key []byte) string
	// ManualFailoverInProgress reports a CLUSTER FAILOVER under way, on
	// the replica that asked or on its master (mf_end).
	ManualFailoverInProgress() bool
}

// seams are the Server's plug-in points, embedded in Server.
type seams struct {
	// Replication answers for replication; repl.New replaces the
	// standalone master's default.
	Replication Replication
	// Persister answers for persistence; rdb.Attach replaces the default
	// (no save ever failed, estimated lengths).
	Persister Persister
	// AOF is the append only file (package aof) once attached: how its
	// commands find it.
	AOF any
	// Cluster answers for cluster mode; nil unless cluster-enabled
	// (package cluster's Attach sets it).
	Cluster Cluster
	// Scripting is the script engine (package lua) once attached.
	Scripting any
	// Metrics is the metrics endpoint and status page (package metrics)
	// once attached.
	Metrics any
	// ScriptCommandFlags returns the flags of a command that runs a script
	// (EVAL, FCALL), those its script declares: write, denyoom and stale
	// follow its no-writes, allow-oom and allow-stale (scriptFlagsToCmdFlags).
	ScriptCommandFlags func(c *Client, flags CmdFlag) CmdFlag

	cronHooks       []func(now time.Time)
	flushallHooks   []func()
	clientFreeHooks []func(c *Client)
	shutdownHooks   []ShutdownHook
	beforeSleep     []func()
	diskErrors      []func() string
	syncLoadHooks   []func(loading bool)

	// HoldReplies is set by a subsystem that must do its BeforeSleep work
	// once for the whole iteration before any of its replies is written
	// (the AOF's write and fsync under appendfsync always): the loop then
	// writes the replies after BeforeSleep, at the end of the iteration.
	HoldReplies bool
	// BeforeReply is set by a subsystem whose BeforeSleep work must be done
	// before the next reply is written but need not wait for the end of
	// the iteration (the AOF's write under everysec): the loop runs
	// BeforeSleep before writing.
	BeforeReply bool
	// child is the background job that stands for Redis's child process.
	child ChildKind
	// clusterEnabled is cluster-enabled, read once (the directive is
	// immutable): Redis's server.cluster_enabled.
	clusterEnabled bool
	// keyPos is CommandKeys's reused result.
	keyPos []int
}

// ChildKind is the background job running, as Redis's child_type: one at
// a time, as Redis forks one child at a time.
type ChildKind int

const (
	ChildNone ChildKind = iota
	ChildRDB            // BGSAVE, or an RDB streamed to replicas
	ChildAOF            // BGREWRITEAOF
)

// ActiveChild returns the background job running (Redis's
// hasActiveChildProcess when not ChildNone).
func (s *Server) ActiveChild() ChildKind { return s.child }

// SetActiveChild records that a background job started (or, with
// ChildNone, ended).
func (s *Server) SetActiveChild(k ChildKind) { s.child = k }

// OnBeforeSleep runs fn once per event-loop iteration, after the commands
// of the iteration and before their replies are written, as Redis's
// beforeSleep (the AOF writes and fsyncs its buffer there).
func (s *Server) OnBeforeSleep(fn func()) { s.beforeSleep = append(s.beforeSleep, fn) }

// BeforeSleep runs the OnBeforeSleep duties; the loop calls it.
func (s *Server) BeforeSleep() {
	s.HoldReplies, s.BeforeReply = false, false
	s.trackingBroadcast()
	for _, fn := range s.beforeSleep {
		fn()
	}
}

// OnDiskError makes fn able to refuse writes (and PING) with MISCONF: it
// returns the error to reply, "" when the disk is fine. The first in
// registration order that objects answers.
func (s *Server) OnDiskError(fn func() string) { s.diskErrors = append(s.diskErrors, fn) }

func (s *Server) diskError() string {
	for _, fn := range s.diskErrors {
		if msg := fn(); msg != "" {
			return msg
		}
	}
	return ""
}

// OnSyncLoad runs fn(true) before a replica replaces its dataset with
// the RDB of a full sync and fn(false) after it loaded it (the AOF stops,
// then restarts with a rewrite).
func (s *Server) OnSyncLoad(fn func(loading bool)) { s.syncLoadHooks = append(s.syncLoadHooks, fn) }

// SyncLoad runs the OnSyncLoad duties; replication calls it.
func (s *Server) SyncLoad(loading bool) {
	for _, fn := range s.syncLoadHooks {
		fn(loading)
	}
}

// ShutdownHook runs before the process exits; returning an error cancels
// the shutdown unless ShutdownForce is set (a failed final save, say).
type ShutdownHook func(flags int) error

// OnCron runs fn at every serverCron tick, after the executor's own duties.
func (s *Server) OnCron(fn func(now time.Time)) { s.cronHooks = append(s.cronHooks, fn) }

// OnFlushall runs fn after FLUSHALL emptied every database.
func (s *Server) OnFlushall(fn func()) { s.flushallHooks = append(s.flushallHooks, fn) }

// OnClientFree runs fn when a client goes away, after the executor forgot
// its blocking, MONITOR, WATCH and pub/sub state.
func (s *Server) OnClientFree(fn func(c *Client)) { s.clientFreeHooks = append(s.clientFreeHooks, fn) }

// OnShutdown runs fn at shutdown, before the loop stops (the final save).
func (s *Server) OnShutdown(fn ShutdownHook) { s.shutdownHooks = append(s.shutdownHooks, fn) }

// RegisterCommand adds the implementation of a command or subcommand with
// the metadata Redis gives it, like the register calls inside db. It is
// for init functions: the command table is shared by every Server.
func RegisterCommand(name string, proc func(c *Client)) *Command { return register(name, proc) }

// standalone is the behaviour of a server without replication or
// persistence attached: a master without replicas that never saved.
type standalone struct{ s *Server }

// Info writes the fields of a master that never had replicas.
func (a standalone) Info(b *strings.Builder) {
	ib := &infoBuilder{}
	ib.str("role", "master")
	ib.int("connected_slaves", 0)
	ib.str("master_failover_state", "no-failover")
	ib.str("master_replid", a.s.defaultReplID())
	ib.str("master_replid2", strings.Repeat("0", 40))
	ib.int("master_repl_offset", 0)
	ib.int("second_repl_offset", -1)
	ib.int("repl_backlog_active", 0)
	ib.int("repl_backlog_size", a.s.Config.Int("repl-backlog-size"))
	ib.int("repl_backlog_first_byte_offset", 0)
	ib.int("repl_backlog_histlen", 0)
	b.WriteString(ib.String())
}

// Role answers ROLE as a master without replicas.
func (standalone) Role(c *Client) {
	c.ArrayLen(3)
	c.BulkString("master")
	c.Int(0)
	c.ArrayLen(0)
}

func (standalone) NoReplicas() bool                   { return false }
func (standalone) MasterStream(c *Client, raw []byte) {}
func (standalone) ReplicaNewline(c *Client)           {}
func (standalone) InSync() bool                       { return true }
func (standalone) AskAcks()                           {}
func (standalone) Report()                            {}
func (standalone) SerializedLength(v any) int         { return estimateRDBLen(v) }

// NotifyKeyspaceEvent publishes a keyspace event (for commands outside db).
func (s *Server) NotifyKeyspaceEvent(class NotifyFlag, event string, key []byte, dbid int) {
	s.notifyKeyspaceEvent(class, event, key, dbid)
}

// SignalKeyAsReady wakes the clients blocked on key (for commands outside
// db that create keys).
func (s *Server) SignalKeyAsReady(d *DB, key []byte) { s.signalKeyAsReady(d, key) }

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
