package repl

// INFO replication and ROLE, field for field as Redis 7.0.15 shows them,
// for both roles.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis-go/redis-server/db"
)

// Info writes the fields of INFO replication (db.Replication).
func (r *Repl) Info(b *strings.Builder) {
	now := time.Now()
	cfg := r.srv.Config
	line := func(name string, v any) { fmt.Fprintf(b, "%s:%v\r\n", name, v) }
	role := "master"
	if r.link != nil {
		role = "slave"
	}
	line("role", role)
	if l := r.link; l != nil {
		readOff, applied := l.Offsets()
		status := "down"
		if l.Up() {
			status = "up"
		}
		total, read, lastIO, syncing := l.Transfer(now)
		line("master_host", l.Host)
		line("master_port", l.Port)
		line("master_link_status", status)
		line("master_last_io_seconds_ago", l.LastIOSecondsAgo(now))
		line("master_sync_in_progress", boolInt(syncing))
		line("slave_read_repl_offset", readOff)
		line("slave_repl_offset", applied)
		r.dualInfo(line) // dual-channel syncs (rdbchannel.go)
		if syncing {
			perc := 0.0
			if total != 0 {
				perc = float64(read) / float64(total) * 100
			}
			line("master_sync_total_bytes", total)
			line("master_sync_read_bytes", read)
			line("master_sync_left_bytes", total-read)
			line("master_sync_perc", strconv.FormatFloat(perc, 'f', 2, 64))
			line("master_sync_last_io_seconds_ago", lastIO)
		}
		if !l.Up() {
			line("master_link_down_since_seconds", l.DownSeconds(now))
		}
		line("slave_priority", cfg.Int("replica-priority"))
		line("slave_read_only", boolInt(cfg.Bool("replica-read-only")))
		line("replica_announced", boolInt(cfg.Bool("replica-announced")))
	}
	line("connected_slaves", len(r.replicas))
	if st := r.settings; st.minReplicas > 0 && st.minReplicasMaxLag > 0 {
		line("min_slaves_good_slaves", r.goodReplicas)
	}
	id := 0
	for _, rep := range r.replicas {
		ip := rep.IP()
		if ip == "" {
			continue
		}
		state := "wait_bgsave"
		switch rep.state {
		case sendBulk:
			state = "send_bulk"
		case online:
			state = "online"
		case bgTransfer:
			state = "bg_transfer"
		}
		fmt.Fprintf(b, "slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d\r\n",
			id, ip, rep.ListenPort, state, rep.AckOffset, now.Unix()-rep.ackTime.Unix())
		id++
	}
	line("master_failover_state", r.failover.state)
	line("master_replid", r.ReplID)
	line("master_replid2", r.ReplID2)
	line("master_repl_offset", r.Offset)
	line("second_repl_offset", r.SecondOffset)
	var first, histlen int64
	if r.backlog != nil {
		first, histlen = r.backlog.First(), r.backlog.Histlen()
	}
	line("repl_backlog_active", boolInt(r.backlog != nil))
	line("repl_backlog_size", max(cfg.Int("repl-backlog-size"), minBacklogSize))
	line("repl_backlog_first_byte_offset", first)
	line("repl_backlog_histlen", histlen)
}

// ReplicationBuffers is the replication buffer's memory and the backlog's
// share of it (db.ReplicationMemory).
func (r *Repl) ReplicationBuffers() (total, backlog int64) {
	if r.backlog == nil {
		return 0, 0
	}
	total = r.backlog.Mem()
	if size := r.backlog.Size(); len(r.replicas) > 0 && total > size {
		return total, size
	}
	return total, total
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Role answers ROLE (db.Replication): ["master", offset, [[ip, port,
// acked offset] for each online replica]], or ["slave", host, port, link
// state, offset] with offset -1 while the link is down.
func (r *Repl) Role(c *db.Client) {
	if l := r.link; l != nil {
		c.ArrayLen(5)
		c.BulkString("slave")
		c.BulkString(l.Host)
		c.Int(int64(l.Port))
		c.BulkString(l.State())
		c.Int(l.RoleOffset())
		return
	}
	c.ArrayLen(3)
	c.BulkString("master")
	c.Int(r.Offset)
	d := c.Defer()
	n := 0
	for _, rep := range r.replicas {
		ip := rep.IP()
		if ip == "" || rep.state != online {
			continue
		}
		c.ArrayLen(3)
		c.BulkString(ip)
		c.BulkInt(int64(rep.ListenPort))
		c.BulkInt(rep.AckOffset)
		n++
	}
	c.SetArrayLen(d, n)
}
