package db

// The skiplist of a sorted set, as Redis's zskiplist (t_zset.c): Pugh's
// skip list ordered by (score, member), where scores may repeat, with a
// backward pointer on level 0 for reverse walks and a span on every forward
// pointer (how many level-0 steps it jumps), so that ranks are O(log N).
//
// A node has 1 to 32 levels (P = 1/4 per extra level) and is one
// allocation, as in C: the levels after the first follow the node's fields
// in memory (see newZslNode), so a node costs 32 + 16*levels bytes. The
// header is a node with all 32 levels and no member; ranks are 1-based, the
// header having rank 0.
//
// Invariants (checked by zskiplist.check in tests):
//   - level 0 visits every node in (score, member) order, with no
//     duplicate member, and backward pointers mirror it, tail last;
//   - at every level, a pointer's span is the number of level-0 steps
//     between its ends; the last pointer of a level spans to length;
//   - level is the number of the header's non-nil levels (at least 1).

import (
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

const zslMaxLevel = 32 // ZSKIPLIST_MAXLEVEL

type zslLevel struct {
	forward *zslNode
	span    int
}

type zslNode struct {
	member   string
	score    float64
	backward *zslNode
	level0   zslLevel // the node's other levels follow, in the same allocation
}

// zslNodeN is a node with more levels; its layout puts more right after
// the node's level0.
type zslNodeN[L any] struct {
	zslNode
	more L
}

// newZslNode allocates a node of the given level. Levels above 4 are rare
// (1 node in 256): they get the next power of two.
func newZslNode(level int, score float64, member string) *zslNode {
	var n *zslNode
	switch {
	case level == 1:
		n = new(zslNode)
	case level == 2:
		n = &new(zslNodeN[[1]zslLevel]).zslNode
	case level == 3:
		n = &new(zslNodeN[[2]zslLevel]).zslNode
	case level == 4:
		n = &new(zslNodeN[[3]zslLevel]).zslNode
	case level <= 8:
		n = &new(zslNodeN[[7]zslLevel]).zslNode
	case level <= 16:
		n = &new(zslNodeN[[15]zslLevel]).zslNode
	default:
		n = &new(zslNodeN[[zslMaxLevel - 1]zslLevel]).zslNode
	}
	n.member, n.score = member, score
	return n
}

// lvl returns level i of the node, which must have more than i levels.
func (n *zslNode) lvl(i int) *zslLevel {
	if i == 0 {
		return &n.level0
	}
	return (*zslLevel)(unsafe.Add(unsafe.Pointer(&n.level0), uintptr(i)*unsafe.Sizeof(zslLevel{})))
}

// next returns the node after n on level 0.
func (n *zslNode) next() *zslNode { return n.level0.forward }

// before reports whether n sorts before (score, member).
func (n *zslNode) before(score float64, member string) bool {
	return n.score < score || n.score == score && n.member < member
}

type zskiplist struct {
	header *zslNode
	tail   *zslNode
	length int
	level  int
}

func newZskiplist() *zskiplist {
	return &zskiplist{header: newZslNode(zslMaxLevel, 0, ""), level: 1}
}

// zslRandomLevel returns 1 + k with probability 0.75 * 0.25^k: each pair of
// trailing zero bits of a random word is one more level.
func zslRandomLevel() int {
	return min(1+bits.TrailingZeros64(rand.Uint64())/2, zslMaxLevel)
}

// first returns the lowest node, or nil.
func (zsl *zskiplist) first() *zslNode { return zsl.header.level0.forward }

// insert adds (score, member), which must not be in the list yet, and
// returns its node. The member string is kept.
func (zsl *zskiplist) insert(score float64, member string) *zslNode {
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int // rank crossed to reach update[i]
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
	level := zslRandomLevel()
	if level > zsl.level {
		for i := zsl.level; i < level; i++ {
			update[i] = zsl.header
			zsl.header.lvl(i).span = zsl.length
		}
		zsl.level = level
	}
	x = newZslNode(level, score, member)
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
func (zsl *zskiplist) deleteNode(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < zsl.level; i++ {
		ul := update[i].lvl(i)
		if ul.forward == x {
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
}

// seek fills update with the last node before (score, member) on every
// level and returns the node at that place on level 0 (maybe nil).
func (zsl *zskiplist) seek(score float64, member string, update *[zslMaxLevel]*zslNode) *zslNode {
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

// delete removes (score, member) and reports whether it was there.
func (zsl *zskiplist) delete(score float64, member string) bool {
	var update [zslMaxLevel]*zslNode
	x := zsl.seek(score, member, &update)
	if x == nil || x.score != score || x.member != member {
		return false
	}
	zsl.deleteNode(x, &update)
	return true
}

// updateScore moves member from curscore, where it must be, to newscore,
// in place when the order allows, as zslUpdateScore.
func (zsl *zskiplist) updateScore(curscore float64, member string, newscore float64) *zslNode {
	var update [zslMaxLevel]*zslNode
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
	return zsl.insert(newscore, x.member)
}

// rank returns the 1-based rank of (score, member), 0 if absent.
func (zsl *zskiplist) rank(score float64, member string) int {
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

// byRank returns the node of 1-based rank, or nil.
func (zsl *zskiplist) byRank(rank int) *zslNode {
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
func (zsl *zskiplist) isInRange(r *zrangeSpec) bool {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.score) {
		return false
	}
	return r.lteMax(zsl.first().score)
}

// firstInRange returns the lowest node with a score in r, or nil.
func (zsl *zskiplist) firstInRange(r *zrangeSpec) *zslNode {
	if !zsl.isInRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.gteMin(f.score); f = x.lvl(i).forward {
			x = f
		}
	}
	x = x.level0.forward
	if x == nil || !r.lteMax(x.score) {
		return nil
	}
	return x
}

// lastInRange returns the highest node with a score in r, or nil.
func (zsl *zskiplist) lastInRange(r *zrangeSpec) *zslNode {
	if !zsl.isInRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && r.lteMax(f.score); f = x.lvl(i).forward {
			x = f
		}
	}
	if x == zsl.header || !r.gteMin(x.score) {
		return nil
	}
	return x
}

// isInLexRange reports whether some member of the list may be in r.
func (zsl *zskiplist) isInLexRange(r *zlexSpec) bool {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.member) {
		return false
	}
	return r.lteMax(zsl.first().member)
}

// firstInLexRange returns the lowest node with a member in r, or nil.
func (zsl *zskiplist) firstInLexRange(r *zlexSpec) *zslNode {
	if !zsl.isInLexRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.gteMin(f.member); f = x.lvl(i).forward {
			x = f
		}
	}
	x = x.level0.forward
	if x == nil || !r.lteMax(x.member) {
		return nil
	}
	return x
}

// lastInLexRange returns the highest node with a member in r, or nil.
func (zsl *zskiplist) lastInLexRange(r *zlexSpec) *zslNode {
	if !zsl.isInLexRange(r) {
		return nil
	}
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && r.lteMax(f.member); f = x.lvl(i).forward {
			x = f
		}
	}
	if x == zsl.header || !r.gteMin(x.member) {
		return nil
	}
	return x
}

// deleteWhile removes the nodes from x (whose predecessors are in update)
// on while keep accepts them, calling removed for each, and returns how
// many went.
func (zsl *zskiplist) deleteWhile(x *zslNode, update *[zslMaxLevel]*zslNode, keep func(*zslNode) bool, removed func(member string)) int {
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

// deleteRangeByScore removes the nodes with a score in r.
func (zsl *zskiplist) deleteRangeByScore(r *zrangeSpec, removed func(member string)) int {
	var update [zslMaxLevel]*zslNode
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.gteMin(f.score); f = x.lvl(i).forward {
			x = f
		}
		update[i] = x
	}
	return zsl.deleteWhile(x.level0.forward, &update, func(n *zslNode) bool { return r.lteMax(n.score) }, removed)
}

// deleteRangeByLex removes the nodes with a member in r.
func (zsl *zskiplist) deleteRangeByLex(r *zlexSpec, removed func(member string)) int {
	var update [zslMaxLevel]*zslNode
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for f := x.lvl(i).forward; f != nil && !r.gteMin(f.member); f = x.lvl(i).forward {
			x = f
		}
		update[i] = x
	}
	return zsl.deleteWhile(x.level0.forward, &update, func(n *zslNode) bool { return r.lteMax(n.member) }, removed)
}

// deleteRangeByRank removes the nodes of 1-based ranks start to end.
func (zsl *zskiplist) deleteRangeByRank(start, end int, removed func(member string)) int {
	var update [zslMaxLevel]*zslNode
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
	return zsl.deleteWhile(x.level0.forward, &update, func(*zslNode) bool { rank++; return rank <= end }, removed)
}

// nodeLevel returns how many levels x has, found by walking each level
// from the header: cheap for the first nodes, for MEMORY USAGE.
func (zsl *zskiplist) nodeLevel(x *zslNode) int {
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
