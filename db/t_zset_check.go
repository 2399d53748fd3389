package db

// Structure checks of sorted sets, run by tests and, in builds with the
// invariants tag, after every command that changes a set (zsetCheck).

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

// check returns the first broken invariant of z, or nil.
func (z *ZSet) check() error {
	if lp := z.lp; lp != nil {
		if lp.Len()%2 != 0 {
			return fmt.Errorf("zset listpack: odd entry count %d", lp.Len())
		}
		seen := map[string]bool{}
		var prevM string
		var prevS float64
		var buf [20]byte
		for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
			m, s := string(zzlMember(lp, p, &buf)), zzlScore(lp, lp.Next(p))
			if seen[m] {
				return fmt.Errorf("zset listpack: duplicate member %q", m)
			}
			if len(seen) > 0 && (s < prevS || s == prevS && m <= prevM) {
				return fmt.Errorf("zset listpack: %q %v after %q %v", m, s, prevM, prevS)
			}
			seen[m] = true
			prevM, prevS = m, s
		}
		return nil
	}
	if err := z.zsl.check(); err != nil {
		return err
	}
	if z.dict.Len() != z.zsl.length {
		return fmt.Errorf("zset: dict has %d members, skiplist %d", z.dict.Len(), z.zsl.length)
	}
	for x := z.zsl.first(); x != nil; x = x.next() {
		if s, ok := z.dict.Find(x.member); !ok || s != x.score {
			return fmt.Errorf("zset: dict has %v, %v for %q, skiplist %v", s, ok, x.member, x.score)
		}
	}
	return nil
}
