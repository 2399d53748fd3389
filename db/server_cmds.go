package db

// Server commands that report on or act on the whole server: TIME,
// LASTSAVE, ROLE, SHUTDOWN and MEMORY, and the memory accounting INFO
// memory shares with MEMORY STATS.
//
// Memory figures come from the Go runtime, mapped onto Redis's: the live
// heap is used_memory (what zmalloc counts), heap spans in use are the
// allocator's "active" bytes, memory obtained from the OS and not returned
// is its "resident" bytes, and the RSS is the kernel's.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	register("time", timeCommand)
	register("lastsave", lastsaveCommand)
	register("role", roleCommand)
	register("shutdown", shutdownCommand)
	register("memory|usage", memoryUsageCommand)
	register("memory|stats", memoryStatsCommand)
	register("memory|doctor", memoryDoctorCommand)
	register("memory|malloc-stats", memoryMallocStatsCommand)
	register("memory|purge", memoryPurgeCommand)
	register("memory|help", memoryHelpCommand)
}

// adminState is what the server commands keep between calls.
type adminState struct {
	memPeak    int64  // used_memory_peak
	memStartup int64  // used_memory_startup: the heap when first measured
	replID     string // master_replid until package repl provides one
}

// defaultReplID is the replication id INFO shows while no replication code
// has taken over (see standalone.Info).
func (s *Server) defaultReplID() string {
	if s.admin.replID == "" {
		s.admin.replID = randomHex(40)
	}
	return s.admin.replID
}

// isLocalClient reports whether c is connected over loopback or a unix
// socket, as Redis's islocalClient (enable-debug-command local, protected
// configs).
func isLocalClient(c *Client) bool {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c.Addr == "" || strings.HasPrefix(c.Addr, "/")
	}
	return host == "127.0.0.1" || host == "::1"
}

func timeCommand(c *Client) {
	now := time.Now().UnixMicro()
	c.ArrayLen(2)
	c.BulkInt(now / 1e6)
	c.BulkInt(now % 1e6)
}

func lastsaveCommand(c *Client) { c.Int(c.srv.Persistence.LastSave) }

func roleCommand(c *Client) { c.srv.Replication.Role(c) }

