package db

// The clients' share of serverCron: closing connections idle for longer
// than the timeout parameter, as Redis's clientsCronHandleTimeout.

import (
	"time"

	"github.com/redis-go/redis-server/logger"
)

// closeIdleClients closes the normal clients that sent nothing for more
// than timeout seconds. Replicas, MONITOR clients, the master, blocked or
// paused clients and subscribers never time out. Like Redis it compares
// whole unix seconds.
func (s *Server) closeIdleClients(now time.Time) {
	maxIdle := s.Config.Int("timeout")
	if maxIdle <= 0 {
		return
	}
	const exempt = ClientReplica | ClientMonitor | ClientMaster | ClientBlocked | ClientPaused | ClientPubSub
	for _, c := range s.clients {
		if c.Flags&exempt != 0 || c.subscriptionCount() > 0 || c.Closing() {
			continue
		}
		if now.Unix()-c.LastActive.Unix() > maxIdle {
			logger.Verbosef("Closing idle client")
			s.killClient(c)
		}
	}
}
