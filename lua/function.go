package lua

// Redis 7.0's functions, as functions.c and function_lua.c: libraries
// loaded with FUNCTION LOAD, whose code registers functions that FCALL
// and FCALL_RO run.
//
// Functions have their own interpreter, as in Redis, with the same
// sandbox as EVAL's, and one global table for all the libraries' code:
// while a library loads, its globals are the load API (redis with
// register_function, log, the LOG_* and REDIS_VERSION* constants, nothing
// else); when a function runs they are the interpreter's globals. Every
// change to the libraries builds a new registry and installs it only
// when complete, so a failing load, restore or RDB changes nothing.

import (
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/glob"
	"github.com/redis-go/redis-server/resp"
)

func init() {
	db.RegisterCommand("fcall", func(c *db.Client) { fcallCommand(c, false) })
	db.RegisterCommand("fcall_ro", func(c *db.Client) { fcallCommand(c, true) })
	db.RegisterCommand("function|load", functionLoadCommand)
	db.RegisterCommand("function|delete", functionDeleteCommand)
	db.RegisterCommand("function|flush", functionFlushCommand)
	db.RegisterCommand("function|list", functionListCommand)
	db.RegisterCommand("function|stats", functionStatsCommand)
	db.RegisterCommand("function|kill", func(c *db.Client) { c.Srv().KillScript(c, false) })
	db.RegisterCommand("function|help", functionHelpCommand)
	db.RegisterCommand("function|dump", functionDumpCommand)
	db.RegisterCommand("function|restore", functionRestoreCommand)
	db.SetScriptRunners("fcall", "fcall_ro")
}

// function is a registered function.
type function struct {
	name    string
	desc    string
	hasDesc bool
	fn      *glua.LFunction
	flags   scriptFlags
}

// library is a loaded library: its code (shebang included, as given)
// and its functions in registration order.
type library struct {
	name string
	code string
	fns  []*function
}

// registry is the set of libraries: by name, and their functions by
// name without case (Redis's function dict ignores case).
type registry struct {
	libs  map[string]*library
	order []string // library names in load order (FUNCTION LIST, DUMP)
	fns   map[string]*function
}

func newRegistry() *registry {
	return &registry{libs: map[string]*library{}, fns: map[string]*function{}}
}

func (r *registry) clone() *registry {
	n := &registry{libs: make(map[string]*library, len(r.libs)), fns: make(map[string]*function, len(r.fns)),
		order: append([]string(nil), r.order...)}
	for k, v := range r.libs {
		n.libs[k] = v
	}
	for k, v := range r.fns {
		n.fns[k] = v
	}
	return n
}

func (r *registry) unlink(li *library) {
	for _, f := range li.fns {
		delete(r.fns, strings.ToLower(f.name))
	}
	delete(r.libs, li.name)
	for i, n := range r.order {
		if n == li.name {
			r.order = append(r.order[:i:i], r.order[i+1:]...)
			break
		}
	}
}

func (r *registry) link(li *library) {
	for _, f := range li.fns {
		r.fns[strings.ToLower(f.name)] = f
	}
	r.libs[li.name] = li
	r.order = append(r.order, li.name)
}

func (r *registry) functionCount() int { return len(r.fns) }

// functions is the function engine of a server: its interpreter and the
// current registry.
type functions struct {
	e       *Engine
	L       *glua.LState
	errFn   *glua.LFunction
	globals *glua.LTable // the globals of all library code
	loadAPI *glua.LTable // what the globals are while a library loads
	loading *library     // the library being loaded, nil otherwise
	reg     *registry
	// protected are the locked tables of this interpreter, which the
	// engine's rawset and setmetatable refuse along with its own.
	protected map[*glua.LTable]bool
}

func newFunctions(e *Engine) *functions {
	f := &functions{e: e, reg: newRegistry()}
	f.newState()
	return f
}

