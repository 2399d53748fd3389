//go:build cgo

package geohash

// The distance and the trigonometry of the C library, which Redis uses:
// Go's sin, cos and asin differ from glibc's in the last bit of some
// results, and GEO replies show that bit (STOREDIST stores a distance as it
// is, and a point on the edge of a radius is in or out by it). The
// haversine is computed in C, in one call per distance since a search
// computes one per candidate member, with the operations in the order of
// distanceGo and no contraction into fused multiply-adds, as Redis's gcc
// build on x86-64. Without cgo, libm_nocgo.go uses Go's math.

// #cgo LDFLAGS: -lm
// #include <math.h>
//
// #pragma STDC FP_CONTRACT OFF
// #pragma GCC optimize("fp-contract=off")
//
// static double geo_deg_rad(double ang) { return ang * (M_PI / 180.0); }
//
// static double geo_distance(double lon1d, double lat1d, double lon2d, double lat2d) {
//     double lon1r = geo_deg_rad(lon1d), lon2r = geo_deg_rad(lon2d);
//     double v = sin((lon2r - lon1r) / 2);
//     if (v == 0.0)
//         return 6372797.560856 * fabs(geo_deg_rad(lat2d) - geo_deg_rad(lat1d));
//     double lat1r = geo_deg_rad(lat1d), lat2r = geo_deg_rad(lat2d);
//     double u = sin((lat2r - lat1r) / 2);
//     double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
//     return 2.0 * 6372797.560856 * asin(sqrt(a));
// }
import "C"

func cos(x float64) float64 { return float64(C.cos(C.double(x))) }

func distance(lon1d, lat1d, lon2d, lat2d float64) float64 {
	return float64(C.geo_distance(C.double(lon1d), C.double(lat1d), C.double(lon2d), C.double(lat2d)))
}

// sin and asin are the C library's, for the test that distanceGo with
// them equals distance.
func sin(x float64) float64  { return float64(C.sin(C.double(x))) }
func asin(x float64) float64 { return float64(C.asin(C.double(x))) }
