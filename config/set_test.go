// Tests of CONFIG SET: refusals, atomicity, hooks and their rollback.

package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The parameters CONFIG SET refuses, as Redis 7.0.15 refuses them.
func TestImmutables(t *testing.T) {
	c := New()
	var immutable []string
	for _, p := range c.params {
		if p.flags&Immutable != 0 {
			immutable = append(immutable, p.name)
		}
	}
	require.Equal(t, []string{
		"rdbchecksum", "daemonize", "io-threads-do-reads", "always-show-logo", "set-proc-title",
		"syslog-enabled", "cluster-enabled", "disable-thp", "aclfile", "unixsocket", "pidfile",
		"cluster-config-file", "syslog-ident", "appendfilename", "appenddirname", "server_cpulist",
		"bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist", "logfile", "supervised",
		"syslog-facility", "enable-protected-configs", "enable-debug-command",
		"enable-module-command", "databases", "io-threads", "tcp-backlog", "cluster-port",
		"unixsocketperm", "socket-mark-id", "replicaof",
	}, immutable)
	for _, name := range append(immutable, "slaveof") {
		err := c.Set([][2]string{{name, "x"}})
		require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument '"+name+
			"') - can't set immutable config")
	}
}

func TestAliasesShareOneValue(t *testing.T) {
	c := New()
	require.NoError(t, c.Set([][2]string{{"slave-priority", "5"}}))
	require.Equal(t, int64(5), c.Int("replica-priority"))
	require.Equal(t, [][2]string{{"replica-priority", "5"}, {"slave-priority", "5"}},
		c.Get("replica-priority", "slave-priority"))
	require.NoError(t, c.LoadString("hash-max-ziplist-entries 7\n"))
	require.Equal(t, int64(7), c.Int("hash-max-listpack-entries"))

	p, ok := c.Lookup("SLAVEOF")
	require.True(t, ok)
	require.Equal(t, Param{Name: "replicaof", Alias: "slaveof", Flags: Immutable}, p)
	_, ok = c.Lookup("nope")
	require.False(t, ok)
}

func TestSetIsAtomic(t *testing.T) {
	c := New()
	err := c.Set([][2]string{{"maxmemory", "1mb"}, {"timeout", "10"}, {"save", "1 x"}})
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
	require.Equal(t, [][2]string{{"maxmemory", "0"}, {"save", "3600 1 300 100 60 10000"}, {"timeout", "0"}},
		c.Get("maxmemory", "timeout", "save"))
}

func TestHooks(t *testing.T) {
	c := New()
	var calls []string
	c.OnChange("timeout", func() error {
		calls = append(calls, "timeout="+c.String("timeout"))
		return nil
	})
	c.OnChange("slave-priority", func() error { // an alias names the same parameter
		calls = append(calls, "replica-priority="+c.String("replica-priority"))
		return nil
	})

	require.NoError(t, c.Set([][2]string{{"timeout", "10"}, {"replica-priority", "1"}}))
	require.Equal(t, []string{"timeout=10", "replica-priority=1"}, calls)

	calls = nil
	require.NoError(t, c.Set([][2]string{{"timeout", "10"}}))
	require.Empty(t, calls, "no hook for a value that did not change")

	// Loading does not run hooks: the server applies loaded values itself.
	require.NoError(t, c.LoadString("timeout 20\n"))
	require.Empty(t, calls)
}

// A CONFIG SET that changes a parameter without effect is reported, so
// that the server can warn: appendonly or maxmemory are never silently
// ignored.
func TestUnsupportedSetIsReported(t *testing.T) {
	c := New()
	c.MarkSupported("timeout")
	var told []string
	c.OnUnsupportedSet(func(name string) { told = append(told, name) })
	require.NoError(t, c.Set([][2]string{{"appendonly", "yes"}, {"maxmemory", "10mb"}, {"timeout", "5"}}))
	require.Equal(t, []string{"appendonly", "maxmemory"}, told)
	told = nil
	require.NoError(t, c.Set([][2]string{{"appendonly", "yes"}}))
	require.Empty(t, told, "no change, no warning")
}

