package repl

// Dual-channel full sync, master side: the protocol of Valkey 8's
// dual-channel replication. In a classic full sync the writes made while
// the RDB is produced and sent wait in the replica's output buffer here;
// under a heavy write load that buffer reaches client-output-buffer-limit
// replica and the sync starts over, forever. With two channels the RDB
// travels on one connection while the stream goes on the other from the
// start, and the replica buffers it on its side (rdbchannel.go).
//
// The exchange, as a replica that announced "REPLCONF capa dual-channel"
// on its main connection sees it:
//
//	main: PSYNC <replid> <offset>     -> +DUALCHANNELSYNC (no partial resync)
//	rdb:  REPLCONF capa eof rdb-only 1 rdb-channel 1 listening-port <p>
//	rdb:  SYNC                        -> $ENDOFF:<offset> <replid> <dbid> <client id>
//	                                     $EOF:<mark> <RDB> <mark>
//	main: REPLCONF set-rdb-client-id <client id>
//	main: PSYNC <replid> <offset+1>   -> +CONTINUE <replid>, then the stream
//	main: REPLCONF ACK <offset>          (once loaded: the replica is online)
//
// The RDB channel is a replica that wants the RDB only, always streamed
// from a snapshot to its socket. From the snapshot until the main channel
// asks for the stream (one round trip), the stream is held for it as for
// any replica in a full sync, bounded by the same output limit; the main
// channel's PSYNC takes it over and from then on is fed like an online
// replica (state bgTransfer): nothing is held here for it beyond what its
// socket holds. The RDB channel, once its RDB is sent and its main channel
// attached, is closed.
//
// A master offers it (accepts the capability) when
// dual-channel-replication-enabled and repl-diskless-sync are on, as
// Valkey does. A replica that does not announce it (Redis 7.0, Redis 8)
// gets the classic protocol unchanged.

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// dualChannel is a replica's part in a dual-channel sync.
type dualChannel struct {
	capa bool // announced "capa dual-channel", which we offer

	// The RDB channel: rdbChannel from REPLCONF rdb-channel 1; main is
	// its main channel once attached (the stream is then its); sent
	// is when its RDB was sent, if the main channel was not attached yet.
	rdbChannel bool
	main       *Replica
	sent       time.Time
	done       time.Time // when its RDB was sent and the stream handed over

	// The main channel: the RDB channel's client id it named
	// (REPLCONF set-rdb-client-id), and that channel once attached.
	rdbClientID int64
	rdb         *Replica
}

// dualChannelOffered reports whether we offer dual-channel syncs.
func (r *Repl) dualChannelOffered() bool {
	cfg := r.srv.Config
	return cfg.Bool("dual-channel-replication-enabled") && cfg.Bool("repl-diskless-sync")
}

// holdsStream reports whether the stream is held for a replica that
// wants the RDB only: an RDB channel whose main channel has not taken it.
func (rep *Replica) holdsStream() bool {
	return rep.dual.rdbChannel && rep.dual.main == nil
}

// replconfDual handles the REPLCONF options of the dual-channel sync at
// argument j: rdb-channel <0|1> and set-rdb-client-id <id>. It replies
// the error and returns false when the value is wrong.
func (r *Repl) replconfDual(c *db.Client, j int) bool {
	v, ok := db.ParseInt(c.Argv[j+1])
	if strings.EqualFold(c.Arg(j), "rdb-channel") {
		if !ok {
			c.Error(db.ErrNotInteger)
			return false
		}
		if v < 0 || v > 1 {
			c.Error("ERR value is out of range, value must between 0 and 1")
			return false
		}
		replicaOf(c).dual.rdbChannel = v == 1
		return true
	}
	if !ok {
		c.Error(db.ErrNotInteger)
		return false
	}
	if r.rdbChannelByID(v) == nil {
		c.Error("ERR Unrecognized RDB client id " + strconv.FormatInt(v, 10))
		return false
	}
	replicaOf(c).dual.rdbClientID = v
	return true
}

// rdbChannelByID finds the RDB channel of client id whose stream is still
// held, nil if none.
func (r *Repl) rdbChannelByID(id int64) *Replica {
	for _, rep := range r.replicas {
		if rep.c.ID == id && rep.holdsStream() && rep.state != waitBgsaveStart {
			return rep
		}
	}
	return nil
}

// offerDualChannel answers a PSYNC that cannot continue with
// +DUALCHANNELSYNC when the replica takes it: it opens its RDB channel
// next. The connection stays a normal client until its own PSYNC.
func (r *Repl) offerDualChannel(rep *Replica) bool {
	if !rep.dual.capa || rep.rdbOnly || rep.noData || !r.dualChannelOffered() {
		return false
	}
	logger.Noticef("Replica %s is capable of dual channel synchronization, and partial sync isn't possible. Full sync will continue with dedicated RDB channel.", rep.name())
	rep.c.Status("DUALCHANNELSYNC")
	return true
}

// rdbChannelsWaiting reports whether an RDB channel waits for an RDB with
// these needs: it takes it on its socket whatever repl-diskless-sync says.
func (r *Repl) rdbChannelsWaiting(noData bool) bool {
	for _, rep := range r.replicas {
		if rep.state == waitBgsaveStart && rep.noData == noData && rep.dual.rdbChannel {
			return true
		}
	}
	return false
}

