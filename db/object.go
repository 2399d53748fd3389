package db

import "strconv"

// Values in the keyspace are:
//   - strings: []byte (OBJECT ENCODING embstr up to 44 bytes, raw above) or
//     int64 for strings that are canonical integers (encoding int);
//   - collections: a type implementing Object.
//
// A []byte stored in the keyspace is never modified in place while shared
// with a snapshot: commands that change a string store a new slice (APPEND
// may extend in place past the old length, which no reader sees).

// Object is implemented by every collection value.
type Object interface {
	Type() string     // "list", "hash", "set", "zset"
	Encoding() string // "listpack", "quicklist", "hashtable", "intset", "skiplist"
	Clone() Object    // deep copy
}

// embstrLimit is the longest string Redis stores as embstr.
const embstrLimit = 44

// TypeName returns TYPE's answer for a value.
func TypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case []byte, int64:
		return "string"
	case Object:
		return v.Type()
	}
	return "none"
}

// EncodingName returns OBJECT ENCODING's answer for a value.
func EncodingName(v any) string {
	switch v := v.(type) {
	case int64:
		return "int"
	case []byte:
		// A string changed in place (APPEND, SETRANGE, SETBIT) becomes raw
		// in Redis whatever its length; such strings are given a capacity
		// of at least rawMinCap, which a plain SET never gives.
		if len(v) <= embstrLimit && cap(v) < rawMinCap {
			return "embstr"
		}
		return "raw"
	case Object:
		return v.Encoding()
	}
	return ""
}

// CloneValue deep-copies a value (COPY).
func CloneValue(v any) any {
	switch v := v.(type) {
	case []byte:
		c := make([]byte, len(v), max(len(v), min(cap(v), rawMinCap)))
		copy(c, v)
		return c
	case Object:
		return v.Clone()
	}
	return v
}

// NewStringValue returns the keyspace value for a string: an int64 when the
// bytes are a canonical integer (Redis's tryObjectEncoding), else a copy.
func NewStringValue(b []byte) any {
	if len(b) <= 20 {
		if n, ok := ParseInt(b); ok {
			return n
		}
	}
	return append([]byte(nil), b...)
}

// StringBytes returns a string value's bytes (an int64 is formatted).
func StringBytes(v any) ([]byte, bool) {
	switch v := v.(type) {
	case []byte:
		return v, true
	case int64:
		return strconv.AppendInt(nil, v, 10), true
	}
	return nil, false
}

// AppendStringValue appends a string value's bytes to dst.
func AppendStringValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case []byte:
		return append(dst, v...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	}
	return dst
}
