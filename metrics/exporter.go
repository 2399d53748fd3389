package metrics

// The metrics of redis_exporter 1.45 (github.com/oliver006/redis_exporter,
// exporter/exporter.go, info.go, metrics.go, latency.go, slowlog.go), with
// its names, labels, types and HELP texts, computed from the same INFO
// text the exporter would scrape. The field maps below are the exporter's,
// but for the entries of Tile38 and KeyDB, which no Redis INFO has.

import (
	"sort"
	"strconv"
	"strings"
)

// exporterGauges maps INFO fields to the exporter's gauge names.
var exporterGauges = map[string]string{
	// Server
	"uptime_in_seconds": "uptime_in_seconds",
	"process_id":        "process_id",
	"io_threads_active": "io_threads_active",
	// Clients
	"connected_clients":               "connected_clients",
	"blocked_clients":                 "blocked_clients",
	"tracking_clients":                "tracking_clients",
	"clients_in_timeout_table":        "clients_in_timeout_table",
	"client_longest_output_list":      "client_longest_output_list",
	"client_biggest_input_buf":        "client_biggest_input_buf",
	"client_recent_max_output_buffer": "client_recent_max_output_buffer_bytes",
	"client_recent_max_input_buffer":  "client_recent_max_input_buffer_bytes",
	// Memory
	"allocator_active":                           "allocator_active_bytes",
	"allocator_allocated":                        "allocator_allocated_bytes",
	"allocator_resident":                         "allocator_resident_bytes",
	"allocator_frag_ratio":                       "allocator_frag_ratio",
	"allocator_frag_bytes":                       "allocator_frag_bytes",
	"allocator_rss_ratio":                        "allocator_rss_ratio",
	"allocator_rss_bytes":                        "allocator_rss_bytes",
	"used_memory":                                "memory_used_bytes",
	"used_memory_rss":                            "memory_used_rss_bytes",
	"used_memory_peak":                           "memory_used_peak_bytes",
	"used_memory_lua":                            "memory_used_lua_bytes",
	"used_memory_overhead":                       "memory_used_overhead_bytes",
	"used_memory_startup":                        "memory_used_startup_bytes",
	"used_memory_dataset":                        "memory_used_dataset_bytes",
	"used_memory_scripts":                        "memory_used_scripts_bytes",
	"number_of_cached_scripts":                   "number_of_cached_scripts",
	"maxmemory":                                  "memory_max_bytes",
	"maxmemory_reservation":                      "memory_max_reservation_bytes",
	"maxmemory_desired_reservation":              "memory_max_reservation_desired_bytes",
	"maxfragmentationmemory_reservation":         "memory_max_fragmentation_reservation_bytes",
	"maxfragmentationmemory_desired_reservation": "memory_max_fragmentation_reservation_desired_bytes",
	"mem_fragmentation_ratio":                    "mem_fragmentation_ratio",
	"mem_fragmentation_bytes":                    "mem_fragmentation_bytes",
	"mem_clients_slaves":                         "mem_clients_slaves",
	"mem_clients_normal":                         "mem_clients_normal",
	"expired_stale_perc":                         "expired_stale_percentage",
	"mem_not_counted_for_evict":                  "mem_not_counted_for_eviction_bytes",
	"lazyfree_pending_objects":                   "lazyfree_pending_objects",
	"active_defrag_running":                      "active_defrag_running",
	"migrate_cached_sockets":                     "migrate_cached_sockets_total",
	"active_defrag_hits":                         "defrag_hits",
	"active_defrag_misses":                       "defrag_misses",
	"active_defrag_key_hits":                     "defrag_key_hits",
	"active_defrag_key_misses":                   "defrag_key_misses",
	"expired_time_cap_reached_count":             "expired_time_cap_reached_total",
	// Persistence
	"loading":                      "loading_dump_file",
	"rdb_changes_since_last_save":  "rdb_changes_since_last_save",
	"rdb_bgsave_in_progress":       "rdb_bgsave_in_progress",
	"rdb_last_save_time":           "rdb_last_save_timestamp_seconds",
	"rdb_last_bgsave_status":       "rdb_last_bgsave_status",
	"rdb_last_bgsave_time_sec":     "rdb_last_bgsave_duration_sec",
	"rdb_current_bgsave_time_sec":  "rdb_current_bgsave_duration_sec",
	"rdb_last_cow_size":            "rdb_last_cow_size_bytes",
	"aof_enabled":                  "aof_enabled",
	"aof_rewrite_in_progress":      "aof_rewrite_in_progress",
	"aof_rewrite_scheduled":        "aof_rewrite_scheduled",
	"aof_last_rewrite_time_sec":    "aof_last_rewrite_duration_sec",
	"aof_current_rewrite_time_sec": "aof_current_rewrite_duration_sec",
	"aof_last_cow_size":            "aof_last_cow_size_bytes",
	"aof_current_size":             "aof_current_size_bytes",
	"aof_base_size":                "aof_base_size_bytes",
	"aof_pending_rewrite":          "aof_pending_rewrite",
	"aof_buffer_length":            "aof_buffer_length",
	"aof_rewrite_buffer_length":    "aof_rewrite_buffer_length",
	"aof_pending_bio_fsync":        "aof_pending_bio_fsync",
	"aof_delayed_fsync":            "aof_delayed_fsync",
	"aof_last_bgrewrite_status":    "aof_last_bgrewrite_status",
	"aof_last_write_status":        "aof_last_write_status",
	"module_fork_in_progress":      "module_fork_in_progress",
	"module_fork_last_cow_size":    "module_fork_last_cow_size",
	// Stats
	"pubsub_channels":         "pubsub_channels",
	"pubsub_patterns":         "pubsub_patterns",
	"latest_fork_usec":        "latest_fork_usec",
	"tracking_total_keys":     "tracking_total_keys",
	"tracking_total_items":    "tracking_total_items",
	"tracking_total_prefixes": "tracking_total_prefixes",
	// Replication
	"connected_slaves":               "connected_slaves",
	"repl_backlog_size":              "replication_backlog_bytes",
	"repl_backlog_active":            "repl_backlog_is_active",
	"repl_backlog_first_byte_offset": "repl_backlog_first_byte_offset",
	"repl_backlog_histlen":           "repl_backlog_history_bytes",
	"master_repl_offset":             "master_repl_offset",
	"second_repl_offset":             "second_repl_offset",
	"slave_expires_tracked_keys":     "slave_expires_tracked_keys",
	"slave_priority":                 "slave_priority",
	"sync_full":                      "replica_resyncs_full",
	"sync_partial_ok":                "replica_partial_resync_accepted",
	"sync_partial_err":               "replica_partial_resync_denied",
	// Cluster
	"cluster_stats_messages_sent":     "cluster_messages_sent_total",
	"cluster_stats_messages_received": "cluster_messages_received_total",
}

