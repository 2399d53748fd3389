package rdb

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis-go/redis-server/child"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// Saving, as Redis's rdb.c: SAVE writes on the loop; BGSAVE takes a
// snapshot on the loop (microseconds) and writes it from a goroutine, which
// reports back through the loop's Execute. Files are written to a temp file,
// fsynced and renamed, so the previous dump survives any failure.

func init() {
	db.RegisterCommand("save", saveCommand)
	db.RegisterCommand("bgsave", bgsaveCommand)
	db.RegisterDebug("reload", -2, debugReload)
	db.RegisterDebug("digest", 2, debugDigest)
	db.RegisterDebug("set-skip-checksum-validation", 3, func(c *db.Client) {
		n, _ := strconv.Atoi(c.Arg(2)) // atoi, as Redis
		c.Srv().SkipChecksumValidation = n != 0
		c.OK()
	})
	db.RegisterDebug("digest-value", -2, debugDigestValue)
}

// Persister is the persistence of one server (its db.Persister): the
// saving state, and what other subsystems (replication) asked to be told.
type Persister struct {
	srv          *db.Server
	running      bool // a BGSAVE runs
	scheduled    bool // BGSAVE SCHEDULE: another one starts when it ends
	dirtyAtStart int64
	lastTry      time.Time
	cancel       atomic.Bool    // read by the BGSAVE goroutine
	proc         *child.Process // the BGSAVE's child, nil if it has none
	written      chan struct{}  // closed when the BGSAVE goroutine is done with the file
	// keysWritten counts the keys the BGSAVE goroutine wrote; the cron
	// copies it into INFO's current_save_keys_processed, as Redis's child
	// reports its progress to the parent.
	keysWritten atomic.Int64

	fillSnapshot func(sn *db.Snapshot) bool
	loaded       []func(info *LoadInfo)
	bgsaveDone   []func(err error)

	migrate *migrateCache // MIGRATE's connections (migrate.go)
}

// Attach plugs persistence into srv: save points in the cron, the final
// save at shutdown, the save after FLUSHALL, MISCONF and DEBUG OBJECT's
// serializedlength. It must run before the loop does.
func Attach(srv *db.Server) *Persister {
	p := &Persister{srv: srv}
	srv.Persister = p
	srv.OnCron(p.savePointsCron)
	srv.OnShutdown(p.saveOnShutdown)
	srv.OnFlushall(p.saveAfterFlushall)
	srv.OnDiskError(p.diskError)
	return p
}

// Of returns the persistence attached to srv, nil if none: how a command
// finds its server's.
func Of(srv *db.Server) *Persister {
	p, _ := srv.Persister.(*Persister)
	return p
}

// OnSnapshot makes fn fill the replication fields of every snapshot saved
// (repl-id, offset, stream db) and say whether to write them. There is one
// such filler, replication: a later call replaces it.
func (p *Persister) OnSnapshot(fn func(sn *db.Snapshot) bool) { p.fillSnapshot = fn }

// OnLoaded runs fn after the dump file was loaded at startup (replication
// restores its replid and offset from the aux fields).
func (p *Persister) OnLoaded(fn func(info *LoadInfo)) { p.loaded = append(p.loaded, fn) }

// OnBgsaveDone runs fn on the loop when a BGSAVE ends (replication sends
// the file to the replicas waiting for it).
func (p *Persister) OnBgsaveDone(fn func(err error)) { p.bgsaveDone = append(p.bgsaveDone, fn) }

// SerializedLength is DEBUG OBJECT's serializedlength (db.Persister).
func (p *Persister) SerializedLength(v any) int { return serializedLength(v) }

// Path returns the dump file's path (dir is the working directory).
func Path(s *db.Server) string { return s.Config.String("dbfilename") }

func options(s *db.Server) Options {
	return Options{
		Compress:  s.Config.Bool("rdbcompression"),
		Checksum:  s.Config.Bool("rdbchecksum"),
		UsedMem:   heapBytes(),
		Functions: FunctionsOf(s),

		KeySaveDelay: s.Config.Int("rdb-key-save-delay"),
		Clocks:       s.ClockView(),
	}
}

