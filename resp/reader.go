package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Value is one decoded reply. Type is the RESP prefix byte: '+' '-' ':' '$'
// '*' '%' '~' '>' ',' '#' '_' '=' '('. Aggregates keep their elements in
// Elems (a map's keys and values alternate). A null bulk or array has Null set.
type Value struct {
	Type  byte
	Str   []byte
	Int   int64
	Elems []Value
	Null  bool
}

// String renders v compactly for tests and logs.
func (v Value) String() string {
	switch v.Type {
	case '*', '%', '~', '>':
		if v.Null {
			return "(nil)"
		}
		s := "["
		for i, e := range v.Elems {
			if i > 0 {
				s += " "
			}
			s += e.String()
		}
		return s + "]"
	case ':':
		return strconv.FormatInt(v.Int, 10)
	case '_':
		return "(nil)"
	case '$':
		if v.Null {
			return "(nil)"
		}
	}
	return string(v.Str)
}

// WriteValue re-encodes v for w's protocol; RESP3 types degrade to their RESP2
// forms as Redis does.
func (w *Writer) WriteValue(v Value) {
	switch v.Type {
	case '+':
		w.Status(string(v.Str))
	case '-':
		w.Error(string(v.Str))
	case ':':
		w.Int(v.Int)
	case '$':
		if v.Null {
			w.Null()
		} else {
			w.Bulk(v.Str)
		}
	case '_':
		w.Null()
	case '(':
		w.BigNumber(string(v.Str))
	case ',':
		if w.Proto == 3 {
			w.Buf = append(append(append(w.Buf, ','), v.Str...), '\r', '\n')
		} else {
			w.Bulk(v.Str)
		}
	case '#':
		w.Bool(v.Int != 0)
	case '=':
		w.Verbatim(string(v.Str[min(4, len(v.Str)):]))
	case '*', '%', '~', '>':
		if v.Null {
			w.NullArray()
			return
		}
		switch v.Type {
		case '%':
			w.MapLen(len(v.Elems) / 2)
		case '~':
			w.SetLen(len(v.Elems))
		case '>':
			w.PushLen(len(v.Elems))
		default:
			w.ArrayLen(len(v.Elems))
		}
		for _, e := range v.Elems {
			w.WriteValue(e)
		}
	}
}

// ErrBadReply is returned for bytes that are not a RESP reply.
var ErrBadReply = errors.New("resp: malformed reply")

// ReadReply decodes one reply from r.
func ReadReply(r *bufio.Reader) (Value, error) {
	line, err := readReplyLine(r)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, ErrBadReply
	}
	v := Value{Type: line[0]}
	body := line[1:]
	switch v.Type {
	case '+', '-', ',', '(':
		v.Str = append([]byte(nil), body...)
	case ':':
		if v.Int, err = strconv.ParseInt(string(body), 10, 64); err != nil {
			return v, ErrBadReply
		}
	case '#':
		if len(body) != 1 {
			return v, ErrBadReply
		}
		if body[0] == 't' {
			v.Int = 1
		}
	case '_':
		v.Null = true
	case '$', '=', '!':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 {
			return v, ErrBadReply
		}
		if n == -1 {
			v.Null = true
			return v, nil
		}
		v.Str = make([]byte, n+2)
		if _, err := io.ReadFull(r, v.Str); err != nil {
			return v, err
		}
		v.Str = v.Str[:n]
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 {
			return v, ErrBadReply
		}
		if n == -1 {
			v.Null = true
			return v, nil
		}
		if v.Type == '%' || v.Type == '|' {
			n *= 2
		}
		v.Elems = make([]Value, n)
		for i := range v.Elems {
			if v.Elems[i], err = ReadReply(r); err != nil {
				return v, err
			}
		}
	default:
		return v, fmt.Errorf("%w: unexpected %q", ErrBadReply, line[0])
	}
	return v, nil
}

func readReplyLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, ErrBadReply
	}
	return line[:len(line)-2], nil
}
