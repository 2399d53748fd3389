// Package lua is Redis 7.0's scripting: EVAL, EVALSHA, EVAL_RO,
// EVALSHA_RO and SCRIPT, on a Lua 5.1 interpreter (gopher-lua, a pure-Go
// Lua 5.1, since the server must stay one Go binary).
//
// One interpreter serves a server, sandboxed as Redis's: the globals are
// protected (reading an unknown one, or setting any, is an error), only
// the libraries Redis loads exist (base without dofile/loadfile/print,
// table, string, math, bit, struct, cjson, cmsgpack) and the redis table
// is Redis's API (call, pcall, error_reply, status_reply, sha1hex, log,
// setresp, set_repl, replicate_commands, breakpoint, debug,
// REDIS_VERSION). A script is compiled once into a function named
// f_<sha1 of its body> and cached until SCRIPT FLUSH.
//
// A script runs on the executor inside the call of EVAL: every redis.call
// goes through db.Server.ScriptCall, which applies Redis's rules for
// commands called from scripts and hands back the reply as RESP, which
// is converted to Lua values as Redis converts it; the script's return
// value is converted back into the caller's reply. The writes the script
// made reach the AOF and the replicas as one MULTI/EXEC unit; EVAL itself
// is not propagated.
package lua
