// MODULE: this server loads no modules (a Go server cannot load Redis's C
// module ABI), but the command is there, gated by enable-module-command as
// in Redis, and answers as a Redis that failed to load one.

package db

import "github.com/redis-go/redis-server/logger"

func init() {
	register("module|list", moduleListCommand)
	register("module|load", moduleLoadCommand)
	register("module|loadex", moduleLoadCommand)
	register("module|unload", moduleUnloadCommand)
	register("module|help", moduleHelpCommand)
}

// protectedAllowed is Redis's allowProtectedAction for the setting of
// enable-debug-command or enable-module-command.
func protectedAllowed(setting string, c *Client) bool {
	switch setting {
	case "yes":
		return true
	case "local":
		return isLocalClient(c)
	}
	return false
}

// protectedRejection is the error for DEBUG or MODULE when their setting
// forbids them to c, or "" when they are allowed. processCommand checks it
// before authentication, as Redis does.
func protectedRejection(c *Client, cmd *Command) string {
	name, option := "DEBUG", "enable-debug-command"
	switch {
	case cmd.Name == "debug":
	case cmd.Name == "module|load" || cmd.Name == "module|loadex" || cmd.Name == "module|unload":
		// Redis's protected subcommands; LIST and HELP are not.
		name, option = "MODULE", "enable-module-command"
	default:
		return ""
	}
	if protectedAllowed(c.srv.Config.String(option), c) {
		return ""
	}
	return "ERR " + name + " command not allowed. If the " + option + " option is set to \"local\", " +
		"you can run it from a local connection, otherwise you need to set this option in the " +
		"configuration file, and then restart the server."
}

func moduleListCommand(c *Client) { c.ArrayLen(0) }

func moduleLoadCommand(c *Client) {
	path := string(c.Argv[2])
	logger.Warningf("Module %s failed to load: %s: modules are not supported by this server", path, path)
	c.Error("ERR Error loading the extension. Please check the server logs.")
}

func moduleUnloadCommand(c *Client) {
	c.Error("ERR Error unloading module: no such module with that name")
}

var moduleHelp = []string{
	"MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"LIST",
	"    Return a list of loaded modules.",
	"LOAD <path> [<arg> ...]",
	"    Load a module library from <path>, passing to it any optional arguments.",
	"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
	"    Load a module library from <path>, while passing it module configurations and optional arguments.",
	"UNLOAD <name>",
	"    Unload a module.",
	"HELP",
	"    Prints this help.",
}

func moduleHelpCommand(c *Client) {
	c.ArrayLen(len(moduleHelp))
	for _, line := range moduleHelp {
		c.Status(line)
	}
}
