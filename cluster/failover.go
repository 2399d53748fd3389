package cluster

// Failover: a replica of a failed master asks the masters for their votes
// and, with a majority, takes its master's slots under a new config epoch
// (clusterHandleSlaveFailover); the masters vote at most once per epoch
// (clusterSendFailoverAuthIfNeeded). A manual failover (CLUSTER FAILOVER)
// pauses the master's writes until the replica has its whole stream.
// Orphaned masters get a replica from the master with the most
// (clusterHandleSlaveMigration).

import (
	"math/rand/v2"
	"time"

	"github.com/redis-go/redis-server/internal/clusterbus"
	"github.com/redis-go/redis-server/logger"
)

// Why a replica cannot fail over (CLUSTER_CANT_FAILOVER_*).
const (
	cantFailoverNone = iota
	cantFailoverDataAge
	cantFailoverWaitingDelay
	cantFailoverExpired
	cantFailoverWaitingVotes
)

const (
	cantFailoverRelogPeriod = 10               // seconds
	mfTimeout               = 5000             // ms a manual failover may take
	mfPauseMult             = 2                // the master pauses writes for twice that
	mfRecheckDelay          = time.Millisecond // between checks of the replica's offset
	replicaMigrationDelay   = 5000             // ms an orphaned master waits
)

// failoverState is the replica's election (failover_auth_*).
type failoverState struct {
	authTime    int64 // unix ms of the previous or next election
	authCount   int   // votes received
	authSent    bool  // asked for votes already
	authRank    int
	authEpoch   uint64
	cantReason  int
	lastLogTime int64 // unix seconds
}

// manualFailover is the state of a CLUSTER FAILOVER on both sides.
type manualFailover struct {
	end          int64 // unix ms it times out, 0 when none runs
	replica      *Node // on the master: the replica taking over
	masterOffset int64 // on the replica: the paused master's offset, -1 until known
	canStart     bool
}

// sendFailoverAuthIfNeeded is a master's vote for a replica asking to
// replace its failed master.
func (cl *Cluster) sendFailoverAuthIfNeeded(n *Node, req *clusterbus.Message) {
	st := &cl.st
	me := st.Myself
	master := n.ReplicaOf
	forceAck := req.MFlags[0]&clusterbus.FlagForceAck != 0
	if me.IsReplica() || me.NumSlots == 0 {
		return
	}
	if req.CurrentEpoch < st.CurrentEpoch {
		logger.Warningf("Failover auth denied to %.40s: reqEpoch (%d) < curEpoch(%d)", n.Name, req.CurrentEpoch, st.CurrentEpoch)
		return
	}
	if st.LastVoteEpoch == st.CurrentEpoch {
		logger.Warningf("Failover auth denied to %.40s: already voted for epoch %d", n.Name, st.CurrentEpoch)
		return
	}
	if n.IsMaster() || master == nil || !master.Failed() && !forceAck {
		switch {
		case n.IsMaster():
			logger.Warningf("Failover auth denied to %.40s: it is a master node", n.Name)
		case master == nil:
			logger.Warningf("Failover auth denied to %.40s: I don't know its master", n.Name)
		default:
			logger.Warningf("Failover auth denied to %.40s: its master is up", n.Name)
		}
		return
	}
	if since := nowMs() - master.VotedTime; since < cl.nodeTimeout()*2 {
		logger.Warningf("Failover auth denied to %.40s: can't vote about this master before %d milliseconds", n.Name, cl.nodeTimeout()*2-since)
		return
	}
	for j := 0; j < Slots; j++ {
		if req.MySlots[j>>3]&(1<<(j&7)) == 0 || cl.slotUnclaimed(j) || st.SlotOwner[j].ConfigEpoch <= req.ConfigEpoch {
			continue
		}
		logger.Warningf("Failover auth denied to %.40s: slot %d epoch (%d) > reqEpoch (%d)", n.Name, j, st.SlotOwner[j].ConfigEpoch, req.ConfigEpoch)
		return
	}
	st.LastVoteEpoch = st.CurrentEpoch
	master.VotedTime = nowMs()
	cl.doBeforeSleep(todoSaveConfig | todoFsyncConfig)
	if n.link != nil {
		cl.sendMessage(n.link, &clusterbus.Message{Header: cl.header(clusterbus.TypeFailoverAuthAck)})
	}
	logger.Warningf("Failover auth granted to %.40s for epoch %d", n.Name, st.CurrentEpoch)
}

// replicaRank is clusterGetSlaveRank: how many replicas of our master
// have more of its data than we do.
func (cl *Cluster) replicaRank() int {
	me := cl.st.Myself
	master := me.ReplicaOf
	if master == nil {
		return 0
	}
	mine := cl.repl.ClusterOffset()
	rank := 0
	for _, r := range master.Replicas {
		if r != me && r.Flags&FlagNoFailover == 0 && r.ReplOffset > mine {
			rank++
		}
	}
	return rank
}

