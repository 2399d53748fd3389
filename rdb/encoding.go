package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/redis-go/redis-server/internal/num"
)

// Opcodes and object types of the RDB format, version 10 (Redis 7.0).
const (
	Version = 10

	OpFunction2    = 245
	OpFunction     = 246
	OpModuleAux    = 247
	OpIdle         = 248
	OpFreq         = 249
	OpAux          = 250
	OpResizeDB     = 251
	OpExpireTimeMs = 252
	OpExpireTime   = 253
	OpSelectDB     = 254
	OpEOF          = 255

	TypeString           = 0
	TypeList             = 1
	TypeSet              = 2
	TypeZset             = 3
	TypeHash             = 4
	TypeZset2            = 5
	TypeModule           = 6
	TypeModule2          = 7
	TypeHashZipmap       = 9
	TypeListZiplist      = 10
	TypeSetIntset        = 11
	TypeZsetZiplist      = 12
	TypeHashZiplist      = 13
	TypeListQuicklist    = 14
	TypeStreamListpacks  = 15
	TypeHashListpack     = 16
	TypeZsetListpack     = 17
	TypeListQuicklist2   = 18
	TypeStreamListpacks2 = 19

	lenEncVal = 3 // 11xxxxxx: a special encoding follows
	enc6Bit   = 0
	enc14Bit  = 1
	enc32Bit  = 0x80
	enc64Bit  = 0x81

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3

	quicklistNodePlain  = 1
	quicklistNodePacked = 2
)

// ErrCorrupt reports a malformed RDB stream.
var ErrCorrupt = errors.New("corrupt RDB data")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Encoder writes RDB primitives, keeping the running CRC64.
type Encoder struct {
	w       *bufio.Writer
	cw      *crcWriter
	n       int64
	err     error
	scratch [16]byte
	// digits holds an integer's decimal text while Len writes its length
	// through scratch: the two must never share bytes.
	digits [20]byte
	// compress enables LZF for long strings.
	compress bool
}

// crcWriter checksums what the buffer flushes: one CRC update per 64 KB
// rather than one per field.
type crcWriter struct {
	w   io.Writer
	crc uint64
	on  bool
}

func (c *crcWriter) Write(p []byte) (int, error) {
	if c.on {
		c.crc = CRC64(c.crc, p)
	}
	return c.w.Write(p)
}

// NewEncoder writes to w. compress enables LZF for long strings
// (rdbcompression); checksum enables the CRC64 trailer (rdbchecksum).
func NewEncoder(w io.Writer, compress, checksum bool) *Encoder {
	cw := &crcWriter{w: w, on: checksum}
	return &Encoder{w: bufio.NewWriterSize(cw, 64<<10), cw: cw, compress: compress}
}

// Write writes raw bytes.
func (e *Encoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.n += int64(n)
	e.err = err
	return n, err
}

// Written returns the bytes written so far.
func (e *Encoder) Written() int64 { return e.n }

// Err returns the first write error.
func (e *Encoder) Err() error { return e.err }

// Flush flushes the buffered bytes.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.w.Flush()
	return e.err
}

// Byte writes one byte.
func (e *Encoder) Byte(b byte) { e.scratch[0] = b; e.Write(e.scratch[:1]) }

// Len writes a length in the variable length encoding.
func (e *Encoder) Len(n uint64) {
	switch {
	case n < 1<<6:
		e.Byte(byte(n))
	case n < 1<<14:
		e.scratch[0], e.scratch[1] = byte(n>>8)|enc14Bit<<6, byte(n)
		e.Write(e.scratch[:2])
	case n <= math.MaxUint32:
		e.scratch[0] = enc32Bit
		binary.BigEndian.PutUint32(e.scratch[1:], uint32(n))
		e.Write(e.scratch[:5])
	default:
		e.scratch[0] = enc64Bit
		binary.BigEndian.PutUint64(e.scratch[1:], n)
		e.Write(e.scratch[:9])
	}
}

// MillisTime writes an 8-byte little-endian unix time in ms.
func (e *Encoder) MillisTime(ms int64) {
	binary.LittleEndian.PutUint64(e.scratch[:8], uint64(ms))
	e.Write(e.scratch[:8])
}

// BinaryDouble writes a little-endian IEEE 754 double (ZSET_2 scores).
func (e *Encoder) BinaryDouble(f float64) {
	binary.LittleEndian.PutUint64(e.scratch[:8], math.Float64bits(f))
	e.Write(e.scratch[:8])
}

