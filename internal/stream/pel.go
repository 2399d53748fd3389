package stream

import "slices"

// PEL is a pending entries list: NACKs ordered by entry ID, as Redis's
// rax of 128-bit IDs. The entries are kept in chunks of at most
// pelChunkMax, in ID order, so that acknowledging an entry anywhere in a
// large PEL moves at most a chunk's worth of memory (one sorted slice
// would move half the PEL on every XACK). Entries delivered by XREADGROUP
// come in ID order and append to the last chunk, which fills up before a
// new one starts.
//
// A work queue's PELs fill and empty all the time (a consumer's gets the
// entries of each XREADGROUP, its XACK takes them out again): the last
// chunk a PEL emptied is kept as its spare and holds the next chunk it
// starts, so that a PEL of a steady size allocates nothing. The spare is
// at most a chunk, a consumer's empty PEL keeps at most that much.
type PEL struct {
	chunks [][]pelEntry // each holds 1 to pelChunkMax entries
	n      int
	spare  []pelEntry // empty; nil for none
}

type pelEntry struct {
	id   ID
	nack *NACK
}

const (
	pelChunkMax   = 64
	pelChunkFirst = 8 // the capacity of a PEL's first chunk
)

// Len returns the number of pending entries.
func (p *PEL) Len() int { return p.n }

// newChunk returns an empty chunk of at least capacity entries, the spare
// when it is large enough.
func (p *PEL) newChunk(capacity int) []pelEntry {
	if cap(p.spare) >= capacity {
		ch := p.spare
		p.spare = nil
		return ch
	}
	return make([]pelEntry, 0, capacity)
}

// dropChunk removes chunk c, which was emptied, keeping it as the spare
// when it is larger than the one kept.
func (p *PEL) dropChunk(c int) {
	if ch := p.chunks[c]; cap(ch) > cap(p.spare) {
		p.spare = ch[:0]
	}
	p.chunks = slices.Delete(p.chunks, c, c+1)
}

