package db

// What the cluster package (the CLUSTER command) shares with db's own
// commands.

// ReplySubcommandHelp answers "XXX HELP" as Redis's addReplyHelp.
func ReplySubcommandHelp(c *Client, lines []string) { replySubcommandHelp(c, lines) }

// ReplySubcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func ReplySubcommandSyntaxError(c *Client) { replySubcommandSyntaxError(c) }
