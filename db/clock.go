package db

import "time"

// monoBase is the origin of the clock's readings: time.Since(monoBase)
// reads the monotonic clock only, where time.Now reads the wall clock too.
// Each read is a vDSO call, and on a virtual machine with a paravirtual
// clock one costs about as much as a small command: Redis reads the time
// twice a command (call()), and so does the clock below.
var monoBase = time.Now()

// clockSyncEvery is how often, at most, the clock reads the wall clock to
// follow its steps (settimeofday, an NTP step). Both clocks run at the
// same rate otherwise (NTP slews them alike).
const clockSyncEvery = 10 * time.Millisecond

// clock is the server's cached time, as Redis's server.ustime, mstime and
// unixtime: call() reads it when a command starts and when it ends, the
// cron every tick, and what only needs the time of the current command or
// turn (a client's last interaction) takes the last reading.
type clock struct {
	mono    time.Duration // the last reading, since monoBase
	wallOff int64         // Unix nanoseconds minus mono, when synced
	synced  time.Duration // the reading wallOff was measured at
	ok      bool          // read at least once
}

// read reads the clock and returns the monotonic reading.
func (k *clock) read() time.Duration {
	m := time.Since(monoBase)
	if !k.ok || m-k.synced >= clockSyncEvery || m < k.synced {
		now := time.Now()
		m = now.Sub(monoBase)
		k.wallOff, k.synced, k.ok = now.UnixNano()-int64(m), m, true
	}
	k.mono = m
	return m
}

// unixNano is the wall time of the last reading.
func (k *clock) unixNano() int64 { return int64(k.mono) + k.wallOff }

// unixMilli is the wall time of the last reading in Unix milliseconds.
func (k *clock) unixMilli() int64 { return k.unixNano() / int64(time.Millisecond) }

// CachedNow is the time of the server's last clock reading (the current
// command's start, or the cron's last tick), as Redis's server.unixtime:
// for what a second's precision is enough, at no cost.
func (s *Server) CachedNow() time.Time {
	if !s.clock.ok {
		s.clock.read()
	}
	return time.Unix(0, s.clock.unixNano())
}
