package acl

import "time"

// Context is where a denied command ran (ACL LOG's context).
type Context int

const (
	ContextToplevel Context = iota
	ContextMulti
	ContextLua
	ContextModule
)

func (c Context) String() string {
	return [...]string{"toplevel", "multi", "lua", "module"}[c]
}

// ReasonName is ACL LOG's reason for a result.
func ReasonName(r Result) string {
	switch r {
	case DeniedCommand:
		return "command"
	case DeniedKey:
		return "key"
	case DeniedChannel:
		return "channel"
	case DeniedAuth:
		return "auth"
	}
	return "unknown"
}

// LogEntry is one entry of the ACL log: Count similar denials, the last
// at Time by the client described by ClientInfo.
type LogEntry struct {
	Count      int64
	Reason     Result
	Context    Context
	Object     string // the command, key, channel or "AUTH"
	Username   string
	Time       time.Time
	ClientInfo string
}

// groupWindow is how close in time two similar denials must be to be
// counted in one entry.
const groupWindow = 60 * time.Second

// Log is the ACL log, newest first.
type Log struct {
	entries []*LogEntry
}

// Add records a denial: it bumps a similar recent entry among the ten
// newest (moving it first), or adds a new one, trimming the log to max.
func (l *Log) Add(e LogEntry, max int) {
	for i, cur := range l.entries[:min(10, len(l.entries))] {
		d := cur.Time.Sub(e.Time)
		if d < 0 {
			d = -d
		}
		if cur.Reason == e.Reason && cur.Context == e.Context && d <= groupWindow &&
			cur.Object == e.Object && cur.Username == e.Username {
			cur.Count++
			cur.Time, cur.ClientInfo = e.Time, e.ClientInfo
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = cur
			return
		}
	}
	e.Count = 1
	l.entries = append([]*LogEntry{&e}, l.entries...)
	if len(l.entries) > max {
		l.entries = l.entries[:max]
	}
}

// Entries returns the newest count entries.
func (l *Log) Entries(count int) []*LogEntry { return l.entries[:min(count, len(l.entries))] }

// Len is the number of entries.
func (l *Log) Len() int { return len(l.entries) }

// Reset empties the log.
func (l *Log) Reset() { l.entries = nil }
