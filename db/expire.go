package db

// Expire commands, as Redis's expire.c: EXPIRE, PEXPIRE, EXPIREAT,
// PEXPIREAT (with NX, XX, GT, LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and
// PERSIST. The active expire cycle is in cron.go.
//
// An expire time is absolute unix milliseconds. Replicas and the AOF get
// every new expire time as PEXPIREAT, so they agree on the instant whatever
// the delay of the stream; an expire time already past deletes the key at
// once, propagated as DEL (UNLINK with lazyfree-lazy-expire), except on a
// replica or while loading, where the key waits for the master's DEL.

import (
	"math"
	"strconv"
	"time"

	"github.com/redis-go/redis-server/logger"
)

func init() {
	register("expire", expireCommand)
	register("pexpire", pexpireCommand)
	register("expireat", expireatCommand)
	register("pexpireat", pexpireatCommand)
	register("ttl", ttlCommand)
	register("pttl", pttlCommand)
	register("expiretime", expiretimeCommand)
	register("pexpiretime", pexpiretimeCommand)
	register("persist", persistCommand)
}

// Names of propagated commands; shared, never written.
var (
	pexpireatName = []byte("PEXPIREAT")
	delName       = []byte("DEL")
	unlinkName    = []byte("UNLINK")
)

// Conditions of EXPIRE and friends.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func expireCommand(c *Client)    { expireGeneric(c, c.srv.Now(), true) }
func pexpireCommand(c *Client)   { expireGeneric(c, c.srv.Now(), false) }
func expireatCommand(c *Client)  { expireGeneric(c, 0, true) }
func pexpireatCommand(c *Client) { expireGeneric(c, 0, false) }

