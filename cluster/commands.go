package cluster

// The CLUSTER command, as clusterCommand.

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/clusterbus"
	"github.com/redis-go/redis-server/internal/keyslot"
	"github.com/redis-go/redis-server/logger"
)

func init() {
	db.RegisterDebug("drop-cluster-packet-filter", 3, debugDropPacketFilter)
	db.RegisterDebug("clusterlink", -3, debugClusterLink)
	for name, proc := range map[string]func(*Cluster, *db.Client){
		"help":                  helpCommand,
		"meet":                  meetCommand,
		"nodes":                 nodesCommand,
		"myid":                  myidCommand,
		"slots":                 slotsCommand,
		"shards":                shardsCommand,
		"flushslots":            flushslotsCommand,
		"addslots":              func(cl *Cluster, c *db.Client) { addDelSlots(cl, c, false) },
		"delslots":              func(cl *Cluster, c *db.Client) { addDelSlots(cl, c, true) },
		"addslotsrange":         func(cl *Cluster, c *db.Client) { addDelSlotsRange(cl, c, false) },
		"delslotsrange":         func(cl *Cluster, c *db.Client) { addDelSlotsRange(cl, c, true) },
		"setslot":               setslotCommand,
		"bumpepoch":             bumpepochCommand,
		"info":                  infoCommand,
		"saveconfig":            saveconfigCommand,
		"keyslot":               keyslotCommand,
		"countkeysinslot":       countkeysinslotCommand,
		"getkeysinslot":         getkeysinslotCommand,
		"forget":                forgetCommand,
		"replicate":             replicateCommand,
		"replicas":              replicasCommand,
		"slaves":                replicasCommand,
		"count-failure-reports": countFailureReportsCommand,
		"failover":              failoverCommand,
		"set-config-epoch":      setConfigEpochCommand,
		"reset":                 resetCommand,
		"links":                 linksCommand,
	} {
		db.RegisterCommand("cluster|"+name, func(c *db.Client) {
			cl := Of(c.Srv())
			if cl == nil {
				c.Error("ERR This instance has cluster support disabled")
				return
			}
			proc(cl, c)
		})
	}
}

// debugDropPacketFilter is DEBUG DROP-CLUSTER-PACKET-FILTER <type>: drop
// the bus messages of that type (-1 for none), for tests.
func debugDropPacketFilter(c *db.Client) {
	t, ok := parseLL(c.Argv[2])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	if cl := Of(c.Srv()); cl != nil {
		cl.dropFilter = t
	}
	c.OK()
}

// debugClusterLink is DEBUG CLUSTERLINK KILL <to|from|all> <node-id>:
// drop our links with a node, for tests.
func debugClusterLink(c *db.Client) {
	if !c.ArgIs(2, "kill") || len(c.Argv) != 5 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	cl := Of(c.Srv())
	if cl == nil {
		c.Error("ERR Debug option only available for cluster mode enabled setup!")
		return
	}
	n := cl.lookupNode(c.Arg(4))
	if n == nil {
		c.Error("ERR Unknown node " + c.Arg(4))
		return
	}
	out, in := n.link, n.inLink
	switch {
	case c.ArgIs(3, "from"):
		out = nil
	case c.ArgIs(3, "to"):
		in = nil
	case c.ArgIs(3, "all"):
	default:
		c.Error("ERR Unknown direction " + c.Arg(3))
		return
	}
	if out != nil {
		out.free()
	}
	if in != nil {
		in.free()
	}
	c.OK()
}

// Of is the server's cluster mode, nil when cluster-enabled is no.
func Of(srv *db.Server) *Cluster {
	cl, _ := srv.Cluster.(*Cluster)
	return cl
}

