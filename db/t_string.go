package db

// String commands, as Redis's t_string.c: SET and its variants, GET and
// its variants, counters, ranges and LCS.
//
// A string value is an int64 (encoding int) or a []byte (embstr or raw).
// Commands that change a string in place (APPEND, SETRANGE, SETBIT,
// BITFIELD) first make it raw with writableString, as Redis's
// dbUnshareStringValue. A raw value is a []byte of capacity at least
// rawMinCap that owns its whole backing array: it is extended in place,
// and patched in place unless a snapshot is live.

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/resp"
)

func init() {
	register("get", getCommand)
	register("set", setCommand)
	register("setnx", setnxCommand)
	register("setex", setexCommand)
	register("psetex", psetexCommand)
	register("getex", getexCommand)
	register("getdel", getdelCommand)
	register("getset", getsetCommand)
	register("mget", mgetCommand)
	register("mset", msetCommand)
	register("msetnx", msetnxCommand)
	register("append", appendCommand)
	register("strlen", strlenCommand)
	register("getrange", getrangeCommand)
	register("substr", getrangeCommand)
	register("setrange", setrangeCommand)
	register("incr", incrCommand)
	register("decr", decrCommand)
	register("incrby", incrbyCommand)
	register("decrby", decrbyCommand)
	register("incrbyfloat", incrbyfloatCommand)
	register("lcs", lcsCommand)
}

// Arguments of rewritten commands, shared and never modified.
var (
	argSET       = []byte("SET")
	argPXAT      = []byte("PXAT")
	argKEEPTTL   = []byte("KEEPTTL")
	argDEL       = []byte("DEL")
	argUNLINK    = []byte("UNLINK")
	argPEXPIREAT = []byte("PEXPIREAT")
	argPERSIST   = []byte("PERSIST")
)

const errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

// rawMinCap is the capacity from which a short []byte value is raw rather
// than embstr: strings Redis makes raw (APPEND, SETRANGE, SETBIT, BITOP,
// BITFIELD) are allocated with at least this capacity, while a copy of an
// argument of up to embstrLimit bytes never gets that much.
const rawMinCap = 64

// newRawString returns a zeroed raw string of n bytes.
func newRawString(n int) []byte { return make([]byte, n, max(n, rawMinCap)) }

// cstr truncates b at its first NUL byte: Redis compares option names with
// C string functions, which stop there.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// optIs reports whether option b is name, ignoring case, as strcasecmp.
func optIs(b []byte, name string) bool {
	b = cstr(b)
	return len(b) == len(name) && strings.EqualFold(bstr(b), name)
}

// stringOf returns the bytes of string value v, formatting an int64 into
// tmp; ok is false for a value of another type.
func stringOf(v any, tmp *[20]byte) (b []byte, ok bool) {
	switch v := v.(type) {
	case []byte:
		return v, true
	case int64:
		return strconv.AppendInt(tmp[:0], v, 10), true
	}
	return nil, false
}

// stringLen returns the length of string value v.
func stringLen(v any) int64 {
	switch v := v.(type) {
	case []byte:
		return int64(len(v))
	case int64:
		var tmp [20]byte
		return int64(len(strconv.AppendInt(tmp[:0], v, 10)))
	}
	return 0
}

// writableString returns key's string value v as a raw []byte the caller
// may change (Redis's dbUnshareStringValue). An int, an embstr, or, when
// patch is set and a snapshot is live, a value the snapshot may share, is
// replaced by a raw copy. Appending past the length never needs a copy: a
// snapshot does not see beyond its own length. The replacement is stored
// without signaling the change: the caller does once it changed something.
func writableString(db *DB, key []byte, v any, patch bool) []byte {
	var raw []byte
	switch v := v.(type) {
	case int64:
		raw = strconv.AppendInt(newRawString(0), v, 10)
	case []byte:
		if cap(v) >= rawMinCap {
			if !patch || !snapshotLive(db) {
				return v
			}
			db.srv.COW.Copied += int64(len(v))
		}
		raw = newRawString(len(v))
		copy(raw, v)
	}
	db.replace(key, raw)
	return raw
}

// snapshotLive reports whether a snapshot may share the values of db.
func snapshotLive(db *DB) bool { return db.srv.COW != nil && db.srv.COW.Live > 0 }

