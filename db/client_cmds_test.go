package db

// Tests of the connection and CLIENT commands whose replies vary per run
// (ids, addresses, ages, timestamps) or need server settings, through the
// in-process runner. The fixed replies are in testdata/scripts.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
)

// connDo runs one command from client name and returns the raw reply bytes.
func connDo(r *localRunner, name string, args ...string) string {
	c := r.client(name)
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	r.srv.ProcessInput(c, encodeCommand(argv))
	out := string(c.Buf)
	c.Buf = c.Buf[:0]
	return out
}

// bulkBody returns the payload of a bulk or verbatim string reply.
func bulkBody(t *testing.T, reply string) string {
	t.Helper()
	_, body, ok := strings.Cut(reply, "\r\n")
	require.True(t, ok, "reply %q", reply)
	body = strings.TrimSuffix(body, "\r\n")
	if reply[0] == '=' {
		body = strings.TrimPrefix(body, "txt:")
	}
	return body
}

// clientLineRE is a CLIENT LIST line of Redis 7.0.15, field for field.
var clientLineRE = regexp.MustCompile(`^id=(\d+) addr=(\S+) laddr=(\S+) fd=(-?\d+) name=(\S*) age=(\d+) idle=(\d+) flags=([A-Za-z]+) db=(\d+) sub=(\d+) psub=(\d+) ssub=(\d+) multi=(-?\d+) qbuf=(\d+) qbuf-free=(\d+) argv-mem=(\d+) multi-mem=(\d+) rbs=(\d+) rbp=(\d+) obl=(\d+) oll=(\d+) omem=(\d+) tot-mem=(\d+) events=(r|rw|w|) cmd=(\S+) user=(\S+) redir=(-?\d+) resp=([23])$`)

// clientFields parses the lines of a CLIENT LIST reply into field maps.
func clientFields(t *testing.T, list string) []map[string]string {
	t.Helper()
	require.True(t, strings.HasSuffix(list, "\n"), "list %q", list)
	var out []map[string]string
	for _, line := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
		require.Regexp(t, clientLineRE, line)
		f := map[string]string{}
		for _, kv := range strings.Split(line, " ") {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		out = append(out, f)
	}
	return out
}

func TestClientListFormat(t *testing.T) {
	r := newLocalRunner(t)
	require.Equal(t, "+OK\r\n", connDo(r, "a", "CLIENT", "SETNAME", "alpha"))
	connDo(r, "b", "SELECT", "3")
	require.Equal(t, "+OK\r\n", connDo(r, "b", "CLIENT", "NO-EVICT", "on"))

	list := clientFields(t, bulkBody(t, connDo(r, "a", "CLIENT", "LIST")))
	require.Len(t, list, 2)
	a, b := list[0], list[1]
	require.Equal(t, "alpha", a["name"])
	require.Equal(t, "127.0.0.1:40000", a["addr"])
	require.Equal(t, "127.0.0.1:6379", a["laddr"])
	require.Equal(t, "N", a["flags"])
	require.Equal(t, "client|list", a["cmd"])
	require.Equal(t, "10", a["argv-mem"]) // "client" + "list", as Redis
	require.Equal(t, "-1", a["multi"])
	require.Equal(t, "default", a["user"])
	require.Equal(t, "2", a["resp"])
	require.Equal(t, "", b["name"])
	require.Equal(t, "e", b["flags"])
	require.Equal(t, "3", b["db"])
	require.Equal(t, "client|no-evict", b["cmd"])
	require.Equal(t, "0", b["argv-mem"])

	// CLIENT INFO is the caller's line; RESP3 makes it a verbatim string.
	info := connDo(r, "b", "CLIENT", "INFO")
	require.True(t, strings.HasPrefix(info, "$"), info)
	f := clientFields(t, bulkBody(t, info))[0]
	require.Equal(t, b["id"], f["id"])
	require.Equal(t, "client|info", f["cmd"])
	connDo(r, "b", "HELLO", "3")
	info = connDo(r, "b", "CLIENT", "INFO")
	require.True(t, strings.HasPrefix(info, "="), info)
	require.Equal(t, "3", clientFields(t, bulkBody(t, info))[0]["resp"])

	// Flags and counters of a transaction whose WATCHed key changed:
	// multi-mem counts the queued arguments plus a pointer each.
	connDo(r, "a", "WATCH", "x")
	connDo(r, "a", "MULTI")
	connDo(r, "a", "SET", "x", "yy")
	connDo(r, "a", "GET", "abc")
	connDo(r, "w", "SET", "x", "1")
	f = clientFields(t, bulkBody(t, connDo(r, "b", "CLIENT", "LIST", "ID", a["id"])))[0]
	require.Equal(t, "xd", f["flags"])
	require.Equal(t, "2", f["multi"])
	require.Equal(t, "52", f["multi-mem"])
	require.Equal(t, "get", f["cmd"])

	// Unknown commands leave cmd=NULL, as Redis's lastcmd.
	connDo(r, "c", "NOSUCHCOMMAND")
	f = clientFields(t, bulkBody(t, connDo(r, "b", "CLIENT", "LIST", "ID", r.client("c").itoaID())))[0]
	require.Equal(t, "NULL", f["cmd"])

	// TYPE and ID filters; IDs are listed in the order asked.
	connDo(r, "sub", "SUBSCRIBE", "ch")
	pubsub := clientFields(t, bulkBody(t, connDo(r, "b", "CLIENT", "LIST", "TYPE", "pubsub")))
	require.Len(t, pubsub, 1)
	require.Equal(t, "P", pubsub[0]["flags"])
	require.Equal(t, "1", pubsub[0]["sub"])
	normal := clientFields(t, bulkBody(t, connDo(r, "b", "CLIENT", "LIST", "TYPE", "normal")))
	require.Len(t, normal, 4) // a, b, c, w
	both := clientFields(t, bulkBody(t, connDo(r, "b", "CLIENT", "LIST", "ID", b["id"], a["id"], "12345")))
	require.Equal(t, []string{b["id"], a["id"]}, []string{both[0]["id"], both[1]["id"]})
}

