package db

// BlockState is what a client blocked in BLPOP and friends waits for.
type BlockState struct {
	Keys    []string
	Timeout int64 // unix ms, 0 = forever
}
