package repl

// Replica is the master's view of one connected replica.
type Replica struct{}

func (r *Repl) installMaster() {}
