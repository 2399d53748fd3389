// Added for redis-go (see PATCH.md); not part of gnet v2.10.0.

package netpoll

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestYielderRunsReadiedGoroutine: with one processor, a goroutine the
// turn made runnable has run when the turn ends, before the loop would
// block in epoll_wait holding the processor. Not every time: in one
// schedule of 61 the runtime looks at its global queue first, where the
// yield put the loop's goroutine. Without the yield, never.
func TestYielderRunsReadiedGoroutine(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var y yielder
	ran := 0
	for i := 0; i < 100; i++ {
		var hasRun atomic.Bool
		ch := make(chan struct{}, 1)
		done := make(chan struct{})
		go func() {
			<-ch
			hasRun.Store(true)
			close(done)
		}()
		runtime.Gosched() // the goroutine now waits on ch
		ch <- struct{}{}
		y.turnEnded()
		if hasRun.Load() {
			ran++
		}
		<-done
	}
	if ran < 90 {
		t.Fatalf("the readied goroutine had run at the end of %d turns of 100", ran)
	}
}
