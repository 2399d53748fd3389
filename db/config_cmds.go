package db

// CONFIG GET, SET, RESETSTAT, REWRITE and HELP. The parameters, their
// syntax and their error texts belong to package config; this file adapts
// it to clients and applies what a change means to the running server.

import (
	"strings"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/logger"
)

func init() {
	register("config|get", configGetCommand)
	register("config|set", configSetCommand)
	register("config|resetstat", configResetStatCommand)
	register("config|rewrite", configRewriteCommand)
	register("config|help", configHelpCommand)
}

func configGetCommand(c *Client) {
	patterns := make([]string, len(c.Argv)-2)
	for i, a := range c.Argv[2:] {
		patterns[i] = string(a)
	}
	pairs := c.srv.Config.Get(patterns...)
	c.MapLen(len(pairs))
	for _, p := range pairs {
		c.BulkString(p[0])
		c.BulkString(p[1])
	}
}

// configSetCommand sets every pair or none. The process's OnChange hooks
// apply the new values; the server's own settings are re-read here too,
// so that a server without those hooks (tests) behaves the same.
func configSetCommand(c *Client) {
	if len(c.Argv)%2 != 0 {
		c.Error(ErrSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(c.Argv)-2)/2)
	for i := 2; i+1 < len(c.Argv); i += 2 {
		pairs = append(pairs, [2]string{string(c.Argv[i]), string(c.Argv[i+1])})
	}
	if c.srv.Loading && denyLoading(c.srv.Config, pairs) {
		c.Error(ErrLoading)
		return
	}
	set := c.srv.Config.Set
	if isLocalClient(c) {
		set = c.srv.Config.SetLocal
	}
	if err := set(pairs); err != nil {
		c.Error(err.Error())
		return
	}
	if err := c.srv.SettingsChanged(); err != nil {
		logger.Warningf("CONFIG SET: %v", err)
	}
	c.OK()
}

// denyLoading reports whether one of the pairs sets a parameter that a
// load in progress forbids (appendonly, dir, repl-diskless-load): Redis
// answers -LOADING before any other error.
func denyLoading(cfg *config.Config, pairs [][2]string) bool {
	for _, p := range pairs {
		if prm, ok := cfg.Lookup(p[0]); ok && prm.Flags&config.DenyLoading != 0 {
			return true
		}
	}
	return false
}

// configResetStatCommand is Redis's resetServerStats plus the command and
// error statistics; the slow log and the latency monitor are kept.
func configResetStatCommand(c *Client) {
	c.srv.ResetStats()
	c.OK()
}

// ResetStats clears the counters INFO reports (CONFIG RESETSTAT).
func (s *Server) ResetStats() {
	s.Stats = Stats{ErrorCodes: map[string]int64{}}
	s.Persistence.Saves = 0
	s.Persistence.TotalForks = 0
	s.Persistence.LatestForkUsec = 0
	s.Persistence.AOFRewrites = 0
	s.Persistence.AOFRewriteFailures = 0
	s.Persistence.AOFDelayedFsync = 0
	clear(s.cmdStats)
	s.latency.histogramMem = 0
}

func configRewriteCommand(c *Client) {
	if err := c.srv.Config.Rewrite(); err != nil {
		msg := err.Error()
		if reason, ok := strings.CutPrefix(msg, "ERR Rewriting config file: "); ok {
			logger.Warningf("CONFIG-REWRITE failed: %s", reason)
		}
		c.Error(msg)
		return
	}
	logger.Warningf("CONFIG REWRITE executed with success.")
	c.OK()
}

func configHelpCommand(c *Client) {
	replySubcommandHelp(c, []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
