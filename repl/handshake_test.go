package repl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

func TestMain(m *testing.M) {
	logger.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// A fake master on a listener plays a script against the link's handshake
// and transfer, which run exactly as they do against a real master.

// fakeMaster is one scripted master connection.
type fakeMaster struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
	ln net.Listener // for the RDB channel of a dual-channel sync
}

// expect reads the next command and checks it.
func (m *fakeMaster) expect(want ...string) {
	m.t.Helper()
	require.Equal(m.t, want, m.command())
}

// command reads one RESP multibulk command.
func (m *fakeMaster) command() []string {
	m.t.Helper()
	line := m.line()
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line) // inline (SYNC)
	}
	n, err := strconv.Atoi(line[1:])
	require.NoError(m.t, err)
	args := make([]string, n)
	for i := range args {
		size, err := strconv.Atoi(m.line()[1:])
		require.NoError(m.t, err)
		b := make([]byte, size+2)
		_, err = io.ReadFull(m.br, b)
		require.NoError(m.t, err)
		args[i] = string(b[:size])
	}
	return args
}

func (m *fakeMaster) line() string {
	m.t.Helper()
	l, err := m.br.ReadString('\n')
	require.NoError(m.t, err)
	return strings.TrimRight(l, "\r\n")
}

// send writes s in pieces of at most chunk bytes, pausing between them,
// so that the replica reads it in as many reads.
func (m *fakeMaster) send(s string, chunk int) {
	for len(s) > 0 {
		n := min(chunk, len(s))
		_, err := m.c.Write([]byte(s[:n]))
		if err != nil {
			return
		}
		s = s[n:]
		if len(s) > 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// handshake answers PING, the REPLCONFs (and AUTH if auth is set) with
// +OK, and returns the PSYNC command.
func (m *fakeMaster) handshake(auth ...string) []string {
	m.expect("PING")
	m.send("+PONG\r\n", 100)
	if len(auth) > 0 {
		m.expect(append([]string{"AUTH"}, auth...)...)
	}
	m.expect("REPLCONF", "listening-port", "6380")
	m.expect("REPLCONF", "capa", "eof", "capa", "psync2")
	replies := "+OK\r\n+OK\r\n"
	if len(auth) > 0 {
		replies += "+OK\r\n"
	}
	m.send(replies, 100)
	return m.command()
}

// runAttempt starts a fake master playing script, and runs an attempt
// against it in a temp working directory.
func runAttempt(t *testing.T, p linkParams, script func(m *fakeMaster)) (*attempt, *syncResult, *syncError) {
	return runAttemptWith(t, p, nil, script)
}

// runAttemptWith is runAttempt with ld as the loop's side of the load.
func runAttemptWith(t *testing.T, p linkParams, ld loader, script func(m *fakeMaster)) (*attempt, *syncResult, *syncError) {
	t.Chdir(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		script(&fakeMaster{t: t, c: c, br: bufio.NewReader(c), ln: ln})
	}()
	p.host, p.port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	p.listenPort = 6380
	if p.timeout == 0 {
		p.timeout = 5 * time.Second
	}
	a := newAttempt(p)
	a.ld = ld
	nc, serr := a.dial()
	require.Nil(t, serr)
	defer nc.Close()
	res, serr := a.sync(nc)
	nc.Close()
	<-done
	return a, res, serr
}

func fileContent(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

const rdbBody = "REDIS0010\xfa\x09redis-ver\x067.0.15\xff\x00\x01\x02\x03\x04\x05\x06\x07"

func TestFullSyncWithLength(t *testing.T) {
	stream := "*1\r\n$4\r\nPING\r\n"
	a, res, serr := runAttempt(t, linkParams{}, func(m *fakeMaster) {
		require.Equal(t, []string{"PSYNC", "?", "-1"}, m.handshake())
		// Newlines keep the link alive while the master waits to fork.
		m.send("\n\n+FULLRESYNC 0123456789012345678901234567890123456789 1234\r\n", 7)
		m.send("\n\n$"+strconv.Itoa(len(rdbBody))+"\r\n"+rdbBody+stream, 3)
	})
	require.Nil(t, serr)
	require.Equal(t, syncFull, res.kind)
	require.Equal(t, "0123456789012345678901234567890123456789", res.replID)
	require.EqualValues(t, 1234, res.offset)
	require.False(t, res.eofMark)
	require.Equal(t, rdbBody, fileContent(t, res.tmpfile))
	require.True(t, strings.HasPrefix(res.tmpfile, "temp-") && strings.HasSuffix(res.tmpfile, ".rdb"))
	// What was read past the payload is the start of the stream.
	require.True(t, strings.HasPrefix(stream, string(res.leftover)), "%q", res.leftover)
	require.EqualValues(t, len(rdbBody), a.syncTotal.Load())
	require.EqualValues(t, len(rdbBody), a.syncRead.Load())
}

func TestFullSyncWithEOFMark(t *testing.T) {
	mark := strings.Repeat("m", 39) + "M"
	for _, chunk := range []int{1, 3, 39, 40, 41, 4096} {
		t.Run(strconv.Itoa(chunk), func(t *testing.T) {
			body := rdbBody + strings.Repeat("m", 45) // mark-like bytes before the mark
			a, res, serr := runAttempt(t, linkParams{}, func(m *fakeMaster) {
				m.handshake()
				m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n", 100)
				m.send("$EOF:"+mark+"\r\n"+body+mark, chunk)
			})
			require.Nil(t, serr)
			require.True(t, res.eofMark)
			require.Equal(t, body, fileContent(t, res.tmpfile))
			require.Empty(t, res.leftover)
			require.EqualValues(t, 0, a.syncTotal.Load())
			require.EqualValues(t, len(body), a.syncRead.Load())
		})
	}
}

// socketLoader is a loop that sends every payload to the parser.
type socketLoader struct{ srv *db.Server }

func (l socketLoader) beginPayload(*attempt, *syncResult, int64) (bool, *loadJob) {
	return true, &loadJob{load: l.srv.NewDetachedLoad(), progress: &db.LoadProgress{}, going: make(chan struct{})}
}
func (l socketLoader) prepareLoad(*attempt, *syncResult, int64) *loadJob            { return nil }
func (l socketLoader) startLoading(*attempt, *syncResult, int64, *loadJob) *loadJob { return nil }
func (l socketLoader) loadKnobs() (int64, int64)                                    { return 0, 1024 }

// rdbOf returns an RDB of two keys, one of them large enough to take
// several reads of the link.
func rdbOf(t *testing.T) string {
	srv := db.NewServer(config.New())
	srv.DBs[0].Add([]byte("k"), db.NewStringValue([]byte("v")))
	srv.DBs[0].Add([]byte("big"), db.NewStringValue(bytes.Repeat([]byte("0123456789"), 300)))
	sn := srv.Snapshot()
	defer sn.Release()
	var buf bytes.Buffer
	_, err := rdb.Write(&buf, sn, rdb.Options{Checksum: true})
	require.NoError(t, err)
	return buf.String()
}

// A payload loaded from the socket, in either form, stops where the RDB
// (and its EOF mark) ends: what follows is the stream. None goes to disk.
func TestLoadFromSocket(t *testing.T) {
	body := rdbOf(t)
	mark := strings.Repeat("m", 39) + "M"
	stream := "*1\r\n$4\r\nPING\r\n"
	for _, tc := range []struct {
		name, preamble, trailer string
		chunk                   int
	}{
		{"length", "$" + strconv.Itoa(len(body)) + "\r\n", "", 4096},
		{"mark", "$EOF:" + mark + "\r\n", mark, 4096},
		{"mark in small reads", "$EOF:" + mark + "\r\n", mark, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ld := socketLoader{db.NewServer(config.New())}
			a, res, serr := runAttemptWith(t, linkParams{}, ld, func(m *fakeMaster) {
				m.handshake()
				m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n", 100)
				m.send(tc.preamble+body+tc.trailer+stream, tc.chunk)
			})
			require.Nil(t, serr)
			require.Empty(t, res.tmpfile)
			require.NotNil(t, res.job)
			require.Equal(t, 2, res.job.info.Keys)
			require.Equal(t, 2, res.job.load.Keys())
			require.True(t, strings.HasPrefix(stream, string(res.leftover)), "%q", res.leftover)
			require.EqualValues(t, len(body)+len(tc.trailer), a.syncRead.Load())
			select {
			case <-res.job.going:
			default:
				t.Fatal("the loop was not released")
			}
		})
	}
}

// A transfer cut in the middle is a short read: the next attempt starts
// at once.
func TestLoadFromSocketCut(t *testing.T) {
	body := rdbOf(t)
	ld := socketLoader{db.NewServer(config.New())}
	_, res, serr := runAttemptWith(t, linkParams{}, ld, func(m *fakeMaster) {
		m.handshake()
		m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n", 100)
		m.send("$EOF:"+strings.Repeat("m", 40)+"\r\n"+body[:len(body)/2], 4096)
	})
	require.Nil(t, res)
	require.NotNil(t, serr)
	require.True(t, serr.now)
	require.Equal(t, "Short read or OOM loading DB. Unrecoverable error, aborting now.", serr.lines[0].msg)
	require.Contains(t, serr.lines[1].msg, "Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.")
	require.Contains(t, serr.lines[2].msg, "Failed trying to load the MASTER synchronization DB from socket: ")
}

func TestCopyUntilMarkLeavesTheStream(t *testing.T) {
	mark := []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN")
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"short", "xyz"},
		{"mark prefix", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"},
		{"mark prefixes", "abcabcdabcdeabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"},
		{"long", strings.Repeat("x", 70000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.body + string(mark) + "*1\r\n$4\r\nPING\r\n"
			for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
				br := bufio.NewReaderSize(r, 16)
				var out bytes.Buffer
				require.Nil(t, copyUntilMark(br, &out, mark))
				require.Equal(t, tc.body, out.String())
				rest, _ := io.ReadAll(br)
				require.Equal(t, "*1\r\n$4\r\nPING\r\n", string(rest))
			}
		})
	}
}

