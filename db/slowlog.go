package db

import "time"

// slowlog keeps the commands that ran longer than slowlog-log-slower-than
// microseconds, newest first, as Redis's slowlog.c.
type slowlog struct {
	entries    []slowlogEntry
	nextID     int64
	maxLen     int
	slowerThan int64
}

type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds
	usec     int64
	argv     [][]byte
	peer     string
	name     string
}

const (
	slowlogMaxArgc = 32
	slowlogMaxArg  = 128
)

func (s *Server) slowlogPush(c *Client, usec int64) {
	sl := &s.slowlog
	if sl.slowerThan < 0 || usec < sl.slowerThan || sl.maxLen == 0 {
		return
	}
	argc := min(len(c.Argv), slowlogMaxArgc)
	argv := make([][]byte, argc)
	for i := 0; i < argc; i++ {
		switch a := c.Argv[i]; {
		case i == slowlogMaxArgc-1 && len(c.Argv) > slowlogMaxArgc:
			argv[i] = []byte("... (" + itoa(int64(len(c.Argv)-slowlogMaxArgc+1)) + " more arguments)")
		case len(a) > slowlogMaxArg:
			argv[i] = append(append([]byte(nil), a[:slowlogMaxArg]...), []byte("... ("+itoa(int64(len(a)-slowlogMaxArg))+" more bytes)")...)
		default:
			argv[i] = append([]byte(nil), a...)
		}
	}
	e := slowlogEntry{id: sl.nextID, time: time.Now().Unix(), usec: usec, argv: argv, peer: c.Addr, name: c.Name}
	sl.nextID++
	sl.entries = append([]slowlogEntry{e}, sl.entries...)
	if len(sl.entries) > sl.maxLen {
		sl.entries = sl.entries[:sl.maxLen]
	}
}
