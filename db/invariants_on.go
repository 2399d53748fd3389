//go:build invariants

package db

// clobberArgv overwrites the borrowed arguments after each call, so that a
// command that kept one without copying stores garbage and tests fail.
func clobberArgv(c *Client) {
	if c.argvOwned {
		return
	}
	for _, a := range c.Argv {
		for i := range a {
			a[i] = 0xAA
		}
	}
}

// zsetCheck verifies the structure of a sorted set after a command changed
// it. Large sets are skipped: the check is O(N).
func zsetCheck(z *ZSet) {
	if z == nil || z.Len() > 4096 {
		return
	}
	if err := z.check(); err != nil {
		panic(err)
	}
}

// slotIndexCheck verifies cluster mode's slot-to-keys index of DB 0
// against a full scan after every command. Large databases are skipped.
func slotIndexCheck(db *DB) {
	if db.slots == nil || db.keys.Len() > 4096 {
		return
	}
	if err := db.slotIndexErr(); err != "" {
		panic(err)
	}
}
