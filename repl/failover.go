package repl

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], as Redis 7.0: the
// master pauses writes, waits until a replica (the one named, or any)
// acknowledged its whole stream, then turns into a replica of it with
// "PSYNC <replid> <offset> FAILOVER", which makes that replica a master
// that continues our history. The target's side is in syncCommand.

import (
	"strings"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

type failoverState int

const (
	noFailover failoverState = iota
	failoverWaitForSync
	failoverInProgress
)

func (s failoverState) String() string {
	switch s {
	case failoverWaitForSync:
		return "waiting-for-sync"
	case failoverInProgress:
		return "failover-in-progress"
	}
	return "no-failover"
}

// failover is a FAILOVER in progress.
type failover struct {
	state failoverState
	host  string // the target, "" for any replica until one caught up
	port  int
	force bool
	end   time.Time // zero: no timeout
}

func init() {
	db.RegisterCommand("failover", failoverCommand)
}

func failoverCommand(c *db.Client) {
	if c.Srv().ClusterEnabled() {
		c.Error("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
		return
	}
	r := of(c)
	if len(c.Argv) == 2 && c.ArgIs(1, "abort") {
		if r.failover.state == noFailover {
			c.Error("ERR No failover in progress.")
			return
		}
		r.abortFailover("Failover manually aborted")
		c.OK()
		return
	}
	var timeout, port int64
	var host string
	force := false
	for j := 1; j < len(c.Argv); j++ {
		switch {
		case c.ArgIs(j, "timeout") && j+1 < len(c.Argv) && timeout == 0:
			v, ok := c.IntArg(j + 1)
			if !ok {
				return
			}
			if v <= 0 {
				c.Error("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = v
			j++
		case c.ArgIs(j, "to") && j+2 < len(c.Argv) && host == "":
			v, ok := c.IntArg(j + 2)
			if !ok {
				return
			}
			host, port = c.Arg(j+1), v
			j += 2
		case c.ArgIs(j, "force") && !force:
			force = true
		default:
			c.Error(db.ErrSyntax)
			return
		}
	}
	switch {
	case r.failover.state != noFailover:
		c.Error("ERR FAILOVER already in progress.")
		return
	case r.link != nil:
		c.Error("ERR FAILOVER is not valid when server is a replica.")
		return
	case len(r.replicas) == 0:
		c.Error("ERR FAILOVER requires connected replicas.")
		return
	case force && (timeout == 0 || host == ""):
		c.Error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
		return
	}
	f := failover{state: failoverWaitForSync, force: force}
	if host != "" {
		rep := r.findReplica(host, int(port))
		if rep == nil {
			c.Error("ERR FAILOVER target HOST and PORT is not a replica.")
			return
		}
		if rep.state != online {
			c.Error("ERR FAILOVER target replica is not online.")
			return
		}
		f.host, f.port = host, int(port)
		logger.Noticef("FAILOVER requested to %s:%d.", host, port)
	} else {
		logger.Noticef("FAILOVER requested to any replica.")
	}
	if timeout > 0 {
		f.end = time.Now().Add(time.Duration(timeout) * time.Millisecond)
	}
	r.failover = f
	r.srv.PauseClients(time.Now().AddDate(100, 0, 0), true)
	c.OK()
}

// findReplica finds the replica known as host:port.
func (r *Repl) findReplica(host string, port int) *Replica {
	for _, rep := range r.replicas {
		if ip := rep.IP(); ip != "" && strings.EqualFold(ip, host) && rep.ListenPort == port {
			return rep
		}
	}
	return nil
}

// updateFailover moves a failover on, as Redis's updateFailoverStatus:
// it gives up (or, with FORCE, goes on) at its timeout, and hands over as
// soon as the target, or any replica, acknowledged our whole stream.
func (r *Repl) updateFailover(now time.Time) {
	f := &r.failover
	if f.state != failoverWaitForSync {
		return
	}
	if !f.end.IsZero() && !now.Before(f.end) {
		if f.force {
			logger.Noticef("FAILOVER to %s:%d time out exceeded, failing over.", f.host, f.port)
			r.handOver()
		} else {
			r.abortFailover("Replica never caught up before timeout")
		}
		return
	}
	var target *Replica
	if f.host != "" {
		target = r.findReplica(f.host, f.port)
	} else {
		for _, rep := range r.replicas {
			if rep.AckOffset == r.Offset && rep.IP() != "" {
				target = rep
				f.host, f.port = rep.IP(), rep.ListenPort
				break
			}
		}
	}
	if target != nil && target.AckOffset == r.Offset {
		logger.Noticef("Failover target %s:%d is synced, failing over.", f.host, f.port)
		r.handOver()
	}
}

// handOver makes us a replica of the failover's target; our PSYNC asks it
// to take over (see failoverPsync).
func (r *Repl) handOver() {
	r.failover.state = failoverInProgress
	a := r.setMaster(r.failover.host, r.failover.port)
	go r.runAttempt(a)
}

// failoverPsync tells whether our PSYNC must carry FAILOVER.
func (r *Repl) failoverPsync() bool { return r.failover.state == failoverInProgress }

// failoverAttemptEnded ends a failover once the target answered our PSYNC
// FAILOVER: it took over (+CONTINUE, or even +FULLRESYNC), or it refused,
// and we are a master again. An attempt that got no answer is retried.
func (r *Repl) failoverAttemptEnded(a *attempt) {
	if r.failover.state != failoverInProgress {
		return
	}
	switch a.psyncReply.Load() {
	case 1:
		r.clearFailover()
	case 2:
		r.abortFailover("Failover target rejected psync request")
	}
}

// abortFailover gives a failover up, as Redis's abortFailover.
func (r *Repl) abortFailover(why string) {
	f := &r.failover
	if f.state == noFailover {
		return
	}
	if f.host != "" {
		logger.Noticef("FAILOVER to %s:%d aborted: %s", f.host, f.port, why)
	} else {
		logger.Noticef("FAILOVER to any replica aborted: %s", why)
	}
	if f.state == failoverInProgress && r.link != nil {
		r.unsetMaster()
	}
	r.clearFailover()
}

func (r *Repl) clearFailover() {
	r.failover = failover{}
	r.srv.Unpause()
}

// failoverRequest handles "PSYNC <replid> <offset> FAILOVER" on a replica:
// its master hands over, and it becomes a master if it follows that
// master's history. It returns false after replying with the error.
func (r *Repl) failoverRequest(c *db.Client) bool {
	replid := c.Arg(1)
	logger.Warningf("Failover request received for replid %s.", replid)
	if r.link == nil {
		c.Error("ERR PSYNC FAILOVER can't be sent to a master.")
		return false
	}
	if !strings.EqualFold(replid, r.ReplID) {
		c.Error("ERR PSYNC FAILOVER replid must match my replid.")
		return false
	}
	r.unsetMaster()
	logger.Noticef("MASTER MODE enabled (failover request from '%s')", r.srv.ClientInfo(c))
	return true
}
