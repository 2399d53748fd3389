package dict

import (
	"fmt"
	"strings"
)

// statsVectLen is the chain lengths Stats counts one by one (Redis's
// DICT_STATS_VECTLEN).
const statsVectLen = 50

// Stats describes the tables as Redis's dictGetStats does, for DEBUG
// HTSTATS: the main table, and the rehashing target while there is one.
func (d *Dict[V]) Stats() string {
	var b strings.Builder
	d.tableStats(&b, 0)
	if d.rehashing() {
		d.tableStats(&b, 1)
	}
	return b.String()
}

// tableStats is _dictGetStatsHt. Its averages and percentages are
// computed in single precision, as Redis's.
func (d *Dict[V]) tableStats(b *strings.Builder, idx int) {
	name := "main hash table"
	if idx == 1 {
		name = "rehashing target"
	}
	t := &d.ht[idx]
	if t.used == 0 {
		fmt.Fprintf(b, "Hash table %d stats (%s):\nNo stats available for empty dictionaries\n", idx, name)
		return
	}
	var chains [statsVectLen]uint64
	var slots, maxChain, total uint64
	for i := uint64(0); i < t.size; i++ {
		n := uint64(0)
		for e := t.bucket(i); e != nil; e = e.next {
			n++
		}
		if n == 0 {
			chains[0]++
			continue
		}
		slots++
		chains[min(n, statsVectLen-1)]++
		maxChain = max(maxChain, n)
		total += n
	}
	fmt.Fprintf(b, "Hash table %d stats (%s):\n table size: %d\n number of elements: %d\n"+
		" different slots: %d\n max chain length: %d\n avg chain length (counted): %.02f\n"+
		" avg chain length (computed): %.02f\n Chain length distribution:\n",
		idx, name, t.size, t.used, slots, maxChain,
		float64(float32(total)/float32(slots)), float64(float32(t.used)/float32(slots)))
	for i := 0; i < statsVectLen-1; i++ {
		if chains[i] != 0 {
			fmt.Fprintf(b, "   %d: %d (%.02f%%)\n", i, chains[i], float64(float32(chains[i])/float32(t.size)*100))
		}
	}
}
