package db

// Type-agnostic keyspace commands, as Redis's db.c and object.c: DEL,
// UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, DBSIZE, RENAME(NX), MOVE,
// COPY, SWAPDB, FLUSHDB, FLUSHALL, TOUCH and OBJECT.
//
// Reads go through LookupRead, so they count keyspace hits and misses and
// expire what they find expired, as Redis's lookupKeyRead with
// LOOKUP_NOTOUCH does for EXISTS, TYPE, TTL and OBJECT.

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/redis-go/redis-server/glob"
)

func init() {
	register("del", delCommand)
	register("unlink", unlinkCommand)
	register("exists", existsCommand)
	register("type", typeCommand)
	register("keys", keysCommand)
	register("scan", scanCommand)
	register("randomkey", randomkeyCommand)
	register("dbsize", dbsizeCommand)
	register("rename", renameCommand)
	register("renamenx", renamenxCommand)
	register("move", moveCommand)
	register("copy", copyCommand)
	register("swapdb", swapdbCommand)
	register("flushdb", flushdbCommand)
	register("flushall", flushallCommand)
	register("touch", touchCommand)
	register("object|encoding", objectEncodingCommand)
	register("object|refcount", objectRefcountCommand)
	register("object|idletime", objectIdletimeCommand)
	register("object|freq", objectFreqCommand)
	register("object|help", objectHelpCommand)
}

// keyBytes views a key of the dict as bytes without copying. The bytes
// must never be written: they are the key's string.
func keyBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// errIntRange is getIntFromObjectOrReply's error for an integer beyond a C
// int.
const errIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// intArg parses an argument that Redis reads as a C int
// (getIntFromObjectOrReply), replying its error if it is not one.
func intArg(c *Client, b []byte) (int, bool) {
	n, ok := ParseInt(b)
	if !ok {
		c.Error(ErrNotInteger)
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.Error(errIntRange)
		return 0, false
	}
	return int(n), true
}

// dbArg resolves a DB index argument, replying the error Redis gives for a
// bad one.
func dbArg(c *Client, b []byte) (*DB, bool) {
	id, ok := intArg(c, b)
	if !ok {
		return nil, false
	}
	if id < 0 || id >= len(c.srv.DBs) {
		c.Error(ErrDBIndex)
		return nil, false
	}
	return c.srv.DBs[id], true
}

func delCommand(c *Client)    { delGeneric(c, c.srv.lazyUserDel) }
func unlinkCommand(c *Client) { delGeneric(c, true) }

// delGeneric is DEL and UNLINK: values are freed by the garbage collector
// either way. A key found expired is deleted (and its DEL propagated) by
// the expiry, and does not count.
func delGeneric(c *Client, lazy bool) {
	db := c.DB
	n := 0
	for _, key := range c.Argv[1:] {
		db.expireIfNeededForWrite(key)
		var v any
		if lazy {
			v = db.Peek(key)
		}
		if db.Delete(key) {
			c.srv.lazyFreed(v)
			c.srv.notifyKeyspaceEvent(NotifyGeneric, "del", key, db.ID)
			c.srv.Dirty++
			n++
		}
	}
	c.Int(int64(n))
}

// existsCommand counts a key once per time it is named. It leaves the
// access clocks alone; TOUCH, the same count, updates them.
func existsCommand(c *Client) { countKeys(c, c.DB.LookupReadNoTouch) }

func touchCommand(c *Client) { countKeys(c, c.DB.LookupRead) }

func countKeys(c *Client, lookup func(key []byte) any) {
	n := 0
	for _, key := range c.Argv[1:] {
		if lookup(key) != nil {
			n++
		}
	}
	c.Int(int64(n))
}

func typeCommand(c *Client) { c.Status(TypeName(c.DB.LookupReadNoTouch(c.Argv[1]))) }

func dbsizeCommand(c *Client) { c.Int(int64(c.DB.Len())) }

func randomkeyCommand(c *Client) {
	key, ok := c.DB.RandomKey()
	if !ok {
		c.Null()
		return
	}
	c.BulkString(key)
}

