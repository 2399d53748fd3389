package skiplist

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pair is a member and its score.
type pair struct {
	member string
	score  float64
}

// zslModel is the skiplist's specification: a sorted slice.
type zslModel []pair

func (m zslModel) index(score float64, member string) (int, bool) {
	return slices.BinarySearchFunc(m, pair{member, score}, func(a, b pair) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		return strings.Compare(a.member, b.member)
	})
}

func (m *zslModel) insert(score float64, member string) {
	i, _ := m.index(score, member)
	*m = slices.Insert(*m, i, pair{member, score})
}

func (m *zslModel) delete(score float64, member string) bool {
	i, ok := m.index(score, member)
	if ok {
		*m = slices.Delete(*m, i, i+1)
	}
	return ok
}

func zslContents(zsl *List) zslModel {
	var out zslModel
	for x := zsl.First(); x != nil; x = x.Next() {
		out = append(out, pair{x.member, x.score})
	}
	return out
}

// randomScoreRange returns a random score range over scores 0..20.
func randomScoreRange(rng *rand.Rand) ScoreRange {
	r := ScoreRange{Min: float64(rng.IntN(22) - 1), Max: float64(rng.IntN(22) - 1), MinEx: rng.IntN(2) == 0, MaxEx: rng.IntN(2) == 0}
	if rng.IntN(10) == 0 {
		r.Min = -1e300
	}
	return r
}

func randomLexRange(rng *rand.Rand) LexRange {
	end := func() ([]byte, LexKind, bool) {
		switch rng.IntN(8) {
		case 0:
			return nil, LexMinusInf, true
		case 1:
			return nil, LexPlusInf, true
		}
		return []byte(fmt.Sprintf("m%03d", rng.IntN(60))), LexValue, rng.IntN(2) == 0
	}
	var r LexRange
	r.Min, r.MinKind, r.MinEx = end()
	r.Max, r.MaxKind, r.MaxEx = end()
	return r
}

// TestZskiplistModel runs random operations on a skiplist and a sorted
// slice and compares ranks, rank lookups, ranges and range deletions.
func TestZskiplistModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		zsl := New()
		var model zslModel
		scores := map[string]float64{}
		for op := 0; op < 3000; op++ {
			member := fmt.Sprintf("m%03d", rng.IntN(60))
			score := float64(rng.IntN(21))
			switch k := rng.IntN(12); {
			case k < 5: // insert or update
				if cur, ok := scores[member]; ok {
					zsl.UpdateScore(cur, member, score)
					model.delete(cur, member)
				} else {
					zsl.Insert(score, member)
				}
				model.insert(score, member)
				scores[member] = score
			case k < 7: // delete
				cur, ok := scores[member]
				if !ok {
					require.False(t, zsl.Delete(score, member))
					continue
				}
				require.True(t, zsl.Delete(cur, member))
				model.delete(cur, member)
				delete(scores, member)
			case k == 7:
				r := randomScoreRange(rng)
				var removed []string
				n := zsl.DeleteRangeByScore(&r, func(m string) { removed = append(removed, m) })
				var want []string
				model = slices.DeleteFunc(model, func(p pair) bool {
					in := r.GteMin(p.score) && r.LteMax(p.score)
					if in {
						want = append(want, p.member)
					}
					return in
				})
				require.Equal(t, want, removed)
				require.Equal(t, len(want), n)
				for _, m := range removed {
					delete(scores, m)
				}
			case k == 8 && len(model) > 0:
				start := rng.IntN(len(model)) + 1
				end := start + rng.IntN(5)
				var removed []string
				zsl.DeleteRangeByRank(start, end, func(m string) { removed = append(removed, m) })
				end = min(end, len(model))
				var want []string
				for _, p := range model[start-1 : end] {
					want = append(want, p.member)
					delete(scores, p.member)
				}
				model = slices.Delete(model, start-1, end)
				require.Equal(t, want, removed)
			}
			if op%50 == 0 {
				require.NoError(t, zsl.Check())
			}
			zslCompare(t, zsl, model, rng)
		}
		require.NoError(t, zsl.Check())
	}
}

