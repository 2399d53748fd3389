//go:build cgo

package geohash

// The distance and the trigonometry of the C library, which Redis uses:
// Go's sin, cos and asin differ from glibc's in the last bit of some
// results, and GEO replies show that bit (STOREDIST stores a distance as it
// is, and a point on the edge of a radius is in or out by it). The
// haversine is computed in C, with the operations in the order of
// distanceGo and no contraction into fused multiply-adds, as Redis's gcc
// build on x86-64. Without cgo, libm_nocgo.go uses Go's math.
//
// A search measures every member of the cells it reads: geo_within decodes
// and tests a whole batch of them in one call, since entering C costs about
// as much as one distance. It is withinGo in C: the decoding of Decode and
// DecodeToLongLat at 26 steps, then geoWithinShape's tests, with the
// cosine of the center's latitude computed once.

// #cgo LDFLAGS: -lm
// #cgo noescape geo_within
// #cgo nocallback geo_within
// #include <math.h>
// #include <stdint.h>
//
// #pragma STDC FP_CONTRACT OFF
// #pragma GCC optimize("fp-contract=off")
//
// static double geo_deg_rad(double ang) { return ang * (M_PI / 180.0); }
//
// static double geo_lat_distance(double lat1d, double lat2d) {
//     return 6372797.560856 * fabs(geo_deg_rad(lat2d) - geo_deg_rad(lat1d));
// }
//
// // geo_distance_cos is geo_distance given cos1 and cos2, the cosines of
// // the latitudes in radians: a search knows the center's and reuses a
// // point's (cos is a function: the same bits as computing it again).
// static double geo_distance_cos(double lon1d, double lat1d, double lon2d, double lat2d,
//                                double cos1, double cos2) {
//     double lon1r = geo_deg_rad(lon1d), lon2r = geo_deg_rad(lon2d);
//     double v = sin((lon2r - lon1r) / 2);
//     if (v == 0.0)
//         return geo_lat_distance(lat1d, lat2d);
//     double lat1r = geo_deg_rad(lat1d), lat2r = geo_deg_rad(lat2d);
//     double u = sin((lat2r - lat1r) / 2);
//     double a = u * u + cos1 * cos2 * v * v;
//     return 2.0 * 6372797.560856 * asin(sqrt(a));
// }
//
// static double geo_distance(double lon1d, double lat1d, double lon2d, double lat2d) {
//     return geo_distance_cos(lon1d, lat1d, lon2d, lat2d, cos(geo_deg_rad(lat1d)), cos(geo_deg_rad(lat2d)));
// }
//
// static void geo_decode(uint64_t bits, double *lon, double *lat) {
//     static const uint64_t b[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
//                                  0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
//     static const unsigned s[] = {0, 1, 2, 4, 8, 16};
//     uint64_t x = bits, y = bits >> 1;
//     for (int i = 0; i < 6; i++) {
//         x = (x | (x >> s[i])) & b[i];
//         y = (y | (y >> s[i])) & b[i];
//     }
//     const double lat_min = -85.05112878, lat_max = 85.05112878, long_min = -180, long_max = 180;
//     const double lat_scale = lat_max - lat_min, long_scale = long_max - long_min;
//     uint32_t ilato = x, ilono = y;
//     double latlo = lat_min + (ilato * 1.0 / (1ull << 26)) * lat_scale;
//     double lathi = lat_min + ((uint32_t)(ilato + 1) * 1.0 / (1ull << 26)) * lat_scale;
//     double lonlo = long_min + (ilono * 1.0 / (1ull << 26)) * long_scale;
//     double lonhi = long_min + ((uint32_t)(ilono + 1) * 1.0 / (1ull << 26)) * long_scale;
//     *lon = (lonlo + lonhi) / 2;
//     if (*lon > long_max) *lon = long_max;
//     if (*lon < long_min) *lon = long_min;
//     *lat = (latlo + lathi) / 2;
//     if (*lat > lat_max) *lat = lat_max;
//     if (*lat < lat_min) *lat = lat_min;
// }
//
// static int geo_within(const uint64_t *hashes, int n, double x, double y, int box, double radius,
//                       double width, double height, double conversion, int32_t *in, double *dists) {
//     int found = 0;
//     double cosy = cos(geo_deg_rad(y));
//     for (int i = 0; i < n; i++) {
//         double lon, lat, d;
//         geo_decode(hashes[i], &lon, &lat);
//         if (!box) {
//             d = geo_distance_cos(x, y, lon, lat, cosy, cos(geo_deg_rad(lat)));
//             if (d > radius * conversion)
//                 continue;
//         } else {
//             double width_m = width * conversion, height_m = height * conversion;
//             if (geo_lat_distance(lat, y) > height_m / 2)
//                 continue;
//             double coslat = cos(geo_deg_rad(lat));
//             if (geo_distance_cos(lon, lat, x, lat, coslat, coslat) > width_m / 2)
//                 continue;
//             d = geo_distance_cos(x, y, lon, lat, cosy, coslat);
//         }
//         in[found] = i;
//         dists[found] = d;
//         found++;
//     }
//     return found;
// }
import "C"

import "unsafe"

func cos(x float64) float64 { return float64(C.cos(C.double(x))) }

func distance(lon1d, lat1d, lon2d, lat2d float64) float64 {
	return float64(C.geo_distance(C.double(lon1d), C.double(lat1d), C.double(lon2d), C.double(lat2d)))
}

func within(s *Shape, hashes []uint64, in []int32, dists []float64) int {
	if len(hashes) == 0 {
		return 0
	}
	_, _ = in[len(hashes)-1], dists[len(hashes)-1]
	box := C.int(0)
	if s.Box {
		box = 1
	}
	return int(C.geo_within((*C.uint64_t)(unsafe.Pointer(&hashes[0])), C.int(len(hashes)),
		C.double(s.XY[0]), C.double(s.XY[1]), box, C.double(s.Radius), C.double(s.Width), C.double(s.Height),
		C.double(s.Conversion), (*C.int32_t)(unsafe.Pointer(&in[0])), (*C.double)(unsafe.Pointer(&dists[0]))))
}

// sin and asin are the C library's, for the test that distanceGo with
// them equals distance.
func sin(x float64) float64  { return float64(C.sin(C.double(x))) }
func asin(x float64) float64 { return float64(C.asin(C.double(x))) }
