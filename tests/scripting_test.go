package tests

// The scripting corpus: testdata/scripting/*.txt hold commands about Lua
// scripting (EVAL, EVALSHA, SCRIPT, FUNCTION, FCALL and what a script can
// reach), and TestScriptingCorpus sends every one to real Redis and to the
// server under test and requires byte-identical replies. The corpus holds
// no expected replies: real Redis, run next to ours, is the spec.
//
// A file holds one command a line in redis-cli syntax (resp.SplitArgs: a
// Lua script with several lines is a "double quoted" argument with \n).
// Blank lines and lines starting with # are ignored, and a line starting
// with @ is a directive:
//
//	@resp 3   HELLO 3 (its reply, which holds the client id, is not compared)
//	@resp 2   back to RESP2
//	@reset    FLUSHALL, SCRIPT FLUSH and FUNCTION FLUSH (replies compared)
//
// Every file starts on fresh RESP2 connections after an @reset; the two
// servers live for the whole run, so a file that changes the configuration
// restores it, and one that uses math.random seeds it first (Lua's random
// state survives SCRIPT FLUSH). A file stops at its first unreadable reply;
// a server under test that crashed is replaced for the next file. Each file
// reports its first mismatches in full and a count of all of them.
// SCRIPTING_TRACE=1 logs every command with Redis's reply, which is how to
// review what a new case states.
//
// testdata/scripting/known_differences.list lists the lines where this
// server is known to answer otherwise, "file:line reason" (gopher-lua's
// wording of Lua's own errors, the order of Lua's hash tables, what is
// not implemented yet). Their mismatches are logged, not failed; a listed
// line that matches again fails, so that the list only shrinks. "file:*"
// lists a whole file whose replies may or may not match (the order of
// Lua's hash tables, which gopher-lua does not keep stable).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis-go/redis-server/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	// scriptingReadTimeout bounds the wait for one reply.
	scriptingReadTimeout = 10 * time.Second
	// scriptingMaxReports is how many mismatches a file reports in full.
	scriptingMaxReports = 25
)

func TestScriptingCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scripting", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no corpus files")
	redisBin := tool(t, "redis-server")
	real := startIn(t, redisBin, t.TempDir())
	ours := startIn(t, "", t.TempDir())
	trace := os.Getenv("SCRIPTING_TRACE") != ""
	known := loadKnownDifferences(t)
	for _, file := range files {
		// A server under test that crashed fails the test (its cleanup
		// prints its log); the next files get a new one.
		select {
		case <-ours.exited:
			ours = startIn(t, "", t.TempDir())
		default:
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScriptingFile(t, file, real, ours, trace, known)
		})
	}
}

// scriptingConn is a raw connection that reads replies as exact bytes.
type scriptingConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialScripting(t *testing.T, s *server) *scriptingConn {
	c := s.dial(t)
	return &scriptingConn{conn: c, r: bufio.NewReader(c)}
}

// do sends argv and returns the bytes of one complete reply.
func (c *scriptingConn) do(argv [][]byte) ([]byte, error) {
	if err := c.conn.SetDeadline(time.Now().Add(scriptingReadTimeout)); err != nil {
		return nil, err
	}
	if _, err := c.conn.Write(resp.AppendCommand(nil, argv...)); err != nil {
		return nil, err
	}
	return readRawReply(c.r, nil)
}

// readRawReply appends one RESP2 or RESP3 reply, exactly as received, to
// out. An attribute is returned with the reply it annotates.
func readRawReply(r *bufio.Reader, out []byte) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return out, err
	}
	out = append(out, line...)
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return out, fmt.Errorf("bad reply line %q", line)
	}
	head := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return out, nil
	case '$', '!', '=':
		n, err := strconv.Atoi(head)
		if err != nil || n < -1 {
			return out, fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			return out, nil
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return out, err
		}
		return append(out, body...), nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(head)
		if err != nil || n < -1 {
			return out, fmt.Errorf("bad count in %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if out, err = readRawReply(r, out); err != nil {
				return out, err
			}
		}
		if line[0] == '|' {
			return readRawReply(r, out)
		}
		return out, nil
	}
	return out, fmt.Errorf("unknown reply type in %q", line)
}

