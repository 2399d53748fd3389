// Keyspace notifications, as Redis's notify.c: when the class of an event
// is enabled in notify-keyspace-events, a change publishes
// __keyspace@<db>__:<key> <event> (K) and __keyevent@<db>__:<event> <key>
// (E). Without K or E nothing is published, whatever the classes.

package db

import "strconv"

// NotifyFlag selects classes of keyspace events (notify-keyspace-events).
type NotifyFlag uint32

// Keyspace event classes, with their letters in notify-keyspace-events. The
// bits are those of package config's parameter value.
const (
	NotifyKeyspace NotifyFlag = 1 << iota // K
	NotifyKeyevent                        // E
	NotifyGeneric                         // g
	NotifyString                          // $
	NotifyList                            // l
	NotifySet                             // s
	NotifyHash                            // h
	NotifyZset                            // z
	NotifyExpired                         // x
	NotifyEvicted                         // e
	NotifyStream                          // t
	NotifyKeyMiss                         // m
	NotifyLoaded                          // module only
	NotifyModule                          // d
	NotifyNew                             // n

	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZset |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule // A
)

// ParseNotifyFlags parses the notify-keyspace-events string; ok is false for
// an unknown letter.
func ParseNotifyFlags(s string) (f NotifyFlag, ok bool) {
	for _, c := range s {
		switch c {
		case 'A':
			f |= NotifyAll
		case 'g':
			f |= NotifyGeneric
		case '$':
			f |= NotifyString
		case 'l':
			f |= NotifyList
		case 's':
			f |= NotifySet
		case 'h':
			f |= NotifyHash
		case 'z':
			f |= NotifyZset
		case 'x':
			f |= NotifyExpired
		case 'e':
			f |= NotifyEvicted
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 't':
			f |= NotifyStream
		case 'm':
			f |= NotifyKeyMiss
		case 'd':
			f |= NotifyModule
		case 'n':
			f |= NotifyNew
		default:
			return 0, false
		}
	}
	return f, true
}

// loadNotifyFlags reads notify-keyspace-events. The configuration keeps it
// as the same bits; its string form cannot be parsed back instead, as "A"
// hides an 'n' given with it (Redis prints it so).
func (s *Server) loadNotifyFlags() {
	s.notifyFlags = NotifyFlag(s.Config.Int("notify-keyspace-events"))
}

// notifyKeyspaceEvent publishes event about key when its class is enabled.
// key is borrowed.
func (s *Server) notifyKeyspaceEvent(class NotifyFlag, event string, key []byte, dbid int) {
	flags := s.notifyFlags
	if flags&class == 0 {
		return
	}
	var buf [64]byte
	if flags&NotifyKeyspace != 0 {
		ch := append(buf[:0], "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(dbid), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.Publish(ch, []byte(event))
	}
	if flags&NotifyKeyevent != 0 {
		ch := append(buf[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(dbid), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.Publish(ch, key)
	}
}

// signalModifiedKey is called for every change of a key: it invalidates
// the transactions that WATCH it and the clients that cache it.
func (s *Server) signalModifiedKey(db *DB, key []byte) {
	s.touchWatchedKey(db, key)
	if s.tracking.keys != nil {
		s.trackingInvalidateKey(key, true, s.trackingCurrent())
	}
}

// signalKeyDeletedByServer is signalModifiedKey for a key the server
// itself deleted, expired or evicted (Redis's signalModifiedKey(NULL,
// ...)): no client made the change, so BCAST's NOLOOP filters nobody.
func (s *Server) signalKeyDeletedByServer(db *DB, key []byte) {
	s.touchWatchedKey(db, key)
	if s.tracking.keys != nil {
		s.trackingInvalidateKey(key, true, nil)
	}
}

// notifyNewKey sends the "new" event of a key just added (class n), as
// Redis's dbAdd; keys loaded from a snapshot are not announced.
func (s *Server) notifyNewKey(db *DB, key []byte) {
	if s.notifyFlags&NotifyNew != 0 && !s.Loading {
		s.notifyKeyspaceEvent(NotifyNew, "new", key, db.ID)
	}
}