func TestHookFailureRollsBack(t *testing.T) {
	c := New()
	var applied []string
	c.OnChange("maxmemory", func() error {
		applied = append(applied, "maxmemory="+c.String("maxmemory"))
		return nil
	})
	c.OnChange("port", func() error {
		applied = append(applied, "port="+c.String("port"))
		if c.Int("port") == 7000 {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	})
	err := c.Set([][2]string{{"maxmemory", "1mb"}, {"PORT", "7000"}, {"timeout", "5"}})
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'port') - "+
		"Unable to listen on this port. Check server logs.")
	require.Equal(t, [][2]string{{"maxmemory", "0"}, {"port", "6379"}, {"timeout", "0"}},
		c.Get("maxmemory", "port", "timeout"))
	// The hooks ran with the new values, then again with the old ones.
	require.Equal(t, []string{"maxmemory=1048576", "port=7000", "maxmemory=0", "port=6379"}, applied)
}

func TestHookWithoutMessage(t *testing.T) {
	c := New()
	c.OnChange("hz", func() error { return errors.New("") })
	require.EqualError(t, c.Set([][2]string{{"hz", "20"}}),
		"ERR CONFIG SET failed (possibly related to argument 'hz')")
	require.Equal(t, int64(10), c.Int("hz"))
}

func TestProtected(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		allow       string
		local, want bool
	}{
		{"no", false, false},
		{"no", true, false},
		{"local", false, false},
		{"local", true, true},
		{"yes", false, true},
	}
	for _, tc := range tests {
		c := New()
		require.NoError(t, c.LoadString("enable-protected-configs "+tc.allow+"\n"))
		set := c.Set
		if tc.local {
			set = c.SetLocal
		}
		err := set([][2]string{{"dir", dir}, {"dbfilename", "x.rdb"}})
		if tc.want {
			require.NoError(t, err, tc.allow)
			require.Equal(t, dir, c.String("dir"))
			require.Equal(t, "x.rdb", c.String("dbfilename"))
		} else {
			require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
		}
	}
}

func TestSetDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	c := New()
	require.NoError(t, c.LoadString("enable-protected-configs yes\ndir "+dir+"\n"))
	chdirs := 0
	c.OnChange("dir", func() error { chdirs++; return nil })

	require.NoError(t, c.Set([][2]string{{"dir", "sub/."}}))
	require.Equal(t, filepath.Join(dir, "sub"), c.String("dir"))
	require.NoError(t, c.Set([][2]string{{"dir", ".."}}))
	require.Equal(t, dir, c.String("dir"))
	require.Equal(t, 2, chdirs)

	tests := []struct{ value, want string }{
		{"", "No such file or directory"},
		{"missing", "No such file or directory"},
		{"file", "Not a directory"},
	}
	for _, tc := range tests {
		require.EqualError(t, c.Set([][2]string{{"dir", tc.value}}),
			"ERR CONFIG SET failed (possibly related to argument 'dir') - "+tc.want)
	}
	require.Equal(t, dir, c.String("dir"))
}

func TestGettersPanicOnMisuse(t *testing.T) {
	c := New()
	require.PanicsWithValue(t, `config: unknown parameter "nope"`, func() { c.Int("nope") })
	require.PanicsWithValue(t, "config: dir is not a number", func() { c.Int("dir") })
	require.PanicsWithValue(t, "config: port is not yes/no", func() { c.Bool("port") })
	require.Panics(t, func() { c.OnChange("nope", func() error { return nil }) })
}

// Readers on other goroutines see either the old or the new values while
// CONFIG SET runs (run with -race).
func TestConcurrentReaders(t *testing.T) {
	c := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			_ = c.Int("maxmemory")
			_ = c.Get("max*")
			_ = c.Strings("save")
		}
	}()
	for i := 0; i < 200; i++ {
		require.NoError(t, c.Set([][2]string{{"maxmemory", "1mb"}, {"save", "10 1"}}))
		require.NoError(t, c.Set([][2]string{{"maxmemory", "0"}, {"save", ""}}))
	}
	<-done
}
