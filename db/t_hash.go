package db

// Hash commands, as Redis 7.0's t_hash.c.
//
// A hash is a *Hash in one of two encodings, chosen by the same rules and
// thresholds as Redis so that OBJECT ENCODING answers alike:
//
//   - "listpack": field, value, field, value ... in a Listpack, in insertion
//     order, while the hash has at most hash-max-listpack-entries fields and
//     no field or value longer than hash-max-listpack-value bytes. The bytes
//     are Redis's, so the RDB writer dumps them as they are.
//   - "hashtable": a Dict from field to value. The field and value of an
//     entry share one allocation (hashPair), which keeps a 1M-field hash
//     close to Redis's size. A hash never goes back to listpack.
//
// For the RDB loader and writer:
//
//	NewHash()                       an empty listpack hash
//	NewHashFromListpack(lp)         a hash over a listpack (validated by the caller)
//	NewHashTable(cow, n)            an empty hashtable hash presized for n fields
//	(*Hash).Set(b, field, value)    add or update a field, converting as HSET does
//	(*Hash).Each(fn)                every field and value (borrowed bytes)
//	(*Hash).Listpack()              the listpack, or nil for a hashtable
//	(*Hash).Len()                   the number of fields

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/redis-go/redis-server/glob"
	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
)

func init() {
	register("hset", hsetCommand)
	register("hmset", hsetCommand)
	register("hsetnx", hsetnxCommand)
	register("hget", hgetCommand)
	register("hmget", hmgetCommand)
	register("hgetall", hgetallCommand)
	register("hkeys", hkeysCommand)
	register("hvals", hvalsCommand)
	register("hdel", hdelCommand)
	register("hlen", hlenCommand)
	register("hexists", hexistsCommand)
	register("hstrlen", hstrlenCommand)
	register("hincrby", hincrbyCommand)
	register("hincrbyfloat", hincrbyfloatCommand)
	register("hrandfield", hrandfieldCommand)
	register("hscan", hscanCommand)
}

// hashSetLimits are the encoding thresholds of hashes and sets, read from
// the configuration by loadSettings.
type hashSetLimits struct {
	hashEntries int // hash-max-listpack-entries
	hashValue   int // hash-max-listpack-value
	setIntset   int // set-max-intset-entries, capped at 2^30 as Redis
}

func (s *Server) loadHashSetLimits() {
	s.hashSet = hashSetLimits{
		hashEntries: int(s.Config.Int("hash-max-listpack-entries")),
		hashValue:   int(s.Config.Int("hash-max-listpack-value")),
		setIntset:   int(min(s.Config.Int("set-max-intset-entries"), 1<<30)),
	}
}

// Hash is a hash value: exactly one of lp and d is set.
type Hash struct {
	lp    *listpack.Listpack
	d     *dict.Dict[string]
	elems int    // with d: what Redis allocates for its entries (memSize)
	epoch uint32 // see cowObject
	counted
}

// NewHash returns an empty hash in listpack encoding.
func NewHash() *Hash { return &Hash{lp: listpack.New()} }

// NewHashFromListpack returns a hash over lp, which holds field, value
// pairs and is owned by the hash from now on.
func NewHashFromListpack(lp *listpack.Listpack) *Hash { return &Hash{lp: lp} }

// NewHashTable returns an empty hash in hashtable encoding, presized for n
// fields.
func NewHashTable(cow *COW, n int) *Hash {
	d := dict.New[string](cow)
	d.Expand(n)
	return &Hash{d: d}
}

// Type implements Object.
func (h *Hash) Type() string { return "hash" }

func (h *Hash) cowEpoch() uint32     { return h.epoch }
func (h *Hash) rehashForced() bool   { return h.d != nil && h.d.RehashForced() }
func (h *Hash) setCOWEpoch(e uint32) { h.epoch = e }

