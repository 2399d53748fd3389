package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/intset"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/logger"
)

// LoadInfo is what a load learned besides the keys.
type LoadInfo struct {
	Version     int
	Keys        int
	ExpiredSkip int // keys already expired, not loaded
	EmptySkip   int // empty collections, not loaded (LogDone)
	// Expired lists those keys, by database: a restarted master sends
	// their deletion to the replicas that continue from it.
	Expired      []ExpiredKey
	ReplID       string
	ReplOffset   int64
	ReplStreamDB int
	HasReplInfo  bool
	Aux          map[string]string
	Bytes        int64    // the length of the RDB read, up to its checksum
	Functions    []string // the code of the function libraries
}

// LogDone logs the end of a load as rdbLoadRio does, at warning level
// when it skipped empty keys.
func (info *LoadInfo) LogDone() {
	if info.EmptySkip > 0 {
		logger.Warningf("Done loading RDB, keys loaded: %d, keys expired: %d, empty keys skipped: %d.",
			info.Keys, info.ExpiredSkip, info.EmptySkip)
		return
	}
	logger.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d.", info.Keys, info.ExpiredSkip)
}

// LogAux logs what an RDB says of itself, as Redis's rdbLoadRio does when
// it reads its aux fields: the version that wrote it, its age, the memory
// used when it was written.
func (info *LoadInfo) LogAux() {
	if v := info.Aux["redis-ver"]; v != "" {
		logger.Noticef("Loading RDB produced by version %s", v)
	}
	if ct, err := strconv.ParseInt(info.Aux["ctime"], 10, 64); err == nil {
		logger.Noticef("RDB age %d seconds", max(time.Now().Unix()-ct, 0))
	}
	if um, err := strconv.ParseInt(info.Aux["used-mem"], 10, 64); err == nil {
		logger.Noticef("RDB memory usage when created %.2f Mb", float64(um)/(1024*1024))
	}
}

// ExpiredKey is a key a load skipped as expired.
type ExpiredKey struct {
	DB  int
	Key string
}

// CRCError is a dump whose checksum does not match its contents.
type CRCError struct{ Expected, Got uint64 }

func (e *CRCError) Error() string {
	return fmt.Sprintf("Wrong RDB checksum expected: (%x) but got (%x). Aborting now.", e.Expected, e.Got)
}

// LoadOptions tune LoadInto.
type LoadOptions struct {
	// SkipExpired drops the keys already expired at Now (unix ms; 0 for
	// the load's time): a master loading its own file does, a replica
	// keeps them, as its master's DELs will come.
	SkipExpired bool
	Now         int64
	// KeyDelay is key-load-delay: microseconds to sleep after each key,
	// or, negative, one microsecond every -KeyDelay keys on average
	// (Redis's debugDelay), to make a load slow in tests.
	KeyDelay int64
	// Progress, if set, is told the bytes read and the RDB's used-mem
	// field as the load goes (INFO's loading_* fields).
	Progress *db.LoadProgress
	// Tick, if set, runs on the loading goroutine each time another
	// TickBytes bytes were read (loading-process-events-interval-bytes),
	// with the bytes read so far, as rdbLoadProgressCallback. It may
	// change KeyDelay; an error stops the load with that error.
	Tick      func(read int64) error
	TickBytes int64
}

// Load reads an RDB stream on the loop, for a load that blocks the
// server (startup, DEBUG RELOAD, the RDB part of an AOF): LoadInto a new
// load, then the function libraries. The caller installs the load
// (Server.Install) only after a complete, valid load.
func Load(r io.Reader, srv *db.Server, now int64, skipExpired bool) (*db.Load, *LoadInfo, error) {
	l := srv.NewLoad()
	info, err := LoadInto(r, l, &LoadOptions{SkipExpired: skipExpired, Now: now})
	if err == nil {
		err = LoadFunctions(srv, info)
	}
	if err != nil {
		return nil, nil, err
	}
	return l, info, nil
}

