// Package geohash is Redis 7.0's geohash math (geohash.c and
// geohash_helper.c), bit for bit: the 52-bit interleaved hash a GEO member
// stores as its sorted-set score, its decoding back to a position, the
// neighbouring cells and the nine-cell cover of a search area, the
// haversine distance and the radius and box tests, and the number formats
// of the GEO replies.
//
// A position is encoded in a cell of step bits per axis: longitude in
// [-180, 180] and latitude in [-85.05112878, 85.05112878] (the Mercator
// limits) are scaled to [0, 2^step) and their bits interleaved, latitude in
// the even bits and longitude in the odd ones. At the full 26 steps the
// hash is the 52-bit score. A cell at fewer steps covers the scores from
// its hash shifted to 52 bits, up to the next hash shifted (Align52Bits):
// that is how a search reads a range of the sorted set for each cell.
//
// Every operation is written as Redis's C computes it, with the same order
// of floating-point operations (no fused multiply-add: explicit float64
// conversions round each product), so that positions, distances and search
// results equal Redis's to the last digit. sin, cos and asin are the C
// library's, through cgo (libm_cgo.go): Go's differ from glibc's in the
// last bit of some distances, which STOREDIST shows. A build without cgo
// falls back to Go's.
package geohash

import "math"

// The limits of the encodable area and the full precision.
const (
	StepMax = 26 // 26*2 = 52 bits

	LatMin  = -85.05112878
	LatMax  = 85.05112878
	LongMin = -180.0
	LongMax = 180.0
)

// Bits is a hash of step bits per axis (GeoHashBits). The zero value is
// "no cell" (HASHISZERO).
type Bits struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is "no cell".
func (h Bits) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

func (r Range) isZero() bool { return r.Max == 0 && r.Min == 0 }

// Area is a cell and the coordinates it covers.
type Area struct {
	Hash      Bits
	Longitude Range
	Latitude  Range
}

// Neighbors are the eight cells around one, at its step.
type Neighbors struct {
	North, East, West, South                   Bits
	NorthEast, SouthEast, NorthWest, SouthWest Bits
}

// Redis's coordinate ranges (geohashGetCoordRange).
var (
	longRange = Range{LongMin, LongMax}
	latRange  = Range{LatMin, LatMax}
)

// interleave64 puts the bits of x in the even positions and those of y in
// the odd ones.
func interleave64(xlo, ylo uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(xlo), uint64(ylo)
	for i := 4; i >= 0; i-- {
		x = (x | x<<s[i]) & b[i]
		y = (y | y<<s[i]) & b[i]
	}
	return x | y<<1
}

// deinterleave64 undoes interleave64: the even bits in the low 32 bits of
// the result, the odd ones in the high 32.
func deinterleave64(interleaved uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := interleaved, interleaved>>1
	for i := 0; i < 6; i++ {
		x = (x | x>>s[i]) & b[i]
		y = (y | y>>s[i]) & b[i]
	}
	return x | y<<32
}

// Encode is geohashEncode: the cell of step bits per axis holding the
// position, within the given ranges. It fails outside Redis's limits or
// the ranges.
func Encode(longR, latR Range, longitude, latitude float64, step uint8) (Bits, bool) {
	if step > 32 || step == 0 || latR.isZero() || longR.isZero() {
		return Bits{}, false
	}
	if longitude > LongMax || longitude < LongMin || latitude > LatMax || latitude < LatMin {
		return Bits{}, false
	}
	if latitude < latR.Min || latitude > latR.Max || longitude < longR.Min || longitude > longR.Max {
		return Bits{Step: step}, false
	}
	latOffset := (latitude - latR.Min) / (latR.Max - latR.Min)
	longOffset := (longitude - longR.Min) / (longR.Max - longR.Min)
	latOffset *= float64(uint64(1) << step)
	longOffset *= float64(uint64(1) << step)
	return Bits{Bits: interleave64(uint32(latOffset), uint32(longOffset)), Step: step}, true
}

// EncodeWGS84 encodes a position in Redis's ranges.
func EncodeWGS84(longitude, latitude float64, step uint8) (Bits, bool) {
	return Encode(longRange, latRange, longitude, latitude, step)
}

