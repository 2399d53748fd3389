package db

// COMMAND and its subcommands: the command table as data, for clients
// (redis-cli builds its hints from COMMAND DOCS) and for cluster-aware
// clients that extract keys with COMMAND GETKEYS.
//
// Every reply is built from the metadata Redis 7.0 gave (commands.resp),
// restricted to what this server registered: a container lists only the
// subcommands that exist here. Key extraction follows Redis's key specs
// (getKeysUsingKeySpecs), with Redis's own getkeys functions for the
// commands whose key flags depend on their arguments (SET, BITFIELD).

import (
	"strings"

	"github.com/redis-go/redis-server/glob"
	"github.com/redis-go/redis-server/resp"
)

func init() {
	register("command", commandCommand)
	register("command|count", commandCountCommand)
	register("command|info", commandInfoCommand)
	register("command|docs", commandDocsCommand)
	register("command|list", commandListCommand)
	register("command|getkeys", commandGetKeysCommand)
	register("command|getkeysandflags", commandGetKeysAndFlagsCommand)
	register("command|help", commandHelpCommand)
}

// lookupCommandBySpec finds a command by full name, "get" or "config|get"
// (any case), as Redis's lookupCommandBySds.
func lookupCommandBySpec(name string) *Command { return commands.lookupBySpec(name) }

func (t Table) lookupBySpec(name string) *Command {
	parts := strings.Split(strings.ToLower(name), "|")
	switch len(parts) {
	case 1:
		return t[parts[0]]
	case 2:
		if p := t[parts[0]]; p != nil && p.Sub != nil {
			return p.Sub[parts[1]]
		}
	}
	return nil
}

// registeredSubcommands returns cmd's subcommands in Redis's order (the
// order of the captured metadata).
func registeredSubcommands(cmd *Command) []*Command {
	if cmd.Sub == nil {
		return nil
	}
	var out []*Command
	for _, v := range cmd.infoValue().Elems[9].Elems {
		name := string(v.Elems[0].Str)
		if sub := cmd.Sub[name[strings.IndexByte(name, '|')+1:]]; sub != nil {
			out = append(out, sub)
		}
	}
	return out
}

// writeCommandInfo replies cmd's COMMAND INFO entry, or a null for nil.
func writeCommandInfo(c *Client, cmd *Command) {
	if cmd == nil {
		c.Null()
		return
	}
	e := cmd.infoValue().Elems
	c.ArrayLen(len(e))
	for _, v := range e[:9] {
		c.WriteValue(v)
	}
	subs := registeredSubcommands(cmd)
	if e[9].Type == '~' {
		c.SetLen(len(subs))
	} else {
		c.ArrayLen(len(subs))
	}
	for _, sub := range subs {
		writeCommandInfo(c, sub)
	}
}

// writeCommandDocs replies cmd's COMMAND DOCS map.
func writeCommandDocs(c *Client, cmd *Command) {
	e := parseMeta(cmd.docs).Elems
	c.MapLen(len(e) / 2)
	for i := 0; i+1 < len(e); i += 2 {
		c.WriteValue(e[i])
		if string(e[i].Str) != "subcommands" {
			c.WriteValue(e[i+1])
			continue
		}
		subs := registeredSubcommands(cmd)
		c.MapLen(len(subs))
		for _, sub := range subs {
			c.BulkString(sub.FullName())
			writeCommandDocs(c, sub)
		}
	}
}

// commandCommand is COMMAND without a subcommand: every command's info.
func commandCommand(c *Client) {
	t := c.srv.table()
	names := t.sortedNames()
	c.ArrayLen(len(names))
	for _, n := range names {
		writeCommandInfo(c, t[n])
	}
}

func commandCountCommand(c *Client) { c.Int(int64(len(c.srv.table()))) }

func commandInfoCommand(c *Client) {
	if len(c.Argv) == 2 {
		commandCommand(c)
		return
	}
	c.ArrayLen(len(c.Argv) - 2)
	for _, a := range c.Argv[2:] {
		writeCommandInfo(c, c.srv.table().lookupBySpec(bstr(a)))
	}
}