// keysCommand walks the whole dict. Logically expired keys are skipped but
// not deleted: the walk must not change the dict.
func keysCommand(c *Client) {
	pattern := c.Argv[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	db := c.DB
	d := c.Defer()
	n := 0
	db.Each(func(key string, _ any) bool {
		kb := keyBytes(key)
		if (all || glob.Match(pattern, kb, false)) && !db.isExpired(kb) {
			c.BulkString(key)
			n++
		}
		return true
	})
	c.SetArrayLen(d, n)
}

// parseScanCursor parses a cursor as Redis does with strtoul: an optional
// sign ("-1" wraps to 2^64-1), decimal digits, nothing else; the empty
// string is cursor 0.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	p := b
	switch p[0] {
	case '-':
		neg = true
		p = p[1:]
	case '+':
		p = p[1:]
	}
	if len(p) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range p {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanCommand is Redis's scanGenericCommand for the keyspace: visit buckets
// from the cursor until COUNT keys were gathered (or ten times COUNT
// buckets were visited), then filter by MATCH, TYPE and expiry.
func scanCommand(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[1])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	count := int64(10)
	var pattern, typeName []byte
	usePattern, useType := false, false
	for i := 2; i < len(c.Argv); i += 2 {
		more := len(c.Argv) - i
		switch {
		case c.ArgIs(i, "count") && more >= 2:
			n, ok := ParseInt(c.Argv[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n < 1 {
				c.Error(ErrSyntax)
				return
			}
			count = n
		case c.ArgIs(i, "match") && more >= 2:
			pattern = c.Argv[i+1]
			usePattern = !(len(pattern) == 1 && pattern[0] == '*')
		case c.ArgIs(i, "type") && more >= 2:
			typeName = c.Argv[i+1]
			useType = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}

	db := c.DB
	keys := make([]string, 0, min(count, 64))
	collect := func(key string, _ any) { keys = append(keys, key) }
	for maxIter := count * 10; ; maxIter-- {
		cursor = db.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(keys)) >= count {
			break
		}
	}

	kept := keys[:0]
	for _, key := range keys {
		kb := keyBytes(key)
		if usePattern && !glob.Match(pattern, kb, false) {
			continue
		}
		if useType && !strings.EqualFold(bstr(typeName), TypeName(db.LookupReadNoTouch(kb))) {
			continue
		}
		if db.expireIfNeeded(kb) {
			continue
		}
		kept = append(kept, key)
	}

	c.ArrayLen(2)
	var buf [20]byte
	c.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	c.ArrayLen(len(kept))
	for _, key := range kept {
		c.BulkString(key)
	}
}

func renameCommand(c *Client)   { renameGeneric(c, false) }
func renamenxCommand(c *Client) { renameGeneric(c, true) }

// renameGeneric moves the value and the expire time of a key to another
// name, replacing what is there (RENAME) or not (RENAMENX). Renaming a key
// to itself only checks that it exists.
func renameGeneric(c *Client, nx bool) {
	src, dst := c.Argv[1], c.Argv[2]
	db := c.DB
	v := db.LookupWrite(src)
	if v == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.Int(0)
		} else {
			c.OK()
		}
		return
	}
	expire := db.Expire(src)
	if db.LookupWrite(dst) != nil {
		if nx {
			c.Int(0)
			return
		}
		db.Delete(dst)
	}
	clock, _ := db.Clock(src) // the value moves with its access clock
	db.AddWithClock(dst, v, clock)
	if expire != -1 {
		db.SetExpire(dst, expire)
	}
	db.Delete(src)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "rename_from", src, db.ID)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "rename_to", dst, db.ID)
	c.srv.Dirty++
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