// detach returns a copy the loop may change while a snapshot reads h: the
// listpack is copied, a dict is forked (its segments are copied on write).
func (h *Hash) detach(cow *COW) Object {
	if h.lp != nil {
		cow.Copied += int64(h.lp.Size())
		return &Hash{lp: h.lp.Clone(), counted: h.counted}
	}
	return &Hash{d: h.d.Fork(), elems: h.elems, counted: h.counted}
}

// Encoding implements Object.
func (h *Hash) Encoding() string {
	if h.lp != nil {
		return "listpack"
	}
	return "hashtable"
}

// Clone implements Object.
func (h *Hash) Clone() Object {
	if h.lp != nil {
		return &Hash{lp: h.lp.Clone()}
	}
	d := dict.New[string](h.d.COW())
	d.Expand(h.d.Len())
	h.d.Each(func(k, v string) bool {
		fk, fv := hashPair(keyBytes(k), keyBytes(v))
		d.Set(fk, fv)
		return true
	})
	return &Hash{d: d, elems: h.elems}
}

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.lp != nil {
		return h.lp.Len() / 2
	}
	return h.d.Len()
}

// Listpack returns the listpack of a listpack-encoded hash, else nil.
func (h *Hash) Listpack() *listpack.Listpack { return h.lp }

// memSize is what Redis allocates for the hash, as objectComputeSize
// counting every field (MEMORY USAGE ... SAMPLES 0), in O(1).
func (h *Hash) memSize() int {
	if h.lp != nil {
		return robjSize + jemalloc.Size(h.lp.Size())
	}
	return robjSize + dictStructSize + pointerSize*int(h.d.TargetBuckets()) + h.elems
}

// allocSize is memSize with the dict entries as jemalloc allocates them.
func (h *Hash) allocSize() int {
	if h.lp != nil {
		return h.memSize()
	}
	return h.memSize() + entrySlack(h.d.Len())
}

// sampledSize is objectComputeSize with samples > 0: the table and the
// average of the first fields times the fields.
func (h *Hash) sampledSize(samples int) int {
	if h.lp != nil {
		return h.memSize()
	}
	size := robjSize + dictStructSize + pointerSize*int(h.d.Buckets())
	n, elesize := 0, 0
	h.d.Each(func(k, v string) bool {
		elesize += hashEntryMem(len(k), len(v))
		n++
		return n < samples
	})
	if n > 0 {
		size += int(float64(elesize) / float64(n) * float64(h.d.Len()))
	}
	return size
}

// hashEntryMem is what Redis allocates for a field of a hashtable hash:
// the dict entry and two sds strings.
func hashEntryMem(field, value int) int {
	return dictEntrySize + jemalloc.SdsSize(field) + jemalloc.SdsSize(value)
}

// hashPair copies a field and its value into one allocation and returns
// them as strings for the dict: the entry's key and value share it.
func hashPair(field, value []byte) (string, string) {
	n := len(field) + len(value)
	if n == 0 {
		return "", ""
	}
	b := make([]byte, n)
	copy(b, field)
	copy(b[len(field):], value)
	s := unsafe.String(&b[0], n)
	return s[:len(field)], s[len(field):]
}

// lpEntry returns the listpack entry at p as bytes, formatting an integer
// into buf.
func lpEntry(lp *listpack.Listpack, p int, buf *[20]byte) []byte {
	s, n, isInt := lp.Get(p)
	if isInt {
		return strconv.AppendInt(buf[:0], n, 10)
	}
	return s
}

// get returns the value of field, formatted into buf for a listpack
// integer, else borrowed from the hash.
func (h *Hash) get(field []byte, buf *[20]byte) ([]byte, bool) {
	if lp := h.lp; lp != nil {
		p := lp.Find(lp.First(), field, 1)
		if p < 0 {
			return nil, false
		}
		return lpEntry(lp, lp.Next(p), buf), true
	}
	v, ok := h.d.Find(bstr(field))
	return keyBytes(v), ok
}

// exists reports whether field is in the hash.
func (h *Hash) exists(field []byte) bool {
	if lp := h.lp; lp != nil {
		return lp.Find(lp.First(), field, 1) >= 0
	}
	_, ok := h.d.Find(bstr(field))
	return ok
}

