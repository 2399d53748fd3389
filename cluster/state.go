// Package cluster is Redis Cluster mode (cluster-enabled yes) as Redis
// 7.0's cluster.c: the node table and the slot map, the cluster bus
// (internal/clusterbus holds its bytes), gossip, failure detection and
// failover, nodes.conf, the CLUSTER command and the redirection of
// commands to the node that serves their keys (-MOVED, -ASK, ...).
//
// Everything here runs on the executor's goroutine; the bus connections'
// readers and writers are goroutines of their own that hand whole
// messages to the loop (Server.Loop.Execute) and never touch the state.
package cluster

// Slots is the number of hash slots.
const Slots = 16384

// NameLen is the length of a node name: 40 hex digits.
const NameLen = 40

// Node flags, as CLUSTER_NODE_*.
const (
	FlagMaster     = 1 << iota // the node is a master
	FlagSlave                  // the node is a replica
	FlagPFail                  // failure? not acknowledged by a majority yet
	FlagFail                   // a majority believes it is failing
	FlagMyself                 // this node
	FlagHandshake              // the first PING not exchanged yet
	FlagNoAddr                 // its address is unknown
	FlagMeet                   // send it a MEET
	FlagMigrateTo              // a master eligible for replica migration
	FlagNoFailover             // a replica that will not try to fail over
)

// Cluster states, as CLUSTER_OK and CLUSTER_FAIL.
const (
	StateOK   = 0
	StateFail = 1
)

// Node is a node of the cluster as this node knows it (clusterNode).
type Node struct {
	Name        string // 40 hex digits
	Flags       int
	CTime       int64 // unix ms the node object was created
	ConfigEpoch uint64
	Slots       [Slots / 8]byte // the slots it serves, bit i of byte i/8 (LSB first)
	NumSlots    int
	Replicas    []*Node // its replicas, if a master
	ReplicaOf   *Node   // its master, if a replica (nil if unknown)

	PingSent, PongReceived, DataReceived int64 // unix ms
	FailTime, VotedTime, ReplOffsetTime  int64 // unix ms
	OrphanedTime                         int64 // unix ms
	ReplOffset                           int64

	IP       string
	Hostname string
	Port     int // the client port
	PPort    int // the plaintext client port (TLS only)
	CPort    int // the cluster bus port

	FailReports []FailReport

	link   *link // the link we opened to it
	inLink *link // the link it opened to us
}

// FailReport is a master's report that a node is failing.
type FailReport struct {
	Node *Node
	Time int64 // unix ms of the last report
}

// HasSlot reports whether n serves slot.
func (n *Node) HasSlot(slot int) bool { return n.Slots[slot>>3]&(1<<(slot&7)) != 0 }

// IsMaster and IsReplica read the role flags.
func (n *Node) IsMaster() bool  { return n.Flags&FlagMaster != 0 }
func (n *Node) IsReplica() bool { return n.Flags&FlagSlave != 0 }

// Failed reports FAIL; TimedOut reports PFAIL.
func (n *Node) Failed() bool   { return n.Flags&FlagFail != 0 }
func (n *Node) TimedOut() bool { return n.Flags&FlagPFail != 0 }

// State is the cluster as this node sees it (clusterState).
type State struct {
	Myself       *Node
	CurrentEpoch uint64
	State        int // StateOK or StateFail
	Size         int // masters serving at least one slot
	Nodes        map[string]*Node

	SlotOwner     [Slots]*Node // the node serving each slot, nil if none
	MigratingTo   [Slots]*Node // CLUSTER SETSLOT MIGRATING: where a slot of ours goes
	ImportingFrom [Slots]*Node // CLUSTER SETSLOT IMPORTING: where a slot comes from

	LastVoteEpoch uint64

	blacklist map[string]int64 // forgotten nodes: name -> unix seconds until which gossip may not re-add them
	todo      int              // todoSaveConfig, todoUpdateState, todoFsyncConfig: for the next BeforeSleep

	amongMinorityTime, firstCallTime int64 // clusterUpdateState's statics

	Sent, Received [11]int64 // messages by type (CLUSTER INFO)
	PFailNodes     int64
}