// locate returns the chunk holding id, or the one it would go in, and its
// index there. It does its own binary searches: they run several times
// for every entry an XREADGROUP delivers and an XACK acknowledges.
func (p *PEL) locate(id ID) (c, i int, found bool) {
	if len(p.chunks) == 0 {
		return 0, 0, false
	}
	if first := p.chunks[0][0].id; !first.Less(id) {
		return 0, 0, first == id // a consumer acknowledging in order
	}
	// The first chunk whose last ID is >= id; the last chunk when none.
	lo, hi := 0, len(p.chunks)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ch := p.chunks[m]; ch[len(ch)-1].id.Less(id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	ch := p.chunks[lo]
	l, h := 0, len(ch)
	for l < h {
		m := int(uint(l+h) >> 1)
		if ch[m].id.Less(id) {
			l = m + 1
		} else {
			h = m
		}
	}
	return lo, l, l < len(ch) && ch[l].id == id
}

// Find returns the NACK of id, or nil.
func (p *PEL) Find(id ID) *NACK {
	if c, i, ok := p.locate(id); ok {
		return p.chunks[c][i].nack
	}
	return nil
}

// Insert adds id unless present and reports whether it did.
func (p *PEL) Insert(id ID, n *NACK) bool {
	if last := len(p.chunks) - 1; last >= 0 {
		if ch := p.chunks[last]; ch[len(ch)-1].id.Less(id) {
			p.append(last, pelEntry{id, n}) // the common case: a new entry
			return true
		}
	}
	c, i, found := p.locate(id)
	if found {
		return false
	}
	p.n++
	if len(p.chunks) == 0 {
		ch := p.newChunk(pelChunkFirst)
		p.chunks = append(p.chunks, append(ch, pelEntry{id, n}))
		return true
	}
	ch := p.chunks[c]
	if len(ch) == pelChunkMax {
		// Split the full chunk in halves, then insert in the right one.
		half := pelChunkMax / 2
		right := append(p.newChunk(pelChunkMax), ch[half:]...)
		clear(ch[half:])
		p.chunks[c] = ch[:half]
		p.chunks = slices.Insert(p.chunks, c+1, right)
		if i > half {
			c, i = c+1, i-half
		}
		ch = p.chunks[c]
	}
	if len(ch) == cap(ch) {
		ch = grow(ch)
	}
	p.chunks[c] = slices.Insert(ch, i, pelEntry{id, n})
	return true
}

// append adds e after the last entry of chunk last, the last chunk, or
// in a new chunk when that one is full.
func (p *PEL) append(last int, e pelEntry) {
	p.n++
	ch := p.chunks[last]
	switch {
	case len(ch) == pelChunkMax:
		// A PEL that fills chunks: a new last chunk, of the full size at
		// once.
		p.chunks = append(p.chunks, append(p.newChunk(pelChunkMax), e))
		return
	case len(ch) == cap(ch):
		ch = grow(ch)
	}
	p.chunks[last] = append(ch, e)
}

// grow returns a full chunk with twice its capacity, at most
// pelChunkMax (append would round it up to its allocation).
func grow(ch []pelEntry) []pelEntry {
	g := make([]pelEntry, len(ch), min(2*cap(ch), pelChunkMax))
	copy(g, ch)
	return g
}

// Remove deletes id and reports whether it was there.
func (p *PEL) Remove(id ID) bool { return p.Delete(id) != nil }

// Delete removes id and returns its NACK, or nil if it was not there
// (Find then Remove in one search).
func (p *PEL) Delete(id ID) *NACK {
	c, i, found := p.locate(id)
	if !found {
		return nil
	}
	p.n--
	ch := p.chunks[c]
	n := ch[i].nack
	if len(ch) == 1 {
		clear(ch)
		p.dropChunk(c)
		return n
	}
	p.chunks[c] = slices.Delete(ch, i, i+1)
	return n
}

// PELIter is a position in a PEL. It is valid until the PEL changes.
type PELIter struct {
	p    *PEL
	c, i int
}

// Iter returns the position of the first entry.
func (p *PEL) Iter() PELIter { return PELIter{p: p} }

// Seek returns the position of the first entry whose ID is >= id.
func (p *PEL) Seek(id ID) PELIter {
	c, i, _ := p.locate(id)
	it := PELIter{p: p, c: c, i: i}
	if c < len(p.chunks) && i == len(p.chunks[c]) {
		it.c, it.i = c+1, 0
	}
	return it
}

// Valid reports whether the position holds an entry.
func (it *PELIter) Valid() bool { return it.c < len(it.p.chunks) }

// Next moves to the next entry.
func (it *PELIter) Next() {
	if it.i++; it.i == len(it.p.chunks[it.c]) {
		it.c, it.i = it.c+1, 0
	}
}

// ID returns the entry's ID.
func (it *PELIter) ID() ID { return it.p.chunks[it.c][it.i].id }

// NACK returns the entry's NACK.
func (it *PELIter) NACK() *NACK { return it.p.chunks[it.c][it.i].nack }

// First and Last return the smallest and the largest ID; the PEL must not
// be empty.
func (p *PEL) First() ID { return p.chunks[0][0].id }

func (p *PEL) Last() ID {
	ch := p.chunks[len(p.chunks)-1]
	return ch[len(ch)-1].id
}

// IDs returns a copy of the IDs in order.
func (p *PEL) IDs() []ID {
	out := make([]ID, 0, p.n)
	for _, ch := range p.chunks {
		for _, e := range ch {
			out = append(out, e.id)
		}
	}
	return out
}

// clone returns a copy whose NACKs are mapped by fn.
func (p *PEL) clone(fn func(*NACK) *NACK) PEL {
	out := PEL{n: p.n}
	if len(p.chunks) == 0 {
		return out
	}
	out.chunks = make([][]pelEntry, len(p.chunks))
	for i, ch := range p.chunks {
		nc := make([]pelEntry, len(ch))
		for j, e := range ch {
			nc[j] = pelEntry{e.id, fn(e.nack)}
		}
		out.chunks[i] = nc
	}
	return out
}