func (cl *Cluster) logCantFailover(reason int) {
	fo := &cl.fo
	now := time.Now().Unix()
	if reason == fo.cantReason && now-fo.lastLogTime < cantFailoverRelogPeriod {
		return
	}
	fo.cantReason = reason
	// Silent right after the master's failure: the election may take a
	// little while and that is normal.
	if m := cl.st.Myself.ReplicaOf; m != nil && m.Failed() && nowMs()-m.FailTime < cl.nodeTimeout()+5000 {
		return
	}
	msg := "Unknown reason code."
	switch reason {
	case cantFailoverDataAge:
		msg = "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option."
	case cantFailoverWaitingDelay:
		msg = "Waiting the delay before I can start a new failover."
	case cantFailoverExpired:
		msg = "Failover attempt expired."
	case cantFailoverWaitingVotes:
		msg = "Waiting for votes, but majority still not reached."
	}
	fo.lastLogTime = now
	logger.Warningf("Currently unable to failover: %s", msg)
}

// replaceMaster is clusterFailoverReplaceYourMaster: we take our
// master's slots and tell everybody.
func (cl *Cluster) replaceMaster() {
	me := cl.st.Myself
	old := me.ReplicaOf
	if me.IsMaster() || old == nil {
		return
	}
	cl.setNodeAsMaster(me)
	cl.repl.UnsetMaster()
	for j := 0; j < Slots; j++ {
		if old.HasSlot(j) {
			cl.delSlot(j)
			cl.addSlot(me, j)
		}
	}
	cl.updateState()
	cl.saveConfigOrDie(true)
	cl.broadcastPong(false)
	cl.resetManualFailover()
}

// handleReplicaFailover is clusterHandleSlaveFailover.
func (cl *Cluster) handleReplicaFailover() {
	st, fo, mf := &cl.st, &cl.fo, &cl.mf
	me := st.Myself
	now := nowMs()
	authAge := now - fo.authTime
	quorum := st.Size/2 + 1
	manual := mf.end != 0 && mf.canStart
	st.todo &^= todoHandleFailover
	authTimeout := max(cl.nodeTimeout()*2, 2000)
	authRetry := authTimeout * 2
	noFailover := cl.srv.Config.Bool("cluster-replica-no-failover")
	if me.IsMaster() || me.ReplicaOf == nil || !me.ReplicaOf.Failed() && !manual ||
		noFailover && !manual || me.ReplicaOf.NumSlots == 0 {
		fo.cantReason = cantFailoverNone
		return
	}
	dataAge := cl.repl.MasterDataAge(time.Now())
	if dataAge > cl.nodeTimeout() {
		dataAge -= cl.nodeTimeout()
	}
	if f := cl.srv.Config.Int("cluster-replica-validity-factor"); f != 0 &&
		dataAge > cl.srv.Config.Int("repl-ping-replica-period")*1000+cl.nodeTimeout()*f && !manual {
		cl.logCantFailover(cantFailoverDataAge)
		return
	}
	if authAge > authRetry {
		fo.authTime = now + 500 + rand.Int64N(500)
		fo.authCount = 0
		fo.authSent = false
		fo.authRank = cl.replicaRank()
		fo.authTime += int64(fo.authRank) * 1000
		if mf.end != 0 {
			fo.authTime = now
			fo.authRank = 0
			cl.doBeforeSleep(todoHandleFailover)
		}
		logger.Warningf("Start of election delayed for %d milliseconds (rank #%d, offset %d).", fo.authTime-now, fo.authRank, cl.repl.ClusterOffset())
		cl.broadcastPong(true)
		return
	}
	if !fo.authSent && mf.end == 0 {
		if rank := cl.replicaRank(); rank > fo.authRank {
			added := int64(rank-fo.authRank) * 1000
			fo.authTime += added
			fo.authRank = rank
			logger.Warningf("Replica rank updated to #%d, added %d milliseconds of delay.", rank, added)
		}
	}
	if now < fo.authTime {
		cl.logCantFailover(cantFailoverWaitingDelay)
		return
	}
	if authAge > authTimeout {
		cl.logCantFailover(cantFailoverExpired)
		return
	}
	if !fo.authSent {
		st.CurrentEpoch++
		fo.authEpoch = st.CurrentEpoch
		logger.Warningf("Starting a failover election for epoch %d.", st.CurrentEpoch)
		m := &clusterbus.Message{Header: cl.header(clusterbus.TypeFailoverAuthRequest)}
		if mf.end != 0 {
			m.MFlags[0] |= clusterbus.FlagForceAck
		}
		cl.broadcast(m)
		fo.authSent = true
		cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
		return
	}
	if fo.authCount >= quorum {
		logger.Warningf("Failover election won: I'm the new master.")
		if me.ConfigEpoch < fo.authEpoch {
			me.ConfigEpoch = fo.authEpoch
			logger.Warningf("configEpoch set to %d after successful failover", me.ConfigEpoch)
		}
		cl.replaceMaster()
	} else {
		cl.logCantFailover(cantFailoverWaitingVotes)
	}
}

