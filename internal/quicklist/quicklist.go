// Package quicklist is Redis 7.0's quicklist (src/quicklist.c), the list
// value: a sequence of listpack nodes. Redis 7.0 has no other list
// encoding: even a one-element list is a quicklist (listpack-encoded lists
// came in 7.2).
//
// The nodes live in a slice rather than a doubly linked list: walking it
// is the same as following next/prev pointers, inserting or removing a
// node moves a few pointers (there are few nodes: each holds up to 8 KB by
// default), and the RDB writer can index it. Every rule that decides the
// shape of the nodes is quicklist.c's, so that a list dumps to the same
// bytes as in real Redis:
//
//   - list-max-listpack-size (the fill) limits a node: negative values
//     -1..-5 cap its bytes at 4, 8, 16, 32, 64 KB; a positive value caps
//     its entries, under a safety limit of 8 KB. An element goes into the
//     end node when the node's size, plus the element's length, plus an
//     estimated 8 bytes of overhead, stays within the limit
//     (_quicklistNodeAllowInsert); otherwise a new node is started.
//   - LINSERT into a full node either uses the neighbour node, starts a new
//     one, or splits the node and merges the pieces with their neighbours
//     when they fit (_quicklistInsert, _quicklistMergeNodes).
//   - LSET replaces the entry in place, whatever its size.
//   - A node left empty is removed; nodes are never merged otherwise.
//
// list-compress-depth is accepted and remembered but nodes are not LZF
// compressed: the setting only saves memory in Redis, and a snapshot or
// DUMP of a compressed list loads the same. Elements of 1 GB or more
// (Redis's "plain" nodes) are not supported: proto-max-bulk-len keeps
// them out by default.
//
// Copy on write: a snapshot (see dict.COW) may share a list with its
// owner. The owner replaces a list whose epoch is older than the live
// snapshot's by a ShallowCopy (the slice of node pointers only) before its
// first change; each node is then copied before its own first change
// (mut). So a snapshot goroutine reading a list never sees it move. The
// list's own epoch is its owner's to keep (db's List).
package quicklist

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
)

// Node size rules of quicklist.c.
const (
	qlSizeSafetyLimit      = 8192
	qlSizeEstimateOverhead = 8
	qlFillMax              = 1<<15 - 1
	qlCompressMax          = 1<<16 - 1
	qlNodeStructSize       = 40 // sizeof(quicklistNode)
)

var qlOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

type qlNode struct {
	lp    listpack.Listpack
	epoch uint32 // COW epoch the node was created or copied in
}

// Quicklist is a list. Its zero value is not usable: see New. An owner may
// keep a Quicklist by value (db's List does) by copying what New, Clone or
// ShallowCopy return, which nothing else refers to; a Quicklist in use
// must not be copied otherwise, as the copies would share their nodes.
type Quicklist struct {
	nodes    []*qlNode
	count    int
	fill     int
	compress int
	cow      *dict.COW
	mem      int // Redis's allocations for the nodes (MemSize)
}

// New returns an empty list with the given node fill
// (list-max-listpack-size) and compress depth, clamped as Redis does. cow
// is the clock of the snapshots that may share the list (nil: none).
func New(fill, compress int, cow *dict.COW) *Quicklist {
	fill = max(min(fill, qlFillMax), -5)
	compress = max(min(compress, qlCompressMax), 0)
	return &Quicklist{fill: fill, compress: compress, cow: cow}
}

// Clone returns a deep copy. It is small enough to inline, so that a
// caller that copies the result into its own value allocates no Quicklist.
func (q *Quicklist) Clone() *Quicklist {
	cp := *q
	cp.nodes = q.cloneNodes()
	return &cp
}

// cloneNodes returns deep copies of the nodes.
func (q *Quicklist) cloneNodes() []*qlNode {
	nodes := make([]*qlNode, len(q.nodes))
	epoch := q.cow.Stamp()
	for i, n := range q.nodes {
		nodes[i] = &qlNode{lp: *n.lp.Clone(), epoch: epoch}
	}
	return nodes
}

// ShallowCopy returns a list sharing q's nodes, for a write to a list a
// snapshot shares: the nodes are copied one by one when changed (mut).
func (q *Quicklist) ShallowCopy() *Quicklist {
	cp := *q
	cp.nodes = slices.Clone(q.nodes)
	q.cow.Copied += int64(len(q.nodes)) * 8
	return &cp
}

