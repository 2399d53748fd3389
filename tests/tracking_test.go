package tests

// Client-side caching against real Redis: the same sessions of several raw
// connections run on our server and on redis-server, and every byte each
// connection receives (replies and invalidation pushes, in order) must be
// the same. After each command every connection sends a PING with a unique
// payload and reads up to its answer, so that what arrived before it is
// compared, at the same point of the session, without timing.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// trackingStep is one command of a session: the connection that sends it
// and its words; {idN} stands for connection N's client ID.
type trackingStep struct {
	conn int
	args string
}

type trackingSession struct {
	name  string
	conns int
	steps []trackingStep
	// randomKeys: which keys the table forgets is random, in Redis too;
	// their names are masked.
	randomKeys bool
}

var trackingSessions = []trackingSession{
	{"default mode", 2, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT TRACKING on"}, {0, "GET a"}, {0, "MGET b c"},
		{1, "SET a 1"}, {1, "SET a 2"}, {1, "MSET b 1 c 2"}, {0, "GET a"}, {0, "SET a 3"},
		{0, "CLIENT TRACKINGINFO"}, {0, "CLIENT GETREDIR"}, {1, "CLIENT GETREDIR"},
		{0, "GET x"}, {1, "MULTI"}, {1, "SET x 1"}, {1, "DEL x"}, {1, "EXEC"},
		{0, "GET y"}, {0, "MULTI"}, {0, "SET y 1"}, {0, "GET y"}, {0, "EXEC"},
		{0, "GET e"}, {1, "SET e v PX 1"}, {0, "GET z"}, {1, "DEBUG SLEEP 0.01"}, {1, "GET e"},
		{0, "HGETALL h"}, {1, "HSET h f v"}, {0, "GET k1"}, {0, "GET k2"}, {1, "FLUSHDB"},
		{0, "GET k1"}, {0, "FLUSHALL"}, {0, "INFO stats"},
		{0, "CLIENT TRACKING off"}, {0, "GET a"}, {1, "SET a 4"}, {0, "CLIENT TRACKINGINFO"},
	}, false},
	{"noloop", 2, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT TRACKING on NOLOOP"}, {0, "GET a"}, {0, "SET a 1"},
		{0, "GET a"}, {1, "SET a 2"}, {0, "CLIENT TRACKINGINFO"},
	}, false},
	{"optin and optout", 2, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT CACHING yes"}, {0, "CLIENT TRACKING on OPTIN"},
		{0, "CLIENT CACHING no"}, {0, "CLIENT CACHING maybe"}, {0, "GET a"}, {1, "SET a 1"},
		{0, "CLIENT CACHING yes"}, {0, "CLIENT TRACKINGINFO"}, {0, "GET b"}, {0, "GET c"},
		{1, "SET b 1"}, {1, "SET c 1"}, {0, "CLIENT CACHING yes"}, {0, "GETX d"}, {0, "GET d"},
		{1, "SET d 1"}, {0, "CLIENT CACHING yes"}, {0, "MULTI"}, {0, "GET e"}, {0, "GET f"}, {0, "EXEC"},
		{1, "MSET e 1 f 1"}, {0, "CLIENT TRACKING on OPTOUT"}, {0, "CLIENT TRACKING off"},
		{0, "CLIENT TRACKING on OPTOUT"}, {0, "GET g"}, {0, "CLIENT CACHING no"}, {0, "GET h"},
		{0, "CLIENT TRACKINGINFO"}, {0, "GET h"}, {1, "MSET g 1 h 1"},
	}, false},
	{"redirect to a RESP2 subscriber", 3, []trackingStep{
		{1, "SUBSCRIBE __redis__:invalidate"}, {0, "CLIENT TRACKING on REDIRECT {id1}"},
		{0, "CLIENT GETREDIR"}, {0, "GET a"}, {2, "SET a 1"}, {0, "CLIENT LIST ID {id0}"},
		{2, "CLIENT TRACKING on REDIRECT {id1} REDIRECT {id1}"}, {2, "CLIENT TRACKING on REDIRECT 999999"},
		{2, "CLIENT TRACKING on REDIRECT x"}, {2, "HELLO 3"}, {2, "CLIENT TRACKING on REDIRECT {id0}"},
		{2, "GET b"}, {0, "SET b 1"}, {0, "FLUSHALL"},
	}, false},
	{"broken redirect", 3, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT TRACKING on REDIRECT {id1}"}, {0, "GET a"}, {1, "QUIT"},
		{2, "SET a 1"}, {0, "CLIENT TRACKINGINFO"}, {0, "CLIENT LIST ID {id0}"},
	}, false},
	{"bcast", 3, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT TRACKING on PREFIX a"}, {0, "CLIENT TRACKING on BCAST OPTIN"},
		{0, "CLIENT TRACKING on BCAST PREFIX a PREFIX ab"}, {0, "CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:"},
		{0, "CLIENT TRACKING on BCAST PREFIX us"}, {0, "CLIENT TRACKING on BCAST PREFIX other"},
		{0, "CLIENT TRACKING on"}, {0, "CLIENT TRACKINGINFO"}, {1, "MSET user:1 a obj:2 b zz c other:1 d"},
		{1, "SET user:3 x"}, {1, "MULTI"}, {1, "SET user:2 x"}, {1, "SET obj:1 y"}, {1, "DEL user:3"}, {1, "EXEC"},
		{2, "HELLO 3"}, {2, "CLIENT TRACKING on BCAST NOLOOP"}, {2, "SET mine 1"}, {1, "SET theirs 1"},
		{2, "MSET mine 2 theirs 2"}, {0, "INFO stats"}, {0, "CLIENT LIST ID {id0}"},
		{0, "CLIENT TRACKING off"}, {1, "SET user:1 z"}, {0, "INFO stats"},
	}, false},
	{"scripts", 2, []trackingStep{
		{0, "HELLO 3"}, {0, "CLIENT TRACKING on"}, {0, "EVAL \"return redis.call('get', KEYS[1])\" 1 s1"},
		{0, "EVAL_RO \"return redis.call('get', KEYS[1])\" 1 s2"}, {1, "MSET s1 1 s2 2"},
		{0, "EVAL \"redis.call('get', 's3'); return redis.call('set', 's3', 1)\" 1 s3"},
	}, false},
	{"table limit", 2, []trackingStep{
		{1, "CONFIG SET tracking-table-max-keys 2"}, {0, "HELLO 3"}, {0, "CLIENT TRACKING on"},
		{0, "GET a"}, {0, "PING"}, {0, "INFO stats"}, {0, "MGET b c d"}, {0, "PING"}, {0, "INFO stats"},
		{1, "CONFIG SET tracking-table-max-keys 0"},
	}, true},
}

