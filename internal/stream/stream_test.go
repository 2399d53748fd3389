package stream

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestParseID(t *testing.T) {
	for in, want := range map[string]string{
		"5": "5-7", "5-3": "5-3", "00005-01": "5-1", "+5": "5-7", " 6": "6-7",
		"18446744073709551615-18446744073709551615": "18446744073709551615-18446744073709551615",
		"1--05": "1-18446744073709551611",
	} {
		id, ok := ParseID([]byte(in), 7)
		require.True(t, ok, in)
		require.Equal(t, want, id.String(), in)
	}
	for _, in := range []string{"", "-", "a", "1-a", "-1", "1--5", "18446744073709551616", "1-2-3", "5-"} {
		_, ok := ParseID([]byte(in), 0)
		require.False(t, ok, in)
	}
}

// TestStreamModel appends, deletes and trims against a plain slice and
// checks the stream's view, its node invariants and ValidateNode.
func TestStreamModel(t *testing.T) {
	s := New()
	lim := Limits{MaxBytes: 300, MaxEntries: 4}
	var model []ID
	check := func() {
		t.Helper()
		var got []ID
		s.Range(ID{}, MaxID, false, false, func(e *Entry) bool {
			got = append(got, e.ID)
			return true
		})
		require.Equal(t, fmt.Sprint(model), fmt.Sprint(got))
		var rev []ID
		s.Range(ID{}, MaxID, true, false, func(e *Entry) bool {
			rev = append([]ID{e.ID}, rev...)
			return true
		})
		require.Equal(t, fmt.Sprint(model), fmt.Sprint(rev))
		require.Equal(t, uint64(len(model)), s.Length)
		if len(model) > 0 {
			require.Equal(t, model[0], s.EdgeID(true, true))
			require.Equal(t, model[len(model)-1], s.EdgeID(false, true))
			mid := model[len(model)/2]
			w := s.Walk(mid, mid, false)
			e := w.Next()
			require.True(t, e != nil && e.ID == mid && w.Next() == nil)
		}
		for _, n := range s.Nodes {
			require.True(t, ValidateNode(n.LP))
		}
	}
	for i := 1; i <= 200; i++ {
		id := ID{uint64(i / 3), uint64(i % 3)}
		fv := [][]byte{[]byte("f"), []byte(fmt.Sprint(i))}
		if i%5 == 0 {
			fv = append(fv, []byte("other"), []byte("x"))
		}
		s.Append(id, fv, lim)
		s.LastID = id
		model = append(model, id)
		if i%7 == 0 {
			victim := model[len(model)/2]
			require.True(t, s.Delete(victim))
			require.False(t, s.Delete(victim))
			model = append(model[:len(model)/2], model[len(model)/2+1:]...)
		}
		check()
	}
	deleted := s.Trim(&TrimArgs{Strategy: TrimMaxLen, MaxLen: 50})
	require.Equal(t, int64(len(model)-50), deleted)
	model = model[len(model)-50:]
	check()
	require.Equal(t, model[0], s.FirstID)
	s.Trim(&TrimArgs{Strategy: TrimMinID, MinID: model[10]})
	model = model[10:]
	check()
}

func TestRaxNodes(t *testing.T) {
	require.Equal(t, 1, RaxNodesOf(nil))
	require.Equal(t, 2, RaxNodesOf([]ID{{1, 0}}))
	// Two keys differing in their last byte: root compressed to the
	// branch, the branch, two leaves.
	require.Equal(t, 4, RaxNodesOf([]ID{{1, 0}, {1, 1}}))
}