func (c *Client) itoaID() string { return itoa(c.ID) }

func TestClientKill(t *testing.T) {
	r := newLocalRunner(t)
	killer, victim := r.client("killer"), r.client("victim")
	connDo(r, "victim", "PING")

	require.Equal(t, ":1\r\n", connDo(r, "killer", "CLIENT", "KILL", "ID", victim.itoaID()))
	require.True(t, victim.Closing())
	require.NotContains(t, r.srv.Clients(), victim)
	require.Equal(t, ":0\r\n", connDo(r, "killer", "CLIENT", "KILL", "ID", victim.itoaID()))

	// The old form matches the address and may kill the caller: it gets
	// its reply and is closed after it.
	other := r.client("other")
	require.Equal(t, "+OK\r\n", connDo(r, "killer", "CLIENT", "KILL", other.Addr))
	require.True(t, other.Closing())
	require.Equal(t, "+OK\r\n", connDo(r, "killer", "CLIENT", "KILL", killer.Addr))
	require.NotZero(t, killer.Flags&ClientCloseAfterReply)

	// Filters combine; SKIPME no includes the caller.
	r = newLocalRunner(t)
	me, x := r.client("me"), r.client("x")
	r.client("y")
	require.Equal(t, ":0\r\n", connDo(r, "me", "CLIENT", "KILL", "ADDR", x.Addr, "LADDR", "1.2.3.4:1"))
	require.Equal(t, ":1\r\n", connDo(r, "me", "CLIENT", "KILL", "ADDR", x.Addr, "LADDR", x.LAddr))
	require.Equal(t, ":2\r\n", connDo(r, "me", "CLIENT", "KILL", "USER", "default", "SKIPME", "no"))
	require.NotZero(t, me.Flags&ClientCloseAfterReply)
	require.Equal(t, 1, r.srv.ClientCount()) // the caller goes after its reply
}

