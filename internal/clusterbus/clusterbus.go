// Package clusterbus is Redis 7.0's cluster bus message format (the
// clusterMsg of src/cluster.h), byte for byte, so that our cluster nodes and
// real Redis nodes can talk to each other.
//
// Every message is one clusterMsg: a fixed 2256-byte header followed by a
// body whose shape depends on the type. All multi-byte numbers are big
// endian (cluster.c writes them with htons/htonl/htonu64), except a MODULE
// message's module ID, which Redis copies as raw host-order bytes:
//
//	0    sig "RCmb"          4    totlen uint32       8    ver uint16 (1)
//	10   port uint16         12   type uint16         14   count uint16
//	16   currentEpoch u64    24   configEpoch u64     32   offset u64
//	40   sender[40]          80   myslots[2048]       2128 slaveof[40]
//	2168 myip[46]            2214 extensions uint16   2216 notused1[30]
//	2246 pport uint16        2248 cport uint16        2250 flags uint16
//	2252 state uint8         2253 mflags[3]           2256 body
//
// totlen is never sizeof(clusterMsg): each type is sent with exactly the
// body it needs (PING, PONG, MEET: count gossip entries of 104 bytes and
// the ping extensions; FAIL: a node name; PUBLISH: two lengths and the
// bytes; UPDATE: epoch, name and slot bitmap; MODULE: ID, length, type and
// payload; FAILOVER_AUTH_REQUEST/ACK and MFSTART: nothing), and the
// receiver drops a message whose totlen is not exactly that.
//
// Append writes a Message as Redis sends it; Decode checks a message as
// clusterProcessPacket does before it acts on one, plus the bounds Redis
// leaves unchecked, and parses it; ReadFrame cuts one message off a
// stream as clusterReadHandler does. The package does no I/O of its own
// beyond ReadFrame's reads and keeps no state.
package clusterbus

// Message types (CLUSTERMSG_TYPE_*).
const (
	TypePing                = 0
	TypePong                = 1
	TypeMeet                = 2
	TypeFail                = 3
	TypePublish             = 4
	TypeFailoverAuthRequest = 5
	TypeFailoverAuthAck     = 6
	TypeUpdate              = 7
	TypeMFStart             = 8
	TypeModule              = 9
	TypePublishShard        = 10
	TypeCount               = 11
)

// Bits of MFlags[0] (CLUSTERMSG_FLAG0_*).
const (
	FlagPaused   = 1 << 0 // master paused for a manual failover
	FlagForceAck = 1 << 1 // vote for this failover even if the master is up
	FlagExtData  = 1 << 2 // PING/PONG/MEET carries extensions after the gossip
)

// ExtHostname is the type of the hostname ping extension
// (CLUSTERMSG_EXT_TYPE_HOSTNAME), the only one Redis 7.0 knows.
const ExtHostname = 0

// Sizes of the wire structures.
const (
	Version    = 1    // CLUSTER_PROTO_VER
	NameLen    = 40   // CLUSTER_NAMELEN
	IPLen      = 46   // NET_IP_STR_LEN
	SlotsLen   = 2048 // CLUSTER_SLOTS/8
	HeaderLen  = 2256 // CLUSTERMSG_MIN_LEN: clusterMsg without its data union
	GossipLen  = 104  // sizeof(clusterMsgDataGossip)
	MsgSize    = 4352 // sizeof(clusterMsg), an UPDATE's length; PUBLISH and MODULE may be longer
	extHdrLen  = 8    // clusterMsgPingExt before its payload
	failLen    = NameLen
	updateLen  = 8 + NameLen + SlotsLen
	publishLen = 8  // channel_len, message_len
	moduleLen  = 13 // module_id, len, type
)

// Header offsets (the static_asserts of cluster.h pin the same numbers).
const (
	offTotlen       = 4
	offVer          = 8
	offPort         = 10
	offType         = 12
	offCount        = 14
	offCurrentEpoch = 16
	offConfigEpoch  = 24
	offOffset       = 32
	offSender       = 40
	offMySlots      = 80
	offSlaveOf      = 2128
	offMyIP         = 2168
	offExtensions   = 2214
	offPPort        = 2246
	offCPort        = 2248
	offFlags        = 2250
	offState        = 2252
	offMFlags       = 2253
)

// Gossip entry offsets (clusterMsgDataGossip); 102..104 is notused1.
const (
	gOffPingSent = 40
	gOffPongRecv = 44
	gOffIP       = 48
	gOffPort     = 94
	gOffCPort    = 96
	gOffFlags    = 98
	gOffPPort    = 100
)

// Header is the fixed part of every message, about its sender.
type Header struct {
	Type         uint16
	Port         uint16 // sender's client port
	CurrentEpoch uint64
	ConfigEpoch  uint64 // the sender's, or its master's if it is a replica
	Offset       uint64 // replication offset (master's or, for a replica, its processed offset)
	Sender       string // 40 hex chars
	MySlots      [SlotsLen]byte
	ReplicaOf    string // 40 chars, "" when the sender is a master (the all-zero CLUSTER_NODE_NULL_NAME)
	MyIP         string // the announced IP, "" when none (NUL padded to 46 bytes)
	PPort        uint16 // plaintext port when Port is TLS
	CPort        uint16 // bus port
	Flags        uint16 // the sender's node flags (CLUSTER_NODE_*)
	State        uint8  // the sender's view of the cluster state (0 ok, 1 fail)
	MFlags       [3]byte
}

// Gossip is one clusterMsgDataGossip: what the sender knows of another node.
type Gossip struct {
	Name         string
	PingSent     uint32 // seconds
	PongReceived uint32 // seconds
	IP           string
	Port, CPort  uint16
	Flags        uint16
	PPort        uint16
}

// PingExt is a ping extension of a type Redis 7.0 does not know (later
// versions add some). Data is its payload after the 8-byte extension
// header, padding included, so that it re-encodes as received.
type PingExt struct {
	Type uint16
	Data []byte
}

// Message is one cluster bus message. Which body fields count depends on
// Type; the others are ignored by Append and left zero by Decode.
type Message struct {
	Header
	Gossip   []Gossip  // PING, PONG, MEET: the count field is len(Gossip)
	Hostname string    // PING, PONG, MEET: the hostname extension; "" = none
	OtherExt []PingExt // PING, PONG, MEET: unknown extensions, written after the hostname

	FailName string // FAIL: the failing node

	Channel, Payload []byte // PUBLISH, PUBLISHSHARD

	UpdateName        string // UPDATE: the node whose slots these are
	UpdateConfigEpoch uint64
	UpdateSlots       [SlotsLen]byte

	ModuleID      uint64 // MODULE: little endian on the wire, as x86/arm Redis copies it
	ModuleType    uint8
	ModulePayload []byte

	Raw []byte // a type >= TypeCount: the body as received (Redis accepts and ignores it)
}

// isPing reports whether a type carries gossip and extensions.
func isPing(t uint16) bool {
	return t == TypePing || t == TypePong || t == TypeMeet
}

// SlotBit reports whether slot is set in a slot bitmap: bit slot&7 of
// byte slot/8, least significant first (cluster.c's bitmapTestBit).
func SlotBit(slots *[SlotsLen]byte, slot int) bool {
	return slots[slot/8]&(1<<(slot&7)) != 0
}

// SetSlotBit sets slot in a slot bitmap.
func SetSlotBit(slots *[SlotsLen]byte, slot int) {
	slots[slot/8] |= 1 << (slot & 7)
}
