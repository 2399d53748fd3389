package metrics

// The history of the replication offset: samples of master_repl_offset
// taken by the cron, from which the write rate, the age of the backlog's
// oldest byte and each replica's lag in seconds are computed.

import "time"

// historyMax bounds the samples kept. The cron records one per tick (hz,
// 10 a second by default) while the offset moves, so the newest ones
// cover minutes at full resolution; when full, every other sample of the
// older half goes, so that older history is kept at a coarser resolution.
const historyMax = 4096

// rateWindow is how far back the write rate looks.
const rateWindow = time.Minute

// offsetSample says that the offset was offset from first to last.
type offsetSample struct {
	first, last time.Time
	offset      int64
}

// offsetHistory is the samples of one replication history (replid),
// oldest first. Loop only.
type offsetHistory struct {
	replid  string
	samples []offsetSample
}

// record adds the offset seen at now. A new replid or an offset that went
// back (a full sync, a new history) starts over.
func (h *offsetHistory) record(now time.Time, replid string, offset int64) {
	n := len(h.samples)
	if replid != h.replid || n > 0 && offset < h.samples[n-1].offset {
		h.replid, h.samples, n = replid, h.samples[:0], 0
	}
	if n > 0 && h.samples[n-1].offset == offset {
		h.samples[n-1].last = now
		return
	}
	if n == historyMax {
		h.thin()
	}
	h.samples = append(h.samples, offsetSample{now, now, offset})
}

// thin drops every other sample of the older half.
func (h *offsetHistory) thin() {
	half := len(h.samples) / 2
	kept := h.samples[:0]
	for i, s := range h.samples {
		if i >= half || i%2 == 0 {
			kept = append(kept, s)
		}
	}
	h.samples = kept
}

// passed returns when the offset first went past x: interpolated between
// the last time it was seen at or below x and the first time above. exact
// is false when it went past before the oldest sample: the time returned
// is then that sample's, a lower bound of the age. ok is false when the
// offset has not gone past x (or there is no history).
func (h *offsetHistory) passed(x int64) (t time.Time, exact, ok bool) {
	n := len(h.samples)
	if n == 0 || h.samples[n-1].offset <= x {
		return time.Time{}, false, false
	}
	lo, hi := 0, n-1 // the first sample above x is in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if h.samples[mid].offset > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == 0 {
		return h.samples[0].first, false, true
	}
	before, after := h.samples[lo-1], h.samples[lo]
	frac := float64(x+1-before.offset) / float64(after.offset-before.offset)
	gap := after.first.Sub(before.last)
	return before.last.Add(time.Duration(frac * float64(gap))), true, true
}

// age is how long ago the offset went past x (0 if it has not), and
// whether that is exact rather than a lower bound.
func (h *offsetHistory) age(now time.Time, x int64) (time.Duration, bool) {
	t, exact, ok := h.passed(x)
	if !ok {
		return 0, true
	}
	return max(now.Sub(t), 0), exact
}

// rate is the write rate in bytes per second over the last rateWindow
// (or the history there is, if shorter); ok is false with less than a
// second of history.
func (h *offsetHistory) rate(now time.Time) (float64, bool) {
	n := len(h.samples)
	if n == 0 {
		return 0, false
	}
	newest := h.samples[n-1]
	from := h.samples[0].first
	fromOff := h.samples[0].offset
	for i := n - 1; i >= 0; i-- {
		if !h.samples[i].last.After(now.Add(-rateWindow)) {
			from, fromOff = h.samples[i].last, h.samples[i].offset
			break
		}
	}
	dt := now.Sub(from).Seconds()
	if dt < 1 {
		return 0, false
	}
	return float64(newest.offset-fromOff) / dt, true
}
