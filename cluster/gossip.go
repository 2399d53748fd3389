package cluster

// The messages of the cluster bus, received (clusterProcessPacket) and
// sent (clusterSendPing and the others), as cluster.c.

import (
	"math/rand/v2"
	"strings"

	"github.com/redis-go/redis-server/internal/clusterbus"
	"github.com/redis-go/redis-server/logger"
)

var typeNames = [...]string{"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart", "module", "publishshard"}

// typeName is clusterGetMessageTypeString.
func typeName(t uint16) string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// processFrame decodes and processes one message from l.
func (cl *Cluster) processFrame(l *link, frame []byte) {
	l.received++
	m, err := clusterbus.Decode(frame)
	if err != nil {
		logger.Warningf("Received invalid cluster bus message: %v", err)
		return
	}
	cl.processPacket(l, m)
}

// senderOf is getNodeFromLinkAndMsg.
func (cl *Cluster) senderOf(l *link, m *clusterbus.Message) *Node {
	if l.node != nil && l.node.Flags&FlagHandshake == 0 {
		return l.node
	}
	sender := cl.lookupNode(m.Sender)
	if sender != nil && l.node == nil {
		cl.setInboundLink(sender, l)
	}
	return sender
}

// processPacket is clusterProcessPacket, the message already validated.
func (cl *Cluster) processPacket(l *link, m *clusterbus.Message) {
	st := &cl.st
	me := st.Myself
	now := nowMs()
	typ := m.Type
	if int(typ) < len(st.Received) {
		st.Received[typ]++
	}
	if int64(typ) == cl.dropFilter {
		logger.Warningf("Dropping packet that matches debug drop filter")
		return
	}
	flags := int(m.Flags)
	var senderCurrentEpoch, senderConfigEpoch uint64
	sender := cl.senderOf(l, m)
	if sender != nil {
		sender.DataReceived = now
	}
	if sender != nil && sender.Flags&FlagHandshake == 0 {
		senderCurrentEpoch, senderConfigEpoch = m.CurrentEpoch, m.ConfigEpoch
		if senderCurrentEpoch > st.CurrentEpoch {
			st.CurrentEpoch = senderCurrentEpoch
		}
		if senderConfigEpoch > sender.ConfigEpoch {
			sender.ConfigEpoch = senderConfigEpoch
			cl.doBeforeSleep(todoSaveConfig | todoFsyncConfig)
		}
		sender.ReplOffset = int64(m.Offset)
		sender.ReplOffsetTime = now
		cl.manualFailoverOffset(sender, m)
	}

	if typ == clusterbus.TypePing || typ == clusterbus.TypeMeet {
		// Our IP as the other side sees it, unless announced.
		if (typ == clusterbus.TypeMeet || me.IP == "") && cl.srv.Config.String("cluster-announce-ip") == "" {
			if ip := localIP(l); ip != "" && ip != me.IP {
				me.IP = ip
				logger.Warningf("IP address for this node updated to %s", me.IP)
				cl.doBeforeSleep(todoSaveConfig)
			}
		}
		if sender == nil && typ == clusterbus.TypeMeet {
			n := newNode("", FlagHandshake)
			n.IP = nodeIP(l, m.MyIP)
			n.Port, n.PPort, n.CPort = int(m.Port), int(m.PPort), int(m.CPort)
			cl.addNode(n)
			cl.doBeforeSleep(todoSaveConfig)
			cl.processGossipSection(m, l)
		}
		cl.sendPing(l, clusterbus.TypePong)
	}

	switch typ {
	case clusterbus.TypePing, clusterbus.TypePong, clusterbus.TypeMeet:
		logger.Debugf("%s packet received: %.40s", typeName(typ), nodeNameOr(l.node))
		if !l.inbound {
			if l.node.Flags&FlagHandshake != 0 {
				if sender != nil {
					logger.Verbosef("Handshake: we already know node %.40s, updating the address if needed.", sender.Name)
					if cl.nodeUpdateAddressIfNeeded(sender, l, m) {
						cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
					}
					cl.delNode(l.node)
					return
				}
				cl.renameNode(l.node, m.Sender)
				logger.Debugf("Handshake with node %.40s completed.", l.node.Name)
				l.node.Flags &^= FlagHandshake
				l.node.Flags |= flags & (FlagMaster | FlagSlave)
				cl.doBeforeSleep(todoSaveConfig)
			} else if l.node.Name != m.Sender {
				logger.Debugf("PONG contains mismatching sender ID. About node %.40s added %d ms ago, having flags %d", l.node.Name, now-l.node.CTime, l.node.Flags)
				n := l.node
				n.Flags |= FlagNoAddr
				n.IP, n.Port, n.PPort, n.CPort = "", 0, 0, 0
				l.free()
				cl.doBeforeSleep(todoSaveConfig)
				return
			}
		}
		if sender != nil {
			sender.Flags = sender.Flags&^FlagNoFailover | flags&FlagNoFailover
		}
		if sender != nil && typ == clusterbus.TypePing && sender.Flags&FlagHandshake == 0 && cl.nodeUpdateAddressIfNeeded(sender, l, m) {
			cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
		}
		if !l.inbound && typ == clusterbus.TypePong {
			n := l.node
			n.PongReceived = now
			n.PingSent = 0
			if n.TimedOut() {
				n.Flags &^= FlagPFail
				cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
			} else if n.Failed() {
				cl.clearNodeFailureIfNeeded(n)
			}
		}
		if sender != nil {
			if m.ReplicaOf == "" {
				cl.setNodeAsMaster(sender)
			} else {
				master := cl.lookupNode(m.ReplicaOf)
				if sender.IsMaster() {
					cl.delNodeSlots(sender)
					sender.Flags &^= FlagMaster | FlagMigrateTo
					sender.Flags |= FlagSlave
					cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
				}
				if master != nil && sender.ReplicaOf != master {
					if sender.ReplicaOf != nil {
						removeReplica(sender.ReplicaOf, sender)
					}
					addReplica(master, sender)
					sender.ReplicaOf = master
					cl.doBeforeSleep(todoSaveConfig)
				}
			}
		}
		var senderMaster *Node
		dirty := false
		if sender != nil {
			senderMaster = sender
			if !sender.IsMaster() {
				senderMaster = sender.ReplicaOf
			}
			if senderMaster != nil {
				dirty = senderMaster.Slots != m.MySlots
			}
		}
		if sender != nil && sender.IsMaster() && dirty {
			cl.updateSlotsConfigWith(sender, senderConfigEpoch, &m.MySlots)
		}
		if sender != nil && dirty {
			for j := 0; j < Slots; j++ {
				if m.MySlots[j>>3]&(1<<(j&7)) == 0 {
					continue
				}
				owner := st.SlotOwner[j]
				if owner == sender || cl.slotUnclaimed(j) {
					continue
				}
				if owner.ConfigEpoch > senderConfigEpoch {
					logger.Verbosef("Node %.40s has old slots configuration, sending an UPDATE message about %.40s", sender.Name, owner.Name)
					cl.sendUpdate(sender.link, owner)
					break
				}
			}
		}
		if sender != nil && me.IsMaster() && sender.IsMaster() && senderConfigEpoch == me.ConfigEpoch {
			cl.handleConfigEpochCollision(sender)
		}
		if sender != nil {
			cl.processGossipSection(m, l)
			cl.processPingExtensions(m, l)
		}
	case clusterbus.TypeFail:
		if sender == nil {
			logger.Noticef("Ignoring FAIL message from unknown node %.40s about %.40s", m.Sender, m.FailName)
			return
		}
		failing := cl.lookupNode(m.FailName)
		if failing != nil && failing.Flags&(FlagFail|FlagMyself) == 0 {
			logger.Noticef("FAIL message received from %.40s about %.40s", m.Sender, m.FailName)
			failing.Flags |= FlagFail
			failing.FailTime = now
			failing.Flags &^= FlagPFail
			cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
		}
	case clusterbus.TypePublish, clusterbus.TypePublishShard:
		if sender == nil {
			return
		}
		cl.srv.PublishFromCluster(m.Channel, m.Payload, typ == clusterbus.TypePublishShard)
	case clusterbus.TypeFailoverAuthRequest:
		if sender == nil {
			return
		}
		cl.sendFailoverAuthIfNeeded(sender, m)
	case clusterbus.TypeFailoverAuthAck:
		if sender == nil {
			return
		}
		if sender.IsMaster() && sender.NumSlots > 0 && senderCurrentEpoch >= cl.fo.authEpoch {
			cl.fo.authCount++
			cl.doBeforeSleep(todoHandleFailover)
		}
	case clusterbus.TypeMFStart:
		if sender == nil || sender.ReplicaOf != me {
			return
		}
		cl.manualFailoverRequested(sender, l)
	case clusterbus.TypeUpdate:
		if sender == nil {
			return
		}
		n := cl.lookupNode(m.UpdateName)
		if n == nil || n.ConfigEpoch >= m.UpdateConfigEpoch {
			return
		}
		if n.IsReplica() {
			cl.setNodeAsMaster(n)
		}
		n.ConfigEpoch = m.UpdateConfigEpoch
		cl.doBeforeSleep(todoSaveConfig | todoFsyncConfig)
		cl.updateSlotsConfigWith(n, m.UpdateConfigEpoch, &m.UpdateSlots)
	case clusterbus.TypeModule:
		// No modules: nothing receives these.
	default:
		logger.Warningf("Received unknown packet type: %d", typ)
	}
}