// Len returns the number of elements.
func (q *Quicklist) Len() int { return q.count }

// NodeCount returns the number of nodes.
func (q *Quicklist) NodeCount() int { return len(q.nodes) }

// Node returns node i's listpack, for RDB, DUMP and DEBUG. It is borrowed:
// not to be modified.
func (q *Quicklist) Node(i int) *listpack.Listpack { return &q.nodes[i].lp }

// AppendListpack adds a whole node at the tail, as RDB loading does
// (quicklistAppendListpack); it takes ownership of lp. An empty listpack is
// ignored.
func (q *Quicklist) AppendListpack(lp *listpack.Listpack) {
	if lp.Len() == 0 {
		return
	}
	n := &qlNode{lp: *lp, epoch: q.cow.Stamp()}
	q.nodes = append(q.nodes, n)
	q.count += lp.Len()
	q.mem += n.mem()
}

// mem is what Redis allocates for node n: the quicklistNode and its
// listpack, sized to the byte as Redis reallocates it on every change.
func (n *qlNode) mem() int { return qlNodeStructSize + jemalloc.Size(n.lp.Size()) }

// MemSize is what Redis would allocate for the nodes, kept up to date by
// every change: the sum of Redis's MEMORY USAGE with SAMPLES 0, less the
// list's headers.
func (q *Quicklist) MemSize() int { return q.mem }

// recount recomputes MemSize after a change that touched nodes all over
// (LREM, LINSERT), no cheaper than the change itself.
func (q *Quicklist) recount() {
	q.mem = 0
	for _, n := range q.nodes {
		q.mem += n.mem()
	}
}

// DebugInfo is what DEBUG OBJECT appends for a quicklist, as Redis 7.0:
// " ql_nodes:6 ql_avg_node:500.00 ql_listpack_max:-2 ql_compressed:0
// ql_uncompressed_size:46935".
func (q *Quicklist) DebugInfo() string {
	compressed, size := 0, 0
	if q.compress != 0 {
		compressed = 1
	}
	for _, n := range q.nodes {
		size += n.lp.Size()
	}
	avg := float64(q.count) / float64(len(q.nodes)) // NaN for no nodes, as in C
	return fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
		len(q.nodes), avg, q.fill, compressed, size)
}

// Each calls fn for every element from head to tail until fn returns
// false. s is borrowed; an integer element has isInt set and s nil.
func (q *Quicklist) Each(fn func(s []byte, n int64, isInt bool) bool) {
	for _, node := range q.nodes {
		lp := &node.lp
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			s, n, isInt := lp.Get(p)
			if !fn(s, n, isInt) {
				return
			}
		}
	}
}

// mut returns node i ready to be changed, copying it first if a snapshot
// shares it.
func (q *Quicklist) mut(i int) *qlNode {
	n := q.nodes[i]
	if q.cow.Shared(n.epoch) {
		n = &qlNode{lp: *n.lp.Clone(), epoch: q.cow.Epoch}
		q.nodes[i] = n
		q.cow.Copied += int64(n.lp.Size())
	}
	return n
}

func (q *Quicklist) newNode() *qlNode {
	return &qlNode{lp: *listpack.New(), epoch: q.cow.Stamp()}
}

// sizeMeetsOptimization reports whether a node of sz bytes is within a
// negative fill's byte limit.
func sizeMeetsOptimization(sz, fill int) bool {
	if fill >= 0 {
		return false
	}
	off := -fill - 1
	return off < len(qlOptimizationLevel) && sz <= qlOptimizationLevel[off]
}

// allowInsert is _quicklistNodeAllowInsert: may an element of sz bytes go
// into node n (nil: no node)?
func (q *Quicklist) allowInsert(n *qlNode, sz int) bool {
	if n == nil {
		return false
	}
	newSz := n.lp.Size() + sz + qlSizeEstimateOverhead
	if sizeMeetsOptimization(newSz, q.fill) {
		return true
	}
	if newSz > qlSizeSafetyLimit {
		return false
	}
	return n.lp.Len() < q.fill
}

// allowMerge is _quicklistNodeAllowMerge, with its estimate of the merged
// size.
func (q *Quicklist) allowMerge(a, b *qlNode) bool {
	if a == nil || b == nil {
		return false
	}
	mergeSz := a.lp.Size() + b.lp.Size() - 11
	if sizeMeetsOptimization(mergeSz, q.fill) {
		return true
	}
	if mergeSz > qlSizeSafetyLimit {
		return false
	}
	return a.lp.Len()+b.lp.Len() <= q.fill
}

