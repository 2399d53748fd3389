package rdb

// Streams in the RDB, as Redis 7.0's rdbSaveObject / rdbLoadObject for
// RDB_TYPE_STREAM_LISTPACKS(_2), and DEBUG DIGEST's share of them
// (xorObjectDigest). Redis 7.0 writes type 19:
//
//	<nodes> { <master ID: 16-byte string> <listpack> } ...
//	<length> <last ID ms> <seq> <first ID ms> <seq> <max deleted ID ms> <seq>
//	<entries added>
//	<groups> { <name> <last ID ms> <seq> <entries read>
//	           <PEL size> { <16-byte ID> <delivery time ms> <delivery count> } ...
//	           <consumers> { <name> <seen time ms>
//	                         <PEL size> { <16-byte ID> } ... } ... } ...
//
// Type 15 lacks the first ID, the max deleted ID, entries added and the
// groups' entries read, which the loader derives as Redis does.

import (
	"io"
	"strconv"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/internal/stream"
)

// objStream is OBJ_STREAM, mixed into a stream key's digest.
const objStream = 6

func writeStream(e *Encoder, s *db.Stream) {
	e.Len(uint64(len(s.Nodes)))
	for _, n := range s.Nodes {
		key := n.Master.Encode()
		e.String(key[:])
		e.String(n.LP.Bytes())
	}
	e.Len(s.Length)
	writeID(e, s.LastID)
	writeID(e, s.FirstID)
	writeID(e, s.MaxDeletedID)
	e.Len(s.EntriesAdded)
	e.Len(uint64(len(s.Groups)))
	for _, g := range s.Groups {
		e.String([]byte(g.Name))
		writeID(e, g.LastID)
		e.Len(uint64(g.EntriesRead))
		e.Len(uint64(g.PEL.Len()))
		for it := g.PEL.Iter(); it.Valid(); it.Next() {
			key := it.ID().Encode()
			e.Write(key[:])
			nack := it.NACK()
			e.MillisTime(nack.DeliveryTime)
			e.Len(nack.DeliveryCount)
		}
		e.Len(uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			e.String([]byte(c.Name))
			e.MillisTime(c.SeenTime)
			e.Len(uint64(c.PEL.Len()))
			for it := c.PEL.Iter(); it.Valid(); it.Next() {
				key := it.ID().Encode()
				e.Write(key[:])
			}
		}
	}
}

func writeID(e *Encoder, id stream.ID) {
	e.Len(id.Ms)
	e.Len(id.Seq)
}

func readID(d *Decoder) (stream.ID, error) {
	ms, err := d.PlainLen()
	if err != nil {
		return stream.ID{}, err
	}
	seq, err := d.PlainLen()
	return stream.ID{Ms: ms, Seq: seq}, err
}

// readStream loads a stream of type t (15 or 19).
func readStream(d *Decoder, t byte) (any, error) {
	s := stream.New()
	nodes, err := d.PlainLen()
	if err != nil {
		return nil, err
	}
	for ; nodes > 0; nodes-- {
		key, err := d.String()
		if err != nil {
			return nil, err
		}
		if len(key) != 16 {
			return nil, report(2342, "Stream node key entry is not the size of a stream ID")
		}
		b, err := d.String()
		if err != nil {
			return nil, err
		}
		d.sanitized()
		lp, err := listpack.FromBytes(b)
		if err != nil || !stream.ValidateNode(lp) {
			return nil, report(2361, "Stream listpack integrity check failed.")
		}
		if lp.Len() == 0 {
			return nil, report(2373, "Empty listpack inside stream")
		}
		if !s.AddNode(stream.DecodeID(key), lp) {
			return nil, report(2385, "Listpack re-added with existing key")
		}
	}
	if s.Length, err = d.PlainLen(); err != nil {
		return nil, err
	}
	if s.LastID, err = readID(d); err != nil {
		return nil, err
	}
	if t == TypeStreamListpacks2 {
		if s.FirstID, err = readID(d); err != nil {
			return nil, err
		}
		if s.MaxDeletedID, err = readID(d); err != nil {
			return nil, err
		}
		if s.EntriesAdded, err = d.PlainLen(); err != nil {
			return nil, err
		}
	} else {
		s.EntriesAdded = s.Length
		s.FirstID = s.EdgeID(true, true)
	}
	if s.Length > 0 && len(s.Nodes) == 0 {
		return nil, report(2429, "Stream length inconsistent with rax entries")
	}
	ngroups, err := d.PlainLen()
	if err != nil {
		return nil, err
	}
	for ; ngroups > 0; ngroups-- {
		if err := readGroup(d, t, s); err != nil {
			return nil, err
		}
	}
	return db.WrapStream(s), nil
}

