package db

// Memory accounting: used_memory counted the way Redis 7.0 counts it, kept
// current on every write at O(1) cost, and the MEMORY command.
//
// Go's heap figures follow the data only after the garbage collector has
// run (with maxmemory 2mb and 200k SETs the live heap read 40 MB), so
// used_memory is not read from the runtime: it is counted. Every key is
// charged what Redis 7.0, built with jemalloc, allocates for it: the key's
// sds and the value (its robj and encoding, in jemalloc size classes). That
// is the figure of MEMORY USAGE ... SAMPLES 0, but for dict entries, which
// MEMORY USAGE counts at their 24 bytes and jemalloc at 32. To the keys add
// the keyspace dicts (an entry per key and per expire, a pointer per
// bucket), the clients' buffers, the AOF buffer, the replication backlog,
// and the memory an empty Redis starts with. Eviction compares that sum
// with maxmemory.
//
// The keys' part is a running total per database, DB.mem, changed where
// the keyspace changes:
//   - storing a value (Add, Set, Overwrite, a load) charges it and taking
//     one out (delete, an overwrite, a flush) credits what it was charged;
//   - a collection changed in place, after LookupWrite, is remembered as
//     pending. settleMemory charges each pending collection the difference
//     between its size now and the size it was charged for, which it keeps
//     (counted), unless it has left the keyspace since. Its size is O(1) to
//     get: each collection type keeps its own byte count up to date on its
//     mutations (memSize).
//
// Pending collections are settled before the total is read (memoryStats,
// the cron), before one is copied for a snapshot, and when maxPending of
// them wait. A settle forgets the collections of finished commands only:
// the running command may still change those it looked up. Commands that
// are not counted (an AOF being replayed) would keep them all, so when the
// list is full after a settle only the last keepRecent are kept: a command
// changes what it looked up last (LMPOP looks up keys until one has
// elements, SMOVE or LMOVE look up two).
//
// Invariant: after settleMemory, each DB.mem is the sum of keyMemory over
// its keys (checkMemory verifies it; the command scripts and the fuzzer
// check it after every command).

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"

	"github.com/redis-go/redis-server/internal/jemalloc"
)

func init() {
	register("memory|usage", memoryUsageCommand)
	register("memory|stats", memoryStatsCommand)
	register("memory|doctor", memoryDoctorCommand)
	register("memory|malloc-stats", memoryMallocStatsCommand)
	register("memory|purge", memoryPurgeCommand)
	register("memory|help", memoryHelpCommand)
}

// Sizes of Redis's structures.
const (
	dictEntrySize  = 24 // sizeof(dictEntry)
	dictEntryAlloc = 32 // what jemalloc allocates for one
	dictStructSize = 56 // sizeof(dict)
	robjSize       = 16 // sizeof(robj)
	pointerSize    = 8
	memorySamples  = 5 // MEMORY USAGE's default SAMPLES
)

// startupMemory is used_memory_startup: what Redis 7.0.15 reports right
// after it starts (shared objects, the command table, empty databases).
// The Go runtime's own heap at startup is not part of used_memory, as it
// is not data a maxmemory limit could evict.
const startupMemory = 876136

// maxPending bounds the collections waiting to be settled, and
// keepRecent is how many of the last a full list keeps after a settle.
const maxPending, keepRecent = 64, 16

// counted is embedded in every collection value: the bytes the value was
// last charged to its database's total, and under how many keys it is (0
// or 1, 2 for a moment while RENAME or MOVE adds it before deleting it).
type counted struct {
	bytes int
	keys  int
}

func (c *counted) account() *counted { return c }

// accountedObject is a collection value: it knows its size in O(1) and
// what it was charged. memSize is MEMORY USAGE's measure, which counts a
// dictEntry as its 24 bytes; allocSize, what it is charged, counts the 32
// bytes jemalloc allocates for one, as used_memory does in Redis.
type accountedObject interface {
	account() *counted
	memSize() int
	allocSize() int
}

// memAccount is the server's share of the accounting.
type memAccount struct {
	pending []pendingWrite // collections changed since the last settle
	peak    int64          // used_memory_peak
}

