package db

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/redis-go/redis-server/resp"
)

// CmdFlag is a command's flags, as COMMAND INFO lists them.
type CmdFlag uint32

// Command flags; the names are Redis's.
const (
	FlagWrite CmdFlag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagNoMulti
	FlagAllowBusy
	FlagMovableKeys
	FlagNoMandatoryKeys
	FlagAsking // served on an importing slot without ASKING (RESTORE-ASKING)
	FlagNoAsyncLoading
)

var flagNames = map[string]CmdFlag{
	"write": FlagWrite, "readonly": FlagReadonly, "denyoom": FlagDenyOOM, "admin": FlagAdmin,
	"pubsub": FlagPubSub, "noscript": FlagNoScript, "blocking": FlagBlocking, "loading": FlagLoading,
	"stale": FlagStale, "skip_monitor": FlagSkipMonitor, "skip_slowlog": FlagSkipSlowlog,
	"fast": FlagFast, "no_auth": FlagNoAuth, "may_replicate": FlagMayReplicate,
	"no_multi": FlagNoMulti, "allow_busy": FlagAllowBusy, "movablekeys": FlagMovableKeys,
	"no_mandatory_keys": FlagNoMandatoryKeys, "asking": FlagAsking,
	"no_async_loading": FlagNoAsyncLoading,
}

// Command is one entry of the command table. Its metadata (arity, flags, key
// positions, documentation) is data captured from Redis 7.0 (commands.resp);
// the code that runs it is registered by name.
type Command struct {
	Name                       string // lower case; "config|get" for a subcommand
	Arity                      int    // > 0 exact count, < 0 at least -Arity, with the name
	Flags                      CmdFlag
	FirstKey, LastKey, KeyStep int
	Proc                       func(c *Client)
	// GetKeys finds the key positions of commands whose keys move
	// (ZUNIONSTORE numkeys ...); nil means FirstKey/LastKey/KeyStep.
	GetKeys func(argv [][]byte) []int
	Parent  *Command
	Sub     map[string]*Command

	info resp.Value // COMMAND INFO entry, without subcommands
	docs resp.Value // COMMAND DOCS entry (a map), without subcommands

	// INFO commandstats.
	Calls, Usec, RejectedCalls, FailedCalls int64
	// scriptRunner marks EVAL, FCALL and their variants: their flags come
	// from the script they run (SetScriptRunners).
	scriptRunner bool
	latency      *hdrHistogram // INFO latencystats, LATENCY HISTOGRAM
	// keySpecs: Redis has key specs for the command (key_specs_num > 0,
	// NOT_KEY ones included); a command without them, unless movable,
	// never needs a redirection. keysProc is its getkeys_proc, if Redis
	// has one (cluster.go).
	keySpecs bool
	keysProc func(dst []int, argv [][]byte) []int
}

// FullName is the name as errors and INFO show it: "get", "config|get".
func (c *Command) FullName() string { return c.Name }

// Has reports whether the command has flag f.
func (c *Command) Has(f CmdFlag) bool { return c.Flags&f != 0 }

//go:embed commands.resp
var commandsRESP []byte

type commandMeta struct {
	info resp.Value
	docs resp.Value
}

// redisCommands holds Redis's metadata by full name, parsed once.
var redisCommands = parseCommandMeta()

func parseCommandMeta() map[string]commandMeta {
	r := bufio.NewReader(bytes.NewReader(commandsRESP))
	info, err := resp.ReadReply(r)
	if err != nil {
		panic(fmt.Sprint("commands.resp: ", err))
	}
	docs, err := resp.ReadReply(r)
	if err != nil {
		panic(fmt.Sprint("commands.resp: ", err))
	}
	meta := map[string]commandMeta{}
	var addInfo func(v resp.Value)
	addInfo = func(v resp.Value) {
		name := string(v.Elems[0].Str)
		m := meta[name]
		m.info = v
		meta[name] = m
		for _, sub := range v.Elems[9].Elems {
			addInfo(sub)
		}
	}
	for _, v := range info.Elems {
		addInfo(v)
	}
	var addDocs func(name string, v resp.Value)
	addDocs = func(name string, v resp.Value) {
		m := meta[name]
		m.docs = v
		meta[name] = m
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if string(v.Elems[i].Str) == "subcommands" {
				sub := v.Elems[i+1]
				for j := 0; j+1 < len(sub.Elems); j += 2 {
					addDocs(string(sub.Elems[j].Str), sub.Elems[j+1])
				}
			}
		}
	}
	for i := 0; i+1 < len(docs.Elems); i += 2 {
		addDocs(string(docs.Elems[i].Str), docs.Elems[i+1])
	}
	return meta
}

