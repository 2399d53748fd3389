package db

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClockReadsWallTime: the wall time derived from a monotonic reading
// is the wall clock's, across the resyncs.
func TestClockReadsWallTime(t *testing.T) {
	var k clock
	syncs := 0
	for end := time.Now().Add(5 * clockSyncEvery); time.Now().Before(end); {
		synced := k.synced
		before := time.Now()
		m := k.read()
		after := time.Now()
		if k.synced != synced {
			syncs++
		}
		require.Equal(t, m, k.mono)
		// A millisecond of slack for the two clocks' rates (NTP slews
		// both alike; a step of the wall clock between syncs would show).
		require.GreaterOrEqual(t, k.unixNano(), before.UnixNano()-int64(time.Millisecond))
		require.LessOrEqual(t, k.unixNano(), after.UnixNano()+int64(time.Millisecond))
		require.Equal(t, k.unixNano()/1e6, k.unixMilli())
	}
	require.GreaterOrEqual(t, syncs, 3, "the wall clock is read again every clockSyncEvery")
}
