package aof

// The rewrite, as Redis's BGREWRITEAOF: on the loop, the writes switch to
// a new incr file and the dataset is frozen in a copy-on-write snapshot; a
// goroutine writes the snapshot as the new base (an RDB with
// aof-use-rdb-preamble, else commands) to a temp file, fsyncs it and
// renames it; back on the loop, the base takes its name in the manifest,
// the files it replaces become history, the manifest is replaced
// atomically and the history deleted. A crash at any point leaves a
// manifest that names complete files only: the old one until the rename
// of the new manifest, the new one after.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/redis-go/redis-server/child"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

func init() {
	db.RegisterCommand("bgrewriteaof", bgrewriteaofCommand)
}

// autosyncBytes is how often a rewrite fsyncs its file with
// aof-rewrite-incremental-fsync (REDIS_AUTOSYNC_BYTES), so that the final
// fsync does not stall the disk.
const autosyncBytes = 4 << 20

// rewriteJob is a rewrite running on its goroutine.
type rewriteJob struct {
	sn       *db.Snapshot
	opt      baseOptions
	tmp      string // temp-rewriteaof-bg-<pid>.aof, in dir
	cancel   atomic.Bool
	finished chan struct{}
	proc     *child.Process // the redis-aof-rewrite child, nil if none
	exit     child.Exit     // how proc ended
	err      error          // how a rewrite without a child ended
	start    time.Time
}

// baseOptions are the settings of a base file, taken on the loop.
type baseOptions struct {
	rdb       bool
	rdbOpt    rdb.Options
	ts        int64    // the #TS annotation, 0 for none
	functions []string // the libraries of functions (FUNCTION LOAD)
	keyDelay  int64    // rdb-key-save-delay
	autosync  bool
	tempInDir string // the temp file written before the rename
}

var errChildActive = errors.New("another background job runs")

func bgrewriteaofCommand(c *db.Client) {
	a := Of(c.Srv())
	switch {
	case a.rw != nil:
		c.Error("ERR Background append only file rewriting already in progress")
	case c.Srv().ActiveChild() != db.ChildNone || c.Srv().InExec():
		a.scheduled = true
		a.failures = 0 // a manual rewrite is not limited
		a.publish()
		c.Status("Background append only file rewriting scheduled")
	case a.rewriteBackground() == nil:
		c.Status("Background append only file rewriting started")
	default:
		c.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
	}
}

func (a *AOF) baseOptions() baseOptions {
	cfg := a.srv.Config
	o := baseOptions{
		rdb:      cfg.Bool("aof-use-rdb-preamble"),
		keyDelay: cfg.Int("rdb-key-save-delay"),
		autosync: cfg.Bool("aof-rewrite-incremental-fsync"),
	}
	if o.rdb {
		o.rdbOpt = rdb.SaveOptions(a.srv)
		o.rdbOpt.AOFBase = true
		o.rdbOpt.KeySaveDelay = o.keyDelay
	}
	if a.timestamps {
		o.ts = time.Now().Unix()
	}
	o.functions = rdb.FunctionsOf(a.srv)
	return o
}

// snapshot freezes the dataset as a fork would, counting it as one.
func (a *AOF) snapshot() *db.Snapshot {
	s := a.srv
	start := time.Now()
	sn := s.Snapshot()
	s.Persistence.LatestForkUsec = time.Since(start).Microseconds()
	s.Persistence.TotalForks++
	return sn
}

