package tests

// The metrics endpoint (package metrics): /metrics parsed by Prometheus's
// own text-format parser and held to INFO, with redis_exporter 1.45's
// names; the redis_go_* replication metrics; full-sync progress on both
// ends. Real Redis has no such endpoint: these tests are this server's.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oursOnly skips a test of something real Redis does not have when the
// suite runs against it (REDIS_SERVER_BIN).
func oursOnly(t *testing.T) {
	if os.Getenv("REDIS_SERVER_BIN") != "" {
		t.Skip("the metrics endpoint is this server's own: real Redis has none")
	}
}

// httpGet fetches a URL as curl would and returns its body.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	require.NoError(t, err, "GET %s", url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", url, body)
	return string(body)
}

// scrapeMetrics fetches /metrics and parses it with Prometheus's parser,
// which rejects anything that is not valid text exposition (a family
// split in two, a bad name or label, a sample of the wrong type).
func scrapeMetrics(t *testing.T, port int) map[string]*dto.MetricFamily {
	t.Helper()
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, "parsing /metrics:\n%s", body)
	return fams
}

// metricValue is the value of the sample of name whose labels include
// the given name, value pairs; ok is false when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func requireMetric(t *testing.T, fams map[string]*dto.MetricFamily, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := metricValue(fams, name, labels...)
	require.True(t, ok, "no sample of %s%v", name, labels)
	assert.InDelta(t, want, got, 1e-9, "%s%v", name, labels)
}

// infoFloat is an INFO field as a number.
func infoFloat(t *testing.T, info map[string]string, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(info[name], 64)
	require.NoError(t, err, "INFO field %s=%q", name, info[name])
	return v
}

// exporterNames are the redis_exporter 1.45 metrics a Redis 7.0 master
// shows by default (no key, stream, client-list or Lua options).
var exporterNames = []string{
	"redis_up", "redis_start_time_seconds", "redis_instance_info", "redis_uptime_in_seconds", "redis_process_id",
	"redis_io_threads_active", "redis_connected_clients", "redis_blocked_clients", "redis_tracking_clients",
	"redis_clients_in_timeout_table", "redis_client_recent_max_output_buffer_bytes",
	"redis_client_recent_max_input_buffer_bytes", "redis_memory_used_bytes", "redis_memory_used_rss_bytes",
	"redis_memory_used_peak_bytes", "redis_memory_used_lua_bytes", "redis_memory_used_overhead_bytes",
	"redis_memory_used_startup_bytes", "redis_memory_used_dataset_bytes", "redis_memory_used_scripts_bytes",
	"redis_number_of_cached_scripts", "redis_memory_max_bytes", "redis_mem_fragmentation_ratio",
	"redis_mem_fragmentation_bytes", "redis_mem_clients_slaves", "redis_mem_clients_normal",
	"redis_mem_not_counted_for_eviction_bytes", "redis_lazyfree_pending_objects", "redis_active_defrag_running",
	"redis_allocator_active_bytes", "redis_allocator_allocated_bytes", "redis_allocator_resident_bytes",
	"redis_allocator_frag_ratio", "redis_allocator_frag_bytes", "redis_allocator_rss_ratio", "redis_allocator_rss_bytes",
	"redis_loading_dump_file", "redis_rdb_changes_since_last_save", "redis_rdb_bgsave_in_progress",
	"redis_rdb_last_save_timestamp_seconds", "redis_rdb_last_bgsave_status", "redis_rdb_last_bgsave_duration_sec",
	"redis_rdb_current_bgsave_duration_sec", "redis_rdb_last_cow_size_bytes", "redis_aof_enabled",
	"redis_aof_rewrite_in_progress", "redis_aof_rewrite_scheduled", "redis_aof_last_rewrite_duration_sec",
	"redis_aof_current_rewrite_duration_sec", "redis_aof_last_cow_size_bytes", "redis_aof_last_bgrewrite_status",
	"redis_aof_last_write_status", "redis_module_fork_in_progress", "redis_module_fork_last_cow_size",
	"redis_connections_received_total", "redis_commands_processed_total", "redis_rejected_connections_total",
	"redis_net_input_bytes_total", "redis_net_output_bytes_total", "redis_expired_keys_total",
	"redis_expired_stale_percentage", "redis_expired_time_cap_reached_total", "redis_evicted_keys_total",
	"redis_keyspace_hits_total", "redis_keyspace_misses_total", "redis_pubsub_channels", "redis_pubsub_patterns",
	"redis_latest_fork_seconds", "redis_migrate_cached_sockets_total", "redis_replica_resyncs_full",
	"redis_replica_partial_resync_accepted", "redis_replica_partial_resync_denied", "redis_tracking_total_keys",
	"redis_tracking_total_items", "redis_tracking_total_prefixes", "redis_defrag_hits", "redis_defrag_misses",
	"redis_defrag_key_hits", "redis_defrag_key_misses", "redis_total_error_replies", "redis_unexpected_error_replies",
	"redis_dump_payload_sanitizations", "redis_total_reads_processed", "redis_total_writes_processed",
	"redis_io_threaded_reads_processed", "redis_io_threaded_writes_processed", "redis_connected_slaves",
	"redis_master_repl_offset", "redis_second_repl_offset", "redis_repl_backlog_is_active",
	"redis_replication_backlog_bytes", "redis_repl_backlog_first_byte_offset", "redis_repl_backlog_history_bytes",
	"redis_connected_slave_offset_bytes", "redis_connected_slave_lag_seconds", "redis_cpu_sys_seconds_total",
	"redis_cpu_user_seconds_total", "redis_cpu_sys_children_seconds_total", "redis_cpu_user_children_seconds_total",
	"redis_cpu_sys_main_thread_seconds_total", "redis_cpu_user_main_thread_seconds_total", "redis_cluster_enabled",
	"redis_commands_total", "redis_commands_duration_seconds_total", "redis_commands_rejected_calls_total",
	"redis_commands_failed_calls_total", "redis_errors_total", "redis_latency_percentiles_usec", "redis_db_keys",
	"redis_db_keys_expiring", "redis_db_avg_ttl_seconds", "redis_slowlog_length", "redis_slowlog_last_id",
	"redis_last_slow_execution_duration_seconds", "redis_config_maxclients", "redis_config_maxmemory",
	"redis_config_io_threads",
}