// Int writes an integer as a string object in the smallest integer
// encoding, or as decimal text when it does not fit 32 bits.
func (e *Encoder) Int(v int64) {
	if e.intEncoding(v) {
		return
	}
	e.rawString(strconv.AppendInt(e.digits[:0], v, 10))
}

func (e *Encoder) intEncoding(v int64) bool {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		e.scratch[0], e.scratch[1] = lenEncVal<<6|encInt8, byte(v)
		e.Write(e.scratch[:2])
	case v >= math.MinInt16 && v <= math.MaxInt16:
		e.scratch[0] = lenEncVal<<6 | encInt16
		binary.LittleEndian.PutUint16(e.scratch[1:], uint16(v))
		e.Write(e.scratch[:3])
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.scratch[0] = lenEncVal<<6 | encInt32
		binary.LittleEndian.PutUint32(e.scratch[1:], uint32(v))
		e.Write(e.scratch[:5])
	default:
		return false
	}
	return true
}

// String writes a string object as rdbSaveRawString does: integer
// encoding for short canonical integers, LZF for long compressible strings
// when compression is on, plain otherwise.
func (e *Encoder) String(s []byte) {
	if len(s) <= 11 {
		if v, ok := canonicalInt(s); ok && e.intEncoding(v) {
			return
		}
	}
	if e.compress && len(s) > 20 {
		if c := LZFCompress(s, len(s)-4); c != nil {
			e.LZFBlob(c, len(s))
			return
		}
	}
	e.rawString(s)
}

// LZFBlob writes a string already LZF-compressed, of n bytes uncompressed,
// as rdbSaveLzfBlob (a compressed quicklist node, or a long string).
func (e *Encoder) LZFBlob(c []byte, n int) {
	e.Byte(lenEncVal<<6 | encLZF)
	e.Len(uint64(len(c)))
	e.Len(uint64(n))
	e.Write(c)
}

func (e *Encoder) rawString(s []byte) {
	e.Len(uint64(len(s)))
	e.Write(s)
}

// canonicalInt parses s when it is the canonical decimal form of an int64
// (no sign but '-', no leading zeros), without allocating on failure.
func canonicalInt(s []byte) (int64, bool) {
	return num.ParseInt(s)
}

// Header writes the magic and version.
func (e *Encoder) Header() { e.Write([]byte(fmt.Sprintf("REDIS%04d", Version))) }

// Aux writes an AUX field with a string value.
func (e *Encoder) Aux(key string, val []byte) {
	e.Byte(OpAux)
	e.String([]byte(key))
	e.String(val)
}

// AuxInt writes an AUX field with an integer value.
func (e *Encoder) AuxInt(key string, val int64) {
	e.Byte(OpAux)
	e.String([]byte(key))
	e.Int(val)
}

// Trailer writes EOF and the checksum (zero when checksums are off) and
// flushes.
func (e *Encoder) Trailer() error {
	e.Byte(OpEOF)
	if err := e.Flush(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(e.scratch[:8], e.cw.crc)
	e.Write(e.scratch[:8])
	return e.Flush()
}

// Decoder reads RDB primitives, keeping the running CRC64.
type Decoder struct {
	r       *bufio.Reader
	crc     uint64
	n       int64
	scratch [16]byte
	// MaxString bounds any length read, against corrupt lengths.
	MaxString uint64
	// Deep says that sanitize-dump-payload asks for the deep check of
	// each encoded collection (it is always made, see Report); it only
	// counts them in Sanitizations (INFO's dump_payload_sanitizations).
	Deep          bool
	Sanitizations int64
}

// sanitized counts a deep check of an encoded collection, when asked.
func (d *Decoder) sanitized() {
	if d.Deep {
		d.Sanitizations++
	}
}

// NewDecoder reads from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), MaxString: 1 << 40}
}

// Read reads exactly len(p) bytes.
func (d *Decoder) Read(p []byte) (int, error) {
	n, err := io.ReadFull(d.r, p)
	d.crc = CRC64(d.crc, p[:n])
	if err == nil {
		// A short read counts nothing, as Redis's rioRead: the offsets
		// of redis-check-rdb's report on a truncated file are Redis's.
		d.n += int64(n)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = corrupt("unexpected end of file")
	}
	return n, err
}