// rewriteBackground starts a rewrite (rewriteAppendOnlyFileBackground).
func (a *AOF) rewriteBackground() error {
	s := a.srv
	if s.ActiveChild() != db.ChildNone {
		return errChildActive
	}
	if err := os.MkdirAll(a.dirname, 0o755); err != nil {
		logger.Warningf("Can't open or create append-only dir %s: %s", a.dirname, strerror(err))
		a.lastRewriteOK = false
		return err
	}
	a.selectedDB = -1 // the new incr file starts with a SELECT
	a.flushIfOn(true)
	if err := a.openNewIncr(); err != nil {
		a.lastRewriteOK = false
		return err
	}
	a.rewrites++
	job := &rewriteJob{opt: a.baseOptions(), finished: make(chan struct{}), start: time.Now()}
	// The child writes temp-rewriteaof-<pid>.aof and renames it
	// temp-rewriteaof-bg-<pid>.aof, which rewriteDone makes the base.
	spec := rdb.ChildSpec(s, child.AOF, "redis-aof-rewrite")
	spec.Temp, spec.Final = "temp-rewriteaof-%d.aof", "temp-rewriteaof-bg-%d.aof"
	if job.opt.autosync {
		spec.Autosync = autosyncBytes
	}
	spec.Exited = &job.cancel // a dead child stops the writer
	job.sn = a.snapshot()
	started := time.Now()
	proc, err := child.Start(spec)
	s.Persistence.LatestForkUsec += time.Since(started).Microseconds() // part of the fork
	pid := os.Getpid()
	if err != nil {
		logger.Warningf("Can't start a child process for the AOF rewrite (%v): the server writes the file itself", err)
		job.tmp = fmt.Sprintf("temp-rewriteaof-bg-%d.aof", pid)
		job.opt.tempInDir = fmt.Sprintf("temp-rewriteaof-%d.aof", pid)
	} else {
		job.proc, pid = proc, proc.Pid
		job.tmp, job.opt.tempInDir = proc.Final, proc.Temp
	}
	s.SetActiveChild(db.ChildAOF)
	a.rw = job
	logger.Noticef("Background append only file rewriting started by pid %d", pid)
	a.scheduled = false
	a.rewriteStart = time.Now().Unix()
	a.lastRewriteT = job.start
	go func() {
		if job.proc != nil {
			job.exit = job.writeToChild()
		} else {
			job.err = writeBase(job.tmp, job.sn, job.opt, &job.cancel)
			if job.err == nil {
				logger.Child(logger.Notice, "Successfully created the temporary AOF base file %s", job.tmp)
			}
		}
		close(job.finished)
		s.Loop.Execute(func() { a.rewriteDone(job) })
	}()
	a.publish()
	return nil
}

// openNewIncr switches the writes to a new incr file, named in the
// manifest at once (openNewIncrAofForAppend). An AOF waiting for its
// first rewrite writes to a temp incr file instead, which the end of the
// rewrite names.
func (a *AOF) openNewIncr() error {
	if a.state == stateOff {
		return nil
	}
	var name string
	var next *Manifest
	if a.state == stateWaitRewrite {
		name = TempIncrName(a.filename)
	} else {
		next = a.manifest.Clone()
		name = next.NewIncr(a.filename)
	}
	f, err := os.OpenFile(a.path(name), os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		logger.Warningf("Can't open the append-only file %s: %s", name, strerror(err))
		return err
	}
	if next != nil {
		if err := WriteManifest(a.dirname, a.filename, next); err != nil {
			logger.Warningf("%v", err)
			f.Close()
			return err
		}
	}
	logger.Noticef("Creating AOF incr file %s on background rewrite", name)
	if a.f != nil {
		// everysec may fsync it later; always already did.
		a.closeFile()
		a.lastFsync = time.Now().Unix()
	}
	a.setFile(f)
	a.lastIncrSize, a.lastIncrFsyncOffset = 0, 0
	if next != nil {
		a.manifest = next
	}
	return nil
}

// writeBase writes a base file for sn at tmp (in dir) through a temp
// file: written, fsynced, then renamed (rewriteAppendOnlyFile). Setting
// cancel stops it between writes.
func writeBase(tmp string, sn *db.Snapshot, opt baseOptions, cancel *atomic.Bool) error {
	inner := opt.tempInDir
	f, err := os.Create(inner)
	if err != nil {
		logger.Warningf("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", strerror(err))
		return err
	}
	err = encodeBase(&baseWriter{f: f, cancel: cancel, autosync: opt.autosync}, sn, opt, cancel)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if cancel != nil && cancel.Load() {
		err = errRewriteKilled
	}
	if err != nil {
		if !errors.Is(err, errRewriteKilled) {
			logger.Warningf("Write error writing append only file on disk: %s", strerror(err))
		}
		os.Remove(inner)
		return err
	}
	if err := os.Rename(inner, tmp); err != nil {
		logger.Warningf("Error moving temp append only file on the final destination: %s", strerror(err))
		os.Remove(inner)
		return err
	}
	return nil
}

