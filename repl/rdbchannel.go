package repl

// Dual-channel full sync, replica side (the master's side and the
// exchange are in dualchannel.go). We announce "capa dual-channel"; a
// master that offers it answers a PSYNC it cannot continue with
// +DUALCHANNELSYNC instead of +FULLRESYNC. The attempt's goroutine then
// opens a second connection, the RDB channel, asks it for an RDB (SYNC)
// and reads the snapshot's offset ($ENDOFF) before the RDB; the main
// connection asks for the stream from that offset (PSYNC), and a
// goroutine buffers that stream here (streamBuffer) while the RDB is
// received into the temp file and loaded. The main connection is then
// enrolled as the master client, which applies the buffered stream first.
//
// The buffer is bounded by replica-full-sync-buffer-limit (0: the
// replica class's hard client-output-buffer-limit, as Valkey): once full
// we stop reading, and the stream waits in the master's output buffer for
// us, as in a classic sync, until the RDB is loaded.
//
// Failures: either connection lost or the RDB failing before the load
// leaves the data as it was and reconnects, as a failed classic sync. The
// main connection lost during the load leaves the data loaded, at the
// snapshot's offset, as the cached master: the next attempt continues
// from there with a partial resync when the master's backlog still has
// it. A REPLICAOF meanwhile cancels the attempt and both connections.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// syncDual is a dual-channel sync: +DUALCHANNELSYNC, then an RDB on a
// channel of its own and the stream on the main one. Its value keeps
// clear of the kinds declared with the handshake.
const syncDual syncKind = 16

// dualParams is what an attempt needs for a dual-channel sync.
type dualParams struct {
	enabled bool  // dual-channel-replication-enabled: announce it
	limit   int64 // bytes of stream buffered at most, 0 for no bound
}

// dualParams reads them on the loop.
func (r *Repl) dualParams() dualParams {
	cfg := r.srv.Config
	limit := cfg.Int("replica-full-sync-buffer-limit")
	if limit == 0 {
		limit = int64(cfg.ClientOutputBufferLimits()[config.ClassReplica].Hard)
	}
	enabled := cfg.Bool("dual-channel-replication-enabled")
	if l := r.link; l != nil && r.dualStats.refusedBy == net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) {
		enabled = false
	}
	return dualParams{enabled: enabled, limit: limit}
}

// capaCommand is the REPLCONF of our capabilities. A master that does not
// know dual-channel ignores it, as Redis does with capabilities it does
// not know.
func (a *attempt) capaCommand() []byte {
	args := []string{"REPLCONF", "capa", "eof", "capa", "psync2"}
	if a.p.dual.enabled {
		args = append(args, "capa", "dual-channel")
	}
	return multibulk(args...)
}

// dualChannelSync runs a dual-channel sync after +DUALCHANNELSYNC on the
// main connection main (read through br). On success res holds the RDB's
// temp file, the snapshot's replid and offset, and the stream buffering.
func (a *attempt) dualChannelSync(main *deadlineConn, br *bufio.Reader, res *syncResult) *syncError {
	rc, serr := a.dialRDBChannel()
	if serr != nil {
		return serr
	}
	defer rc.Close()
	rdc := &deadlineConn{Conn: rc, a: a}
	// The loader's size: a load from the socket reads through it, not
	// ahead past the RDB's end mark (see sync in handshake.go).
	rbr := bufio.NewReaderSize(rdc, 64<<10)
	if serr := a.rdbChannelHandshake(rdc, rbr); serr != nil {
		return serr
	}
	replid, offset, clientID, serr := a.readEndOffset(rbr)
	if serr != nil {
		return serr
	}
	res.replID, res.offset = replid, offset
	// ROLE shows "sync" from the snapshot on, as after +FULLRESYNC.
	a.state.Store(stateTransfer)
	if serr := a.psyncMainChannel(main, br, replid, offset, clientID); serr != nil {
		return serr
	}
	s := newStreamBuffer(main.Conn, a.p.dual.limit, a.p.timeout)
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		s.chunks, s.total = append(s.chunks, bytes.Clone(b)), int64(n)
	}
	res.stream = s
	a.stream.Store(s)
	s.start()
	// The RDB loads as a classic sync's (repl-diskless-load decides how);
	// runAttempt installs it, then dualLoad enrolls the main channel.
	if serr := a.fullSync(rdc, rbr, res); serr != nil {
		s.stop()
		return serr
	}
	rc.Close()
	if err := s.failed(); err != nil {
		s.stop()
		os.Remove(res.tmpfile)
		return failNow("Connection with master lost on the main channel of a dual channel sync: " + strerror(err))
	}
	a.notice("MASTER <-> REPLICA sync: RDB received on the RDB channel, %d bytes of stream buffered", s.size())
	return nil
}

