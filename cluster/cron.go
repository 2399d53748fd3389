package cluster

// clusterCron, ten times a second: links (re)connected, a PING to a
// random node every second and to every node not heard of for half the
// node timeout, PFAIL for those silent longer than the timeout, the
// replica's failover and migration duties. And clusterBeforeSleep: what
// the messages of the iteration left to do.

import (
	"math/rand/v2"
	"time"

	"github.com/redis-go/redis-server/internal/clusterbus"
	"github.com/redis-go/redis-server/logger"
)

const cronPeriod = 100 * time.Millisecond

func (cl *Cluster) cronTick(now time.Time) {
	if now.Sub(cl.lastCron) < cronPeriod {
		return
	}
	cl.lastCron = now
	cl.cron()
}

// handleReconnect is clusterNodeCronHandleReconnect: true when the node
// needs nothing more this round.
func (cl *Cluster) handleReconnect(n *Node, handshakeTimeout, now int64) bool {
	if n.Flags&(FlagMyself|FlagNoAddr) != 0 {
		return true
	}
	if n.Flags&FlagPFail != 0 {
		cl.st.PFailNodes++
	}
	if n.Flags&FlagHandshake != 0 && now-n.CTime > handshakeTimeout {
		cl.delNode(n)
		return true
	}
	if n.link == nil {
		cl.connect(n)
	}
	return false
}

func (cl *Cluster) cron() {
	st := &cl.st
	me := st.Myself
	cl.iteration++
	me.Hostname = cl.srv.Config.String("cluster-announce-hostname")
	handshakeTimeout := max(cl.nodeTimeout(), 1000)
	st.PFailNodes = 0
	now := nowMs()
	nodes := cl.sortedNodes()
	for _, n := range nodes {
		if _, ok := st.Nodes[n.Name]; !ok || st.Nodes[n.Name] != n {
			continue // deleted by an earlier round of this loop
		}
		cl.freeLinkOnBufferLimit(n.link)
		cl.freeLinkOnBufferLimit(n.inLink)
		cl.handleReconnect(n, handshakeTimeout, now)
	}
	nodes = cl.sortedNodes()

	// Every second, PING one of five random nodes: the one we heard of
	// least recently.
	if cl.iteration%10 == 0 && len(nodes) > 0 {
		var minPongNode *Node
		var minPong int64
		for j := 0; j < 5; j++ {
			n := nodes[rand.IntN(len(nodes))]
			if n.link == nil || n.PingSent != 0 || n.Flags&(FlagMyself|FlagHandshake) != 0 {
				continue
			}
			if minPongNode == nil || minPong > n.PongReceived {
				minPongNode, minPong = n, n.PongReceived
			}
		}
		if minPongNode != nil {
			logger.Debugf("Pinging node %.40s", minPongNode.Name)
			cl.sendPing(minPongNode.link, clusterbus.TypePing)
		}
	}

	orphaned, maxReplicas, ourReplicas := 0, 0, 0
	updateState := false
	timeout := cl.nodeTimeout()
	for _, n := range nodes {
		now = nowMs()
		if n.Flags&(FlagMyself|FlagNoAddr|FlagHandshake) != 0 {
			continue
		}
		if me.IsReplica() && n.IsMaster() && !n.Failed() {
			ok := countNonFailingReplicas(n)
			if ok == 0 && n.NumSlots > 0 && n.Flags&FlagMigrateTo != 0 {
				orphaned++
			}
			maxReplicas = max(maxReplicas, ok)
			if me.ReplicaOf == n {
				ourReplicas = ok
			}
		}
		pingDelay := now - n.PingSent
		dataDelay := now - n.DataReceived
		// A link that looks alive but carries nothing is reconnected
		// before the node is marked as failing.
		if n.link != nil && now-n.link.ctime > timeout && n.PingSent != 0 &&
			pingDelay > timeout/2 && dataDelay > timeout/2 {
			n.link.free()
		}
		if n.link != nil && n.PingSent == 0 && now-n.PongReceived > timeout/2 {
			cl.sendPing(n.link, clusterbus.TypePing)
			continue
		}
		if cl.mf.end != 0 && me.IsMaster() && cl.mf.replica == n && n.link != nil {
			cl.sendPing(n.link, clusterbus.TypePing)
			continue
		}
		if n.PingSent == 0 {
			continue
		}
		if min(pingDelay, dataDelay) > timeout && n.Flags&(FlagPFail|FlagFail) == 0 {
			logger.Debugf("*** NODE %.40s possibly failing", n.Name)
			n.Flags |= FlagPFail
			updateState = true
		}
	}

	// A replica whose master is known but not connected reconnects.
	if me.IsReplica() && cl.repl.MasterHost() == "" && me.ReplicaOf != nil && me.ReplicaOf.Flags&FlagNoAddr == 0 {
		cl.repl.SetMaster(me.ReplicaOf.IP, me.ReplicaOf.Port)
	}
	cl.manualFailoverCheckTimeout()
	if me.IsReplica() {
		cl.handleManualFailover()
		cl.handleReplicaFailover()
		if orphaned > 0 && maxReplicas >= 2 && ourReplicas == maxReplicas && cl.srv.Config.Bool("cluster-allow-replica-migration") {
			cl.handleReplicaMigration(maxReplicas)
		}
	}
	if updateState || st.State == StateFail {
		cl.updateState()
	}
}

// freeLinkOnBufferLimit drops a link whose queue passed
// cluster-link-sendbuf-limit.
func (cl *Cluster) freeLinkOnBufferLimit(l *link) {
	limit := cl.srv.Config.Int("cluster-link-sendbuf-limit")
	if l == nil || limit == 0 {
		return
	}
	if q := l.queued(); int64(q) > limit {
		n := l.node
		name := "<unknown>"
		if n != nil {
			name = n.Name
		}
		logger.Warningf("Freeing cluster link(%s node %.40s, used memory: %d) due to exceeding send buffer memory limit.", map[bool]string{true: "from", false: "to"}[l.inbound], name, q)
		l.free()
		cl.linksBufferLimitExceeded++
	}
}

// beforeSleep is clusterBeforeSleep.
func (cl *Cluster) beforeSleep() {
	flags := cl.st.todo
	cl.st.todo = 0
	if flags&todoHandleManualFailover != 0 {
		if cl.st.Myself.IsReplica() {
			cl.handleManualFailover()
			cl.handleReplicaFailover()
		}
	} else if flags&todoHandleFailover != 0 {
		cl.handleReplicaFailover()
	}
	if flags&todoUpdateState != 0 {
		cl.updateState()
	}
	if flags&todoSaveConfig != 0 {
		cl.saveConfigOrDie(flags&todoFsyncConfig != 0)
	}
}
