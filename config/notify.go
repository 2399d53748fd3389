// This file holds notify-keyspace-events: a string of class characters kept
// as a bit set, and shown in Redis's canonical order ("KEA" reads back as
// "AKE").

package config

import (
	"errors"
	"strings"
)

// Keyspace notification classes, the bits of Int("notify-keyspace-events").
const (
	NotifyKeyspace = 1 << iota // K: __keyspace@<db>__ channel
	NotifyKeyevent             // E: __keyevent@<db>__ channel
	NotifyGeneric              // g: DEL, EXPIRE, RENAME, ...
	NotifyString               // $
	NotifyList                 // l
	NotifySet                  // s
	NotifyHash                 // h
	NotifyZset                 // z
	NotifyExpired              // x
	NotifyEvicted              // e
	NotifyStream               // t
	NotifyKeyMiss              // m: key misses, not part of A
	NotifyLoaded               // module key loaded; no character
	NotifyModule               // d
	NotifyNew                  // n: new keys, not part of A

	// NotifyAll is what 'A' stands for.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// notifyClass is a class character and its bit.
type notifyClass struct {
	c    byte
	flag int
}

// Redis prints the type and event classes first, in this order (or A for
// all of them), then the channel and miss classes.
var (
	notifyClasses = []notifyClass{
		{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
		{'h', NotifyHash}, {'z', NotifyZset}, {'x', NotifyExpired}, {'e', NotifyEvicted},
		{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
	}
	notifyChannels = []notifyClass{{'K', NotifyKeyspace}, {'E', NotifyKeyevent}, {'m', NotifyKeyMiss}}
)

// notifyKind is the notify-keyspace-events parameter. Values are ints.
type notifyKind struct{}

func (notifyKind) parse(_ *Config, _ any, args []string) (any, error) {
	flags := 0
	for i := 0; i < len(args[0]); i++ {
		f := notifyFlag(args[0][i])
		if f == 0 {
			return nil, errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
		flags |= f
	}
	return flags, nil
}

func notifyFlag(c byte) int {
	if c == 'A' {
		return NotifyAll
	}
	for _, set := range [][]notifyClass{notifyClasses, notifyChannels} {
		for _, nc := range set {
			if nc.c == c {
				return nc.flag
			}
		}
	}
	return 0
}

// format spells the flags back. When every class of A is on, A replaces
// them all, n included: that is how Redis prints it.
func (notifyKind) format(v any) string {
	flags := v.(int)
	var b strings.Builder
	if flags&NotifyAll == NotifyAll {
		b.WriteByte('A')
	} else {
		for _, nc := range notifyClasses {
			if flags&nc.flag != 0 {
				b.WriteByte(nc.c)
			}
		}
	}
	for _, nc := range notifyChannels {
		if flags&nc.flag != 0 {
			b.WriteByte(nc.c)
		}
	}
	return b.String()
}

func (k notifyKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	return []rewriteLine{{name + " " + repr(k.format(v)), v.(int) != 0}}
}
