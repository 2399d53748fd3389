// Package acl is Redis 7.0's access control model: users, their
// selectors, the checks a command line passes before it runs, the ACL
// log, and the text forms (ACL LIST lines, the ACL file).
//
// A User has flags (on/off, nopass, payload sanitization), passwords
// stored as SHA-256 hex digests, and selectors: the root one and any
// number of "(...)" ones. A Selector holds a bitmap of the commands it
// allows, indexed by the IDs of a Table, the first arguments allowed of
// commands otherwise denied ("+select|0"), and the key patterns (each
// granting reads, writes or both) and channel patterns commands may
// touch. A command line is allowed when one selector allows the command
// and all its keys and channels. Users are changed in place, so that the
// clients authenticated as one see its new rules at their next command,
// as in Redis.
//
// The package knows nothing of the executor: the command table comes in
// through CommandInfo, a command line's keys and channels through Args.
// Its values are owned by the goroutine that runs the commands.
package acl

import (
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/resp"
)

// Users is a server's set of users. The default user always exists.
type Users struct {
	t       *Table
	users   map[string]*User
	Default *User
	Log     Log
}

// NewUsers returns the set of a new server: the default user alone, on,
// nopass, allowed everything.
func NewUsers(t *Table) *Users {
	us := &Users{t: t, users: map[string]*User{}}
	us.Default = t.newDefaultUser()
	us.users["default"] = us.Default
	return us
}

func (t *Table) newDefaultUser() *User {
	u := t.NewUser("default", false)
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		u.Set(op, false)
	}
	return u
}

// Table is the command table the users refer to.
func (us *Users) Table() *Table { return us.t }

// Get returns the user of that name, nil if there is none.
func (us *Users) Get(name string) *User { return us.users[name] }

// Add stores a new user.
func (us *Users) Add(u *User) { us.users[u.Name] = u }

// Delete removes a user (never the default one).
func (us *Users) Delete(name string) *User {
	u := us.users[name]
	if u != nil && u != us.Default {
		delete(us.users, name)
	}
	return u
}

