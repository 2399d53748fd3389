package db

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memoryDataset builds keys of every encoding, each with the commands that
// grow, change and shrink it, so that the running total sees every path.
func memoryDataset() [][]string {
	var cmds [][]string
	add := func(args ...string) { cmds = append(cmds, args) }
	for i := range 300 {
		n := strconv.Itoa(i)
		add("SET", "s:"+n, strings.Repeat("v", i%120))
		add("SET", "i:"+n, n)
		add("HSET", "h", "field:"+n, strings.Repeat("x", i%40))
		add("SADD", "set", "member:"+n)
		add("SADD", "ints", n)
		add("ZADD", "z", n, "m:"+n)
		add("RPUSH", "l", "element:"+n)
	}
	add("APPEND", "s:5", strings.Repeat("a", 100))
	add("SETRANGE", "s:6", "200", "x")
	add("HSET", "small", "a", "1", "b", "2")
	add("ZADD", "smallz", "1", "a", "2", "b")
	for i := range 100 {
		n := strconv.Itoa(i)
		add("HDEL", "h", "field:"+n)
		add("SREM", "set", "member:"+n)
		add("ZREM", "z", "m:"+n)
		add("LPOP", "l")
		add("ZINCRBY", "z", "1000", "m:"+strconv.Itoa(299-i))
	}
	add("LINSERT", "l", "BEFORE", "element:200", strings.Repeat("y", 100))
	add("LSET", "l", "5", strings.Repeat("z", 300))
	add("LREM", "l", "0", "element:150")
	add("LTRIM", "l", "1", "-2")
	return cmds
}

// TestMemoryUsageMatchesRedis compares MEMORY USAGE ... SAMPLES 0, our
// running total's measure of a key, with what Redis 7.0.15 counts for the
// same key: exactly, but for the random levels of skiplist nodes. Reads
// finish the rehashing of Redis's hash tables first (a table half
// rehashed counts the old table's buckets too). A
// string grown by APPEND or SETRANGE is counted at its length, while Redis
// allocates twice what it needs (sdsMakeRoomFor): s:5 and s:6 are below.
func TestMemoryUsageMatchesRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not installed (make test installs Debian's redis-server and redis-tools)")
	}
	redis := newRedisRunner(t)
	defer redis.close()
	local := newLocalRunner(t)
	for _, cmd := range memoryDataset() {
		want := redis.do("", splitArgs(t, strings.Join(cmd, " ")))
		require.Equal(t, want, local.do("", splitArgs(t, strings.Join(cmd, " "))), "%q", cmd)
	}
	for range 1000 {
		for _, read := range []string{"HGET h x", "SISMEMBER set x", "ZSCORE z x"} {
			redis.do("", splitArgs(t, read))
		}
	}
	require.NoError(t, local.srv.checkMemory())
	for _, key := range []string{"s:7", "s:100", "i:7", "i:123456", "small", "smallz", "ints", "l", "h", "set", "z"} {
		usage := "MEMORY USAGE " + key + " SAMPLES 0"
		want, got := redis.do("", splitArgs(t, usage)), local.do("", splitArgs(t, usage))
		if key != "z" {
			assert.Equal(t, want, got, key)
			continue
		}
		// Skiplist nodes have random levels, so sizes differ a little: a
		// node's levels beyond the first are 16 bytes each, 0.33 a node
		// on average with a standard deviation of 0.66, so the 200 nodes'
		// sizes differ by 210 bytes (one deviation) on both sides
		// together. 5% of the ~22 KB is five deviations; 3% failed once.
		w, _ := strconv.Atoi(strings.TrimPrefix(want[0], ":"))
		g, _ := strconv.Atoi(strings.TrimPrefix(got[0], ":"))
		assert.InDelta(t, w, g, float64(w)*0.05, key)
	}
	for _, key := range []string{"s:5", "s:6"} {
		usage := "MEMORY USAGE " + key
		w, _ := strconv.Atoi(strings.TrimPrefix(redis.do("", splitArgs(t, usage))[0], ":"))
		g, _ := strconv.Atoi(strings.TrimPrefix(local.do("", splitArgs(t, usage))[0], ":"))
		assert.True(t, g < w && g > w/2, "%s: %d, Redis %d", key, g, w)
	}
}

