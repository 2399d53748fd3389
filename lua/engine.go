package lua

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// Engine is the scripting of one server: its interpreter, the script
// cache and the run in progress.
type Engine struct {
	srv     *db.Server
	L       *glua.LState
	scripts map[string]*script // by sha1
	order   []string           // shas in creation order (SCRIPT FLUSH frees them)
	client  *db.Client         // the script client
	run     *db.ScriptRun      // the script running, nil between runs
	// protected are the tables scripts may not change (sandbox).
	protected map[*glua.LTable]bool
	behind    map[*glua.LTable]*glua.LTable // the table behind each proxy
	errFn     *glua.LFunction               // the error handler of every run
	rand      uint64                        // redisLrand48's state
	watch     *watchdog                     // busy-reply-threshold (slow.go)
	functions *functions                    // FUNCTION and FCALL (function.go)
	jobs      chan<- *job                   // to the runner (runner.go)
	job       *job                          // the run in progress, reused
}

// script is a cached script: its body and compiled function.
type script struct {
	body  string
	sha   string
	fn    *glua.LFunction
	flags scriptFlags
}

// Attach gives srv its scripting engine. It must run before the loop does.
func Attach(srv *db.Server) *Engine {
	e := &Engine{srv: srv, scripts: map[string]*script{}, rand: 0x1234ABCD330E, watch: newWatchdog()}
	e.client = srv.NewScriptClient()
	e.job = &job{e: e, wake: make(chan struct{}, 1), ended: make(chan struct{}, 1)}
	e.reset()
	e.functions = newFunctions(e)
	srv.Scripting = e
	srv.ScriptCommandFlags = e.commandFlags
	return e
}

// ScriptCounts is INFO's number_of_cached_scripts, number_of_functions
// and number_of_libraries (db.ScriptStats).
func (e *Engine) ScriptCounts() (scripts, functions, libraries int) {
	if f := e.functions; f != nil {
		functions, libraries = f.reg.functionCount(), len(f.reg.libs)
	}
	return len(e.scripts), functions, libraries
}

// Of returns the engine attached to srv.
func Of(srv *db.Server) *Engine {
	e, _ := srv.Scripting.(*Engine)
	return e
}

// reset creates a fresh interpreter: at startup and on SCRIPT FLUSH.
func (e *Engine) reset() {
	if e.L != nil {
		e.L.Close()
	}
	e.scripts = map[string]*script{}
	e.order = nil
	// Lua 5.1's limits: 8000 values on the stack (LUAI_MAXCSTACK), deep
	// recursion up to LUAI_MAXCALLS; the registry grows as needed. The call
	// stack grows as needed too: allocated whole, its 20000 frames took 3 MB
	// of every server's heap (and every coroutine's), which the collector
	// scanned at each cycle.
	L := glua.NewState(glua.Options{SkipOpenLibs: true, CallStackSize: 20000,
		MinimizeStackMemory: true, RegistrySize: 1 << 10, RegistryMaxSize: 1 << 16})
	for _, lib := range []struct {
		name string
		fn   glua.LGFunction
	}{{glua.BaseLibName, glua.OpenBase}, {glua.TabLibName, glua.OpenTable},
		{glua.StringLibName, glua.OpenString}, {glua.MathLibName, glua.OpenMath},
		{glua.CoroutineLibName, glua.OpenCoroutine}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}
	OpenBit(L)
	OpenStruct(L)
	OpenCjson(L)
	OpenCmsgpack(L)
	e.L = L
	mathLib := L.GetGlobal("math").(*glua.LTable)
	mathLib.RawSetString("random", L.NewFunction(e.mathRandom))
	mathLib.RawSetString("randomseed", L.NewFunction(e.mathRandomSeed))
	mathLib.RawSetString("huge", glua.LNumber(math.Inf(1)))
	L.SetGlobal("redis", e.redisAPI())
	L.SetGlobal("unpack", L.NewFunction(luaUnpack))
	L.SetGlobal("error", L.NewFunction(luaErrorFn))
	L.SetGlobal("pcall", L.NewFunction(luaPcall))
	L.SetGlobal("tostring", L.NewFunction(luaTostring))
	L.SetGlobal("gcinfo", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LNumber(0))
		return 1
	}))
	e.errFn = L.NewFunction(e.errorHandler)
	e.sandbox()
	if e.functions != nil { // the functions' interpreter keeps its locks
		for t := range e.functions.protected {
			e.protected[t] = true
		}
	}
}

// luaTostring is tostring with Lua 5.1's "%.14g" for numbers (gopher-lua
// prints them in full).
func luaTostring(L *glua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(glua.LNumber); ok {
		L.Push(glua.LString(formatNumber(float64(n))))
		return 1
	}
	if mt, ok := L.GetMetaField(v, "__tostring").(*glua.LFunction); ok {
		L.Push(mt)
		L.Push(v)
		L.Call(1, 1)
		return 1
	}
	L.Push(glua.LString(v.String()))
	return 1
}

