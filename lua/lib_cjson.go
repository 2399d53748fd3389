// lib_cjson.go: the "cjson" library (Lua CJSON 2.1.0 as built into Redis,
// deps/lua/src/lua_cjson.c with strbuf.c and fpconv.c): JSON encoding of Lua values and
// decoding of JSON text, with the module's settings and its error messages.
//
// Where C reads the JSON text as a NUL-terminated string, so does this code: the text
// ends at its first NUL byte. JSON null decodes to cjson.null, a userdata shared by every
// cjson table of a state (Lua uses a NULL light userdata, which compares equal to any
// other). Objects are written in gopher-lua's table order, which for tables with several
// non-array keys is not the order of Lua 5.1's hash part.
package lua

import (
	"fmt"
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// cjsonConfig holds one cjson table's settings (json_config_t without the buffers).
type cjsonConfig struct {
	sparseConvert   int
	sparseRatio     int32
	sparseSafe      int32
	encodeMaxDepth  int32
	decodeMaxDepth  int32
	encodeInvalid   int // 0 off, 1 on, 2 null
	encodePrecision int32
	encodeKeepBuf   int
	decodeInvalid   int
}

func cjsonDefaultConfig() *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:     2,
		sparseSafe:      10,
		encodeMaxDepth:  1000,
		decodeMaxDepth:  1000,
		encodePrecision: 14,
		encodeKeepBuf:   1,
		decodeInvalid:   1,
	}
}

// OpenCjson registers the global table "cjson" as Redis's luaopen_cjson does (built
// with ENABLE_CJSON_GLOBAL).
func OpenCjson(L *glua.LState) {
	null := L.NewUserData()
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__tostring", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LString("userdata: (nil)"))
		return 1
	}))
	null.Metatable = mt
	L.SetGlobal("cjson", cjsonNew(L, null))
}