func nodeNameOr(n *Node) string {
	if n == nil {
		return "NULL"
	}
	return n.Name
}

// nodeIP is nodeIp2String: the announced IP, or the link's peer.
func nodeIP(l *link, announced string) string {
	if announced != "" {
		return announced
	}
	return peerIP(l)
}

// nodeUpdateAddressIfNeeded updates a known node's address from a PING it
// sent on a link that is not ours to it.
func (cl *Cluster) nodeUpdateAddressIfNeeded(n *Node, l *link, m *clusterbus.Message) bool {
	if l == n.link {
		return false
	}
	ip := nodeIP(l, m.MyIP)
	if ip == "" {
		return false
	}
	port, pport, cport := int(m.Port), int(m.PPort), int(m.CPort)
	if n.Port == port && n.CPort == cport && n.PPort == pport && n.IP == ip {
		return false
	}
	n.IP, n.Port, n.PPort, n.CPort = ip, port, pport, cport
	if n.link != nil {
		n.link.free()
	}
	n.Flags &^= FlagNoAddr
	logger.Warningf("Address updated for node %.40s, now %s:%d", n.Name, n.IP, n.Port)
	if me := cl.st.Myself; me.IsReplica() && me.ReplicaOf == n {
		cl.repl.SetMaster(n.IP, n.Port)
	}
	return true
}

