package db

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHDRHistogram(t *testing.T) {
	// Highest equivalent values as Redis reports them (INFO latencystats
	// divides by 1000): 11000 ns is counted as 10944..11007.
	for v, want := range map[int64]int64{
		1: 1, 127: 127, 255: 255, 256: 257, 1024: 1031, 11000: 11007, 16384: 16511,
		32768: 33023, 65536: 66047, 131072: 132095, 1e9: 1002438655,
	} {
		assert.Equal(t, want, hdrHighestEquivalent(v), "%d", v)
		assert.Equal(t, v, hdrValueAtIndex(hdrCountsIndex(v))+v-hdrLowestEquivalent(v), "%d", v)
	}
	h := &hdrHistogram{}
	for _, us := range []int64{11, 11, 41} {
		h.record(us * 1000)
	}
	assert.Equal(t, "p50=11.007,p99=41.215,p99.9=41.215", h.percentileLine([]float64{50, 99, 99.9}))
	h = &hdrHistogram{}
	h.record(0) // clamped to 1 ns
	assert.Equal(t, "p50=0.001", h.percentileLine([]float64{50}))
	assert.Equal(t, "50", trimDouble("50.000000"))
	assert.Equal(t, "99.9", trimDouble("99.900000"))
}

func TestLatencyHistogramCDF(t *testing.T) {
	// The buckets Redis reported for commands of 1..130 µs.
	h := &hdrHistogram{}
	for _, us := range []int64{3, 7, 12, 30, 60, 130} {
		h.record(us * 1000)
	}
	r := newLocalRunner(t)
	c := r.client("x")
	h.writeCDF(c)
	v, err := readReply(c.Buf)
	require.NoError(t, err)
	c.Buf = c.Buf[:0]
	assert.Equal(t, "[calls 6 histogram_usec [4 1 8 2 16 3 33 4 66 5 132 6]]", v.String())
}

func TestLatencyHistogramCommand(t *testing.T) {
	r := newLocalRunner(t)
	r.srv.ResetStats()
	do := func(args ...string) []string {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		return r.do("x", argv)
	}
	do("SET", "a", "b")
	do("SET", "a", "b")
	out := do("LATENCY", "HISTOGRAM", "set", "nosuch", "config")
	require.Equal(t, "*2", out[0])
	assert.Equal(t, []string{`  "set"`, "  *4", `    "calls"`, "    :2", `    "histogram_usec"`}, out[1:6])
	do("HELLO", "3")
	out = do("LATENCY", "HISTOGRAM")
	assert.Equal(t, "%3", out[0]) // set, hello, latency|histogram
}

func TestLatencyMonitor(t *testing.T) {
	r := newLocalRunner(t)
	s := r.srv
	do := func(args ...string) []string {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		return r.do("x", argv)
	}
	// Below the threshold, or with the monitor off, nothing is recorded.
	s.LatencyAddSampleIfNeeded("command", 50)
	assert.Equal(t, []string{"*0"}, do("LATENCY", "LATEST"))
	do("CONFIG", "SET", "latency-monitor-threshold", "10")
	s.LatencyAddSampleIfNeeded("command", 5)
	assert.Equal(t, []string{"*0"}, do("LATENCY", "LATEST"))
	assert.Equal(t, []string{`"Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"`},
		do("LATENCY", "DOCTOR"))

	// Samples of the same second keep the worst.
	s.LatencyAddSampleIfNeeded("command", 30)
	s.LatencyAddSampleIfNeeded("command", 20)
	now := time.Now().Unix()
	latest := do("LATENCY", "LATEST")
	require.Len(t, latest, 6)
	assert.Equal(t, `    "command"`, latest[2])
	assert.Contains(t, []string{fmt.Sprint("    :", now), fmt.Sprint("    :", now+1)}, latest[3])
	assert.Equal(t, []string{"    :30", "    :30"}, latest[4:])
	assert.Equal(t, "*1", do("LATENCY", "HISTORY", "command")[0])

	// DEBUG SLEEP is slow enough to be seen by call().
	s.Config.LoadString("enable-debug-command yes")
	do("DEBUG", "SLEEP", "0.02")
	assert.GreaterOrEqual(t, s.latency.events["command"].max, int64(20))

	assert.Equal(t, []string{":1"}, do("LATENCY", "RESET", "command", "nosuch"))
	assert.Equal(t, []string{"*0"}, do("LATENCY", "LATEST"))
}

func TestLatencyGraphAndDoctor(t *testing.T) {
	// The graph Redis drew for two spikes of 31 and 186 ms, 3 and 2
	// seconds ago.
	now := time.Now().Unix()
	ts := &latencySeries{max: 186}
	ts.samples[0] = latencySample{time: now - 3, latency: 31}
	ts.samples[1] = latencySample{time: now - 2, latency: 186}
	ts.idx = 2
	want := "command - high 186 ms, low 31 ms (all time high 186 ms)\n" +
		strings.Repeat("-", 80) + "\n" +
		" #\n |\n |\n_|\n  \n32\nss\n"
	assert.Equal(t, want, latencyGraph("command", ts, now))

	r := newLocalRunner(t)
	r.srv.latency.threshold = 1
	r.srv.latency.events = map[string]*latencySeries{"command": ts}
	assert.Equal(t, "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"+
		"1. command: 2 latency spikes (average 108ms, mean deviation 77ms, period 1.50 sec). Worst all time event 186ms.\n\n"+
		"I have a few advices for you:\n\n"+
		"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n"+
		"- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"+
		"- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n",
		r.srv.latencyReport())
}
