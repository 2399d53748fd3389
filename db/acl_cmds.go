package db

// The ACL command: users (SETUSER, GETUSER, DELUSER, LIST, USERS,
// WHOAMI), the categories (CAT), DRYRUN, GENPASS, the log (LOG) and the
// ACL file (LOAD, SAVE), with Redis 7.0's replies. The model is package
// acl; acl.go bridges it to the executor.

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"time"

	"github.com/redis-go/redis-server/acl"
	"github.com/redis-go/redis-server/logger"
)

func init() {
	register("acl|setuser", aclSetUserCommand)
	register("acl|getuser", aclGetUserCommand)
	register("acl|deluser", aclDelUserCommand)
	register("acl|list", aclListCommand)
	register("acl|users", aclUsersCommand)
	register("acl|whoami", aclWhoAmICommand)
	register("acl|cat", aclCatCommand)
	register("acl|genpass", aclGenPassCommand)
	register("acl|log", aclLogCommand)
	register("acl|dryrun", aclDryRunCommand)
	register("acl|load", aclLoadCommand)
	register("acl|save", aclSaveCommand)
	register("acl|help", aclHelpCommand)
}

func aclSetUserCommand(c *Client) {
	s := c.srv
	name := c.Arg(2)
	if strings.ContainsAny(name, " \x00") {
		c.Error("ERR Usernames can't contain spaces or null characters")
		return
	}
	args := make([]string, len(c.Argv)-3)
	for i := range args {
		args[i] = c.Arg(i + 3)
	}
	rules, bad, ok := acl.MergeSelectorArgs(args)
	if !ok {
		c.Error("ERR Unmatched parenthesis in acl selector starting at '" + args[bad] + "'.")
		return
	}
	users := s.acl.users
	old := users.Get(name)
	base := old
	if base == nil {
		base = users.Table().NewUser(name, s.pubsubAllChannels())
	}
	n, err := base.ApplyRules(rules, s.pubsubAllChannels())
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	if old == nil {
		users.Add(n)
	} else {
		s.killRevokedSubscribers(n, old)
		old.CopyFrom(n)
	}
	c.OK()
}

// killRevokedSubscribers closes the pub/sub clients of old's user that
// the new rules no longer allow one of their subscriptions, as Redis's
// ACLKillPubsubClientsIfNeeded.
func (s *Server) killRevokedSubscribers(n, old *acl.User) {
	revoked, allowed := n.ChannelsRevoked(old)
	if !revoked {
		return
	}
	for _, c := range s.Clients() {
		if c.aclUser != old || c.PubSub == nil || c.subscriptionCount() == 0 {
			continue
		}
		if !c.subscriptionsAllowed(allowed) {
			s.killClient(c)
		}
	}
}

func aclGetUserCommand(c *Client) {
	u := c.srv.acl.users.Get(c.Arg(2))
	if u == nil {
		c.Null()
		return
	}
	t := c.srv.acl.users.Table()
	c.MapLen(6)
	c.BulkString("flags")
	flags := u.Flags()
	c.SetLen(len(flags))
	for _, f := range flags {
		c.BulkString(f)
	}
	c.BulkString("passwords")
	c.ArrayLen(len(u.Passwords()))
	for _, p := range u.Passwords() {
		c.BulkString(p)
	}
	replySelector(c, t, u.Root())
	c.BulkString("selectors")
	c.ArrayLen(len(u.Selectors()))
	for _, sel := range u.Selectors() {
		c.MapLen(3)
		replySelector(c, t, sel)
	}
}

func replySelector(c *Client, t *acl.Table, sel *acl.Selector) {
	c.BulkString("commands")
	c.BulkString(sel.CommandRules(t))
	c.BulkString("keys")
	c.BulkString(sel.Keys())
	c.BulkString("channels")
	c.BulkString(sel.Channels())
}

func aclDelUserCommand(c *Client) {
	for i := 2; i < len(c.Argv); i++ {
		if c.Arg(i) == "default" {
			c.Error("ERR The 'default' user cannot be removed")
			return
		}
	}
	deleted := 0
	for i := 2; i < len(c.Argv); i++ {
		if u := c.srv.acl.users.Delete(c.Arg(i)); u != nil {
			c.srv.disconnectUser(u)
			deleted++
		}
	}
	c.Int(int64(deleted))
}

func aclListCommand(c *Client) {
	users := c.srv.acl.users.List()
	c.ArrayLen(len(users))
	for _, u := range users {
		c.BulkString("user " + u.Name + " " + u.Describe())
	}
}

func aclUsersCommand(c *Client) {
	users := c.srv.acl.users.List()
	c.ArrayLen(len(users))
	for _, u := range users {
		c.BulkString(u.Name)
	}
}

func aclWhoAmICommand(c *Client) { c.BulkString(c.User) }

func aclCatCommand(c *Client) {
	if len(c.Argv) == 2 {
		c.ArrayLen(len(acl.Categories))
		for _, cat := range acl.Categories {
			c.BulkString(cat)
		}
		return
	}
	if len(c.Argv) > 3 {
		replySubcommandSyntaxError(c)
		return
	}
	cat := acl.CategoryFlag(c.Arg(2))
	if cat == 0 {
		name := c.Arg(2)
		if len(name) > 128 {
			name = name[:128]
		}
		c.Error("ERR Unknown category '" + name + "'")
		return
	}
	names := c.srv.acl.users.Table().CategoryCommands(cat)
	c.ArrayLen(len(names))
	for _, n := range names {
		c.BulkString(n)
	}
}

