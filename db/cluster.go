// Cluster mode's share of the executor: the redirection of commands in
// processCommand (Server.Cluster decides, package cluster), the ASKING
// flag's one-command life, what Redis refuses in cluster mode (databases
// other than 0), and what package cluster reads of clients and commands
// to route them: a command line's keys, the commands a MULTI queued.
// The slot-to-keys index is slots.go.

package db

import (
	"iter"
	"strings"

	"github.com/redis-go/redis-server/internal/keyslot"
)

// ErrSelectCluster and its kin are Redis's refusals of other databases
// in cluster mode.
const (
	ErrSelectCluster = "ERR SELECT is not allowed in cluster mode"
	ErrMoveCluster   = "ERR MOVE is not allowed in cluster mode"
	ErrSwapdbCluster = "ERR SWAPDB is not allowed in cluster mode"
	ErrCopyCluster   = "ERR Copying to another database is not allowed in cluster mode"
)

// clusterRedirect is processCommand's cluster check, as Redis's: commands
// from our master or the AOF are obeyed, commands without keys (unless
// movable, or EXEC) run anywhere; the others may be sent elsewhere. It
// reports whether the command was refused.
func (s *Server) clusterRedirect(c *Client, cmd *Command) bool {
	if c.MustObey() || !cmd.Has(FlagMovableKeys) && !cmd.keySpecs && cmd.Name != "exec" {
		return false
	}
	msg := s.Cluster.Redirect(c)
	if msg == "" {
		return false
	}
	// Not reject(): a redirected EXEC discards the transaction and gets
	// the redirection itself, not EXECABORT.
	s.Stat(cmd).RejectedCalls++
	if cmd.Name == "exec" {
		s.discardTransaction(c)
	} else if c.Flags&ClientMulti != 0 {
		c.Flags |= ClientDirtyExec
	}
	if !s.dropRejection(c, msg) {
		s.replyError(c, msg)
	}
	return true
}

// clusterRedirectBlocked unblocks, with the cluster's error, a client
// blocked on keys this node no longer serves (or on any key while the
// cluster is down: a write may never come), as the cron's
// clusterRedirectBlockedClientIfNeeded. Its keys share one slot.
func (s *Server) clusterRedirectBlocked(c *Client) {
	bs := c.Blocking
	if bs == nil || len(bs.Keys) == 0 || bs.Type != "list" && bs.Type != "zset" && bs.Type != "stream" {
		return
	}
	if msg := s.Cluster.RedirectBlocked(c, []byte(bs.Keys[0])); msg != "" {
		s.replyError(c, msg)
		s.finishBlocked(c)
	}
}

// resetAsking ends ASKING after the command it was for, as Redis's
// resetClient: not after ASKING itself, nor inside MULTI, where it lasts
// until EXEC.
func (c *Client) resetAsking() {
	if c.Flags&(ClientAsking|ClientMulti) == ClientAsking && (c.Cmd == nil || c.Cmd.Name != "asking") {
		c.Flags &^= ClientAsking
	}
}

// MustObey reports whether c's commands are obeyed without question: our
// master, or the AOF being loaded (Redis's mustObeyClient).
func (c *Client) MustObey() bool { return c.Flags&(ClientMaster|ClientAOF) != 0 }

// Queued yields the commands c's MULTI queued, in order, with their
// arguments (borrowed for the iteration).
func (c *Client) Queued() iter.Seq2[*Command, [][]byte] {
	return func(yield func(*Command, [][]byte) bool) {
		if c.Multi == nil {
			return
		}
		for _, q := range c.Multi.Cmds {
			if !yield(q.cmd, q.argv) {
				return
			}
		}
	}
}

// QueuedFlags is the union of the flags of the commands c's MULTI queued
// (Redis's mstate.cmd_flags).
func (c *Client) QueuedFlags() CmdFlag {
	if c.Multi == nil {
		return 0
	}
	return c.Multi.flags
}

