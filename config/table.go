// This file is the parameter table: every parameter of Redis 7.0.15 with its
// kind, default, bounds and flags, in the order of config.c's
// static_configs. Bounds are those of the C type Redis stores the value in.

package config

import "math"

const (
	intMin    = math.MinInt32
	intMax    = math.MaxInt32
	uintMax   = math.MaxUint32
	longMax   = math.MaxInt64
	ullongMax = -1 // all bits set: compared as uint64 by unsigned kinds
)

// Values of enable-protected-configs and friends, besides no (0).
const (
	allowYes   = 1
	allowLocal = 2
)

// Enum value sets shared by several parameters.
var (
	protectedAction = []enumName{{"no", 0}, {"yes", allowYes}, {"local", allowLocal}}
	shutdownFlags   = []enumName{{"default", 0}, {"save", shutdownSave}, {"nosave", shutdownNoSave},
		{"now", 4}, {"force", 8}}
)

// table collects parameters as they are declared.
type table []*param

// add declares a parameter. Numeric defaults may be given as int, enum
// defaults by name.
func (t *table) add(name string, fl Flags, k kind, def any, alias ...string) {
	switch k := k.(type) {
	case numKind:
		def = int64(def.(int))
	case enumKind:
		v, err := k.parse(nil, nil, []string{def.(string)})
		if err != nil {
			panic("config: bad default for " + name)
		}
		def = v
	}
	p := &param{name: name, flags: fl, kind: k, def: def}
	if len(alias) > 0 {
		p.alias = alias[0]
	}
	*t = append(*t, p)
}

func ints(lo, hi int64) numKind  { return numKind{lo: lo, hi: hi} }
func uints(lo, hi int64) numKind { return numKind{lo: lo, hi: hi, unsigned: true} }
func enum(names ...string) enumKind {
	k := enumKind{}
	for i, n := range names {
		k.names = append(k.names, enumName{n, i})
	}
	return k
}

