package acl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCmd is a command of a small table: get and set, a container with
// two subcommands, and select for first-argument rules.
type fakeCmd struct {
	name string
	cats []string
	subs []CommandInfo
}

func (f fakeCmd) FullName() string            { return f.name }
func (f fakeCmd) Categories() []string        { return f.cats }
func (f fakeCmd) Subcommands() []CommandInfo  { return f.subs }
func (f fakeCmd) NoAuth() bool                { return f.name == "auth" }
func (f fakeCmd) Keys(argv [][]byte) []KeyRef { return nil }

func testTable() *Table {
	return NewTable([]CommandInfo{
		fakeCmd{name: "get", cats: []string{"read", "string", "fast"}},
		fakeCmd{name: "set", cats: []string{"write", "string", "slow"}},
		fakeCmd{name: "mget", cats: []string{"read", "string", "fast"}},
		fakeCmd{name: "auth", cats: []string{"connection", "fast"}},
		fakeCmd{name: "select", cats: []string{"connection", "fast"}},
		fakeCmd{name: "config", cats: []string{"slow"}, subs: []CommandInfo{
			fakeCmd{name: "config|get", cats: []string{"admin", "slow", "dangerous"}},
			fakeCmd{name: "config|set", cats: []string{"admin", "slow", "dangerous"}},
		}},
	})
}

// args gives every argument after the name as a key read (get, mget) or
// written (set), and argv[1] as a channel for "publish".
type args struct{ cmd string }

func (a args) Keys(argv [][]byte) []KeyRef {
	var out []KeyRef
	if a.cmd != "get" && a.cmd != "mget" && a.cmd != "set" {
		return nil
	}
	for i := 1; i < len(argv); i++ {
		if a.cmd == "set" {
			out = append(out, KeyRef{Pos: i, Write: true})
			break
		}
		out = append(out, KeyRef{Pos: i, Read: true})
	}
	return out
}

func (a args) Channels(argv [][]byte) []ChannelRef { return nil }

func setUser(t *testing.T, u *User, rules ...string) *User {
	n, err := u.ApplyRules(rules, false)
	require.NoError(t, err)
	return n
}

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

func TestDescribe(t *testing.T) {
	tb := testTable()
	u := tb.NewUser("x", false)
	assert.Equal(t, "off resetchannels -@all", u.Describe())
	u = setUser(t, u, "on", ">p", "~a*", "%R~b", "%W~b", "%W~c", "&ch", "+@read")
	assert.Equal(t, "on #"+HashPassword([]byte("p"))+" ~a* ~b %W~c resetchannels &ch -@all +@read", u.Describe())
	u = setUser(t, u, "reset", "+@all", "-set", "allkeys", "allchannels")
	assert.Equal(t, "off sanitize-payload ~* &* +@all -@write", u.Describe(), "set is all of @write here")
	assert.False(t, u.Unrestricted())
	u = setUser(t, u, "+set")
	assert.Equal(t, "+@all", u.Root().CommandRules(tb))
	// A selector that allows set only again: the categories do not fit.
	u = setUser(t, u, "nocommands", "+config|get", "+select|0", "(~k +get)")
	assert.Equal(t, "off sanitize-payload ~* &* -@all +config|get +select|0 (~k resetchannels -@all +get)", u.Describe())
	u = setUser(t, u, "clearselectors", "+@all", "-config")
	assert.Equal(t, "+@all -@admin -config", u.Root().CommandRules(tb))
}

func TestRuleErrors(t *testing.T) {
	tb := testTable()
	u := tb.NewUser("x", false)
	for rule, msg := range map[string]string{
		"+nosuch":         "Unknown command or category name in ACL",
		"+@nosuch":        "Unknown command or category name in ACL",
		"+config|nosuch":  "Unknown command or category name in ACL",
		"+config|get|x":   "Allowing first-arg of a subcommand is not supported",
		"+select|":        "Syntax error",
		"bogus":           "Syntax error",
		"~a b":            "Syntax error",
		"%X~a":            "Syntax error",
		"#abc":            "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
		"<nosuch":         "The password you are trying to remove from the user does not exist",
		"(~a +nosuch)":    "Unknown command or category name in ACL",
		"(on)":            "Syntax error",
		"%R~a\x00":        "Syntax error",
		"resetpass extra": "Syntax error",
	} {
		_, err := u.ApplyRules([]string{rule}, false)
		require.Error(t, err, rule)
		assert.Equal(t, "Error in ACL SETUSER modifier '"+rule+"': "+msg, err.Error(), rule)
	}
	u = setUser(t, u, "allkeys", "allchannels")
	_, err := u.ApplyRules([]string{"~a"}, false)
	assert.Contains(t, err.Error(), "'allkeys' flag")
	_, err = u.ApplyRules([]string{"&a"}, false)
	assert.Contains(t, err.Error(), "'allchannels' flag")
}

