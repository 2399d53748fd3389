// Tests of reading config text: Redis's fatal error reports, line numbers
// across files, stdin and arguments, and the values that end up loaded.

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFiles writes files into dir, replacing $DIR in their text by dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		text = strings.ReplaceAll(text, "$DIR", dir)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
}

// fatal renders the report Redis prints for an error at a line.
func fatal(line int, text, reason string) string {
	return (&FileError{Line: line, Text: text, Reason: reason}).Error()
}

// badConfigs are config files Redis refuses, with the exact report it
// prints. Each has a redis.conf, and may have other files it includes.
var badConfigs = []struct {
	name  string
	files map[string]string
	want  string
}{
	{"unknown directive", map[string]string{"redis.conf": "foo bar\n"},
		fatal(1, "foo bar", "Bad directive or wrong number of arguments")},
	{"line numbers count comments and blanks", map[string]string{"redis.conf": "port 0\n# c\n\n  daemonize maybe  \n"},
		fatal(4, "daemonize maybe", "argument must be 'yes' or 'no'")},
	{"directive names ignore case", map[string]string{"redis.conf": "DAEMONIZE   maybe\n"},
		fatal(1, "DAEMONIZE   maybe", "argument must be 'yes' or 'no'")},
	{"missing value", map[string]string{"redis.conf": "daemonize\n"},
		fatal(1, "daemonize", "wrong number of arguments")},
	{"extra value", map[string]string{"redis.conf": "port 0 x\n"},
		fatal(1, "port 0 x", "wrong number of arguments")},
	{"integer out of range", map[string]string{"redis.conf": "port 70000\n"},
		fatal(1, "port 70000", "argument must be between 0 and 65535 inclusive")},
	{"integer syntax", map[string]string{"redis.conf": "port \" 12\"\n"},
		fatal(1, `port " 12"`, "argument couldn't be parsed into an integer")},
	{"memory syntax", map[string]string{"redis.conf": "maxmemory 1x\n"},
		fatal(1, "maxmemory 1x", "argument must be a memory value")},
	{"percent out of range", map[string]string{"redis.conf": "maxmemory-clients 200%\n"},
		fatal(1, "maxmemory-clients 200%", "percentage argument must be less or equal to 100")},
	{"memory or percent syntax", map[string]string{"redis.conf": "maxmemory-clients -5%\n"},
		fatal(1, "maxmemory-clients -5%", "argument must be a memory or percent value")},
	{"octal syntax", map[string]string{"redis.conf": "unixsocketperm 999\n"},
		fatal(1, "unixsocketperm 999", "argument couldn't be parsed as an octal number")},
	{"octal out of range", map[string]string{"redis.conf": "unixsocketperm 1777\n"},
		fatal(1, "unixsocketperm 1777", "argument must be between 0 and 777 inclusive")},
	{"unsigned out of range", map[string]string{"redis.conf": "maxclients 0\n"},
		fatal(1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive")},
	{"enum", map[string]string{"redis.conf": "loglevel loud\n"},
		fatal(1, "loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning")},
	{"flags enum", map[string]string{"redis.conf": "shutdown-on-sigterm save nosave\n"},
		fatal(1, "shutdown-on-sigterm save nosave", "shutdown options SAVE and NOSAVE can't be used simultaneously")},
	{"save", map[string]string{"redis.conf": "save 10\n"},
		fatal(1, "save 10", "Invalid save parameters")},
	{"client-output-buffer-limit", map[string]string{"redis.conf": "client-output-buffer-limit master 1 2 3\n"},
		fatal(1, "client-output-buffer-limit master 1 2 3", "Invalid client class specified in buffer limit configuration.")},
	{"notify-keyspace-events", map[string]string{"redis.conf": "notify-keyspace-events Q\n"},
		fatal(1, "notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
	{"oom-score-adj-values", map[string]string{"redis.conf": "oom-score-adj-values 1 2\n"},
		fatal(1, "oom-score-adj-values 1 2", "wrong number of arguments")},
	{"replicaof arguments", map[string]string{"redis.conf": "replicaof host\n"},
		fatal(1, "replicaof host", "wrong number of arguments")},
	{"slaveof port", map[string]string{"redis.conf": "slaveof host 99999\n"},
		fatal(1, "slaveof host 99999", "Invalid master port")},
	{"bind", map[string]string{"redis.conf": "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"},
		fatal(1, "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified.")},
	{"dbfilename", map[string]string{"redis.conf": "dbfilename a/b\n"},
		fatal(1, "dbfilename a/b", "dbfilename can't be a path, just a filename")},
	{"appendfilename", map[string]string{"redis.conf": "appendfilename \"\"\n"},
		fatal(1, `appendfilename ""`, "appendfilename can't be empty")},
	{"percentiles", map[string]string{"redis.conf": "latency-tracking-info-percentiles 50 101\n"},
		fatal(1, "latency-tracking-info-percentiles 50 101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")},
	{"proc-title-template", map[string]string{"redis.conf": "proc-title-template \"{foo}\"\n"},
		fatal(1, `proc-title-template "{foo}"`, "template format is invalid or contains unknown variables")},
	{"unterminated double quote", map[string]string{"redis.conf": "port \"6379\n"},
		fatal(1, `port "6379`, "Unbalanced quotes in configuration line")},
	{"unterminated single quote", map[string]string{"redis.conf": "port '6379\n"},
		fatal(1, `port '6379`, "Unbalanced quotes in configuration line")},
	{"text after closing quote", map[string]string{"redis.conf": `requirepass "a\x41\q\n"b` + "\n"},
		fatal(1, `requirepass "a\x41\q\n"b`, "Unbalanced quotes in configuration line")},
	{"empty directive", map[string]string{"redis.conf": "port 0\n\"\" x\n"},
		fatal(2, `"" x`, "Bad directive or wrong number of arguments")},
	{"escaped single quote", map[string]string{"redis.conf": `'a\'b'` + "\n"},
		fatal(1, `'a\'b'`, "Bad directive or wrong number of arguments")},
	{"deprecated directive with wrong arguments", map[string]string{"redis.conf": "list-max-ziplist-entries 5 6\n"},
		fatal(1, "list-max-ziplist-entries 5 6", "Bad directive or wrong number of arguments")},
	{"module config without value", map[string]string{"redis.conf": "mymodule.param\n"},
		fatal(1, "mymodule.param", "Module config specified without value")},
	{"sentinel", map[string]string{"redis.conf": "sentinel monitor x\n"},
		fatal(1, "sentinel monitor x", "sentinel directive while not in sentinel mode")},
	{"include arguments", map[string]string{"redis.conf": "include a b\n"},
		fatal(1, "include a b", "Bad directive or wrong number of arguments")},
	{"error in an included file", map[string]string{
		"redis.conf": "port 0\ninclude $DIR/inc.conf\n",
		"inc.conf":   "tcp-keepalive 60\nbar x\n"},
		fatal(2, "bar x", "Bad directive or wrong number of arguments")},
	{"dir missing", map[string]string{"redis.conf": "dir /nonexistent/dir\n"},
		fatal(1, "dir /nonexistent/dir", "No such file or directory")},
	{"dir not a directory", map[string]string{"redis.conf": "dir $DIR/redis.conf\n"},
		"dir not a directory"}, // the path differs per run: built in the test
	{"log file", map[string]string{"redis.conf": "logfile /nonexistent/dir/x.log\n"},
		(&FileError{Reason: "Can't open the log file: No such file or directory"}).Error()},
	{"replicaof in cluster mode", map[string]string{"redis.conf": "cluster-enabled yes\nreplicaof 127.0.0.1 5\n"},
		(&FileError{Reason: "replicaof directive not allowed in cluster mode"}).Error()},
}

// badConfigWant is the expected report of a bad config loaded from dir.
func badConfigWant(dir, name, want string) string {
	if name == "dir not a directory" {
		return fatal(1, "dir "+dir+"/redis.conf", "Not a directory")
	}
	return want
}

func TestLoadFileErrors(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			err := New().LoadFile(filepath.Join(dir, "redis.conf"))
			require.Error(t, err)
			require.Equal(t, badConfigWant(dir, tc.name, tc.want), err.Error())
		})
	}
}

func TestLoadFileErrorsMatchRedis(t *testing.T) {
	needRedis(t)
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			got := runRedisConfig(t, dir, filepath.Join(dir, "redis.conf"))
			require.Equal(t, badConfigWant(dir, tc.name, tc.want), got)
		})
	}
}

