//go:build invariants

package db

import "fmt"

// zsetCheck verifies the structure of a sorted set after a command changed
// it, in builds with the invariants tag. Large sets are skipped: the check
// is O(N).
func zsetCheck(z *ZSet) {
	if z == nil || z.Len() > 4096 {
		return
	}
	if err := z.check(); err != nil {
		panic(err)
	}
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
