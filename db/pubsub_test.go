package db

// Tests of pub/sub that the scripts cannot show: RESP3 pushes (a HELLO
// reply shows the connection id) and the flushing of receivers.

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPubSubRESP3 checks the bytes Redis 7.0.15 sends a RESP3 client:
// confirmations and messages are pushes, an UNSUBSCRIBE from nothing has a
// null channel, and any command may run while subscribed.
func TestPubSubRESP3(t *testing.T) {
	r := newLocalRunner(t)
	r.client("r3").Proto = 3
	require.Equal(t, ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", rawDo(r, "r3", "SUBSCRIBE", "a"))
	require.Equal(t, ">3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:2\r\n", rawDo(r, "r3", "PSUBSCRIBE", "p*"))
	require.Equal(t, ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n", rawDo(r, "r3", "SSUBSCRIBE", "s"))
	require.Equal(t, ":1\r\n", rawDo(r, "", "PUBLISH", "a", "m"))
	require.Equal(t, ":1\r\n", rawDo(r, "", "PUBLISH", "pq", "n"))
	require.Equal(t, ":1\r\n", rawDo(r, "", "SPUBLISH", "s", "o"))
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n"+
		">4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$1\r\nn\r\n"+
		">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\no\r\n"+
		"_\r\n", rawDo(r, "r3", "GET", "x"))
	require.Equal(t, "+PONG\r\n", rawDo(r, "r3", "PING"))
	// Publishing to oneself: the message comes before the reply.
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nself\r\n:1\r\n", rawDo(r, "r3", "PUBLISH", "a", "self"))
	require.Equal(t, ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n", rawDo(r, "r3", "UNSUBSCRIBE"))
	require.Equal(t, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:1\r\n", rawDo(r, "r3", "UNSUBSCRIBE"))
	require.Equal(t, ">3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n", rawDo(r, "r3", "PUNSUBSCRIBE"))
	require.Equal(t, ">3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n", rawDo(r, "r3", "SUNSUBSCRIBE"))
	require.Equal(t, ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n", rawDo(r, "r3", "SUNSUBSCRIBE"))
}

// TestPublishMarksPending: receivers are queued for a flush, once however
// many messages they get before it.
func TestPublishMarksPending(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "a", "SUBSCRIBE", "ch")
	rawDo(r, "b", "PSUBSCRIBE", "*")
	r.srv.TakePending()
	rawDo(r, "", "PUBLISH", "ch", "1")
	rawDo(r, "", "PUBLISH", "ch", "2")
	pending := r.srv.TakePending()
	require.ElementsMatch(t, []*Client{r.client("a"), r.client("b")}, pending)
	require.Equal(t, 2*len("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\n1\r\n"), len(r.client("a").Buf))
}

// TestPubSubClientList: CLIENT LIST counts each kind of subscription and
// flags a subscribed client P.
func TestPubSubCounts(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "SUBSCRIBE", "a", "b")
	rawDo(r, "", "PSUBSCRIBE", "p")
	rawDo(r, "", "SSUBSCRIBE", "s1", "s2", "s3")
	c := r.client("")
	require.Equal(t, 2, c.channelCount())
	require.Equal(t, 1, c.patternCount())
	require.Equal(t, 3, c.shardChannelCount())
	require.Equal(t, 6, c.subscriptionCount())
	require.NotZero(t, c.Flags&ClientPubSub)
	r.srv.pubsubUnsubscribeAll(c, false)
	require.Empty(t, c.Buf)
	require.Zero(t, c.subscriptionCount())
	require.Zero(t, c.Flags&ClientPubSub)
	require.Empty(t, r.srv.pubsub.channels)
}
