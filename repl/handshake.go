package repl

// The replica's link before it becomes a client of the loop: connect,
// handshake (PING, AUTH, REPLCONF, PSYNC, or SYNC for old masters), the
// RDB transfer and its load, as Redis's syncWithMaster and
// readSyncBulkPayload. It is plain blocking code on a goroutine of its
// own, with a deadline of repl-timeout on every read and write. It
// touches no server data: its parameters are copied on the loop
// (linkParams), the payload goes to a temp file or straight to the loader
// (repl-diskless-load), which fills databases the server does not see
// yet (db.Load), and the loop (load.go) decides, starts and ends each
// step of the load. Progress lines are logged as they happen; failures
// are returned, and logged by the loop only if the attempt is still the
// current one.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

// linkParams is what an attempt needs from the server, read on the loop
// when it starts.
type linkParams struct {
	host       string
	port       int
	auth, user string // masterauth, masteruser
	listenPort int    // replica-announce-port, or our port
	announceIP string // replica-announce-ip
	sourceAddr string // bind-source-addr
	timeout    time.Duration
	// The cached master to continue from: its replid ("" for none) and
	// the offset of the last byte we applied.
	psyncID     string
	psyncOffset int64
	// failover adds FAILOVER to PSYNC: the master hands over (failover.go).
	failover bool
	dual     dualParams // dual-channel sync (rdbchannel.go)
}

// The states of an attempt (Link.State shows them, as ROLE does).
const (
	stateConnecting int32 = iota
	stateHandshake
	stateTransfer
)

// syncKind is how the master agreed to feed us.
type syncKind int

const (
	syncContinue syncKind = iota // +CONTINUE: the stream goes on from our offset
	syncFull                     // +FULLRESYNC: an RDB, then the stream
	syncOld                      // SYNC to a master without PSYNC: an RDB, no offsets
)

// syncResult is a finished handshake, handed to the loop with the
// connection.
type syncResult struct {
	kind   syncKind
	replID string // +FULLRESYNC's replid, or +CONTINUE's new one ("" if none)
	offset int64  // +FULLRESYNC's offset
	// Full sync: the temp file of the RDB received (none when loaded
	// from the socket), whether it came with an EOF mark (the master
	// then waits for our first ACK to start the stream), and its load.
	tmpfile string
	eofMark bool
	job     *loadJob
	// leftover is what was read past the handshake and the payload: the
	// first bytes of the stream.
	leftover []byte
	// stream buffers the main channel of a dual-channel sync; buffered is
	// what it read, applied before the stream (rdbchannel.go).
	stream   *streamBuffer
	buffered [][]byte
}

// syncError is a failed attempt: the lines to log and whether to
// reconnect at once (Redis's cancelReplicationHandshake(1)) rather than
// at the next replication cron.
type syncError struct {
	lines []logLine
	now   bool
	// noDual: the master refused a dual-channel sync; the next attempts
	// are classic (rdbchannel.go).
	noDual bool
}

type logLine struct {
	level int
	msg   string
}

func (e *syncError) Error() string {
	if len(e.lines) == 0 {
		return "sync failed"
	}
	return e.lines[len(e.lines)-1].msg
}

// fail builds a syncError that waits for the cron, with warning lines.
func fail(lines ...string) *syncError {
	e := &syncError{}
	for _, l := range lines {
		e.lines = append(e.lines, logLine{logger.Warning, l})
	}
	return e
}

// failNow builds a syncError that reconnects at once.
func failNow(lines ...string) *syncError {
	e := fail(lines...)
	e.now = true
	return e
}