// commandLines are redis-server invocations whose options Redis refuses,
// showing how arguments become config lines and how their line numbers go
// on from the file's. In args, $DIR stands for the directory of the files.
var commandLines = []struct {
	name  string
	files map[string]string
	stdin string
	args  []string
	want  string
}{
	{"options start at line 2", nil, "", []string{"--port", "abc"},
		fatal(2, `port "abc"`, "argument couldn't be parsed into an integer")},
	{"values are quoted", nil, "", []string{"--port", "0", "--loglevel", `warn"ing`},
		fatal(3, `loglevel "warn\"ing"`, "argument(s) must be one of the following: debug, verbose, notice, warning")},
	{"several values", nil, "", []string{"--port", "0", "--bind", "a", "b", "--maxmemory", "1x"},
		fatal(4, `maxmemory "1x"`, "argument must be a memory value")},
	{"an option without value", nil, "", []string{"--port", "0", "--requirepass", "a b", "--foo"},
		fatal(4, "foo", "Bad directive or wrong number of arguments")},
	{"an option with its value in one argument", nil, "", []string{"--port 0", "--foo", "bar"},
		fatal(3, `foo "bar"`, "Bad directive or wrong number of arguments")},
	{"--save followed by an option", nil, "", []string{"--port", "0", "--save", "--foo"},
		fatal(4, "foo", "Bad directive or wrong number of arguments")},
	{"--save with a bad value", map[string]string{"f.conf": "port 0\n"}, "",
		[]string{"$DIR/f.conf", "--save", "10", "--foo"},
		fatal(3, `save "10"`, "Invalid save parameters")},
	{"after a file ending in a newline", map[string]string{"f.conf": "port 0\n# c\nmaxmemory 1\n"}, "",
		[]string{"$DIR/f.conf", "--foo"},
		fatal(5, "foo", "Bad directive or wrong number of arguments")},
	{"after a file not ending in a newline", map[string]string{"f.conf": "port 0\n# c\nmaxmemory 1"}, "",
		[]string{"$DIR/f.conf", "--foo"},
		fatal(4, "foo", "Bad directive or wrong number of arguments")},
	{"stdin follows the file directly", map[string]string{"f.conf": "port 0\n# c\nmaxmemory 1"}, "foo\n",
		[]string{"$DIR/f.conf", "-"},
		fatal(3, "maxmemory 1foo", "argument must be a memory value")},
	{"stdin alone", nil, "port 0\nfoo\n", []string{"-"},
		fatal(2, "foo", "Bad directive or wrong number of arguments")},
	{"stdin first, then options", nil, "port 0\n", []string{"-", "--foo"},
		fatal(3, "foo", "Bad directive or wrong number of arguments")},
	{"- in the middle is a value", map[string]string{"f.conf": "port 0\n"}, "",
		[]string{"$DIR/f.conf", "-", "--port", "0"},
		fatal(3, `"-"`, "Bad directive or wrong number of arguments")},
}

