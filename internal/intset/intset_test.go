package intset

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The golden bytes come from real Redis 7.0.15: SADD s v1 v2 ... then DUMP s
// with --rdbcompression no. The payload is the type byte 11 (SET_INTSET),
// the intset as an RDB string, the RDB version (0a 00) and a CRC64; the hex
// is the RDB string's content. The empty intset cannot be DUMPed; its bytes
// are intsetNew's.
var intsetGoldens = []struct {
	values []int64
	hex    string
}{
	{nil, "0200000000000000"},
	{[]int64{1, 2, 3}, "0200000003000000010002000300"},
	{[]int64{1, 70000}, "04000000020000000100000070110100"},
	{[]int64{-5, 1 << 40}, "0800000002000000fbffffffffffffff0000000000010000"},
	{[]int64{-32768, 32767}, "02000000020000000080ff7f"},
	{[]int64{-32769}, "0400000001000000ff7fffff"},
	{[]int64{2147483647, -2147483648}, "040000000200000000000080ffffff7f"},
	{[]int64{math.MinInt64, math.MaxInt64}, "08000000020000000000000000000080ffffffffffffff7f"},
	{[]int64{5, 3, 1, -1}, "0200000004000000ffff010003000500"},
	{[]int64{0}, "02000000010000000000"},
	{[]int64{2147483648}, "08000000010000000000008000000000"},
}

func TestIntsetGolden(t *testing.T) {
	for _, tc := range intsetGoldens {
		want, err := hex.DecodeString(tc.hex)
		require.NoError(t, err)
		is := New()
		for _, v := range tc.values {
			require.True(t, is.Add(v))
		}
		require.Equal(t, want, is.Bytes(), "%v", tc.values)
		require.Equal(t, len(want), is.Size())

		loaded, err := FromBytes(want)
		require.NoError(t, err)
		sorted := slices.Sorted(slices.Values(tc.values))
		require.Equal(t, len(sorted), loaded.Len())
		for i, v := range sorted {
			require.Equal(t, v, loaded.Get(i))
			require.True(t, loaded.Contains(v))
		}
	}
}

func TestIntsetUpgradeNeverDowngrades(t *testing.T) {
	is := New()
	is.Add(1)
	is.Add(-1 << 40)
	require.Equal(t, int64(-1<<40), is.Get(0))
	require.Equal(t, int64(1), is.Get(is.Len()-1))
	require.True(t, is.Remove(-1<<40))
	require.Equal(t, "080000000100000001000000"+"00000000", hex.EncodeToString(is.Bytes()))
	require.False(t, is.Remove(1<<40))
	require.False(t, is.Contains(1<<40))
	require.False(t, New().Contains(1<<20))
	require.False(t, is.Add(1))
}

// TestIntsetModel checks random adds and removes against a sorted slice,
// and that the bytes equal a set built by adding the values in order with
// the widest encoding ever reached.
func TestIntsetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 50; round++ {
		is := New()
		var model []int64
		for step := 0; step < 400; step++ {
			v := int64(r.IntN(200) - 100)
			switch r.IntN(20) {
			case 0:
				v = int64(r.Uint64())
			case 1:
				v = int64(r.Int32())
			}
			i, found := slices.BinarySearch(model, v)
			if r.IntN(3) == 0 {
				require.Equal(t, found, is.Remove(v))
				if found {
					model = slices.Delete(model, i, i+1)
				}
			} else {
				require.Equal(t, !found, is.Add(v))
				if !found {
					model = slices.Insert(model, i, v)
				}
			}
			require.Equal(t, len(model), is.Len())
			require.Equal(t, intsetHdrSize+len(model)*is.enc(), is.Size())
			for j, x := range model {
				require.Equal(t, x, is.Get(j))
			}
			_, inModel := slices.BinarySearch(model, v)
			require.Equal(t, inModel, is.Contains(v))
			if len(model) > 0 {
				require.Equal(t, model[0], is.Get(0))
				require.Equal(t, model[len(model)-1], is.Get(is.Len()-1))
				require.True(t, is.Contains(is.Random()))
			}
		}
		loaded, err := FromBytes(is.Clone().Bytes())
		require.NoError(t, err)
		require.Equal(t, is.Bytes(), loaded.Bytes())
	}
}

func TestIntsetRandomCoversAll(t *testing.T) {
	is := New()
	for _, v := range []int64{-3, 7, 1 << 33} {
		is.Add(v)
	}
	seen := map[int64]bool{}
	for range 300 {
		seen[is.Random()] = true
	}
	require.Len(t, seen, 3)
}

var intsetCorrupt = []string{
	"",
	"02000000000000",           // short header
	"0300000000000000",         // unknown encoding
	"0000000000000000",         // zero encoding
	"02000000020000000100",     // length 2, data for 1
	"020000000200000002000100", // descending
	"020000000200000001000100", // duplicate
	"04000000010000000100",     // 4-byte encoding, 2 bytes of data
	"0200000001000000010000",   // trailing byte
}

func TestIntsetFromBytesRejects(t *testing.T) {
	for _, h := range intsetCorrupt {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		_, err = FromBytes(b)
		require.Error(t, err, h)
	}
}

func FuzzFromBytes(f *testing.F) {
	for _, tc := range intsetGoldens {
		b, _ := hex.DecodeString(tc.hex)
		f.Add(b)
	}
	for _, h := range intsetCorrupt {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		is, err := FromBytes(bytes.Clone(b))
		if err != nil {
			return
		}
		require.Equal(t, b, is.Bytes())
		for i := 1; i < is.Len(); i++ {
			require.Less(t, is.Get(i-1), is.Get(i))
		}
		for i := 0; i < is.Len(); i++ {
			require.True(t, is.Contains(is.Get(i)))
		}
		is.Add(12345)
		_, err = FromBytes(bytes.Clone(is.Bytes()))
		require.NoError(t, err)
	})
}

func BenchmarkIntsetAdd(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		is := New()
		for i := range 512 {
			is.Add(int64(i * 7 % 512))
		}
	}
}