// Each calls fn for every field and value until fn returns false. The
// bytes are borrowed: valid during the call only, never to be modified.
func (h *Hash) Each(fn func(field, value []byte) bool) {
	if lp := h.lp; lp != nil {
		var fb, vb [20]byte
		for p := lp.First(); p >= 0; {
			vp := lp.Next(p)
			if !fn(lpEntry(lp, p, &fb), lpEntry(lp, vp, &vb)) {
				return
			}
			p = lp.Next(vp)
		}
		return
	}
	h.d.Each(func(k, v string) bool { return fn(keyBytes(k), keyBytes(v)) })
}

// Set adds or updates field with value, converting the encoding as HSET
// does, and reports whether the field is new. The bytes are copied.
func (h *Hash) Set(b *Builder, field, value []byte) bool {
	return h.set(field, value, &b.hashSet, b.cow)
}

// tryConversion converts a listpack hash about to receive args (fields
// and values) if one of them is too long for it, as hashTypeTryConversion.
func (h *Hash) tryConversion(args [][]byte, lim *hashSetLimits, cow *COW) {
	if h.lp == nil {
		return
	}
	sum := 0
	for _, a := range args {
		if len(a) > lim.hashValue {
			h.convert(cow)
			return
		}
		sum += len(a)
	}
	if h.lp.Size()+sum > listpack.MaxSafetySize {
		h.convert(cow)
	}
}

// set is hashTypeSet: field and value are copied.
func (h *Hash) set(field, value []byte, lim *hashSetLimits, cow *COW) bool {
	if h.lp != nil && (len(field) > lim.hashValue || len(value) > lim.hashValue) {
		h.convert(cow)
	}
	if lp := h.lp; lp != nil {
		if p := lp.Find(lp.First(), field, 1); p >= 0 {
			lp.Replace(lp.Next(p), value)
			return false
		}
		lp.Append(field)
		lp.Append(value)
		if lp.Len()/2 > lim.hashEntries {
			h.convert(cow)
		}
		return true
	}
	k := bstr(field)
	if old, ok := h.d.Find(k); ok {
		// An existing key is not stored again: k may be borrowed.
		h.d.Set(k, string(value))
		h.elems += jemalloc.SdsSize(len(value)) - jemalloc.SdsSize(len(old))
		return false
	}
	fk, fv := hashPair(field, value)
	h.d.Set(fk, fv)
	h.elems += hashEntryMem(len(fk), len(fv))
	return true
}

// del removes field and reports whether it was there.
func (h *Hash) del(field []byte) bool {
	if lp := h.lp; lp != nil {
		p := lp.Find(lp.First(), field, 1)
		if p < 0 {
			return false
		}
		lp.Delete(lp.Delete(p))
		return true
	}
	old, ok := h.d.Delete(bstr(field))
	if ok {
		h.elems -= hashEntryMem(len(field), len(old))
	}
	return ok
}

// convert turns a listpack hash into a hashtable one.
func (h *Hash) convert(cow *COW) {
	lp := h.lp
	d := dict.New[string](cow)
	d.Expand(lp.Len() / 2)
	elems := 0
	h.Each(func(field, value []byte) bool {
		fk, fv := hashPair(field, value)
		d.Set(fk, fv)
		elems += hashEntryMem(len(fk), len(fv))
		return true
	})
	h.lp, h.d, h.elems = nil, d, elems
}