func TestTrackingLikeRedis(t *testing.T) {
	t.Parallel() // mostly waiting (see doc.go)
	redisBin := tool(t, "redis-server")
	for _, sess := range trackingSessions {
		t.Run(sess.name, func(t *testing.T) {
			want := runTrackingSession(t, startNode(t, redisBin).Port, sess)
			got := runTrackingSession(t, startNode(t, "").Port, sess)
			for i := range want {
				require.Equal(t, want[i], got[i], "step %d: %d %s", i, sess.steps[i].conn, sess.steps[i].args)
			}
		})
	}
}

// runTrackingSession returns, for each step, what every connection
// received, client IDs replaced by {idN}.
func runTrackingSession(t *testing.T, port int, sess trackingSession) []string {
	type conn struct {
		c      net.Conn
		r      *bufio.Reader
		id     string
		resp3  bool
		subbed bool
		closed bool
		multi  bool // between MULTI and EXEC: replies are one line
	}
	conns := make([]*conn, sess.conns)
	for i := range conns {
		c, err := net.Dial("tcp", addr(port))
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		conns[i] = &conn{c: c, r: bufio.NewReader(c)}
		fmt.Fprint(c, "CLIENT ID\r\n")
		line, err := conns[i].r.ReadString('\n')
		require.NoError(t, err)
		conns[i].id = strings.TrimSpace(strings.TrimPrefix(line, ":"))
	}
	// Client IDs differ between the servers: they are named where they
	// show (CLIENT LIST, HELLO, GETREDIR, TRACKINGINFO, the broken
	// redirection push).
	norm := func(s, args string) string {
		for i, c := range conns {
			name := fmt.Sprintf("{id%d}", i)
			s = strings.ReplaceAll(s, "id="+c.id+" ", "id="+name+" ")
			s = strings.ReplaceAll(s, "redir="+c.id+" ", "redir="+name+" ")
			s = strings.ReplaceAll(s, "$2\r\nid\r\n:"+c.id+"\r\n", "$2\r\nid\r\n:"+name+"\r\n")
			s = strings.ReplaceAll(s, "tracking-redir-broken\r\n:"+c.id+"\r\n", "tracking-redir-broken\r\n:"+name+"\r\n")
			s = strings.ReplaceAll(s, "$8\r\nredirect\r\n:"+c.id+"\r\n", "$8\r\nredirect\r\n:"+name+"\r\n")
			if strings.HasSuffix(args, "GETREDIR") {
				s = strings.ReplaceAll(s, ":"+c.id+"\r\n", ":"+name+"\r\n")
			}
		}
		return s
	}
	var out []string
	for n, st := range sess.steps {
		args := st.args
		for i, c := range conns {
			args = strings.ReplaceAll(args, fmt.Sprintf("{id%d}", i), c.id)
		}
		c := conns[st.conn]
		fmt.Fprint(c.c, encodeInline(args))
		switch {
		case strings.HasPrefix(args, "HELLO 3"):
			c.resp3 = true
		case strings.HasPrefix(args, "SUBSCRIBE"):
			c.subbed = true
		case args == "QUIT":
			c.closed = true
		}
		var got strings.Builder
		if c.multi || args == "MULTI" { // queued: a one-line reply, no barrier
			c.multi = true
			line, err := c.r.ReadString('\n')
			require.NoError(t, err)
			got.WriteString(fmt.Sprintf("[%d] %s", st.conn, line))
		}
		if args == "EXEC" || args == "DISCARD" {
			c.multi = false
		}
		// The sender first: once it has its reply, the server has sent
		// everything the command caused (BCAST's messages go out before
		// the replies of the same loop iteration).
		order := []int{st.conn}
		for i := range conns {
			if i != st.conn {
				order = append(order, i)
			}
		}
		parts := make([]string, len(conns))
		for _, i := range order {
			x := conns[i]
			if x.closed || x.multi {
				continue
			}
			parts[i] = fmt.Sprintf("[%d] ", i) + norm(readToBarrier(t, x.c, x.r, fmt.Sprint("b", n, "-", i), x.resp3, x.subbed), args)
		}
		got.WriteString(strings.Join(parts, ""))
		res := maskTrackingInfo(got.String())
		if sess.randomKeys {
			res = invalidatedKey.ReplaceAllString(res, "invalidate\r\n*1\r\n$1\r\n?\r\n")
		}
		out = append(out, res)
	}
	return out
}