// expireFlags parses the conditions after the time; Redis checks them
// before the time itself.
func expireFlags(c *Client) (int, bool) {
	flags := 0
	for j := 3; j < len(c.Argv); j++ {
		switch {
		case c.ArgIs(j, "nx"):
			flags |= expireNX
		case c.ArgIs(j, "xx"):
			flags |= expireXX
		case c.ArgIs(j, "gt"):
			flags |= expireGT
		case c.ArgIs(j, "lt"):
			flags |= expireLT
		default:
			c.Error("ERR Unsupported option " + string(c.Argv[j]))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.Error("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return flags, true
}

// expireGeneric is Redis's expireGenericCommand: basetime is now for the
// relative forms and 0 for the *AT forms.
func expireGeneric(c *Client, basetime int64, seconds bool) {
	flags, ok := expireFlags(c)
	if !ok {
		return
	}
	when, ok := c.IntArg(2)
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Error("ERR invalid expire time in '" + c.Cmd.FullName() + "' command")
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-basetime {
		c.Error("ERR invalid expire time in '" + c.Cmd.FullName() + "' command")
		return
	}
	when += basetime

	db, key := c.DB, c.Argv[1]
	if db.LookupWrite(key) == nil {
		c.Int(0)
		return
	}
	if flags != 0 {
		cur := db.Expire(key)
		switch {
		case flags&expireNX != 0 && cur != -1,
			flags&expireXX != 0 && cur == -1,
			// No expire time is an infinite TTL: GT always fails.
			flags&expireGT != 0 && (cur == -1 || when <= cur),
			flags&expireLT != 0 && cur != -1 && when >= cur:
			c.Int(0)
			return
		}
	}

	s := c.srv
	if when <= s.Now() && !s.Loading && !s.IsReplica {
		db.Delete(key)
		s.Dirty++
		name := delName
		if s.Config.Bool("lazyfree-lazy-expire") {
			name = unlinkName
		}
		c.RewriteArgv(name, key)
		s.notifyKeyspaceEvent(NotifyGeneric, "del", key, db.ID)
		c.Int(1)
		return
	}
	db.SetExpire(key, when)
	s.signalModifiedKey(db, key)
	c.Int(1)
	// Propagate as PEXPIREAT with the absolute time, keeping the
	// conditions. The key and conditions stay borrowed: the argv is
	// propagated before the call returns.
	if c.Cmd.Name != "pexpireat" || basetime != 0 || seconds {
		argv := make([][]byte, len(c.Argv))
		copy(argv, c.Argv)
		if c.Cmd.Name != "pexpireat" {
			argv[0] = pexpireatName
		}
		if basetime != 0 || seconds {
			argv[2] = strconv.AppendInt(nil, when, 10)
		}
		c.RewriteArgv(argv...)
	}
	s.notifyKeyspaceEvent(NotifyGeneric, "expire", key, db.ID)
	s.Dirty++
}

func ttlCommand(c *Client)         { ttlGeneric(c, false, false) }
func pttlCommand(c *Client)        { ttlGeneric(c, true, false) }
func expiretimeCommand(c *Client)  { ttlGeneric(c, false, true) }
func pexpiretimeCommand(c *Client) { ttlGeneric(c, true, true) }

// ttlGeneric answers -2 for a missing key, -1 for a key without expire
// time, else the time left (or the absolute time), rounded to the nearest
// second for the second forms.
func ttlGeneric(c *Client, ms, abs bool) {
	key := c.Argv[1]
	if c.DB.LookupReadNoTouch(key) == nil {
		c.Int(-2)
		return
	}
	expire := c.DB.Expire(key)
	if expire == -1 {
		c.Int(-1)
		return
	}
	ttl := expire
	if !abs {
		ttl = expire - c.srv.Now()
	}
	ttl = max(ttl, 0)
	if !ms {
		// Unsigned, as Redis's compiled code behaves for a time near
		// the int64 limit.
		ttl = int64((uint64(ttl) + 500) / 1000)
	}
	c.Int(ttl)
}

func persistCommand(c *Client) {
	db, key := c.DB, c.Argv[1]
	if db.LookupWrite(key) == nil || !db.Persist(key) {
		c.Int(0)
		return
	}
	c.srv.signalModifiedKey(db, key)
	c.srv.notifyKeyspaceEvent(NotifyGeneric, "persist", key, db.ID)
	c.srv.Dirty++
	c.Int(1)
}

// Keys written with an expire time on a writable replica (replica-read-only
// no) by its own clients, as Redis's slaveKeysWithExpire: the master knows
// nothing of them and sends no DEL, so the replica expires them itself.
// Each key maps to a bitmap of the databases (0 to 63) it has one in.

// rememberReplicaKeyWithExpire is Redis's rememberSlaveKeyWithExpire.
func (s *Server) rememberReplicaKeyWithExpire(db *DB, key []byte) {
	if db.ID > 63 {
		logger.Warningf("Writable replica is setting an expire for a key in a DB with ID greater than 63. Automatic expire of keys in DB with ID greater than 63 is not supported.")
		return
	}
	if s.replicaKeysWithExpire == nil {
		s.replicaKeysWithExpire = map[string]uint64{}
	}
	s.replicaKeysWithExpire[string(key)] |= 1 << db.ID
}

// expireReplicaKeys is Redis's expireSlaveKeys, the replica's part of the
// cron: it checks remembered keys at random, deletes those expired, and
// forgets keys left without an expire time, until it found more than 3
// keys not expired yet or used a millisecond.
func (s *Server) expireReplicaKeys(now time.Time) {
	cycles, noExpire := 0, 0
	nowMs := now.UnixMilli()
	for key, dbids := range s.replicaKeysWithExpire { // random order
		kept := uint64(0)
		for id := 0; dbids != 0 && id < len(s.DBs); id, dbids = id+1, dbids>>1 {
			if dbids&1 == 0 {
				continue
			}
			db := s.DBs[id]
			when, ok := db.expires.Find(key)
			if !ok {
				continue
			}
			if when <= nowMs {
				db.deleteExpired([]byte(key))
				continue
			}
			noExpire++
			kept |= 1 << id
		}
		if kept != 0 {
			s.replicaKeysWithExpire[key] = kept
		} else {
			delete(s.replicaKeysWithExpire, key)
		}
		if cycles++; noExpire > 3 || cycles%64 == 0 && time.Since(now) > time.Millisecond {
			break
		}
	}
}
