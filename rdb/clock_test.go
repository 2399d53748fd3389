package rdb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
)

func serverWithPolicy(t *testing.T, policy string) *db.Server {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("maxmemory-policy "+policy+"\nlfu-decay-time 0\n"))
	return db.NewServer(cfg)
}

// saveLoad writes srv's dataset as an RDB and loads it into dst.
func saveLoad(t *testing.T, srv, dst *db.Server) []byte {
	sn := srv.Snapshot()
	var buf bytes.Buffer
	_, err := Write(&buf, sn, SaveOptions(srv))
	sn.Release()
	require.NoError(t, err)
	l, _, err := Load(bytes.NewReader(buf.Bytes()), dst, 0, false)
	require.NoError(t, err)
	dst.Install(l)
	return buf.Bytes()
}

// IDLE (LRU policies) and FREQ (LFU policies) go with each key, after its
// expire time and before its type, as rdbSaveKeyValuePair writes them, and
// a load applies the one its own policy uses (objectSetLRUOrLFU).
func TestClocksRoundTrip(t *testing.T) {
	key := []byte("k")
	idle := func(s *db.Server) uint64 {
		clock, ok := s.DBs[0].Clock(key)
		require.True(t, ok)
		return s.ClockView().IdleSeconds(clock)
	}
	freq := func(s *db.Server) uint8 {
		clock, ok := s.DBs[0].Clock(key)
		require.True(t, ok)
		return s.ClockView().Freq(clock)
	}

	lru := serverWithPolicy(t, "allkeys-lru")
	lru.DBs[0].AddWithClock(key, []byte("v"), lru.KeyClock(-1, 1000))
	lru.DBs[0].SetExpire(key, 1<<50)
	dst := serverWithPolicy(t, "volatile-lru")
	data := saveLoad(t, lru, dst)
	require.Contains(t, string(data), "\xfc"+string(le64(1<<50))+"\xf8\x43\xe8\x00\x01k")
	require.InDelta(t, 1000, idle(dst), 1)
	lfu := serverWithPolicy(t, "allkeys-lfu")
	saveLoad(t, lru, lfu) // IDLE is not for an LFU policy: a new key's counter
	require.Equal(t, uint8(5), freq(lfu))

	lfu.DBs[0].Flush()
	lfu.DBs[0].AddWithClock(key, []byte("v"), lfu.KeyClock(100, -1))
	dst = serverWithPolicy(t, "volatile-lfu")
	data = saveLoad(t, lfu, dst)
	require.Contains(t, string(data), "\xf9\x64\x00\x01k")
	require.Equal(t, uint8(100), freq(dst))
	dst = serverWithPolicy(t, "allkeys-lru")
	saveLoad(t, lfu, dst)
	require.InDelta(t, 0, idle(dst), 1)

	none := serverWithPolicy(t, "noeviction")
	none.DBs[0].AddWithClock(key, []byte("v"), none.KeyClock(-1, 1000))
	data = saveLoad(t, none, dst)
	require.NotContains(t, string(data), "\xf8\x43\xe8")
	require.Contains(t, string(data), "\xfb\x01\x00\x00\x01k")
}

func le64(n uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return b
}
