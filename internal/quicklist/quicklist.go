// Package quicklist is Redis 7.0's quicklist (src/quicklist.c), the list
// value: a sequence of nodes, each a listpack of elements or, for an
// element of the packed threshold or more, a "plain" node holding that one
// element. Redis 7.0 has no other list encoding: even a one-element list is
// a quicklist (listpack-encoded lists came in 7.2).
//
// The nodes live in a slice rather than a doubly linked list: walking it
// is the same as following next/prev pointers, inserting or removing a
// node moves a few pointers (there are few nodes: each holds up to 8 KB by
// default), and the RDB writer can index it. Every rule that decides the
// shape of the nodes, and which of them are compressed, is quicklist.c's,
// so that a list dumps to the same bytes as in real Redis:
//
//   - list-max-listpack-size (the fill) limits a node: negative values
//     -1..-5 cap its bytes at 4, 8, 16, 32, 64 KB; a positive value caps
//     its entries, under a safety limit of 8 KB. An element goes into the
//     end node when the node's size, plus the element's length, plus an
//     estimated 8 bytes of overhead, stays within the limit
//     (_quicklistNodeAllowInsert); otherwise a new node is started.
//   - An element of the packed threshold (1 GB; DEBUG
//     QUICKLIST-PACKED-THRESHOLD) or more gets a plain node of its own,
//     wherever it goes: pushed, inserted (splitting the node around it) or
//     set. Nothing is ever added to a plain node, and plain nodes are never
//     merged.
//   - LINSERT into a full node either uses the neighbour node, starts a new
//     one, or splits the node and merges the pieces with their neighbours
//     when they fit (_quicklistInsert, _quicklistMergeNodes).
//   - A node left empty is removed; nodes are never merged otherwise.
//
// list-compress-depth d keeps the d nodes at each end uncompressed and
// LZF-compresses the others, node by node, as quicklist.c does: a node is
// only compressed from 48 bytes on and kept compressed only if that saves
// 8 bytes. Which nodes are compressed depends on the order of operations,
// not only on the final shape (a node changed in place is recompressed only
// if it was compressed before), so the compress calls below follow
// quicklist.c's call by call, with its recompress and dont_compress flags;
// the RDB writes compressed nodes as they are. A read (Index, Range, Iter,
// Each) decompresses a copy of a compressed node and changes nothing, so
// that a snapshot goroutine may read. In Redis a read also has an effect:
// walking off an uncompressed inner node runs __quicklistCompress, which
// compresses a node an insert left uncompressed. The owner applies that
// effect after a read on its own goroutine with Visit.
//
// The packed threshold is process-wide, as in Redis (a static of
// quicklist.c set by DEBUG QUICKLIST-PACKED-THRESHOLD).
//
// Copy on write: a snapshot (see dict.COW) may share a list with its
// owner. The owner replaces a list whose epoch is older than the live
// snapshot's by a ShallowCopy (the slice of node pointers only) before its
// first change; each node is then copied before its own first change
// (mut), compressing and decompressing included. So a snapshot goroutine
// reading a list never sees it move. The list's own epoch is its owner's
// to keep (db's List).
package quicklist

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/redis-go/redis-server/internal/dict"
	"github.com/redis-go/redis-server/internal/jemalloc"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/lzf"
)

// Node size rules of quicklist.c.
const (
	qlSizeSafetyLimit      = 8192
	qlSizeEstimateOverhead = 8
	qlFillMax              = 1<<15 - 1
	qlCompressMax          = 1<<16 - 1
	qlNodeStructSize       = 40 // sizeof(quicklistNode)
	qlLZFHeaderSize        = 8  // sizeof(quicklistLZF)
	defaultPackedThreshold = 1 << 30
)

var qlOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// packedThreshold is the size from which an element gets a plain node. As
// in Redis it is one setting for the whole process.
var packedThreshold atomic.Int64

func init() { packedThreshold.Store(defaultPackedThreshold) }