// runScriptingFile runs one corpus file on both servers.
func runScriptingFile(t *testing.T, file string, real, ours *server, trace bool, known map[string]string) {
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	sides := []*scriptingConn{dialScripting(t, real), dialScripting(t, ours)}
	name := filepath.Base(file)
	commands, mismatches := 0, 0
	defer func() {
		if mismatches > 0 {
			t.Errorf("%s: %d of %d replies differ", name, mismatches, commands)
		}
	}()
	// send runs argv on both sides and reports whether the file can go on.
	send := func(where, text string, argv [][]byte, compare bool) bool {
		var replies [2][]byte
		for i, c := range sides {
			reply, err := c.do(argv)
			if err != nil {
				who := [2]string{"redis", "the server under test"}[i]
				t.Errorf("%s: %s\n%s: %v after %q", where, text, who, err, reply)
				return false
			}
			replies[i] = reply
		}
		if trace {
			t.Logf("%s: %s\n\t%q", where, text, replies[0])
		}
		if !compare {
			return true
		}
		commands++
		equal := bytes.Equal(replies[0], replies[1])
		if reason, ok := known[name+":*"]; ok { // the whole file may differ
			if !equal && trace {
				t.Logf("%s: known difference (%s)", where, reason)
			}
			return true
		}
		if reason, ok := known[where]; ok {
			if equal {
				t.Errorf("%s: %s\nlisted in known_differences.list (%s) but the replies are equal now: remove the line", where, text, reason)
			} else if trace {
				t.Logf("%s: known difference (%s)\nredis: %q\nours:  %q", where, reason, replies[0], replies[1])
			}
			return true
		}
		if !equal {
			if mismatches++; mismatches <= scriptingMaxReports {
				t.Errorf("%s: %s\nredis: %q\nours:  %q", where, text, replies[0], replies[1])
			}
		}
		return true
	}
	reset := func(where string) bool {
		for _, cmd := range []string{"FLUSHALL", "SCRIPT FLUSH", "FUNCTION FLUSH"} {
			if !send(where, "@reset: "+cmd, bytes.Fields([]byte(cmd)), true) {
				return false
			}
		}
		return true
	}
	if !reset(name + ":0") {
		return
	}
	for n, raw := range strings.Split(string(data), "\n") {
		where := fmt.Sprintf("%s:%d", name, n+1)
		text := strings.TrimSpace(raw)
		ok := true
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		case text == "@reset":
			ok = reset(where)
		case text == "@resp 2" || text == "@resp 3":
			ok = send(where, text, [][]byte{[]byte("HELLO"), []byte(text[len(text)-1:])}, false)
		case strings.HasPrefix(text, "@"):
			t.Fatalf("%s: unknown directive %q", where, text)
		default:
			argv, balanced := resp.SplitArgs([]byte(text), nil)
			if !balanced || len(argv) == 0 {
				t.Fatalf("%s: cannot split %q", where, text)
			}
			ok = send(where, text, argv, true)
		}
		if !ok {
			return
		}
	}
}

// loadKnownDifferences reads testdata/scripting/known_differences.list:
// "file:line reason" lines.
func loadKnownDifferences(t *testing.T) map[string]string {
	known := map[string]string{}
	if os.Getenv("REDIS_SERVER_BIN") != "" { // real Redis under test: no differences
		return known
	}
	data, err := os.ReadFile(filepath.Join("testdata", "scripting", "known_differences.list"))
	if os.IsNotExist(err) {
		return known
	}
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where, reason, _ := strings.Cut(line, " ")
		known[where] = strings.TrimSpace(reason)
	}
	return known
}