type pendingWrite struct {
	db  *DB
	o   accountedObject
	cmd int64 // Stats.Commands when it was looked up: which command may change it
}

// ValueMemoryUsage is MEMORY USAGE's measure of a value: its robj and
// encoding, as objectComputeSize counting every element.
func ValueMemoryUsage(v any) int {
	switch v := v.(type) {
	case *Hash:
		return v.memSize()
	case *Set:
		return v.memSize()
	case *ZSet:
		return v.memSize()
	case *List:
		return v.memSize()
	case accountedObject: // a type without its case yet
		return v.memSize()
	}
	n, _ := valueSize(v)
	return n
}

// valueSize is what a value is charged in DB.mem, and the value as a
// collection if it is one. A new value type implements accountedObject
// (embedding counted); its own case here, before the interface's, saves a
// table lookup on every write: a type switch tells concrete types apart by
// comparing a pointer.
func valueSize(v any) (int, accountedObject) {
	switch v := v.(type) {
	case int64:
		return robjSize, nil
	case []byte:
		if len(v) <= embstrLimit && cap(v) < rawMinCap { // embstr: robj and sdshdr8 in one allocation
			return jemalloc.Size(robjSize + 3 + len(v) + 1), nil
		}
		return robjSize + jemalloc.SdsSize(len(v)), nil
	case *Hash:
		return v.allocSize(), v
	case *Set:
		return v.allocSize(), v
	case *ZSet:
		return v.allocSize(), v
	case *List:
		return v.allocSize(), v
	case accountedObject: // a type without its case yet
		return v.allocSize(), v
	case interface{ Len() int }:
		return robjSize + 64 + v.Len()*32, nil
	}
	return robjSize, nil
}

// sdsAllocSize is the allocation of an sds string of length n.
func sdsAllocSize(n int) int { return jemalloc.SdsSize(n) }

// keyMemory is what a key and its value are charged in DB.mem.
func keyMemory(key string, v any) int64 {
	n, _ := valueSize(v)
	return int64(jemalloc.SdsSize(len(key)) + n)
}

// entrySlack is allocSize less memSize for a collection whose elements
// are n dict entries.
func entrySlack(n int) int { return (dictEntryAlloc - dictEntrySize) * n }

// charge adds a value just stored under key to the total. A collection may
// still change in the command that stores it: it is pending too.
func (db *DB) charge(key []byte, v any) {
	if o := db.chargeLoaded(key, v); o != nil {
		db.srv.memTouched(db, o)
	}
}

// chargeLoaded is charge for a value that is complete (a load): it returns
// the value as a collection, if it is one, without making it pending.
func (db *DB) chargeLoaded(key []byte, v any) accountedObject {
	n, o := valueSize(v)
	if o != nil {
		c := o.account()
		if c.keys > 0 {
			db.srv.settleMemory() // under its other key it is charged its size now
			n = o.allocSize()
		}
		c.bytes = n
		c.keys++
	}
	db.mem += int64(jemalloc.SdsSize(len(key)) + n)
	return o
}

// credit takes a value leaving key out of the total: what it was charged.
// A pending collection's changes since were never charged: settling skips
// it from now on.
func (db *DB) credit(key []byte, v any) {
	n, o := valueSize(v)
	if o != nil {
		c := o.account()
		n = c.bytes
		c.keys--
	}
	db.mem -= int64(jemalloc.SdsSize(len(key)) + n)
}

// recharge is charge for a value that replaced old (nil: none) under key.
func (db *DB) recharge(key []byte, old, v any) {
	if old != nil {
		db.credit(key, old)
	}
	db.charge(key, v)
}

// touchedForWrite notes a value looked up for a write, which the command
// may change in place if it is a collection.
func (db *DB) touchedForWrite(v any) {
	switch o := v.(type) {
	case []byte, int64, nil:
	case *Hash:
		db.srv.memTouched(db, o)
	case *Set:
		db.srv.memTouched(db, o)
	case *ZSet:
		db.srv.memTouched(db, o)
	case *List:
		db.srv.memTouched(db, o)
	case accountedObject: // a type without its case yet
		db.srv.memTouched(db, o)
	}
}

