package acl

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
)

// The errors of a rule, Redis's ACLSetUserStringError texts.
var (
	errSyntax      = errors.New("Syntax error")
	errUnknown     = errors.New("Unknown command or category name in ACL")
	errKeysAll     = errors.New("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
	errChannelsAll = errors.New("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
	errNoPass      = errors.New("The password you are trying to remove from the user does not exist")
	errBadHash     = errors.New("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
	errFirstArgSub = errors.New("Allowing first-arg of a subcommand is not supported")
	errDuplicate   = errors.New("Duplicate user found. A user can only be defined once in config files")
)

// IsUnknown reports whether err is the error of an unknown command or
// category (which configuration loading reports apart).
func IsUnknown(err error) bool { return err == errUnknown }

// sanitize is the user's payload sanitization flag: unset, or one of the
// two values (RESTORE's sanitize-dump-payload per user).
type sanitize uint8

const (
	sanitizeUnset sanitize = iota
	sanitizeSkip
	sanitizeOn
)

// User is an ACL user: whether it may log in, how (passwords as SHA-256
// hex digests, or nopass), and what it may do (its selectors, the root
// one first).
type User struct {
	Name      string
	enabled   bool
	nopass    bool
	sanitize  sanitize
	passwords []string
	selectors []*Selector
	t         *Table

	// unrestricted caches that the user may run anything on any key and
	// channel, the common case the hot path tests first.
	unrestricted bool
	descr        string // cached description (Redis's acl_string)
}

// NewUser returns a user as ACL SETUSER creates it: off, no passwords,
// no commands, no keys, channels as acl-pubsub-default says.
func (t *Table) NewUser(name string, allChannels bool) *User {
	u := &User{Name: name, t: t}
	u.selectors = []*Selector{t.newSelector(true, allChannels)}
	u.changed()
	return u
}

// Clone returns a copy of u (same name), for changes staged before they
// are applied.
func (u *User) Clone() *User {
	n := *u
	n.passwords = slices.Clone(u.passwords)
	n.selectors = make([]*Selector, len(u.selectors))
	for i, s := range u.selectors {
		n.selectors[i] = s.clone()
	}
	return &n
}

// CopyFrom makes u's rules those of src, keeping u's identity (clients
// hold a pointer to it).
func (u *User) CopyFrom(src *User) {
	name := u.Name
	*u = *src.Clone()
	u.Name = name
	u.changed()
}

func (u *User) root() *Selector { return u.selectors[0] }

// Enabled reports whether the user may authenticate (on).
func (u *User) Enabled() bool { return u.enabled }

// NoPass reports whether any password is accepted.
func (u *User) NoPass() bool { return u.nopass }

// Unrestricted reports whether the user may run every command on every
// key and channel, so that no check is needed.
func (u *User) Unrestricted() bool { return u.unrestricted }

// SkipsSanitizePayload is the skip-sanitize-payload flag: with
// sanitize-dump-payload clients, the user's RESTOREs skip the deep check.
func (u *User) SkipsSanitizePayload() bool { return u.sanitize == sanitizeSkip }

func (u *User) changed() {
	u.descr = ""
	r := u.root()
	u.unrestricted = r.allCommands && r.allKeys && r.allChannels
}

// HashPassword is the form passwords are stored in: SHA-256, in hex.
func HashPassword(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !('0' <= h[i] && h[i] <= '9' || 'a' <= h[i] && h[i] <= 'f') {
			return false
		}
	}
	return true
}

// CheckPassword reports whether password opens the user (nopass, or one
// of its passwords), comparing digests in constant time. It does not
// look at on/off.
func (u *User) CheckPassword(password []byte) bool {
	if u.nopass {
		return true
	}
	h := HashPassword(password)
	ok := false
	for _, p := range u.passwords {
		if subtle.ConstantTimeCompare([]byte(h), []byte(p)) == 1 {
			ok = true
		}
	}
	return ok
}

// Set applies one rule, as Redis's ACLSetUser. allChannels is
// acl-pubsub-default (for reset and new selectors).
func (u *User) Set(op string, allChannels bool) error {
	defer u.changed()
	if op == "" {
		return nil
	}
	switch strings.ToLower(op) {
	case "on":
		u.enabled = true
		return nil
	case "off":
		u.enabled = false
		return nil
	case "skip-sanitize-payload":
		u.sanitize = sanitizeSkip
		return nil
	case "sanitize-payload":
		u.sanitize = sanitizeOn
		return nil
	case "nopass":
		u.nopass, u.passwords = true, nil
		return nil
	case "resetpass":
		u.nopass, u.passwords = false, nil
		return nil
	case "clearselectors":
		u.selectors = u.selectors[:1]
		return nil
	case "reset":
		u.nopass, u.passwords = false, nil
		r := u.root()
		r.allKeys, r.keys = false, nil
		r.allChannels, r.channels = allChannels, nil
		u.enabled = false
		u.sanitize = sanitizeOn
		u.selectors = u.selectors[:1]
		r.setAll(false)
		return nil
	}
	switch op[0] {
	case '>', '#':
		var h string
		if op[0] == '>' {
			h = HashPassword([]byte(op[1:]))
		} else if h = op[1:]; !validHash(h) {
			return errBadHash
		}
		if !slices.Contains(u.passwords, h) {
			u.passwords = append(u.passwords, h)
		}
		u.nopass = false
		return nil
	case '<', '!':
		var h string
		if op[0] == '<' {
			h = HashPassword([]byte(op[1:]))
		} else if h = op[1:]; !validHash(h) {
			return errBadHash
		}
		i := slices.Index(u.passwords, h)
		if i < 0 {
			return errNoPass
		}
		u.passwords = slices.Delete(u.passwords, i, i+1)
		return nil
	case '(':
		if op[len(op)-1] == ')' {
			s, err := u.t.selectorFromOps(op, allChannels)
			if err != nil {
				return err
			}
			u.selectors = append(u.selectors, s)
			return nil
		}
	}
	return u.root().set(u.t, op)
}

// selectorFromOps builds a selector from "(op op ...)".
func (t *Table) selectorFromOps(opset string, allChannels bool) (*Selector, error) {
	s := t.newSelector(false, allChannels)
	args, ok := SplitArgs(opset[1 : len(opset)-1])
	if !ok {
		return s, nil // Redis's sdssplitargs fails: an empty selector
	}
	for _, a := range args {
		if err := s.set(t, a); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// MergeSelectorArgs joins the selectors spread over several arguments
// ("(~a" "+get)" -> "(~a +get)"), as Redis's ACLMergeSelectorArguments.
// An unclosed selector returns its starting index and false.
func MergeSelectorArgs(args []string) ([]string, int, bool) {
	var out []string
	open := -1
	var sel string
	for j, op := range args {
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open >= 0 {
			sel += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				out = append(out, sel)
			}
			continue
		}
		out = append(out, op)
	}
	if open >= 0 {
		return nil, open, false
	}
	return out, 0, true
}

// ApplyRules applies rules (already merged) to a copy of u, and returns
// it; on the first failing rule it returns that rule's error message as
// Redis's ACL SETUSER words it.
func (u *User) ApplyRules(rules []string, allChannels bool) (*User, error) {
	n := u.Clone()
	for _, op := range rules {
		if err := n.Set(op, allChannels); err != nil {
			return nil, errors.New("Error in ACL SETUSER modifier '" + op + "': " + err.Error())
		}
	}
	return n, nil
}
