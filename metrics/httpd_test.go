package metrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadRequest(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want request
		err  error
	}{
		{in: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", want: request{method: "GET", path: "/metrics", keepAlive: true}},
		{in: "GET /metrics?x=1 HTTP/1.1\r\nConnection: Close\r\n\r\n", want: request{method: "GET", path: "/metrics"}},
		{in: "HEAD / HTTP/1.0\r\n\r\n", want: request{method: "HEAD", path: "/"}},
		{in: "GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", want: request{method: "GET", path: "/", keepAlive: true}},
		{in: "GET http://h:1/status.json#a HTTP/1.1\n\n", want: request{method: "GET", path: "/status.json", keepAlive: true}},
		{in: "GET http://h:1 HTTP/1.1\r\n\r\n", want: request{method: "GET", path: "/", keepAlive: true}},
		{in: "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", want: request{method: "POST", path: "/metrics", keepAlive: true, hasBody: true}},
		{in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", want: request{method: "POST", path: "/", keepAlive: true, hasBody: true}},
		{in: "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", want: request{method: "GET", path: "/", keepAlive: true}},
		{in: "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", err: errBadRequest},
		{in: "GET / HTTP/2.0\r\n\r\n", err: errBadRequest},
		{in: "GET /\r\n\r\n", err: errBadRequest},
		{in: "GET metrics HTTP/1.1\r\n\r\n", err: errBadRequest},
		{in: " / HTTP/1.1\r\n\r\n", err: errBadRequest},
		{in: "GET / HTTP/1.1\r\nno colon\r\n\r\n", err: errBadRequest},
		{in: "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 2000) + "\r\n", err: errHeaderTooLarge},
		{in: "GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\n\r\n", err: errHeaderTooLarge},
		{in: "GET / HTTP/1.1\r\nHost: x\r\n", err: io.EOF},
	} {
		got, err := readRequest(bufio.NewReaderSize(strings.NewReader(tc.in), 4096))
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// FuzzReadRequest: any bytes give a request or an error, never a panic,
// and a request's path is absolute.
func FuzzReadRequest(f *testing.F) {
	f.Add("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	f.Add("GET http://a/b?c HTTP/1.0\nConnection: keep-alive\n\n")
	f.Add("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		req, err := readRequest(bufio.NewReaderSize(strings.NewReader(in), 4096))
		if err == nil && !strings.HasPrefix(req.path, "/") {
			t.Fatalf("path %q from %q", req.path, in)
		}
	})
}

// startTestServer serves two routes on a loopback port.
func startTestServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := newHTTPServer(ln, map[string]func() page{
		"/": func() page { return page{status: 200, contentType: "text/html", body: []byte("<p>root</p>")} },
		"/j": func() page {
			return page{status: 200, contentType: "application/json", noStore: true, body: []byte("{}\n")}
		},
	})
	go s.serve()
	t.Cleanup(s.close)
	return ln.Addr().String()
}

// TestHTTPServerWithClient: Go's HTTP client, reusing its connection.
func TestHTTPServerWithClient(t *testing.T) {
	addr := startTestServer(t)
	c := &http.Client{Timeout: 5 * time.Second}
	// do sends a request and reads the whole response.
	do := func(method, path string) (*http.Response, string) {
		req, err := http.NewRequest(method, "http://"+addr+path, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		return resp, string(body)
	}
	for i := 0; i < 3; i++ {
		resp, body := do("GET", "/j?i=1")
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "{}\n", body)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	}
	resp, body := do("GET", "/nope")
	require.Equal(t, 404, resp.StatusCode)
	require.Equal(t, "404 page not found\n", body)
	resp, _ = do("POST", "/")
	require.Equal(t, 405, resp.StatusCode)
	require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	resp, body = do("HEAD", "/")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, int64(11), resp.ContentLength)
	require.Empty(t, body)
}

// TestHTTPServerRaw: two pipelined requests on one connection, then one
// with Connection: close, after which the server closes; a bad request
// gets 400 and the close.
func TestHTTPServerRaw(t *testing.T) {
	addr := startTestServer(t)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\n\r\nGET /j HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	all, err := io.ReadAll(conn)
	require.NoError(t, err)
	require.Equal(t, 3, strings.Count(string(all), "HTTP/1.1 200 OK\r\n"), "%s", all)
	require.Equal(t, 1, strings.Count(string(all), "Connection: close\r\n"), "%s", all)
	require.True(t, strings.HasSuffix(string(all), "\r\n\r\n<p>root</p>"), "%s", all)

	conn2, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn2.Close()
	conn2.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn2, "BROKEN\r\n\r\n")
	all, err = io.ReadAll(conn2)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(all), "HTTP/1.1 400 Bad Request\r\n"), "%s", all)
}

// TestHTTPServerConnLimit: past maxConns, new connections are closed at
// once, and served again when the others go.
func TestHTTPServerConnLimit(t *testing.T) {
	addr := startTestServer(t)
	var open []net.Conn
	for i := 0; i < maxConns; i++ {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		open = append(open, c)
	}
	// The last of them is tracked once it answers.
	c := open[len(open)-1]
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\n\r\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 200 OK\r\n", line)
	extra, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	extra.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = bufio.NewReader(extra).ReadString('\n')
	require.ErrorIs(t, err, io.EOF, "a connection past the limit was kept")
	extra.Close()
	for _, c := range open {
		c.Close()
	}
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		return line == "HTTP/1.1 200 OK\r\n"
	}, 10*time.Second, 20*time.Millisecond)
}
