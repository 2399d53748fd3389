package rdb

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
)

// testdata/all-types.rdb was written by real Redis 7.0.15 (SAVE) from the
// commands of rdb_test's header: strings (int, raw, binary, with expiry),
// lists, small and large hashes, sets (intset and hashtable), sorted sets
// (listpack and skiplist), a second database. all-types.digest is its
// DEBUG DIGEST there.

func newServer(t testing.TB) *db.Server {
	return db.NewServer(config.New())
}

// loadFile loads a fixture as it was when it was written: expiries are
// judged at the file's own ctime, never at today's date, so that keys with
// a TTL that has passed since are still there and the digest still holds.
func loadFile(t testing.TB, srv *db.Server, path string) *LoadInfo {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	l, info, err := Load(bytes.NewReader(data), srv, fixtureTime(t, data), true)
	require.NoError(t, err)
	srv.Install(l)
	return info
}

// fixtureTime is the unix time in ms at which an RDB file was written: its
// ctime aux field, which Redis writes in seconds.
func fixtureTime(t testing.TB, data []byte) int64 {
	_, info, err := Load(bytes.NewReader(data), newServer(t), 0, false)
	require.NoError(t, err)
	ctime, err := strconv.ParseInt(info.Aux["ctime"], 10, 64)
	require.NoError(t, err, "the fixture has no ctime")
	return ctime * 1000
}

func TestLoadRedisDumpMatchesDigest(t *testing.T) {
	srv := newServer(t)
	info := loadFile(t, srv, "testdata/all-types.rdb")
	want, err := os.ReadFile("testdata/all-types.digest")
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(string(want)), DatasetDigest(srv))
	require.Equal(t, "7.0.15", info.Aux["redis-ver"])
	require.Equal(t, 18, info.Keys)
}

// Writing what was loaded and loading it again keeps the digest.
func TestWriteLoadRoundTrip(t *testing.T) {
	srv := newServer(t)
	loadFile(t, srv, "testdata/all-types.rdb")
	data, err := os.ReadFile("testdata/all-types.rdb")
	require.NoError(t, err)
	now := fixtureTime(t, data)
	digest := DatasetDigest(srv)
	for _, compress := range []bool{true, false} {
		sn := srv.Snapshot()
		var buf bytes.Buffer
		_, err := Write(&buf, sn, Options{Compress: compress, Checksum: true})
		sn.Release()
		require.NoError(t, err)
		srv2 := newServer(t)
		l, _, err := Load(bytes.NewReader(buf.Bytes()), srv2, now, true)
		require.NoError(t, err)
		srv2.Install(l)
		require.Equal(t, digest, DatasetDigest(srv2))
	}
}

func TestLoadRejectsCorruption(t *testing.T) {
	data, err := os.ReadFile("testdata/all-types.rdb")
	require.NoError(t, err)
	srv := newServer(t)
	// Truncated anywhere: an error, never partial data.
	for _, n := range []int{0, 5, 9, 20, len(data) / 2, len(data) - 9, len(data) - 1} {
		_, _, err := Load(bytes.NewReader(data[:n]), srv, 0, true)
		require.Error(t, err, "truncated at %d", n)
	}
	// A flipped byte is caught by the checksum if nothing else.
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x40
	_, _, err = Load(bytes.NewReader(bad), srv, 0, true)
	require.Error(t, err)
}

func TestDumpPayloadRoundTrip(t *testing.T) {
	srv := newServer(t)
	loadFile(t, srv, "testdata/all-types.rdb")
	srv.DBs[0].Each(func(key string, val any) bool {
		p, err := DumpPayload(val, true)
		require.NoError(t, err)
		got, err := ParsePayload(p, srv, nil)
		require.NoError(t, err, key)
		var a, b digest
		valueDigest(&a, val, false)
		valueDigest(&b, got, false)
		require.Equal(t, a, b, key)
		// Any corruption of the checksum is refused.
		p[len(p)-1] ^= 1
		_, err = ParsePayload(p, srv, nil)
		require.Equal(t, errBadPayload, err)
		return true
	})
}