// refused fails an attempt because the master refused a step of the
// dual-channel sync (an ACL that allows PSYNC only, say): the next
// attempts with this master, at once, are classic.
func refused(line string) *syncError {
	e := failNow(line, "Dual channel sync refused by the master: falling back to a classic sync")
	e.noDual = true
	return e
}

// dualRefused remembers a master that refused a dual-channel sync.
func (r *Repl) dualRefused(err *syncError) {
	if l := r.link; err.noDual && l != nil {
		r.dualStats.refusedBy = net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
	}
}

// dialRDBChannel opens the RDB channel; a cancel closes it.
func (a *attempt) dialRDBChannel() (net.Conn, *syncError) {
	d := net.Dialer{Timeout: a.p.timeout}
	if a.p.sourceAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(a.p.sourceAddr)}
	}
	nc, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(a.p.host, strconv.Itoa(a.p.port)))
	if err != nil {
		return nil, failNow("Unable to connect the RDB channel to MASTER: " + strerror(err))
	}
	a.mu.Lock()
	a.rdbConn = nc
	a.mu.Unlock()
	if a.cancelled.Load() {
		nc.Close()
		return nil, fail("cancelled")
	}
	a.notice("MASTER <-> REPLICA sync: RDB channel connected")
	return nc, nil
}

// rdbChannelHandshake is AUTH, the REPLCONF of an RDB channel and SYNC.
func (a *attempt) rdbChannelHandshake(w io.Writer, br *bufio.Reader) *syncError {
	var out []byte
	if a.p.auth != "" {
		if a.p.user != "" {
			out = append(out, multibulk("AUTH", a.p.user, a.p.auth)...)
		} else {
			out = append(out, multibulk("AUTH", a.p.auth)...)
		}
	}
	args := []string{"REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1",
		"listening-port", strconv.Itoa(a.p.listenPort)}
	if a.p.announceIP != "" {
		args = append(args, "ip-address", a.p.announceIP)
	}
	out = append(out, multibulk(args...)...)
	if _, err := w.Write(out); err != nil {
		return writeError(err)
	}
	if a.p.auth != "" {
		reply, serr := readReply(br)
		if serr != nil {
			return serr
		}
		if strings.HasPrefix(reply, "-") {
			return refused("Unable to AUTH to MASTER on the RDB channel: " + reply)
		}
	}
	reply, serr := readReply(br)
	if serr != nil {
		return serr
	}
	if strings.HasPrefix(reply, "-") {
		return refused("Master refused the RDB channel of a dual channel sync: " + reply)
	}
	if _, err := w.Write([]byte("SYNC\r\n")); err != nil {
		return writeError(err)
	}
	return nil
}

// readEndOffset reads "$ENDOFF:<offset> <replid> <dbid> <client id>",
// after the newlines that keep the link alive until the snapshot starts.
func (a *attempt) readEndOffset(br *bufio.Reader) (replid string, offset, clientID int64, serr *syncError) {
	var line string
	for line == "" {
		l, err := readLine(br)
		if isTimeout(err) {
			// Still the handshake (ROLE says so), as a replica waiting
			// for its PSYNC reply: Redis's handshake timeout.
			return "", 0, 0, failNow("Timeout connecting to the MASTER...")
		}
		if err != nil {
			return "", 0, 0, transferError(err)
		}
		line = l
	}
	if strings.HasPrefix(line, "-") {
		if strings.HasPrefix(line, "-NOPERM") || strings.HasPrefix(line, "-NOAUTH") {
			return "", 0, 0, refused("Master refused SYNC on the RDB channel of a dual channel sync: " + line)
		}
		return "", 0, 0, failNow("MASTER aborted replication with an error: " + line[1:])
	}
	var dbid int
	if n, _ := fmt.Sscanf(line, "$ENDOFF:%d %40s %d %d", &offset, &replid, &dbid, &clientID); n != 4 || len(replid) != 40 {
		return "", 0, 0, failNow("Received unexpected $ENDOFF response: " + line)
	}
	a.notice("Full resync from master: %s:%d (RDB channel client id %d)", replid, offset, clientID)
	return replid, offset, clientID, nil
}

