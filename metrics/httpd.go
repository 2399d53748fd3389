package metrics

// The endpoint's HTTP/1.1 server, on package net alone: GET and HEAD of a
// few fixed paths, keep-alive, bounded requests. net/http would serve the
// same three pages, but linking its server (and the TLS, HTTP/2, x509 and
// MIME code it brings) made the binary 2 MB bigger, and a Go binary's text
// is resident in every server, endpoint on or off: 2.3 MB of RSS each.
//
// A request is the request line and the headers, at most maxHeader bytes,
// read within requestTimeout; a body is not read, so a request that
// announces one is answered and its connection closed. At most maxConns
// connections are open; more are closed at once.

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

const (
	maxHeader      = 8 << 10
	maxConns       = 64
	requestTimeout = 10 * time.Second // to read one request's header
	idleTimeout    = 60 * time.Second // between requests on a connection
	writeTimeout   = 30 * time.Second
)

// page is what a handler answers.
type page struct {
	status      int
	contentType string
	noStore     bool // Cache-Control: no-store
	body        []byte
}

// request is what the server reads of one.
type request struct {
	method, path string
	keepAlive    bool // the client keeps the connection for another
	hasBody      bool // Content-Length > 0 or a Transfer-Encoding
}

var (
	errHeaderTooLarge = errors.New("request header too large")
	errBadRequest     = errors.New("malformed request")
)

// readRequest reads one request's line and headers from r.
func readRequest(r *bufio.Reader) (request, error) {
	var req request
	budget := maxHeader
	line, err := readHeaderLine(r, &budget)
	if err != nil {
		return req, err
	}
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || len(method) == 0 || len(target) == 0 {
		return req, errBadRequest
	}
	var minor int
	switch string(proto) {
	case "HTTP/1.1":
		minor = 1
	case "HTTP/1.0":
	default:
		return req, errBadRequest
	}
	req.method = string(method)
	if req.path, ok1 = requestPath(target); !ok1 {
		return req, errBadRequest
	}
	connection := ""
	for {
		line, err := readHeaderLine(r, &budget)
		if err != nil {
			return req, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return req, errBadRequest
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Connection")):
			connection = string(bytes.ToLower(value))
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseUint(string(value), 10, 63)
			if err != nil {
				return req, errBadRequest
			}
			req.hasBody = req.hasBody || n > 0
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			req.hasBody = true
		}
	}
	req.keepAlive = minor == 1 && connection != "close" || minor == 0 && connection == "keep-alive"
	return req, nil
}

// readHeaderLine reads a line ending in LF (CR LF or LF alone), without its
// end, taking its length from the budget.
func readHeaderLine(r *bufio.Reader, budget *int) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	*budget -= len(line)
	if errors.Is(err, bufio.ErrBufferFull) || *budget < 0 {
		return nil, errHeaderTooLarge
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// requestPath is the path of a request target in origin form (/metrics?x)
// or absolute form (http://host/metrics), without its query.
func requestPath(target []byte) (string, bool) {
	if target[0] != '/' {
		i := bytes.Index(target, []byte("://"))
		if i <= 0 {
			return "", false
		}
		rest := target[i+3:]
		j := bytes.IndexByte(rest, '/')
		if j < 0 {
			return "/", true
		}
		target = rest[j:]
	}
	if i := bytes.IndexAny(target, "?#"); i >= 0 {
		target = target[:i]
	}
	return string(target), true
}

// httpServer serves routes on one listener until close.
type httpServer struct {
	ln     net.Listener
	routes map[string]func() page

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newHTTPServer(ln net.Listener, routes map[string]func() page) *httpServer {
	return &httpServer{ln: ln, routes: routes, conns: map[net.Conn]struct{}{}}
}

// serve accepts connections until close.
func (s *httpServer) serve() {
	backoff := 5 * time.Millisecond
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(backoff) // out of file descriptors, say
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if !s.track(c) {
			c.Close()
			continue
		}
		go s.serveConn(c)
	}
}

// track adds c to the open connections, unless closed or full.
func (s *httpServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= maxConns {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// close stops the listener and closes every connection.
func (s *httpServer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
}

func (s *httpServer) serveConn(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriterSize(c, 4096)
	for first := true; ; first = false {
		if !first {
			// Wait for the next request as long as idleTimeout.
			c.SetReadDeadline(time.Now().Add(idleTimeout))
			if _, err := r.Peek(1); err != nil {
				return
			}
		}
		c.SetReadDeadline(time.Now().Add(requestTimeout))
		req, err := readRequest(r)
		if err != nil {
			switch err {
			case errHeaderTooLarge:
				s.write(c, w, "", request{}, page{status: 431, contentType: textPlain, body: []byte("431 Request Header Fields Too Large")})
			case errBadRequest:
				s.write(c, w, "", request{}, page{status: 400, contentType: textPlain, body: []byte("400 Bad Request")})
			}
			return
		}
		if !s.write(c, w, req.method, req, s.answer(req)) || !req.keepAlive || req.hasBody {
			return
		}
	}
}

const textPlain = "text/plain; charset=utf-8"

// answer runs the route of a request.
func (s *httpServer) answer(req request) page {
	if req.method != "GET" && req.method != "HEAD" {
		return page{status: 405, contentType: textPlain, body: []byte("Method Not Allowed\n")}
	}
	route := s.routes[req.path]
	if route == nil {
		return page{status: 404, contentType: textPlain, body: []byte("404 page not found\n")}
	}
	return route()
}

// write sends the response p to a request; a HEAD gets the headers only.
// It reports whether the connection can serve another.
func (s *httpServer) write(c net.Conn, w *bufio.Writer, method string, req request, p page) bool {
	keep := req.keepAlive && !req.hasBody
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	w.WriteString("HTTP/1.1 ")
	w.WriteString(strconv.Itoa(p.status))
	w.WriteString(" ")
	w.WriteString(statusText(p.status))
	w.WriteString("\r\nContent-Type: ")
	w.WriteString(p.contentType)
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(p.body)))
	w.WriteString("\r\nDate: ")
	w.WriteString(time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	if p.noStore {
		w.WriteString("\r\nCache-Control: no-store")
	}
	if p.status == 405 {
		w.WriteString("\r\nAllow: GET, HEAD")
	}
	if p.status >= 400 {
		w.WriteString("\r\nX-Content-Type-Options: nosniff")
	}
	if !keep {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n\r\n")
	if method != "HEAD" {
		w.Write(p.body)
	}
	return w.Flush() == nil && keep
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 431:
		return "Request Header Fields Too Large"
	case 503:
		return "Service Unavailable"
	}
	return "Status " + strconv.Itoa(code)
}