// Decode is geohashDecode: the area a cell covers.
func Decode(longR, latR Range, hash Bits) (Area, bool) {
	if hash.IsZero() || latR.isZero() || longR.isZero() {
		return Area{}, false
	}
	sep := deinterleave64(hash.Bits) // [LAT][LONG]
	latScale := latR.Max - latR.Min
	longScale := longR.Max - longR.Min
	ilato := uint32(sep)
	ilono := uint32(sep >> 32)
	div := float64(uint64(1) << hash.Step)
	return Area{
		Hash: hash,
		Latitude: Range{
			Min: latR.Min + float64(float64(ilato)*1.0/div*latScale),
			Max: latR.Min + float64(float64(ilato+1)*1.0/div*latScale),
		},
		Longitude: Range{
			Min: longR.Min + float64(float64(ilono)*1.0/div*longScale),
			Max: longR.Min + float64(float64(ilono+1)*1.0/div*longScale),
		},
	}, true
}

// DecodeWGS84 decodes a cell in Redis's ranges.
func DecodeWGS84(hash Bits) (Area, bool) { return Decode(longRange, latRange, hash) }

// DecodeToLongLat is geohashDecodeToLongLatWGS84: the center of the cell,
// clamped to the limits.
func DecodeToLongLat(hash Bits) (lon, lat float64, ok bool) {
	area, ok := DecodeWGS84(hash)
	if !ok {
		return 0, 0, false
	}
	lon = (area.Longitude.Min + area.Longitude.Max) / 2
	lon = min(max(lon, LongMin), LongMax)
	lat = (area.Latitude.Min + area.Latitude.Max) / 2
	lat = min(max(lat, LatMin), LatMax)
	return lon, lat, true
}

// DecodeScore is geo.c's decodeGeohash: the position a sorted-set score
// stands for, whatever the score (one set by ZADD too).
func DecodeScore(score float64) (lon, lat float64, ok bool) {
	return DecodeToLongLat(Bits{Bits: CUint64(score), Step: StepMax})
}

// CUint64 converts as C's (uint64_t) cast of a double compiles on x86-64:
// values from 2^63 up go through a subtraction; out-of-range values (and
// negative ones below -2^63) give the "indefinite integer".
func CUint64(f float64) uint64 {
	const two63 = 9223372036854775808.0
	if f >= two63 {
		return uint64(CInt64(f-two63)) ^ 1<<63
	}
	return uint64(CInt64(f))
}

// CInt64 converts as C's (long long) cast of a double on x86-64
// (cvttsd2si): truncation, and math.MinInt64 when out of range or NaN.
func CInt64(f float64) int64 {
	if !(f >= -9223372036854775808.0 && f < 9223372036854775808.0) {
		return math.MinInt64
	}
	return int64(f)
}

// Score returns the sorted-set score of a position, as GEOADD stores it:
// the 52-bit hash at full precision.
func Score(longitude, latitude float64) (uint64, bool) {
	h, ok := EncodeWGS84(longitude, latitude, StepMax)
	if !ok {
		return 0, false
	}
	return Align52Bits(h), true
}

// Align52Bits shifts a hash to the 52 bits of a score.
func Align52Bits(h Bits) uint64 { return h.Bits << (52 - uint(h.Step)*2) }

func moveX(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

func moveY(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= 0x5555555555555555 >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// GetNeighbors is geohashNeighbors.
func GetNeighbors(h Bits) Neighbors {
	move := func(dx, dy int) Bits {
		n := h
		moveX(&n, dx)
		moveY(&n, dy)
		return n
	}
	return Neighbors{
		East: move(1, 0), West: move(-1, 0), South: move(0, -1), North: move(0, 1),
		NorthWest: move(-1, 1), NorthEast: move(1, 1), SouthEast: move(1, -1), SouthWest: move(-1, -1),
	}
}

// geoAlphabet is the standard geohash base32 alphabet.
const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// String is GEOHASH's 11-character standard geohash of a score: the
// position decoded, encoded again in the standard latitude range [-90, 90],
// the 11th character always '0'. It fails as GEOHASH does, never in
// practice.
func String(score float64) (string, bool) {
	lon, lat, ok := DecodeScore(score)
	if !ok {
		return "", false
	}
	h, _ := Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, 26)
	var buf [11]byte
	for i := 0; i < 11; i++ {
		idx := uint64(0)
		if i < 10 {
			idx = (h.Bits >> (52 - (uint(i)+1)*5)) & 0x1f
		}
		buf[i] = geoAlphabet[idx]
	}
	return string(buf[:]), true
}
