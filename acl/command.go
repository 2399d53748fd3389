package acl

import (
	"sort"
	"strings"
)

// CommandInfo is what ACLs need to know of one command of the server's
// table; the executor (package db) implements it. A Table is built from
// these once, when the command table is complete.
type CommandInfo interface {
	// FullName is the lower-case name, "config|get" for a subcommand.
	FullName() string
	// Categories are the command's ACL categories without the '@', the
	// implicit ones included (as COMMAND INFO lists them).
	Categories() []string
	// Subcommands are the container's subcommands (nil for others).
	Subcommands() []CommandInfo
	// NoAuth is the no_auth flag: such commands are always allowed.
	NoAuth() bool
}

// Args finds what a command line touches, for the checks of users whose
// keys or channels are restricted; the executor implements it.
type Args interface {
	// Keys returns the positions of the keys in argv and how each is
	// accessed.
	Keys(argv [][]byte) []KeyRef
	// Channels returns the positions of the channels in argv, for the
	// commands that publish or subscribe.
	Channels(argv [][]byte) []ChannelRef
}

// KeyRef is a key argument: its index in argv and the access the command
// makes of it (from the key spec flags: access is a read; insert, delete
// and update are writes).
type KeyRef struct {
	Pos         int
	Read, Write bool
}

// ChannelRef is a channel argument. Pattern marks the patterns of
// PSUBSCRIBE, which match ACL patterns literally.
type ChannelRef struct {
	Pos     int
	Pattern bool
}

// Command is one command of a Table: its ID indexes the users' command
// bitmaps.
type Command struct {
	Name       string
	ID         int
	categories uint64
	Parent     *Command
	Subs       []*Command // sorted by name
	NoAuth     bool
}

// InCategory reports whether the command belongs to the category.
func (c *Command) InCategory(cat uint64) bool { return c.categories&cat != 0 }

// Table is the ACL view of the command table: Redis's commands (with
// their subcommands) by name, each with its ID. It is immutable once
// built and shared by every server of the process.
type Table struct {
	top    []*Command // sorted by name
	byName map[string]*Command
	all    []*Command // by ID
}

// NewTable builds the table from the server's commands.
func NewTable(cmds []CommandInfo) *Table {
	t := &Table{byName: map[string]*Command{}}
	sorted := append([]CommandInfo(nil), cmds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].FullName() < sorted[j].FullName() })
	for _, ci := range sorted {
		t.top = append(t.top, t.add(ci, nil))
	}
	return t
}

func (t *Table) add(ci CommandInfo, parent *Command) *Command {
	c := &Command{Name: ci.FullName(), ID: len(t.all), Parent: parent, NoAuth: ci.NoAuth()}
	for _, cat := range ci.Categories() {
		c.categories |= CategoryFlag(cat)
	}
	t.all = append(t.all, c)
	t.byName[c.Name] = c
	subs := append([]CommandInfo(nil), ci.Subcommands()...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].FullName() < subs[j].FullName() })
	for _, s := range subs {
		c.Subs = append(c.Subs, t.add(s, c))
	}
	return c
}

// Lookup finds a command by name ("get", "config|get"), ignoring case,
// as Redis's ACLLookupCommand: a name with a '|' must be a known
// subcommand of a container.
func (t *Table) Lookup(name string) *Command {
	name = strings.ToLower(name)
	base, sub, isSub := strings.Cut(name, "|")
	if isSub && (strings.Contains(sub, "|") || t.byName[base] == nil || t.byName[base].Subs == nil) {
		return nil
	}
	return t.byName[name]
}

// Len is the number of commands (and the size of the ID space).
func (t *Table) Len() int { return len(t.all) }

// walk calls fn for every command, each container followed by its
// subcommands, in name order.
func (t *Table) walk(fn func(c *Command)) {
	for _, c := range t.top {
		fn(c)
		for _, s := range c.Subs {
			fn(s)
		}
	}
}

// CategoryCommands returns the names of the commands of a category, in
// the table's order (ACL CAT category).
func (t *Table) CategoryCommands(cat uint64) []string {
	var names []string
	t.walk(func(c *Command) {
		if c.InCategory(cat) {
			names = append(names, c.Name)
		}
	})
	return names
}
