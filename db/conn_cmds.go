package db

// Connection commands: PING, ECHO, SELECT, QUIT, AUTH, HELLO, RESET.
//
// Authentication follows Redis 7.0's ACLs (acl.go): a client starts as the
// default user, authenticated when that user is on and nopass (no
// requirepass), and AUTH or HELLO AUTH switch it to another user. As in
// Redis, changing the default user's password later does not touch the
// state of connected clients; what changes is whether an unauthenticated
// client needs to authenticate (authRequired).

import (
	"math"
)

func init() {
	register("ping", pingCommand)
	register("echo", echoCommand)
	register("select", selectCommand)
	register("quit", quitCommand)
	register("auth", authCommand)
	register("hello", helloCommand)
	register("reset", resetCommand)
}

func pingCommand(c *Client) {
	if len(c.Argv) > 2 {
		c.ErrorArity()
		return
	}
	if c.Proto == 2 && c.subscriptionCount() > 0 {
		// A subscribed RESP2 client gets PING as a pub/sub message.
		c.ArrayLen(2)
		c.BulkString("pong")
		if len(c.Argv) == 2 {
			c.Bulk(c.Argv[1])
		} else {
			c.BulkString("")
		}
		return
	}
	if len(c.Argv) == 2 {
		c.Bulk(c.Argv[1])
		return
	}
	c.Status("PONG")
}

func echoCommand(c *Client) { c.Bulk(c.Argv[1]) }

func selectCommand(c *Client) {
	id, ok := ParseInt(c.Argv[1])
	switch {
	case !ok:
		c.Error(ErrNotInteger)
		return
	case id < math.MinInt32 || id > math.MaxInt32: // getIntFromObjectOrReply
		c.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
		return
	}
	if c.srv.clusterEnabled && id != 0 {
		c.Error(ErrSelectCluster)
		return
	}
	if !c.SelectDB(int(id)) {
		c.Error(ErrDBIndex)
		return
	}
	c.OK()
}

func quitCommand(c *Client) {
	c.OK()
	c.Flags |= ClientCloseAfterReply
}

// authRequired reports whether c must authenticate before running commands
// that are not flagged no_auth: a password is set and c never proved it
// knows one, as Redis's authRequired.
func (c *Client) authRequired() bool {
	return c.srv.defaultUserNeedsAuth() && !c.Authenticated
}

// setAuthenticated records the outcome of AUTH (or of a RESET), and lifts
// the protocol limits on unauthenticated clients when it can.
func (c *Client) setAuthenticated(ok bool) {
	c.Authenticated = ok
	c.parser.Authenticated = !c.authRequired()
}

// authCommand is AUTH password and AUTH username password.
func authCommand(c *Client) {
	if len(c.Argv) > 3 {
		c.Error(ErrSyntax)
		return
	}
	user, pass := []byte("default"), c.Argv[1]
	if len(c.Argv) == 2 {
		// The one-argument form is refused when the default user has no
		// password, to point at a likely configuration mistake.
		if c.srv.acl.users.Default.NoPass() {
			c.Error(ErrAuthNoPassword)
			return
		}
	} else {
		user, pass = c.Argv[1], c.Argv[2]
	}
	if !c.srv.authenticate(c, user, pass) {
		c.Error(ErrInvalidPass)
		return
	}
	c.OK()
}

// helloCommand is HELLO [protover [AUTH username password] [SETNAME name]].
// Options apply in order, so a SETNAME before a failing AUTH sticks.
func helloCommand(c *Client) {
	ver := int64(0)
	next := 1
	if len(c.Argv) >= 2 {
		v, ok := ParseInt(c.Argv[1])
		if !ok {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.Error("NOPROTO unsupported protocol version")
			return
		}
		ver, next = v, 2
	}
	for j := next; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch {
		case c.ArgIs(j, "auth") && more >= 2:
			if !c.srv.authenticate(c, c.Argv[j+1], c.Argv[j+2]) {
				c.Error(ErrInvalidPass)
				return
			}
			j += 2
		case c.ArgIs(j, "setname") && more >= 1:
			if !c.setName(c.Argv[j+1]) {
				return
			}
			j++
		default:
			c.Error("ERR Syntax error in HELLO option '" + c.Arg(j) + "'")
			return
		}
	}
	// Redis checks the flag itself here, not authRequired: a client that
	// connected while a password was set must AUTH even if it was removed.
	if !c.Authenticated {
		c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if ver != 0 {
		c.Proto = int(ver)
	}
	c.MapLen(7)
	c.BulkString("server")
	c.BulkString("redis")
	c.BulkString("version")
	c.BulkString(RedisVersion)
	c.BulkString("proto")
	c.Int(int64(c.Proto))
	c.BulkString("id")
	c.Int(c.ID)
	c.BulkString("mode")
	c.BulkString(c.srv.redisMode())
	c.BulkString("role")
	if c.srv.IsReplica {
		c.BulkString("replica")
	} else {
		c.BulkString("master")
	}
	c.BulkString("modules")
	c.ArrayLen(0)
}

// resetCommand puts the connection back in the state of a new one, as
// Redis's clearClientConnectionState: out of MONITOR, MULTI and pub/sub
// (without unsubscribe notifications), db 0, RESP2, no name, replies on,
// and authenticated only if no password is required.
func resetCommand(c *Client) {
	if c.Flags&(ClientReplica|ClientMaster) != 0 {
		c.Error("ERR can only reset normal client connections")
		return
	}
	s := c.srv
	if c.Flags&ClientMonitor != 0 {
		s.removeMonitor(c)
	}
	c.SelectDB(0)
	c.Proto = 2
	c.setUser(s.acl.users.Default)
	c.setAuthenticated(!s.defaultUserNeedsAuth())
	s.discardTransaction(c)
	s.pubsubUnsubscribeAll(c, false)
	s.disableTracking(c)
	c.Name = ""
	c.Flags &^= ClientAsking | ClientReadOnly | ClientPubSub | ClientReplyOff | ClientReplySkipNext
	c.Status("RESET")
}
