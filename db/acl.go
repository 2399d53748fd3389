package db

// ACLs in the executor: the bridge between the command table and package
// acl (the ACL view of the table, a command line's keys and channels),
// the users of a server, the client's user, and the check processCommand
// makes before every command.

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/redis-go/redis-server/acl"
	"github.com/redis-go/redis-server/logger"
)

// aclState is a server's users and its ACL log.
type aclState struct {
	users *acl.Users
	args  aclArgs // reused by the checks
	// requirePass is the requirepass last applied to the default user.
	requirePass string
}

// aclMetaCommand is one command of Redis's metadata seen by package acl:
// every command of Redis 7.0 is in the ACL table, implemented here or
// not, so that categories count what Redis counts.
type aclMetaCommand struct {
	name string
	meta commandMeta
}

func (m aclMetaCommand) FullName() string { return m.name }

func (m aclMetaCommand) Categories() []string {
	var cats []string
	infoStrings(m.meta.info, 6, func(c []byte) { cats = append(cats, string(bytes.TrimPrefix(c, []byte("@")))) })
	return cats
}

func (m aclMetaCommand) Subcommands() []acl.CommandInfo {
	var subs []acl.CommandInfo
	for _, v := range respArray(infoField(m.meta.info, 9)) {
		name := string(respBulk(infoField(v, 0)))
		subs = append(subs, aclMetaCommand{name, redisCommands[name]})
	}
	return subs
}

func (m aclMetaCommand) NoAuth() bool {
	noAuth := false
	infoStrings(m.meta.info, 2, func(f []byte) { noAuth = noAuth || string(f) == "no_auth" })
	return noAuth
}

// aclCommands is the process-wide ACL view of the command table, built
// once, after every init registered its commands.
var aclCommands = sync.OnceValue(func() *aclTable {
	var top []acl.CommandInfo
	for name, m := range redisCommands {
		if !strings.Contains(name, "|") {
			top = append(top, aclMetaCommand{name, m})
		}
	}
	t := &aclTable{Table: acl.NewTable(top), cmds: map[*Command]*aclCmd{}}
	for _, cmd := range commands {
		t.cmds[cmd] = t.newCmd(cmd)
		for _, sub := range cmd.Sub {
			t.cmds[sub] = t.newCmd(sub)
		}
	}
	return t
})

// aclTable is the ACL table with the parsed key specs of the
// implemented commands, for the key checks.
type aclTable struct {
	*acl.Table
	cmds map[*Command]*aclCmd
}

// aclCmd is what the checks need of an implemented command.
type aclCmd struct {
	acl    *acl.Command
	specs  []keySpec
	native bool // keys found by nativeGetKeys
	noKeys bool
}

func (t *aclTable) newCmd(cmd *Command) *aclCmd {
	ac := &aclCmd{acl: t.Lookup(cmd.Name), specs: parseKeySpecs(cmd), native: nativeGetKeys[cmd.Name] != nil}
	ac.noKeys = len(ac.specs) == 0 && cmd.GetKeys == nil && !ac.native
	return ac
}

// aclArgs finds the keys and channels of a command line for package acl.
// A server keeps one, reused by every check (the key list too).
type aclArgs struct {
	cmd  *Command
	info *aclCmd
	keys []acl.KeyRef
	chs  []acl.ChannelRef
}

func (a *aclArgs) Keys(argv [][]byte) []acl.KeyRef {
	specs := a.info.specs
	if a.info.noKeys {
		return nil
	}
	if a.cmd.Name == "set" { // as nativeGetKeys, without allocating
		ref := acl.KeyRef{Pos: 1, Write: true}
		for _, arg := range argv[3:] {
			ref.Read = ref.Read || strings.EqualFold(bstr(arg), "get")
		}
		a.keys = append(a.keys[:0], ref)
		return a.keys
	}
	if keys, ok := a.rangeKeys(specs, argv); ok {
		return keys
	}
	refs := commandKeysWithSpecs(a.cmd, specs, argv)
	out := a.keys[:0]
	for _, k := range refs {
		ref := acl.KeyRef{Pos: k.pos}
		for _, f := range k.flags {
			switch f {
			case "access":
				ref.Read = true
			case "insert", "delete", "update":
				ref.Write = true
			}
		}
		out = append(out, ref)
	}
	a.keys = out
	return out
}