// newState creates the interpreter: a sandbox like EVAL's (the engine
// builds it), and the global table library code sees.
func (f *functions) newState() {
	e := f.e
	evalL, evalErr, scripts, order, locked := e.L, e.errFn, e.scripts, e.order, e.protected
	e.L = nil
	e.reset()
	f.L, f.errFn, f.protected = e.L, e.errFn, e.protected
	e.L, e.errFn, e.scripts, e.order, e.protected = evalL, evalErr, scripts, order, locked
	for t := range f.protected {
		f.lock(t)
	}

	L := f.L
	f.loadAPI = f.newLoadAPI()
	f.globals = L.CreateTable(0, 0)
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", L.NewFunction(f.globalIndex))
	mt.RawSetString("__newindex", L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	L.SetMetatable(f.globals, mt)
	f.lock(f.globals)
	// The redis table of functions lacks EVAL's debugger calls and
	// replicate_commands (luaRegisterRedisAPI's function flavour).
	if p, ok := L.G.Global.RawGetString("redis").(*glua.LTable); ok {
		if mt, ok := p.Metatable.(*glua.LTable); ok {
			if api, ok := mt.RawGetString("__index").(*glua.LTable); ok {
				for _, name := range []string{"breakpoint", "debug", "replicate_commands"} {
					api.RawSetString(name, glua.LNil)
				}
			}
		}
	}
}

// lock adds t to the tables rawset and setmetatable refuse, in this
// interpreter and the engine's list.
func (f *functions) lock(t *glua.LTable) {
	f.protected[t] = true
	if f.e.protected != nil {
		f.e.protected[t] = true
	}
}

// globalIndex resolves a global of library code: from the load API while
// the library loads, from the interpreter's globals when a function runs.
func (f *functions) globalIndex(L *glua.LState) int {
	k := L.CheckAny(2)
	from := L.G.Global
	if f.loading != nil {
		from = f.loadAPI
	}
	v := from.RawGet(k)
	if v == glua.LNil {
		L.RaiseError("Script attempted to access nonexistent global variable '%s'", k.String())
	}
	L.Push(v)
	return 1
}

// newLoadAPI is the globals of a library's code while it loads
// (luaEngineInitEngine): a protected redis table with register_function,
// log and the version.
func (f *functions) newLoadAPI() *glua.LTable {
	L := f.L
	redis := L.CreateTable(0, 8)
	redis.RawSetString("register_function", L.NewFunction(f.registerFunction))
	redis.RawSetString("log", L.NewFunction(f.e.redisLog))
	for name, v := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3} {
		redis.RawSetString(name, glua.LNumber(v))
	}
	redis.RawSetString("REDIS_VERSION", glua.LString(db.RedisVersion))
	redis.RawSetString("REDIS_VERSION_NUM", glua.LNumber(versionNum(db.RedisVersion)))
	api := L.CreateTable(0, 1)
	api.RawSetString("redis", f.readonly(redis))
	return api
}

// readonly returns an empty table that reads through t, reading a
// missing field being an error, and refuses every write (Redis's
// protected tables).
func (f *functions) readonly(t *glua.LTable) *glua.LTable {
	L := f.L
	mt := L.CreateTable(0, 3)
	mt.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		k := L.CheckAny(2)
		v := t.RawGet(k)
		if v == glua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", k.String())
		}
		L.Push(v)
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", glua.LFalse)
	p := L.CreateTable(0, 0)
	L.SetMetatable(p, mt)
	f.lock(p)
	return p
}

// validName is functionsVerifyName: [a-zA-Z0-9_]+.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

const errBadName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// libraryMetadata parses the "#!<engine> name=<lib>" first line
// (functionExtractLibMetaData): the engine, the name and the code after
// the shebang (its newline kept, so that line numbers are the user's).
func libraryMetadata(payload string) (engine, name, code, err string) {
	if !strings.HasPrefix(payload, "#!") {
		return "", "", "", "Missing library metadata"
	}
	end := strings.IndexByte(payload, '\n')
	if end < 0 {
		return "", "", "", "Invalid library metadata"
	}
	parts, ok := resp.SplitArgs([]byte(payload[:end]), nil)
	if !ok || len(parts) == 0 {
		return "", "", "", "Invalid library metadata"
	}
	if len(parts[0]) > 2 {
		engine = string(parts[0][2:])
	}
	hasName := false
	for _, b := range parts[1:] {
		p := string(b)
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if hasName {
				return "", "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name, hasName = p[5:], true
			continue
		}
		return "", "", "", "Invalid metadata value given: " + p
	}
	if !hasName {
		return "", "", "", "Library name was not given"
	}
	return engine, name, payload[end:], ""
}