var help = []string{
	"ADDSLOTS <slot> [<slot> ...]",
	"    Assign slots to current node.",
	"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Assign slots which are between <start-slot> and <end-slot> to current node.",
	"BUMPEPOCH",
	"    Advance the cluster config epoch.",
	"COUNT-FAILURE-REPORTS <node-id>",
	"    Return number of failure reports for <node-id>.",
	"COUNTKEYSINSLOT <slot>",
	"    Return the number of keys in <slot>.",
	"DELSLOTS <slot> [<slot> ...]",
	"    Delete slots information from current node.",
	"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
	"FAILOVER [FORCE|TAKEOVER]",
	"    Promote current replica node to being a master.",
	"FORGET <node-id>",
	"    Remove a node from the cluster.",
	"GETKEYSINSLOT <slot> <count>",
	"    Return key names stored by current node in a slot.",
	"FLUSHSLOTS",
	"    Delete current node own slots information.",
	"INFO",
	"    Return information about the cluster.",
	"KEYSLOT <key>",
	"    Return the hash slot for <key>.",
	"MEET <ip> <port> [<bus-port>]",
	"    Connect nodes into a working cluster.",
	"MYID",
	"    Return the node id.",
	"NODES",
	"    Return cluster configuration seen by node. Output format:",
	"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
	"REPLICATE <node-id>",
	"    Configure current node as replica to <node-id>.",
	"RESET [HARD|SOFT]",
	"    Reset current node (default: soft).",
	"SET-CONFIG-EPOCH <epoch>",
	"    Set config epoch of current node.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
	"    Set slot state.",
	"REPLICAS <node-id>",
	"    Return <node-id> replicas.",
	"SAVECONFIG",
	"    Force saving cluster configuration on disk.",
	"SLOTS",
	"    Return information about slots range mappings. Each range is made of:",
	"    start, end, master and replicas IP addresses, ports and ids",
	"SHARDS",
	"    Return information about slot range mappings and the nodes associated with them.",
	"LINKS",
	"    Return information about all network links between this node and its peers.",
	"    Output format is an array where each array element is a map containing attributes of a link",
}

func helpCommand(cl *Cluster, c *db.Client) { db.ReplySubcommandHelp(c, help) }

// parseLL is getLongLongFromObject.
func parseLL(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil && len(b) > 0 && !(len(b) > 1 && b[0] == '0') && !(len(b) > 1 && b[0] == '-' && b[1] == '0')
}

// slotArg is getSlotOrReply.
func slotArg(c *db.Client, i int) (int, bool) {
	n, ok := parseLL(c.Argv[i])
	if !ok || n < 0 || n >= Slots {
		c.Error("ERR Invalid or out of range slot")
		return 0, false
	}
	return int(n), true
}

func meetCommand(cl *Cluster, c *db.Client) {
	if len(c.Argv) != 4 && len(c.Argv) != 5 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	port, ok := parseLL(c.Argv[3])
	if !ok {
		c.Error("ERR Invalid TCP base port specified: " + c.Arg(3))
		return
	}
	cport := port + portIncr
	if len(c.Argv) == 5 {
		if cport, ok = parseLL(c.Argv[4]); !ok {
			c.Error("ERR Invalid TCP bus port specified: " + c.Arg(4))
			return
		}
	}
	if !cl.startHandshake(c.Arg(2), int(port), int(cport)) {
		c.Error(fmt.Sprintf("ERR Invalid node address specified: %s:%s", c.Arg(2), c.Arg(3)))
		return
	}
	c.OK()
}

// startHandshake is clusterStartHandshake: false for an invalid address
// (a handshake already in progress is no error).
func (cl *Cluster) startHandshake(ip string, port, cport int) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil || port <= 0 || port > 65535 || cport <= 0 || cport > 65535 {
		return false
	}
	norm := addr.Unmap().String()
	if addr.Zone() != "" {
		norm = addr.WithZone("").String()
	}
	for _, n := range cl.st.Nodes {
		if n.Flags&FlagHandshake != 0 && strings.EqualFold(n.IP, norm) && n.Port == port && n.CPort == cport {
			return true
		}
	}
	n := newNode("", FlagHandshake|FlagMeet)
	n.IP, n.Port, n.CPort = norm, port, cport
	cl.addNode(n)
	return true
}

func nodesCommand(cl *Cluster, c *db.Client) {
	c.Verbatim(string(cl.nodesDescription(0, false)))
}

func myidCommand(cl *Cluster, c *db.Client) { c.BulkString(cl.st.Myself.Name) }

func (cl *Cluster) endpointType() string {
	return cl.srv.Config.String("cluster-preferred-endpoint-type")
}

