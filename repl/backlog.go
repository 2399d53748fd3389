package repl

// The replication buffer, as Redis 7.0's: one list of blocks holding the
// stream, which the backlog and the replicas waiting for the end of their
// full sync share. The backlog (repl_backlog) is the list from its first
// block: the latest stream bytes, kept so that a replica that lost its
// link can continue from the offset it reached (PSYNC) instead of
// fetching a whole RDB. A replica waiting for its RDB holds its place in
// the list instead of a copy of what was written meanwhile, and the first
// blocks are dropped only once no such replica needs them, so the backlog
// may grow past repl-backlog-size (and a PSYNC may use all of it), as
// Redis's incrementalTrimReplicationBacklog.

// minBacklogSize is Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.
const minBacklogSize = 16 << 10

// blockMin is the smallest block (PROTO_REPLY_CHUNK_BYTES), and
// blockOverhead what Redis counts per block beside its bytes (a
// replBufBlock header and a list node).
const (
	blockMin      = 16 << 10
	blockOverhead = 40 + 24
)

// block is one block of the buffer: cap(buf) bytes, len(buf) of them
// used, the first at stream offset start. Only the last one is not full.
type block struct {
	start int64
	buf   []byte
}

// last is the offset of the block's last byte.
func (b *block) last() int64 { return b.start + int64(len(b.buf)) - 1 }

// Backlog is the replication buffer. Offsets are the stream's: the first
// byte ever sent is offset 1, and the backlog holds [First, End]
// (histlen bytes) with End the server's offset.
//
// Invariants: the blocks are contiguous from First to End; histlen is
// their used bytes; every block but the last is full.
type Backlog struct {
	blocks  []*block
	size    int64 // repl-backlog-size
	histlen int64
	end     int64 // offset of the last byte written
	mem     int64 // the blocks' capacity and overhead (repl_buffer_mem)
}

// NewBacklog returns an empty backlog of size bytes whose next byte is
// offset+1.
func NewBacklog(size, offset int64) *Backlog {
	return &Backlog{size: max(size, minBacklogSize), end: offset}
}

// Size returns repl-backlog-size, the history kept when nothing holds more.
func (b *Backlog) Size() int64 { return b.size }

// Histlen returns the bytes of history held.
func (b *Backlog) Histlen() int64 { return b.histlen }

// First returns the offset of the oldest byte held (the next byte's when
// empty), INFO's repl_backlog_first_byte_offset.
func (b *Backlog) First() int64 { return b.end - b.histlen + 1 }

// Mem returns the buffer's memory, Redis's repl_buffer_mem
// (mem_total_replication_buffers): each block's capacity and overhead.
func (b *Backlog) Mem() int64 { return b.mem }

// Append adds stream bytes after the last ones, filling the last block
// and then new ones of at least blockMin and at most a sixteenth of the
// size (as Redis's feedReplicationBuffer), so that a trim never has to
// keep a huge block for a small part of it. It does not trim.
func (b *Backlog) Append(p []byte) {
	for len(p) > 0 {
		if n := len(b.blocks); n > 0 {
			tail := b.blocks[n-1]
			if k := min(cap(tail.buf)-len(tail.buf), len(p)); k > 0 {
				tail.buf = append(tail.buf, p[:k]...)
				p = p[k:]
				b.end += int64(k)
				b.histlen += int64(k)
				continue
			}
		}
		limit := max(int(b.size/16), blockMin)
		size := min(max(len(p), blockMin), limit)
		b.blocks = append(b.blocks, &block{start: b.end + 1, buf: make([]byte, 0, size)})
		b.mem += int64(size) + blockOverhead
	}
}

// Trim drops the oldest blocks while the history past the first one
// would still exceed the size, keeping at least one block and every byte
// from pinned on (0: nothing pinned), as Redis's
// incrementalTrimReplicationBacklog, which stops at a block a replica
// refers to.
func (b *Backlog) Trim(pinned int64) {
	i := 0
	for len(b.blocks)-i > 1 && b.histlen > b.size {
		first := b.blocks[i]
		if pinned > 0 && pinned <= first.last() {
			break
		}
		if b.histlen-int64(len(first.buf)) <= b.size {
			break
		}
		b.histlen -= int64(len(first.buf))
		b.mem -= int64(cap(first.buf)) + blockOverhead
		b.blocks[i] = nil
		i++
	}
	if i > 0 {
		b.blocks = b.blocks[i:]
	}
}

// Covers reports whether a replica that has every byte before offset can
// continue from the backlog: offset is in [First, End+1].
func (b *Backlog) Covers(offset int64) bool {
	return offset >= b.First() && offset <= b.end+1
}

// find returns the index of the block holding offset, which must be held.
func (b *Backlog) find(offset int64) int {
	lo, hi := 0, len(b.blocks)
	for lo < hi { // the last block starting at or before offset
		m := (lo + hi) / 2
		if b.blocks[m].start <= offset {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// ReadFrom returns a copy of the bytes from offset to the end; offset must
// be covered (see Covers).
func (b *Backlog) ReadFrom(offset int64) []byte {
	out := make([]byte, 0, b.end+1-offset)
	if offset > b.end {
		return out
	}
	for i := b.find(offset); i < len(b.blocks); i++ {
		blk := b.blocks[i]
		out = append(out, blk.buf[max(offset-blk.start, 0):]...)
	}
	return out
}

// RefMem is the memory a replica that still needs the bytes from offset
// on is said to use, as Redis's getClientOutputBufferMemoryUsage for a
// replica: from its block to the end of the last one, with their
// overhead. offset must be covered.
func (b *Backlog) RefMem(offset int64) int64 {
	if len(b.blocks) == 0 {
		return 0
	}
	i := max(b.find(offset), 0)
	last := b.blocks[len(b.blocks)-1]
	return last.start + int64(cap(last.buf)) - b.blocks[i].start + int64(len(b.blocks)-i)*blockOverhead
}

// Resize changes the size. A smaller one takes effect at the next Trim.
func (b *Backlog) Resize(size int64) { b.size = max(size, minBacklogSize) }
