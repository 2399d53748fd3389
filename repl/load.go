package repl

// The loop's side of a full sync's load, as Redis's readSyncBulkPayload,
// useDisklessLoad, startLoading and stopLoading. The attempt's goroutine
// (handshake.go) reads the payload and fills a db.Load while the loop goes
// on serving; it asks the loop at each step and waits for the answer:
//
//   - beginPayload, once the payload's size is known: repl-diskless-load
//     decides whether it goes to the parser (swapdb, or on-empty-db with
//     no keys) or to a temp file; the load then starts at once, or when
//     the file is complete (startLoading).
//   - startLoading stops the AOF and a BGSAVE, and, unless swapdb keeps
//     the old data until the end, leaves the old master behind (our
//     replicas, backlog and cached master). From then on clients get
//     -LOADING; with swapdb, when the master's history is ours (its
//     replid is our replid), they keep reading the old data instead
//     (async_loading), and only BGSAVE, REPLICAOF and the like are refused.
//   - finishLoad installs the load in place of the dataset, with the
//     master's history, and ends the loading state; the connection then
//     becomes the master client (replica.go).
//
// A load that fails keeps the old data (Redis keeps it only with swapdb:
// its other modes flush first). The master's stream waits meanwhile in
// the socket, unread, as Redis does not read it while it loads.

