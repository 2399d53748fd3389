package acl

import (
	"slices"
	"strings"

	"github.com/redis-go/redis-server/glob"
	"github.com/redis-go/redis-server/logger"
)

// Permission bits of a key pattern.
const (
	PermRead  = 1
	PermWrite = 2
	PermAll   = PermRead | PermWrite
)

// KeyPattern is a key pattern of a selector with the access it grants:
// "~p" grants both, "%R~p" reads, "%W~p" writes.
type KeyPattern struct {
	Pattern string
	Perm    int
	pat     []byte // Pattern, for matching without a conversion
}

// String is the pattern as ACL LIST writes it.
func (p KeyPattern) String() string {
	switch p.Perm {
	case PermRead:
		return "%R~" + p.Pattern
	case PermWrite:
		return "%W~" + p.Pattern
	}
	return "~" + p.Pattern
}

// Selector is a set of permissions: the commands allowed (a bitmap by
// command ID, with the first arguments allowed for commands otherwise
// denied), and the keys and channels they may touch. A user has its root
// selector and any number of others; a command is allowed when one of
// them allows it all.
type Selector struct {
	root        bool
	allKeys     bool
	allChannels bool
	// allCommands is Redis's ALLCOMMANDS flag: set by +@all, cleared by
	// any command removed; the check skips the bitmap while it is set.
	allCommands bool
	// future is Redis's reserved bit: the selector started from +@all,
	// so it would allow commands added later. Only -@all clears it.
	future    bool
	allowed   []uint64
	firstArgs map[int][]string // command ID -> allowed first arguments
	keys      []KeyPattern
	channels  []string
}

func (t *Table) newSelector(root, allChannels bool) *Selector {
	return &Selector{root: root, allChannels: allChannels, allowed: make([]uint64, (t.Len()+63)/64)}
}

func (s *Selector) clone() *Selector {
	n := *s
	n.allowed = slices.Clone(s.allowed)
	n.keys = slices.Clone(s.keys)
	n.channels = slices.Clone(s.channels)
	n.firstArgs = nil
	for id, args := range s.firstArgs {
		if n.firstArgs == nil {
			n.firstArgs = map[int][]string{}
		}
		n.firstArgs[id] = slices.Clone(args)
	}
	return &n
}

func (s *Selector) bit(id int) bool { return s.allowed[id/64]&(1<<(id%64)) != 0 }

func (s *Selector) setBit(id int, on bool) {
	if on {
		s.allowed[id/64] |= 1 << (id % 64)
	} else {
		s.allowed[id/64] &^= 1 << (id % 64)
		s.allCommands = false
	}
}

// changePerm allows or denies a command, and a container's subcommands
// with it, as Redis's ACLChangeSelectorPerm.
func (s *Selector) changePerm(c *Command, on bool) {
	s.setBit(c.ID, on)
	delete(s.firstArgs, c.ID)
	for _, sub := range c.Subs {
		s.setBit(sub.ID, on)
	}
}

func (s *Selector) setCategory(t *Table, cat uint64, on bool) {
	t.walk(func(c *Command) {
		if c.InCategory(cat) {
			s.changePerm(c, on)
		}
	})
}

func (s *Selector) setAll(on bool) {
	var w uint64
	if on {
		w = ^uint64(0)
	}
	for i := range s.allowed {
		s.allowed[i] = w
	}
	s.allCommands, s.future = on, on
	s.firstArgs = nil
}

func (s *Selector) addFirstArg(id int, arg string) {
	for _, a := range s.firstArgs[id] {
		if equalFold(a, arg) {
			return
		}
	}
	if s.firstArgs == nil {
		s.firstArgs = map[int][]string{}
	}
	s.firstArgs[id] = append(s.firstArgs[id], arg)
}

