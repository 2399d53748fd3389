// Package skiplist is the skiplist of Redis's sorted sets, List
// (t_zset.c): Pugh's skip list ordered by (score, member), where scores may
// repeat, with a backward pointer on level 0 for reverse walks and a span
// on every forward pointer (how many level-0 steps it jumps), so that ranks
// are O(log N). A sorted set in the "skiplist" encoding is a List plus a
// dict from member to score; the List also answers the range queries of
// ZRANGEBYSCORE and ZRANGEBYLEX (ScoreRange, LexRange).
//
// A node has 1 to 32 levels (P = 1/4 per extra level) and is one
// allocation, as in C: the levels after the first follow the node's fields
// in memory (see newNode), so a node costs 32 + 16*levels bytes. The
// header is a node with all 32 levels and no member; ranks are 1-based, the
// header having rank 0.
//
// Invariants (checked by List.Check):
//   - level 0 visits every node in (score, member) order, with no
//     duplicate member, and backward pointers mirror it, tail last;
//   - at every level, a pointer's span is the number of level-0 steps
//     between its ends; the last pointer of a level spans to length;
//   - level is the number of the header's non-nil levels (at least 1).
//
// A List has no locking and no copy on write: one goroutine owns it.
package skiplist

import (
	"math/bits"
	"math/rand/v2"
	"unsafe"

	"github.com/redis-go/redis-server/internal/jemalloc"
)

// MaxLevel is ZSKIPLIST_MAXLEVEL, the levels of the header.
const MaxLevel = 32

// zslLevel is one level of a node, as zskiplistLevel: the next node on
// that level and how many level-0 steps away it is.
type zslLevel struct {
	forward *Node
	span    int
}

// Node is an element of the list: a member and its score.
type Node struct {
	member   string
	score    float64
	backward *Node
	level0   zslLevel // the node's other levels follow, in the same allocation
}

// nodeN is a node with more levels; its layout puts more right after
// the node's level0.
type nodeN[L any] struct {
	Node
	more L
}

// newNode allocates a node of the given level. Levels above 4 are rare
// (1 node in 256): they get the next power of two.
func newNode(level int, score float64, member string) *Node {
	var n *Node
	switch {
	case level == 1:
		n = new(Node)
	case level == 2:
		n = &new(nodeN[[1]zslLevel]).Node
	case level == 3:
		n = &new(nodeN[[2]zslLevel]).Node
	case level == 4:
		n = &new(nodeN[[3]zslLevel]).Node
	case level <= 8:
		n = &new(nodeN[[7]zslLevel]).Node
	case level <= 16:
		n = &new(nodeN[[15]zslLevel]).Node
	default:
		n = &new(nodeN[[MaxLevel - 1]zslLevel]).Node
	}
	n.member, n.score = member, score
	return n
}

// lvl returns level i of the node, which must have more than i levels.
func (n *Node) lvl(i int) *zslLevel {
	if i == 0 {
		return &n.level0
	}
	return (*zslLevel)(unsafe.Add(unsafe.Pointer(&n.level0), uintptr(i)*unsafe.Sizeof(zslLevel{})))
}

// Member returns the member. The string is the one given to Insert.
func (n *Node) Member() string { return n.member }

// Score returns the score.
func (n *Node) Score() float64 { return n.score }

// Next returns the node after n, nil after the last.
func (n *Node) Next() *Node { return n.level0.forward }

// Prev returns the node before n, nil before the first.
func (n *Node) Prev() *Node { return n.backward }

// before reports whether n sorts before (score, member).
func (n *Node) before(score float64, member string) bool {
	return n.score < score || n.score == score && n.member < member
}

// List is a skiplist (zskiplist).
type List struct {
	header *Node
	tail   *Node
	length int
	level  int
	mem    int // what Redis allocates for the nodes and their members (MemSize)
}

// New returns an empty list.
func New() *List {
	return &List{header: newNode(MaxLevel, 0, ""), level: 1}
}

// randomLevel returns 1 + k with probability 0.75 * 0.25^k: each pair of
// trailing zero bits of a random word is one more level.
func randomLevel() int {
	return min(1+bits.TrailingZeros64(rand.Uint64())/2, MaxLevel)
}

// Len returns the number of nodes.
func (zsl *List) Len() int { return zsl.length }

// First returns the lowest node, or nil.
func (zsl *List) First() *Node { return zsl.header.level0.forward }

// Last returns the highest node, or nil.
func (zsl *List) Last() *Node { return zsl.tail }

