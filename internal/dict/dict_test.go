package dict

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDictBasic(t *testing.T) {
	d := New[int](nil)
	for i := 0; i < 10000; i++ {
		require.True(t, d.Set(fmt.Sprint(i), i))
	}
	require.False(t, d.Set("5", 55))
	require.Equal(t, 10000, d.Len())
	v, ok := d.Find("5")
	require.True(t, ok)
	require.Equal(t, 55, v)
	for i := 0; i < 10000; i += 2 {
		_, ok := d.Delete(fmt.Sprint(i))
		require.True(t, ok)
	}
	require.Equal(t, 5000, d.Len())
	for i := 0; i < 10000; i++ {
		_, ok := d.Find(fmt.Sprint(i))
		require.Equal(t, i%2 == 1, ok)
	}
}

// Every key present for the whole scan is returned, even while the table
// grows and shrinks between calls.
func TestDictScanAcrossResizes(t *testing.T) {
	d := New[int](nil)
	for i := 0; i < 1000; i++ {
		d.Set(fmt.Sprint("keep", i), i)
	}
	seen := map[string]bool{}
	cursor, round := uint64(0), 0
	for {
		cursor = d.Scan(cursor, func(k string, _ int) { seen[k] = true })
		round++
		if round%3 == 0 {
			for i := 0; i < 500; i++ {
				d.Set(fmt.Sprint("tmp", round, i), i)
			}
		} else if round%3 == 1 {
			d.Each(func(k string, _ int) bool {
				if k[0] == 't' {
					defer d.Delete(k)
				}
				return true
			})
		}
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 1000; i++ {
		assert.True(t, seen[fmt.Sprint("keep", i)], "keep%d missed", i)
	}
}

// A frozen view keeps the contents of the moment it was taken while the
// owner writes; run with -race to prove the reader only sees frozen memory.
func TestDictFreezeIsPointInTime(t *testing.T) {
	cow := &COW{}
	d := New[int](cow)
	for i := 0; i < 20000; i++ {
		d.Set(fmt.Sprint(i), i)
	}
	f := d.Freeze()
	cow.Epoch++
	cow.Live++
	var wg sync.WaitGroup
	wg.Add(1)
	var sum, n int
	go func() {
		defer wg.Done()
		f.Each(func(k string, v int) bool { sum += v; n++; return true })
	}()
	for i := 0; i < 20000; i++ {
		switch i % 3 {
		case 0:
			d.Set(fmt.Sprint(i), -1)
		case 1:
			d.Delete(fmt.Sprint(i))
		default:
			d.Set(fmt.Sprint("new", i), 7)
		}
	}
	wg.Wait()
	cow.Live--
	assert.Equal(t, 20000, n)
	assert.Equal(t, 20000*19999/2, sum)
	assert.Greater(t, cow.Copied, int64(0))
	v, _ := d.Find("3")
	assert.Equal(t, -1, v)
}

// A fork shares the segments and entries of the dict it was forked from;
// writing the fork while a snapshot is live leaves the original as it was,
// and a Frozen view finds what was there when it was taken.
func TestDictForkAndFrozenFind(t *testing.T) {
	cow := &COW{}
	d := New[int](cow)
	for i := 0; i < 3000; i++ {
		d.Set(fmt.Sprint(i), i)
	}
	f := d.Freeze()
	cow.Epoch++
	cow.Live++
	fork := d.Fork()
	for i := 0; i < 3000; i += 2 {
		fork.Delete(fmt.Sprint(i))
	}
	fork.Set("1", -1)
	require.Equal(t, 3000, d.Len())
	require.Equal(t, 1500, fork.Len())
	for _, k := range []string{"0", "1", "2998"} {
		v, ok := d.Find(k)
		require.True(t, ok, k)
		w, ok := f.Find(k)
		require.True(t, ok, k)
		require.Equal(t, v, w, k)
	}
	v, _ := fork.Find("1")
	require.Equal(t, -1, v)
	_, ok := fork.Find("0")
	require.False(t, ok)
	_, ok = f.Find("nosuch")
	require.False(t, ok)
	cow.Live--
}

// An entry's clock is kept by overwrites that ask for it, moves with
// the entry through copy-on-write and rehashing, and is never written
// while a snapshot shares the entry.
func TestDictEntryClock(t *testing.T) {
	cow := &COW{}
	d := New[int](cow)
	for i := 0; i < 1000; i++ {
		d.SetViewClock(fmt.Sprint(i), i, uint32(i), false)
	}
	require.False(t, d.SetViewClock("7", 70, 99, true))
	require.Equal(t, uint32(7), d.FindEntry("7").Clock())
	require.Equal(t, 70, d.FindEntry("7").Val())
	d.SetViewClock("7", 7, 77, false)
	require.Equal(t, uint32(77), d.FindEntry("7").Clock())

	f := d.Freeze()
	cow.Epoch++
	cow.Live++
	e := d.FindEntry("8")
	require.False(t, d.SetClock(e, 1234), "shared with the snapshot")
	d.Set("8", 80) // copies the entry, clock included
	e = d.FindEntry("8")
	require.Equal(t, uint32(8), e.Clock())
	require.True(t, d.SetClock(e, 1234))
	for i := 1000; i < 3000; i++ {
		d.SetViewClock(fmt.Sprint(i), i, uint32(i), false)
	}
	frozen := map[string]uint32{}
	f.EachEntry(func(e *Entry[int]) bool {
		frozen[e.Key()] = e.Clock()
		return true
	})
	require.Len(t, frozen, 1000)
	require.Equal(t, uint32(8), frozen["8"])
	require.Equal(t, uint32(77), frozen["7"])
	cow.Live--
	for d.Rehash(100) { // moves the entries, clocks included
	}
	for i := 0; i < 3000; i++ {
		want := uint32(i)
		switch i {
		case 7:
			want = 77
		case 8:
			want = 1234
		}
		require.Equal(t, want, d.FindEntry(fmt.Sprint(i)).Clock(), i)
	}
	n := 0
	d.SampleEntries(10, func(e *Entry[int], _ Loc) {
		require.Same(t, d.FindEntry(e.Key()), e)
		n++
	})
	require.Equal(t, 10, n)
}

// The clock is 24 bits wide: the word's top bits are the hash tag lookups
// filter a chain by, which no clock value may disturb.
func TestDictClockKeepsHashTag(t *testing.T) {
	d := New[int](nil)
	for i := 0; i < 5000; i++ {
		d.SetViewClock(fmt.Sprint(i), i, ^uint32(0), false)
	}
	for i := 0; i < 5000; i += 2 {
		e := d.FindEntry(fmt.Sprint(i))
		require.NotNil(t, e, i)
		require.Equal(t, uint32(1<<24-1), e.Clock())
		require.True(t, d.SetClock(e, ^uint32(0)-uint32(i)))
		d.SetViewClock(fmt.Sprint(i), -i, uint32(i)|0xff000000, false)
	}
	for i := 0; i < 5000; i++ {
		v, ok := d.Find(fmt.Sprint(i))
		require.True(t, ok, i)
		if i%2 == 0 {
			require.Equal(t, -i, v)
			require.Equal(t, uint32(i), d.FindEntry(fmt.Sprint(i)).Clock())
		}
	}
	_, ok := d.Delete("4998")
	require.True(t, ok)
	_, ok = d.Find("4998")
	require.False(t, ok)
}

// DeleteSampled deletes the sampled key whether its entry is still where
// it was sampled or not: the table grown or shrunk and rehashed since,
// the key deleted and set again, the entry copied for a snapshot. A
// model map checks the dict after each one.
func TestDeleteSampled(t *testing.T) {
	cow := &COW{}
	d := New[int](cow)
	model := map[string]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	set := func(k string, v int) {
		d.Set(k, v)
		model[k] = v
	}
	for i := 0; i < 2000; i++ {
		set(fmt.Sprint("k", i), i)
	}
	type sample struct {
		key string
		e   *Entry[int]
		at  Loc
	}
	var frozen []*Frozen[int]
	var stale []sample
	for round := 0; round < 400; round++ {
		var got []sample
		d.SampleEntries(5, func(e *Entry[int], at Loc) { got = append(got, sample{e.Key(), e, at}) })
		require.NotEmpty(t, got)
		switch rng.IntN(6) { // what happens between the sampling and the deletion
		case 0: // the table grows (rehashing starts or goes on)
			for i := 0; i < 300; i++ {
				set(fmt.Sprint("g", round, "-", i), i)
			}
		case 1: // the key is deleted and set again: a new entry
			d.Delete(got[0].key)
			set(got[0].key, -round)
		case 2: // a snapshot: the entries a write reaches are copied
			frozen = append(frozen, d.Freeze())
			cow.Epoch++
			cow.Live++
			set(got[0].key, round)
		case 4: // a snapshot ends: deleted entries are reused again
			if cow.Live > 0 {
				cow.Live--
			}
		case 3: // many deletions: the table shrinks
			n := 0
			for k := range model {
				if n++; n > 400 {
					break
				}
				d.Delete(k)
				delete(model, k)
			}
		}
		s := got[rng.IntN(len(got))]
		_, want := model[s.key]
		_, ok := d.DeleteSampled(s.key, s.e, s.at)
		require.Equal(t, want, ok, "round %d key %s", round, s.key)
		delete(model, s.key)
		require.Equal(t, len(model), d.Len())
		// A sample of an earlier round: its key may be gone, set again,
		// and its entry reused by another key since.
		stale = append(stale, got...)
		s = stale[rng.IntN(len(stale))]
		_, want = model[s.key]
		_, ok = d.DeleteSampled(s.key, s.e, s.at)
		require.Equal(t, want, ok, "round %d stale key %s", round, s.key)
		delete(model, s.key)
		require.Equal(t, len(model), d.Len())
		if round%50 == 0 {
			for k, v := range model {
				got, found := d.Find(k)
				require.True(t, found, k)
				require.Equal(t, v, got, k)
			}
		}
		if len(model) < 500 {
			for i := 0; i < 1000; i++ {
				set(fmt.Sprint("r", round, "-", i), i)
			}
		}
	}
	cow.Live = 0
	runtime.KeepAlive(frozen)
}

// An entry still where it was sampled is found by its address: the key's
// bytes are not read (here they are changed under the dict, so that a
// lookup would not find them).
func TestDeleteSampledByAddress(t *testing.T) {
	d := New[int](nil)
	bufs := map[string][]byte{}
	for i := 0; i < 100; i++ {
		b := []byte(fmt.Sprint(i))
		k := unsafe.String(&b[0], len(b))
		bufs[k] = b
		d.Set(k, i)
	}
	var e *Entry[int]
	var at Loc
	d.SampleEntries(1, func(x *Entry[int], l Loc) { e, at = x, l })
	key := e.Key()
	want := e.val
	name := string(bufs[key])
	bufs[key][0] = 'x'
	v, ok := d.DeleteSampled(key, e, at)
	require.True(t, ok)
	require.Equal(t, want, v)
	_, found := d.Find(name)
	require.False(t, found)
	require.Equal(t, 99, d.Len())
}

// The entry of a key deleted by its address is reused by the next
// insertion, unless a snapshot is live; a stale reference to it (the key
// gone, the entry now another key's) deletes nothing.
func TestDeleteSampledReuse(t *testing.T) {
	cow := &COW{}
	d := New[int](cow)
	for i := 0; i < 100; i++ {
		d.Set(fmt.Sprint(i), i)
	}
	sample := func() (*Entry[int], Loc, string) {
		var e *Entry[int]
		var at Loc
		d.SampleEntries(1, func(x *Entry[int], l Loc) { e, at = x, l })
		return e, at, e.Key()
	}
	e, at, key := sample()
	_, ok := d.DeleteSampled(key, e, at)
	require.True(t, ok)
	// A new key in the same bucket, where the stale reference looks.
	var newKey string
	for i := 0; newKey == ""; i++ {
		if k := fmt.Sprint("new", i); hashKey(k)&(at.size-1) == at.idx {
			newKey = k
		}
	}
	d.Set(newKey, 1000)
	require.Same(t, e, d.FindEntry(newKey))
	_, ok = d.DeleteSampled(key, e, at) // stale: the key is gone
	require.False(t, ok)
	v, found := d.Find(newKey)
	require.True(t, found)
	require.Equal(t, 1000, v)

	cow.Epoch++
	cow.Live++ // a snapshot may still reach a deleted entry
	e, at, key = sample()
	_, ok = d.DeleteSampled(key, e, at)
	require.True(t, ok)
	d.Set("newer", 1001)
	require.NotSame(t, e, d.FindEntry("newer"))
	require.Equal(t, key, e.Key(), "an entry a snapshot may read is left as it was")
	cow.Live--
}

// sampleReference is the sampling of dictGetSomeKeys one entry at a time,
// without the rehash steps: what sampleEntries must hand out, in order.
func sampleReference[V any](d *Dict[V], count int, rnd func() uint64, fn func(e *Entry[V], at Loc)) {
	if d.Len() == 0 || count <= 0 {
		return
	}
	count = min(count, d.Len())
	tables := 1
	if d.rehashing() {
		tables = 2
	}
	maxMask := d.ht[0].size - 1
	if tables == 2 && d.ht[1].size > d.ht[0].size {
		maxMask = d.ht[1].size - 1
	}
	i := rnd() & maxMask
	stored, empty := 0, 0
	for steps := count * 10; stored < count && steps > 0; steps-- {
		for t := 0; t < tables; t++ {
			tb := &d.ht[t]
			if tables == 2 && t == 0 && i < uint64(d.rehashIdx) {
				if i >= d.ht[1].size {
					i = uint64(d.rehashIdx)
				} else {
					continue
				}
			}
			if i >= tb.size {
				continue
			}
			e := tb.bucket(i)
			if e == nil {
				if empty++; empty >= 5 && empty > count {
					i = rnd() & maxMask
					empty = 0
				}
				continue
			}
			empty = 0
			for ; e != nil && stored < count; e = e.next {
				fn(e, Loc{size: tb.size, idx: i})
				stored++
			}
		}
		i = (i + 1) & maxMask
	}
}

// The sampling reads ahead in windows but hands out exactly the entries of
// the plain walk, in its order, in dense, sparse, growing and shrinking
// tables, for every count (more than a window too).
func TestSampleEntriesAsReference(t *testing.T) {
	type got struct {
		key string
		at  Loc
	}
	cow := &COW{}
	d := New[int](cow)
	rng := rand.New(rand.NewPCG(3, 4))
	n := 0
	rehashing := 0 // comparisons made while the table was rehashing
	check := func(what string) {
		for _, count := range []int{1, 2, 5, 10, 16, 17, 33, 64} {
			for round := 0; round < 20; round++ {
				if d.rehashing() {
					rehashing++
				}
				seed := rng.Uint64()
				var a, b []got
				ra := rand.New(rand.NewPCG(seed, 1))
				d.sampleEntries(count, ra.Uint64, func(e *Entry[int], at Loc) { a = append(a, got{e.Key(), at}) }, nil)
				rb := rand.New(rand.NewPCG(seed, 1))
				sampleReference(d, count, rb.Uint64, func(e *Entry[int], at Loc) { b = append(b, got{e.Key(), at}) })
				require.Equal(t, b, a, "%s: count %d, %d keys, rehashing %v", what, count, d.Len(), d.rehashing())
			}
		}
	}
	add := func(k int) {
		for i := 0; i < k; i++ {
			d.Set(fmt.Sprint("k", n), n)
			n++
		}
	}
	for _, size := range []int{1, 3, 7, 100, 1000, 5000} {
		add(size)
		check("growing")
	}
	// Sparse: deletions while a snapshot is live do not shrink the table,
	// so most buckets are empty and the walk jumps.
	cow.Live++
	for i := 0; i < n; i++ {
		if i%19 != 0 {
			d.Delete(fmt.Sprint("k", i))
		}
	}
	check("sparse")
	cow.Live--
	// Shrinking: the next deletions resize the table and rehash into it.
	for i := 0; i < n && !d.rehashing(); i++ {
		d.Delete(fmt.Sprint("k", i))
	}
	check("shrinking")
	require.Greater(t, rehashing, 100)
}

// A segment's bucket array, with the allocator's 8-byte header, is a whole
// size class: 100 of them are 100 allocations of exactly that class.
func TestSegmentFillsSizeClass(t *testing.T) {
	const class = segSize*8 + 8
	mallocs := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for _, c := range ms.BySize {
			if c.Size == class {
				return c.Mallocs
			}
		}
		t.Fatalf("no %d-byte size class", class)
		return 0
	}
	keep := make([][]*Entry[int], 100)
	before := mallocs()
	for i := range keep {
		keep[i] = make([]*Entry[int], segSize)
	}
	require.GreaterOrEqual(t, mallocs()-before, uint64(len(keep)))
	runtime.KeepAlive(keep)
}

