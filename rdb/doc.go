// Package rdb reads and writes Redis's RDB format, version 10 (Redis 7.0),
// byte-compatible in both directions: a dump written here loads in real
// Redis and the other way round. It also holds the DUMP/RESTORE payload
// format (an object serialization, the RDB version and a CRC64) and the
// saving machinery: SAVE, BGSAVE on a snapshot goroutine, save points.
//
// Writing reads only a db.Snapshot, a frozen view of the dataset that the
// event loop keeps unchanged by copying on write; the snapshot goroutine
// never touches live data and reports back to the loop when done. Loading
// (LoadInto) fills a db.Load, new databases that the server installs only
// once they are complete, so a truncated or corrupt file never leaves
// partial data behind; it reads nothing of the server, so a replica's full
// sync loads on a goroutine of its own while the loop serves.
//
// Attach plugs persistence into a db.Server: it returns the server's
// Persister, which holds the saving state (the BGSAVE in progress, a
// scheduled one) and is the server's db.Persister (MISCONF, DEBUG OBJECT's
// serializedlength); it registers the save points with the cron, the final
// save at shutdown and the save after FLUSHALL. Replication plugs into it
// in turn: OnSnapshot fills the replication fields of the files saved,
// OnLoaded receives those of the file loaded at startup, OnBgsaveDone
// hears of each BGSAVE's end. SAVE, BGSAVE and DEBUG RELOAD, registered
// once at init, find their server's Persister with Of.
package rdb