// memTouched notes that a collection in db may be changed in place.
func (s *Server) memTouched(db *DB, o accountedObject) {
	a := &s.mem
	cmd := s.Stats.Commands
	if n := len(a.pending); n > 0 && a.pending[n-1].o == o {
		a.pending[n-1].cmd = cmd // the same collection again (a pipeline of LPUSH)
		return
	}
	if len(a.pending) >= maxPending {
		s.settleMemory()
		if n := len(a.pending); n >= maxPending {
			copy(a.pending, a.pending[n-keepRecent:])
			clear(a.pending[keepRecent:])
			a.pending = a.pending[:keepRecent]
		}
	}
	a.pending = append(a.pending, pendingWrite{db, o, cmd})
}

// settleMemory charges the pending collections what they grew or shrank
// since they were last charged, and forgets those of finished commands.
func (s *Server) settleMemory() {
	a := &s.mem
	cmd := s.Stats.Commands
	kept := a.pending[:0]
	for _, p := range a.pending {
		if c := p.o.account(); c.keys > 0 {
			n := p.o.allocSize()
			p.db.mem += int64(n - c.bytes)
			c.bytes = n
		}
		if p.cmd == cmd {
			kept = append(kept, p)
		}
	}
	clear(a.pending[len(kept):])
	a.pending = kept
}

// forgetPending settles and drops every pending collection, before
// databases are emptied or swapped: what a pending entry names changes.
// The commands that do so change no value afterwards.
func (s *Server) forgetPending() {
	s.settleMemory()
	clear(s.mem.pending)
	s.mem.pending = s.mem.pending[:0]
}

// checkMemory recomputes each database's total from its keys and returns
// an error naming the first that differs from the running total (tests
// and DEBUG).
func (s *Server) checkMemory() error {
	s.settleMemory()
	for _, db := range s.DBs {
		var sum int64
		db.keys.Each(func(k string, v any) bool {
			sum += keyMemory(k, v)
			return true
		})
		if sum != db.mem {
			return fmt.Errorf("db%d: running total %d, keys take %d", db.ID, db.mem, sum)
		}
	}
	return nil
}

// tableOverhead is what Redis counts as the overhead of db's dicts: an
// entry and a robj per key, a pointer per bucket, and an entry per expire.
func (db *DB) tableOverhead() (main, expires int64) {
	main = int64(db.keys.Len())*(dictEntrySize+robjSize) + int64(db.keys.Buckets())*pointerSize
	expires = int64(db.expires.Len())*dictEntrySize + int64(db.expires.Buckets())*pointerSize
	return main, expires
}

// tableMemory is what db's dicts take in used_memory: tableOverhead with
// the entries as allocated and without the robjs (in DB.mem). In cluster
// mode a key's entry carries the slot list's links (slotMetaSize).
func (db *DB) tableMemory() int64 {
	keyEntry := int64(dictEntryAlloc)
	if db.srv.clusterEnabled {
		keyEntry = clusterEntryAlloc
	}
	return int64(db.keys.Len())*keyEntry + int64(db.expires.Len())*dictEntryAlloc +
		int64(db.keys.Buckets()+db.expires.Buckets())*pointerSize
}

// slotMetaSize is Redis's dictEntryMetadataSize for the keyspace dicts:
// in cluster mode each entry links it into its slot's list, two
// pointers. MEMORY STATS shows them as overhead.hashtable.slot-to-keys.
func (s *Server) slotMetaSize() int {
	if s.clusterEnabled {
		return clusterEntryMeta
	}
	return 0
}

const (
	clusterEntryMeta  = 16 // sizeof(clusterDictEntryMetadata)
	clusterEntryAlloc = 48 // what jemalloc allocates for an entry with it
)

// hashtableMaxLoadFactor is HASHTABLE_MAX_LOAD_FACTOR: past this many
// keys per bucket a keyspace dict grows whatever the memory.
const hashtableMaxLoadFactor = 1.618

