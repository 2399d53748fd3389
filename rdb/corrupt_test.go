package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// testZiplist builds a ziplist of short strings as Redis 6.2 wrote them.
func testZiplist(entries ...string) []byte {
	b := make([]byte, 10)
	prev, tail := 0, 10
	for _, e := range entries {
		tail = len(b)
		start := len(b)
		b = append(b, byte(prev), byte(len(e)))
		b = append(b, e...)
		prev = len(b) - start
	}
	b = append(b, 0xff)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(tail))
	binary.LittleEndian.PutUint16(b[8:], uint16(len(entries)))
	return b
}

// The checks of Redis's deep ziplistValidateIntegrity, which Redis 7.0
// makes whenever it converts a ziplist.
func TestZiplistDeepChecks(t *testing.T) {
	valid := testZiplist("a", "bb", "ccc")
	els, ok := ziplistEntries(valid)
	require.True(t, ok)
	require.Equal(t, [][]byte{[]byte("a"), []byte("bb"), []byte("ccc")}, els)

	for name, mutate := range map[string]func(b []byte){
		"prevlen of the second entry": func(b []byte) { b[13]++ },
		"prevlen of the first entry":  func(b []byte) { b[10] = 1 },
		"tail offset":                 func(b []byte) { b[4]-- },
		"tail offset past the end":    func(b []byte) { binary.LittleEndian.PutUint32(b[4:], uint32(len(b))) },
		"entry count":                 func(b []byte) { b[8] = 2 },
		"byte count":                  func(b []byte) { b[0]-- },
		"invalid encoding":            func(b []byte) { b[11] = 0xff },
		"string past the end":         func(b []byte) { b[len(b)-5] = 0x3f },
	} {
		b := append([]byte(nil), valid...)
		mutate(b)
		_, ok := ziplistEntries(b)
		require.False(t, ok, name)
	}

	unknown := append([]byte(nil), valid...)
	binary.LittleEndian.PutUint16(unknown[8:], 0xffff) // a count too large to keep
	_, ok = ziplistEntries(unknown)
	require.True(t, ok)
}

func TestZipmapChecks(t *testing.T) {
	valid := []byte{2, 1, 'a', 1, 0, 'x', 1, 'b', 2, 1, 'y', 'z', '!', 0xff}
	els, ok := zipmapEntries(valid)
	require.True(t, ok)
	require.Equal(t, [][]byte{[]byte("a"), []byte("x"), []byte("b"), []byte("yz")}, els)
	for name, b := range map[string][]byte{
		"empty":            {0, 0xff},
		"count":            append([]byte{3}, valid[1:]...),
		"free past end":    {1, 1, 'a', 1, 9, 'x', 0xff},
		"no terminator":    valid[:len(valid)-1],
		"key past the end": {1, 9, 'a', 0xff},
	} {
		_, ok := zipmapEntries(b)
		require.False(t, ok, name)
	}
	_, ok = zipmapEntries(append([]byte{254}, valid[1:]...)) // count unknown
	require.True(t, ok)
}

// RESTORE refuses a corrupt ziplist with Redis's report, and an empty one
// as an empty key.
func TestPayloadReports(t *testing.T) {
	srv := newServer(t)
	payload := func(typ byte, blob []byte) []byte {
		p := append([]byte{typ, 0x40 | byte(len(blob)>>8), byte(len(blob))}, blob...)
		p = append(p, 9, 0)
		crc := CRC64(0, p)
		return binary.LittleEndian.AppendUint64(p, crc)
	}
	bad := testZiplist("f", "v")
	bad[13]++
	d := NewDecoder(bytes.NewReader(payload(TypeHashZiplist, bad)[:len(bad)+3]))
	typ, _ := d.Byte()
	_, err := ReadValue(d, typ, srv.Builder())
	var rep *Report
	require.True(t, errors.As(err, &rep))
	require.Equal(t, "Internal error in RDB reading offset 0, function at rdb.c:2274 -> Hash ziplist integrity check failed.", rep.LogLine(0))
	require.ErrorIs(t, err, ErrCorrupt)

	_, err = ParsePayload(payload(TypeHashZiplist, bad), srv, nil)
	require.EqualError(t, err, "ERR Bad data format")
	_, err = ParsePayload(payload(TypeListZiplist, testZiplist()), srv, nil)
	require.EqualError(t, err, "ERR Bad data format")
}

// A load skips empty collections, as Redis 7.0 does, and counts them.
func TestLoadSkipsEmptyKeys(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("REDIS0009")
	b.Write([]byte{0xfe, 0})                          // SELECTDB 0
	b.Write([]byte{2, 5, 'e', 'm', 'p', 't', 'y', 0}) // a set of no member
	b.Write([]byte{0, 1, 'k', 1, 'v'})                // k = v
	zl := testZiplist()
	b.Write(append([]byte{10, 2, 'z', 'l', byte(len(zl))}, zl...)) // an empty list ziplist
	b.Write([]byte{0xff, 0, 0, 0, 0, 0, 0, 0, 0})                  // no checksum
	l, info, err := Load(bytes.NewReader(b.Bytes()), newServer(t), 0, false)
	require.NoError(t, err)
	require.Equal(t, 1, info.Keys)
	require.Equal(t, 2, info.EmptySkip)
	var keys []string
	l.DBs[0].Each(func(k string, _ any) bool { keys = append(keys, k); return true })
	require.Equal(t, []string{"k"}, keys)
}
