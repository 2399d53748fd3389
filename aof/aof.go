package aof

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/resp"
)

// state is Redis's aof_state.
type state int

const (
	stateOff         state = iota
	stateOn                // appending
	stateWaitRewrite       // turned on at run time: waiting for the first rewrite
)

// fsyncPolicy is appendfsync.
type fsyncPolicy int

const (
	fsyncEverysec fsyncPolicy = iota
	fsyncAlways
	fsyncNo
)

// writeErrorLogRate is the seconds between two log lines about write
// errors (AOF_WRITE_LOG_ERROR_RATE).
const writeErrorLogRate = 30

// AOF is the append only file of one server.
type AOF struct {
	srv      *db.Server
	state    state
	dirname  string // appenddirname, relative to dir
	filename string // appendfilename: the prefix of every file name
	manifest *Manifest

	f          *os.File // the incr file being appended to
	fd         int
	buf        []byte // written before the replies of this iteration
	selectedDB int    // the db of the last SELECT written, -1 for none
	curTS      int64  // the last #TS annotation written

	configured       bool // appendonly yes
	policy           fsyncPolicy
	noFsyncOnRewrite bool
	timestamps       bool
	flushSleep       time.Duration // DEBUG AOF-FLUSH-SLEEP

	lastIncrSize        int64 // bytes in the current incr file
	lastIncrFsyncOffset int64 // of which fsynced
	currentSize         int64 // base and incr files
	rewriteBaseSize     int64 // currentSize after the last rewrite
	lastFsync           int64 // unix seconds
	postponedStart      int64 // unix seconds a write waits for a background fsync since
	lastWriteOK         bool
	lastWriteErr        error
	lastWriteErrLog     int64
	delayedFsync        int64

	bio *fsyncer

	rw            *rewriteJob // the running rewrite
	scheduled     bool
	rewriteStart  int64 // unix seconds, -1 when none runs
	lastRewriteS  int64 // aof_last_rewrite_time_sec
	lastRewriteOK bool
	rewrites      int64
	failures      int64 // consecutive
	limitDelay    int   // minutes (aofRewriteLimited)
	limitUntil    int64 // unix seconds
	cowSize       int64
	lastRewriteT  time.Time
}

// Attach plugs the AOF into srv: the writes, the replies' wait for the
// disk, the cron (rewrites, retries after errors, everysec's fsync),
// MISCONF, the shutdown's fsync, replicas' full syncs and the CONFIG SET
// hooks. It must run before the loop does, after rdb.Attach.
func Attach(srv *db.Server) *AOF {
	cfg := srv.Config
	a := &AOF{
		srv: srv, dirname: cfg.String("appenddirname"), filename: cfg.String("appendfilename"),
		manifest: &Manifest{}, fd: -1, selectedDB: -1,
		lastWriteOK: true, lastRewriteOK: true, rewriteStart: -1, lastRewriteS: -1,
		lastFsync: time.Now().Unix(), bio: newFsyncer(),
	}
	if cfg.Bool("appendonly") {
		a.state, a.configured = stateOn, true
	}
	a.readSettings()
	srv.AOF = a
	srv.AddPropagatorWhile(db.PropagateAOF, a.feed, a.feeding)
	srv.OnBeforeSleep(func() { a.flushIfOn(false) })
	srv.OnCron(a.cron)
	srv.OnDiskError(a.diskError)
	srv.OnShutdown(a.shutdown)
	srv.OnSyncLoad(a.syncLoad)
	for _, name := range []string{"appendfsync", "no-appendfsync-on-rewrite", "aof-timestamp-enabled"} {
		cfg.OnChange(name, func() error { a.readSettings(); return nil })
	}
	cfg.OnChange("appendonly", a.appendonlyChanged)
	cfg.OnChange("aof-disable-auto-gc", func() error {
		// Turned back on, the gc removes the history at once, as Redis's
		// updateAofAutoGCEnabled.
		if !cfg.Bool("aof-disable-auto-gc") && a.manifest != nil {
			a.deleteHistory()
		}
		return nil
	})
	a.publish()
	return a
}

