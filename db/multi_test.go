package db

// Tests of transactions that the scripts cannot show: propagation, RESP3,
// active expiry of WATCHed keys, cleanup on client free.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawDo runs one command from client name and returns the raw reply bytes.
func rawDo(r *localRunner, name string, args ...string) string {
	c := r.client(name)
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	r.srv.ProcessInput(c, encodeCommand(argv))
	out := string(c.Buf)
	c.Buf = c.Buf[:0]
	return out
}

// recordPropagation makes r's server record what it propagates, as
// "dbid cmd args...".
func recordPropagation(r *localRunner) *[]string {
	var got []string
	r.srv.AddPropagator(PropagateAll, func(dbid int, argv [][]byte) {
		parts := []string{fmt.Sprint(dbid)}
		for _, a := range argv {
			parts = append(parts, string(a))
		}
		got = append(got, strings.Join(parts, " "))
	})
	return &got
}

// TestExecPropagation checks that a transaction reaches replicas and the
// AOF as Redis 7.0.15 sends it: several writes wrapped in MULTI/EXEC (MULTI
// with the db of the first, so that a SELECT comes before it, EXEC with the
// db of the last), a single one alone, none at all when nothing was written.
func TestExecPropagation(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]string
		want []string
	}{
		{"one write", [][]string{{"MULTI"}, {"SET", "a", "1"}, {"GET", "a"}, {"EXEC"}},
			[]string{"0 SET a 1"}},
		{"several writes", [][]string{{"MULTI"}, {"SET", "a", "1"}, {"GET", "a"}, {"INCR", "a"}, {"EXEC"}},
			[]string{"0 MULTI", "0 SET a 1", "0 INCR a", "0 EXEC"}},
		{"no write", [][]string{{"MULTI"}, {"GET", "a"}, {"PING"}, {"EXEC"}}, nil},
		{"failed write", [][]string{{"SET", "s", "x"}, {"MULTI"}, {"INCR", "s"}, {"EXEC"}}, nil},
		{"select inside", [][]string{{"MULTI"}, {"SELECT", "3"}, {"SET", "a", "1"}, {"SET", "b", "2"}, {"EXEC"}},
			[]string{"3 MULTI", "3 SET a 1", "3 SET b 2", "3 EXEC"}},
		{"publish", [][]string{{"MULTI"}, {"PUBLISH", "ch", "m"}, {"SET", "a", "1"}, {"EXEC"}},
			[]string{"0 MULTI", "0 PUBLISH ch m", "0 SET a 1", "0 EXEC"}},
		{"discarded", [][]string{{"MULTI"}, {"SET", "a", "1"}, {"DISCARD"}}, nil},
		{"aborted", [][]string{{"MULTI"}, {"SET", "a", "1"}, {"NOSUCH"}, {"EXEC"}}, nil},
		{"watch failed", [][]string{{"WATCH", "a"}, {"SET", "a", "0"}, {"MULTI"}, {"SET", "a", "1"}, {"EXEC"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newLocalRunner(t)
			got := recordPropagation(r)
			for i, cmd := range tt.cmds {
				if i == len(tt.cmds)-1 || cmd[0] == "MULTI" {
					*got = nil
				}
				rawDo(r, "", cmd...)
			}
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestExecRESP3(t *testing.T) {
	r := newLocalRunner(t)
	r.client("").Proto = 3
	rawDo(r, "", "WATCH", "k")
	rawDo(r, "other", "SET", "k", "v")
	rawDo(r, "", "MULTI")
	rawDo(r, "", "PING")
	require.Equal(t, "_\r\n", rawDo(r, "", "EXEC"))
	rawDo(r, "", "MULTI")
	rawDo(r, "", "CONFIG", "GET", "maxmemory")
	require.Equal(t, "*1\r\n%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", rawDo(r, "", "EXEC"))
}

// TestExecAbortCounts checks that a rejected EXEC counts as rejected and
// as an EXECABORT error, as in Redis's INFO.
func TestExecAbortCounts(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "MULTI")
	require.Equal(t, "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
		rawDo(r, "", "EXEC", "x"))
	require.Equal(t, int64(1), r.srv.Stats.ErrorCodes["EXECABORT"])
	require.Equal(t, int64(1), r.srv.Stat(LookupCommandName("exec")).RejectedCalls)
	require.Zero(t, r.client("").Flags&ClientMulti)
}

// TestWatchActiveExpiry: a WATCHed key deleted by the active expire cycle
// fails EXEC; one that was already expired when WATCHed does not.
func TestWatchActiveExpiry(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "SET", "k", "v", "PX", "20")
	rawDo(r, "", "WATCH", "k")
	time.Sleep(30 * time.Millisecond)
	r.srv.Cron()
	require.Equal(t, 0, r.srv.DBs[0].Len())
	rawDo(r, "", "MULTI")
	require.Equal(t, "*-1\r\n", rawDo(r, "", "EXEC"))

	rawDo(r, "", "SET", "k", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	rawDo(r, "", "WATCH", "k")
	r.srv.Cron()
	require.Equal(t, 0, r.srv.DBs[0].Len())
	rawDo(r, "", "MULTI")
	rawDo(r, "", "PING")
	require.Equal(t, "*1\r\n+PONG\r\n", rawDo(r, "", "EXEC"))
}

// TestWatchExpiredKeySwapped follows Redis's rules for a key WATCHed while
// logically expired when SWAPDB or FLUSHDB replaces the data under it.
func TestWatchExpiredKeySwapped(t *testing.T) {
	r := newLocalRunner(t)
	s := r.srv
	rawDo(r, "", "SET", "k", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	rawDo(r, "", "WATCH", "k")
	c := r.client("")

	// The expired key goes away: no change.
	s.touchAllWatchedKeysInDB(s.DBs[0])
	require.Zero(t, c.Flags&ClientDirtyCAS)

	// A missing key replaced by an expired one: still no change, but
	// the key now counts as expired.
	s.DBs[0].delete([]byte("k"))
	rawDo(r, "other", "SELECT", "1")
	rawDo(r, "other", "SET", "k", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	s.touchWatchedKeysReplaced(s.DBs[0], s.DBs[1])
	require.Zero(t, c.Flags&ClientDirtyCAS)
	require.True(t, c.Multi.watched[watchedKey{s.DBs[0], "k"}])

	// A live key on the other side is a change.
	rawDo(r, "other", "SET", "k", "v")
	s.touchWatchedKeysReplaced(s.DBs[0], s.DBs[1])
	require.NotZero(t, c.Flags&ClientDirtyCAS)
	require.Empty(t, s.watched)
}

// TestWatchTouchUnwatches: once a transaction is bound to fail, its keys
// are no longer watched.
func TestWatchTouchUnwatches(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "WATCH", "a", "b", "c")
	rawDo(r, "w2", "WATCH", "b")
	require.Len(t, r.srv.watched, 3)
	rawDo(r, "other", "SET", "a", "1")
	require.Len(t, r.srv.watched, 1)
	require.NotZero(t, r.client("").Flags&ClientDirtyCAS)
	require.Zero(t, r.client("w2").Flags&ClientDirtyCAS)
	require.Equal(t, "+OK\r\n", rawDo(r, "", "UNWATCH"))
	require.Zero(t, r.client("").Flags&ClientDirtyCAS)
}

func TestClientFreeForgetsTransaction(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "WATCH", "a", "b")
	rawDo(r, "", "SUBSCRIBE", "ch")
	rawDo(r, "", "PSUBSCRIBE", "p*")
	rawDo(r, "", "SSUBSCRIBE", "sh")
	rawDo(r, "other", "WATCH", "a")
	r.srv.FreeClient(r.client(""))
	require.Len(t, r.srv.watched, 1)
	require.Empty(t, r.srv.pubsub.channels)
	require.Empty(t, r.srv.pubsub.patterns)
	require.Empty(t, r.srv.pubsub.patternList)
	require.Empty(t, r.srv.pubsub.shard)
	r.srv.FreeClient(r.client("other"))
	require.Empty(t, r.srv.watched)
}

// TestMultiArgvOwned: the queued arguments are copies, and the commands
// run at EXEC store copies of their own (the invariants build clobbers
// every argument after each call).
func TestMultiArgvOwned(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "MULTI")
	rawDo(r, "", "SET", "key", "value")
	rawDo(r, "", "SET", "key2", "value2")
	require.Equal(t, "*2\r\n+OK\r\n+OK\r\n", rawDo(r, "", "EXEC"))
	require.Equal(t, "$5\r\nvalue\r\n", rawDo(r, "", "GET", "key"))
	require.Equal(t, "$6\r\nvalue2\r\n", rawDo(r, "", "GET", "key2"))
}
