package db

// DEBUG, the command tests and operators use to look inside the server or
// make it misbehave on purpose. enable-debug-command gates it as in Redis
// 7.0 ("no" by default, "local" for loopback clients only).
//
// Subcommands that belong to another part of the server (DEBUG RELOAD to
// persistence, DEBUG CHANGE-REPL-ID to replication, DEBUG LISTPACK to a data
// type) are added by that part with RegisterDebug.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/redis-go/redis-server/logger"
)

func init() {
	register("debug", debugCommand)
	RegisterDebug("help", 2, debugHelp)
	RegisterDebug("sleep", 3, debugSleep)
	RegisterDebug("segfault", -2, debugSegfault) // crash.go
	RegisterDebug("panic", -2, debugPanic)
	RegisterDebug("assert", -2, debugAssert)
	RegisterDebug("object", 3, debugObject)
	RegisterDebug("set-active-expire", 3, debugSetActiveExpire)
	RegisterDebug("error", 3, debugError)
	RegisterDebug("log", 3, debugLog)
	RegisterDebug("protocol", 3, debugProtocol)
	RegisterDebug("populate", -3, debugPopulate)
	RegisterDebug("htstats", 3, debugHTStats)
	RegisterDebug("htstats-key", 3, debugHTStatsKey)
	RegisterDebug("config-rewrite-force-all", 2, debugConfigRewriteForceAll)
}

type debugSubcommand struct {
	arity int // as a command's: exact if > 0, at least -arity if < 0
	proc  func(c *Client)
}

var debugSubcommands = map[string]debugSubcommand{}

// RegisterDebug adds DEBUG <name> (lower case). arity counts DEBUG and the
// subcommand name; a call with another count gets Redis's "unknown
// subcommand or wrong number of arguments" error.
func RegisterDebug(name string, arity int, proc func(c *Client)) {
	debugSubcommands[name] = debugSubcommand{arity, proc}
}

func debugCommand(c *Client) {
	sub, ok := debugSubcommands[strings.ToLower(string(c.Argv[1]))]
	if !ok || sub.arity > 0 && len(c.Argv) != sub.arity || len(c.Argv) < -sub.arity {
		replySubcommandSyntaxError(c)
		return
	}
	sub.proc(c)
}

// debugSleep blocks the whole server, as Redis's DEBUG SLEEP does: that is
// its purpose. The argument is parsed like strtod, so junk means 0.
func debugSleep(c *Client) {
	time.Sleep(time.Duration(strtod(c.Argv[2]) * float64(time.Second)))
	c.OK()
}

// strtod parses the longest numeric prefix of b, 0 if there is none.
func strtod(b []byte) float64 {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	for n := len(s); n > 0; n-- {
		if f, err := strconv.ParseFloat(s[:n], 64); err == nil {
			return f
		}
	}
	return 0
}

func debugSetActiveExpire(c *Client) {
	n, _ := strconv.Atoi(strings.TrimSpace(string(c.Argv[2])))
	c.srv.activeExpire = n != 0
	c.OK()
}

// debugError replies with the argument as the error, verbatim.
func debugError(c *Client) {
	msg := strings.NewReplacer("\r", " ", "\n", " ").Replace(string(c.Argv[2]))
	c.Raw([]byte("-" + msg + "\r\n"))
}

func debugLog(c *Client) {
	logger.Warningf("DEBUG LOG: %s", c.Argv[2])
	c.OK()
}

