package metrics

// /status.json: the replication tree this node sees. The root is this
// node, from its own replication Status; its master, if any, is shown as
// its link. The replicas below it are found by asking each one for its
// own: a short RESP connection to the address INFO's slaveN line gives
// (the replica's IP and listening port), AUTH with masteruser/masterauth
// when set (a replica of ours takes what its master accepts), and INFO
// replication, whose slaveN lines name the next level. It works the same
// whether the replicas are this server or real Redis. The walk is bounded
// in depth and time, and a node that cannot be asked shows its error.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis-go/redis-server/repl"
)

const (
	treeDepth   = 6               // levels of replicas below this node
	nodeTimeout = 1 * time.Second // to connect to a replica and read its INFO
	walkTimeout = 3 * time.Second // for the whole walk
)

// status is /status.json.
type status struct {
	Time    float64      `json:"time"` // unix seconds
	Self    string       `json:"self"`
	Master  *masterJSON  `json:"master,omitempty"`
	Backlog *backlogJSON `json:"backlog,omitempty"`
	RateBps *float64     `json:"write_rate_bytes_per_second,omitempty"`
	Tree    *node        `json:"tree"`
}

type masterJSON struct {
	Addr       string    `json:"addr"`
	LinkUp     bool      `json:"link_up"`
	LinkState  string    `json:"link_state"`
	LastIO     *float64  `json:"last_io_seconds_ago,omitempty"`
	DownFor    *float64  `json:"down_seconds,omitempty"`
	ReadOffset int64     `json:"read_offset"`
	Offset     int64     `json:"offset"`
	Sync       *syncJSON `json:"sync,omitempty"`
}

type backlogJSON struct {
	Size            int64    `json:"size"`
	Histlen         int64    `json:"histlen"`
	FirstByte       int64    `json:"first_byte_offset"`
	HistorySeconds  float64  `json:"history_seconds"`
	HistoryAtLeast  bool     `json:"history_at_least,omitempty"`
	CoverageSeconds *float64 `json:"coverage_seconds"` // null: nothing written, unbounded
}

type syncJSON struct {
	Bytes     int64    `json:"bytes"`
	Total     int64    `json:"total"` // -1: unknown
	Keys      int64    `json:"keys,omitempty"`
	KeysTotal int64    `json:"keys_total,omitempty"` // a streamed RDB's progress
	Elapsed   float64  `json:"elapsed_seconds"`
	ETA       *float64 `json:"eta_seconds,omitempty"`
}

// node is one server of the tree and the link from its master to it.
type node struct {
	Addr   string `json:"addr"`
	Self   bool   `json:"self,omitempty"`
	Role   string `json:"role,omitempty"`
	ReplID string `json:"replid,omitempty"` // this node's only
	Offset *int64 `json:"offset,omitempty"` // its master_repl_offset
	Error  string `json:"error,omitempty"`
	// The link from its master, as the master sees it.
	State      string    `json:"state,omitempty"` // wait_bgsave, send_bulk, online
	AckOffset  *int64    `json:"ack_offset,omitempty"`
	LagBytes   *int64    `json:"lag_bytes,omitempty"`
	LagSeconds *float64  `json:"lag_seconds,omitempty"` // the age of its oldest unacknowledged write
	AckAge     *float64  `json:"last_ack_seconds,omitempty"`
	Sync       *syncJSON `json:"sync,omitempty"` // sent by the master
	// The link as the replica sees it.
	LinkStatus string    `json:"link_status,omitempty"`
	Receiving  *syncJSON `json:"receiving,omitempty"` // master_sync_* on the replica
	Truncated  bool      `json:"truncated,omitempty"` // replicas beyond the depth limit not asked
	Replicas   []*node   `json:"replicas"`
}

func ptr[T any](v T) *T { return &v }

func (m *Metrics) serveStatus() page {
	ctx := context.Background()
	s, err := m.take(ctx, false)
	if err != nil {
		return page{status: 503, contentType: textPlain, body: []byte(err.Error() + "\n")}
	}
	body, err := json.Marshal(m.buildStatus(ctx, s))
	if err != nil {
		return page{status: 503, contentType: textPlain, body: []byte(err.Error() + "\n")}
	}
	return page{status: 200, contentType: "application/json", noStore: true, body: append(body, '\n')}
}

func progressJSON(now time.Time, p *repl.SyncProgress) *syncJSON {
	if p == nil {
		return nil
	}
	j := &syncJSON{Bytes: p.Bytes, Total: p.Total, Keys: p.Keys, KeysTotal: p.KeysTotal, Elapsed: now.Sub(p.Start).Seconds()}
	if eta, ok := syncETA(now, p); ok {
		j.ETA = &eta
	}
	return j
}

