package rdb

// redis-check-rdb: the server's executable run under that name checks an
// RDB file as Redis's does (redis-check-rdb.c), and a server that finds
// its dump file corrupt at startup prints the same report before it exits.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// checkDoing are the steps of a check, as the report names them.
var checkDoing = []string{"start", "read-type", "read-expire", "read-key", "read-object-value",
	"check-sum", "read-len", "read-aux", "read-module-aux", "read-functions"}

const (
	doingStart = iota
	doingReadType
	doingReadExpire
	doingReadKey
	doingReadValue
	doingCheckSum
	doingReadLen
	doingReadAux
	doingReadModuleAux
	doingReadFunctions
)

// checkTypeNames are the value types, as the report names them.
var checkTypeNames = []string{"string", "list-linked", "set-hashtable", "zset-v1", "hash-hashtable",
	"zset-v2", "module-value", "", "", "hash-zipmap", "list-ziplist", "set-intset", "zset-ziplist",
	"hash-ziplist", "quicklist", "stream", "hash-listpack", "zset-listpack", "quicklist-v2"}

// checker is redis-check-rdb's state while it reads a file.
type checker struct {
	out                    io.Writer
	d                      *Decoder
	doing                  int
	key                    []byte
	keyType                int
	keys, expires, expired int
}

func (c *checker) info(format string, args ...any) {
	var off int64
	if c.d != nil {
		off = c.d.Offset()
	}
	fmt.Fprintf(c.out, "[offset %d] %s\n", off, fmt.Sprintf(format, args...))
}

func (c *checker) stats() {
	fmt.Fprintf(c.out, "[info] %d keys read\n[info] %d expires\n[info] %d already expired\n", c.keys, c.expires, c.expired)
}

func (c *checker) error(format string, args ...any) {
	fmt.Fprintf(c.out, "--- RDB ERROR DETECTED ---\n")
	c.info(format, args...)
	fmt.Fprintf(c.out, "[additional info] While doing: %s\n", checkDoing[c.doing])
	if c.key != nil {
		fmt.Fprintf(c.out, "[additional info] Reading key '%s'\n", c.key)
	}
	if c.keyType >= 0 {
		name := "unknown"
		if c.keyType < len(checkTypeNames) {
			name = checkTypeNames[c.keyType]
		}
		fmt.Fprintf(c.out, "[additional info] Reading type %d (%s)\n", c.keyType, name)
	}
	c.stats()
}

// Check checks the RDB file at path as redis-check-rdb does, writing its
// report to out. A corruption that Redis reports with rdbReportCorruptRDB
// is returned as its *Report (Redis then logs "Terminating server after
// rdb file reading failure." and exits); any other problem as an error
// already reported.
func Check(path string, out io.Writer) error {
	// The type starts at 0, as Redis's zeroed state: an error before the
	// first key reports "type 0 (string)".
	c := &checker{out: out}
	c.info("Checking RDB file %s", path)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = c.run(f)
	var rep *Report
	switch {
	case err == nil:
		c.info("\\o/ RDB looks OK! \\o/")
		c.stats()
	case errors.As(err, &rep):
		c.error("%s", rep.LogLine(0))
	case errors.Is(err, errReported):
	default:
		c.error("Unexpected EOF reading RDB file")
	}
	return err
}

// errReported is a failure the check already reported.
var errReported = errors.New("reported")