// TestScriptOnStaleReplica runs functions on a replica whose master is gone
// with replica-serve-stale-data no, on ours and on real Redis: the
// allow-stale flag lets a script start, but a command inside it that is not
// itself allowed on a stale replica still fails, as in Redis's script.c.
func TestScriptOnStaleReplica(t *testing.T) {
	lib := "#!lua name=stale\n" +
		"redis.register_function{function_name='f1', callback=function() return 'hello' end, flags={'no-writes'}}\n" +
		"redis.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}\n" +
		"redis.register_function{function_name='f3', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}\n" +
		"redis.register_function{function_name='f4', callback=function() return redis.call('ping') end, flags={'allow-stale', 'no-writes'}}\n"
	replies := map[string][]string{}
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		ctx := context.Background()
		require.NoError(t, n.c.FunctionLoad(ctx, lib).Err())
		require.NoError(t, n.c.ConfigSet(ctx, "replica-serve-stale-data", "no").Err())
		require.NoError(t, n.c.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(freePort(t))).Err())
		var got []string
		for _, f := range []string{"f1", "f2", "f3", "f4"} {
			v, err := n.c.FCall(ctx, f, nil).Result()
			got = append(got, fmt.Sprint(v, " ", err))
		}
		eval, err := n.c.Eval(ctx, "return redis.call('get', 'x')", nil).Result()
		got = append(got, fmt.Sprint(eval, " ", err))
		replies[bin] = got
	}
	want := replies[tool(t, "redis-server")]
	require.Equal(t, "<nil> ERR Can not execute the command on a stale replica script: f3, on @user_function:4.", want[2])
	require.Equal(t, want, replies[""])
}

// TestExecDefersAndChecksState: EXEC on ours and on real Redis 7.0.
// BGSAVE and BGREWRITEAOF inside a transaction are scheduled for after it
// (and then run), and a transaction queued while the replica was fine is
// refused as a whole once it is stale.
func TestExecDefersAndChecksState(t *testing.T) {
	ctx := context.Background()
	replies := map[string][]string{}
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		var got []string
		multiReplies := func(cmds ...[]any) {
			pipe := n.c.TxPipeline()
			var rs []*redis.Cmd
			for _, c := range cmds {
				rs = append(rs, pipe.Do(ctx, c...))
			}
			_, err := pipe.Exec(ctx)
			for _, r := range rs {
				got = append(got, fmt.Sprint(r.Val()))
			}
			got = append(got, fmt.Sprint(err))
		}
		multiReplies([]any{"SET", "foo", "bar"}, []any{"BGSAVE"})
		waitFor(t, 20*time.Second, "the scheduled BGSAVE", func() (bool, string) {
			info := n.c.Info(ctx, "persistence").Val()
			return field(info, "rdb_changes_since_last_save") == "0" && field(info, "rdb_bgsave_in_progress") == "0", info
		})
		multiReplies([]any{"BGREWRITEAOF"})
		waitFor(t, 20*time.Second, "the scheduled BGREWRITEAOF", func() (bool, string) {
			info := n.c.Info(ctx, "persistence").Val()
			return field(info, "aof_rewrite_scheduled") == "0" && field(info, "aof_rewrite_in_progress") == "0" &&
				field(info, "aof_last_bgrewrite_status") == "ok", info
		})
		require.NoError(t, n.c.ConfigSet(ctx, "replica-serve-stale-data", "no").Err())
		other := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
		conn := n.c.Conn()
		require.NoError(t, conn.Do(ctx, "MULTI").Err())
		require.NoError(t, conn.Do(ctx, "GET", "foo").Err())
		require.NoError(t, other.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(freePort(t))).Err())
		_, err := conn.Do(ctx, "EXEC").Result()
		got = append(got, fmt.Sprint(err))
		require.NoError(t, other.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		conn.Close()
		other.Close()
		replies[bin] = got
	}
	want := replies[tool(t, "redis-server")]
	require.Equal(t, []string{"OK", "Background saving scheduled", "<nil>", "Background append only file rewriting scheduled", "<nil>",
		"EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."}, want)
	require.Equal(t, want, replies[""])
}

