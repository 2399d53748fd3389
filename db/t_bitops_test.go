package db

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBitWritesCountOnlyChanges: SETBIT and BITFIELD that leave the bits
// as they were are no write (no dirty, no propagation), as Redis 7.0.
func TestBitWritesCountOnlyChanges(t *testing.T) {
	r := newLocalRunner(t)
	steps := []struct {
		cmd   string
		dirty int64
	}{
		{"SETBIT a 0 0", 1}, {"BITFIELD b SET i5 0 0", 1}, // new keys
		{"SETBIT a 0 0", 0}, {"BITFIELD b SET i5 0 0", 0}, // no change
		{"SETBIT a 0 1", 1}, {"BITFIELD b SET i5 0 1", 1},
		{"BITFIELD b SET u3 8 0", 1}, // grows: each op counts, as in Redis
		{"BITFIELD b SET i5 0 1 SET u3 8 0", 0}, {"BITFIELD b INCRBY u3 8 0", 0},
		{"BITFIELD b SET u3 8 5 GET u3 8", 1}, {"SETBIT a 100 0", 1}, // grows
	}
	for _, st := range steps {
		before := r.srv.Dirty
		r.do("", mustSplit(st.cmd))
		require.Equal(t, st.dirty, r.srv.Dirty-before, st.cmd)
	}
}
