package lua

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, as Redis's eval.c.

import (
	"fmt"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/num"
	"github.com/redis-go/redis-server/resp"
)

func init() {
	db.RegisterCommand("eval", func(c *db.Client) { evalCommand(c, false, false) })
	db.RegisterCommand("evalsha", func(c *db.Client) { evalCommand(c, true, false) })
	db.RegisterCommand("eval_ro", func(c *db.Client) { evalCommand(c, false, true) })
	db.RegisterCommand("evalsha_ro", func(c *db.Client) { evalCommand(c, true, true) })
	db.RegisterCommand("script|load", scriptLoadCommand)
	db.RegisterCommand("script|exists", scriptExistsCommand)
	db.RegisterCommand("script|flush", scriptFlushCommand)
	db.RegisterCommand("script|kill", scriptKillCommand)
	db.RegisterCommand("script|help", scriptHelpCommand)
	db.RegisterCommand("script|debug", scriptDebugCommand)
	db.SetScriptRunners("eval", "evalsha", "eval_ro", "evalsha_ro")
}

// commandFlags is getCommandFlags for EVAL and FCALL (evalGetCommandFlags,
// fcallGetCommandFlags): a script that declared flags makes its command a
// write (unless no-writes), denyoom (unless allow-oom or no-writes) and
// stale (with allow-stale) for processCommand's checks.
func (e *Engine) commandFlags(c *db.Client, flags db.CmdFlag) db.CmdFlag {
	if len(c.Argv) < 2 {
		return flags
	}
	var sf scriptFlags
	switch c.Cmd.Name {
	case "fcall", "fcall_ro":
		fn := e.functions.reg.fns[strings.ToLower(string(c.Argv[1]))]
		if fn == nil {
			return flags
		}
		sf = fn.flags
	case "evalsha", "evalsha_ro":
		sc := e.scripts[strings.ToLower(string(c.Argv[1]))]
		if sc == nil {
			return flags
		}
		sf = sc.flags
	default:
		if sc := e.scripts[sha1hex(string(c.Argv[1]))]; sc != nil {
			sf = sc.flags
		} else if f, _, err := shebangFlags(string(c.Argv[1])); err == "" {
			sf = f
		} else {
			return flags
		}
	}
	if sf&flagCompat != 0 {
		return flags
	}
	flags &^= db.FlagStale | db.FlagDenyOOM | db.FlagWrite | db.FlagMayReplicate
	if sf&(flagAllowOOM|flagNoWrites) == 0 {
		flags |= db.FlagDenyOOM
	}
	if sf&flagNoWrites == 0 {
		flags |= db.FlagWrite
	}
	if sf&flagAllowStale != 0 {
		flags |= db.FlagStale
	}
	return flags
}

// scriptFlags are the flags a script declares in its shebang.
type scriptFlags int

const (
	flagNoWrites scriptFlags = 1 << iota
	flagAllowOOM
	flagAllowStale
	flagNoCluster
	flagAllowCrossSlot
	flagCompat // no shebang: EVAL's historical behaviour
)

var flagNames = map[string]scriptFlags{
	"no-writes": flagNoWrites, "allow-oom": flagAllowOOM, "allow-stale": flagAllowStale,
	"no-cluster": flagNoCluster, "allow-cross-slot-keys": flagAllowCrossSlot,
}

// shebangFlags parses a "#!lua flags=..." first line (evalExtractShebangFlags):
// the flags and the length of the line, which the compiled body skips.
func shebangFlags(body string) (scriptFlags, int, string) {
	if !strings.HasPrefix(body, "#!") {
		return flagCompat, 0, ""
	}
	end := strings.IndexByte(body, '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, ok := resp.SplitArgs([]byte(body[:end]), nil)
	if !ok || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if string(parts[0]) != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + string(parts[0])
	}
	var flags scriptFlags
	for _, p := range parts[1:] {
		opt, ok := strings.CutPrefix(string(p), "flags=")
		if !ok {
			return 0, 0, "Unknown lua shebang option: " + string(p)
		}
		for _, f := range strings.Split(opt, ",") {
			if f == "" && opt == "" {
				break
			}
			v, ok := flagNames[f]
			if !ok {
				return 0, 0, "Unexpected flag in script shebang: " + f
			}
			flags |= v
		}
	}
	return flags, end, ""
}

// create compiles body into the cache (luaCreateFunction): its sha, or
// the error to reply.
func (e *Engine) create(body string) (string, string) {
	sha := sha1hex(body)
	if _, ok := e.scripts[sha]; ok {
		return sha, ""
	}
	flags, skip, err := shebangFlags(body)
	if err != "" {
		return "", err
	}
	// The shebang line is skipped but its newline kept, so that line
	// numbers are the user's.
	fn, cerr := e.L.Load(strings.NewReader(body[skip:]), "user_script")
	if cerr != nil {
		return "", "Error compiling script (new function): " + compileError(cerr)
	}
	mainChunk(fn)
	e.scripts[sha] = &script{body: body, sha: sha, fn: fn, flags: flags}
	e.order = append(e.order, sha)
	return sha, ""
}

