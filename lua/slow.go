package lua

// Slow scripts. Redis keeps serving other clients while a script runs
// past busy-reply-threshold (they get -BUSY), so that SCRIPT KILL can stop
// a script that has not written yet. This server runs a script on the
// loop, which cannot read other connections until the script returns, so
// it does at the threshold what a SCRIPT KILL would do: a script that has
// not written is stopped with the error SCRIPT KILL gives; one that wrote
// cannot be stopped without breaking its atomicity and runs to its end, as
// Redis's (which only SHUTDOWN NOSAVE ends), with Redis's warning in the
// log. Either way no script holds the server forever without a trace.

import (
	"errors"
	"strings"
	"sync"
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

// watchSlow arms the busy-reply-threshold timer of a run; the returned
// function disarms it once the script returned.
func (e *Engine) watchSlow(L *glua.LState, run *db.ScriptRun, name string) func() {
	limit := e.srv.Config.Int("busy-reply-threshold")
	if limit <= 0 {
		return func() {}
	}
	k := &killContext{done: make(chan struct{}), err: errKilled}
	L.SetContext(k)
	t := time.AfterFunc(time.Duration(limit)*time.Millisecond, func() {
		logger.Warningf("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: %s.", limit, name)
		if run.Written.Load() {
			return
		}
		logger.Warningf("Lua script killed by user with SCRIPT KILL.")
		k.once.Do(func() { close(k.done) })
	})
	return func() {
		t.Stop()
		L.RemoveContext()
	}
}

// isKilled reports whether a script error is the kill of watchSlow.
func isKilled(msg string) bool { return strings.HasSuffix(msg, killedMsg) }
