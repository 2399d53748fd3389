//go:build !cgo

package geohash

import "math"

// Without cgo, Go's trigonometry: distances may differ from Redis's in the
// last bit (see libm_cgo.go).

func cos(x float64) float64 { return math.Cos(x) }

func distance(lon1d, lat1d, lon2d, lat2d float64) float64 {
	return distanceGo(lon1d, lat1d, lon2d, lat2d, math.Sin, math.Cos, math.Asin)
}

func within(s *Shape, hashes []uint64, in []int32, dists []float64) int {
	return withinGo(s, hashes, in, dists)
}

func sin(x float64) float64  { return math.Sin(x) }
func asin(x float64) float64 { return math.Asin(x) }
