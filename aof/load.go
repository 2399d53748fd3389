package aof

// Loading, as Redis 7.0's loadAppendOnlyFiles: the base file (an RDB, or
// commands), then every incr file in the manifest's order, each command
// replayed through a client of no connection (db.Server.Replay). A file
// that ends inside a command is truncated to its last complete command
// when aof-load-truncated allows it and it is the last file; anything else
// that is not a valid AOF stops the server from starting.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

func init() {
	db.RegisterDebug("loadaof", 2, debugLoadAOF)
	db.RegisterDebug("aof-flush-sleep", 3, debugFlushSleep)
}

// loadStatus is the result of loading a file or the AOF (AOF_OK, ...).
type loadStatus int

const (
	loadOK loadStatus = iota
	loadNotExist
	loadEmpty
	loadOpenErr
	loadFailed
	loadTruncated
)

// LoadAtStartup loads the AOF in place of the dump file when appendonly
// is on, then opens the incr file to append to, as Redis's main: the
// manifest, loadDataFromDisk, aofOpenIfNeededOnServerStart and the
// deletion of history files. It runs on the loop before the server
// listens (cluster mode). An error means the server must not start; it
// was logged.
func (a *AOF) LoadAtStartup() error {
	return a.loadAtStartup(runHere, nil)
}

// StartupLoad is the load of the AOF at startup while the server listens,
// as Redis's, which serves events between commands of the load: clients
// connect meanwhile and get -LOADING for the commands that lack the
// loading flag, and INFO shows the loading_* fields.
type StartupLoad struct {
	a *AOF
	// Loaded, when set, runs on the loop in the task that ends the
	// loading state, after a load without error: a client served after
	// the load finds its effects ("Ready to accept connections" logged).
	Loaded func()
}

// BeginStartupLoad enters the loading state, on the loop before it
// serves anyone, when the AOF is the data; nil when appendonly is off.
func (a *AOF) BeginStartupLoad() *StartupLoad {
	if a.state != stateOn {
		return nil
	}
	a.srv.Loading = true
	return &StartupLoad{a: a}
}

// Run loads the AOF from a goroutine of its own, which reads the base's
// RDB preamble (as a dump file at startup); exec runs on the loop, and
// returns when done, whatever touches the server, among them each slice
// of the replay of commands (replay), between which the loop serves its
// clients. An error means the server must exit; it was logged.
func (sl *StartupLoad) Run(exec func(func())) error {
	return sl.a.loadAtStartup(exec, sl.Loaded)
}

// runHere is exec for a load that runs on the loop itself.
func runHere(fn func()) { fn() }

