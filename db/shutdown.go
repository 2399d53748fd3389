package db

import (
	"errors"
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
	s.shutdown = shutdownState{}
	s.unpause()
}

// abortShutdown is SHUTDOWN ABORT: false when no shutdown is in progress.
func (s *Server) abortShutdown() bool {
	if s.shutdown.deadline.IsZero() {
		return false
	}
	s.cancelShutdown()
	logger.Noticef("Shutdown manually aborted.")
	return true
}

// ShutdownFromSignal handles SIGTERM and SIGINT.
func (s *Server) ShutdownFromSignal() {
	if s.shutdown.finished {
		return // a second signal while the loop is already stopping
	}
	if err := s.PrepareForShutdown(0); err != nil && err != errShutdownPending {
		logger.Warningf("SIGTERM received but errors trying to shut down the server, check the logs for more information")
	}
}