// TestPEL checks the chunked PEL against a sorted slice, through inserts
// and removals in random order, appends and seeks.
func TestPEL(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var p PEL
	var want []ID
	check := func() {
		t.Helper()
		if p.Len() != len(want) {
			t.Fatalf("Len %d, want %d", p.Len(), len(want))
		}
		got := p.IDs()
		if !slices.Equal(got, want) {
			t.Fatalf("IDs differ: %d against %d", len(got), len(want))
		}
		i := 0
		for it := p.Iter(); it.Valid(); it.Next() {
			if it.ID() != want[i] || it.NACK().DeliveryCount != want[i].Seq {
				t.Fatalf("entry %d: %v", i, it.ID())
			}
			i++
		}
		for _, ch := range p.chunks {
			if len(ch) == 0 || len(ch) > pelChunkMax || cap(ch) > pelChunkMax {
				t.Fatalf("chunk of %d, capacity %d", len(ch), cap(ch))
			}
		}
		if len(p.spare) != 0 || cap(p.spare) > pelChunkMax {
			t.Fatalf("spare of %d, capacity %d", len(p.spare), cap(p.spare))
		}
	}
	next := uint64(0)
	for round := 0; round < 20000; round++ {
		switch x := r.IntN(10); {
		case x < 4: // XREADGROUP: append
			next += uint64(1 + r.IntN(3))
			id := ID{Ms: next, Seq: next}
			p.Insert(id, &NACK{DeliveryCount: next})
			want = append(want, id)
		case x < 6: // XCLAIM FORCE: anywhere
			v := uint64(r.IntN(int(next) + 1))
			id := ID{Ms: v, Seq: v}
			i, found := slices.BinarySearchFunc(want, id, ID.Compare)
			if p.Insert(id, &NACK{DeliveryCount: v}) == found {
				t.Fatalf("Insert %v: found %v", id, found)
			}
			if !found {
				want = slices.Insert(want, i, id)
			}
		default: // XACK
			if len(want) == 0 {
				continue
			}
			i := r.IntN(len(want))
			if !p.Remove(want[i]) || p.Remove(want[i]) {
				t.Fatalf("Remove %v", want[i])
			}
			want = slices.Delete(want, i, i+1)
		}
		if round%500 == 0 {
			check()
			v := uint64(r.IntN(int(next) + 2))
			it := p.Seek(ID{Ms: v, Seq: v})
			i, _ := slices.BinarySearchFunc(want, ID{Ms: v, Seq: v}, ID.Compare)
			if it.Valid() != (i < len(want)) || it.Valid() && it.ID() != want[i] {
				t.Fatalf("Seek %d", v)
			}
		}
	}
	check()
	for len(want) > 0 {
		if p.Find(want[0]) == nil || !p.Remove(want[0]) {
			t.Fatalf("Remove %v", want[0])
		}
		want = want[1:]
	}
	check()
}

// TestPELQueue is a work queue's PEL: entries appended in batches and all
// acknowledged, which reuses the chunks and allocates nothing.
func TestPELQueue(t *testing.T) {
	var p PEL
	next := uint64(0)
	nack := &NACK{}
	batch := func() {
		first := next
		for range 10 {
			next++
			p.Insert(ID{Ms: next}, nack)
		}
		for id := first + 1; id <= next; id++ {
			if p.Delete(ID{Ms: id}) != nack {
				t.Fatalf("Delete %d", id)
			}
		}
	}
	batch()
	if n := testing.AllocsPerRun(100, batch); n != 0 {
		t.Fatalf("%v allocations a batch", n)
	}
	if p.Len() != 0 || len(p.chunks) != 0 {
		t.Fatalf("%d entries left", p.Len())
	}
}

// BenchmarkAppend is XADD's work on the value: one field, new IDs, nodes
// of Redis's default limits.
func BenchmarkAppend(b *testing.B) {
	s := New()
	fv := [][]byte{[]byte("field"), []byte("value")}
	lim := Limits{MaxBytes: 4096, MaxEntries: 100}
	b.ReportAllocs()
	for i := range b.N {
		if i%100000 == 0 { // steady state, not the collector's work on a growing heap
			s = New()
		}
		s.Append(ID{Ms: 1700000000000 + uint64(i/3), Seq: uint64(i % 3)}, fv, lim)
	}
}

// BenchmarkWalkFields reads entries as XREADGROUP replies them: the
// walk, then each field and value.
func BenchmarkWalkFields(b *testing.B) {
	s := New()
	lim := Limits{MaxBytes: 4096, MaxEntries: 100}
	for i := range 10000 {
		s.Append(ID{Ms: 1700000000000 + uint64(i/3), Seq: uint64(i % 3)},
			[][]byte{[]byte("field"), []byte("value"), []byte("n"), []byte(fmt.Sprint(i))}, lim)
	}
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		w := s.Walk(ID{}, MaxID, false)
		for e := w.Next(); e != nil; e = w.Next() {
			e.Fields(func(f, v Value) { total += len(f.S) + len(v.S) })
		}
	}
	_ = total
}