func aclGenPassCommand(c *Client) {
	if len(c.Argv) > 3 {
		replySubcommandSyntaxError(c)
		return
	}
	bits := int64(256)
	if len(c.Argv) == 3 {
		var ok bool
		if bits, ok = ParseInt(c.Argv[2]); !ok {
			c.Error(ErrNotInteger)
			return
		}
	}
	if bits <= 0 || bits > 4096 {
		c.Error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	rand.Read(buf)
	c.BulkString(hex.EncodeToString(buf)[:chars])
}

func aclLogCommand(c *Client) {
	if len(c.Argv) > 3 {
		replySubcommandSyntaxError(c)
		return
	}
	log := &c.srv.acl.users.Log
	count := int64(10)
	if len(c.Argv) == 3 {
		if c.ArgIs(2, "reset") {
			log.Reset()
			c.OK()
			return
		}
		var ok bool
		if count, ok = ParseInt(c.Argv[2]); !ok {
			c.Error(ErrNotInteger)
			return
		}
		count = max(count, 0)
	}
	entries := log.Entries(int(min(count, int64(log.Len()))))
	now := time.Now()
	c.ArrayLen(len(entries))
	for _, e := range entries {
		c.MapLen(7)
		c.BulkString("count")
		c.Int(e.Count)
		c.BulkString("reason")
		c.BulkString(acl.ReasonName(e.Reason))
		c.BulkString("context")
		c.BulkString(e.Context.String())
		c.BulkString("object")
		c.BulkString(e.Object)
		c.BulkString("username")
		c.BulkString(e.Username)
		c.BulkString("age-seconds")
		c.Double(float64(now.UnixMilli()-e.Time.UnixMilli()) / 1000)
		c.BulkString("client-info")
		c.BulkString(e.ClientInfo)
	}
}

func aclDryRunCommand(c *Client) {
	u := c.srv.acl.users.Get(c.Arg(2))
	if u == nil {
		c.Error("ERR User '" + c.Arg(2) + "' not found")
		return
	}
	argv := c.Argv[3:]
	cmd := c.srv.table().lookup(argv)
	if cmd == nil || cmd.Sub != nil && len(argv) >= 2 {
		c.Error("ERR Command '" + c.Arg(3) + "' not found")
		return
	}
	if cmd.Arity > 0 && cmd.Arity != len(argv) || len(argv) < -cmd.Arity {
		c.Error("ERR wrong number of arguments for '" + cmd.FullName() + "' command")
		return
	}
	res, idx := c.srv.aclCheckArgs(u, cmd, argv)
	switch res {
	case acl.OK:
		c.OK()
	case acl.DeniedCommand:
		c.BulkString("This user has no permissions to run the '" + cmd.FullName() + "' command")
	case acl.DeniedKey:
		c.BulkString("This user has no permissions to access the '" + string(argv[idx]) + "' key")
	default:
		c.BulkString("This user has no permissions to access the '" + string(argv[idx]) + "' channel")
	}
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

func aclLoadCommand(c *Client) {
	s := c.srv
	file := s.Config.String("aclfile")
	if file == "" {
		c.Error(errNoACLFile)
		return
	}
	old := s.acl.users
	n, err := old.LoadFile(file, file, s.pubsubAllChannels())
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	s.acl.users = n
	// The users of the old set are gone (default was updated in place):
	// their clients are closed, as Redis frees the old set.
	for _, u := range old.List() {
		if u != old.Default {
			s.disconnectUser(u)
		}
	}
	c.OK()
}

func aclSaveCommand(c *Client) {
	s := c.srv
	file := s.Config.String("aclfile")
	if file == "" {
		c.Error(errNoACLFile)
		return
	}
	if err := s.acl.users.Save(file, os.Getpid(), time.Now().UnixMilli()); err != nil {
		logger.Warningf("Writing ACL file for ACL SAVE: %v", err)
		c.Error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.OK()
}

var aclHelp = []string{
	"CAT [<category>]",
	"    List all commands that belong to <category>, or all command categories",
	"    when no category is specified.",
	"DELUSER <username> [<username> ...]",
	"    Delete a list of users.",
	"DRYRUN <username> <command> [<arg> ...]",
	"    Returns whether the user can execute the given command without executing the command.",
	"GETUSER <username>",
	"    Get the user's details.",
	"GENPASS [<bits>]",
	"    Generate a secure 256-bit user password. The optional `bits` argument can",
	"    be used to specify a different size.",
	"LIST",
	"    Show users details in config file format.",
	"LOAD",
	"    Reload users from the ACL file.",
	"LOG [<count> | RESET]",
	"    Show the ACL log entries.",
	"SAVE",
	"    Save the current config to the ACL file.",
	"SETUSER <username> <attribute> [<attribute> ...]",
	"    Create or modify a user with the specified attributes.",
	"USERS",
	"    List all the registered usernames.",
	"WHOAMI",
	"    Return the current connection username.",
}

func aclHelpCommand(c *Client) { replySubcommandHelp(c, aclHelp) }
