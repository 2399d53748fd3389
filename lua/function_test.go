package lua

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/rdb"
)

const testLib = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 'hello' end)"

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	return Attach(db.NewServer(config.New()))
}

// A load that fails, at any step, leaves the libraries as they were.
func TestFunctionLoadIsAtomic(t *testing.T) {
	e := newTestEngine(t)
	f := e.functions
	reg := f.reg.clone()
	_, err := f.create(reg, testLib, false)
	require.Empty(t, err)
	f.reg = reg
	for code, want := range map[string]string{
		"#!lua name=mylib\nredis.register_function('x', function() end)":            "Library 'mylib' already exists",
		"#!lua name=other\nredis.register_function('myfunc', function() end)":       "Function myfunc already exists",
		"#!lua name=other\nredis.register_function('MYFUNC', function() end)":       "Function MYFUNC already exists",
		"#!lua name=other\nredis.register_function('g', function() end) error('x')": "Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'",
		"#!lua name=other\n": "No functions registered",
		"no shebang":         "Missing library metadata",
		"#!lua name=a b=c\n": "Invalid metadata value given: b=c",
		"#!js name=a\n":      "Engine 'js' not found",
		"#!lua name=a-b\n":   errBadName,
		"#!lua name=other\nredis.register_function('g', function() end) redis.register_function('g', function() end)": "Error registering functions: ERR Function already exists in the library",
	} {
		reg := f.reg.clone()
		_, msg := f.create(reg, code, false)
		require.Equal(t, want, msg, code)
	}
	require.Equal(t, []string{testLib}, e.FunctionsCode())
	require.Len(t, f.reg.fns, 1)
}

// An RDB saved with functions loads them back; a library that fails to
// load fails the whole load and changes nothing.
func TestFunctionsRDBRoundTrip(t *testing.T) {
	e := newTestEngine(t)
	require.Empty(t, e.LoadFunctions([]string{testLib}))
	sn := e.srv.Snapshot()
	var buf bytes.Buffer
	_, err := rdb.Write(&buf, sn, rdb.Options{Checksum: true, Functions: e.FunctionsCode()})
	sn.Release()
	require.NoError(t, err)

	other := newTestEngine(t)
	_, info, err := rdb.Load(bytes.NewReader(buf.Bytes()), other.srv, 0, false)
	require.NoError(t, err)
	require.Equal(t, []string{testLib}, info.Functions)
	require.Equal(t, []string{testLib}, other.FunctionsCode())

	require.NotEmpty(t, other.LoadFunctions([]string{testLib, testLib}))
	require.Equal(t, []string{testLib}, other.FunctionsCode())
}

// FUNCTION DUMP gives Redis's bytes, and Redis's payload restores here.
func TestFunctionDumpMatchesRedis(t *testing.T) {
	conn := startRedis(t)
	require.Equal(t, "$5\r\nmylib\r\n", conn.do(t, "FUNCTION", "LOAD", testLib))
	want := conn.do(t, "FUNCTION", "DUMP")

	e := newTestEngine(t)
	c := e.srv.NewScriptClient()
	run := func(args ...string) string {
		c.Buf = c.Buf[:0]
		c.Argv = nil
		for _, a := range args {
			c.Argv = append(c.Argv, []byte(a))
		}
		switch args[1] {
		case "LOAD":
			functionLoadCommand(c)
		case "DUMP":
			functionDumpCommand(c)
		case "RESTORE":
			functionRestoreCommand(c)
		}
		return string(c.Buf)
	}
	require.Equal(t, "$5\r\nmylib\r\n", run("FUNCTION", "LOAD", testLib))
	require.Equal(t, want, run("FUNCTION", "DUMP"))

	payload := want[bytes.IndexByte([]byte(want), '\n')+1 : len(want)-2]
	fresh := newTestEngine(t)
	c = fresh.srv.NewScriptClient()
	require.Equal(t, "+OK\r\n", run("FUNCTION", "RESTORE", payload))
	require.Equal(t, []string{testLib}, fresh.FunctionsCode())
	require.Equal(t, "-ERR Library mylib already exists\r\n", run("FUNCTION", "RESTORE", payload))
	require.Equal(t, "+OK\r\n", run("FUNCTION", "RESTORE", payload, "REPLACE"))
	require.Equal(t, "-ERR DUMP payload version or checksum are wrong\r\n", run("FUNCTION", "RESTORE", payload[:len(payload)-1]+"x"))
}

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// startRedis runs the real redis-server 7.0 on a unix socket.
func startRedis(t *testing.T) *redisConn {
	t.Helper()
	bin := "/usr/bin/redis-server"
	_, err := os.Stat(bin)
	require.NoError(t, err, "real Redis is needed")
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--dir", dir)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var c net.Conn
	for i := 0; i < 100; i++ {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &redisConn{c: c, r: bufio.NewReader(c)}
}

// do sends a command and returns its reply (a simple reply or a bulk).
func (rc *redisConn) do(t *testing.T, args ...string) string {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_, err := rc.c.Write(b.Bytes())
	require.NoError(t, err)
	line, err := rc.r.ReadString('\n')
	require.NoError(t, err)
	if line[0] != '$' {
		return line
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	body := make([]byte, n+2)
	_, err = io.ReadFull(rc.r, body)
	require.NoError(t, err)
	return line + string(body)
}