// dictExpandAllowed is Redis's dictExpandAllowed for the keyspace dicts: a
// dict not yet overfull does not grow when its new bucket array would take
// the memory counted against maxmemory past it (overMaxmemoryAfterAlloc),
// so that a rehash does not evict keys by itself. Dicts grow rarely: the
// O(databases) count is not on the hot path.
func (s *Server) dictExpandAllowed(moreMem uint64, usedRatio float64) bool {
	limit := s.evict.maxmemory
	if usedRatio > hashtableMaxLoadFactor || limit == 0 {
		return true
	}
	m := s.memoryStats()
	return max(m.used-m.notCountedForEvict(), 0)+int64(moreMem) <= limit
}

// ReplicationMemory is implemented by a Replication that holds stream
// bytes in memory: the replication buffer that the backlog and the
// replicas waiting for their RDB share.
type ReplicationMemory interface {
	// ReplicationBuffers is the buffer's memory (Redis's repl_buffer_mem)
	// and its share counted as the backlog's, as Redis 7.0's
	// getMemoryOverheadData: all of it, or repl-backlog-size when
	// replicas hold more (the rest is theirs).
	ReplicationBuffers() (total, backlog int64)
}

// trackMemoryPeak keeps used_memory_peak current (the cron calls it, as
// serverCron samples zmalloc_used_memory).
func (s *Server) trackMemoryPeak() { s.memoryStats() }

// memoryInfo is the accounting of INFO memory and MEMORY STATS.
type memoryInfo struct {
	used, peak, startup          int64
	overhead                     int64
	clientsNormal, clientsSlaves int64
	aof, backlog                 int64
	replBuffers                  int64 // mem_total_replication_buffers
	notCounted                   int64 // mem_not_counted_for_evict
	keys                         int64

	// From the runtime and the kernel, filled by memoryReport only.
	rss, allocated, active, resident int64
}

func (m memoryInfo) dataset() int64 { return max(m.used-m.overhead, 0) }

func (m memoryInfo) datasetPerc() float64 {
	net := m.used - m.startup
	if net <= 0 {
		return 0
	}
	return float64(m.dataset()) * 100 / float64(net)
}

// notCountedForEvict is mem_not_counted_for_evict.
func (m memoryInfo) notCountedForEvict() int64 { return m.notCounted }

// notCountedForEvict is mem_not_counted_for_evict, as Redis 7.0's
// freeMemoryGetNotCountedMemory: the replicas' share of the replication
// buffers and the AOF buffer.
func (s *Server) notCountedForEvict() int64 {
	replicas, _ := s.ClientsMemory()
	return replicas + s.replicasBufferShare() + s.Persistence.AOFBufferLength
}

// replicasBufferShare is the replication buffer past repl-backlog-size,
// which Redis's freeMemoryGetNotCountedMemory leaves out: what the
// backlog grew by for the replicas that hold it.
func (s *Server) replicasBufferShare() int64 {
	return max(s.backlogMemory()-s.Config.Int("repl-backlog-size"), 0)
}

// memoryStats returns used_memory and its parts, and updates the peak. It
// costs a few operations per database.
func (s *Server) memoryStats() memoryInfo {
	m := memoryInfo{startup: startupMemory, used: s.usedMemory()}
	m.clientsSlaves, m.clientsNormal = s.ClientsMemory()
	m.aof = s.Persistence.AOFBufferLength
	if r, ok := s.Replication.(ReplicationMemory); ok {
		m.replBuffers, m.backlog = r.ReplicationBuffers()
		m.clientsSlaves += m.replBuffers - m.backlog
	}
	m.overhead = m.startup + m.backlog + m.clientsSlaves + m.clientsNormal + m.aof
	m.notCounted = s.notCountedForEvict()
	for _, db := range s.DBs {
		main, expires := db.tableOverhead()
		m.keys += int64(db.keys.Len())
		m.overhead += main + expires + int64(db.keys.Len()*s.slotMetaSize())
	}
	m.peak = s.mem.peak
	return m
}