// debugObject is DEBUG OBJECT key: Redis's low-level description of the
// value. The address is the value's; lru is the raw access clock (LFU data
// under an LFU policy, read as an LRU clock for the idle time, as Redis).
func debugObject(c *Client) {
	v := c.DB.lookup(c.Argv[2])
	if v == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	refcount := 1
	if n, ok := v.(int64); ok && n >= 0 && n < sharedIntegers && sharesIntegers(c.srv) {
		refcount = sharedRefcount
	}
	serialized := c.srv.Persister.SerializedLength(v)
	clock, _ := c.DB.Clock(c.Argv[2])
	extra := ""
	if l, ok := v.(*List); ok {
		extra = l.DebugInfo()
	}
	addr := valueAddress(v)
	if _, ok := v.(int64); ok {
		// An integer is no object of its own here: its entry stands for
		// it, which INCR changes in place as Redis changes its object.
		addr = fmt.Sprintf("%p", c.DB.keys.FindEntry(bstr(c.Argv[2])))
	}
	c.Status(fmt.Sprintf("Value at:%s refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		addr, refcount, EncodingName(v), serialized, clock, c.srv.idleSeconds(clock), extra))
}

// valueAddress prints where a value lives, as DEBUG OBJECT's "%p".
func valueAddress(v any) string {
	switch v := v.(type) {
	case []byte:
		if len(v) > 0 {
			return fmt.Sprintf("%p", unsafe.SliceData(v))
		}
	case int64:
		return fmt.Sprintf("%p", &v)
	default:
		if p := fmt.Sprintf("%p", v); strings.HasPrefix(p, "0x") {
			return p
		}
	}
	return "0x0"
}

// estimateRDBLen is a value's RDB length without compression: strings
// exactly (integer encodings, length prefix), collections roughly.
func estimateRDBLen(v any) int {
	switch v := v.(type) {
	case int64:
		return rdbIntLen(v)
	case []byte:
		if len(v) <= 11 {
			if n, ok := ParseInt(v); ok && strconv.FormatInt(n, 10) == string(v) {
				return rdbIntLen(n)
			}
		}
		return rdbLenLen(len(v)) + len(v)
	}
	return ValueMemoryUsage(v)
}

func rdbIntLen(n int64) int {
	switch {
	case n >= -(1<<7) && n < 1<<7:
		return 2
	case n >= -(1<<15) && n < 1<<15:
		return 3
	case n >= -(1<<31) && n < 1<<31:
		return 5
	}
	s := strconv.FormatInt(n, 10)
	return rdbLenLen(len(s)) + len(s)
}

func rdbLenLen(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case n <= 1<<32-1:
		return 5
	}
	return 9
}

// debugProtocol replies a sample of each RESP type (DEBUG PROTOCOL type).
func debugProtocol(c *Client) {
	switch strings.ToLower(string(c.Argv[2])) {
	case "string":
		c.BulkString("Hello World")
	case "integer":
		c.Int(12345)
	case "double":
		c.Double(3.141)
	case "bignum":
		c.BigNumber("1234567999999999999999999999999999999")
	case "null":
		c.Null()
	case "array", "set":
		if c.ArgIs(2, "set") {
			c.SetLen(3)
		} else {
			c.ArrayLen(3)
		}
		for j := int64(0); j < 3; j++ {
			c.Int(j)
		}
	case "map":
		c.MapLen(3)
		for j := int64(0); j < 3; j++ {
			c.Int(j)
			c.Bool(j == 1)
		}
	case "attrib":
		if c.Proto >= 3 {
			c.Raw([]byte("|1\r\n"))
			c.BulkString("key-popularity")
			c.ArrayLen(2)
			c.BulkString("key:123")
			c.Int(90)
		}
		c.BulkString("Some real reply following the attribute")
	case "push":
		if c.Proto < 3 {
			c.Error("ERR RESP2 is not supported by this command")
			return
		}
		c.beginPush()
		c.PushLen(2)
		c.BulkString("server-cpu-usage")
		c.Int(42)
		c.endPush()
		c.BulkString("Some real reply following the push reply")
	case "true":
		c.Bool(true)
	case "false":
		c.Bool(false)
	case "verbatim":
		c.Verbatim("This is a verbatim\nstring")
	default:
		c.Error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// debugPopulate is DEBUG POPULATE count [prefix] [size]: string keys
// prefix:N holding value:N (padded with zero bytes or cut to size), not
// replacing existing keys, not propagated.
func debugPopulate(c *Client) {
	if len(c.Argv) > 5 {
		replySubcommandSyntaxError(c)
		return
	}
	const errPositive = "ERR value is out of range, must be positive"
	count, ok := ParseInt(c.Argv[2])
	if !ok || count < 0 {
		c.Error(errPositive)
		return
	}
	prefix := "key"
	if len(c.Argv) >= 4 {
		prefix = string(c.Argv[3])
	}
	size := int64(0)
	if len(c.Argv) == 5 {
		if size, ok = ParseInt(c.Argv[4]); !ok || size < 0 {
			c.Error(errPositive)
			return
		}
	}
	for j := int64(0); j < count; j++ {
		key := []byte(prefix + ":" + itoa(j))
		if c.DB.LookupWrite(key) != nil {
			continue
		}
		val := []byte("value:" + itoa(j))
		if size > 0 {
			padded := make([]byte, size)
			copy(padded, val)
			val = padded
		}
		c.DB.Add(key, NewStringValue(val))
	}
	c.OK()
}

// debugHelp lists the registered subcommands with Redis's help text for
// them, in Redis's order.
func debugHelp(c *Client) {
	var lines []string
	for _, h := range debugHelpText {
		if _, ok := debugSubcommands[h.name]; ok {
			lines = append(lines, h.lines...)
		}
	}
	replySubcommandHelp(c, lines)
}

// debugHelpText is Redis 7.0's DEBUG HELP, by subcommand.
var debugHelpText = []struct {
	name  string
	lines []string
}{
	{"aof-flush-sleep", []string{"AOF-FLUSH-SLEEP <microsec>",
		"    Server will sleep before flushing the AOF, this is used for testing."}},
	{"assert", []string{"ASSERT",
		"    Crash by assertion failed."}},
	{"change-repl-id", []string{"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem."}},
	{"config-rewrite-force-all", []string{"CONFIG-REWRITE-FORCE-ALL",
		"    Like CONFIG REWRITE but writes all configuration options, including",
		"    keywords not listed in original configuration file or default values."}},
	{"crash-and-recover", []string{"CRASH-AND-RECOVER [<milliseconds>]",
		"    Hard crash and restart after a <milliseconds> delay (default 0)."}},
	{"digest", []string{"DIGEST",
		"    Output a hex signature representing the current DB content."}},
	{"digest-value", []string{"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys."}},
	{"error", []string{"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors."}},
	{"leak", []string{"LEAK <string>",
		"    Create a memory leak of the input string."}},
	{"log", []string{"LOG <message>",
		"    Write <message> to the server log."}},
	{"htstats", []string{"HTSTATS <dbid>",
		"    Return hash table statistics of the specified Redis database."}},
	{"htstats-key", []string{"HTSTATS-KEY <key>",
		"    Like HTSTATS but for the hash table stored at <key>'s value."}},
	{"loadaof", []string{"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory."}},
	{"replicate", []string{"REPLICATE <string>",
		"    Replicates the provided string to replicas, allowing data divergence."}},
	{"mallctl", []string{"MALLCTL <key> [<val>]",
		"    Get or set a malloc tuning integer."}},
	{"mallctl-str", []string{"MALLCTL-STR <key> [<val>]",
		"    Get or set a malloc tuning string."}},
	{"object", []string{"OBJECT <key>",
		"    Show low level info about `key` and associated value."}},
	{"drop-cluster-packet-filter", []string{"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop all packets that match the filtered type. Set to -1 allow all packets."}},
	{"oom", []string{"OOM",
		"    Crash the server simulating an out-of-memory error."}},
	{"panic", []string{"PANIC",
		"    Crash the server simulating a panic."}},
	{"populate", []string{"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode."}},
	{"protocol", []string{"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false."}},
	{"reload", []string{"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database."}},
	{"restart", []string{"RESTART [<milliseconds>]",
		"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0)."}},
	{"sdslen", []string{"SDSLEN <key>",
		"    Show low level SDS string info representing `key` and value."}},
	{"segfault", []string{"SEGFAULT",
		"    Crash the server with sigsegv."}},
	{"set-active-expire", []string{"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default."}},
	{"quicklist-packed-threshold", []string{"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default."}},
	{"set-skip-checksum-validation", []string{"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Enables or disables checksum checks for RDB files and RESTORE's payload."}},
	{"sleep", []string{"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed."}},
	{"stringmatch-test", []string{"STRINGMATCH-TEST",
		"    Run a fuzz tester against the stringmatchlen() function."}},
	{"structsize", []string{"STRUCTSIZE",
		"    Return the size of different Redis core C structures."}},
	{"listpack", []string{"LISTPACK <key>",
		"    Show low level info about the listpack encoding of <key>."}},
	{"quicklist", []string{"QUICKLIST <key> [<0|1>]",
		"    Show low level info about the quicklist encoding of <key>.",
		"    The optional argument (0 by default) sets the level of detail"}},
	{"client-eviction", []string{"CLIENT-EVICTION",
		"    Show low level client eviction pools info (maxmemory-clients)."}},
	{"pause-cron", []string{"PAUSE-CRON <0|1>",
		"    Stop periodic cron job processing."}},
	{"replybuffer", []string{"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
		"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
		"    In case NEVER is provided the last observed peak will never be reset",
		"    In case RESET is provided the peak reset time will be restored to the default value",
		"REPLYBUFFER RESIZING <0|1>",
		"    Enable or disable the reply buffer resize cron job"}},
	{"clusterlink", []string{"CLUSTERLINK KILL <to|from|all> <node-id>",
		"    Kills the link based on the direction to/from (both) with the provided node."}},
}

// debugHTStats is DEBUG HTSTATS <dbid>: the keyspace's and the expires'
// tables as Redis's dictGetStats describes them.
func debugHTStats(c *Client) {
	id, ok := c.IntArg(2)
	if !ok {
		return
	}
	if id < 0 || id >= int64(len(c.srv.DBs)) {
		c.Error("ERR Out of range database")
		return
	}
	d := c.srv.DBs[id]
	c.Verbatim("[Dictionary HT]\n" + d.keys.Stats() + "[Expires HT]\n" + d.expires.Stats())
}

// debugHTStatsKey is DEBUG HTSTATS-KEY <key>: the table of a value in
// hashtable (or skiplist) encoding.
func debugHTStatsKey(c *Client) {
	v := c.DB.lookup(c.Argv[2])
	if v == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	var stats string
	switch v := v.(type) {
	case *Set:
		if v.d != nil {
			stats = v.d.Stats()
		}
	case *Hash:
		if v.d != nil {
			stats = v.d.Stats()
		}
	case *ZSet:
		if v.dict != nil {
			stats = v.dict.Stats()
		}
	}
	if stats == "" {
		c.Error("ERR The value stored at the specified key is not represented using an hash table")
		return
	}
	c.Verbatim(stats)
}

// debugConfigRewriteForceAll is DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG
// REWRITE writing every option, those at their default values included.
func debugConfigRewriteForceAll(c *Client) {
	if err := c.srv.Config.RewriteForceAll(); err != nil {
		c.Error(strings.Replace(err.Error(), "ERR Rewriting config file: ", "ERR CONFIG-REWRITE-FORCE-ALL failed: ", 1))
		return
	}
	c.OK()
}
