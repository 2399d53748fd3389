package dict

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestStats checks DEBUG HTSTATS's description against the table: the
// chain lengths add up to the table size and to the elements, and a
// rehashing dict describes its target too.
func TestStats(t *testing.T) {
	d := New[int](nil)
	if got := d.Stats(); got != "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n" {
		t.Fatalf("empty: %q", got)
	}
	for i := 0; i < 1000; i++ {
		d.Set(strconv.Itoa(i), i)
	}
	for d.rehashing() {
		d.rehashStep()
	}
	st := d.Stats()
	field := func(name string) int {
		m := regexp.MustCompile(" " + name + ": ([0-9]+)\n").FindStringSubmatch(st)
		if m == nil {
			t.Fatalf("no %s in %q", name, st)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if field("table size") != 1024 || field("number of elements") != 1000 {
		t.Fatalf("stats: %q", st)
	}
	buckets, elems := 0, 0
	for _, m := range regexp.MustCompile(`\n   ([0-9]+): ([0-9]+) \(`).FindAllStringSubmatch(st, -1) {
		l, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		buckets += n
		elems += l * n
	}
	if buckets != 1024 || elems != 1000 {
		t.Fatalf("distribution adds up to %d buckets, %d elements: %q", buckets, elems, st)
	}
	for i := 0; !d.rehashing() && i < 100; i++ { // past 1024: the table grows and rehashes
		d.Set("more "+strconv.Itoa(i), i)
	}
	if !d.rehashing() || !strings.Contains(d.Stats(), "Hash table 1 stats (rehashing target):") {
		t.Fatalf("rehashing: %v %q", d.rehashing(), d.Stats())
	}
}
