package rdb

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/resp"
)

// DEBUG DIGEST and DEBUG DIGEST-VALUE, computed exactly as Redis's debug.c
// does, so that equal datasets give equal digests here and in real Redis:
// the cheapest proof that a replica, a reload or an RDB converted by the
// other server holds the same data. Ordered things (a list, the db id
// before its keys) are mixed in: digest = SHA1(digest xor SHA1(data));
// unordered things (keys, set members, hash fields) are xored.

type digest [20]byte

func (d *digest) xor(p []byte) {
	h := sha1.Sum(p)
	for i := range d {
		d[i] ^= h[i]
	}
}

func (d *digest) mix(p []byte) {
	d.xor(p)
	*d = sha1.Sum(d[:])
}

// Redis's object type numbers, mixed into each key's digest.
const (
	objString = 0
	objList   = 1
	objSet    = 2
	objZset   = 3
	objHash   = 4
)

func (d *digest) mixType(t uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], t)
	d.mix(b[:])
}

// valueDigest adds a value (and the expire marker) to d as xorObjectDigest.
func valueDigest(d *digest, val any, hasExpire bool) {
	var buf [32]byte
	switch v := val.(type) {
	case []byte:
		d.mixType(objString)
		d.mix(v)
	case int64:
		d.mixType(objString)
		d.mix(strconv.AppendInt(buf[:0], v, 10))
	case *db.List:
		d.mixType(objList)
		v.Each(func(s []byte, n int64, isInt bool) bool {
			if isInt {
				s = strconv.AppendInt(buf[:0], n, 10)
			}
			d.mix(s)
			return true
		})
	case *db.Set:
		d.mixType(objSet)
		v.Each(func(m []byte) bool {
			d.xor(m)
			return true
		})
	case *db.ZSet:
		d.mixType(objZset)
		v.EachUnordered(func(m []byte, score float64) bool {
			var ele digest
			ele.mix(m)
			ele.mix(resp.AppendDouble(buf[:0], score))
			d.xor(ele[:])
			return true
		})
	case *db.Hash:
		d.mixType(objHash)
		v.Each(func(f, val []byte) bool {
			var ele digest
			ele.mix(f)
			ele.mix(val)
			d.xor(ele[:])
			return true
		})
	case *db.Stream:
		digestStream(d, v)
	}
	if hasExpire {
		d.xor([]byte("!!expire!!"))
	}
}

// DatasetDigest is DEBUG DIGEST's value: 40 hex zeros for an empty dataset.
func DatasetDigest(s *db.Server) string {
	var final digest
	for _, d := range s.DBs {
		if d.Len() == 0 {
			continue
		}
		var id [4]byte
		binary.BigEndian.PutUint32(id[:], uint32(d.ID))
		final.mix(id[:])
		d.Each(func(key string, val any) bool {
			var kd digest
			kd.mix([]byte(key))
			valueDigest(&kd, val, d.Expire([]byte(key)) >= 0)
			final.xor(kd[:])
			return true
		})
	}
	return hex.EncodeToString(final[:])
}

func debugDigest(c *db.Client) {
	c.Status(DatasetDigest(c.Srv()))
	c.Srv().WalkLists() // as Redis's walk leaves compressed list nodes
}

func debugDigestValue(c *db.Client) {
	c.ArrayLen(len(c.Argv) - 2)
	for _, key := range c.Argv[2:] {
		var d digest
		if v := c.DB.Peek(key); v != nil {
			valueDigest(&d, v, c.DB.Expire(key) >= 0)
			c.DB.WalkList(key)
		}
		c.Status(hex.EncodeToString(d[:]))
	}
}
