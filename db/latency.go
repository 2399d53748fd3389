package db

// The latency monitor and the per-command latency histograms, as Redis's
// latency.c and its use of hdr_histogram.
//
// The monitor keeps, for each event class ("command", "fast-command",
// "expire-cycle", ...), the worst latency of each second in a ring of
// latencyTSLen samples, but only for events at or above
// latency-monitor-threshold milliseconds (0 disables it). LATENCY LATEST,
// HISTORY, GRAPH, DOCTOR and RESET read it.
//
// The histograms record every command's duration (when latency-tracking is
// on) in an HDR histogram with Redis's parameters: values 1 ns .. 1 s, two
// significant digits. INFO latencystats reports percentiles from them and
// LATENCY HISTOGRAM their cumulative distribution.

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"
)

func init() {
	register("latency|latest", latencyLatestCommand)
	register("latency|history", latencyHistoryCommand)
	register("latency|reset", latencyResetCommand)
	register("latency|doctor", latencyDoctorCommand)
	register("latency|graph", latencyGraphCommand)
	register("latency|histogram", latencyHistogramCommand)
	register("latency|help", latencyHelpCommand)
}

const latencyTSLen = 160 // samples kept per event class

type latencySample struct {
	time    int64 // unix seconds; 0 = unused slot
	latency int64 // ms
}

type latencySeries struct {
	idx     int
	max     int64
	samples [latencyTSLen]latencySample
}

// latencyMonitor is the server's latency state and the settings it needs.
type latencyMonitor struct {
	events    map[string]*latencySeries
	threshold int64 // latency-monitor-threshold, ms
	tracking  bool  // latency-tracking
	// percentiles is latency-tracking-info-percentiles.
	percentiles []float64
	// histogramMem is what the command histograms take in used_memory.
	histogramMem int64
}

// latencyHistogramAlloc is what Redis 7.0.15 allocates for a command's
// histogram the first time the command runs (hdr_init with 1 ns .. 1 s at
// two significant digits: 3072 counters and the struct), measured as the
// growth of used_memory. It stays until CONFIG RESETSTAT.
const latencyHistogramAlloc = 24688

// loadLatencySettings reads the latency settings (called on every
// configuration change).
func (s *Server) loadLatencySettings() {
	lm := &s.latency
	lm.threshold = s.Config.Int("latency-monitor-threshold")
	lm.tracking = s.Config.Bool("latency-tracking")
	lm.percentiles = lm.percentiles[:0]
	for _, w := range s.Config.Strings("latency-tracking-info-percentiles") {
		if f, err := strconv.ParseFloat(w, 64); err == nil {
			lm.percentiles = append(lm.percentiles, f)
		}
	}
}

// LatencyAddSampleIfNeeded records latency (ms) for event when the monitor
// is enabled and the latency reaches its threshold, as Redis's macro of
// that name. Other parts (expiry, eviction, persistence) call it with their
// own event names.
func (s *Server) LatencyAddSampleIfNeeded(event string, ms int64) {
	if s.latency.threshold > 0 && ms >= s.latency.threshold {
		s.latencyAddSample(event, ms)
	}
}

