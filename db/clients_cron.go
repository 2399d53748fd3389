package db

// The clients' share of serverCron, as Redis's clientsCron: closing
// connections idle for longer than the timeout parameter, resizing the
// buffers (client_mem.go), tracking the recent largest buffers, counting
// every client's memory and enforcing the output buffer limits on clients
// that got no new output.

import (
	"time"

	"github.com/redis-go/redis-server/logger"
)

// clientsCron runs every cron tick. Like Redis it visits numclients/hz
// clients per tick (clientsCronBatch), each about once a second, to resize
// their buffers, track the largest and update the class totals; that
// cadence is what INFO and CLIENT LIST show. Every client each tick has its
// share of used_memory recounted (what the socket layer sent is gone) and
// its output limits checked, which keeps the soft limit's seconds exact.
func (s *Server) clientsCron(now time.Time) {
	s.closeIdleClients(now)
	l := &s.climits
	slot := int(now.Unix() % peakSlots)
	// The next second's slot starts empty, so that it only holds what is
	// seen during that second.
	next := (slot + 1) % peakSlots
	l.peakIn[next], l.peakOut[next] = 0, 0
	for _, c := range s.clientsCronBatch() {
		if c.Flags&ClientCloseASAP != 0 {
			continue
		}
		if s.Cluster != nil && c.Flags&ClientBlocked != 0 {
			s.clusterRedirectBlocked(c)
		}
		s.clientsCronVisit(c, now)
		s.trackExpansiveClient(c, slot)
	}
	for _, c := range s.clients {
		if c.Flags&ClientCloseASAP != 0 {
			continue
		}
		s.clientMemChanged(c)
		s.closeOnOutputLimit(c, false, now)
	}
	s.evictClients()
}

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
			s.killClientNow(c)
		}
	}
}