// parameters returns a fresh table; cwd is the default of dir.
func parameters(cwd string) table {
	var t table
	yes, no := true, false

	t.add("rdbchecksum", Immutable, boolKind{}, yes)
	t.add("daemonize", Immutable, boolKind{}, no)
	t.add("io-threads-do-reads", Immutable, boolKind{}, no)
	t.add("always-show-logo", Immutable, boolKind{}, no)
	t.add("protected-mode", 0, boolKind{}, yes)
	t.add("rdbcompression", 0, boolKind{}, yes)
	t.add("rdb-del-sync-files", 0, boolKind{}, no)
	t.add("activerehashing", 0, boolKind{}, yes)
	t.add("stop-writes-on-bgsave-error", 0, boolKind{}, yes)
	t.add("set-proc-title", Immutable, boolKind{}, yes)
	t.add("dynamic-hz", 0, boolKind{}, yes)
	t.add("lazyfree-lazy-eviction", 0, boolKind{}, no)
	t.add("lazyfree-lazy-expire", 0, boolKind{}, no)
	t.add("lazyfree-lazy-server-del", 0, boolKind{}, no)
	t.add("lazyfree-lazy-user-del", 0, boolKind{}, no)
	t.add("lazyfree-lazy-user-flush", 0, boolKind{}, no)
	t.add("repl-disable-tcp-nodelay", 0, boolKind{}, no)
	t.add("repl-diskless-sync", 0, boolKind{}, yes)
	t.add("aof-rewrite-incremental-fsync", 0, boolKind{}, yes)
	t.add("no-appendfsync-on-rewrite", 0, boolKind{}, no)
	t.add("cluster-require-full-coverage", 0, boolKind{}, yes)
	t.add("rdb-save-incremental-fsync", 0, boolKind{}, yes)
	t.add("aof-load-truncated", 0, boolKind{}, yes)
	t.add("aof-use-rdb-preamble", 0, boolKind{}, yes)
	t.add("aof-timestamp-enabled", 0, boolKind{}, no)
	t.add("cluster-replica-no-failover", 0, boolKind{}, no, "cluster-slave-no-failover")
	t.add("replica-lazy-flush", 0, boolKind{}, no, "slave-lazy-flush")
	t.add("replica-serve-stale-data", 0, boolKind{}, yes, "slave-serve-stale-data")
	t.add("replica-read-only", 0, boolKind{}, yes, "slave-read-only")
	t.add("replica-ignore-maxmemory", 0, boolKind{}, yes, "slave-ignore-maxmemory")
	t.add("jemalloc-bg-thread", 0, boolKind{}, yes)
	t.add("activedefrag", 0, boolKind{check: checkActiveDefrag}, no)
	t.add("syslog-enabled", Immutable, boolKind{}, no)
	t.add("cluster-enabled", Immutable, boolKind{}, no)
	t.add("appendonly", DenyLoading, boolKind{}, no)
	t.add("cluster-allow-reads-when-down", 0, boolKind{}, no)
	t.add("cluster-allow-pubsubshard-when-down", 0, boolKind{}, yes)
	t.add("crash-log-enabled", 0, boolKind{}, yes)
	t.add("crash-memcheck-enabled", 0, boolKind{}, yes)
	t.add("use-exit-on-panic", Hidden, boolKind{}, no)
	t.add("disable-thp", Immutable, boolKind{}, yes)
	t.add("cluster-allow-replica-migration", 0, boolKind{}, yes)
	t.add("replica-announced", 0, boolKind{}, yes)
	t.add("latency-tracking", 0, boolKind{}, yes)
	t.add("aof-disable-auto-gc", 0, boolKind{}, no)
	t.add("replica-ignore-disk-write-errors", 0, boolKind{}, no)

	null := stringKind{nullable: true}
	t.add("aclfile", Immutable, stringKind{}, "")
	t.add("unixsocket", Immutable, null, "")
	t.add("pidfile", Immutable, null, "")
	t.add("replica-announce-ip", 0, null, "", "slave-announce-ip")
	t.add("masteruser", Sensitive, null, "")
	t.add("cluster-announce-ip", 0, null, "")
	t.add("cluster-config-file", Immutable, stringKind{}, "nodes.conf")
	t.add("cluster-announce-hostname", 0, stringKind{nullable: true, check: checkHostname}, "")
	t.add("syslog-ident", Immutable, stringKind{}, "redis")
	t.add("dbfilename", Protected, stringKind{check: checkDBFilename}, "dump.rdb")
	t.add("appendfilename", Immutable, stringKind{check: checkAOFFilename}, "appendonly.aof")
	t.add("appenddirname", Immutable, stringKind{check: checkAOFDirname}, "appendonlydir")
	t.add("server_cpulist", Immutable, null, "")
	t.add("bio_cpulist", Immutable, null, "")
	t.add("aof_rewrite_cpulist", Immutable, null, "")
	t.add("bgsave_cpulist", Immutable, null, "")
	t.add("ignore-warnings", 0, stringKind{}, "")
	t.add("proc-title-template", 0, stringKind{check: checkProcTitle}, defaultProcTitle)
	t.add("bind-source-addr", 0, null, "")
	t.add("logfile", Immutable, stringKind{}, "")
	t.add("masterauth", Sensitive, null, "")
	t.add("requirepass", Sensitive, null, "")

	t.add("supervised", Immutable, enum("upstart", "systemd", "auto", "no"), "no")
	t.add("syslog-facility", Immutable, enum("user", "local0", "local1", "local2",
		"local3", "local4", "local5", "local6", "local7"), "local0")
	t.add("repl-diskless-load", DenyLoading, enum("disabled", "on-empty-db", "swapdb"), "disabled")
	t.add("loglevel", 0, enum("debug", "verbose", "notice", "warning"), "notice")
	t.add("maxmemory-policy", 0, enum("volatile-lru", "volatile-lfu", "volatile-random",
		"volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"), "noeviction")
	t.add("appendfsync", 0, enum("everysec", "always", "no"), "everysec")
	t.add("oom-score-adj", 0, enumKind{names: []enumName{
		{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}}, "no")
	t.add("acl-pubsub-default", 0, enum("allchannels", "resetchannels"), "resetchannels")
	t.add("sanitize-dump-payload", 0, enum("no", "yes", "clients"), "no")
	t.add("enable-protected-configs", Immutable, enumKind{names: protectedAction}, "no")
	t.add("enable-debug-command", Immutable, enumKind{names: protectedAction}, "no")
	t.add("enable-module-command", Immutable, enumKind{names: protectedAction}, "no")
	t.add("cluster-preferred-endpoint-type", 0, enum("ip", "hostname", "unknown-endpoint"), "ip")
	t.add("propagation-error-behavior", 0, enum("ignore", "panic", "panic-on-replicas"), "ignore")
	shutdown := enumKind{names: shutdownFlags, flags: true, check: checkShutdownFlags}
	t.add("shutdown-on-sigint", multiArg, shutdown, "default")
	t.add("shutdown-on-sigterm", multiArg, shutdown, "default")

	t.add("databases", Immutable, ints(1, intMax), 16)
	t.add("port", 0, ints(0, 65535), 6379)
	t.add("io-threads", Immutable, ints(1, 128), 1)
	t.add("auto-aof-rewrite-percentage", 0, ints(0, intMax), 100)
	t.add("cluster-replica-validity-factor", 0, ints(0, intMax), 10, "cluster-slave-validity-factor")
	t.add("list-max-listpack-size", 0, ints(intMin, intMax), -2, "list-max-ziplist-size")
	t.add("tcp-keepalive", 0, ints(0, intMax), 300)
	t.add("cluster-migration-barrier", 0, ints(0, intMax), 1)
	t.add("active-defrag-cycle-min", 0, ints(1, 99), 1)
	t.add("active-defrag-cycle-max", 0, ints(1, 99), 25)
	t.add("active-defrag-threshold-lower", 0, ints(0, 1000), 10)
	t.add("active-defrag-threshold-upper", 0, ints(0, 1000), 100)
	t.add("lfu-log-factor", 0, ints(0, intMax), 10)
	t.add("lfu-decay-time", 0, ints(0, intMax), 1)
	t.add("replica-priority", 0, ints(0, intMax), 100, "slave-priority")
	t.add("repl-diskless-sync-delay", 0, ints(0, intMax), 5)
	t.add("maxmemory-samples", 0, ints(1, intMax), 5)
	t.add("maxmemory-eviction-tenacity", 0, ints(0, 100), 10)
	t.add("timeout", 0, ints(0, intMax), 0)
	t.add("replica-announce-port", 0, ints(0, 65535), 0, "slave-announce-port")
	t.add("tcp-backlog", Immutable, ints(0, intMax), 511)
	t.add("cluster-port", Immutable, ints(0, 65535), 0)
	t.add("cluster-announce-bus-port", 0, ints(0, 65535), 0)
	t.add("cluster-announce-port", 0, ints(0, 65535), 0)
	t.add("cluster-announce-tls-port", 0, ints(0, 65535), 0)
	t.add("repl-timeout", 0, ints(1, intMax), 60)
	t.add("repl-ping-replica-period", 0, ints(1, intMax), 10, "repl-ping-slave-period")
	t.add("list-compress-depth", 0, ints(0, intMax), 0)
	t.add("rdb-key-save-delay", Hidden, ints(intMin, intMax), 0)
	t.add("key-load-delay", Hidden, ints(intMin, intMax), 0)
	t.add("active-expire-effort", 0, ints(1, 10), 1)
	t.add("hz", 0, numKind{lo: 0, hi: intMax, adjust: clampHz}, 10)
	t.add("min-replicas-to-write", 0, ints(0, intMax), 0, "min-slaves-to-write")
	t.add("min-replicas-max-lag", 0, ints(0, intMax), 10, "min-slaves-max-lag")
	t.add("watchdog-period", Hidden, ints(0, intMax), 0)
	t.add("shutdown-timeout", 0, ints(0, intMax), 10)
	t.add("repl-diskless-sync-max-replicas", 0, ints(0, intMax), 0)

	t.add("maxclients", 0, uints(1, uintMax), 10000)
	t.add("unixsocketperm", Immutable, numKind{hi: 0o777, unsigned: true, octal: true}, 0)
	t.add("socket-mark-id", Immutable, uints(0, uintMax), 0)

	t.add("active-defrag-max-scan-fields", 0, ints(1, longMax), 1000)
	t.add("slowlog-max-len", 0, ints(0, longMax), 128)
	t.add("acllog-max-len", 0, ints(0, longMax), 128)

	t.add("busy-reply-threshold", 0, ints(0, longMax), 5000, "lua-time-limit")
	t.add("cluster-node-timeout", 0, ints(0, longMax), 15000)
	t.add("slowlog-log-slower-than", 0, ints(-1, longMax), 10000)
	t.add("latency-monitor-threshold", 0, ints(0, longMax), 0)
	t.add("proto-max-bulk-len", 0, numKind{lo: 1 << 20, hi: longMax, memory: true}, 512<<20)
	t.add("stream-node-max-entries", 0, ints(0, longMax), 100)
	t.add("repl-backlog-size", 0, numKind{lo: 1, hi: longMax, memory: true}, 1<<20)

	t.add("maxmemory", 0, numKind{hi: ullongMax, unsigned: true, memory: true}, 0)
	t.add("cluster-link-sendbuf-limit", 0, numKind{hi: ullongMax, unsigned: true, memory: true}, 0)

	sizes := func(lo int64, memory bool) numKind {
		return numKind{lo: lo, hi: longMax, unsigned: true, memory: memory}
	}
	t.add("hash-max-listpack-entries", 0, sizes(0, false), 512, "hash-max-ziplist-entries")
	t.add("set-max-intset-entries", 0, sizes(0, false), 512)
	t.add("zset-max-listpack-entries", 0, sizes(0, false), 128, "zset-max-ziplist-entries")
	t.add("active-defrag-ignore-bytes", 0, sizes(1, true), 100<<20)
	t.add("hash-max-listpack-value", 0, sizes(0, true), 64, "hash-max-ziplist-value")
	t.add("stream-node-max-bytes", 0, sizes(0, true), 4096)
	t.add("zset-max-listpack-value", 0, sizes(0, true), 64, "zset-max-ziplist-value")
	t.add("hll-sparse-max-bytes", 0, sizes(0, true), 3000)
	t.add("tracking-table-max-keys", 0, sizes(0, false), 1000000)
	t.add("client-query-buffer-limit", 0, sizes(1<<20, true), 1<<30)
	t.add("maxmemory-clients", 0, numKind{lo: -100, hi: longMax, memory: true, percent: true}, 0)

	t.add("repl-backlog-ttl", 0, ints(0, longMax), 3600)
	t.add("auto-aof-rewrite-min-size", 0, numKind{hi: longMax, memory: true}, 64<<20)
	t.add("loading-process-events-interval-bytes", Hidden, ints(1024, intMax), 2<<20)

	t.add("tls-port", 0, ints(0, 65535), 0)
	t.add("tls-session-cache-size", 0, ints(0, intMax), 20*1024)
	t.add("tls-session-cache-timeout", 0, ints(0, intMax), 300)
	t.add("tls-cluster", 0, boolKind{}, no)
	t.add("tls-replication", 0, boolKind{}, no)
	t.add("tls-auth-clients", 0, enum("no", "yes", "optional"), "yes")
	t.add("tls-prefer-server-ciphers", 0, boolKind{}, no)
	t.add("tls-session-caching", 0, boolKind{}, yes)
	t.add("tls-cert-file", 0, null, "")
	t.add("tls-key-file", 0, null, "")
	t.add("tls-key-file-pass", 0, null, "")
	t.add("tls-client-cert-file", 0, null, "")
	t.add("tls-client-key-file", 0, null, "")
	t.add("tls-client-key-file-pass", 0, null, "")
	t.add("tls-dh-params-file", 0, null, "")
	t.add("tls-ca-cert-file", 0, null, "")
	t.add("tls-ca-cert-dir", 0, null, "")
	t.add("tls-protocols", 0, null, "")
	t.add("tls-ciphers", 0, null, "")
	t.add("tls-ciphersuites", 0, null, "")

	t.add("dir", Protected|DenyLoading, dirKind{}, cwd)
	t.add("save", multiArg, saveKind{}, []SaveParam{{3600, 1}, {300, 100}, {60, 10000}})
	t.add("client-output-buffer-limit", multiArg, bufferLimitsKind{}, defaultBufferLimits)
	t.add("oom-score-adj-values", multiArg, oomScoreKind{}, []int64{0, 200, 800})
	t.add("notify-keyspace-events", 0, notifyKind{}, 0)
	t.add("bind", multiArg, bindKind{}, defaultBind)
	t.add("replicaof", Immutable|multiArg, replicaOfKind{}, ReplicaOf{}, "slaveof")
	t.add("latency-tracking-info-percentiles", multiArg, percentilesKind{}, []float64{50, 99, 99.9})

	// This server's own parameters, which Redis does not have: hidden, so
	// that CONFIG GET * lists Redis's parameters only (package metrics).
	t.add("metrics-port", Hidden, ints(0, 65535), 0)
	t.add("metrics-bind", Hidden, stringKind{}, "127.0.0.1")
	// Beyond Redis 7.0 (hidden from CONFIG GET patterns, so that
	// CONFIG GET * stays Redis 7.0's): the dual-channel full sync of
	// Valkey 8 (repl/dualchannel.go), on by default, and the bound of the
	// stream a replica buffers meanwhile (0: the replica class's hard
	// client-output-buffer-limit, as Valkey).
	t.add("dual-channel-replication-enabled", Hidden, boolKind{}, yes)
	t.add("replica-full-sync-buffer-limit", Hidden, numKind{hi: longMax, memory: true}, 0)
	return t
}
