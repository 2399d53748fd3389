package repl

// Backlog is the circular buffer of the latest stream bytes.
type Backlog struct{}
