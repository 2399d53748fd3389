package rdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

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
	db.AddCronHook(savePointsCron)
	db.AddShutdownHook(saveOnShutdown)
	db.AddFlushallHook(saveAfterFlushall)
	db.RegisterDebug("reload", -2, debugReload)
	db.RegisterDebug("digest", 2, debugDigest)
	db.RegisterDebug("digest-value", -2, debugDigestValue)
	db.RDBValueLen = serializedLength
	db.DiskErrorHook = DiskError
}

// state is the saving state of the one server of the process.
type state struct {
	running      bool
	scheduled    bool
	dirtyAtStart int64
	lastTry      time.Time
	cancel       atomic.Bool
}

var bg state

// Path returns the dump file's path (dir is the working directory).
func Path(s *db.Server) string { return s.Config.String("dbfilename") }

func options(s *db.Server) Options {
	return Options{
		Compress: s.Config.Bool("rdbcompression"),
		Checksum: s.Config.Bool("rdbchecksum"),
		UsedMem:  heapBytes(),
	}
}

// SnapshotHook, when set by replication, fills the replication fields of a
// snapshot (repl-id, offset, stream db) and says whether to save them.
var SnapshotHook func(s *db.Server, sn *db.Snapshot) bool

func takeSnapshot(s *db.Server) (*db.Snapshot, Options) {
	start := time.Now()
	sn := s.Snapshot()
	s.Persistence.LatestForkUsec = time.Since(start).Microseconds()
	s.Persistence.TotalForks++
	opt := options(s)
	if SnapshotHook != nil {
		opt.WithReplInfo = SnapshotHook(s, sn)
	}
	return sn, opt
}

// WriteFile writes the snapshot to path through a temp file in the same
// directory: fsync, rename, fsync of the directory.
func WriteFile(path string, sn *db.Snapshot, opt Options) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), time.Now().UnixNano()))
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %v", tmp, cwd(), err)
	}
	_, err = Write(cancelWriter{f}, sn, opt)
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
type cancelWriter struct{ f *os.File }

var errCancelled = errors.New("background save cancelled")

func (w cancelWriter) Write(p []byte) (int, error) {
	if bg.cancel.Load() {
		return 0, errCancelled
	}
	return w.f.Write(p)
}

func cwd() string {
	d, _ := os.Getwd()
	return d
}

