package db

// INFO, as Redis 7.0's genRedisInfoString: the sections in Redis's order,
// each a "# Name" header and "field:value" lines ending in CRLF, a blank
// line between sections. The field names and their order are Redis
// 7.0.15's (testdata/info_fields.txt, captured from a real server, is the
// reference the tests hold this file to). Values Redis computes from
// things this server does not have (jemalloc, fork, Lua) are the nearest
// equivalent or the value an idle Redis reports.

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func init() {
	register("info", infoCommand)
}

// infoSections are the sections in the order INFO prints them.
var infoSections = []struct {
	name  string
	write func(s *Server, b *infoBuilder)
}{
	{"server", (*Server).infoServer},
	{"clients", (*Server).infoClients},
	{"memory", (*Server).infoMemory},
	{"persistence", (*Server).infoPersistence},
	{"stats", (*Server).infoStats},
	{"replication", func(s *Server, b *infoBuilder) { s.Replication.Info(&b.Builder) }},
	{"cpu", (*Server).infoCPU},
	{"modules", func(*Server, *infoBuilder) {}},
	{"commandstats", (*Server).infoCommandStats},
	{"errorstats", (*Server).infoErrorStats},
	{"latencystats", (*Server).infoLatencyStats},
	{"cluster", (*Server).infoCluster},
	{"keyspace", (*Server).infoKeyspace},
}

// defaultInfoSections are the sections of INFO and INFO default.
var defaultInfoSections = []string{"server", "clients", "memory", "persistence", "stats",
	"replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"}

var infoTitles = map[string]string{
	"server": "Server", "clients": "Clients", "memory": "Memory", "persistence": "Persistence",
	"stats": "Stats", "replication": "Replication", "cpu": "CPU", "modules": "Modules",
	"commandstats": "Commandstats", "errorstats": "Errorstats", "latencystats": "Latencystats",
	"cluster": "Cluster", "keyspace": "Keyspace",
}

func infoCommand(c *Client) {
	args := make([]string, len(c.Argv)-1)
	for i, a := range c.Argv[1:] {
		args[i] = string(a)
	}
	c.Verbatim(c.srv.Info(args...))
}

// Info returns the text of INFO with the given arguments: section names
// (any case), "default", "all" or "everything"; none means "default".
func (s *Server) Info(args ...string) string {
	want := map[string]bool{}
	all := false
	if len(args) == 0 {
		args = []string{"default"}
	}
	for _, a := range args {
		switch a = strings.ToLower(a); a {
		case "default":
			for _, name := range defaultInfoSections {
				want[name] = true
			}
		case "all", "everything":
			all = true
		default:
			want[a] = true
		}
	}
	b := &infoBuilder{}
	n := 0
	for _, sec := range infoSections {
		match := all || want[sec.name] || sec.name == "modules" && want["module_list"]
		if !match {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		b.WriteString("# " + infoTitles[sec.name] + "\r\n")
		sec.write(s, b)
	}
	return b.String()
}

// infoBuilder writes "name:value\r\n" lines.
type infoBuilder struct{ strings.Builder }

func (b *infoBuilder) str(name, v string) {
	b.WriteString(name)
	b.WriteByte(':')
	b.WriteString(v)
	b.WriteString("\r\n")
}

func (b *infoBuilder) int(name string, v int64) { b.str(name, itoa(v)) }

func (b *infoBuilder) bool(name string, v bool) {
	if v {
		b.int(name, 1)
	} else {
		b.int(name, 0)
	}
}

// float2 writes v as "%.2f".
func (b *infoBuilder) float2(name string, v float64) { b.str(name, fmt.Sprintf("%.2f", v)) }

func (b *infoBuilder) bytes(name string, v int64) {
	b.int(name, v)
	b.str(name+"_human", bytesToHuman(v))
}

// bytesToHuman formats a byte count as Redis does: "1023B", "1.00K",
// "2.50M", ...
func bytesToHuman(n int64) string {
	const k = 1024.0
	f := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case f < k*k:
		return fmt.Sprintf("%.2fK", f/k)
	case f < k*k*k:
		return fmt.Sprintf("%.2fM", f/(k*k))
	case f < k*k*k*k:
		return fmt.Sprintf("%.2fG", f/(k*k*k))
	case f < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", f/(k*k*k*k))
	case f < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", f/(k*k*k*k*k))
	}
	return fmt.Sprintf("%dB", n)
}

