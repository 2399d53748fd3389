package repl

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
)

type nopConn struct{}

func (nopConn) Close()        {}
func (nopConn) Outbound() int { return 0 }

// streamReplica is a replica whose master client is fed by the test.
func streamReplica(t *testing.T) (*Repl, *db.Client, *bytes.Buffer) {
	srv := db.NewServer(config.New())
	r := &Repl{srv: srv, ReplID: NewID(), ReplID2: zeroID, SecondOffset: -1, streamDB: -1}
	c := srv.NewClient(nopConn{}, "127.0.0.1:6379", "127.0.0.1:6380", -1)
	c.Flags |= db.ClientMaster
	ack := &bytes.Buffer{}
	r.link = &Link{Host: "127.0.0.1", Port: 6379, Client: c, raw: ack, Reploff: 100}
	r.Offset = 100
	r.ensureBacklog() // a synced replica has one: the stream moves the offset
	srv.IsReplica, srv.MasterLinkUp = true, true
	srv.Replication = r
	return r, c, ack
}

func TestStreamCountsAppliedBytes(t *testing.T) {
	r, c, ack := streamReplica(t)
	set := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	r.srv.ProcessInput(c, []byte(set+"*3\r\n$3\r\nSET\r\n$1\r\nk")) // and a partial command
	require.EqualValues(t, 100+len(set), r.link.Reploff)
	require.EqualValues(t, 100+len(set), r.Offset)
	require.Empty(t, ack.String())

	// GETACK is answered with the offset before it, and counts after.
	getack := "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
	r.srv.ProcessInput(c, []byte("\r\n$1\r\nw\r\n"+getack))
	before := 100 + 2*len(set)
	require.Equal(t, string(multibulk("REPLCONF", "ACK", strconv.Itoa(before))), ack.String())
	require.EqualValues(t, before+len(getack), r.link.Reploff)
}

func TestStreamCountsTransactionsWhole(t *testing.T) {
	r, c, _ := streamReplica(t)
	multi := "*1\r\n$5\r\nMULTI\r\n"
	incr := "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
	exec := "*1\r\n$4\r\nEXEC\r\n"
	r.srv.ProcessInput(c, []byte(multi+incr))
	require.EqualValues(t, 100, r.link.Reploff, "an open transaction is not applied yet")
	read, applied := r.link.Offsets()
	require.EqualValues(t, 100+len(multi+incr), read)
	require.EqualValues(t, 100, applied)
	r.srv.ProcessInput(c, []byte(incr+exec))
	require.EqualValues(t, 100+len(multi+incr+incr+exec), r.link.Reploff)
	require.EqualValues(t, 100+len(multi+incr+incr+exec), r.Offset)
	require.Empty(t, r.link.pending)
	require.EqualValues(t, 2, r.srv.DBs[0].Peek([]byte("n")))

	// DISCARD ends a transaction too.
	discard := "*1\r\n$7\r\nDISCARD\r\n"
	r.srv.ProcessInput(c, []byte(multi+incr+discard))
	require.EqualValues(t, 100+len(multi+incr+incr+exec+multi+incr+discard), r.link.Reploff)
}

func TestLinkStates(t *testing.T) {
	l := &Link{}
	require.Equal(t, "connect", l.State())
	read, applied := l.Offsets()
	require.Equal(t, [2]int64{1, 1}, [2]int64{read, applied})
	require.EqualValues(t, -1, l.RoleOffset())
	a := newAttempt(linkParams{})
	l.attempt = a
	require.Equal(t, "connecting", l.State())
	a.state.Store(stateHandshake)
	require.Equal(t, "handshake", l.State())
	_, _, _, ok := l.Transfer(time.Now())
	require.False(t, ok)
	a.state.Store(stateTransfer)
	require.Equal(t, "sync", l.State())
	total, read, _, ok := l.Transfer(time.Now())
	require.True(t, ok)
	require.EqualValues(t, -1, total)
	require.EqualValues(t, 0, read)
}
