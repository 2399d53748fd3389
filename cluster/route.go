package cluster

// The redirection of commands, as cluster.c's getNodeByQuery and
// clusterRedirectClient: processCommand asks Redirect before a command
// with keys runs (db.Cluster), and the client is sent to the node that
// serves the keys' slot. ASKING, READONLY and READWRITE are the client's
// side of it.

import (
	"bytes"
	"strconv"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/keyslot"
)

func init() {
	db.RegisterCommand("asking", func(c *db.Client) { setClientFlag(c, db.ClientAsking, true) })
	db.RegisterCommand("readonly", func(c *db.Client) { setClientFlag(c, db.ClientReadOnly, true) })
	db.RegisterCommand("readwrite", func(c *db.Client) { setClientFlag(c, db.ClientReadOnly, false) })
}

// setClientFlag is ASKING, READONLY and READWRITE: they set or clear a
// flag that changes how the client's next commands (ASKING: the next
// one) are routed.
func setClientFlag(c *db.Client, flag db.ClientFlag, on bool) {
	if !c.Srv().ClusterEnabled() {
		c.Error("ERR This instance has cluster support disabled")
		return
	}
	if on {
		c.Flags |= flag
	} else {
		c.Flags &^= flag
	}
	c.OK()
}

// redirection is getNodeByQuery's error code (CLUSTER_REDIR_*).
type redirection int

const (
	redirNone        redirection = iota
	redirCrossSlot               // keys in different slots
	redirUnstable                // several keys, some missing, slot migrating or importing
	redirAsk                     // the key is missing and its slot is migrating
	redirMoved                   // the slot is another node's
	redirDownState               // the cluster is down
	redirDownROState             // the cluster is down, reads only
	redirDownUnbound             // nobody serves the slot
)

// Redirect is getNodeByQuery for the command c is about to run, and the
// error clusterRedirectClient replies when it must run elsewhere ("" when
// it runs here).
func (cl *Cluster) Redirect(c *db.Client) string {
	n, slot, code := cl.nodeByQuery(c)
	switch code {
	case redirNone:
		return ""
	case redirCrossSlot:
		return "CROSSSLOT Keys in request don't hash to the same slot"
	case redirUnstable:
		return "TRYAGAIN Multiple keys request during rehashing of slot"
	case redirDownState:
		return "CLUSTERDOWN The cluster is down"
	case redirDownROState:
		return "CLUSTERDOWN The cluster is down and only accepts read commands"
	case redirDownUnbound:
		return "CLUSTERDOWN Hash slot not served"
	}
	kind := "MOVED"
	if code == redirAsk {
		kind = "ASK"
	}
	return kind + " " + strconv.Itoa(slot) + " " + cl.preferredEndpoint(n) + ":" + strconv.Itoa(n.Port)
}