func (s *Server) infoServer(b *infoBuilder) {
	now := time.Now()
	uptime := int64(now.Sub(s.Started).Seconds())
	b.str("redis_version", RedisVersion)
	b.str("redis_git_sha1", "00000000")
	b.str("redis_git_dirty", "0")
	b.str("redis_build_id", "0")
	b.str("redis_mode", s.redisMode())
	b.str("os", hostOS())
	b.int("arch_bits", 64)
	b.str("monotonic_clock", "POSIX clock_gettime")
	b.str("multiplexing_api", "epoll")
	b.str("atomicvar_api", "c11-builtin")
	b.str("gcc_version", "0.0.0")
	b.int("process_id", int64(s.PID))
	b.str("process_supervised", supervisedMode(s.Config.String("supervised")))
	b.str("run_id", s.RunID)
	b.int("tcp_port", s.tcpPort())
	b.int("server_time_usec", now.UnixMicro())
	b.int("uptime_in_seconds", uptime)
	b.int("uptime_in_days", uptime/86400)
	b.int("hz", int64(s.ConfigHz))
	b.int("configured_hz", s.Config.Int("hz"))
	b.int("lru_clock", lruClock(now))
	b.str("executable", executablePath())
	b.str("config_file", s.Config.File())
	b.int("io_threads_active", 0)
	if d := s.shutdown.deadline; !d.IsZero() { // waiting for the replicas
		b.int("shutdown_in_milliseconds", time.Until(d).Milliseconds())
	}
}

func supervisedMode(v string) string {
	if v == "upstart" || v == "systemd" {
		return v
	}
	return "no"
}

func (s *Server) tcpPort() int64 {
	if s.Loop != nil {
		return int64(s.Loop.Port())
	}
	return s.Config.Int("port")
}

// lruClock is Redis's LRU clock: seconds, in 24 bits.
func lruClock(now time.Time) int64 { return now.Unix() & (1<<24 - 1) }

// hostOS is uname's "sysname release machine", as INFO's os field.
func hostOS() string {
	read := func(path, def string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			return def
		}
		return strings.TrimSpace(string(b))
	}
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	sysname := strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
	return read("/proc/sys/kernel/ostype", sysname) + " " + read("/proc/sys/kernel/osrelease", "") + " " + machine
}

func executablePath() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

func (s *Server) infoClients(b *infoBuilder) {
	var replicas, blocked, timeouts int64
	for _, c := range s.clients {
		if c.Flags&ClientReplica != 0 {
			replicas++
		}
		if c.Flags&ClientBlocked != 0 {
			blocked++
			if c.Blocking != nil && c.Blocking.Timeout != 0 {
				timeouts++
			}
		}
		if c.Flags&ClientPaused != 0 { // held by CLIENT PAUSE: Redis's BLOCKED_POSTPONE
			blocked++
		}
	}
	maxIn, maxOut := s.recentMaxBuffers() // as of the clients cron
	b.int("connected_clients", int64(len(s.clients))-replicas)
	b.int("cluster_connections", 0)
	b.int("maxclients", int64(s.maxClients))
	b.int("client_recent_max_input_buffer", maxIn)
	b.int("client_recent_max_output_buffer", maxOut)
	b.int("blocked_clients", blocked)
	b.int("tracking_clients", int64(s.tracking.clients))
	b.int("clients_in_timeout_table", timeouts)
}