// TestUsedMemoryFollowsKeys checks that used_memory grows and shrinks with
// the keys, and that the parts of INFO memory add up.
func TestUsedMemoryFollowsKeys(t *testing.T) {
	r := newLocalRunner(t)
	used := func() memoryInfo { return r.srv.memoryStats() }
	r.do("", splitArgs(t, "CONFIG SET latency-tracking no")) // no histograms to count
	r.do("", splitArgs(t, "PING"))                           // the client, its buffers grown by a read
	empty := used()
	assert.Equal(t, int64(startupMemory), empty.startup)
	for i := range 1000 {
		r.do("", splitArgs(t, fmt.Sprintf("SET key:%d %s", i, strings.Repeat("v", 100))))
	}
	full := used()
	// Each key: a raw string (robj 16, sds 112), the key's sds (16), a dict
	// entry (24 bytes, allocated 32) and a bucket (8).
	perKey := float64(full.used-empty.used) / 1000
	assert.InDelta(t, 16+112+16+32+8, perKey, 1)
	assert.Equal(t, full.used, full.overhead+full.dataset())
	r.do("", splitArgs(t, "EXPIRE key:1 100"))
	assert.Greater(t, used().used, full.used) // the expires dict
	r.do("", splitArgs(t, "FLUSHALL"))
	assert.Equal(t, empty.used, used().used)
	require.NoError(t, r.srv.checkMemory())
	assert.GreaterOrEqual(t, used().peak, full.used) // the peak stays
}

// TestPendingOverflow changes more collections than maxPending within one
// command, as an AOF replay does (its commands are not counted): the
// settles on the way keep the total exact and the list bounded.
func TestPendingOverflow(t *testing.T) {
	r := newLocalRunner(t)
	for i := range 3 * maxPending {
		r.do("", splitArgs(t, fmt.Sprintf("RPUSH l:%d a", i)))
	}
	db := r.srv.DBs[0]
	for i := range 3 * maxPending {
		l := db.LookupWrite([]byte(fmt.Sprintf("l:%d", i))).(*List)
		l.PushTail([]byte(strings.Repeat("x", 100)))
		assert.LessOrEqual(t, len(r.srv.mem.pending), maxPending)
	}
	require.NoError(t, r.srv.checkMemory())
}

// newString's values, header and bytes in one allocation for half the
// lengths up to maxBoxedString, are []byte values like any other: the bytes, the
// type, the encodings and the accounting of a plain copy, through
// collections and in-place appends.
func TestNewStringBoxed(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var kept []any
	for n := 0; n <= maxBoxedString+20; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if n > 0 {
			b[0] = 'x' // never a canonical integer
		}
		v := newString(b)
		plain := any(append([]byte(nil), b...))
		got, ok := v.([]byte)
		require.True(t, ok, "%d bytes", n)
		require.Equal(t, string(b), string(got))
		require.Equal(t, reflect.TypeOf(plain), reflect.TypeOf(v))
		require.Equal(t, EncodingName(plain), EncodingName(v), "%d bytes", n)
		s1, _ := valueSize(v)
		s2, _ := valueSize(plain)
		require.Equal(t, s2, s1, "%d bytes", n)
		require.GreaterOrEqual(t, cap(got), n)
		require.Less(t, cap(got)-n, 24, "%d bytes", n)
		if boxedCap(n) > 0 { // the bytes right after the header
			hdr := (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]
			require.Equal(t, unsafe.Add(hdr, 24), unsafe.Pointer(unsafe.SliceData(got)), "%d bytes", n)
		}
		kept = append(kept, v)
	}
	runtime.GC()
	for n, v := range kept {
		got := v.([]byte)
		require.Len(t, got, n)
		if n > 0 {
			require.Equal(t, byte('x'), got[0])
		}
		// Appending within the capacity writes into the box's bytes.
		if cap(got) > len(got) {
			grown := append(got, 'y')
			require.Equal(t, byte('y'), grown[n])
			require.Len(t, v.([]byte), n, "the value itself is unchanged")
		}
	}
	runtime.KeepAlive(kept)
}

// The size classes boxedCap relies on are the runtime's: a box never takes
// more memory than a header and an array apart, and does for the lengths it
// is used for.
func TestGoSizeClasses(t *testing.T) {
	for n := 1; n <= 256; n++ {
		require.Equal(t, cap(append([]byte(nil), make([]byte, n)...)), goSizeClass(n), "%d bytes", n)
	}
	boxed := 0
	for n := 1; n <= maxBoxedString; n++ {
		if c := boxedCap(n); c > 0 {
			boxed++
			require.GreaterOrEqual(t, c, n)
			require.LessOrEqual(t, goSizeClass(24+c), 24+goSizeClass(n), "%d bytes", n)
		}
	}
	require.Greater(t, boxed, maxBoxedString/3)
}