func TestPartialResync(t *testing.T) {
	newID := "abcdefabcdefabcdefabcdefabcdefabcdefabcd"
	backlog := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	_, res, serr := runAttempt(t, linkParams{psyncID: "0123456789012345678901234567890123456789", psyncOffset: 99}, func(m *fakeMaster) {
		require.Equal(t, []string{"PSYNC", "0123456789012345678901234567890123456789", "100"}, m.handshake())
		m.send("+CONTINUE "+newID+"\r\n"+backlog, 1000)
		time.Sleep(20 * time.Millisecond) // let the replica read it all at once
	})
	require.Nil(t, serr)
	require.Equal(t, syncContinue, res.kind)
	require.Equal(t, newID, res.replID)
	require.Empty(t, res.tmpfile)
	require.Equal(t, backlog, string(res.leftover))
}

func TestAuthAndAnnounce(t *testing.T) {
	_, res, serr := runAttempt(t, linkParams{auth: "secret", user: "repl", announceIP: "10.0.0.1"}, func(m *fakeMaster) {
		m.expect("PING")
		m.send("-NOAUTH Authentication required.\r\n", 100)
		m.expect("AUTH", "repl", "secret")
		m.expect("REPLCONF", "listening-port", "6380")
		m.expect("REPLCONF", "ip-address", "10.0.0.1")
		m.expect("REPLCONF", "capa", "eof", "capa", "psync2")
		m.send("+OK\r\n-ERR unknown\r\n+OK\r\n-ERR old\r\n", 100)
		m.expect("PSYNC", "?", "-1")
		m.send("+CONTINUE\r\n", 100)
	})
	require.Nil(t, serr)
	require.Equal(t, syncContinue, res.kind)
	require.Empty(t, res.replID)
}