// storeString puts a raw string whose length changed back under key,
// without signaling.
func storeString(db *DB, key []byte, b []byte) { db.replace(key, b) }

// checkStringLength replies with an error when a string of size+add bytes
// would exceed proto-max-bulk-len. Our master is obeyed regardless.
func checkStringLength(c *Client, size, add int64) bool {
	if c.Flags&ClientMaster != 0 {
		return true
	}
	total := int64(uint64(size) + uint64(add))
	if total > c.srv.protoMaxBulk || total < size || total < add {
		c.Error(errStringTooLong)
		return false
	}
	return true
}

// getGeneric replies with the string at argv[1], null when missing, and
// reports false after replying WRONGTYPE.
func getGeneric(c *Client) bool {
	switch v := c.DB.LookupRead(c.Argv[1]).(type) {
	case nil:
		c.Null()
	case []byte:
		c.Bulk(v)
	case int64:
		c.BulkInt(v)
	default:
		c.Error(ErrWrongType)
		return false
	}
	return true
}

func getCommand(c *Client) { getGeneric(c) }

// SET / GETEX options, as Redis's OBJ_* flags.
type setFlags uint16

const (
	setNX setFlags = 1 << iota
	setXX
	setEX
	setPX
	setKeepTTL
	setGet
	setEXAT
	setPXAT
	setPersist

	setExpireFlags = setEX | setPX | setEXAT | setPXAT
)

