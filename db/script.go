// Scripts: how a script engine (package lua) runs Redis commands, as
// Redis's script.c. A script runs inside the call of EVAL (or FCALL) on the
// executor; each redis.call goes through ScriptCall, which applies the
// rules of commands called from scripts (scriptCall: arity, noscript,
// read-only scripts, a read-only replica, MISCONF, a stale replica) and
// runs the command with call() as a client of no connection, the script
// client, whose reply it hands back as RESP bytes. The writes a script
// makes are nested in EXEC's way: they reach the AOF and the replicas as
// one unit, wrapped in MULTI/EXEC (effects replication, Redis 7.0's only
// mode); EVAL itself is never propagated.

package db

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func init() {
	RegisterDebug("set-disable-deny-scripts", 3, func(c *Client) {
		n, _ := strconv.Atoi(strings.TrimSpace(string(c.Argv[2])))
		c.srv.scriptAllowDenied = n != 0
		c.OK()
	})
}

// SetScriptRunners marks the commands that run scripts (EVAL, FCALL, ...):
// processCommand asks Server.ScriptCommandFlags for their flags, which
// depend on the script (getCommandFlags).
func SetScriptRunners(names ...string) {
	for _, n := range names {
		if cmd := commands[n]; cmd != nil {
			cmd.scriptRunner = true
		}
	}
}

// ScriptStats is what INFO asks of the script engine.
type ScriptStats interface {
	// ScriptCounts returns the scripts in the EVAL cache, the functions
	// and the libraries of functions.
	ScriptCounts() (scripts, functions, libraries int)
}

// ScriptRun is the state of one script's run.
type ScriptRun struct {
	Caller *Client // the client that called EVAL / FCALL
	C      *Client // the script client its commands run as
	// ReadOnly refuses write commands (EVAL_RO, FCALL_RO, no-writes).
	ReadOnly bool
	// AllowOOM lets it run denyoom commands over maxmemory (allow-oom).
	AllowOOM bool
	// WriteDirty is set once the script ran a write command: later
	// writes may no longer be refused for the server's state.
	WriteDirty bool
	// Written is WriteDirty for other goroutines (the slow-script timer).
	Written atomic.Bool
	// Async is set when the script runs on a goroutine of its own, which
	// may become busy (script_busy.go): its commands then take ScriptMu.
	Async bool
	// SlotBound keeps the script's keys in one slot in cluster mode: a
	// script with flags (a shebang) that did not declare
	// allow-cross-slot-keys.
	SlotBound bool

	// slot is the hash slot the script's keys are in so far (Redis's
	// original client's slot), -1 for none; slotKnown once computed.
	slot      int
	slotKnown bool
}

// NewScriptClient returns the client a script's commands run as: not
// registered among the connections, never blocking (ClientScript).
func (s *Server) NewScriptClient() *Client {
	c := &Client{ID: -2, srv: s, DB: s.DBs[0], User: "default", Authenticated: true}
	c.Proto = 2
	c.Flags = ClientScript
	c.ScriptRepl = PropagateAll
	return c
}

// BeginScript prepares the script client for a run called by caller: its
// db, RESP 2 and full propagation, as Redis resets them for each run.
func (s *Server) BeginScript(run *ScriptRun) {
	c := run.C
	c.DB = run.Caller.DB
	if c.DB.srv != s { // the databases were replaced since (FLUSHALL ASYNC, a load)
		c.DB = s.DBs[run.Caller.DB.ID]
	}
	c.Proto = 2
	c.ScriptRepl = PropagateAll
	c.Buf = c.Buf[:0]
	c.scriptCaller = run.Caller
	// Time stands still for the script: a key expires at its first
	// access, not in the middle of the script (Redis's scriptTimeSnapshot).
	c.scriptTime = time.Now().UnixMilli()
}

// ScriptCall runs argv (borrowed for the call) from a script and returns
// its reply as RESP bytes, valid until the next call, or the error Redis
// raises in the script for a command a script may not run (err then has
// no reply).
func (s *Server) ScriptCall(run *ScriptRun, argv [][]byte) (reply []byte, err string) {
	if run.Async {
		s.ScriptMu.Lock()
		defer s.ScriptMu.Unlock()
	}
	reply, err = s.scriptCall(run, argv)
	if err != "" { // counted here, passed on by the script uncounted
		if code, ok := strings.CutPrefix(err, "-"); ok {
			s.countError(code)
		} else {
			s.countError("ERR " + err)
		}
	}
	return reply, err
}