// ratio is Redis's a/b for the fragmentation fields, 0 when b is.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// infoMemory is INFO memory: used_memory and its parts as counted by
// memory.go, the allocator fields from the Go runtime.
func (s *Server) infoMemory(b *infoBuilder) {
	m := s.memoryReport()
	b.bytes("used_memory", m.used)
	b.bytes("used_memory_rss", m.rss)
	b.bytes("used_memory_peak", m.peak)
	b.str("used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*ratio(m.used, m.peak)))
	b.int("used_memory_overhead", m.overhead)
	b.int("used_memory_startup", m.startup)
	b.int("used_memory_dataset", m.dataset())
	b.str("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", m.datasetPerc()))
	b.int("allocator_allocated", m.allocated)
	b.int("allocator_active", m.active)
	b.int("allocator_resident", m.resident)
	b.bytes("total_system_memory", totalSystemMemory())
	// Scripting memory: what an idle Redis reports.
	b.int("used_memory_lua", 32768)
	b.int("used_memory_vm_eval", 32768)
	b.str("used_memory_lua_human", bytesToHuman(32768))
	scripts, functions, libraries := 0, 0, 0
	if st, ok := s.Scripting.(ScriptStats); ok {
		scripts, functions, libraries = st.ScriptCounts()
	}
	b.int("used_memory_scripts_eval", 0)
	b.int("number_of_cached_scripts", int64(scripts))
	b.int("number_of_functions", int64(functions))
	b.int("number_of_libraries", int64(libraries))
	b.int("used_memory_vm_functions", 33792)
	b.bytes("used_memory_vm_total", 66560)
	b.int("used_memory_functions", 200)
	b.bytes("used_memory_scripts", 200)
	b.bytes("maxmemory", int64(s.Config.Uint("maxmemory")))
	b.str("maxmemory_policy", s.Config.String("maxmemory-policy"))
	b.float2("allocator_frag_ratio", ratio(m.active, m.allocated))
	b.int("allocator_frag_bytes", m.active-m.allocated)
	b.float2("allocator_rss_ratio", ratio(m.resident, m.active))
	b.int("allocator_rss_bytes", m.resident-m.active)
	b.float2("rss_overhead_ratio", ratio(m.rss, m.resident))
	b.int("rss_overhead_bytes", m.rss-m.resident)
	b.float2("mem_fragmentation_ratio", ratio(m.rss, m.used))
	b.int("mem_fragmentation_bytes", m.rss-m.used)
	b.int("mem_not_counted_for_evict", m.notCountedForEvict())
	b.int("mem_replication_backlog", m.backlog)
	b.int("mem_total_replication_buffers", m.replBuffers)
	b.int("mem_clients_slaves", m.clientsSlaves)
	b.int("mem_clients_normal", m.clientsNormal)
	b.int("mem_cluster_links", 0)
	b.int("mem_aof_buffer", m.aof)
	b.str("mem_allocator", "libc")
	b.int("active_defrag_running", 0)
	b.int("lazyfree_pending_objects", 0)
	b.int("lazyfreed_objects", s.Stats.LazyfreedObjects)
}

// PersistenceInfo is what INFO persistence and LASTSAVE report. The
// persistence code (RDB snapshots, AOF) keeps it up to date; until then it
// holds what a Redis that never saved reports.
type PersistenceInfo struct {
	LastSave             int64         // unix seconds of the last successful save (LASTSAVE)
	BgsaveInProgress     bool          // rdb_bgsave_in_progress
	BgsaveStart          int64         // unix seconds the running BGSAVE started
	LastBgsaveOK         bool          // rdb_last_bgsave_status
	LastBgsaveTimeSec    int64         // rdb_last_bgsave_time_sec, -1 if none
	Saves                int64         // rdb_saves
	LastLoadKeysLoaded   int64         // rdb_last_load_keys_loaded
	LastLoadExpired      int64         // rdb_last_load_keys_expired
	SaveKeysProcessed    int64         // current_save_keys_processed
	SaveKeysTotal        int64         // current_save_keys_total
	LatestForkUsec       int64         // latest_fork_usec: time to start the last snapshot
	TotalForks           int64         // total_forks: snapshots started
	MigrateCachedSockets int64         // migrate_cached_sockets: MIGRATE's open connections
	AsyncLoading         bool          // async_loading
	LoadingStart         int64         // unix seconds the load started
	LoadingTotalBytes    int64         // size of the file being loaded
	LoadingLoaded        int64         // bytes loaded so far
	LoadProgress         *LoadProgress // a load off the loop: its progress, in place of LoadingLoaded
	AOFEnabled           bool          // aof_enabled: the AOF is on or waits for its first rewrite
	AOFConfigured        bool          // appendonly yes: INFO shows the aof sizes
	AOFRewriteRunning    bool          // aof_rewrite_in_progress
	AOFRewriteSched      bool          // aof_rewrite_scheduled
	AOFRewriteStart      int64         // unix seconds the running rewrite started
	AOFLastRewriteSec    int64         // aof_last_rewrite_time_sec, -1 if none
	AOFLastRewriteOK     bool          // aof_last_bgrewrite_status
	AOFRewrites          int64         // aof_rewrites
	AOFRewriteFailures   int64         // aof_rewrites_consecutive_failures
	AOFLastWriteOK       bool          // aof_last_write_status
	AOFCurrentSize       int64         // aof_current_size
	AOFBaseSize          int64         // aof_base_size
	AOFBufferLength      int64         // aof_buffer_length, mem_aof_buffer
	AOFPendingFsync      int64         // aof_pending_bio_fsync
	AOFDelayedFsync      int64         // aof_delayed_fsync
	LastCOWSize          int64         // rdb_last_cow_size, when not tracked by COW
	AOFLastCOWSize       int64         // aof_last_cow_size
}

