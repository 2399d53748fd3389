// Propagation: how the writes reach the replicas and the AOF, as Redis
// 7.0's alsoPropagate / propagatePendingCommands.
//
// While a command runs, what it changed is collected as a list of
// commands, each the deterministic effect of a change: the command itself
// once it returns (call), or what it asks for instead (SREMs for SPOP, a DEL
// for a lazily expired key, the commands of an EXEC). When the outermost
// call returns, the list goes to every propagator as one unit, wrapped in
// MULTI/EXEC when it holds more than one command, so that a replica or the
// AOF applies it atomically. MULTI carries the db of the unit's first
// command and EXEC that of its last, so that a SELECT comes before MULTI.
// Outside any command (active expiry in the cron) each write goes out on
// its own.
//
// Commands that nest (EXEC, later scripts) add to the unit of the call
// that runs them: the nesting counter says when the outermost call ends.
//
// Each write has targets, as Redis's PROPAGATE_AOF|PROPAGATE_REPL: PUBLISH
// goes to the replicas only, and what our master sent goes to the AOF only
// (replication proxies the master's stream as it arrived).

package db

// A Propagator receives the writes as commands: dbid is the database they
// apply to, or -1 for none; argv is borrowed for the call.
type Propagator func(dbid int, argv [][]byte)

// PropagateTarget says where a write goes.
type PropagateTarget uint8

const (
	PropagateAOF  PropagateTarget = 1 << iota // the append only file
	PropagateRepl                             // the replicas and the backlog

	PropagateAll = PropagateAOF | PropagateRepl
)

// propagation is the Server's propagation state.
type propagation struct {
	to      []propagator
	pending []propagatedOp // the unit being collected
	nesting int            // calls in progress
}

type propagator struct {
	target    PropagateTarget
	fn        Propagator
	listening func() bool // nil: always
}

// propagatedOp is a write waiting in the unit, its argv owned.
type propagatedOp struct {
	dbid   int
	argv   [][]byte
	target PropagateTarget
}

var (
	argMULTI = [][]byte{[]byte("MULTI")}
	argEXEC  = [][]byte{[]byte("EXEC")}
)

// AddPropagator makes p receive every write for target (the replication
// stream, the AOF). The order of calls is the order of the stream.
func (s *Server) AddPropagator(target PropagateTarget, p Propagator) {
	s.AddPropagatorWhile(target, p, nil)
}

// AddPropagatorWhile is AddPropagator for a receiver that takes the
// writes only in some states (the AOF while it is on, replication once it
// has a backlog): while no receiver is listening, commands collect
// nothing (the command itself, an XREADGROUP's XCLAIMs, SPOP's SREMs),
// where Redis builds them all and drops them in propagateNow. p still
// gets what is collected for another receiver, and drops it while it is
// not listening.
func (s *Server) AddPropagatorWhile(target PropagateTarget, p Propagator, listening func() bool) {
	s.prop.to = append(s.prop.to, propagator{target, p, listening})
}

// propagating reports whether anything receives the writes: a command may
// skip collecting its effects otherwise.
func (s *Server) propagating() bool {
	for _, p := range s.prop.to {
		if p.listening == nil || p.listening() {
			return true
		}
	}
	return false
}

// AlsoPropagate adds a write to the unit of the command being run, or
// sends it now outside a command. argv is copied. A write made by a
// command of our master goes to the AOF only.
func (s *Server) AlsoPropagate(dbid int, argv [][]byte) {
	target := PropagateAll
	if c := s.Executing; c != nil && c.Flags&ClientMaster != 0 {
		target = PropagateAOF
	}
	s.alsoPropagate(dbid, argv, target)
}

func (s *Server) alsoPropagate(dbid int, argv [][]byte, target PropagateTarget) {
	if !s.propagating() {
		return
	}
	if c := s.Executing; c != nil && c.Flags&ClientScript != 0 {
		target &= c.ScriptRepl // redis.set_repl
	}
	if target == 0 {
		return
	}
	if s.prop.nesting == 0 {
		s.propagateNow(dbid, argv, target)
		return
	}
	s.prop.pending = append(s.prop.pending, propagatedOp{dbid, copyArgv(argv), target})
}

// propagateCall adds the command c ran to its unit. The common case, the
// only write of an outermost call, goes out at once without a copy: its
// argv is valid until the call returns.
func (s *Server) propagateCall(c *Client, target PropagateTarget) {
	if !s.propagating() {
		return
	}
	if c.Flags&ClientScript != 0 {
		if target &= c.ScriptRepl; target == 0 {
			return
		}
	}
	if s.prop.nesting == 1 && len(s.prop.pending) == 0 {
		s.propagateNow(c.DB.ID, c.Argv, target)
		return
	}
	s.alsoPropagate(c.DB.ID, c.Argv, target)
}

// propagatePending sends the unit the outermost call collected.
func (s *Server) propagatePending() {
	ops := s.prop.pending
	if len(ops) == 0 {
		return
	}
	// SCAN and RANDOMKEY expire whatever keys they meet: each DEL goes
	// out on its own, as active expiry's (CMD_TOUCHES_ARBITRARY_KEYS).
	wrap := len(ops) > 1
	if c := s.Executing; c != nil && c.Cmd != nil && (c.Cmd.Name == "scan" || c.Cmd.Name == "randomkey") {
		wrap = false
	}
	var all PropagateTarget
	for _, op := range ops {
		all |= op.target
	}
	if wrap {
		s.propagateNow(ops[0].dbid, argMULTI, all)
	}
	for _, op := range ops {
		s.propagateNow(op.dbid, op.argv, op.target)
	}
	if wrap {
		s.propagateNow(ops[len(ops)-1].dbid, argEXEC, all)
	}
	clear(ops)
	s.prop.pending = ops[:0]
}

// dropPending forgets what the unit collected after its first mark
// writes: what an AOF load replays is already in the AOF.
func (s *Server) dropPending(mark int) {
	clear(s.prop.pending[mark:])
	s.prop.pending = s.prop.pending[:mark]
}

func (s *Server) propagateNow(dbid int, argv [][]byte, target PropagateTarget) {
	for _, p := range s.prop.to {
		if p.target&target != 0 {
			p.fn(dbid, argv)
		}
	}
}

// copyArgv copies argv in two allocations: the slice and one buffer that
// all the arguments share (each capped, so that an append to one cannot
// overwrite the next).
func copyArgv(argv [][]byte) [][]byte {
	n := 0
	for _, a := range argv {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	own := make([][]byte, len(argv))
	for i, a := range argv {
		start := len(buf)
		buf = append(buf, a...)
		own[i] = buf[start:len(buf):len(buf)]
	}
	return own
}