// Of returns the AOF attached to srv, nil if none.
func Of(srv *db.Server) *AOF {
	a, _ := srv.AOF.(*AOF)
	return a
}

func (a *AOF) readSettings() {
	cfg := a.srv.Config
	switch cfg.String("appendfsync") {
	case "always":
		a.policy = fsyncAlways
	case "no":
		a.policy = fsyncNo
	default:
		a.policy = fsyncEverysec
	}
	a.noFsyncOnRewrite = cfg.Bool("no-appendfsync-on-rewrite")
	a.timestamps = cfg.Bool("aof-timestamp-enabled")
}

// Enabled reports whether appendonly is on (the AOF, not the RDB, is
// loaded at startup).
func (a *AOF) Enabled() bool { return a.state != stateOff }

// path is the path of a file of the AOF directory.
func (a *AOF) path(name string) string { return filepath.Join(a.dirname, name) }

// feeding reports whether feed keeps the writes: the AOF is on, or being
// turned on by a rewrite in progress.
func (a *AOF) feeding() bool {
	return a.state != stateOff && (a.state != stateWaitRewrite || a.rw != nil)
}

// feed appends a write to the buffer, as Redis's feedAppendOnlyFile: a
// timestamp annotation when the second changed (aof-timestamp-enabled), a
// SELECT when the db changed, then the command.
func (a *AOF) feed(dbid int, argv [][]byte) {
	if !a.feeding() {
		return
	}
	if a.timestamps {
		if now := time.Now().Unix(); a.curTS < now {
			a.curTS = now
			a.buf = append(a.buf, "#TS:"...)
			a.buf = strconv.AppendInt(a.buf, now, 10)
			a.buf = append(a.buf, '\r', '\n')
		}
	}
	if dbid >= 0 && dbid != a.selectedDB {
		var tmp [20]byte
		a.buf = resp.AppendCommand(a.buf, []byte("SELECT"), strconv.AppendInt(tmp[:0], int64(dbid), 10))
		a.selectedDB = dbid
	}
	a.buf = resp.AppendCommand(a.buf, argv...)
	// Nothing is answered before the AOF holds it: with always, after one
	// fsync for the whole iteration; else just after the write(2).
	if a.policy == fsyncAlways {
		a.srv.HoldReplies = true
	} else {
		a.srv.BeforeReply = true
	}
}

func (a *AOF) flushIfOn(force bool) {
	if a.state != stateOff {
		a.flush(force)
	}
}

// flush writes the buffer, and fsyncs as the policy says, as Redis's
// flushAppendOnlyFile. It runs before the replies of an iteration are
// written. force writes even while a background fsync runs (everysec
// otherwise postpones the write for up to two seconds, since the write
// would wait for the fsync anyway).
func (a *AOF) flush(force bool) {
	defer a.publish()
	now := time.Now().Unix()
	syncInProgress := false
	if len(a.buf) == 0 {
		// Data written but not fsynced yet (a quiet second under
		// everysec; a policy changed to always).
		switch {
		case a.policy == fsyncEverysec && a.lastIncrFsyncOffset != a.lastIncrSize && now > a.lastFsync && !a.bio.busy():
		case a.policy == fsyncAlways && a.lastIncrFsyncOffset != a.lastIncrSize:
		default:
			return
		}
		a.tryFsync(now, false)
		return
	}
	if a.policy == fsyncEverysec {
		syncInProgress = a.bio.busy()
	}
	if a.policy == fsyncEverysec && !force && syncInProgress {
		if a.postponedStart == 0 {
			a.postponedStart = now
			return
		} else if now-a.postponedStart < 2 {
			return
		}
		a.delayedFsync++
		logger.Noticef("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
	}
	if a.flushSleep > 0 {
		time.Sleep(a.flushSleep)
	}
	start := time.Now()
	n, err := a.write(a.buf)
	a.srv.LatencyAddSampleIfNeeded("aof-write", time.Since(start).Milliseconds())
	a.postponedStart = 0
	if n != len(a.buf) {
		a.writeFailed(n, err, now)
		return
	}
	if !a.lastWriteOK {
		logger.Warningf("AOF write error looks solved, Redis can write again.")
		a.lastWriteOK = true
	}
	a.currentSize += int64(n)
	a.lastIncrSize += int64(n)
	if cap(a.buf) < 4000 {
		a.buf = a.buf[:0]
	} else {
		a.buf = nil
	}
	a.tryFsync(now, syncInProgress)
}

// write is aofWrite: it retries short writes and EINTR, and returns what
// was written before an error.
func (a *AOF) write(b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		n, err := unix.Write(a.fd, b)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return total, err
		}
		total += n
		b = b[n:]
	}
	return total, nil
}