// cjsonNew builds a cjson table with its own settings, as lua_cjson_new does for the
// module and for each cjson.new().
func cjsonNew(L *glua.LState, null *glua.LUserData) *glua.LTable {
	cfg := cjsonDefaultConfig()
	t := L.CreateTable(0, 16)
	funcs := map[string]glua.LGFunction{
		"encode":                  func(L *glua.LState) int { return cjsonEncode(L, cfg, null) },
		"decode":                  func(L *glua.LState) int { return cjsonDecode(L, cfg, null) },
		"encode_sparse_array":     func(L *glua.LState) int { return cjsonCfgSparse(L, cfg) },
		"encode_max_depth":        func(L *glua.LState) int { return cjsonCfgInt(L, &cfg.encodeMaxDepth, 1, math.MaxInt32) },
		"decode_max_depth":        func(L *glua.LState) int { return cjsonCfgInt(L, &cfg.decodeMaxDepth, 1, math.MaxInt32) },
		"encode_number_precision": func(L *glua.LState) int { return cjsonCfgInt(L, &cfg.encodePrecision, 1, 14) },
		"encode_keep_buffer":      func(L *glua.LState) int { return cjsonCfgEnum(L, &cfg.encodeKeepBuf, nil) },
		"encode_invalid_numbers":  func(L *glua.LState) int { return cjsonCfgEnum(L, &cfg.encodeInvalid, cjsonInvalidOptions) },
		"decode_invalid_numbers":  func(L *glua.LState) int { return cjsonCfgEnum(L, &cfg.decodeInvalid, nil) },
		"new": func(L *glua.LState) int {
			L.Push(cjsonNew(L, null))
			return 1
		},
	}
	for name, fn := range funcs {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("null", null)
	t.RawSetString("_NAME", glua.LString("cjson"))
	t.RawSetString("_VERSION", glua.LString("2.1.0"))
	return t
}

/* ===== Settings ===== */

var (
	cjsonBoolOptions    = []string{"off", "on"}
	cjsonInvalidOptions = []string{"off", "on", "null"}
)

// cjsonArgInit rejects more than args arguments and pads the others with nil, so
// that the results pushed by the options come after all of them.
func cjsonArgInit(L *glua.LState, args int) {
	if L.GetTop() > args {
		bitArgError(L, args+1, "found too many arguments")
	}
	for L.GetTop() < args {
		L.Push(glua.LNil)
	}
}

// cjsonIntOption sets *setting from argument idx when it is not nil and pushes the
// setting. The range error always names argument 1, as C does.
func cjsonIntOption(L *glua.LState, idx int, setting *int32, min, max int32) {
	if L.Get(idx) != glua.LNil {
		v := int32(bitCheckInteger(L, idx))
		if v < min || v > max {
			bitArgError(L, 1, fmt.Sprintf("expected integer between %d and %d", min, max))
		}
		*setting = v
	}
	L.Push(glua.LNumber(*setting))
}

// cjsonEnumOption sets *setting from a boolean or an option name and pushes it back: a
// boolean for off/on, the name otherwise.
func cjsonEnumOption(L *glua.LState, idx int, setting *int, options []string) {
	if options == nil {
		options = cjsonBoolOptions
	}
	switch v := L.Get(idx).(type) {
	case *glua.LNilType:
	case glua.LBool:
		*setting = 0
		if v {
			*setting = 1
		}
	default:
		*setting = cjsonCheckOption(L, idx, options)
	}
	if *setting <= 1 {
		L.Push(glua.LBool(*setting == 1))
	} else {
		L.Push(glua.LString(options[*setting]))
	}
}

// cjsonCheckOption is luaL_checkoption without a default (C compares NUL-terminated).
func cjsonCheckOption(L *glua.LState, idx int, options []string) int {
	name := bitCheckString(L, idx)
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	for i, o := range options {
		if o == name {
			return i
		}
	}
	bitArgError(L, idx, "invalid option '"+name+"'")
	return 0
}

func cjsonCfgSparse(L *glua.LState, cfg *cjsonConfig) int {
	cjsonArgInit(L, 3)
	cjsonEnumOption(L, 1, &cfg.sparseConvert, nil)
	cjsonIntOption(L, 2, &cfg.sparseRatio, 0, math.MaxInt32)
	cjsonIntOption(L, 3, &cfg.sparseSafe, 0, math.MaxInt32)
	return 3
}

func cjsonCfgInt(L *glua.LState, setting *int32, min, max int32) int {
	cjsonArgInit(L, 1)
	cjsonIntOption(L, 1, setting, min, max)
	return 1
}

func cjsonCfgEnum(L *glua.LState, setting *int, options []string) int {
	cjsonArgInit(L, 1)
	cjsonEnumOption(L, 1, setting, options)
	return 1
}

/* ===== Encoding ===== */

// cjsonEscapes is char2escape: the JSON text of each byte that is not copied as is.
var cjsonEscapes = func() [256]string {
	var e [256]string
	for c := 0; c < 0x20; c++ {
		e[c] = fmt.Sprintf("\\u%04x", c)
	}
	e['\b'], e['\t'], e['\n'], e['\f'], e['\r'] = "\\b", "\\t", "\\n", "\\f", "\\r"
	e['"'], e['\\'], e['/'], e[0x7f] = "\\\"", "\\\\", "\\/", "\\u007f"
	return e
}()

type cjsonEncoder struct {
	L    *glua.LState
	cfg  *cjsonConfig
	null *glua.LUserData
	buf  []byte
}

func cjsonEncode(L *glua.LState, cfg *cjsonConfig, null *glua.LUserData) int {
	if L.GetTop() != 1 {
		bitArgError(L, 1, "expected 1 argument")
	}
	e := &cjsonEncoder{L: L, cfg: cfg, null: null}
	// One stack slot (the argument) is in use when the C encoder starts.
	e.value(L.Get(1), 0, 1)
	L.Push(glua.LString(e.buf))
	return 1
}

func (e *cjsonEncoder) fail(v glua.LValue, reason string) {
	bitError(e.L, "Cannot serialise %s: %s", bitTypeName(v), reason)
}

// value appends v. slots counts the Lua stack slots the C encoder would hold, which
// lua_checkstack limits along with encode_max_depth.
func (e *cjsonEncoder) value(v glua.LValue, depth int32, slots int) {
	switch x := v.(type) {
	case glua.LString:
		e.str(string(x))
	case glua.LNumber:
		e.number(float64(x))
	case glua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *glua.LTable:
		depth++
		if depth > e.cfg.encodeMaxDepth || slots+3 > bitMaxCStack {
			bitError(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(x); n > 0 {
			e.array(x, n, depth, slots)
		} else {
			e.object(x, depth, slots)
		}
	case *glua.LNilType:
		e.buf = append(e.buf, "null"...)
	default:
		if x == e.null {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.fail(v, "type not supported")
	}
}

func (e *cjsonEncoder) str(s string) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); i++ {
		if esc := cjsonEscapes[s[i]]; esc != "" {
			e.buf = append(e.buf, esc...)
		} else {
			e.buf = append(e.buf, s[i])
		}
	}
	e.buf = append(e.buf, '"')
}

func (e *cjsonEncoder) number(f float64) {
	bad := math.IsInf(f, 0) || math.IsNaN(f)
	switch e.cfg.encodeInvalid {
	case 0:
		if bad {
			e.fail(glua.LNumber(f), "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			e.buf = append(e.buf, "nan"...)
			return
		}
	default:
		if bad {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = append(e.buf, bitFormatG(f, int(e.cfg.encodePrecision))...)
}

// arrayLength is lua_array_length: the largest key when all keys are positive
// integers (0 for an empty table), -1 for an object. The largest key is kept in a C int:
// keys beyond its range become INT_MIN (the x86 conversion), which makes the table an
// object. Too sparse arrays are objects or an error, depending on the settings.
func (e *cjsonEncoder) arrayLength(t *glua.LTable) int32 {
	var max, items int32
	for k, _ := t.Next(glua.LNil); k != glua.LNil; k, _ = t.Next(k) {
		n, ok := k.(glua.LNumber)
		if !ok || n == 0 || math.Floor(float64(n)) != float64(n) || n < 1 {
			return -1
		}
		if float64(n) > float64(max) {
			max = cjsonToInt32(float64(n))
		}
		items++
	}
	if e.cfg.sparseRatio > 0 && max > items*e.cfg.sparseRatio && max > e.cfg.sparseSafe {
		if e.cfg.sparseConvert == 0 {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return max
}

// cjsonToInt32 is C's double to int conversion on x86.
func cjsonToInt32(f float64) int32 {
	if f > -2147483649.0 && f < 2147483648.0 {
		return int32(f)
	}
	return math.MinInt32
}

func (e *cjsonEncoder) array(t *glua.LTable, n, depth int32, slots int) {
	e.buf = append(e.buf, '[')
	for i := int32(1); i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGetInt(int(i)), depth, slots+1)
	}
	e.buf = append(e.buf, ']')
}

func (e *cjsonEncoder) object(t *glua.LTable, depth int32, slots int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(glua.LNil); k != glua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch key := k.(type) {
		case glua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(float64(key))
			e.buf = append(e.buf, '"', ':')
		case glua.LString:
			e.str(string(key))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth, slots+2)
	}
	e.buf = append(e.buf, '}')
}

/* ===== Decoding ===== */

type cjsonTokenType int

const (
	cjsonTObjBegin cjsonTokenType = iota
	cjsonTObjEnd
	cjsonTArrBegin
	cjsonTArrEnd
	cjsonTString
	cjsonTNumber
	cjsonTBoolean
	cjsonTNull
	cjsonTColon
	cjsonTComma
	cjsonTEnd
	cjsonTError
)

var cjsonTokenNames = [...]string{
	"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
	"T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR",
}

// cjsonSingleTokens are the tokens of the characters "{}[],:", in that order.
var cjsonSingleTokens = [...]cjsonTokenType{
	cjsonTObjBegin, cjsonTObjEnd, cjsonTArrBegin, cjsonTArrEnd, cjsonTComma, cjsonTColon,
}

type cjsonToken struct {
	typ   cjsonTokenType
	index int
	str   string // T_STRING's value, or T_ERROR's description
	num   float64
	b     bool
}

type cjsonParser struct {
	L     *glua.LState
	cfg   *cjsonConfig
	null  *glua.LUserData
	data  string
	ptr   int
	depth int32
}

// at reads the text as the C string it is in C: 0 past its end.
func (p *cjsonParser) at(i int) byte {
	if i < len(p.data) {
		return p.data[i]
	}
	return 0
}

func cjsonDecode(L *glua.LState, cfg *cjsonConfig, null *glua.LUserData) int {
	if L.GetTop() != 1 {
		bitArgError(L, 1, "expected 1 argument")
	}
	data := bitCheckString(L, 1)
	// Only the first character of JSON text is known to be ASCII; a NUL in the first two
	// bytes means UTF-16 or UTF-32.
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		bitError(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	if i := strings.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	p := &cjsonParser{L: L, cfg: cfg, null: null, data: data}
	tok := p.next()
	// One stack slot (the argument) is in use when the C parser starts.
	v := p.value(&tok, 1)
	tok = p.next()
	if tok.typ != cjsonTEnd {
		p.throw("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (p *cjsonParser) throw(expected string, tok *cjsonToken) {
	found := cjsonTokenNames[tok.typ]
	if tok.typ == cjsonTError {
		found = tok.str
	}
	bitError(p.L, "Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func (p *cjsonParser) tokenError(tok *cjsonToken, what string) {
	tok.typ, tok.index, tok.str = cjsonTError, p.ptr, what
}

func (p *cjsonParser) next() cjsonToken {
	for {
		c := p.at(p.ptr)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		p.ptr++
	}
	tok := cjsonToken{index: p.ptr}
	c := p.at(p.ptr)
	if i := strings.IndexByte("{}[],:", c); c != 0 && i >= 0 {
		tok.typ = cjsonSingleTokens[i]
		p.ptr++
		return tok
	}
	rest := p.data[p.ptr:]
	switch {
	case c == 0:
		tok.typ = cjsonTEnd
	case c == '"':
		p.stringToken(&tok)
	case c == '-' || bitIsDigit(c):
		if p.cfg.decodeInvalid == 0 && p.invalidNumber() {
			p.tokenError(&tok, "invalid number")
		} else {
			p.numberToken(&tok)
		}
	case !strings.ContainsRune("fiInNt+", rune(c)):
		p.tokenError(&tok, "invalid token")
	case strings.HasPrefix(rest, "true"):
		tok.typ, tok.b = cjsonTBoolean, true
		p.ptr += 4
	case strings.HasPrefix(rest, "false"):
		tok.typ = cjsonTBoolean
		p.ptr += 5
	case strings.HasPrefix(rest, "null"):
		tok.typ = cjsonTNull
		p.ptr += 4
	case p.cfg.decodeInvalid != 0 && p.invalidNumber():
		// Only numbers known to be invalid JSON (inf, nan, '+') get here, so that
		// other bad tokens report "invalid token".
		p.numberToken(&tok)
	default:
		p.tokenError(&tok, "invalid token")
	}
	return tok
}

// invalidNumber is json_is_invalid_number: a number strtod reads but JSON forbids
// (leading '+', hexadecimal, leading zeros, inf, nan).
func (p *cjsonParser) invalidNumber() bool {
	i := p.ptr
	if p.at(i) == '+' {
		return true
	}
	if p.at(i) == '-' {
		i++
	}
	if c := p.at(i); c == '0' {
		c2 := p.at(i + 1)
		return c2|0x20 == 'x' || bitIsDigit(c2)
	} else if c <= '9' {
		return false
	}
	rest := bitLowerPrefix(p.data[i:], 3)
	return strings.HasPrefix(rest, "inf") || strings.HasPrefix(rest, "nan")
}

func (p *cjsonParser) numberToken(tok *cjsonToken) {
	f, n := bitStrtod(p.data[p.ptr:])
	if n == 0 {
		p.tokenError(tok, "invalid number")
		return
	}
	tok.typ, tok.num = cjsonTNumber, f
	p.ptr += n
}

var cjsonUnescape = map[byte]byte{
	'"': '"', '\\': '\\', '/': '/', 'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', 'u': 'u',
}

func (p *cjsonParser) stringToken(tok *cjsonToken) {
	p.ptr++
	var buf []byte
	for {
		ch := p.at(p.ptr)
		if ch == '"' {
			break
		}
		if ch == 0 {
			p.tokenError(tok, "unexpected end of string")
			return
		}
		if ch == '\\' {
			esc := cjsonUnescape[p.at(p.ptr+1)]
			if esc == 'u' {
				var ok bool
				if buf, ok = p.unicodeEscape(buf); ok {
					continue
				}
				p.tokenError(tok, "invalid unicode escape code")
				return
			}
			if esc == 0 {
				p.tokenError(tok, "invalid escape code")
				return
			}
			p.ptr++
			ch = esc
		}
		buf = append(buf, ch)
		p.ptr++
	}
	p.ptr++
	tok.typ, tok.str = cjsonTString, string(buf)
}

// hex4 decodes 4 hexadecimal digits at i, -1 if any is missing or invalid.
func (p *cjsonParser) hex4(i int) int {
	v := 0
	for j := 0; j < 4; j++ {
		c := p.at(i + j)
		var d int
		switch {
		case bitIsDigit(c):
			d = int(c - '0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			d = int(c|0x20-'a') + 10
		default:
			return -1
		}
		v = v<<4 | d
	}
	return v
}

// unicodeEscape appends the UTF-8 of the \uXXXX escape at p.ptr (a surrogate pair takes
// two escapes) and moves past it.
func (p *cjsonParser) unicodeEscape(buf []byte) ([]byte, bool) {
	cp := p.hex4(p.ptr + 2)
	if cp < 0 {
		return buf, false
	}
	escLen := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || p.at(p.ptr+6) != '\\' || p.at(p.ptr+7) != 'u' {
			return buf, false
		}
		low := p.hex4(p.ptr + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return buf, false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		escLen = 12
	}
	switch {
	case cp <= 0x7F:
		buf = append(buf, byte(cp))
	case cp <= 0x7FF:
		buf = append(buf, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		buf = append(buf, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		buf = append(buf, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	p.ptr += escLen
	return buf, true
}

// descend enters an object or array; need is the stack slots C asks lua_checkstack
// for, on top of the slots in use.
func (p *cjsonParser) descend(slots, need int) {
	p.depth++
	if p.depth > p.cfg.decodeMaxDepth || slots+need > bitMaxCStack {
		bitError(p.L, "Found too many nested data structures (%d) at character %d", p.depth, p.ptr)
	}
}

// value converts the value starting with tok; slots counts the Lua stack slots the C
// parser would hold.
func (p *cjsonParser) value(tok *cjsonToken, slots int) glua.LValue {
	switch tok.typ {
	case cjsonTString:
		return glua.LString(tok.str)
	case cjsonTNumber:
		return glua.LNumber(tok.num)
	case cjsonTBoolean:
		return glua.LBool(tok.b)
	case cjsonTObjBegin:
		return p.object(slots)
	case cjsonTArrBegin:
		return p.array(slots)
	case cjsonTNull:
		return p.null
	}
	p.throw("value", tok)
	return nil
}

func (p *cjsonParser) object(slots int) glua.LValue {
	p.descend(slots, 3)
	t := p.L.CreateTable(0, 0)
	tok := p.next()
	if tok.typ == cjsonTObjEnd {
		p.depth--
		return t
	}
	for {
		if tok.typ != cjsonTString {
			p.throw("object key string", &tok)
		}
		key := tok.str
		if tok = p.next(); tok.typ != cjsonTColon {
			p.throw("colon", &tok)
		}
		tok = p.next()
		t.RawSetString(key, p.value(&tok, slots+2))
		tok = p.next()
		if tok.typ == cjsonTObjEnd {
			p.depth--
			return t
		}
		if tok.typ != cjsonTComma {
			p.throw("comma or object end", &tok)
		}
		tok = p.next()
	}
}

func (p *cjsonParser) array(slots int) glua.LValue {
	p.descend(slots, 2)
	t := p.L.CreateTable(0, 0)
	tok := p.next()
	if tok.typ == cjsonTArrEnd {
		p.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, p.value(&tok, slots+1))
		tok = p.next()
		if tok.typ == cjsonTArrEnd {
			p.depth--
			return t
		}
		if tok.typ != cjsonTComma {
			p.throw("comma or array end", &tok)
		}
		tok = p.next()
	}
}