func TestMergeSelectorArgs(t *testing.T) {
	out, _, ok := MergeSelectorArgs([]string{"on", "(~a", "+get)", "(+set)"})
	require.True(t, ok)
	assert.Equal(t, []string{"on", "(~a +get)", "(+set)"}, out)
	_, bad, ok := MergeSelectorArgs([]string{"on", "(~a", "+get"})
	assert.False(t, ok)
	assert.Equal(t, 1, bad)
}

func TestCheck(t *testing.T) {
	tb := testTable()
	u := setUser(t, tb.NewUser("x", false), "on", "nopass", "~app:*", "%R~ro:*", "+@read", "+select|0", "(~w:* +set)")
	get, set, sel, auth := tb.Lookup("get"), tb.Lookup("set"), tb.Lookup("select"), tb.Lookup("auth")
	check := func(c *Command, a ...string) (Result, int) { return u.Check(c, argv(a...), args{c.Name}) }
	res, _ := check(get, "get", "app:1")
	assert.Equal(t, OK, res)
	res, _ = check(get, "get", "ro:1")
	assert.Equal(t, OK, res)
	res, pos := check(tb.Lookup("mget"), "mget", "app:1", "other", "x")
	assert.Equal(t, DeniedKey, res)
	assert.Equal(t, 2, pos) // the first key the root selector refuses
	res, _ = check(set, "set", "ro:1", "v")
	assert.Equal(t, DeniedKey, res)
	res, _ = check(set, "set", "w:1", "v")
	assert.Equal(t, OK, res)
	res, _ = check(sel, "select", "0")
	assert.Equal(t, OK, res)
	res, _ = check(sel, "select", "1")
	assert.Equal(t, DeniedCommand, res)
	res, _ = check(auth, "auth", "p")
	assert.Equal(t, OK, res, "no_auth commands are always allowed")
	res, _ = check(tb.Lookup("config|get"), "config", "get", "x")
	assert.Equal(t, DeniedCommand, res)
}

func TestPasswords(t *testing.T) {
	tb := testTable()
	u := setUser(t, tb.NewUser("x", false), "on", ">a", ">b", "<a")
	assert.False(t, u.CheckPassword([]byte("a")))
	assert.True(t, u.CheckPassword([]byte("b")))
	assert.Equal(t, []string{HashPassword([]byte("b"))}, u.Passwords())
	u = setUser(t, u, "nopass")
	assert.True(t, u.CheckPassword([]byte("anything")))
	u = setUser(t, u, "resetpass")
	assert.False(t, u.CheckPassword([]byte("b")))
}

func TestLogGrouping(t *testing.T) {
	var l Log
	e := LogEntry{Reason: DeniedKey, Object: "k", Username: "u"}
	l.Add(e, 3)
	l.Add(LogEntry{Reason: DeniedCommand, Object: "get", Username: "u"}, 3)
	l.Add(e, 3) // grouped with the first, which moves to the front
	require.Equal(t, 2, l.Len())
	assert.Equal(t, int64(2), l.Entries(1)[0].Count)
	assert.Equal(t, "k", l.Entries(1)[0].Object)
	for _, o := range []string{"a", "b", "c"} {
		l.Add(LogEntry{Reason: DeniedKey, Object: o}, 3)
	}
	assert.Equal(t, 3, l.Len())
	l.Reset()
	assert.Equal(t, 0, l.Len())
}

func TestFileRoundTrip(t *testing.T) {
	tb := testTable()
	us := NewUsers(tb)
	us.Add(setUser(t, tb.NewUser("app", false), "on", ">p", "~app:*", "+@read", "(%W~w +set +get)"))
	path := filepath.Join(t.TempDir(), "users.acl")
	require.NoError(t, us.Save(path, 1, 2))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	want := "user app on #" + HashPassword([]byte("p")) + " ~app:* resetchannels -@all +@read (%W~w resetchannels -@all +@write +get)\n" +
		"user default on nopass ~* &* +@all\n"
	assert.Equal(t, want, string(data))
	n, err := us.LoadFile(path, path, false)
	require.NoError(t, err)
	assert.Equal(t, want, n.Text())
	assert.Same(t, us.Default, n.Default, "the default user keeps its identity")

	require.NoError(t, os.WriteFile(path, []byte("user a on\nuser a off\nfoo\nuser b +nosuch\n"), 0o644))
	_, err = us.LoadFile(path, "f.acl", false)
	assert.EqualError(t, err, "WARNING: Duplicate user 'a' found on line 2. f.acl:3 should start with user keyword followed by the username. "+
		"f.acl:4: Error in applying operation '+nosuch': Unknown command or category name in ACL. "+
		"WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
}
