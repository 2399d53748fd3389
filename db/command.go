package db

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
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

	info []byte // COMMAND INFO entry, as commands.resp has it (infoValue)
	docs []byte // COMMAND DOCS entry (a map), as commands.resp has it

	// id indexes the servers' statistics of the command (Server.Stat).
	id int
	// scriptRunner marks EVAL, FCALL and their variants: their flags come
	// from the script they run (SetScriptRunners).
	scriptRunner bool
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

// commandMeta is Redis's metadata of a command: its COMMAND INFO and
// COMMAND DOCS entries, left in commands.resp's bytes and parsed when
// asked for. Parsed for good, the docs of every command took 1.1 MB of
// heap and their info 0.9 MB, two thirds of an empty server's.
type commandMeta struct {
	info []byte
	docs []byte
}

// infoValue parses the command's COMMAND INFO entry.
func (m commandMeta) infoValue() resp.Value { return parseMeta(m.info) }

// infoValue parses the command's COMMAND INFO entry.
func (c *Command) infoValue() resp.Value { return parseMeta(c.info) }

// infoField returns field i of a COMMAND INFO entry, unparsed: what the
// start reads of each command (its flags, categories, key specs) without
// parsing the whole entry, the subcommands' entries included, each time.
func infoField(info []byte, i int) []byte {
	_, _, pos := respHeader(info, 0)
	for range i {
		pos = respEnd(info, pos)
	}
	return info[pos:respEnd(info, pos)]
}

// infoStrings calls fn with each string of the array field i of a COMMAND
// INFO entry (the flags, the ACL categories).
func infoStrings(info []byte, i int, fn func(s []byte)) {
	for _, v := range respArray(infoField(info, i)) {
		fn(respBulk(v))
	}
}

// respInt returns the integer b.
func respInt(b []byte) int {
	n, err := strconv.Atoi(string(b[1 : len(b)-2]))
	if b[0] != ':' || err != nil {
		panic("commands.resp: not an integer")
	}
	return n
}

// redisCommands holds Redis's metadata by full name, indexed once.
var redisCommands = parseCommandMeta()

func parseCommandMeta() map[string]commandMeta {
	// The info is an array of the commands' entries, arrays whose first
	// element is the name and whose tenth is the subcommands' entries.
	docsAt := respEnd(commandsRESP, 0)
	meta := map[string]commandMeta{}
	var addInfo func(entries []byte)
	addInfo = func(entries []byte) {
		for _, e := range respArray(entries) {
			fields := respArray(e)
			name := string(respBulk(fields[0]))
			m := meta[name]
			m.info = e
			meta[name] = m
			addInfo(fields[9])
		}
	}
	addInfo(commandsRESP[:docsAt])
	// The docs are a map of name to map, whose "subcommands" field is a
	// map of the subcommands' docs.
	var addDocs func(docs []byte)
	addDocs = func(docs []byte) {
		for _, e := range respElems(docs) {
			name, v := string(respBulk(e[0])), e[1]
			m := meta[name]
			m.docs = v
			meta[name] = m
			for _, f := range respElems(v) {
				if string(respBulk(f[0])) == "subcommands" {
					addDocs(f[1])
				}
			}
		}
	}
	addDocs(commandsRESP[docsAt:])
	return meta
}

// respElems splits the RESP map at the start of b (or an array of keys
// and values) into its pairs' bytes. commands.resp is ours: a malformed
// one panics.
func respElems(b []byte) [][2][]byte {
	typ, n, pos := respHeader(b, 0)
	switch typ {
	case '%':
	case '*':
		n /= 2
	default:
		panic(fmt.Sprintf("commands.resp: %q is not a map", typ))
	}
	out := make([][2][]byte, n)
	for i := range out {
		for j := range 2 {
			end := respEnd(b, pos)
			out[i][j], pos = b[pos:end], end
		}
	}
	return out
}

// respArray splits the RESP array or set at the start of b into its
// elements' bytes.
func respArray(b []byte) [][]byte {
	typ, n, pos := respHeader(b, 0)
	if typ != '*' && typ != '~' {
		panic(fmt.Sprintf("commands.resp: %q is not an array", typ))
	}
	out := make([][]byte, n)
	for i := range out {
		end := respEnd(b, pos)
		out[i], pos = b[pos:end], end
	}
	return out
}