// SetPackedThreshold is quicklistisSetPackedThreshold (DEBUG
// QUICKLIST-PACKED-THRESHOLD): 0 restores the default of 1 GB; it refuses
// (false) anything above 4 GB less 1 MB.
func SetPackedThreshold(sz uint64) bool {
	if sz > 1<<32-1<<20 {
		return false
	}
	if sz == 0 {
		sz = defaultPackedThreshold
	}
	packedThreshold.Store(int64(sz))
	return true
}

func isLargeElement(sz int) bool { return int64(sz) >= packedThreshold.Load() }

// qlNode is a quicklistNode. While compressed, lp is empty and lzf holds
// the compressed bytes; sz and count are kept for it.
type qlNode struct {
	lp           listpack.Listpack // the entries; a plain node's one element
	lzf          []byte            // LZF data while compressed, else nil
	sz           int               // node->sz, while compressed or plain
	count        int               // entries, while compressed
	plain        bool              // QUICKLIST_NODE_CONTAINER_PLAIN
	recompress   bool              // decompressed for use: compress it back
	dontCompress bool
	epoch        uint32 // COW epoch the node was created or copied in
}

// size is Redis's node->sz: the listpack's bytes, or a plain node's
// element's.
func (n *qlNode) size() int {
	if n.lzf != nil || n.plain {
		return n.sz
	}
	return n.lp.Size()
}

// entries is node->count.
func (n *qlNode) entries() int {
	if n.lzf != nil {
		return n.count
	}
	return n.lp.Len()
}

// data is what Redis keeps in node->entry for an uncompressed node: the
// listpack, or a plain node's element.
func (n *qlNode) data() []byte {
	if !n.plain {
		return n.lp.Bytes()
	}
	s, v, isInt := n.lp.Get(n.lp.First())
	if isInt {
		return strconv.AppendInt(nil, v, 10)
	}
	return s
}

// mem is what Redis allocates for node n: the quicklistNode and its entry
// (listpack, plain element or quicklistLZF), sized to the byte as Redis
// reallocates it on every change.
func (n *qlNode) mem() int {
	if n.lzf != nil {
		return qlNodeStructSize + jemalloc.Size(qlLZFHeaderSize+len(n.lzf))
	}
	return qlNodeStructSize + jemalloc.Size(n.size())
}

// view returns the node's listpack, decompressing a copy if needed. It is
// borrowed: not to be modified.
func (n *qlNode) view() *listpack.Listpack {
	if n.lzf == nil {
		return &n.lp
	}
	lp, err := n.expand()
	if err != nil {
		panic("quicklist: " + err.Error())
	}
	return lp
}

