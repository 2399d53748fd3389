package geohash

// The search side of geohash_helper.c: the shape of a search, the nine
// cells that cover it, and the distance tests.

import "math"

const (
	earthRadiusInMeters = 6372797.560856 // the quadratic mean radius of WGS-84
	mercatorMax         = 20037726.37
)

// dR is C's M_PI / 180.0: the double pi divided by 180 in double
// arithmetic (a Go constant expression would round only once).
var dR = func() float64 { pi := math.Pi; return pi / 180 }()

func degRad(ang float64) float64 { return ang * dR }
func radDeg(ang float64) float64 { return ang / dR }

// Shape is the area of a search (GeoShape): a circle of Radius around XY,
// or a Width x Height box centered on XY, in units of Conversion meters.
type Shape struct {
	Box           bool // RECTANGLE_TYPE, else CIRCULAR_TYPE
	XY            [2]float64
	Conversion    float64
	Radius        float64
	Width, Height float64
	Bounds        [4]float64 // min long, min lat, max long, max lat
}

// Radius is the cover of a search area: a cell, its area and the
// neighbours that matter (the others zero).
type Radius struct {
	Hash      Bits
	Area      Area
	Neighbors Neighbors
}

// EstimateStepsByRadius is geohashEstimateStepsByRadius: the step of the
// nine cells that cover a radius at a latitude.
func EstimateStepsByRadius(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // make sure the range is included in most of the base cases
	// Wider range towards the poles.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// BoundingBox is geohashBoundingBox: the longitude and latitude bounds of
// the shape, in s.Bounds.
func (s *Shape) BoundingBox() {
	longitude, latitude := s.XY[0], s.XY[1]
	var height, width float64
	if s.Box {
		height = s.Conversion * (s.Height / 2)
		width = s.Conversion * (s.Width / 2)
	} else {
		height = s.Conversion * s.Radius
		width = s.Conversion * s.Radius
	}
	latDelta := radDeg(height / earthRadiusInMeters)
	longDeltaTop := radDeg(width / earthRadiusInMeters / cos(degRad(latitude+latDelta)))
	longDeltaBottom := radDeg(width / earthRadiusInMeters / cos(degRad(latitude-latDelta)))
	// The hemispheres bend the box opposite ways.
	if latitude < 0 {
		s.Bounds[0] = longitude - longDeltaBottom
		s.Bounds[2] = longitude + longDeltaBottom
	} else {
		s.Bounds[0] = longitude - longDeltaTop
		s.Bounds[2] = longitude + longDeltaTop
	}
	s.Bounds[1] = latitude - latDelta
	s.Bounds[3] = latitude + latDelta
}

// CalculateAreas is geohashCalculateAreasByShapeWGS84: the cell holding the
// center and those of its neighbours the shape reaches, at a step where
// they cover the whole shape. It fills s.Bounds.
func (s *Shape) CalculateAreas() Radius {
	s.BoundingBox()
	minLon, minLat, maxLon, maxLat := s.Bounds[0], s.Bounds[1], s.Bounds[2], s.Bounds[3]
	longitude, latitude := s.XY[0], s.XY[1]
	// A box is covered by the circle through its corners.
	radiusMeters := s.Radius
	if s.Box {
		radiusMeters = math.Sqrt(float64((s.Width/2)*(s.Width/2)) + float64((s.Height/2)*(s.Height/2)))
	}
	radiusMeters *= s.Conversion

	steps := EstimateStepsByRadius(radiusMeters, latitude)
	hash, _ := Encode(longRange, latRange, longitude, latitude, steps)
	neighbors := GetNeighbors(hash)
	area, _ := Decode(longRange, latRange, hash)

	// Near the edge of a cell the estimated step may be one too many: a
	// neighbour does not reach as far as the search area.
	north, _ := Decode(longRange, latRange, neighbors.North)
	south, _ := Decode(longRange, latRange, neighbors.South)
	east, _ := Decode(longRange, latRange, neighbors.East)
	west, _ := Decode(longRange, latRange, neighbors.West)
	decrease := north.Latitude.Max < maxLat || south.Latitude.Min > minLat ||
		east.Longitude.Max < maxLon || west.Longitude.Min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = Encode(longRange, latRange, longitude, latitude, steps)
		neighbors = GetNeighbors(hash)
		area, _ = Decode(longRange, latRange, hash)
	}

	// Leave out the neighbours outside the search area.
	if steps >= 2 {
		if area.Latitude.Min < minLat {
			neighbors.South, neighbors.SouthWest, neighbors.SouthEast = Bits{}, Bits{}, Bits{}
		}
		if area.Latitude.Max > maxLat {
			neighbors.North, neighbors.NorthEast, neighbors.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Longitude.Min < minLon {
			neighbors.West, neighbors.SouthWest, neighbors.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Longitude.Max > maxLon {
			neighbors.East, neighbors.SouthEast, neighbors.NorthEast = Bits{}, Bits{}, Bits{}
		}
	}
	return Radius{Hash: hash, Area: area, Neighbors: neighbors}
}

// Cells returns the cell and its neighbours in the order Redis searches
// them (membersOfAllNeighbors).
func (r *Radius) Cells() [9]Bits {
	n := &r.Neighbors
	return [9]Bits{r.Hash, n.North, n.South, n.East, n.West, n.NorthEast, n.NorthWest, n.SouthEast, n.SouthWest}
}

// ScoreRange returns the scores of the members inside a cell: from min
// included to max excluded (scoresOfGeoHashBox).
func ScoreRange(h Bits) (lo, hi uint64) {
	lo = Align52Bits(h)
	h.Bits++
	return lo, Align52Bits(h)
}

// LatDistance is geohashGetLatDistance: the distance between two
// latitudes on a meridian.
func LatDistance(lat1d, lat2d float64) float64 {
	return earthRadiusInMeters * math.Abs(degRad(lat2d)-degRad(lat1d))
}

// Distance is geohashGetDistance: the haversine distance in meters.
func Distance(lon1d, lat1d, lon2d, lat2d float64) float64 {
	return distance(lon1d, lat1d, lon2d, lat2d)
}

// distanceGo is geohashGetDistance with the given trigonometry.
func distanceGo(lon1d, lat1d, lon2d, lat2d float64, sin, cos, asin func(float64) float64) float64 {
	lon1r := degRad(lon1d)
	lon2r := degRad(lon2d)
	v := sin((lon2r - lon1r) / 2)
	// Same longitude: the distance along the meridian, without the trigonometry.
	if v == 0.0 {
		return LatDistance(lat1d, lat2d)
	}
	lat1r := degRad(lat1d)
	lat2r := degRad(lat2d)
	u := sin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(cos(lat1r)*cos(lat2r)*v*v)
	return 2.0 * earthRadiusInMeters * asin(math.Sqrt(a))
}

// InShape is geo.c's geoWithinShape after the decoding: whether the point
// (x2, y2) is inside the shape, and its distance from the center in meters.
func (s *Shape) InShape(x2, y2 float64) (float64, bool) {
	x1, y1 := s.XY[0], s.XY[1]
	if !s.Box {
		d := Distance(x1, y1, x2, y2)
		return d, !(d > s.Radius*s.Conversion)
	}
	return DistanceIfInRectangle(s.Width*s.Conversion, s.Height*s.Conversion, x1, y1, x2, y2)
}

// Within is geoWithinShape for a batch of members of a search: hashes are
// their scores as C converts them (CUint64), each decoded at full
// precision and tested against the shape. It writes the indices in hashes
// of the members inside to in, their distances from the center in meters
// to dists, in the order of hashes, and returns their number. in and dists
// must be as long as hashes.
func (s *Shape) Within(hashes []uint64, in []int32, dists []float64) int {
	return within(s, hashes, in, dists)
}

// withinGo is Within one member at a time, in Go but for the distances.
func withinGo(s *Shape, hashes []uint64, in []int32, dists []float64) int {
	found := 0
	for i, h := range hashes {
		lon, lat, _ := DecodeToLongLat(Bits{Bits: h, Step: StepMax})
		if d, ok := s.InShape(lon, lat); ok {
			in[found], dists[found] = int32(i), d
			found++
		}
	}
	return found
}

// DistanceIfInRectangle is geohashGetDistanceIfInRectangle: whether the
// point (x2, y2) is in the width x height box centered on (x1, y1), and its
// distance from the center.
func DistanceIfInRectangle(widthM, heightM, x1, y1, x2, y2 float64) (float64, bool) {
	// The latitude test is the cheaper one.
	if LatDistance(y2, y1) > heightM/2 {
		return 0, false
	}
	if Distance(x2, y2, x1, y2) > widthM/2 {
		return 0, false
	}
	return Distance(x1, y1, x2, y2), true
}
