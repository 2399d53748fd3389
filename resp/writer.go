package resp

import (
	"math"
	"strconv"
)

// Writer appends replies to Buf in the client's protocol version (2 or 3).
type Writer struct {
	Buf   []byte
	Proto int
}

func (w *Writer) crlf() { w.Buf = append(w.Buf, '\r', '\n') }

func (w *Writer) header(prefix byte, n int64) {
	w.Buf = append(w.Buf, prefix)
	w.Buf = strconv.AppendInt(w.Buf, n, 10)
	w.crlf()
}

// Raw appends already encoded protocol.
func (w *Writer) Raw(b []byte) { w.Buf = append(w.Buf, b...) }

// OK appends +OK.
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Status appends a simple string; s must not contain CR or LF.
func (w *Writer) Status(s string) {
	w.Buf = append(w.Buf, '+')
	w.Buf = append(w.Buf, s...)
	w.crlf()
}

// Error appends an error reply. msg starts with its code ("ERR ...",
// "WRONGTYPE ..."); a missing code gets "ERR ", and newlines become spaces so
// the reply stays one line, as addReplyErrorLength does.
func (w *Writer) Error(msg string) {
	w.Buf = append(w.Buf, '-')
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	if !hasErrorCode(msg) {
		w.Buf = append(w.Buf, "ERR "...)
	}
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.Buf = append(w.Buf, c)
	}
	w.crlf()
}

// ErrorAsIs appends msg as an error reply without adding a code, as
// Redis's addReplyErrorFormat("-%s") (a script's error tables), newlines
// turned into spaces.
func (w *Writer) ErrorAsIs(msg string) {
	w.Buf = append(w.Buf, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.Buf = append(w.Buf, c)
	}
	w.crlf()
}

// hasErrorCode reports whether msg starts with an upper-case word, the error
// code ("ERR", "WRONGTYPE", "NOAUTH").
func hasErrorCode(msg string) bool {
	i := 0
	for i < len(msg) && msg[i] >= 'A' && msg[i] <= 'Z' {
		i++
	}
	return i > 0 && (i == len(msg) || msg[i] == ' ')
}

// Int appends an integer reply.
func (w *Writer) Int(n int64) { w.header(':', n) }

// Bulk appends a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.Buf = append(w.Buf, b...)
	w.crlf()
}

// BulkString appends a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.Buf = append(w.Buf, s...)
	w.crlf()
}

// BulkInt appends an integer as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null appends the null bulk string ($-1, or _ in RESP3).
func (w *Writer) Null() {
	if w.Proto == 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
		return
	}
	w.Buf = append(w.Buf, "$-1\r\n"...)
}

// NullArray appends the null array (*-1, or _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto == 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
		return
	}
	w.Buf = append(w.Buf, "*-1\r\n"...)
}

// ArrayLen starts an array of n elements.
func (w *Writer) ArrayLen(n int) { w.header('*', int64(n)) }

// MapLen starts a map of n pairs: a flat array of 2n elements in RESP2.
func (w *Writer) MapLen(n int) {
	if w.Proto == 3 {
		w.header('%', int64(n))
		return
	}
	w.header('*', int64(2*n))
}

// SetLen starts a set of n elements: an array in RESP2.
func (w *Writer) SetLen(n int) {
	if w.Proto == 3 {
		w.header('~', int64(n))
		return
	}
	w.header('*', int64(n))
}

// PushLen starts an out-of-band push of n elements: an array in RESP2.
func (w *Writer) PushLen(n int) {
	if w.Proto == 3 {
		w.header('>', int64(n))
		return
	}
	w.header('*', int64(n))
}

// Bool appends a boolean: :1 / :0 in RESP2.
func (w *Writer) Bool(b bool) {
	switch {
	case w.Proto == 3 && b:
		w.Buf = append(w.Buf, "#t\r\n"...)
	case w.Proto == 3:
		w.Buf = append(w.Buf, "#f\r\n"...)
	case b:
		w.Buf = append(w.Buf, ":1\r\n"...)
	default:
		w.Buf = append(w.Buf, ":0\r\n"...)
	}
}

// Double appends a double: a bulk string in RESP2, formatted as Redis 7.0
// does with "%.17g"; inf and -inf are spelled out.
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	s := AppendDouble(tmp[:0], f)
	if w.Proto == 3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, s...)
		w.crlf()
		return
	}
	w.Bulk(s)
}

