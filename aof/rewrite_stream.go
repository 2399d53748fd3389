package aof

import (
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/stream"
)

// stream writes the commands that rebuild a stream, as rewriteStreamObject:
// an XADD per entry (an empty stream is made by an XADD trimmed away),
// XSETID for the last ID, entries added and max deleted ID, then each
// group with XGROUP CREATE ... ENTRIESREAD, its consumers without pending
// entries by XGROUP CREATECONSUMER and each pending entry by
// XCLAIM ... TIME RETRYCOUNT JUSTID FORCE.
func (cw *cmdWriter) stream(key []byte, s *db.Stream) {
	var buf [44]byte
	id := func(id stream.ID) { cw.bulk(id.Append(buf[:0])) }
	if s.Length > 0 {
		var fb, vb [20]byte
		s.Range(stream.ID{}, stream.MaxID, false, false, func(e *stream.Entry) bool {
			cw.header('*', 3+2*e.NumFields())
			cw.bulkString("XADD")
			cw.bulk(key)
			id(e.ID)
			e.Fields(func(f, v stream.Value) {
				cw.bulk(f.Bytes(&fb))
				cw.bulk(v.Bytes(&vb))
			})
			return cw.err == nil
		})
	} else {
		cw.header('*', 7)
		cw.bulkString("XADD")
		cw.bulk(key)
		cw.bulkString("MAXLEN")
		cw.bulkString("0")
		id(stream.ID{Seq: 1})
		cw.bulkString("x")
		cw.bulkString("y")
	}
	cw.header('*', 7)
	cw.bulkString("XSETID")
	cw.bulk(key)
	id(s.LastID)
	cw.bulkString("ENTRIESADDED")
	cw.bulkInt(int64(s.EntriesAdded))
	cw.bulkString("MAXDELETEDID")
	id(s.MaxDeletedID)
	for _, g := range s.Groups {
		cw.header('*', 7)
		cw.bulkString("XGROUP")
		cw.bulkString("CREATE")
		cw.bulk(key)
		cw.bulkString(g.Name)
		id(g.LastID)
		cw.bulkString("ENTRIESREAD")
		cw.bulkInt(g.EntriesRead)
		for _, c := range g.Consumers {
			if c.PEL.Len() == 0 {
				cw.header('*', 5)
				cw.bulkString("XGROUP")
				cw.bulkString("CREATECONSUMER")
				cw.bulk(key)
				cw.bulkString(g.Name)
				cw.bulkString(c.Name)
				continue
			}
			for it := c.PEL.Iter(); it.Valid(); it.Next() {
				pid, nack := it.ID(), it.NACK()
				cw.header('*', 12)
				cw.bulkString("XCLAIM")
				cw.bulk(key)
				cw.bulkString(g.Name)
				cw.bulkString(c.Name)
				cw.bulkString("0")
				id(pid)
				cw.bulkString("TIME")
				cw.bulkInt(nack.DeliveryTime)
				cw.bulkString("RETRYCOUNT")
				cw.bulkInt(int64(nack.DeliveryCount))
				cw.bulkString("JUSTID")
				cw.bulkString("FORCE")
			}
		}
	}
}