// create compiles a library into reg (functionsCreateWithLibraryCtx):
// its name, or the error to reply, reg then unchanged.
func (f *functions) create(reg *registry, payload string, replace bool) (string, string) {
	engine, name, code, err := libraryMetadata(payload)
	if err != "" {
		return "", err
	}
	if !validName(name) {
		return "", errBadName
	}
	if !strings.EqualFold(engine, "lua") {
		return "", "Engine '" + engine + "' not found"
	}
	old := reg.libs[name]
	if old != nil && !replace {
		return "", "Library '" + name + "' already exists"
	}
	li := &library{name: name, code: payload}
	if err := f.compile(li, code); err != "" {
		return "", err
	}
	if len(li.fns) == 0 {
		return "", "No functions registered"
	}
	if old != nil {
		reg.unlink(old)
	}
	for _, fn := range li.fns {
		if _, ok := reg.fns[strings.ToLower(fn.name)]; ok {
			if old != nil {
				reg.link(old)
			}
			return "", "Function " + fn.name + " already exists"
		}
	}
	reg.link(li)
	return name, ""
}

// compile runs a library's code in the load environment (luaEngineCreate),
// which registers its functions into li.
func (f *functions) compile(li *library, code string) string {
	L := f.L
	fn, cerr := L.Load(strings.NewReader(code), "user_function")
	if cerr != nil {
		return "Error compiling function: " + compileError(cerr)
	}
	mainChunk(fn)
	fn.Env = f.globals
	f.loading = li
	defer func() { f.loading = nil }()
	L.Push(fn)
	stop := withTimeout(L, loadTimeout, loadTimeoutMsg)
	err := f.e.pcall(L, nil, 0, 0)
	stop()
	if err != nil {
		msg := "ERR " + err.Error()
		if ae, ok := err.(*glua.ApiError); ok && ae.Object != nil {
			msg = "ERR " + luaToString(ae.Object)
			if t, ok := ae.Object.(*glua.LTable); ok {
				msg = ""
				if s, ok := t.RawGetString("err").(glua.LString); ok {
					msg = string(s)
				}
			}
		}
		if strings.HasSuffix(msg, loadTimeoutMsg) { // raised as luaPushError does
			msg = "ERR " + loadTimeoutMsg
		}
		return "Error registering functions: " + msg
	}
	return ""
}

// registerFunction is redis.register_function (luaRegisterFunction).
func (f *functions) registerFunction(L *glua.LState) int {
	li := f.loading
	if li == nil {
		return raise(L, errorTable(L, "redis.register_function can only be called on FUNCTION LOAD command"))
	}
	var fn *function
	var err string
	switch L.GetTop() {
	case 1:
		fn, err = namedArgs(L)
	case 2:
		fn, err = positionalArgs(L)
	default:
		err = "wrong number of arguments to redis.register_function"
	}
	if err != "" {
		return raise(L, errorTable(L, err))
	}
	if !validName(fn.name) {
		return raise(L, errorTable(L, errBadName))
	}
	for _, other := range li.fns {
		if other.name == fn.name {
			return raise(L, errorTable(L, "Function already exists in the library"))
		}
	}
	li.fns = append(li.fns, fn)
	return 0
}

// luaString is luaGetStringSds: a string or a number as a string.
func luaString(v glua.LValue) (string, bool) {
	switch v := v.(type) {
	case glua.LString:
		return string(v), true
	case glua.LNumber:
		return luaToString(v), true
	}
	return "", false
}

func positionalArgs(L *glua.LState) (*function, string) {
	name, ok := luaString(L.Get(1))
	if !ok {
		return nil, "first argument to redis.register_function must be a string"
	}
	cb, ok := L.Get(2).(*glua.LFunction)
	if !ok {
		return nil, "second argument to redis.register_function must be a function"
	}
	return &function{name: name, fn: cb}, ""
}

