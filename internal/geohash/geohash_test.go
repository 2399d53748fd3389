package geohash

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden values from Redis 7.0.15: GEOADD's score, GEOPOS and GEOHASH of a
// position, GEODIST.
func TestGoldenFromRedis(t *testing.T) {
	for _, tc := range []struct {
		lon, lat float64
		score    uint64
		pos      [2]string
		hash     string
	}{
		{13.361389, 38.115556, 3479099956230698, [2]string{"13.36138933897018433", "38.11555639549629859"}, "sqc8b49rny0"},
		{15.087269, 37.502669, 3479447370796909, [2]string{"15.08726745843887329", "37.50266842333162032"}, "sqdtr74hyu0"},
		{0, 85.05112878, 6755399441055744, [2]string{"0.00000268220901489", "85.0511287799999991"}, "up05b5048p0"},
		{180, -85.05112878, 9007199254740992, [2]string{"180", "-85.05112751263942528"}, "00bh0hbj200"},
		{-180, 0, 1125899906842624, [2]string{"-179.99999731779098511", "0.00000126736058093"}, "80000000000"},
	} {
		score, ok := Score(tc.lon, tc.lat)
		require.True(t, ok)
		assert.Equal(t, tc.score, score)
		lon, lat, ok := DecodeScore(float64(score))
		require.True(t, ok)
		assert.Equal(t, tc.pos[0], string(AppendHuman(nil, lon)))
		assert.Equal(t, tc.pos[1], string(AppendHuman(nil, lat)))
		h, ok := String(float64(score))
		require.True(t, ok)
		assert.Equal(t, tc.hash, h)
	}
	// GEODIST Sicily Palermo Catania, in m and km.
	lon1, lat1, _ := DecodeScore(3479099956230698)
	lon2, lat2, _ := DecodeScore(3479447370796909)
	d := Distance(lon1, lat1, lon2, lat2)
	assert.Equal(t, "166274.1516", string(AppendDistance(nil, d)))
	assert.Equal(t, "166.2742", string(AppendDistance(nil, d/1000)))
}

func TestEncodeRejectsOutOfRange(t *testing.T) {
	for _, p := range [][2]float64{{180.0001, 0}, {-180.0001, 0}, {0, 85.06}, {0, -85.06}} {
		_, ok := Score(p[0], p[1])
		assert.False(t, ok, "%v", p)
	}
}

func TestInterleaveRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		x, y := rnd.Uint32(), rnd.Uint32()
		v := interleave64(x, y)
		// x in the even bits, y in the odd ones.
		for b := 0; b < 32; b++ {
			require.Equal(t, uint64(x>>b&1), v>>(2*b)&1)
			require.Equal(t, uint64(y>>b&1), v>>(2*b+1)&1)
		}
		sep := deinterleave64(v)
		require.Equal(t, x, uint32(sep))
		require.Equal(t, y, uint32(sep>>32))
	}
}

// Every position decodes to the center of the cell it encodes to, which
// encodes to the same cell.
func TestEncodeDecode(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		lon := rnd.Float64()*360 - 180
		lat := rnd.Float64()*2*LatMax - LatMax
		score, ok := Score(lon, lat)
		require.True(t, ok)
		require.Less(t, score, uint64(1)<<52)
		dlon, dlat, ok := DecodeScore(float64(score))
		require.True(t, ok)
		require.InDelta(t, lon, dlon, 360.0/(1<<26))
		require.InDelta(t, lat, dlat, 2*LatMax/(1<<26))
		again, _ := Score(dlon, dlat)
		require.Equal(t, score, again)
	}
}

func TestNeighbors(t *testing.T) {
	h, ok := EncodeWGS84(10, 10, 10)
	require.True(t, ok)
	area, _ := DecodeWGS84(h)
	n := GetNeighbors(h)
	center := func(b Bits) (float64, float64) {
		a, ok := DecodeWGS84(b)
		require.True(t, ok)
		return (a.Longitude.Min + a.Longitude.Max) / 2, (a.Latitude.Min + a.Latitude.Max) / 2
	}
	clon, clat := center(h)
	w := area.Longitude.Max - area.Longitude.Min
	ht := area.Latitude.Max - area.Latitude.Min
	for _, tc := range []struct {
		b      Bits
		dx, dy float64
	}{
		{n.East, 1, 0}, {n.West, -1, 0}, {n.North, 0, 1}, {n.South, 0, -1},
		{n.NorthEast, 1, 1}, {n.NorthWest, -1, 1}, {n.SouthEast, 1, -1}, {n.SouthWest, -1, -1},
	} {
		lon, lat := center(tc.b)
		assert.InDelta(t, clon+tc.dx*w, lon, 1e-9)
		assert.InDelta(t, clat+tc.dy*ht, lat, 1e-9)
		assert.Equal(t, h.Step, tc.b.Step)
	}
	// East of the last column wraps to the first.
	e, _ := EncodeWGS84(179.9, 0, 4)
	lon, _ := center(GetNeighbors(e).East)
	assert.Equal(t, -168.75, lon) // the center of the first of 16 columns
}

func TestScoreRange(t *testing.T) {
	lo, hi := ScoreRange(Bits{Bits: 0b101010, Step: 3})
	assert.Equal(t, uint64(0b101010)<<46, lo)
	assert.Equal(t, uint64(0b101011)<<46, hi)
}