func TestClientReply(t *testing.T) {
	r := newLocalRunner(t)
	require.Equal(t, "", connDo(r, "a", "CLIENT", "REPLY", "OFF"))
	require.Equal(t, "", connDo(r, "a", "SET", "k", "v"))
	require.Equal(t, "", connDo(r, "a", "NOSUCHCOMMAND"))
	require.Equal(t, "", connDo(r, "a", "GET"))
	require.Equal(t, "", connDo(r, "a", "CLIENT", "REPLY", "SKIP")) // no effect while OFF
	require.Equal(t, "+OK\r\n", connDo(r, "a", "CLIENT", "REPLY", "ON"))
	require.Equal(t, "$1\r\nv\r\n", connDo(r, "a", "GET", "k"))

	require.Equal(t, "", connDo(r, "a", "CLIENT", "REPLY", "SKIP"))
	require.Equal(t, "", connDo(r, "a", "PING"))
	require.Equal(t, "+PONG\r\n", connDo(r, "a", "PING"))
	// A rejected command uses up the SKIP as well.
	require.Equal(t, "", connDo(r, "a", "CLIENT", "REPLY", "SKIP"))
	require.Equal(t, "", connDo(r, "a", "NOSUCHCOMMAND"))
	require.Equal(t, "+PONG\r\n", connDo(r, "a", "PING"))
	// RESET turns replies back on and answers.
	connDo(r, "a", "CLIENT", "REPLY", "OFF")
	require.Equal(t, "+RESET\r\n", connDo(r, "a", "RESET"))
}

var helloRE = regexp.MustCompile(`^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:(\d+)\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n\$4\r\nrole\r\n\$6\r\nmaster\r\n\$7\r\nmodules\r\n\*0\r\n$`)

func TestHello(t *testing.T) {
	r := newLocalRunner(t)
	c := r.client("a")
	id := c.itoaID()
	want2 := "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:" + id +
		"\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
	require.Equal(t, want2, connDo(r, "a", "HELLO"))

	got := connDo(r, "a", "HELLO", "3", "SETNAME", "three")
	require.Regexp(t, helloRE, got)
	require.Equal(t, id, helloRE.FindStringSubmatch(got)[1])
	require.Equal(t, 3, c.Proto)
	require.Equal(t, "three", c.Name)
	// RESP3 framing from now on: null, map, double.
	require.Equal(t, "_\r\n", connDo(r, "a", "GET", "nosuch"))
	require.Equal(t, "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n",
		connDo(r, "a", "CLIENT", "TRACKINGINFO"))
	// HELLO without a version keeps the protocol.
	require.Regexp(t, helloRE, connDo(r, "a", "HELLO"))
	require.Equal(t, want2, connDo(r, "a", "HELLO", "2"))
	require.Equal(t, "$-1\r\n", connDo(r, "a", "GET", "nosuch"))

	r.srv.IsReplica = true
	require.Contains(t, connDo(r, "a", "HELLO"), "$4\r\nrole\r\n$7\r\nreplica\r\n")

	// RESET goes back to RESP2.
	connDo(r, "a", "HELLO", "3")
	require.Equal(t, "+RESET\r\n", connDo(r, "a", "RESET"))
	require.Equal(t, 2, c.Proto)
}

// setRequirePass changes requirepass as CONFIG SET does.
func setRequirePass(t *testing.T, r *localRunner, pass string) {
	t.Helper()
	require.NoError(t, r.srv.Config.Set([][2]string{{"requirepass", pass}}))
	require.NoError(t, r.srv.SettingsChanged())
}