// LoadFunctions replaces srv's function libraries with those a load read,
// as Redis empties them before a load; on error nothing changes. It runs
// on the loop.
func LoadFunctions(srv *db.Server, info *LoadInfo) error {
	if f, ok := srv.Scripting.(Functions); ok {
		if msg := f.LoadFunctions(info.Functions); msg != "" {
			return fmt.Errorf("Failed loading library, %s", msg)
		}
	}
	return nil
}

// LoadInto reads an RDB stream into l, a dataset the server does not see
// yet. It reads nothing of the server but what l copied when it was made,
// so it may run on any goroutine while the loop goes on (a replica's full
// sync); the function libraries it read are in the LoadInfo.
func LoadInto(r io.Reader, l *db.Load, opt *LoadOptions) (*LoadInfo, error) {
	// A load only allocates what it keeps: collecting garbage less often
	// while it runs saves time without costing memory.
	db.LoadWork(true)
	defer db.LoadWork(false)
	if opt == nil {
		opt = &LoadOptions{}
	}
	now := opt.Now
	if now == 0 {
		now = l.Now()
	}
	d := NewDecoder(r)
	if n := sizeOf(r); n > 0 {
		d.MaxString = uint64(n)
	}
	nextTick := opt.TickBytes
	var pacer keyPacer
	info := &LoadInfo{Aux: map[string]string{}}
	var magic [9]byte
	if _, err := d.Read(magic[:]); err != nil {
		return nil, err
	}
	if !bytes.Equal(magic[:5], []byte("REDIS")) {
		return nil, corrupt("wrong signature trying to load DB from file")
	}
	ver, err := strconv.Atoi(string(magic[5:]))
	if err != nil || ver < 1 || ver > Version {
		return nil, fmt.Errorf("can't handle RDB format version %s", magic[5:])
	}
	info.Version = ver
	dbs := l.DBs
	cur := dbs[0]
	expire := int64(-1)
	// IDLE and FREQ come before the key they apply to; objectSetLRUOrLFU
	// applies the one the policy uses. A key without it gets the clock of
	// a key created at the start of the load.
	idle, freq := int64(-1), int64(-1)
	created := l.KeyClock(-1, -1)
	for {
		t, err := d.Byte()
		if err != nil {
			return nil, err
		}
		switch t {
		case OpExpireTimeMs:
			if expire, err = d.MillisTime(); err != nil {
				return nil, err
			}
			continue
		case OpExpireTime:
			s, err := d.SecondsTime()
			if err != nil {
				return nil, err
			}
			expire = s * 1000
			continue
		case OpIdle:
			n, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			idle = int64(n)
			continue
		case OpFreq:
			b, err := d.Byte()
			if err != nil {
				return nil, err
			}
			freq = int64(b)
			continue
		case OpSelectDB:
			id, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			if id >= uint64(len(dbs)) {
				return nil, fmt.Errorf("FATAL: Data file was created with a Redis server configured to handle more than %d databases. Exiting", len(dbs))
			}
			cur = dbs[id]
			continue
		case OpResizeDB:
			keys, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			expires, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			// Presize, as Redis does, so the load does not rehash; the
			// sizes are hints, bounded against corrupt values.
			cur.Expand(int(min(keys, d.MaxString/4, 1<<30)), int(min(expires, d.MaxString/8, 1<<30)))
			continue
		case OpAux:
			k, err := d.String()
			if err != nil {
				return nil, err
			}
			v, err := d.String()
			if err != nil {
				return nil, err
			}
			info.aux(string(k), string(v))
			if opt.Progress != nil && string(k) == "used-mem" {
				n, _ := strconv.ParseInt(string(v), 10, 64)
				opt.Progress.RDBUsedMem.Store(n)
			}
			continue
		case OpFunction, OpFunction2:
			code, err := ReadFunction(d, t)
			if err != nil {
				return nil, err
			}
			info.Functions = append(info.Functions, code)
			continue
		case OpModuleAux:
			return nil, fmt.Errorf("the RDB file contains module data (opcode %d), which this server does not support", t)
		case OpEOF:
			if ver >= 5 {
				want := d.CRC()
				var sum [8]byte
				if _, err := d.Read(sum[:]); err != nil {
					return nil, err
				}
				got := uint64(sum[0]) | uint64(sum[1])<<8 | uint64(sum[2])<<16 | uint64(sum[3])<<24 |
					uint64(sum[4])<<32 | uint64(sum[5])<<40 | uint64(sum[6])<<48 | uint64(sum[7])<<56
				if got != 0 && got != want {
					return nil, &CRCError{Expected: want, Got: got}
				}
			}
			info.Bytes = d.n
			return info, nil
		}
		key, err := d.String()
		if err != nil {
			return nil, err
		}
		val, err := ReadValue(d, t, &l.Builder)
		if errors.Is(err, errEmptyKey) {
			// Redis 7.0 skips them rather than fail (redis#8453).
			if info.EmptySkip++; info.EmptySkip <= 10 {
				logger.Warningf("rdbLoadObject skipping empty key: %s", key)
			}
			expire, idle, freq = -1, -1, -1
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("loading key %q: %w", key, err)
		}
		if opt.SkipExpired && expire >= 0 && expire < now {
			info.ExpiredSkip++
			info.Expired = append(info.Expired, ExpiredKey{cur.ID, string(key)})
		} else {
			clock := created
			if idle >= 0 || freq >= 0 {
				clock = l.KeyClock(freq, idle)
			}
			if !cur.LoadAdd(key, val, expire, clock) {
				return nil, corrupt("duplicate key %q", key)
			}
			info.Keys++
		}
		expire, idle, freq = -1, -1, -1
		if opt.KeyDelay != 0 {
			pacer.key(opt.KeyDelay)
		}
		if d.n >= nextTick {
			if opt.Progress != nil {
				opt.Progress.Loaded.Store(d.n)
			}
			if opt.Tick != nil {
				if err := opt.Tick(d.n); err != nil {
					return nil, err
				}
			}
			nextTick = d.n + max(opt.TickBytes, 1)
		}
	}
}

