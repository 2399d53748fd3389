package rdb

import (
	"bytes"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every integer a string may hold reads back as the same decimal text,
// whatever its width: the values of 10 to 16 digits once came back with
// their first digit replaced by the length byte.
func TestEncoderIntRoundTrip(t *testing.T) {
	vals := []int64{0, -1, math.MinInt64, math.MaxInt64}
	for _, b := range []uint{7, 15, 31, 63} {
		edge := int64(uint64(1)<<b - 1)
		vals = append(vals, edge, edge+1, -edge, -edge-1, -edge-2)
	}
	rng := rand.New(rand.NewSource(1))
	p := int64(1)
	for digits := 1; digits <= 18; digits++ {
		for i := 0; i < 20; i++ {
			v := p + rng.Int63n(9*p)
			vals = append(vals, v, -v)
		}
		p *= 10
	}
	for _, v := range vals {
		var buf bytes.Buffer
		e := NewEncoder(&buf, true, false)
		e.Int(v)
		e.String([]byte(strconv.FormatInt(v, 10)))
		require.NoError(t, e.Flush())
		d := NewDecoder(&buf)
		for range 2 {
			got, err := d.String()
			require.NoError(t, err)
			require.Equal(t, strconv.FormatInt(v, 10), string(got))
		}
	}
}