// AppendDouble formats f as C's printf("%.17g") does, with inf, -inf and nan
// spelled as Redis spells them.
func AppendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f) && math.Signbit(f): // printf's spelling (0/0 on x86)
		return append(b, "-nan"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return AppendG(b, f, 17)
}

// AppendG formats f like C's "%.<prec>g": the shorter of %e and %f for the
// given significant digits, trailing zeros removed, an exponent of at least
// two digits.
func AppendG(b []byte, f float64, prec int) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	e := strconv.AppendFloat(nil, f, 'e', prec-1, 64)
	// Find the decimal exponent X of the %e form.
	ei := len(e) - 1
	for e[ei] != 'e' {
		ei--
	}
	x, _ := strconv.Atoi(string(e[ei+1:]))
	if x < -4 || x >= prec {
		mant := trimZeros(e[:ei])
		b = append(b, mant...)
		b = append(b, 'e')
		if x < 0 {
			b = append(b, '-')
			x = -x
		} else {
			b = append(b, '+')
		}
		if x < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(x), 10)
	}
	fs := strconv.AppendFloat(nil, f, 'f', prec-1-x, 64)
	return append(b, trimZeros(fs)...)
}

func trimZeros(s []byte) []byte {
	dot := -1
	for i, c := range s {
		if c == '.' {
			dot = i
		}
	}
	if dot < 0 {
		return s
	}
	i := len(s)
	for i > dot+1 && s[i-1] == '0' {
		i--
	}
	if i == dot+1 {
		i = dot
	}
	return s[:i]
}

// Verbatim appends a verbatim string ("txt" format): a bulk string in RESP2.
func (w *Writer) Verbatim(s string) { w.VerbatimFormat(s, "txt") }

// VerbatimFormat appends a verbatim string of a three-letter format (a
// script's verbatim_string): a bulk string in RESP2.
func (w *Writer) VerbatimFormat(s, format string) {
	if w.Proto != 3 {
		w.BulkString(s)
		return
	}
	w.header('=', int64(len(s)+4))
	w.Buf = append(w.Buf, format...)
	w.Buf = append(w.Buf, ':')
	w.Buf = append(w.Buf, s...)
	w.crlf()
}

// BigNumber appends a big number: a bulk string in RESP2.
func (w *Writer) BigNumber(s string) {
	if w.Proto != 3 {
		w.BulkString(s)
		return
	}
	w.Buf = append(w.Buf, '(')
	w.Buf = append(w.Buf, s...)
	w.crlf()
}

// Deferred marks a header whose count is not known yet (Redis's
// addReplyDeferredLen). Fill it with SetArrayLen or SetMapLen.
type Deferred int

// Defer reserves the place of an aggregate header.
func (w *Writer) Defer() Deferred { return Deferred(len(w.Buf)) }

// SetArrayLen inserts the array header at d.
func (w *Writer) SetArrayLen(d Deferred, n int) { w.insertHeader(d, '*', n) }

// SetMapLen inserts the map header at d (n pairs).
func (w *Writer) SetMapLen(d Deferred, n int) {
	if w.Proto == 3 {
		w.insertHeader(d, '%', n)
		return
	}
	w.insertHeader(d, '*', 2*n)
}

// SetSetLen inserts the set header at d.
func (w *Writer) SetSetLen(d Deferred, n int) {
	if w.Proto == 3 {
		w.insertHeader(d, '~', n)
		return
	}
	w.insertHeader(d, '*', n)
}

func (w *Writer) insertHeader(d Deferred, prefix byte, n int) {
	var tmp [24]byte
	h := append(tmp[:0], prefix)
	h = strconv.AppendInt(h, int64(n), 10)
	h = append(h, '\r', '\n')
	at := int(d)
	w.Buf = append(w.Buf, h...)
	copy(w.Buf[at+len(h):], w.Buf[at:len(w.Buf)-len(h)])
	copy(w.Buf[at:], h)
}

// AppendCommand appends argv as a request, a RESP array of bulk strings:
// the form of the replication stream and of the AOF.
func AppendCommand[T ~string | ~[]byte](b []byte, argv ...T) []byte {
	b = appendHeader(b, '*', len(argv))
	for _, a := range argv {
		b = appendHeader(b, '$', len(a))
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

func appendHeader(b []byte, prefix byte, n int) []byte {
	b = append(b, prefix)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}