// lookupHashRead returns the hash at key for a read, nil if missing; ok is
// false (after the error reply) for a key of another type.
func lookupHashRead(c *Client, key []byte) (h *Hash, ok bool) {
	switch v := c.DB.LookupRead(key).(type) {
	case nil:
		return nil, true
	case *Hash:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// lookupHashWrite returns the hash at key for a write, creating it when
// missing (hashTypeLookupWriteOrCreate).
func lookupHashWrite(c *Client, key []byte) (*Hash, bool) {
	switch v := c.DB.LookupWrite(key).(type) {
	case nil:
		h := NewHash()
		c.DB.Add(key, h)
		return h, true
	case *Hash:
		return v, true
	}
	c.Error(ErrWrongType)
	return nil, false
}

// replyLpEntry replies with the listpack entry at p as a bulk string.
func replyLpEntry(c *Client, lp *listpack.Listpack, p int) {
	s, n, isInt := lp.Get(p)
	if isInt {
		c.BulkInt(n)
	} else {
		c.Bulk(s)
	}
}

// hsetCommand is HSET and HMSET: they differ only in their reply.
func hsetCommand(c *Client) {
	if len(c.Argv)%2 == 1 {
		c.ErrorArity()
		return
	}
	key := c.Argv[1]
	h, ok := lookupHashWrite(c, key)
	if !ok {
		return
	}
	s := c.srv
	h.tryConversion(c.Argv[2:], &s.hashSet, s.COW)
	created := 0
	for i := 2; i < len(c.Argv); i += 2 {
		if h.set(c.Argv[i], c.Argv[i+1], &s.hashSet, s.COW) {
			created++
		}
	}
	if c.Cmd.Name == "hmset" {
		c.OK()
	} else {
		c.Int(int64(created))
	}
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyHash, "hset", key, c.DB.ID)
	s.Dirty += int64(len(c.Argv)-2) / 2
}

func hsetnxCommand(c *Client) {
	key := c.Argv[1]
	h, ok := lookupHashWrite(c, key)
	if !ok {
		return
	}
	s := c.srv
	if h.exists(c.Argv[2]) {
		c.Int(0)
		return
	}
	h.tryConversion(c.Argv[2:4], &s.hashSet, s.COW)
	h.set(c.Argv[2], c.Argv[3], &s.hashSet, s.COW)
	c.Int(1)
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyHash, "hset", key, c.DB.ID)
	s.Dirty++
}

func hgetCommand(c *Client) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Null()
		return
	}
	var buf [20]byte
	if v, found := h.get(c.Argv[2], &buf); found {
		c.Bulk(v)
	} else {
		c.Null()
	}
}

func hmgetCommand(c *Client) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	var buf [20]byte
	for _, field := range c.Argv[2:] {
		if h == nil {
			c.Null()
		} else if v, found := h.get(field, &buf); found {
			c.Bulk(v)
		} else {
			c.Null()
		}
	}
}

func hgetallCommand(c *Client) { hgetallGeneric(c, true, true) }
func hkeysCommand(c *Client)   { hgetallGeneric(c, true, false) }
func hvalsCommand(c *Client)   { hgetallGeneric(c, false, true) }

// hgetallGeneric replies with the fields and/or values: a map for both (an
// array of pairs in RESP2), else an array.
func hgetallGeneric(c *Client, fields, values bool) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.MapLen(n)
	} else {
		c.ArrayLen(n)
	}
	if h == nil {
		return
	}
	if lp := h.lp; lp != nil {
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			if fields {
				replyLpEntry(c, lp, p)
			}
			p = lp.Next(p)
			if values {
				replyLpEntry(c, lp, p)
			}
		}
		return
	}
	h.d.Each(func(k, v string) bool {
		if fields {
			c.BulkString(k)
		}
		if values {
			c.BulkString(v)
		}
		return true
	})
}

func hdelCommand(c *Client) {
	key := c.Argv[1]
	v := c.DB.LookupWrite(key)
	if v == nil {
		c.Int(0)
		return
	}
	h, ok := v.(*Hash)
	if !ok {
		c.Error(ErrWrongType)
		return
	}
	deleted, removed := 0, false
	for _, field := range c.Argv[2:] {
		if h.del(field) {
			deleted++
			if h.Len() == 0 {
				c.DB.Delete(key)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		s := c.srv
		s.signalModifiedKey(c.DB, key)
		s.notifyKeyspaceEvent(NotifyHash, "hdel", key, c.DB.ID)
		if removed {
			s.notifyKeyspaceEvent(NotifyGeneric, "del", key, c.DB.ID)
		}
		s.Dirty += int64(deleted)
	}
	c.Int(int64(deleted))
}

func hlenCommand(c *Client) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Int(0)
		return
	}
	c.Int(int64(h.Len()))
}