// expand decompresses the node's data into a new listpack.
func (n *qlNode) expand() (*listpack.Listpack, error) {
	b, err := lzf.Decompress(n.lzf, n.sz)
	if err != nil {
		return nil, err
	}
	if n.plain {
		lp := listpack.New()
		lp.Append(b)
		return lp, nil
	}
	return listpack.FromBytes(b)
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

// Clone returns a deep copy, compressed nodes staying compressed (as
// quicklistDup). It is small enough to inline, so that a caller that
// copies the result into its own value allocates no Quicklist.
func (q *Quicklist) Clone() *Quicklist {
	cp := *q
	cp.nodes = q.cloneNodes()
	cp.dupCompress()
	return &cp
}

// dupCompress does to a copy what quicklistDup's appending of the copied
// nodes one by one does (_quicklistInsertNodeAfter): each node that comes
// to be inner is compressed if it is not yet and may be.
func (q *Quicklist) dupCompress() {
	if q.compress == 0 {
		return
	}
	nodes := q.nodes
	q.nodes, q.mem = make([]*qlNode, 0, len(nodes)), 0
	for _, n := range nodes {
		n.recompress, n.dontCompress = false, false
		q.insertNode(len(q.nodes)-1, n, true)
	}
}

// cloneNodes returns deep copies of the nodes.
func (q *Quicklist) cloneNodes() []*qlNode {
	nodes := make([]*qlNode, len(q.nodes))
	epoch := q.cow.Stamp()
	for i, n := range q.nodes {
		nodes[i] = n.copy(epoch)
	}
	return nodes
}

// copy returns a copy of n, stamped with epoch. The LZF bytes are never
// changed in place, so the copy shares them.
func (n *qlNode) copy(epoch uint32) *qlNode {
	cp := *n
	if n.lzf == nil {
		cp.lp = *n.lp.Clone()
	}
	cp.epoch = epoch
	return &cp
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

// Node returns node i's entries as a listpack (a plain node's as a
// one-entry listpack; a compressed node's decompressed), for DEBUG and
// tests. It is borrowed: not to be modified.
func (q *Quicklist) Node(i int) *listpack.Listpack { return q.nodes[i].view() }

// NodeData returns what the RDB stores of node i (rdbSaveObject): whether
// it is a plain node, and either its compressed bytes (lzfData, with sz
// the uncompressed size) or, when it is not compressed, its raw bytes (a
// listpack or the plain element). Both are borrowed.
func (q *Quicklist) NodeData(i int) (plain bool, raw, lzfData []byte, sz int) {
	n := q.nodes[i]
	if n.lzf != nil {
		return n.plain, nil, n.lzf, n.sz
	}
	return n.plain, n.data(), nil, n.size()
}

// NodeMem is what Redis allocates for node i (its quicklistNode and
// zmalloc_size of its entry), as objectComputeSize counts it.
func (q *Quicklist) NodeMem(i int) int { return q.nodes[i].mem() }

// Compressed reports whether node i is LZF-compressed.
func (q *Quicklist) Compressed(i int) bool { return q.nodes[i].lzf != nil }

// Plain reports whether node i is a plain node.
func (q *Quicklist) Plain(i int) bool { return q.nodes[i].plain }

// AppendListpack adds a whole node at the tail, as RDB loading does
// (quicklistAppendListpack); it takes ownership of lp. An empty listpack is
// ignored.
func (q *Quicklist) AppendListpack(lp *listpack.Listpack) {
	if lp.Len() == 0 {
		return
	}
	n := &qlNode{lp: *lp, epoch: q.cow.Stamp()}
	q.count += lp.Len()
	q.insertNode(len(q.nodes)-1, n, true)
}

// AppendPlain adds a plain node holding v at the tail, as RDB loading does
// for a plain node (quicklistAppendPlainNode), whatever v's size.
func (q *Quicklist) AppendPlain(v []byte) {
	q.count++
	q.insertNode(len(q.nodes)-1, q.plainNode(v), true)
}

// MemSize is what Redis would allocate for the nodes, kept up to date by
// every change: the sum of Redis's MEMORY USAGE with SAMPLES 0, less the
// list's headers.
func (q *Quicklist) MemSize() int { return q.mem }

// DebugInfo is what DEBUG OBJECT appends for a quicklist, as Redis 7.0:
// " ql_nodes:6 ql_avg_node:500.00 ql_listpack_max:-2 ql_compressed:0
// ql_uncompressed_size:46935".
func (q *Quicklist) DebugInfo() string {
	compressed, size := 0, 0
	if q.compress != 0 {
		compressed = 1
	}
	for _, n := range q.nodes {
		size += n.size()
	}
	avg := float64(q.count) / float64(len(q.nodes)) // NaN for no nodes, as in C
	return fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
		len(q.nodes), avg, q.fill, compressed, size)
}

// Each calls fn for every element from head to tail until fn returns
// false. s is borrowed; an integer element has isInt set and s nil. It
// changes nothing, so a snapshot goroutine may use it.
func (q *Quicklist) Each(fn func(s []byte, n int64, isInt bool) bool) {
	for _, node := range q.nodes {
		lp := node.view()
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
		n = n.copy(q.cow.Epoch)
		q.nodes[i] = n
		q.cow.Copied += int64(n.lp.Size() + len(n.lzf))
	}
	return n
}

// raw returns node i ready to be changed and uncompressed. A node Redis
// changes is always uncompressed already; this only guards against a
// compressed node where Redis would not expect one.
func (q *Quicklist) raw(i int) *qlNode {
	q.decompressNode(i)
	return q.mut(i)
}

func (q *Quicklist) newNode() *qlNode {
	return &qlNode{lp: *listpack.New(), epoch: q.cow.Stamp()}
}

// plainNode is __quicklistCreatePlainNode.
func (q *Quicklist) plainNode(v []byte) *qlNode {
	n := q.newNode()
	n.lp.Append(v)
	n.plain, n.sz = true, len(v)
	return n
}

// insertNode is __quicklistInsertNode: n goes after (or before) node old
// (-1: the list is empty), then both are compressed as need be. It returns
// n's index.
func (q *Quicklist) insertNode(old int, n *qlNode, after bool) int {
	at := 0
	if old >= 0 {
		at = old
		if after {
			at++
		} else {
			old++
		}
	}
	q.nodes = slices.Insert(q.nodes, at, n)
	q.mem += n.mem()
	if old >= 0 {
		q.compressAt(old)
	}
	q.compressAt(at)
	return at
}

// delNode is __quicklistDelNode.
func (q *Quicklist) delNode(i int) {
	n := q.nodes[i]
	q.mem -= n.mem()
	q.count -= n.entries()
	q.nodes = slices.Delete(q.nodes, i, i+1)
	q.compressAround(-1)
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
	if n == nil || n.plain || isLargeElement(sz) {
		return false
	}
	newSz := n.size() + sz + qlSizeEstimateOverhead
	if sizeMeetsOptimization(newSz, q.fill) {
		return true
	}
	if newSz > qlSizeSafetyLimit {
		return false
	}
	return n.entries() < q.fill
}

// allowMerge is _quicklistNodeAllowMerge, with its estimate of the merged
// size.
func (q *Quicklist) allowMerge(a, b *qlNode) bool {
	if a == nil || b == nil || a.plain || b.plain {
		return false
	}
	mergeSz := a.size() + b.size() - 11
	if sizeMeetsOptimization(mergeSz, q.fill) {
		return true
	}
	if mergeSz > qlSizeSafetyLimit {
		return false
	}
	return a.entries()+b.entries() <= q.fill
}

// nodeAt returns node i, or nil when i is out of range.
func (q *Quicklist) nodeAt(i int) *qlNode {
	if i < 0 || i >= len(q.nodes) {
		return nil
	}
	return q.nodes[i]
}

// PushHead adds v at the head (quicklistPushHead).
func (q *Quicklist) PushHead(v []byte) {
	q.count++
	if isLargeElement(len(v)) {
		q.insertNode(min(0, len(q.nodes)-1), q.plainNode(v), false)
		return
	}
	if q.allowInsert(q.nodeAt(0), len(v)) {
		n := q.raw(0)
		q.mem -= n.mem()
		n.lp.Prepend(v)
		q.mem += n.mem()
		return
	}
	n := q.newNode()
	n.lp.Prepend(v)
	q.insertNode(min(0, len(q.nodes)-1), n, false)
}

// PushTail adds v at the tail (quicklistPushTail).
func (q *Quicklist) PushTail(v []byte) {
	q.count++
	last := len(q.nodes) - 1
	if isLargeElement(len(v)) {
		q.insertNode(last, q.plainNode(v), true)
		return
	}
	if q.allowInsert(q.nodeAt(last), len(v)) {
		n := q.raw(last)
		q.mem -= n.mem()
		n.lp.Append(v)
		q.mem += n.mem()
		return
	}
	n := q.newNode()
	n.lp.Append(v)
	q.insertNode(last, n, true)
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
		lp = q.nodes[0].view()
		p = lp.First()
	} else {
		lp = q.nodes[len(q.nodes)-1].view()
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

// DeleteEnd removes the element at the head or the tail, if any
// (quicklistPopCustom, quicklistDelIndex).
func (q *Quicklist) DeleteEnd(head bool) {
	if q.count == 0 {
		return
	}
	i := 0
	if !head {
		i = len(q.nodes) - 1
	}
	if q.nodes[i].plain {
		q.delNode(i)
		return
	}
	n := q.raw(i)
	q.mem -= n.mem()
	if head {
		n.lp.Delete(n.lp.First())
	} else {
		n.lp.Delete(n.lp.Last())
	}
	q.mem += n.mem()
	q.count--
	if n.lp.Len() == 0 {
		q.delNode(i)
	}
}

// locate returns the node and the offset in it of element index
// (0 <= index < Len), walking from the nearer end.
func (q *Quicklist) locate(index int) (ni, off int) {
	if index <= (q.count-1)/2 {
		acc := 0
		for ni = 0; ; ni++ {
			c := q.nodes[ni].entries()
			if acc+c > index {
				return ni, index - acc
			}
			acc += c
		}
	}
	rindex := q.count - 1 - index // from the tail: 0 is the last
	acc := 0
	for ni = len(q.nodes) - 1; ; ni-- {
		c := q.nodes[ni].entries()
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
	lp := q.nodes[ni].view()
	s, n, isInt = lp.Get(lp.Seek(off))
	return s, n, isInt, true
}

// Replace sets element index (negative counts from the tail) to v; it
// reports false when index is out of range (quicklistReplaceAtIndex).
func (q *Quicklist) Replace(index int, v []byte) bool {
	index, ok := q.normIndex(index)
	if !ok {
		return false
	}
	ni, off := q.locate(index)
	q.decompressForUse(ni) // the iterator's quicklistNext
	n := q.mut(ni)
	switch {
	case !n.plain && !isLargeElement(len(v)):
		q.mem -= n.mem()
		n.lp.Replace(n.lp.Seek(off), v)
		q.mem += n.mem()
		q.compressAt(ni)
	case n.plain && isLargeElement(len(v)):
		q.mem -= n.mem()
		n.lp = *listpack.New()
		n.lp.Append(v)
		n.sz = len(v)
		q.mem += n.mem()
		q.compressAt(ni)
	case n.plain:
		q.insert(ni, off, v, true)
		q.delNode(ni)
	default:
		// The new element gets a plain node after the old one, which is
		// split there if need be; then the old element, now the last of
		// its node, goes.
		n.dontCompress = true
		q.insert(ni, off, v, true)
		if n.lp.Len() == 1 {
			q.delNode(ni)
			break
		}
		q.mem -= n.mem()
		n.lp.Delete(n.lp.Last())
		q.mem += n.mem()
		q.count--
		n.dontCompress = false
		q.compressAt(ni)
		q.compressAt(ni + 1)
	}
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
	q.compressAt(ni) // releasing the iterator that found the start
	for count > 0 {
		n := q.nodes[ni]
		c := n.entries()
		del := min(c-off, count)
		count -= del
		if off == 0 && del == c || n.plain {
			q.delNode(ni)
			off = 0
			continue
		}
		q.decompressForUse(ni)
		n = q.mut(ni)
		q.mem -= n.mem()
		n.lp.DeleteRange(off, del)
		q.mem += n.mem()
		q.count -= del
		if n.lp.Len() == 0 {
			q.delNode(ni)
		} else {
			q.recompressOnly(ni)
			ni++
		}
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
	lp := q.nodes[ni].view()
	p := lp.Seek(off)
	for {
		if n -= lp.Walk(p, n, fn); n == 0 {
			return
		}
		ni++
		lp = q.nodes[ni].view()
		p = lp.First()
	}
}

// Iter walks a list in one direction from a given element.
type Iter struct {
	q       *Quicklist
	first   int                // node it started in
	ni      int                // node of the next element
	lp      *listpack.Listpack // its entries
	p       int                // its position in the node; -1: the node's first (or last) entry
	forward bool
}

// IterAt returns an iterator at element index (0 <= index < Len, or any
// index of an empty list: the iterator is then done at once).
func (q *Quicklist) IterAt(index int, forward bool) Iter {
	if q.count == 0 {
		return Iter{q: q, ni: len(q.nodes), p: -1, forward: forward}
	}
	ni, off := q.locate(index)
	lp := q.nodes[ni].view()
	return Iter{q: q, first: ni, ni: ni, lp: lp, p: lp.Seek(off), forward: forward}
}

// Walked returns the nodes the iterator has been in so far, in the order
// it walked them: the range to Visit.
func (it *Iter) Walked() (first, last int) { return it.first, it.ni }

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
		if it.lp = it.q.nodes[it.ni].view(); it.forward {
			it.p = it.lp.First()
		} else {
			it.p = it.lp.Last()
		}
	}
	lp := it.lp
	if it.forward {
		s, n, isInt, it.p = lp.GetNext(it.p)
	} else {
		s, n, isInt = lp.Get(it.p)
		it.p = lp.Prev(it.p)
	}
	return s, n, isInt, true
}

// hasEqual reports whether lp holds an element equal to v.
func hasEqual(lp *listpack.Listpack, v []byte) bool {
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		if lp.Equal(p, v) {
			return true
		}
	}
	return false
}

// Remove deletes up to limit elements equal to v (0: all), from the head
// or from the tail, and returns how many it removed (LREM). It walks the
// nodes as Redis's iterator does, deleting with quicklistDelEntry.
func (q *Quicklist) Remove(v []byte, limit int, fromHead bool) int {
	removed := 0
	done := func() bool { return limit > 0 && removed == limit }
	ni := len(q.nodes) - 1
	if fromHead {
		ni = 0
	}
	for ni >= 0 && ni < len(q.nodes) {
		if !hasEqual(q.nodes[ni].view(), v) {
			q.visit(ni)
			if fromHead {
				ni++
			} else {
				ni--
			}
			continue
		}
		q.decompressForUse(ni)
		n := q.mut(ni)
		q.mem -= n.mem()
		if fromHead {
			for p := n.lp.First(); p >= 0 && !done(); {
				if n.lp.Equal(p, v) {
					p = n.lp.Delete(p)
					removed++
				} else {
					p = n.lp.Next(p)
				}
			}
		} else {
			for p := n.lp.Last(); p >= 0 && !done(); {
				prev := n.lp.Prev(p) // stays valid: only what follows moves
				if n.lp.Equal(p, v) {
					n.lp.Delete(p)
					removed++
				}
				p = prev
			}
		}
		q.mem += n.mem()
		if n.lp.Len() == 0 {
			q.delNode(ni)
			if !fromHead {
				ni--
			}
			if done() && ni >= 0 && ni < len(q.nodes) {
				q.compressAt(ni) // the iterator moved on to it
			}
		} else {
			q.compressAt(ni)
			if fromHead {
				ni++
			} else {
				ni--
			}
		}
		if done() {
			break
		}
	}
	q.count -= removed
	return removed
}

// InsertAt inserts v before or after the first element equal to pivot and
// reports whether it found one (LINSERT).
func (q *Quicklist) InsertAt(pivot, v []byte, after bool) bool {
	for ni := 0; ni < len(q.nodes); ni++ {
		lp := q.nodes[ni].view()
		off := 0
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			if lp.Equal(p, pivot) {
				q.decompressForUse(ni)
				q.insert(ni, off, v, after)
				return true
			}
			off++
		}
		q.visit(ni)
	}
	return false
}

