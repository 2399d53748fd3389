// Package stream is Redis 7.0's stream value (src/t_stream.c, stream.h):
// entries in listpack nodes ordered by their master ID, plus the consumer
// groups. The node bytes are Redis's, so the RDB writer dumps them as they
// are and real Redis loads them.
//
// Redis keeps the nodes in a radix tree keyed by the master ID as a 128-bit
// big-endian number; here they are a slice sorted by master ID, which
// gives the same order (appends go to the end, trimming removes from the
// front, XDEL removes a node it empties).
//
// A node's listpack holds a master entry and then the entries:
//
//	master: count deleted num-fields field_1 ... field_N 0
//	entry:  flags ms-diff seq-diff [num-fields] [field_1] value_1 ... lp-count
//
// count and deleted are the live and the deleted (flagged) entries of the
// node. An entry's ID is the master ID plus the two diffs. With the
// SAMEFIELDS flag the entry has exactly the master's fields and stores
// only its values; otherwise it stores num-fields and field/value pairs.
// lp-count, the number of listpack elements of the entry before it, lets
// a reverse walk jump to the entry's flags. Deleting an entry only sets
// its DELETED flag; a node is removed when its last live entry goes.
//
// Copy on write: Detach returns a stream sharing the node listpacks with
// the original, which a snapshot keeps reading; the copy clones a node's
// listpack before its first change (owned). Consumer groups are copied
// whole.
package stream

import (
	"slices"
	"strconv"

	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/num"
)

// Entry flags.
const (
	FlagNone       = 0
	FlagDeleted    = 1
	FlagSameFields = 2
)

// ListpackMaxSize is STREAM_LISTPACK_MAX_SIZE: no node grows past 1 GB.
const ListpackMaxSize = 1 << 30

// Node is one listpack node and its master ID.
type Node struct {
	Master ID
	LP     *listpack.Listpack
	owned  bool // the listpack is not shared with a snapshot
	// alloc is what jemalloc gives Redis for the listpack: preallocated
	// when the node starts, grown and shrunk by each change as
	// listpack.c reallocates (MEMORY USAGE counts it).
	alloc int
}

// track updates alloc after a change of the listpack from old bytes, as
// lpInsert's reallocations: growth past the allocation and any shrinking
// reallocate to the new size.
func (n *Node) track(old int) {
	size := n.LP.Size()
	if size > old && size > n.alloc || size < old {
		n.alloc = jemalloc.Size(size)
	}
}

// Alloc returns the listpack's allocation size.
func (n *Node) Alloc() int { return n.alloc }

// Stream is a stream value.
type Stream struct {
	Nodes        []Node
	Length       uint64
	LastID       ID
	FirstID      ID
	MaxDeletedID ID
	EntriesAdded uint64
	Groups       []*Group // sorted by name
	// block is where full nodes are copied (carve): its length is what
	// they took, its capacity what is left for the next ones.
	block []byte
}

// Full nodes of a long stream are packed in blocks of up to blockNodes of
// them, as jemalloc packs a size class's regions in slabs: a node in an
// allocation of its own wastes the rounding up to Go's size class and the
// tail of the class's spans (1536 bytes, the class of most 100-entry nodes,
// takes 8 KB spans that hold 5 and leave 512 bytes), about 9% of a node;
// a block wastes less than one node. A block lives as long as any of its
// nodes, so one live node holds at most blockNodes nodes' bytes, jemalloc's
// worst case for a slab of 16 regions. A stream of fewer than 16 nodes is
// not packed, and the blocks of a shorter stream hold fewer nodes (an
// eighth of its nodes), so that the unused end of the last block stays
// small beside the stream.
const blockNodes = 16

// carve returns n bytes, with no spare capacity, for a full node.
func (s *Stream) carve(n int) []byte {
	used := len(s.block)
	if used+n > cap(s.block) {
		k := min(blockNodes, len(s.Nodes)/8)
		if k < 2 {
			return make([]byte, n)
		}
		// Grow rounds the capacity up to the allocation's size class.
		s.block, used = slices.Grow([]byte(nil), k*n), 0
	}
	s.block = s.block[:used+n]
	return s.block[used : used+n : used+n]
}