func TestAuth(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "before", "PING")
	setRequirePass(t, r, "secret")

	const noauth = "-NOAUTH Authentication required.\r\n"
	const wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
	require.Equal(t, noauth, connDo(r, "a", "PING"))
	require.Equal(t, noauth, connDo(r, "a", "CLIENT", "ID"))
	require.Equal(t, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
		connDo(r, "a", "HELLO", "3"))
	require.Equal(t, wrongpass, connDo(r, "a", "AUTH", "bad"))
	require.Equal(t, wrongpass, connDo(r, "a", "AUTH", "default", "bad"))
	require.Equal(t, wrongpass, connDo(r, "a", "AUTH", "someone", "secret"))
	require.Equal(t, "+OK\r\n", connDo(r, "a", "AUTH", "secret"))
	require.Equal(t, "+PONG\r\n", connDo(r, "a", "PING"))

	// A client connected before the password was set stays authenticated.
	require.Equal(t, "+PONG\r\n", connDo(r, "before", "PING"))

	// HELLO AUTH authenticates and switches protocol at once.
	require.Equal(t, wrongpass, connDo(r, "b", "HELLO", "3", "AUTH", "default", "bad"))
	require.Regexp(t, helloRE, connDo(r, "b", "HELLO", "3", "AUTH", "default", "secret"))
	require.Equal(t, "+OK\r\n", connDo(r, "b", "AUTH", "default", "secret"))

	// Unauthenticated clients get Redis's protocol limits.
	c := r.client("c")
	big := "*11\r\n" + strings.Repeat("$1\r\nx\r\n", 11)
	r.srv.ProcessInput(c, []byte(big))
	require.Equal(t, "-ERR Protocol error: unauthenticated multibulk length\r\n", string(c.Buf))

	// RESET deauthenticates while a password is set.
	require.Equal(t, "+RESET\r\n", connDo(r, "a", "RESET"))
	require.Equal(t, noauth, connDo(r, "a", "PING"))

	// Without a password, unauthenticated clients may run commands, but
	// HELLO still wants them authenticated, and they need AUTH again once
	// a password is back. RESET under no password authenticates.
	setRequirePass(t, r, "")
	require.Equal(t, "+PONG\r\n", connDo(r, "a", "PING"))
	require.Contains(t, connDo(r, "a", "HELLO"), "-NOAUTH HELLO")
	require.Equal(t, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
		connDo(r, "a", "AUTH", "x"))
	connDo(r, "d", "PING") // connects without a password: authenticated
	setRequirePass(t, r, "secret")
	require.Equal(t, noauth, connDo(r, "a", "PING"))
	require.Equal(t, "+PONG\r\n", connDo(r, "d", "PING"))
	setRequirePass(t, r, "")
	require.Equal(t, "+RESET\r\n", connDo(r, "a", "RESET"))
	setRequirePass(t, r, "secret")
	require.Equal(t, "+PONG\r\n", connDo(r, "a", "PING"))
}

var monitorLineRE = regexp.MustCompile(`^\+\d{10}\.\d{6} \[(\d+) ([^\]]+)\] (.*)$`)

// monitorLines returns what the monitor received, as "[db addr] args".
func monitorLines(t *testing.T, m *Client) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(m.Buf), "\r\n"), "\r\n") {
		if l == "" {
			continue
		}
		sm := monitorLineRE.FindStringSubmatch(l)
		require.NotNil(t, sm, "monitor line %q", l)
		out = append(out, "["+sm[1]+" "+sm[2]+"] "+sm[3])
	}
	m.Buf = m.Buf[:0]
	return out
}

func TestMonitor(t *testing.T) {
	r := newLocalRunner(t)
	m := r.client("m")
	require.Equal(t, "+OK\r\n", connDo(r, "m", "MONITOR"))
	require.Equal(t, "", connDo(r, "m", "MONITOR")) // no reply when already monitoring
	a := r.client("a")
	addr := a.Addr

	connDo(r, "a", "set", "k", "v\n\x01\"")
	connDo(r, "a", "select", "2")
	connDo(r, "a", "auth", "pw")
	connDo(r, "a", "auth", "u", "pw")
	connDo(r, "a", "auth", "a", "b", "c")
	connDo(r, "a", "hello", "2", "AUTH", "default", "pw", "SETNAME", "n")
	connDo(r, "a", "CLIENT", "LIST")             // admin: hidden
	connDo(r, "a", "NOSUCHCOMMAND")              // rejected: hidden
	connDo(r, "a", "get")                        // rejected: hidden
	connDo(r, "a", "set", "t", "1", "ex", "100") // shown as sent, not as propagated
	require.Equal(t, []string{
		"[0 " + addr + `] "set" "k" "v\n\x01\""`,
		"[2 " + addr + `] "select" "2"`,
		"[2 " + addr + `] "auth" "(redacted)"`,
		"[2 " + addr + `] "auth" "(redacted)" "(redacted)"`,
		"[2 " + addr + `] "auth" "a" "b" "c"`,
		"[2 " + addr + `] "hello" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n"`,
		"[2 " + addr + `] "set" "t" "1" "ex" "100"`,
	}, monitorLines(t, m))

	// The monitor sees its own commands after their reply.
	out := connDo(r, "m", "ping")
	require.True(t, strings.HasPrefix(out, "+PONG\r\n"), out)
	m.Buf = append(m.Buf, out[7:]...)
	require.Equal(t, []string{"[0 " + m.Addr + `] "ping"`}, monitorLines(t, m))

	f := clientFields(t, bulkBody(t, connDo(r, "a", "CLIENT", "LIST", "ID", m.itoaID())))[0]
	require.Equal(t, "O", f["flags"])

	// RESET and closing stop the stream.
	require.Equal(t, "+RESET\r\n", connDo(r, "m", "RESET"))
	connDo(r, "a", "PING")
	require.Empty(t, m.Buf)
	connDo(r, "m", "MONITOR")
	r.srv.FreeClient(m)
	require.Empty(t, r.srv.monitors)
}