func FuzzLoad(f *testing.F) {
	data, err := os.ReadFile("testdata/all-types.rdb")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:100])
	srv := newServer(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Checksums would reject nearly every mutation: zero the
		// trailer so the fuzzer reaches the decoders.
		if len(b) >= 8 {
			b = bytes.Clone(b)
			copy(b[len(b)-8:], make([]byte, 8))
		}
		Load(bytes.NewReader(b), srv, 0, false)
	})
}

func FuzzRestorePayload(f *testing.F) {
	srv := newServer(f)
	data, err := os.ReadFile("testdata/all-types.rdb")
	if err != nil {
		f.Fatal(err)
	}
	l, _, err := Load(bytes.NewReader(data), srv, fixtureTime(f, data), true)
	if err != nil {
		f.Fatal(err)
	}
	l.DBs[0].Each(func(_ string, val any) bool {
		p, _ := DumpPayload(val, false)
		f.Add(p[:len(p)-10])
		return true
	})
	f.Fuzz(func(t *testing.T, body []byte) {
		// Fix up the footer so that the body itself is exercised.
		p := append(bytes.Clone(body), Version, 0)
		var crc [8]byte
		c := CRC64(0, p)
		for i := range crc {
			crc[i] = byte(c >> (8 * i))
		}
		ParsePayload(append(p, crc[:]...), srv, nil)
	})
}

// A hash dumped as a listpack by a server with a larger
// hash-max-listpack-value loads as a listpack: Redis 7.0 converts a
// listpack (or ziplist) hash at load only past hash-max-listpack-entries,
// whatever the lengths of its strings.
func TestLoadListpackHashKeepsLongValues(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.Set([][2]string{{"hash-max-listpack-value", "300"}}))
	big := db.NewServer(cfg)
	h := db.NewHash()
	h.Set(big.Builder(), []byte("f"), bytes.Repeat([]byte("v"), 100))
	require.Equal(t, "listpack", db.EncodingName(h))
	p, err := DumpPayload(h, false)
	require.NoError(t, err)

	srv := newServer(t) // hash-max-listpack-value 64
	got, err := ParsePayload(p, srv, nil)
	require.NoError(t, err)
	require.Equal(t, "listpack", db.EncodingName(got))

	// Past the entries limit of the loading server, a hash table.
	require.NoError(t, srv.Config.Set([][2]string{{"hash-max-listpack-entries", "1"}}))
	require.NoError(t, srv.SettingsChanged())
	h.Set(big.Builder(), []byte("g"), []byte("v"))
	p, err = DumpPayload(h, false)
	require.NoError(t, err)
	got, err = ParsePayload(p, srv, nil)
	require.NoError(t, err)
	require.Equal(t, "hashtable", db.EncodingName(got), "2 entries, limit 1")
}

// testdata/list-compressed-plain.dump is real Redis 7.0.15's DUMP of a list
// built with list-compress-depth 1 and a packed threshold of 100 (RPUSH of
// 150 elements of 64 bytes, one of 120, 150 more of 64, then LINSERT of
// one of 130 bytes): compressed nodes are LZF blobs, the plain nodes have
// container 1. Loaded with the same depth, it dumps to the same bytes.
func TestListCompressedPlainPayload(t *testing.T) {
	payload, err := os.ReadFile("testdata/list-compressed-plain.dump")
	require.NoError(t, err)
	cfg := config.New()
	require.NoError(t, cfg.LoadString("list-compress-depth 1\n"))
	srv := db.NewServer(cfg)
	v, err := ParsePayload(payload, srv, nil)
	require.NoError(t, err)
	l := v.(*db.List)
	require.Equal(t, 302, l.Len())
	plain, compressed := 0, 0
	for i := 0; i < l.NodeCount(); i++ {
		if l.Plain(i) {
			plain++
		}
		if l.Compressed(i) {
			compressed++
		}
	}
	require.Equal(t, 2, plain)
	require.Greater(t, compressed, 2)
	again, err := DumpPayload(v, true)
	require.NoError(t, err)
	require.Equal(t, payload, again)
}
