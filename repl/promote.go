package repl

// Promotion: REPLICAOF NO ONE turns a replica into a master, as Redis's
// replicationUnsetMaster. The data stays; the history we shared with our
// master becomes replid2, valid up to our offset, under a new replid, so
// that the other replicas of our master, and our own, can continue
// partially with us.

import (
	"time"

	"github.com/redis-go/redis-server/logger"
)

// unsetMaster makes us a master. Our replicas are disconnected: they come
// back at once and learn the new replid with +CONTINUE.
func (r *Repl) unsetMaster() {
	l := r.link
	r.setMasterHost("", 0) // first: the master's loss must not reconnect
	if l.Client != nil {
		r.dropMaster()
	}
	r.discardCachedMaster()
	r.cancelAttempt()
	r.shiftReplicationID()
	r.disconnectReplicas()
	r.link = nil
	r.srv.MasterLinkUp = false
	// The AOF stopped for a full sync that did not end restarts.
	r.srv.SyncLoad(false)
	// The stream we send starts with a SELECT, whatever db our master's
	// stream had selected.
	r.streamDB = -1
	// The backlog's time to live counts from now: as a replica we were
	// never "without replicas" in its sense, and the backlog is what lets
	// our master's other replicas continue with us, which they do only
	// once someone (Sentinel, after its next INFO) repoints them.
	r.noReplicasSince = time.Now()
}

// shiftReplicationID starts a new history that continues the current one:
// a replica that followed it up to our offset may go on with us.
func (r *Repl) shiftReplicationID() {
	r.ReplID2 = r.ReplID
	r.SecondOffset = r.Offset + 1
	r.ReplID = NewID()
	logger.Warningf("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s", r.ReplID2, r.SecondOffset, r.ReplID)
}
