package db

// Lazy freeing. Redis frees a large value on a background thread when a
// lazy path drops it (UNLINK, DEL with lazyfree-lazy-user-del, FLUSHALL
// and FLUSHDB ASYNC or lazyfree-lazy-user-flush, eviction and expiry with
// their lazyfree-lazy-* options), and counts the objects so freed in
// INFO's lazyfreed_objects. Here the garbage collector frees every value
// beside the loop, whatever path dropped it; the count follows Redis's
// rule, so that INFO says what Redis's would: a value whose free effort
// passes Redis's threshold counts when a lazy path drops it, a database
// flushed asynchronously counts its keys. Nothing waits to be freed:
// lazyfree_pending_objects is 0.

// lazyfreeThreshold is Redis's LAZYFREE_THRESHOLD.
const lazyfreeThreshold = 64

// freeEffort is Redis's lazyfreeGetFreeEffort: the allocations freeing v
// takes, 1 for a value of one allocation.
func freeEffort(v any) int {
	switch v := v.(type) {
	case *List:
		return v.NodeCount()
	case *Set:
		if v.d != nil {
			return v.d.Len()
		}
	case *ZSet:
		if v.zsl != nil {
			return v.Len()
		}
	case *Hash:
		if v.d != nil {
			return v.d.Len()
		}
	case *Stream:
		// The radix tree's nodes (at least one per listpack node: counted
		// only when that many could stay under the threshold), and each
		// group with the first group's PEL for all, as Redis estimates.
		effort := len(v.Nodes)
		if effort <= lazyfreeThreshold {
			effort = v.RaxNodes()
		}
		if len(v.Groups) > 0 {
			effort += len(v.Groups) * (1 + v.Groups[0].PEL.Len())
		}
		return effort
	}
	return 1
}

// lazyFreed counts v dropped by a lazy path, as Redis's dbAsyncDelete and
// freeObjAsync count what they hand to the background thread.
func (s *Server) lazyFreed(v any) {
	if v != nil && freeEffort(v) > lazyfreeThreshold {
		s.Stats.LazyfreedObjects++
	}
}