func hexistsCommand(c *Client) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.Int(int64(boolInt(h != nil && h.exists(c.Argv[2]))))
}

func hstrlenCommand(c *Client) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	var buf [20]byte
	n := 0
	if h != nil {
		v, _ := h.get(c.Argv[2], &buf)
		n = len(v)
	}
	c.Int(int64(n))
}

func hincrbyCommand(c *Client) {
	incr, ok := c.IntArg(3)
	if !ok {
		return
	}
	key, field := c.Argv[1], c.Argv[2]
	h, ok := lookupHashWrite(c, key)
	if !ok {
		return
	}
	var buf [20]byte
	cur := int64(0)
	if v, found := h.get(field, &buf); found {
		if cur, ok = ParseInt(v); !ok {
			c.Error("ERR hash value is not an integer")
			return
		}
	}
	if incr < 0 && cur < 0 && incr < minInt64-cur || incr > 0 && cur > 0 && incr > maxInt64-cur {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	s := c.srv
	h.set(field, strconv.AppendInt(buf[:0], cur, 10), &s.hashSet, s.COW)
	c.Int(cur)
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyHash, "hincrby", key, c.DB.ID)
	s.Dirty++
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// hincrbyfloatCommand computes in long double, as Redis, and propagates as
// HSET key field <result> so that replicas store the same bytes.
func hincrbyfloatCommand(c *Client) {
	incr, ok := parseLongDouble(c.Argv[3])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error("ERR value is NaN or Infinity")
		return
	}
	key, field := c.Argv[1], c.Argv[2]
	h, ok := lookupHashWrite(c, key)
	if !ok {
		return
	}
	var buf [20]byte
	var cur *big.Float
	if v, found := h.get(field, &buf); found {
		if cur, ok = parseLongDouble(v); !ok {
			c.Error("ERR hash value is not a float")
			return
		}
	}
	sum := incr
	if cur != nil {
		if sum, ok = addLongDouble(cur, incr); !ok {
			c.Error("ERR increment would produce NaN or Infinity")
			return
		}
	}
	res := appendLongDouble(nil, sum)
	s := c.srv
	h.set(field, res, &s.hashSet, s.COW)
	c.Bulk(res)
	s.signalModifiedKey(c.DB, key)
	s.notifyKeyspaceEvent(NotifyHash, "hincrbyfloat", key, c.DB.ID)
	s.Dirty++
	c.RewriteArgv(argHSET, key, field, res)
}

var argHSET = []byte("HSET")

// randCountArgs parses the count and the WITHVALUES / WITHSCORES option
// of HRANDFIELD and ZRANDMEMBER, replying the error if they are wrong.
func randCountArgs(c *Client, with string) (count int64, withOpt, ok bool) {
	count, ok = argLongInRange(c, 2, -maxInt64, maxInt64, "")
	if !ok {
		return 0, false, false
	}
	if len(c.Argv) > 4 || len(c.Argv) == 4 && !optIs(c.Argv[3], with) {
		c.Error(ErrSyntax)
		return 0, false, false
	}
	if len(c.Argv) == 4 {
		if count < -maxInt64/2 || count > maxInt64/2 {
			c.Error("ERR value is out of range")
			return 0, false, false
		}
		withOpt = true
	}
	return count, withOpt, true
}

// Redis's thresholds for the strategies of HRANDFIELD and SRANDMEMBER.
const randSubStrategyMul = 3

func hrandfieldCommand(c *Client) {
	if len(c.Argv) >= 3 {
		l, withValues, ok := randCountArgs(c, "withvalues")
		if !ok {
			return
		}
		hrandfieldWithCount(c, l, withValues)
		return
	}
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Null()
		return
	}
	if lp := h.lp; lp != nil {
		replyLpEntry(c, lp, lp.Seek(2*rand.IntN(h.Len())))
		return
	}
	k, _ := dictFairRandom(h.d)
	c.BulkString(k)
}

