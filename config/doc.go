// Package config is the single registry of the server's parameters: every
// parameter Redis 7.0 has, read from redis.conf-style files and redis-server
// arguments, queried by CONFIG GET, changed by CONFIG SET and written back by
// CONFIG REWRITE, all with Redis's syntax, formatting and error strings.
//
// The model has two halves. A table (table.go) holds the metadata of each
// parameter: its canonical name, its alias if it has one (slaveof for
// replicaof, hash-max-ziplist-entries for hash-max-listpack-entries, ...),
// its kind (yes/no, number with bounds and units, string, enum, or one of
// the hand-written ones such as save and client-output-buffer-limit), its
// default and its flags (Immutable, Protected, ...). A viper instance holds
// the current values, keyed by canonical name, as typed Go values: int64 for
// numbers, bool, string, []SaveParam and so on. Aliases resolve to the
// canonical parameter everywhere, so "slave-priority" and "replica-priority"
// are one value. The kind decides how a value is parsed, shown (CONFIG GET)
// and written to a file (CONFIG REWRITE).
//
// Loading follows loadServerConfigFromString: lines split like sdssplitargs,
// directive names are case-insensitive, the last line of a parameter wins
// except save, whose lines add up, and include reads another file in place.
// Directives Redis accepts that this server does not implement are kept and
// reported by Unsupported, so that the server can warn at startup.
//
// The package knows nothing of sockets or the keyspace. Changes reach the
// running server through hooks: the server registers OnChange for what it
// must apply (listen on the new port, chdir to the new dir), and a CONFIG
// SET whose hook fails rolls every value back. Hooks run only for CONFIG
// SET; after loading, the server reads the values and starts with them,
// including the chdir to dir.
//
// A Config is safe for concurrent use, but the keyspace goroutine is meant
// to own CONFIG SET; other goroutines only read.
package config