// newPersistenceInfo is the state of a server that has not saved yet: as
// Redis, the last save is the start time.
func newPersistenceInfo() PersistenceInfo {
	return PersistenceInfo{
		LastSave:          time.Now().Unix(),
		LastBgsaveOK:      true,
		LastBgsaveTimeSec: -1,
		AOFLastRewriteSec: -1,
		AOFLastRewriteOK:  true,
		AOFLastWriteOK:    true,
	}
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

func (s *Server) infoPersistence(b *infoBuilder) {
	p := &s.Persistence
	now := time.Now().Unix()
	forkPerc := 0.0
	if p.SaveKeysTotal > 0 {
		forkPerc = float64(p.SaveKeysProcessed) / float64(p.SaveKeysTotal) * 100
	}
	sinceOr := func(running bool, start int64) int64 {
		if !running {
			return -1
		}
		return now - start
	}
	cow := p.LastCOWSize
	b.bool("loading", s.Loading && !p.AsyncLoading)
	b.bool("async_loading", p.AsyncLoading)
	b.int("current_cow_peak", 0)
	b.int("current_cow_size", liveCOW(s))
	b.int("current_cow_size_age", 0)
	b.float2("current_fork_perc", forkPerc)
	b.int("current_save_keys_processed", p.SaveKeysProcessed)
	b.int("current_save_keys_total", p.SaveKeysTotal)
	b.int("rdb_changes_since_last_save", s.Dirty)
	b.bool("rdb_bgsave_in_progress", p.BgsaveInProgress)
	b.int("rdb_last_save_time", p.LastSave)
	b.str("rdb_last_bgsave_status", okErr(p.LastBgsaveOK))
	b.int("rdb_last_bgsave_time_sec", p.LastBgsaveTimeSec)
	b.int("rdb_current_bgsave_time_sec", sinceOr(p.BgsaveInProgress, p.BgsaveStart))
	b.int("rdb_saves", p.Saves)
	b.int("rdb_last_cow_size", cow)
	b.int("rdb_last_load_keys_expired", p.LastLoadExpired)
	b.int("rdb_last_load_keys_loaded", p.LastLoadKeysLoaded)
	b.bool("aof_enabled", p.AOFEnabled)
	b.bool("aof_rewrite_in_progress", p.AOFRewriteRunning)
	b.bool("aof_rewrite_scheduled", p.AOFRewriteSched)
	b.int("aof_last_rewrite_time_sec", p.AOFLastRewriteSec)
	b.int("aof_current_rewrite_time_sec", sinceOr(p.AOFRewriteRunning, p.AOFRewriteStart))
	b.str("aof_last_bgrewrite_status", okErr(p.AOFLastRewriteOK))
	b.int("aof_rewrites", p.AOFRewrites)
	b.int("aof_rewrites_consecutive_failures", p.AOFRewriteFailures)
	b.str("aof_last_write_status", okErr(p.AOFLastWriteOK))
	b.int("aof_last_cow_size", p.AOFLastCOWSize)
	b.int("module_fork_in_progress", 0)
	b.int("module_fork_last_cow_size", 0)
	if p.AOFConfigured {
		b.int("aof_current_size", p.AOFCurrentSize)
		b.int("aof_base_size", p.AOFBaseSize)
		b.bool("aof_pending_rewrite", p.AOFRewriteSched)
		b.int("aof_buffer_length", p.AOFBufferLength)
		b.int("aof_pending_bio_fsync", p.AOFPendingFsync)
		b.int("aof_delayed_fsync", p.AOFDelayedFsync)
	}
	if s.Loading {
		infoLoading(b, p, now)
	}
}

// infoLoading is the progress of the load in progress, as Redis computes
// it: against the RDB's size, or, when a streamed RDB does not say it,
// against the memory its writer used (a bad estimate, capped at 99.99%).
func infoLoading(b *infoBuilder, p *PersistenceInfo, now int64) {
	loaded, usedMem := p.LoadingLoaded, int64(0)
	if pr := p.LoadProgress; pr != nil {
		loaded, usedMem = pr.Loaded.Load(), pr.RDBUsedMem.Load()
	}
	perc, remaining := 0.0, int64(1)
	switch {
	case p.LoadingTotalBytes > 0:
		perc = float64(loaded) / float64(p.LoadingTotalBytes) * 100
		remaining = p.LoadingTotalBytes - loaded
	case usedMem > 0:
		perc = min(float64(loaded)/float64(usedMem)*100, 99.99)
		remaining = max(usedMem-loaded, 1)
	}
	eta, elapsed := int64(1), now-p.LoadingStart
	if elapsed > 0 {
		eta = elapsed * remaining / (loaded + 1)
	}
	b.int("loading_start_time", p.LoadingStart)
	b.int("loading_total_bytes", p.LoadingTotalBytes)
	b.int("loading_rdb_used_mem", usedMem)
	b.int("loading_loaded_bytes", loaded)
	b.float2("loading_loaded_perc", perc)
	b.int("loading_eta_seconds", eta)
}

// LoadProgress is how far a load that runs off the loop went (a
// replica's full sync): the loading goroutine stores, INFO reads.
type LoadProgress struct {
	Loaded     atomic.Int64 // loading_loaded_bytes
	RDBUsedMem atomic.Int64 // loading_rdb_used_mem: the RDB's used-mem field
}

func (s *Server) infoStats(b *infoBuilder) {
	st := &s.Stats
	b.int("total_connections_received", st.Connections)
	b.int("total_commands_processed", st.Commands)
	b.int("instantaneous_ops_per_sec", s.InstantaneousOps())
	b.int("total_net_input_bytes", st.NetIn)
	b.int("total_net_output_bytes", st.NetOut)
	b.int("total_net_repl_input_bytes", st.NetReplIn)
	b.int("total_net_repl_output_bytes", st.NetReplOut)
	b.float2("instantaneous_input_kbps", float64(average(st.netInSamples[:]))/1024)
	b.float2("instantaneous_output_kbps", float64(average(st.netOutSamples[:]))/1024)
	b.float2("instantaneous_input_repl_kbps", 0)
	b.float2("instantaneous_output_repl_kbps", 0)
	b.int("rejected_connections", st.RejectedConns)
	b.int("sync_full", st.SyncFull)
	b.int("sync_partial_ok", st.SyncPartialOK)
	b.int("sync_partial_err", st.SyncPartialErr)
	b.int("expired_keys", st.ExpiredKeys)
	b.float2("expired_stale_perc", float64(st.ExpiredStaleSample))
	b.int("expired_time_cap_reached_count", 0)
	b.int("expire_cycle_cpu_milliseconds", st.ExpireCycleCPUMs)
	b.int("evicted_keys", st.EvictedKeys)
	b.int("evicted_clients", st.EvictedClients)
	evTotal, evCurrent := s.EvictionExceededTime()
	b.int("total_eviction_exceeded_time", evTotal)
	b.int("current_eviction_exceeded_time", evCurrent)
	b.int("keyspace_hits", st.Hits)
	b.int("keyspace_misses", st.Misses)
	b.int("pubsub_channels", int64(len(s.pubsub.channels)))
	b.int("pubsub_patterns", int64(len(s.pubsub.patterns)))
	b.int("pubsubshard_channels", 0)
	b.int("latest_fork_usec", s.Persistence.LatestForkUsec)
	b.int("total_forks", s.Persistence.TotalForks)
	b.int("migrate_cached_sockets", s.Persistence.MigrateCachedSockets)
	b.int("slave_expires_tracked_keys", 0)
	for _, name := range []string{"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
		"active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time"} {
		b.int(name, 0)
	}
	b.int("tracking_total_keys", int64(len(s.tracking.keys)))
	b.int("tracking_total_items", int64(s.tracking.items))
	b.int("tracking_total_prefixes", int64(len(s.tracking.prefixes)))
	b.int("unexpected_error_replies", st.UnexpectedErrors)
	b.int("total_error_replies", st.ErrorReplies)
	b.int("dump_payload_sanitizations", s.Stats.DumpPayloadSanitizations)
	b.int("total_reads_processed", st.ReadsProcessed)
	b.int("total_writes_processed", st.WritesProcessed)
	b.int("io_threaded_reads_processed", 0)
	b.int("io_threaded_writes_processed", 0)
	b.int("reply_buffer_shrinks", st.ReplyBufferShrinks)
	b.int("reply_buffer_expands", st.ReplyBufferExpands)
}

func (s *Server) infoCPU(b *infoBuilder) {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	b.str("used_cpu_sys", tv(self.Stime))
	b.str("used_cpu_user", tv(self.Utime))
	b.str("used_cpu_sys_children", tv(children.Stime))
	b.str("used_cpu_user_children", tv(children.Utime))
	// The loop goroutine has no thread of its own: the process's figures.
	b.str("used_cpu_sys_main_thread", tv(self.Stime))
	b.str("used_cpu_user_main_thread", tv(self.Utime))
}

// allCommands returns every command and subcommand, each container before
// its subcommands, in name order.
func allCommands() []*Command {
	var out []*Command
	for _, name := range commands.sortedNames() {
		out = append(out, commandAndSubcommands(commands[name])...)
	}
	return out
}

func (s *Server) infoCommandStats(b *infoBuilder) {
	for _, cmd := range allCommands() {
		st := s.Stat(cmd)
		if st.Calls == 0 && st.FailedCalls == 0 && st.RejectedCalls == 0 {
			continue
		}
		perCall := 0.0
		if st.Calls > 0 {
			perCall = float64(st.Usec) / float64(st.Calls)
		}
		b.str("cmdstat_"+cmd.FullName(), fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			st.Calls, st.Usec, perCall, st.RejectedCalls, st.FailedCalls))
	}
}

func (s *Server) infoErrorStats(b *infoBuilder) {
	codes := make([]string, 0, len(s.Stats.ErrorCodes))
	for code := range s.Stats.ErrorCodes {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		b.str("errorstat_"+code, "count="+itoa(s.Stats.ErrorCodes[code]))
	}
}

func (s *Server) infoLatencyStats(b *infoBuilder) {
	if !s.latency.tracking {
		return
	}
	for _, cmd := range allCommands() {
		if h := s.Stat(cmd).latency; h != nil {
			b.str("latency_percentiles_usec_"+cmd.FullName(), h.percentileLine(s.latency.percentiles))
		}
	}
}

func (s *Server) infoKeyspace(b *infoBuilder) {
	for _, db := range s.DBs {
		keys, expires := db.Len(), db.ExpiresLen()
		if keys == 0 && expires == 0 {
			continue
		}
		b.str(fmt.Sprintf("db%d", db.ID), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", keys, expires, db.AvgTTL()))
	}
}

// liveCOW is the bytes copied so far because of writes during the running
// snapshot (current_cow_size).
func liveCOW(s *Server) int64 {
	if s.COW == nil || s.COW.Live == 0 {
		return 0
	}
	return s.COW.Copied
}