// attempt is one connection to the master, from the connect to the hand
// over. The loop owns the pointer (Link.attempt) and may cancel it; the
// goroutine publishes its progress through the atomics, which INFO reads.
type attempt struct {
	p linkParams

	state     atomic.Int32
	syncTotal atomic.Int64 // master_sync_total_bytes: -1 until known, 0 with an EOF mark
	syncRead  atomic.Int64
	syncStart atomic.Int64 // unix nanoseconds when the payload began
	lastIO    atomic.Int64 // unix seconds of the last byte read
	cancelled atomic.Bool
	// psyncReply is 1 once PSYNC got +FULLRESYNC or +CONTINUE, 2 once it
	// got another reply (a FAILOVER reads it).
	psyncReply atomic.Int32

	ctx      context.Context // ends the connect when cancelled
	stopDial context.CancelFunc
	mu       sync.Mutex
	conn     net.Conn
	rdbConn  net.Conn // the RDB channel of a dual-channel sync (rdbchannel.go)
	// stream buffers the main channel during a dual-channel sync.
	stream atomic.Pointer[streamBuffer]

	// ld is the loop's side of the load; nil (tests of the transfer
	// alone) writes the payload to a temp file and loads nothing.
	ld loader
	// held is the load that may hold the loop (startHeld), which
	// runAttempt lets go at the end if nothing installed it. The
	// attempt's goroutine only.
	held *loadJob
}

// loader is what the transfer asks of the loop (load.go), from the
// attempt's goroutine. Each call waits for the loop.
type loader interface {
	// beginPayload decides where the payload goes, as useDisklessLoad,
	// once its size is known (0 for an EOF mark); when it goes to the
	// parser, the load starts now and its job is returned. Both this and
	// startLoading return nil if the attempt was cancelled, and hold the
	// loop until the job they return is told it progressed.
	beginPayload(a *attempt, res *syncResult, size int64) (diskless bool, job *loadJob)
	// prepareLoad makes the load of a temp file that is being received,
	// without a change the clients see yet (receiveAndLoad); nil if the
	// attempt was cancelled or the file is to be loaded once complete.
	prepareLoad(a *attempt, res *syncResult, size int64) *loadJob
	// startLoading starts loading the temp file of size bytes received,
	// into job if prepareLoad made one.
	startLoading(a *attempt, res *syncResult, size int64, job *loadJob) *loadJob
	// loadKnobs are key-load-delay and
	// loading-process-events-interval-bytes, read again as the load goes.
	loadKnobs() (keyDelay, interval int64)
}

func newAttempt(p linkParams) *attempt {
	a := &attempt{p: p}
	a.ctx, a.stopDial = context.WithCancel(context.Background())
	a.syncTotal.Store(-1)
	a.lastIO.Store(time.Now().Unix())
	return a
}

// cancel stops the goroutine at its next I/O. Loop only.
func (a *attempt) cancel() {
	a.cancelled.Store(true)
	a.stopDial()
	a.mu.Lock()
	if a.conn != nil {
		a.conn.Close()
	}
	if a.rdbConn != nil {
		a.rdbConn.Close()
	}
	a.mu.Unlock()
}

// notice logs a progress line unless the attempt was cancelled.
func (a *attempt) notice(format string, args ...any) {
	if !a.cancelled.Load() {
		logger.Noticef(format, args...)
	}
}

// dial connects to the master.
func (a *attempt) dial() (net.Conn, *syncError) {
	d := net.Dialer{Timeout: a.p.timeout}
	if a.p.sourceAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(a.p.sourceAddr)}
	}
	nc, err := d.DialContext(a.ctx, "tcp", net.JoinHostPort(a.p.host, strconv.Itoa(a.p.port)))
	a.stopDial()
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case isTimeout(err):
			return nil, failNow("Timeout connecting to the MASTER...")
		case errors.As(err, &dnsErr):
			return nil, fail("Unable to connect to MASTER: " + dnsErr.Err)
		}
		return nil, fail("Error condition on socket for SYNC: " + strerror(err))
	}
	a.mu.Lock()
	a.conn = nc
	a.mu.Unlock()
	if a.cancelled.Load() { // cancel ran before a.conn was set
		nc.Close()
		return nil, fail("cancelled")
	}
	return nc, nil
}

