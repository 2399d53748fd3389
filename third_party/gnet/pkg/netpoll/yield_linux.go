// Added for redis-go (see PATCH.md); not part of gnet v2.10.0.

package netpoll

import (
	"runtime"
	"time"
)

// yieldEvery is how often, at most, Polling yields its processor when the
// process has more than one. It is under the runtime's 10 ms, after which
// sysmon preempts a goroutine that has not been scheduled anew, and takes
// the processor of one blocked in a system call. Each yield wakes the
// thread of the idle processor, which often takes the loop's goroutine
// while the yielding thread goes to sleep (two futex calls and a thread
// switch): 9 ms rather than 5 cut futex calls per request by 40% on a
// cluster node under unpipelined GETs and SETs, with no more preemption
// signals (PATCH.md).
const yieldEvery = 9 * time.Millisecond

// yielder decides when Polling yields its processor, at the end of a turn.
//
// With one processor, every turn: a goroutine the turn made runnable
// (a disk or network helper of the server) runs before the loop blocks in
// epoll_wait, which holds the processor, rather than when sysmon takes the
// processor from the system call, up to 10 ms later. It is cheap there:
// no other processor is idle, so the runtime wakes no thread.
//
// With more, at most every yieldEvery: each yield would wake a thread for
// the idle processor, which finds nothing to run and sleeps again, and
// goroutines made runnable have that processor anyway.
type yielder struct {
	last time.Time
}

func (y *yielder) turnEnded() {
	if runtime.GOMAXPROCS(0) > 1 {
		now := time.Now()
		if now.Sub(y.last) < yieldEvery {
			return
		}
		y.last = now
	}
	runtime.Gosched()
}
