package repl

// Link is the replica's connection to its master.
type Link struct{}

func (r *Repl) installReplica() {}

// Start begins replicating from the master named by the replicaof
// directive, if any. It runs on the loop once it serves.
func (r *Repl) Start() {}
