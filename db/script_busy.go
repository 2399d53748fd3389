// Busy scripts. A script that runs past busy-reply-threshold does not
// hold the whole server, as in Redis: the script engine runs scripts on a
// goroutine of its own while the loop waits, and once the threshold passes
// the loop stops waiting and serves the other clients again. They get
// -BUSY for anything but the commands flagged allow_busy (SCRIPT KILL,
// FUNCTION KILL, SHUTDOWN NOSAVE, the transaction and connection
// commands), the master's stream waits, and the caller's EVAL completes
// when the script returns (EndBusyScript), its pipelined commands after it.
//
// Two goroutines then share the server, so ScriptMu says who owns it: the
// loop holds it whenever it handles an event, and lets it go only while
// waiting for a script; the script's goroutine takes it for each command
// the script runs (ScriptCall) and lets it go while Lua computes. Between
// the two, nothing is shared without it.

package db

import (
	"time"

	"github.com/redis-go/redis-server/logger"
)

const (
	errBusyEval   = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyScript = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)

// BusyScript is what the engine tells the server of a script that went
// past busy-reply-threshold.
type BusyScript struct {
	Eval bool   // EVAL's (SCRIPT KILL stops it) or a function (FUNCTION KILL)
	Name string // the function's name, for FUNCTION STATS
	// Kill makes the script fail with SCRIPT KILL's error at its next
	// instruction; any goroutine may call it.
	Kill func()
	// Ended receives once the killed script returned.
	Ended   <-chan struct{}
	Started time.Time
	// Reply writes the script's reply to its caller, once it returned.
	Reply func(c *Client)
	// Gen tells this run from a later one (EndBusyScript).
	Gen uint64
}

// busyRun is the running busy script and the EVAL it suspended.
type busyRun struct {
	BusyScript
	run    *ScriptRun
	caller *Client
	argv   [][]byte // the caller's command, owned
	call   callState
	gone   bool // the caller disconnected meanwhile
	ended  bool // the script returned (a kill waited for it)
}

// ScriptBusy reports whether a script runs past busy-reply-threshold.
func (s *Server) ScriptBusy() bool { return s.busy != nil }

// busyError is the -BUSY error for the kind of script running.
func (s *Server) busyError() string {
	if s.busy.Eval {
		return errBusyEval
	}
	return errBusyScript
}

// SuspendScript is called by the engine, on the loop, inside the caller's
// EVAL or FCALL, when its script passed busy-reply-threshold: the command
// returns without its reply and the loop goes back to serving. The script
// goes on on its goroutine; the engine calls EndBusyScript when it ends.
func (s *Server) SuspendScript(run *ScriptRun, b BusyScript) {
	c := run.Caller
	argv := copyArgv(c.Argv)
	s.busy = &busyRun{BusyScript: b, run: run, caller: c, argv: argv}
	c.Argv = argv
	c.argvOwned = true
}

// suspended reports whether c's command is the busy script's EVAL, which
// call leaves unfinished.
func (s *Server) suspended(c *Client) bool {
	return s.busy != nil && s.busy.caller == c && s.busy.call.cmd == nil
}

// EndBusyScript ends the busy state of run gen once its script returned,
// on the loop; a kill may have ended it already (endKilled).
func (s *Server) EndBusyScript(gen uint64) {
	if s.busy != nil && s.busy.Gen == gen {
		s.endBusy()
	}
}

// endKilled ends the busy state right after the SCRIPT KILL or FUNCTION
// KILL that waited for the script's end, as Redis: the next command, from
// any client, runs as usual.
func (s *Server) endKilled() {
	if s.busy != nil && s.busy.ended {
		s.endBusy()
	}
}

// endBusy completes the caller's command: the script's reply, the rest of
// its call (statistics, propagation of the script's writes), then the
// commands the caller sent meanwhile, and the master's.
func (s *Server) endBusy() {
	b := s.busy
	s.busy = nil
	c := b.caller
	c.Argv = b.argv
	b.Reply(c)
	s.callDone(c, b.call)
	c.Argv = nil
	if b.gone {
		s.FreeClient(c)
	} else {
		s.MarkPending(c)
		s.ResumeInput(c)
	}
	for _, m := range s.clients {
		if m.Flags&ClientMaster != 0 && len(m.qbuf) > 0 {
			s.ResumeInput(m)
		}
	}
}

// BusyCaller is the client whose script is busy, nil when none.
func (s *Server) BusyCaller() *Client {
	if s.busy == nil {
		return nil
	}
	return s.busy.caller
}

// KillScript is SCRIPT KILL (eval) and FUNCTION KILL, as Redis's
// scriptKill.
func (s *Server) KillScript(c *Client, eval bool) {
	b := s.busy
	switch {
	case b == nil:
		c.Error("NOTBUSY No scripts in execution right now.")
	case b.caller.Flags&ClientMaster != 0:
		c.Error("UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.")
	case b.run.Written.Load():
		c.Error("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	case eval && !b.Eval:
		s.replyError(c, errBusyScript)
	case !eval && b.Eval:
		s.replyError(c, errBusyEval)
	default:
		logger.Warningf("Lua script killed by user with SCRIPT KILL.")
		b.Kill()
		// As in Redis, the script is over when the reply is: its end is
		// queued to the loop before this reply is written.
		s.WaitScript(b.Ended)
		b.ended = true
		c.OK()
	}
}

// RunningScript describes the busy script for FUNCTION STATS: its name,
// its caller's command and how long it has run; ok is false when none.
func (s *Server) RunningScript() (b BusyScript, argv [][]byte, ok bool) {
	if s.busy == nil {
		return BusyScript{}, nil, false
	}
	return s.busy.BusyScript, s.busy.argv, true
}

// Acquire takes ScriptMu for the loop, for the event it handles; it
// returns false when the loop holds it already (a nested handler), and
// Release(false) is then a no-op.
func (s *Server) Acquire() bool {
	if s.loopHolds {
		return false
	}
	s.ScriptMu.Lock()
	s.loopHolds = true
	return true
}

// Release gives back what Acquire took.
func (s *Server) Release(acquired bool) {
	if acquired {
		s.loopHolds = false
		s.ScriptMu.Unlock()
	}
}

// ScriptMayYield reports whether the script c calls may run on the
// engine's goroutine, and so become busy: c is a connection whose command
// the loop runs, not a transaction, our master, the AOF or a script.
func (s *Server) ScriptMayYield(c *Client) bool {
	return s.loopHolds && s.busy == nil && c.ID > 0 &&
		c.Flags&(ClientMulti|ClientMaster|ClientAOF|ClientScript) == 0
}

// WaitScript lets the script's goroutine own the server until wake
// receives, on the loop: the loop holds ScriptMu again when it returns.
func (s *Server) WaitScript(wake <-chan struct{}) {
	s.loopHolds = false
	s.ScriptMu.Unlock()
	<-wake
	s.ScriptMu.Lock()
	s.loopHolds = true
}