// sync runs the handshake, the transfer and the load on nc.
func (a *attempt) sync(nc net.Conn) (*syncResult, *syncError) {
	dc := &deadlineConn{Conn: nc, a: a}
	// As large as the RDB decoder's buffer, which then reads from br
	// itself (bufio.NewReaderSize): a load from the socket takes nothing
	// past the payload, which is the stream.
	br := bufio.NewReaderSize(dc, 64<<10)
	a.notice("Non blocking connect for SYNC fired the event.")
	a.state.Store(stateHandshake)
	if err := a.handshake(dc, br); err != nil {
		return nil, err
	}
	res, err := a.psync(dc, br)
	if err != nil {
		return nil, err
	}
	if res.kind == syncDual {
		return res, a.dualChannelSync(dc, br, res)
	}
	if res.kind != syncContinue {
		if err := a.fullSync(dc, br, res); err != nil {
			return nil, err
		}
	}
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		res.leftover = bytes.Clone(b)
	}
	return res, nil
}

// handshake is PING, then AUTH and the REPLCONFs, whose replies are read
// after all were sent, as Redis does.
func (a *attempt) handshake(w io.Writer, br *bufio.Reader) *syncError {
	if _, err := w.Write(multibulk("PING")); err != nil {
		return writeError(err)
	}
	reply, serr := readReply(br)
	if serr != nil {
		return serr
	}
	if reply == "" || reply[0] != '+' && !strings.HasPrefix(reply, "-NOAUTH") &&
		!strings.HasPrefix(reply, "-NOPERM") && !strings.HasPrefix(reply, "-ERR operation not permitted") {
		return fail(fmt.Sprintf("Error reply to PING from master: '%s'", reply))
	}
	a.notice("Master replied to PING, replication can continue...")

	var out []byte
	if a.p.auth != "" {
		if a.p.user != "" {
			out = append(out, multibulk("AUTH", a.p.user, a.p.auth)...)
		} else {
			out = append(out, multibulk("AUTH", a.p.auth)...)
		}
	}
	out = append(out, multibulk("REPLCONF", "listening-port", strconv.Itoa(a.p.listenPort))...)
	if a.p.announceIP != "" {
		out = append(out, multibulk("REPLCONF", "ip-address", a.p.announceIP)...)
	}
	out = append(out, a.capaCommand()...) // capa eof, psync2 and dual-channel (rdbchannel.go)
	if _, err := w.Write(out); err != nil {
		return writeError(err)
	}
	if a.p.auth != "" {
		if reply, serr = readReply(br); serr != nil {
			return serr
		}
		if strings.HasPrefix(reply, "-") {
			return fail("Unable to AUTH to MASTER: " + reply)
		}
	}
	steps := []string{"listening-port"}
	if a.p.announceIP != "" {
		steps = append(steps, "ip-address")
	}
	steps = append(steps, "capa")
	for _, what := range steps {
		if reply, serr = readReply(br); serr != nil {
			return serr
		}
		if strings.HasPrefix(reply, "-") {
			a.notice("(Non critical) Master does not understand REPLCONF %s: %s", what, reply)
		}
	}
	return nil
}

