package lua

// The redis table: the API scripts call, as Redis's script_lua.c.

import (
	"math"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

func (e *Engine) redisAPI() *glua.LTable {
	L := e.L
	t := L.CreateTable(0, 32)
	fns := map[string]glua.LGFunction{
		"call":               func(L *glua.LState) int { return e.redisCall(L, true) },
		"pcall":              func(L *glua.LState) int { return e.redisCall(L, false) },
		"log":                e.redisLog,
		"setresp":            e.redisSetResp,
		"set_repl":           e.redisSetRepl,
		"replicate_commands": func(L *glua.LState) int { L.Push(glua.LTrue); return 1 },
		"breakpoint":         func(L *glua.LState) int { L.Push(glua.LFalse); return 1 },
		"debug":              func(L *glua.LState) int { return 0 },
		"sha1hex":            redisSha1hex,
		"error_reply":        func(L *glua.LState) int { return singleFieldTable(L, "err") },
		"status_reply":       func(L *glua.LState) int { return singleFieldTable(L, "ok") },
		"acl_check_cmd":      e.redisACLCheckCmd,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	for name, v := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3} {
		t.RawSetString(name, glua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION", glua.LString(db.RedisVersion))
	t.RawSetString("REDIS_VERSION_NUM", glua.LNumber(versionNum(db.RedisVersion)))
	return t
}

// versionNum is REDIS_VERSION_NUM: 0x00MMmmpp.
func versionNum(v string) int {
	n := 0
	for _, part := range strings.SplitN(v, ".", 3) {
		x, _ := strconv.Atoi(part)
		n = n<<8 | x
	}
	return n
}

// raise raises t as the script's error.
func raise(L *glua.LState, t *glua.LTable) int {
	L.Error(t, 0)
	return 0
}

// redisCall is redis.call (raise) and redis.pcall: run a command and
// convert its reply, an error reply raised (call) or returned as {err=}.
func (e *Engine) redisCall(L *glua.LState, raiseErr bool) int {
	run := e.run
	if run == nil {
		return raise(L, errorTable(L, "redis.call/pcall can only be called inside a script invocation"))
	}
	argv, errMsg := luaArgv(L)
	if errMsg != "" {
		return e.callError(L, raiseErr, errMsg)
	}
	reply, errMsg := e.srv.ScriptCall(run, argv)
	if errMsg != "" {
		t := errorTable(L, errMsg)
		t.RawSetString("ignore_error_stats_update", glua.LTrue)
		if raiseErr {
			return raise(L, t)
		}
		L.Push(t)
		return 1
	}
	v, _ := parseReply(L, reply)
	if raiseErr && len(reply) > 0 && reply[0] == '-' {
		return raise(L, v.(*glua.LTable))
	}
	L.Push(v)
	return 1
}

// luaArgv is luaArgsToRedisArgv: the arguments of a redis lib call as a
// command line, numbers as "%.17g" writes them, or the error for none or
// for an argument of another type.
func luaArgv(L *glua.LState) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, "Please specify at least one argument for this redis lib call"
	}
	argv := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case glua.LString:
			argv[i-1] = []byte(v)
		case glua.LNumber:
			argv[i-1] = fixExponent(strconv.AppendFloat(nil, float64(v), 'g', 17, 64))
		default:
			return nil, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return argv, ""
}

// fixExponent turns Go's 'g' exponent (e+06) into C's %.17g (e+06 too,
// but Go writes e+6 for small exponents).
func fixExponent(b []byte) []byte {
	i := strings.IndexByte(string(b), 'e')
	if i < 0 || len(b)-i >= 4 {
		return b
	}
	// e+5 -> e+05
	out := append([]byte(nil), b[:i+2]...)
	out = append(out, '0')
	return append(out, b[i+2:]...)
}

func (e *Engine) callError(L *glua.LState, raiseErr bool, msg string) int {
	t := errorTable(L, msg)
	if raiseErr {
		return raise(L, t)
	}
	L.Push(t)
	return 1
}

// singleFieldTable is redis.error_reply / redis.status_reply: {field=s},
// an error getting "-" in front when it has no error code.
func singleFieldTable(L *glua.LState, field string) int {
	if L.GetTop() != 1 || L.Get(1).Type() != glua.LTString {
		// Returned, not raised, as Redis's luaRedisReturnSingleFieldTable.
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	s := L.ToString(1)
	t := L.CreateTable(0, 1)
	if field == "err" {
		if !strings.HasPrefix(s, "-") {
			s = "-" + s
		}
		code, msg := "ERR", s[1:]
		if i := strings.IndexByte(s, ' '); i >= 0 {
			code, msg = s[1:i], s[i+1:]
		}
		s = code + " " + strings.Trim(msg, "\r\n")
	}
	t.RawSetString(field, glua.LString(s))
	L.Push(t)
	return 1
}

func redisSha1hex(L *glua.LState) int {
	if L.GetTop() != 1 {
		return raise(L, errorTable(L, "wrong number of arguments"))
	}
	L.Push(glua.LString(sha1hex(L.ToString(1))))
	return 1
}

func (e *Engine) redisLog(L *glua.LState) int {
	n := L.GetTop()
	if n < 2 {
		return raise(L, errorTable(L, "redis.log() requires two arguments or more."))
	}
	lvl, ok := L.Get(1).(glua.LNumber)
	if !ok {
		return raise(L, errorTable(L, "First argument must be a number (log level)."))
	}
	if lvl < 0 || int(lvl) >= len(logLevels) {
		return raise(L, errorTable(L, "Invalid debug level."))
	}
	level := logLevels[int(lvl)]
	if !logger.Enabled(level) {
		return 0
	}
	var b strings.Builder
	for i := 2; i <= n; i++ {
		if i > 2 {
			b.WriteByte(' ')
		}
		b.WriteString(luaToString(L.Get(i)))
	}
	logger.Raw(level, b.String())
	return 0
}

func (e *Engine) redisSetResp(L *glua.LState) int {
	if e.run == nil {
		return raise(L, errorTable(L, "redis.setresp can only be called inside a script invocation"))
	}
	if L.GetTop() != 1 {
		return raise(L, errorTable(L, "redis.setresp() requires one argument."))
	}
	v := L.ToNumber(1) // lua_tonumber: anything else is 0
	if v != 2 && v != 3 {
		return raise(L, errorTable(L, "RESP version must be 2 or 3."))
	}
	e.run.C.Proto = int(v)
	return 0
}

func (e *Engine) redisSetRepl(L *glua.LState) int {
	if e.run == nil {
		return raise(L, errorTable(L, "redis.set_repl can only be called inside a script invocation"))
	}
	if L.GetTop() != 1 {
		return raise(L, errorTable(L, "redis.set_repl() requires two arguments."))
	}
	flags := int(L.ToNumber(1)) // lua_tonumber: anything else is 0
	if flags&^3 != 0 {
		return raise(L, errorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."))
	}
	var t db.PropagateTarget
	if flags&1 != 0 {
		t |= db.PropagateAOF
	}
	if flags&2 != 0 {
		t |= db.PropagateRepl
	}
	e.run.C.ScriptRepl = t
	return 0
}

// redisACLCheckCmd is redis.acl_check_cmd: whether the script's caller
// may run the command line; an unknown command is an error.
func (e *Engine) redisACLCheckCmd(L *glua.LState) int {
	if e.run == nil {
		return raise(L, errorTable(L, "redis.acl_check_cmd can only be called inside a script invocation"))
	}
	argv, errMsg := luaArgv(L)
	if errMsg != "" {
		return raise(L, errorTable(L, errMsg))
	}
	if !e.srv.CommandExists(argv) {
		return raise(L, errorTable(L, "Invalid command passed to redis.acl_check_cmd()"))
	}
	L.Push(glua.LBool(e.srv.ACLAllows(e.run.Caller, argv)))
	return 1
}

// lrand48 is Redis's redisLrand48: a 48-bit linear congruential
// generator, the same sequence as Redis's.
func (e *Engine) lrand48() int32 {
	e.rand = (e.rand*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(e.rand >> 17)
}

func (e *Engine) mathRandom(L *glua.LState) int {
	if e.run == nil {
		L.RaiseError("math.random can only be called inside a script invocation")
	}
	const max = math.MaxInt32
	r := float64(e.lrand48()%max) / float64(max)
	switch L.GetTop() {
	case 0:
		L.Push(glua.LNumber(r))
	case 1:
		u := checkInt(L, 1, "random")
		if u < 1 {
			argError(L, 1, "random", "interval is empty")
		}
		L.Push(glua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := checkInt(L, 1, "random"), checkInt(L, 2, "random")
		if l > u {
			argError(L, 2, "random", "interval is empty")
		}
		L.Push(glua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (e *Engine) mathRandomSeed(L *glua.LState) int {
	if e.run == nil {
		L.RaiseError("math.randomseed can only be called inside a script invocation")
	}
	seed := uint64(uint32(int32(checkInt(L, 1, "randomseed"))))
	e.rand = 0x330E | (seed&0xFFFF)<<16 | (seed>>16&0xFFFF)<<32
	return 0
}

// argError raises Lua 5.1's "bad argument #n to 'fname' (msg)".
func argError(L *glua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

// checkInt is luaL_checkint with Lua 5.1's messages.
func checkInt(L *glua.LState, n int, fname string) int {
	switch v := L.Get(n).(type) {
	case glua.LNumber:
		return int(v)
	case glua.LString:
		if f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64); err == nil {
			return int(f)
		}
	}
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	argError(L, n, fname, "number expected, got "+got)
	return 0
}