// luaErrorFn is Lua 5.1's error: a string (or number) message gets the
// position of the function at level (1, the caller, by default) when that
// is a Lua function; gopher-lua's would name the nearest Lua function.
func luaErrorFn(L *glua.LState) int {
	v := L.Get(1)
	level := L.OptInt(2, 1)
	switch v.(type) {
	case glua.LString, glua.LNumber:
		msg := luaToString(v)
		if level > 0 {
			if dbg, ok := L.GetStack(level); ok {
				if _, err := L.GetInfo("Sl", dbg, glua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
					msg = fmt.Sprintf("%s:%d: %s", strings.TrimPrefix(dbg.Source, "@"), dbg.CurrentLine, msg)
				}
			}
		}
		v = glua.LString(msg)
	}
	L.Error(v, 0)
	return 0
}

// luaPcall is Redis's pcall (luaRedisPcall): an error table raised by
// redis.call comes back as its err string.
func luaPcall(L *glua.LState) int {
	fn := L.CheckAny(1)
	top := L.GetTop()
	L.Insert(glua.LTrue, 1)
	err := L.PCall(top-1, glua.MultRet, nil)
	if err == nil {
		return L.GetTop()
	}
	L.SetTop(0)
	ev := glua.LValue(glua.LString(err.Error()))
	if ae, ok := err.(*glua.ApiError); ok {
		ev = ae.Object
	}
	if t, ok := ev.(*glua.LTable); ok {
		if s, ok := t.RawGetString("err").(glua.LString); ok {
			ev = s
		}
	}
	_ = fn
	L.Push(glua.LFalse)
	L.Push(ev)
	return 2
}

// maxStack is Lua 5.1's LUAI_MAXCSTACK: no function returns more values.
const maxStack = 8000

// luaUnpack is unpack with Lua 5.1's limit ("too many results to unpack").
func luaUnpack(L *glua.LState) int {
	tb := L.CheckTable(1)
	start := L.OptInt(2, 1)
	end := L.OptInt(3, tb.Len())
	if start > end {
		return 0
	}
	n := end - start + 1
	if n <= 0 || n+L.GetTop() > maxStack { // lua_checkstack
		L.RaiseError("too many results to unpack")
	}
	for i := start; i <= end; i++ {
		L.Push(tb.RawGetInt(i))
	}
	return n
}

// allowedGlobals are the globals Redis 7.0 leaves to scripts (its allow
// lists); the rest of what the libraries define is removed.
var allowedGlobals = map[string]bool{
	"string": true, "cjson": true, "bit": true, "cmsgpack": true, "math": true, "table": true,
	"struct": true, "redis": true, "xpcall": true, "tostring": true, "__redis__err__handler": true,
	"setmetatable": true, "next": true, "assert": true, "tonumber": true, "rawequal": true,
	"collectgarbage": true, "getmetatable": true, "rawset": true, "pcall": true, "coroutine": true,
	"type": true, "_G": true, "select": true, "unpack": true, "gcinfo": true, "pairs": true,
	"rawget": true, "loadstring": true, "ipairs": true, "_VERSION": true,
	"load": true, "error": true,
}

// sandbox removes what Redis does not allow and protects the globals:
// reading one that does not exist is an error, and so is setting one.
func (e *Engine) sandbox() {
	L := e.L
	g := L.G.Global
	var drop []glua.LValue
	g.ForEach(func(k, _ glua.LValue) {
		if s, ok := k.(glua.LString); !ok || !allowedGlobals[string(s)] {
			drop = append(drop, k)
		}
	})
	for _, k := range drop {
		g.RawSet(k, glua.LNil)
	}
	// Redis locks every table reachable from the globals (a readonly flag
	// of its patched Lua). Here each is replaced by an empty proxy that
	// reads through to it and refuses writes; rawset and setmetatable
	// refuse the proxies; scripts and loadstring chunks see the globals
	// through the proxy of _G, which also refuses unknown names.
	e.protected = map[*glua.LTable]bool{}
	if e.behind == nil { // shared by the EVAL and the functions' interpreters
		e.behind = map[*glua.LTable]*glua.LTable{}
	}
	libs := map[string]*glua.LTable{}
	g.ForEach(func(k, v glua.LValue) {
		if t, ok := v.(*glua.LTable); ok && t != g {
			libs[k.String()] = t
		}
	})
	for name, t := range libs {
		g.RawSetString(name, e.readonly(t))
	}
	// Reads go proxy -> g (a table: no call for the names that exist) ->
	// g's own __index for the names that do not.
	gmt := L.CreateTable(0, 1)
	gmt.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
		return 0
	}))
	L.SetMetatable(g, gmt)
	proxy := e.readonly(g)
	g.RawSetString("_G", proxy)
	g.RawSetString("__redis__err__handler", e.errFn)
	e.wrapIteration(g)
	g.RawSetString("rawset", L.NewFunction(e.rawset))
	g.RawSetString("setmetatable", L.NewFunction(e.setmetatable))
	L.Env = proxy
}