func (c *checker) run(f *os.File) error {
	srv := db.NewServer(config.New())
	bld := srv.Builder()
	d := NewDecoder(f)
	if n := sizeOf(f); n > 0 {
		d.MaxString = uint64(n)
	}
	d.Deep = true
	c.d = d
	var magic [9]byte
	if _, err := d.Read(magic[:]); err != nil {
		return err
	}
	if !bytes.Equal(magic[:5], []byte("REDIS")) {
		c.error("Wrong signature trying to load DB from file")
		return errReported
	}
	ver, _ := strconv.Atoi(string(magic[5:]))
	if ver < 1 || ver > Version {
		c.error("Can't handle RDB format version %d", ver)
		return errReported
	}
	now := time.Now().UnixMilli()
	expire := int64(-1)
	for {
		c.doing = doingReadType
		t, err := d.Byte()
		if err != nil {
			return err
		}
		switch t {
		case OpExpireTime, OpExpireTimeMs:
			c.doing = doingReadExpire
			if t == OpExpireTime {
				s, err := d.SecondsTime()
				if err != nil {
					return err
				}
				expire = s * 1000
			} else if expire, err = d.MillisTime(); err != nil {
				return err
			}
			continue
		case OpFreq:
			if _, err := d.Byte(); err != nil {
				return err
			}
			continue
		case OpIdle:
			if _, err := d.PlainLen(); err != nil {
				return err
			}
			continue
		case OpEOF:
			return c.checksum(ver)
		case OpSelectDB:
			c.doing = doingReadLen
			id, err := d.PlainLen()
			if err != nil {
				return err
			}
			c.info("Selecting DB ID %d", id)
			continue
		case OpResizeDB:
			c.doing = doingReadLen
			for range 2 {
				if _, err := d.PlainLen(); err != nil {
					return err
				}
			}
			continue
		case OpAux:
			c.doing = doingReadAux
			k, err := d.String()
			if err != nil {
				return err
			}
			v, err := d.String()
			if err != nil {
				return err
			}
			c.info("AUX FIELD %s = '%s'", k, v)
			continue
		case OpModuleAux:
			c.doing = doingReadModuleAux
			c.error("The RDB file contains module data I can't load")
			return errReported
		case OpFunction, OpFunction2:
			c.doing = doingReadFunctions
			if _, err := ReadFunction(d, t); err != nil {
				c.error("Failed loading library, %v", err)
				return errReported
			}
			continue
		}
		if t == 8 || t > TypeStreamListpacks2 { // rdbIsObjectType
			c.error("Invalid object type: %d", t)
			return errReported
		}
		if t == TypeModule || t == TypeModule2 {
			c.error("Invalid object type: %d", t)
			return errReported
		}
		c.keyType = int(t)
		c.doing = doingReadKey
		key, err := d.String()
		if err != nil {
			return err
		}
		c.key = key
		c.keys++
		c.doing = doingReadValue
		if _, err := ReadValue(d, t, bld); err != nil { // an empty key too, as Redis
			return err
		}
		if expire != -1 {
			c.expires++
			if expire < now {
				c.expired++
			}
		}
		c.key, c.keyType, expire = nil, -1, -1
	}
}

// checksum reads and checks the CRC64 that ends a file of version 5 or
// later.
func (c *checker) checksum(ver int) error {
	if ver < 5 {
		return nil
	}
	c.doing = doingCheckSum
	want := c.d.CRC()
	var sum [8]byte
	if _, err := c.d.Read(sum[:]); err != nil {
		return err
	}
	switch got := uint64(sum[0]) | uint64(sum[1])<<8 | uint64(sum[2])<<16 | uint64(sum[3])<<24 |
		uint64(sum[4])<<32 | uint64(sum[5])<<40 | uint64(sum[6])<<48 | uint64(sum[7])<<56; {
	case got == 0:
		c.info("RDB file was saved with checksum disabled: no check performed.")
	case got != want:
		c.error("RDB CRC error")
		return errReported
	default:
		c.info("Checksum OK")
	}
	return nil
}

// CheckMain is redis-check-rdb's command line: the server's executable
// run as redis-check-rdb. It returns the exit status.
func CheckMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "Usage: %s <rdb-file-name>\n", args[0])
		return 1
	}
	if args[1] == "-v" || args[1] == "--version" {
		fmt.Printf("redis-check-rdb %s\n", db.RedisVersion)
		return 0
	}
	err := Check(args[1], os.Stdout)
	var rep *Report
	if errors.As(err, &rep) {
		logger.SetRole('C')
		logger.Warningf("Terminating server after rdb file reading failure.")
	}
	if err != nil {
		return 1
	}
	return 0
}