// Table is the command table: top-level commands by lower-case name.
type Table map[string]*Command

// commands is the server's table, filled by the register calls in init
// functions of the files that implement the commands.
var commands = Table{}

// register adds the implementation of a command ("get") or a subcommand
// ("config|get") with the metadata Redis gives it.
func register(name string, proc func(c *Client)) *Command {
	m, ok := redisCommands[name]
	if !ok {
		panic("unknown Redis command " + name)
	}
	cmd := newCommand(name, m)
	cmd.Proc = proc
	parent, sub, isSub := strings.Cut(name, "|")
	if !isSub {
		if old := commands[name]; old != nil {
			cmd.Sub = old.Sub
		}
		commands[name] = cmd
		return cmd
	}
	p := commands[parent]
	if p == nil {
		p = newCommand(parent, redisCommands[parent])
		commands[parent] = p
	}
	if p.Sub == nil {
		p.Sub = map[string]*Command{}
	}
	cmd.Parent = p
	p.Sub[sub] = cmd
	return cmd
}

func newCommand(name string, m commandMeta) *Command {
	e := m.info.Elems
	cmd := &Command{
		Name: name, Arity: int(e[1].Int),
		FirstKey: int(e[3].Int), LastKey: int(e[4].Int), KeyStep: int(e[5].Int),
		info: m.info, docs: m.docs,
	}
	for _, f := range e[2].Elems {
		cmd.Flags |= flagNames[string(f.Str)]
	}
	cmd.keySpecs = len(e) > 8 && len(e[8].Elems) > 0
	cmd.keysProc = keysProcs[name]
	return cmd
}

// lookupCommand finds the command for argv in Redis's table (without the
// server's renames), descending into subcommands.
func lookupCommand(argv [][]byte) *Command { return commands.lookup(argv) }

// lookup finds the command for argv, descending into subcommands. It
// returns the container itself when the subcommand is unknown.
func (t Table) lookup(argv [][]byte) *Command {
	var tmp [32]byte
	cmd := t[string(appendLower(tmp[:0], argv[0]))]
	if cmd == nil || cmd.Sub == nil || len(argv) < 2 {
		return cmd
	}
	if sub := cmd.Sub[string(appendLower(tmp[:0], argv[1]))]; sub != nil {
		return sub
	}
	return cmd
}

// table is the server's command table: Redis's, with the changes of
// rename-command.
func (s *Server) table() Table {
	if s.renamed != nil {
		return s.renamed
	}
	return commands
}

// RenameCommand is a rename-command line: the command from goes by the
// name to from now on, or by none when to is empty. Clients, scripts,
// MULTI, the AOF and the master's stream all see the new names.
func (s *Server) RenameCommand(from, to string) error {
	from, to = strings.ToLower(from), strings.ToLower(to)
	cmd := s.table()[from]
	if cmd == nil {
		return errors.New("No such command in rename-command")
	}
	if s.renamed == nil {
		s.renamed = maps.Clone(commands)
	}
	delete(s.renamed, from)
	if to == "" {
		return nil
	}
	if s.renamed[to] != nil {
		return errors.New("Target command name already exists")
	}
	s.renamed[to] = cmd
	return nil
}

// CheckRenames returns a check of rename-command lines for
// config.CheckDirective: each line against the table as the lines before
// it left it, with Redis's errors.
func CheckRenames() func(args []string) error {
	var s Server
	return func(args []string) error { return s.RenameCommand(args[0], args[1]) }
}

// LookupCommandName finds a top-level command by name (any case).
func LookupCommandName(name string) *Command { return commands[strings.ToLower(name)] }

func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// keyPositions returns the argv indexes holding keys.
func (c *Command) keyPositions(argv [][]byte) []int {
	if c.GetKeys != nil {
		return c.GetKeys(argv)
	}
	if c.FirstKey <= 0 {
		return nil
	}
	last := c.LastKey
	if last < 0 {
		last = len(argv) + last
	}
	var pos []int
	for i := c.FirstKey; i <= last && i < len(argv); i += max(c.KeyStep, 1) {
		pos = append(pos, i)
	}
	return pos
}

// sortedNames returns the top-level command names in order.
func (t Table) sortedNames() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
