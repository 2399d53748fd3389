package db_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/keyslot"
	"github.com/redis-go/redis-server/rdb"
	"github.com/redis-go/redis-server/resp"
)

type extConn struct{}

func (extConn) Close()        {}
func (extConn) Outbound() int { return 0 }

// TestSlotIndexPersistence: the paths of the slot index that go through
// package rdb, RESTORE and DEBUG RELOAD (a load replacing the dataset, as
// a full sync does). The invariants build checks the whole index after
// each command too.
func TestSlotIndexPersistence(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("cluster-enabled yes\nenable-debug-command yes\nsave \"\"\ndir "+t.TempDir()+"\n"))
	srv := db.NewServer(cfg)
	rdb.Attach(srv)
	c := srv.NewClient(extConn{}, "127.0.0.1:5000", "127.0.0.1:6379", 9)
	do := func(args ...string) string {
		w := &resp.Writer{}
		w.ArrayLen(len(args))
		for _, a := range args {
			w.Bulk([]byte(a))
		}
		srv.ProcessInput(c, w.Buf)
		out := string(c.Buf)
		c.Buf = c.Buf[:0]
		return out
	}
	slot := keyslot.SlotString("{t}")
	d := srv.DBs[0]
	do("SET", "{t}a", "1")
	do("SET", "{t}b", "2")
	dump := do("DUMP", "{t}a")
	require.Equal(t, ":1\r\n", do("DEL", "{t}a"))
	payload := dump[indexCRLF(dump)+2 : len(dump)-2] // the bulk's bytes
	require.Equal(t, "+OK\r\n", do("RESTORE", "{t}a", "0", payload))
	require.Equal(t, []string{"{t}a", "{t}b"}, d.KeysInSlot(slot, 10))
	require.Equal(t, "+OK\r\n", do("RESTORE", "{t}b", "0", payload, "REPLACE"))
	require.Equal(t, []string{"{t}b", "{t}a"}, d.KeysInSlot(slot, 10))
	require.Equal(t, "+OK\r\n", do("DEBUG", "RELOAD"))
	d = srv.DBs[0]
	require.Equal(t, 2, d.CountKeysInSlot(slot))
	require.ElementsMatch(t, []string{"{t}a", "{t}b"}, d.KeysInSlot(slot, 10))
	require.Equal(t, ":1\r\n", do("DEL", "{t}a"))
	require.Equal(t, []string{"{t}b"}, d.KeysInSlot(slot, 10))
}

func indexCRLF(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\r' && s[i+1] == '\n' {
			return i
		}
	}
	return -1
}