// usedMemory is used_memory alone, updating the peak: what eviction reads
// before every command. used_memory has the clients' buffers as they are
// now, the overhead (memoryStats) the totals as of the cron, as in Redis.
func (s *Server) usedMemory() int64 {
	s.settleMemory()
	used := startupMemory + s.backlogMemory() + s.clientsLiveMemory() + s.Persistence.AOFBufferLength +
		s.latency.histogramMem
	for _, db := range s.DBs {
		used += db.mem + db.tableMemory()
	}
	s.mem.peak = max(s.mem.peak, used)
	return used
}

// backlogMemory is the replication buffer's memory.
func (s *Server) backlogMemory() int64 {
	if r, ok := s.Replication.(ReplicationMemory); ok {
		total, _ := r.ReplicationBuffers()
		return total
	}
	return 0
}

// memoryReport is memoryStats with the runtime's and the kernel's figures
// (INFO memory, MEMORY STATS and DOCTOR).
func (s *Server) memoryReport() memoryInfo {
	m := s.memoryStats()
	m.allocated, m.active, m.resident = readRuntimeMemory()
	m.rss = processRSS()
	return m
}

// memoryUsageCommand is MEMORY USAGE. With SAMPLES 0 it is the key's
// share of used_memory, every element counted, in O(1). Otherwise it is
// Redis's estimate from the first n elements (5 by default), which is the
// same for a collection of like elements and is what Redis answers.
func memoryUsageCommand(c *Client) {
	samples := int64(memorySamples)
	for j := 3; j < len(c.Argv); j++ {
		if !c.ArgIs(j, "samples") || j+1 >= len(c.Argv) {
			c.Error(ErrSyntax)
			return
		}
		n, ok := c.IntArg(j + 1)
		if !ok {
			return
		}
		if n < 0 {
			c.Error(ErrSyntax)
			return
		}
		samples = n
		j++
	}
	key := c.Argv[2]
	v := c.DB.lookup(key)
	if v == nil {
		c.Null()
		return
	}
	size := ValueMemoryUsage(v)
	if o, ok := v.(interface{ sampledSize(int) int }); ok && samples > 0 {
		size = o.sampledSize(int(samples))
	}
	if l, ok := v.(*List); ok && samples == 0 {
		// Redis averages over every node in floating point, which may
		// lose a byte.
		size = l.sampledSize(l.NodeCount())
	}
	c.Int(int64(size + jemalloc.SdsSize(len(key)) + dictEntrySize + c.srv.slotMetaSize()))
}

// float32Double is how Redis reports its float ratios: computed in float,
// printed as double.
func float32Double(f float64) float64 { return float64(float32(f)) }

func memoryStatsCommand(c *Client) {
	s := c.srv
	m := s.memoryReport()
	var dbs []*DB
	for _, db := range s.DBs {
		if db.Len() > 0 || db.ExpiresLen() > 0 {
			dbs = append(dbs, db)
		}
	}
	perKey := int64(0)
	if m.keys > 0 {
		perKey = max(m.used-m.startup, 1) / m.keys
	}
	peakPerc := 0.0
	if m.peak > 0 {
		peakPerc = float64(m.used) * 100 / float64(m.peak)
	}
	c.MapLen(27 + len(dbs))
	pair := func(name string, v int64) {
		c.BulkString(name)
		c.Int(v)
	}
	double := func(name string, v float64) {
		c.BulkString(name)
		c.Double(float32Double(v))
	}
	pair("peak.allocated", m.peak)
	pair("total.allocated", m.used)
	pair("startup.allocated", m.startup)
	pair("replication.backlog", m.backlog)
	pair("clients.slaves", m.clientsSlaves)
	pair("clients.normal", m.clientsNormal)
	pair("cluster.links", 0)
	pair("aof.buffer", m.aof)
	pair("lua.caches", 0)
	pair("functions.caches", 200)
	for _, db := range dbs {
		main, expires := db.tableOverhead()
		c.BulkString("db." + strconv.Itoa(db.ID))
		c.MapLen(3)
		pair("overhead.hashtable.main", main)
		pair("overhead.hashtable.expires", expires)
		pair("overhead.hashtable.slot-to-keys", int64(db.keys.Len()*c.srv.slotMetaSize()))
	}
	pair("overhead.total", m.overhead)
	pair("keys.count", m.keys)
	pair("keys.bytes-per-key", perKey)
	pair("dataset.bytes", m.dataset())
	double("dataset.percentage", m.datasetPerc())
	double("peak.percentage", peakPerc)
	pair("allocator.allocated", m.allocated)
	pair("allocator.active", m.active)
	pair("allocator.resident", m.resident)
	double("allocator-fragmentation.ratio", ratio(m.active, m.allocated))
	pair("allocator-fragmentation.bytes", m.active-m.allocated)
	double("allocator-rss.ratio", ratio(m.resident, m.active))
	pair("allocator-rss.bytes", m.resident-m.active)
	double("rss-overhead.ratio", ratio(m.rss, m.resident))
	pair("rss-overhead.bytes", m.rss-m.resident)
	double("fragmentation", ratio(m.rss, m.used))
	pair("fragmentation.bytes", m.rss-m.used)
}