// psyncMainChannel names the RDB channel on the main connection and asks
// for the stream right after the snapshot.
func (a *attempt) psyncMainChannel(w io.Writer, br *bufio.Reader, replid string, offset, clientID int64) *syncError {
	// One after the other: PSYNC is refused while a reply is pending.
	if _, err := w.Write(multibulk("REPLCONF", "set-rdb-client-id", strconv.FormatInt(clientID, 10))); err != nil {
		return writeError(err)
	}
	reply, serr := readReply(br)
	if serr != nil {
		return serr
	}
	if strings.HasPrefix(reply, "-") {
		return refused("Master refused the main channel of a dual channel sync: " + reply)
	}
	if _, err := w.Write(multibulk("PSYNC", replid, strconv.FormatInt(offset+1, 10))); err != nil {
		return writeError(err)
	}
	for reply = ""; reply == ""; { // newlines keep the link alive until the reply
		if reply, serr = readReply(br); serr != nil {
			return serr
		}
	}
	if !strings.HasPrefix(reply, "+CONTINUE") {
		return failNow("Aborting dual channel sync. Main channel PSYNC reply: " + reply)
	}
	a.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization on the main channel, buffering the stream while the RDB loads.")
	return nil
}

// streamBuffer reads the main connection into memory during a
// dual-channel sync, up to limit bytes (then it stops reading until
// stopped), in chunks of streamChunk bytes: no copy of what was read as it
// grows. Its goroutine owns the reads; the loop stops it and takes the
// chunks before it enrolls the connection.
type streamBuffer struct {
	conn    net.Conn
	limit   int64
	timeout time.Duration

	mu     sync.Mutex
	chunks [][]byte
	total  int64
	err    error
	peak   atomic.Int64
	used   atomic.Int64

	stopping atomic.Bool
	resume   chan struct{} // closed by stop
	done     chan struct{} // closed when run returns
}

// streamChunk is the size of the chunks the stream is buffered in.
const streamChunk = 1 << 20

// The stream is read in batches: after a read of less than streamBatch
// bytes the reader waits streamPace. A write-heavy master makes a write
// per loop iteration, tens of thousands a second; waking for each slowed
// the load beside the reads by a third. The socket's receive buffer
// holds what arrives meanwhile (10 ms of an 8 MB/s stream is 80 KB).
const (
	streamBatch = 64 << 10
	streamPace  = 10 * time.Millisecond
)

func newStreamBuffer(conn net.Conn, limit int64, timeout time.Duration) *streamBuffer {
	return &streamBuffer{conn: conn, limit: limit, timeout: timeout,
		resume: make(chan struct{}), done: make(chan struct{})}
}

// start starts the reads. The RDB and the stream arrive at once, and the
// stream goes on arriving while the loop loads: the goroutines want the
// other cores (as a snapshot's do) until stop.
func (s *streamBuffer) start() {
	db.BackgroundWork(true)
	go s.run()
}

// run reads until stopped, the limit or an error.
func (s *streamBuffer) run() {
	defer close(s.done)
	s.note()
	var tail []byte // the last chunk, read into up to its capacity
	for !s.stopping.Load() {
		if s.limit > 0 && s.used.Load() >= s.limit {
			logger.Noticef("Replication buffer limit reached, stopping buffering.")
			<-s.resume
			return
		}
		if len(tail) == cap(tail) {
			tail = make([]byte, 0, streamChunk)
			s.mu.Lock()
			s.chunks = append(s.chunks, tail)
			s.mu.Unlock()
		}
		s.conn.SetReadDeadline(time.Now().Add(s.timeout))
		n, err := s.conn.Read(tail[len(tail):cap(tail)])
		tail = tail[:len(tail)+n]
		s.mu.Lock()
		s.chunks[len(s.chunks)-1] = tail
		s.total += int64(n)
		if err != nil && !s.stopping.Load() {
			s.err = err
		}
		s.mu.Unlock()
		s.note()
		if err != nil {
			return
		}
		if n < streamBatch {
			// A small read: let the stream gather in the socket's
			// buffer for a while rather than wake for every write
			// of the master, which costs the load beside us.
			time.Sleep(streamPace)
		}
	}
}

// note publishes the size for INFO and the limit.
func (s *streamBuffer) note() {
	s.mu.Lock()
	used := s.total
	s.mu.Unlock()
	s.used.Store(used)
	if used > s.peak.Load() {
		s.peak.Store(used)
	}
}

// size is the bytes buffered (replicas_repl_buffer_size).
func (s *streamBuffer) size() int64 { return s.used.Load() }

