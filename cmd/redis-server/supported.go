package main

// supportedDirectives are the configuration parameters this server
// implements. Every other parameter of Redis 7.0 is accepted, shown by
// CONFIG GET and kept by CONFIG REWRITE, but has no effect yet: the server
// warns about those found in the configuration at startup.
var supportedDirectives = []string{
	"port", "bind", "protected-mode", "oom-score-adj", "oom-score-adj-values", "tcp-keepalive", "timeout", "daemonize", "pidfile",
	"loglevel", "logfile", "databases", "dir", "maxclients", "requirepass", "hz",
	"proto-max-bulk-len", "client-query-buffer-limit", "enable-debug-command",
	"notify-keyspace-events", "slowlog-log-slower-than", "slowlog-max-len",
	"latency-monitor-threshold", "unixsocket", "include", "busy-reply-threshold",
	"save", "dbfilename", "rdbcompression", "rdbchecksum", "stop-writes-on-bgsave-error",
	"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
	"zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size", "list-compress-depth",
	"hll-sparse-max-bytes", "lazyfree-lazy-expire", "lazyfree-lazy-user-del",
	"replicaof", "masterauth", "masteruser", "repl-timeout", "replica-announce-ip", "replica-announce-port", "bind-source-addr", "replica-read-only", "replica-serve-stale-data",
	"repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "repl-diskless-load",
	"key-load-delay", "loading-process-events-interval-bytes",
	"repl-backlog-size", "repl-backlog-ttl", "repl-ping-replica-period", "min-replicas-to-write",
	"min-replicas-max-lag", "replica-priority", "replica-announced", "shutdown-timeout",
	"repl-disable-tcp-nodelay", "client-output-buffer-limit", "maxmemory-clients", "always-show-logo", "rdb-key-save-delay",
	"appendonly", "appendfsync", "appendfilename", "appenddirname", "no-appendfsync-on-rewrite",
	"auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size", "aof-load-truncated",
	"aof-use-rdb-preamble", "aof-rewrite-incremental-fsync", "aof-timestamp-enabled", "aof-disable-auto-gc",
	"maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
	"lfu-log-factor", "lfu-decay-time", "lazyfree-lazy-eviction", "replica-ignore-maxmemory",
	"stream-node-max-bytes", "stream-node-max-entries",
	"user", "aclfile", "acl-pubsub-default", "acllog-max-len",
	"metrics-port", "metrics-bind", "dual-channel-replication-enabled", "replica-full-sync-buffer-limit",
	"latency-tracking", "latency-tracking-info-percentiles", "propagation-error-behavior",
	"enable-module-command", "active-expire-effort", "tracking-table-max-keys", "rename-command",
	"cluster-enabled", "cluster-config-file", "cluster-node-timeout", "cluster-port",
	"cluster-announce-ip", "cluster-announce-port", "cluster-announce-bus-port", "cluster-announce-hostname",
	"cluster-require-full-coverage", "cluster-replica-validity-factor", "cluster-migration-barrier",
	"cluster-allow-replica-migration", "cluster-allow-reads-when-down", "cluster-allow-pubsubshard-when-down",
	"cluster-link-sendbuf-limit", "cluster-preferred-endpoint-type", "cluster-replica-no-failover", "sanitize-dump-payload",
	"shutdown-on-sigterm", "shutdown-on-sigint", "rdb-save-incremental-fsync", "proc-title-template",
}