// Save writes the dataset synchronously, on the loop (SAVE, shutdown).
func Save(s *db.Server) error {
	sn, opt := takeSnapshot(s)
	dirty := s.Dirty
	err := WriteFile(Path(s), sn, opt)
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

// Background starts a BGSAVE. It must run on the loop.
func Background(s *db.Server) error {
	if bg.running {
		return errors.New("ERR Background save already in progress")
	}
	sn, opt := takeSnapshot(s)
	bg.running, bg.dirtyAtStart, bg.lastTry = true, s.Dirty, time.Now()
	bg.cancel.Store(false)
	p := &s.Persistence
	p.BgsaveInProgress, p.BgsaveStart = true, time.Now().Unix()
	p.SaveKeysTotal, p.SaveKeysProcessed = int64(sn.Keys()), 0
	logger.Noticef("Background saving started by pid %d", os.Getpid())
	path := Path(s)
	go func() {
		start := time.Now()
		err := WriteFile(path, sn, opt)
		if err == nil {
			logger.Child(logger.Notice, "DB saved on disk")
		}
		s.Loop.Execute(func() { backgroundDone(s, sn, err, time.Since(start)) })
	}()
	return nil
}

func backgroundDone(s *db.Server, sn *db.Snapshot, err error, took time.Duration) {
	p := &s.Persistence
	p.LastCOWSize = s.COW.Copied
	if p.LastCOWSize > 0 {
		logger.Noticef("Fork CoW for RDB: current %d MB, peak %d MB, average %d MB",
			p.LastCOWSize>>20, p.LastCOWSize>>20, p.LastCOWSize>>21)
	}
	sn.Release()
	bg.running = false
	p.BgsaveInProgress = false
	p.LastBgsaveTimeSec = int64(took.Seconds())
	p.SaveKeysProcessed = p.SaveKeysTotal
	if err != nil {
		p.LastBgsaveOK = false
		if errors.Is(err, errCancelled) {
			logger.Warningf("Background saving terminated by signal 10")
		} else {
			logger.Warningf("%v", err)
			logger.Warningf("Background saving error")
		}
	} else {
		logger.Noticef("Background saving terminated with success")
		s.Dirty -= bg.dirtyAtStart
		p.LastSave = time.Now().Unix()
		p.LastBgsaveOK = true
		p.Saves++
	}
	for _, fn := range bgsaveDoneHooks {
		fn(s, err)
	}
	if bg.scheduled {
		bg.scheduled = false
		if err := Background(s); err != nil {
			logger.Warningf("%v", err)
		}
	}
}

// bgsaveDoneHooks run on the loop when a BGSAVE ends.
var bgsaveDoneHooks []func(s *db.Server, err error)

// AddBgsaveDoneHook runs fn on the loop when a BGSAVE ends (replication
// sends the file to the replicas waiting for it).
func AddBgsaveDoneHook(fn func(s *db.Server, err error)) {
	bgsaveDoneHooks = append(bgsaveDoneHooks, fn)
}

// SaveOptions returns the settings a save uses now (rdbcompression,
// rdbchecksum, used-mem), for RDBs written outside this package.
func SaveOptions(s *db.Server) Options { return options(s) }

// InProgress reports whether a background save runs.
func InProgress() bool { return bg.running }

func saveCommand(c *db.Client) {
	if bg.running {
		c.Error("ERR Background save already in progress")
		return
	}
	if err := Save(c.Srv()); err != nil {
		c.Error("ERR")
		return
	}
	c.OK()
}

func bgsaveCommand(c *db.Client) {
	schedule := false
	if len(c.Argv) > 1 {
		if len(c.Argv) == 2 && c.ArgIs(1, "schedule") {
			schedule = true
		} else {
			c.Error(db.ErrSyntax)
			return
		}
	}
	if bg.running {
		if schedule {
			bg.scheduled = true
			c.Status("Background saving scheduled")
			return
		}
		c.Error("ERR Background save already in progress")
		return
	}
	if err := Background(c.Srv()); err != nil {
		c.Error(err.Error())
		return
	}
	c.Status("Background saving started")
}

// savePointsCron starts a BGSAVE when a save point is reached, as
// serverCron does: "N changes in M seconds".
func savePointsCron(s *db.Server, now time.Time) {
	if bg.running {
		return
	}
	p := &s.Persistence
	for _, sp := range s.Config.SaveParams() {
		if s.Dirty >= int64(sp.Changes) && now.Unix()-p.LastSave > int64(sp.Seconds) &&
			(p.LastBgsaveOK || now.Sub(bg.lastTry) > 5*time.Second) {
			logger.Noticef("%d changes in %d seconds. Saving...", sp.Changes, sp.Seconds)
			if err := Background(s); err != nil {
				logger.Warningf("%v", err)
			}
			return
		}
	}
}

// saveOnShutdown writes the final snapshot when save points exist (or
// SHUTDOWN SAVE), unless NOSAVE.
func saveOnShutdown(s *db.Server, flags int) error {
	if bg.running {
		logger.Warningf("There is a child saving an .rdb. Killing it!")
		bg.cancel.Store(true)
	}
	if flags&db.ShutdownNoSave != 0 {
		return nil
	}
	if len(s.Config.SaveParams()) == 0 && flags&db.ShutdownSave == 0 {
		return nil
	}
	logger.Noticef("Saving the final RDB snapshot before exiting.")
	if err := Save(s); err != nil {
		logger.Warningf("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}

// saveAfterFlushall saves at once after FLUSHALL when save points exist,
// leaving the dirty counter as it was, as Redis does.
func saveAfterFlushall(s *db.Server) {
	if len(s.Config.SaveParams()) == 0 {
		return
	}
	dirty := s.Dirty
	Save(s)
	s.Dirty = dirty
}

// DiskError reports whether writes must be refused with MISCONF: the last
// background save failed, stop-writes-on-bgsave-error is on and saving is
// configured.
func DiskError(s *db.Server) bool {
	return !s.Persistence.LastBgsaveOK && s.Config.Bool("stop-writes-on-bgsave-error") && len(s.Config.SaveParams()) > 0
}

// LoadAtStartup loads the dump file if there is one, with Redis's log
// lines. A corrupt or truncated file is an error: the server must not
// start with partial data.
func LoadAtStartup(s *db.Server) error {
	path := Path(s)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB: %v. Exiting.", err)
	}
	defer f.Close()
	start := time.Now()
	s.Loading = true
	dbs, info, err := Load(f, s, time.Now().UnixMilli(), !s.IsReplica)
	s.Loading = false
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("Short read or OOM loading DB. Unrecoverable error, aborting now. (%v)", err)
		}
		return fmt.Errorf("Fatal error loading the DB: %v. Exiting.", err)
	}
	if v := info.Aux["redis-ver"]; v != "" {
		logger.Noticef("Loading RDB produced by version %s", v)
	}
	if ct, ok := info.Aux["ctime"]; ok {
		var t int64
		fmt.Sscan(ct, &t)
		logger.Noticef("RDB age %d seconds", time.Now().Unix()-t)
	}
	if um, ok := info.Aux["used-mem"]; ok {
		var m int64
		fmt.Sscan(um, &m)
		logger.Noticef("RDB memory usage when created %.2f Mb", float64(m)/(1024*1024))
	}
	s.ReplaceDBs(dbs)
	s.Persistence.LastLoadKeysLoaded = int64(info.Keys)
	s.Persistence.LastLoadExpired = int64(info.ExpiredSkip)
	logger.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d.", info.Keys, info.ExpiredSkip)
	logger.Noticef("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	if LoadedHook != nil {
		LoadedHook(s, info)
	}
	return nil
}

// LoadedHook lets replication restore its replid and offset from the aux
// fields of the file loaded at startup.
var LoadedHook func(s *db.Server, info *LoadInfo)

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, then load
// the file back in place of the dataset.
func debugReload(c *db.Client) {
	s := c.Srv()
	save := true
	for i := 2; i < len(c.Argv); i++ {
		switch strings.ToLower(c.Arg(i)) {
		case "nosave":
			save = false
		case "merge", "noflush":
			c.Error("ERR DEBUG RELOAD MERGE and NOFLUSH are not supported")
			return
		default:
			c.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		if err := Save(s); err != nil {
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
	dbs, _, err := Load(f, s, time.Now().UnixMilli(), false)
	if err != nil {
		logger.Warningf("Error loading the RDB dump: %v", err)
		c.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	s.ReplaceDBs(dbs)
	logger.Noticef("DB reloaded by DEBUG RELOAD")
	c.OK()
}

func heapBytes() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return int64(sample[0].Value.Uint64())
	}
	return 0
}