func TestEstimateStepsByRadius(t *testing.T) {
	assert.Equal(t, uint8(26), EstimateStepsByRadius(0, 0))
	assert.Equal(t, uint8(1), EstimateStepsByRadius(1e8, 0))
	assert.Equal(t, uint8(1), EstimateStepsByRadius(math.Inf(1), 0))
	assert.Equal(t, uint8(26), EstimateStepsByRadius(0.01, 0))
	// 100 km doubles 8 times to reach the Mercator width: 9 steps, less 2,
	// less one more past 66 degrees and another past 80.
	assert.Equal(t, uint8(7), EstimateStepsByRadius(100000, 0))
	assert.Equal(t, uint8(6), EstimateStepsByRadius(100000, 70))
	assert.Equal(t, uint8(5), EstimateStepsByRadius(100000, -81))
}

// The nine cells cover the shape: every point found by a scan of the whole
// area is inside one of them.
func TestCalculateAreasCovers(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 300; i++ {
		s := Shape{XY: [2]float64{rnd.Float64()*300 - 150, rnd.Float64()*140 - 70}, Conversion: 1000}
		if rnd.IntN(2) == 0 {
			s.Radius = rnd.Float64() * 500
		} else {
			s.Box, s.Width, s.Height = true, rnd.Float64()*1000, rnd.Float64()*1000
		}
		r := s.CalculateAreas()
		cells := r.Cells()
		for j := 0; j < 200; j++ {
			lon := s.XY[0] + (rnd.Float64()*2-1)*10
			lat := s.XY[1] + (rnd.Float64()*2-1)*10
			score, ok := Score(lon, lat)
			if !ok {
				continue
			}
			plon, plat, _ := DecodeScore(float64(score))
			if _, in := s.InShape(plon, plat); !in {
				continue
			}
			covered := false
			for _, c := range cells {
				lo, hi := ScoreRange(c)
				covered = covered || !c.IsZero() && score >= lo && score < hi
			}
			require.True(t, covered, "shape %+v point %v,%v", s, lon, lat)
		}
	}
}

func TestDistance(t *testing.T) {
	assert.Equal(t, 0.0, Distance(10, 20, 10, 20))
	// The same longitude: the distance along the meridian.
	assert.Equal(t, LatDistance(10, 30), Distance(5, 10, 5, 30))
	// A quarter of the equator.
	assert.InDelta(t, math.Pi/2*earthRadiusInMeters, Distance(0, 0, 90, 0), 1e-6)
	d, in := DistanceIfInRectangle(2000, 2000, 0, 0, 0.005, 0.005)
	assert.True(t, in)
	assert.InDelta(t, Distance(0, 0, 0.005, 0.005), d, 0)
	_, in = DistanceIfInRectangle(2000, 200, 0, 0, 0.005, 0.005)
	assert.False(t, in)
}

func TestAppendDistance(t *testing.T) {
	for d, want := range map[float64]string{
		0: "0.0000", math.Copysign(0, -1): "0.0000", 1: "1.0000", 0.00005: "0.0000", 2.5 / 10000: "0.0002",
		0.000149: "0.0001", 1.23456: "1.2346", 12345678.9: "12345678.9000", 0.0123: "0.0123",
		-1.5: "-1.5000", math.NaN(): "-922337203685477.5808", math.Inf(1): "-922337203685477.5808",
	} {
		assert.Equal(t, want, string(AppendDistance(nil, d)), "%v", d)
	}
}

func TestAppendHuman(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1.5: "1.5", -1.5: "-1.5", 180: "180", 1e-18: "0", -1e-18: "0",
		0.1: "0.10000000000000001", math.Inf(1): "inf", math.Inf(-1): "-inf", 1e20: "100000000000000000000",
	} {
		assert.Equal(t, want, string(AppendHuman(nil, f)), "%v", f)
	}
}

// C's casts on x86-64, as decodeGeohash sees scores that GEOADD never
// gives (ZADD sets any score).
func TestCCasts(t *testing.T) {
	assert.Equal(t, uint64(math.MaxUint64), CUint64(-1))
	assert.Equal(t, uint64(0), CUint64(math.Inf(1)))
	assert.Equal(t, uint64(1)<<63, CUint64(math.Inf(-1)))
	assert.Equal(t, uint64(10000000000000000000), CUint64(1e19))
	assert.Equal(t, uint64(0), CUint64(1e30))
	assert.Equal(t, uint64(123), CUint64(123.9))
	assert.Equal(t, int64(math.MinInt64), CInt64(1e19))
	assert.Equal(t, int64(math.MinInt64), CInt64(math.NaN()))
	assert.Equal(t, int64(-3), CInt64(-3.9))
}

// The C haversine and the Go one with the C library's functions agree to
// the bit: the C code does the operations in the same order.
func TestDistanceGoMatchesC(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 100000; i++ {
		lon1, lat1 := rnd.Float64()*360-180, rnd.Float64()*170-85
		lon2, lat2 := lon1+rnd.NormFloat64(), lat1+rnd.NormFloat64()
		if i%2 == 0 {
			lon2, lat2 = rnd.Float64()*360-180, rnd.Float64()*170-85
		}
		want := distance(lon1, lat1, lon2, lat2)
		got := distanceGo(lon1, lat1, lon2, lat2, sin, cos, asin)
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%v %v %v %v", lon1, lat1, lon2, lat2)
	}
}
