package lua

// Slow scripts. Redis keeps serving other clients while a script runs
// past busy-reply-threshold: they get -BUSY, and SCRIPT KILL (FUNCTION
// KILL) can stop a script that has not written yet. Here a script called
// by a client runs on the engine's goroutine (runner) while the loop
// waits; the watchdog tells the loop when the threshold passed, the loop
// then suspends the caller's command and serves again (db/script_busy.go),
// and the script's end completes the command from the loop.
//
// Scripts run where the loop cannot give the server away (in a
// transaction, from our master or the AOF) run on the loop itself; at the
// threshold one called in a transaction that has not written is stopped
// as SCRIPT KILL would, the others run to their end.

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// killedMsg is the error of a killed script, as Redis's.
const killedMsg = "Script killed by user with SCRIPT KILL..."

// killContext is the context gopher-lua checks between instructions; its
// Err is the message the script's error carries.
type killContext struct {
	done chan struct{}
	once sync.Once
	err  error // what the script's error says
}

var errKilled = errors.New(killedMsg)

// loadTimeoutMsg is the error of a library that runs too long at load.
const loadTimeoutMsg = "FUNCTION LOAD timeout"

// loadTimeout is how long a library's code may run when loaded (Redis's
// 500 ms: it should only register functions).
const loadTimeout = 500 * time.Millisecond

// withTimeout makes L's run fail with msg after d; the returned function
// disarms it.
func withTimeout(L *glua.LState, d time.Duration, msg string) func() {
	k := &killContext{done: make(chan struct{}), err: errors.New(msg)}
	L.SetContext(k)
	t := time.AfterFunc(d, func() { k.once.Do(func() { close(k.done) }) })
	return func() {
		t.Stop()
		L.RemoveContext()
	}
}

func (k *killContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (k *killContext) Done() <-chan struct{}       { return k.done }
func (k *killContext) Value(any) any               { return nil }
func (k *killContext) Err() error {
	select {
	case <-k.done:
		return k.err
	default:
		return nil
	}
}

// watchdog watches the script running, for all the interpreters of an
// engine: a goroutine looks every watchInterval whether the run passed
// busy-reply-threshold (a timer per run would cost more than a short
// script). The interpreters check its Done between instructions: closing
// it kills the script.
type watchdog struct {
	mu      sync.Mutex
	run     *db.ScriptRun // nil between runs
	job     *job          // the run's, when it runs on the runner
	name    string
	eval    bool
	start   time.Time
	limit   time.Duration
	warned  bool
	started bool
	done    atomic.Pointer[chan struct{}]
}

const watchInterval = 20 * time.Millisecond

func newWatchdog() *watchdog {
	w := &watchdog{}
	ch := make(chan struct{})
	w.done.Store(&ch)
	return w
}

func (w *watchdog) Deadline() (time.Time, bool) { return time.Time{}, false }
func (w *watchdog) Done() <-chan struct{}       { return *w.done.Load() }
func (w *watchdog) Value(any) any               { return nil }
func (w *watchdog) Err() error {
	select {
	case <-w.Done():
		return errKilled
	default:
		return nil
	}
}

// begin starts watching a run, on the loop.
func (w *watchdog) begin(run *db.ScriptRun, j *job, name string, eval bool, limit time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-*w.done.Load(): // the last run was killed: a new channel
		ch := make(chan struct{})
		w.done.Store(&ch)
	default:
	}
	w.run, w.job, w.name, w.eval, w.start, w.limit, w.warned = run, j, name, eval, time.Now(), limit, false
	if !w.started {
		w.started = true
		go w.watch()
	}
}

// end stops watching the run.
func (w *watchdog) end() {
	w.mu.Lock()
	w.run, w.job = nil, nil
	w.mu.Unlock()
}

// kill stops the script watched (SCRIPT KILL): it fails at its next
// instruction.
func (w *watchdog) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-*w.done.Load():
	default:
		close(*w.done.Load())
	}
}

func (w *watchdog) watch() {
	for range time.Tick(watchInterval) {
		w.mu.Lock()
		if w.run != nil && w.limit > 0 && !w.warned && time.Since(w.start) > w.limit {
			w.warned = true
			how := "SCRIPT KILL"
			if !w.eval {
				how = "FUNCTION KILL"
			}
			logger.Warningf("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s command. Script name is: %s.", time.Since(w.start).Milliseconds(), how, w.name)
			switch {
			case w.job != nil:
				w.job.busy() // the loop serves again
			case w.run.Caller.Flags&db.ClientMulti != 0 && !w.run.Written.Load():
				logger.Warningf("Lua script killed by user with SCRIPT KILL.")
				close(*w.done.Load())
			}
		}
		w.mu.Unlock()
	}
}

// watchSlow watches a run for busy-reply-threshold; the returned function
// ends the watch once the script returned.
func (e *Engine) watchSlow(L *glua.LState, run *db.ScriptRun, j *job, name string, eval bool) func() {
	limit := e.srv.BusyReplyThreshold
	if limit <= 0 {
		return func() {}
	}
	L.SetContext(e.watch)
	e.watch.begin(run, j, name, eval, time.Duration(limit)*time.Millisecond)
	return func() {
		e.watch.end()
		L.RemoveContext()
	}
}

// isKilled reports whether a script error is the kill of watchSlow.
func isKilled(msg string) bool { return strings.HasSuffix(msg, killedMsg) }