// exporterCounters maps INFO fields to the exporter's counter names.
var exporterCounters = map[string]string{
	"total_connections_received":   "connections_received_total",
	"total_commands_processed":     "commands_processed_total",
	"rejected_connections":         "rejected_connections_total",
	"total_net_input_bytes":        "net_input_bytes_total",
	"total_net_output_bytes":       "net_output_bytes_total",
	"expired_keys":                 "expired_keys_total",
	"cached_keys":                  "cached_keys_total",
	"evicted_keys":                 "evicted_keys_total",
	"keyspace_hits":                "keyspace_hits_total",
	"keyspace_misses":              "keyspace_misses_total",
	"used_cpu_sys":                 "cpu_sys_seconds_total",
	"used_cpu_user":                "cpu_user_seconds_total",
	"used_cpu_sys_children":        "cpu_sys_children_seconds_total",
	"used_cpu_user_children":       "cpu_user_children_seconds_total",
	"used_cpu_sys_main_thread":     "cpu_sys_main_thread_seconds_total",
	"used_cpu_user_main_thread":    "cpu_user_main_thread_seconds_total",
	"unexpected_error_replies":     "unexpected_error_replies",
	"total_error_replies":          "total_error_replies",
	"total_reads_processed":        "total_reads_processed",
	"total_writes_processed":       "total_writes_processed",
	"io_threaded_reads_processed":  "io_threaded_reads_processed",
	"io_threaded_writes_processed": "io_threaded_writes_processed",
	"dump_payload_sanitizations":   "dump_payload_sanitizations",
}

