// Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH, as Redis's multi.c.
//
// Inside MULTI, processCommand queues every command but the transaction
// controls (queueMultiCommand) and a command rejected while queueing dooms
// the transaction (ClientDirtyExec, set by reject). EXEC runs the queue
// through call(), each command's reply an element of EXEC's array.
//
// WATCH is optimistic locking: s.watched maps a (db, key) to the clients
// watching it, and every change of the key (signalModifiedKey, expiry, FLUSH,
// SWAPDB) sets ClientDirtyCAS on them, so their EXEC answers a null array. A
// key that was already logically expired when WATCHed is remembered as such:
// its deletion is no change, as in Redis 7.0.
//
// The writes of a transaction reach replicas and the AOF as one unit: EXEC
// collects what its commands propagate and hands it on wrapped in MULTI/EXEC
// when there is more than one command, alone when there is one, nothing when
// nothing was written (Redis 7.0's propagatePendingCommands).

package db

import "strings"

func init() {
	register("multi", multiCommand)
	register("exec", execCommand)
	register("discard", discardCommand)
	register("watch", watchCommand)
	register("unwatch", unwatchCommand)
}

// MultiState is the state of a client inside MULTI, and its WATCHed keys.
type MultiState struct {
	Cmds  []queuedCommand
	flags CmdFlag // union of the queued commands' flags
	// invFlags is the union of their complements: a flag set here is
	// missing from some queued command (Redis's cmd_inv_flags).
	invFlags CmdFlag
	// watched holds the keys the client WATCHes; the value tells whether
	// the key was already logically expired when WATCHed.
	watched map[watchedKey]bool
}

type queuedCommand struct {
	cmd  *Command
	argv [][]byte // owned copies
}

type watchedKey struct {
	db  *DB
	key string
}

// hasWriteCmd reports whether a queued command writes (EXEC is then refused
// on a read-only replica).
func (m *MultiState) hasWriteCmd() bool {
	return m != nil && m.flags&FlagWrite != 0
}

// execLacks reports whether c is running EXEC with a queued command that
// lacks flag.
func (c *Client) execLacks(flag CmdFlag) bool {
	return c.Cmd != nil && c.Cmd.Name == "exec" && c.Flags&ClientMulti != 0 && c.Multi != nil && c.Multi.invFlags&flag != 0
}

func (c *Client) multiState() *MultiState {
	if c.Multi == nil {
		c.Multi = &MultiState{}
	}
	return c.Multi
}

// queueMultiCommand stores the command for EXEC, with copies of its
// arguments, and answers +QUEUED. A transaction already doomed keeps
// answering QUEUED but stores nothing: EXEC will not run it anyway.
func (s *Server) queueMultiCommand(c *Client) {
	if c.Flags&(ClientDirtyCAS|ClientDirtyExec) == 0 {
		argv := copyArgv(c.Argv)
		m := c.multiState()
		m.Cmds = append(m.Cmds, queuedCommand{cmd: c.Cmd, argv: argv})
		flags := s.CommandFlags(c)
		m.flags |= flags
		m.invFlags |= ^flags
	}
	c.Status("QUEUED")
}

// discardTransaction leaves MULTI, forgetting the queue and the WATCHed
// keys (DISCARD, EXEC, RESET).
func (s *Server) discardTransaction(c *Client) {
	if c.Multi != nil {
		c.Multi.Cmds = nil
		c.Multi.flags, c.Multi.invFlags = 0, 0
	}
	c.Flags &^= ClientMulti | ClientDirtyCAS | ClientDirtyExec
	s.unwatchAllKeys(c)
}

func multiCommand(c *Client) {
	if c.Flags&ClientMulti != 0 {
		c.Error(ErrNestedMulti)
		return
	}
	c.multiState()
	c.Flags |= ClientMulti
	c.OK()
}

func discardCommand(c *Client) {
	if c.Flags&ClientMulti == 0 {
		c.Error("ERR DISCARD without MULTI")
		return
	}
	c.srv.discardTransaction(c)
	c.OK()
}

// execAbort answers an EXEC that processCommand rejected: the transaction
// is discarded and the reason is given after EXECABORT, without the "ERR"
// that a formatted rejection carries (Redis's execCommandAbort).
func (s *Server) execAbort(c *Client, msg string) {
	s.discardTransaction(c)
	if len(s.monitors) > 0 {
		s.feedMonitors(c)
	}
	s.replyError(c, "EXECABORT Transaction discarded because of: "+strings.TrimPrefix(msg, "ERR "))
}

func execCommand(c *Client) {
	s := c.srv
	if c.Flags&ClientMulti == 0 {
		c.Error("ERR EXEC without MULTI")
		return
	}
	if s.watchedKeyExpired(c) {
		c.Flags |= ClientDirtyCAS
	}
	if c.Flags&(ClientDirtyCAS|ClientDirtyExec) != 0 {
		if c.Flags&ClientDirtyExec != 0 {
			c.Error(ErrExecAbort)
		} else {
			c.NullArray()
		}
		s.discardTransaction(c)
		return
	}
	// Nothing can make the transaction fail from now on.
	s.unwatchAllKeys(c)

	// The commands run nested in EXEC's call: what they propagate is one
	// unit, wrapped in MULTI/EXEC when there are several (propagate.go).
	origArgv, origCmd, origOwned := c.Argv, c.Cmd, c.argvOwned
	cmds := c.Multi.Cmds
	c.ArrayLen(len(cmds))
	s.inExec = true
	defer func() { s.inExec = false }()
	for _, q := range cmds {
		// The copies are borrowed by the command like any input: the
		// invariants build clobbers them after the call.
		c.Argv, c.Cmd, c.argvOwned = q.argv, q.cmd, false
		if msg := s.aclExecCheck(c, q.cmd); msg != "" { // rules changed since queued (acl.go)
			s.replyError(c, msg)
			continue
		}
		s.call(c)
	}
	c.Argv, c.Cmd, c.argvOwned = origArgv, origCmd, origOwned
	s.discardTransaction(c)
}