// set applies one selector rule, as Redis's ACLSetSelector.
func (s *Selector) set(t *Table, op string) error {
	lower := strings.ToLower(op)
	switch {
	case lower == "allkeys" || op == "~*":
		s.allKeys, s.keys = true, nil
	case lower == "resetkeys":
		s.allKeys, s.keys = false, nil
	case lower == "allchannels" || op == "&*":
		s.allChannels, s.channels = true, nil
	case lower == "resetchannels":
		s.allChannels, s.channels = false, nil
	case lower == "allcommands" || lower == "+@all":
		s.setAll(true)
	case lower == "nocommands" || lower == "-@all":
		s.setAll(false)
	case op[0] == '~' || op[0] == '%':
		return s.addKeyPattern(op)
	case op[0] == '&':
		if s.allChannels {
			return errChannelsAll
		}
		if hasSpaces(op[1:]) {
			return errSyntax
		}
		if !slices.Contains(s.channels, op[1:]) {
			s.channels = append(s.channels, op[1:])
		}
	case op[0] == '+' && !strings.HasPrefix(op, "+@"):
		return s.allowCommand(t, op[1:])
	case op[0] == '-' && !strings.HasPrefix(op, "-@"):
		c := t.Lookup(op[1:])
		if c == nil {
			return errUnknown
		}
		s.changePerm(c, false)
	case op[0] == '+' || op[0] == '-':
		cat := CategoryFlag(op[2:])
		if cat == 0 {
			return errUnknown
		}
		s.setCategory(t, cat, op[0] == '+')
	default:
		return errSyntax
	}
	return nil
}

func (s *Selector) addKeyPattern(op string) error {
	if s.allKeys {
		return errKeysAll
	}
	perm, off := PermAll, 1
	if op[0] == '%' {
		perm = 0
		for ; off < len(op); off++ {
			switch {
			case (op[off] == 'R' || op[off] == 'r') && perm&PermRead == 0:
				perm |= PermRead
			case (op[off] == 'W' || op[off] == 'w') && perm&PermWrite == 0:
				perm |= PermWrite
			case op[off] == '~':
				off++
				goto parsed
			default:
				return errSyntax
			}
		}
	parsed:
		if perm == 0 {
			return errSyntax
		}
	}
	pat := op[min(off, len(op)):]
	if hasSpaces(pat) {
		return errSyntax
	}
	if i := slices.IndexFunc(s.keys, func(k KeyPattern) bool { return k.Pattern == pat }); i >= 0 {
		s.keys[i].Perm |= perm
	} else {
		s.keys = append(s.keys, KeyPattern{pat, perm, []byte(pat)})
	}
	s.allKeys = false
	return nil
}

// allowCommand is "+cmd", "+container|sub" and "+cmd|firstarg".
func (s *Selector) allowCommand(t *Table, name string) error {
	i := strings.LastIndexByte(name, '|')
	if i < 0 {
		c := t.Lookup(name)
		if c == nil {
			return errUnknown
		}
		s.changePerm(c, true)
		return nil
	}
	c := t.Lookup(name[:i])
	switch {
	case c == nil:
		return errUnknown
	case c.Parent != nil:
		return errFirstArgSub
	case i == len(name)-1:
		return errSyntax
	case c.Subs != nil:
		sub := t.Lookup(name)
		if sub == nil {
			return errUnknown
		}
		s.changePerm(sub, true)
	default:
		logger.Warningf("Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +%s)", name)
		s.addFirstArg(c.ID, name[i+1:])
	}
	return nil
}

// hasSpaces is Redis's ACLStringHasSpaces: spaces and NUL are refused in
// names and patterns.
func hasSpaces(s string) bool { return strings.ContainsAny(s, " \x00") }

// checkKey reports whether the selector grants the access to key.
func (s *Selector) checkKey(key []byte, perm int) bool {
	if s.allKeys {
		return true
	}
	for _, p := range s.keys {
		if p.Perm&perm == perm && glob.Match(p.pat, key, false) {
			return true
		}
	}
	return false
}

// checkChannel reports whether the selector allows the channel: a channel
// matches the ACL patterns, a PSUBSCRIBE pattern must equal one.
func (s *Selector) checkChannel(ch []byte, pattern bool) bool {
	if s.allChannels {
		return true
	}
	return channelInList(s.channels, ch, pattern)
}

func channelInList(list []string, ch []byte, pattern bool) bool {
	for _, p := range list {
		if pattern && p == string(ch) || !pattern && glob.Match([]byte(p), ch, false) {
			return true
		}
	}
	return false
}