// zslCompare checks queries against the model.
func zslCompare(t *testing.T, zsl *List, model zslModel, rng *rand.Rand) {
	require.Equal(t, len(model), zsl.length)
	if len(model) == 0 {
		require.Nil(t, zsl.First())
		require.Nil(t, zsl.tail)
		return
	}
	i := rng.IntN(len(model))
	p := model[i]
	require.Equal(t, i+1, zsl.Rank(p.score, p.member))
	require.Equal(t, 0, zsl.Rank(p.score+0.5, p.member))
	x := zsl.ByRank(i + 1)
	require.NotNil(t, x)
	require.Equal(t, p, pair{x.member, x.score})
	require.Nil(t, zsl.ByRank(len(model)+1))
	require.Equal(t, model[len(model)-1], pair{zsl.tail.member, zsl.tail.score})

	r := randomScoreRange(rng)
	first, last := -1, -1
	for j, q := range model {
		if r.GteMin(q.score) && r.LteMax(q.score) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if f := zsl.FirstInRange(&r); first < 0 {
		require.Nil(t, f)
		require.Nil(t, zsl.LastInRange(&r))
	} else {
		require.Equal(t, model[first], pair{f.member, f.score})
		l := zsl.LastInRange(&r)
		require.Equal(t, model[last], pair{l.member, l.score})
	}

	// Lex ranges on the members of the lowest score, which are in
	// member order.
	lr := randomLexRange(rng)
	var sameScore zslModel
	for _, q := range model {
		if q.score == model[0].score {
			sameScore = append(sameScore, q)
		}
	}
	tmp := New()
	for _, q := range sameScore {
		tmp.Insert(q.score, q.member)
	}
	first, last = -1, -1
	for j, q := range sameScore {
		if lr.GteMin(q.member) && lr.LteMax(q.member) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if f := tmp.FirstInLexRange(&lr); first < 0 {
		require.Nil(t, f)
		require.Nil(t, tmp.LastInLexRange(&lr))
	} else {
		require.Equal(t, sameScore[first].member, f.member)
		require.Equal(t, sameScore[last].member, tmp.LastInLexRange(&lr).member)
	}
	if rng.IntN(20) == 0 {
		require.Equal(t, model, zslContents(zsl))
	}
}

// TestZskiplistLex checks lex ranges and deletions on members of equal
// scores, where the lex order is the skiplist's order.
func TestZskiplistLex(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	zsl := New()
	var model zslModel
	for op := 0; op < 5000; op++ {
		member := fmt.Sprintf("m%03d", rng.IntN(60))
		_, in := model.index(0, member)
		switch k := rng.IntN(4); {
		case k < 2 && !in:
			zsl.Insert(0, member)
			model.insert(0, member)
		case k == 2 && in:
			require.True(t, zsl.Delete(0, member))
			model.delete(0, member)
		case k == 3:
			r := randomLexRange(rng)
			var removed, want []string
			zsl.DeleteRangeByLex(&r, func(m string) { removed = append(removed, m) })
			model = slices.DeleteFunc(model, func(p pair) bool {
				in := r.GteMin(p.member) && r.LteMax(p.member)
				if in {
					want = append(want, p.member)
				}
				return in
			})
			require.Equal(t, want, removed)
		}
		require.Equal(t, len(model), zsl.length)
		if len(model) > 0 {
			require.Equal(t, model, zslContents(zsl))
		}
		if op%100 == 0 {
			require.NoError(t, zsl.Check())
		}
	}
}

func TestZskiplistRandomLevel(t *testing.T) {
	counts := make([]int, MaxLevel+1)
	const n = 400000
	for range n {
		counts[randomLevel()]++
	}
	// P(level = 1) = 3/4, P(level = 2) = 3/16.
	require.InDelta(t, 0.75, float64(counts[1])/n, 0.01)
	require.InDelta(t, 0.1875, float64(counts[2])/n, 0.01)
	require.Zero(t, counts[0])
}

func TestZskiplistNodeLevel(t *testing.T) {
	zsl := New()
	for i := range 1000 {
		zsl.Insert(float64(i), fmt.Sprint(i))
	}
	// Count each node's levels by walking every level.
	want := map[*Node]int{}
	for i := 0; i < zsl.level; i++ {
		for x := zsl.header.lvl(i).forward; x != nil; x = x.lvl(i).forward {
			want[x]++
		}
	}
	n := 0
	for x := zsl.First(); x != nil && n < 50; x = x.Next() {
		require.Equal(t, want[x], zsl.NodeLevel(x))
		n++
	}
}