func (s *Server) latencyAddSample(event string, ms int64) {
	lm := &s.latency
	if lm.events == nil {
		lm.events = map[string]*latencySeries{}
	}
	ts := lm.events[event]
	if ts == nil {
		ts = &latencySeries{}
		lm.events[event] = ts
	}
	now := time.Now().Unix()
	ts.max = max(ts.max, ms)
	// One sample per second: the worst one.
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.time == now {
		prev.latency = max(prev.latency, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{time: now, latency: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// commandDone is called by call() after every command with its duration:
// it feeds the latency monitor and the command's latency histogram.
func (s *Server) commandDone(cmd *Command, usec int64) {
	if s.latency.threshold > 0 {
		event := "command"
		if cmd.Has(FlagFast) {
			event = "fast-command"
		}
		s.LatencyAddSampleIfNeeded(event, usec/1000)
	}
	if s.latency.tracking {
		st := s.Stat(cmd)
		if st.latency == nil {
			st.latency = &hdrHistogram{}
			s.latency.histogramMem += latencyHistogramAlloc
		}
		st.latency.record(usec * 1000)
	}
}

// sortedEvents returns the event names in order (Redis's order is its
// dict's, which is not stable either).
func (lm *latencyMonitor) sortedEvents() []string {
	names := make([]string, 0, len(lm.events))
	for n := range lm.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LatencyEvent is one line of LATENCY LATEST.
type LatencyEvent struct {
	Name         string
	Time         int64 // unix seconds of the latest spike
	Latency, Max int64 // milliseconds
}

// LatencyLatest returns what LATENCY LATEST replies, in its order.
func (s *Server) LatencyLatest() []LatencyEvent {
	lm := &s.latency
	var out []LatencyEvent
	for _, name := range lm.sortedEvents() {
		ts := lm.events[name]
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		out = append(out, LatencyEvent{name, last.time, last.latency, ts.max})
	}
	return out
}

func latencyLatestCommand(c *Client) {
	lm := &c.srv.latency
	c.ArrayLen(len(lm.events))
	for _, name := range lm.sortedEvents() {
		ts := lm.events[name]
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		c.ArrayLen(4)
		c.BulkString(name)
		c.Int(last.time)
		c.Int(last.latency)
		c.Int(ts.max)
	}
}

func latencyHistoryCommand(c *Client) {
	ts := c.srv.latency.events[bstr(c.Argv[2])]
	if ts == nil {
		c.ArrayLen(0)
		return
	}
	d := c.Defer()
	n := 0
	for j := 0; j < latencyTSLen; j++ {
		sm := ts.samples[(ts.idx+j)%latencyTSLen]
		if sm.time == 0 {
			continue
		}
		c.ArrayLen(2)
		c.Int(sm.time)
		c.Int(sm.latency)
		n++
	}
	c.SetArrayLen(d, n)
}

func latencyResetCommand(c *Client) {
	lm := &c.srv.latency
	if len(c.Argv) == 2 {
		n := len(lm.events)
		lm.events = nil
		c.Int(int64(n))
		return
	}
	n := 0
	for _, a := range c.Argv[2:] {
		if _, ok := lm.events[bstr(a)]; ok {
			delete(lm.events, bstr(a))
			n++
		}
	}
	c.Int(int64(n))
}

func latencyGraphCommand(c *Client) {
	event := bstr(c.Argv[2])
	ts := c.srv.latency.events[event]
	if ts == nil {
		c.Error("ERR No samples available for event '" + event + "'")
		return
	}
	c.Verbatim(latencyGraph(event, ts, time.Now().Unix()))
}

func latencyHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// latencyGraph draws the samples of an event as Redis's sparkline: four
// rows of '_', 'o', '#' and '|', then the age of each sample as a label
// written downwards.
func latencyGraph(event string, ts *latencySeries, now int64) string {
	var values []int64
	var labels []string
	var lo, hi int64
	for j := 0; j < latencyTSLen; j++ {
		sm := ts.samples[(ts.idx+j)%latencyTSLen]
		if sm.time == 0 {
			continue
		}
		if len(values) == 0 {
			lo, hi = sm.latency, sm.latency
		}
		lo, hi = min(lo, sm.latency), max(hi, sm.latency)
		values = append(values, sm.latency)
		labels = append(labels, ageLabel(now-sm.time))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, ts.max)
	b.WriteString(strings.Repeat("-", latencyGraphCols) + "\n")
	for j := 0; j < len(values); j += latencyGraphCols {
		if j != 0 {
			b.WriteByte('\n')
		}
		end := min(j+latencyGraphCols, len(values))
		renderSparkline(&b, values[j:end], labels[j:end], float64(lo), float64(hi))
	}
	return b.String()
}

const latencyGraphCols = 80

func ageLabel(elapsed int64) string {
	switch {
	case elapsed < 60:
		return fmt.Sprintf("%ds", elapsed)
	case elapsed < 3600:
		return fmt.Sprintf("%dm", elapsed/60)
	case elapsed < 3600*24:
		return fmt.Sprintf("%dh", elapsed/3600)
	}
	return fmt.Sprintf("%dd", elapsed/(3600*24))
}

// renderSparkline is sparkline.c's sparklineRenderRange with four rows in
// fill mode; lo and hi are the extremes of the whole sequence.
func renderSparkline(b *strings.Builder, values []int64, labels []string, lo, hi float64) {
	const rows, charsetLen, labelMarginTop = 4, 3, 1
	const charset = "_o#"
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := charsetLen * rows
	line := make([]byte, len(values))
	for row := 0; ; row++ {
		more := false
		for j := range line {
			line[j] = ' '
		}
		for j, v := range values {
			step := int(((float64(v) - lo) * float64(steps)) / relmax)
			step = min(max(step, 0), steps-1)
			if row < rows {
				more = true
				switch idx := step - (rows-row-1)*charsetLen; {
				case idx >= 0 && idx < charsetLen:
					line[j] = charset[idx]
				case idx >= charsetLen:
					line[j] = '|'
				}
				continue
			}
			if row-rows < labelMarginTop {
				more = true
				break
			}
			if k := row - rows - labelMarginTop; k < len(labels[j]) {
				more = true
				line[j] = labels[j][k]
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

// latencyStats is analyzeLatencyForEvent's summary of an event's samples.
type latencyStats struct {
	samples, avg, mad, period int64
}

func analyzeLatency(ts *latencySeries, now int64) latencyStats {
	var ls latencyStats
	var sum int64
	for _, sm := range ts.samples {
		if sm.time == 0 {
			continue
		}
		ls.samples++
		sum += sm.latency
		if ls.period == 0 || sm.time < ls.period {
			ls.period = sm.time
		}
	}
	if ls.samples == 0 {
		return ls
	}
	ls.avg = sum / ls.samples
	ls.period = now - ls.period
	if ls.period == 0 {
		ls.period = 1
	}
	sum = 0
	for _, sm := range ts.samples {
		if sm.time != 0 {
			d := ls.avg - sm.latency
			sum += max(d, -d)
		}
	}
	ls.mad = sum / ls.samples
	return ls
}

func latencyDoctorCommand(c *Client) {
	c.Verbatim(c.srv.latencyReport())
}

// latencyReport is createLatencyReport: one line per event class, then the
// advice the classes seen call for. Advice about fork and disk I/O, which
// this server does not have in Redis's form, is not given.
func (s *Server) latencyReport() string {
	lm := &s.latency
	if len(lm.events) == 0 && lm.threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	var slowlogEnabled, slowlogTuning, slowlogInspect, scheduler, hz, largeObjects, massEviction bool
	advices := 0
	now := time.Now().Unix()
	for i, event := range lm.sortedEvents() {
		ts := lm.events[event]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		ls := analyzeLatency(ts, now)
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			i+1, event, ls.samples, ls.avg, ls.mad, float64(ls.period)/float64(ls.samples), ts.max)
		switch event {
		case "command":
			if s.slowlog.slowerThan < 0 || s.slowlog.maxLen == 0 {
				slowlogEnabled = true
				advices++
			} else if s.slowlog.slowerThan/1000 > lm.threshold {
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		case "expire-cycle":
			hz, largeObjects = true, true
			advices += 2
		case "eviction-del":
			largeObjects = true
			advices++
		case "eviction-cycle":
			massEviction = true
			advices++
		}
		b.WriteByte('\n')
	}
	switch {
	case len(lm.events) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogEnabled {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", lm.threshold*1000)
		}
		if slowlogTuning {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", lm.threshold*1000)
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if hz && s.ConfigHz < 100 {
			b.WriteString("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if massEviction {
			b.WriteString("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n")
		}
	}
	return b.String()
}

// latencyHistogramCommand is LATENCY HISTOGRAM [command ...]: for each
// command with samples, its call count and the cumulative distribution of
// its latencies in power-of-two microsecond buckets.
func latencyHistogramCommand(c *Client) {
	var cmds []*Command
	if len(c.Argv) == 2 {
		for _, name := range commands.sortedNames() {
			cmds = append(cmds, commandAndSubcommands(commands[name])...)
		}
	} else {
		for _, a := range c.Argv[2:] {
			if cmd := lookupCommandBySpec(bstr(a)); cmd != nil {
				cmds = append(cmds, commandAndSubcommands(cmd)...)
			}
		}
	}
	d := c.Defer()
	n := 0
	for _, cmd := range cmds {
		h := c.srv.Stat(cmd).latency
		if h == nil {
			continue
		}
		c.BulkString(cmd.FullName())
		h.writeCDF(c)
		n++
	}
	c.SetMapLen(d, n)
}

// commandAndSubcommands returns cmd followed by its subcommands in name order.
func commandAndSubcommands(cmd *Command) []*Command {
	out := []*Command{cmd}
	names := make([]string, 0, len(cmd.Sub))
	for n := range cmd.Sub {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, cmd.Sub[n])
	}
	return out
}

// An hdrHistogram is hdr_histogram with Redis's parameters (lowest 1,
// highest 1e9, 2 significant figures): 256 sub-buckets, so that every value
// is counted in a range no wider than 1/128 of it.
type hdrHistogram struct {
	counts []int64
	total  int64
}

const (
	hdrSubBucketHalfMag = 7
	hdrSubBucketHalf    = 1 << hdrSubBucketHalfMag
	hdrSubBucketMask    = 2*hdrSubBucketHalf - 1
	hdrBucketCount      = 23 // buckets needed to reach 1e9
	hdrCountsLen        = (hdrBucketCount + 1) * hdrSubBucketHalf
	hdrMinValue         = 1
	hdrMaxValue         = 1_000_000_000
)

func hdrBucketIndex(v int64) int {
	return 63 - bits.LeadingZeros64(uint64(v)|hdrSubBucketMask) - hdrSubBucketHalfMag
}

func hdrCountsIndex(v int64) int {
	bi := hdrBucketIndex(v)
	sbi := int(v >> bi)
	return (bi+1)<<hdrSubBucketHalfMag + sbi - hdrSubBucketHalf
}

func hdrValueAtIndex(idx int) int64 {
	bi := idx>>hdrSubBucketHalfMag - 1
	sbi := idx&(hdrSubBucketHalf-1) + hdrSubBucketHalf
	if bi < 0 {
		sbi -= hdrSubBucketHalf
		bi = 0
	}
	return int64(sbi) << bi
}

// hdrHighestEquivalent is the largest value counted with v.
func hdrHighestEquivalent(v int64) int64 {
	bi := hdrBucketIndex(v)
	sbi := v >> bi
	return sbi<<bi + 1<<bi - 1
}

func hdrLowestEquivalent(v int64) int64 {
	bi := hdrBucketIndex(v)
	return v >> bi << bi
}

// record counts a duration in nanoseconds, clamped to the histogram's range.
func (h *hdrHistogram) record(ns int64) {
	if h.counts == nil {
		h.counts = make([]int64, hdrCountsLen)
	}
	ns = min(max(ns, hdrMinValue), hdrMaxValue)
	h.counts[hdrCountsIndex(ns)]++
	h.total++
}

// valueAtPercentile is hdr_value_at_percentile.
func (h *hdrHistogram) valueAtPercentile(p float64) int64 {
	p = min(p, 100)
	want := max(int64(p/100*float64(h.total)+0.5), 1)
	var seen int64
	for idx, n := range h.counts {
		seen += n
		if seen >= want {
			v := hdrValueAtIndex(idx)
			if p == 0 {
				return hdrLowestEquivalent(v)
			}
			return hdrHighestEquivalent(v)
		}
	}
	return 0
}

// writeCDF replies {calls, histogram_usec: {bucket: cumulative count}} as
// Redis's fillCommandCDF, walking the histogram with a logarithmic iterator
// (first bucket 1024 ns, base 2). A bucket is reported by the highest value
// it stands for, in microseconds, when its cumulative count grew.
func (h *hdrHistogram) writeCDF(c *Client) {
	c.MapLen(2)
	c.BulkString("calls")
	c.Int(h.total)
	c.BulkString("histogram_usec")
	d := c.Defer()
	n := 0
	var cum, prev int64
	idx := 0
	for level := int64(1024); cum < h.total; level *= 2 {
		last := hdrCountsIndex(hdrLowestEquivalent(min(level, hdrMaxValue)))
		hi := hdrHighestEquivalent(level)
		if level > hdrMaxValue {
			last, hi = len(h.counts)-1, hdrHighestEquivalent(hdrValueAtIndex(len(h.counts)-1))
		}
		for ; idx <= last; idx++ {
			cum += h.counts[idx]
		}
		if cum > prev {
			c.Int(hi / 1000)
			c.Int(cum)
			n++
		}
		prev = cum
	}
	c.SetMapLen(d, n)
}

// percentileLine is an INFO latencystats line's value:
// "p50=1.003,p99=2.007,p99.9=2.007".
func (h *hdrHistogram) percentileLine(percentiles []float64) string {
	var b strings.Builder
	for i, p := range percentiles {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "p%s=%.3f", trimDouble(strconv.FormatFloat(p, 'f', 6, 64)), float64(h.valueAtPercentile(p))/1000)
	}
	return b.String()
}

// trimDouble drops the trailing zeros of a "%f" number, and its dot when
// nothing follows (Redis's trimDoubleString).
func trimDouble(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
