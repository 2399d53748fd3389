package repl

// WAIT numreplicas timeout, as Redis's synchronous replication: a client
// waits until numreplicas replicas acknowledged the offset of its last
// write. Replicas ACK once a second on their own; WAIT asks them at once
// with REPLCONF GETACK *, sent once per loop iteration for every WAIT of
// that iteration, as Redis's beforeSleep does.

import (
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// waiter is a client blocked in WAIT.
type waiter struct {
	c           *db.Client
	bs          *db.BlockState // its wait; another one means this one ended
	offset      int64
	numReplicas int64
}

func init() {
	db.RegisterCommand("wait", waitCommand)
}

func waitCommand(c *db.Client) {
	r := of(c)
	if r.srv.IsReplica {
		c.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	numReplicas, ok := c.IntArg(1)
	if !ok {
		return
	}
	timeout, ok := db.ParseInt(c.Argv[2])
	if !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return
	}
	if timeout < 0 {
		c.Error("ERR timeout is negative")
		return
	}
	var deadline int64
	if timeout > 0 {
		deadline = time.Now().UnixMilli() + timeout
	}
	offset := r.woff[c]
	acks := r.countAcks(offset)
	if acks >= numReplicas || c.Flags&db.ClientMulti != 0 {
		c.Int(acks)
		return
	}
	r.srv.BlockClient(c, deadline, func(c *db.Client) {
		r.forgetWaiting(c)
		c.Int(r.countAcks(offset))
	})
	r.waiting = append(r.waiting, &waiter{c: c, bs: c.Blocking, offset: offset, numReplicas: numReplicas})
	r.askAcks()
}

// countAcks is the number of online replicas that acknowledged offset.
func (r *Repl) countAcks(offset int64) int64 {
	n := int64(0)
	for _, rep := range r.replicas {
		if rep.state == online && rep.AckOffset >= offset {
			n++
		}
	}
	return n
}

// askAcks sends REPLCONF GETACK * to the replicas once the loop is done
// with the current events, so that the WAITs of one iteration share it.
func (r *Repl) askAcks() {
	if r.ackAsked {
		return
	}
	r.ackAsked = true
	if r.loop != nil {
		r.loop.Execute(r.sendGetAck)
	}
}

// sendGetAck propagates REPLCONF GETACK *, unless clients are paused:
// then the cron sends it once they are not.
func (r *Repl) sendGetAck() {
	if !r.ackAsked || r.srv.ClientsPaused() {
		return
	}
	r.ackAsked = false
	r.propagate(r.streamDB, [][]byte{[]byte("REPLCONF"), []byte("GETACK"), []byte("*")})
}

// processWaitingClients answers the WAITs that enough replicas
// acknowledged, Redis's processClientsWaitingReplicas.
func (r *Repl) processWaitingClients() {
	var lastOffset, lastCount int64
	kept := r.waiting[:0]
	for _, w := range r.waiting {
		if w.c.Blocking != w.bs || w.c.Flags&db.ClientBlocked == 0 {
			continue // ended otherwise (CLIENT UNBLOCK ... ERROR, role change)
		}
		n := lastCount
		if lastOffset == 0 || lastOffset < w.offset || lastCount < w.numReplicas {
			if n = r.countAcks(w.offset); n < w.numReplicas {
				kept = append(kept, w)
				continue
			}
			lastOffset, lastCount = w.offset, n
		}
		w.c.Int(n)
		r.srv.FinishBlocked(w.c)
	}
	clear(r.waiting[len(kept):])
	r.waiting = kept
}

// forgetWaiting drops c's WAIT, if any.
func (r *Repl) forgetWaiting(c *db.Client) {
	for i, w := range r.waiting {
		if w.c == c {
			r.waiting = append(r.waiting[:i], r.waiting[i+1:]...)
			return
		}
	}
}

// Replication's share of a shutdown (db.ShutdownReplicas): unless
// SHUTDOWN NOW, the server first waits, for up to shutdown-timeout seconds,
// until every replica acknowledged the whole stream.

// InSync reports whether every replica acknowledged our offset.
func (r *Repl) InSync() bool {
	for _, rep := range r.replicas {
		if rep.AckOffset != r.Offset {
			return false
		}
	}
	return true
}

// AskAcks asks every replica for its offset (REPLCONF GETACK *).
func (r *Repl) AskAcks() {
	r.ackAsked = true
	r.sendGetAck()
}

// Report logs the replicas that lag, as Redis's finishShutdown.
func (r *Repl) Report() {
	if len(r.replicas) == 0 {
		return
	}
	lagging := 0
	now := time.Now()
	for _, rep := range r.replicas {
		if rep.AckOffset == r.Offset {
			continue
		}
		lagging++
		lag, state := int64(0), "wait_bgsave"
		switch rep.state {
		case online:
			lag, state = now.Unix()-rep.ackTime.Unix(), "online"
		case sendBulk:
			state = "send_bulk"
		}
		logger.Warningf("Lagging replica %s reported offset %d behind master, lag=%d, state=%s.", rep.name(), r.Offset-rep.AckOffset, lag, state)
	}
	logger.Noticef("%d of %d replicas are in sync when shutting down.", len(r.replicas)-lagging, len(r.replicas))
}
