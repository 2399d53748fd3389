package db

// Data-driven command tests. Each file in testdata/scripts holds commands
// and the exact replies real Redis 7.0 gives them:
//
//	# a comment
//	> SET k "hello world"
//	+OK
//	> LRANGE l 0 -1
//	*2
//	  "a"
//	  "b"
//
// A command line starts with ">" (or "name>" to send it from another client
// of that name). The reply below it is rendered by renderValue. A command
// whose reply comes later (a blocking one) is sent with "name>& CMD", which
// waits until the server has run it (it blocked or answered) but reads
// nothing; "name<" then reads what arrived for that client, waiting for it
// (running the cron meanwhile in-process, so timeouts fire). See
// blocking_test.go for these two runner methods. "name>! "..." sends the
// quoted bytes as they are, unframed (protocol errors); when the server
// closes the connection after its replies, "<connection closed>" follows
// them. Files are
// regenerated from a real redis-server with
//
//	go test ./db -run TestScripts -update
//
// which starts redis-server on a free port, runs every file against it
// and rewrites the expected replies. Replies must then be reviewed in the
// diff: they are the specification.

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/resp"
)

var update = flag.Bool("update", false, "regenerate testdata/scripts from a real redis-server")

type scriptStep struct {
	comments []string // the comment lines above the command
	client   string
	line     string
	argv     [][]byte
	want     []string
	lineNo   int
	mode     byte // 0; '&' send, reply read later; '<' read the replies that came; '!' raw bytes
}

type script struct {
	header []string // leading comments
	steps  []scriptStep
}

func parseScript(t *testing.T, path string) *script {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sc := &script{}
	var comments []string
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if name, mode, cmd, ok := cutModeLine(line); ok {
			argv, ok := resp.SplitArgs([]byte(cmd), nil)
			require.True(t, ok, "%s:%d: bad quoting", path, i+1)
			sc.steps = append(sc.steps, scriptStep{comments: comments, client: name, line: cmd, argv: argv, lineNo: i + 1, mode: mode})
			comments = nil
			continue
		}
		if name, ok := strings.CutSuffix(line, "<"); ok && isClientName(name) {
			sc.steps = append(sc.steps, scriptStep{comments: comments, client: name, lineNo: i + 1, mode: '<'})
			comments = nil
			continue
		}
		if name, cmd, ok := strings.Cut(line, "> "); ok && !strings.HasPrefix(line, " ") && !strings.ContainsAny(name, " \"") {
			argv, ok := resp.SplitArgs([]byte(cmd), nil)
			require.True(t, ok, "%s:%d: bad quoting", path, i+1)
			sc.steps = append(sc.steps, scriptStep{comments: comments, client: name, line: cmd, argv: argv, lineNo: i + 1})
			comments = nil
			continue
		}
		if len(sc.steps) == 0 {
			sc.header = append(sc.header, line)
			continue
		}
		// A comment line is kept with the next command; "#t" and "#f"
		// are RESP3 booleans.
		if strings.HasPrefix(line, "#") && line != "#t" && line != "#f" {
			comments = append(comments, line)
			continue
		}
		last := &sc.steps[len(sc.steps)-1]
		last.want = append(last.want, line)
	}
	return sc
}

// cutModeLine splits "name>& CMD" and "name>! BYTES".
func cutModeLine(line string) (name string, mode byte, cmd string, ok bool) {
	for _, mode := range []byte{'&', '!'} {
		if name, cmd, ok := strings.Cut(line, ">"+string(mode)+" "); ok && isClientName(name) {
			return name, mode, cmd, true
		}
	}
	return "", 0, "", false
}