// buildStatus makes the status of a scrape and walks the replicas.
func (m *Metrics) buildStatus(ctx context.Context, s *scrape) *status {
	now := s.time
	rs := &s.repl
	self := selfAddr(s.binds, s.port)
	st := &status{Time: float64(now.UnixMilli()) / 1000, Self: self}
	root := &node{Addr: self, Self: true, Role: rs.Role, ReplID: rs.ReplID, Offset: ptr(rs.Offset)}
	st.Tree = root
	if mst := rs.Master; mst != nil {
		mj := &masterJSON{Addr: net.JoinHostPort(mst.Host, strconv.Itoa(mst.Port)), LinkUp: mst.LinkUp,
			LinkState: mst.LinkState, ReadOffset: mst.ReadOffset, Offset: mst.Offset, Sync: progressJSON(now, mst.Sync)}
		if mst.LinkUp {
			mj.LastIO = ptr(now.Sub(mst.LastIO).Seconds())
		} else if !mst.DownSince.IsZero() {
			mj.DownFor = ptr(now.Sub(mst.DownSince).Seconds())
		}
		st.Master = mj
	}
	if rs.BacklogActive {
		b := &backlogJSON{Size: rs.BacklogSize, Histlen: rs.BacklogHistlen, FirstByte: rs.BacklogFirst,
			HistorySeconds: s.backlogAge.Seconds(), HistoryAtLeast: s.backlogOld}
		if s.rateKnown && s.rate > 0 {
			b.CoverageSeconds = ptr(float64(rs.BacklogSize) / s.rate)
		}
		st.Backlog = b
	}
	if s.rateKnown {
		st.RateBps = ptr(s.rate)
	}
	for i, rep := range rs.Replicas {
		n := &node{Addr: net.JoinHostPort(rep.IP, strconv.Itoa(rep.Port)), State: rep.State,
			AckOffset: ptr(rep.AckOffset), Sync: progressJSON(now, rep.Sync)}
		if rep.Sync == nil {
			n.LagBytes = ptr(max(rs.Offset-rep.AckOffset, 0))
			n.LagSeconds = ptr(s.replicaLags[i].Seconds())
			if !rep.AckTime.IsZero() {
				n.AckAge = ptr(now.Sub(rep.AckTime).Seconds())
			}
		}
		root.Replicas = append(root.Replicas, n)
	}
	ctx, cancel := context.WithTimeout(ctx, walkTimeout)
	defer cancel()
	w := &walker{user: s.masterUser, pass: s.masterAuth, seen: map[string]bool{self: true}}
	w.children(ctx, root, 1)
	return st
}

// selfAddr names this node: its first bind address that is not a
// wildcard (else the host name) and its port.
func selfAddr(binds []string, port int64) string {
	host := ""
	for _, b := range binds {
		b = strings.TrimPrefix(b, "-")
		if b != "*" && b != "::*" && b != "0.0.0.0" && b != "::" {
			host = b
			break
		}
	}
	if host == "" {
		host, _ = os.Hostname()
	}
	return net.JoinHostPort(host, strconv.FormatInt(port, 10))
}

// walker asks replicas for their replicas.
type walker struct {
	user, pass string
	mu         sync.Mutex
	seen       map[string]bool
}

// children asks each replica of n, concurrently, for its view and its own
// replicas, and so on down to treeDepth.
func (w *walker) children(ctx context.Context, n *node, depth int) {
	var wg sync.WaitGroup
	for _, c := range n.Replicas {
		w.mu.Lock()
		loop := w.seen[c.Addr]
		w.seen[c.Addr] = true
		w.mu.Unlock()
		if loop {
			c.Error = "already in the tree (a replication loop?)"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.visit(ctx, c, depth)
		}()
	}
	wg.Wait()
}

// visit fills in a replica from its own INFO replication.
func (w *walker) visit(ctx context.Context, n *node, depth int) {
	info, err := w.info(ctx, n.Addr)
	if err != nil {
		n.Error = err.Error()
		return
	}
	kv := map[string]string{}
	for _, l := range parseInfo(info) {
		kv[l.key] = l.value
	}
	n.Role = kv["role"]
	if off, err := strconv.ParseInt(kv["master_repl_offset"], 10, 64); err == nil {
		n.Offset = &off
	}
	n.LinkStatus = kv["master_link_status"]
	if kv["master_sync_in_progress"] == "1" {
		if total, err := strconv.ParseInt(kv["master_sync_total_bytes"], 10, 64); err == nil {
			read, _ := strconv.ParseInt(kv["master_sync_read_bytes"], 10, 64)
			if total <= 0 {
				total = -1
			}
			n.Receiving = &syncJSON{Bytes: read, Total: total, Elapsed: -1}
		}
	}
	for _, l := range parseInfo(info) {
		rep, ok := parseSlaveLine(l.key, l.value)
		if !ok {
			continue
		}
		c := &node{Addr: net.JoinHostPort(rep.ip, rep.port), State: rep.state, AckOffset: ptr(int64(rep.offset))}
		if n.Offset != nil && rep.state == "online" {
			c.LagBytes = ptr(max(*n.Offset-int64(rep.offset), 0))
		}
		if rep.lag >= 0 && rep.state == "online" {
			c.AckAge = ptr(rep.lag)
		}
		n.Replicas = append(n.Replicas, c)
	}
	if depth >= treeDepth {
		n.Truncated = len(n.Replicas) > 0
		return
	}
	w.children(ctx, n, depth+1)
}

// info connects to addr and returns its INFO replication.
func (w *walker) info(ctx context.Context, addr string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, nodeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	br := bufio.NewReader(conn)
	if w.pass != "" {
		args := []string{"AUTH", w.pass}
		if w.user != "" {
			args = []string{"AUTH", w.user, w.pass}
		}
		conn.Write(command(args...))
		if line, err := readLine(br); err != nil {
			return "", err
		} else if line[0] == '-' {
			return "", fmt.Errorf("AUTH: %s", line[1:])
		}
	}
	conn.Write(command("INFO", "replication"))
	line, err := readLine(br)
	if err != nil {
		return "", err
	}
	if line[0] == '-' {
		return "", fmt.Errorf("INFO: %s", line[1:])
	}
	if line[0] != '$' {
		return "", fmt.Errorf("unexpected reply %q", line)
	}
	size, err := strconv.Atoi(line[1:])
	if err != nil || size < 0 || size > 1<<20 {
		return "", fmt.Errorf("unexpected reply %q", line)
	}
	buf := make([]byte, size+2)
	if _, err := io.ReadFull(br, buf); err != nil {
		return "", err
	}
	return string(buf[:size]), nil
}

// command encodes a RESP multibulk.
func command(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
	}
	return b
}

func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply")
	}
	return line, nil
}