// memoryDoctorCommand is a subset of getMemoryDoctorReport: the empty
// instance, the memory peak and the RSS overhead checks.
func memoryDoctorCommand(c *Client) {
	m := c.srv.memoryReport()
	var report string
	frag := ratio(m.rss, m.used)
	switch {
	case m.used < 5<<20:
		report = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	case float64(m.peak)/float64(m.used) <= 1.5 && !(frag > 1.4 && m.rss-m.used > 10<<20):
		report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	default:
		report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
		if float64(m.peak)/float64(m.used) > 1.5 {
			report += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
		}
		if frag > 1.4 && m.rss-m.used > 10<<20 {
			report += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n"
		}
		report += "I'm here to keep you safe, Sam. I want to help you.\n"
	}
	c.Verbatim(report)
}

// memoryMallocStatsCommand reports the Go runtime's allocator, as Redis
// reports jemalloc's: the heap's totals, then the live objects of each
// size class (where the heap's holes show).
func memoryMallocStatsCommand(c *Client) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	fmt.Fprintf(&b, "___ Begin Go allocator statistics (%s) ___\n", runtime.Version())
	fmt.Fprintf(&b, "heap allocated: %d\nheap in use (spans): %d\nheap idle: %d\nheap released: %d\n",
		ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased)
	fmt.Fprintf(&b, "stacks: %d\nruntime metadata: %d\nobtained from the OS: %d\ncollections: %d\n",
		ms.StackInuse, ms.MSpanInuse+ms.MCacheInuse+ms.GCSys+ms.BuckHashSys+ms.OtherSys, ms.Sys, ms.NumGC)
	b.WriteString("size class, live objects, bytes:\n")
	for _, s := range ms.BySize {
		if live := s.Mallocs - s.Frees; live > 0 {
			fmt.Fprintf(&b, "%d %d %d\n", s.Size, live, live*uint64(s.Size))
		}
	}
	b.WriteString("___ End Go allocator statistics ___\n")
	c.Verbatim(b.String())
}

func memoryPurgeCommand(c *Client) {
	debug.FreeOSMemory()
	c.OK()
}

func memoryHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}

// The runtime's and the kernel's figures, mapped onto Redis's allocator
// fields: the live heap is allocator_allocated, heap spans in use are
// allocator_active, memory obtained from the OS and not returned is
// allocator_resident, and the RSS is the kernel's.

// runtimeMetrics is the sample buffer of readRuntimeMemory. The Go heap
// belongs to the process, not to a server: servers sharing a process share
// it, hence the lock.
var runtimeMetrics = struct {
	sync.Mutex
	samples []metrics.Sample
}{samples: []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
}}

// readRuntimeMemory returns the live heap, the heap spans in use and the
// memory held from the OS.
func readRuntimeMemory() (allocated, active, resident int64) {
	rm := &runtimeMetrics
	rm.Lock()
	defer rm.Unlock()
	metrics.Read(rm.samples)
	v := func(i int) int64 {
		if rm.samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(rm.samples[i].Value.Uint64())
	}
	return v(0), v(0) + v(1), v(2) - v(3)
}

// processRSS reads the resident set size from /proc/self/statm.
func processRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

var systemMemory = sync.OnceValue(func() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
})

func totalSystemMemory() int64 { return systemMemory() }
