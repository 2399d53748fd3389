// Package repl is master/replica replication as Redis 7.0 does it (PSYNC2).
//
// # Identity and the stream
//
// A server's replication history is a replid (40 hex chars) and an offset:
// the number of stream bytes since that history began. The previous history
// is kept as replid2 / second_repl_offset after a promotion, so replicas of
// the old master can continue partially with the new one. Every write the
// executor propagates (db.Server.AddPropagator) is encoded as a RESP
// multibulk, preceded by SELECT when the db changes, appended to the
// replication buffer (the backlog, backlog.go) and to every online
// replica's output. Nothing is encoded while
// no backlog exists: the offset only moves once a replica has asked for a
// sync, as in Redis.
//
// # Master side (master.go, backlog.go, sync.go)
//
// A replica is a normal client that sends REPLCONF and PSYNC. +CONTINUE
// sends the missing bytes from the backlog; +FULLRESYNC takes a snapshot
// (db.Server.Snapshot, shared by every replica that arrives while it is
// being made) and a goroutine writes the RDB to a file (disk sync) or
// straight to the replica sockets (repl-diskless-sync). The writes made
// meanwhile stay in the replication buffer, where the replica holds its
// place (one copy for all the replicas that wait, as Redis 7.0's shared
// buffer), and are sent after the RDB; the backlog keeps them past
// repl-backlog-size until then, so a PSYNC may use all of it.
// During the transfer the goroutine owns the replica's socket (a dup of its
// file descriptor, written with blocking writes through Go's poller); the
// loop writes nothing to it until the goroutine hands back through
// ae.Loop.Execute, which is what keeps the stream ordered.
//
// A replica of ours that announces "capa dual-channel" gets the
// dual-channel full sync of Valkey 8 instead (dualchannel.go on this
// side, rdbchannel.go on the replica's): the RDB on a second connection,
// the stream on the main one from the snapshot's offset at once, buffered
// by the replica, so that nothing piles up here.
//
// Around it (master.go, wait.go, failover.go): REPLCONF ACKs, PINGs and
// keepalive newlines, timeouts, output buffer limits, min-replicas-to-write,
// WAIT (REPLCONF GETACK), a shutdown that waits for the replicas to catch
// up, and FAILOVER, which hands the master role to a replica with
// "PSYNC <replid> <offset> FAILOVER".
//
// # Replica side (replica.go)
//
// REPLICAOF, the replicaof directive or --replicaof start a link. The
// handshake (PING, AUTH, REPLCONF, PSYNC), the RDB transfer and its load
// are plain blocking code on a goroutine with a net.Conn: it touches no
// server data, writes the payload to a temp file or loads it straight
// from the socket (repl-diskless-load) into databases the server does not
// see yet (db.Load), and asks the loop through Execute at each step
// (load.go): the loop answers -LOADING meanwhile, or serves the old data
// (swapdb's async loading), and replaces the dataset only once the load
// is complete. Then the connection is enrolled in gnet as the master
// client (db.ClientMaster) whose commands the executor applies. The bytes the master client consumes count in the replica's
// offset and are proxied to its own backlog and sub-replicas unchanged
// (db.Replication's MasterStream), so chained replicas share the master's
// replid.
//
// # Wiring
//
// New(srv, loop) makes the replication state of one server and plugs it
// in: it becomes srv.Replication (the db.Replication the executor asks for
// INFO replication, ROLE, NOREPLICAS, the master's stream and the replicas
// at shutdown), receives the writes (Server.AddPropagator), runs in the
// cron and hears of clients that go away (Server.OnCron, OnClientFree).
// It uses the server's persistence, which rdb.Attach must have attached
// before: BGSAVEs for disk syncs and their end (OnBgsaveDone), the
// replication fields of the RDBs saved (OnSnapshot) and loaded at startup
// (OnLoaded). The commands (REPLICAOF, REPLCONF, PSYNC, WAIT, FAILOVER)
// are registered once at init and find their server's state with Of.
//
// Everything in this package except those goroutines runs on the loop.
package repl
