package db

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redis-go/redis-server/internal/csort"
	"github.com/stretchr/testify/require"
)

func geoTestPoints(rnd *rand.Rand, n int) []geoPoint {
	pts := make([]geoPoint, n)
	for i := range pts {
		// Few distinct distances: many ties, whose order is the sort's.
		pts[i] = geoPoint{dist: float64(rnd.IntN(n/3 + 1)), score: float64(i)}
	}
	return pts
}

// csort.Merge is a stable sort, as glibc's merge sort.
func TestGeoMsortIsStable(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		pts := geoTestPoints(rnd, n)
		want := slices.Clone(pts)
		slices.SortStableFunc(want, func(a, b geoPoint) int { return geoCompareAsc(&a, &b) })
		csort.Merge(pts, make([]geoPoint, n), geoCompareAsc)
		require.Equal(t, want, pts, "n=%d", n)
	}
}

// csort.Partial puts the smallest elements in order in the range asked for,
// and keeps the others.
func TestGeoPqsortRange(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 300; n++ {
		pts := geoTestPoints(rnd, n)
		all := slices.Clone(pts)
		k := 1 + rnd.IntN(n)
		csort.Partial(pts, geoCompareAsc, 0, k-1)
		sorted := slices.Clone(all)
		slices.SortFunc(sorted, func(a, b geoPoint) int { return geoCompareAsc(&a, &b) })
		for i := 0; i < k; i++ {
			require.Equal(t, sorted[i].dist, pts[i].dist, "n=%d k=%d i=%d", n, k, i)
		}
		byScore := func(a, b geoPoint) int { return int(a.score - b.score) }
		got := slices.Clone(pts)
		slices.SortFunc(got, byScore)
		require.Equal(t, all, got, "a permutation")
	}
}

// The order of ties under pqsort is Redis's: the permutation Redis 7.0.15's
// pqsort.c leaves for this input, sorting the first three.
func TestGeoPqsortTies(t *testing.T) {
	pts := []geoPoint{
		{dist: 1, member: "a"}, {dist: 1, member: "b"}, {dist: 0, member: "c"},
		{dist: 2, member: "d"}, {dist: 1, member: "e"}, {dist: 3, member: "f"},
		{dist: 2, member: "g"}, {dist: 0, member: "h"}, {dist: 1, member: "i"},
	}
	csort.Partial(pts, geoCompareAsc, 0, 2)
	var got []string
	for _, p := range pts {
		got = append(got, p.member)
	}
	require.Equal(t, []string{"h", "c", "e", "i", "b", "a", "g", "d", "f"}, got)
}