// nodeAt returns node i, or nil when i is out of range.
func (q *Quicklist) nodeAt(i int) *qlNode {
	if i < 0 || i >= len(q.nodes) {
		return nil
	}
	return q.nodes[i]
}

// PushHead adds v at the head.
func (q *Quicklist) PushHead(v []byte) {
	if q.allowInsert(q.nodeAt(0), len(v)) {
		n := q.mut(0)
		q.mem -= n.mem()
		n.lp.Prepend(v)
		q.mem += n.mem()
	} else {
		n := q.newNode()
		n.lp.Prepend(v)
		q.nodes = slices.Insert(q.nodes, 0, n)
		q.mem += n.mem()
	}
	q.count++
}

// PushTail adds v at the tail.
func (q *Quicklist) PushTail(v []byte) {
	last := len(q.nodes) - 1
	if q.allowInsert(q.nodeAt(last), len(v)) {
		n := q.mut(last)
		q.mem -= n.mem()
		n.lp.Append(v)
		q.mem += n.mem()
	} else {
		n := q.newNode()
		n.lp.Append(v)
		q.nodes = append(q.nodes, n)
		q.mem += n.mem()
	}
	q.count++
}

// Push adds v at the head or the tail.
func (q *Quicklist) Push(v []byte, head bool) {
	if head {
		q.PushHead(v)
	} else {
		q.PushTail(v)
	}
}

// End returns the element at the head or the tail; ok is false when the
// list is empty. s is borrowed.
func (q *Quicklist) End(head bool) (s []byte, n int64, isInt, ok bool) {
	if q.count == 0 {
		return nil, 0, false, false
	}
	var lp *listpack.Listpack
	var p int
	if head {
		lp = &q.nodes[0].lp
		p = lp.First()
	} else {
		lp = &q.nodes[len(q.nodes)-1].lp
		p = lp.Last()
	}
	s, n, isInt = lp.Get(p)
	return s, n, isInt, true
}

// Pop removes the element at the head or the tail and appends it to buf,
// an integer in decimal. ok is false when the list is empty.
func (q *Quicklist) Pop(head bool, buf []byte) (out []byte, ok bool) {
	s, n, isInt, ok := q.End(head)
	if !ok {
		return buf, false
	}
	if isInt {
		buf = strconv.AppendInt(buf, n, 10)
	} else {
		buf = append(buf, s...)
	}
	q.DeleteEnd(head)
	return buf, true
}

// DeleteEnd removes the element at the head or the tail, if any.
func (q *Quicklist) DeleteEnd(head bool) {
	if q.count == 0 {
		return
	}
	i := 0
	if !head {
		i = len(q.nodes) - 1
	}
	n := q.mut(i)
	q.mem -= n.mem()
	if head {
		n.lp.Delete(n.lp.First())
	} else {
		n.lp.Delete(n.lp.Last())
	}
	q.count--
	if n.lp.Len() == 0 {
		q.nodes = slices.Delete(q.nodes, i, i+1)
	} else {
		q.mem += n.mem()
	}
}

// locate returns the node and the offset in it of element index
// (0 <= index < Len), walking from the nearer end.
func (q *Quicklist) locate(index int) (ni, off int) {
	if index <= (q.count-1)/2 {
		acc := 0
		for ni = 0; ; ni++ {
			c := q.nodes[ni].lp.Len()
			if acc+c > index {
				return ni, index - acc
			}
			acc += c
		}
	}
	rindex := q.count - 1 - index // from the tail: 0 is the last
	acc := 0
	for ni = len(q.nodes) - 1; ; ni-- {
		c := q.nodes[ni].lp.Len()
		if acc+c > rindex {
			return ni, c - 1 - (rindex - acc)
		}
		acc += c
	}
}

// normIndex turns a possibly negative index into 0..Len-1; ok is false when
// it is out of range.
func (q *Quicklist) normIndex(index int) (int, bool) {
	if index < 0 {
		index += q.count
	}
	return index, index >= 0 && index < q.count
}

// Index returns element index (negative counts from the tail); ok is false
// when out of range. s is borrowed.
func (q *Quicklist) Index(index int) (s []byte, n int64, isInt, ok bool) {
	index, ok = q.normIndex(index)
	if !ok {
		return nil, 0, false, false
	}
	ni, off := q.locate(index)
	lp := &q.nodes[ni].lp
	s, n, isInt = lp.Get(lp.Seek(off))
	return s, n, isInt, true
}

