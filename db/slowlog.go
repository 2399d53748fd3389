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
	id   int64
	time int64 // unix seconds
	usec int64
	argv [][]byte
	peer string
	name string
}

const (
	slowlogMaxArgc = 32
	slowlogMaxArg  = 128
)

// SlowlogLatest returns SLOWLOG LEN, and the ID and duration of the newest
// entry (0 and 0 when empty): what a monitoring scrape reads with SLOWLOG
// LEN and SLOWLOG GET 1.
func (s *Server) SlowlogLatest() (length int, lastID, lastUsec int64) {
	sl := &s.slowlog
	if len(sl.entries) == 0 {
		return 0, 0, 0
	}
	return len(sl.entries), sl.entries[0].id, sl.entries[0].usec
}

// slowlogPush logs a command that ran for usec microseconds with argv,
// its arguments as the client sent them, secrets redacted.
func (s *Server) slowlogPush(c *Client, args [][]byte, usec int64) {
	sl := &s.slowlog
	if sl.slowerThan < 0 {
		return
	}
	if usec < sl.slowerThan {
		sl.trim()
		return
	}
	argc := min(len(args), slowlogMaxArgc)
	argv := make([][]byte, argc)
	for i := 0; i < argc; i++ {
		switch a := args[i]; {
		case i == slowlogMaxArgc-1 && len(args) > slowlogMaxArgc:
			argv[i] = []byte("... (" + itoa(int64(len(args)-slowlogMaxArgc+1)) + " more arguments)")
		case len(a) > slowlogMaxArg:
			argv[i] = append(append([]byte(nil), a[:slowlogMaxArg]...), []byte("... ("+itoa(int64(len(a)-slowlogMaxArg))+" more bytes)")...)
		default:
			argv[i] = append([]byte(nil), a...)
		}
	}
	e := slowlogEntry{id: sl.nextID, time: time.Now().Unix(), usec: usec, argv: argv, peer: c.Addr, name: c.Name}
	sl.nextID++
	sl.entries = append([]slowlogEntry{e}, sl.entries...)
	sl.trim()
}

// trim drops the oldest entries beyond slowlog-max-len.
func (sl *slowlog) trim() {
	if len(sl.entries) > sl.maxLen {
		sl.entries = sl.entries[:sl.maxLen]
	}
}

func init() {
	register("slowlog|get", slowlogGetCommand)
	register("slowlog|len", slowlogLenCommand)
	register("slowlog|reset", slowlogResetCommand)
	register("slowlog|help", slowlogHelpCommand)
}

// slowlogGetCommand is SLOWLOG GET [count]: the newest count entries
// (default 10, -1 for all), each [id, time, usec, argv, peer, name].
func slowlogGetCommand(c *Client) {
	if len(c.Argv) > 3 {
		replySubcommandSyntaxError(c)
		return
	}
	sl := &c.srv.slowlog
	count := int64(10)
	if len(c.Argv) == 3 {
		n, ok := ParseInt(c.Argv[2])
		if !ok || n < -1 {
			c.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
		if n == -1 {
			count = int64(len(sl.entries))
		}
	}
	count = min(count, int64(len(sl.entries)))
	c.ArrayLen(int(count))
	for _, e := range sl.entries[:count] {
		c.ArrayLen(6)
		c.Int(e.id)
		c.Int(e.time)
		c.Int(e.usec)
		c.ArrayLen(len(e.argv))
		for _, a := range e.argv {
			c.Bulk(a)
		}
		c.BulkString(e.peer)
		c.BulkString(e.name)
	}
}

func slowlogLenCommand(c *Client) { c.Int(int64(len(c.srv.slowlog.entries))) }

func slowlogResetCommand(c *Client) {
	c.srv.slowlog.entries = nil
	c.OK()
}

func slowlogHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}