// Insert adds (score, member), which must not be in the list yet, and
// returns its node. The member string is kept.
func (zsl *List) Insert(score float64, member string) *Node {
	var update [MaxLevel]*Node
	var rank [MaxLevel]int // Rank crossed to reach update[i]
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for {
			l := x.lvl(i)
			if l.forward == nil || !l.forward.before(score, member) {
				break
			}
			rank[i] += l.span
			x = l.forward
		}
		update[i] = x
	}
	level := randomLevel()
	if level > zsl.level {
		for i := zsl.level; i < level; i++ {
			update[i] = zsl.header
			zsl.header.lvl(i).span = zsl.length
		}
		zsl.level = level
	}
	x = newNode(level, score, member)
	zsl.mem += nodeMem(level, len(member))
	for i := 0; i < level; i++ {
		xl, ul := x.lvl(i), update[i].lvl(i)
		xl.forward = ul.forward
		ul.forward = x
		xl.span = ul.span - (rank[0] - rank[i])
		ul.span = rank[0] - rank[i] + 1
	}
	for i := level; i < zsl.level; i++ {
		update[i].lvl(i).span++
	}
	if update[0] != zsl.header {
		x.backward = update[0]
	}
	if f := x.level0.forward; f != nil {
		f.backward = x
	} else {
		zsl.tail = x
	}
	zsl.length++
	return x
}

// deleteNode unlinks x, given the last node before it on every level.
func (zsl *List) deleteNode(x *Node, update *[MaxLevel]*Node) {
	levels := 0
	for i := 0; i < zsl.level; i++ {
		ul := update[i].lvl(i)
		if ul.forward == x {
			levels++
			xl := x.lvl(i)
			ul.span += xl.span - 1
			ul.forward = xl.forward
		} else {
			ul.span--
		}
	}
	if f := x.level0.forward; f != nil {
		f.backward = x.backward
	} else {
		zsl.tail = x.backward
	}
	for zsl.level > 1 && zsl.header.lvl(zsl.level-1).forward == nil {
		zsl.level--
	}
	zsl.length--
	zsl.mem -= nodeMem(levels, len(x.member))
}

// nodeMem is what Redis allocates for a node of the given levels and its
// member: the zskiplistNode (member pointer, score, backward pointer and
// 16 bytes a level) and the member's sds.
func nodeMem(levels, memberLen int) int {
	return jemalloc.Size(24+16*levels) + jemalloc.SdsSize(memberLen)
}

// MemSize is what Redis would allocate for the list's nodes and members,
// the header excluded, kept up to date by every insertion and deletion.
func (zsl *List) MemSize() int { return zsl.mem }

// seek fills update with the last node before (score, member) on every
// level and returns the node at that place on level 0 (maybe nil).
func (zsl *List) seek(score float64, member string, update *[MaxLevel]*Node) *Node {
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			f := x.lvl(i).forward
			if f == nil || !f.before(score, member) {
				break
			}
			x = f
		}
		update[i] = x
	}
	return x.level0.forward
}

// Delete removes (score, member) and reports whether it was there.
func (zsl *List) Delete(score float64, member string) bool {
	var update [MaxLevel]*Node
	x := zsl.seek(score, member, &update)
	if x == nil || x.score != score || x.member != member {
		return false
	}
	zsl.deleteNode(x, &update)
	return true
}

// UpdateScore moves member from curscore, where it must be, to newscore,
// in place when the order allows, as zslUpdateScore.
func (zsl *List) UpdateScore(curscore float64, member string, newscore float64) *Node {
	var update [MaxLevel]*Node
	x := zsl.seek(curscore, member, &update)
	if x == nil || x.score != curscore || x.member != member {
		panic("zset: updating the score of a member not in the skiplist")
	}
	if (x.backward == nil || x.backward.score < newscore) &&
		(x.level0.forward == nil || x.level0.forward.score > newscore) {
		x.score = newscore
		return x
	}
	zsl.deleteNode(x, &update)
	return zsl.Insert(newscore, x.member)
}

// Rank returns the 1-based rank of (score, member), 0 if absent.
func (zsl *List) Rank(score float64, member string) int {
	rank := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := x.lvl(i)
			f := l.forward
			if f == nil || !(f.score < score || f.score == score && f.member <= member) {
				break
			}
			rank += l.span
			x = f
		}
		if x != zsl.header && x.score == score && x.member == member {
			return rank
		}
	}
	return 0
}

// ByRank returns the node of 1-based rank, or nil.
func (zsl *List) ByRank(rank int) *Node {
	traversed := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := x.lvl(i)
			if l.forward == nil || traversed+l.span > rank {
				break
			}
			traversed += l.span
			x = l.forward
		}
		if traversed == rank {
			if x == zsl.header {
				return nil
			}
			return x
		}
	}
	return nil
}

