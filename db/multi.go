package db

// MultiState is the state of a client inside MULTI, and its WATCHed keys.
type MultiState struct {
	Cmds []queuedCommand
}

type queuedCommand struct {
	cmd  *Command
	argv [][]byte // owned copies
}

// touchWatchedKey marks the transactions WATCHing key as failed.
func (s *Server) touchWatchedKey(db *DB, key []byte) {
	if len(s.watched) == 0 {
		return
	}
	for c := range s.watched[watchedKey{db, bstr(key)}] {
		c.Flags |= ClientDirtyCAS
	}
}

type watchedKey struct {
	db  *DB
	key string
}

// hasWrite reports whether a queued command writes (EXEC is then refused on
// a read-only replica).
func (m *MultiState) hasWriteCmd() bool {
	if m == nil {
		return false
	}
	for _, q := range m.Cmds {
		if q.cmd.Has(FlagWrite) {
			return true
		}
	}
	return false
}

// queueMultiCommand stores the command for EXEC, with copies of its
// arguments, and answers +QUEUED.
func (s *Server) queueMultiCommand(c *Client) {
	if c.Flags&ClientDirtyExec != 0 {
		// Redis still answers QUEUED? No: once doomed it keeps queueing
		// nothing but still replies QUEUED for valid commands.
		c.Status("QUEUED")
		return
	}
	argv := make([][]byte, len(c.Argv))
	for i, a := range c.Argv {
		argv[i] = append([]byte(nil), a...)
	}
	c.Multi.Cmds = append(c.Multi.Cmds, queuedCommand{cmd: c.Cmd, argv: argv})
	c.Status("QUEUED")
}
