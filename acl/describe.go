package acl

import "strings"

// CommandRules describes the commands a selector allows as the rules
// that rebuild its bitmap, as Redis 7.0's ACLDescribeSelectorCommandRules:
// +@all or -@all (whether the selector allows future commands), then the
// categories that fit best, one at a time, then the single commands left
// and the allowed first arguments. Redis walks its command dict, whose
// order changes with each process; this walks the commands in name order.
func (s *Selector) CommandRules(t *Table) string {
	var b strings.Builder
	fake := t.newSelector(false, false)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	// temp is the part of the bitmap not explained yet: each category
	// applied is undone in it.
	temp := t.newSelector(false, false)
	copy(temp.allowed, s.allowed)
	applied := make([]bool, len(Categories))
	for {
		best, mindiff, maxsame := -1, int(^uint(0)>>1), 0
		for j := range Categories {
			if applied[j] {
				continue
			}
			on, off := temp.countCategory(t, 1<<j)
			diff, same := off, on
			if !additive {
				diff, same = on, off
			}
			if same > diff && (diff < mindiff || diff == mindiff && same > maxsame) {
				best, mindiff, maxsame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		fake.setCategory(t, 1<<best, additive)
		temp.setCategory(t, 1<<best, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(Categories[best])
		b.WriteByte(' ')
		applied[best] = true
	}
	for _, c := range t.top {
		s.describeSingle(c, fake, &b)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// describeSingle writes the rules for c (and its subcommands) where the
// categories left the fake selector different from s.
func (s *Selector) describeSingle(c *Command, fake *Selector, b *strings.Builder) {
	userbit := s.bit(c.ID)
	if userbit != fake.bit(c.ID) {
		if userbit {
			b.WriteByte('+')
		} else {
			b.WriteByte('-')
		}
		b.WriteString(c.Name)
		b.WriteByte(' ')
		fake.changePerm(c, userbit)
	}
	for _, sub := range c.Subs {
		s.describeSingle(sub, fake, b)
	}
	if !userbit {
		for _, a := range s.firstArgs[c.ID] {
			b.WriteString("+" + c.Name + "|" + a + " ")
		}
	}
}

func (s *Selector) countCategory(t *Table, cat uint64) (on, off int) {
	t.walk(func(c *Command) {
		if c.InCategory(cat) {
			if s.bit(c.ID) {
				on++
			} else {
				off++
			}
		}
	})
	return on, off
}

// describe is the selector as ACL LIST writes it: keys, channels, commands.
func (s *Selector) describe(t *Table) string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String() + " ")
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, ch := range s.channels {
			b.WriteString("&" + ch + " ")
		}
	}
	b.WriteString(s.CommandRules(t))
	return b.String()
}

// Keys is the selector's key patterns as ACL GETUSER shows them.
func (s *Selector) Keys() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// Channels is the selector's channel patterns as ACL GETUSER shows them.
func (s *Selector) Channels() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, ch := range s.channels {
		parts[i] = "&" + ch
	}
	return strings.Join(parts, " ")
}

// Flags are the user's flags in Redis's order (ACL GETUSER's flags).
func (u *User) Flags() []string {
	var f []string
	if u.enabled {
		f = append(f, "on")
	} else {
		f = append(f, "off")
	}
	if u.nopass {
		f = append(f, "nopass")
	}
	switch u.sanitize {
	case sanitizeSkip:
		f = append(f, "skip-sanitize-payload")
	case sanitizeOn:
		f = append(f, "sanitize-payload")
	}
	return f
}

// Passwords are the password digests, in the order they were added.
func (u *User) Passwords() []string { return u.passwords }

// Root is the user's root selector; Selectors are the others.
func (u *User) Root() *Selector { return u.selectors[0] }

// Selectors are the user's selectors beyond the root one.
func (u *User) Selectors() []*Selector { return u.selectors[1:] }

// Describe is the user's rules as ACL LIST and the ACL file write them
// (after "user <name> "), as Redis's ACLDescribeUser.
func (u *User) Describe() string {
	if u.descr != "" {
		return u.descr
	}
	var b strings.Builder
	for _, f := range u.Flags() {
		b.WriteString(f + " ")
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for _, s := range u.selectors {
		if s.root {
			b.WriteString(s.describe(u.t))
		} else {
			b.WriteString(" (" + s.describe(u.t) + ")")
		}
	}
	u.descr = b.String()
	return u.descr
}