// writeFailed handles a failed or short write as Redis: under always the
// process exits (the replies of the iteration cannot be taken back);
// otherwise the buffer is kept, the error refuses writes with MISCONF, and
// the cron retries every second.
func (a *AOF) writeFailed(n int, err error, now int64) {
	canLog := now-a.lastWriteErrLog > writeErrorLogRate
	if canLog {
		a.lastWriteErrLog = now
	}
	if n == 0 && err != nil {
		if canLog {
			logger.Warningf("Error writing to the AOF file: %s", strerror(err))
		}
		a.lastWriteErr = err
	} else {
		if canLog {
			logger.Warningf("Short write while writing to the AOF file: (nwritten=%d, expected=%d)", n, len(a.buf))
		}
		if terr := unix.Ftruncate(a.fd, a.lastIncrSize); terr != nil {
			if canLog {
				logger.Warningf("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: %s", strerror(terr))
			}
		} else {
			n = 0 // nothing of it is left in the file
		}
		a.lastWriteErr = syscall.ENOSPC
	}
	if a.policy == fsyncAlways {
		logger.Warningf("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
		os.Exit(1)
	}
	a.lastWriteOK = false
	if n > 0 {
		a.currentSize += int64(n)
		a.lastIncrSize += int64(n)
		a.buf = a.buf[:copy(a.buf, a.buf[n:])]
	}
}

// tryFsync fsyncs what was written, as the policy says, unless
// no-appendfsync-on-rewrite holds it back while a background job runs.
func (a *AOF) tryFsync(now int64, syncInProgress bool) {
	if a.noFsyncOnRewrite && a.srv.ActiveChild() != db.ChildNone {
		return
	}
	switch {
	case a.policy == fsyncAlways:
		start := time.Now()
		if err := unix.Fdatasync(a.fd); err != nil {
			logger.Warningf("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...", strerror(err))
			os.Exit(1)
		}
		a.srv.LatencyAddSampleIfNeeded("aof-fsync-always", time.Since(start).Milliseconds())
		a.lastIncrFsyncOffset = a.lastIncrSize
		a.lastFsync = now
	case a.policy == fsyncEverysec && now > a.lastFsync:
		if !syncInProgress {
			a.bio.fsync(a.f, false)
			a.lastIncrFsyncOffset = a.lastIncrSize
		}
		a.lastFsync = now
	}
}

// diskError refuses writes with MISCONF after a failed write or a failed
// background fsync, until a write succeeds again.
func (a *AOF) diskError() string {
	if a.state == stateOff {
		return ""
	}
	err := a.lastWriteErr
	if a.lastWriteOK {
		if !a.bio.failed.Load() {
			return ""
		}
		err = syscall.Errno(a.bio.errno.Load())
	}
	return "MISCONF Errors writing to the AOF file: " + strerror(err)
}

// cron is the AOF's share of serverCron: a rewrite scheduled or due to
// growth, a write postponed by a slow fsync or left by an error (retried
// once a second), and everysec's fsync of a quiet second.
func (a *AOF) cron(now time.Time) {
	s := a.srv
	if s.ActiveChild() == db.ChildNone && a.scheduled && !a.rewriteLimited(now.Unix()) {
		a.rewriteBackground()
	}
	if a.state == stateOn && s.ActiveChild() == db.ChildNone {
		perc := s.Config.Int("auto-aof-rewrite-percentage")
		if perc > 0 && a.currentSize > s.Config.Int("auto-aof-rewrite-min-size") {
			base := max(a.rewriteBaseSize, 1)
			growth := a.currentSize*100/base - 100
			if growth >= perc && !a.rewriteLimited(now.Unix()) {
				logger.Noticef("Starting automatic rewriting of AOF on %d%% growth", growth)
				a.rewriteBackground()
			}
		}
	}
	// A write postponed by a slow fsync, one left by an error, everysec's
	// fsync of a quiet second: flush knows which is due.
	a.flushIfOn(false)
	a.publish()
}

// rewriteLimited delays automatic rewrites after three failures in a row,
// by 1, 2, 4 ... up to 60 minutes (Redis's aofRewriteLimited). BGREWRITEAOF
// is not limited.
func (a *AOF) rewriteLimited(now int64) bool {
	if a.failures < 3 {
		a.limitDelay, a.limitUntil = 0, 0
		return false
	}
	if a.limitUntil != 0 {
		if now < a.limitUntil {
			return true
		}
		a.limitUntil = 0
		return false
	}
	if a.limitDelay == 0 {
		a.limitDelay = 1
	} else {
		a.limitDelay = min(a.limitDelay*2, 60)
	}
	a.limitUntil = now + int64(a.limitDelay)*60
	logger.Warningf("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d minutes", a.limitDelay)
	return true
}

// shutdown flushes and fsyncs the AOF before the process exits; a rewrite
// in progress is stopped, unless it is the first one of an AOF turned on
// at run time, without which the data would not be in any AOF.
func (a *AOF) shutdown(flags int) error {
	if a.rw != nil {
		if a.state == stateWaitRewrite {
			if flags&db.ShutdownForce != 0 {
				logger.Warningf("Writing initial AOF. Exit anyway.")
			} else {
				logger.Warningf("Writing initial AOF, can't exit.")
				return errors.New("writing initial AOF")
			}
		}
		logger.Warningf("There is a child rewriting the AOF. Killing it!")
		a.killRewrite()
	}
	if a.state != stateOff {
		logger.Noticef("Calling fsync() on the AOF file.")
		a.flush(true)
		if a.fd < 0 { // waiting for a rewrite that never started: no file yet
			return nil
		}
		if err := unix.Fdatasync(a.fd); err != nil {
			logger.Warningf("Fail to fsync the AOF file: %s.", strerror(err))
		}
	}
	return nil
}

// appendonlyChanged is CONFIG SET appendonly.
func (a *AOF) appendonlyChanged() error {
	on := a.srv.Config.Bool("appendonly")
	a.configured = on
	defer a.publish()
	switch {
	case !on && a.state != stateOff:
		a.stop()
	case on && a.state == stateOff:
		if err := a.start(); err != nil {
			return errors.New("Unable to turn on AOF. Check server logs.")
		}
	}
	return nil
}

// stop turns the AOF off (CONFIG SET appendonly no, a replica about to
// load its master's data): what is buffered is written and fsynced.
func (a *AOF) stop() {
	if a.fd >= 0 {
		a.flush(true)
		if err := unix.Fdatasync(a.fd); err != nil {
			logger.Warningf("Fail to fsync the AOF file: %s", strerror(err))
		} else {
			a.lastFsync = time.Now().Unix()
		}
	}
	a.closeFile()
	a.selectedDB = -1
	a.state = stateOff
	a.scheduled = false
	a.lastIncrSize, a.lastIncrFsyncOffset = 0, 0
	a.killRewrite()
	a.buf = nil
	a.publish()
}

// start turns the AOF on at run time: it starts appending once a rewrite
// wrote the dataset as a base (startAppendOnly).
func (a *AOF) start() error {
	a.state = stateWaitRewrite
	switch {
	case a.srv.ActiveChild() != db.ChildNone && a.rw == nil:
		a.scheduled = true
		logger.Warningf("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	case a.srv.InExec():
		a.scheduled = true
		logger.Warningf("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
	default:
		if a.rw != nil {
			logger.Warningf("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
			a.killRewrite()
		}
		if err := a.rewriteBackground(); err != nil {
			a.state = stateOff
			logger.Warningf("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
			a.publish()
			return err
		}
	}
	a.lastFsync = time.Now().Unix()
	if a.bio.failed.Load() {
		logger.Warningf("AOF reopen, just ignore the AOF fsync error in bio job")
		a.bio.failed.Store(false)
	}
	if !a.lastWriteOK {
		logger.Warningf("AOF reopen, just ignore the last error.")
		a.lastWriteOK = true
	}
	a.publish()
	return nil
}

// syncLoad stops the AOF while a replica loads its master's RDB, and
// turns it on again afterwards, with a rewrite of the new data
// (restartAOFAfterSYNC).
func (a *AOF) syncLoad(loading bool) {
	if loading {
		if a.state != stateOff {
			a.stop()
		}
		return
	}
	if !a.srv.Config.Bool("appendonly") || a.state != stateOff {
		return
	}
	for tries := 0; ; tries++ {
		if a.start() == nil {
			return
		}
		if tries == 9 {
			logger.Warningf("FATAL: this replica instance finished the synchronization with its master, but the AOF can't be turned on. Exiting now.")
			os.Exit(1)
		}
		logger.Warningf("Failed enabling the AOF after successful master synchronization! Trying it again in one second.")
		time.Sleep(time.Second)
	}
}

// closeFile hands the current incr file to the fsync goroutine, which
// fsyncs and closes it.
func (a *AOF) closeFile() {
	if a.f != nil {
		a.bio.fsync(a.f, true)
	}
	a.f, a.fd = nil, -1
}

// setFile makes f the file appended to.
func (a *AOF) setFile(f *os.File) {
	a.f, a.fd = f, int(f.Fd())
}

// publish copies the AOF's state to what INFO persistence shows.
func (a *AOF) publish() {
	p := &a.srv.Persistence
	p.AOFEnabled = a.state != stateOff
	p.AOFConfigured = a.configured
	p.AOFRewriteRunning = a.rw != nil
	p.AOFRewriteSched = a.scheduled
	p.AOFRewriteStart = a.rewriteStart
	p.AOFLastRewriteSec = a.lastRewriteS
	p.AOFLastRewriteOK = a.lastRewriteOK
	p.AOFRewrites = a.rewrites
	p.AOFRewriteFailures = a.failures
	p.AOFLastWriteOK = a.lastWriteOK && !a.bio.failed.Load()
	p.AOFCurrentSize = a.currentSize
	p.AOFBaseSize = a.rewriteBaseSize
	p.AOFBufferLength = int64(len(a.buf))
	p.AOFPendingFsync = a.bio.pending.Load()
	p.AOFDelayedFsync = a.delayedFsync
	p.AOFLastCOWSize = a.cowSize
}

// strerror is the text of err as C's strerror gives it.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if s := errno.Error(); s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// fsyncer is Redis's bio thread for AOF fsyncs: one goroutine that
// fsyncs (and closes, for a file no longer appended to) the files handed
// to it, in order. It touches nothing but the files and its atomics.
type fsyncer struct {
	jobs    chan fsyncJob
	pending atomic.Int64
	failed  atomic.Bool // the last fsync failed (aof_bio_fsync_status)
	errno   atomic.Int64
}

type fsyncJob struct {
	f     *os.File
	close bool
}

func newFsyncer() *fsyncer {
	b := &fsyncer{jobs: make(chan fsyncJob, 1024)}
	go b.run()
	return b
}

func (b *fsyncer) run() {
	for j := range b.jobs {
		err := unix.Fdatasync(int(j.f.Fd()))
		if err != nil && err != unix.EBADF && err != unix.EINVAL {
			wasOK := !b.failed.Swap(true)
			b.errno.Store(int64(err.(syscall.Errno)))
			if wasOK {
				logger.Warningf("Fail to fsync the AOF file: %s", strerror(err))
			}
		} else {
			b.failed.Store(false)
		}
		if j.close {
			j.f.Close()
		}
		b.pending.Add(-1)
	}
}

func (b *fsyncer) fsync(f *os.File, close bool) {
	b.pending.Add(1)
	b.jobs <- fsyncJob{f, close}
}

// busy reports whether an fsync is queued or running (aofFsyncInProgress).
func (b *fsyncer) busy() bool { return b.pending.Load() > 0 }