// exporterReplicaNames are those a replica adds.
var exporterReplicaNames = []string{
	"redis_master_link_up", "redis_master_last_io_seconds_ago", "redis_master_sync_in_progress",
	"redis_slave_repl_offset", "redis_slave_info", "redis_slave_priority",
}

// TestMetricsMatchInfo scrapes a master with a real Redis replica and
// checks the exporter's names, types and labels, and their values against
// the INFO taken right after.
func TestMetricsMatchInfo(t *testing.T) {
	oursOnly(t)
	ctx := context.Background()
	mport := freePort(t)
	m := startNode(t, "", "--metrics-port", strconv.Itoa(mport), "--repl-ping-replica-period", "60",
		"--maxmemory", "100mb", "--slowlog-log-slower-than", "0")
	r := startNode(t, tool(t, "redis-server"), "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	for i := 0; i < 20; i++ {
		require.NoError(t, m.c.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	require.NoError(t, m.c.Set(ctx, "ttl", "v", time.Hour).Err())
	m.c.Get(ctx, "k1")
	m.c.Get(ctx, "nokey")
	require.Error(t, m.c.LPush(ctx, "k1", "x").Err()) // WRONGTYPE
	require.Error(t, m.c.Do(ctx, "NOSUCHCOMMAND").Err())
	waitSynced(t, m, r)
	// Redis's replica ACKs once a second: wait for the master to hear it.
	rport := strconv.Itoa(r.Port)
	var fams map[string]*dto.MetricFamily
	waitFor(t, syncTimeout, "the replica's ACK of everything", func() (bool, string) {
		fams = scrapeMetrics(t, mport)
		lag, ok := metricValue(fams, "redis_go_replica_lag_bytes", "slave_port", rport)
		return ok && lag == 0, fmt.Sprintf("lag %v (%v)", lag, ok)
	})
	info := infoMap(t, m.c, "everything")

	var missing []string
	for _, name := range exporterNames {
		if fams[name] == nil {
			missing = append(missing, name)
		}
	}
	require.Empty(t, missing, "redis_exporter names missing from /metrics")
	for name, typ := range map[string]dto.MetricType{
		"redis_commands_total": dto.MetricType_COUNTER, "redis_keyspace_hits_total": dto.MetricType_COUNTER,
		"redis_connected_clients": dto.MetricType_GAUGE, "redis_db_keys": dto.MetricType_GAUGE,
		"redis_latency_percentiles_usec": dto.MetricType_SUMMARY, "redis_errors_total": dto.MetricType_COUNTER,
	} {
		assert.Equal(t, typ, fams[name].GetType(), name)
	}

	requireMetric(t, fams, 1, "redis_up")
	requireMetric(t, fams, 1, "redis_instance_info", "role", "master", "redis_version", info["redis_version"],
		"tcp_port", strconv.Itoa(m.Port), "run_id", info["run_id"], "process_id", info["process_id"],
		"maxmemory_policy", "noeviction", "redis_mode", "standalone")
	requireMetric(t, fams, 21, "redis_db_keys", "db", "db0")
	requireMetric(t, fams, 1, "redis_db_keys_expiring", "db", "db0")
	requireMetric(t, fams, 0, "redis_db_keys", "db", "db3")
	requireMetric(t, fams, 0, "redis_db_keys", "db", "db15")
	requireMetric(t, fams, 100<<20, "redis_memory_max_bytes")
	requireMetric(t, fams, 100<<20, "redis_config_maxmemory")
	requireMetric(t, fams, 1, "redis_rdb_last_bgsave_status")
	requireMetric(t, fams, 0, "redis_aof_enabled")
	requireMetric(t, fams, 0, "redis_evicted_keys_total")
	requireMetric(t, fams, 1, "redis_connected_slaves")
	for _, f := range []struct{ metric, field string }{
		{"redis_keyspace_hits_total", "keyspace_hits"}, {"redis_keyspace_misses_total", "keyspace_misses"},
		{"redis_replication_backlog_bytes", "repl_backlog_size"}, {"redis_master_repl_offset", "master_repl_offset"},
		{"redis_repl_backlog_first_byte_offset", "repl_backlog_first_byte_offset"},
		{"redis_replica_resyncs_full", "sync_full"}, {"redis_rdb_last_save_timestamp_seconds", "rdb_last_save_time"},
		{"redis_memory_used_startup_bytes", "used_memory_startup"}, {"redis_total_error_replies", "total_error_replies"},
	} {
		requireMetric(t, fams, infoFloat(t, info, f.field), f.metric)
	}
	slave := parseSlaveField(info["slave0"])
	requireMetric(t, fams, infoFloat(t, slave, "offset"), "redis_connected_slave_offset_bytes",
		"slave_ip", "127.0.0.1", "slave_port", strconv.Itoa(r.Port), "slave_state", "online")
	_, ok := metricValue(fams, "redis_connected_slave_lag_seconds", "slave_port", strconv.Itoa(r.Port))
	require.True(t, ok)

	// Per command: the scrape's INFO was taken before the test's INFO, so
	// SET, GET and LPUSH have not moved since.
	for _, cmd := range []string{"set", "get", "lpush"} {
		st := parseSlaveField(info["cmdstat_"+cmd])
		requireMetric(t, fams, infoFloat(t, st, "calls"), "redis_commands_total", "cmd", cmd)
		requireMetric(t, fams, infoFloat(t, st, "usec")/1e6, "redis_commands_duration_seconds_total", "cmd", cmd)
		requireMetric(t, fams, infoFloat(t, st, "failed_calls"), "redis_commands_failed_calls_total", "cmd", cmd)
	}
	for _, e := range []string{"WRONGTYPE", "ERR"} { // go-redis's CLIENT SETINFO adds ERRs
		requireMetric(t, fams, infoFloat(t, parseSlaveField(info["errorstat_"+e]), "count"), "redis_errors_total", "err", e)
	}
	sum := fams["redis_latency_percentiles_usec"]
	var quantiles []string
	for _, mt := range sum.Metric {
		for _, l := range mt.Label {
			if l.GetName() == "cmd" && l.GetValue() == "set" {
				require.EqualValues(t, 21, mt.Summary.GetSampleCount())
				for _, q := range mt.Summary.Quantile {
					quantiles = append(quantiles, strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64))
				}
			}
		}
	}
	sort.Strings(quantiles)
	require.Equal(t, []string{"50", "99", "99.9"}, quantiles)

	// This server's own: the replica acknowledged everything, so its
	// offset is the master's, and the oldest write it lacks is none.
	requireMetric(t, fams, infoFloat(t, info, "master_repl_offset"), "redis_connected_slave_offset_bytes", "slave_port", rport)
	requireMetric(t, fams, 0, "redis_go_replica_lag_seconds", "slave_port", rport)
	// The status page's tree asks the replica, a real Redis, for its view.
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/status.json", mport))
	var st struct{ Tree statusTree }
	require.NoError(t, json.Unmarshal([]byte(body), &st), body)
	require.Len(t, st.Tree.Replicas, 1, body)
	rn := st.Tree.Replicas[0]
	require.Equal(t, r.Addr(), rn.Addr, body)
	require.Equal(t, "slave", rn.Role, body)
	require.Equal(t, "up", rn.LinkStatus, body)
	require.Empty(t, rn.Error, body)

	for _, name := range []string{"redis_go_replica_last_ack_seconds", "redis_go_repl_backlog_coverage_seconds",
		"redis_go_repl_backlog_history_seconds"} {
		require.NotNil(t, fams[name], name)
		require.Equal(t, dto.MetricType_GAUGE, fams[name].GetType(), name)
		require.NotEmpty(t, fams[name].GetHelp(), name)
	}
}

// parseSlaveField splits "a=1,b=2" (slaveN, cmdstat_x) into a map.
func parseSlaveField(v string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(part, "="); ok {
			out[k] = val
		}
	}
	return out
}

