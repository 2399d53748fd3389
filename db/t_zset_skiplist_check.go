package db

import "fmt"

// check verifies the skiplist invariants listed in t_zset_skiplist.go.
func (zsl *zskiplist) check() error {
	// Level 0: order, backward pointers, tail, length.
	n := 0
	var prev *zslNode
	rankOf := map[*zslNode]int{zsl.header: 0}
	for x := zsl.first(); x != nil; x = x.next() {
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
	if zsl.level < 1 || zsl.level > zslMaxLevel {
		return fmt.Errorf("skiplist: level %d", zsl.level)
	}
	// Spans on every level.
	for i := 0; i < zslMaxLevel; i++ {
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
		}
	}
	return nil
}
