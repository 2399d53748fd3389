package db

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLightAfter(t *testing.T) {
	for _, c := range []struct {
		light bool
		busy  float64
		want  bool
	}{
		{true, 0.1, true}, {true, 0.69, true}, {true, 0.7, false}, {true, 1.3, false},
		{false, 0.9, false}, {false, 0.5, false}, {false, 0.39, true}, {false, 0, true},
	} {
		require.Equal(t, c.want, lightAfter(c.light, c.busy), "light %v busy %v", c.light, c.busy)
	}
}

// balanceProcs goes to one processor when the process used a core since
// its last measure and back to two when it used almost nothing; not at all
// when the processors are not managed. The measures are faked by moving
// the last one back in time.
func TestBalanceProcs(t *testing.T) {
	procs.Lock()
	managed, light, jobs, at, used := procs.managed, procs.light, procs.jobs, procs.cpuAt, procs.cpuUsed
	procs.managed, procs.light, procs.jobs = true, true, 0
	procs.Unlock()
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() {
		procs.Lock()
		procs.managed, procs.light, procs.jobs, procs.cpuAt, procs.cpuUsed = managed, light, jobs, at, used
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
		measured(0)
		require.Equal(t, prev, runtime.GOMAXPROCS(0), "one CPU: nothing to balance")
		return
	}
	runtime.GOMAXPROCS(2)
	measured(time.Second)
	require.False(t, procs.light)
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
	measured(500 * time.Millisecond) // between the two: as it was
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
	measured(0)
	require.True(t, procs.light)
	require.Equal(t, 2, runtime.GOMAXPROCS(0))

	BackgroundWork(true) // a snapshot: every core, then back to two
	require.Equal(t, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	measured(time.Second) // heavy meanwhile: one once it ends
	require.Equal(t, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	BackgroundWork(false)
	require.Equal(t, 1, runtime.GOMAXPROCS(0))

	procs.Lock()
	procs.managed = false
	procs.Unlock()
	measured(0)
	require.Equal(t, 1, runtime.GOMAXPROCS(0), "unmanaged: left alone")
}