// failed returns the read error that ended buffering, if any.
func (s *streamBuffer) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// stop ends the reads and returns the chunks buffered, in order, and the
// error that ended them early, if any. The connection is left as it was,
// without a deadline.
func (s *streamBuffer) stop() ([][]byte, error) {
	if s.stopping.Swap(true) {
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.chunks, s.err
	}
	close(s.resume)
	defer db.BackgroundWork(false) // start's
	// A read may have set its own deadline after ours: set it again until
	// the goroutine is out.
	for done := false; !done; {
		s.conn.SetReadDeadline(time.Now())
		select {
		case <-s.done:
			done = true
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.conn.SetReadDeadline(time.Time{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil && errors.Is(s.err, os.ErrDeadlineExceeded) && s.stopping.Load() {
		s.err = nil
	}
	return s.chunks, s.err
}

// dualLoad runs on the loop once the RDB of a dual-channel sync arrived
// and its load was installed (runAttempt's finishLoad) while the stream
// kept being buffered: it enrolls the main connection nc, whose master
// client applies the buffered stream first (attemptDone).
func (r *Repl) dualLoad(a *attempt, nc net.Conn, res *syncResult) {
	l, s := r.link, res.stream
	if l == nil || l.attempt != a {
		s.stop()
		nc.Close()
		os.Remove(res.tmpfile)
		return
	}
	r.dualStats.used = true
	chunks, err := s.stop()
	r.dualStats.peak = max(r.dualStats.peak, s.peak.Load())
	if err != nil {
		// The data is the snapshot's: continue from its offset.
		logger.Warningf("Connection with master lost while loading the RDB of a dual channel sync: %s", strerror(err))
		logger.Noticef("Caching the disconnected master state.")
		nc.Close()
		l.attempt = nil
		l.cached = true
		l.DownSince = time.Now()
		r.srv.SyncLoad(false)
		r.failoverAttemptEnded(a)
		logger.Noticef("Reconnecting to MASTER %s:%d after failure", l.Host, l.Port)
		r.connect()
		return
	}
	logger.Noticef("MASTER <-> REPLICA sync: applying %d bytes of stream buffered during the dual channel sync", s.total)
	res.buffered = chunks
	go r.loop.Enroll(nc,
		func(c *db.Client, raw io.Writer) { r.attemptDone(a, res, c, raw) },
		func(err error) {
			r.attemptFailed(a, failNow("Can't create readable event for SYNC: "+strerror(err)))
		})
}

// applyBuffered feeds the master client c the stream buffered during a
// dual-channel sync before anything it reads from now on, which waits
// meanwhile (HoldInput). The link is up already, as a classic replica's
// once loaded with its master's buffer still to apply: the stream goes in
// slices of applySlice bytes, one per loop turn (NextTurn), so that the replica
// serves its clients (and reads the master, holding what it reads, rather
// than leaving it in the master's output buffer) while it catches up. A
// command cut between two slices waits in the query buffer.
func (r *Repl) applyBuffered(c *db.Client, chunks [][]byte) {
	l := r.link
	if l == nil || l.Client != c {
		return // the link is gone, and the stream with it
	}
	budget := applySlice
	if limit := r.dualParams().limit; limit > 0 && int64(c.HeldBytes()) > limit {
		// The master writes faster than we catch up: apply the rest at
		// once, the master's stream waiting in the socket meanwhile.
		budget = math.MaxInt
	}
	for len(chunks) > 0 && budget > 0 {
		n := min(len(chunks[0]), budget)
		r.srv.FeedHeld(c, chunks[0][:n])
		budget -= n
		if chunks[0] = chunks[0][n:]; len(chunks[0]) == 0 {
			chunks[0] = nil // garbage as soon as applied
			chunks = chunks[1:]
		}
	}
	if len(chunks) == 0 {
		r.srv.ReleaseInput(c)
		return
	}
	r.loop.NextTurn(func() { r.applyBuffered(c, chunks) })
}

// applySlice is how much buffered stream a replica applies per loop turn.
const applySlice = 256 << 10

// dualStats is what INFO shows of the dual-channel syncs of a replica.
type dualStats struct {
	used bool  // one started: INFO shows the fields from then on
	peak int64 // the most stream buffered
	// refusedBy is the master (host:port) that refused one: we sync
	// classically with it.
	refusedBy string
}

// dualInfo writes replicas_repl_buffer_size and replicas_repl_buffer_peak
// (Valkey's names) once a dual-channel sync started: what the stream
// buffering holds now, and held at most.
func (r *Repl) dualInfo(line func(string, any)) {
	var size, peak int64
	if a := r.link.attempt; a != nil {
		if s := a.stream.Load(); s != nil {
			size, peak = s.size(), s.peak.Load()
			r.dualStats.used = true
		}
	}
	if !r.dualStats.used {
		return
	}
	line("replicas_repl_buffer_size", size)
	line("replicas_repl_buffer_peak", max(peak, r.dualStats.peak))
}
