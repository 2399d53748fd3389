package db

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis-go/redis-server/logger"
)

// RedisVersion is the version of Redis this server behaves as.
const RedisVersion = "7.0.15"

// Shutdown flags, as SHUTDOWN's arguments.
const (
	ShutdownNoSave = 1 << iota
	ShutdownSave
	ShutdownNow
	ShutdownForce
)

// errShutdownPending is PrepareForShutdown waiting for the replicas: the
// cron finishes the shutdown (finishPendingShutdown).
var errShutdownPending = errors.New("shutdown waits for replicas")

// shutdownState is a shutdown waiting for the replicas.
type shutdownState struct {
	flags    int
	deadline time.Time // zero: none in progress
	waiting  []*Client // SHUTDOWN clients blocked until it ends
	finished bool      // the loop is stopping: later signals are ignored
	// asap is Redis's shutdown_asap: a signal asked for a shutdown, which
	// the cron starts. It and sigint are set by the signal handler's
	// goroutine.
	asap   atomic.Bool
	sigint atomic.Bool // the last signal was SIGINT (else SIGTERM)
}

// PrepareForShutdown starts a shutdown, as Redis's prepareForShutdown: with
// replicas that lag it pauses writes and waits for them (the error is then
// errShutdownPending); otherwise finishShutdown runs the shutdown hooks and
// stops the loop. It returns the error that cancelled the shutdown, if any.
func (s *Server) PrepareForShutdown(flags int) error {
	if !s.shutdown.deadline.IsZero() {
		return errShutdownPending
	}
	if s.Loading { // the data being loaded must not overwrite the dump file
		flags = flags&^ShutdownSave | ShutdownNoSave
	}
	logger.Warningf("User requested shutdown...")
	rs := s.Replication
	timeout := s.Config.Int("shutdown-timeout")
	if flags&ShutdownNow == 0 && timeout != 0 && !rs.InSync() {
		s.shutdown.flags = flags
		s.shutdown.deadline = time.Now().Add(time.Duration(timeout) * time.Second)
		if !s.ClientsPaused() {
			rs.AskAcks()
		}
		s.pauseClients(time.Now().AddDate(100, 0, 0), true)
		logger.Noticef("Waiting for replicas before shutting down.")
		return errShutdownPending
	}
	return s.finishShutdown(flags)
}

// finishShutdown is Redis's finishShutdown: the hooks (the final save)
// then the loop's stop.
func (s *Server) finishShutdown(flags int) error {
	s.Replication.Report()
	for _, fn := range s.shutdownHooks {
		if err := fn(flags); err != nil && flags&ShutdownForce == 0 {
			logger.Warningf("Errors trying to shut down the server. Check the logs for more information.")
			return err
		}
	}
	s.shutdown.finished = true
	if s.Loop != nil {
		s.Loop.Shutdown()
	}
	return nil
}

// finishPendingShutdown ends a shutdown that waits for the replicas once
// they caught up or shutdown-timeout passed.
func (s *Server) finishPendingShutdown(now time.Time) {
	st := &s.shutdown
	if st.deadline.IsZero() || now.Before(st.deadline) && !s.Replication.InSync() {
		return
	}
	st.deadline = time.Time{} // done waiting, whatever happens now
	if s.finishShutdown(st.flags) != nil {
		s.cancelShutdown()
	}
}

// cancelShutdown gives a pending shutdown up: writes resume and the
// SHUTDOWN clients get an error.
func (s *Server) cancelShutdown() {
	for _, c := range s.shutdown.waiting {
		if s.clients[c.ID] == c && c.Flags&ClientBlocked != 0 {
			c.Error("ERR Errors trying to SHUTDOWN. Check logs.")
			s.finishBlocked(c)
		}
	}
	s.shutdown.flags, s.shutdown.deadline, s.shutdown.waiting = 0, time.Time{}, nil
	s.shutdown.asap.Store(false)
	s.unpause()
}

// abortShutdown is SHUTDOWN ABORT: false when no shutdown is in progress.
func (s *Server) abortShutdown() bool {
	switch {
	case !s.shutdown.deadline.IsZero():
		s.cancelShutdown()
	case s.shutdown.asap.Load(): // asked by a signal, not started yet
		s.shutdown.asap.Store(false)
	default:
		return false
	}
	logger.Noticef("Shutdown manually aborted.")
	return true
}

// SignalShutdown is what the handler of SIGTERM and SIGINT does: it asks
// for a shutdown, which the next cron starts (shutdownFromSignal). It is
// safe from any goroutine.
func (s *Server) SignalShutdown(sigint bool) {
	s.shutdown.sigint.Store(sigint)
	s.shutdown.asap.Store(true)
}

// ServeShutdownSignal starts at once, on the loop, the shutdown a signal
// asked for, rather than at the next cron as Redis does (up to 1/hz
// later): the same shutdown, without the wait. Under DEBUG PAUSE-CRON it
// waits for the cron, as Redis's, so that SHUTDOWN ABORT may cancel it.
func (s *Server) ServeShutdownSignal() {
	if !s.pauseCron {
		s.shutdownFromSignal()
	}
}

// ShutdownAsked reports a signal's shutdown that has not ended, or not
// failed, yet: a second SIGINT then exits at once. Safe from any goroutine.
func (s *Server) ShutdownAsked() bool { return s.shutdown.asap.Load() }

// shutdownFromSignal starts the shutdown a signal asked for, with the flags
// of shutdown-on-sigint or shutdown-on-sigterm, as serverCron does.
func (s *Server) shutdownFromSignal() {
	st := &s.shutdown
	if !st.asap.Load() || !st.deadline.IsZero() || st.finished {
		return
	}
	name := "shutdown-on-sigterm"
	if st.sigint.Load() {
		name = "shutdown-on-sigint"
	}
	flags := s.signalShutdownFlags(int(s.Config.Int(name)))
	if err := s.PrepareForShutdown(flags); err != nil && err != errShutdownPending {
		st.asap.Store(false)
		logger.Warningf("SIGTERM received but errors trying to shut down the server, check the logs for more information")
	}
}

// signalShutdownFlags maps shutdown-on-sig*'s value (save 1, nosave 2,
// now 4, force 8) to SHUTDOWN's flags.
func (s *Server) signalShutdownFlags(v int) int {
	flags := 0
	if v&1 != 0 {
		flags |= ShutdownSave
	}
	if v&2 != 0 {
		flags |= ShutdownNoSave
	}
	if v&4 != 0 {
		flags |= ShutdownNow
	}
	if v&8 != 0 {
		flags |= ShutdownForce
	}
	return flags
}
