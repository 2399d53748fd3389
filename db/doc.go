// Package db is the executor: the keyspace, the value types, the command
// table and the commands themselves.
//
// One goroutine owns everything in this package: the event loop of package
// ae calls in for every client event and timer, and nothing here is locked.
// Other goroutines (the snapshot writer, disk I/O) never touch live data;
// they receive frozen views (see Dict.Freeze and COW) and hand their results
// back to the loop.
//
// A command flows as in Redis's server.c: the client's query buffer is parsed
// (Server.ProcessInput), processCommand checks arity, authentication, the
// read-only replica rule, MULTI queueing and the other flags of the command
// table, then call runs the command body and hands what changed to
// Server.Propagate as its deterministic effect. No command body knows that
// replicas or the AOF exist: a body that needs another form to be propagated
// (EXPIRE as PEXPIREAT) rewrites its argv with Client.RewriteArgv.
//
// The arguments a command receives are borrowed from the client's input
// buffer: valid during the call only. Anything stored must be copied; in
// builds with the "invariants" tag every argument is overwritten after each
// call, so a forgotten copy shows up as corrupted data in tests.
//
// Persistence (package rdb), replication (package repl) and any later
// subsystem plug into a Server through the seams of seams.go: interface
// fields the executor consults (Server.Replication, Server.Persister),
// per-server registrations (OnCron, OnFlushall, OnClientFree, OnShutdown,
// AddPropagator) and the command table, filled at init. No package
// variable changes after init, so several Servers may share a process.
package db
