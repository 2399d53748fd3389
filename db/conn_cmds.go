package db

// Connection commands: PING, ECHO, SELECT, QUIT.

func init() {
	register("ping", pingCommand)
	register("echo", echoCommand)
	register("select", selectCommand)
	register("quit", quitCommand)
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
	if !ok {
		c.Error(ErrNotInteger)
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