func (p *Persister) takeSnapshot() (*db.Snapshot, Options) {
	s := p.srv
	start := time.Now()
	sn := s.Snapshot()
	s.Persistence.LatestForkUsec = time.Since(start).Microseconds()
	s.Persistence.TotalForks++
	opt := options(s)
	if p.fillSnapshot != nil {
		opt.WithReplInfo = p.fillSnapshot(sn)
	}
	return sn, opt
}

// WriteFile writes the snapshot to path through a temp file in the same
// directory (tmp, a name): fsync, rename, fsync of the directory. Setting
// cancel (nil for none) stops it between writes.
func WriteFile(path, tmp string, sn *db.Snapshot, opt Options, cancel *atomic.Bool) error {
	dir := filepath.Dir(path)
	tmp = filepath.Join(dir, tmp)
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %v", tmp, cwd(), err)
	}
	if cancel != nil {
		opt.Cancel = cancel // checked after each key too
	}
	_, err = Write(cancelWriter{f, cancel}, sn, opt)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Write error saving DB on disk: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Error moving temp DB file %s on the final destination %s (in server root dir %s): %v", tmp, path, cwd(), err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// cancelWriter lets a shutdown stop a background save between writes.
type cancelWriter struct {
	w      io.Writer
	cancel *atomic.Bool
}

var errCancelled = errors.New("background save cancelled")

func (w cancelWriter) Write(p []byte) (int, error) {
	if w.cancel != nil && w.cancel.Load() {
		return 0, errCancelled
	}
	return w.w.Write(p)
}

func cwd() string {
	d, _ := os.Getwd()
	return d
}

// Save writes the dataset synchronously, on the loop (SAVE, shutdown). It
// cannot be cancelled: the cancel flag is the background save's, which a
// shutdown sets just before its own final Save.
func (p *Persister) Save() error {
	s := p.srv
	sn, opt := p.takeSnapshot()
	dirty := s.Dirty
	err := WriteFile(Path(s), fmt.Sprintf("temp-%d.rdb", os.Getpid()), sn, opt, nil)
	s.Persistence.LastCOWSize = s.COW.Copied
	sn.Release()
	if err != nil {
		logger.Warningf("%v", err)
		return err
	}
	logger.Noticef("DB saved on disk")
	s.Dirty -= dirty
	s.Persistence.LastSave = time.Now().Unix()
	s.Persistence.LastBgsaveOK = true
	s.Persistence.Saves++
	return nil
}

// ErrChildActive is Background's error while another background job (an
// AOF rewrite) runs, as Redis's BGSAVE answers.
var ErrChildActive = errors.New("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")

// Background starts a BGSAVE. It must run on the loop.
//
// The snapshot is serialized on a goroutine and written to disk by a child
// process (package child), redis-rdb-bgsave, which writes temp-<its
// pid>.rdb and renames it. When no child can be started, the goroutine
// writes the file itself.
func (p *Persister) Background() error {
	if p.running {
		return errors.New("ERR Background save already in progress")
	}
	s := p.srv
	if s.ActiveChild() != db.ChildNone {
		return ErrChildActive
	}
	path := Path(s)
	spec := ChildSpec(s, child.RDB, "redis-rdb-bgsave")
	spec.Temp = filepath.Join(filepath.Dir(path), "temp-%d.rdb")
	spec.Final = path
	if s.Config.Bool("rdb-save-incremental-fsync") {
		spec.Autosync = autosyncBytes
	}
	p.cancel.Store(false)
	spec.Exited = &p.cancel     // a dead child stops the writer
	sn, opt := p.takeSnapshot() // the fork: the child's start is part of it
	started := time.Now()
	proc, err := child.Start(spec)
	s.Persistence.LatestForkUsec += time.Since(started).Microseconds()
	if err != nil {
		logger.Warningf("Can't start a child process for the background save (%v): the server writes the file itself", err)
		proc = nil
	}
	s.SetActiveChild(db.ChildRDB)
	p.running, p.dirtyAtStart, p.lastTry = true, s.Dirty, time.Now()
	p.keysWritten.Store(0)
	p.proc = proc
	opt.KeysWritten = &p.keysWritten
	opt.Cancel = &p.cancel
	info := &s.Persistence
	info.BgsaveInProgress, info.BgsaveStart = true, time.Now().Unix()
	info.SaveKeysTotal, info.SaveKeysProcessed = int64(sn.Keys()), 0
	pid := os.Getpid()
	if proc != nil {
		pid = proc.Pid
	}
	logger.Noticef("Background saving started by pid %d", pid)
	written := make(chan struct{})
	p.written = written
	go func() {
		start := time.Now()
		var res saveResult
		if proc != nil {
			res.exit = writeToChild(proc, sn, opt, &p.cancel)
		} else {
			tmp := fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), time.Now().UnixNano())
			res.err = WriteFile(path, tmp, sn, opt, &p.cancel)
			if res.err == nil {
				logger.Child(logger.Notice, "DB saved on disk")
			}
		}
		close(written)
		s.Loop.Execute(func() { p.backgroundDone(sn, res, time.Since(start)) })
	}()
	return nil
}