// nodeReply is addNodeToNodeReply.
func (cl *Cluster) nodeReply(c *db.Client, n *Node) {
	c.ArrayLen(4)
	ep := cl.endpointType()
	switch ep {
	case "ip":
		c.BulkString(n.IP)
	case "hostname":
		if n.Hostname != "" {
			c.BulkString(n.Hostname)
		} else {
			c.BulkString("?")
		}
	default:
		c.Null()
	}
	c.Int(int64(n.Port))
	c.BulkString(n.Name)
	length := 0
	if ep != "ip" {
		length++
	}
	if ep != "hostname" && n.Hostname != "" {
		length++
	}
	c.MapLen(length)
	if ep != "ip" {
		c.BulkString("ip")
		c.BulkString(n.IP)
	}
	if ep != "hostname" && n.Hostname != "" {
		c.BulkString("hostname")
		c.BulkString(n.Hostname)
	}
}

// replicaAvailable is isReplicaAvailable.
func (cl *Cluster) replicaAvailable(n *Node) bool {
	if n.Failed() {
		return false
	}
	off := n.ReplOffset
	if n.Flags&FlagMyself != 0 {
		off = cl.repl.ClusterOffset()
	}
	return off != 0
}

func slotsCommand(cl *Cluster, c *db.Client) {
	d := c.Defer()
	masters := 0
	var n *Node
	start := -1
	for i := 0; i <= Slots; i++ {
		if n == nil {
			if i == Slots {
				break
			}
			n, start = cl.st.SlotOwner[i], i
			continue
		}
		if i == Slots || n != cl.st.SlotOwner[i] {
			var avail []*Node
			for _, r := range n.Replicas {
				if cl.replicaAvailable(r) {
					avail = append(avail, r)
				}
			}
			c.ArrayLen(3 + len(avail))
			c.Int(int64(start))
			c.Int(int64(i - 1))
			cl.nodeReply(c, n)
			for _, r := range avail {
				cl.nodeReply(c, r)
			}
			masters++
			if i == Slots {
				break
			}
			n, start = cl.st.SlotOwner[i], i
		}
	}
	c.SetArrayLen(d, masters)
}

// preferredEndpoint is getPreferredEndpoint.
func (cl *Cluster) preferredEndpoint(n *Node) string {
	switch cl.endpointType() {
	case "ip":
		return n.IP
	case "hostname":
		if n.Hostname != "" {
			return n.Hostname
		}
		return "?"
	}
	return ""
}

func (cl *Cluster) shardNodeReply(c *db.Client, n *Node) {
	count := 6 // id, ip, endpoint, role, replication-offset, health
	if n.Port != 0 {
		count++
	}
	if n.Hostname != "" {
		count++
	}
	c.MapLen(count)
	c.BulkString("id")
	c.BulkString(n.Name)
	if n.Port != 0 {
		c.BulkString("port")
		c.Int(int64(n.Port))
	}
	c.BulkString("ip")
	c.BulkString(n.IP)
	c.BulkString("endpoint")
	c.BulkString(cl.preferredEndpoint(n))
	if n.Hostname != "" {
		c.BulkString("hostname")
		c.BulkString(n.Hostname)
	}
	off := n.ReplOffset
	if n.Flags&FlagMyself != 0 {
		off = cl.repl.ClusterOffset()
	}
	c.BulkString("role")
	if n.IsReplica() {
		c.BulkString("replica")
	} else {
		c.BulkString("master")
	}
	c.BulkString("replication-offset")
	c.Int(off)
	c.BulkString("health")
	switch {
	case n.Failed():
		c.BulkString("fail")
	case n.IsReplica() && off == 0:
		c.BulkString("loading")
	default:
		c.BulkString("online")
	}
}

func shardsCommand(cl *Cluster, c *db.Client) {
	ranges := cl.slotRanges()
	var masters []*Node
	for _, n := range cl.sortedNodes() {
		if n.IsMaster() {
			masters = append(masters, n)
		}
	}
	c.ArrayLen(len(masters))
	for _, n := range masters {
		c.MapLen(2)
		c.BulkString("slots")
		c.ArrayLen(2 * len(ranges[n]))
		for _, r := range ranges[n] {
			c.Int(int64(r[0]))
			c.Int(int64(r[1]))
		}
		c.BulkString("nodes")
		group := append([]*Node{n}, n.Replicas...)
		c.ArrayLen(len(group))
		for _, m := range group {
			cl.shardNodeReply(c, m)
		}
	}
}

