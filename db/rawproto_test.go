package db

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/redis-go/redis-server/resp"
)

// The script runners' support for "name>! BYTES": raw protocol bytes sent
// unframed, for the request parser's errors (see script_test.go).

// rawRunner is implemented by the script runners.
type rawRunner interface {
	raw(client string, data []byte) []string
}

const connClosed = "<connection closed>"

func (r *localRunner) raw(name string, data []byte) []string {
	c := r.client(name)
	r.srv.ProcessInput(c, data)
	out := renderReplies(c.Buf, &c.Buf)
	if c.Closing() {
		r.srv.FreeClient(c)
		delete(r.clients, name)
		out = append(out, connClosed)
	}
	return out
}

// raw reads replies until the connection is quiet for a moment or closed.
func (r *redisRunner) raw(name string, data []byte) []string {
	rw := r.conn(name)
	c := r.conns[name]
	rw.Write(data)
	rw.Flush()
	var out []string
	for {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		v, err := resp.ReadReply(rw.Reader)
		if err == nil {
			out = renderValue(v, "", out)
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.SetReadDeadline(time.Time{})
			break
		}
		if errors.Is(err, io.EOF) {
			out = append(out, connClosed)
			c.Close()
			delete(r.clients, name)
			delete(r.conns, name)
		}
		break
	}
	if len(out) == 0 {
		return []string{"<no reply>"}
	}
	return out
}