// TestMonitorShowsScriptsFirst: MONITOR shows EVAL, EVALSHA and FCALL
// before the commands their script runs, ours as real Redis.
func TestMonitorShowsScriptsFirst(t *testing.T) {
	ctx := context.Background()
	out := map[string][]string{}
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		require.NoError(t, n.c.FunctionLoad(ctx, "#!lua name=mon\nredis.register_function('f', function() return redis.call('set', 'foo', 'bar') end)").Err())
		mon := n.dial(t)
		_, err := mon.Write([]byte("MONITOR\r\n"))
		require.NoError(t, err)
		br := bufio.NewReader(mon)
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "+OK\r\n", line)
		sha := n.c.ScriptLoad(ctx, "return redis.call('get', KEYS[1])").Val()
		n.c.Eval(ctx, "redis.call('set', KEYS[1], ARGV[1])", []string{"foo"}, "bar")
		n.c.EvalSha(ctx, sha, []string{"foo"})
		n.c.FCall(ctx, "f", nil)
		n.c.Ping(ctx)
		var got []string
		mon.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			// +<time> [<db> <who>] "cmd" ...: the time and the client's
			// address differ between runs.
			_, rest, _ := strings.Cut(strings.TrimSpace(line), " [")
			_, rest, _ = strings.Cut(rest, " ")
			who, cmd, _ := strings.Cut(rest, "] ")
			if who != "lua" {
				who = "client"
			}
			got = append(got, who+" "+cmd)
			if cmd == `"ping"` {
				break
			}
		}
		out[bin] = got
	}
	want := out[tool(t, "redis-server")]
	require.Equal(t, `client "eval" "redis.call('set', KEYS[1], ARGV[1])" "1" "foo" "bar"`, want[1])
	require.Equal(t, want, out[""])
}

// TestSlowlogArgsLikeRedis: the slow log keeps commands as the client sent
// them (not as rewritten for the replicas), with secrets redacted, and a
// blocked command once it was served, ours as real Redis.
func TestSlowlogArgsLikeRedis(t *testing.T) {
	ctx := context.Background()
	out := map[string][]string{}
	closed := freePort(t) // MIGRATE's target: nobody listens
	for _, bin := range []string{"", tool(t, "redis-server")} {
		n := startNode(t, bin)
		c := n.c
		do := func(args ...any) { c.Do(ctx, args...) }
		do("SADD", "set", "a", "b", "c")
		do("CONFIG", "SET", "slowlog-log-slower-than", "0")
		do("SLOWLOG", "RESET")
		do("ACL", "SETUSER", "slowlog-user", ">secret", "+get")
		do("CONFIG", "SET", "masterauth", "")
		do("SPOP", "set", "10")
		do("SET", "A", "5")
		do("GETSET", "A", "6")
		do("INCRBYFLOAT", "A", "1.5")
		do("MIGRATE", "127.0.0.1", strconv.Itoa(closed), "key", "0", "1000", "AUTH", "pass")
		waiter := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
		done := make(chan struct{})
		go func() { waiter.BLPop(ctx, 0, "l"); close(done) }()
		waitFor(t, 5*time.Second, "BLPOP to block", func() (bool, string) {
			info := c.Info(ctx, "clients").Val()
			return field(info, "blocked_clients") == "1", info
		})
		do("LPUSH", "l", "x")
		<-done
		waiter.Close()
		entries, err := c.SlowLogGet(ctx, -1).Result()
		require.NoError(t, err)
		var got []string
		for i := len(entries) - 1; i >= 0; i-- {
			e := strings.Join(entries[i].Args, " ")
			if e != "info clients" && !strings.HasPrefix(e, "hello") { // the polls and connections
				got = append(got, e)
			}
		}
		out[bin] = got
	}
	want := out[tool(t, "redis-server")]
	require.Contains(t, want, "ACL SETUSER (redacted) (redacted) (redacted)")
	require.Equal(t, want, out[""])
}
