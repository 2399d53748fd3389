package rdb

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCRC64Jones(t *testing.T) {
	// Test vector from Redis's crc64.c.
	require.Equal(t, uint64(0xe9c6d914c4b8d9ca), CRC64(0, []byte("123456789")))
	// Incremental use gives the same result.
	require.Equal(t, CRC64(0, []byte("123456789")), CRC64(CRC64(0, []byte("1234")), []byte("56789")))
}

func TestLZFRoundTrip(t *testing.T) {
	inputs := [][]byte{
		bytes.Repeat([]byte("a"), 100),
		bytes.Repeat([]byte("abcdefgh"), 1000),
		[]byte("hello hello hello hello world world world world"),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		b := make([]byte, r.IntN(5000)+4)
		for j := range b {
			b[j] = byte('a' + r.IntN(3))
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		c := LZFCompress(in, len(in))
		if c == nil {
			continue
		}
		out, err := LZFDecompress(c, len(in))
		require.NoError(t, err)
		require.Equal(t, in, out)
	}
	require.Less(t, len(LZFCompress(bytes.Repeat([]byte("x"), 1000), 1000)), 40)
}

func FuzzLZFDecompress(f *testing.F) {
	f.Add(LZFCompress(bytes.Repeat([]byte("abc"), 50), 150), 150)
	f.Add([]byte{0xe0, 0xff, 0x00}, 100)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		if n < 0 || n > 1<<20 {
			return
		}
		LZFDecompress(in, n)
	})
}