// mainChunk gives a compiled chunk Lua 5.1's flags for a main chunk:
// vararg without the compatibility "arg" table, which gopher-lua would
// otherwise build at every call.
func mainChunk(fn *glua.LFunction) {
	fn.Proto.IsVarArg &^= glua.VarArgNeedsArg
}

// compileError is the message of a syntax error as Lua 5.1 gives it.
func compileError(err error) string {
	msg := err.Error()
	if ae, ok := err.(*glua.ApiError); ok && ae.Object != nil {
		msg = ae.Object.String()
	}
	return strings.TrimSpace(msg)
}

// parseNumkeys reads the numkeys of EVAL and FCALL (argv[2]) with
// Redis's errors; notInt is the command's for a number that is not one.
func parseNumkeys(c *db.Client, notInt string) (int64, bool) {
	numkeys, ok := num.ParseInt(c.Argv[2])
	switch {
	case !ok:
		c.Error(notInt)
	case numkeys > int64(len(c.Argv)-3):
		c.Error("ERR Number of keys can't be greater than number of args")
	case numkeys < 0:
		c.Error("ERR Number of keys can't be negative")
	default:
		return numkeys, true
	}
	return 0, false
}

// evalCommand is EVAL, EVALSHA and their _RO variants
// (evalGenericCommand).
func evalCommand(c *db.Client, bySha, ro bool) {
	s := c.Srv()
	s.FeedMonitors(c)
	e := Of(s)
	numkeys, ok := parseNumkeys(c, db.ErrNotInteger)
	if !ok {
		return
	}
	var sc *script
	if bySha {
		sc = e.scripts[strings.ToLower(c.Arg(1))]
		if sc == nil {
			c.Error("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
	} else {
		sha, msg := e.create(c.Arg(1))
		if msg != "" {
			s.ErrorReply(c, msg)
			return
		}
		sc = e.scripts[sha]
	}
	c.PreventPropagation() // its writes travel as themselves
	keys := c.Argv[3 : 3+numkeys]
	args := c.Argv[3+numkeys:]
	e.runScript(c, sc, keys, args, ro)
}

// runScript runs a cached script for c.
func (e *Engine) runScript(c *db.Client, sc *script, keys, args [][]byte, ro bool) {
	g := e.L.G.Global
	g.RawSetString("KEYS", bytesArray(e.L, keys))
	g.RawSetString("ARGV", bytesArray(e.L, args))
	e.execute(c, runSpec{L: e.L, errFn: e.errFn, fn: sc.fn, name: sc.sha, flags: sc.flags, eval: true}, ro)
}

// runSpec is what runs: a script's or a function's Lua function, in its
// interpreter, and the name its errors give.
type runSpec struct {
	L     *glua.LState
	errFn *glua.LFunction
	fn    *glua.LFunction
	name  string
	flags scriptFlags
	eval  bool // EVAL's script, not a function
}

// execute runs sp for c with args (scriptPrepareForRun, luaCallFunction,
// scriptResetRun): EVAL's scripts take none (KEYS and ARGV are globals),
// functions take their keys and args tables. A script a client calls runs
// on the runner and may outlast the command's call (runner.go).
func (e *Engine) execute(c *db.Client, sp runSpec, ro bool, args ...glua.LValue) {
	s := e.srv
	compat := sp.flags&flagCompat != 0
	if !compat {
		if sp.flags&flagNoCluster != 0 && s.ClusterEnabled() {
			s.ErrorReply(c, "Can not run script on cluster, 'no-cluster' flag is set.")
			return
		}
		if msg := s.ScriptFlagsCheck(c, sp.flags&flagNoWrites == 0, ro, sp.flags&flagAllowStale != 0, sp.flags&flagAllowOOM != 0); msg != "" {
			s.ErrorReply(c, msg)
			return
		}
	} else if s.RunningStale() { // EVAL without a shebang, as Redis 7.0
		s.ErrorReply(c, "-"+db.ErrMasterDown)
		return
	}
	run := &db.ScriptRun{
		Caller: c, C: e.client,
		ReadOnly:  ro || !compat && sp.flags&flagNoWrites != 0,
		AllowOOM:  !compat && sp.flags&flagAllowOOM != 0,
		Async:     s.ScriptMayYield(c),
		SlotBound: !compat && sp.flags&flagAllowCrossSlot == 0,
	}
	s.BeginScript(run)
	e.run = run
	L := sp.L
	L.Push(sp.fn)
	for _, a := range args {
		L.Push(a)
	}
	j := e.job
	j.L, j.sp, j.nargs, j.c, j.run, j.err, j.broken = L, sp, len(args), c, run, nil, false
	var watched *job // the watchdog makes it busy
	if run.Async {
		watched = j
	}
	j.stop = e.watchSlow(L, run, watched, sp.name, sp.eval)
	if !run.Async {
		j.err, j.broken = e.protectedCall(L, sp.errFn, len(args), 1)
	} else if !e.runAsync(j) {
		return // busy: completed when it ends (db.Server.EndBusyScript)
	}
	e.complete(j)
}

// complete answers the command of a script that returned, on the loop.
func (e *Engine) complete(j *job) {
	j.stop()
	e.run = nil
	c, L := j.c, j.L
	j.c, j.run = nil, nil
	if j.broken {
		e.repair(L)
	}
	if j.err != nil {
		e.replyRunError(c, j.sp.name, j.err)
		return
	}
	v := L.Get(-1)
	L.Pop(1)
	e.writeReply(c, v, e.client.Proto)
}

// pcall calls the function on L's stack; see protectedCall.
func (e *Engine) pcall(L *glua.LState, errFn *glua.LFunction, nargs, nret int) error {
	err, broken := e.protectedCall(L, errFn, nargs, nret)
	if broken {
		e.repair(L)
	}
	return err
}

// protectedCall calls the function on L's stack; a panic of the
// interpreter itself (a limit it has no error for) becomes the script's
// error, and broken says the interpreter must be repaired.
func (e *Engine) protectedCall(L *glua.LState, errFn *glua.LFunction, nargs, nret int) (err error, broken bool) {
	defer func() {
		if r := recover(); r != nil {
			err = &glua.ApiError{Type: glua.ApiErrorPanic, Object: glua.LString(fmt.Sprint(r))}
			broken = true
		}
	}()
	return L.PCall(nargs, nret, errFn), false
}

// repair replaces an interpreter a panic may have left inconsistent.
func (e *Engine) repair(L *glua.LState) {
	if L == e.L {
		e.reset()
	} else {
		e.functions.rebuild()
	}
}

func bytesArray(L *glua.LState, items [][]byte) *glua.LTable {
	t := L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, glua.LString(b))
	}
	return t
}