// autosyncBytes is how often a save fsyncs with rdb-save-incremental-fsync
// (REDIS_AUTOSYNC_BYTES), so that the final fsync does not stall the disk.
const autosyncBytes = 4 << 20

// ChildSpec is what a background child of s does for job (child.RDB or
// child.AOF): its process title, its log and its oom_score_adj. The caller
// names the files.
func ChildSpec(s *db.Server, job, title string) child.Spec {
	sp := child.Spec{Job: job, Title: s.Config.ProcTitle(title), LogLevel: logger.Level(), Log: logger.File()}
	sp.OOMScoreAdj, sp.HasOOM = s.ChildOOMScoreAdj()
	return sp
}

// writeToChild sends the snapshot to the child and commits the file, or
// stops the child when the save was cancelled. A child that exited
// meanwhile sets cancel too; its exit says what happened.
func writeToChild(proc *child.Process, sn *db.Snapshot, opt Options, cancel *atomic.Bool) child.Exit {
	_, err := Write(cancelWriter{proc, cancel}, sn, opt)
	if cancel.Load() {
		return proc.StopAndWait() // unless it exited
	}
	if err != nil {
		return proc.Wait()
	}
	return proc.Commit()
}

// saveResult is how a background save ended: the child's exit, or the
// error of a save written without a child.
type saveResult struct {
	exit child.Exit
	err  error
}

func (p *Persister) backgroundDone(sn *db.Snapshot, res saveResult, took time.Duration) {
	s := p.srv
	info := &s.Persistence
	info.LastCOWSize = s.COW.Copied
	if info.LastCOWSize > 0 {
		logger.Noticef("Fork CoW for RDB: current %d MB, peak %d MB, average %d MB",
			info.LastCOWSize>>20, info.LastCOWSize>>20, info.LastCOWSize>>21)
	}
	sn.Release()
	proc := p.proc
	p.running, p.proc = false, nil
	s.SetActiveChild(db.ChildNone)
	info.BgsaveInProgress = false
	info.LastBgsaveTimeSec = int64(took.Seconds())
	info.SaveKeysProcessed = info.SaveKeysTotal
	ok := false
	switch {
	case proc == nil && res.err == nil, proc != nil && res.exit.OK():
		ok = true
	case proc == nil && errors.Is(res.err, errCancelled):
		// A save stopped on purpose (Redis's SIGUSR1) is no error.
		logger.Warningf("Background saving terminated by signal 10")
	case proc == nil:
		info.LastBgsaveOK = false
		logger.Warningf("%v", res.err)
		logger.Warningf("Background saving error")
	case res.exit.BySignal() == 0:
		info.LastBgsaveOK = false
		logger.Warningf("Background saving error")
	default: // as checkChildrenDone and backgroundSaveDoneHandlerDisk
		logger.Warningf("Background saving terminated by signal %d", res.exit.BySignal())
		proc.RemoveTemp()
		if !res.exit.Stopped() {
			info.LastBgsaveOK = false
		}
	}
	var err error
	if ok {
		logger.Noticef("Background saving terminated with success")
		s.Dirty -= p.dirtyAtStart
		info.LastSave = time.Now().Unix()
		info.LastBgsaveOK = true
		info.Saves++
	} else if res.err != nil {
		err = res.err
	} else {
		err = errBgsaveFailed
	}
	for _, fn := range p.bgsaveDone {
		fn(err)
	}
}