// CommandFlags returns the flags of the command c is about to run, as
// Redis's getCommandFlags: with may_replicate where Redis has it
// (cmdMayReplicate), and for EVAL and FCALL those its script declares,
// which leave may_replicate out.
func (s *Server) CommandFlags(c *Client) CmdFlag {
	flags := c.Cmd.Flags
	if cmdMayReplicate(c.Cmd) {
		flags |= FlagMayReplicate
	}
	if c.Cmd.scriptRunner && s.ScriptCommandFlags != nil {
		flags = s.ScriptCommandFlags(c, flags)
	}
	return flags
}

// AppendKeys appends the positions in argv of the command's keys, as
// Redis's getKeysFromCommand, which cluster mode routes by: the command's
// getkeys_proc when Redis has one (the movable-key commands, SET,
// BITFIELD), else the legacy first/last/step range of COMMAND INFO, which
// for SPUBLISH, SSUBSCRIBE and SUNSUBSCRIBE spans the shard channels.
// The order is Redis's: it decides which error a bad request gets.
func (cmd *Command) AppendKeys(dst []int, argv [][]byte) []int {
	if cmd.keysProc != nil {
		return cmd.keysProc(dst, argv)
	}
	if cmd.FirstKey <= 0 {
		return dst
	}
	first, last, step := cmd.FirstKey, cmd.LastKey, max(cmd.KeyStep, 1)
	if last < 0 {
		last += len(argv)
	}
	n := len(dst)
	for j := first; j <= last; j += step {
		if j >= len(argv) {
			// An argument count the arity check let through: no keys, the
			// command reports the error (getKeysUsingLegacyRangeSpec).
			return dst[:n]
		}
		dst = append(dst, j)
	}
	return dst
}

// CommandKeys is cmd.AppendKeys into a buffer of the server's, valid
// until the next call: routing a command allocates nothing.
func (s *Server) CommandKeys(cmd *Command, argv [][]byte) []int {
	s.keyPos = cmd.AppendKeys(s.keyPos[:0], argv)
	return s.keyPos
}

// keysProcs are Redis 7.0's getkeys_proc functions, the key finders of
// the commands whose keys move with the arguments (or their flags do).
// A request the command will refuse as a syntax error has no keys.
var keysProcs = map[string]func(dst []int, argv [][]byte) []int{
	"sintercard": numKeysProc(0, 1, 2), "zunion": numKeysProc(0, 1, 2),
	"zinter": numKeysProc(0, 1, 2), "zdiff": numKeysProc(0, 1, 2),
	"zintercard": numKeysProc(0, 1, 2), "lmpop": numKeysProc(0, 1, 2),
	"zmpop": numKeysProc(0, 1, 2), "blmpop": numKeysProc(0, 2, 3),
	"bzmpop": numKeysProc(0, 2, 3), "eval": numKeysProc(0, 2, 3),
	"evalsha": numKeysProc(0, 2, 3), "eval_ro": numKeysProc(0, 2, 3),
	"evalsha_ro": numKeysProc(0, 2, 3), "fcall": numKeysProc(0, 2, 3),
	"fcall_ro":    numKeysProc(0, 2, 3),
	"zunionstore": numKeysProc(1, 2, 3), "zinterstore": numKeysProc(1, 2, 3),
	"zdiffstore": numKeysProc(1, 2, 3),
	"set":        firstKeyProc, "bitfield": firstKeyProc, "sort_ro": firstKeyProc,
	"sort": specKeysProc("sort"), "migrate": specKeysProc("migrate"),
	"georadius": georadiusKeysProc, "georadiusbymember": georadiusKeysProc,
	"xread": xreadKeysProc, "xreadgroup": xreadKeysProc,
}

// numKeysProc is genericGetKeys: numkeys at argv[count], the keys from
// argv[first], then the destination at argv[store] if store > 0.
func numKeysProc(store, count, first int) func(dst []int, argv [][]byte) []int {
	return func(dst []int, argv [][]byte) []int {
		num := atoi(argv[count])
		if num < 1 || num > int64(len(argv)-first) {
			return dst
		}
		for i := range int(num) {
			dst = append(dst, first+i)
		}
		if store > 0 {
			dst = append(dst, store)
		}
		return dst
	}
}

func firstKeyProc(dst []int, _ [][]byte) []int { return append(dst, 1) }