func shutdownCommand(c *Client) {
	flags, abort := 0, false
	for i := 1; i < len(c.Argv); i++ {
		switch {
		case c.ArgIs(i, "nosave"):
			flags |= ShutdownNoSave
		case c.ArgIs(i, "save"):
			flags |= ShutdownSave
		case c.ArgIs(i, "now"):
			flags |= ShutdownNow
		case c.ArgIs(i, "force"):
			flags |= ShutdownForce
		case c.ArgIs(i, "abort"):
			abort = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if abort && flags != 0 || flags&ShutdownNoSave != 0 && flags&ShutdownSave != 0 {
		c.Error(ErrSyntax)
		return
	}
	s := c.srv
	if abort {
		if !s.abortShutdown() {
			c.Error("ERR No shutdown in progress.")
			return
		}
		c.OK()
		return
	}
	if c.denyBlocking() {
		flags |= ShutdownNow // no waiting for replicas inside MULTI
	}
	if s.busy != nil {
		if flags&ShutdownNoSave == 0 { // a busy script: only NOSAVE
			s.replyError(c, s.busyError())
			return
		}
		flags |= ShutdownNow // the cron that waits for replicas does not run
	}
	switch err := s.PrepareForShutdown(flags); {
	case err == errShutdownPending: // the reply comes when it ends
		s.blockForKeys(c, nil, "none", 0)
		s.shutdown.waiting = append(s.shutdown.waiting, c)
	case err != nil:
		c.Error("ERR Errors trying to SHUTDOWN. Check logs.")
	}
}

// memoryInfo is the memory accounting of INFO memory and MEMORY STATS.
type memoryInfo struct {
	used, peak, startup, rss    int64
	allocated, active, resident int64
	clients, overhead           int64
	dbOverhead                  []int64 // per db: hash table overhead of keys and expires
}

func (m memoryInfo) dataset() int64 { return max(m.used-m.overhead, 0) }

func (m memoryInfo) datasetPerc() float64 {
	net := m.used - m.startup
	if net <= 0 {
		return 0
	}
	return float64(m.dataset()) * 100 / float64(net)
}

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

// Sizes of Redis's structures, for the overhead estimates.
const (
	dictEntrySize = 24
	robjSize      = 16
	pointerSize   = 8
)

// trackMemoryPeak measures the heap for used_memory_peak (and, the first
// time, used_memory_startup). It returns the runtime's figures.
func (s *Server) trackMemoryPeak() (allocated, active, resident int64) {
	allocated, active, resident = readRuntimeMemory()
	a := &s.admin
	if a.memStartup == 0 {
		a.memStartup = allocated
	}
	a.memPeak = max(a.memPeak, allocated)
	return allocated, active, resident
}

// memoryStats measures memory now and updates the peak.
func (s *Server) memoryStats() memoryInfo {
	var m memoryInfo
	m.allocated, m.active, m.resident = s.trackMemoryPeak()
	m.used = m.allocated
	m.rss = processRSS()
	m.peak, m.startup = s.admin.memPeak, s.admin.memStartup
	for _, c := range s.clients {
		if c.Flags&ClientReplica == 0 {
			m.clients += int64(cap(c.qbuf) + cap(c.Buf))
		}
	}
	m.overhead = m.startup + m.clients + s.Persistence.AOFBufferLength
	for _, db := range s.DBs {
		o := dictOverhead(db.Len()) + dictOverhead(db.ExpiresLen())
		m.dbOverhead = append(m.dbOverhead, dictOverhead(db.Len()), dictOverhead(db.ExpiresLen()))
		m.overhead += o
	}
	return m
}

// dictOverhead estimates a Redis dict's own memory for n entries: the
// entries and a power-of-two bucket array.
func dictOverhead(n int) int64 {
	if n == 0 {
		return 0
	}
	buckets := int64(4)
	for buckets < int64(n) {
		buckets *= 2
	}
	return int64(n)*dictEntrySize + buckets*pointerSize
}

// jemallocSize rounds an allocation up to its jemalloc size class, so that
// MEMORY USAGE answers as Redis (built with jemalloc) does.
func jemallocSize(n int) int {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	// Four classes per doubling above 128.
	shift := 0
	for v := n - 1; v > 1; v >>= 1 {
		shift++
	}
	step := 1 << (shift - 2)
	return (n + step - 1) &^ (step - 1)
}

// sdsAllocSize is the allocation of an sds string of length n.
func sdsAllocSize(n int) int {
	hdr := 9
	switch {
	case n < 1<<5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	}
	return jemallocSize(hdr + n + 1)
}

// ValueMemoryUsage estimates the bytes a value takes, as Redis's
// objectComputeSize. Collections report their own size by implementing
//
//	interface{ MemoryUsage() int }
//
// and are otherwise estimated from their length.
func ValueMemoryUsage(v any) int {
	switch v := v.(type) {
	case int64:
		return robjSize
	case []byte:
		if len(v) <= embstrLimit {
			return jemallocSize(robjSize + 3 + len(v) + 1)
		}
		return robjSize + sdsAllocSize(len(v))
	case interface{ MemoryUsage() int }:
		return v.MemoryUsage()
	case interface{ Len() int }:
		return robjSize + 64 + v.Len()*32
	}
	return robjSize
}

func memoryUsageCommand(c *Client) {
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
		j++
	}
	v := c.DB.lookup(c.Argv[2])
	if v == nil {
		c.Null()
		return
	}
	c.Int(int64(ValueMemoryUsage(v) + sdsAllocSize(len(c.Argv[2])) + dictEntrySize))
}

// float32Double is how Redis reports its float ratios: computed in float,
// printed as double.
func float32Double(f float64) float64 { return float64(float32(f)) }

func memoryStatsCommand(c *Client) {
	s := c.srv
	m := s.memoryStats()
	keys := int64(0)
	var dbs []*DB
	for _, db := range s.DBs {
		keys += int64(db.Len())
		if db.Len() > 0 || db.ExpiresLen() > 0 {
			dbs = append(dbs, db)
		}
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = (m.used - m.startup) / keys
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
	pair("replication.backlog", 0)
	pair("clients.slaves", 0)
	pair("clients.normal", m.clients)
	pair("cluster.links", 0)
	pair("aof.buffer", s.Persistence.AOFBufferLength)
	pair("lua.caches", 0)
	pair("functions.caches", 200)
	for _, db := range dbs {
		c.BulkString(fmt.Sprintf("db.%d", db.ID))
		c.MapLen(3)
		pair("overhead.hashtable.main", m.dbOverhead[2*db.ID])
		pair("overhead.hashtable.expires", m.dbOverhead[2*db.ID+1])
		pair("overhead.hashtable.slot-to-keys", 0)
	}
	pair("overhead.total", m.overhead)
	pair("keys.count", keys)
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
	m := c.srv.memoryStats()
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

func memoryMallocStatsCommand(c *Client) {
	c.Verbatim("Stats not supported for the current allocator")
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
