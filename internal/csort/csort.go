// Package csort holds the two sorts whose order Redis users see where
// elements tie, ported from the C they come from: glibc's qsort, a stable
// top-down merge sort (msort_with_tmp), which Redis's SORT and GEO
// searches call, and Redis's pqsort.c (Bentley and McIlroy's quicksort,
// sorting only the partitions that overlap a range), for SORT ... LIMIT and
// GEO's COUNT. pqsort is not stable, so ties come out in its own order: it
// is ported step by step, and both callers' differential tests against real
// Redis check that order.
package csort

// Merge sorts a stably as glibc's qsort does, taking from the left run
// while cmp <= 0; tmp must be as long as a.
func Merge[T any](a, tmp []T, cmp func(x, y *T) int) {
	n := len(a)
	if n <= 1 {
		return
	}
	n1 := n / 2
	Merge(a[:n1], tmp, cmp)
	Merge(a[n1:], tmp, cmp)
	i, j, k := 0, n1, 0
	for i < n1 && j < n {
		if cmp(&a[i], &a[j]) <= 0 {
			tmp[k] = a[i]
			i++
		} else {
			tmp[k] = a[j]
			j++
		}
		k++
	}
	k += copy(tmp[k:], a[i:n1])
	copy(a, tmp[:k]) // what is left of the right run is in place
}

// Partial is Redis's pqsort: it sorts a enough that positions lo through
// hi hold what a full sort puts there, skipping the partitions outside.
func Partial[T any](a []T, cmp func(x, y *T) int, lo, hi int) {
	partial(a, cmp, 0, len(a), lo, hi)
}

func partial[T any](v []T, cmp func(x, y *T) int, a, n, lo, hi int) {
	less := func(i, j int) int { return cmp(&v[i], &v[j]) }
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, n int) {
		for k := 0; k < n; k++ {
			swap(i+k, j+k)
		}
	}
	med3 := func(x, y, z int) int {
		if less(x, y) < 0 {
			if less(y, z) < 0 {
				return y
			}
			if less(x, z) < 0 {
				return z
			}
			return x
		}
		if less(y, z) > 0 {
			return y
		}
		if less(x, z) < 0 {
			return x
		}
		return z
	}
	// outside reports whether the range lo..hi misses items l..r.
	outside := func(l, r int) bool { return (lo < l && hi < l) || (lo > r && hi > r) }
	for {
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && less(pl-1, pl) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := less(pb, a)
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := less(pc, a)
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && !outside(a, a+r-1) {
			partial(v, cmp, a, r, lo, hi)
		}
		if r = pd - pc; r > 1 {
			a, n = pn-r, r
			if !outside(a, a+r-1) {
				continue
			}
		}
		return
	}
}