// handleReplicaMigration is clusterHandleSlaveMigration.
func (cl *Cluster) handleReplicaMigration(maxReplicas int) {
	st := &cl.st
	me := st.Myself
	mine := me.ReplicaOf
	if st.State != StateOK || mine == nil {
		return
	}
	ok := 0
	for _, r := range mine.Replicas {
		if !r.Failed() && !r.TimedOut() {
			ok++
		}
	}
	if int64(ok) <= cl.srv.Config.Int("cluster-migration-barrier") {
		return
	}
	candidate := me
	var target *Node
	for _, n := range cl.sortedNodes() {
		okReplicas := 0
		orphaned := !n.IsReplica() && !n.Failed() && n.Flags&FlagMigrateTo != 0
		if n.IsMaster() {
			okReplicas = countNonFailingReplicas(n)
		}
		if okReplicas > 0 {
			orphaned = false
		}
		if orphaned {
			if target == nil && n.NumSlots > 0 {
				target = n
			}
			if n.OrphanedTime == 0 {
				n.OrphanedTime = nowMs()
			}
		} else {
			n.OrphanedTime = 0
		}
		if okReplicas == maxReplicas {
			for _, r := range n.Replicas {
				if r.Name < candidate.Name {
					candidate = r
				}
			}
		}
	}
	if target != nil && candidate == me && nowMs()-target.OrphanedTime > replicaMigrationDelay {
		logger.Warningf("Migrating to orphaned master %.40s", target.Name)
		cl.setMaster(target)
	}
}

func (cl *Cluster) resetManualFailover() {
	if cl.mf.replica != nil {
		cl.srv.Unpause()
	}
	cl.mf = manualFailover{masterOffset: -1}
}

func (cl *Cluster) manualFailoverCheckTimeout() {
	if cl.mf.end != 0 && cl.mf.end < nowMs() {
		logger.Warningf("Manual failover timed out.")
		cl.resetManualFailover()
	}
}

// handleManualFailover lets the election start once we processed the
// paused master's whole stream.
//
// Until then Redis checks again before each sleep of its loop, after the
// I/O. A beforeSleep task queued from the beforeSleep task runs in the
// same batch of tasks (gnet runs tasks queued meanwhile before it polls
// again), so that re-arming kept the loop from ever reading the stream it
// waited for, until the failover timed out: the check comes back after a
// millisecond instead, the loop polling in between.
func (cl *Cluster) handleManualFailover() {
	mf := &cl.mf
	if mf.end == 0 || mf.canStart || mf.masterOffset == -1 {
		return
	}
	if mf.masterOffset == cl.repl.ClusterOffset() {
		mf.canStart = true
		logger.Warningf("All master replication stream processed, manual failover can start.")
		cl.doBeforeSleep(todoHandleFailover)
		return
	}
	if !cl.mfRecheck {
		cl.mfRecheck = true
		time.AfterFunc(mfRecheckDelay, func() {
			cl.srv.Loop.Execute(func() {
				cl.mfRecheck = false
				cl.doBeforeSleep(todoHandleManualFailover)
			})
		})
	}
}

// manualFailoverOffset records, on a replica in a manual failover, the
// offset its paused master announced.
func (cl *Cluster) manualFailoverOffset(sender *Node, m *clusterbus.Message) {
	me := cl.st.Myself
	if cl.mf.end != 0 && me.IsReplica() && me.ReplicaOf == sender &&
		m.MFlags[0]&clusterbus.FlagPaused != 0 && cl.mf.masterOffset == -1 {
		cl.mf.masterOffset = sender.ReplOffset
		cl.doBeforeSleep(todoHandleManualFailover)
		logger.Warningf("Received replication offset for paused master manual failover: %d", cl.mf.masterOffset)
	}
}

// ManualFailoverInProgress reports a manual failover under way (Redis's
// mf_end): the master then sends its replicas no PING, which would move the
// offset the replica must reach.
func (cl *Cluster) ManualFailoverInProgress() bool { return cl.mf.end != 0 }

// manualFailoverRequested is a master's side of MFSTART: pause writes and
// tell the replica our offset.
func (cl *Cluster) manualFailoverRequested(sender *Node, l *link) {
	cl.resetManualFailover()
	now := nowMs()
	cl.mf.end = now + mfTimeout
	cl.mf.replica = sender
	cl.srv.PauseClients(time.UnixMilli(now+mfTimeout*mfPauseMult), true)
	logger.Warningf("Manual failover requested by replica %.40s.", sender.Name)
	cl.sendPing(l, clusterbus.TypePing)
}

// MyselfIsReplica tells replication, when it loads the data at startup,
// that nodes.conf makes us a replica (iAmMaster() false in a cluster).
func (cl *Cluster) MyselfIsReplica() bool { return cl.st.Myself.IsReplica() }
