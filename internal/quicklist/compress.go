package quicklist

// Compression of inner nodes (list-compress-depth), as quicklist.c's
// __quicklistCompress and its macros: which nodes are compressed depends on
// the order of the calls, so the list operations call these where Redis
// calls their counterparts, and the nodes carry Redis's recompress and
// dont_compress flags.

import (
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/lzf"
)

const (
	minCompressBytes   = 48 // MIN_COMPRESS_BYTES: smaller nodes stay as they are
	minCompressImprove = 8  // MIN_COMPRESS_IMPROVE: the least saving worth keeping
)

// compressNode is quicklistCompressNode: compress node i if it is not
// already, it may be, and it is worth it (__quicklistCompressNode).
func (q *Quicklist) compressNode(i int) {
	if i < 0 || i >= len(q.nodes) {
		return
	}
	n := q.nodes[i]
	if n.lzf != nil || n.dontCompress {
		return
	}
	if n.recompress { // only ever set on a node this list owns
		n.recompress = false
	}
	sz := n.size()
	if sz < minCompressBytes {
		return
	}
	c := lzf.Compress(n.data(), sz)
	if c == nil || len(c)+minCompressImprove >= sz {
		return
	}
	n = q.mut(i)
	q.mem -= n.mem()
	n.sz, n.count = sz, n.lp.Len()
	n.lzf = c
	n.lp = listpack.Listpack{}
	q.mem += n.mem()
}

// decompressNode is quicklistDecompressNode.
func (q *Quicklist) decompressNode(i int) {
	if i < 0 || i >= len(q.nodes) || q.nodes[i].lzf == nil {
		return
	}
	n := q.mut(i)
	lp, err := n.expand()
	if err != nil {
		panic("quicklist: " + err.Error())
	}
	q.mem -= n.mem()
	n.lp, n.lzf, n.recompress = *lp, nil, false
	q.mem += n.mem()
}

// decompressForUse is quicklistDecompressNodeForUse: decompress node i to
// change or read it, noting that it is to be compressed back.
func (q *Quicklist) decompressForUse(i int) {
	if q.nodes[i].lzf != nil {
		q.decompressNode(i)
		q.nodes[i].recompress = true
	}
}

// compressAround is __quicklistCompress(quicklist, node i) (i < 0: NULL):
// the depth nodes at each end are decompressed, node i compressed unless
// it is one of them, and so are the first nodes past the depth at each
// end. Nothing happens to a list of fewer than 2*depth nodes.
func (q *Quicklist) compressAround(i int) {
	l := len(q.nodes)
	if l == 0 || q.compress == 0 || l < q.compress*2 {
		return
	}
	f, r := 0, l-1
	inDepth := false
	for depth := 0; depth < q.compress; depth++ {
		q.decompressNode(f)
		q.decompressNode(r)
		if f == i || r == i {
			inDepth = true
		}
		if f == r || f+1 == r {
			return
		}
		f++
		r--
	}
	if !inDepth {
		q.compressNode(i)
	}
	q.compressNode(f)
	q.compressNode(r)
}

// compressAt is the quicklistCompress macro: a node decompressed for use
// is compressed back, any other goes through compressAround.
func (q *Quicklist) compressAt(i int) {
	if q.nodes[i].recompress {
		q.compressNode(i)
	} else {
		q.compressAround(i)
	}
}

// recompressOnly is quicklistRecompressOnly.
func (q *Quicklist) recompressOnly(i int) {
	if q.nodes[i].recompress {
		q.compressNode(i)
	}
}

// visit is what Redis's iterator does to a node it walked over and left
// unchanged (quicklistNext, quicklistReleaseIterator): a compressed node is
// decompressed and compressed back to the same bytes, so nothing changes;
// an uncompressed one goes through compressAround.
func (q *Quicklist) visit(i int) {
	if q.nodes[i].lzf == nil && q.compress != 0 {
		q.compressAround(i)
	}
}

// Visit does to nodes first through last (either way round) what Redis's
// iterator leaves behind on the nodes a read walked over (see visit), for
// reads that walk a list on the owner's goroutine (LRANGE, LINDEX, LPOS,
// DEBUG DIGEST). The caller must own the list: not shared with a snapshot.
func (q *Quicklist) Visit(first, last int) {
	if q.compress == 0 || len(q.nodes) == 0 {
		return
	}
	first = max(min(first, len(q.nodes)-1), 0)
	last = max(min(last, len(q.nodes)-1), 0)
	step := 1
	if last < first {
		step = -1
	}
	for i := first; ; i += step {
		q.visit(i)
		if i == last {
			return
		}
	}
}

// NodeOf returns the node holding element index (0 <= index < Len).
func (q *Quicklist) NodeOf(index int) int {
	ni, _ := q.locate(index)
	return ni
}

// CompressDepth is the list's list-compress-depth, fixed when it was made.
func (q *Quicklist) CompressDepth() int { return q.compress }