// processGossipSection is clusterProcessGossipSection.
func (cl *Cluster) processGossipSection(m *clusterbus.Message, l *link) {
	me := cl.st.Myself
	sender := l.node
	if sender == nil {
		sender = cl.lookupNode(m.Sender)
	}
	for i := range m.Gossip {
		g := &m.Gossip[i]
		flags := int(g.Flags)
		if logger.Enabled(logger.Debug) {
			logger.Debugf("GOSSIP %.40s %s:%d@%d %s", g.Name, g.IP, g.Port, g.CPort, appendFlags(nil, flags))
		}
		n := cl.lookupNode(g.Name)
		if n == nil {
			if sender != nil && flags&FlagNoAddr == 0 && !cl.blacklisted(g.Name) && validName(g.Name) {
				n = newNode(g.Name, flags)
				n.IP, n.Port, n.PPort, n.CPort = g.IP, int(g.Port), int(g.PPort), int(g.CPort)
				cl.addNode(n)
			}
			continue
		}
		if sender != nil && sender.IsMaster() && n != me {
			if flags&(FlagFail|FlagPFail) != 0 {
				if cl.addFailureReport(n, sender) {
					logger.Verbosef("Node %.40s reported node %.40s as not reachable.", sender.Name, n.Name)
				}
				cl.markNodeAsFailingIfNeeded(n)
			} else if cl.delFailureReport(n, sender) {
				logger.Verbosef("Node %.40s reported node %.40s is back online.", sender.Name, n.Name)
			}
		}
		if flags&(FlagFail|FlagPFail) == 0 && n.PingSent == 0 && cl.failureReportsCount(n) == 0 {
			pong := int64(g.PongReceived) * 1000
			if pong <= nowMs()+500 && pong > n.PongReceived {
				n.PongReceived = pong
			}
		}
		if n.Flags&(FlagFail|FlagPFail) != 0 && flags&FlagNoAddr == 0 && flags&(FlagFail|FlagPFail) == 0 &&
			(!strings.EqualFold(n.IP, g.IP) || n.Port != int(g.Port) || n.CPort != int(g.CPort)) {
			if n.link != nil {
				n.link.free()
			}
			n.IP, n.Port, n.PPort, n.CPort = g.IP, int(g.Port), int(g.PPort), int(g.CPort)
			n.Flags &^= FlagNoAddr
		}
	}
}

