package db

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func argvOf(line string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(line) {
		argv = append(argv, []byte(f))
	}
	return argv
}

func TestDebugGate(t *testing.T) {
	r := newLocalRunner(t)
	require.NoError(t, r.srv.Config.LoadString("enable-debug-command no"))
	assert.Equal(t, []string{"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."}, r.do("x", argvOf("DEBUG HELP")))

	require.NoError(t, r.srv.Config.LoadString("enable-debug-command local"))
	assert.Equal(t, "  +DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", r.do("x", argvOf("DEBUG HELP"))[1])
	remote := r.srv.NewClient(nopConn{}, "10.1.2.3:5555", "10.0.0.1:6379", 99)
	r.clients["remote"] = remote
	assert.Equal(t, []string{"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."}, r.do("remote", argvOf("DEBUG HELP")))

	require.NoError(t, r.srv.Config.LoadString("enable-debug-command yes"))
	assert.Equal(t, "  +DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", r.do("remote", argvOf("DEBUG HELP"))[1])
}

// The DEBUG and MODULE gates come before authentication, as in Redis 7.0
// (checked with redis-cli against redis-server --requirepass): a client
// that has not authenticated learns the command is disabled, not NOAUTH.
func TestProtectedCommandsBeforeAuth(t *testing.T) {
	r := newLocalRunner(t)
	require.NoError(t, r.srv.Config.LoadString("enable-debug-command no\nenable-module-command no\nrequirepass pw\n"))
	require.NoError(t, r.srv.SettingsChanged())
	assert.Equal(t, []string{"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."}, r.do("x", argvOf("DEBUG SLEEP 0")))
	assert.Equal(t, []string{"-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."}, r.do("x", argvOf("MODULE LOAD /x")))
	assert.Equal(t, []string{"-NOAUTH Authentication required."}, r.do("x", argvOf("MODULE LIST")))
	assert.Equal(t, []string{"+OK"}, r.do("x", argvOf("AUTH pw")))
	assert.Equal(t, []string{"*0"}, r.do("x", argvOf("MODULE LIST")))
	require.NoError(t, r.srv.Config.LoadString("enable-module-command yes\n"))
	assert.Equal(t, []string{"-ERR Error loading the extension. Please check the server logs."}, r.do("x", argvOf("MODULE LOAD /x")))
	assert.Equal(t, []string{"-ERR Error unloading module: no such module with that name"}, r.do("x", argvOf("MODULE UNLOAD foo")))
}

func TestDebugCommands(t *testing.T) {
	r := newLocalRunner(t)
	require.NoError(t, r.srv.Config.LoadString("enable-debug-command yes"))
	do := func(line string) []string { return r.do("x", argvOf(line)) }

	assert.Equal(t, []string{"-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP."}, do("DEBUG nosuch"))
	assert.Equal(t, []string{"-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP."}, do("DEBUG SLEEP 1 2"))
	assert.Equal(t, []string{"-ERR no such key"}, do("DEBUG OBJECT nosuch"))

	do("SET s bar")
	do("SET n 1")
	do("SET big 100000")
	obj := do("DEBUG OBJECT s")[0]
	assert.Regexp(t, `^\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:4 lru:\d+ lru_seconds_idle:0$`, obj)
	assert.Regexp(t, `^\+Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:0$`, do("DEBUG OBJECT n")[0])
	assert.Regexp(t, ` refcount:1 encoding:int serializedlength:5 `, do("DEBUG OBJECT big")[0])

	start := time.Now()
	assert.Equal(t, []string{"+OK"}, do("DEBUG SLEEP 0.05"))
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, []string{"+OK"}, do("DEBUG SLEEP x"))

	assert.Equal(t, []string{"+OK"}, do("DEBUG SET-ACTIVE-EXPIRE 0"))
	assert.False(t, r.srv.activeExpire)
	assert.Equal(t, []string{"+OK"}, do("DEBUG set-active-expire 1"))
	assert.True(t, r.srv.activeExpire)

	assert.Equal(t, []string{"-hello"}, do("DEBUG ERROR hello"))
	assert.Equal(t, []string{"+OK"}, do("DEBUG LOG hello"))

	assert.Equal(t, []string{"-ERR value is out of range, must be positive"}, do("DEBUG POPULATE -1"))
	assert.Equal(t, []string{"-ERR value is out of range, must be positive"}, do("DEBUG POPULATE x"))
	assert.Equal(t, []string{"+OK"}, do("DEBUG POPULATE 3"))
	assert.Equal(t, []string{`"value:1"`}, do("GET key:1"))
	assert.Equal(t, []string{"+OK"}, do("DEBUG POPULATE 2 p 10"))
	assert.Equal(t, []string{`"value:0\x00\x00\x00"`}, do("GET p:0"))
	assert.Equal(t, []string{"+OK"}, do("DEBUG POPULATE 2 q 3"))
	assert.Equal(t, []string{`"val"`}, do("GET q:1"))
	do("SET key:0 keep")
	assert.Equal(t, []string{"+OK"}, do("DEBUG POPULATE 1"))
	assert.Equal(t, []string{`"keep"`}, do("GET key:0"))
}

func TestStrtod(t *testing.T) {
	for in, want := range map[string]float64{"1.5": 1.5, " 2": 2, "3x": 3, "x": 0, "": 0, "-1e1z": -10} {
		assert.Equal(t, want, strtod([]byte(in)), in)
	}
}

// DEBUG QUICKLIST prints the list on stdout (internal/quicklist's tests
// check the text against Redis's) and answers as Redis.
func TestDebugQuicklist(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "c", "RPUSH", "l", "a", "b")
	connDo(r, "c", "SET", "s", "1")
	for _, tc := range []struct{ args, want string }{
		{"DEBUG QUICKLIST l", "+Quicklist structure printed on stdout\r\n"},
		{"DEBUG QUICKLIST l 1", "+Quicklist structure printed on stdout\r\n"},
		{"DEBUG QUICKLIST s", "-ERR Not a quicklist encoded object.\r\n"},
		{"DEBUG QUICKLIST nokey", "-ERR no such key\r\n"},
		{"DEBUG QUICKLIST l 1 2", "-ERR unknown subcommand or wrong number of arguments for 'QUICKLIST'. Try DEBUG HELP.\r\n"},
	} {
		assert.Equal(t, tc.want, connDo(r, "c", strings.Fields(tc.args)...), tc.args)
	}
}