// The exporter's HELP texts for the metrics it describes itself; the
// others are "<name> metric", as the exporter writes them.
const (
	helpSlaveLag    = "Lag of connected slave"
	helpSlaveOffset = "Offset of connected slave"
)

// infoLine is one "field:value" line of INFO and its section.
type infoLine struct{ section, key, value string }

// parseInfo splits INFO's text as the exporter does.
func parseInfo(info string) []infoLine {
	var out []infoLine
	section := ""
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "# ") {
			section = line[2:]
			continue
		}
		if len(line) < 2 || !strings.Contains(line, ":") {
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		out = append(out, infoLine{section, k, v})
	}
	return out
}

// exporterMetrics adds the exporter's metrics for one scrape.
func exporterMetrics(r *registry, s *scrape) {
	kv := map[string]string{}
	cmdCalls := map[string]float64{}
	cmdUsec := map[string]float64{}
	latencies := map[string][][2]float64{}
	seenDB := map[string]bool{}
	masterHost, masterPort := "", ""
	for _, l := range parseInfo(s.info) {
		k, v := l.key, l.value
		kv[k] = v
		switch k {
		case "master_host":
			masterHost = v
		case "master_port":
			masterPort = v
		}
		switch l.section {
		case "Replication":
			if replicationLine(r, masterHost, masterPort, k, v) {
				continue
			}
		case "Server":
			if k == "uptime_in_seconds" {
				if up, err := strconv.ParseFloat(v, 64); err == nil {
					r.gauge("redis_start_time_seconds", "Start time of the Redis instance since unix epoch in seconds.",
						float64(s.time.Unix())-up)
				}
			}
		case "Commandstats":
			if cmd, calls, usec, rejected, failed, ok := parseCmdstat(k, v); ok {
				r.counter("redis_commands_total", "Total number of calls per command", calls, "cmd", cmd)
				r.counter("redis_commands_duration_seconds_total", "Total amount of time in seconds spent per command", usec/1e6, "cmd", cmd)
				r.counter("redis_commands_rejected_calls_total", "Total number of errors within command execution per command", rejected, "cmd", cmd)
				r.counter("redis_commands_failed_calls_total", "Total number of errors prior command execution per command", failed, "cmd", cmd)
				cmdCalls[cmd], cmdUsec[cmd] = calls, usec
			}
			continue
		case "Latencystats":
			if cmd, ok := strings.CutPrefix(k, "latency_percentiles_usec_"); ok {
				latencies[cmd] = parsePercentiles(v)
			}
			continue
		case "Errorstats":
			if e, ok := strings.CutPrefix(k, "errorstat_"); ok {
				if n, ok := fieldValue(v); ok {
					r.counter("redis_errors_total", "Total number of errors per error type", n, "err", e)
				}
			}
			continue
		case "Keyspace":
			if keys, expires, ttl, ok := parseKeyspace(k, v); ok {
				r.gauge("redis_db_keys", "Total number of keys by DB", keys, "db", k)
				r.gauge("redis_db_keys_expiring", "Total number of expiring keys by DB", expires, "db", k)
				r.gauge("redis_db_avg_ttl_seconds", "Avg TTL in seconds", ttl, "db", k)
				seenDB[k] = true
				continue
			}
		}
		infoField(r, k, v)
	}
	commandLatencies(r, latencies, cmdCalls, cmdUsec)
	for i := int64(0); i < s.databases; i++ {
		name := "db" + strconv.FormatInt(i, 10)
		if !seenDB[name] {
			r.gauge("redis_db_keys", "Total number of keys by DB", 0, "db", name)
			r.gauge("redis_db_keys_expiring", "Total number of expiring keys by DB", 0, "db", name)
		}
	}
	r.gauge("redis_instance_info", "Information about the Redis instance", 1,
		"role", kv["role"], "redis_version", kv["redis_version"], "redis_build_id", kv["redis_build_id"],
		"redis_mode", kv["redis_mode"], "os", kv["os"], "maxmemory_policy", kv["maxmemory_policy"],
		"tcp_port", kv["tcp_port"], "run_id", kv["run_id"], "process_id", kv["process_id"])
	if kv["role"] == "slave" {
		r.gauge("redis_slave_info", "Information about the Redis slave", 1,
			"master_host", kv["master_host"], "master_port", kv["master_port"], "read_only", kv["slave_read_only"])
	}
	for _, c := range []struct {
		name string
		v    int64
	}{{"io_threads", s.ioThreads}, {"maxclients", s.maxClients}, {"maxmemory", s.maxMemory}} {
		r.gauge("redis_config_"+c.name, "config_"+c.name+" metric", float64(c.v))
	}
	for _, e := range s.latency {
		r.gauge("redis_latency_spike_last", "When the latency spike last occurred", float64(e.Time), "event_name", e.Name)
		r.gauge("redis_latency_spike_duration_seconds", "Length of the last latency spike in seconds", float64(e.Latency)/1e3, "event_name", e.Name)
	}
	r.gauge("redis_slowlog_length", "Total slowlog", float64(s.slowlogLen))
	r.gauge("redis_slowlog_last_id", "Last id of slowlog", float64(s.slowlogLastID))
	r.gauge("redis_last_slow_execution_duration_seconds", "The amount of time needed for last slow execution, in seconds",
		float64(s.slowlogLastUsec)/1e6)
}