// specKeysProc finds the keys as commandKeys does: SORT and MIGRATE,
// whose native finders are Redis's.
func specKeysProc(name string) func(dst []int, argv [][]byte) []int {
	return func(dst []int, argv [][]byte) []int {
		for _, k := range nativeGetKeys[name](argv) {
			dst = append(dst, k.pos)
		}
		return dst
	}
}

// georadiusKeysProc: the key, and the last STORE or STOREDIST key.
func georadiusKeysProc(dst []int, argv [][]byte) []int {
	dst = append(dst, 1)
	stored := -1
	for i := 5; i < len(argv); i++ {
		if (equalFold(argv[i], "store") || equalFold(argv[i], "storedist")) && i+1 < len(argv) {
			stored = i + 1
			i++
		}
	}
	if stored > 0 {
		dst = append(dst, stored)
	}
	return dst
}

// xreadKeysProc: the first half of what follows STREAMS, once the options
// before it parsed; none for a syntax error.
func xreadKeysProc(dst []int, argv [][]byte) []int {
	streams := -1
options:
	for i := 1; i < len(argv); i++ {
		switch {
		case equalFold(argv[i], "block"), equalFold(argv[i], "count"):
			i++
		case equalFold(argv[i], "group"):
			i += 2
		case equalFold(argv[i], "noack"):
		case equalFold(argv[i], "streams"):
			streams = i
			break options
		default:
			break options
		}
	}
	num := len(argv) - streams - 1
	if streams < 0 || num == 0 || num%2 != 0 {
		return dst
	}
	for i := streams + 1; i < len(argv)-num/2; i++ {
		dst = append(dst, i)
	}
	return dst
}

func equalFold(b []byte, s string) bool { return strings.EqualFold(bstr(b), s) }

// atoi is C's atoi, as the getkeys functions read numkeys: leading
// spaces, a sign, the digits up to the first other byte, 0 if none.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if n < 1<<40 { // beyond any argument count: the check fails either way
			n = n*10 + int64(b[i]-'0')
		}
	}
	if neg {
		return -n
	}
	return n
}

// scriptClusterCheck is scriptVerifyClusterState: a script's command must
// be served here, as the caller's would be (its ASKING and READONLY
// apply), and in a slot-bound script its keys must be in the slot of
// the script's first keys.
func (s *Server) scriptClusterCheck(run *ScriptRun, c *Client) string {
	c.Flags = c.Flags&^(ClientAsking|ClientReadOnly) | run.Caller.Flags&(ClientAsking|ClientReadOnly)
	switch msg := s.Cluster.Redirect(c); msg {
	case "":
	case "CLUSTERDOWN The cluster is down and only accepts read commands":
		return "Script attempted to execute a write command while the cluster is down and readonly"
	case "CLUSTERDOWN The cluster is down":
		return "Script attempted to execute a command while the cluster is down"
	default:
		return "Script attempted to access a non local key in a cluster node"
	}
	slot := s.firstKeySlot(c.Cmd, c.Argv)
	if slot < 0 || !run.SlotBound {
		return ""
	}
	if !run.slotKnown { // the slot of the EVAL's or FCALL's own keys
		run.slot, run.slotKnown = -1, true
		if caller := run.Caller; caller.Cmd != nil {
			run.slot = s.firstKeySlot(caller.Cmd, caller.Argv)
		}
	}
	if run.slot == -1 {
		run.slot = slot
	} else if run.slot != slot {
		return "Script attempted to access keys that do not hash to the same slot"
	}
	return ""
}

// firstKeySlot is the hash slot of the first key of a command line, -1
// without keys.
func (s *Server) firstKeySlot(cmd *Command, argv [][]byte) int {
	if pos := s.CommandKeys(cmd, argv); len(pos) > 0 {
		return keyslot.Slot(argv[pos[0]])
	}
	return -1
}

// infoCluster is INFO's cluster section.
func (s *Server) infoCluster(b *infoBuilder) {
	b.bool("cluster_enabled", s.clusterEnabled || s.Cluster != nil)
	if s.Cluster != nil {
		s.Cluster.Info(&b.Builder)
	}
}

// redisMode is the mode INFO and HELLO report.
func (s *Server) redisMode() string {
	if s.clusterEnabled {
		return "cluster"
	}
	return "standalone"
}
