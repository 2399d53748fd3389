package ae

import (
	"bufio"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNextTurnLetsClientsIn: a chain of tasks, each queuing the next with
// NextTurn, gives way to a client at the next poll. A command that
// arrives while step 10 runs is served by step 12 at the latest, where a
// chain of Execute's tasks would run on (gnet runs up to 256 queued tasks
// before it polls again).
func TestNextTurnLetsClientsIn(t *testing.T) {
	for _, tc := range []struct {
		name      string
		next      func(l *Loop, fn func())
		servedBy  int
		servedMin int
	}{
		{"NextTurn", (*Loop).NextTurn, 12, 0},
		{"Execute", (*Loop).Execute, 0, 100}, // the behaviour NextTurn avoids
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, srv, port := startLoop(t)
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			require.NoError(t, err)
			defer c.Close()
			br := bufio.NewReader(c)
			c.Write([]byte("PING\r\n")) // the connection is set up
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = br.ReadString('\n')
			require.NoError(t, err)

			const steps = 300
			served := make(chan int, 1)
			var before int64
			var step func(i int)
			step = func(i int) {
				if i == 10 {
					before = srv.Stats.Commands
					c.Write([]byte("PING\r\n")) // readable at the next poll
				}
				if i > 10 && srv.Stats.Commands > before {
					served <- i
					return
				}
				if i == steps {
					served <- steps
					return
				}
				tc.next(l, func() { step(i + 1) })
			}
			l.Execute(func() { step(0) })
			var at int
			select {
			case at = <-served:
			case <-time.After(10 * time.Second):
				t.Fatal("the chain did not end")
			}
			_, err = br.ReadString('\n')
			require.NoError(t, err)
			if tc.servedBy > 0 {
				require.LessOrEqual(t, at, tc.servedBy, "the command waited for the chain")
			} else {
				require.GreaterOrEqual(t, at, tc.servedMin)
			}
		})
	}
}
