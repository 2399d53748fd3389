package db

import "github.com/redis-go/redis-server/logger"

// RedisVersion is the version of Redis this server behaves as.
const RedisVersion = "7.0.15"

// Shutdown flags, as SHUTDOWN's arguments.
const (
	ShutdownNoSave = 1 << iota
	ShutdownSave
	ShutdownNow
	ShutdownForce
)

// ShutdownHook runs before the process exits; returning an error cancels
// the shutdown unless ShutdownForce is set (a failed final save, say).
type ShutdownHook func(s *Server, flags int) error

// shutdownHooks are registered by persistence and replication.
var shutdownHooks []ShutdownHook

// AddShutdownHook registers fn to run at shutdown.
func AddShutdownHook(fn ShutdownHook) { shutdownHooks = append(shutdownHooks, fn) }

// PrepareForShutdown runs the shutdown hooks and stops the loop, as Redis's
// prepareForShutdown/finishShutdown. It returns the error that cancelled
// the shutdown, if any.
func (s *Server) PrepareForShutdown(flags int) error {
	logger.Warningf("User requested shutdown...")
	for _, fn := range shutdownHooks {
		if err := fn(s, flags); err != nil && flags&ShutdownForce == 0 {
			logger.Warningf("Errors trying to shut down the server. Check the logs for more information.")
			return err
		}
	}
	if s.Loop != nil {
		s.Loop.Shutdown()
	}
	return nil
}

// ShutdownFromSignal handles SIGTERM and SIGINT.
func (s *Server) ShutdownFromSignal() {
	if s.PrepareForShutdown(0) != nil {
		logger.Warningf("SIGTERM received but errors trying to shut down the server, check the logs for more information")
	}
}