// encodeBase writes a base file's bytes for sn to w: an RDB preamble or
// commands. Setting cancel stops it after the key being written.
func encodeBase(w io.Writer, sn *db.Snapshot, opt baseOptions, cancel *atomic.Bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	if opt.rdb {
		ro := opt.rdbOpt
		ro.Cancel = cancel
		_, err = rdb.Write(bw, sn, ro)
	} else {
		// Called after each key: the delay of rdb-key-save-delay, and a
		// kill that must not wait for the buffers to fill.
		var after func() error
		if opt.keyDelay != 0 || cancel != nil {
			after = func() error {
				if opt.keyDelay != 0 {
					rdb.KeySaveDelay(opt.keyDelay, cancel)
				}
				if cancel != nil && cancel.Load() {
					return errRewriteKilled
				}
				return nil
			}
		}
		err = WriteCommands(bw, sn, opt.ts, opt.functions, after)
	}
	if err == nil {
		err = bw.Flush()
	}
	return err
}

// writeToChild sends the base to the job's child and commits it, or stops
// the child when the rewrite was killed. A child that exited meanwhile
// set cancel too; its exit says what happened.
func (job *rewriteJob) writeToChild() child.Exit {
	err := encodeBase(job.proc, job.sn, job.opt, &job.cancel)
	if job.cancel.Load() {
		return job.proc.StopAndWait() // unless it exited
	}
	if err != nil {
		return job.proc.Wait()
	}
	return job.proc.Commit()
}

var errRewriteKilled = errors.New("AOF rewrite killed")

// baseWriter writes a base file: it stops when cancelled and fsyncs every
// autosyncBytes with aof-rewrite-incremental-fsync.
type baseWriter struct {
	f        *os.File
	cancel   *atomic.Bool
	autosync bool
	unsynced int
}

func (w *baseWriter) Write(p []byte) (int, error) {
	if w.cancel != nil && w.cancel.Load() {
		return 0, errRewriteKilled
	}
	n, err := w.f.Write(p)
	w.unsynced += n
	if err == nil && w.autosync && w.unsynced >= autosyncBytes {
		err = unix.Fdatasync(int(w.f.Fd()))
		w.unsynced = 0
	}
	return n, err
}

var _ io.Writer = (*baseWriter)(nil)

// rewriteDone ends a rewrite on the loop (backgroundRewriteDoneHandler).
func (a *AOF) rewriteDone(job *rewriteJob) {
	if a.rw != job { // killed: already cleaned up
		return
	}
	s := a.srv
	a.rw = nil
	s.SetActiveChild(db.ChildNone)
	a.cowSize = s.COW.Copied
	job.sn.Release()
	switch {
	case job.proc == nil && job.err == nil, job.proc != nil && job.exit.OK():
		if a.cowSize > 0 {
			logger.Noticef("Fork CoW for AOF rewrite: current %d MB, peak %d MB, average %d MB",
				a.cowSize>>20, a.cowSize>>20, a.cowSize>>21)
		}
		logger.Noticef("Background AOF rewrite terminated with success")
		a.installBase(job.tmp)
	case job.proc == nil || job.exit.BySignal() == 0:
		a.lastRewriteOK = false
		a.failures++
		logger.Warningf("Background AOF rewrite terminated with error")
	default: // killed (SIGUSR1, a stop on purpose, is no error)
		if !job.exit.Stopped() {
			a.lastRewriteOK = false
			a.failures++
		}
		logger.Warningf("Background AOF rewrite terminated by signal %d", job.exit.BySignal())
	}
	os.Remove(job.tmp)
	os.Remove(job.opt.tempInDir)
	if a.state == stateWaitRewrite {
		a.buf = nil
		a.removeTempIncr()
	}
	a.lastRewriteS = int64(time.Since(job.start).Seconds())
	a.rewriteStart = -1
	if a.state == stateWaitRewrite { // try again: the AOF is not on yet
		a.scheduled = true
	}
	a.publish()
}