func TestSyncFallback(t *testing.T) {
	_, res, serr := runAttempt(t, linkParams{}, func(m *fakeMaster) {
		m.handshake()
		m.send("-ERR unknown command 'PSYNC'\r\n", 100)
		m.expect("SYNC")
		m.send("$"+strconv.Itoa(len(rdbBody))+"\r\n"+rdbBody, 5)
	})
	require.Nil(t, serr)
	require.Equal(t, syncOld, res.kind)
	require.EqualValues(t, -1, res.offset)
	require.Equal(t, rdbBody, fileContent(t, res.tmpfile))
}

func TestHandshakeFailures(t *testing.T) {
	fullResync := "+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n"
	for _, tc := range []struct {
		name   string
		params linkParams
		script func(m *fakeMaster)
		want   string
		now    bool
	}{
		{"ping error", linkParams{}, func(m *fakeMaster) {
			m.expect("PING")
			m.send("-ERR nope\r\n", 100)
		}, "Error reply to PING from master: '-ERR nope'", false},
		{"auth error", linkParams{auth: "pw"}, func(m *fakeMaster) {
			m.expect("PING")
			m.send("+PONG\r\n", 100)
			m.expect("AUTH", "pw")
			m.command()
			m.command()
			m.send("-WRONGPASS invalid username-password pair or user is disabled.\r\n", 100)
		}, "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.", false},
		{"loading", linkParams{}, func(m *fakeMaster) {
			m.handshake()
			m.send("-LOADING Redis is loading the dataset in memory\r\n", 100)
		}, "Master is currently unable to PSYNC but should be in the future: -LOADING Redis is loading the dataset in memory", false},
		{"no psync reply", linkParams{}, func(m *fakeMaster) {
			m.handshake()
		}, "Master did not reply to PSYNC, will try later", false},
		{"aborted", linkParams{}, func(m *fakeMaster) {
			m.handshake()
			m.send(fullResync+"-ERR BGSAVE failed\r\n", 100)
		}, "MASTER aborted replication with an error: ERR BGSAVE failed", true},
		{"bad protocol", linkParams{}, func(m *fakeMaster) {
			m.handshake()
			m.send(fullResync+"hello\r\n", 100)
		}, "Bad protocol from MASTER, the first byte is not '$' (we received 'hello'), are you sure the host and port are right?", true},
		{"short payload", linkParams{}, func(m *fakeMaster) {
			m.handshake()
			m.send(fullResync+"$100\r\nREDIS", 100)
		}, "I/O error trying to sync with MASTER: connection lost", true},
		{"eof before mark", linkParams{}, func(m *fakeMaster) {
			m.handshake()
			m.send(fullResync+"$EOF:"+strings.Repeat("x", 40)+"\r\nREDIS", 100)
		}, "I/O error trying to sync with MASTER: connection lost", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, serr := runAttempt(t, tc.params, tc.script)
			require.NotNil(t, serr)
			require.Equal(t, tc.want, serr.Error())
			require.Equal(t, tc.now, serr.now)
			files, _ := os.ReadDir(".")
			require.Empty(t, files, "the temp file is removed")
		})
	}
}

func TestTransferTimeout(t *testing.T) {
	_, _, serr := runAttempt(t, linkParams{timeout: 200 * time.Millisecond}, func(m *fakeMaster) {
		m.handshake()
		m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$100\r\nREDIS", 100)
		m.br.ReadByte() // until the replica gives up
	})
	require.NotNil(t, serr)
	require.True(t, serr.now)
	require.Equal(t, "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.", serr.Error())
}

func TestCommandWords(t *testing.T) {
	for _, tc := range []struct{ raw, name, sub string }{
		{"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n", "replconf", "getack"},
		{"*1\r\n$5\r\nMulti\r\n", "multi", ""},
		{"PING\r\n", "ping", ""},
		{"\r\n", "", ""},
		{"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", "select", "0"},
	} {
		name, sub := commandWords([]byte(tc.raw))
		require.Equal(t, tc.name, name, tc.raw)
		require.Equal(t, tc.sub, sub, tc.raw)
	}
}

func TestMultibulk(t *testing.T) {
	require.Equal(t, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n42\r\n", string(multibulk("REPLCONF", "ACK", fmt.Sprint(42))))
}
