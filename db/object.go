package db

import (
	"strconv"
	"unsafe"
)

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
// bytes are a canonical integer (Redis's tryObjectEncoding), else a copy
// (newString).
func NewStringValue(b []byte) any {
	if len(b) <= 20 {
		if n, ok := ParseInt(b); ok {
			return n
		}
	}
	return newString(b)
}

// newString returns a copy of b as an interface holding a []byte. An
// interface holding a slice points to a copy of the slice header on the
// heap, and the header points to the bytes: reading the value would miss
// the cache twice in a row, as Redis's robj and sds would if Redis did not
// embed short strings in the robj (embstr). Where it takes no more memory
// than the two allocations, the header and the bytes are one instead (a
// strBox, whose first field the interface points to), as embstr: one
// miss, one object for the collector. That is for half the lengths up to
// maxBoxedString (boxedCap); the value stays a []byte like any other, its
// capacity the box's.
func newString(b []byte) any {
	switch boxedCap(len(b)) {
	case 8:
		return boxString[[8]byte](b)
	case 24:
		return boxString[[24]byte](b)
	case 40:
		return boxString[[40]byte](b)
	case 56:
		return boxString[[56]byte](b)
	case 72:
		return boxString[[72]byte](b)
	case 88:
		return boxString[[88]byte](b)
	case 104:
		return boxString[[104]byte](b)
	case 120:
		return boxString[[120]byte](b)
	case 136:
		return boxString[[136]byte](b)
	case 152:
		return boxString[[152]byte](b)
	case 168:
		return boxString[[168]byte](b)
	case 184:
		return boxString[[184]byte](b)
	case 200:
		return boxString[[200]byte](b)
	case 216:
		return boxString[[216]byte](b)
	case 232:
		return boxString[[232]byte](b)
	}
	return append([]byte(nil), b...)
}

// maxBoxedString is the longest string newString may box: beyond, a second
// cache miss matters less than the copy.
const maxBoxedString = 232

// goSizeClasses are the Go allocator's size classes up to 256 bytes
// (runtime/sizeclasses.go; TestGoSizeClasses checks them).
var goSizeClasses = [...]int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256}

// goSizeClass returns the allocation of n bytes, n <= 256.
func goSizeClass(n int) int {
	for _, c := range goSizeClasses {
		if n <= c {
			return c
		}
	}
	return n
}

// boxedCap returns the capacity of a strBox for n bytes, or 0 when a box
// would take more memory than a header and an array apart: the box holds a
// size class less the 24-byte header.
func boxedCap(n int) int {
	if n == 0 || n > maxBoxedString {
		return 0
	}
	box := goSizeClass(24 + n)
	if box > 24+goSizeClass(n) {
		return 0
	}
	return box - 24
}

// strBox is a string value's slice header followed by its bytes.
type strBox[A any] struct {
	hdr  []byte
	data A
}

// boxString returns an interface holding a []byte whose header is a new
// strBox's, its array the box's bytes, filled with b. The interface is
// made by hand (Go's runtime.eface: the type word of []byte, then the
// address of the header), TestNewStringBoxed checks that it is a []byte
// like any other.
func boxString[A any](b []byte) any {
	box := new(strBox[A])
	data := unsafe.Slice((*byte)(unsafe.Pointer(&box.data)), unsafe.Sizeof(box.data))
	box.hdr = data[:copy(data, b)]
	v := any(sliceType)
	(*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1] = unsafe.Pointer(&box.hdr)
	return v
}

// sliceType is an interface holding a []byte, for its type word.
var sliceType any = []byte{}

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
