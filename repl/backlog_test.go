package repl

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// stream returns n bytes of a deterministic stream starting at offset
// first (byte at offset o is byte(o*7+o/251)).
func stream(first, n int64) []byte {
	out := make([]byte, n)
	for i := range out {
		o := first + int64(i)
		out[i] = byte(o*7 + o/251)
	}
	return out
}

func TestBacklogEmpty(t *testing.T) {
	b := NewBacklog(1<<20, 50)
	require.EqualValues(t, 1<<20, b.Size())
	require.EqualValues(t, 0, b.Histlen())
	require.EqualValues(t, 51, b.First())
	require.True(t, b.Covers(51))
	require.False(t, b.Covers(50))
	require.False(t, b.Covers(52))
	require.Empty(t, b.ReadFrom(51))
}

func TestBacklogMinimumSize(t *testing.T) {
	require.EqualValues(t, minBacklogSize, NewBacklog(1, 0).Size())
}

// checkTrimmed checks Redis's trim rule after Trim with nothing pinned:
// one block left, or the history within the size, or dropping the first
// block would take it under the size.
func checkTrimmed(t *testing.T, b *Backlog, msg ...any) {
	t.Helper()
	require.True(t, len(b.blocks) <= 1 || b.histlen <= b.size || b.histlen-int64(len(b.blocks[0].buf)) <= b.size, msg...)
	var used, mem int64
	for i, blk := range b.blocks {
		used += int64(len(blk.buf))
		mem += int64(cap(blk.buf)) + blockOverhead
		require.LessOrEqual(t, cap(blk.buf), max(int(b.size/16), blockMin), msg...)
		if i < len(b.blocks)-1 {
			require.Equal(t, cap(blk.buf), len(blk.buf), msg...)
			require.Equal(t, blk.start+int64(len(blk.buf)), b.blocks[i+1].start, msg...)
		}
	}
	require.Equal(t, used, b.histlen, msg...)
	require.Equal(t, mem, b.Mem(), msg...)
}

func TestBacklogRandomWrites(t *testing.T) {
	for _, size := range []int64{minBacklogSize, 300000} {
		b := NewBacklog(size, 0)
		var off int64 = 1
		rng := rand.New(rand.NewSource(size))
		for round := 0; round < 300; round++ {
			n := int64(rng.Intn(int(size / 3)))
			if round%50 == 49 {
				n = size + int64(rng.Intn(100)) // more than the whole size at once
			}
			b.Append(stream(off, n))
			off += n
			b.Trim(0)
			end := off - 1
			checkTrimmed(t, b, "size %d round %d", size, round)
			require.GreaterOrEqual(t, b.Histlen(), min(end, size))
			require.EqualValues(t, end-b.Histlen()+1, b.First())
			require.False(t, b.Covers(b.First()-1))
			require.False(t, b.Covers(end+2))
			for _, from := range []int64{b.First(), end + 1, b.First() + b.Histlen()/2, end} {
				require.True(t, b.Covers(from))
				require.True(t, bytes.Equal(stream(from, end+1-from), b.ReadFrom(from)), "round %d from %d", round, from)
			}
		}
	}
}

// A pinned offset keeps its block and every later one, past the size;
// once unpinned the history goes back to about the size.
func TestBacklogPinned(t *testing.T) {
	b := NewBacklog(minBacklogSize, 0)
	b.Append(stream(1, 1000))
	pin, end := int64(900), int64(1000)
	for end < 200000 {
		b.Append(stream(end+1, 5000))
		end += 5000
		b.Trim(pin)
	}
	require.LessOrEqual(t, b.First(), pin)
	require.Equal(t, stream(pin, end+1-pin), b.ReadFrom(pin))
	held := b.RefMem(pin)
	require.Greater(t, held, end+1-pin)
	require.LessOrEqual(t, held, b.Mem())
	b.Trim(0)
	checkTrimmed(t, b)
	require.Less(t, b.Histlen(), int64(minBacklogSize+blockMin+1))
	require.Equal(t, stream(b.First(), b.Histlen()), b.ReadFrom(b.First()))
}

func TestBacklogResize(t *testing.T) {
	b := NewBacklog(64<<10, 0)
	b.Append(stream(1, 50000))
	b.Resize(20000) // shrinks at the next trim, a block at a time
	require.EqualValues(t, 20000, b.Size())
	b.Trim(0)
	checkTrimmed(t, b)
	require.Less(t, b.Histlen(), int64(50000))
	require.Equal(t, stream(b.First(), b.Histlen()), b.ReadFrom(b.First()))
	b.Resize(100000) // grows: keeps everything
	h := b.Histlen()
	b.Append(stream(50001, 1000))
	b.Trim(0)
	require.Equal(t, h+1000, b.Histlen())
	require.Equal(t, stream(b.First(), b.Histlen()), b.ReadFrom(b.First()))
}