// Replace sets element index (negative counts from the tail) to v, in
// place; it reports false when index is out of range.
func (q *Quicklist) Replace(index int, v []byte) bool {
	index, ok := q.normIndex(index)
	if !ok {
		return false
	}
	ni, off := q.locate(index)
	n := q.mut(ni)
	q.mem -= n.mem()
	n.lp.Replace(n.lp.Seek(off), v)
	q.mem += n.mem()
	return true
}

// DeleteRange removes count elements from index start (0 <= start), as
// quicklistDelRange: no more than there are.
func (q *Quicklist) DeleteRange(start, count int) {
	if count <= 0 || start < 0 || start >= q.count {
		return
	}
	count = min(count, q.count-start)
	ni, off := q.locate(start)
	q.count -= count
	for count > 0 {
		c := q.nodes[ni].lp.Len()
		del := min(c-off, count)
		count -= del
		if off == 0 && del == c {
			q.mem -= q.nodes[ni].mem()
			q.nodes = slices.Delete(q.nodes, ni, ni+1)
			continue
		}
		n := q.mut(ni)
		q.mem -= n.mem()
		n.lp.DeleteRange(off, del)
		q.mem += n.mem()
		ni++
		off = 0
	}
}

// Range calls fn for n elements from element start (0 <= start, start+n
// <= Len) towards the tail, or towards the head when reverse. It is the
// fast path of LRANGE: a tight walk over each node's bytes.
func (q *Quicklist) Range(start, n int, reverse bool, fn func(s []byte, v int64, isInt bool)) {
	if n <= 0 {
		return
	}
	if reverse {
		it := q.IterAt(start, false)
		for ; n > 0; n-- {
			s, v, isInt, _ := it.Next()
			fn(s, v, isInt)
		}
		return
	}
	ni, off := q.locate(start)
	p := q.nodes[ni].lp.Seek(off)
	for {
		if n -= q.nodes[ni].lp.Walk(p, n, fn); n == 0 {
			return
		}
		ni++
		p = q.nodes[ni].lp.First()
	}
}

// Iter walks a list in one direction from a given element.
type Iter struct {
	q       *Quicklist
	ni      int // node of the next element
	p       int // its position in the node; -1: the node's first (or last) entry
	forward bool
}

// IterAt returns an iterator at element index (0 <= index < Len, or any
// index of an empty list: the iterator is then done at once).
func (q *Quicklist) IterAt(index int, forward bool) Iter {
	if q.count == 0 {
		return Iter{q: q, ni: len(q.nodes), p: -1, forward: forward}
	}
	ni, off := q.locate(index)
	return Iter{q: q, ni: ni, p: q.nodes[ni].lp.Seek(off), forward: forward}
}

// Next returns the next element; ok is false at the end. s is borrowed.
func (it *Iter) Next() (s []byte, n int64, isInt, ok bool) {
	for it.p < 0 {
		if it.ni < 0 || it.ni >= len(it.q.nodes) {
			return nil, 0, false, false
		}
		if it.forward {
			it.ni++
		} else {
			it.ni--
		}
		if it.ni < 0 || it.ni >= len(it.q.nodes) {
			return nil, 0, false, false
		}
		if lp := &it.q.nodes[it.ni].lp; it.forward {
			it.p = lp.First()
		} else {
			it.p = lp.Last()
		}
	}
	lp := &it.q.nodes[it.ni].lp
	if it.forward {
		s, n, isInt, it.p = lp.GetNext(it.p)
	} else {
		s, n, isInt = lp.Get(it.p)
		it.p = lp.Prev(it.p)
	}
	return s, n, isInt, true
}