// TestMetricsConfig turns the endpoint on and off with CONFIG SET and
// checks that the parameters stay out of CONFIG GET *, as Redis's list.
func TestMetricsConfig(t *testing.T) {
	oursOnly(t)
	ctx := context.Background()
	s := startServer(t)
	c := s.client(t, 2)
	require.Equal(t, map[string]string{"metrics-port": "0"}, c.ConfigGet(ctx, "metrics-port").Val())
	require.NotContains(t, c.ConfigGet(ctx, "*").Val(), "metrics-port")
	port := freePort(t)
	require.NoError(t, c.ConfigSet(ctx, "metrics-port", strconv.Itoa(port)).Err())
	require.Contains(t, httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port)), "\nredis_up 1\n")
	require.Contains(t, httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)), "<title>Replication status</title>")
	require.NoError(t, c.ConfigSet(ctx, "metrics-port", "0").Err())
	_, err := (&http.Client{Timeout: 2 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	require.Error(t, err, "the endpoint is still up after CONFIG SET metrics-port 0")
}

// TestMetricsFullSyncProgress watches a slowed-down diskless full sync
// from both ends: the bytes sent by the master and read by the replica
// grow while it runs. Then the replica's lag, in bytes and seconds.
func TestMetricsFullSyncProgress(t *testing.T) {
	oursOnly(t)
	ctx := context.Background()
	mport, rport := freePort(t), freePort(t)
	m := startNode(t, "", "--metrics-port", strconv.Itoa(mport), "--repl-diskless-sync", "yes")
	// 1000 incompressible values of 1000 bytes, 2 ms each: a transfer of
	// 1 MB in 2 s or more, written 64 KB at a time.
	rng := rand.New(rand.NewPCG(1, 2))
	pipe := m.c.Pipeline()
	for i := 0; i < 1000; i++ {
		v := make([]byte, 1000)
		for j := range v {
			v[j] = byte(rng.Uint32())
		}
		pipe.Set(ctx, fmt.Sprintf("key:%d", i), v, 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, m.c.ConfigSet(ctx, "rdb-key-save-delay", "2000").Err())
	r := startNode(t, "", "--metrics-port", strconv.Itoa(rport), "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	port, mp := strconv.Itoa(r.Port), strconv.Itoa(m.Port)
	// Scrape both ends until one scrape shows the transfer under way and a
	// later one shows more bytes sent and read.
	var sent, read float64
	waitFor(t, syncTimeout, "the transfer to be under way and to progress on both ends", func() (bool, string) {
		mf, rf := scrapeMetrics(t, mport), scrapeMetrics(t, rport)
		s, ok1 := metricValue(mf, "redis_go_full_sync_sent_bytes", "slave_port", port)
		rd, ok2 := metricValue(rf, "redis_go_master_sync_read_bytes", "master_port", mp)
		state := fmt.Sprintf("sent %v (%v) read %v (%v)", s, ok1, rd, ok2)
		if !ok1 || !ok2 || s == 0 || rd == 0 {
			return false, state
		}
		// A streamed RDB's size is unknown until its end: its progress is keys.
		keys, _ := metricValue(mf, "redis_go_full_sync_keys_sent", "slave_port", port)
		all, _ := metricValue(mf, "redis_go_full_sync_keys_total", "slave_port", port)
		_, eta := metricValue(mf, "redis_go_full_sync_eta_seconds", "slave_port", port)
		_, total := metricValue(mf, "redis_go_full_sync_total_bytes", "slave_port", port)
		_, elapsed := metricValue(mf, "redis_go_full_sync_elapsed_seconds", "slave_port", port)
		require.True(t, keys > 0 && all == 1000 && eta && !total && elapsed,
			"keys %v of %v, ETA %v, total bytes %v, elapsed %v", keys, all, eta, total, elapsed)
		if sent == 0 {
			sent, read = s, rd
			return false, state
		}
		return s > sent && rd > read, fmt.Sprintf("sent %v -> %v, read %v -> %v", sent, s, read, rd)
	})
	require.NoError(t, m.c.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	waitSynced(t, m, r)
	mf := scrapeMetrics(t, mport)
	_, syncing := metricValue(mf, "redis_go_full_sync_sent_bytes", "slave_port", port)
	require.False(t, syncing, "a full sync still shown once the replica is online")
	_, ok := metricValue(mf, "redis_go_replica_lag_bytes", "slave_port", port)
	require.True(t, ok)

	// A replica that stops (SIGSTOP): its lag in bytes and in seconds
	// grows from the master's first write it did not acknowledge (ours,
	// or a PING sent meanwhile), then falls to zero once it runs again.
	var zeroAt time.Time // when the last scrape showing no lag began
	lagZero := func() (bool, string) {
		zeroAt = time.Now()
		mf := scrapeMetrics(t, mport)
		b, _ := metricValue(mf, "redis_go_replica_lag_bytes", "slave_port", port)
		s, _ := metricValue(mf, "redis_go_replica_lag_seconds", "slave_port", port)
		return b == 0 && s == 0, fmt.Sprintf("lag %v bytes, %v s", b, s)
	}
	waitFor(t, syncTimeout, "the replica to acknowledge everything", lagZero)
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGSTOP))
	stopped := true
	cont := func() {
		if stopped {
			stopped = false
			require.NoError(t, r.cmd.Process.Signal(syscall.SIGCONT))
		}
	}
	defer cont()
	require.NoError(t, m.c.Set(ctx, "late", "write", 0).Err())
	waitFor(t, syncTimeout, "a lag of the write's age", func() (bool, string) {
		mf := scrapeMetrics(t, mport)
		b, _ := metricValue(mf, "redis_go_replica_lag_bytes", "slave_port", port)
		s, _ := metricValue(mf, "redis_go_replica_lag_seconds", "slave_port", port)
		require.LessOrEqual(t, s, time.Since(zeroAt).Seconds(), "a lag older than the last time it had none")
		return b > 0 && s >= 0.5, fmt.Sprintf("lag %v bytes, %v s", b, s)
	})
	cont()
	waitFor(t, syncTimeout, "the lag to fall back to zero", lagZero)

	rf := scrapeMetrics(t, rport)
	var missing []string
	for _, name := range exporterReplicaNames {
		if rf[name] == nil {
			missing = append(missing, name)
		}
	}
	require.Empty(t, missing, "redis_exporter names of a replica missing from /metrics")
	requireMetric(t, rf, 1, "redis_master_link_up", "master_host", "127.0.0.1", "master_port", strconv.Itoa(m.Port))
	requireMetric(t, rf, 1, "redis_slave_info", "master_port", strconv.Itoa(m.Port), "read_only", "1")
}
