// redis-go patch (PATCH.md): closing a listener while the engine runs.

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package gnet

import (
	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/queue"
)

// CloseListener stops the engine's listener of network and addr (as given
// to Run or Rotate) accepting and closes it, on the reactor that polls it,
// and returns once that is done. The engine runs on with its other
// listeners and every connection. It is for engines started by Rotate
// without ReusePort (a main reactor accepts for all event-loops).
func (e Engine) CloseListener(network, addr string) error {
	if err := e.Validate(); err != nil {
		return err
	}
	el := e.eng.ingress
	if el == nil {
		return errorx.ErrUnsupportedOp
	}
	var ln *listener
	for _, l := range e.eng.listeners {
		if l.network == network && l.address == addr && l.fd > 0 {
			ln = l
		}
	}
	if ln == nil {
		return errorx.ErrInvalidNetworkAddress
	}
	done := make(chan error, 1)
	err := el.poller.Trigger(queue.HighPriority, func(any) error {
		err := el.poller.Delete(ln.fd)
		ln.close()
		done <- err
		return nil
	}, nil)
	if err != nil {
		return err
	}
	return <-done
}