func readGroup(d *Decoder, t byte, s *stream.Stream) error {
	name, err := d.String()
	if err != nil {
		return err
	}
	last, err := readID(d)
	if err != nil {
		return err
	}
	var entriesRead int64
	if t == TypeStreamListpacks2 {
		n, err := d.PlainLen()
		if err != nil {
			return err
		}
		entriesRead = int64(n)
	} else {
		entriesRead = s.EstimateDistanceFromFirstEverEntry(last)
	}
	g := s.CreateGroup(string(name), last, entriesRead)
	if g == nil {
		return report(2479, "Duplicated consumer group name %s", name)
	}
	npel, err := d.PlainLen()
	if err != nil {
		return err
	}
	var raw [16]byte
	for ; npel > 0; npel-- {
		if _, err := io.ReadFull(d, raw[:]); err != nil {
			return err
		}
		nack := &stream.NACK{}
		if nack.DeliveryTime, err = d.MillisTime(); err != nil {
			return err
		}
		if nack.DeliveryCount, err = d.PlainLen(); err != nil {
			return err
		}
		if !g.PEL.Insert(stream.DecodeID(raw[:]), nack) {
			return report(2515, "Duplicated global PEL entry loading stream consumer group")
		}
	}
	ncons, err := d.PlainLen()
	if err != nil {
		return err
	}
	for ; ncons > 0; ncons-- {
		cname, err := d.String()
		if err != nil {
			return err
		}
		c := g.CreateConsumer(string(cname), 0)
		if c == nil {
			return report(2543, "Duplicate stream consumer detected.")
		}
		if c.SeenTime, err = d.MillisTime(); err != nil {
			return err
		}
		n, err := d.PlainLen()
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, err := io.ReadFull(d, raw[:]); err != nil {
				return err
			}
			id := stream.DecodeID(raw[:])
			nack := g.PEL.Find(id)
			if nack == nil {
				return report(2573, "Consumer entry not found in group global PEL")
			}
			nack.Consumer = c
			if !c.PEL.Insert(id, nack) {
				return report(2584, "Duplicated consumer PEL entry  loading a stream consumer group")
			}
		}
	}
	for it := g.PEL.Iter(); it.Valid(); it.Next() {
		if it.NACK().Consumer == nil {
			return report(2603, "Stream CG PEL entry without consumer")
		}
	}
	return nil
}

// digestStream mixes the entries as xorObjectDigest: "<ms>.<seq>", then
// each field and value. Groups are not part of the digest.
func digestStream(d *digest, s *db.Stream) {
	d.mixType(objStream)
	var buf [44]byte
	var fb, vb [20]byte
	s.Range(stream.ID{}, stream.MaxID, false, false, func(e *stream.Entry) bool {
		id := strconv.AppendUint(buf[:0], e.ID.Ms, 10)
		id = append(id, '.')
		id = strconv.AppendUint(id, e.ID.Seq, 10)
		d.mix(id)
		e.Fields(func(f, v stream.Value) {
			d.mix(f.Bytes(&fb))
			d.mix(v.Bytes(&vb))
		})
		return true
	})
}
