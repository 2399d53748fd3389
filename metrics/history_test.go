package metrics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A steady 1000 bytes a second, sampled ten times a second.
func steady(t0 time.Time, seconds int) *offsetHistory {
	h := &offsetHistory{}
	for i := 0; i <= seconds*10; i++ {
		h.record(t0.Add(time.Duration(i)*100*time.Millisecond), "id", int64(i*100))
	}
	return h
}

func TestHistoryRateAndAge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := steady(t0, 120)
	now := t0.Add(120 * time.Second)
	rate, ok := h.rate(now)
	require.True(t, ok)
	require.InDelta(t, 1000, rate, 1e-6)

	// Offset 50000 was passed at 50 s: 70 s ago.
	age, exact := h.age(now, 50000)
	require.True(t, exact)
	require.InDelta(t, 70, age.Seconds(), 0.11)
	// Caught up: no age.
	age, exact = h.age(now, 120000)
	require.True(t, exact)
	require.Zero(t, age)
	// Before the oldest sample: a lower bound.
	age, exact = h.age(now, -5)
	require.False(t, exact)
	require.InDelta(t, 120, age.Seconds(), 1e-9)
}

func TestHistoryIdleAndRestart(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := &offsetHistory{}
	h.record(t0, "id", 100)
	// Idle for a minute: one sample, whose last time moves.
	for i := 1; i <= 600; i++ {
		h.record(t0.Add(time.Duration(i)*100*time.Millisecond), "id", 100)
	}
	require.Len(t, h.samples, 1)
	h.record(t0.Add(60100*time.Millisecond), "id", 200)
	// The write of 100 bytes happened in the last 100 ms, not a minute ago.
	age, _ := h.age(t0.Add(61*time.Second), 150)
	require.InDelta(t, 0.95, age.Seconds(), 0.051)
	rate, ok := h.rate(t0.Add(61 * time.Second))
	require.True(t, ok)
	require.InDelta(t, 100.0/61, rate, 0.1)

	// Another history starts over.
	h.record(t0.Add(62*time.Second), "other", 5)
	require.Len(t, h.samples, 1)
	h.record(t0.Add(63*time.Second), "other", 1)
	require.Len(t, h.samples, 1, "an offset that went back")
}

func TestHistoryThinning(t *testing.T) {
	t0 := time.Unix(1000, 0)
	n := 3 * historyMax / 10 // seconds: three times what fits at full resolution
	h := steady(t0, n)
	require.LessOrEqual(t, len(h.samples), historyMax)
	now := t0.Add(time.Duration(n) * time.Second)
	// Recent history is exact to a sample; old history coarser but kept.
	age, exact := h.age(now, int64(n*1000-5000))
	require.True(t, exact)
	require.InDelta(t, 5, age.Seconds(), 0.11)
	age, exact = h.age(now, 1000)
	require.True(t, exact)
	require.InDelta(t, float64(n-1), age.Seconds(), 1)
}
