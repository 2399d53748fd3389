package db

import (
	"strconv"
	"strings"
)

// NotifyFlag selects classes of keyspace events (notify-keyspace-events).
type NotifyFlag uint32

// Keyspace event classes, with their letters in notify-keyspace-events.
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

// notifyKeyspaceEvent publishes __keyspace@<db>__:<key> <event> and
// __keyevent@<db>__:<event> <key> when the class is enabled, as Redis's
// notify.c.
func (s *Server) notifyKeyspaceEvent(class NotifyFlag, event string, key []byte, dbid int) {
	flags := s.notifyFlags
	if flags&class == 0 {
		return
	}
	db := strconv.Itoa(dbid)
	if flags&NotifyKeyspace != 0 {
		var ch strings.Builder
		ch.WriteString("__keyspace@")
		ch.WriteString(db)
		ch.WriteString("__:")
		ch.Write(key)
		s.Publish([]byte(ch.String()), []byte(event))
	}
	if flags&NotifyKeyevent != 0 {
		s.Publish([]byte("__keyevent@"+db+"__:"+event), key)
	}
}

// signalModifiedKey is called for every change of a key: it invalidates
// the transactions that WATCH it.
func (s *Server) signalModifiedKey(db *DB, key []byte) {
	s.touchWatchedKey(db, key)
}