// psync asks to continue from the cached master, or for a full sync, and
// falls back to SYNC for a master that does not know PSYNC.
func (a *attempt) psync(w io.Writer, br *bufio.Reader) (*syncResult, *syncError) {
	id, offset := "?", "-1"
	if a.p.psyncID != "" {
		id, offset = a.p.psyncID, strconv.FormatInt(a.p.psyncOffset+1, 10)
		a.notice("Trying a partial resynchronization (request %s:%s).", id, offset)
	} else {
		a.notice("Partial resynchronization not possible (no cached master)")
	}
	args := []string{"PSYNC", id, offset}
	if a.p.failover {
		args = append(args, "FAILOVER")
	}
	if _, err := w.Write(multibulk(args...)); err != nil {
		return nil, fail("Unable to send PSYNC to master: -Writing to master: "+strerror(err),
			"Sending command to master in replication handshake: Write error sending the PSYNC command.")
	}
	var reply string
	for reply == "" { // empty lines keep the link alive until the reply
		line, err := readLine(br)
		if err != nil {
			if isTimeout(err) {
				return nil, failNow("Timeout connecting to the MASTER...")
			}
			return nil, fail("Failed to read response from the server: "+strerror(err),
				"Master did not reply to PSYNC, will try later")
		}
		reply = line
	}
	if strings.HasPrefix(reply, "+FULLRESYNC") || strings.HasPrefix(reply, "+CONTINUE") || reply == "+DUALCHANNELSYNC" {
		a.psyncReply.Store(1)
	} else {
		a.psyncReply.Store(2)
	}
	switch {
	case reply == "+DUALCHANNELSYNC": // the RDB comes on a channel of its own (rdbchannel.go)
		a.notice("Full resync from master: the RDB comes on a channel of its own (dual channel sync)")
		return &syncResult{kind: syncDual, offset: -1}, nil
	case strings.HasPrefix(reply, "+FULLRESYNC"):
		res := &syncResult{kind: syncFull, offset: -1}
		f := strings.Fields(reply)
		if len(f) < 3 || len(f[1]) != 40 {
			logger.Warningf("Master replied with wrong +FULLRESYNC syntax.")
		} else {
			res.replID = f[1]
			res.offset, _ = strconv.ParseInt(f[2], 10, 64)
			a.notice("Full resync from master: %s:%d", res.replID, res.offset)
		}
		return res, nil
	case strings.HasPrefix(reply, "+CONTINUE"):
		a.notice("Successful partial resynchronization with master.")
		res := &syncResult{kind: syncContinue}
		if id := strings.TrimSpace(reply[len("+CONTINUE"):]); len(id) == 40 {
			res.replID = id
		}
		return res, nil
	case strings.HasPrefix(reply, "-NOMASTERLINK"), strings.HasPrefix(reply, "-LOADING"):
		e := fail()
		e.lines = []logLine{{logger.Notice, "Master is currently unable to PSYNC but should be in the future: " + reply}}
		return nil, e
	case strings.HasPrefix(reply, "-ERR"):
		a.notice("Master does not support PSYNC or is in error state (reply: %s)", reply)
	default:
		if !a.cancelled.Load() {
			logger.Warningf("Unexpected reply to PSYNC from master: %s", reply)
		}
	}
	if a.p.failover {
		// The target of a FAILOVER refused to take over: the failover
		// is aborted (failoverAttemptEnded), never a SYNC that would
		// replace our data with the target's, as Redis.
		return nil, fail()
	}
	a.notice("Retrying with SYNC...")
	if _, err := w.Write([]byte("SYNC\r\n")); err != nil {
		return nil, fail("I/O error writing to MASTER: " + strerror(err))
	}
	return &syncResult{kind: syncOld, offset: -1}, nil
}

// fullSync receives the payload that follows +FULLRESYNC or SYNC:
// "$<len>\r\n" and exactly len bytes, or "$EOF:<mark>\r\n" and bytes up
// to the 40-byte mark. Lone newlines before it keep the link alive while
// the master prepares the RDB. The payload is loaded from the socket, or
// written to a temp file and loaded from there. Bytes past the payload
// stay in br: they are the stream.
func (a *attempt) fullSync(w io.Writer, br *bufio.Reader, res *syncResult) *syncError {
	a.state.Store(stateTransfer)
	a.syncRead.Store(0)
	a.syncStart.Store(time.Now().UnixNano())
	mark, size, serr := readPreamble(br)
	if serr != nil {
		return serr
	}
	res.eofMark = mark != nil
	if res.eofMark {
		a.syncTotal.Store(0)
	} else {
		a.syncTotal.Store(size)
	}
	diskless, job := false, (*loadJob)(nil)
	if a.ld != nil {
		diskless, job = a.ld.beginPayload(a, res, size)
		if job == nil && a.cancelled.Load() {
			return fail("cancelled")
		}
	}
	if diskless {
		return a.loadFromSocket(w, br, res, mark, size, job)
	}
	if a.ld != nil {
		if job := a.ld.prepareLoad(a, res, size); job != nil {
			return a.receiveAndLoad(w, br, res, mark, size, job)
		}
		if a.cancelled.Load() {
			return fail("cancelled")
		}
	}
	if err := a.receiveRDB(br, res, mark, size); err != nil {
		return err
	}
	if a.ld == nil {
		return nil
	}
	return a.loadFile(w, res, size)
}

