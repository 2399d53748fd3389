package lzf

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCompressGolden checks Compress against the output of Redis 7.0.15's
// own lzf_compress (src/lzf_c.c) for the same inputs.
func TestCompressGolden(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("hello hello hello hello world world world world"), "0668656c6c6f2068e0080504776f726c64e00705016c64"},
		{append(append(bytes.Repeat([]byte("abcdefgh"), 40), "xyz"...), bytes.Repeat([]byte("0123456789"), 30)...),
			"08616263646566676861e0ff07e126070c78797a30313233343536373839e0ff09e10f0d013839"},
		{bytes.Repeat([]byte("x"), 1000), "017878e0ff00e0ff00e0ff00e0c300017878"},
	} {
		got := Compress(tc.in, len(tc.in))
		require.Equal(t, tc.want, hex.EncodeToString(got))
		back, err := Decompress(got, len(tc.in))
		require.NoError(t, err)
		require.Equal(t, tc.in, back)
	}
}

// TestCompressLimit checks that Compress gives up exactly where
// lzf_compress does: when the output would not fit in outLen bytes.
func TestCompressLimit(t *testing.T) {
	in := []byte("hello hello hello hello world world world world")
	full := Compress(in, len(in))
	require.Len(t, full, 23)
	require.Equal(t, full, Compress(in, 26))
	require.Nil(t, Compress(in, 10))
	require.Nil(t, Compress(nil, 10))
	random := make([]byte, 200)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.IntN(256))
	}
	require.Nil(t, Compress(random, len(random)-4), "incompressible")
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		b := make([]byte, r.IntN(9000)+1)
		for j := range b {
			b[j] = byte('a' + r.IntN(1+i%20))
		}
		c := Compress(b, len(b)+len(b)/16+64)
		require.NotNil(t, c)
		back, err := Decompress(c, len(b))
		require.NoError(t, err)
		require.Equal(t, b, back)
		_, err = Decompress(c, len(b)+1)
		require.ErrorIs(t, err, ErrCorrupt)
	}
}
