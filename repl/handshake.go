package repl

// The replica's link before it becomes a client of the loop: connect,
// handshake (PING, AUTH, REPLCONF, PSYNC, or SYNC for old masters) and the
// RDB transfer, as Redis's syncWithMaster and readSyncBulkPayload. It is
// plain blocking code on a goroutine of its own, with a deadline of
// repl-timeout on every read and write. It touches no server data: its
// parameters are copied on the loop (linkParams), the payload goes to a
// temp file, and the outcome goes back to the loop (replica.go). Progress
// lines are logged as they happen; failures are returned, and logged by
// the loop only if the attempt is still the current one.

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
	// Full sync: the RDB received, and whether it came with an EOF mark
	// (the master then waits for our first ACK to start the stream).
	tmpfile string
	eofMark bool
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

func (e *syncError) Error() string { return e.lines[len(e.lines)-1].msg }

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

// sync runs the handshake and the transfer on nc.
func (a *attempt) sync(nc net.Conn) (*syncResult, *syncError) {
	dc := &deadlineConn{Conn: nc, a: a}
	br := bufio.NewReaderSize(dc, 16<<10)
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
		if err := a.receiveRDB(br, res); err != nil {
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
	a.notice("Retrying with SYNC...")
	if _, err := w.Write([]byte("SYNC\r\n")); err != nil {
		return nil, fail("I/O error writing to MASTER: " + strerror(err))
	}
	return &syncResult{kind: syncOld, offset: -1}, nil
}

// receiveRDB reads the payload that follows +FULLRESYNC or SYNC into a
// temp file: "$<len>\r\n" and exactly len bytes, or "$EOF:<mark>\r\n" and
// bytes up to the 40-byte mark. Lone newlines before it keep the link
// alive while the master prepares the RDB. Bytes past the payload stay in
// br: they are the stream.
func (a *attempt) receiveRDB(br *bufio.Reader, res *syncResult) *syncError {
	f, name, serr := createTempRDB()
	if serr != nil {
		return serr
	}
	res.tmpfile = name
	a.state.Store(stateTransfer)
	a.syncRead.Store(0)
	err := a.readPayload(br, f, res)
	if err == nil {
		if serr := f.Sync(); serr != nil {
			err = failNow("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: " + strerror(serr))
		}
	}
	f.Close()
	if err != nil {
		os.Remove(name)
		return err
	}
	return nil
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

// readPayload reads the payload's preamble and body from br into w.
func (a *attempt) readPayload(br *bufio.Reader, w io.Writer, res *syncResult) *syncError {
	var line string
	for {
		l, err := readLine(br)
		if err != nil {
			if isTimeout(err) {
				return timeoutTransfer()
			}
			return failNow("I/O error reading bulk count from MASTER: " + strerror(err))
		}
		if l != "" {
			line = l
			break
		}
	}
	switch {
	case line[0] == '-':
		return failNow("MASTER aborted replication with an error: " + line[1:])
	case line[0] != '$':
		return failNow(fmt.Sprintf("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line))
	}
	cw := &countingWriter{w: w, n: &a.syncRead}
	if mark, ok := strings.CutPrefix(line[1:], "EOF:"); ok && len(mark) >= eofMarkLen {
		res.eofMark = true
		a.syncTotal.Store(0)
		a.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
		return copyUntilMark(br, cw, []byte(mark[:eofMarkLen]))
	}
	size, _ := strconv.ParseInt(line[1:], 10, 64)
	a.syncTotal.Store(size)
	a.notice("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", size)
	_, err := io.CopyN(cw, br, size)
	return transferError(err)
}

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
