package db

import (
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/resp"
)

func readReply(b []byte) (resp.Value, error) { return resp.ReadReply(bufioReader(b)) }

// metaCommand returns the registered command for a name, or one built from
// Redis's metadata for a command not implemented yet.
func metaCommand(t *testing.T, name string) *Command {
	if cmd := lookupCommandBySpec(name); cmd != nil {
		return cmd
	}
	m, ok := redisCommands[name]
	require.True(t, ok, name)
	return newCommand(name, m)
}

// TestCommandKeys checks key extraction from key specs against COMMAND
// GETKEYSANDFLAGS of Redis 7.0.15, for every kind of spec: index and
// keyword searches, ranges with limits, key counts, incomplete specs.
func TestCommandKeys(t *testing.T) {
	for line, want := range map[string]string{
		"zunionstore d 2 a b":                "d OW update a RO access b RO access",
		"zunionstore d 2 a b weights 1 2":    "d OW update a RO access b RO access",
		"zunion 2 a b":                       "a RO access b RO access",
		"eval s 2 k1 k2 a1":                  "k1 RW access update k2 RW access update",
		"eval s 0":                           "",
		"eval s x":                           "",
		"migrate h 1 k 0 10":                 "k RW access delete",
		`migrate h 1 "" 0 10 keys k1 k2`:     "k1 RW access delete k2 RW access delete",
		"xread count 2 streams s1 s2 0 0":    "s1 RO access s2 RO access",
		"xreadgroup group g c streams s1 0":  "s1 RO access",
		"georadius k 0 0 1 km store dst":     "k RO access dst OW update",
		"georadius k 0 0 1 km storedist dst": "k RO access dst OW update",
		"sort k":                             "k RO access",
		"sort k store dst":                   "k RO access dst OW update",
		"sort k by store":                    "k RO access",
		"lmpop 2 a b left":                   "a RW access delete b RW access delete",
		"blmpop 0 2 a b left":                "a RW access delete b RW access delete",
		"zunionstore d -1 a":                 "",
		"zunionstore d 5 a":                  "",
		"sintercard 2 a b":                   "a RO access b RO access",
		"lcs a b":                            "a RO access b RO access",
		"bitop and d a b":                    "d OW update a RO access b RO access",
		"pfmerge d a b":                      "d RW access insert a RO access b RO access",
		"msetnx a 1 b 2":                     "a OW insert b OW insert",
		"smove a b m":                        "a RW access delete b RW insert",
		"linsert l before a b":               "l RW insert",
		"set k v get":                        "k RW access update",
		"set k v":                            "k OW update",
		"bitfield k get u8 0 overflow wrap":  "k RO access",
		"bitfield k incrby u8 0 1":           "k RW access update",
		"mset a 1 b 2":                       "a OW update b OW update",
		"object encoding k":                  "k RO",
		"xadd s * f v":                       "s RW update",
		"georadiusbymember k m 1 km store a storedist b": "k RO access a OW update b OW update",
	} {
		argv, ok := resp.SplitArgs([]byte(line), nil)
		require.True(t, ok)
		name := strings.ToLower(string(argv[0]))
		if name == "object" {
			name = "object|" + string(argv[1])
		}
		var got []string
		for _, k := range commandKeys(metaCommand(t, name), argv) {
			got = append(got, string(argv[k.pos]))
			got = append(got, k.flags...)
		}
		assert.Equal(t, want, strings.Join(got, " "), line)
	}
}