// keyPacer slows a load down by key-load-delay per key, as debugDelay:
// usec microseconds, or, negative, one microsecond with a chance of one
// in -usec. A timer sleeps a millisecond or more, so the delays are owed
// and slept once they add up to one: the load takes the time Redis's
// would.
type keyPacer struct {
	owed time.Duration
}

func (p *keyPacer) key(usec int64) {
	if usec < 0 {
		if rand.Int64N(-usec) != 0 {
			return
		}
		usec = 1
	}
	p.owed += time.Duration(usec) * time.Microsecond
	if p.owed >= time.Millisecond {
		start := time.Now()
		time.Sleep(p.owed)
		p.owed -= time.Since(start)
	}
}

// ReadFunction reads the library of an RDB_OPCODE_FUNCTION2 record (its
// code), or of the RDB_OPCODE_FUNCTION of 7.0's release candidates (name,
// engine, optional description and body), as rdbFunctionLoad.
func ReadFunction(d *Decoder, t byte) (string, error) {
	if t == OpFunction2 {
		code, err := d.String()
		if err != nil {
			return "", fmt.Errorf("Failed loading library payload: %w", err)
		}
		return string(code), nil
	}
	name, err := d.String()
	if err != nil {
		return "", fmt.Errorf("Failed loading library name: %w", err)
	}
	engine, err := d.String()
	if err != nil {
		return "", fmt.Errorf("Failed loading engine name: %w", err)
	}
	hasDesc, err := d.PlainLen()
	if err != nil {
		return "", fmt.Errorf("Failed loading library description indicator: %w", err)
	}
	if hasDesc != 0 {
		if _, err := d.String(); err != nil {
			return "", fmt.Errorf("Failed loading library description: %w", err)
		}
	}
	body, err := d.String()
	if err != nil {
		return "", fmt.Errorf("Failed loading library blob: %w", err)
	}
	return "#!" + string(engine) + " name=" + string(name) + "\n" + string(body), nil
}

