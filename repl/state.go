package repl

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis-go/redis-server/ae"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/rdb"
)

// Repl is the replication state of the server: both roles' data, since a
// server changes role at run time and keeps its history across the change.
type Repl struct {
	srv  *db.Server
	loop *ae.Loop
	rdb  *rdb.Persister // the server's persistence: BGSAVE for disk syncs
	// started is set by Start, once the data loaded at startup is in
	// place: a replica does not connect to its master before.
	started bool

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
	link      *Link
	dualStats dualStats // dual-channel syncs (rdbchannel.go)
}

// zeroID is the replid2 of a server that was never promoted.
const zeroID = "0000000000000000000000000000000000000000"

// NewID returns a fresh random replication id.
func NewID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// New creates the replication state of srv, driven by loop, and plugs it
// into srv (Server.Replication, the cron, client frees, the propagation)
// and into srv's persistence, which rdb.Attach must have attached before.
func New(srv *db.Server, loop *ae.Loop) *Repl {
	p := rdb.Of(srv)
	if p == nil {
		panic("repl.New: the server has no persistence: call rdb.Attach first")
	}
	r := &Repl{srv: srv, loop: loop, rdb: p, ReplID: NewID(), ReplID2: zeroID, SecondOffset: -1, streamDB: -1}
	// repl-backlog-ttl counts from the moment we were last seen without
	// replicas; a server that never had any has been so since it started.
	r.noReplicasSince = time.Now()
	r.install()
	return r
}

// Of returns the replication state of srv, nil if none: how the commands,
// registered once for every server, find their server's.
func Of(srv *db.Server) *Repl {
	r, _ := srv.Replication.(*Repl)
	return r
}

// of is the replication state of the server c is a client of.
func of(c *db.Client) *Repl { return Of(c.Srv()) }

func (r *Repl) install() {
	r.srv.Replication = r
	r.installMaster()
	r.installReplica()
}
