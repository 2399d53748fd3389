// Package jemalloc knows the sizes Redis's allocator hands out: jemalloc's
// size classes, and the allocation of an sds string. The memory accounting
// (used_memory, MEMORY USAGE) counts every structure as the allocation
// Redis, built with jemalloc, would make for it, so that the figures and
// maxmemory behave as Redis's do.
package jemalloc

// Size rounds an allocation of n bytes up to its jemalloc size class: 8,
// then steps of 16 up to 128, then four classes per doubling.
func Size(n int) int {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	shift := 0
	for v := n - 1; v > 1; v >>= 1 {
		shift++
	}
	step := 1 << (shift - 2)
	return (n + step - 1) &^ (step - 1)
}

// SdsSize is the allocation of an sds string of length n: the smallest
// header that holds the length, the bytes and a terminating NUL.
func SdsSize(n int) int {
	hdr := 9
	switch {
	case n < 1<<5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	}
	return Size(hdr + n + 1)
}