// New returns an empty stream.
func New() *Stream { return &Stream{} }

// AddNode adds a node loaded from an RDB, whose master ID is greater than
// the last one's; it reports false otherwise (a duplicate or out of order).
func (s *Stream) AddNode(master ID, lp *listpack.Listpack) bool {
	if n := len(s.Nodes); n > 0 && s.Nodes[n-1].Master.Compare(master) >= 0 {
		return false
	}
	s.Nodes = append(s.Nodes, Node{Master: master, LP: lp, owned: true, alloc: jemalloc.Size(lp.Size())})
	return true
}

// Detach returns a copy that shares the node listpacks with s, which must
// no longer change (a snapshot reads it).
func (s *Stream) Detach() *Stream {
	c := *s
	c.block = nil // s may still be carving from it
	c.Nodes = make([]Node, len(s.Nodes))
	for i, n := range s.Nodes {
		c.Nodes[i] = Node{Master: n.Master, LP: n.LP, alloc: n.alloc}
	}
	c.Groups = cloneGroups(s.Groups)
	return &c
}

// Clone returns a deep copy.
func (s *Stream) Clone() *Stream {
	c := s.Detach()
	for i := range c.Nodes {
		c.mut(i)
		c.Nodes[i].alloc = jemalloc.Size(c.Nodes[i].LP.Size())
	}
	return c
}

// mut returns node i's listpack for a change, cloning it first if shared.
func (s *Stream) mut(i int) *listpack.Listpack {
	n := &s.Nodes[i]
	if !n.owned {
		n.LP = n.LP.Clone()
		n.owned = true
	}
	return n.LP
}

// Bytes returns the sum of the node listpack sizes.
func (s *Stream) Bytes() int {
	t := 0
	for _, n := range s.Nodes {
		t += n.LP.Size()
	}
	return t
}

// lpInt reads an integer element (lpGetInteger).
func lpInt(lp *listpack.Listpack, p int) int64 {
	sv, n, isInt := lp.Get(p)
	if isInt {
		return n
	}
	v, _ := num.ParseInt(sv)
	return v
}

func (n *Node) appendInt(v int64) {
	old := n.LP.Size()
	n.LP.AppendInt(v)
	n.track(old)
}

func (n *Node) append(b []byte) {
	old := n.LP.Size()
	n.LP.Append(b)
	n.track(old)
}

func (n *Node) replaceInt(p int, v int64) int {
	old := n.LP.Size()
	p = n.LP.ReplaceInt(p, v)
	n.track(old)
	return p
}

// Limits are the node limits of the configuration.
type Limits struct {
	MaxBytes   int64 // stream-node-max-bytes, 0 for none
	MaxEntries int64 // stream-node-max-entries, 0 for none
}

