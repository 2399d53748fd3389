package geohash

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Within (in C with cgo) finds the members, and their distances to the
// bit, that decoding and testing them one at a time finds.
func TestWithinMatchesOneByOne(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	found := 0
	for i := 0; i < 2000; i++ {
		s := Shape{XY: [2]float64{rnd.Float64()*360 - 180, rnd.Float64()*170 - 85}, Conversion: []float64{1, 1000, 0.3048, 1609.34}[rnd.IntN(4)]}
		if rnd.IntN(2) == 0 {
			s.Radius = rnd.Float64() * 300000 / s.Conversion
		} else {
			s.Box, s.Width, s.Height = true, rnd.Float64()*600000/s.Conversion, rnd.Float64()*600000/s.Conversion
		}
		hashes := make([]uint64, rnd.IntN(200))
		for j := range hashes {
			switch rnd.IntN(4) {
			case 0: // anything a ZADD score may become
				hashes[j] = rnd.Uint64()
			case 1:
				hashes[j] = rnd.Uint64() >> 12
			default: // near the center
				lon := s.XY[0] + rnd.NormFloat64()*2
				lat := math.Max(math.Min(s.XY[1]+rnd.NormFloat64()*2, LatMax), LatMin)
				if lon < LongMin || lon > LongMax {
					lon = s.XY[0]
				}
				hashes[j], _ = Score(lon, lat)
			}
		}
		in, dists := make([]int32, len(hashes)), make([]float64, len(hashes))
		wantIn, wantDists := make([]int32, len(hashes)), make([]float64, len(hashes))
		n := s.Within(hashes, in, dists)
		want := withinGo(&s, hashes, wantIn, wantDists)
		found += n
		require.Equal(t, wantIn[:want], in[:n], "shape %+v", s)
		for k := 0; k < n; k++ {
			require.Equal(t, math.Float64bits(wantDists[k]), math.Float64bits(dists[k]), "shape %+v hash %d", s, hashes[in[k]])
		}
	}
	require.Greater(t, found, 10000) // the test tests something
}