// Lookups of present keys in a table of 1M buckets.
func BenchmarkFind(b *testing.B) {
	d := New[int](nil)
	keys := make([]string, 800000)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
		d.Set(keys[i], i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := d.Find(keys[(i*7919)%len(keys)]); !ok {
			b.Fatal("missing")
		}
	}
}

// A chain longer than the sample is sampled to its end (reservoir
// sampling, as Redis 7.0.15's dictGetSomeKeys): every entry of a 30-long
// chain comes out of Sample(15) about as often as the others. Before, the
// last 15 never did (unit/type/set "SRANDMEMBER with a dict containing
// long chain").
func TestSampleReachesTheEndOfALongChain(t *testing.T) {
	d := New[int](nil)
	d.ht[0] = newTable[int](64, 0)
	var head *Entry[int]
	for i := 29; i >= 0; i-- {
		head = &Entry[int]{key: fmt.Sprint(i), val: i, next: head}
	}
	d.setBucket(&d.ht[0], 7, head)
	d.ht[0].used = 30
	hits := make([]int, 30)
	for range 20000 {
		d.Sample(15, func(_ string, v int) { hits[v]++ })
	}
	for i, n := range hits {
		// 20000 x 15 / 30 = 10000 each on average.
		require.InDelta(t, 10000, n, 1000, "entry %d of the chain", i)
	}
}