func namedArgs(L *glua.LState) (*function, string) {
	t, ok := L.Get(1).(*glua.LTable)
	if !ok {
		return nil, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	fn := &function{}
	hasName := false
	var err string
	for k, v := t.Next(glua.LNil); k != glua.LNil && err == ""; k, v = t.Next(k) {
		key, ok := luaString(k)
		if !ok {
			err = "named argument key given to redis.register_function is not a string"
			break
		}
		switch strings.ToLower(key) {
		case "function_name":
			if fn.name, ok = luaString(v); !ok {
				err = "function_name argument given to redis.register_function must be a string"
			}
			hasName = ok
		case "description":
			if fn.desc, ok = luaString(v); !ok {
				err = "description argument given to redis.register_function must be a string"
			}
			fn.hasDesc = ok
		case "callback":
			if fn.fn, ok = v.(*glua.LFunction); !ok {
				err = "callback argument given to redis.register_function must be a function"
			}
		case "flags":
			ft, ok := v.(*glua.LTable)
			if !ok {
				err = "flags argument to redis.register_function must be a table representing function flags"
				break
			}
			if fn.flags, ok = readFlags(ft); !ok {
				err = "unknown flag given"
			}
		default:
			err = "unknown argument given to redis.register_function"
		}
	}
	switch {
	case err != "":
		return nil, err
	case !hasName:
		return nil, "redis.register_function must get a function name argument"
	case fn.fn == nil:
		return nil, "redis.register_function must get a callback argument"
	}
	return fn, ""
}

// readFlags reads a flags table {'no-writes', ...}, names without case.
func readFlags(t *glua.LTable) (scriptFlags, bool) {
	var flags scriptFlags
	for i := 1; ; i++ {
		v := t.RawGetInt(i)
		if v == glua.LNil {
			return flags, true
		}
		s, ok := luaString(v)
		if !ok {
			return 0, false
		}
		flag, ok := flagNames[strings.ToLower(s)]
		if !ok {
			return 0, false
		}
		flags |= flag
	}
}

// flagOrder is scripts_flags_def: the order FUNCTION LIST shows flags in.
var flagOrder = []string{"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}

// rebuild recompiles every library into a new interpreter, after a panic
// of the interpreter may have left the old one inconsistent.
func (f *functions) rebuild() {
	old := f.reg
	f.L.Close()
	f.newState()
	f.reg = newRegistry()
	for _, name := range old.order {
		f.create(f.reg, old.libs[name].code, false)
	}
}

// replace compiles payloads into a new registry and installs it: the
// functions of a loaded RDB (nil when it had none).
func (f *functions) replace(payloads []string) string {
	reg := newRegistry()
	for _, p := range payloads {
		if _, err := f.create(reg, p, false); err != "" {
			return err
		}
	}
	f.reg = reg
	return ""
}

func fcallCommand(c *db.Client, ro bool) {
	c.Srv().FeedMonitors(c)
	e := Of(c.Srv())
	fn := e.functions.reg.fns[strings.ToLower(c.Arg(1))]
	if fn == nil {
		c.Error("ERR Function not found")
		return
	}
	numkeys, ok := parseNumkeys(c, "ERR Bad number of keys provided")
	if !ok {
		return
	}
	c.PreventPropagation() // its writes travel as themselves
	f := e.functions
	keys := bytesArray(f.L, c.Argv[3:3+numkeys])
	args := bytesArray(f.L, c.Argv[3+numkeys:])
	e.execute(c, runSpec{L: f.L, errFn: f.errFn, fn: fn.fn, name: fn.name, flags: fn.flags}, ro, keys, args)
}

func functionLoadCommand(c *db.Client) {
	replace := false
	i := 2
	for ; i < len(c.Argv)-1; i++ {
		if !c.ArgIs(i, "replace") {
			c.Error("ERR Unknown option given: " + c.Arg(i))
			return
		}
		replace = true
	}
	if i >= len(c.Argv) {
		c.Error("ERR Function code is missing")
		return
	}
	f := Of(c.Srv()).functions
	reg := f.reg.clone()
	name, err := f.create(reg, c.Arg(i), replace)
	if err != "" {
		c.Srv().ErrorReply(c, err)
		return
	}
	f.reg = reg
	c.Srv().Dirty++
	c.BulkString(name)
}

func functionDeleteCommand(c *db.Client) {
	f := Of(c.Srv()).functions
	li := f.reg.libs[c.Arg(2)]
	if li == nil {
		c.Error("ERR Library not found")
		return
	}
	reg := f.reg.clone()
	reg.unlink(li)
	f.reg = reg
	c.Srv().Dirty++
	c.OK()
}

func functionFlushCommand(c *db.Client) {
	if len(c.Argv) > 3 {
		subcommandSyntaxError(c)
		return
	}
	if len(c.Argv) == 3 && !c.ArgIs(2, "sync") && !c.ArgIs(2, "async") {
		c.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	Of(c.Srv()).functions.reg = newRegistry()
	c.Srv().Dirty++
	c.OK()
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func subcommandSyntaxError(c *db.Client) {
	sub := c.Arg(1)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + strings.ToUpper(c.Arg(0)) + " HELP.")
}

func functionListCommand(c *db.Client) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(c.Argv); i++ {
		if !withCode && c.ArgIs(i, "withcode") {
			withCode = true
			continue
		}
		if !hasPattern && c.ArgIs(i, "libraryname") {
			if i >= len(c.Argv)-1 {
				c.Error("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = c.Argv[i], true
			continue
		}
		c.Error("ERR Unknown argument " + c.Arg(i))
		return
	}
	reg := Of(c.Srv()).functions.reg
	var libs []*library
	for _, name := range reg.order {
		if !hasPattern || glob.Match(pattern, []byte(name), true) {
			libs = append(libs, reg.libs[name])
		}
	}
	c.ArrayLen(len(libs))
	for _, li := range libs {
		if withCode {
			c.MapLen(4)
		} else {
			c.MapLen(3)
		}
		c.BulkString("library_name")
		c.BulkString(li.name)
		c.BulkString("engine")
		c.BulkString("LUA")
		c.BulkString("functions")
		c.ArrayLen(len(li.fns))
		for _, fn := range li.fns {
			c.MapLen(3)
			c.BulkString("name")
			c.BulkString(fn.name)
			c.BulkString("description")
			if fn.hasDesc {
				c.BulkString(fn.desc)
			} else {
				c.Null()
			}
			c.BulkString("flags")
			var names []string
			for _, n := range flagOrder {
				if fn.flags&flagNames[n] != 0 {
					names = append(names, n)
				}
			}
			c.SetLen(len(names))
			for _, n := range names {
				c.Status(n)
			}
		}
		if withCode {
			c.BulkString("library_code")
			c.BulkString(li.code)
		}
	}
}

func functionStatsCommand(c *db.Client) {
	reg := Of(c.Srv()).functions.reg
	b, argv, running := c.Srv().RunningScript()
	if running && b.Eval {
		c.Srv().ErrorReply(c, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
		return
	}
	c.MapLen(2)
	c.BulkString("running_script")
	if !running {
		c.Null()
	} else {
		c.MapLen(3)
		c.BulkString("name")
		c.BulkString(b.Name)
		c.BulkString("command")
		c.ArrayLen(len(argv))
		for _, a := range argv {
			c.Bulk(a)
		}
		c.BulkString("duration_ms")
		c.Int(time.Since(b.Started).Milliseconds())
	}
	c.BulkString("engines")
	c.MapLen(1)
	c.BulkString("LUA")
	c.MapLen(2)
	c.BulkString("libraries_count")
	c.Int(int64(len(reg.libs)))
	c.BulkString("functions_count")
	c.Int(int64(reg.functionCount()))
}

func functionHelpCommand(c *db.Client) {
	lines := []string{
		"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
		"HELP",
		"    Prints this help.",
	}
	c.ArrayLen(len(lines))
	for _, l := range lines {
		c.Status(l)
	}
}

// FunctionsCode returns the code of every library, in load order: what
// an RDB saves.
func (e *Engine) FunctionsCode() []string {
	reg := e.functions.reg
	codes := make([]string, len(reg.order))
	for i, name := range reg.order {
		codes[i] = reg.libs[name].code
	}
	return codes
}

// LoadFunctions replaces the libraries with those of a loaded RDB: the
// error of the first that fails to load, the libraries then unchanged.
func (e *Engine) LoadFunctions(payloads []string) string {
	return e.functions.replace(payloads)
}
