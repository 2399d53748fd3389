package stream

import (
	"fmt"
	"testing"

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