// TestRESP3Replies compares RESP3 replies byte for byte with a real
// redis-server, when one is installed (scripts cannot: HELLO 3 shows the
// connection id, which differs).
func TestRESP3Replies(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not installed (make test installs Debian's redis-server and redis-tools)")
	}
	cmds := []string{
		"COMMAND INFO get config|get nosuch",
		"COMMAND DOCS config|get set",
		"COMMAND DOCS nosuch",
		"COMMAND GETKEYSANDFLAGS set a b",
		"COMMAND GETKEYSANDFLAGS copy a b",
		"CONFIG GET maxmemory",
		"CONFIG GET nosuch",
		"LATENCY HISTOGRAM nosuch",
		"LATENCY LATEST",
		"INFO nosuch",
		"INFO keyspace",
		"INFO errorstats",
		"MEMORY USAGE nosuch",
		"SET a 1",
		"MEMORY USAGE a",
		"INFO keyspace cluster",
		"ROLE",
		"SLOWLOG GET 0",
		"TIME x",
		"DEBUG PROTOCOL double",
		"DEBUG PROTOCOL map",
		"DEBUG PROTOCOL set",
		"DEBUG PROTOCOL attrib",
		"DEBUG PROTOCOL push",
		"DEBUG PROTOCOL verbatim",
		"DEBUG PROTOCOL bignum",
		"DEBUG PROTOCOL null",
		"DEBUG PROTOCOL true",
		"HELLO 2",
		"DEBUG PROTOCOL push",
		"DEBUG PROTOCOL attrib",
		"DEBUG PROTOCOL double",
		"DEBUG PROTOCOL map",
	}
	redis := newRedisRunner(t)
	defer redis.close()
	local := newLocalRunner(t)
	require.NoError(t, local.srv.Config.LoadString("enable-debug-command yes"))
	hello := [][]byte{[]byte("HELLO"), []byte("3")}
	redis.do("x", hello)
	local.do("x", hello)
	for _, line := range cmds {
		argv, ok := resp.SplitArgs([]byte(line), nil)
		require.True(t, ok)
		want, got := redis.do("x", argv), local.do("x", argv)
		if strings.HasPrefix(line, "HELLO") {
			continue // shows the connection id
		}
		assert.Equal(t, want, got, line)
	}
}

func TestLookupCommandBySpec(t *testing.T) {
	assert.Equal(t, "config|get", lookupCommandBySpec("CONFIG|Get").FullName())
	assert.Equal(t, "config", lookupCommandBySpec("config").FullName())
	assert.Nil(t, lookupCommandBySpec("config|get|x"))
	assert.Nil(t, lookupCommandBySpec("get|x"))
	assert.Nil(t, lookupCommandBySpec("config|nosuch"))
	assert.Nil(t, lookupCommandBySpec(""))
}

// TestCommandListsRegistered checks that COMMAND shows only what this
// server implements.
func TestCommandListsRegistered(t *testing.T) {
	r := newLocalRunner(t)
	out := r.do("x", [][]byte{[]byte("COMMAND"), []byte("COUNT")})
	assert.Equal(t, []string{":" + itoa(int64(len(commands)))}, out)
	list := r.do("x", [][]byte{[]byte("COMMAND"), []byte("LIST")})
	n := len(commands)
	for _, cmd := range commands {
		n += len(cmd.Sub)
	}
	assert.Equal(t, "*"+itoa(int64(n)), list[0])
	all := r.do("x", [][]byte{[]byte("COMMAND")})
	assert.Equal(t, "*"+itoa(int64(len(commands))), all[0])
	docs := r.do("x", [][]byte{[]byte("COMMAND"), []byte("DOCS")})
	assert.Equal(t, "*"+itoa(int64(2*len(commands))), docs[0])
}

// processCommand's lookup, which tries the last command first, finds what
// the table finds, in any case, with subcommands, unknown names and
// rename-command.
func TestLookupCommandCache(t *testing.T) {
	r := newLocalRunner(t)
	s := r.srv
	names := [][]string{{"get"}, {"GET"}, {"gEt"}, {"set"}, {"command", "info"}, {"COMMAND", "DOCS"},
		{"command"}, {"config", "get"}, {"config", "nosuch"}, {"nosuch"}, {"ge"}, {"gett"},
		{strings.Repeat("x", 40)}, {"ping"}, {"PING"}, {"client", "list"}, {"client"}}
	rng := rand.New(rand.NewPCG(9, 10))
	check := func() {
		for range 2000 {
			name := names[rng.IntN(len(names))]
			argv := make([][]byte, len(name))
			for i, a := range name {
				argv[i] = []byte(a)
			}
			require.Same(t, s.table().lookup(argv), s.lookupCommand(argv), "%q", name)
		}
	}
	check()
	require.NoError(t, s.RenameCommand("get", "mine"))
	names = append(names, []string{"mine"}, []string{"MINE"})
	check()
	require.Nil(t, s.lookupCommand([][]byte{[]byte("get")}))
}