// respBulk returns the contents of the bulk or simple string b.
func respBulk(b []byte) []byte {
	typ, n, pos := respHeader(b, 0)
	if typ == '+' {
		return b[1 : pos-2]
	}
	return b[pos : pos+n]
}

// respHeader reads the line at b[pos:]: the type, its number (a length or a
// count, 0 for the others) and where the next line starts.
func respHeader(b []byte, pos int) (typ byte, n, next int) {
	end := bytes.IndexByte(b[pos:], '\n')
	if end < 2 {
		panic("commands.resp: truncated")
	}
	line := b[pos+1 : pos+end-1]
	typ = b[pos]
	switch typ {
	case '$', '*', '%', '~':
		v, err := strconv.Atoi(string(line))
		if err != nil {
			panic("commands.resp: bad count")
		}
		n = v
	}
	return typ, n, pos + end + 1
}

// respEnd returns where the RESP value at b[pos:] ends.
func respEnd(b []byte, pos int) int {
	typ, n, next := respHeader(b, pos)
	switch typ {
	case '$':
		return next + n + 2
	case '*', '~':
	case '%':
		n *= 2
	default:
		return next
	}
	for range n {
		next = respEnd(b, next)
	}
	return next
}

// parseMeta parses the RESP value at the start of b: a command's COMMAND
// INFO or COMMAND DOCS entry.
func parseMeta(b []byte) resp.Value {
	// A buffer the size of the value rather than bufio's 4 KB: this runs
	// for every command at start (ACL categories and flags, key specs),
	// and 4 KB each came to 7 MB of garbage before the first client.
	v, err := resp.ReadReply(bufio.NewReaderSize(bytes.NewReader(b), len(b)))
	if err != nil {
		panic(fmt.Sprint("commands.resp: ", err))
	}
	return v
}

// Table is the command table: top-level commands by lower-case name.
type Table map[string]*Command

// commands is the server's table, filled by the register calls in init
// functions of the files that implement the commands.
var commands = Table{}

// commandIDs counts the commands made (newCommand, in init functions):
// each one's id is its index in a server's statistics.
var commandIDs int

// CommandStats is what a server counts of a command: INFO commandstats
// and latencystats, LATENCY HISTOGRAM. Each server has its own, as the
// command table is the process's.
type CommandStats struct {
	Calls, Usec, RejectedCalls, FailedCalls int64
	latency                                 *hdrHistogram
}

// Stat is the server's statistics of cmd.
func (s *Server) Stat(cmd *Command) *CommandStats {
	if cmd.id >= len(s.cmdStats) {
		s.cmdStats = append(s.cmdStats, make([]CommandStats, cmd.id+1-len(s.cmdStats))...)
	}
	return &s.cmdStats[cmd.id]
}

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
	e := respArray(m.info)
	commandIDs++
	cmd := &Command{
		id:   commandIDs - 1,
		Name: name, Arity: respInt(e[1]),
		FirstKey: respInt(e[3]), LastKey: respInt(e[4]), KeyStep: respInt(e[5]),
		info: m.info, docs: m.docs,
	}
	infoStrings(m.info, 2, func(f []byte) { cmd.Flags |= flagNames[string(f)] })
	if len(e) > 8 {
		_, n, _ := respHeader(e[8], 0)
		cmd.keySpecs = n > 0
	}
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

// lastCommand is the last command processCommand found that has no
// subcommands and is none, and the name it found it under (rename-command may have
// changed it), lowercase.
type lastCommand struct {
	cmd  *Command
	n    int
	name [32]byte
}

// lookupCommand is table().lookup for processCommand. Pipelines and
// benchmarks repeat one command, so the last one found is tried first: a
// comparison of a few bytes instead of hashing the name into the table.
func (s *Server) lookupCommand(argv [][]byte) *Command {
	last := &s.lastCmd
	if last.cmd != nil && len(argv[0]) == last.n {
		same := true
		for i, c := range argv[0] {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != last.name[i] {
				same = false
				break
			}
		}
		if same {
			return last.cmd
		}
	}
	cmd := s.table().lookup(argv)
	if cmd != nil && cmd.Sub == nil && cmd.Parent == nil && len(argv[0]) <= len(last.name) {
		last.cmd, last.n = cmd, len(argv[0])
		appendLower(last.name[:0], argv[0])
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
	s.lastCmd = lastCommand{}
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
