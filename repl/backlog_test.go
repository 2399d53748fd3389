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

func TestBacklogWrapAround(t *testing.T) {
	const size = minBacklogSize
	b := NewBacklog(size, 0)
	var off int64 = 1
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		n := int64(rng.Intn(size / 3))
		if round%50 == 49 {
			n = size + int64(rng.Intn(100)) // more than the whole buffer at once
		}
		b.Append(stream(off, n), 0)
		off += n
		end := off - 1
		hist := min(end, size)
		require.EqualValues(t, hist, b.Histlen(), "round %d", round)
		require.EqualValues(t, end-hist+1, b.First())
		require.False(t, b.Covers(b.First()-1))
		require.False(t, b.Covers(end+2))
		for _, from := range []int64{b.First(), end + 1, b.First() + hist/2, end} {
			require.True(t, b.Covers(from))
			require.True(t, bytes.Equal(stream(from, end+1-from), b.ReadFrom(from)), "round %d from %d", round, from)
		}
	}
}

func TestBacklogResize(t *testing.T) {
	b := NewBacklog(64<<10, 0)
	b.Append(stream(1, 50000), 0)
	b.Resize(20000) // shrinks at the next trim: keeps the last 20000 bytes
	require.EqualValues(t, 50000, b.Histlen())
	b.Trim(0)
	require.EqualValues(t, 20000, b.Size())
	require.EqualValues(t, 20000, b.Histlen())
	require.EqualValues(t, 30001, b.First())
	require.Equal(t, stream(30001, 20000), b.ReadFrom(30001))
	b.Append(stream(50001, 5000), 0) // wraps in the new buffer
	require.Equal(t, stream(35001, 20000), b.ReadFrom(35001))
	b.Resize(100000) // grows: keeps everything
	require.EqualValues(t, 20000, b.Histlen())
	b.Append(stream(55001, 1000), 0)
	require.Equal(t, stream(35001, 21000), b.ReadFrom(35001))
}

// A pinned offset is never overwritten: the buffer grows past the size
// for it, however big the writes, and goes back to the size once unpinned.
func TestBacklogPinned(t *testing.T) {
	b := NewBacklog(minBacklogSize, 0)
	b.Append(stream(1, 1000), 0)
	pin, end := int64(900), int64(1000)
	rng := rand.New(rand.NewSource(2))
	for end < 300000 {
		n := int64(rng.Intn(3 * minBacklogSize))
		b.Append(stream(end+1, n), pin)
		end += n
		b.Trim(pin) // nothing to give back while pinned
		require.LessOrEqual(t, b.First(), pin)
		require.EqualValues(t, end+1-pin, b.Held(pin))
	}
	require.Equal(t, stream(pin, end+1-pin), b.ReadFrom(pin))
	require.Greater(t, b.Mem(), end-pin)
	b.Trim(0)
	require.EqualValues(t, minBacklogSize, b.Mem())
	require.EqualValues(t, minBacklogSize, b.Histlen())
	require.Equal(t, stream(end+1-minBacklogSize, minBacklogSize), b.ReadFrom(b.First()))

	// Pinned at the next byte: a write bigger than the buffer is kept whole.
	pin = end + 1
	b.Append(stream(pin, 5*minBacklogSize), pin)
	end += 5 * minBacklogSize
	require.Equal(t, stream(pin, end+1-pin), b.ReadFrom(pin))
	// A pin that the size covers anyway lets the buffer shrink.
	b.Append(stream(end+1, 100), 0)
	end += 100
	b.Trim(end - 10)
	require.EqualValues(t, minBacklogSize, b.Mem())
	require.Equal(t, stream(end-10, 11), b.ReadFrom(end-10))
}