// encodeInline turns words (double quotes group) into a RESP command.
func encodeInline(s string) string {
	var words []string
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, "\"") {
			end := strings.Index(s[1:], "\"") + 1
			words = append(words, s[1:end])
			s = s[end+1:]
			continue
		}
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		words = append(words, s[:end])
		s = s[end:]
	}
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(words)) + "\r\n")
	for _, w := range words {
		b.WriteString("$" + strconv.Itoa(len(w)) + "\r\n" + w + "\r\n")
	}
	return b.String()
}

// readToBarrier sends PING payload and returns all that arrives before its
// answer.
func readToBarrier(t *testing.T, c net.Conn, r *bufio.Reader, payload string, resp3, subbed bool) string {
	t.Helper()
	fmt.Fprintf(c, "*2\r\n$4\r\nPING\r\n$%d\r\n%s\r\n", len(payload), payload)
	end := fmt.Sprintf("$%d\r\n%s\r\n", len(payload), payload)
	if subbed && !resp3 {
		end = fmt.Sprintf("*2\r\n$4\r\npong\r\n$%d\r\n%s\r\n", len(payload), payload)
	}
	var buf bytes.Buffer
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for !bytes.HasSuffix(buf.Bytes(), []byte(end)) {
		b, err := r.ReadByte()
		require.NoError(t, err, "waiting for %q after %q", end, buf.String())
		buf.WriteByte(b)
	}
	return strings.TrimSuffix(buf.String(), end)
}

// maskTrackingInfo keeps, of an INFO stats reply, the tracking fields, and
// of CLIENT LIST the fields tracking sets.
func maskTrackingInfo(s string) string {
	if i := strings.Index(s, "# Stats"); i >= 0 {
		var keep []string
		for _, l := range strings.Split(s[i:], "\r\n") {
			if strings.HasPrefix(l, "tracking_") {
				keep = append(keep, l)
			}
		}
		return lengthMasked.ReplaceAllString(s[:i], "") + strings.Join(keep, " ")
	}
	if i := strings.Index(s, "id={id"); i >= 0 {
		var keep []string
		for _, f := range strings.Fields(s[i:]) {
			if strings.HasPrefix(f, "flags=") || strings.HasPrefix(f, "redir=") {
				keep = append(keep, f)
			}
		}
		return lengthMasked.ReplaceAllString(s[:i], "") + strings.Join(keep, " ")
	}
	return s
}

var invalidatedKey = regexp.MustCompile(`invalidate\r\n\*1\r\n\$1\r\n.\r\n`)

// lengthMasked is the header of a reply whose content is masked.
var lengthMasked = regexp.MustCompile(`[$=]\d+\r\n(txt:)?$`)