// replicationLine handles the exporter's special Replication fields; false
// for the others, which are plain fields.
func replicationLine(r *registry, host, port, k, v string) bool {
	switch k {
	case "master_link_status":
		up := 0.0
		if v == "up" {
			up = 1
		}
		r.gauge("redis_master_link_up", "Master link status on Redis slave", up, "master_host", host, "master_port", port)
		return true
	case "master_last_io_seconds_ago", "master_sync_in_progress", "slave_repl_offset":
		n, _ := strconv.Atoi(v)
		help := map[string]string{"master_last_io_seconds_ago": "Master last io seconds ago",
			"master_sync_in_progress": "Master sync in progress", "slave_repl_offset": "Slave replication offset"}[k]
		r.gauge("redis_"+k, help, float64(n), "master_host", host, "master_port", port)
		return true
	}
	rep, ok := parseSlaveLine(k, v)
	if !ok {
		return false
	}
	labels := []string{"slave_ip", rep.ip, "slave_port", rep.port, "slave_state", rep.state}
	r.gauge("redis_connected_slave_offset_bytes", helpSlaveOffset, rep.offset, labels...)
	if rep.lag >= 0 {
		r.gauge("redis_connected_slave_lag_seconds", helpSlaveLag, rep.lag, labels...)
	}
	return true
}

// infoField is the exporter's parseAndRegisterConstMetric for the fields
// it includes: those it maps, dbN, cmdstat_* and cluster_*.
func infoField(r *registry, k, v string) {
	name, counter := exporterGauges[k], false
	if name == "" {
		name, counter = exporterCounters[k], true
	}
	if name == "" {
		if !strings.HasPrefix(k, "db") && !strings.HasPrefix(k, "cmdstat_") && !strings.HasPrefix(k, "cluster_") {
			return
		}
		name, counter = sanitizeName(k), false
	}
	var val float64
	switch v {
	case "ok", "true":
		val = 1
	case "err", "fail", "false":
		val = 0
	default:
		val, _ = strconv.ParseFloat(v, 64) // as the exporter: 0 when not a number
	}
	help := name + " metric"
	if name == "latest_fork_usec" {
		name, val, help = "latest_fork_seconds", val/1e6, "latest_fork_seconds metric"
	}
	if counter {
		r.counter("redis_"+name, help, val)
	} else {
		r.gauge("redis_"+name, help, val)
	}
}