// readPreamble reads the line that announces the payload: its EOF mark,
// or nil and its size.
func readPreamble(br *bufio.Reader) (mark []byte, size int64, serr *syncError) {
	var line string
	for {
		l, err := readLine(br)
		if err != nil {
			if isTimeout(err) {
				return nil, 0, timeoutTransfer()
			}
			return nil, 0, failNow("I/O error reading bulk count from MASTER: " + strerror(err))
		}
		if l != "" {
			line = l
			break
		}
	}
	switch {
	case line[0] == '-':
		return nil, 0, failNow("MASTER aborted replication with an error: " + line[1:])
	case line[0] != '$':
		return nil, 0, failNow(fmt.Sprintf("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line))
	}
	if m, ok := strings.CutPrefix(line[1:], "EOF:"); ok && len(m) >= eofMarkLen {
		return []byte(m[:eofMarkLen]), 0, nil
	}
	size, _ = strconv.ParseInt(line[1:], 10, 64)
	return nil, size, nil
}

// receiveRDB writes the payload to a temp file.
func (a *attempt) receiveRDB(br *bufio.Reader, res *syncResult, mark []byte, size int64) *syncError {
	a.noticeToDisk(mark, size)
	f, name, serr := createTempRDB()
	if serr != nil {
		return serr
	}
	res.tmpfile = name
	if err := a.writePayload(br, f, f, mark, size); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// noticeToDisk logs the start of a transfer to a temp file.
func (a *attempt) noticeToDisk(mark []byte, size int64) {
	if mark != nil {
		a.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
	} else {
		a.notice("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", size)
	}
}

// writePayload copies the payload from br to the temp file f through w
// (f, or a writer over it), counting it, then fsyncs and closes f.
func (a *attempt) writePayload(br *bufio.Reader, w io.Writer, f *os.File, mark []byte, size int64) *syncError {
	cw := &countingWriter{w: w, n: &a.syncRead}
	var err *syncError
	if mark != nil {
		err = copyUntilMark(br, cw, mark)
	} else {
		_, cerr := io.CopyN(cw, br, size)
		err = transferError(cerr)
	}
	if err == nil {
		if serr := f.Sync(); serr != nil {
			err = failNow("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: " + strerror(serr))
		}
	}
	f.Close()
	return err
}

// loadFile loads the temp file received. A file that fails to load
// leaves the data as it was; the cron retries in a second (Redis exits).
func (a *attempt) loadFile(w io.Writer, res *syncResult, size int64) *syncError {
	job := a.ld.startLoading(a, res, size, nil)
	if job == nil {
		os.Remove(res.tmpfile)
		return fail("cancelled")
	}
	a.held = job
	ok := false
	defer func() { job.ended(ok) }()
	f, err := os.Open(res.tmpfile)
	if err == nil {
		job.info, err = rdb.LoadInto(f, job.load, a.loadOptions(w, job, false))
		f.Close()
	}
	if err != nil {
		os.Remove(res.tmpfile)
		if errors.Is(err, errLoadCancelled) {
			return fail("cancelled")
		}
		return fail("Failed trying to load the MASTER synchronization DB from disk: " + err.Error())
	}
	res.job, ok = job, true
	return nil
}

// loadFromSocket loads the payload as it arrives (repl-diskless-load),
// then checks its EOF mark.
func (a *attempt) loadFromSocket(w io.Writer, br *bufio.Reader, res *syncResult, mark []byte, size int64, job *loadJob) *syncError {
	if job == nil {
		return fail("cancelled")
	}
	a.held = job
	ok := false
	defer func() { job.ended(ok) }()
	var r io.Reader = br
	if mark == nil {
		r = io.LimitReader(br, size)
	}
	info, err := rdb.LoadInto(r, job.load, a.loadOptions(w, job, true))
	if err != nil {
		if errors.Is(err, errLoadCancelled) {
			return fail("cancelled")
		}
		return socketLoadError(err, job.progress.Loaded.Load())
	}
	a.syncRead.Store(info.Bytes)
	if mark != nil {
		got := make([]byte, eofMarkLen)
		if _, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, mark) {
			return failNow("Replication stream EOF marker is broken",
				"Failed trying to load the MASTER synchronization DB from socket: Invalid argument")
		}
		a.syncRead.Add(eofMarkLen)
	}
	job.info = info
	res.job, ok = job, true
	return nil
}

var errLoadCancelled = errors.New("cancelled")

// loadOptions are a load's: the test knobs, read again every
// loading-process-events-interval-bytes, when the load also shows its
// progress, stops if the attempt was cancelled, and sends a newline to
// the master once a second so that it does not time us out
// (rdbLoadProgressCallback, replicationSendNewlineToMaster).
func (a *attempt) loadOptions(w io.Writer, job *loadJob, fromSocket bool) *rdb.LoadOptions {
	delay, interval := a.ld.loadKnobs()
	opt := &rdb.LoadOptions{KeyDelay: delay, TickBytes: interval, Progress: job.progress}
	var newline int64
	opt.Tick = func(read int64) error {
		job.progressed()
		if a.cancelled.Load() {
			return errLoadCancelled
		}
		if fromSocket {
			a.syncRead.Store(read)
		}
		if now := time.Now().Unix(); now != newline {
			newline = now
			w.Write([]byte("\n"))
		}
		opt.KeyDelay, opt.TickBytes = a.ld.loadKnobs()
		return nil
	}
	return opt
}

// socketLoadError is the failure of a load from the socket, logged as
// Redis's: a short read is the connection's fault, and the next attempt
// starts at once; corrupt data (Redis exits) waits for the cron.
func socketLoadError(err error, loaded int64) *syncError {
	var e *syncError
	if shortRead(err) {
		e = failNow("Short read or OOM loading DB. Unrecoverable error, aborting now.",
			fmt.Sprintf("Internal error in RDB reading offset %d, function at rdb.c:3240 -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.", loaded))
	} else if rep := (*rdb.Report)(nil); errors.As(err, &rep) {
		e = fail(rep.LogLine(loaded) + ". Failure loading rdb format")
	} else {
		e = fail(fmt.Sprintf("Internal error in RDB reading offset %d, function at rdb.c:0 -> %v. Failure loading rdb format", loaded, err))
	}
	e.lines = append(e.lines, logLine{logger.Warning, "Failed trying to load the MASTER synchronization DB from socket: " + strerror(err)})
	return e
}

// shortRead reports whether a load from the socket failed because the
// payload ended early or the connection failed.
func shortRead(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, rdb.ErrCorrupt) && strings.Contains(err.Error(), "unexpected end of file")
}

// createTempRDB opens the file the payload goes to, named as Redis names
// it, in the working directory (dir).
func createTempRDB() (*os.File, string, *syncError) {
	var err error
	for try := 0; try < 5; try++ {
		name := fmt.Sprintf("temp-%d.%d.rdb", time.Now().Unix(), os.Getpid())
		var f *os.File
		if f, err = os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644); err == nil {
			return f, name, nil
		}
		time.Sleep(time.Second)
	}
	return nil, "", fail("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + strerror(err))
}

// eofMarkLen is the length of the mark ending a streamed RDB.
const eofMarkLen = 40

// copyUntilMark copies br to w up to mark, which is consumed and not
// copied. The last bytes read are held back until they cannot be the
// start of the mark.
func copyUntilMark(br *bufio.Reader, w io.Writer, mark []byte) *syncError {
	var held []byte // at most len(mark)-1 bytes not yet written
	for {
		if _, err := br.Peek(1); err != nil {
			return transferError(err)
		}
		chunk, _ := br.Peek(br.Buffered())
		window := append(held, chunk...)
		if i := bytes.Index(window, mark); i >= 0 {
			if _, err := w.Write(window[:i]); err != nil {
				return transferError(err)
			}
			br.Discard(i + len(mark) - len(held))
			return nil
		}
		keep := min(len(window), len(mark)-1)
		if _, err := w.Write(window[:len(window)-keep]); err != nil {
			return transferError(err)
		}
		held = append(held[:0:0], window[len(window)-keep:]...)
		br.Discard(len(chunk))
	}
}

// transferError turns an error of the transfer into Redis's log line.
func transferError(err error) *syncError {
	var we *fileWriteError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we):
		return failNow("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: " + strerror(we.err))
	case isTimeout(err):
		return timeoutTransfer()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failNow("I/O error trying to sync with MASTER: connection lost")
	}
	return failNow("I/O error trying to sync with MASTER: " + strerror(err))
}

