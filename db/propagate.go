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

package db

// A Propagator receives the replication stream as commands: dbid is the
// database they apply to, or -1 for none; argv is borrowed for the call.
type Propagator func(dbid int, argv [][]byte)

// propagation is the Server's propagation state.
type propagation struct {
	to      []Propagator
	pending []propagatedOp // the unit being collected
	nesting int            // calls in progress
}

// propagatedOp is a write waiting in the unit, its argv owned.
type propagatedOp struct {
	dbid int
	argv [][]byte
}

var (
	argMULTI = [][]byte{[]byte("MULTI")}
	argEXEC  = [][]byte{[]byte("EXEC")}
)

// AddPropagator makes p receive every write (the replication stream, the
// AOF). The order of calls is the order of the stream.
func (s *Server) AddPropagator(p Propagator) { s.prop.to = append(s.prop.to, p) }

// propagating reports whether anything receives the writes: a command may
// skip collecting its effects otherwise.
func (s *Server) propagating() bool { return len(s.prop.to) > 0 }

// AlsoPropagate adds a write to the unit of the command being run, or
// sends it now outside a command. argv is copied.
func (s *Server) AlsoPropagate(dbid int, argv [][]byte) {
	if !s.propagating() {
		return
	}
	if s.prop.nesting == 0 {
		s.propagateNow(dbid, argv)
		return
	}
	own := make([][]byte, len(argv))
	for i, a := range argv {
		own[i] = append([]byte(nil), a...)
	}
	s.prop.pending = append(s.prop.pending, propagatedOp{dbid, own})
}

// propagateCall adds the command c ran to its unit. The common case, the
// only write of an outermost call, goes out at once without a copy: its
// argv is valid until the call returns.
func (s *Server) propagateCall(c *Client) {
	if !s.propagating() {
		return
	}
	if s.prop.nesting == 1 && len(s.prop.pending) == 0 {
		s.propagateNow(c.DB.ID, c.Argv)
		return
	}
	s.AlsoPropagate(c.DB.ID, c.Argv)
}

// propagatePending sends the unit the outermost call collected.
func (s *Server) propagatePending() {
	ops := s.prop.pending
	if len(ops) == 0 {
		return
	}
	wrap := len(ops) > 1
	if wrap {
		s.propagateNow(ops[0].dbid, argMULTI)
	}
	for _, op := range ops {
		s.propagateNow(op.dbid, op.argv)
	}
	if wrap {
		s.propagateNow(ops[len(ops)-1].dbid, argEXEC)
	}
	clear(ops)
	s.prop.pending = ops[:0]
}

func (s *Server) propagateNow(dbid int, argv [][]byte) {
	for _, p := range s.prop.to {
		p(dbid, argv)
	}
}
