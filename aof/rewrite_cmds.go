// The base file of a rewrite when aof-use-rdb-preamble is no: the dataset
// written as the commands that rebuild it, as Redis 7.0's
// rewriteAppendOnlyFileRio. Each non-empty database opens with SELECT;
// each key is one SET, or RPUSH / SADD / ZADD / HMSET commands of at most
// itemsPerCmd elements each, followed by PEXPIREAT when it has a TTL.
// Numbers are written as Redis writes them: integers in decimal, scores
// as "%.17g" (inf and -inf spelled out), so that the file is byte for byte
// the one Redis writes for the same values, up to the order of keys and of
// the members of unordered collections.
//
// Streams and functions do not exist in this server yet: when they do,
// FUNCTION LOAD for each library comes before the first SELECT, and a
// stream key is XADD / XSETID / XGROUP CREATE / XCLAIM as
// rewriteStreamObject.
//
// WriteCommands only reads a snapshot: it runs on the rewrite's goroutine.

package aof

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unsafe"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/resp"
)

// itemsPerCmd is AOF_REWRITE_ITEMS_PER_CMD: the elements (or pairs) one
// rewritten command carries, to bound the size of each command.
const itemsPerCmd = 64

// WriteCommands writes sn as the commands that rebuild it. ts > 0 adds the
// "#TS:<ts>\r\n" annotation first (aof-timestamp-enabled), then a FUNCTION
// LOAD for each library of functions. afterKey, when
// not nil, is called after each key (rdb-key-save-delay, a kill): an error
// stops the write and is returned.
func WriteCommands(w io.Writer, sn *db.Snapshot, ts int64, functions []string, afterKey func() error) error {
	cw := cmdWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if ts > 0 {
		cw.write(append(strconv.AppendInt(append(cw.num[:0], "#TS:"...), ts, 10), '\r', '\n'))
	}
	// The function libraries first, as Redis's rewriteFunctions.
	for _, code := range functions {
		cw.raw("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n")
		cw.bulk([]byte(code))
	}
	for _, d := range sn.DBs {
		if d.Keys.Len() == 0 {
			continue
		}
		cw.raw("*2\r\n$6\r\nSELECT\r\n")
		cw.bulkInt(int64(d.ID))
		var err error
		d.Keys.Each(func(key string, val any) bool {
			k := unsafe.Slice(unsafe.StringData(key), len(key))
			if err = cw.key(k, val); err != nil {
				return false
			}
			if when, ok := d.Expires.Find(key); ok {
				cw.raw("*3\r\n$9\r\nPEXPIREAT\r\n")
				cw.bulk(k)
				cw.bulkInt(when)
			}
			if afterKey != nil && cw.err == nil {
				cw.err = afterKey()
			}
			return cw.err == nil
		})
		if err != nil {
			return err
		}
		if cw.err != nil {
			return cw.err
		}
	}
	if err := cw.w.Flush(); err != nil {
		return err
	}
	return cw.err
}

// cmdWriter writes RESP and remembers the first error, as a rio whose
// every write is checked.
type cmdWriter struct {
	w   *bufio.Writer
	err error
	num [32]byte
}

func (cw *cmdWriter) write(b []byte) {
	if cw.err == nil {
		_, cw.err = cw.w.Write(b)
	}
}

func (cw *cmdWriter) raw(s string) {
	if cw.err == nil {
		_, cw.err = cw.w.WriteString(s)
	}
}

// header writes "<prefix><n>\r\n", as rioWriteBulkCount.
func (cw *cmdWriter) header(prefix byte, n int) {
	b := append(cw.num[:0], prefix)
	b = strconv.AppendInt(b, int64(n), 10)
	cw.write(append(b, '\r', '\n'))
}

func (cw *cmdWriter) bulk(b []byte) {
	cw.header('$', len(b))
	if cw.err == nil {
		cw.w.Write(b)
		_, cw.err = cw.w.WriteString("\r\n")
	}
}

func (cw *cmdWriter) bulkString(s string) {
	cw.header('$', len(s))
	if cw.err == nil {
		cw.w.WriteString(s)
		_, cw.err = cw.w.WriteString("\r\n")
	}
}

// bulkInt writes an integer as a bulk string, as rioWriteBulkLongLong.
func (cw *cmdWriter) bulkInt(n int64) {
	var buf [20]byte
	cw.bulk(strconv.AppendInt(buf[:0], n, 10))
}

// bulkDouble writes a score as rioWriteBulkDouble ("%.17g").
func (cw *cmdWriter) bulkDouble(f float64) {
	var buf [32]byte
	cw.bulk(resp.AppendDouble(buf[:0], f))
}

// batch starts a command of name and key every itemsPerCmd elements: at
// element i of n, with argsPerItem arguments each (1, or 2 for pairs).
func (cw *cmdWriter) batch(i, n, argsPerItem int, name string, key []byte) {
	if i%itemsPerCmd != 0 {
		return
	}
	cw.header('*', 2+min(n-i, itemsPerCmd)*argsPerItem)
	cw.bulkString(name)
	cw.bulk(key)
}

// key writes the commands that rebuild one value.
func (cw *cmdWriter) key(key []byte, val any) error {
	switch v := val.(type) {
	case []byte:
		cw.raw("*3\r\n$3\r\nSET\r\n")
		cw.bulk(key)
		cw.bulk(v)
	case int64:
		cw.raw("*3\r\n$3\r\nSET\r\n")
		cw.bulk(key)
		cw.bulkInt(v)
	case *db.List:
		i, n := 0, v.Len()
		v.Each(func(s []byte, num int64, isInt bool) bool {
			cw.batch(i, n, 1, "RPUSH", key)
			if isInt {
				cw.bulkInt(num)
			} else {
				cw.bulk(s)
			}
			i++
			return cw.err == nil
		})
	case *db.Set:
		i, n := 0, v.Len()
		v.Each(func(m []byte) bool {
			cw.batch(i, n, 1, "SADD", key)
			cw.bulk(m)
			i++
			return cw.err == nil
		})
	case *db.ZSet:
		i, n := 0, v.Len()
		v.EachUnordered(func(m []byte, score float64) bool {
			cw.batch(i, n, 2, "ZADD", key)
			cw.bulkDouble(score)
			cw.bulk(m)
			i++
			return cw.err == nil
		})
	case *db.Hash:
		i, n := 0, v.Len()
		v.Each(func(f, value []byte) bool {
			cw.batch(i, n, 2, "HMSET", key)
			cw.bulk(f)
			cw.bulk(value)
			i++
			return cw.err == nil
		})
	case *db.Stream:
		cw.stream(key, v)
	default:
		return fmt.Errorf("aof: cannot rewrite a value of type %T", val)
	}
	return nil
}
