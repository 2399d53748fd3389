package repl

// Status is the replication state as data rather than INFO's text: what
// the metrics endpoint and its status page (package metrics) show beyond
// INFO replication, with the times and byte counts INFO rounds or leaves
// out (the time of each replica's last ACK, the bytes a full sync has
// sent so far). It is taken on the loop.

import "time"

// Status is one server's replication state at a moment.
type Status struct {
	Role           string // "master" or "slave", as INFO's role
	ReplID         string
	Offset         int64 // master_repl_offset
	BacklogActive  bool
	BacklogSize    int64 // repl_backlog_size
	BacklogFirst   int64 // repl_backlog_first_byte_offset
	BacklogHistlen int64 // repl_backlog_histlen
	Replicas       []ReplicaStatus
	Master         *MasterStatus // nil on a master
}

// ReplicaStatus is the master's view of one replica, as INFO's slaveN
// line (ip, port, state, offset) plus its last ACK's time and the
// progress of its full sync.
type ReplicaStatus struct {
	IP        string
	Port      int
	State     string // wait_bgsave, send_bulk or online, as INFO
	AckOffset int64
	AckTime   time.Time
	// Sync is the full sync in progress, nil once online.
	Sync *SyncProgress
}

// SyncProgress is a full sync's RDB transfer: bytes moved so far out of
// Total (-1 while unknown: a streamed RDB, or one not started yet). The
// master streaming an RDB knows its progress in keys instead: Keys
// written of KeysTotal (0 when not known).
type SyncProgress struct {
	Start         time.Time // the replica's PSYNC on the master, the payload's first byte on a replica
	TransferStart time.Time // when what Bytes or Keys count began: the transfer, or the BGSAVE it waits for
	Bytes         int64
	Total         int64
	Keys          int64
	KeysTotal     int64
}

// MasterStatus is a replica's link to its master, INFO's master_* fields.
type MasterStatus struct {
	Host       string
	Port       int
	LinkUp     bool
	LinkState  string // ROLE's: connect, connecting, handshake, sync, connected
	LastIO     time.Time
	ReadOffset int64 // slave_read_repl_offset
	Offset     int64 // slave_repl_offset
	DownSince  time.Time
	Sync       *SyncProgress // the RDB being received, nil when none
}

// Status returns the replication state. Loop only.
func (r *Repl) Status() Status {
	st := Status{Role: "master", ReplID: r.ReplID, Offset: r.Offset, BacklogActive: r.backlog != nil,
		BacklogSize: max(r.srv.Config.Int("repl-backlog-size"), minBacklogSize)}
	if r.backlog != nil {
		st.BacklogFirst, st.BacklogHistlen = r.backlog.First(), r.backlog.Histlen()
	}
	for _, rep := range r.replicas {
		ip := rep.IP()
		if ip == "" {
			continue // as INFO, which lists only replicas it can name
		}
		rs := ReplicaStatus{IP: ip, Port: rep.ListenPort, AckOffset: rep.AckOffset, AckTime: rep.ackTime}
		switch rep.state {
		case waitBgsaveStart, waitBgsaveEnd:
			rs.State = "wait_bgsave"
		case sendBulk:
			rs.State = "send_bulk"
		default:
			rs.State = "online"
		}
		if rs.State != "online" || rep.file != nil {
			p := &SyncProgress{Start: rep.syncStart, Total: -1}
			if t := rep.transfer; t != nil && rep.file == t.f {
				p.Bytes, p.Total, p.TransferStart = t.written.Load(), t.total, t.start
				if t.keys != nil {
					p.Keys, p.KeysTotal = t.keys.Load(), t.keysTotal
				}
			} else if rep.bulkSize > 0 && rep.state == sendBulk {
				p.Total = rep.bulkSize
			} else if pi := &r.srv.Persistence; rep.state == waitBgsaveEnd && pi.BgsaveInProgress {
				// The BGSAVE its disk transfer waits for: its keys.
				p.Keys, p.KeysTotal = pi.SaveKeysProcessed, pi.SaveKeysTotal
				p.TransferStart = time.Unix(pi.BgsaveStart, 0)
			}
			rs.Sync = p
		}
		st.Replicas = append(st.Replicas, rs)
	}
	l := r.link
	if l == nil {
		return st
	}
	st.Role = "slave"
	m := &MasterStatus{Host: l.Host, Port: l.Port, LinkUp: l.Up(), LinkState: l.State(), DownSince: l.DownSince}
	m.ReadOffset, m.Offset = l.Offsets()
	if l.Client != nil {
		m.LastIO = l.Client.LastActive
	}
	if a := l.attempt; l.Client == nil && a != nil && a.state.Load() == stateTransfer {
		total := a.syncTotal.Load()
		start := time.Unix(0, a.syncStart.Load())
		m.Sync = &SyncProgress{Start: start, TransferStart: start, Bytes: a.syncRead.Load(), Total: total}
		if total == 0 {
			m.Sync.Total = -1
		}
	}
	st.Master = m
	return st
}