func (info *LoadInfo) aux(k, v string) {
	info.Aux[k] = v
	switch k {
	case "repl-id":
		if len(v) == 40 {
			info.ReplID = v
			info.HasReplInfo = true
		}
	case "repl-offset":
		info.ReplOffset, _ = strconv.ParseInt(v, 10, 64)
	case "repl-stream-db":
		n, _ := strconv.Atoi(v)
		info.ReplStreamDB = n
	}
}

// ReadValue reads a value of RDB type t, converting old encodings to the
// ones this server uses.
func ReadValue(d *Decoder, t byte, bld *db.Builder) (any, error) {
	switch t {
	case TypeString:
		s, err := d.String()
		if err != nil {
			return nil, err
		}
		return stringValue(s), nil
	case TypeList:
		n, err := d.PlainLen()
		if err != nil {
			return nil, err
		}
		q := bld.NewList()
		for i := uint64(0); i < n; i++ {
			s, err := d.String()
			if err != nil {
				return nil, err
			}
			q.PushTail(s)
		}
		return nonEmpty(q, q.Len())
	case TypeListQuicklist, TypeListQuicklist2:
		return readQuicklist(d, t, bld)
	case TypeListZiplist:
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		els, ok := ziplistEntries(b)
		if !ok {
			return nil, errListZiplist
		}
		q := bld.NewList()
		for _, e := range els {
			q.PushTail(e)
		}
		return nonEmpty(q, q.Len())
	case TypeSet:
		n, err := d.PlainLen()
		if err != nil {
			return nil, err
		}
		var set *db.Set
		if n > uint64(bld.SetMaxIntset()) {
			set = db.NewSetTable(bld.COW(), int(min(n, 1<<20)))
		} else {
			set = db.NewSetFromIntset(intset.New())
		}
		for i := uint64(0); i < n; i++ {
			s, err := d.String()
			if err != nil {
				return nil, err
			}
			if !set.Add(bld, s) {
				return nil, errSetDup
			}
		}
		return nonEmpty(set, set.Len())
	case TypeSetIntset:
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		d.sanitized()
		is, err := intset.FromBytes(b)
		if err != nil || is.Len() == 0 {
			return nil, errIntset
		}
		if is.Len() <= bld.SetMaxIntset() {
			return db.NewSetFromIntset(is), nil
		}
		set := db.NewSetTable(bld.COW(), is.Len())
		for i := 0; i < is.Len(); i++ {
			set.Add(bld, strconv.AppendInt(nil, is.Get(i), 10))
		}
		return set, nil
	case TypeHash:
		n, err := d.PlainLen()
		if err != nil {
			return nil, err
		}
		var h *db.Hash
		if entries, _ := bld.HashMaxListpack(); n > uint64(entries) {
			h = db.NewHashTable(bld.COW(), int(min(n, 1<<20)))
		} else {
			h = db.NewHash()
		}
		for i := uint64(0); i < n; i++ {
			f, err := d.String()
			if err != nil {
				return nil, err
			}
			v, err := d.String()
			if err != nil {
				return nil, err
			}
			if !h.Set(bld, f, v) {
				if h.Listpack() != nil {
					return nil, errHashDupSmall
				}
				return nil, errHashDup
			}
		}
		return nonEmpty(h, h.Len())
	case TypeHashListpack:
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		d.sanitized()
		lp, err := listpack.FromBytes(b)
		if err != nil {
			return nil, errHashListpack
		}
		return hashFromPairs(bld, lpEntries(lp), lp, false, errHashListpack)
	case TypeHashZiplist, TypeHashZipmap:
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		if t == TypeHashZipmap {
			els, ok := zipmapEntries(b)
			if !ok {
				return nil, errZipmap
			}
			return hashFromPairs(bld, els, nil, true, nil)
		}
		els, ok := ziplistEntries(b)
		if !ok {
			return nil, errHashZiplist
		}
		return hashFromPairs(bld, els, nil, false, errHashZiplist)
	case TypeZset, TypeZset2, TypeZsetZiplist, TypeZsetListpack:
		return readZset(d, t, bld)
	case TypeModule, TypeModule2:
		return nil, fmt.Errorf("module value types are not supported")
	case TypeStreamListpacks, TypeStreamListpacks2:
		return readStream(d, t)
	}
	return nil, corrupt("unknown RDB object type %d", t)
}

