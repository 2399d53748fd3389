package rdb

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/dict"
)

// Options are the settings of one save.
type Options struct {
	Compress bool // rdbcompression
	Checksum bool // rdbchecksum
	// WithReplInfo adds repl-stream-db, repl-id and repl-offset, as Redis
	// does when it has a replication history worth resuming.
	WithReplInfo bool
	// UsedMem is reported in the used-mem aux field.
	UsedMem int64
	// AOFBase marks the file as the base of an AOF (aof-base 1), as the
	// RDB preamble of a rewrite is.
	AOFBase bool
	// Functions is the code of every function library, saved before the
	// databases (FunctionsOf fills it on the loop).
	Functions []string
	// Cancel, when set, stops the write after the key being written.
	Cancel *atomic.Bool
	// KeysWritten, when set, counts the keys written so far: the progress
	// of a BGSAVE (INFO's current_save_keys_processed) or of a full sync
	// that streams the RDB (package repl).
	KeysWritten *atomic.Int64
	// KeySaveDelay is rdb-key-save-delay: microseconds to sleep after each
	// key (a negative -n sleeps 1µs once in n keys), to slow a save down in
	// tests.
	KeySaveDelay int64
	// Clocks says whether keys carry their idle time (LRU policies) or
	// frequency (LFU) and reads them as of the snapshot (options fills it).
	Clocks db.ClockView
}

// KeySaveDelay sleeps as Redis's debugDelay (rdb-key-save-delay): usec
// microseconds, or, negative, 1µs once in -usec keys on average. Setting
// cancel (nil for none) cuts a long sleep short: Redis's child sleeping
// there dies at once when killed.
func KeySaveDelay(usec int64, cancel *atomic.Bool) {
	if usec < 0 {
		if rand.Int64N(-usec) != 0 {
			return
		}
		usec = 1
	}
	d := time.Duration(usec) * time.Microsecond
	const slice = 10 * time.Millisecond
	for cancel != nil && d > slice && !cancel.Load() {
		time.Sleep(slice)
		d -= slice
	}
	if cancel == nil || !cancel.Load() {
		time.Sleep(d)
	}
}

// Write serializes a snapshot as an RDB file. It only reads the snapshot,
// so it may run on any goroutine.
func Write(w io.Writer, sn *db.Snapshot, opt Options) (int64, error) {
	e := NewEncoder(w, opt.Compress, opt.Checksum)
	e.Header()
	e.Aux("redis-ver", []byte(db.RedisVersion))
	e.AuxInt("redis-bits", strconv.IntSize)
	e.AuxInt("ctime", sn.Time.Unix())
	e.AuxInt("used-mem", opt.UsedMem)
	if opt.WithReplInfo {
		e.AuxInt("repl-stream-db", int64(sn.ReplStreamDB))
		e.Aux("repl-id", []byte(sn.ReplID))
		e.AuxInt("repl-offset", sn.ReplOffset)
	}
	aofBase := int64(0)
	if opt.AOFBase {
		aofBase = 1
	}
	e.AuxInt("aof-base", aofBase)
	WriteFunctions(e, opt.Functions)
	for _, d := range sn.DBs {
		if d.Keys.Len() == 0 {
			continue
		}
		e.Byte(OpSelectDB)
		e.Len(uint64(d.ID))
		e.Byte(OpResizeDB)
		e.Len(uint64(d.Keys.Len()))
		e.Len(uint64(d.Expires.Len()))
		var err error
		d.Keys.EachEntry(func(en *dict.Entry[any]) bool {
			key, val := en.Key(), en.Val()
			if when, ok := d.Expires.Find(key); ok {
				e.Byte(OpExpireTimeMs)
				e.MillisTime(when)
			}
			writeClock(e, opt.Clocks, en.Clock())
			err = WriteObject(e, unsafe.Slice(unsafe.StringData(key), len(key)), val)
			if opt.KeysWritten != nil {
				opt.KeysWritten.Add(1)
			}
			if opt.KeySaveDelay != 0 {
				KeySaveDelay(opt.KeySaveDelay, opt.Cancel)
			}
			if err == nil && opt.Cancel != nil && opt.Cancel.Load() {
				err = errCancelled
			}
			return err == nil && e.Err() == nil
		})
		if err != nil {
			return e.Written(), err
		}
		if e.Err() != nil {
			return e.Written(), e.Err()
		}
	}
	err := e.Trailer()
	return e.Written(), err
}