// parseSetOptions parses the options of SET (from argv[3]) or GETEX (from
// argv[2]) as Redis's parseExtendedStringArgumentsOrReply: conflicting
// options and options of the other command are syntax errors; repeating
// one is not.
func parseSetOptions(c *Client, getex bool) (flags setFlags, expire []byte, ok bool) {
	argv := c.Argv
	j := 3
	if getex {
		j = 2
	}
	for ; j < len(argv); j++ {
		opt := argv[j]
		hasNext := j+1 < len(argv)
		switch {
		case !getex && optIs(opt, "NX") && flags&setXX == 0:
			flags |= setNX
		case !getex && optIs(opt, "XX") && flags&setNX == 0:
			flags |= setXX
		case !getex && optIs(opt, "GET"):
			flags |= setGet
		case !getex && optIs(opt, "KEEPTTL") && flags&(setPersist|setExpireFlags) == 0:
			flags |= setKeepTTL
		case getex && optIs(opt, "PERSIST") && flags&(setKeepTTL|setExpireFlags) == 0:
			flags |= setPersist
		case hasNext && optIs(opt, "EX") && flags&(setKeepTTL|setPersist|setExpireFlags&^setEX) == 0:
			flags |= setEX
			expire = argv[j+1]
			j++
		case hasNext && optIs(opt, "PX") && flags&(setKeepTTL|setPersist|setExpireFlags&^setPX) == 0:
			flags |= setPX
			expire = argv[j+1]
			j++
		case hasNext && optIs(opt, "EXAT") && flags&(setKeepTTL|setPersist|setExpireFlags&^setEXAT) == 0:
			flags |= setEXAT
			expire = argv[j+1]
			j++
		case hasNext && optIs(opt, "PXAT") && flags&(setKeepTTL|setPersist|setExpireFlags&^setPXAT) == 0:
			flags |= setPXAT
			expire = argv[j+1]
			j++
		default:
			c.Error(ErrSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireMillis turns an EX/PX/EXAT/PXAT argument into a unix time in ms,
// replying with an error when it is not a positive integer or overflows.
func expireMillis(c *Client, arg []byte, flags setFlags) (int64, bool) {
	ms, ok := ParseInt(arg)
	if !ok {
		c.Error(ErrNotInteger)
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if ms <= 0 || seconds && ms > math.MaxInt64/1000 {
		c.Error(invalidExpireError(c))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		ms += c.srv.Now()
	}
	if ms <= 0 {
		c.Error(invalidExpireError(c))
		return 0, false
	}
	return ms, true
}

func invalidExpireError(c *Client) string {
	return "ERR invalid expire time in '" + c.Cmd.FullName() + "' command"
}

func setCommand(c *Client) {
	flags, expire, ok := parseSetOptions(c, false)
	if !ok {
		return
	}
	setGeneric(c, flags, c.Argv[1], c.Argv[2], expire, false)
}

func setnxCommand(c *Client) { setGeneric(c, setNX, c.Argv[1], c.Argv[2], nil, true) }

func setexCommand(c *Client) { setGeneric(c, setEX, c.Argv[1], c.Argv[3], c.Argv[2], false) }

func psetexCommand(c *Client) { setGeneric(c, setPX, c.Argv[1], c.Argv[3], c.Argv[2], false) }

// setGeneric is Redis's setGenericCommand. SETNX answers :1/:0 (intReply)
// where SET answers +OK/null. With an expire time the command propagates
// as SET key value PXAT <ms>; SET ... GET propagates without its GETs.
func setGeneric(c *Client, flags setFlags, key, val, expire []byte, intReply bool) {
	var when int64
	if expire != nil {
		var ok bool
		if when, ok = expireMillis(c, expire, flags); !ok {
			return
		}
	}
	if flags&setGet != 0 && !getGeneric(c) {
		return
	}
	db := c.DB
	var cur any
	if flags&(setNX|setXX) != 0 {
		cur = db.LookupWrite(key)
		found := cur != nil
		if flags&setNX != 0 && found || flags&setXX != 0 && !found {
			switch {
			case flags&setGet != 0:
			case intReply:
				c.Int(0)
			default:
				c.Null()
			}
			return
		}
	} else {
		db.expireIfNeededForWrite(key)
		cur = db.lookup(key)
	}
	db.Set(key, stringValueFor(db, cur, val), flags&setKeepTTL != 0)
	c.srv.Dirty++
	c.srv.notifyKeyspaceEvent(NotifyString, "set", key, db.ID)
	if expire != nil {
		db.SetExpire(key, when)
		c.srv.notifyKeyspaceEvent(NotifyGeneric, "expire", key, db.ID)
		c.RewriteArgv(argSET, key, val, argPXAT, FormatInt(when))
	}
	switch {
	case flags&setGet != 0:
	case intReply:
		c.Int(1)
	default:
		c.OK()
	}
	if flags&setGet != 0 && expire == nil {
		argv := make([][]byte, 0, len(c.Argv)-1)
		for j, a := range c.Argv {
			if j < 3 || !optIs(a, "GET") {
				argv = append(argv, a)
			}
		}
		c.RewriteArgv(argv...)
	}
}

// getexCommand propagates as PEXPIREAT, PERSIST or DEL, never as itself.
func getexCommand(c *Client) {
	flags, expire, ok := parseSetOptions(c, true)
	if !ok {
		return
	}
	db, key := c.DB, c.Argv[1]
	v := db.LookupRead(key)
	if v == nil {
		c.Null()
		return
	}
	var tmp [20]byte
	b, ok := stringOf(v, &tmp)
	if !ok {
		c.Error(ErrWrongType)
		return
	}
	var when int64
	if expire != nil {
		if when, ok = expireMillis(c, expire, flags); !ok {
			return
		}
	}
	c.Bulk(b)
	s := c.srv
	switch {
	case flags&(setEXAT|setPXAT) != 0 && when <= s.Now() && !s.Loading && !s.IsReplica:
		// An absolute time already past deletes the key.
		db.Delete(key)
		del := argDEL
		if s.Config.Bool("lazyfree-lazy-expire") {
			del = argUNLINK
		}
		c.RewriteArgv(del, key)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", key, db.ID)
		s.Dirty++
	case expire != nil:
		db.SetExpire(key, when)
		c.RewriteArgv(argPEXPIREAT, key, FormatInt(when))
		s.signalModifiedKey(db, key)
		s.notifyKeyspaceEvent(NotifyGeneric, "expire", key, db.ID)
		s.Dirty++
	case flags&setPersist != 0:
		if db.Persist(key) {
			s.signalModifiedKey(db, key)
			c.RewriteArgv(argPERSIST, key)
			s.notifyKeyspaceEvent(NotifyGeneric, "persist", key, db.ID)
			s.Dirty++
		}
	}
}

// getdelCommand propagates as DEL (UNLINK with lazyfree-lazy-user-del).
func getdelCommand(c *Client) {
	if !getGeneric(c) {
		return
	}
	key := c.Argv[1]
	if !c.DB.Delete(key) {
		return
	}
	del := argDEL
	if c.srv.Config.Bool("lazyfree-lazy-user-del") {
		del = argUNLINK
	}
	c.RewriteArgv(del, key)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
	c.srv.Dirty++
}

// stringValueFor returns what to store for val over cur, the key's current
// value: cur itself, its bytes overwritten, when it is an embstr of the
// same length that no snapshot shares (a SET over a value of the same size
// then allocates nothing); for a new key, the bytes of an evicted value
// when they fit (reuseString); else NewStringValue(val).
func stringValueFor(db *DB, cur any, val []byte) any {
	if old, ok := cur.([]byte); ok && len(old) == len(val) && cap(old) < rawMinCap && !snapshotLive(db) {
		if _, isInt := ParseInt(val); !isInt {
			copy(old, val)
			return cur
		}
	}
	if cur == nil && len(db.srv.evict.spare) > 0 {
		if _, isInt := ParseInt(val); !isInt {
			if b, ok := db.srv.reuseString(val); ok {
				return b
			}
		}
	}
	return NewStringValue(val)
}

// getsetCommand propagates as SET.
func getsetCommand(c *Client) {
	if !getGeneric(c) {
		return
	}
	key, val := c.Argv[1], c.Argv[2]
	c.DB.Set(key, NewStringValue(val), false)
	c.srv.notifyKeyspaceEvent(NotifyString, "set", key, c.DB.ID)
	c.srv.Dirty++
	c.RewriteArgv(argSET, key, val)
}

func mgetCommand(c *Client) {
	c.ArrayLen(len(c.Argv) - 1)
	for _, key := range c.Argv[1:] {
		switch v := c.DB.LookupRead(key).(type) {
		case []byte:
			c.Bulk(v)
		case int64:
			c.BulkInt(v)
		default:
			c.Null()
		}
	}
}

func msetCommand(c *Client) { msetGeneric(c, false) }

func msetnxCommand(c *Client) { msetGeneric(c, true) }

// msetGeneric sets every pair; MSETNX sets none if any key exists.
func msetGeneric(c *Client, nx bool) {
	if len(c.Argv)%2 == 0 {
		c.ErrorArity()
		return
	}
	db := c.DB
	if nx {
		for j := 1; j < len(c.Argv); j += 2 {
			if db.LookupWrite(c.Argv[j]) != nil {
				c.Int(0)
				return
			}
		}
	}
	for j := 1; j < len(c.Argv); j += 2 {
		key := c.Argv[j]
		db.expireIfNeededForWrite(key)
		db.Set(key, stringValueFor(db, db.lookup(key), c.Argv[j+1]), false)
		c.srv.notifyKeyspaceEvent(NotifyString, "set", key, db.ID)
	}
	c.srv.Dirty += int64(len(c.Argv) / 2)
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

func appendCommand(c *Client) {
	db, key, arg := c.DB, c.Argv[1], c.Argv[2]
	v := db.LookupWrite(key)
	var total int
	if v == nil {
		db.Add(key, NewStringValue(arg))
		total = len(arg)
	} else {
		if TypeName(v) != "string" {
			c.Error(ErrWrongType)
			return
		}
		if !checkStringLength(c, stringLen(v), int64(len(arg))) {
			return
		}
		b := append(writableString(db, key, v, false), arg...)
		db.Overwrite(key, b)
		total = len(b)
	}
	c.srv.notifyKeyspaceEvent(NotifyString, "append", key, db.ID)
	c.srv.Dirty++
	c.Int(int64(total))
}

func strlenCommand(c *Client) {
	v := c.DB.LookupRead(c.Argv[1])
	if v != nil && TypeName(v) != "string" {
		c.Error(ErrWrongType)
		return
	}
	c.Int(stringLen(v))
}

func getrangeCommand(c *Client) {
	start, ok := c.IntArg(2)
	if !ok {
		return
	}
	end, ok := c.IntArg(3)
	if !ok {
		return
	}
	v := c.DB.LookupRead(c.Argv[1])
	if v == nil {
		c.BulkString("")
		return
	}
	var tmp [20]byte
	s, ok := stringOf(v, &tmp)
	if !ok {
		c.Error(ErrWrongType)
		return
	}
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.BulkString("")
		return
	}
	c.Bulk(s[start : end+1])
}

func setrangeCommand(c *Client) {
	offset, ok := c.IntArg(2)
	if !ok {
		return
	}
	if offset < 0 {
		c.Error("ERR offset is out of range")
		return
	}
	db, key, val := c.DB, c.Argv[1], c.Argv[3]
	v := db.LookupWrite(key)
	var b []byte
	if v == nil {
		if len(val) == 0 {
			c.Int(0)
			return
		}
		if !checkStringLength(c, offset, int64(len(val))) {
			return
		}
		b = newRawString(int(offset) + len(val))
		copy(b[offset:], val)
		db.Add(key, b)
	} else {
		if TypeName(v) != "string" {
			c.Error(ErrWrongType)
			return
		}
		if len(val) == 0 {
			c.Int(stringLen(v))
			return
		}
		if !checkStringLength(c, offset, int64(len(val))) {
			return
		}
		b = writableString(db, key, v, true)
		if end := int(offset) + len(val); end > len(b) {
			b = growZero(b, end)
			storeString(db, key, b)
		}
		copy(b[offset:], val)
		c.srv.signalModifiedKey(db, key)
	}
	c.srv.notifyKeyspaceEvent(NotifyString, "setrange", key, db.ID)
	c.srv.Dirty++
	c.Int(int64(len(b)))
}

// growZero extends b to n bytes with zeros.
func growZero(b []byte, n int) []byte {
	if n <= cap(b) {
		tail := b[len(b):n]
		clear(tail)
		return b[:n]
	}
	return append(b, make([]byte, n-len(b))...)
}

func incrCommand(c *Client) { incrDecr(c, 1) }

func decrCommand(c *Client) { incrDecr(c, -1) }

func incrbyCommand(c *Client) {
	if n, ok := c.IntArg(2); ok {
		incrDecr(c, n)
	}
}

func decrbyCommand(c *Client) {
	n, ok := c.IntArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.Error("ERR decrement would overflow")
		return
	}
	incrDecr(c, -n)
}

func incrDecr(c *Client, incr int64) {
	db, key := c.DB, c.Argv[1]
	v := db.LookupWrite(key)
	var cur int64
	switch v := v.(type) {
	case nil:
	case int64:
		cur = v
	case []byte:
		n, ok := ParseInt(v)
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		cur = n
	default:
		c.Error(ErrWrongType)
		return
	}
	if incr < 0 && cur < 0 && incr < math.MinInt64-cur || incr > 0 && cur > 0 && incr > math.MaxInt64-cur {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	if v == nil {
		db.Add(key, cur)
	} else {
		db.Overwrite(key, cur)
	}
	c.srv.notifyKeyspaceEvent(NotifyString, "incrby", key, db.ID)
	c.srv.Dirty++
	c.Int(cur)
}

// incrbyfloatCommand computes in long double, as Redis, and propagates as
// SET key <result> KEEPTTL so that replicas store the same bytes.
func incrbyfloatCommand(c *Client) {
	db, key := c.DB, c.Argv[1]
	v := db.LookupWrite(key)
	cur := new(big.Float).SetPrec(ldPrec)
	switch v := v.(type) {
	case nil:
	case int64:
		cur.SetInt64(v)
	case []byte:
		f, ok := parseLongDouble(v)
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		cur = f
	default:
		c.Error(ErrWrongType)
		return
	}
	incr, ok := parseLongDouble(c.Argv[2])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	// A copy of its own length: Redis makes the result embstr up to 44
	// bytes, while the formatting may leave a capacity that reads as raw.
	res := bytes.Clone(appendLongDouble(nil, sum))
	if v == nil {
		db.Add(key, res)
	} else {
		db.Overwrite(key, res)
	}
	c.srv.notifyKeyspaceEvent(NotifyString, "incrbyfloat", key, db.ID)
	c.srv.Dirty++
	c.Bulk(res)
	c.RewriteArgv(argSET, key, res, argKEEPTTL)
}

// lcsCommand is Redis's LCS: the classic dynamic programming table, then a
// walk back from its end that collects the string or the matching ranges
// (from the last to the first).
func lcsCommand(c *Client) {
	va := c.DB.LookupRead(c.Argv[1])
	vb := c.DB.LookupRead(c.Argv[2])
	if va != nil && TypeName(va) != "string" || vb != nil && TypeName(vb) != "string" {
		c.Error("ERR The specified keys must contain string values")
		return
	}
	var ta, tb [20]byte
	a, _ := stringOf(va, &ta)
	b, _ := stringOf(vb, &tb)
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Argv); j++ {
		opt := c.Argv[j]
		switch {
		case optIs(opt, "IDX"):
			getIdx = true
		case optIs(opt, "LEN"):
			getLen = true
		case optIs(opt, "WITHMATCHLEN"):
			withMatchLen = true
		case optIs(opt, "MINMATCHLEN") && j+1 < len(c.Argv):
			n, ok := c.IntArg(j + 1)
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		c.Error("ERR String too long for LCS")
		return
	}
	alen, blen := len(a), len(b)
	// As Redis 7.0, the table may take at most proto-max-bulk-len bytes.
	size := uint64(alen+1) * uint64(blen+1)
	if size*4 > uint64(c.srv.protoMaxBulk) {
		c.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	// dp[i*(blen+1)+j] is the LCS length of a[:i] and b[:j].
	w := blen + 1
	dp := make([]uint32, size)
	for i := 1; i <= alen; i++ {
		row, prev := dp[i*w:(i+1)*w], dp[(i-1)*w:i*w]
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	total := dp[alen*w+blen]
	idx := total
	var result []byte
	computeLCS := getIdx || !getLen
	if computeLCS {
		result = make([]byte, idx)
	}
	var matches resp.Deferred
	nmatches := 0
	if getIdx {
		c.MapLen(2)
		c.BulkString("matches")
		matches = c.Defer()
	}
	// A range [aStart,aEnd] x [bStart,bEnd] grows backwards while the
	// matches are contiguous; aStart == alen means no range is open.
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	i, j := alen, blen
	for computeLCS && i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if dp[(i-1)*w+j] > dp[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			matchLen := int64(aEnd - aStart + 1)
			if getIdx && (minMatchLen == 0 || matchLen >= minMatchLen) {
				c.ArrayLen(2 + boolInt(withMatchLen))
				c.ArrayLen(2)
				c.Int(int64(aStart))
				c.Int(int64(aEnd))
				c.ArrayLen(2)
				c.Int(int64(bStart))
				c.Int(int64(bEnd))
				if withMatchLen {
					c.Int(matchLen)
				}
				nmatches++
			}
			aStart = alen
		}
	}
	switch {
	case getIdx:
		c.SetArrayLen(matches, nmatches)
		c.BulkString("len")
		c.Int(int64(total))
	case getLen:
		c.Int(int64(total))
	default:
		c.Bulk(result)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Long doubles. Redis computes INCRBYFLOAT (and HINCRBYFLOAT) in x87 long
// double, a 64-bit mantissa with a 15-bit exponent: it parses with strtold
// and prints with "%.17Lf" minus trailing zeros. A big.Float of precision
// 64 rounds exactly as the hardware does; the exponent range, which
// big.Float does not limit, is checked by hand.
const (
	ldPrec = 64
	// ldMaxExp bounds the exponent of MantExp (x = m * 2^exp, 0.5 <= |m| <
	// 1) of a finite long double.
	ldMaxExp = 16384
	// ldMinExp is the exponent of the smallest denormal, 2^-16445.
	ldMinExp = -16444
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS.
	maxLongDoubleChars = 5 * 1024
)

// parseLongDouble parses b as Redis's string2ld: strtold's syntax (decimal
// or hex, inf, infinity), the whole string (no NUL byte stops it), no
// leading space, no NaN, no overflow, no underflow to zero.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars || isSpaceByte(b[0]) {
		return nil, false
	}
	s := b
	f := new(big.Float).SetPrec(ldPrec)
	neg := s[0] == '-'
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	switch {
	case strings.EqualFold(bstr(s), "inf") || strings.EqualFold(bstr(s), "infinity"):
		return f.SetInf(neg), true
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		if !parseHexFloat(f, s[2:]) {
			return nil, false
		}
	default:
		if !parseDecimalFloat(f, s) {
			return nil, false
		}
	}
	if f.Sign() == 0 {
		return f, true
	}
	if neg {
		f.Neg(f)
	}
	mant := new(big.Float)
	exp := f.MantExp(mant)
	if exp > ldMaxExp || exp < ldMinExp-1 || exp == ldMinExp-1 && mant.Abs(mant).Cmp(big.NewFloat(0.5)) == 0 {
		return nil, false // ERANGE: overflow, or underflow to zero
	}
	return f, true
}

// scanDigits returns the length of the run of digits at the start of s.
func scanDigits(s []byte, hex bool) int {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || hex && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'f')) {
		i++
	}
	return i
}

// parseMantissa splits digits[.digits] at the start of s; n is the length
// consumed, 0 when there is no digit.
func parseMantissa(s []byte, hex bool) (digits []byte, frac int, n int) {
	ip := scanDigits(s, hex)
	digits = append(digits, s[:ip]...)
	n = ip
	if n < len(s) && s[n] == '.' {
		fp := scanDigits(s[n+1:], hex)
		digits = append(digits, s[n+1:n+1+fp]...)
		frac = fp
		n += 1 + fp
	}
	if len(digits) == 0 {
		return nil, 0, 0
	}
	return digits, frac, n
}

// parseExponent parses the [+-]digits of an exponent, saturating far
// beyond any long double's range.
func parseExponent(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || scanDigits(s, false) != len(s) {
		return 0, false
	}
	var e int64
	for _, ch := range s {
		e = min(e*10+int64(ch-'0'), 1<<40)
	}
	if neg {
		e = -e
	}
	return e, true
}

func parseDecimalFloat(f *big.Float, s []byte) bool {
	digits, frac, n := parseMantissa(s, false)
	if n == 0 {
		return false
	}
	var exp int64
	if n < len(s) {
		if s[n] != 'e' && s[n] != 'E' {
			return false
		}
		var ok bool
		if exp, ok = parseExponent(s[n+1:]); !ok {
			return false
		}
	}
	digits = bytes.TrimLeft(digits, "0")
	if len(digits) == 0 {
		return true // zero
	}
	e10 := exp - int64(frac)
	// The leading digit's power of ten: beyond the range, overflow or
	// underflow, whatever the digits.
	if lead := e10 + int64(len(digits)) - 1; lead > 4933 {
		return setOutOfRange(f, true)
	} else if lead < -4952 {
		return setOutOfRange(f, false)
	}
	m, _ := new(big.Int).SetString(string(digits), 10)
	if e10 >= 0 {
		m.Mul(m, new(big.Int).Exp(big.NewInt(10), big.NewInt(e10), nil))
		f.SetInt(m)
		return true
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(-e10), nil)
	f.Quo(new(big.Float).SetInt(m), new(big.Float).SetInt(den))
	return true
}

// setOutOfRange sets f to a value beyond the long double range, too large
// or too small, for the range check to reject.
func setOutOfRange(f *big.Float, large bool) bool {
	exp := ldMinExp - 2
	if large {
		exp = ldMaxExp + 2
	}
	f.SetMantExp(big.NewFloat(0.5), exp)
	return true
}

func parseHexFloat(f *big.Float, s []byte) bool {
	digits, frac, n := parseMantissa(s, true)
	if n == 0 {
		return false
	}
	var exp int64
	if n < len(s) {
		if s[n] != 'p' && s[n] != 'P' {
			return false
		}
		var ok bool
		if exp, ok = parseExponent(s[n+1:]); !ok {
			return false
		}
	}
	m, _ := new(big.Int).SetString(string(digits), 16)
	if m.Sign() == 0 {
		return true
	}
	e2 := exp - 4*int64(frac)
	if lead := e2 + int64(m.BitLen()); lead > ldMaxExp+1 {
		return setOutOfRange(f, true)
	} else if lead < ldMinExp-2 {
		return setOutOfRange(f, false)
	}
	f.SetMantExp(new(big.Float).SetInt(m), int(e2))
	return true
}

// addLongDouble returns a+b rounded to a long double; ok is false when the
// sum is NaN or infinite.
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	sum := new(big.Float).SetPrec(ldPrec).Add(a, b)
	if sum.Sign() != 0 && sum.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return sum, true
}

// appendLongDouble formats f as Redis's ld2string in human mode: "%.17Lf"
// with the trailing zeros (and point) removed, and "-0" as "0".
func appendLongDouble(dst []byte, f *big.Float) []byte {
	start := len(dst)
	dst = f.Append(dst, 'f', 17)
	if bytes.IndexByte(dst[start:], '.') >= 0 {
		dst = bytes.TrimRight(dst, "0")
		dst = bytes.TrimSuffix(dst, []byte("."))
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
