package lua

// The runner: the goroutine scripts called by clients run on, so that the
// loop can serve others once a script is busy (slow.go,
// db/script_busy.go). The loop hands it a job and waits; the runner owns
// the server through ScriptMu for each command the script runs. A job that
// ends before busy-reply-threshold wakes the loop, which finishes the
// command as if the script had run on the loop; one that went busy posts
// its end to the loop instead.

import (
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/redis-go/redis-server/db"
)

// job states: the loop waits while running; done or busy wake it.
const (
	jobRunning int32 = iota
	jobDone
	jobBusy
)

// job is one script run on the runner. The engine has one, reused: no
// script starts while another runs.
type job struct {
	e      *Engine
	L      *glua.LState
	sp     runSpec
	nargs  int
	c      *db.Client
	run    *db.ScriptRun
	stop   func() // ends the watch
	gen    uint64 // runs on the runner so far
	err    error
	broken bool // the interpreter panicked: it must be replaced
	state  atomic.Int32
	wake   chan struct{} // done or busy, for the loop
	ended  chan struct{} // a busy job ended (SCRIPT KILL waits for it)
}

// busy is the watchdog telling the loop to serve again.
func (j *job) busy() {
	if j.state.CompareAndSwap(jobRunning, jobBusy) {
		j.wake <- struct{}{}
	}
}

// runner runs jobs until the process ends.
func (e *Engine) runner(jobs <-chan *job) {
	for j := range jobs {
		j.err, j.broken = e.protectedCall(j.L, j.sp.errFn, j.nargs, 1)
		if j.state.CompareAndSwap(jobRunning, jobDone) {
			j.wake <- struct{}{}
		} else {
			gen := j.gen
			e.srv.Loop.ExecuteBusy(func() { e.srv.EndBusyScript(gen) })
			j.ended <- struct{}{} // a kill waits for it
		}
	}
}

// runAsync runs the job's script on the runner; it returns false when the
// script went busy and the command is suspended.
func (e *Engine) runAsync(j *job) bool {
	if e.jobs == nil {
		jobs := make(chan *job)
		e.jobs = jobs
		go e.runner(jobs)
	}
	j.state.Store(jobRunning)
	j.gen++
	select {
	case <-j.ended: // a kill that did not wait
	default:
	}
	e.jobs <- j
	e.srv.WaitScript(j.wake)
	if j.state.Load() == jobDone {
		return true
	}
	e.srv.SuspendScript(j.run, db.BusyScript{Eval: j.sp.eval, Name: j.sp.name, Kill: e.watch.kill,
		Ended: j.ended, Started: time.Now(), Gen: j.gen, Reply: func(*db.Client) { e.complete(j) }})
	return false
}