// errBgsaveFailed is the end of a child that did not save.
var errBgsaveFailed = errors.New("background save failed")

// SaveOptions returns the settings a save uses now (rdbcompression,
// rdbchecksum, used-mem), for RDBs written outside this package.
func SaveOptions(s *db.Server) Options { return options(s) }

// Kill stops the BGSAVE in progress, if any, as killRDBChild: it ends
// without replacing the dump file.
func (p *Persister) Kill() {
	if p.running {
		p.cancel.Store(true)
		if p.proc != nil {
			p.proc.Stop()
		}
	}
}

// InProgress reports whether a background save runs.
func (p *Persister) InProgress() bool { return p.running }

func saveCommand(c *db.Client) {
	p := Of(c.Srv())
	if p.running {
		c.Error("ERR Background save already in progress")
		return
	}
	if err := p.Save(); err != nil {
		c.Error("ERR")
		return
	}
	c.OK()
}

func bgsaveCommand(c *db.Client) {
	p := Of(c.Srv())
	schedule := false
	if len(c.Argv) > 1 {
		if len(c.Argv) == 2 && c.ArgIs(1, "schedule") {
			schedule = true
		} else {
			c.Error(db.ErrSyntax)
			return
		}
	}
	if p.running {
		c.Error("ERR Background save already in progress")
		return
	}
	if c.Srv().ActiveChild() != db.ChildNone || c.Srv().InExec() {
		if schedule || c.Srv().InExec() {
			p.scheduled = true
			c.Status("Background saving scheduled")
			return
		}
		c.Error(ErrChildActive.Error())
		return
	}
	if err := p.Background(); err != nil {
		c.Error(err.Error())
		return
	}
	c.Status("Background saving started")
}

// savePointsCron starts a BGSAVE when a save point is reached, as
// serverCron does: "N changes in M seconds".
func (p *Persister) savePointsCron(now time.Time) {
	s := p.srv
	info := &s.Persistence
	if p.running {
		info.SaveKeysProcessed = p.keysWritten.Load()
	}
	if s.ActiveChild() != db.ChildNone || s.Loading {
		return // Redis's cron does not run while it loads
	}
	if p.scheduled && (info.LastBgsaveOK || now.Sub(p.lastTry) > 5*time.Second) {
		// BGSAVE SCHEDULE, once the job that was running ended.
		if err := p.Background(); err == nil {
			p.scheduled = false
		}
		return
	}
	for _, sp := range s.Config.SaveParams() {
		if s.Dirty >= int64(sp.Changes) && now.Unix()-info.LastSave > int64(sp.Seconds) &&
			(info.LastBgsaveOK || now.Sub(p.lastTry) > 5*time.Second) {
			logger.Noticef("%d changes in %d seconds. Saving...", sp.Changes, sp.Seconds)
			if err := p.Background(); err != nil {
				logger.Warningf("%v", err)
			}
			return
		}
	}
}