// Append adds an entry with id, which the caller checked is greater than
// LastID, and fields (field, value, field, value, ...), as
// streamAppendItem. The bytes are copied.
func (s *Stream) Append(id ID, fv [][]byte, lim Limits) {
	numFields := len(fv) / 2
	total := 0
	for _, b := range fv {
		total += len(b)
	}
	last := len(s.Nodes) - 1
	if last >= 0 {
		lp := s.Nodes[last].LP
		maxBytes := lim.MaxBytes
		if maxBytes == 0 || maxBytes > ListpackMaxSize {
			maxBytes = ListpackMaxSize
		}
		if int64(lp.Size()+total) >= maxBytes {
			last = -1
		} else if lim.MaxEntries != 0 {
			p := lp.First()
			if lpInt(lp, p)+lpInt(lp, lp.Next(p)) >= lim.MaxEntries {
				last = -1
			}
		}
	}
	flags := int64(FlagNone)
	var n *Node
	if last < 0 {
		// The Go buffer of a node is sized like the last full node's, so
		// that a node fills in about one allocation and is left without
		// much spare room (Redis preallocates and shrinks to fit).
		room := 256
		var buf []byte
		if t := len(s.Nodes) - 1; t >= 0 { // lpShrinkToFit of the old tail
			tn := &s.Nodes[t]
			if tn.LP.Size() < tn.alloc {
				tn.alloc = jemalloc.Size(tn.LP.Size())
			}
			// The old tail moves to an allocation of its size, and the
			// new one fills the buffer it leaves: the heap then holds
			// full nodes packed together, where a buffer per node (left
			// to the collector after its node is copied) left their
			// spans with holes until the next collection and beyond.
			// A snapshot may read a shared one: it stays as it is.
			if b := tn.LP.Bytes(); tn.owned && cap(b) > len(b) {
				buf = tn.LP.Compact(s.carve(len(b)))
			}
			room = tn.LP.Size() + tn.LP.Size()/16
		}
		prealloc := int64(4096) // STREAM_LISTPACK_MAX_PRE_ALLOCATE
		if lim.MaxBytes > 0 && lim.MaxBytes < prealloc {
			prealloc = lim.MaxBytes
		}
		s.Nodes = append(s.Nodes, Node{Master: id, LP: listpack.NewIn(buf, min(room, 1<<20)), owned: true,
			alloc: jemalloc.Size(max(int(prealloc), 7))})
		n = &s.Nodes[len(s.Nodes)-1]
		n.appendInt(1)
		n.appendInt(0)
		n.appendInt(int64(numFields))
		for i := 0; i < numFields; i++ {
			n.append(fv[2*i])
		}
		n.appendInt(0)
		flags |= FlagSameFields
	} else {
		s.mut(last)
		n = &s.Nodes[last]
		lp := n.LP
		p := lp.First()
		p = n.replaceInt(p, lpInt(lp, p)+1)
		p = lp.Next(lp.Next(p))
		if int(lpInt(lp, p)) == numFields {
			same := true
			for i := 0; i < numFields; i++ {
				p = lp.Next(p)
				if !lp.Equal(p, fv[2*i]) || lpIsInt(lp, p) != isCanonicalInt(fv[2*i]) {
					same = false
					break
				}
			}
			if same {
				flags |= FlagSameFields
			}
		}
	}
	master := n.Master
	n.appendInt(flags)
	n.appendInt(int64(id.Ms - master.Ms))
	n.appendInt(int64(id.Seq - master.Seq))
	if flags&FlagSameFields == 0 {
		n.appendInt(int64(numFields))
	}
	for i := 0; i < numFields; i++ {
		if flags&FlagSameFields == 0 {
			n.append(fv[2*i])
		}
		n.append(fv[2*i+1])
	}
	lpCount := int64(numFields) + 3
	if flags&FlagSameFields == 0 {
		lpCount += int64(numFields) + 1
	}
	n.appendInt(lpCount)
	s.Length++
	s.EntriesAdded++
	s.LastID = id
	if s.Length == 1 {
		s.FirstID = id
	}
}

func lpIsInt(lp *listpack.Listpack, p int) bool {
	_, _, isInt := lp.Get(p)
	return isInt
}

func isCanonicalInt(b []byte) bool {
	_, ok := num.ParseInt(b)
	return ok && len(b) <= 20
}

// Value is a field or value of an entry: a string S, or an integer N.
type Value struct {
	S     []byte
	N     int64
	IsInt bool
}

// Bytes returns the value's bytes, formatting an integer into buf.
func (v Value) Bytes(buf *[20]byte) []byte {
	if v.IsInt {
		return strconv.AppendInt(buf[:0], v.N, 10)
	}
	return v.S
}

// Entry is an entry met by a walk. Its fields and values borrow the node's
// listpack: valid until the stream changes.
type Entry struct {
	ID    ID
	Flags int64
	lp    *listpack.Listpack
	// the first field (with SAMEFIELDS, the master's first field) and the
	// first element after the field count or the diffs.
	masterFields int
	body         int
	numFields    int
}

// NumFields returns the number of field/value pairs.
func (e *Entry) NumFields() int { return e.numFields }