// fairRandomSample is GETFAIR_NUM_ENTRIES.
const fairRandomSample = 15

// dictFairRandom is dictGetFairRandomKey: a random entry among a sample of
// consecutive buckets, which evens out the bias of picking a bucket first
// (an entry in a long chain is otherwise less likely). d must not be empty.
func dictFairRandom[V any](d *dict.Dict[V]) (string, V) {
	var keys [fairRandomSample]string
	var vals [fairRandomSample]V
	n := 0
	d.Sample(fairRandomSample, func(k string, v V) {
		if n < fairRandomSample {
			keys[n], vals[n] = k, v
			n++
		}
	})
	if n == 0 {
		k, v, _ := d.Random()
		return k, v
	}
	i := rand.IntN(n)
	return keys[i], vals[i]
}

// hrandReply writes the pairs of HRANDFIELD: a field, or a field and its
// value (flat in RESP2, as a two-element array in RESP3).
type hrandReply struct {
	c          *Client
	withValues bool
}

func (r hrandReply) header(n uint64) {
	if r.withValues && r.c.Proto == 2 {
		n *= 2
	}
	r.c.ArrayLen(int(n))
}

func (r hrandReply) lp(lp *listpack.Listpack, p int) {
	if r.withValues && r.c.Proto > 2 {
		r.c.ArrayLen(2)
	}
	replyLpEntry(r.c, lp, p)
	if r.withValues {
		replyLpEntry(r.c, lp, lp.Next(p))
	}
}

func (r hrandReply) pair(k, v string) {
	if r.withValues && r.c.Proto > 2 {
		r.c.ArrayLen(2)
	}
	r.c.BulkString(k)
	if r.withValues {
		r.c.BulkString(v)
	}
}

// lpFieldPositions returns the positions of the fields of a hash listpack.
func lpFieldPositions(lp *listpack.Listpack) []int {
	pos := make([]int, 0, lp.Len()/2)
	for p := lp.First(); p >= 0; p = lp.Next(lp.Next(p)) {
		pos = append(pos, p)
	}
	return pos
}

type hashPairStr struct{ k, v string }

// hrandfieldWithCount is Redis's hrandfieldWithCountCommand and its four
// cases: a negative count samples with repetitions; a count covering the
// hash returns it all; a count close to the size picks by elimination; a
// small count draws until it has enough distinct fields.
func hrandfieldWithCount(c *Client, l int64, withValues bool) {
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.ArrayLen(0)
		return
	}
	size := uint64(h.Len())
	count, uniq := uint64(l), true
	if l < 0 {
		count, uniq = uint64(-l), false
	}
	if count == 0 {
		c.ArrayLen(0)
		return
	}
	r := hrandReply{c, withValues}
	lp := h.lp

	// CASE 1: with repetitions, in random order.
	if !uniq || count == 1 {
		r.header(count)
		var pos []int
		if lp != nil {
			pos = lpFieldPositions(lp)
		}
		for ; count > 0 && !c.outputCut(count); count-- {
			if lp != nil {
				r.lp(lp, pos[rand.IntN(len(pos))])
			} else {
				r.pair(dictFairRandom(h.d))
			}
		}
		return
	}

	// CASE 2: the whole hash.
	if count >= size {
		r.header(size)
		if lp != nil {
			for p := lp.First(); p >= 0; p = lp.Next(lp.Next(p)) {
				r.lp(lp, p)
			}
		} else {
			h.d.Each(func(k, v string) bool { r.pair(k, v); return true })
		}
		return
	}
	r.header(count)
	n := int(count)

	// CASE 3: count is close to the size: choose count of them by a
	// partial shuffle.
	if count*randSubStrategyMul > size {
		if lp != nil {
			pos := lpFieldPositions(lp)
			for i := 0; i < n; i++ {
				j := i + rand.IntN(len(pos)-i)
				pos[i], pos[j] = pos[j], pos[i]
				r.lp(lp, pos[i])
			}
			return
		}
		pairs := make([]hashPairStr, 0, size)
		h.d.Each(func(k, v string) bool { pairs = append(pairs, hashPairStr{k, v}); return true })
		for i := 0; i < n; i++ {
			j := i + rand.IntN(len(pairs)-i)
			pairs[i], pairs[j] = pairs[j], pairs[i]
			r.pair(pairs[i].k, pairs[i].v)
		}
		return
	}

	// CASE 4: count is small compared to the size.
	if lp != nil {
		// Selection sampling, in listpack order, as lpRandomPairsUnique.
		remaining, left := n, int(size)
		for p := lp.First(); p >= 0 && remaining > 0; p = lp.Next(lp.Next(p)) {
			if rand.IntN(left) < remaining {
				r.lp(lp, p)
				remaining--
			}
			left--
		}
		return
	}
	seen := make(map[string]struct{}, n)
	for len(seen) < n {
		k, v := dictFairRandom(h.d)
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		r.pair(k, v)
	}
}