// processPingExtensions takes the sender's hostname.
func (cl *Cluster) processPingExtensions(m *clusterbus.Message, l *link) {
	sender := l.node
	if sender == nil {
		sender = cl.lookupNode(m.Sender)
	}
	if sender != nil {
		sender.Hostname = m.Hostname
	}
}

func (cl *Cluster) slotUnclaimed(slot int) bool {
	return cl.st.SlotOwner[slot] == nil || cl.notClaiming[slot>>3]&(1<<(slot&7)) != 0
}

// updateSlotsConfigWith is clusterUpdateSlotsConfigWith: rebind the slots
// sender claims under a newer config epoch than their owners', and follow
// our slots if they all went to sender.
func (cl *Cluster) updateSlotsConfigWith(sender *Node, senderConfigEpoch uint64, slots *[Slots / 8]byte) {
	st := &cl.st
	me := st.Myself
	curMaster := me
	if !me.IsMaster() {
		curMaster = me.ReplicaOf
	}
	if sender == me {
		logger.Warningf("Discarding UPDATE message about myself.")
		return
	}
	var dirty []int
	var newMaster *Node
	senderSlots, migratedOurs := 0, 0
	for j := 0; j < Slots; j++ {
		bit := slots[j>>3]&(1<<(j&7)) != 0
		if !bit {
			if st.SlotOwner[j] == sender {
				cl.notClaiming[j>>3] |= 1 << (j & 7)
			}
			continue
		}
		senderSlots++
		if st.SlotOwner[j] == sender {
			cl.notClaiming[j>>3] &^= 1 << (j & 7)
			continue
		}
		if st.ImportingFrom[j] != nil {
			continue
		}
		if cl.slotUnclaimed(j) || st.SlotOwner[j].ConfigEpoch < senderConfigEpoch {
			if st.SlotOwner[j] == me && cl.srv.DBs[0].CountKeysInSlot(j) > 0 {
				dirty = append(dirty, j)
			}
			if st.SlotOwner[j] != nil && st.SlotOwner[j] == curMaster {
				newMaster = sender
				migratedOurs++
			}
			cl.delSlot(j)
			cl.addSlot(sender, j)
			cl.notClaiming[j>>3] &^= 1 << (j & 7)
			cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
		}
	}
	switch {
	case newMaster != nil && curMaster.NumSlots == 0 &&
		(cl.srv.Config.Bool("cluster-allow-replica-migration") || senderSlots == migratedOurs):
		logger.Warningf("Configuration change detected. Reconfiguring myself as a replica of %.40s", sender.Name)
		cl.setMaster(sender)
		cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
	case me.ReplicaOf != nil && me.ReplicaOf.ReplicaOf != nil && me.ReplicaOf.ReplicaOf != me:
		logger.Warningf("I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %.40s", me.ReplicaOf.ReplicaOf.Name)
		cl.setMaster(me.ReplicaOf.ReplicaOf)
		cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
	default:
		for _, j := range dirty {
			cl.srv.DBs[0].DelKeysInSlot(j)
		}
	}
}