// nodeByQuery is getNodeByQuery: the node that must serve the command c
// is about to run (for EXEC, its queued commands as one), the slot of its
// keys, and the redirection when that node is not this one. Every key
// must hash to one slot; a slot being migrated away is served here only
// while all the keys are still here, a slot being imported only after
// ASKING, and a replica in READONLY mode serves reads of its master's
// slots.
func (cl *Cluster) nodeByQuery(c *db.Client) (*Node, int, redirection) {
	st := &cl.st
	srv := c.Srv()
	cmd := c.Cmd
	if cmd.Name == "exec" && c.Flags&db.ClientMulti == 0 {
		return st.Myself, 0, redirNone // EXEC without MULTI: an error anyway
	}
	pubsubShard := cmd.Name == "ssubscribe" || cmd.Name == "sunsubscribe" || cmd.Name == "spublish"

	var n *Node
	var firstKey []byte
	haveKey, multipleKeys, migrating, importing := false, false, false, false
	slot, missing, existing := 0, 0, 0
	query := func(qcmd *db.Command, argv [][]byte) redirection {
		for _, pos := range srv.CommandKeys(qcmd, argv) {
			key := argv[pos]
			keySlot := keyslot.Slot(key)
			if !haveKey {
				haveKey, firstKey, slot = true, key, keySlot
				if n = st.SlotOwner[slot]; n == nil {
					// Not trapped earlier by the cluster state: the
					// state is yet to be updated.
					return redirDownUnbound
				}
				if n == st.Myself && st.MigratingTo[slot] != nil {
					migrating = true
				} else if st.ImportingFrom[slot] != nil {
					importing = true
				}
			} else if !bytes.Equal(firstKey, key) {
				if keySlot != slot {
					return redirCrossSlot
				}
				multipleKeys = true
			}
			// A shard channel is served by the source node until the
			// migration ends, whether it exists or not.
			if (migrating || importing) && !pubsubShard {
				if srv.DBs[0].Peek(key) == nil {
					missing++
				} else {
					existing++
				}
			}
		}
		return redirNone
	}
	if cmd.Name == "exec" {
		for qcmd, argv := range c.Queued() {
			if code := query(qcmd, argv); code != redirNone {
				return nil, 0, code
			}
		}
	} else if code := query(cmd, c.Argv); code != redirNone {
		return nil, 0, code
	}
	if n == nil { // no key at all: served anywhere
		return st.Myself, 0, redirNone
	}

	flags := srv.CommandFlags(c)
	if st.State != StateOK {
		switch {
		case pubsubShard:
			if !srv.Config.Bool("cluster-allow-pubsubshard-when-down") {
				return nil, 0, redirDownState
			}
		case !srv.Config.Bool("cluster-allow-reads-when-down"):
			return nil, 0, redirDownState
		case flags&db.FlagWrite != 0:
			return nil, 0, redirDownROState
		}
	}

	// MIGRATE moves keys between the two nodes of an open slot freely.
	if (migrating || importing) && cmd.Name == "migrate" {
		return st.Myself, slot, redirNone
	}
	if migrating && missing > 0 {
		if existing > 0 {
			return nil, 0, redirUnstable
		}
		return st.MigratingTo[slot], slot, redirAsk
	}
	if importing && (c.Flags&db.ClientAsking != 0 || flags&db.FlagAsking != 0) {
		if multipleKeys && missing > 0 {
			return nil, 0, redirUnstable
		}
		return st.Myself, slot, redirNone
	}
	write := flags&db.FlagWrite != 0 || cmd.Name == "exec" && c.QueuedFlags()&db.FlagWrite != 0
	if (c.Flags&db.ClientReadOnly != 0 || pubsubShard) && !write &&
		st.Myself.IsReplica() && st.Myself.ReplicaOf == n {
		return st.Myself, slot, redirNone
	}
	if n != st.Myself {
		return n, slot, redirMoved
	}
	return n, slot, redirNone
}

// RedirectBlocked is clusterRedirectBlockedClientIfNeeded for a client
// blocked on key: the cluster went down (a write to wake it may never
// come), or the key's slot is neither served here (by our master, to a
// READONLY client's read) nor being imported.
func (cl *Cluster) RedirectBlocked(c *db.Client, key []byte) string {
	st := &cl.st
	if st.State == StateFail {
		return "CLUSTERDOWN The cluster is down"
	}
	slot := keyslot.Slot(key)
	n := st.SlotOwner[slot]
	if c.Flags&db.ClientReadOnly != 0 && c.Cmd != nil && !c.Cmd.Has(db.FlagWrite) &&
		st.Myself.IsReplica() && st.Myself.ReplicaOf == n {
		n = st.Myself
	}
	switch {
	case n == st.Myself || st.ImportingFrom[slot] != nil:
		return ""
	case n == nil:
		return "CLUSTERDOWN Hash slot not served"
	}
	return "MOVED " + strconv.Itoa(slot) + " " + cl.preferredEndpoint(n) + ":" + strconv.Itoa(n.Port)
}