// List returns the users in name order (bytewise, as Redis's rax).
func (us *Users) List() []*User {
	out := make([]*User, 0, len(us.users))
	for _, u := range us.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SetDefaultPassword makes requirepass the default user's password ("":
// nopass), as Redis's ACLUpdateDefaultUserPassword.
func (us *Users) SetDefaultPassword(pass string) {
	us.Default.Set("resetpass", false)
	if pass != "" {
		us.Default.Set(">"+pass, false)
	} else {
		us.Default.Set("nopass", false)
	}
}

// SplitArgs splits a line as Redis's sdssplitargs (quotes and escapes).
func SplitArgs(line string) ([]string, bool) {
	argv, ok := resp.SplitArgs([]byte(line), nil)
	if !ok {
		return nil, false
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out, true
}

// Text is the ACL file content: one "user <name> <rules>" line per user.
func (us *Users) Text() string {
	var b strings.Builder
	for _, u := range us.List() {
		b.WriteString("user " + u.Name + " " + u.Describe() + "\n")
	}
	return b.String()
}

// Save writes the ACL file as Redis's ACLSaveToFile: a temporary file
// renamed over the old one.
func (us *Users) Save(filename string, pid int, nowMs int64) error {
	tmp := filename + ".tmp-" + strconv.Itoa(pid) + "-" + strconv.FormatInt(nowMs, 10)
	if err := os.WriteFile(tmp, []byte(us.Text()), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filename); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// LoadFile reads an ACL file into a new set of users, as Redis's
// ACLLoadFromFile; on any error it returns the errors as Redis lists
// them in one line and no users. displayName is the aclfile setting
// that the messages show. The log and the default user's identity are
// the caller's to carry over (Replace).
func (us *Users) LoadFile(filename, displayName string, allChannels bool) (*Users, error) {
	data, err := os.ReadFile(filename)
	if err != nil {
		var pe *os.PathError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return nil, errors.New("Error loading ACLs, opening file '" + filename + "': " + msg)
	}
	return us.parse(string(data), displayName, allChannels)
}

func (us *Users) parse(text, fname string, allChannels bool) (*Users, error) {
	n := &Users{t: us.t, users: map[string]*User{}}
	var errs strings.Builder
	for i, line := range strings.Split(text, "\n") {
		linenum := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := splitSpaces(line)
		if len(argv) == 0 {
			continue
		}
		if argv[0] != "user" || len(argv) < 2 {
			errs.WriteString(fname + ":" + strconv.Itoa(linenum) + " should start with user keyword followed by the username. ")
			continue
		}
		if hasSpaces(argv[1]) {
			errs.WriteString("'" + fname + ":" + strconv.Itoa(linenum) + ": username '" + argv[1] + "' contains invalid characters. ")
			continue
		}
		if n.users[argv[1]] != nil {
			errs.WriteString("WARNING: Duplicate user '" + argv[1] + "' found on line " + strconv.Itoa(linenum) + ". ")
			continue
		}
		u := us.t.NewUser(argv[1], allChannels)
		n.users[u.Name] = u
		rules, _, ok := MergeSelectorArgs(argv[2:])
		if !ok {
			errs.WriteString(fname + ":" + strconv.Itoa(linenum) + ": Unmatched parenthesis in selector definition.")
		}
		syntaxErr := false
		for _, op := range rules {
			op = strings.Trim(op, "\t\r\n")
			err := u.Set(op, allChannels)
			switch {
			case err == nil:
			case IsUnknown(err):
				errs.WriteString(fname + ":" + strconv.Itoa(linenum) + ": Error in applying operation '" + op + "': " + err.Error() + ". ")
			case !syntaxErr:
				errs.WriteString(fname + ":" + strconv.Itoa(linenum) + ": " + err.Error() + ". ")
				syntaxErr = true
			}
		}
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, errors.New(errs.String())
	}
	n.Log = us.Log
	n.Default = us.Default
	if d := n.users["default"]; d != nil {
		n.Default.CopyFrom(d)
	} else {
		n.Default.CopyFrom(us.t.newDefaultUser())
	}
	n.users["default"] = n.Default
	return n, nil
}

// splitSpaces splits on single spaces as Redis's sdssplitlen(" "):
// empty fields between two spaces are kept.
func splitSpaces(line string) []string { return strings.Split(line, " ") }

// ConfigUser is a "user" directive of redis.conf, checked and waiting to
// be loaded.
type ConfigUser struct {
	Name  string
	Rules []string
}

// CheckConfigUser validates a "user name rules..." directive as Redis's
// ACLAppendUserForLoading: rules naming unknown commands pass here.
func (us *Users) CheckConfigUser(args []string, seen map[string]bool) (ConfigUser, error) {
	if seen[args[0]] {
		return ConfigUser{}, errDuplicate
	}
	rules, _, ok := MergeSelectorArgs(args[1:])
	if !ok {
		return ConfigUser{}, errors.New("Unmatched parenthesis in acl selector")
	}
	fake := us.t.NewUser("", false)
	for _, op := range rules {
		if err := fake.Set(op, false); err != nil && !IsUnknown(err) {
			return ConfigUser{}, err
		}
	}
	return ConfigUser{Name: args[0], Rules: rules}, nil
}

// LoadConfigUser creates (or, for default, resets) a user from a
// redis.conf directive, as Redis's ACLLoadConfiguredUsers.
func (us *Users) LoadConfigUser(cu ConfigUser, allChannels bool) error {
	if hasSpaces(cu.Name) {
		return errors.New("Spaces not allowed in ACL usernames")
	}
	u := us.users[cu.Name]
	if u == nil {
		u = us.t.NewUser(cu.Name, allChannels)
		us.users[cu.Name] = u
	} else {
		u.Set("reset", allChannels)
	}
	for _, op := range cu.Rules {
		if err := u.Set(op, allChannels); err != nil {
			return errors.New("Error loading ACL rule '" + op + "' for the user named '" + cu.Name + "': " + err.Error())
		}
	}
	return nil
}