// replyRunError answers the error a script raised: "-<err> script: <name>,
// on <source>:<line>." when the handler could say where; name is the
// script's sha or the function's name.
func (e *Engine) replyRunError(c *db.Client, name string, err error) {
	ae, ok := err.(*glua.ApiError)
	t, isTable := glua.LValue(nil), false
	if ok {
		_, isTable = ae.Object.(*glua.LTable)
		t = ae.Object
	}
	if !isTable {
		msg := "execution failure"
		if ok && ae.Object != nil {
			msg = luaToString(ae.Object)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		e.srv.ErrorReply(c, "Error running script "+name+", "+msg+"\n")
		return
	}
	tab := t.(*glua.LTable)
	msg := luaToString(tab.RawGetString("err"))
	if _, ok := tab.RawGetString("err").(glua.LString); !ok {
		msg = "ERR " + luaToString(tab)
	}
	src, sok := tab.RawGetString("source").(glua.LString)
	line := tab.RawGetString("line")
	if _, lok := line.(glua.LNumber); sok && lok {
		msg += " script: " + name + ", on " + string(src) + ":" + luaToString(line) + "."
	}
	if glua.LVAsBool(tab.RawGetString("ignore_error_stats_update")) {
		e.srv.ErrorReplyNoStats(c, "-"+msg)
		return
	}
	e.srv.ErrorReply(c, "-"+msg)
}

func scriptLoadCommand(c *db.Client) {
	sha, msg := Of(c.Srv()).create(c.Arg(2))
	if msg != "" {
		c.Srv().ErrorReply(c, msg)
		return
	}
	c.BulkString(sha)
}

func scriptExistsCommand(c *db.Client) {
	e := Of(c.Srv())
	c.ArrayLen(len(c.Argv) - 2)
	for _, a := range c.Argv[2:] {
		if _, ok := e.scripts[strings.ToLower(string(a))]; ok {
			c.Int(1)
		} else {
			c.Int(0)
		}
	}
}

func scriptFlushCommand(c *db.Client) {
	if len(c.Argv) > 3 || len(c.Argv) == 3 && !c.ArgIs(2, "sync") && !c.ArgIs(2, "async") {
		c.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	Of(c.Srv()).reset()
	c.OK()
}

// scriptKillCommand is SCRIPT KILL: it stops a busy script that has not
// written (db/script_busy.go).
func scriptKillCommand(c *db.Client) { c.Srv().KillScript(c, true) }

// scriptDebugCommand is SCRIPT DEBUG: NO is what runs anyway; the Lua
// debugger (YES, SYNC) is not implemented, and says so.
func scriptDebugCommand(c *db.Client) {
	switch {
	case c.ArgIs(2, "no"):
		c.OK()
	case c.ArgIs(2, "yes"), c.ArgIs(2, "sync"):
		c.Error("ERR The Lua debugger (SCRIPT DEBUG YES|SYNC) is not supported by this server")
	default:
		c.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

func scriptHelpCommand(c *db.Client) {
	lines := []string{
		"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
		"HELP",
		"    Prints this help.",
	}
	c.ArrayLen(len(lines))
	for _, l := range lines {
		c.Status(l)
	}
}