func flushslotsCommand(cl *Cluster, c *db.Client) {
	if cl.srv.DBs[0].Len() != 0 {
		c.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
		return
	}
	cl.delNodeSlots(cl.st.Myself)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	c.OK()
}

// checkSlots is checkSlotAssignmentsOrReply.
func (cl *Cluster) checkSlots(c *db.Client, slots []byte, del bool, start, end int) bool {
	for slot := start; slot <= end; slot++ {
		if del && cl.st.SlotOwner[slot] == nil {
			c.Error(fmt.Sprintf("ERR Slot %d is already unassigned", slot))
			return false
		} else if !del && cl.st.SlotOwner[slot] != nil {
			c.Error(fmt.Sprintf("ERR Slot %d is already busy", slot))
			return false
		}
		if slots[slot]++; slots[slot] == 2 {
			c.Error(fmt.Sprintf("ERR Slot %d specified multiple times", slot))
			return false
		}
	}
	return true
}

// updateSlots is clusterUpdateSlots.
func (cl *Cluster) updateSlots(slots []byte, del bool) {
	for j := 0; j < Slots; j++ {
		if slots[j] == 0 {
			continue
		}
		cl.st.ImportingFrom[j] = nil
		if del {
			cl.delSlot(j)
		} else {
			cl.addSlot(cl.st.Myself, j)
		}
	}
}

func addDelSlots(cl *Cluster, c *db.Client, del bool) {
	if len(c.Argv) < 3 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	for j := 2; j < len(c.Argv); j++ {
		if _, ok := slotArg(c, j); !ok {
			return
		}
	}
	slots := make([]byte, Slots)
	for j := 2; j < len(c.Argv); j++ {
		slot, _ := slotArg(c, j)
		if !cl.checkSlots(c, slots, del, slot, slot) {
			return
		}
	}
	cl.updateSlots(slots, del)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	c.OK()
}

func addDelSlotsRange(cl *Cluster, c *db.Client, del bool) {
	if len(c.Argv) < 4 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	if len(c.Argv)%2 == 1 {
		c.ErrorArity()
		return
	}
	slots := make([]byte, Slots)
	for j := 2; j < len(c.Argv); j += 2 {
		start, ok := slotArg(c, j)
		if !ok {
			return
		}
		end, ok := slotArg(c, j+1)
		if !ok {
			return
		}
		if start > end {
			c.Error(fmt.Sprintf("ERR start slot number %d is greater than end slot number %d", start, end))
			return
		}
		if !cl.checkSlots(c, slots, del, start, end) {
			return
		}
	}
	cl.updateSlots(slots, del)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	c.OK()
}