func (s *Server) scriptCall(run *ScriptRun, argv [][]byte) (reply []byte, err string) {
	c := run.C
	cmd := s.table().lookup(argv)
	if cmd == nil || cmd.Sub != nil && len(argv) >= 2 {
		return nil, "Unknown Redis command called from script"
	}
	if cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity {
		return nil, "Wrong number of args calling Redis command from script"
	}
	c.Cmd = cmd
	if cmd.Has(FlagNoScript) && !s.scriptAllowDenied {
		s.Stat(cmd).RejectedCalls++
		return nil, "This Redis command is not allowed from script"
	}
	if s.RunningStale() && !cmd.Has(FlagStale) {
		s.Stat(cmd).RejectedCalls++
		return nil, "Can not execute the command on a stale replica"
	}
	if msg := s.scriptACLCheck(c, cmd, argv); msg != "" {
		s.Stat(cmd).RejectedCalls++
		return nil, msg
	}
	if msg := s.scriptWriteAllowed(run, cmd); msg != "" {
		s.Stat(cmd).RejectedCalls++
		return nil, msg
	}
	if s.scriptOOM(run, cmd) {
		s.Stat(cmd).RejectedCalls++
		return nil, "-" + errOOM
	}
	if cmd.Has(FlagWrite) {
		run.WriteDirty = true
		run.Written.Store(true)
	}
	c.Argv = argv
	if s.Cluster != nil && !run.Caller.MustObey() {
		if msg := s.scriptClusterCheck(run, c); msg != "" {
			c.Argv = nil
			s.Stat(cmd).RejectedCalls++
			return nil, msg
		}
	}
	c.Buf = c.Buf[:0]
	s.call(c)
	c.Argv = nil
	return c.Buf, ""
}

// scriptOOM is scriptVerifyOOM: over maxmemory when the script started,
// its first denyoom command fails, unless it declared allow-oom; after a
// write it may no longer stop halfway.
func (s *Server) scriptOOM(run *ScriptRun, cmd *Command) bool {
	return !run.AllowOOM && run.Caller.Flags&(ClientMaster|ClientAOF) == 0 && !run.WriteDirty &&
		cmd.Has(FlagDenyOOM) && s.PreCommandOOM()
}

// scriptWriteAllowed is scriptVerifyWriteCommandAllow: writes are refused
// in read-only scripts, and, until the script wrote, on a read-only
// replica, with MISCONF and with NOREPLICAS.
func (s *Server) scriptWriteAllowed(run *ScriptRun, cmd *Command) string {
	if run.ReadOnly && cmdMayReplicate(cmd) {
		return "Write commands are not allowed from read-only scripts."
	}
	if !cmd.Has(FlagWrite) || run.WriteDirty {
		return ""
	}
	// Our master and the AOF being loaded must be obeyed (mustObeyClient).
	if s.IsReplica && s.ReplicaReadOnly && !run.Caller.MustObey() {
		return "-" + ErrReadOnly
	}
	if msg := s.diskError(); msg != "" && !run.Caller.MustObey() {
		return "-" + msg
	}
	if s.Replication.NoReplicas() {
		return "-NOREPLICAS Not enough good replicas to write."
	}
	return ""
}

// ScriptFlagsCheck is what Redis checks before running a script that
// declared flags (scriptPrepareForRun): "" when it may run. write is the
// script's lack of no-writes; ro is EVAL_RO/FCALL_RO.
func (s *Server) ScriptFlagsCheck(caller *Client, write, ro, allowStale, allowOOM bool) string {
	if s.RunningStale() && !allowStale {
		return "-MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."
	}
	if !write {
		return ""
	}
	if s.IsReplica && s.ReplicaReadOnly && !caller.MustObey() {
		return "-READONLY Can not run script with write flag on readonly replica"
	}
	if msg := s.diskError(); msg != "" && !caller.MustObey() {
		return "-" + msg
	}
	if ro {
		return "Can not execute a script with write flag using *_ro command."
	}
	if s.Replication.NoReplicas() {
		return "-NOREPLICAS Not enough good replicas to write."
	}
	if !allowOOM && s.PreCommandOOM() {
		return "-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	}
	return ""
}

// RunningStale reports whether this is a replica without its master that
// must not serve stale data (replica-serve-stale-data no).
func (s *Server) RunningStale() bool { return s.IsReplica && !s.MasterLinkUp && !s.ServeStaleData }

// CommandExists reports whether argv names a command (and subcommand)
// of the server's table.
func (s *Server) CommandExists(argv [][]byte) bool {
	cmd := s.table().lookup(argv)
	return cmd != nil && !(cmd.Sub != nil && len(argv) >= 2)
}

// PreventPropagation keeps call() from propagating c's command itself:
// EVAL's effects travel as the commands its script ran.
func (c *Client) PreventPropagation() { c.preventPropagate = true }

// ReplyRaw appends protocol bytes to c's reply as they are (a script's
// reply, built by the engine).
func (c *Client) ReplyRaw(b []byte) { c.Buf = append(c.Buf, b...) }

// ErrorReply answers msg as Redis's addReplyErrorFormat does: "-ERR "
// first unless msg starts with '-', newlines turned into spaces. call
// counts it in errorstats, as every error reply.
func (s *Server) ErrorReply(c *Client, msg string) {
	if strings.HasPrefix(msg, "-") {
		msg = msg[1:]
	} else {
		msg = "ERR " + msg
	}
	c.ErrorAsIs(msg)
}

// ErrorReplyNoStats is ErrorReply for an error counted where it happened:
// a script passing on the error of its redis.call (Redis's
// ERR_REPLY_FLAG_NO_STATS_UPDATE). The command still counts as failed.
func (s *Server) ErrorReplyNoStats(c *Client, msg string) {
	s.ErrorReply(c, msg)
	c.errorCounted = true
}