// Offset returns the bytes read so far.
func (d *Decoder) Offset() int64 { return d.n }

// CRC returns the checksum of the bytes read so far.
func (d *Decoder) CRC() uint64 { return d.crc }

// Byte reads one byte.
func (d *Decoder) Byte() (byte, error) {
	_, err := d.Read(d.scratch[:1])
	return d.scratch[0], err
}

// Len reads a length; encoded is true when the value is a special string
// encoding (integer or LZF) rather than a length.
func (d *Decoder) Len() (n uint64, encoded bool, err error) {
	b, err := d.Byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case enc6Bit:
		return uint64(b & 0x3f), false, nil
	case enc14Bit:
		b2, err := d.Byte()
		return uint64(b&0x3f)<<8 | uint64(b2), false, err
	case lenEncVal:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case enc32Bit:
		if _, err := d.Read(d.scratch[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(d.scratch[:4])), false, nil
	case enc64Bit:
		if _, err := d.Read(d.scratch[:8]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(d.scratch[:8]), false, nil
	}
	return 0, false, corrupt("unknown length encoding %d", b)
}

// PlainLen reads a length that must not be a special encoding.
func (d *Decoder) PlainLen() (uint64, error) {
	n, enc, err := d.Len()
	if err == nil && enc {
		err = corrupt("unexpected string encoding in a length")
	}
	return n, err
}

// String reads a string object in any of its encodings.
func (d *Decoder) String() ([]byte, error) {
	n, enc, err := d.Len()
	if err != nil {
		return nil, err
	}
	if enc {
		switch n {
		case encInt8, encInt16, encInt32:
			v, err := d.encodedInt(int(n))
			return strconv.AppendInt(nil, v, 10), err
		case encLZF:
			clen, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			ulen, err := d.PlainLen()
			if err != nil {
				return nil, err
			}
			// LZF expands at most 264 bytes per 3: a larger length is corrupt.
			if clen > d.MaxString || ulen > clen*90+64 {
				return nil, corrupt("LZF string too long")
			}
			c := make([]byte, clen)
			if _, err := d.Read(c); err != nil {
				return nil, err
			}
			out, err := LZFDecompress(c, int(ulen))
			if err != nil {
				return nil, corrupt("invalid LZF compressed string")
			}
			return out, nil
		}
		return nil, corrupt("unknown string encoding %d", n)
	}
	if n > d.MaxString {
		return nil, corrupt("string length %d too large", n)
	}
	s := make([]byte, n)
	_, err = d.Read(s)
	return s, err
}

func (d *Decoder) encodedInt(enc int) (int64, error) {
	switch enc {
	case encInt8:
		b, err := d.Byte()
		return int64(int8(b)), err
	case encInt16:
		_, err := d.Read(d.scratch[:2])
		return int64(int16(binary.LittleEndian.Uint16(d.scratch[:2]))), err
	default:
		_, err := d.Read(d.scratch[:4])
		return int64(int32(binary.LittleEndian.Uint32(d.scratch[:4]))), err
	}
}

// MillisTime reads an 8-byte little-endian time in ms.
func (d *Decoder) MillisTime() (int64, error) {
	_, err := d.Read(d.scratch[:8])
	return int64(binary.LittleEndian.Uint64(d.scratch[:8])), err
}

// SecondsTime reads a 4-byte little-endian time in seconds (old format).
func (d *Decoder) SecondsTime() (int64, error) {
	_, err := d.Read(d.scratch[:4])
	return int64(int32(binary.LittleEndian.Uint32(d.scratch[:4]))), err
}

// BinaryDouble reads a little-endian IEEE 754 double.
func (d *Decoder) BinaryDouble() (float64, error) {
	_, err := d.Read(d.scratch[:8])
	return math.Float64frombits(binary.LittleEndian.Uint64(d.scratch[:8])), err
}

// TextDouble reads an old-style double: a length byte, then text (253 nan,
// 254 +inf, 255 -inf).
func (d *Decoder) TextDouble() (float64, error) {
	l, err := d.Byte()
	if err != nil {
		return 0, err
	}
	switch l {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	buf := make([]byte, l)
	if _, err := d.Read(buf); err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(buf), 64)
	if err != nil {
		return 0, corrupt("bad double %q", buf)
	}
	return f, nil
}
