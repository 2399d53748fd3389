package repl

// The replication backlog, as Redis's repl_backlog: the latest stream
// bytes, kept so that a replica that lost its link can continue from the
// offset it reached (PSYNC) instead of fetching a whole RDB.

// minBacklogSize is Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.
const minBacklogSize = 16 << 10

// Backlog is a circular buffer of the last Size stream bytes. Offsets are
// the stream's: the first byte ever sent is offset 1, and the backlog
// holds [First, End] (histlen bytes) with End the server's offset.
//
// Invariant: End - First + 1 == Histlen, Histlen <= len(buf).
type Backlog struct {
	buf     []byte
	idx     int   // where the next byte goes
	histlen int64 // bytes of history held
	end     int64 // offset of the last byte written
}

// NewBacklog returns an empty backlog of size bytes whose next byte is
// offset+1.
func NewBacklog(size, offset int64) *Backlog {
	return &Backlog{buf: make([]byte, max(size, minBacklogSize)), end: offset}
}

// Size returns the buffer's capacity.
func (b *Backlog) Size() int64 { return int64(len(b.buf)) }

// Histlen returns the bytes of history held.
func (b *Backlog) Histlen() int64 { return b.histlen }

// First returns the offset of the oldest byte held (the next byte's when
// empty), INFO's repl_backlog_first_byte_offset.
func (b *Backlog) First() int64 { return b.end - b.histlen + 1 }

// Append adds stream bytes after the last ones, overwriting the oldest.
func (b *Backlog) Append(p []byte) {
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

// Resize changes the capacity, keeping the most recent bytes that fit.
func (b *Backlog) Resize(size int64) {
	size = max(size, minBacklogSize)
	if size == int64(len(b.buf)) {
		return
	}
	keep := min(b.histlen, size)
	data := b.ReadFrom(b.end + 1 - keep)
	b.buf = make([]byte, size)
	b.idx = copy(b.buf, data) % int(size)
	b.histlen = keep
}