// insert is _quicklistInsert: v goes before or after the entry at offset
// off of node ni.
func (q *Quicklist) insert(ni, off int, v []byte, after bool) {
	node := q.nodes[ni]
	sz := len(v)
	full := !q.allowInsert(node, sz)
	atTail, atHead, availNext, availPrev := false, false, false, false
	if after && off == node.entries()-1 {
		atTail = true
		availNext = q.allowInsert(q.nodeAt(ni+1), sz)
	}
	if !after && off == 0 {
		atHead = true
		availPrev = q.allowInsert(q.nodeAt(ni-1), sz)
	}
	q.count++
	if isLargeElement(sz) {
		if node.plain || atTail || atHead {
			q.insertNode(ni, q.plainNode(v), after)
			return
		}
		q.decompressForUse(ni)
		nn := q.split(ni, off, after)
		pi := q.insertNode(ni, q.plainNode(v), after)
		q.insertNode(pi, nn, after)
		return
	}
	switch {
	case !full:
		q.decompressForUse(ni)
		n := q.mut(ni)
		q.mem -= n.mem()
		n.lp.Insert(n.lp.Seek(off), v, !after)
		q.mem += n.mem()
		q.recompressOnly(ni)
	case atTail && availNext:
		q.decompressForUse(ni + 1)
		n := q.mut(ni + 1)
		q.mem -= n.mem()
		n.lp.Prepend(v)
		q.mem += n.mem()
		q.recompressOnly(ni + 1)
		q.recompressOnly(ni)
	case atHead && availPrev:
		q.decompressForUse(ni - 1)
		n := q.mut(ni - 1)
		q.mem -= n.mem()
		n.lp.Append(v)
		q.mem += n.mem()
		q.recompressOnly(ni - 1)
		q.recompressOnly(ni)
	case atTail || atHead:
		nn := q.newNode()
		nn.lp.Prepend(v)
		q.insertNode(ni, nn, after)
	default:
		q.decompressForUse(ni)
		nn := q.split(ni, off, after)
		if after {
			nn.lp.Prepend(v)
		} else {
			nn.lp.Append(v)
		}
		at := q.insertNode(ni, nn, after)
		if !after {
			ni = at + 1
		}
		q.mergeAround(q.nodes[ni])
	}
}

