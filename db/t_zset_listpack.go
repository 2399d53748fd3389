package db

// The listpack encoding of small sorted sets, as t_zset.c's zzl*
// functions: member, score, member, score... sorted by score then member.
// Scores are stored as zzlInsertAt stores them, so that the bytes are
// Redis's: an integer entry when the score is an integer within ±2^62
// (double2ll), else the string d2string prints ("%.17g", "inf", "-inf").

import (
	"bytes"
	"strconv"

	"github.com/redis-go/redis-server/resp"
)

// zzlScoreBytes appends the listpack form of score.
func zzlScoreBytes(buf []byte, score float64) []byte {
	if n, ok := double2ll(score); ok {
		return strconv.AppendInt(buf, n, 10)
	}
	return resp.AppendDouble(buf, score)
}

// zzlScore reads the score entry at p.
func zzlScore(lp *Listpack, p int) float64 {
	s, n, isInt := lp.Get(p)
	if isInt {
		return float64(n)
	}
	return zzlStrtod(s)
}

// zzlStrtod parses a stored score as zzlStrtod: strtod of its first 127
// bytes, trailing junk ignored.
func zzlStrtod(s []byte) float64 {
	if v, err := strconv.ParseFloat(bstr(s), 64); err == nil {
		return v
	}
	if len(s) > 127 {
		s = s[:127]
	}
	return strtod(s)
}

// zzlMember returns the member entry at p, an integer formatted into buf.
func zzlMember(lp *Listpack, p int, buf *[20]byte) []byte {
	return lpEntry(lp, p, buf)
}

// zzlCompare compares the member entry at p with member (memcmp order).
func zzlCompare(lp *Listpack, p int, member []byte) int {
	var buf [20]byte
	return bytes.Compare(zzlMember(lp, p, &buf), member)
}

// zzlFind returns the position of member's entry and its score, or -1.
func zzlFind(lp *Listpack, member []byte) (int, float64) {
	p := lp.Find(lp.First(), member, 1)
	if p < 0 {
		return -1, 0
	}
	return p, zzlScore(lp, lp.Next(p))
}

// zzlInsert adds (member, score), member not being in lp yet, at its place.
func zzlInsert(lp *Listpack, member []byte, score float64) {
	for p := lp.First(); p >= 0; {
		sp := lp.Next(p)
		s := zzlScore(lp, sp)
		if s > score || s == score && zzlCompare(lp, p, member) > 0 {
			zzlInsertAt(lp, p, member, score)
			return
		}
		p = lp.Next(sp)
	}
	zzlInsertAt(lp, -1, member, score)
}

// zzlInsertAt inserts (member, score) before the member entry at p, or at
// the end when p is -1.
func zzlInsertAt(lp *Listpack, p int, member []byte, score float64) {
	var buf [32]byte
	sb := zzlScoreBytes(buf[:0], score)
	if p < 0 {
		lp.Append(member)
		lp.Append(sb)
		return
	}
	lp.Insert(p, member, true)
	lp.Insert(p, sb, false)
}

// zzlDelete removes the pair whose member entry is at p and returns the
// position of the next member, or -1.
func zzlDelete(lp *Listpack, p int) int {
	q := lp.skip(lp.skip(p))
	lp.resizeAt(q, p-q)
	lp.n -= 2
	lp.writeHeader()
	if lp.b[p] == lpEOF {
		return -1
	}
	return p
}

// zzlPrevPair returns the member position of the pair before the one at p.
func zzlPrevPair(lp *Listpack, p int) int {
	sp := lp.Prev(p)
	if sp < 0 {
		return -1
	}
	return lp.Prev(sp)
}

// zzlNextPair returns the member position of the pair after the one at p.
func zzlNextPair(lp *Listpack, p int) int {
	sp := lp.Next(p)
	if sp < 0 {
		return -1
	}
	return lp.Next(sp)
}

// zzlLastPair returns the member position of the last pair, or -1.
func zzlLastPair(lp *Listpack) int {
	if lp.Len() < 2 {
		return -1
	}
	return lp.Seek(-2)
}

// zzlFirstInRange returns the first member position with a score in r.
func zzlFirstInRange(lp *Listpack, r *zrangeSpec) int {
	if r.empty() {
		return -1
	}
	for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
		s := zzlScore(lp, lp.Next(p))
		if r.gteMin(s) {
			if r.lteMax(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInRange returns the last member position with a score in r.
func zzlLastInRange(lp *Listpack, r *zrangeSpec) int {
	if r.empty() {
		return -1
	}
	for p := zzlLastPair(lp); p >= 0; p = zzlPrevPair(lp, p) {
		s := zzlScore(lp, lp.Next(p))
		if r.lteMax(s) {
			if r.gteMin(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLexGteMin and zzlLexLteMax test the member entry at p against r.
func zzlLexGteMin(lp *Listpack, p int, r *zlexSpec) bool {
	var buf [20]byte
	return r.gteMin(bstr(zzlMember(lp, p, &buf)))
}

func zzlLexLteMax(lp *Listpack, p int, r *zlexSpec) bool {
	var buf [20]byte
	return r.lteMax(bstr(zzlMember(lp, p, &buf)))
}

// zzlFirstInLexRange returns the first member position in r.
func zzlFirstInLexRange(lp *Listpack, r *zlexSpec) int {
	if r.empty() {
		return -1
	}
	for p := lp.First(); p >= 0; p = zzlNextPair(lp, p) {
		if zzlLexGteMin(lp, p, r) {
			if zzlLexLteMax(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInLexRange returns the last member position in r.
func zzlLastInLexRange(lp *Listpack, r *zlexSpec) int {
	if r.empty() {
		return -1
	}
	for p := zzlLastPair(lp); p >= 0; p = zzlPrevPair(lp, p) {
		if zzlLexLteMax(lp, p, r) {
			if zzlLexGteMin(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlDeleteWhile deletes the pairs from p on while keep accepts them and
// returns how many went.
func zzlDeleteWhile(lp *Listpack, p int, keep func(p int) bool) int {
	n := 0
	for p >= 0 && keep(p) {
		p = zzlDelete(lp, p)
		n++
	}
	return n
}