// saveOnShutdown writes the final snapshot when save points exist (or
// SHUTDOWN SAVE), unless NOSAVE.
func (p *Persister) saveOnShutdown(flags int) error {
	s := p.srv
	if p.running {
		logger.Warningf("There is a child saving an .rdb. Killing it!")
		p.killBackground()
	}
	if flags&db.ShutdownNoSave != 0 {
		return nil
	}
	if len(s.Config.SaveParams()) == 0 && flags&db.ShutdownSave == 0 {
		return nil
	}
	logger.Noticef("Saving the final RDB snapshot before exiting.")
	if err := p.Save(); err != nil {
		logger.Warningf("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}

// saveAfterFlushall stops a BGSAVE in progress and, when save points
// exist, saves the empty data set at once, as Redis 7.0.15 does: the dirty
// counter is then 0 (FLUSHALL is propagated all the same).
func (p *Persister) saveAfterFlushall() {
	p.killBackground()
	if len(p.srv.Config.SaveParams()) > 0 {
		p.Save()
	}
}

// killBackground stops a BGSAVE in progress (killRDBChild) and waits until
// its goroutine let go of the files, so that it cannot rename an older
// data set over a save made after it. Its end is reported on the loop as
// usual.
func (p *Persister) killBackground() {
	if !p.running {
		return
	}
	proc := p.proc
	p.Kill()
	<-p.written
	if proc != nil {
		proc.RemoveTemp() // the exit may never be handled: rdbRemoveTempFile
	}
}

// diskError refuses writes with MISCONF when the last background save
// failed, stop-writes-on-bgsave-error is on and saving is configured.
func (p *Persister) diskError() string {
	s := p.srv
	if !s.Persistence.LastBgsaveOK && s.Config.Bool("stop-writes-on-bgsave-error") && len(s.Config.SaveParams()) > 0 {
		return db.ErrMisconf
	}
	return ""
}

// LoadAtStartup loads the dump file if there is one, with Redis's log
// lines, before the server listens (cluster mode). A corrupt or truncated
// file is an error: the server must not start with partial data.
func (p *Persister) LoadAtStartup() error {
	sl, err := p.BeginStartupLoad()
	if sl == nil {
		return err
	}
	sl.Run()
	return sl.Finish()
}

// StartupLoad is the load of the dump file at startup while the server
// listens, as Redis's: clients connect meanwhile and get -LOADING for the
// commands that lack the loading flag (INFO, PING... answer), and INFO
// shows the loading_* fields. The load fills databases the server does
// not see on a goroutine of its own (Run); the loop installs them
// (Finish).
type StartupLoad struct {
	p     *Persister
	f     *os.File
	start time.Time
	load  *db.Load
	opt   *LoadOptions
	info  *LoadInfo
	err   error
}

// BeginStartupLoad opens the dump file and enters the loading state; nil
// and no error when there is no file.
func (p *Persister) BeginStartupLoad() (*StartupLoad, error) {
	s := p.srv
	f, err := os.Open(Path(s))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Fatal error loading the DB: %v. Exiting.", err)
	}
	sl := &StartupLoad{p: p, f: f, start: time.Now(), load: s.NewDetachedLoad()}
	cfg := s.Config
	sl.opt = &LoadOptions{SkipExpired: !s.IsReplica, Now: time.Now().UnixMilli(),
		Progress: &db.LoadProgress{}, KeyDelay: cfg.Int("key-load-delay"),
		TickBytes: cfg.Int("loading-process-events-interval-bytes")}
	sl.opt.Tick = func(int64) error {
		sl.opt.KeyDelay, sl.opt.TickBytes = cfg.Int("key-load-delay"), cfg.Int("loading-process-events-interval-bytes")
		return nil
	}
	s.Loading = true
	ps := &s.Persistence
	ps.LoadingStart = sl.start.Unix()
	ps.LoadingTotalBytes, ps.LoadingLoaded = 0, 0
	if st, err := f.Stat(); err == nil {
		ps.LoadingTotalBytes = st.Size()
	}
	ps.LoadProgress = sl.opt.Progress
	return sl, nil
}

// Run reads the file; it touches nothing the loop uses.
func (sl *StartupLoad) Run() {
	sl.info, sl.err = LoadInto(sl.f, sl.load, sl.opt)
	sl.f.Close()
}

// Finish ends the loading state and installs what Run read, on the loop.
// An error means the server must exit.
func (sl *StartupLoad) Finish() error {
	p, s := sl.p, sl.p.srv
	s.Loading = false
	s.Persistence.LoadProgress = nil
	err, info := sl.err, sl.info
	if err == nil {
		err = LoadFunctions(s, info)
	}
	if err != nil {
		if crc := (*CRCError)(nil); errors.As(err, &crc) {
			// Redis's rdbReportCorruptRDB for the checksum (rdb.c:3217 in
			// Debian's 7.0.15-1~deb12u7, the reference; 3225 before it).
			logger.Warningf("%v", crc)
			logger.Warningf("Internal error in RDB reading offset 0, function at rdb.c:3217 -> RDB CRC error")
			return errors.New("Terminating server after rdb file reading failure.")
		}
		if rep := (*Report)(nil); errors.As(err, &rep) {
			var offset int64
			if sl.opt.Progress != nil {
				offset = sl.opt.Progress.Loaded.Load()
			}
			logger.Warningf("%s", rep.LogLine(offset))
			// Redis then runs redis-check-rdb on the file, whose report
			// goes to the standard output.
			Check(s.Config.String("dbfilename"), os.Stdout)
			return errors.New("Terminating server after rdb file reading failure.")
		}
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("Short read or OOM loading DB. Unrecoverable error, aborting now. (%v)", err)
		}
		return fmt.Errorf("Fatal error loading the DB: %v. Exiting.", err)
	}
	start := sl.start
	info.LogAux()
	s.Install(sl.load)
	s.Persistence.LastLoadKeysLoaded = int64(info.Keys)
	s.Persistence.LastLoadExpired = int64(info.ExpiredSkip)
	info.LogDone()
	logger.Noticef("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	for _, fn := range p.loaded {
		fn(info)
	}
	return nil
}

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, then load
// the file back in place of the dataset; with NOFLUSH into it (a key or a
// library already there is an error, unless MERGE replaces it).
func debugReload(c *db.Client) {
	s := c.Srv()
	if s.Loading {
		// The dump file being loaded would be replaced by a save of the
		// data not loaded yet.
		c.Error(db.ErrLoading)
		return
	}
	save, merge, noflush := true, false, false
	for i := 2; i < len(c.Argv); i++ {
		switch strings.ToLower(c.Arg(i)) {
		case "nosave":
			save = false
		case "merge":
			merge = true
		case "noflush":
			noflush = true
		default:
			c.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		if err := Of(s).Save(); err != nil {
			c.Error("ERR Error trying to save the DB")
			return
		}
	}
	f, err := os.Open(Path(s))
	if err != nil {
		c.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	defer f.Close()
	before := FunctionsOf(s) // Load installs the file's libraries
	l, info, err := Load(f, s, time.Now().UnixMilli(), false)
	if err == nil && noflush {
		err = mergeLoaded(s, l.DBs, before, info.Functions, merge)
	}
	if err != nil {
		if fn, ok := s.Scripting.(Functions); ok && noflush {
			fn.LoadFunctions(before)
		}
		logger.Warningf("Error loading the RDB dump: %v", err)
		c.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	if !noflush {
		s.Install(l)
	}
	logger.Noticef("DB reloaded by DEBUG RELOAD")
	c.OK()
}

// mergeLoaded adds what a load read to the live data (DEBUG RELOAD
// NOFLUSH): libraries and keys already there are errors, or replaced
// with merge (Redis's RDBFLAGS_ALLOW_DUP).
func mergeLoaded(s *db.Server, dbs []*db.DB, before, loaded []string, merge bool) error {
	if fn, ok := s.Scripting.(Functions); ok {
		libs := append([]string(nil), loaded...)
		names := map[string]bool{}
		for _, code := range loaded {
			names[libraryName(code)] = true
		}
		for _, code := range before {
			if merge && names[libraryName(code)] {
				continue
			}
			libs = append(libs, code)
		}
		if msg := fn.LoadFunctions(libs); msg != "" {
			return errors.New(msg)
		}
	}
	for i, d := range dbs {
		live := s.DBs[i]
		var dup string
		d.Each(func(key string, _ any) bool {
			if !merge && live.Exists([]byte(key)) {
				dup = key
				return false
			}
			return true
		})
		if dup != "" {
			return fmt.Errorf("duplicate key '%s' in db %d", dup, i)
		}
	}
	for i, d := range dbs {
		live := s.DBs[i]
		d.Each(func(key string, val any) bool {
			k := []byte(key)
			live.Set(k, val, false)
			if when := d.Expire(k); when >= 0 {
				live.SetExpire(k, when)
			}
			return true
		})
	}
	return nil
}

// libraryName is the name in a library's "#!lua name=<name>" first line.
func libraryName(code string) string {
	line, _, _ := strings.Cut(code, "\n")
	for _, f := range strings.Fields(line) {
		if name, ok := strings.CutPrefix(f, "name="); ok {
			return name
		}
	}
	return ""
}

func heapBytes() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return int64(sample[0].Value.Uint64())
	}
	return 0
}
