package rdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/stream"
)

// redisStreamDump is real Redis 7.0.15's DUMP of a stream of four entries,
// the first deleted, with a group that read two of them (a PEL and a
// consumer) and three groups that read none:
//
//	XADD s 1-1 a 1; XADD s 2-1 a 2 b 3; XADD s 3-1 a 4; XADD s 4-1 c 5
//	XDEL s 1-1; XGROUP CREATE s g 0; XGROUP CREATE s g2 3-1
//	XGROUP CREATE s g3 1-1; XGROUP CREATE s g4 4-1
//	XREADGROUP GROUP g alice COUNT 2 STREAMS s >
const redisStreamDump = "13011000000000000000010000000000000001c34040404907490000001f000301400007816102000103010020010201010460050200010240162004046202030108200d00022013000420018029203406630205010601ff0304010201010104040167030103020000000000000002000000000000000124c2e342a2010000010000000000000003000000000000000124c2e342a2010000010105616c69636523c2e342a2010000020000000000000002000000000000000100000000000000030000000000000001026732030181ffffffffffffffff0000026733010181ffffffffffffffff0000026734040181ffffffffffffffff00000a00c7d27e54a137580a"

func TestStreamDumpRoundTrip(t *testing.T) {
	srv := newServer(t)
	p, err := hex.DecodeString(redisStreamDump)
	require.NoError(t, err)
	v, err := ParsePayload(p, srv, nil)
	require.NoError(t, err)
	s := v.(*db.Stream)
	require.Equal(t, uint64(3), s.Length)
	require.Equal(t, uint64(4), s.EntriesAdded)
	require.Equal(t, stream.ID{Ms: 2, Seq: 1}, s.FirstID)
	require.Equal(t, stream.ID{Ms: 1, Seq: 1}, s.MaxDeletedID)
	require.Len(t, s.Groups, 4)
	g := s.LookupGroup([]byte("g"))
	require.Equal(t, int64(3), g.EntriesRead)
	require.Equal(t, 2, g.PEL.Len())
	it := g.PEL.Iter()
	require.Equal(t, "alice", it.NACK().Consumer.Name)
	// Our DUMP of what we loaded is Redis's, byte for byte.
	out, err := DumpPayload(v, true)
	require.NoError(t, err)
	require.Equal(t, redisStreamDump, hex.EncodeToString(out))
}

// TestLoadStreamListpacks1 loads the same stream as RDB_TYPE_STREAM_LISTPACKS
// (type 15, Redis 5 and 6), which lacks the first ID, the max deleted ID,
// entries added and the groups' entries read: they are derived as Redis
// 7.0 derives them (checked with RESTORE in real Redis: XINFO STREAM FULL
// shows entries-added 3, recorded-first-entry-id 2-1, max-deleted-entry-id
// 0-0, and entries-read nil, nil, 0, 3 for g, g2, g3, g4).
func TestLoadStreamListpacks1(t *testing.T) {
	srv := newServer(t)
	p, _ := hex.DecodeString(redisStreamDump)
	v, err := ParsePayload(p, srv, nil)
	require.NoError(t, err)
	old := streamListpacks1Payload(v.(*db.Stream))
	if os.Getenv("PRINT_TYPE15") != "" {
		t.Logf("%x", old)
	}
	v, err = ParsePayload(old, srv, nil)
	require.NoError(t, err)
	s := v.(*db.Stream)
	require.Equal(t, uint64(3), s.EntriesAdded)
	require.Equal(t, stream.ID{Ms: 2, Seq: 1}, s.FirstID)
	require.Equal(t, stream.ID{}, s.MaxDeletedID)
	var read []int64
	for _, g := range s.Groups {
		read = append(read, g.EntriesRead)
	}
	require.Equal(t, []int64{-1, -1, 0, 3}, read)
}

// streamListpacks1Payload is a DUMP payload of s in type 15, RDB version 9.
func streamListpacks1Payload(s *db.Stream) []byte {
	var buf bytes.Buffer
	e := NewEncoder(&buf, false, false)
	e.Byte(TypeStreamListpacks)
	e.Len(uint64(len(s.Nodes)))
	for _, n := range s.Nodes {
		k := n.Master.Encode()
		e.String(k[:])
		e.String(n.LP.Bytes())
	}
	e.Len(s.Length)
	writeID(e, s.LastID)
	e.Len(uint64(len(s.Groups)))
	for _, g := range s.Groups {
		e.String([]byte(g.Name))
		writeID(e, g.LastID)
		e.Len(uint64(g.PEL.Len()))
		for it := g.PEL.Iter(); it.Valid(); it.Next() {
			k := it.ID().Encode()
			e.Write(k[:])
			e.MillisTime(it.NACK().DeliveryTime)
			e.Len(it.NACK().DeliveryCount)
		}
		e.Len(uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			e.String([]byte(c.Name))
			e.MillisTime(c.SeenTime)
			e.Len(uint64(c.PEL.Len()))
			for it := c.PEL.Iter(); it.Valid(); it.Next() {
				k := it.ID().Encode()
				e.Write(k[:])
			}
		}
	}
	e.Flush()
	out := append(buf.Bytes(), 9, 0)
	return binary.LittleEndian.AppendUint64(out, CRC64(0, out))
}

// FuzzRestoreStream feeds mutations of a real Redis stream payload to
// RESTORE's parser: corrupt input is refused, never a panic, and what
// loads can be walked.
func FuzzRestoreStream(f *testing.F) {
	srv := newServer(f)
	p, _ := hex.DecodeString(redisStreamDump)
	f.Add(p[:len(p)-10])
	f.Fuzz(func(t *testing.T, body []byte) {
		p := append(bytes.Clone(body), Version, 0)
		p = binary.LittleEndian.AppendUint64(p, CRC64(0, p))
		v, err := ParsePayload(p, srv, nil)
		if s, ok := v.(*db.Stream); err == nil && ok {
			s.Range(stream.ID{}, stream.MaxID, false, true, func(*stream.Entry) bool { return true })
			s.Range(stream.ID{}, stream.MaxID, true, true, func(*stream.Entry) bool { return true })
			s.Stream.Clone().Trim(&stream.TrimArgs{Strategy: stream.TrimMaxLen, MaxLen: 1})
		}
	})
}