// moveCommand moves a key, with its expire time, to another db unless the
// name is taken there.
func moveCommand(c *Client) {
	if c.srv.clusterEnabled {
		c.Error(ErrMoveCluster)
		return
	}
	key := c.Argv[1]
	src := c.DB
	dst, ok := dbArg(c, c.Argv[2])
	if !ok {
		return
	}
	if dst == src {
		c.Error(ErrSameObject)
		return
	}
	v := src.LookupWrite(key)
	if v == nil {
		c.Int(0)
		return
	}
	expire := src.Expire(key)
	if dst.LookupWrite(key) != nil {
		c.Int(0)
		return
	}
	clock, _ := src.Clock(key)
	dst.AddWithClock(key, v, clock)
	if expire != -1 {
		dst.SetExpire(key, expire)
	}
	src.Delete(key)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "move_from", key, src.ID)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "move_to", key, dst.ID)
	c.srv.Dirty++
	c.Int(1)
}

// copyCommand is COPY source destination [DB db] [REPLACE]: a deep copy,
// expire time included.
func copyCommand(c *Client) {
	src, dst := c.DB, c.DB
	replace := false
	for j := 3; j < len(c.Argv); j++ {
		switch {
		case c.ArgIs(j, "replace"):
			replace = true
		case c.ArgIs(j, "db") && j+1 < len(c.Argv):
			db, ok := dbArg(c, c.Argv[j+1])
			if !ok {
				return
			}
			dst = db
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if c.srv.clusterEnabled && (src.ID != 0 || dst.ID != 0) {
		c.Error(ErrCopyCluster)
		return
	}
	key, newkey := c.Argv[1], c.Argv[2]
	if src == dst && bytes.Equal(key, newkey) {
		c.Error(ErrSameObject)
		return
	}
	v := src.LookupRead(key)
	if v == nil {
		c.Int(0)
		return
	}
	expire := src.Expire(key)
	if dst.LookupWrite(newkey) != nil {
		if !replace {
			c.Int(0)
			return
		}
		dst.Delete(newkey)
	}
	dst.Add(newkey, CloneValue(v))
	if expire != -1 {
		dst.SetExpire(newkey, expire)
	}
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "copy_to", newkey, dst.ID)
	c.srv.Dirty++
	c.Int(1)
}

// swapdbCommand exchanges the contents of two databases. Clients stay on
// their db number and see the other data set; so do WATCHed keys, which
// are touched when the key exists on either side.
func swapdbCommand(c *Client) {
	if c.srv.clusterEnabled {
		c.Error(ErrSwapdbCluster)
		return
	}
	id1, ok := ParseInt(c.Argv[1])
	if !ok || id1 < math.MinInt32 || id1 > math.MaxInt32 {
		c.Error("ERR invalid first DB index")
		return
	}
	id2, ok := ParseInt(c.Argv[2])
	if !ok || id2 < math.MinInt32 || id2 > math.MaxInt32 {
		c.Error("ERR invalid second DB index")
		return
	}
	s := c.srv
	if id1 < 0 || id1 >= int64(len(s.DBs)) || id2 < 0 || id2 >= int64(len(s.DBs)) {
		c.Error(ErrDBIndex)
		return
	}
	if id1 != id2 {
		db1, db2 := s.DBs[id1], s.DBs[id2]
		s.touchWatchedKeysReplaced(db1, db2)
		s.touchWatchedKeysReplaced(db2, db1)
		db1.swap(db2)
		// A client blocked on a key of db1 or db2 may find it now.
		s.scanDatabaseForReadyKeys(db1)
		s.scanDatabaseForReadyKeys(db2)
	}
	s.Dirty++
	c.OK()
}

// flushArgsOK checks FLUSHDB/FLUSHALL's [ASYNC|SYNC]. Both free in the
// background in effect: dropping the dicts leaves the work to the garbage
// collector.
func flushArgsOK(c *Client) bool {
	if len(c.Argv) == 1 || len(c.Argv) == 2 && (c.ArgIs(1, "sync") || c.ArgIs(1, "async")) {
		return true
	}
	c.Error(ErrSyntax)
	return false
}

// flushAsync reports whether a FLUSHDB/FLUSHALL is asynchronous for
// Redis: ASYNC, or neither argument with lazyfree-lazy-user-flush.
func flushAsync(c *Client) bool {
	if len(c.Argv) == 2 {
		return c.ArgIs(1, "async")
	}
	return c.srv.Config.Bool("lazyfree-lazy-user-flush")
}

// flushDB empties db for FLUSHDB/FLUSHALL: the keys removed, counted in
// lazyfreed_objects when async, as Redis's emptyDbAsync counts them.
func (s *Server) flushDB(db *DB, async bool) int {
	n := db.Flush()
	if async {
		s.Stats.LazyfreedObjects += int64(n)
	}
	return n
}

// flushdbCommand empties the current db. It is propagated even when the db
// was already empty.
func flushdbCommand(c *Client) {
	if !flushArgsOK(c) {
		return
	}
	c.srv.touchWatchedKeysReplaced(c.DB, nil)
	c.srv.trackingInvalidateKeysOnFlush()
	c.srv.Dirty += int64(c.srv.flushDB(c.DB, flushAsync(c)))
	c.forcePropagate = PropagateAll
	c.OK()
}

// flushallCommand empties every db. Dirty grows by the number of keys
// removed (Redis 7.0 adds nothing for FLUSHALL itself); it is propagated
// even when there was nothing to remove.
func flushallCommand(c *Client) {
	if !flushArgsOK(c) {
		return
	}
	s := c.srv
	s.trackingInvalidateKeysOnFlush()
	async := flushAsync(c)
	for _, db := range s.DBs {
		s.touchWatchedKeysReplaced(db, nil)
		s.Dirty += int64(s.flushDB(db, async))
	}
	// Persistence then stops a snapshot in progress and, when save points
	// are configured, saves the empty data set at once (keeping Dirty as
	// it is, so that FLUSHALL is still propagated).
	for _, fn := range s.flushallHooks {
		fn()
	}
	c.forcePropagate = PropagateAll
	c.OK()
}

// OBJECT subcommands. OBJECT looks keys up without touching their access
// clock (LOOKUP_NOTOUCH): IDLETIME and FREQ read it (evict.go).

const (
	sharedRefcount  = math.MaxInt32 // OBJ_SHARED_REFCOUNT
	sharedIntegers  = 10000         // OBJ_SHARED_INTEGERS
	errLFUSelected  = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUNotActive = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// objectArg looks up OBJECT's key, replying a null when it is missing.
func objectArg(c *Client) any {
	v := c.DB.LookupReadNoTouch(c.Argv[2])
	if v == nil {
		c.Null()
	}
	return v
}

func objectEncodingCommand(c *Client) {
	if v := objectArg(c); v != nil {
		c.BulkString(EncodingName(v))
	}
}

// objectRefcountCommand answers as Redis does for its shared integers
// 0..9999, which every small integer string uses unless maxmemory is set
// with an LRU or LFU policy.
func objectRefcountCommand(c *Client) {
	v := objectArg(c)
	if v == nil {
		return
	}
	if n, ok := v.(int64); ok && n >= 0 && n < sharedIntegers && sharesIntegers(c.srv) {
		c.Int(sharedRefcount)
		return
	}
	c.Int(1)
}

func sharesIntegers(s *Server) bool {
	if s.Config.Int("maxmemory") == 0 {
		return true
	}
	policy := s.Config.String("maxmemory-policy")
	return !strings.HasSuffix(policy, "-lru") && !strings.HasSuffix(policy, "-lfu")
}

func objectIdletimeCommand(c *Client) {
	if objectArg(c) == nil {
		return
	}
	if c.srv.lfuPolicy() {
		c.Error(errLFUSelected)
		return
	}
	clock, _ := c.DB.Clock(c.Argv[2])
	c.Int(c.srv.idleSeconds(clock))
}

func objectFreqCommand(c *Client) {
	if objectArg(c) == nil {
		return
	}
	if !c.srv.lfuPolicy() {
		c.Error(errLFUNotActive)
		return
	}
	clock, _ := c.DB.Clock(c.Argv[2])
	c.Int(c.srv.freq(clock))
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

func objectHelpCommand(c *Client) {
	c.ArrayLen(len(objectHelp))
	for _, line := range objectHelp {
		c.Status(line)
	}
}
