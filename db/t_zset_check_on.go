//go:build invariants

package db

// zsetCheck verifies the structure of a sorted set after a command changed
// it, in builds with the invariants tag. Large sets are skipped: the check
// is O(N).
func zsetCheck(z *ZSet) {
	if z == nil || z.Len() > 4096 {
		return
	}
	if err := z.check(); err != nil {
		panic(err)
	}
}
