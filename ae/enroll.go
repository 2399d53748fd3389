package ae

// Enrolling established connections. A replica's link to its master is
// made by a goroutine with plain blocking I/O: the handshake and the RDB
// transfer need no event loop, and the loop keeps serving meanwhile. Once
// the replication stream starts, the connection becomes an ordinary client
// of the loop: Enroll registers it with gnet, which takes over a duplicate
// of its descriptor, and the loop creates its db.Client in OnOpen.

import (
	"context"
	"io"
	"net"

	"github.com/panjf2000/gnet/v2"

	"github.com/redis-go/redis-server/db"
)

// enrollment is the gnet context of a connection handed over by Enroll
// until OnOpen replaces it with the client.
type enrollment struct {
	setup func(c *db.Client, raw io.Writer)
}

// Enroll registers the established connection nc with the loop as a
// db.Client. gnet duplicates the descriptor and closes nc, so the bytes
// the caller's reader already holds must be fed by setup.
//
// setup runs on the loop with the new client before any byte of the
// connection is read: it sets the client up (flags, selected db) and
// feeds it what was read past the handshake (Server.ProcessInput). raw
// writes to the connection directly, bypassing the client's reply buffer,
// for the few replies a master client sends (REPLCONF ACK); it may be kept
// and used from the loop for as long as the client lives. A client that
// setup marks closing is closed at once. If the connection cannot be
// registered, failed runs on the loop instead, and nc is closed.
//
// Any goroutine may call Enroll once the loop booted.
func (l *Loop) Enroll(nc net.Conn, setup func(c *db.Client, raw io.Writer), failed func(error)) {
	<-l.booted
	ctx := gnet.NewContext(gnet.NewNetConnContext(context.Background(), nc), &enrollment{setup})
	ch, err := l.eng.Register(ctx)
	if err != nil {
		nc.Close()
		l.Execute(func() { failed(err) })
		return
	}
	go func() {
		if res := <-ch; res.Err != nil {
			l.Execute(func() { failed(res.Err) })
		}
	}()
}

// openEnrolled is OnOpen for a connection handed over by Enroll.
func (l *Loop) openEnrolled(c gnet.Conn, e *enrollment) ([]byte, gnet.Action) {
	cl := l.srv.NewClient(&conn{c: c}, addrString(c.RemoteAddr()), addrString(c.LocalAddr()), c.Fd())
	c.SetContext(cl)
	e.setup(cl, c)
	act := l.flush(c, cl)
	l.flushPending()
	if act == gnet.Close {
		l.srv.FreeClient(cl)
	}
	return nil, act
}

// Stopping reports whether the loop is shutting down: connections closed
// from now on are the process exiting, not peers going away.
func (l *Loop) Stopping() bool { return l.stopping.Load() }
