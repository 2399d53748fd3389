package db

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestModeAfter(t *testing.T) {
	for _, c := range []struct {
		m    procMode
		busy float64
		want procMode
	}{
		{idleMode, 0, idleMode}, {idleMode, 0.03, idleMode}, {idleMode, 0.04, lightMode},
		{idleMode, 0.69, lightMode}, {idleMode, 0.7, heavyMode},
		{lightMode, 0.01, idleMode}, {lightMode, 0.02, lightMode}, {lightMode, 0.69, lightMode},
		{lightMode, 0.7, heavyMode}, {lightMode, 1.3, heavyMode},
		{heavyMode, 0.9, heavyMode}, {heavyMode, 0.4, heavyMode}, {heavyMode, 0.39, lightMode},
		{heavyMode, 0.01, idleMode},
	} {
		require.Equal(t, c.want, modeAfter(c.m, c.busy), "mode %v busy %v", c.m, c.busy)
	}
}

// balanceProcs goes to one processor when the process used a core since
// its last measure, to two when it used a tenth, to one again when it used
// nothing; not at all when the processors are not managed. The measures
// are faked by moving the last one back in time.
func TestBalanceProcs(t *testing.T) {
	procs.Lock()
	managed, mode, jobs, at, used := procs.managed, procs.mode, procs.jobs, procs.cpuAt, procs.cpuUsed
	procs.managed, procs.mode, procs.jobs = true, idleMode, 0
	procs.Unlock()
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() {
		procs.Lock()
		procs.managed, procs.mode, procs.jobs, procs.cpuAt, procs.cpuUsed = managed, mode, jobs, at, used
		procs.Unlock()
		runtime.GOMAXPROCS(prev)
	})
	measured := func(busy time.Duration) {
		procs.Lock()
		procs.cpuAt = time.Now().Add(-time.Second)
		procs.cpuUsed = processCPUTime() - busy
		procs.Unlock()
		balanceProcs()
	}
	if runtime.NumCPU() < 2 {
		measured(100 * time.Millisecond)
		require.Equal(t, 1, runtime.GOMAXPROCS(0), "one CPU: nothing to balance")
		return
	}
	measured(100 * time.Millisecond)
	require.Equal(t, lightMode, procs.mode)
	require.Equal(t, 2, runtime.GOMAXPROCS(0))
	measured(time.Second)
	require.Equal(t, heavyMode, procs.mode)
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
	measured(500 * time.Millisecond) // between the two: as it was
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
	measured(100 * time.Millisecond)
	require.Equal(t, 2, runtime.GOMAXPROCS(0))

	BackgroundWork(true) // a snapshot: every core, then the mode's
	require.Equal(t, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	measured(time.Second) // heavy meanwhile: one once it ends
	require.Equal(t, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	BackgroundWork(false)
	require.Equal(t, 1, runtime.GOMAXPROCS(0))

	measured(100 * time.Millisecond)
	require.Equal(t, 2, runtime.GOMAXPROCS(0))
	measured(0) // idle
	require.Equal(t, idleMode, procs.mode)
	require.Equal(t, 1, runtime.GOMAXPROCS(0))

	procs.Lock()
	procs.managed = false
	procs.Unlock()
	measured(100 * time.Millisecond)
	require.Equal(t, 1, runtime.GOMAXPROCS(0), "unmanaged: left alone")
}