// isInRange reports whether some score of the list may be in r.
func (zsl *List) isInRange(r *ScoreRange) bool {
	if r.Empty() || zsl.tail == nil || !r.GteMin(zsl.tail.score) {
		return false
	}
	return r.LteMax(zsl.First().score)
}

// FirstInRange returns the lowest node with a score in r, or nil.
func (zsl *List) FirstInRange(r *ScoreRange) *Node {
	if !zsl.isInRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.GteMin(f.score); f = x.lvl(i).forward {
			x = f
		}
	}
	x = x.level0.forward
	if x == nil || !r.LteMax(x.score) {
		return nil
	}
	return x
}

// LastInRange returns the highest node with a score in r, or nil.
func (zsl *List) LastInRange(r *ScoreRange) *Node {
	if !zsl.isInRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && r.LteMax(f.score); f = x.lvl(i).forward {
			x = f
		}
	}
	if x == zsl.header || !r.GteMin(x.score) {
		return nil
	}
	return x
}

// isInLexRange reports whether some member of the list may be in r.
func (zsl *List) isInLexRange(r *LexRange) bool {
	if r.Empty() || zsl.tail == nil || !r.GteMin(zsl.tail.member) {
		return false
	}
	return r.LteMax(zsl.First().member)
}

// FirstInLexRange returns the lowest node with a member in r, or nil.
func (zsl *List) FirstInLexRange(r *LexRange) *Node {
	if !zsl.isInLexRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.GteMin(f.member); f = x.lvl(i).forward {
			x = f
		}
	}
	x = x.level0.forward
	if x == nil || !r.LteMax(x.member) {
		return nil
	}
	return x
}

// LastInLexRange returns the highest node with a member in r, or nil.
func (zsl *List) LastInLexRange(r *LexRange) *Node {
	if !zsl.isInLexRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && r.LteMax(f.member); f = x.lvl(i).forward {
			x = f
		}
	}
	if x == zsl.header || !r.GteMin(x.member) {
		return nil
	}
	return x
}

// deleteWhile removes the nodes from x (whose predecessors are in update)
// on while keep accepts them, calling removed for each, and returns how
// many went.
func (zsl *List) deleteWhile(x *Node, update *[MaxLevel]*Node, keep func(*Node) bool, removed func(member string)) int {
	n := 0
	for x != nil && keep(x) {
		next := x.level0.forward
		zsl.deleteNode(x, update)
		removed(x.member)
		n++
		x = next
	}
	return n
}

// DeleteRangeByScore removes the nodes with a score in r.
func (zsl *List) DeleteRangeByScore(r *ScoreRange, removed func(member string)) int {
	var update [MaxLevel]*Node
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.GteMin(f.score); f = x.lvl(i).forward {
			x = f
		}
		update[i] = x
	}
	return zsl.deleteWhile(x.level0.forward, &update, func(n *Node) bool { return r.LteMax(n.score) }, removed)
}

// DeleteRangeByLex removes the nodes with a member in r.
func (zsl *List) DeleteRangeByLex(r *LexRange, removed func(member string)) int {
	var update [MaxLevel]*Node
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.GteMin(f.member); f = x.lvl(i).forward {
			x = f
		}
		update[i] = x
	}
	return zsl.deleteWhile(x.level0.forward, &update, func(n *Node) bool { return r.LteMax(n.member) }, removed)
}

// DeleteRangeByRank removes the nodes of 1-based ranks start to end.
func (zsl *List) DeleteRangeByRank(start, end int, removed func(member string)) int {
	var update [MaxLevel]*Node
	traversed := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := x.lvl(i)
			if l.forward == nil || traversed+l.span >= start {
				break
			}
			traversed += l.span
			x = l.forward
		}
		update[i] = x
	}
	rank := traversed
	return zsl.deleteWhile(x.level0.forward, &update, func(*Node) bool { rank++; return rank <= end }, removed)
}

// NodeLevel returns how many levels x has, found by walking each level
// from the header: cheap for the first nodes, for MEMORY USAGE.
func (zsl *List) NodeLevel(x *Node) int {
	n := 1
	for i := 1; i < zsl.level; i++ {
		y := zsl.header.lvl(i).forward
		for y != nil && y != x && y.before(x.score, x.member) {
			y = y.lvl(i).forward
		}
		if y != x {
			break
		}
		n++
	}
	return n
}
