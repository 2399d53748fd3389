package metrics

// This server's own replication metrics, named redis_go_* so that they
// cannot collide with the exporter's redis_* names: what the exporter
// cannot compute from one INFO.

import (
	"math"
	"strconv"
	"time"

	"github.com/redis-go/redis-server/repl"
)

const (
	helpLagBytes    = "Bytes of the replication stream the replica has not acknowledged yet: master_repl_offset minus its last REPLCONF ACK offset."
	helpLagSeconds  = "Age of the oldest write the replica has not acknowledged (0 when it acknowledged everything), from the master's offset history."
	helpAckAge      = "Seconds since the replica's last REPLCONF ACK (INFO's lag, not rounded)."
	helpRate        = "Replication stream written per second over the last minute (less while the history is shorter)."
	helpCoverage    = "Seconds of writes the backlog holds at the current write rate: repl_backlog_size / write rate, how long a replica may stay disconnected and still resync partially. +Inf when nothing is written."
	helpBacklogAge  = "Age of the oldest byte in the backlog (a lower bound when older than the offset history)."
	helpSyncBytes   = "Bytes of the RDB sent so far to a replica in a full sync."
	helpSyncTotal   = "Size of the RDB being sent to a replica in a full sync (disk transfers; a streamed RDB's size is unknown until its end)."
	helpSyncElapsed = "Seconds since the replica's full sync began."
	helpSyncETA     = "Estimated seconds until the RDB transfer ends, at its average rate so far (in bytes, or in keys for a streamed RDB)."
	helpSyncKeys    = "Keys written so far to the RDB of a full sync: streamed (diskless), or the BGSAVE a disk transfer waits for."
	helpSyncKeysAll = "Keys of the RDB of a full sync (streamed, or the BGSAVE a disk transfer waits for)."
	helpReadBytes   = "Bytes of the RDB received so far from the master (master_sync_read_bytes)."
	helpReadTotal   = "Size of the RDB the master is sending (master_sync_total_bytes; unknown for a streamed RDB)."
)

// replicationMetrics adds the redis_go_* metrics.
func replicationMetrics(r *registry, s *scrape) {
	st := &s.repl
	if s.rateKnown {
		r.gauge("redis_go_repl_write_rate_bytes_per_second", helpRate, s.rate)
	}
	if st.BacklogActive {
		coverage := math.Inf(1)
		if s.rateKnown && s.rate > 0 {
			coverage = float64(st.BacklogSize) / s.rate
		}
		r.gauge("redis_go_repl_backlog_coverage_seconds", helpCoverage, coverage)
		r.gauge("redis_go_repl_backlog_history_seconds", helpBacklogAge, s.backlogAge.Seconds())
	}
	for i, rep := range st.Replicas {
		labels := []string{"slave_ip", rep.IP, "slave_port", strconv.Itoa(rep.Port), "slave_state", rep.State}
		if rep.Sync != nil {
			syncMetrics(r, s.time, rep.Sync, "redis_go_full_sync_", helpSyncBytes, helpSyncTotal, labels)
			continue
		}
		r.gauge("redis_go_replica_lag_bytes", helpLagBytes, float64(max(st.Offset-rep.AckOffset, 0)), labels...)
		r.gauge("redis_go_replica_lag_seconds", helpLagSeconds, s.replicaLags[i].Seconds(), labels...)
		if !rep.AckTime.IsZero() {
			r.gauge("redis_go_replica_last_ack_seconds", helpAckAge, s.time.Sub(rep.AckTime).Seconds(), labels...)
		}
	}
	if m := st.Master; m != nil && m.Sync != nil {
		labels := []string{"master_host", m.Host, "master_port", strconv.Itoa(m.Port)}
		syncMetrics(r, s.time, m.Sync, "redis_go_master_sync_", helpReadBytes, helpReadTotal, labels)
	}
}

// syncMetrics writes a transfer's bytes, total, elapsed time and ETA.
func syncMetrics(r *registry, now time.Time, p *repl.SyncProgress, prefix, helpBytes, helpTotal string, labels []string) {
	name := "sent_bytes"
	if prefix == "redis_go_master_sync_" {
		name = "read_bytes"
	}
	r.gauge(prefix+name, helpBytes, float64(p.Bytes), labels...)
	if p.Total >= 0 {
		r.gauge(prefix+"total_bytes", helpTotal, float64(p.Total), labels...)
	}
	if p.KeysTotal > 0 {
		r.gauge(prefix+"keys_sent", helpSyncKeys, float64(p.Keys), labels...)
		r.gauge(prefix+"keys_total", helpSyncKeysAll, float64(p.KeysTotal), labels...)
	}
	elapsed := now.Sub(p.Start).Seconds()
	r.gauge(prefix+"elapsed_seconds", helpSyncElapsed, elapsed, labels...)
	if eta, ok := syncETA(now, p); ok {
		r.gauge(prefix+"eta_seconds", helpSyncETA, eta, labels...)
	}
}

// syncETA is the time left at the transfer's average rate so far: known
// once it moved some bytes of a known total, or for a streamed RDB (or
// the BGSAVE a disk transfer waits for) some keys of a known count.
func syncETA(now time.Time, p *repl.SyncProgress) (float64, bool) {
	start, done, total := p.TransferStart, p.Bytes, p.Total
	if total < 0 {
		done, total = p.Keys, p.KeysTotal
	}
	if start.IsZero() {
		return 0, false
	}
	elapsed := now.Sub(start).Seconds()
	if total <= 0 || done <= 0 || elapsed <= 0 {
		return 0, false
	}
	return float64(total-done) / (float64(done) / elapsed), true
}