func (a *AOF) loadAtStartup(exec func(func()), loaded func()) error {
	if a.state != stateOn {
		return nil
	}
	var err error
	exec(func() { err = a.loadManifest() })
	if err != nil {
		return err
	}
	start := time.Now()
	st := a.loadFiles(exec)
	switch st {
	case loadFailed, loadOpenErr:
		return errors.New("AOF loading failed")
	case loadNotExist:
	default:
		logger.Noticef("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds())
	}
	// The server serves clients again only once the incr file is open.
	exec(func() {
		a.srv.Loading = false
		if err = a.openAtStartup(); err != nil {
			return
		}
		a.deleteHistory()
		a.publish()
		if loaded != nil {
			loaded()
		}
	})
	return err
}

// loadManifest reads the manifest of the AOF directory, if any
// (aofLoadManifestFromDisk).
func (a *AOF) loadManifest() error {
	a.manifest = &Manifest{}
	if !dirExists(a.dirname) {
		return nil
	}
	m, err := LoadManifest(a.path(ManifestName(a.filename)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		var me *ManifestError
		if errors.As(err, &me) {
			logger.Warningf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
			if me.Line != 0 {
				logger.Warningf("Reading the manifest file, at line %d\n", me.Line)
				logger.Warningf(">>> '%s'\n", me.Text)
			}
			logger.Warningf("%s\n", me.Msg)
		} else {
			logger.Warningf("%v", err)
		}
		return err
	}
	a.manifest = m
	return nil
}

func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// openAtStartup creates the base of an empty AOF, then opens the last incr
// file (or a new one) for appending, and saves the manifest.
func (a *AOF) openAtStartup() error {
	if err := os.MkdirAll(a.dirname, 0o755); err != nil {
		logger.Warningf("Can't open or create append-only dir %s: %s", a.dirname, strerror(err))
		return err
	}
	m := a.manifest
	incrs := len(m.Incrs)
	if m.Base == nil && incrs == 0 {
		name := m.NewBase(a.filename, a.srv.Config.Bool("aof-use-rdb-preamble"))
		if err := a.rewriteNow(a.path(name)); err != nil {
			return err
		}
		logger.Noticef("Creating AOF base file %s on server start", name)
	}
	name := m.LastIncr(a.filename)
	f, err := os.OpenFile(a.path(name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		logger.Warningf("Can't open the append-only file %s: %s", name, strerror(err))
		return err
	}
	if err := WriteManifest(a.dirname, a.filename, m); err != nil {
		logger.Warningf("%v", err)
		f.Close()
		return err
	}
	a.setFile(f)
	a.lastIncrSize = fileSize(a.path(name))
	a.lastIncrFsyncOffset = a.lastIncrSize
	if incrs > 0 {
		logger.Noticef("Opening AOF incr file %s on server start", name)
	} else {
		logger.Noticef("Creating AOF incr file %s on server start", name)
	}
	return nil
}

// loadFiles loads the files the manifest names (loadAppendOnlyFiles),
// upgrading an old single-file AOF first. It leaves the server in the
// loading state, for the caller to end. exec runs what touches the server
// (see StartupLoad.Run).
func (a *AOF) loadFiles(exec func(func())) loadStatus {
	s := a.srv
	m := a.manifest
	if fileExists(a.filename) {
		if !dirExists(a.dirname) ||
			m.Base == nil && len(m.Incrs) == 0 ||
			m.Base != nil && len(m.Incrs) == 0 && m.Base.Name == a.filename && !fileExists(a.path(a.filename)) {
			var err error
			exec(func() { err = a.upgrade() })
			if err != nil {
				return loadFailed
			}
		}
	}
	if m.Base == nil && len(m.Incrs) == 0 {
		return loadNotExist
	}
	var total int64
	files := make([]*FileInfo, 0, 1+len(m.Incrs))
	if m.Base != nil {
		files = append(files, m.Base)
	}
	files = append(files, m.Incrs...)
	for _, fi := range files {
		st, err := os.Stat(a.path(fi.Name))
		if err != nil {
			logger.Warningf("Unable to obtain the AOF file %s length. stat: %s", fi.Name, strerror(err))
			return loadFailed
		}
		total += st.Size()
	}
	if total == 0 {
		return loadEmpty
	}
	// As rdb.Load: a load allocates what it keeps, so collecting less
	// often, on every core, saves time without costing memory.
	db.LoadWork(true)
	defer db.LoadWork(false)
	exec(func() {
		s.Loading = true
		s.Persistence.LoadingStart = time.Now().Unix()
		s.Persistence.LoadingTotalBytes, s.Persistence.LoadingLoaded = total, 0
	})
	var baseSize int64
	ret := loadOK
	for i, fi := range files {
		last := i == len(files)-1
		start := time.Now()
		ret = a.loadFile(fi.Name, exec)
		kind := "incr"
		if fi == m.Base {
			kind = "base"
			baseSize = fileSize(a.path(fi.Name))
		}
		if ret == loadOK || ret == loadTruncated && last {
			logger.Noticef("DB loaded from %s file %s: %.3f seconds", kind, fi.Name, time.Since(start).Seconds())
		}
		if ret == loadEmpty && kind == "incr" {
			ret = loadOK
		}
		if ret == loadTruncated && !last {
			ret = loadFailed
			logger.Warningf("Fatal error: the truncated file is not the last file")
		}
		if ret == loadOpenErr || ret == loadFailed {
			return ret
		}
	}
	exec(func() {
		a.currentSize = total
		a.rewriteBaseSize = baseSize
	})
	return ret
}

// upgrade moves an old single-file AOF (appendfilename in dir) into the
// AOF directory as its base (aofUpgradePrepare).
func (a *AOF) upgrade() error {
	if err := os.MkdirAll(a.dirname, 0o755); err != nil {
		logger.Warningf("Can't open or create append-only dir %s: %s", a.dirname, strerror(err))
		return err
	}
	a.manifest.Upgrade(a.filename)
	if err := WriteManifest(a.dirname, a.filename, a.manifest); err != nil {
		logger.Warningf("%v", err)
		return err
	}
	if err := os.Rename(a.filename, a.path(a.filename)); err != nil {
		logger.Warningf("Error trying to move the old AOF file %s into dir %s: %s", a.filename, a.dirname, strerror(err))
		return err
	}
	logger.Noticef("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", a.filename, a.dirname)
	return nil
}

// loadFile replays one file (loadSingleAppendOnlyFile).
func (a *AOF) loadFile(name string, exec func(func())) loadStatus {
	s := a.srv
	path := a.path(name)
	f, err := os.Open(path)
	if err != nil {
		if _, serr := os.Stat(path); serr == nil || !errors.Is(serr, os.ErrNotExist) {
			logger.Warningf("Fatal error: can't open the append log file %s for reading: %s", name, strerror(err))
			return loadOpenErr
		}
		logger.Warningf("The append log file %s doesn't exist: %s", name, strerror(err))
		return loadNotExist
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.Size() == 0 {
		return loadEmpty
	}
	truncOK := s.Config.Bool("aof-load-truncated")
	var sig [5]byte
	var tailFrom int64
	if n, _ := io.ReadFull(f, sig[:]); n == 5 && string(sig[:]) == "REDIS" {
		oldStyle := name == a.filename
		if oldStyle {
			logger.Noticef("Reading RDB preamble from AOF file...")
		} else {
			logger.Noticef("Reading RDB base file on AOF loading...")
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return a.unrecoverable(name, err)
		}
		// Read off the loop, as a dump file at startup (rdb.StartupLoad),
		// with key-load-delay (for tests) as Redis's preamble.
		var l *db.Load
		cfg := s.Config
		opt := &rdb.LoadOptions{Now: time.Now().UnixMilli(), Progress: &db.LoadProgress{}}
		opt.Tick = func(int64) error {
			opt.KeyDelay, opt.TickBytes = cfg.Int("key-load-delay"), cfg.Int("loading-process-events-interval-bytes")
			return nil
		}
		exec(func() {
			l = s.NewDetachedLoad()
			_ = opt.Tick(0)
			s.Persistence.LoadProgress = opt.Progress
		})
		info, err := rdb.LoadInto(f, l, opt)
		exec(func() { s.Persistence.LoadProgress = nil })
		if err == nil {
			exec(func() { err = rdb.LoadFunctions(s, info) })
		}
		if err != nil {
			if oldStyle {
				logger.Warningf("Error reading the RDB preamble of the AOF file %s, AOF loading aborted", name)
			} else {
				logger.Warningf("Error reading the RDB base file %s, AOF loading aborted", name)
			}
			if errors.Is(err, rdb.ErrCorrupt) && isShortRead(err) {
				return a.unexpectedEOF(name, path, 0, truncOK)
			}
			return a.unrecoverable(name, err)
		}
		logRDBLoaded(info)
		exec(func() {
			s.Install(l)
			s.Persistence.LoadingLoaded += info.Bytes
		})
		tailFrom = info.Bytes
		if oldStyle {
			logger.Noticef("Reading the remaining AOF tail...")
		}
	}
	if _, err := f.Seek(tailFrom, io.SeekStart); err != nil {
		return a.unrecoverable(name, err)
	}
	return a.replay(name, path, f, tailFrom, truncOK, exec)
}

// replay reads and runs the commands of a file from offset from, in
// slices of replaySlice: the loop serves its clients between them, as
// Redis serves events every 1024 commands of a load (a slice holds a few
// thousand plain commands; a slow one, a script, ends it early). Reading
// and running both happen on the loop, one after the other, as in Redis:
// a command is read where it runs.
const replaySlice = 10 * time.Millisecond

func (a *AOF) replay(name, path string, f io.Reader, from int64, truncOK bool, exec func(func())) loadStatus {
	s := a.srv
	r := NewReader(bufio.NewReaderSize(f, 64<<10))
	var c *db.Client
	validUpTo, beforeMulti := from, from
	var reported int64
	status, done := loadOK, false
	step := func() {
		if c == nil {
			c = s.NewReplayClient()
		}
		done = true // unless the batch ends first
		start := time.Now()
		for n := 1; ; n++ {
			argv, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.Persistence.LoadingLoaded += r.Offset() - reported
				switch {
				case errors.Is(err, ErrTruncated):
					status = a.unexpectedEOF(name, path, validUpTo, truncOK)
				case errors.Is(err, ErrFormat):
					logger.Warningf("Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name)
					status = loadFailed
				default:
					status = a.unrecoverable(name, err)
				}
				return
			}
			if len(argv) > 0 && isCommand(argv[0], "multi") {
				beforeMulti = validUpTo
			}
			if err := s.Replay(c, argv); err != nil {
				logger.Warningf("Unknown command '%s' reading the append only file %s", argv[0], name)
				status = loadFailed
				return
			}
			if truncOK {
				validUpTo = from + r.Offset()
			}
			if off := r.Offset(); off-reported >= 1<<20 {
				s.Persistence.LoadingLoaded += off - reported
				reported = off
			}
			if n%8 == 0 && time.Since(start) >= replaySlice {
				done = false
				return
			}
		}
		s.Persistence.LoadingLoaded += r.Offset() - reported
		if c.InReplayMulti() {
			logger.Warningf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
			status = a.unexpectedEOF(name, path, beforeMulti, truncOK)
		}
	}
	for !done {
		exec(step)
	}
	return status
}

// logRDBLoaded logs what Redis's rdbLoad logs of an RDB base or preamble:
// its aux fields, then the keys loaded.
func logRDBLoaded(info *rdb.LoadInfo) {
	info.LogAux()
	if n, _ := strconv.ParseInt(info.Aux["aof-preamble"], 10, 64); n != 0 {
		logger.Noticef("RDB has an AOF tail")
	}
	if n, _ := strconv.ParseInt(info.Aux["aof-base"], 10, 64); n != 0 {
		logger.Noticef("RDB is base AOF")
	}
	info.LogDone()
}

func isCommand(arg []byte, name string) bool {
	if len(arg) != len(name) {
		return false
	}
	for i := range arg {
		if arg[i]|0x20 != name[i] {
			return false
		}
	}
	return true
}

func isShortRead(err error) bool {
	return err != nil && errors.Is(err, rdb.ErrCorrupt) && containsEOF(err.Error())
}

func containsEOF(s string) bool {
	const want = "unexpected end of file"
	for i := 0; i+len(want) <= len(s); i++ {
		if s[i:i+len(want)] == want {
			return true
		}
	}
	return false
}

func (a *AOF) unrecoverable(name string, err error) loadStatus {
	logger.Warningf("Unrecoverable error reading the append only file %s: %s", name, strerror(err))
	return loadFailed
}

// unexpectedEOF ends the load of a file that ends inside a command (or a
// transaction): truncated to validUpTo when allowed, else an error.
func (a *AOF) unexpectedEOF(name, path string, validUpTo int64, truncOK bool) loadStatus {
	if truncOK {
		logger.Warningf("!!! Warning: short read while loading the AOF file %s!!!", name)
		logger.Warningf("!!! Truncating the AOF %s at offset %d !!!", name, validUpTo)
		if err := os.Truncate(path, validUpTo); err != nil {
			logger.Warningf("Error truncating the AOF file %s: %s", name, strerror(err))
		} else {
			logger.Warningf("AOF %s loaded anyway because aof-load-truncated is enabled", name)
			return loadTruncated
		}
	}
	logger.Warningf("Unexpected end of file reading the append only file %s. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name)
	return loadFailed
}

// debugLoadAOF is DEBUG LOADAOF: write what is buffered, then load the
// AOF in place of the dataset.
func debugLoadAOF(c *db.Client) {
	s := c.Srv()
	if s.Loading { // the startup load still replays the AOF
		c.Error(db.ErrLoading)
		return
	}
	a := Of(s)
	if a.state == stateOn {
		a.flush(true)
	}
	s.Install(s.NewLoad())
	if err := a.loadManifest(); err != nil {
		os.Exit(1)
	}
	a.deleteHistory()
	st := a.loadFiles(runHere)
	s.Loading = false
	if st != loadOK && st != loadEmpty && st != loadNotExist && st != loadTruncated {
		logger.Warningf("Fatal error loading the AOF by DEBUG LOADAOF. Exiting.")
		os.Exit(1)
	}
	s.Dirty = 0
	logger.Warningf("Append Only File loaded by DEBUG LOADAOF")
	c.OK()
}

// debugFlushSleep is DEBUG AOF-FLUSH-SLEEP <microsec>: sleep before each
// write of the AOF buffer (for tests).
func debugFlushSleep(c *db.Client) {
	var us int64
	if _, err := fmt.Sscan(c.Arg(2), &us); err != nil {
		c.Error(db.ErrNotInteger)
		return
	}
	Of(c.Srv()).flushSleep = time.Duration(us) * time.Microsecond
	c.OK()
}
