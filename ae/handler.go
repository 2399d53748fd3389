package ae

import (
	"context"
	"net"

	"github.com/panjf2000/gnet/v2"
)

// Handler drives an outgoing connection made with Dial (a replica's link to
// its master): it receives the bytes read and the close, on the loop.
type Handler interface {
	// OnData consumes data (borrowed: copy what is kept).
	OnData(c gnet.Conn, data []byte) gnet.Action
	OnClose(c gnet.Conn, err error)
}

// Dial connects to addr and registers the connection on the loop with h as
// its handler. done runs on the loop with the connection or the error.
// It may be called from the loop: the connect happens on another goroutine.
func (l *Loop) Dial(network, addr string, h Handler, done func(gnet.Conn, error)) {
	go func() {
		nc, err := net.Dial(network, addr)
		if err != nil {
			l.Execute(func() { done(nil, err) })
			return
		}
		ch, err := l.eng.Register(gnet.NewContext(gnet.NewNetConnContext(context.Background(), nc), h))
		if err != nil {
			nc.Close()
			l.Execute(func() { done(nil, err) })
			return
		}
		res := <-ch
		l.Execute(func() { done(res.Conn, res.Err) })
	}()
}
