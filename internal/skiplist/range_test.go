package skiplist

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScoreRangeEmpty(t *testing.T) {
	for _, tc := range []struct {
		r     ScoreRange
		empty bool
	}{
		{ScoreRange{Min: 1, Max: 2}, false},
		{ScoreRange{Min: 2, Max: 1}, true},
		{ScoreRange{Min: 1, Max: 1}, false},
		{ScoreRange{Min: 1, Max: 1, MinEx: true}, true},
		{ScoreRange{Min: 1, Max: 1, MaxEx: true}, true},
		{ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}, false},
	} {
		require.Equal(t, tc.empty, tc.r.Empty(), "%+v", tc.r)
	}
	r := ScoreRange{Min: 1, Max: 2, MinEx: true}
	require.False(t, r.GteMin(1))
	require.True(t, r.GteMin(1.5))
	require.True(t, r.LteMax(2))
}

func TestLexRangeEmpty(t *testing.T) {
	v := func(s string) []byte { return []byte(s) }
	for _, tc := range []struct {
		r     LexRange
		empty bool
	}{
		{LexRange{MinKind: LexMinusInf, MaxKind: LexPlusInf, MinEx: true, MaxEx: true}, false},
		{LexRange{MinKind: LexPlusInf, MaxKind: LexMinusInf, MinEx: true, MaxEx: true}, true},
		{LexRange{MinKind: LexPlusInf, MaxKind: LexPlusInf, MinEx: true, MaxEx: true}, true},
		{LexRange{Min: v("a"), Max: v("b")}, false},
		{LexRange{Min: v("b"), Max: v("a")}, true},
		{LexRange{Min: v("a"), Max: v("a")}, false},
		{LexRange{Min: v("a"), Max: v("a"), MaxEx: true}, true},
		{LexRange{Min: v("a"), MaxKind: LexPlusInf, MaxEx: true}, false},
		{LexRange{Min: v(""), Max: v(""), MinEx: false}, false},
	} {
		require.Equal(t, tc.empty, tc.r.Empty(), "%+v", tc.r)
	}
	r := LexRange{Min: v("b"), MinEx: true, MaxKind: LexPlusInf, MaxEx: true}
	require.False(t, r.GteMin("b"))
	require.True(t, r.GteMin("ba"))
	require.True(t, r.LteMax("\xff\xff"))
	r = LexRange{MinKind: LexMinusInf, MinEx: true, Max: nil}
	require.True(t, r.GteMin(""))
	require.True(t, r.LteMax(""), "an empty [ end")
	require.False(t, r.LteMax("a"))
}
