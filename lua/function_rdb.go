package lua

// FUNCTION DUMP and FUNCTION RESTORE: the libraries in DUMP's payload
// format (functionDumpCommand): an RDB_OPCODE_FUNCTION2 record per
// library, the RDB version as two little-endian bytes, and a CRC64 of all
// that, little-endian.

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/rdb"
)

func functionDumpCommand(c *db.Client) {
	var buf bytes.Buffer
	enc := rdb.NewEncoder(&buf, c.Srv().Config.Bool("rdbcompression"), false)
	rdb.WriteFunctions(enc, Of(c.Srv()).FunctionsCode())
	if err := enc.Flush(); err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	out := append(buf.Bytes(), rdb.Version, 0)
	c.Bulk(binary.LittleEndian.AppendUint64(out, rdb.CRC64(0, out)))
}

// restorePolicy is what FUNCTION RESTORE does with the libraries there.
type restorePolicy int

const (
	restoreAppend  restorePolicy = iota // a library that exists fails it
	restoreReplace                      // the payload's replace them
	restoreFlush                        // all are deleted first
)

// functionRestoreCommand is FUNCTION RESTORE <payload> [FLUSH|APPEND|REPLACE].
func functionRestoreCommand(c *db.Client) {
	if len(c.Argv) > 4 {
		subcommandSyntaxError(c)
		return
	}
	policy := restoreAppend
	if len(c.Argv) == 4 {
		switch {
		case c.ArgIs(3, "append"):
		case c.ArgIs(3, "replace"):
			policy = restoreReplace
		case c.ArgIs(3, "flush"):
			policy = restoreFlush
		default:
			c.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	p := c.Argv[2]
	if len(p) < 10 || binary.LittleEndian.Uint16(p[len(p)-10:]) > rdb.Version ||
		binary.LittleEndian.Uint64(p[len(p)-8:]) != rdb.CRC64(0, p[:len(p)-8]) {
		c.Error("ERR DUMP payload version or checksum are wrong")
		return
	}
	f := Of(c.Srv()).functions
	loaded, msg := f.readPayload(p[:len(p)-10])
	if msg == "" {
		var reg *registry
		if reg, msg = f.join(loaded, policy); msg == "" {
			f.reg = reg
			c.Srv().Dirty++
		}
	}
	if msg != "" {
		c.Srv().ErrorReply(c, msg)
		return
	}
	c.OK()
}

// readPayload compiles the libraries of a payload's body into a registry
// of their own, or returns the error to reply.
func (f *functions) readPayload(body []byte) (*registry, string) {
	reg := newRegistry()
	d := rdb.NewDecoder(bytes.NewReader(body))
	d.MaxString = uint64(len(body))
	for d.Offset() < int64(len(body)) {
		t, err := d.Byte()
		if err != nil {
			return nil, "can not read data type"
		}
		if t != rdb.OpFunction && t != rdb.OpFunction2 {
			return nil, "given type is not a function"
		}
		code, err := rdb.ReadFunction(d, t)
		if err != nil {
			msg, _, _ := strings.Cut(err.Error(), ":") // rdbFunctionLoad's words
			return nil, msg
		}
		if _, msg := f.create(reg, code, false); msg != "" {
			return nil, msg
		}
	}
	return reg, ""
}

// join returns the registry FUNCTION RESTORE installs (libraryJoin):
// the current one with loaded's libraries, or loaded alone with FLUSH.
func (f *functions) join(loaded *registry, policy restorePolicy) (*registry, string) {
	if policy == restoreFlush {
		return loaded, ""
	}
	reg := f.reg.clone()
	for _, name := range loaded.order {
		if old := reg.libs[name]; old != nil {
			if policy != restoreReplace {
				return nil, "Library " + name + " already exists"
			}
			reg.unlink(old)
		}
	}
	for _, name := range loaded.order {
		for _, fn := range loaded.libs[name].fns {
			if _, ok := reg.fns[strings.ToLower(fn.name)]; ok {
				return nil, "Function " + fn.name + " already exists"
			}
		}
	}
	for _, name := range loaded.order {
		reg.link(loaded.libs[name])
	}
	return reg, ""
}