// Fields calls fn for each field and value.
func (e *Entry) Fields(fn func(field, value Value)) {
	lp := e.lp
	p := e.body
	var f Value
	if e.Flags&FlagSameFields != 0 {
		q := e.masterFields
		for i := 0; i < e.numFields; i++ {
			f.S, f.N, f.IsInt, q = lp.GetNext(q)
			var v Value
			v.S, v.N, v.IsInt, p = lp.GetNext(p)
			fn(f, v)
		}
		return
	}
	for i := 0; i < e.numFields; i++ {
		f.S, f.N, f.IsInt, p = lp.GetNext(p)
		var v Value
		v.S, v.N, v.IsInt, p = lp.GetNext(p)
		fn(f, v)
	}
}

// nodeHeader returns the position of the first master field, the number
// of master fields and the position of the first entry's flags (-1 if
// none).
func nodeHeader(lp *listpack.Listpack) (fields, numFields, first int) {
	p := lp.Next(lp.Next(lp.First()))
	numFields = int(lpInt(lp, p))
	p = lp.Next(p)
	fields = p
	for i := 0; i < numFields; i++ {
		p = lp.Next(p)
	}
	return fields, numFields, lp.Next(p)
}

// readEntry decodes the entry whose flags are at p and returns the
// position after it (after its lp-count; -1 at the end).
func readEntry(lp *listpack.Listpack, master ID, p, masterFields, masterNum int, e *Entry) int {
	e.lp = lp
	e.masterFields = masterFields
	e.Flags, p = lpIntNext(lp, p)
	ms, p := lpIntNext(lp, p)
	seq, p := lpIntNext(lp, p)
	e.ID = ID{master.Ms + uint64(ms), master.Seq + uint64(seq)}
	skip := 0
	if e.Flags&FlagSameFields != 0 {
		e.numFields = masterNum
		skip = masterNum
	} else {
		var n int64
		n, p = lpIntNext(lp, p)
		e.numFields = int(n)
		skip = 2 * e.numFields
	}
	e.body = p
	for i := 0; i < skip; i++ {
		p = lp.Next(p)
	}
	return lp.Next(p)
}

// lpIntNext is lpInt that also returns the position of the next element.
func lpIntNext(lp *listpack.Listpack, p int) (int64, int) {
	s, n, isInt, next := lp.GetNext(p)
	if !isInt {
		n, _ = num.ParseInt(s)
	}
	return n, next
}

// entryStart returns the position of the flags of the entry whose lp-count
// is at p, or -1 if p is the master entry's terminator.
func entryStart(lp *listpack.Listpack, p int) int {
	n := lpInt(lp, p)
	if n == 0 {
		return -1
	}
	for ; n > 0; n-- {
		p = lp.Prev(p)
	}
	return p
}

