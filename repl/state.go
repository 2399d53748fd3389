package repl

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis-go/redis-server/ae"
	"github.com/redis-go/redis-server/db"
)

// Repl is the replication state of the server: both roles' data, since a
// server changes role at run time and keeps its history across the change.
type Repl struct {
	srv  *db.Server
	loop *ae.Loop

	// Identity (INFO replication: master_replid, master_replid2,
	// master_repl_offset, second_repl_offset).
	ReplID       string
	ReplID2      string
	Offset       int64
	SecondOffset int64

	backlog *Backlog
	// streamDB is the db selected in the stream; -1 forces a SELECT
	// before the next command.
	streamDB int

	// Master side.
	replicas []*Replica
	masterState

	// Replica side: nil when we are a master.
	link *Link
}

// zeroID is the replid2 of a server that was never promoted.
const zeroID = "0000000000000000000000000000000000000000"

// NewID returns a fresh random replication id.
func NewID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// New creates the replication state of srv, driven by loop, and installs
// its hooks into the executor.
func New(srv *db.Server, loop *ae.Loop) *Repl {
	r := &Repl{srv: srv, loop: loop, ReplID: NewID(), ReplID2: zeroID, SecondOffset: -1, streamDB: -1}
	// repl-backlog-ttl counts from the moment we were last seen without
	// replicas; a server that never had any has been so since it started.
	r.noReplicasSince = time.Now()
	r.install()
	return r
}

// current is the process's replication state, for the command handlers
// registered with the executor.
var current *Repl

func (r *Repl) install() {
	current = r
	r.installMaster()
	r.installReplica()
}