import (
	"os"
	"sync"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

// loadJob is a full sync's load: the databases it fills, its progress for
// INFO, how it replaces the data, and, once read, what the RDB said.
type loadJob struct {
	load     *db.Load
	progress *db.LoadProgress
	diskless bool // from the socket: the data changed without a save
	swapdb   bool // the old data stays until the swap (repl-diskless-load swapdb)
	async    bool // and serves reads meanwhile (async_loading)
	info     *rdb.LoadInfo

	// going is closed once the load read its first
	// loading-process-events-interval-bytes, or ended: the loop waits for
	// it (startHeld).
	going   chan struct{}
	goingMu sync.Once
	// endedOK is set, before going closes, when the load ended well
	// within its first interval: the loop then stays held until the
	// attempt hands it the install (finishLoad) or nil (settle), so that
	// a small load is installed before any client is served, as Redis
	// loads and installs it in one event.
	endedOK bool
	handoff chan func() // buffered: settle never waits
	settled sync.Once
}

// progressed tells the loop that the load went past its first interval,
// or ended with an error. The loading goroutine calls it, as often as it
// likes.
func (j *loadJob) progressed() { j.goingMu.Do(func() { close(j.going) }) }

// ended tells the loop that the load ended, well or not. Unless an
// interval already let the loop go, a good end keeps it for the install.
func (j *loadJob) ended(ok bool) {
	j.goingMu.Do(func() {
		j.endedOK = ok && j.handoff != nil
		close(j.going)
	})
}

// settle hands the held loop fn to run before it lets go (nil: nothing).
// Only the first call counts.
func (j *loadJob) settle(fn func()) {
	j.settled.Do(func() {
		if j.handoff != nil {
			j.handoff <- fn
		}
	})
}

// onLoop runs fn on the loop and waits for it: how the attempt's goroutine
// asks the loop. A busy script holds it until the script ends.
func (r *Repl) onLoop(fn func()) {
	done := make(chan struct{})
	r.loop.Execute(func() {
		defer close(done)
		fn()
	})
	<-done
}

// startHeld runs start on the loop and returns the load it began, then
// holds the loop until the load read its first
// loading-process-events-interval-bytes or ended: Redis loads on its event
// loop and serves clients only at those intervals, so a small RDB loads
// without a client ever seeing -LOADING, and a client never sees a load
// that did not start reading. The goroutine must call progressed or ended.
// A load that ended well keeps the loop until it is installed or given up
// (settle): between the two a client would see -LOADING, where Redis
// installs it in the same event.
func (r *Repl) startHeld(start func() *loadJob) *loadJob {
	got := make(chan *loadJob)
	r.loop.Execute(func() {
		job := start()
		got <- job
		if job != nil {
			<-job.going
			if job.endedOK {
				if fn := <-job.handoff; fn != nil {
					fn()
				}
			}
		}
	})
	return <-got
}

// current reports whether a is the attempt the loop listens to. Loop only.
func (r *Repl) current(a *attempt) bool { return r.link != nil && r.link.attempt == a }

// beginPayload implements loader.
func (r *Repl) beginPayload(a *attempt, res *syncResult, size int64) (diskless bool, job *loadJob) {
	job = r.startHeld(func() *loadJob {
		if !r.current(a) {
			return nil
		}
		mode := r.srv.Config.String("repl-diskless-load")
		diskless = mode == "swapdb" || mode == "on-empty-db" && keyCount(r.srv) == 0
		if !diskless {
			return nil
		}
		if res.eofMark {
			logger.Noticef("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser")
		} else {
			logger.Noticef("MASTER <-> REPLICA sync: receiving %d bytes from master to parser", size)
		}
		return r.beginLoad(res, size, true, mode == "swapdb")
	})
	return diskless, job
}

// prepareLoad implements loader.
func (r *Repl) prepareLoad(a *attempt, res *syncResult, size int64) (job *loadJob) {
	r.onLoop(func() {
		if r.current(a) {
			job = r.newLoadJob(res, false, false)
		}
	})
	return job
}

// startLoading implements loader.
func (r *Repl) startLoading(a *attempt, res *syncResult, size int64, job *loadJob) *loadJob {
	return r.startHeld(func() *loadJob {
		if !r.current(a) {
			return nil
		}
		if job == nil {
			job = r.newLoadJob(res, false, false)
		}
		return r.enterLoading(job, size)
	})
}

// loadKnobs implements loader; the configuration is safe to read from
// any goroutine.
func (r *Repl) loadKnobs() (keyDelay, interval int64) {
	cfg := r.srv.Config
	return cfg.Int("key-load-delay"), cfg.Int("loading-process-events-interval-bytes")
}

// beginLoad is the loop's part of the start of a load.
func (r *Repl) beginLoad(res *syncResult, size int64, diskless, swapdb bool) *loadJob {
	return r.enterLoading(r.newLoadJob(res, diskless, swapdb), size)
}

// newLoadJob makes the load of a full sync, into databases the server
// does not see.
func (r *Repl) newLoadJob(res *syncResult, diskless, swapdb bool) *loadJob {
	return &loadJob{
		load:     r.srv.NewDetachedLoad(),
		progress: &db.LoadProgress{},
		diskless: diskless,
		swapdb:   swapdb,
		// The old data is an earlier point of the history we receive.
		async:   swapdb && r.ReplID == res.replID,
		going:   make(chan struct{}),
		handoff: make(chan func(), 1),
	}
}

// enterLoading is the start of the loading state for job, which may
// already be reading (receiveAndLoad).
func (r *Repl) enterLoading(job *loadJob, size int64) *loadJob {
	s := r.srv
	diskless, swapdb := job.diskless, job.swapdb
	s.SyncLoad(true) // the AOF stops, its rewrite too
	if r.rdb.InProgress() {
		// Its file would replace the one we get, and its copy on write
		// would double the memory.
		if !diskless {
			logger.Noticef("Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process %d and removing its temp file to avoid any race", os.Getpid())
		}
		r.rdb.Kill()
	}
	if !swapdb {
		r.attachToNewMaster()
		logger.Noticef("MASTER <-> REPLICA sync: Flushing old data")
	}
	logger.Noticef("MASTER <-> REPLICA sync: Loading DB in memory")
	r.link.loading = job
	s.Loading = true
	p := &s.Persistence
	p.AsyncLoading = job.async
	p.LoadingStart = time.Now().Unix()
	p.LoadingTotalBytes, p.LoadingLoaded = size, 0
	p.LoadProgress = job.progress
	p.LastLoadKeysLoaded, p.LastLoadExpired = 0, 0
	return job
}

// stopLoading ends the loading state, as Redis's stopLoading; a failed
// swapdb load drops what it read.
func (r *Repl) stopLoading(failed bool) {
	l := r.link
	if l == nil || l.loading == nil {
		return
	}
	if failed && l.loading.swapdb {
		logger.Noticef("MASTER <-> REPLICA sync: Discarding temporary DB in background")
	}
	l.loading = nil
	s := r.srv
	s.Loading = false
	s.Persistence.AsyncLoading = false
	s.Persistence.LoadProgress = nil
}

func keyCount(s *db.Server) int {
	n := 0
	for _, d := range s.DBs {
		n += d.Len()
	}
	return n
}

// attachToNewMaster leaves the old master behind, as Redis's
// replicationAttachToNewMaster: the new master's data and history replace
// ours, so nobody can continue from us any more.
func (r *Repl) attachToNewMaster() {
	r.discardCachedMaster()
	r.disconnectReplicas()
	r.freeBacklog()
}

// finishLoad installs a complete load, from the attempt's goroutine. An
// error is the attempt's failure.
func (r *Repl) finishLoad(a *attempt, res *syncResult) (serr *syncError) {
	serr = fail("cancelled")
	install := func() {
		if r.current(a) {
			serr = r.installLoad(res)
		}
	}
	if job := res.job; job.endedOK { // the loop waits for it (startHeld)
		done := make(chan struct{})
		job.settle(func() {
			defer close(done)
			install()
		})
		<-done
		return serr
	}
	r.onLoop(install)
	return serr
}

// installLoad replaces the dataset with the load of a full sync and takes
// the master's history.
func (r *Repl) installLoad(res *syncResult) *syncError {
	l, s := r.link, r.srv
	job := l.loading
	info := job.info
	info.LogAux()
	if err := rdb.LoadFunctions(s, info); err != nil {
		from := "disk"
		if job.diskless {
			from = "socket"
		}
		os.Remove(res.tmpfile)
		return fail("Failed trying to load the MASTER synchronization DB from " + from + ": " + err.Error())
	}
	info.LogDone()
	if job.swapdb {
		r.attachToNewMaster()
		logger.Noticef("MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
	}
	s.Install(job.load)
	if job.swapdb {
		logger.Noticef("MASTER <-> REPLICA sync: Discarding old DB in background")
	}
	s.Persistence.LastLoadKeysLoaded = int64(info.Keys)
	s.Persistence.LastLoadExpired = int64(info.ExpiredSkip)
	if job.diskless {
		s.Dirty++ // the data changed and nothing saved it
	} else if err := installRDBFile(res.tmpfile, rdb.Path(s)); err != nil {
		logger.Warningf("Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s", rdb.Path(s), strerror(err))
		os.Remove(res.tmpfile)
	}
	r.stopLoading(false)
	l.masterDB = 0
	if info.HasReplInfo && info.ReplStreamDB >= 0 && info.ReplStreamDB < len(s.DBs) {
		l.masterDB = info.ReplStreamDB
	}
	l.preSync = res.kind == syncOld
	l.masterID, l.Reploff = res.replID, res.offset
	if l.masterID == "" { // SYNC, or a +FULLRESYNC we could not parse
		l.masterID = NewID()
	}
	if l.Reploff < 0 {
		l.Reploff = 0
	}
	r.ReplID, r.Offset = l.masterID, l.Reploff
	r.ReplID2, r.SecondOffset = zeroID, -1
	r.ensureBacklog()
	return nil
}

// installRDBFile makes the RDB received our dump file, as Redis does, once
// it loaded: a corrupt transfer never replaces a good file.
func installRDBFile(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open("."); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