func withDir(args []string, dir string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	return out
}

func TestLoadArgsErrors(t *testing.T) {
	for _, tc := range commandLines {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			c := New()
			c.stdin = strings.NewReader(tc.stdin)
			err := c.LoadArgs(withDir(tc.args, dir))
			require.Error(t, err)
			require.Equal(t, tc.want, err.Error())
		})
	}
}

func TestLoadArgsErrorsMatchRedis(t *testing.T) {
	needRedis(t)
	for _, tc := range commandLines {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			got := runRedisConfigStdin(t, dir, tc.stdin, withDir(tc.args, dir)...)
			require.Equal(t, tc.want, got)
		})
	}
}

// ApplyArgs after LoadFile numbers lines as LoadArgs does with the same
// file and options.
func TestApplyArgsContinuesLineNumbers(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"f.conf": "port 0\n# c\nmaxmemory 1\n"})
	c := New()
	require.NoError(t, c.LoadFile(filepath.Join(dir, "f.conf")))
	err := c.ApplyArgs([]string{"--timeout", "5", "--foo"})
	require.Equal(t, fatal(6, "foo", "Bad directive or wrong number of arguments"), err.Error())
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"inc.conf": "include nope.conf\n"})
	tests := []struct {
		name string
		load func(c *Config) error
		want string
	}{
		{"missing file", func(c *Config) error { return c.LoadFile(filepath.Join(dir, "missing.conf")) },
			"Fatal error, can't open config file '" + dir + "/missing.conf': No such file or directory"},
		{"missing include, named as written", func(c *Config) error {
			return c.LoadString("dir " + dir + "\ninclude inc.conf\n")
		}, "Fatal error, can't open config file 'nope.conf': No such file or directory"},
		{"a glob matching nothing is fine", func(c *Config) error {
			return c.LoadString("include " + dir + "/none*.conf\n")
		}, ""},
		{"a directory reads as empty", func(c *Config) error { return c.LoadString("include " + dir + "\n") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load(New())
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestLoadValues(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"redis.conf": strings.Join([]string{
			"# comments and blank lines are skipped",
			"",
			"  Port 7001  ",
			"timeout 10",
			"timeout 20", // the last one wins
			"save 100 1", // the first save line replaces the defaults...
			"save 200 2", // ...the next ones add to it
			"slave-priority 5",
			"replica-priority 7", // one parameter under two names
			"maxmemory 2gb",
			"maxmemory-clients 5%",
			"unixsocketperm 700",
			"requirepass \"a b\\x41\\n\"",
			"masterauth 'it\\'s'",
			"bind 127.0.0.1 -::1",
			"slaveof 10.0.0.1 6380",
			"notify-keyspace-events KEA",
			"client-output-buffer-limit pubsub 64mb 16mb 120",
			"hz 1000",
			"list-max-ziplist-entries 5", // deprecated: accepted, ignored
			"rename-command FLUSHALL \"\"",
			"loadmodule /x.so a b",
			"mymodule.param 1",
			"sentinel",
		}, "\n"),
	})
	c := New()
	require.NoError(t, c.LoadFile(filepath.Join(dir, "redis.conf")))
	require.Equal(t, filepath.Join(dir, "redis.conf"), c.File())
	require.Equal(t, int64(7001), c.Int("port"))
	require.Equal(t, int64(20), c.Int("timeout"))
	require.Equal(t, []SaveParam{{100, 1}, {200, 2}}, c.SaveParams())
	require.Equal(t, "100 1 200 2", c.String("save"))
	require.Equal(t, []string{"100", "1", "200", "2"}, c.Strings("save"))
	require.Equal(t, int64(7), c.Int("slave-priority"))
	require.Equal(t, uint64(2<<30), c.Uint("maxmemory"))
	require.Equal(t, int64(-5), c.Int("maxmemory-clients"))
	require.Equal(t, "5%", c.String("maxmemory-clients"))
	require.Equal(t, int64(0o700), c.Int("unixsocketperm"))
	require.Equal(t, "700", c.String("unixsocketperm"))
	require.Equal(t, "a bA\n", c.String("requirepass"))
	require.Equal(t, "it's", c.String("masterauth"))
	require.Equal(t, []string{"127.0.0.1", "-::1"}, c.Strings("bind"))
	require.Equal(t, ReplicaOf{"10.0.0.1", 6380}, c.ReplicaOf())
	require.Equal(t, "10.0.0.1 6380", c.String("replicaof"))
	require.Equal(t, int64(NotifyAll|NotifyKeyspace|NotifyKeyevent), c.Int("notify-keyspace-events"))
	require.Equal(t, "AKE", c.String("notify-keyspace-events"))
	require.Equal(t, BufferLimit{64 << 20, 16 << 20, 120}, c.ClientOutputBufferLimits()[ClassPubSub])
	require.Equal(t, int64(500), c.Int("hz"))
	require.Equal(t, [][]string{{"FLUSHALL", ""}}, c.Directives("rename-command"))
	require.Equal(t, [][]string{{"/x.so", "a", "b"}}, c.Directives("loadmodule"))
	require.Equal(t, [][]string{{"1"}}, c.Directives("mymodule.param"))

	c.MarkSupported("port", "slave-priority", "rename-command")
	require.Equal(t, []string{"timeout", "save", "maxmemory", "maxmemory-clients",
		"unixsocketperm", "requirepass", "masterauth", "bind", "replicaof",
		"notify-keyspace-events", "client-output-buffer-limit", "hz", "loadmodule",
		"mymodule.param"}, c.Unsupported())
}

func TestSaveLines(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"defaults when the file has none", "timeout 0\n", "3600 1 300 100 60 10000"},
		{"lines add up", "save 100 1\nsave 200 2\n", "100 1 200 2"},
		{"several rules on one line", "save 100 1 200 2\n", "100 1 200 2"},
		{`save "" empties`, "save 100 1\nsave \"\"\n", ""},
		{`and lines after it add up again`, "save \"\"\nsave 100 1\nsave 200 2\n", "100 1 200 2"},
		// Redis's include clears its "reading a file" flag, so save lines
		// after an include replace the rules instead of adding to them.
		{"after an include, each line replaces", "save 100 1\ninclude /dev/null\nsave 200 2\nsave 300 3\n", "300 3"},
		{"odd values", "save \"\" \nsave +10 \"\"\n", "10 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			require.NoError(t, c.LoadString(tc.text))
			require.Equal(t, tc.want, c.String("save"))
		})
	}
}