// setMaster is clusterSetMaster: we become a replica of n.
func (cl *Cluster) setMaster(n *Node) {
	me := cl.st.Myself
	if me.IsMaster() {
		me.Flags &^= FlagMaster | FlagMigrateTo
		me.Flags |= FlagSlave
		cl.closeAllSlots()
	} else if me.ReplicaOf != nil {
		removeReplica(me.ReplicaOf, me)
	}
	me.ReplicaOf = n
	addReplica(n, me)
	cl.repl.SetMaster(n.IP, n.Port)
	cl.resetManualFailover()
}

// header is clusterBuildMessageHdr.
func (cl *Cluster) header(typ uint16) clusterbus.Header {
	st := &cl.st
	me := st.Myself
	master := me
	if me.IsReplica() && me.ReplicaOf != nil {
		master = me.ReplicaOf
	}
	port, pport, cport := cl.announcedPorts()
	h := clusterbus.Header{
		Type:         typ,
		Port:         uint16(port),
		PPort:        uint16(pport),
		CPort:        uint16(cport),
		CurrentEpoch: st.CurrentEpoch,
		ConfigEpoch:  master.ConfigEpoch,
		Offset:       uint64(cl.repl.ClusterOffset()),
		Sender:       me.Name,
		MySlots:      master.Slots,
		MyIP:         cl.srv.Config.String("cluster-announce-ip"),
		Flags:        uint16(me.Flags),
		State:        uint8(st.State),
	}
	if me.ReplicaOf != nil {
		h.ReplicaOf = me.ReplicaOf.Name
	}
	if me.IsMaster() && cl.mf.end != 0 {
		h.MFlags[0] |= clusterbus.FlagPaused
	}
	return h
}

// announcedPorts is deriveAnnouncedPorts (no TLS: pport is 0).
func (cl *Cluster) announcedPorts() (port, pport, cport int) {
	cfg := cl.srv.Config
	port = cl.srv.Loop.Port()
	cport = int(cfg.Int("cluster-port"))
	if cport == 0 {
		cport = port + portIncr
	}
	if p := cfg.Int("cluster-announce-port"); p != 0 {
		port = int(p)
	}
	if p := cfg.Int("cluster-announce-bus-port"); p != 0 {
		cport = int(p)
	}
	return port, 0, cport
}

func (cl *Cluster) sendMessage(l *link, m *clusterbus.Message) {
	if l == nil || l.freed {
		return
	}
	l.send(m.Append(nil))
	l.sent++
	if int(m.Type) < len(cl.st.Sent) {
		cl.st.Sent[m.Type]++
	}
}

func (cl *Cluster) broadcast(m *clusterbus.Message) {
	b := m.Append(nil)
	for _, n := range cl.st.Nodes {
		if n.Flags&(FlagMyself|FlagHandshake) != 0 || n.link == nil || n.link.freed {
			continue
		}
		n.link.send(b)
		n.link.sent++
		if int(m.Type) < len(cl.st.Sent) {
			cl.st.Sent[m.Type]++
		}
	}
}

func gossipOf(n *Node) clusterbus.Gossip {
	return clusterbus.Gossip{
		Name:         n.Name,
		PingSent:     uint32(n.PingSent / 1000),
		PongReceived: uint32(n.PongReceived / 1000),
		IP:           n.IP,
		Port:         uint16(n.Port),
		CPort:        uint16(n.CPort),
		Flags:        uint16(n.Flags),
		PPort:        uint16(n.PPort),
	}
}