func TestClientPause(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "w", "SET", "k", "v")
	require.Equal(t, "+OK\r\n", connDo(r, "p", "CLIENT", "PAUSE", "100000", "WRITE"))

	// PAUSE WRITE: reads go on, a write waits and so does what follows it.
	require.Equal(t, "$1\r\nv\r\n", connDo(r, "w", "GET", "k"))
	w := r.client("w")
	r.srv.ProcessInput(w, append(encodeCommand([][]byte{[]byte("SET"), []byte("k"), []byte("v2")}),
		encodeCommand([][]byte{[]byte("GET"), []byte("k")})...))
	require.Empty(t, w.Buf)
	require.True(t, r.srv.pausedFor(w))
	f := clientFields(t, bulkBody(t, connDo(r, "p", "CLIENT", "LIST", "ID", w.itoaID())))[0]
	require.Equal(t, "b", f["flags"])
	require.Equal(t, "set", f["cmd"])
	require.Contains(t, bulkBody(t, connDo(r, "p", "INFO", "clients")), "blocked_clients:1\r\n")
	require.Equal(t, "$1\r\nv\r\n", connDo(r, "x", "GET", "k"))
	// PUBLISH may replicate: it waits too. EXEC of reads does not.
	require.Equal(t, "", connDo(r, "pub", "PUBLISH", "ch", "m"))
	connDo(r, "tx", "MULTI")
	connDo(r, "tx", "GET", "k")
	require.Equal(t, "*1\r\n$1\r\nv\r\n", connDo(r, "tx", "EXEC"))

	// UNPAUSE ends the pause; the held-back commands run from the loop,
	// in order, after the current batch.
	require.Equal(t, "+OK\r\n", connDo(r, "p", "CLIENT", "UNPAUSE"))
	require.Empty(t, w.Buf)
	r.srv.TakePending()
	require.Equal(t, "+OK\r\n$2\r\nv2\r\n", string(w.Buf))
	require.Equal(t, ":0\r\n", string(r.client("pub").Buf))
	require.False(t, r.srv.pausedFor(w))

	// PAUSE ALL holds every command, the pausing client's too, until the
	// cron sees the time is up.
	w.Buf = w.Buf[:0]
	require.Equal(t, "+OK\r\n", connDo(r, "p", "CLIENT", "PAUSE", "30", "ALL"))
	require.Equal(t, "", connDo(r, "w", "GET", "k"))
	require.Equal(t, "", connDo(r, "p", "PING"))
	r.srv.Cron()
	r.srv.TakePending()
	require.Empty(t, w.Buf)
	time.Sleep(40 * time.Millisecond)
	r.srv.Cron()
	r.srv.TakePending()
	require.Equal(t, "$2\r\nv2\r\n", string(w.Buf))
	require.Equal(t, "+PONG\r\n", string(r.client("p").Buf))

	// Pauses combine: the longer end and the stricter mode win.
	s := r.srv
	s.pauseClients(time.Now().Add(time.Hour), true)
	s.pauseClients(time.Now().Add(time.Minute), false)
	require.False(t, s.pauseWrite)
	require.True(t, s.pauseUntil.After(time.Now().Add(59*time.Minute)))
	s.unpause()
	s.pauseClients(time.Now(), false) // already over: no pause
	require.False(t, s.ClientsPaused())
}

