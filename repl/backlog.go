package repl

// The replication backlog, as Redis's repl_backlog: the latest stream
// bytes, kept so that a replica that lost its link can continue from the
// offset it reached (PSYNC) instead of fetching a whole RDB.
//
// It is also Redis 7.0's shared replication buffer for the replicas
// waiting for the end of their full sync: each holds its place in the
// backlog (the first offset it still needs) instead of a copy of what is
// written meanwhile. The circular buffer grows rather than overwrite what
// such a replica needs, so the backlog outgrows repl-backlog-size while it
// waits (and a PSYNC may use all of it), and shrinks back to the size once
// nobody holds more, as Redis's incrementalTrimReplicationBacklog.

// minBacklogSize is Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.
const minBacklogSize = 16 << 10

// Backlog is a circular buffer of at least the last Size stream bytes.
// Offsets are the stream's: the first byte ever sent is offset 1, and the
// backlog holds [First, End] (histlen bytes) with End the server's offset.
//
// Invariant: End - First + 1 == Histlen, Histlen <= len(buf), and
// len(buf) == Size unless a pinned offset needed more.
type Backlog struct {
	buf     []byte
	size    int64 // repl-backlog-size
	idx     int   // where the next byte goes
	histlen int64 // bytes of history held
	end     int64 // offset of the last byte written
}

// NewBacklog returns an empty backlog of size bytes whose next byte is
// offset+1.
func NewBacklog(size, offset int64) *Backlog {
	size = max(size, minBacklogSize)
	return &Backlog{buf: make([]byte, size), size: size, end: offset}
}

// Size returns repl-backlog-size, the history kept when nothing holds more.
func (b *Backlog) Size() int64 { return b.size }

// Histlen returns the bytes of history held.
func (b *Backlog) Histlen() int64 { return b.histlen }

// First returns the offset of the oldest byte held (the next byte's when
// empty), INFO's repl_backlog_first_byte_offset.
func (b *Backlog) First() int64 { return b.end - b.histlen + 1 }

// Mem returns the buffer's memory (mem_total_replication_buffers).
func (b *Backlog) Mem() int64 { return int64(len(b.buf)) }

// Append adds stream bytes after the last ones, overwriting the oldest,
// but none from pinned on (0: nothing pinned): the buffer grows for them.
func (b *Backlog) Append(p []byte, pinned int64) {
	if pinned > 0 {
		if need := b.end + int64(len(p)) - pinned + 1; need > int64(len(b.buf)) {
			b.realloc(max(need, 2*int64(len(b.buf))))
		}
	}
	b.end += int64(len(p))
	b.histlen = min(b.histlen+int64(len(p)), int64(len(b.buf)))
	if len(p) > len(b.buf) {
		p = p[len(p)-len(b.buf):]
	}
	for len(p) > 0 {
		n := copy(b.buf[b.idx:], p)
		p = p[n:]
		b.idx = (b.idx + n) % len(b.buf)
	}
}

// realloc moves the history into a buffer of capacity bytes, keeping the
// most recent bytes that fit.
func (b *Backlog) realloc(capacity int64) {
	keep := min(b.histlen, capacity)
	data := b.ReadFrom(b.end + 1 - keep)
	b.buf = make([]byte, capacity)
	b.idx = copy(b.buf, data) % int(capacity)
	b.histlen = keep
}

// Trim gives back what the buffer grew by once nothing from pinned on
// (0: nothing pinned) needs it: back to Size, the most recent bytes kept.
func (b *Backlog) Trim(pinned int64) {
	if int64(len(b.buf)) == b.size {
		return
	}
	if pinned > 0 && pinned <= b.end && b.end-pinned+1 > b.size {
		return
	}
	b.realloc(b.size)
}

// Covers reports whether a replica that has every byte before offset can
// continue from the backlog: offset is in [First, End+1].
func (b *Backlog) Covers(offset int64) bool {
	return offset >= b.First() && offset <= b.end+1
}

// ReadFrom returns a copy of the bytes from offset to the end; offset must
// be covered (see Covers).
func (b *Backlog) ReadFrom(offset int64) []byte {
	n := b.end + 1 - offset
	out := make([]byte, n)
	size := int64(len(b.buf))
	start := (int64(b.idx) - n + size) % size // n <= histlen <= size
	k := copy(out, b.buf[start:min(start+n, size)])
	copy(out[k:], b.buf[:n-int64(k)])
	return out
}

// Held is what a replica that still needs the bytes from offset on holds
// of the buffer, its omem as Redis counts a replica's share of the
// replication buffer. offset must be covered.
func (b *Backlog) Held(offset int64) int64 { return b.end + 1 - offset }

// Resize changes the size: a larger one at once, a smaller one at the
// next Trim.
func (b *Backlog) Resize(size int64) {
	b.size = max(size, minBacklogSize)
	if b.size > int64(len(b.buf)) {
		b.realloc(b.size)
	}
}
