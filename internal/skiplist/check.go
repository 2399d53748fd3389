package skiplist

// The structure check of a List, for tests and the invariants build.

import "fmt"

// Check verifies the invariants listed in the package comment and returns
// the first one broken, or nil. It is O(N): tests and builds with the
// invariants tag call it.
func (zsl *List) Check() error {
	// Level 0: order, backward pointers, tail, length.
	n := 0
	var prev *Node
	rankOf := map[*Node]int{zsl.header: 0}
	for x := zsl.First(); x != nil; x = x.Next() {
		n++
		rankOf[x] = n
		if x.backward != prev {
			return fmt.Errorf("skiplist: wrong backward pointer at rank %d", n)
		}
		if prev != nil && !prev.before(x.score, x.member) {
			return fmt.Errorf("skiplist: %q %v not after %q %v", x.member, x.score, prev.member, prev.score)
		}
		prev = x
	}
	if zsl.tail != prev || n != zsl.length {
		return fmt.Errorf("skiplist: length %d, walked %d, tail %p, last %p", zsl.length, n, zsl.tail, prev)
	}
	if zsl.level < 1 || zsl.level > MaxLevel {
		return fmt.Errorf("skiplist: level %d", zsl.level)
	}
	// Spans on every level; the levels of each node, for MemSize.
	levels := map[*Node]int{}
	for i := 0; i < MaxLevel; i++ {
		x := zsl.header
		if i >= zsl.level {
			if x.lvl(i).forward != nil {
				return fmt.Errorf("skiplist: header level %d used above level %d", i, zsl.level)
			}
			continue
		}
		if i > 0 && x.lvl(i).forward == nil {
			return fmt.Errorf("skiplist: header level %d empty below level %d", i, zsl.level)
		}
		for {
			l := x.lvl(i)
			to := n
			if l.forward != nil {
				r, ok := rankOf[l.forward]
				if !ok {
					return fmt.Errorf("skiplist: level %d points outside level 0", i)
				}
				if r <= rankOf[x] {
					return fmt.Errorf("skiplist: level %d goes backwards", i)
				}
				to = r
			}
			if l.span != to-rankOf[x] {
				return fmt.Errorf("skiplist: level %d span %d from rank %d, want %d", i, l.span, rankOf[x], to-rankOf[x])
			}
			if l.forward == nil {
				break
			}
			x = l.forward
			levels[x]++
		}
	}
	mem := 0
	for x, l := range levels {
		mem += nodeMem(l, len(x.member))
	}
	if mem != zsl.mem {
		return fmt.Errorf("skiplist: MemSize %d, nodes take %d", zsl.mem, mem)
	}
	return nil
}