// installBase makes the file a rewrite wrote the new base: renamed into
// the directory, named by a new manifest with the incr file opened at the
// start of the rewrite; the files it replaces are history, deleted.
func (a *AOF) installBase(tmp string) {
	next := a.manifest.Clone()
	baseName := next.NewBase(a.filename, a.srv.Config.Bool("aof-use-rdb-preamble"))
	basePath := a.path(baseName)
	fail := func() {
		a.lastRewriteOK = false
		a.failures++
	}
	if err := os.Rename(tmp, basePath); err != nil {
		logger.Warningf("Error trying to rename the temporary AOF base file %s into %s: %s", tmp, basePath, strerror(err))
		fail()
		return
	}
	logger.Noticef("Successfully renamed the temporary AOF base file %s into %s", tmp, baseName)
	incrPath := ""
	if a.state == stateWaitRewrite {
		tempIncr := TempIncrName(a.filename)
		incrName := next.NewIncr(a.filename)
		incrPath = a.path(incrName)
		if err := os.Rename(a.path(tempIncr), incrPath); err != nil {
			logger.Warningf("Error trying to rename the temporary AOF incr file %s into %s: %s", a.path(tempIncr), incrPath, strerror(err))
			os.Remove(basePath)
			fail()
			return
		}
		logger.Noticef("Successfully renamed the temporary AOF incr file %s into %s", tempIncr, incrName)
	}
	if a.fd >= 0 {
		next.MarkIncrsHistory() // all but the one being appended to
	} else {
		next.MarkAllIncrsHistory()
	}
	if err := WriteManifest(a.dirname, a.filename, next); err != nil {
		logger.Warningf("%v", err)
		os.Remove(basePath)
		if incrPath != "" {
			os.Remove(incrPath)
		}
		fail()
		return
	}
	a.manifest = next
	if a.state != stateOff {
		a.currentSize = fileSize(basePath) + a.lastIncrSize
		a.rewriteBaseSize = a.currentSize
	}
	a.deleteHistory()
	a.lastRewriteOK = true
	a.failures = 0
	logger.Noticef("Background AOF rewrite finished successfully")
	if a.state == stateWaitRewrite {
		a.state = stateOn
	}
}

// deleteHistory removes the history files and forgets them in the
// manifest (aofDelHistoryFiles), unless aof-disable-auto-gc.
func (a *AOF) deleteHistory() error {
	if len(a.manifest.History) == 0 || a.srv.Config.Bool("aof-disable-auto-gc") {
		return nil
	}
	for _, h := range a.manifest.History {
		logger.Noticef("Removing the history file %s in the background", h.Name)
		os.Remove(a.path(h.Name))
	}
	a.manifest.History = nil
	a.manifest.Dirty = true
	if err := WriteManifest(a.dirname, a.filename, a.manifest); err != nil {
		logger.Warningf("%v", err)
		return err
	}
	return nil
}

func (a *AOF) removeTempIncr() {
	name := TempIncrName(a.filename)
	logger.Noticef("Removing the temp incr aof file %s in the background", name)
	os.Remove(a.path(name))
}

// killRewrite stops a running rewrite and waits for its goroutine, as
// Redis kills its child and waits for it (killAppendOnlyChild).
func (a *AOF) killRewrite() {
	job := a.rw
	if job == nil {
		return
	}
	pid := os.Getpid()
	if job.proc != nil {
		pid = job.proc.Pid
	}
	logger.Noticef("Killing running AOF rewrite child: %d", pid)
	job.cancel.Store(true)
	if job.proc != nil {
		job.proc.Stop()
	}
	<-job.finished
	a.rw = nil
	a.srv.SetActiveChild(db.ChildNone)
	job.sn.Release()
	os.Remove(job.tmp)
	os.Remove(job.opt.tempInDir)
	a.rewriteStart = -1
	a.publish()
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// rewriteNow writes a base file synchronously, on the loop: the empty
// base of a server that starts with the AOF on and no AOF yet.
func (a *AOF) rewriteNow(path string) error {
	sn := a.snapshot()
	defer sn.Release()
	opt := a.baseOptions()
	opt.tempInDir = fmt.Sprintf("temp-rewriteaof-%d.aof", os.Getpid())
	if opt.ts > 0 && !opt.rdb { // Redis's rewrite ran in this process
		a.curTS = opt.ts
	}
	return writeBase(path, sn, opt, nil)
}