func setslotCommand(cl *Cluster, c *db.Client) {
	st := &cl.st
	me := st.Myself
	if len(c.Argv) < 4 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	if me.IsReplica() {
		c.Error("ERR Please use SETSLOT only with masters.")
		return
	}
	slot, ok := slotArg(c, 2)
	if !ok {
		return
	}
	action := strings.ToLower(c.Arg(3))
	switch {
	case action == "migrating" && len(c.Argv) == 5:
		if st.SlotOwner[slot] != me {
			c.Error(fmt.Sprintf("ERR I'm not the owner of hash slot %d", slot))
			return
		}
		n := setslotTarget(cl, c)
		if n == nil {
			return
		}
		st.MigratingTo[slot] = n
	case action == "importing" && len(c.Argv) == 5:
		if st.SlotOwner[slot] == me {
			c.Error(fmt.Sprintf("ERR I'm already the owner of hash slot %d", slot))
			return
		}
		n := setslotTarget(cl, c)
		if n == nil {
			return
		}
		st.ImportingFrom[slot] = n
	case action == "stable" && len(c.Argv) == 4:
		st.ImportingFrom[slot] = nil
		st.MigratingTo[slot] = nil
	case action == "node" && len(c.Argv) == 5:
		n := cl.lookupNode(c.Arg(4))
		if n == nil {
			c.Error("ERR Unknown node " + c.Arg(4))
			return
		}
		if n.IsReplica() {
			c.Error("ERR Target node is not a master")
			return
		}
		keys := cl.srv.DBs[0].CountKeysInSlot(slot)
		if st.SlotOwner[slot] == me && n != me && keys != 0 {
			c.Error(fmt.Sprintf("ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot))
			return
		}
		if keys == 0 && st.MigratingTo[slot] != nil {
			st.MigratingTo[slot] = nil
		}
		wasMine := st.SlotOwner[slot] == me
		cl.delSlot(slot)
		cl.addSlot(n, slot)
		if wasMine && n != me && me.NumSlots == 0 && cl.srv.Config.Bool("cluster-allow-replica-migration") {
			logger.Warningf("Configuration change detected. Reconfiguring myself as a replica of %.40s", n.Name)
			cl.setMaster(n)
			cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
		}
		if n == me && st.ImportingFrom[slot] != nil {
			if cl.bumpConfigEpochWithoutConsensus() {
				logger.Warningf("configEpoch updated after importing slot %d", slot)
			}
			st.ImportingFrom[slot] = nil
			cl.broadcastPong(false)
		}
	default:
		c.Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
		return
	}
	cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
	c.OK()
}

// setslotTarget is the master named by SETSLOT MIGRATING/IMPORTING, or
// nil after replying why not.
func setslotTarget(cl *Cluster, c *db.Client) *Node {
	n := cl.lookupNode(c.Arg(4))
	if n == nil {
		c.Error("ERR I don't know about node " + c.Arg(4))
		return nil
	}
	if n.IsReplica() {
		c.Error("ERR Target node is not a master")
		return nil
	}
	return n
}

func bumpepochCommand(cl *Cluster, c *db.Client) {
	word := "STILL"
	if cl.bumpConfigEpochWithoutConsensus() {
		word = "BUMPED"
	}
	c.Status(fmt.Sprintf("%s %d", word, cl.st.Myself.ConfigEpoch))
}

func infoCommand(cl *Cluster, c *db.Client) {
	c.Verbatim(cl.infoText())
}

// infoText is CLUSTER INFO.
func (cl *Cluster) infoText() string {
	st := &cl.st
	assigned, ok, pfail, fail := 0, 0, 0, 0
	for _, n := range st.SlotOwner {
		if n == nil {
			continue
		}
		assigned++
		switch {
		case n.Failed():
			fail++
		case n.TimedOut():
			pfail++
		default:
			ok++
		}
	}
	me := st.Myself
	myEpoch := me.ConfigEpoch
	if me.IsReplica() && me.ReplicaOf != nil {
		myEpoch = me.ReplicaOf.ConfigEpoch
	}
	state := "ok"
	if st.State == StateFail {
		state = "fail"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_state:%s\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\ncluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\ncluster_known_nodes:%d\r\ncluster_size:%d\r\ncluster_current_epoch:%d\r\ncluster_my_epoch:%d\r\n",
		state, assigned, ok, pfail, fail, len(st.Nodes), st.Size, st.CurrentEpoch, myEpoch)
	var sent, received int64
	for i, n := range st.Sent {
		if n != 0 {
			sent += n
			fmt.Fprintf(&b, "cluster_stats_messages_%s_sent:%d\r\n", typeName(uint16(i)), n)
		}
	}
	fmt.Fprintf(&b, "cluster_stats_messages_sent:%d\r\n", sent)
	for i, n := range st.Received {
		if n != 0 {
			received += n
			fmt.Fprintf(&b, "cluster_stats_messages_%s_received:%d\r\n", typeName(uint16(i)), n)
		}
	}
	fmt.Fprintf(&b, "cluster_stats_messages_received:%d\r\n", received)
	fmt.Fprintf(&b, "total_cluster_links_buffer_limit_exceeded:%d\r\n", cl.linksBufferLimitExceeded)
	return b.String()
}

func saveconfigCommand(cl *Cluster, c *db.Client) {
	if err := cl.saveConfig(true); err != nil {
		c.Error("ERR error saving the cluster node config: " + errnoText(err))
		return
	}
	c.OK()
}

func keyslotCommand(cl *Cluster, c *db.Client) {
	c.Int(int64(keyslot.Slot(c.Argv[2])))
}

func countkeysinslotCommand(cl *Cluster, c *db.Client) {
	slot, ok := parseLL(c.Argv[2])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	if slot < 0 || slot >= Slots {
		c.Error("ERR Invalid slot")
		return
	}
	c.Int(int64(cl.srv.DBs[0].CountKeysInSlot(int(slot))))
}

func getkeysinslotCommand(cl *Cluster, c *db.Client) {
	slot, ok := parseLL(c.Argv[2])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	maxKeys, ok := parseLL(c.Argv[3])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	if slot < 0 || slot >= Slots || maxKeys < 0 {
		c.Error("ERR Invalid slot or number of keys")
		return
	}
	keys := cl.srv.DBs[0].KeysInSlot(int(slot), int(min(maxKeys, 1<<31)))
	c.ArrayLen(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

func forgetCommand(cl *Cluster, c *db.Client) {
	me := cl.st.Myself
	n := cl.lookupNode(c.Arg(2))
	switch {
	case n == nil:
		c.Error("ERR Unknown node " + c.Arg(2))
		return
	case n == me:
		c.Error("ERR I tried hard but I can't forget myself...")
		return
	case me.IsReplica() && me.ReplicaOf == n:
		c.Error("ERR Can't forget my master!")
		return
	}
	cl.blacklistAdd(n)
	cl.delNode(n)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	c.OK()
}

func replicateCommand(cl *Cluster, c *db.Client) {
	me := cl.st.Myself
	n := cl.lookupNode(c.Arg(2))
	switch {
	case n == nil:
		c.Error("ERR Unknown node " + c.Arg(2))
		return
	case n == me:
		c.Error("ERR Can't replicate myself")
		return
	case n.IsReplica():
		c.Error("ERR I can only replicate a master, not a replica.")
		return
	case me.IsMaster() && (me.NumSlots != 0 || cl.srv.DBs[0].Len() != 0):
		c.Error("ERR To set a master the node must be empty and without assigned slots.")
		return
	}
	cl.setMaster(n)
	cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
	c.OK()
}

func replicasCommand(cl *Cluster, c *db.Client) {
	n := cl.lookupNode(c.Arg(2))
	if n == nil {
		c.Error("ERR Unknown node " + c.Arg(2))
		return
	}
	if n.IsReplica() {
		c.Error("ERR The specified node is not a master")
		return
	}
	c.ArrayLen(len(n.Replicas))
	for _, r := range n.Replicas {
		c.BulkString(string(cl.appendNodeDescription(nil, r, cl.slotRanges()[r], false)))
	}
}

func countFailureReportsCommand(cl *Cluster, c *db.Client) {
	n := cl.lookupNode(c.Arg(2))
	if n == nil {
		c.Error("ERR Unknown node " + c.Arg(2))
		return
	}
	c.Int(int64(cl.failureReportsCount(n)))
}

func failoverCommand(cl *Cluster, c *db.Client) {
	me := cl.st.Myself
	force, takeover := false, false
	if len(c.Argv) > 3 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	if len(c.Argv) == 3 {
		switch {
		case c.ArgIs(2, "force"):
			force = true
		case c.ArgIs(2, "takeover"):
			takeover, force = true, true
		default:
			c.Error(db.ErrSyntax)
			return
		}
	}
	switch {
	case me.IsMaster():
		c.Error("ERR You should send CLUSTER FAILOVER to a replica")
		return
	case me.ReplicaOf == nil:
		c.Error("ERR I'm a replica but my master is unknown to me")
		return
	case !force && (me.ReplicaOf.Failed() || me.ReplicaOf.link == nil):
		c.Error("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
		return
	}
	cl.resetManualFailover()
	cl.mf.end = nowMs() + mfTimeout
	switch {
	case takeover:
		logger.Warningf("Taking over the master (user request).")
		cl.bumpConfigEpochWithoutConsensus()
		cl.replaceMaster()
	case force:
		logger.Warningf("Forced failover user request accepted.")
		cl.mf.canStart = true
	default:
		logger.Warningf("Manual failover user request accepted.")
		if l := me.ReplicaOf.link; l != nil {
			cl.sendMessage(l, &clusterbus.Message{Header: cl.header(clusterbus.TypeMFStart)})
		}
	}
	c.OK()
}

func setConfigEpochCommand(cl *Cluster, c *db.Client) {
	epoch, ok := parseLL(c.Argv[2])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	me := cl.st.Myself
	switch {
	case epoch < 0:
		c.Error(fmt.Sprintf("ERR Invalid config epoch specified: %d", epoch))
	case len(cl.st.Nodes) > 1:
		c.Error("ERR The user can assign a config epoch only when the node does not know any other node.")
	case me.ConfigEpoch != 0:
		c.Error("ERR Node config epoch is already non-zero")
	default:
		me.ConfigEpoch = uint64(epoch)
		logger.Warningf("configEpoch set to %d via CLUSTER SET-CONFIG-EPOCH", me.ConfigEpoch)
		if cl.st.CurrentEpoch < uint64(epoch) {
			cl.st.CurrentEpoch = uint64(epoch)
		}
		cl.doBeforeSleep(todoUpdateState | todoSaveConfig)
		c.OK()
	}
}

func resetCommand(cl *Cluster, c *db.Client) {
	hard := false
	if len(c.Argv) > 3 {
		db.ReplySubcommandSyntaxError(c)
		return
	}
	if len(c.Argv) == 3 {
		switch {
		case c.ArgIs(2, "hard"):
			hard = true
		case c.ArgIs(2, "soft"):
		default:
			c.Error(db.ErrSyntax)
			return
		}
	}
	if cl.st.Myself.IsMaster() && c.DB.Len() != 0 {
		c.Error("ERR CLUSTER RESET can't be called with master nodes containing keys")
		return
	}
	cl.reset(hard)
	c.OK()
}

// reset is clusterReset.
func (cl *Cluster) reset(hard bool) {
	st := &cl.st
	me := st.Myself
	if me.IsReplica() {
		cl.setNodeAsMaster(me)
		cl.repl.UnsetMaster()
		for _, d := range cl.srv.DBs {
			d.Flush()
		}
	}
	cl.closeAllSlots()
	cl.resetManualFailover()
	for j := 0; j < Slots; j++ {
		cl.delSlot(j)
	}
	for _, n := range cl.sortedNodes() {
		if n != me {
			cl.delNode(n)
		}
	}
	if hard {
		st.CurrentEpoch, st.LastVoteEpoch = 0, 0
		me.ConfigEpoch = 0
		logger.Warningf("configEpoch set to 0 via CLUSTER RESET HARD")
		delete(st.Nodes, me.Name)
		me.Name = randomName()
		cl.addNode(me)
		logger.Noticef("Node hard reset, now I'm %.40s", me.Name)
	}
	cl.doBeforeSleep(todoSaveConfig | todoUpdateState | todoFsyncConfig)
}

func linksCommand(cl *Cluster, c *db.Client) {
	var links []*link
	for _, n := range cl.sortedNodes() {
		if n.link != nil {
			links = append(links, n.link)
		}
		if n.inLink != nil {
			links = append(links, n.inLink)
		}
	}
	c.ArrayLen(len(links))
	for _, l := range links {
		c.MapLen(6)
		c.BulkString("direction")
		if l.inbound {
			c.BulkString("from")
		} else {
			c.BulkString("to")
		}
		c.BulkString("node")
		c.BulkString(l.node.Name)
		c.BulkString("create-time")
		c.Int(l.ctime)
		c.BulkString("events")
		events := ""
		if l.conn != nil {
			events = "r"
			if l.queued() > 0 {
				events += "w"
			}
		}
		c.BulkString(events)
		used := l.queued()
		c.BulkString("send-buffer-allocated")
		c.Int(int64(max(used, l.sendBufPeak)))
		c.BulkString("send-buffer-used")
		c.Int(int64(used))
	}
}

func errnoText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