// Args go on adding to the save rules of the file, as in Redis, where
// they are the end of the same text.
func TestSaveLinesAcrossFileAndArgs(t *testing.T) {
	c := New()
	require.NoError(t, c.LoadString("save 100 1\n"))
	require.NoError(t, c.ApplyArgs([]string{"--save", "200", "2"}))
	require.Equal(t, "100 1 200 2", c.String("save"))
	require.NoError(t, c.ApplyArgs([]string{"--save"}))
	require.Equal(t, "", c.String("save"))
}

func TestRelativeDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "link")))
	writeFiles(t, dir, map[string]string{"a/b/inc.conf": "timeout 9\n"})
	c := New()
	require.NoError(t, c.LoadString("dir "+dir+"/link\ndir b\ninclude inc.conf\n"))
	require.Equal(t, filepath.Join(dir, "a", "b"), c.String("dir"))
	require.Equal(t, int64(9), c.Int("timeout"))
}

// debianConfig skips the test unless Debian's redis.conf is here and its
// dir can be entered (as root, or as the redis user).
func debianConfig(t *testing.T) string {
	t.Helper()
	const path = "/etc/redis/redis.conf"
	if _, err := os.Stat(path); err != nil {
		t.Fatal("no Debian redis.conf on this machine (make test installs Debian's redis-server and redis-tools)")
	}
	if err := syscall.Access("/var/lib/redis", 1); err != nil {
		t.Skip("cannot enter /var/lib/redis, the dir of Debian's redis.conf")
	}
	return path
}

func TestDebianConfig(t *testing.T) {
	path := debianConfig(t)
	c := New()
	var logfiles []string
	c.openLog = func(p string) error { logfiles = append(logfiles, p); return nil }
	require.NoError(t, c.LoadFile(path))
	require.Equal(t, []string{"/var/log/redis/redis-server.log"}, logfiles)
	require.Equal(t, path, c.File())
	require.Equal(t, []string{"127.0.0.1", "-::1"}, c.Strings("bind"))
	require.True(t, c.Bool("daemonize"))
	require.Equal(t, "/run/redis/redis-server.pid", c.String("pidfile"))
	require.Equal(t, "/var/lib/redis", c.String("dir"))
	require.Equal(t, int64(64<<20), c.Int("auto-aof-rewrite-min-size"))
	require.Equal(t, "notice", c.String("loglevel"))
	require.Equal(t, defaultBufferLimits, c.ClientOutputBufferLimits())
	// 71 directive lines, client-output-buffer-limit three times.
	require.Len(t, c.Unsupported(), 69)
}
