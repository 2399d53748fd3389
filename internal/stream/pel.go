package stream

import "slices"

// PEL is a pending entries list: NACKs ordered by entry ID, as Redis's
// rax of 128-bit IDs. The entries are kept in chunks of at most
// pelChunkMax, in ID order, so that acknowledging an entry anywhere in a
// large PEL moves at most a chunk's worth of memory (one sorted slice
// would move half the PEL on every XACK). Entries delivered by XREADGROUP
// come in ID order and append to the last chunk, which fills up before a
// new one starts.
type PEL struct {
	chunks []*pelChunk
	n      int
}

type pelChunk struct {
	ids   []ID
	nacks []*NACK
}

const pelChunkMax = 64

// Len returns the number of pending entries.
func (p *PEL) Len() int { return p.n }

// locate returns the chunk holding id, or the one it would go in, and its
// index there.
func (p *PEL) locate(id ID) (c, i int, found bool) {
	if len(p.chunks) == 0 {
		return 0, 0, false
	}
	// The first chunk whose last ID is >= id; the last chunk when none.
	c, _ = slices.BinarySearchFunc(p.chunks, id, func(ch *pelChunk, id ID) int {
		return ch.ids[len(ch.ids)-1].Compare(id)
	})
	c = min(c, len(p.chunks)-1)
	i, found = slices.BinarySearchFunc(p.chunks[c].ids, id, ID.Compare)
	return c, i, found
}

// Find returns the NACK of id, or nil.
func (p *PEL) Find(id ID) *NACK {
	if c, i, ok := p.locate(id); ok {
		return p.chunks[c].nacks[i]
	}
	return nil
}

// Insert adds id unless present and reports whether it did.
func (p *PEL) Insert(id ID, n *NACK) bool {
	c, i, found := p.locate(id)
	if found {
		return false
	}
	p.n++
	if len(p.chunks) == 0 {
		p.chunks = []*pelChunk{{ids: []ID{id}, nacks: []*NACK{n}}}
		return true
	}
	ch := p.chunks[c]
	if len(ch.ids) == pelChunkMax {
		if c == len(p.chunks)-1 && i == pelChunkMax {
			// Appending to a PEL that fills chunks: a new last chunk, of
			// the full size at once.
			ch := &pelChunk{ids: make([]ID, 1, pelChunkMax), nacks: make([]*NACK, 1, pelChunkMax)}
			ch.ids[0], ch.nacks[0] = id, n
			p.chunks = append(p.chunks, ch)
			return true
		}
		// Split the full chunk in halves, then insert in the right one.
		half := pelChunkMax / 2
		right := &pelChunk{ids: slices.Clone(ch.ids[half:]), nacks: slices.Clone(ch.nacks[half:])}
		clear(ch.nacks[half:])
		ch.ids, ch.nacks = ch.ids[:half], ch.nacks[:half]
		p.chunks = slices.Insert(p.chunks, c+1, right)
		if i > half {
			ch, i = right, i-half
		}
	}
	ch.ids = slices.Insert(ch.ids, i, id)
	ch.nacks = slices.Insert(ch.nacks, i, n)
	return true
}

// Remove deletes id and reports whether it was there.
func (p *PEL) Remove(id ID) bool {
	c, i, found := p.locate(id)
	if !found {
		return false
	}
	p.n--
	ch := p.chunks[c]
	if len(ch.ids) == 1 {
		p.chunks = slices.Delete(p.chunks, c, c+1)
		if len(p.chunks) == 0 {
			p.chunks = nil
		}
		return true
	}
	ch.ids = slices.Delete(ch.ids, i, i+1)
	ch.nacks = slices.Delete(ch.nacks, i, i+1)
	return true
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
	if c < len(p.chunks) && i == len(p.chunks[c].ids) {
		it.c, it.i = c+1, 0
	}
	return it
}

// Valid reports whether the position holds an entry.
func (it *PELIter) Valid() bool { return it.c < len(it.p.chunks) }

// Next moves to the next entry.
func (it *PELIter) Next() {
	if it.i++; it.i == len(it.p.chunks[it.c].ids) {
		it.c, it.i = it.c+1, 0
	}
}

// ID returns the entry's ID.
func (it *PELIter) ID() ID { return it.p.chunks[it.c].ids[it.i] }

// NACK returns the entry's NACK.
func (it *PELIter) NACK() *NACK { return it.p.chunks[it.c].nacks[it.i] }

// First and Last return the smallest and the largest ID; the PEL must not
// be empty.
func (p *PEL) First() ID { return p.chunks[0].ids[0] }

func (p *PEL) Last() ID {
	ch := p.chunks[len(p.chunks)-1]
	return ch.ids[len(ch.ids)-1]
}

// IDs returns a copy of the IDs in order.
func (p *PEL) IDs() []ID {
	out := make([]ID, 0, p.n)
	for _, ch := range p.chunks {
		out = append(out, ch.ids...)
	}
	return out
}

// clone returns a copy whose NACKs are mapped by fn.
func (p *PEL) clone(fn func(*NACK) *NACK) PEL {
	out := PEL{n: p.n}
	if p.chunks == nil {
		return out
	}
	out.chunks = make([]*pelChunk, len(p.chunks))
	for i, ch := range p.chunks {
		nc := &pelChunk{ids: slices.Clone(ch.ids), nacks: make([]*NACK, len(ch.nacks))}
		for j, n := range ch.nacks {
			nc.nacks[j] = fn(n)
		}
		out.chunks[i] = nc
	}
	return out
}