func timeoutTransfer() *syncError {
	return failNow("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")
}

// countingWriter counts the payload bytes written (master_sync_read_bytes)
// and marks write errors as the file's.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

type fileWriteError struct{ err error }

func (e *fileWriteError) Error() string { return e.err.Error() }

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	if err != nil {
		return n, &fileWriteError{err}
	}
	return n, nil
}

// deadlineConn gives every read and write repl-timeout, and notes the time
// of the last byte read (master_sync_last_io_seconds_ago).
type deadlineConn struct {
	net.Conn
	a *attempt
}

func (d *deadlineConn) Read(p []byte) (int, error) {
	d.Conn.SetReadDeadline(time.Now().Add(d.a.p.timeout))
	n, err := d.Conn.Read(p)
	if n > 0 {
		d.a.lastIO.Store(time.Now().Unix())
	}
	return n, err
}

func (d *deadlineConn) Write(p []byte) (int, error) {
	d.Conn.SetWriteDeadline(time.Now().Add(d.a.p.timeout))
	return d.Conn.Write(p)
}

// readReply reads one reply line of the handshake.
func readReply(br *bufio.Reader) (string, *syncError) {
	line, err := readLine(br)
	if err == nil {
		return line, nil
	}
	if isTimeout(err) {
		return "", failNow("Timeout connecting to the MASTER...")
	}
	return "", fail("Failed to read response from the server: "+strerror(err),
		"Master did not respond to command during SYNC handshake")
}

// maxLine bounds a reply line of the handshake, as Redis's fixed buffers
// do; longer lines are cut.
const maxLine = 1024

// readLine reads a line and strips its "\r\n" or "\n".
func readLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line) < maxLine {
			line = append(line, frag[:min(len(frag), maxLine-len(line))]...)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return "", err
		}
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	return string(line), nil
}

// multibulk encodes a command as the master expects it.
func multibulk(args ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// writeError is a failed write of a handshake command.
func writeError(err error) *syncError {
	if isTimeout(err) {
		return failNow("Timeout connecting to the MASTER...")
	}
	return fail("Sending command to master in replication handshake: -Writing to master: " + strerror(err))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// strerror renders an error as C's strerror does ("Connection refused"),
// when it comes from a system call.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	if errors.Is(err, io.EOF) {
		return "connection lost"
	}
	return err.Error()
}