func sanitizeName(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			return c
		}
		return '_'
	}, s)
}

// fieldValue parses "name=value" into value.
func fieldValue(s string) (float64, bool) {
	_, v, ok := strings.Cut(s, "=")
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// parseCmdstat parses "cmdstat_get:calls=21,usec=175,usec_per_call=8.33,
// rejected_calls=0,failed_calls=0".
func parseCmdstat(k, v string) (cmd string, calls, usec, rejected, failed float64, ok bool) {
	cmd, ok = strings.CutPrefix(k, "cmdstat_")
	parts := strings.Split(v, ",")
	if !ok || len(parts) < 5 {
		return "", 0, 0, 0, 0, false
	}
	vals := make([]float64, 5)
	for i := range vals {
		if vals[i], ok = fieldValue(parts[i]); !ok {
			return "", 0, 0, 0, 0, false
		}
	}
	return cmd, vals[0], vals[1], vals[3], vals[4], true
}

// parsePercentiles parses "p50=0.001,p99=1.003,p99.9=4.015".
func parsePercentiles(v string) [][2]float64 {
	var out [][2]float64
	for _, part := range strings.Split(v, ",") {
		p, val, ok := strings.Cut(part, "=")
		if !ok || !strings.HasPrefix(p, "p") {
			continue
		}
		q, err1 := strconv.ParseFloat(p[1:], 64)
		x, err2 := strconv.ParseFloat(val, 64)
		if err1 == nil && err2 == nil {
			out = append(out, [2]float64{q, x})
		}
	}
	return out
}

// commandLatencies writes the exporter's latency_percentiles_usec
// summaries: the quantiles are INFO latencystats' percentiles (50, 99,
// 99.9), the count and sum commandstats' calls and usec.
func commandLatencies(r *registry, latencies map[string][][2]float64, calls, usec map[string]float64) {
	cmds := make([]string, 0, len(latencies))
	for cmd := range latencies {
		if _, ok := calls[cmd]; ok {
			cmds = append(cmds, cmd)
		}
	}
	sort.Strings(cmds)
	if len(cmds) == 0 {
		return
	}
	const name = "redis_latency_percentiles_usec"
	f := r.family(name, "A summary of latency percentile distribution per command", "summary")
	for _, cmd := range cmds {
		for _, q := range latencies[cmd] {
			f.add(name, q[1], "cmd", cmd, "quantile", formatValue(q[0]))
		}
		f.add(name+"_sum", usec[cmd], "cmd", cmd)
		f.add(name+"_count", calls[cmd], "cmd", cmd)
	}
}

// parseKeyspace parses "db0:keys=1,expires=0,avg_ttl=0": avg_ttl in seconds.
func parseKeyspace(k, v string) (keys, expires, ttl float64, ok bool) {
	parts := strings.Split(v, ",")
	if !strings.HasPrefix(k, "db") || len(parts) < 3 {
		return 0, 0, 0, false
	}
	keys, ok1 := fieldValue(parts[0])
	expires, ok2 := fieldValue(parts[1])
	ttl, ok3 := fieldValue(parts[2])
	return keys, expires, ttl / 1000, ok1 && ok2 && ok3
}

// slaveLine is one "slaveN:ip=...,port=...,state=...,offset=...,lag=..."
// line of INFO replication.
type slaveLine struct {
	ip, port, state string
	offset, lag     float64
}

func parseSlaveLine(k, v string) (slaveLine, bool) {
	rest, ok := strings.CutPrefix(k, "slave")
	if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" {
		return slaveLine{}, false
	}
	f := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		a, b, ok := strings.Cut(part, "=")
		if !ok {
			return slaveLine{}, false
		}
		f[a] = b
	}
	off, err := strconv.ParseFloat(f["offset"], 64)
	if err != nil {
		return slaveLine{}, false
	}
	lag, err := strconv.ParseFloat(f["lag"], 64)
	if err != nil {
		lag = -1
	}
	return slaveLine{f["ip"], f["port"], f["state"], off, lag}, true
}
