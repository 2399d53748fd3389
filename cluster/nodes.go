package cluster

// The node table: nodes, their replicas and failure reports, slot
// ownership, epochs, and the cluster state computed from them, as the
// first half of cluster.c.

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/redis-go/redis-server/logger"
)

// Things to do before the loop sleeps (CLUSTER_TODO_*).
const (
	todoHandleFailover = 1 << iota
	todoUpdateState
	todoSaveConfig
	todoFsyncConfig
	todoHandleManualFailover
)

const (
	failReportValidityMult = 2 // failure reports live node-timeout * 2
	failUndoTimeMult       = 2 // undo a master's FAIL after node-timeout * 2
	blacklistTTL           = 60
	maxRejoinDelay         = 5000
	minRejoinDelay         = 500
	writableDelay          = 2000
)

func nowMs() int64 { return time.Now().UnixMilli() }

// randomName is a new node name: 40 random hex digits.
func randomName() string {
	var b [NameLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validName is verifyClusterNodeId: 40 characters of [a-z0-9].
func validName(name string) bool {
	if len(name) != NameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// doBeforeSleep is clusterDoBeforeSleep: flags are done once the events
// at hand are handled (a task of the loop, which runs after them).
func (cl *Cluster) doBeforeSleep(flags int) {
	cl.st.todo |= flags
	if !cl.beforeSleepQueued {
		cl.beforeSleepQueued = true
		cl.srv.Loop.Execute(func() {
			cl.beforeSleepQueued = false
			cl.beforeSleep()
		})
	}
}

func newNode(name string, flags int) *Node {
	if name == "" {
		name = randomName()
	}
	return &Node{Name: name, Flags: flags, CTime: nowMs()}
}

func (cl *Cluster) addNode(n *Node) { cl.st.Nodes[n.Name] = n }

func (cl *Cluster) lookupNode(name string) *Node {
	if !validName(name) {
		return nil
	}
	return cl.st.Nodes[name]
}

// sortedNodes lists the nodes by name, for output that does not depend
// on map order.
func (cl *Cluster) sortedNodes() []*Node {
	nodes := make([]*Node, 0, len(cl.st.Nodes))
	for _, n := range cl.st.Nodes {
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b *Node) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return nodes
}

// addFailureReport records sender's report that failing fails: true if
// it is a new report.
func (cl *Cluster) addFailureReport(failing, sender *Node) bool {
	for i := range failing.FailReports {
		if failing.FailReports[i].Node == sender {
			failing.FailReports[i].Time = nowMs()
			return false
		}
	}
	failing.FailReports = append(failing.FailReports, FailReport{Node: sender, Time: nowMs()})
	return true
}

func (cl *Cluster) cleanupFailureReports(n *Node) {
	maxtime := cl.nodeTimeout() * failReportValidityMult
	now := nowMs()
	n.FailReports = slices.DeleteFunc(n.FailReports, func(fr FailReport) bool { return now-fr.Time > maxtime })
}

func (cl *Cluster) delFailureReport(n, sender *Node) bool {
	i := slices.IndexFunc(n.FailReports, func(fr FailReport) bool { return fr.Node == sender })
	if i < 0 {
		return false
	}
	n.FailReports = slices.Delete(n.FailReports, i, i+1)
	cl.cleanupFailureReports(n)
	return true
}

func (cl *Cluster) failureReportsCount(n *Node) int {
	cl.cleanupFailureReports(n)
	return len(n.FailReports)
}

func removeReplica(master, replica *Node) bool {
	i := slices.Index(master.Replicas, replica)
	if i < 0 {
		return false
	}
	master.Replicas = slices.Delete(master.Replicas, i, i+1)
	if len(master.Replicas) == 0 {
		master.Flags &^= FlagMigrateTo
	}
	return true
}

func addReplica(master, replica *Node) bool {
	if slices.Contains(master.Replicas, replica) {
		return false
	}
	master.Replicas = append(master.Replicas, replica)
	master.Flags |= FlagMigrateTo
	return true
}

func countNonFailingReplicas(n *Node) int {
	ok := 0
	for _, r := range n.Replicas {
		if !r.Failed() {
			ok++
		}
	}
	return ok
}

// freeNode is freeClusterNode: unlink n from the table and its links.
func (cl *Cluster) freeNode(n *Node) {
	for _, r := range n.Replicas {
		r.ReplicaOf = nil
	}
	if n.IsReplica() && n.ReplicaOf != nil {
		removeReplica(n.ReplicaOf, n)
	}
	delete(cl.st.Nodes, n.Name)
	if n.link != nil {
		n.link.free()
	}
	if n.inLink != nil {
		n.inLink.free()
	}
}

// delNode is clusterDelNode: its slots unassigned, its failure reports
// forgotten, the node freed.
func (cl *Cluster) delNode(del *Node) {
	st := &cl.st
	for j := 0; j < Slots; j++ {
		if st.ImportingFrom[j] == del {
			st.ImportingFrom[j] = nil
		}
		if st.MigratingTo[j] == del {
			st.MigratingTo[j] = nil
		}
		if st.SlotOwner[j] == del {
			cl.delSlot(j)
		}
	}
	for _, n := range st.Nodes {
		if n != del {
			cl.delFailureReport(n, del)
		}
	}
	cl.freeNode(del)
}

func (cl *Cluster) renameNode(n *Node, name string) {
	logger.Debugf("Renaming node %.40s into %.40s", n.Name, name)
	delete(cl.st.Nodes, n.Name)
	n.Name = name
	cl.addNode(n)
}

func (cl *Cluster) maxEpoch() uint64 {
	max := uint64(0)
	for _, n := range cl.st.Nodes {
		if n.ConfigEpoch > max {
			max = n.ConfigEpoch
		}
	}
	if max < cl.st.CurrentEpoch {
		max = cl.st.CurrentEpoch
	}
	return max
}

// bumpConfigEpochWithoutConsensus is clusterBumpConfigEpochWithoutConsensus.
func (cl *Cluster) bumpConfigEpochWithoutConsensus() bool {
	me := cl.st.Myself
	if max := cl.maxEpoch(); me.ConfigEpoch == 0 || me.ConfigEpoch != max {
		cl.st.CurrentEpoch++
		me.ConfigEpoch = cl.st.CurrentEpoch
		cl.doBeforeSleep(todoSaveConfig | todoFsyncConfig)
		logger.Warningf("New configEpoch set to %d", me.ConfigEpoch)
		return true
	}
	return false
}

// handleConfigEpochCollision is clusterHandleConfigEpochCollision: of two
// masters with the same config epoch, the one with the smaller name takes
// a new one.
func (cl *Cluster) handleConfigEpochCollision(sender *Node) {
	me := cl.st.Myself
	if sender.ConfigEpoch != me.ConfigEpoch || !sender.IsMaster() || !me.IsMaster() {
		return
	}
	if sender.Name <= me.Name {
		return
	}
	cl.st.CurrentEpoch++
	me.ConfigEpoch = cl.st.CurrentEpoch
	cl.saveConfigOrDie(true)
	logger.Verbosef("WARNING: configEpoch collision with node %.40s. configEpoch set to %d", sender.Name, me.ConfigEpoch)
}

func (cl *Cluster) blacklistCleanup() {
	now := time.Now().Unix()
	for name, exp := range cl.st.blacklist {
		if exp < now {
			delete(cl.st.blacklist, name)
		}
	}
}

func (cl *Cluster) blacklistAdd(n *Node) {
	cl.blacklistCleanup()
	cl.st.blacklist[n.Name] = time.Now().Unix() + blacklistTTL
}

func (cl *Cluster) blacklisted(name string) bool {
	cl.blacklistCleanup()
	_, ok := cl.st.blacklist[name]
	return ok
}

// markNodeAsFailingIfNeeded turns PFAIL into FAIL once a majority of
// masters reported it.
func (cl *Cluster) markNodeAsFailingIfNeeded(n *Node) {
	quorum := cl.st.Size/2 + 1
	if !n.TimedOut() || n.Failed() {
		return
	}
	failures := cl.failureReportsCount(n)
	if cl.st.Myself.IsMaster() {
		failures++
	}
	if failures < quorum {
		return
	}
	logger.Noticef("Marking node %.40s as failing (quorum reached).", n.Name)
	n.Flags &^= FlagPFail
	n.Flags |= FlagFail
	n.FailTime = nowMs()
	cl.sendFail(n.Name)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
}

func (cl *Cluster) clearNodeFailureIfNeeded(n *Node) {
	now := nowMs()
	if n.IsReplica() || n.NumSlots == 0 {
		what := "master without slots"
		if n.IsReplica() {
			what = "replica"
		}
		logger.Noticef("Clear FAIL state for node %.40s: %s is reachable again.", n.Name, what)
		n.Flags &^= FlagFail
		cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	}
	if n.IsMaster() && n.NumSlots > 0 && now-n.FailTime > cl.nodeTimeout()*failUndoTimeMult {
		logger.Noticef("Clear FAIL state for node %.40s: is reachable again and nobody is serving its slots after some time.", n.Name)
		n.Flags &^= FlagFail
		cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	}
}

func (cl *Cluster) setNodeAsMaster(n *Node) {
	if n.IsMaster() {
		return
	}
	if n.ReplicaOf != nil {
		removeReplica(n.ReplicaOf, n)
		if n != cl.st.Myself {
			n.Flags |= FlagMigrateTo
		}
	}
	n.Flags &^= FlagSlave
	n.Flags |= FlagMaster
	n.ReplicaOf = nil
	cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
}

func (cl *Cluster) mastersHaveReplicas() bool {
	for _, n := range cl.st.Nodes {
		if !n.IsReplica() && len(n.Replicas) > 0 {
			return true
		}
	}
	return false
}

func (cl *Cluster) setSlotBit(n *Node, slot int) bool {
	old := n.HasSlot(slot)
	n.Slots[slot>>3] |= 1 << (slot & 7)
	if !old {
		n.NumSlots++
		if n.NumSlots == 1 && cl.mastersHaveReplicas() {
			n.Flags |= FlagMigrateTo
		}
	}
	return old
}

func clearSlotBit(n *Node, slot int) bool {
	old := n.HasSlot(slot)
	n.Slots[slot>>3] &^= 1 << (slot & 7)
	if old {
		n.NumSlots--
	}
	return old
}

// addSlot gives slot to n if nobody serves it.
func (cl *Cluster) addSlot(n *Node, slot int) bool {
	if cl.st.SlotOwner[slot] != nil {
		return false
	}
	cl.setSlotBit(n, slot)
	cl.st.SlotOwner[slot] = n
	return true
}

// delSlot unassigns slot. If we (or our master) served it, our clients
// lose their shard channels of the slot.
func (cl *Cluster) delSlot(slot int) bool {
	n := cl.st.SlotOwner[slot]
	if n == nil {
		return false
	}
	if me := cl.st.Myself; n == me || me.ReplicaOf == n || slices.Contains(n.Replicas, me) {
		cl.srv.UnsubscribeShardChannelsInSlot(slot)
	}
	clearSlotBit(n, slot)
	cl.st.SlotOwner[slot] = nil
	return true
}

func (cl *Cluster) delNodeSlots(n *Node) int {
	deleted := 0
	for j := 0; j < Slots; j++ {
		if n.HasSlot(j) {
			cl.delSlot(j)
			deleted++
		}
	}
	return deleted
}

func (cl *Cluster) closeAllSlots() {
	cl.st.MigratingTo = [Slots]*Node{}
	cl.st.ImportingFrom = [Slots]*Node{}
}

// updateState is clusterUpdateState: ok when every slot is served (with
// cluster-require-full-coverage) and a majority of the masters serving
// slots is reachable.
func (cl *Cluster) updateState() {
	st := &cl.st
	st.todo &^= todoUpdateState
	now := nowMs()
	if st.firstCallTime == 0 {
		st.firstCallTime = now
	}
	if st.Myself.IsMaster() && st.State == StateFail && now-st.firstCallTime < writableDelay {
		return
	}
	newState := StateOK
	if cl.srv.Config.Bool("cluster-require-full-coverage") {
		for j := 0; j < Slots; j++ {
			if st.SlotOwner[j] == nil || st.SlotOwner[j].Flags&FlagFail != 0 {
				newState = StateFail
				break
			}
		}
	}
	reachable := 0
	st.Size = 0
	for _, n := range st.Nodes {
		if n.IsMaster() && n.NumSlots > 0 {
			st.Size++
			if n.Flags&(FlagFail|FlagPFail) == 0 {
				reachable++
			}
		}
	}
	if reachable < st.Size/2+1 {
		newState = StateFail
		st.amongMinorityTime = now
	}
	if newState != st.State {
		rejoin := min(max(cl.nodeTimeout(), minRejoinDelay), maxRejoinDelay)
		if newState == StateOK && st.Myself.IsMaster() && now-st.amongMinorityTime < rejoin {
			return
		}
		what := "fail"
		if newState == StateOK {
			what = "ok"
		}
		logger.Warningf("Cluster state changed: %s", what)
		st.State = newState
	}
}

func (cl *Cluster) nodeTimeout() int64 { return cl.srv.Config.Int("cluster-node-timeout") }
