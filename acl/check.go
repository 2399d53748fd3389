package acl

// Result is the outcome of a permission check, with Redis's values (the
// check picks the highest one among the selectors that refuse).
type Result int

const (
	OK            Result = iota
	DeniedCommand        // the command (or subcommand) is not allowed
	DeniedKey            // a key argument is not allowed
	DeniedAuth           // a failed AUTH (ACL LOG only)
	DeniedChannel        // a channel argument is not allowed
)

// argsCache finds the keys of a command line once for all the selectors.
type argsCache struct {
	args     Args
	argv     [][]byte
	keys     []KeyRef
	keysDone bool
}

func (a *argsCache) keyRefs() []KeyRef {
	if !a.keysDone {
		a.keys, a.keysDone = a.args.Keys(a.argv), true
	}
	return a.keys
}

// Check reports whether u may run cmd with argv (argv[0] is the command
// name), as Redis's ACLCheckAllUserCommandPerm: allowed if one selector
// allows it all; otherwise the reason and the argv index of the key or
// channel at fault (0 for a command).
func (u *User) Check(cmd *Command, argv [][]byte, args Args) (Result, int) {
	if u.unrestricted {
		return OK, 0
	}
	cache := argsCache{args: args, argv: argv}
	relevant, lastIdx := DeniedCommand, 0
	for _, s := range u.selectors {
		res, idx := s.check(cmd, argv, &cache)
		if res == OK {
			return OK, 0
		}
		if res > relevant || res == relevant && idx > lastIdx {
			relevant, lastIdx = res, idx
		}
	}
	return relevant, lastIdx
}

// check is one selector's verdict, as Redis's ACLSelectorCheckCmd.
func (s *Selector) check(cmd *Command, argv [][]byte, cache *argsCache) (Result, int) {
	if !s.allCommands && !cmd.NoAuth && !s.bit(cmd.ID) && !s.firstArgAllowed(cmd, argv) {
		return DeniedCommand, 0
	}
	if !s.allKeys {
		for _, k := range cache.keyRefs() {
			perm := 0
			if k.Read {
				perm |= PermRead
			}
			if k.Write {
				perm |= PermWrite
			}
			if !s.checkKey(argv[k.Pos], perm) {
				return DeniedKey, k.Pos
			}
		}
	}
	if !s.allChannels {
		for _, ch := range cache.args.Channels(argv) {
			if !s.checkChannel(argv[ch.Pos], ch.Pattern) {
				return DeniedChannel, ch.Pos
			}
		}
	}
	return OK, 0
}

func (s *Selector) firstArgAllowed(cmd *Command, argv [][]byte) bool {
	allowed := s.firstArgs[cmd.ID]
	if len(argv) < 2 || allowed == nil {
		return false
	}
	idx := 1
	if cmd.Parent != nil {
		idx = 2
	}
	if idx >= len(argv) {
		return false
	}
	for _, a := range allowed {
		if equalFold(a, string(argv[idx])) {
			return true
		}
	}
	return false
}

// CheckChannel reports whether one of u's selectors allows the channel
// (a pattern when pattern is set), as Redis's ACLUserCheckChannelPerm.
func (u *User) CheckChannel(ch []byte, pattern bool) bool {
	for _, s := range u.selectors {
		if s.checkChannel(ch, pattern) {
			return true
		}
	}
	return false
}

// ChannelsRevoked reports whether the channels u allows are not a
// superset of those old allowed, as Redis's ACLKillPubsubClientsIfNeeded
// decides; allowed then tells which subscriptions survive.
func (u *User) ChannelsRevoked(old *User) (revoked bool, allowed func(ch []byte, pattern bool) bool) {
	var upcoming []string
	for _, s := range u.selectors {
		if s.allChannels {
			return false, nil
		}
		upcoming = append(upcoming, s.channels...)
	}
	allowed = func(ch []byte, pattern bool) bool { return channelInList(upcoming, ch, pattern) }
	for _, s := range old.selectors {
		if s.allChannels {
			return true, allowed
		}
		for _, ch := range s.channels {
			found := false
			for _, n := range upcoming {
				if n == ch {
					found = true
					break
				}
			}
			if !found {
				return true, allowed
			}
		}
	}
	return false, nil
}

// CheckWithAllKeys is ACLUserCheckCmdWithUnrestrictedKeyAccess for reads:
// whether one selector both allows the command and may read any key, as
// SORT's BY and GET patterns need.
func (u *User) CheckWithAllKeys(cmd *Command, argv [][]byte, args Args) bool {
	if u.unrestricted {
		return true
	}
	cache := argsCache{args: args, argv: argv}
	for _, s := range u.selectors {
		if res, _ := s.check(cmd, argv, &cache); res == OK && s.readsAnyKey() {
			return true
		}
	}
	return false
}

// readsAnyKey reports whether the selector grants reads of every key:
// allkeys, or a pattern "*" with read access.
func (s *Selector) readsAnyKey() bool {
	if s.allKeys {
		return true
	}
	for _, p := range s.keys {
		if p.Perm&PermRead == PermRead && p.Pattern == "*" {
			return true
		}
	}
	return false
}