// collectionScan holds the options of HSCAN, SSCAN and ZSCAN, as Redis's
// scanGenericCommand parses them for a key: COUNT and MATCH, no TYPE.
type collectionScan struct {
	count      int64
	pattern    []byte
	usePattern bool
}

// parseCollectionScan parses the options from argument 3 on.
func parseCollectionScan(c *Client) (collectionScan, bool) {
	o := collectionScan{count: 10}
	for i := 3; i < len(c.Argv); i += 2 {
		more := len(c.Argv) - i
		switch {
		case optIs(c.Argv[i], "count") && more >= 2:
			n, ok := ParseInt(c.Argv[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return o, false
			}
			if n < 1 {
				c.Error(ErrSyntax)
				return o, false
			}
			// Past this, COUNT means "everything"; the cap keeps the
			// arithmetic below from overflowing.
			o.count = min(n, 1<<40)
		case optIs(c.Argv[i], "match") && more >= 2:
			o.pattern = c.Argv[i+1]
			o.usePattern = !(len(o.pattern) == 1 && o.pattern[0] == '*')
		default:
			c.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func (o *collectionScan) match(b []byte) bool {
	return !o.usePattern || glob.Match(o.pattern, b, false)
}

// replyScanCursor starts a SCAN-family reply: the next cursor, then an
// array of n elements.
func replyScanCursor(c *Client, cursor uint64, n int) {
	c.ArrayLen(2)
	var buf [20]byte
	c.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	c.ArrayLen(n)
}

// replyEmptyScan is shared.emptyscan: cursor 0, no elements.
func replyEmptyScan(c *Client) { replyScanCursor(c, 0, 0) }

func hscanCommand(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	h, ok := lookupHashRead(c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		replyEmptyScan(c)
		return
	}
	o, ok := parseCollectionScan(c)
	if !ok {
		return
	}
	// A listpack is small: all of it in one call, and cursor 0.
	if lp := h.lp; lp != nil {
		var pos []int
		var buf [20]byte
		for p := lp.First(); p >= 0; p = lp.Next(lp.Next(p)) {
			if o.match(lpEntry(lp, p, &buf)) {
				pos = append(pos, p)
			}
		}
		replyScanCursor(c, 0, 2*len(pos))
		for _, p := range pos {
			replyLpEntry(c, lp, p)
			replyLpEntry(c, lp, lp.Next(p))
		}
		return
	}
	count := o.count * 2 // fields and values
	var out []string
	collect := func(k, v string) { out = append(out, k, v) }
	for maxIter := count * 10; ; maxIter-- {
		cursor = h.d.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(out)) >= count {
			break
		}
	}
	kept := out[:0]
	for i := 0; i < len(out); i += 2 {
		if o.match(keyBytes(out[i])) {
			kept = append(kept, out[i], out[i+1])
		}
	}
	replyScanCursor(c, cursor, len(kept))
	for _, s := range kept {
		c.BulkString(s)
	}
}
