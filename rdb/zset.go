package rdb

import (
	"math"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/listpack"
)

func zsetType(val any) (byte, bool) {
	z, ok := val.(*db.ZSet)
	if !ok {
		return 0, false
	}
	if z.Listpack() != nil {
		return TypeZsetListpack, true
	}
	return TypeZset2, true
}

// writeZset writes a sorted set: its listpack as is, or ZSET_2 pairs of
// member and binary score. The members are read through the set's dict,
// which a snapshot freezes, in no particular order: loaders sort.
func writeZset(e *Encoder, val any) bool {
	z, ok := val.(*db.ZSet)
	if !ok {
		return false
	}
	if lp := z.Listpack(); lp != nil {
		e.String(lp.Bytes())
		return true
	}
	e.Len(uint64(z.Len()))
	z.EachUnordered(func(member []byte, score float64) bool {
		e.String(member)
		e.BinaryDouble(score)
		return true
	})
	return true
}

func readZset(d *Decoder, t byte, bld *db.Builder) (any, error) {
	switch t {
	case TypeZsetListpack, TypeZsetZiplist:
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		var lp *listpack.Listpack
		bad := error(errZsetZiplist)
		if t == TypeZsetListpack {
			d.sanitized()
			bad = errZsetListpack
			if lp, err = listpack.FromBytes(b); err != nil {
				return nil, bad
			}
		} else {
			els, ok := ziplistEntries(b)
			if !ok {
				return nil, bad
			}
			lp = listpack.New()
			for _, e := range els {
				lp.Append(e)
			}
		}
		if lp.Len()%2 != 0 || checkZsetListpack(lp) != nil {
			return nil, bad
		}
		if lp.Len() == 0 {
			return nil, errEmptyKey
		}
		z := db.NewZSetFromListpack(lp, bld.COW())
		z.ConvertIfLarge(bld)
		return z, nil
	}
	n, err := d.PlainLen()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errEmptyKey
	}
	z := db.NewZSetSkiplist(bld.COW(), int(min(n, 1<<20)))
	for i := uint64(0); i < n; i++ {
		m, err := d.String()
		if err != nil {
			return nil, err
		}
		var score float64
		if t == TypeZset2 {
			score, err = d.BinaryDouble()
		} else {
			score, err = d.TextDouble()
		}
		if err != nil {
			return nil, err
		}
		if math.IsNaN(score) {
			return nil, errZsetNaN
		}
		if !z.LoadAdd(m, score) {
			return nil, errZsetDup
		}
	}
	z.LoadDone(bld)
	return z, nil
}

// checkZsetListpack verifies that the scores parse, members are unique and
// the pairs are in order, so a corrupt payload cannot break the set's
// invariants.
func checkZsetListpack(lp *listpack.Listpack) error {
	seen := map[string]struct{}{}
	prevScore := math.Inf(-1)
	var prevMember []byte
	for p := lp.First(); p >= 0; p = lp.Next(lp.Next(p)) {
		m := lp.GetBytes(p)
		sp := lp.Next(p)
		s, n, isInt := lp.Get(sp)
		score := float64(n)
		if !isInt {
			f, ok := db.ParseFloat(s)
			if !ok || math.IsNaN(f) {
				return corrupt("bad score in sorted set listpack")
			}
			score = f
		}
		if _, dup := seen[string(m)]; dup {
			return corrupt("duplicate sorted set member")
		}
		seen[string(m)] = struct{}{}
		if score < prevScore || score == prevScore && string(m) < string(prevMember) {
			return corrupt("sorted set listpack out of order")
		}
		prevScore, prevMember = score, m
	}
	return nil
}
