package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// DUMP and RESTORE move one value between servers in Redis's payload
// format: the RDB type byte and serialization, the RDB version as two
// little-endian bytes, and a CRC64 of all that, little-endian. A payload
// from real Redis 7.0 restores here and ours restores there.

func init() {
	db.RegisterCommand("dump", dumpCommand)
	db.RegisterCommand("restore", restoreCommand)
	db.RegisterCommand("restore-asking", restoreCommand) // MIGRATE's, in cluster mode
}

// DumpPayload serializes a value.
func DumpPayload(val any, compress bool) ([]byte, error) {
	var buf bytes.Buffer
	e := NewEncoder(&buf, compress, false)
	t, err := objectType(val)
	if err != nil {
		return nil, err
	}
	e.Byte(t)
	if err := WriteValue(e, val); err != nil {
		return nil, err
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	out = append(out, Version, 0)
	return binary.LittleEndian.AppendUint64(out, CRC64(0, out)), nil
}

// ParsePayload checks a payload's version and checksum and decodes it,
// for RESTORE by c (nil: another caller). A corrupt value is logged at
// verbose level as rdbReportCorruptRDB does in a RESTORE.
func ParsePayload(p []byte, srv *db.Server, c *db.Client) (any, error) {
	if len(p) < 10 {
		return nil, errBadPayload
	}
	footer := p[len(p)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > Version {
		return nil, errBadPayload
	}
	if crc := binary.LittleEndian.Uint64(footer[2:]); crc != CRC64(0, p[:len(p)-8]) && !srv.SkipChecksumValidation {
		return nil, errBadPayload
	}
	body := p[:len(p)-10]
	d := NewDecoder(bytes.NewReader(body))
	d.MaxString = uint64(len(body))
	d.Deep = sanitizeDeep(srv, c)
	t, err := d.Byte()
	if err != nil {
		return nil, errBadData
	}
	val, err := ReadValue(d, t, srv.Builder())
	srv.Stats.DumpPayloadSanitizations += d.Sanitizations
	if rep := (*Report)(nil); errors.As(err, &rep) {
		logger.Verbosef("%s", rep.LogLine(0))
	}
	if err != nil || d.Offset() != int64(len(body)) {
		return nil, errBadData
	}
	return val, nil
}

// sanitizeDeep is whether sanitize-dump-payload asks for the deep check of
// a RESTORE by c: always with yes; with clients, unless c is our master
// or its user has skip-sanitize-payload.
func sanitizeDeep(srv *db.Server, c *db.Client) bool {
	switch srv.Config.String("sanitize-dump-payload") {
	case "yes":
		return true
	case "clients":
		return c != nil && c.Flags&db.ClientMaster == 0 && !c.SkipsSanitizePayload()
	}
	return false
}

type restoreError string

func (e restoreError) Error() string { return string(e) }

const (
	errBadPayload = restoreError("ERR DUMP payload version or checksum are wrong")
	errBadData    = restoreError("ERR Bad data format")
)

func dumpCommand(c *db.Client) {
	v := c.DB.LookupRead(c.Argv[1])
	if v == nil {
		c.Null()
		return
	}
	p, err := DumpPayload(v, c.Srv().Config.Bool("rdbcompression"))
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	c.Bulk(p)
}

// restoreCommand is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s]
// [FREQ f].
func restoreCommand(c *db.Client) {
	s := c.Srv()
	key := c.Argv[1]
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1) // only one of the two: LRU or LFU
	for i := 4; i < len(c.Argv); i++ {
		more := i+1 < len(c.Argv)
		switch strings.ToLower(c.Arg(i)) {
		case "replace":
			replace = true
		case "absttl":
			absTTL = true
		case "idletime":
			if !more || freq >= 0 {
				c.Error(db.ErrSyntax)
				return
			}
			i++
			v, ok := db.ParseInt(c.Argv[i])
			switch {
			case !ok:
				c.Error(db.ErrNotInteger)
				return
			case v < 0:
				c.Error("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = v
		case "freq":
			if !more || idle >= 0 {
				c.Error(db.ErrSyntax)
				return
			}
			i++
			v, ok := db.ParseInt(c.Argv[i])
			switch {
			case !ok:
				c.Error(db.ErrNotInteger)
				return
			case v < 0 || v > 255:
				c.Error("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = v
		default:
			c.Error(db.ErrSyntax)
			return
		}
	}
	ttl, ok := db.ParseInt(c.Argv[2])
	if !ok {
		c.Error(db.ErrNotInteger)
		return
	}
	if ttl < 0 {
		c.Error("ERR Invalid TTL value, must be >= 0")
		return
	}
	if !replace && c.DB.LookupWrite(key) != nil {
		c.Error("BUSYKEY Target key name already exists.")
		return
	}
	val, err := ParsePayload(c.Argv[3], s, c)
	if err != nil {
		c.Error(err.Error())
		return
	}
	deleted := replace && c.DB.Delete(key)
	if ttl > 0 && !absTTL {
		ttl += s.Now()
	}
	if ttl > 0 && ttl < s.Now() && !s.IsReplica {
		if deleted {
			c.RewriteArgv([]byte("DEL"), append([]byte(nil), key...))
			s.NotifyKeyspaceEvent(db.NotifyGeneric, "del", key, c.DB.ID)
			s.Dirty++
		}
		c.OK()
		return
	}
	c.DB.AddWithClock(key, val, s.KeyClock(freq, idle))
	if ttl > 0 {
		c.DB.SetExpire(key, ttl)
		if !absTTL {
			argv := make([][]byte, 0, len(c.Argv)+1)
			for i, a := range c.Argv {
				if i == 2 {
					a = db.FormatInt(ttl)
				}
				argv = append(argv, append([]byte(nil), a...))
			}
			c.RewriteArgv(append(argv, []byte("ABSTTL"))...)
		}
	}
	s.SignalKeyAsReady(c.DB, key)
	s.NotifyKeyspaceEvent(db.NotifyGeneric, "restore", key, c.DB.ID)
	s.Dirty++
	c.OK()
}

// serializedLength is DEBUG OBJECT's serializedlength.
func serializedLength(v any) int {
	var buf bytes.Buffer
	e := NewEncoder(&buf, true, false)
	if WriteValue(e, v) != nil || e.Flush() != nil {
		return 0
	}
	return buf.Len()
}