// stringValue stores integers as int64 (encoding int) and other strings
// as the freshly read slice, which owns its memory.
func stringValue(s []byte) any {
	if v, ok := canonicalInt(s); ok {
		return v
	}
	return s
}

func nonEmpty[T any](v T, n int) (any, error) {
	if n == 0 {
		return nil, errEmptyKey
	}
	return v, nil
}

func lpEntries(lp *listpack.Listpack) [][]byte {
	out := make([][]byte, 0, lp.Len())
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		out = append(out, lp.GetBytes(p))
	}
	return out
}

// hashFromPairs builds a hash from the alternating fields and values of a
// listpack (lp), a ziplist or a zipmap, converted as rdbLoadObject does: a
// listpack or a ziplist becomes a hash table only past
// hash-max-listpack-entries, however long its strings (a dump written with
// a larger hash-max-listpack-value keeps its listpacks); a zipmap also
// past hash-max-listpack-value (checkLengths).
//
// bad is the report of an odd count or a field twice (for a zipmap, Redis
// reports that with the length of the field, bad is nil).
func hashFromPairs(b *db.Builder, els [][]byte, lp *listpack.Listpack, checkLengths bool, bad error) (any, error) {
	if len(els)%2 != 0 {
		return nil, bad
	}
	if len(els) == 0 {
		return nil, errEmptyKey
	}
	maxEntries, maxValue := b.HashMaxListpack()
	small := len(els)/2 <= maxEntries
	seen := make(map[string]struct{}, len(els)/2)
	for i, e := range els {
		if checkLengths && len(e) > maxValue {
			small = false
		}
		if i%2 == 0 {
			if _, dup := seen[string(e)]; dup {
				if bad == nil {
					return nil, report(2154, "Hash zipmap with dup elements, or big length (%d)", len(e))
				}
				return nil, bad
			}
			seen[string(e)] = struct{}{}
		}
	}
	if !small {
		h := db.NewHashTable(b.COW(), len(els)/2)
		for i := 0; i < len(els); i += 2 {
			h.Set(b, els[i], els[i+1])
		}
		return h, nil
	}
	if lp == nil {
		lp = listpack.New()
		for _, e := range els {
			lp.Append(e)
		}
	}
	return db.NewHashFromListpack(lp), nil
}

func readQuicklist(d *Decoder, t byte, b *db.Builder) (any, error) {
	n, err := d.PlainLen()
	if err != nil {
		return nil, err
	}
	q := b.NewList()
	for i := uint64(0); i < n; i++ {
		container := uint64(quicklistNodePacked)
		if t == TypeListQuicklist2 {
			if container, err = d.PlainLen(); err != nil {
				return nil, err
			}
		}
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		switch {
		case container == quicklistNodePlain && len(b) == 0:
			return nil, corrupt("empty plain node")
		case container == quicklistNodePlain:
			q.AppendPlain(b)
		case container != quicklistNodePacked:
			return nil, errQuicklistNode
		case t == TypeListQuicklist:
			els, ok := ziplistEntries(b)
			if !ok {
				return nil, errZiplistNode
			}
			if len(els) == 0 { // skipped, as Redis does
				continue
			}
			lp := listpack.New() // a node per ziplist, as Redis converts them
			for _, e := range els {
				lp.Append(e)
			}
			q.AppendListpack(lp)
		default:
			d.sanitized()
			lp, err := listpack.FromBytes(b)
			if err != nil {
				return nil, errListpackNode
			}
			if lp.Len() == 0 { // skipped, as Redis does
				continue
			}
			q.AppendListpack(lp)
		}
	}
	return nonEmpty(q, q.Len())
}

// sizeOf returns the size of a file or an in-memory reader, 0 if unknown:
// no string in it can be longer, which bounds what a corrupt length makes
// the loader allocate.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil {
			return fi.Size()
		}
	}
	return 0
}