func (sc *script) write(path string) error {
	var b strings.Builder
	for _, h := range sc.header {
		b.WriteString(h + "\n")
	}
	for _, st := range sc.steps {
		for _, c := range st.comments {
			b.WriteString(c + "\n")
		}
		switch st.mode {
		case '&', '!':
			b.WriteString(st.client + ">" + string(st.mode) + " " + st.line + "\n")
		case '<':
			b.WriteString(st.client + "<\n")
		default:
			b.WriteString(st.client + "> " + st.line + "\n")
		}
		for _, w := range st.want {
			b.WriteString(w + "\n")
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// renderValue prints a reply one element a line, nested elements indented.
func renderValue(v resp.Value, indent string, out []string) []string {
	var line string
	switch v.Type {
	case '+':
		line = "+" + string(v.Str)
	case '-':
		line = "-" + string(v.Str)
	case ':':
		line = ":" + strconv.FormatInt(v.Int, 10)
	case '$':
		if v.Null {
			line = "(nil)"
		} else {
			line = strconv.Quote(string(v.Str))
		}
	case '_':
		line = "_"
	case ',', '(':
		line = string(v.Type) + string(v.Str)
	case '#':
		line = "#f"
		if v.Int != 0 {
			line = "#t"
		}
	case '=':
		line = "=" + strconv.Quote(string(v.Str))
	case '*', '%', '~', '>':
		if v.Null {
			return append(out, indent+string(v.Type)+"-1")
		}
		n := len(v.Elems)
		if v.Type == '%' {
			n /= 2
		}
		out = append(out, indent+string(v.Type)+strconv.Itoa(n))
		for _, e := range v.Elems {
			out = renderValue(e, indent+"  ", out)
		}
		return out
	}
	return append(out, indent+line)
}

func encodeCommand(argv [][]byte) []byte {
	w := &resp.Writer{}
	w.ArrayLen(len(argv))
	for _, a := range argv {
		w.Bulk(a)
	}
	return w.Buf
}

// scriptRunner sends commands somewhere and returns the rendered replies.
type scriptRunner interface {
	do(client string, argv [][]byte) []string
	close()
}

// localRunner runs commands on an in-process executor.
type localRunner struct {
	srv     *Server
	clients map[string]*Client
}

type nopConn struct{}

func (nopConn) Close()        {}
func (nopConn) Outbound() int { return 0 }

func newLocalRunner(t *testing.T) *localRunner {
	cfg := config.New()
	// As the redis-server of newRedisRunner.
	require.NoError(t, cfg.LoadString("enable-debug-command yes\n"))
	return &localRunner{srv: NewServer(cfg), clients: map[string]*Client{}}
}

func (r *localRunner) client(name string) *Client {
	c := r.clients[name]
	if c == nil {
		c = r.srv.NewClient(nopConn{}, "127.0.0.1:"+strconv.Itoa(40000+len(r.clients)), "127.0.0.1:6379", 8+len(r.clients))
		r.clients[name] = c
	}
	return c
}

func (r *localRunner) do(name string, argv [][]byte) []string {
	c := r.client(name)
	if c.Flags&ClientCloseASAP != 0 { // closed by another client's command (ACL DELUSER)
		r.srv.FreeClient(c)
		delete(r.clients, name)
		return []string{"<connection closed>"}
	}
	r.srv.ProcessInput(c, encodeCommand(argv))
	// Replies pushed to other clients stay in their buffers until they
	// run a command: they are read from there, in order.
	rd := bufio.NewReader(bytes.NewReader(c.Buf))
	var out []string
	for rd.Buffered() > 0 || len(out) == 0 {
		v, err := resp.ReadReply(rd)
		if err != nil {
			break
		}
		out = renderValue(v, "", out)
	}
	c.Buf = c.Buf[:0]
	if len(out) == 0 {
		out = []string{"<no reply>"}
	}
	if c.Closing() {
		// As the loop does once the reply is flushed (QUIT).
		r.srv.FreeClient(c)
		delete(r.clients, name)
	}
	return out
}

func (r *localRunner) close() {}

// redisRunner runs commands on a real redis-server.
type redisRunner struct {
	cmd     *exec.Cmd
	port    int
	clients map[string]*bufio.ReadWriter
	conns   map[string]net.Conn
	// pushy marks the clients that may receive pushes (pub/sub messages)
	// at any time: after each of their commands the runner waits for
	// replies until the connection is quiet.
	pushy map[string]bool
	// silent marks the clients that turned replies off (CLIENT REPLY OFF):
	// a command may get no reply, so none is waited for.
	silent map[string]bool
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newRedisRunner(t *testing.T) *redisRunner {
	port := freePort(t)
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--enable-debug-command", "yes", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	r := &redisRunner{cmd: cmd, port: port, clients: map[string]*bufio.ReadWriter{},
		conns: map[string]net.Conn{}, pushy: map[string]bool{}, silent: map[string]bool{}}
	for i := 0; i < 50; i++ {
		if c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", port)); err == nil {
			c.Close()
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return nil
}

func (r *redisRunner) do(name string, argv [][]byte) []string {
	rw := r.clients[name]
	if rw == nil {
		c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", r.port))
		if err != nil {
			panic(err)
		}
		rw = bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c))
		r.clients[name] = rw
		r.conns[name] = c
	}
	switch strings.ToLower(string(argv[0])) {
	case "subscribe", "psubscribe", "ssubscribe", "monitor", "client", "hello":
		r.pushy[name] = true
	}
	if len(argv) == 3 && strings.EqualFold(string(argv[0]), "client") && strings.EqualFold(string(argv[1]), "reply") {
		r.silent[name] = !strings.EqualFold(string(argv[2]), "on")
	}
	rw.Write(encodeCommand(argv))
	rw.Flush()
	if r.silent[name] {
		return r.raw(name, nil)
	}
	var out []string
	v, err := resp.ReadReply(rw.Reader)
	if err != nil {
		return []string{"<connection closed>"}
	}
	out = renderValue(v, "", out)
	for rw.Reader.Buffered() > 0 {
		v, err := resp.ReadReply(rw.Reader)
		if err != nil {
			break
		}
		out = renderValue(v, "", out)
	}
	if r.pushy[name] {
		c := r.conns[name]
		for {
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			v, err := resp.ReadReply(rw.Reader)
			if err != nil {
				break
			}
			out = renderValue(v, "", out)
		}
		c.SetReadDeadline(time.Time{})
	}
	return out
}

func (r *redisRunner) close() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/scripts/*.txt")
	require.NoError(t, err)
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			sc := parseScript(t, path)
			if *update {
				r := newRedisRunner(t)
				defer r.close()
				for i := range sc.steps {
					sc.steps[i].want = runStep(r, sc.steps[i])
				}
				require.NoError(t, sc.write(path))
				return
			}
			r := newLocalRunner(t)
			for _, st := range sc.steps {
				got := runStep(r, st)
				require.Equal(t, strings.Join(st.want, "\n"), strings.Join(got, "\n"),
					"%s:%d: %s> %s", path, st.lineNo, st.client, st.line)
				require.NoError(t, r.srv.checkMemory(), "%s:%d: %s> %s", path, st.lineNo, st.client, st.line)
			}
		})
	}
}