// readonly returns an empty table that reads through index (a table or
// an __index function) and refuses every write.
//
// The package makes its tables with CreateTable and the sizes they get:
// gopher-lua's NewTable gives room for 32 array items and a map hinted at
// 32 keys, 2.8 KB, and the sandbox's proxies and metatables made 100 of
// them in every server (0.3 MB of heap), a reply table for each status a
// script's redis.call got.
func (e *Engine) readonly(index glua.LValue) *glua.LTable {
	L := e.L
	refuse := L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	})
	lockedMT := L.CreateTable(0, 0) // what getmetatable shows: locked too
	lmt := L.CreateTable(0, 2)
	lmt.RawSetString("__newindex", refuse)
	lmt.RawSetString("__metatable", lockedMT)
	L.SetMetatable(lockedMT, lmt)
	e.protected[lockedMT] = true
	p := L.CreateTable(0, 0)
	mt := L.CreateTable(0, 3)
	mt.RawSetString("__index", index)
	mt.RawSetString("__newindex", refuse)
	mt.RawSetString("__metatable", lockedMT)
	L.SetMetatable(p, mt)
	e.protected[p] = true
	if t, ok := index.(*glua.LTable); ok {
		e.behind[p] = t
	}
	return p
}

// unproxy is the table a locked proxy stands for (pairs, next and ipairs
// walk it), or t itself.
func (e *Engine) unproxy(t *glua.LTable) *glua.LTable {
	if r, ok := e.behind[t]; ok {
		return r
	}
	return t
}

// wrapIteration makes pairs, next and ipairs see through the proxies of
// locked tables, as they see Redis's locked tables.
func (e *Engine) wrapIteration(g *glua.LTable) {
	L := e.L
	for _, name := range []string{"pairs", "next", "ipairs"} {
		orig, ok := g.RawGetString(name).(*glua.LFunction)
		if !ok {
			continue
		}
		g.RawSetString(name, L.NewFunction(func(L *glua.LState) int {
			if t, ok := L.Get(1).(*glua.LTable); ok {
				L.Replace(1, e.unproxy(t))
			}
			top := L.GetTop()
			L.Push(orig)
			L.Insert(orig, 1)
			L.Pop(1)
			L.Call(top, glua.MultRet)
			return L.GetTop()
		}))
	}
}

// errReadonly is Redis's error for a write to a locked table through the
// API (rawset, setmetatable): no position, as lapi.c raises it.
func errReadonly(L *glua.LState) {
	L.Error(glua.LString("Attempt to modify a readonly table"), 0)
}

func (e *Engine) rawset(L *glua.LState) int {
	t := L.CheckTable(1)
	if e.protected[t] {
		errReadonly(L)
	}
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.Push(t)
	return 1
}

func (e *Engine) setmetatable(L *glua.LState) int {
	t := L.CheckTable(1)
	if e.protected[t] {
		errReadonly(L)
	}
	mt := L.Get(2)
	if _, ok := mt.(*glua.LTable); !ok && mt != glua.LNil {
		argError(L, 2, "setmetatable", "nil or table expected")
	}
	if L.GetMetaField(t, "__metatable") != glua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	L.SetMetatable(t, mt)
	L.Push(t)
	return 1
}

// sha1hex is the script's name: the hex SHA1 of its body.
func sha1hex(body string) string {
	sum := sha1.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// errorHandler is Redis's __redis__err__handler: the error becomes a
// table {err=..., source=..., line=...} naming where it was raised.
func (e *Engine) errorHandler(L *glua.LState) int {
	errv := L.Get(1)
	t, ok := errv.(*glua.LTable)
	if !ok {
		msg := luaToString(errv)
		if isKilled(msg) { // raised as luaPushError does: no position
			msg = killedMsg
		}
		t = L.CreateTable(0, 4)
		t.RawSetString("err", glua.LString("ERR "+msg))
	}
	for level := 1; level < 4; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil {
			break
		}
		if dbg.What == "G" || dbg.CurrentLine < 0 {
			continue
		}
		src := dbg.Source
		if !strings.HasPrefix(src, "@") {
			src = "@" + src
		}
		t.RawSetString("source", glua.LString(src))
		t.RawSetString("line", glua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// luaToString is tostring for error values.
func luaToString(v glua.LValue) string {
	if n, ok := v.(glua.LNumber); ok {
		return formatNumber(float64(n))
	}
	return v.String()
}

// formatNumber is Lua 5.1's tostring of a number ("%.14g").
func formatNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f) && math.Signbit(f):
		return "-nan"
	case math.IsNaN(f):
		return "nan"
	}
	return fmt.Sprintf("%.14g", f)
}

// errorTable is Redis's luaPushError: an error as the table {err=...}
// with an error code ("-CODE msg" keeps CODE, else ERR).
func errorTable(L *glua.LState, msg string) *glua.LTable {
	code := "ERR"
	if strings.HasPrefix(msg, "-") {
		if i := strings.IndexByte(msg, ' '); i >= 0 {
			code, msg = msg[1:i], msg[i+1:]
		} else {
			msg = msg[1:]
		}
	}
	msg = strings.Trim(msg, "\r\n")
	t := L.CreateTable(0, 1)
	t.RawSetString("err", glua.LString(code+" "+msg))
	return t
}

// logLevels maps redis.LOG_* to the logger's levels.
var logLevels = []int{logger.Debug, logger.Verbose, logger.Notice, logger.Warning}
