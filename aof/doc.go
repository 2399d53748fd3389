// Package aof is the append only file of Redis 7.0: every write the server
// propagates is appended to a log that, replayed at startup, rebuilds the
// dataset.
//
// The log is multi-part, in appenddirname (appendonlydir): a base file
// (the dataset at the last rewrite, as an RDB with aof-use-rdb-preamble,
// else as commands), incremental files with the writes since, and a
// manifest naming them (manifest.go), replaced atomically. BGREWRITEAOF
// writes a new base from a copy-on-write snapshot on a goroutine, as Redis
// does from a forked child, while new writes go to a new incremental file;
// when the base is complete the manifest switches to it and the files it
// replaces become history and are deleted.
//
// Writes reach the AOF through the server's propagation seam
// (db.Server.AddPropagator) as the commands Redis writes, with a SELECT
// when the db changes. They collect in a buffer that is written once per
// event-loop iteration, before any reply of that iteration is sent
// (db.Server.OnBeforeSleep and HoldReplies): with appendfsync always the
// write is fsynced there too, so an acknowledged write is on disk; with
// everysec a background goroutine fsyncs once a second, and the loop waits
// for the disk only when that fsync is more than two seconds late.
//
// Everything here runs on the loop goroutine but the rewrite's writer and
// the fsync goroutine: the first reads only its frozen snapshot, the second
// only a file descriptor, and both report back through the loop's Execute
// or atomics.
package aof
