package cluster

// The cluster bus connections (clusterLink): one link we open to every
// node we know (node.link) and the links other nodes open to us
// (node.inLink, or none yet for a node we do not know). A link's reader
// and writer are goroutines of their own: the reader hands every whole
// message to the loop, the writer sends what the loop queued. Only the
// loop changes a link's fields but out, which the writer shares.

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis-go/redis-server/internal/clusterbus"
	"github.com/redis-go/redis-server/logger"
)

// maxMessage bounds a bus message: a PUBLISH carries a whole message.
const maxMessage = 1 << 30

type link struct {
	cl      *Cluster
	node    *Node // nil for an inbound link whose node is not known yet
	inbound bool
	ctime   int64
	conn    net.Conn // nil while an outbound link connects
	freed   bool

	mu      sync.Mutex // out, closing
	out     []byte
	closing bool
	wake    chan struct{}

	sent, received int64 // messages, for CLUSTER LINKS
	sendBufPeak    int
}

func (cl *Cluster) newLink(n *Node) *link {
	l := &link{cl: cl, node: n, inbound: n == nil, ctime: nowMs(), wake: make(chan struct{}, 1)}
	if n != nil {
		n.link = l
	}
	return l
}

// free is freeClusterLink: the connection closed, the node unlinked.
func (l *link) free() {
	if l.freed {
		return
	}
	l.freed = true
	delete(l.cl.inbound, l)
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	if l.conn != nil {
		l.conn.Close()
	}
	if n := l.node; n != nil {
		if n.link == l {
			n.link = nil
		} else if n.inLink == l {
			n.inLink = nil
		}
	}
}

// send queues a message: its bytes go out in order with the others.
func (l *link) send(b []byte) {
	if l == nil || l.freed {
		return
	}
	l.mu.Lock()
	l.out = append(l.out, b...)
	if len(l.out) > l.sendBufPeak {
		l.sendBufPeak = len(l.out)
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// queued is the bytes waiting to be written.
func (l *link) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.out)
}

// start runs the reader and the writer of a connected link.
func (l *link) start() {
	loop := l.cl.srv.Loop
	go func() {
		for {
			frame, err := clusterbus.ReadFrame(l.conn, maxMessage)
			if err != nil {
				loop.Execute(func() {
					if !l.freed {
						logger.Debugf("I/O error reading from node link: %v", err)
						l.cl.handleLinkIOError(l)
					}
				})
				return
			}
			loop.Execute(func() {
				if !l.freed {
					l.cl.processFrame(l, frame)
				}
			})
		}
	}()
	go func() {
		var buf []byte
		for range l.wake {
			l.mu.Lock()
			if l.closing {
				l.mu.Unlock()
				return
			}
			buf, l.out = l.out, buf[:0]
			l.mu.Unlock()
			if len(buf) == 0 {
				continue
			}
			if _, err := l.conn.Write(buf); err != nil {
				loop.Execute(func() {
					if !l.freed {
						logger.Debugf("I/O error writing to node link: %v", err)
						l.cl.handleLinkIOError(l)
					}
				})
				return
			}
		}
	}()
}

func (cl *Cluster) handleLinkIOError(l *link) { l.free() }

// connect starts an outbound link to n (clusterNodeCronHandleReconnect's
// connConnect): the dial runs on its own goroutine.
func (cl *Cluster) connect(n *Node) {
	l := cl.newLink(n)
	addr := net.JoinHostPort(n.IP, strconv.Itoa(n.CPort))
	timeout := time.Duration(max(cl.nodeTimeout(), 1000)) * time.Millisecond
	go func() {
		conn, err := net.DialTimeout("tcp", addr, timeout)
		cl.srv.Loop.Execute(func() { cl.connected(l, conn, err) })
	}()
}

// connected is clusterLinkConnectHandler: the link works, the first PING
// (or MEET) goes out.
func (cl *Cluster) connected(l *link, conn net.Conn, err error) {
	if l.freed {
		if conn != nil {
			conn.Close()
		}
		return
	}
	n := l.node
	if err != nil {
		logger.Verbosef("Connection with Node %.40s at %s:%d failed: %v", n.Name, n.IP, n.CPort, err)
		if n.PingSent == 0 {
			n.PingSent = nowMs()
		}
		l.free()
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		tc.SetKeepAlive(true)
	}
	l.conn = conn
	l.start()
	oldPingSent := n.PingSent
	typ := uint16(clusterbus.TypePing)
	if n.Flags&FlagMeet != 0 {
		typ = clusterbus.TypeMeet
	}
	cl.sendPing(l, typ)
	if oldPingSent != 0 {
		n.PingSent = oldPingSent
	}
	n.Flags &^= FlagMeet
	logger.Debugf("Connecting with Node %.40s at %s:%d", n.Name, n.IP, n.CPort)
}

// listen opens the bus port on the bind addresses: "*" is every IPv4
// address, "::*" every IPv6 one, and an address with a leading "-" may
// fail (an absent IPv6 stack).
func (cl *Cluster) listen(addrs []string, port int) error {
	if len(addrs) == 0 {
		addrs = []string{"*", "-::*"}
	}
	for _, a := range addrs {
		optional := strings.HasPrefix(a, "-")
		a = strings.TrimPrefix(a, "-")
		network := "tcp"
		switch {
		case a == "*":
			network, a = "tcp4", "0.0.0.0"
		case a == "::*":
			network, a = "tcp6", "::"
		case strings.Contains(a, ":"):
			network = "tcp6"
		}
		ln, err := net.Listen(network, net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			if optional {
				continue
			}
			return err
		}
		cl.listeners = append(cl.listeners, ln)
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				cl.srv.Loop.Execute(func() { cl.accepted(conn) })
			}
		}()
	}
	return nil
}

func (cl *Cluster) accepted(conn net.Conn) {
	if cl.closed {
		conn.Close()
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		tc.SetKeepAlive(true)
	}
	logger.Verbosef("Accepting cluster node connection from %s", conn.RemoteAddr())
	l := cl.newLink(nil)
	l.conn = conn
	cl.inbound[l] = struct{}{}
	l.start()
}

// setInboundLink is setClusterNodeToInboundClusterLink.
func (cl *Cluster) setInboundLink(n *Node, l *link) {
	if n.inLink == l {
		return
	}
	if n.inLink != nil {
		logger.Debugf("Replacing inbound link fd for node %.40s with a new one", n.Name)
		n.inLink.free()
	}
	n.inLink = l
	l.node = n
}

// peerIP is the IP address at the other end of l.
func peerIP(l *link) string {
	if l.conn == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(l.conn.RemoteAddr().String())
	if err != nil {
		return ""
	}
	return host
}

// localIP is our address on l (connSockName).
func localIP(l *link) string {
	if l.conn == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(l.conn.LocalAddr().String())
	if err != nil {
		return ""
	}
	return host
}