// writeClock writes a key's IDLE or FREQ record, as rdbSaveKeyValuePair
// does under an LRU or an LFU policy.
func writeClock(e *Encoder, v db.ClockView, clock uint32) {
	switch {
	case v.LRU:
		e.Byte(OpIdle)
		e.Len(v.IdleSeconds(clock))
	case v.LFU:
		e.Byte(OpFreq)
		e.Byte(v.Freq(clock))
	}
}

// WriteObject writes a key's type byte, the key and its value.
func WriteObject(e *Encoder, key []byte, val any) error {
	t, err := objectType(val)
	if err != nil {
		return err
	}
	e.Byte(t)
	e.String(key)
	return WriteValue(e, val)
}

// objectType is the RDB type Redis 7.0 writes for a value.
func objectType(val any) (byte, error) {
	switch v := val.(type) {
	case []byte, int64:
		return TypeString, nil
	case *db.List:
		return TypeListQuicklist2, nil
	case *db.Hash:
		if v.Listpack() != nil {
			return TypeHashListpack, nil
		}
		return TypeHash, nil
	case *db.Set:
		if v.Intset() != nil {
			return TypeSetIntset, nil
		}
		return TypeSet, nil
	case *db.Stream:
		return TypeStreamListpacks2, nil
	}
	if t, ok := zsetType(val); ok {
		return t, nil
	}
	return 0, fmt.Errorf("rdb: cannot save a value of type %T", val)
}

// WriteValue writes the serialization of a value (no type byte).
func WriteValue(e *Encoder, val any) error {
	switch v := val.(type) {
	case []byte:
		e.String(v)
	case int64:
		e.Int(v)
	case *db.List:
		writeQuicklist(e, v)
	case *db.Hash:
		if lp := v.Listpack(); lp != nil {
			e.String(lp.Bytes())
			break
		}
		e.Len(uint64(v.Len()))
		v.Each(func(field, value []byte) bool {
			e.String(field)
			e.String(value)
			return true
		})
	case *db.Set:
		if is := v.Intset(); is != nil {
			e.String(is.Bytes())
			break
		}
		e.Len(uint64(v.Len()))
		v.Each(func(member []byte) bool {
			e.String(member)
			return true
		})
	case *db.Stream:
		writeStream(e, v)
	default:
		if !writeZset(e, val) {
			return fmt.Errorf("rdb: cannot save a value of type %T", val)
		}
	}
	return e.Err()
}

// WriteFunctions writes each library's code as an RDB_OPCODE_FUNCTION2
// record (rdbSaveFunctions): in every RDB, and as FUNCTION DUMP's payload.
func WriteFunctions(e *Encoder, codes []string) {
	for _, code := range codes {
		e.Byte(OpFunction2)
		e.String([]byte(code))
	}
}

// Functions is what the script engine (db.Server.Scripting) gives and
// takes of its function libraries.
type Functions interface {
	// FunctionsCode returns the code of every library.
	FunctionsCode() []string
	// LoadFunctions replaces the libraries with those of a loaded RDB,
	// or changes nothing and returns the error of the first that fails.
	LoadFunctions(codes []string) string
}

// FunctionsOf returns the code of srv's function libraries, to save. It
// must run on the loop.
func FunctionsOf(srv *db.Server) []string {
	if f, ok := srv.Scripting.(Functions); ok {
		return f.FunctionsCode()
	}
	return nil
}
