package ae

// Listeners at run time, for CONFIG SET port and bind (Redis's
// changeListenPort and changeBindAddr). gnet opens the listeners it starts
// with and cannot add any, so the addresses a CONFIG SET brings are Go's
// listeners, each with a goroutine that accepts and registers the
// connections with gnet (Engine.Register), which hands them to the loop's
// OnOpen as any other. An address given up is closed: gnet's own through
// its CloseListener (a patch), Go's with Close.

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/redis-go/redis-server/logger"
)

// accepted is the gnet context of a connection one of the run-time
// listeners accepted, until OnOpen makes its client.
type accepted struct{}

// Relisten makes the loop serve addrs (as ListenAddrs gives them) and
// port. It opens what is new first and, once every one of them listens
// (the optional ones may fail), closes what is no longer wanted, as
// Redis's changeListenPort. When that fails it closes the old addresses
// first, as Redis's changeBindAddr (a wildcard address holds its port
// against a specific one), and listens on them again if the new ones
// still fail. On an error the loop serves what it served. It runs on the
// loop.
func (l *Loop) Relisten(addrs []string, optional []bool, port int) error {
	err := l.relisten(addrs, optional, port)
	if err == nil {
		return nil
	}
	old, oldPort := slices.Clone(l.addrs), l.port
	var kept []string
	for _, a := range old {
		if slices.Contains(addrs, a) {
			kept = append(kept, a)
		} else {
			l.closeListener(a)
		}
	}
	l.addrs = kept
	if l.relisten(addrs, optional, port) == nil {
		return nil
	}
	if err := l.relisten(old, nil, oldPort); err != nil {
		logger.Warningf("Failed to listen again on the previous addresses: %v", err)
	}
	return err
}

func (l *Loop) relisten(addrs []string, optional []bool, port int) error {
	opened := map[string]net.Listener{}
	var keep []string
	for i, a := range addrs {
		if slices.Contains(l.addrs, a) {
			keep = append(keep, a)
			continue
		}
		ln, err := listenAddr(a)
		if err != nil {
			if i < len(optional) && optional[i] {
				continue
			}
			for _, ln := range opened {
				ln.Close()
			}
			return err
		}
		opened[a] = ln
		keep = append(keep, a)
	}
	for _, a := range l.addrs {
		if !slices.Contains(keep, a) {
			l.closeListener(a)
		}
	}
	if l.extra == nil {
		l.extra = map[string]net.Listener{}
	}
	for a, ln := range opened {
		l.extra[a] = ln
		go l.acceptLoop(ln)
	}
	l.addrs, l.port = keep, port
	return nil
}

func listenAddr(addr string) (net.Listener, error) {
	network, a, ok := strings.Cut(addr, "://")
	if !ok {
		return nil, errors.New("bad address " + addr)
	}
	if network == "tcp" && strings.HasPrefix(a, "[::]") {
		network = "tcp6"
	}
	// Keepalive as the loop's other connections (tcp-keepalive): the
	// connection is gnet's once registered.
	lc := net.ListenConfig{KeepAlive: -1}
	return lc.Listen(context.Background(), network, a)
}

func (l *Loop) closeListener(addr string) {
	if ln, ok := l.extra[addr]; ok {
		ln.Close()
		delete(l.extra, addr)
		return
	}
	network, a, _ := strings.Cut(addr, "://")
	_ = l.eng.CloseListener(network, a)
}

// acceptLoop accepts ln's connections until it is closed and registers
// them with the loop.
func (l *Loop) acceptLoop(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // out of descriptors, say: try again shortly
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
			if ka := l.srv.Config.Int("tcp-keepalive"); ka > 0 {
				_ = tc.SetKeepAlivePeriod(time.Duration(ka) * time.Second)
				_ = tc.SetKeepAlive(true)
			}
		}
		ctx := gnet.NewContext(gnet.NewNetConnContext(context.Background(), nc), accepted{})
		if _, err := l.eng.Register(ctx); err != nil {
			nc.Close()
		}
	}
}
