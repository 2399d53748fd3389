package db

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
)

// TestNotifyFlagsMatchConfig: the classes are the bits of the
// configuration's value, which loadNotifyFlags takes as is.
func TestNotifyFlagsMatchConfig(t *testing.T) {
	pairs := [][2]int{
		{int(NotifyKeyspace), config.NotifyKeyspace}, {int(NotifyKeyevent), config.NotifyKeyevent},
		{int(NotifyGeneric), config.NotifyGeneric}, {int(NotifyString), config.NotifyString},
		{int(NotifyList), config.NotifyList}, {int(NotifySet), config.NotifySet},
		{int(NotifyHash), config.NotifyHash}, {int(NotifyZset), config.NotifyZset},
		{int(NotifyExpired), config.NotifyExpired}, {int(NotifyEvicted), config.NotifyEvicted},
		{int(NotifyStream), config.NotifyStream}, {int(NotifyKeyMiss), config.NotifyKeyMiss},
		{int(NotifyLoaded), config.NotifyLoaded}, {int(NotifyModule), config.NotifyModule},
		{int(NotifyNew), config.NotifyNew}, {int(NotifyAll), config.NotifyAll},
	}
	for _, p := range pairs {
		require.Equal(t, p[1], p[0])
	}
	f, ok := ParseNotifyFlags("AKEn")
	require.True(t, ok)
	require.Equal(t, NotifyAll|NotifyKeyspace|NotifyKeyevent|NotifyNew, f)
	_, ok = ParseNotifyFlags("Q")
	require.False(t, ok)

	// "A" with "n" reads back as "AKE", but n stays on.
	r := newLocalRunner(t)
	rawDo(r, "", "CONFIG", "SET", "notify-keyspace-events", "KEAn")
	require.Equal(t, NotifyAll|NotifyKeyspace|NotifyKeyevent|NotifyNew, r.srv.notifyFlags)
}

// TestNotifyExpiredByCron: the active expire cycle sends expired events.
func TestNotifyExpiredByCron(t *testing.T) {
	r := newLocalRunner(t)
	rawDo(r, "", "CONFIG", "SET", "notify-keyspace-events", "KEx")
	rawDo(r, "sub", "SUBSCRIBE", "__keyevent@0__:expired", "__keyspace@0__:k")
	rawDo(r, "", "SET", "k", "v", "PX", "10")
	time.Sleep(20 * time.Millisecond)
	r.srv.Cron()
	require.Equal(t, "*3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$7\r\nexpired\r\n"+
		"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nk\r\n",
		string(r.client("sub").Buf))
	require.Contains(t, r.srv.TakePending(), r.client("sub"))
}