// split is _quicklistSplitNode: with after, node ni keeps its entries up to
// off and the returned new node gets the rest; without, the new node gets
// the entries before off and node ni keeps the rest. The new node is not
// in the list yet.
func (q *Quicklist) split(ni, off int, after bool) *qlNode {
	n := q.mut(ni)
	q.mem -= n.mem()
	nn := &qlNode{lp: *n.lp.Clone(), epoch: q.cow.Stamp()}
	if after {
		n.lp.DeleteRange(off+1, math.MaxInt)
		nn.lp.DeleteRange(0, off+1)
	} else {
		n.lp.DeleteRange(0, off)
		nn.lp.DeleteRange(off, math.MaxInt)
	}
	q.mem += n.mem()
	return nn
}

// indexOf returns the index of node n, -1 if it is not in the list.
func (q *Quicklist) indexOf(n *qlNode) int {
	if n == nil {
		return -1
	}
	return slices.Index(q.nodes, n)
}

// mergeAround is _quicklistMergeNodes: after a split, try to merge the
// two nodes before center, the two after it, then center with its
// neighbours.
func (q *Quicklist) mergeAround(center *qlNode) {
	i := q.indexOf(center)
	prev, prevPrev := q.nodeAt(i-1), q.nodeAt(i-2)
	next, nextNext := q.nodeAt(i+1), q.nodeAt(i+2)
	if q.allowMerge(prev, prevPrev) {
		q.merge(prevPrev, prev)
	}
	if q.allowMerge(next, nextNext) {
		q.merge(next, nextNext)
	}
	target := center
	i = q.indexOf(center)
	if p := q.nodeAt(i - 1); q.allowMerge(center, p) {
		target = q.merge(p, center)
	}
	i = q.indexOf(target)
	if nx := q.nodeAt(i + 1); q.allowMerge(target, nx) {
		q.merge(target, nx)
	}
}

// merge is _quicklistListpackMerge: the entries of b (right of a) join
// a's, under one header, and b goes. It returns the merged node.
func (q *Quicklist) merge(a, b *qlNode) *qlNode {
	i := q.indexOf(a)
	q.decompressNode(i)
	q.decompressNode(i + 1)
	n := q.mut(i)
	q.mem -= n.mem()
	n.lp.Merge(&q.nodes[i+1].lp)
	q.mem += n.mem()
	gone := q.nodes[i+1]
	q.count += gone.entries() // delNode takes them off again
	q.delNode(i + 1)
	i = q.indexOf(n)
	q.compressAt(i)
	return n
}
