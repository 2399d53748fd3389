package lua

// Conversions between Redis replies and Lua values, both ways exactly as
// Redis's script_lua.c: redisProtocolToLuaType for what redis.call
// returns, luaReplyToRedisReply for what a script returns.

import (
	"bytes"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
)

// parseReply converts one RESP reply at the start of b into a Lua value
// and returns it with the bytes it took.
func parseReply(L *glua.LState, b []byte) (glua.LValue, int) {
	if len(b) < 3 {
		return glua.LNil, len(b)
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return glua.LNil, len(b)
	}
	line := b[1 : i-1]
	n := i + 1
	switch b[0] {
	case ':':
		v, _ := strconv.ParseInt(string(line), 10, 64)
		return glua.LNumber(v), n
	case '$':
		l, _ := strconv.Atoi(string(line))
		if l < 0 {
			return glua.LFalse, n
		}
		return glua.LString(b[n : n+l]), n + l + 2
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", glua.LString(line))
		return t, n
	case '-':
		t := errorTable(L, "-"+string(line))
		t.RawSetString("ignore_error_stats_update", glua.LTrue)
		return t, n
	case '*', '~', '%', '>':
		l, _ := strconv.Atoi(string(line))
		if l < 0 {
			return glua.LFalse, n
		}
		switch b[0] {
		case '%':
			m := L.CreateTable(0, l)
			for j := 0; j < l; j++ {
				k, used := parseReply(L, b[n:])
				n += used
				v, used := parseReply(L, b[n:])
				n += used
				m.RawSet(k, v)
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("map", m)
			return t, n
		case '~':
			s := L.CreateTable(0, l)
			for j := 0; j < l; j++ {
				k, used := parseReply(L, b[n:])
				n += used
				s.RawSet(k, glua.LTrue)
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("set", s)
			return t, n
		}
		t := L.CreateTable(l, 0)
		for j := 0; j < l; j++ {
			v, used := parseReply(L, b[n:])
			n += used
			t.RawSetInt(j+1, v)
		}
		return t, n
	case '_':
		return glua.LNil, n
	case '#':
		return glua.LBool(len(line) > 0 && line[0] == 't'), n
	case ',':
		f, _ := strconv.ParseFloat(strings.Replace(string(line), "inf", "Inf", 1), 64)
		t := L.CreateTable(0, 1)
		t.RawSetString("double", glua.LNumber(f))
		return t, n
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", glua.LString(line))
		return t, n
	case '=':
		l, _ := strconv.Atoi(string(line))
		body := b[n : n+l]
		v := L.CreateTable(0, 2)
		v.RawSetString("string", glua.LString(body[4:]))
		v.RawSetString("format", glua.LString(body[:3]))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", v)
		return t, n + l + 2
	case '|': // attributes are skipped
		l, _ := strconv.Atoi(string(line))
		for j := 0; j < 2*l; j++ {
			_, used := parseReply(L, b[n:])
			n += used
		}
		v, used := parseReply(L, b[n:])
		return v, n + used
	}
	return glua.LNil, n
}

// writeReply answers c with the Lua value v (luaReplyToRedisReply);
// scriptProto is the RESP the script chose with redis.setresp.
func (e *Engine) writeReply(c *db.Client, v glua.LValue, scriptProto int) {
	e.writeValue(c, v, scriptProto, replyBase)
}

// Redis converts a reply on the Lua stack, which nested tables fill: a
// table nested too deep (or holding itself) ends in an error where the
// stack would overflow, as Redis's lua_checkstack(lua, 4) at each value.
// top is the stack slot the value would take there: the returned value's
// first, then one more per array level, three per map or set level.
const replyBase = 2

func (e *Engine) writeValue(c *db.Client, v glua.LValue, scriptProto, top int) {
	if top+4 > maxStack {
		e.srv.ErrorReply(c, "reached lua stack limit")
		return
	}
	switch v := v.(type) {
	case glua.LString:
		c.Bulk([]byte(v))
	case glua.LBool:
		switch {
		case scriptProto == 3:
			c.Bool(bool(v))
		case bool(v):
			c.Int(1)
		default:
			c.Null()
		}
	case glua.LNumber:
		c.Int(int64(v))
	case *glua.LTable:
		e.writeTable(c, v, scriptProto, top)
	default:
		c.Null()
	}
}

func (e *Engine) writeTable(c *db.Client, t *glua.LTable, scriptProto, top int) {
	if s, ok := t.RawGetString("err").(glua.LString); ok {
		if glua.LVAsBool(t.RawGetString("ignore_error_stats_update")) {
			e.srv.ErrorReplyNoStats(c, "-"+string(s))
		} else {
			e.srv.ErrorReply(c, "-"+string(s))
		}
		return
	}
	if s, ok := t.RawGetString("ok").(glua.LString); ok {
		c.Status(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(s)))
		return
	}
	if f, ok := t.RawGetString("double").(glua.LNumber); ok {
		c.Double(float64(f))
		return
	}
	if s, ok := t.RawGetString("big_number").(glua.LString); ok {
		c.BigNumber(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(s)))
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*glua.LTable); ok {
		f, fok := vt.RawGetString("format").(glua.LString)
		s, sok := vt.RawGetString("string").(glua.LString)
		if fok && sok {
			// Three bytes of format, as Redis copies them.
			c.VerbatimFormat(string(s), (string(f) + "   ")[:3])
			return
		}
	}
	if m, ok := t.RawGetString("map").(*glua.LTable); ok {
		var keys, vals []glua.LValue
		m.ForEach(func(k, v glua.LValue) {
			keys = append(keys, k)
			vals = append(vals, v)
		})
		c.MapLen(len(keys))
		for i := range keys { // the stack: map, key, value, the key's copy
			e.writeValue(c, keys[i], scriptProto, top+4)
			e.writeValue(c, vals[i], scriptProto, top+3)
		}
		return
	}
	if s, ok := t.RawGetString("set").(*glua.LTable); ok {
		var keys []glua.LValue
		s.ForEach(func(k, _ glua.LValue) { keys = append(keys, k) })
		c.SetLen(len(keys))
		for _, k := range keys { // the stack: set, key, the key's copy
			e.writeValue(c, k, scriptProto, top+3)
		}
		return
	}
	n := 0
	for t.RawGetInt(n+1) != glua.LNil {
		n++
	}
	c.ArrayLen(n)
	for i := 1; i <= n; i++ {
		e.writeValue(c, t.RawGetInt(i), scriptProto, top+1)
	}
}