// endOffset is what an RDB channel reads before its RDB: the offset the
// snapshot is taken at, our replid, the db the stream has selected and
// the channel's client id, for its main channel's PSYNC.
func (r *Repl) endOffset(rep *Replica, sn *db.Snapshot) []byte {
	logger.Noticef("Sending to replica %s RDB end offset %d and client-id %d", rep.name(), rep.initialOffset, rep.c.ID)
	return fmt.Appendf(nil, "$ENDOFF:%d %s %d %d\r\n", rep.initialOffset, r.ReplID, max(sn.ReplStreamDB, 0), rep.c.ID)
}

// attachMainChannel answers the PSYNC of a main channel that named its RDB
// channel and asks for the stream right after that channel's snapshot:
// +CONTINUE and the stream held since, then the stream as it comes. It
// reports false when the PSYNC is anything else (a partial resync from
// the backlog may still serve it).
func (r *Repl) attachMainChannel(rep *Replica, replid string, offset int64) bool {
	id := rep.dual.rdbClientID
	if id == 0 {
		return false
	}
	rdb := r.rdbChannelByID(id)
	if rdb == nil || !strings.EqualFold(replid, r.ReplID) || offset != rdb.initialOffset+1 {
		return false
	}
	rep.state = bgTransfer
	r.addReplica(rep)
	r.applyNoDelay(rep)
	rep.dual.rdb, rdb.dual.main = rdb, rep
	c := rep.c
	if rep.capaPSYNC2 {
		c.Status("CONTINUE " + r.ReplID)
	} else {
		c.Status("CONTINUE")
	}
	var held []byte
	if rdb.holding {
		held = r.backlog.ReadFrom(rdb.heldFrom)
		rdb.holding = false
	}
	c.Buf = append(c.Buf, held...)
	logger.Noticef("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", rep.name(), len(held), offset)
	r.trimBacklog()
	if !rdb.dual.sent.IsZero() { // its RDB is sent: nothing left to do
		r.endRDBChannel(rdb)
	}
	return true
}

// rdbChannelSent runs when the RDB of an RDB channel was sent: it closes
// unless it still holds the stream for a main channel yet to come.
func (r *Repl) rdbChannelSent(rep *Replica) {
	logger.Noticef("Streamed RDB transfer with replica %s succeeded (socket) on the RDB channel", rep.name())
	if rep.holdsStream() {
		rep.dual.sent = time.Now()
		return
	}
	r.endRDBChannel(rep)
}

// endRDBChannel ends an RDB channel whose RDB was sent and whose stream
// went to its main channel. It leaves the replicas at once, but it is the
// replica that closes the connection, once it read the RDB's end mark:
// if we closed it first, the RDB's tail may still be in the socket's send
// queue, and a byte from the replica arriving after the close (the
// newline it sends while it loads) makes the kernel answer with a reset
// and drop that tail. So we only shut our side down, which sends the end
// of stream after the tail, and close it ourselves after repl-timeout.
func (r *Repl) endRDBChannel(rep *Replica) {
	rep.dual.done = time.Now()
	r.removeReplica(rep)
	r.refreshGoodReplicas(rep.dual.done)
	c := rep.c
	c.Buf = c.Buf[:0] // nothing more goes to it
	r.rdbChannelsDone = append(r.rdbChannelsDone, rep)
	if c.FD <= 0 || syscall.Shutdown(c.FD, syscall.SHUT_WR) != nil {
		r.closeClient(c)
	}
}

// rdbChannelClosed forgets an RDB channel that endRDBChannel ended, once
// its connection closed.
func (r *Repl) rdbChannelClosed(rep *Replica) {
	for i, x := range r.rdbChannelsDone {
		if x == rep {
			r.rdbChannelsDone = append(r.rdbChannelsDone[:i], r.rdbChannelsDone[i+1:]...)
			logger.Noticef("RDB channel of replica %s closed: its RDB was sent.", rep.name())
			return
		}
	}
}

// rdbChannelsLinger closes the ended RDB channels that the replica did
// not close within repl-timeout.
func (r *Repl) rdbChannelsLinger(now time.Time) {
	timeout := time.Duration(r.srv.Config.Int("repl-timeout")) * time.Second
	for _, rep := range append([]*Replica(nil), r.rdbChannelsDone...) {
		if now.Sub(rep.dual.done) > timeout && !rep.c.Closing() {
			r.closeClient(rep.c)
		}
	}
}

// dualChannelTimedOut closes an RDB channel whose RDB was sent but whose
// main channel did not come within repl-timeout, and reports whether it
// did.
func (r *Repl) dualChannelTimedOut(rep *Replica, now time.Time) bool {
	sent := rep.dual.sent
	if sent.IsZero() || !rep.holdsStream() || now.Sub(sent) <= time.Duration(r.srv.Config.Int("repl-timeout"))*time.Second {
		return false
	}
	logger.Warningf("Disconnecting RDB channel of replica %s: its main channel did not ask for the stream", rep.name())
	r.closeClient(rep.c)
	return true
}

// dualChannelGone unlinks the two channels when one goes away. A main
// channel that goes takes its RDB channel with it: the replica starts
// over; an RDB channel that goes leaves the main channel to the replica,
// which drops it if the RDB did not arrive.
func (r *Repl) dualChannelGone(rep *Replica) {
	if peer := rep.dual.rdb; peer != nil {
		rep.dual.rdb, peer.dual.main = nil, nil
		if rep.state == bgTransfer && !peer.c.Closing() {
			r.closeClient(peer.c)
		}
	}
	if peer := rep.dual.main; peer != nil {
		rep.dual.main, peer.dual.rdb = nil, nil
	}
}