func TestIdleTimeout(t *testing.T) {
	r := newLocalRunner(t)
	require.NoError(t, r.srv.Config.Set([][2]string{{"timeout", "10"}}))
	idle, fresh, sub, mon := r.client("idle"), r.client("fresh"), r.client("sub"), r.client("mon")
	connDo(r, "sub", "SUBSCRIBE", "ch")
	connDo(r, "mon", "MONITOR")
	past := time.Now().Add(-20 * time.Second)
	for _, c := range []*Client{idle, sub, mon} {
		c.LastActive = past
	}
	r.srv.Cron()
	require.True(t, idle.Closing())
	require.NotContains(t, r.srv.Clients(), idle)
	for _, c := range []*Client{fresh, sub, mon} {
		require.False(t, c.Closing())
	}

	require.NoError(t, r.srv.Config.Set([][2]string{{"timeout", "0"}}))
	fresh.LastActive = past
	r.srv.Cron()
	require.False(t, fresh.Closing())
}

func TestRedactArgv(t *testing.T) {
	split := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte(f))
		}
		return out
	}
	join := func(argv [][]byte) string {
		var out []string
		for _, a := range argv {
			out = append(out, string(a))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ cmd, in, want string }{
		{"auth", "AUTH pw", "AUTH (redacted)"},
		{"hello", "HELLO 3 SETNAME n AUTH u p", "HELLO 3 SETNAME n AUTH (redacted) (redacted)"},
		{"hello", "HELLO 4 AUTH u p", "HELLO 4 AUTH u p"},
		{"hello", "HELLO 3 AUTH u", "HELLO 3 AUTH u"},
		{"migrate", "MIGRATE h 1 k 0 10 COPY AUTH pw", "MIGRATE h 1 k 0 10 COPY AUTH (redacted)"},
		{"migrate", `MIGRATE h 1 "" 0 10 AUTH2 u p KEYS a AUTH b`, `MIGRATE h 1 "" 0 10 AUTH2 (redacted) (redacted) KEYS a AUTH b`},
		{"get", "GET auth", "GET auth"},
	} {
		in := split(tc.in)
		require.Equal(t, tc.want, join(redactArgv(&Command{Name: tc.cmd}, in)), tc.in)
		require.Equal(t, tc.in, join(in), "input left as is")
	}
}

func TestUnixSocketClient(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("unixsocket /tmp/redis-test.sock\n"))
	r := &localRunner{srv: NewServer(cfg), clients: map[string]*Client{}}
	u := r.srv.NewClient(nopConn{}, "@:0", "/tmp/redis-test.sock:0", 9)
	r.clients["u"] = u
	connDo(r, "m", "MONITOR")

	f := clientFields(t, bulkBody(t, connDo(r, "u", "CLIENT", "INFO")))[0]
	require.Equal(t, "/tmp/redis-test.sock:0", f["addr"])
	require.Equal(t, "/tmp/redis-test.sock:0", f["laddr"])
	require.Equal(t, "U", f["flags"])
	require.Equal(t, []string{`[0 unix:/tmp/redis-test.sock] "CLIENT" "INFO"`}, monitorLines(t, r.client("m")))
	require.Equal(t, ":1\r\n", connDo(r, "m", "CLIENT", "KILL", "ADDR", "/tmp/redis-test.sock:0"))
}

// TestPauseKeepsExpiredKeys checks that during CLIENT PAUSE (WRITE here)
// an expired key reads as gone but is not deleted, by a read or by the
// active cycle, and goes once the pause ends, as Redis 7.0.
func TestPauseKeepsExpiredKeys(t *testing.T) {
	r := newLocalRunner(t)
	connDo(r, "a", "SET", "k", "v", "PX", "1")
	require.Equal(t, "+OK\r\n", connDo(r, "p", "CLIENT", "PAUSE", "100000", "WRITE"))
	time.Sleep(5 * time.Millisecond)
	require.Equal(t, "$-1\r\n", connDo(r, "a", "GET", "k"))
	r.srv.activeExpireCycle(time.Now())
	require.Equal(t, 1, r.srv.DBs[0].keys.Len())
	require.Zero(t, r.srv.Stats.ExpiredKeys)

	require.Equal(t, "+OK\r\n", connDo(r, "p", "CLIENT", "UNPAUSE"))
	require.Equal(t, "$-1\r\n", connDo(r, "a", "GET", "k"))
	require.Zero(t, r.srv.DBs[0].keys.Len())
	require.Equal(t, int64(1), r.srv.Stats.ExpiredKeys)
}