// TestFullNodesPacked checks that a growing stream allocates about what
// its nodes hold: each full node moves to an allocation of its size and the
// next fills the buffer it leaves, where a buffer per node doubled the
// bytes allocated and left the full nodes among holes in the heap. The
// entries stay readable, and a node shared with a snapshot is left alone.
func TestFullNodesPacked(t *testing.T) {
	s := New()
	lim := Limits{MaxBytes: 4096, MaxEntries: 100}
	fv := [][]byte{[]byte("field"), []byte("value")}
	add := func(n int) {
		for range n {
			id := s.LastID
			id.Seq++
			s.Append(id, fv, lim)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	add(100_000)
	runtime.ReadMemStats(&after)
	require.Equal(t, 1000, len(s.Nodes))
	require.Less(t, after.Mallocs-before.Mallocs, uint64(2500), "allocations for 1000 nodes")
	for i, n := range s.Nodes[:len(s.Nodes)-1] {
		require.Less(t, cap(n.LP.Bytes()), n.LP.Size()+n.LP.Size()/16, "node %d has room to spare", i)
		require.True(t, ValidateNode(n.LP), "node %d", i)
	}
	// The full nodes lie end to end in blocks (carve): only the first
	// node of each block does not follow the one before.
	adjacent := 0
	for i := 0; i+2 < len(s.Nodes); i++ {
		a, b := s.Nodes[i].LP.Bytes(), s.Nodes[i+1].LP.Bytes()
		if unsafe.Add(unsafe.Pointer(unsafe.SliceData(a)), len(a)) == unsafe.Pointer(unsafe.SliceData(b)) {
			adjacent++
		}
	}
	require.Greater(t, adjacent, len(s.Nodes)*14/16, "full nodes packed in blocks")
	snap := s.Detach()
	tail := snap.Nodes[len(snap.Nodes)-1].LP.Bytes()
	frozen := slices.Clone(tail)
	add(200)
	require.Equal(t, frozen, tail, "the snapshot's tail node changed")
	require.Equal(t, uint64(100_200), s.Length)
	n := 0
	s.Range(ID{}, MaxID, false, false, func(e *Entry) bool {
		n++
		require.Equal(t, ID{Seq: uint64(n)}, e.ID)
		return true
	})
	require.Equal(t, 100_200, n)
}

// TestBlockNodesKeepApart changes nodes that share a block: a flag set in
// place, and a node that grows again (the node after it deleted, a larger
// stream-node-max-entries) moves out of the block rather than write over
// its neighbour.
func TestBlockNodesKeepApart(t *testing.T) {
	s := New()
	model := map[uint64]string{}
	add := func(seq uint64, lim Limits) {
		v := fmt.Sprintf("value-%d", seq)
		s.Append(ID{Seq: seq}, [][]byte{[]byte("f"), []byte(v)}, lim)
		model[seq] = v
	}
	check := func() {
		t.Helper()
		got := map[uint64]string{}
		s.Range(ID{}, MaxID, false, false, func(e *Entry) bool {
			e.Fields(func(_, v Value) {
				var buf [20]byte
				got[e.ID.Seq] = string(v.Bytes(&buf))
			})
			return true
		})
		require.Equal(t, model, got)
		for i, n := range s.Nodes {
			require.True(t, ValidateNode(n.LP), "node %d", i)
		}
	}
	small := Limits{MaxEntries: 10}
	for seq := uint64(1); seq <= 400; seq++ {
		add(seq, small)
	}
	require.Len(t, s.Nodes, 40)
	check()
	for seq := uint64(215); seq <= 217; seq++ { // in place, mid-block
		require.True(t, s.Delete(ID{Seq: seq}))
		delete(model, seq)
	}
	check()
	for seq := uint64(391); seq <= 400; seq++ { // the tail node goes
		require.True(t, s.Delete(ID{Seq: seq}))
		delete(model, seq)
	}
	require.Len(t, s.Nodes, 39)
	b := s.Nodes[38].LP.Bytes()
	require.Equal(t, len(b), cap(b), "the new tail is a packed node")
	for seq := uint64(401); seq <= 700; seq++ { // it grows again, fills, moves
		add(seq, Limits{MaxEntries: 100})
	}
	check()
}
