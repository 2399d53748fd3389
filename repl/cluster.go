package repl

import "time"

// What cluster mode asks of replication: in a cluster, a node's master is
// the cluster's decision (CLUSTER REPLICATE, a failover), not REPLICAOF's.

// SetMaster makes us a replica of host:port, as replicationSetMaster.
func (r *Repl) SetMaster(host string, port int) {
	go r.runAttempt(r.setMaster(host, port))
}

// UnsetMaster makes us a master, as replicationUnsetMaster; a master stays.
func (r *Repl) UnsetMaster() {
	if r.link != nil {
		r.unsetMaster()
	}
}

// MasterHost is the master we replicate, "" for none.
func (r *Repl) MasterHost() string {
	if r.link == nil {
		return ""
	}
	return r.link.Host
}

// ClusterOffset is the offset a cluster node announces: a master's own, a
// replica's processed offset (replicationGetSlaveOffset): 0 while it has
// neither a master nor a cached one, from the start of a full sync's load
// to its end, which is how the cluster sees that it is loading.
func (r *Repl) ClusterOffset() int64 {
	l := r.link
	switch {
	case l == nil:
		return r.Offset
	case l.Client == nil && !l.cached:
		return 0
	}
	return max(l.Reploff, 0)
}

// MasterDataAge is how old, in milliseconds, our copy of the master's
// data is: the time since the master last spoke, or since the link went
// down (the data_age of clusterHandleSlaveFailover). Redis counts in
// whole seconds; so does this.
func (r *Repl) MasterDataAge(now time.Time) int64 {
	l := r.link
	if l == nil {
		return 0
	}
	if l.Up() {
		return (now.Unix() - l.Client.LastActive.Unix()) * 1000
	}
	if l.DownSince.IsZero() {
		return now.Unix() * 1000 // never up: server.repl_down_since is 0
	}
	return (now.Unix() - l.DownSince.Unix()) * 1000
}

// clusterReplica reports whether nodes.conf makes us a replica. Cluster
// mode sets our master only from its cron, after the data is loaded, but
// the RDB loaded at startup is already our master's history, as Redis's
// iAmMaster() says in loadDataFromDisk.
func (r *Repl) clusterReplica() bool {
	c, ok := r.srv.Cluster.(interface{ MyselfIsReplica() bool })
	return ok && c.MyselfIsReplica()
}