// rangeKeys finds the keys of the commands whose specs are all an index
// and a range with fixed flags (GET, MGET, HSET, ...), as keysFromSpecs
// does, without allocating; ok is false for the others.
func (a *aclArgs) rangeKeys(specs []keySpec, argv [][]byte) ([]acl.KeyRef, bool) {
	if a.cmd.GetKeys != nil || a.info.native {
		return nil, false
	}
	out := a.keys[:0]
	argc := len(argv)
	for i := range specs {
		ks := &specs[i]
		if ks.bsUnknown || ks.bsKeyword != "" || !ks.fkRange || ks.bsIndex <= 0 {
			return nil, false
		}
		var ref acl.KeyRef
		for _, f := range ks.flags {
			switch f {
			case "access":
				ref.Read = true
			case "insert", "delete", "update":
				ref.Write = true
			case "variable_flags", "incomplete", "not_key":
				return nil, false
			}
		}
		first, last := ks.bsIndex, 0
		switch {
		case ks.lastKey >= 0:
			last = first + ks.lastKey
		case ks.limit == 0:
			last = argc + ks.lastKey
		default:
			last = first + ((argc-first)/ks.limit + ks.lastKey)
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for j := first; j <= last; j += max(ks.keyStep, 1) {
			ref.Pos = j
			out = append(out, ref)
		}
	}
	a.keys = out
	return out, true
}

// Channels are the channels of the commands that publish or subscribe,
// as Redis's getChannelsFromCommand (unsubscribing is never checked).
func (a *aclArgs) Channels(argv [][]byte) []acl.ChannelRef {
	out := a.chs[:0]
	defer func() { a.chs = out }()
	switch a.cmd.Name {
	case "publish", "spublish":
		out = append(out, acl.ChannelRef{Pos: 1})
	case "subscribe", "ssubscribe", "psubscribe":
		for i := 1; i < len(argv); i++ {
			out = append(out, acl.ChannelRef{Pos: i, Pattern: a.cmd.Name == "psubscribe"})
		}
	}
	return out
}

// initACL gives a new server its users: the default one, with
// requirepass as its password.
func (s *Server) initACL() {
	s.acl.users = acl.NewUsers(aclCommands().Table)
	s.acl.requirePass = s.Config.String("requirepass")
	s.acl.users.SetDefaultPassword(s.acl.requirePass)
	s.Config.UserLines = func() []string {
		var lines []string
		for _, u := range s.acl.users.List() {
			lines = append(lines, "user "+u.Name+" "+u.Describe())
		}
		return lines
	}
}

// aclSettingsChanged applies a new requirepass to the default user, as
// Redis's updateRequirePass (the first call creates the users).
func (s *Server) aclSettingsChanged() {
	if s.acl.users == nil {
		s.initACL()
		return
	}
	if pw := s.Config.String("requirepass"); pw != s.acl.requirePass {
		s.acl.requirePass = pw
		s.acl.users.SetDefaultPassword(pw)
	}
}

// ACLUsers returns the server's users (for subsystems and tests).
func (s *Server) ACLUsers() *acl.Users { return s.acl.users }

// pubsubAllChannels is acl-pubsub-default: whether new users and
// selectors start with all channels.
func (s *Server) pubsubAllChannels() bool {
	return s.Config.String("acl-pubsub-default") == "allchannels"
}

// LoadACLAtStartup loads the users of the "user" directives, then the
// aclfile, as Redis's ACLLoadUsersAtStartup; an error means the server
// must not start (it was logged).
func (s *Server) LoadACLAtStartup() bool {
	lines := s.Config.Directives("user")
	file := s.Config.String("aclfile")
	if file != "" && len(lines) > 0 {
		logger.Warningf("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
		return false
	}
	us := s.acl.users
	seen := map[string]bool{}
	for _, args := range lines {
		cu, err := us.CheckConfigUser(args, seen)
		if err != nil {
			logger.Warningf("Error in user declaration '%s': %s", args[0], err)
			return false
		}
		seen[cu.Name] = true
		if err := us.LoadConfigUser(cu, s.pubsubAllChannels()); err != nil {
			logger.Warningf("%s", err)
			logger.Warningf("Critical error while loading ACLs. Exiting.")
			return false
		}
		if u := us.Get(cu.Name); !u.Enabled() {
			logger.Noticef("The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.", cu.Name)
		}
	}
	if file != "" {
		n, err := us.LoadFile(file, file, s.pubsubAllChannels())
		if err != nil {
			logger.Warningf("Aborting Redis startup because of ACL errors: %s", err)
			return false
		}
		s.acl.users = n
	}
	return true
}

// defaultUserNeedsAuth reports whether new clients must authenticate:
// the default user has passwords or is off, as in Redis's authRequired.
func (s *Server) defaultUserNeedsAuth() bool {
	d := s.acl.users.Default
	return !d.NoPass() || !d.Enabled()
}

// setUser makes u the client's user.
func (c *Client) setUser(u *acl.User) {
	c.aclUser = u
	c.User = u.Name
}

// authenticate checks credentials as Redis's ACLAuthenticateUser: on
// success c is authenticated as that user, on failure the attempt goes
// to the ACL log.
func (s *Server) authenticate(c *Client, username, password []byte) bool {
	u := s.acl.users.Get(string(username))
	if u != nil && u.Enabled() && u.CheckPassword(password) {
		c.setUser(u)
		c.setAuthenticated(true)
		return true
	}
	s.aclLog(c, acl.DeniedAuth, 0, string(username), string(c.Argv[0]))
	return false
}

// aclContext is where c's command runs, for the ACL log.
func aclContext(c *Client) acl.Context {
	switch {
	case c.Flags&ClientScript != 0:
		return acl.ContextLua
	case c.Flags&ClientMulti != 0:
		return acl.ContextMulti
	}
	return acl.ContextToplevel
}

// aclLog adds a denial to the ACL log, as Redis's addACLLogEntry.
func (s *Server) aclLog(c *Client, reason acl.Result, pos int, username, object string) {
	if username == "" {
		username = c.User
		if c.Flags&ClientScript != 0 && c.scriptCaller != nil {
			username = c.scriptCaller.User
		}
	}
	if object == "" {
		switch reason {
		case acl.DeniedCommand:
			object = c.Cmd.FullName()
		case acl.DeniedKey, acl.DeniedChannel:
			object = string(c.Argv[pos])
		}
	}
	real := c
	if c.Flags&ClientScript != 0 && c.scriptCaller != nil {
		real = c.scriptCaller
	}
	s.acl.users.Log.Add(acl.LogEntry{
		Reason: reason, Context: aclContext(c), Object: object, Username: username,
		Time: time.Now(), ClientInfo: s.clientInfo(real),
	}, int(s.Config.Int("acllog-max-len")))
}

// aclCheck is processCommand's ACL check: "" when c's user may run the
// command, else the NOPERM error (the denial is logged).
func (s *Server) aclCheck(c *Client, cmd *Command) string {
	if res := s.aclDenied(c, cmd); res != acl.OK {
		return noPermError(res, cmd)
	}
	return ""
}

// aclDenied checks c's command against c's user and logs a denial: acl.OK
// when it may run.
func (s *Server) aclDenied(c *Client, cmd *Command) acl.Result {
	u := c.aclUser
	if u == nil || u.Unrestricted() || c.Flags&ClientMaster != 0 { // our master's stream is not checked
		return acl.OK
	}
	res, pos := s.aclCheckArgs(u, cmd, c.Argv)
	if res != acl.OK {
		s.aclLog(c, res, pos, "", "")
	}
	return res
}

// aclExecCheck checks a queued command again when EXEC runs it, as Redis
// 7.0 does in case the rules changed since it was queued.
func (s *Server) aclExecCheck(c *Client, cmd *Command) string {
	res := s.aclDenied(c, cmd)
	if res == acl.OK {
		return ""
	}
	reason := "no permission"
	switch res {
	case acl.DeniedCommand:
		reason = "no permission to execute the command or subcommand"
	case acl.DeniedKey:
		reason = "no permission to touch the specified keys"
	case acl.DeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// scriptACLCheck is the check of a script's command against its caller's
// user, as Redis's scriptVerifyACL: "" or the error raised in the script.
func (s *Server) scriptACLCheck(c *Client, cmd *Command, argv [][]byte) string {
	caller := c.scriptCaller
	if caller == nil || caller.aclUser == nil || caller.aclUser.Unrestricted() {
		return ""
	}
	res, pos := s.aclCheckArgs(caller.aclUser, cmd, argv)
	if res == acl.OK {
		return ""
	}
	object := cmd.FullName()
	if res != acl.DeniedCommand {
		object = string(argv[pos])
	}
	s.aclLog(c, res, pos, "", object)
	return "The user executing the script " + aclDenialText(res)
}

// aclDenialText is Redis's getAclErrorMessage.
func aclDenialText(res acl.Result) string {
	switch res {
	case acl.DeniedCommand:
		return "can't run this command or subcommand"
	case acl.DeniedKey:
		return "can't access at least one of the keys mentioned in the command arguments"
	case acl.DeniedChannel:
		return "can't publish to the channel mentioned in the command"
	}
	return "lacking the permissions for the command"
}

// aclCheckArgs checks a command line against u's rules.
func (s *Server) aclCheckArgs(u *acl.User, cmd *Command, argv [][]byte) (acl.Result, int) {
	t := aclCommands()
	ac := t.cmds[cmd]
	if ac == nil { // registered after the table was built
		ac = t.newCmd(cmd)
	}
	if ac.acl == nil {
		return acl.OK, 0
	}
	a := &s.acl.args
	a.cmd, a.info = cmd, ac
	return u.Check(ac.acl, argv, a)
}

// aclFullKeyAccess is ACLUserCheckCmdWithUnrestrictedKeyAccess: whether
// c's user may run its command and read any key (SORT's BY and GET).
func (s *Server) aclFullKeyAccess(c *Client) bool {
	u := c.aclUser
	if u == nil || u.Unrestricted() {
		return true
	}
	t := aclCommands()
	ac := t.cmds[c.Cmd]
	if ac == nil {
		ac = t.newCmd(c.Cmd)
	}
	if ac.acl == nil {
		return true
	}
	a := &s.acl.args
	a.cmd, a.info = c.Cmd, ac
	return u.CheckWithAllKeys(ac.acl, c.Argv, a)
}

func noPermError(res acl.Result, cmd *Command) string {
	switch res {
	case acl.DeniedCommand:
		return "NOPERM this user has no permissions to run the '" + cmd.FullName() + "' command"
	case acl.DeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case acl.DeniedChannel:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return "no permission"
}

// disconnectUser closes the clients authenticated as u (deleted, or
// dropped by ACL LOAD), as Redis's ACLFreeUserAndKillClients: the one
// running the command after its reply.
func (s *Server) disconnectUser(u *acl.User) {
	for _, c := range s.Clients() {
		if c.aclUser != u {
			continue
		}
		c.setUser(s.acl.users.Default)
		c.setAuthenticated(false)
		if c == s.Executing {
			c.Flags |= ClientCloseAfterReply
		} else {
			s.killClient(c)
		}
	}
}

// subscriptionsAllowed reports whether every subscription of c passes
// allowed (patterns literally).
func (c *Client) subscriptionsAllowed(allowed func(ch []byte, pattern bool) bool) bool {
	for p := range c.PubSub.Patterns {
		if !allowed([]byte(p), true) {
			return false
		}
	}
	for ch := range c.PubSub.Channels {
		if !allowed([]byte(ch), false) {
			return false
		}
	}
	for ch := range c.PubSub.Shard {
		if !allowed([]byte(ch), false) {
			return false
		}
	}
	return true
}

// ACLAllows reports whether c's user may run argv, a known command line
// (redis.acl_check_cmd); nothing is logged.
func (s *Server) ACLAllows(c *Client, argv [][]byte) bool {
	cmd := s.table().lookup(argv)
	if cmd == nil || c.aclUser == nil || c.aclUser.Unrestricted() {
		return true
	}
	res, _ := s.aclCheckArgs(c.aclUser, cmd, argv)
	return res == acl.OK
}

// DefaultUserNoPass reports whether the default user takes any password
// (nopass): protected mode applies only then.
func (s *Server) DefaultUserNoPass() bool { return s.acl.users.Default.NoPass() }