// sendPing is clusterSendPing: a PING, PONG or MEET with gossip about a
// tenth of the nodes (at least 3) picked at random, plus every node in
// PFAIL.
func (cl *Cluster) sendPing(l *link, typ uint16) {
	st := &cl.st
	cl.pingsSent++
	nodes := cl.sortedNodes()
	fresh := len(nodes) - 2
	wanted := max(len(nodes)/10, 3)
	wanted = min(wanted, fresh)
	if !l.inbound && typ == clusterbus.TypePing {
		l.node.PingSent = nowMs()
	}
	m := &clusterbus.Message{Header: cl.header(typ)}
	for iter := wanted * 3; fresh > 0 && len(m.Gossip) < wanted && iter > 0; iter-- {
		n := nodes[rand.IntN(len(nodes))]
		if n == st.Myself || n.Flags&FlagPFail != 0 {
			continue
		}
		if n.Flags&(FlagHandshake|FlagNoAddr) != 0 || n.link == nil && n.NumSlots == 0 {
			fresh--
			continue
		}
		if cl.lastInGossip[n] == cl.pingsSent {
			continue
		}
		m.Gossip = append(m.Gossip, gossipOf(n))
		cl.lastInGossip[n] = cl.pingsSent
		fresh--
	}
	if pfail := st.PFailNodes; pfail > 0 {
		for _, n := range nodes {
			if pfail == 0 {
				break
			}
			if n.Flags&(FlagHandshake|FlagNoAddr) != 0 || n.Flags&FlagPFail == 0 {
				continue
			}
			m.Gossip = append(m.Gossip, gossipOf(n))
			pfail--
		}
	}
	m.Hostname = st.Myself.Hostname
	cl.sendMessage(l, m)
}

// broadcastPong is clusterBroadcastPong: to every node, or to the
// replicas of our master only.
func (cl *Cluster) broadcastPong(localReplicas bool) {
	me := cl.st.Myself
	for _, n := range cl.sortedNodes() {
		if n.link == nil || n == me || n.Flags&FlagHandshake != 0 {
			continue
		}
		if localReplicas && !(n.IsReplica() && n.ReplicaOf != nil && (n.ReplicaOf == me || n.ReplicaOf == me.ReplicaOf)) {
			continue
		}
		cl.sendPing(n.link, clusterbus.TypePong)
	}
}

// sendFail broadcasts that the named node fails.
func (cl *Cluster) sendFail(name string) {
	m := &clusterbus.Message{Header: cl.header(clusterbus.TypeFail), FailName: name}
	cl.broadcast(m)
}

// sendUpdate tells a node with an old view who serves n's slots.
func (cl *Cluster) sendUpdate(l *link, n *Node) {
	if l == nil {
		return
	}
	m := &clusterbus.Message{Header: cl.header(clusterbus.TypeUpdate), UpdateName: n.Name, UpdateConfigEpoch: n.ConfigEpoch}
	for i := range m.UpdateSlots {
		m.UpdateSlots[i] = n.Slots[i] &^ cl.notClaiming[i]
	}
	cl.sendMessage(l, m)
}

// Publish propagates a PUBLISH to the cluster (every node), or an
// SPUBLISH to the nodes serving our slots (clusterPropagatePublish).
func (cl *Cluster) Publish(channel, message []byte, sharded bool) {
	if !sharded {
		m := &clusterbus.Message{Header: cl.header(clusterbus.TypePublish), Channel: channel, Payload: message}
		cl.broadcast(m)
		return
	}
	me := cl.st.Myself
	master := me
	if !me.IsMaster() {
		master = me.ReplicaOf
	}
	if master == nil {
		return
	}
	m := &clusterbus.Message{Header: cl.header(clusterbus.TypePublishShard), Channel: channel, Payload: message}
	for _, n := range append([]*Node{master}, master.Replicas...) {
		if n.Flags&(FlagMyself|FlagHandshake) != 0 {
			continue
		}
		cl.sendMessage(n.link, m)
	}
}