// nodeFor returns the index of the last node whose master ID is <= id,
// or 0 (raxSeek "<=" falling back to "^").
func (s *Stream) nodeFor(id ID) int {
	lo, hi := 0, len(s.Nodes)
	for lo < hi {
		m := (lo + hi) / 2
		if s.Nodes[m].Master.Compare(id) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	return lo - 1
}

// Range calls fn for the live entries with start <= ID <= end, in order
// (from end down with rev), until fn returns false. With tombstones the
// deleted entries are visited too. The stream must not change during the
// walk.
func (s *Stream) Range(start, end ID, rev, tombstones bool, fn func(e *Entry) bool) {
	if !rev {
		w := s.Walk(start, end, tombstones)
		for e := w.Next(); e != nil && fn(e); e = w.Next() {
		}
		return
	}
	if len(s.Nodes) == 0 {
		return
	}
	var e Entry
	i := len(s.Nodes) - 1
	if end != MaxID {
		i = s.nodeFor(end)
		if i == 0 && len(s.Nodes) > 0 && s.Nodes[0].Master.Compare(end) > 0 {
			i = len(s.Nodes) - 1 // raxSeek "<=" at EOF falls back to "$"
		}
	}
	for ; i >= 0; i-- {
		n := &s.Nodes[i]
		fields, num, _ := nodeHeader(n.LP)
		for p := entryStart(n.LP, n.LP.Last()); p >= 0; {
			readEntry(n.LP, n.Master, p, fields, num, &e)
			if e.ID.Compare(end) <= 0 && (tombstones || e.Flags&FlagDeleted == 0) {
				if e.ID.Compare(start) < 0 {
					return
				}
				if !fn(&e) {
					return
				}
			}
			p = entryStart(n.LP, n.LP.Prev(p))
		}
	}
}

// Walker walks entries forward, as Range without a callback: the hot
// paths (XREADGROUP, XRANGE) keep it and its Entry on their stack.
type Walker struct {
	s            *Stream
	start, end   ID
	tombstones   bool
	node         int // the node walked, len(s.Nodes) once done
	p            int // the next entry's flags in the node, -1 at its end
	fields, nfld int // the node's master fields and their number
	e            Entry
}

// Walk returns a Walker of the live entries with start <= ID <= end (the
// deleted ones too with tombstones). The stream must not change during
// the walk.
func (s *Stream) Walk(start, end ID, tombstones bool) Walker {
	return Walker{s: s, start: start, end: end, tombstones: tombstones, node: s.nodeFor(start) - 1, p: -1}
}

// Next returns the next entry, valid until the following call, or nil
// at the end.
func (w *Walker) Next() *Entry {
	for {
		if w.p < 0 {
			if w.node++; w.node >= len(w.s.Nodes) {
				w.node = len(w.s.Nodes)
				return nil
			}
			w.fields, w.nfld, w.p = nodeHeader(w.s.Nodes[w.node].LP)
			continue
		}
		n := &w.s.Nodes[w.node]
		w.p = readEntry(n.LP, n.Master, w.p, w.fields, w.nfld, &w.e)
		if w.e.ID.Less(w.start) || !w.tombstones && w.e.Flags&FlagDeleted != 0 {
			continue
		}
		if w.end.Less(w.e.ID) {
			w.node, w.p = len(w.s.Nodes), -1
			return nil
		}
		return &w.e
	}
}

// Get calls fn with the live entry id and reports whether it exists.
func (s *Stream) Get(id ID, fn func(e *Entry)) bool {
	found := false
	s.Range(id, id, false, false, func(e *Entry) bool {
		if fn != nil {
			fn(e)
		}
		found = true
		return false
	})
	return found
}

// Exists reports whether the live entry id exists (streamEntryExists).
func (s *Stream) Exists(id ID) bool {
	w := s.Walk(id, id, false)
	return w.Next() != nil
}

// Delete flags the entry id as deleted, as streamDeleteItem, and reports
// whether it was live. The node goes when it was its last live entry. It
// does not touch FirstID or MaxDeletedID: XDEL does.
func (s *Stream) Delete(id ID) bool {
	if len(s.Nodes) == 0 {
		return false
	}
	i := s.nodeFor(id)
	n := &s.Nodes[i]
	fields, num, p := nodeHeader(n.LP)
	var e Entry
	for p >= 0 {
		next := readEntry(n.LP, n.Master, p, fields, num, &e)
		if c := e.ID.Compare(id); c > 0 {
			return false
		} else if c == 0 {
			if e.Flags&FlagDeleted != 0 {
				return false
			}
			s.deleteAt(i, p, e.Flags)
			return true
		}
		p = next
	}
	return false
}

// deleteAt flags the entry at p of node i (streamIteratorRemoveEntry).
func (s *Stream) deleteAt(i, p int, flags int64) {
	lp := s.mut(i)
	n := &s.Nodes[i]
	n.replaceInt(p, flags|FlagDeleted)
	h := lp.First()
	count := lpInt(lp, h)
	if count == 1 {
		s.Nodes = append(s.Nodes[:i], s.Nodes[i+1:]...)
	} else {
		h = n.replaceInt(h, count-1)
		h = lp.Next(h)
		n.replaceInt(h, lpInt(lp, h)+1)
	}
	s.Length--
}

// EdgeID returns the first or last entry's ID (streamGetEdgeID): with
// skipTombstones only live entries count. With no entry it is the largest
// ID for first, 0-0 for last.
func (s *Stream) EdgeID(first, skipTombstones bool) ID {
	if first {
		w := s.Walk(ID{}, MaxID, !skipTombstones)
		if e := w.Next(); e != nil {
			return e.ID
		}
		return MaxID
	}
	var e Entry
	for i := len(s.Nodes) - 1; i >= 0; i-- {
		n := &s.Nodes[i]
		fields, num, _ := nodeHeader(n.LP)
		for p := entryStart(n.LP, n.LP.Last()); p >= 0; p = entryStart(n.LP, n.LP.Prev(p)) {
			readEntry(n.LP, n.Master, p, fields, num, &e)
			if !skipTombstones || e.Flags&FlagDeleted == 0 {
				return e.ID
			}
		}
	}
	return ID{}
}

// LastValidID returns the last live entry's ID (streamLastValidID).
func (s *Stream) LastValidID() ID { return s.EdgeID(false, true) }

// Trim strategies.
const (
	TrimNone = iota
	TrimMaxLen
	TrimMinID
)

// TrimArgs are the trimming options of XADD and XTRIM.
type TrimArgs struct {
	Strategy int
	MaxLen   int64
	MinID    ID
	Approx   bool
	Limit    int64 // 0 for none
}

// Trim removes entries from the start as streamTrim and returns how many.
func (s *Stream) Trim(a *TrimArgs) int64 {
	if a.Strategy == TrimNone {
		return 0
	}
	var deleted int64
	for len(s.Nodes) > 0 {
		if a.Strategy == TrimMaxLen && s.Length <= uint64(a.MaxLen) {
			break
		}
		n := &s.Nodes[0]
		lp := n.LP
		entries := lpInt(lp, lp.First())
		if a.Limit != 0 && deleted+entries > a.Limit {
			break
		}
		var remove bool
		if a.Strategy == TrimMaxLen {
			remove = s.Length-uint64(entries) >= uint64(a.MaxLen)
		} else {
			fields, num, _ := nodeHeader(lp)
			var e Entry
			readEntry(lp, n.Master, entryStart(lp, lp.Last()), fields, num, &e)
			remove = e.ID.Compare(a.MinID) < 0
		}
		if remove {
			s.Nodes = s.Nodes[1:]
			if len(s.Nodes) == 0 {
				s.Nodes = nil
			}
			s.Length -= uint64(entries)
			deleted += entries
			continue
		}
		if a.Approx {
			break
		}
		lp = s.mut(0)
		n = &s.Nodes[0]
		master := n.Master
		fields, num, p := nodeHeader(lp)
		var fromNode int64
		var e Entry
		for p >= 0 {
			next := readEntry(lp, master, p, fields, num, &e)
			var stop bool
			if a.Strategy == TrimMaxLen {
				stop = s.Length <= uint64(a.MaxLen)
			} else {
				stop = e.ID.Compare(a.MinID) >= 0
			}
			if stop {
				break
			}
			if e.Flags&FlagDeleted == 0 {
				n.replaceInt(p, e.Flags|FlagDeleted)
				fromNode++
				s.Length--
			}
			p = next
		}
		deleted += fromNode
		h := lp.First()
		h = n.replaceInt(h, entries-fromNode)
		h = lp.Next(h)
		n.replaceInt(h, lpInt(lp, h)+fromNode)
		break
	}
	if s.Length == 0 {
		s.FirstID = ID{}
	} else if deleted > 0 {
		s.FirstID = s.EdgeID(true, true)
	}
	return deleted
}

// RangeHasTombstones reports whether [start, end] may hold a deleted
// entry (streamRangeHasTombstones).
func (s *Stream) RangeHasTombstones(start, end ID) bool {
	if s.Length == 0 || s.MaxDeletedID.IsZero() {
		return false
	}
	if s.FirstID.Compare(s.MaxDeletedID) > 0 {
		return false
	}
	return start.Compare(s.MaxDeletedID) <= 0 && s.MaxDeletedID.Compare(end) <= 0
}

// EstimateDistanceFromFirstEverEntry is
// streamEstimateDistanceFromFirstEverEntry: the entries_read a group at id
// would have, or -1 (SCG_INVALID_ENTRIES_READ) if unknown.
func (s *Stream) EstimateDistanceFromFirstEverEntry(id ID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.Length == 0 && id.Compare(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	if c := id.Compare(s.LastID); c == 0 {
		return int64(s.EntriesAdded)
	} else if c > 0 {
		return -1
	}
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Compare(s.FirstID) < 0 {
		if c := id.Compare(s.FirstID); c < 0 {
			return int64(s.EntriesAdded - s.Length)
		} else if c == 0 {
			return int64(s.EntriesAdded - s.Length + 1)
		}
	}
	return -1
}

// ValidateNode checks a node listpack loaded from an RDB or a RESTORE
// payload as streamValidateListpackIntegrity with deep checking: the
// master entry, then count+deleted entries whose every element is where
// its flags and field counts say, lp-count matching, and nothing after.
// lp itself must have passed listpack.FromBytes. A node without any entry
// is refused too: Redis never writes one, and the walks rely on it. (One
// whose entries are all deleted exists: MINID trimming up to a tombstone.)
func ValidateNode(lp *listpack.Listpack) bool {
	p := lp.First()
	intAt := func() (int64, bool) {
		if p < 0 {
			return 0, false
		}
		s, n, isInt := lp.Get(p)
		if !isInt {
			var ok bool
			if n, ok = num.ParseInt(s); !ok {
				return 0, false
			}
		}
		p = lp.Next(p)
		return n, true
	}
	skip := func(n int64) bool {
		for ; n > 0; n-- {
			if p < 0 {
				return false
			}
			p = lp.Next(p)
		}
		return true
	}
	count, ok1 := intAt()
	deleted, ok2 := intAt()
	masterFields, ok3 := intAt()
	if !ok1 || !ok2 || !ok3 || masterFields < 0 || !skip(masterFields) {
		return false
	}
	if zero, ok := intAt(); !ok || zero != 0 {
		return false
	}
	if count < 0 || deleted < 0 || count+deleted == 0 {
		return false // a node holds at least one entry, live or deleted
	}
	for n := count + deleted; n > 0; n-- {
		flags, ok := intAt()
		if !ok {
			return false
		}
		if _, ok := intAt(); !ok {
			return false
		}
		if _, ok := intAt(); !ok {
			return false
		}
		fields, extra := masterFields, int64(3)
		if flags&FlagSameFields == 0 {
			if fields, ok = intAt(); !ok || fields < 0 || !skip(fields) {
				return false
			}
			extra += fields + 1
		}
		if !skip(fields) {
			return false
		}
		if lpCount, ok := intAt(); !ok || lpCount != fields+extra {
			return false
		}
	}
	return p < 0
}

// RaxNodes is the number of nodes of the radix tree Redis would hold for
// the node keys (XINFO STREAM's radix-tree-nodes): a trie of the 16-byte
// keys where a chain of positions with one child and no key is one
// compressed node, each branch's child starts a node, and each key ends
// in a node of its own.
func (s *Stream) RaxNodes() int {
	keys := make([][16]byte, len(s.Nodes))
	for i, n := range s.Nodes {
		keys[i] = n.Master.Encode()
	}
	return 1 + raxSubtree(keys, 0)
}

// RaxNodesOf is RaxNodes for a sorted list of IDs (a PEL).
func RaxNodesOf(ids []ID) int {
	keys := make([][16]byte, len(ids))
	for i, id := range ids {
		keys[i] = id.Encode()
	}
	return 1 + raxSubtree(keys, 0)
}

// raxSubtree counts the nodes below the one at depth holding keys (sorted,
// sharing their first depth bytes), not counting that node itself.
func raxSubtree(keys [][16]byte, depth int) int {
	if depth == 16 || len(keys) == 0 {
		return 0
	}
	// Group the keys by their byte at depth.
	var groups [][][16]byte
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][depth] == keys[i][depth] {
			j++
		}
		groups = append(groups, keys[i:j])
		i = j
	}
	if len(groups) > 1 {
		n := 0
		for _, g := range groups {
			n += 1 + raxSubtree(g, depth+1)
		}
		return n
	}
	// One child: the node is compressed through every position with a
	// single child until the keys diverge or end.
	d := depth + 1
	for d < 16 && keys[0][d] == keys[len(keys)-1][d] {
		d++
	}
	return 1 + raxSubtree(keys, d)
}