func commandDocsCommand(c *Client) {
	var cmds []*Command
	if len(c.Argv) == 2 {
		t := c.srv.table()
		for _, n := range t.sortedNames() {
			cmds = append(cmds, t[n])
		}
	} else {
		for _, a := range c.Argv[2:] {
			if cmd := c.srv.table().lookupBySpec(bstr(a)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.MapLen(len(cmds))
	for _, cmd := range cmds {
		c.BulkString(cmd.FullName())
		writeCommandDocs(c, cmd)
	}
}

// commandListCommand is COMMAND LIST [FILTERBY MODULE m|ACLCAT cat|PATTERN p].
func commandListCommand(c *Client) {
	var keep func(cmd *Command) bool
	for i := 2; i < len(c.Argv); i++ {
		if !c.ArgIs(i, "filterby") || len(c.Argv)-1-i != 2 {
			c.Error(ErrSyntax)
			return
		}
		arg := c.Argv[i+2]
		switch {
		case c.ArgIs(i+1, "module"):
			keep = func(*Command) bool { return false } // no modules
		case c.ArgIs(i+1, "aclcat"):
			cat := "@" + strings.ToLower(string(arg))
			keep = func(cmd *Command) bool {
				for _, v := range cmd.infoValue().Elems[6].Elems {
					if string(v.Str) == cat {
						return true
					}
				}
				return false
			}
		case c.ArgIs(i+1, "pattern"):
			pat := append([]byte(nil), arg...)
			keep = func(cmd *Command) bool { return glob.Match(pat, []byte(cmd.FullName()), true) }
		default:
			c.Error(ErrSyntax)
			return
		}
		i += 2
	}
	d := c.Defer()
	n := 0
	for _, cmd := range allCommands() {
		if keep == nil || keep(cmd) {
			c.BulkString(cmd.FullName())
			n++
		}
	}
	c.SetArrayLen(d, n)
}

func commandHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

func commandGetKeysCommand(c *Client)         { getKeysSubcommand(c, false) }
func commandGetKeysAndFlagsCommand(c *Client) { getKeysSubcommand(c, true) }

// getKeysSubcommand is Redis's getKeysSubcommandImpl.
func getKeysSubcommand(c *Client, withFlags bool) {
	argv := c.Argv[2:]
	cmd := c.srv.table().lookup(argv)
	if cmd != nil && cmd.Sub != nil && len(argv) > 1 {
		cmd = nil // unknown subcommand
	}
	switch {
	case cmd == nil:
		c.Error("ERR Invalid command specified")
		return
	case len(parseKeySpecs(cmd)) == 0 && cmd.GetKeys == nil && nativeGetKeys[cmd.Name] == nil:
		c.Error("ERR The command has no key arguments")
		return
	case cmd.Arity > 0 && cmd.Arity != len(argv) || len(argv) < -cmd.Arity:
		c.Error("ERR Invalid number of arguments specified for command")
		return
	}
	keys := commandKeys(cmd, argv)
	if len(keys) == 0 {
		if cmd.Has(FlagNoMandatoryKeys) {
			c.ArrayLen(0)
		} else {
			c.Error("ERR Invalid arguments specified for command")
		}
		return
	}
	c.ArrayLen(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.Bulk(argv[k.pos])
			continue
		}
		c.ArrayLen(2)
		c.Bulk(argv[k.pos])
		c.SetLen(len(k.flags))
		for _, f := range k.flags {
			c.Status(f)
		}
	}
}

// keyRef is a key found in a command line: its index and its flags, as
// COMMAND GETKEYSANDFLAGS names them.
type keyRef struct {
	pos   int
	flags []string
}

// keySpec is one of a command's key specifications (COMMAND INFO's
// key_specs): where the search for keys begins, and how keys are found
// from there.
type keySpec struct {
	flags []string
	// begin_search: an index, or a keyword searched from startFrom
	// (negative: from the end, backwards); unknown otherwise.
	bsIndex     int
	bsKeyword   string
	bsStartFrom int
	bsUnknown   bool
	// find_keys: a range (lastKey relative to the first key, negative from
	// the end; limit divides what is left), or a count of keys at
	// keyNumIdx followed by keys from firstKey; unknown otherwise.
	fkRange                      bool
	lastKey, keyStep, limit      int
	keyNumIdx, firstKey, numStep int
	fkUnknown                    bool
}

func (ks *keySpec) has(flag string) bool {
	for _, f := range ks.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// mapField returns the value of key in a RESP map (flat key/value list).
func mapField(v resp.Value, key string) resp.Value {
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if string(v.Elems[i].Str) == key {
			return v.Elems[i+1]
		}
	}
	return resp.Value{}
}

func mapInt(v resp.Value, key string) int { return int(mapField(v, key).Int) }

// parseKeySpecs reads a command's key specs from its COMMAND INFO entry.
func parseKeySpecs(cmd *Command) []keySpec {
	var specs []keySpec
	for _, v := range parseMeta(infoField(cmd.info, 8)).Elems {
		var ks keySpec
		for _, f := range mapField(v, "flags").Elems {
			ks.flags = append(ks.flags, string(f.Str))
		}
		bs := mapField(v, "begin_search")
		bspec := mapField(bs, "spec")
		switch string(mapField(bs, "type").Str) {
		case "index":
			ks.bsIndex = mapInt(bspec, "index")
		case "keyword":
			ks.bsKeyword = string(mapField(bspec, "keyword").Str)
			ks.bsStartFrom = mapInt(bspec, "startfrom")
		default:
			ks.bsUnknown = true
		}
		fk := mapField(v, "find_keys")
		fspec := mapField(fk, "spec")
		switch string(mapField(fk, "type").Str) {
		case "range":
			ks.fkRange = true
			ks.lastKey, ks.keyStep, ks.limit = mapInt(fspec, "lastkey"), mapInt(fspec, "keystep"), mapInt(fspec, "limit")
		case "keynum":
			ks.keyNumIdx, ks.firstKey, ks.numStep = mapInt(fspec, "keynumidx"), mapInt(fspec, "firstkey"), mapInt(fspec, "keystep")
		default:
			ks.fkUnknown = true
		}
		specs = append(specs, ks)
	}
	return specs
}

// commandKeys finds the keys of argv (argv[0] is the command name), as
// Redis's getKeysFromCommandWithSpecs: the key specs when they are
// complete and their flags do not depend on the arguments, else the
// command's own key finder.
func commandKeys(cmd *Command, argv [][]byte) []keyRef {
	return commandKeysWithSpecs(cmd, parseKeySpecs(cmd), argv)
}

// commandKeysWithSpecs is commandKeys with the command's specs parsed.
func commandKeysWithSpecs(cmd *Command, specs []keySpec, argv [][]byte) []keyRef {
	varFlags := false
	for i := range specs {
		varFlags = varFlags || specs[i].has("variable_flags")
	}
	if len(specs) > 0 && !varFlags {
		if keys, ok := keysFromSpecs(specs, argv); ok {
			return keys
		}
	}
	if fn := nativeGetKeys[cmd.Name]; fn != nil {
		return fn(argv)
	}
	if cmd.GetKeys != nil && len(specs) > 0 {
		// The command's finder knows positions only: give each key the
		// flags of the spec whose first key it is, else the last spec's.
		var keys []keyRef
		for _, pos := range cmd.GetKeys(argv) {
			flags := specs[len(specs)-1].flags
			if specs[0].bsIndex == pos {
				flags = specs[0].flags
			}
			keys = append(keys, keyRef{pos, flags})
		}
		return keys
	}
	return nil
}

// keysFromSpecs is Redis's getKeysUsingKeySpecs: an invalid or incomplete
// spec makes it fail.
func keysFromSpecs(specs []keySpec, argv [][]byte) ([]keyRef, bool) {
	var keys []keyRef
	argc := len(argv)
	for i := range specs {
		ks := &specs[i]
		if ks.has("not_key") {
			continue
		}
		first := 0
		switch {
		case ks.bsUnknown:
		case ks.bsKeyword != "":
			start, end := ks.bsStartFrom, argc-1
			if start <= 0 {
				start, end = argc+ks.bsStartFrom, 1
			}
			dir := 1
			if start > end {
				dir = -1
			}
			// As Redis, the search stops before the end index.
			for j := start; j != end && j < argc && j >= 1; j += dir {
				if strings.EqualFold(bstr(argv[j]), ks.bsKeyword) {
					first = j + 1
					break
				}
			}
			if first == 0 {
				continue // keyword not found: no keys from this spec
			}
		default:
			first = ks.bsIndex
		}
		last, step, valid := 0, 1, !ks.bsUnknown && !ks.fkUnknown
		switch {
		case !valid:
		case ks.fkRange:
			step = ks.keyStep
			switch {
			case ks.lastKey >= 0:
				last = first + ks.lastKey
			case ks.limit == 0:
				last = argc + ks.lastKey
			default:
				last = first + ((argc-first)/ks.limit + ks.lastKey)
			}
		default:
			step = ks.numStep
			idx := first + ks.keyNumIdx
			numKeys, ok := int64(0), idx < argc
			if ok {
				numKeys, ok = ParseInt(argv[idx])
			}
			if !ok || numKeys < 0 {
				valid = false
				break
			}
			first += ks.firstKey
			last = first + int(numKeys) - 1
		}
		if valid && (last >= argc || last < first || first >= argc) {
			valid = false
		}
		if valid {
			for j := first; j <= last; j += max(step, 1) {
				if j >= argc {
					continue
				}
				keys = append(keys, keyRef{j, ks.flags})
			}
			if ks.has("incomplete") {
				valid = false
			}
		}
		if !valid {
			return nil, false
		}
	}
	return keys, true
}

// nativeGetKeys are Redis's getkeys functions for the commands whose key
// specs cannot say it all: SET and BITFIELD, whose key flags depend on the
// arguments (variable_flags), and SORT and MIGRATE, whose specs are
// incomplete.
var nativeGetKeys = map[string]func(argv [][]byte) []keyRef{
	"sort": func(argv [][]byte) []keyRef {
		keys := []keyRef{{1, []string{"RO", "access"}}}
		var store *keyRef
		skip := map[string]int{"limit": 2, "get": 1, "by": 1}
		for i := 2; i < len(argv); i++ {
			a := strings.ToLower(string(argv[i]))
			if n, ok := skip[a]; ok {
				i += n
			} else if a == "store" && i+1 < len(argv) {
				// The last STORE wins, as in SORT itself.
				store = &keyRef{i + 1, []string{"OW", "update"}}
			}
		}
		if store != nil {
			keys = append(keys, *store)
		}
		return keys
	},
	"migrate": func(argv [][]byte) []keyRef {
		first, num := 3, 1
		skip := map[string]int{"copy": 0, "replace": 0, "auth": 1, "auth2": 2}
		for i := 6; i < len(argv); i++ {
			a := strings.ToLower(string(argv[i]))
			if a == "keys" {
				if len(argv[3]) > 0 {
					return nil // KEYS needs an empty key argument
				}
				first, num = i+1, len(argv)-i-1
				break
			}
			i += skip[a]
		}
		var keys []keyRef
		for i := 0; i < num; i++ {
			keys = append(keys, keyRef{first + i, []string{"RW", "access", "delete"}})
		}
		return keys
	},
	"set": func(argv [][]byte) []keyRef {
		for _, a := range argv[3:] {
			if strings.EqualFold(bstr(a), "get") {
				return []keyRef{{1, []string{"RW", "access", "update"}}}
			}
		}
		return []keyRef{{1, []string{"OW", "update"}}}
	},
	"bitfield": func(argv [][]byte) []keyRef {
		readonly := true
	scan:
		for i := 2; i < len(argv); i++ {
			rem := len(argv) - i - 1
			switch a := bstr(argv[i]); {
			case strings.EqualFold(a, "get") && rem >= 2:
				i += 2
			case (strings.EqualFold(a, "set") || strings.EqualFold(a, "incrby")) && rem >= 3:
				readonly = false
				break scan
			case strings.EqualFold(a, "overflow") && rem >= 1:
				i++
			default:
				readonly = false
				break scan
			}
		}
		if readonly {
			return []keyRef{{1, []string{"RO", "access"}}}
		}
		return []keyRef{{1, []string{"RW", "access", "update"}}}
	},
}