// Remove deletes up to limit elements equal to v (0: all), from the head
// or from the tail, and returns how many it removed (LREM).
func (q *Quicklist) Remove(v []byte, limit int, fromHead bool) int {
	removed := 0
	if fromHead {
		for ni := 0; ni < len(q.nodes); {
			n := q.nodes[ni]
			for p := n.lp.First(); p >= 0; {
				if !n.lp.Equal(p, v) {
					p = n.lp.Next(p)
					continue
				}
				n = q.mut(ni)
				p = n.lp.Delete(p)
				removed++
				if removed == limit {
					break
				}
			}
			if n.lp.Len() == 0 {
				q.nodes = slices.Delete(q.nodes, ni, ni+1)
			} else {
				ni++
			}
			if limit > 0 && removed == limit {
				break
			}
		}
	} else {
		for ni := len(q.nodes) - 1; ni >= 0; ni-- {
			n := q.nodes[ni]
			for p := n.lp.Last(); p >= 0; {
				if !n.lp.Equal(p, v) {
					p = n.lp.Prev(p)
					continue
				}
				prev := n.lp.Prev(p) // stays valid: only what follows moves
				n = q.mut(ni)
				n.lp.Delete(p)
				p = prev
				removed++
				if removed == limit {
					break
				}
			}
			if n.lp.Len() == 0 {
				q.nodes = slices.Delete(q.nodes, ni, ni+1)
			}
			if limit > 0 && removed == limit {
				break
			}
		}
	}
	q.count -= removed
	if removed > 0 {
		q.recount()
	}
	return removed
}

// InsertAt inserts v before or after the first element equal to pivot and
// reports whether it found one (LINSERT).
func (q *Quicklist) InsertAt(pivot, v []byte, after bool) bool {
	for ni, n := range q.nodes {
		off := 0
		for p := n.lp.First(); p >= 0; p = n.lp.Next(p) {
			if n.lp.Equal(p, pivot) {
				q.insert(ni, off, p, v, after)
				q.recount()
				return true
			}
			off++
		}
	}
	return false
}

// insert is _quicklistInsert: v goes before or after the entry at offset
// off (position p) of node ni.
func (q *Quicklist) insert(ni, off, p int, v []byte, after bool) {
	node := q.nodes[ni]
	sz := len(v)
	full := !q.allowInsert(node, sz)
	atTail, atHead, availNext, availPrev := false, false, false, false
	if after && off == node.lp.Len()-1 {
		atTail = true
		availNext = q.allowInsert(q.nodeAt(ni+1), sz)
	}
	if !after && off == 0 {
		atHead = true
		availPrev = q.allowInsert(q.nodeAt(ni-1), sz)
	}
	q.count++
	switch {
	case !full:
		q.mut(ni).lp.Insert(p, v, !after)
	case atTail && availNext:
		q.mut(ni + 1).lp.Prepend(v)
	case atHead && availPrev:
		q.mut(ni - 1).lp.Append(v)
	case atTail || atHead:
		nn := q.newNode()
		nn.lp.Prepend(v)
		if after {
			ni++
		}
		q.nodes = slices.Insert(q.nodes, ni, nn)
	default:
		nn := q.split(ni, off, after)
		if after {
			nn.lp.Prepend(v)
			q.nodes = slices.Insert(q.nodes, ni+1, nn)
		} else {
			nn.lp.Append(v)
			q.nodes = slices.Insert(q.nodes, ni, nn)
			ni++
		}
		q.mergeAround(ni)
	}
}

// split is _quicklistSplitNode: with after, node ni keeps its entries up to
// off and the returned new node gets the rest; without, the new node gets
// the entries before off and node ni keeps the rest.
func (q *Quicklist) split(ni, off int, after bool) *qlNode {
	n := q.mut(ni)
	nn := &qlNode{lp: *n.lp.Clone(), epoch: q.cow.Stamp()}
	if after {
		n.lp.DeleteRange(off+1, math.MaxInt)
		nn.lp.DeleteRange(0, off+1)
	} else {
		n.lp.DeleteRange(0, off)
		nn.lp.DeleteRange(off, math.MaxInt)
	}
	return nn
}

// mergeAround is _quicklistMergeNodes: after a split, try to merge the
// two nodes before center, the two after it, then center with its
// neighbours.
func (q *Quicklist) mergeAround(center int) {
	if q.allowMerge(q.nodeAt(center-1), q.nodeAt(center-2)) {
		q.merge(center - 2)
		center--
	}
	if q.allowMerge(q.nodeAt(center+1), q.nodeAt(center+2)) {
		q.merge(center + 1)
	}
	if q.allowMerge(q.nodeAt(center), q.nodeAt(center-1)) {
		q.merge(center - 1)
		center--
	}
	if q.allowMerge(q.nodeAt(center), q.nodeAt(center+1)) {
		q.merge(center)
	}
}

// merge joins node i+1 into node i, as lpMerge: the entries of both, in
// order, under one header.
func (q *Quicklist) merge(i int) {
	q.mut(i).lp.Merge(&q.nodes[i+1].lp)
	q.nodes = slices.Delete(q.nodes, i+1, i+2)
}