// InExec reports whether EXEC is running its commands (Redis's in_exec):
// a background save or rewrite asked for then waits for the end of the
// transaction, so that its point in time is not in the middle of it.
func (s *Server) InExec() bool { return s.inExec }

func watchCommand(c *Client) {
	if c.Flags&ClientMulti != 0 {
		c.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	// No point in watching when EXEC is already bound to fail.
	if c.Flags&ClientDirtyCAS == 0 {
		for _, key := range c.Argv[1:] {
			c.srv.watchKey(c, key)
		}
	}
	c.OK()
}

func unwatchCommand(c *Client) {
	c.srv.unwatchAllKeys(c)
	c.Flags &^= ClientDirtyCAS
	c.OK()
}

func (s *Server) watchKey(c *Client, key []byte) {
	m := c.multiState()
	wk := watchedKey{c.DB, string(key)}
	if _, ok := m.watched[wk]; ok {
		return
	}
	if m.watched == nil {
		m.watched = map[watchedKey]bool{}
	}
	m.watched[wk] = c.DB.isExpired(key)
	if s.watched == nil {
		s.watched = map[watchedKey]map[*Client]struct{}{}
	}
	clients := s.watched[wk]
	if clients == nil {
		clients = map[*Client]struct{}{}
		s.watched[wk] = clients
	}
	clients[c] = struct{}{}
}

// unwatchAllKeys forgets every key c WATCHes. Clearing ClientDirtyCAS is up
// to the caller.
func (s *Server) unwatchAllKeys(c *Client) {
	if c.Multi == nil || len(c.Multi.watched) == 0 {
		return
	}
	for wk := range c.Multi.watched {
		clients := s.watched[wk]
		delete(clients, c)
		if len(clients) == 0 {
			delete(s.watched, wk)
		}
	}
	c.Multi.watched = nil
}

// watchedKeyExpired reports whether a key c WATCHes expired since: EXEC
// then fails even if the key was not deleted yet. Keys already expired when
// WATCHed do not count.
func (s *Server) watchedKeyExpired(c *Client) bool {
	if c.Multi == nil {
		return false
	}
	for wk, expired := range c.Multi.watched {
		if !expired && wk.db.isExpired([]byte(wk.key)) {
			return true
		}
	}
	return false
}

// touchWatchedKey marks the transactions WATCHing key as failed. The key
// was changed: a client that WATCHed it while it was logically expired sees
// no change if the key is now deleted (the expired key went away).
func (s *Server) touchWatchedKey(db *DB, key []byte) {
	if len(s.watched) == 0 {
		return
	}
	wk := watchedKey{db, bstr(key)}
	clients := s.watched[wk]
	if len(clients) == 0 {
		return
	}
	gone := db.lookup(key) == nil
	for c := range clients {
		if c.Multi.watched[wk] {
			if gone {
				c.Multi.watched[watchedKey{db, string(key)}] = false
			}
			continue
		}
		c.Flags |= ClientDirtyCAS
		// EXEC will fail: the client's other keys need no watching.
		s.unwatchAllKeys(c)
	}
}

// touchAllWatchedKeysInDB fails the transactions WATCHing a key of db, which
// is about to be emptied (FLUSHDB, FLUSHALL, a full sync): call it while the
// keys are still there.
func (s *Server) touchAllWatchedKeysInDB(db *DB) {
	s.touchWatchedKeysReplaced(db, nil)
}

// touchWatchedKeysReplaced is Redis's touchAllWatchedKeysInDb: the contents
// of emptied are about to be replaced by those of replacedWith (nil: by
// nothing; SWAPDB calls it both ways before the swap). A WATCH fails if its
// key exists on either side, except when an expired key stays expired or
// goes away.
func (s *Server) touchWatchedKeysReplaced(emptied, replacedWith *DB) {
	if len(s.watched) == 0 {
		return
	}
	for wk, clients := range s.watched {
		if wk.db != emptied {
			continue
		}
		key := []byte(wk.key)
		inEmptied := emptied.lookup(key) != nil
		inReplacement := replacedWith != nil && replacedWith.lookup(key) != nil
		if !inEmptied && !inReplacement {
			continue
		}
		for c := range clients {
			expired := c.Multi.watched[wk]
			switch {
			case expired && !inReplacement:
				// The expired key is deleted: no logical change.
				c.Multi.watched[wk] = false
				continue
			case expired && replacedWith.isExpired(key):
				continue
			case !expired && !inEmptied && replacedWith.isExpired(key):
				// A missing key replaced by an expired one.
				c.Multi.watched[wk] = true
				continue
			}
			c.Flags |= ClientDirtyCAS
			s.unwatchAllKeys(c)
		}
	}
}
