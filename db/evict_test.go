package db

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
)

// LFULogIncr: p = 1/((counter-LFU_INIT_VAL)*lfu_log_factor+1), never below
// LFU_INIT_VAL, saturating at 255.
func TestLFULogIncr(t *testing.T) {
	for _, tc := range []struct {
		counter uint8
		factor  int64
		r       float64
		want    uint8
	}{
		{255, 10, 0, 255},
		{0, 10, 0.999, 1},    // below LFU_INIT_VAL: p = 1
		{5, 10, 0.999, 6},    // at LFU_INIT_VAL: p = 1
		{6, 10, 1.0 / 11, 6}, // p = 1/11, r not below it
		{6, 10, 1.0/11 - 1e-9, 7},
		{105, 10, 1.0/1001 - 1e-12, 106},
		{105, 10, 1.0 / 1001, 105},
		{200, 0, 0.999, 201}, // factor 0: p = 1
	} {
		assert.Equal(t, tc.want, lfuLogIncr(tc.counter, tc.factor, tc.r), "%+v", tc)
	}
}

// The table of redis.conf ("lfu-log-factor"): the counter after n hits,
// within 15% (it is a measurement; the seed makes this one repeatable).
func TestLFUCounterGrowth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hits := func(factor int64, n int) uint8 {
		c := uint8(lfuInitVal)
		for range n {
			c = lfuLogIncr(c, factor, rng.Float64())
		}
		return c
	}
	for _, tc := range []struct {
		factor int64
		n      int
		want   float64
	}{
		{0, 100, 104}, {0, 1000, 255},
		{1, 100, 18}, {1, 1000, 49}, {1, 100000, 255},
		{10, 100, 10}, {10, 1000, 18}, {10, 100000, 142}, {10, 1000000, 255},
		{100, 100000, 49}, {100, 1000000, 143},
	} {
		got := hits(tc.factor, tc.n)
		assert.InEpsilon(t, tc.want, float64(got), 0.15, "factor %d, %d hits: %d", tc.factor, tc.n, got)
	}
}

// LFUDecrAndReturn: one decrement per lfu-decay-time minutes since the
// clock's 16-bit minutes, which wrap.
func TestLFUDecr(t *testing.T) {
	for _, tc := range []struct {
		ldt, now uint32
		counter  uint8
		decay    int64
		want     uint8
	}{
		{100, 100, 50, 1, 50},
		{100, 110, 50, 1, 40},
		{100, 110, 50, 3, 47},
		{100, 110, 50, 0, 50}, // no decay
		{100, 300, 50, 1, 0},  // not below 0
		{65530, 5, 50, 1, 40}, // wrapped: 65535-65530+5
	} {
		assert.Equal(t, tc.want, lfuDecr(lfuClock(tc.ldt, tc.counter), tc.now, tc.decay), "%+v", tc)
	}
	assert.Equal(t, uint32(1000), lfuMinutes(60_000*1000))
	assert.Equal(t, uint32(4), lfuMinutes(60_000*(65536+4)))
}

// estimateObjectIdleTime and objectSetLRUOrLFU around the 24-bit wrap.
func TestLRUClockWrap(t *testing.T) {
	assert.Equal(t, int64(0), idleMs(77, 77))
	assert.Equal(t, int64(23_000), idleMs(100, 77))
	assert.Equal(t, int64(15_000), idleMs(10, lruClockMax-5))
	assert.Equal(t, uint32(5), lruClockAt((1<<24+5)*1000+999))

	s := newLocalRunner(t).srv
	assert.InDelta(t, 1000, float64(idleMs(lruClockAt(s.Now()), s.KeyClock(-1, 1000))/1000), 1)
	// Idle for longer than the clock's age: half-way round the clock. The
	// frequency is for LFU policies only.
	now := lruClockAt(s.Now())
	got := s.KeyClock(7, int64(now)+10)
	assert.True(t, got == (now+lruClockMax/2)%lruClockMax || got == (now+1+lruClockMax/2)%lruClockMax, "%d at %d", got, now)
}

// evictionPoolPopulate's insertion keeps the 16 best scores, ascending.
func TestEvictionPoolInsert(t *testing.T) {
	var e evictState
	for i := range 40 {
		e.poolInsert(0, fmt.Sprint("k", i), uint64((i*7)%40))
	}
	var got []uint64
	for _, p := range e.pool {
		got = append(got, p.idle)
	}
	assert.Equal(t, []uint64{24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}, got)
	e = evictState{}
	e.poolInsert(0, "a", 5)
	e.poolInsert(0, "b", 1)
	e.poolInsert(0, "c", 9)
	assert.Equal(t, []string{"b", "a", "c", ""}, []string{e.pool[0].key, e.pool[1].key, e.pool[2].key, e.pool[3].key})
}

// OBJECT IDLETIME and DEBUG OBJECT read the clock a lookup sets; OBJECT
// does not touch it. A second may turn during the test: hence the ranges.
func TestObjectIdletime(t *testing.T) {
	r := newLocalRunner(t)
	do := func(line string) []string { return r.do("x", argvOf(line)) }
	idle := func() int64 {
		out := do("OBJECT IDLETIME k")
		require.Len(t, out, 1)
		n, err := strconv.ParseInt(strings.TrimPrefix(out[0], ":"), 10, 64)
		require.NoError(t, err, out[0])
		return n
	}
	require.Equal(t, []string{"+OK"}, do("SET k v"))
	age := func(seconds uint32) {
		e := r.srv.DBs[0].keys.FindEntry("k")
		require.True(t, r.srv.DBs[0].keys.SetClock(e, (lruClockAt(r.srv.Now())-seconds)&lruClockMax))
	}
	age(100)
	assert.InDelta(t, 100, idle(), 1)
	assert.InDelta(t, 100, idle(), 1) // OBJECT itself does not touch
	do("EXISTS k")
	do("TYPE k")
	do("TTL k")
	assert.InDelta(t, 100, idle(), 1)
	out := do("DEBUG OBJECT k")[0]
	clock, _ := r.srv.DBs[0].Clock([]byte("k"))
	assert.Contains(t, out, fmt.Sprintf(" lru:%d lru_seconds_idle:", clock))
	assert.Regexp(t, `lru_seconds_idle:10[01]$`, out)
	do("GET k")
	assert.InDelta(t, 0, idle(), 1)
	age(50)
	do("TOUCH k")
	assert.InDelta(t, 0, idle(), 1)
	// An overwrite under LRU is a new value: accessed now.
	age(50)
	do("SET k other")
	assert.InDelta(t, 0, idle(), 1)
}

// A snapshot shares the entries: their clocks stay as frozen, and lookups
// while a background save runs do not touch them (as with a Redis child).
func TestClockFrozenBySnapshot(t *testing.T) {
	r := newLocalRunner(t)
	do := func(line string) []string { return r.do("x", argvOf(line)) }
	do("CONFIG SET maxmemory-policy allkeys-lfu")
	do("CONFIG SET lfu-log-factor 0")
	do("CONFIG SET lfu-decay-time 0")
	do("SET k v")
	sn := r.srv.Snapshot()
	do("GET k")
	assert.Equal(t, []string{":5"}, do("OBJECT FREQ k"), "a shared entry is not written")
	sn.Release()
	do("GET k")
	assert.Equal(t, []string{":6"}, do("OBJECT FREQ k"))
	r.srv.SetActiveChild(ChildRDB)
	do("GET k")
	assert.Equal(t, []string{":6"}, do("OBJECT FREQ k"), "no touch while a child is active")
	r.srv.SetActiveChild(ChildNone)
}

// Eviction through the command path, against the O(1) used_memory: each
// policy keeps the memory under the limit while 4 times the limit is
// written, and evicts only eligible keys.
func TestEvictionPolicies(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			r := newLocalRunner(t)
			do := func(line string) []string { return r.do("x", argvOf(line)) }
			s := r.srv
			base, _ := s.evictionMemory()
			const room = 400_000 // about 1300 keys
			limit := base + room
			do("CONFIG SET maxmemory-policy " + policy)
			do(fmt.Sprint("CONFIG SET maxmemory ", limit))
			volatile := strings.HasPrefix(policy, "volatile")
			persistent := func(i int) bool { return volatile && i < 600 && i%2 == 1 }
			for i := range 5000 {
				line := fmt.Sprintf("SET key:%d %s", i, strings.Repeat("x", 200))
				if volatile && !persistent(i) {
					line += fmt.Sprint(" EX ", 1000+i)
				}
				require.Equal(t, []string{"+OK"}, do(line), line)
				used, _ := s.evictionMemory()
				require.LessOrEqual(t, used, limit+1000, "after %s", line)
			}
			assert.Greater(t, s.Stats.EvictedKeys, int64(3000))
			for i := 1; volatile && i < 600; i += 2 {
				require.Equal(t, []string{":1"}, do(fmt.Sprint("EXISTS key:", i)), "a key without TTL was evicted")
			}
			if policy == "volatile-ttl" { // the sooner-expiring keys go first
				oldest, newest := 0, 0
				for i := range 500 {
					if s.DBs[0].lookup([]byte(fmt.Sprint("key:", 600+i))) != nil {
						oldest++
					}
					if s.DBs[0].lookup([]byte(fmt.Sprint("key:", 4500+i))) != nil {
						newest++
					}
				}
				assert.Greater(t, newest, oldest)
			}
		})
	}
}

// noeviction, or nothing eligible: denyoom commands fail, reads work.
func TestEvictionNothingToEvict(t *testing.T) {
	r := newLocalRunner(t)
	do := func(line string) []string { return r.do("x", argvOf(line)) }
	do("SET persistent v")
	do("CONFIG SET maxmemory-policy volatile-random")
	do("CONFIG SET maxmemory 1")
	assert.Equal(t, []string{"-" + errOOM}, do("SET k v"))
	assert.Equal(t, []string{`"v"`}, do("GET persistent"))
	assert.True(t, r.srv.PreCommandOOM())
	do("CONFIG SET maxmemory 0")
	assert.Equal(t, []string{"+OK"}, do("SET k v"))
	assert.False(t, r.srv.PreCommandOOM())
	assert.Zero(t, r.srv.Stats.EvictedKeys)
}

// SET of new keys at maxmemory under allkeys-lru: every command evicts.
func BenchmarkSetUnderEviction(b *testing.B) {
	cfg := config.New()
	require.NoError(b, cfg.LoadString("maxmemory 20mb\nmaxmemory-policy allkeys-lru\n"))
	s := NewServer(cfg)
	c := s.NewClient(nopConn{}, "127.0.0.1:40000", "127.0.0.1:6379", 8)
	val := strings.Repeat("v", 100)
	buf := make([]byte, 0, 256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := strconv.Itoa(i)
		buf = fmt.Appendf(buf[:0], "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n", len(key), key, val)
		s.ProcessInput(c, buf)
		c.Buf = c.Buf[:0]
	}
}

// Under eviction, new keys reuse the entries and the string values of the
// evicted ones (dict.DeleteSampled, keepEvicted): seeded random values of
// every kind, with APPEND and SETRANGE growing some in place, RENAME moving
// some, DEL, and snapshots taken and released on the way. Every key holds what was last written to
// it, with the encoding a new allocation would give, and a snapshot never
// sees a reused value.
func TestEvictionReusesMemory(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-random", "volatile-lru"} {
		t.Run(policy, func(t *testing.T) {
			r := newLocalRunner(t)
			c := r.client("x")
			s := r.srv
			rng := rand.New(rand.NewPCG(7, 8))
			value := func() []byte {
				switch rng.IntN(8) {
				case 0:
					return []byte(strconv.FormatInt(rng.Int64()>>rng.IntN(64), 10))
				case 1:
					return []byte{}
				case 2:
					return []byte("18446744073709551616") // not an int64
				case 3, 4: // embstr
					b := make([]byte, 1+rng.IntN(44))
					for i := range b {
						b[i] = byte(rng.IntN(256))
					}
					return b
				}
				b := make([]byte, 45+rng.IntN(300)) // raw
				for i := range b {
					b[i] = byte(rng.IntN(256))
				}
				return b
			}
			do := func(args ...[]byte) {
				c.Buf = c.Buf[:0]
				s.ProcessInput(c, encodeCommand(args))
				require.NotEqual(t, byte('-'), c.Buf[0], "%q: %s", args, c.Buf)
			}
			base, _ := s.evictionMemory()
			do([]byte("CONFIG"), []byte("SET"), []byte("maxmemory-policy"), []byte(policy))
			do([]byte("CONFIG"), []byte("SET"), []byte("maxmemory"), []byte(fmt.Sprint(base+300_000)))
			model := map[string][]byte{}
			grown := map[string]bool{} // APPEND, SETRANGE: raw whatever the length
			var sn *Snapshot
			var snModel map[string][]byte
			checkSnapshot := func() {
				n := 0
				sn.DBs[0].Keys.Each(func(k string, v any) bool {
					b, _ := StringBytes(v)
					require.Equal(t, string(snModel[k]), string(b), "snapshot key %s", k)
					n++
					return true
				})
				require.Equal(t, len(snModel), n)
			}
			for i := range 20000 {
				key := []byte(fmt.Sprint("key:", rng.IntN(6000)))
				// Evict now what the command would evict first, to know
				// which keys it finds.
				s.performEvictions()
				if s.DBs[0].lookup(key) == nil {
					delete(model, string(key))
				}
				switch op := rng.IntN(20); {
				case op == 0 && model[string(key)] != nil:
					v := value()
					do([]byte("APPEND"), key, v)
					model[string(key)] = append(append([]byte(nil), model[string(key)]...), v...)
					grown[string(key)] = true
				case op == 1 && model[string(key)] != nil:
					v, off := value(), rng.IntN(50)
					do([]byte("SETRANGE"), key, []byte(strconv.Itoa(off)), v)
					old := model[string(key)]
					nv := append([]byte(nil), old...)
					if len(v) > 0 {
						nv = append(nv, make([]byte, max(0, off+len(v)-len(nv)))...)
						copy(nv[off:], v)
					}
					model[string(key)] = nv
					grown[string(key)] = grown[string(key)] || len(v) > 0
				case op == 2 && model[string(key)] != nil: // the value moves
					dst := []byte(fmt.Sprint("key:", rng.IntN(6000)))
					if s.DBs[0].lookup(dst) == nil {
						delete(model, string(dst))
					}
					do([]byte("RENAME"), key, dst)
					model[string(dst)] = model[string(key)]
					grown[string(dst)] = grown[string(key)]
					delete(model, string(key))
					delete(grown, string(key))
				case op == 3:
					do([]byte("DEL"), key)
					delete(model, string(key))
				default:
					v := value()
					do([]byte("SET"), key, v, []byte("EX"), []byte("100000"))
					model[string(key)] = v
					delete(grown, string(key))
				}
				switch {
				case i%2000 == 500 && sn == nil:
					sn = s.Snapshot()
					snModel = map[string][]byte{}
					sn.DBs[0].Keys.Each(func(k string, v any) bool {
						b, _ := StringBytes(v)
						snModel[k] = append([]byte(nil), b...)
						return true
					})
				case i%2000 == 1500 && sn != nil:
					checkSnapshot()
					sn.Release()
					sn = nil
				}
			}
			require.Greater(t, s.Stats.EvictedKeys, int64(5000))
			held := 0
			for k, want := range model {
				v := s.DBs[0].lookup([]byte(k))
				if v == nil {
					continue
				}
				held++
				got, ok := StringBytes(v)
				require.True(t, ok, k)
				require.Equal(t, string(want), string(got), k)
				enc := "raw"
				if _, isInt := ParseInt(want); isInt && !grown[k] {
					enc = "int"
				} else if len(want) <= embstrLimit && !grown[k] {
					enc = "embstr"
				}
				require.Equal(t, enc, EncodingName(v), "key %s, %d bytes", k, len(want))
			}
			require.Greater(t, held, 500)
		})
	}
}

// A new key takes the value (box and bytes) the last eviction kept.
func TestReuseString(t *testing.T) {
	r := newLocalRunner(t)
	s := r.srv
	db := s.DBs[0]
	kept := any(append([]byte(nil), strings.Repeat("a", 100)...))
	bytesAt := unsafe.SliceData(kept.([]byte))
	s.keepEvicted(db, kept)
	v := stringValueFor(db, nil, []byte(strings.Repeat("b", 99)))
	assert.Equal(t, strings.Repeat("b", 99), string(v.([]byte)))
	assert.Equal(t, (*[2]unsafe.Pointer)(unsafe.Pointer(&kept))[1], (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1], "the same box")
	assert.Equal(t, bytesAt, unsafe.SliceData(v.([]byte)), "the same bytes")
	assert.Empty(t, s.evict.spare)

	// Not when the bytes would be too small or much too large, nor for an
	// integer, nor while a snapshot is live.
	s.keepEvicted(db, any(append([]byte(nil), strings.Repeat("a", 100)...)))
	for _, val := range []string{strings.Repeat("c", 200), strings.Repeat("c", 20), "12345"} {
		v := stringValueFor(db, nil, []byte(val))
		assert.Equal(t, val, string(AppendStringValue(nil, v)))
	}
	assert.Len(t, s.evict.spare, 1)
	s.evict.spare = nil
	s.keepEvicted(db, any(append([]byte(nil), strings.Repeat("a", 1000)...)))
	stringValueFor(db, nil, []byte(strings.Repeat("c", 100)))
	assert.Len(t, s.evict.spare, 1, "1 kB is not spent on 100 bytes")
	sn := s.Snapshot()
	s.evict.spare = nil
	s.keepEvicted(db, any(append([]byte(nil), strings.Repeat("a", 100)...)))
	assert.Empty(t, s.evict.spare)
	sn.Release()
}

// turnLoop runs tasks as gnet does: a turn runs the batch of tasks,
// those Execute queues meanwhile included, and NextTurn's wait for the
// next turn (after a poll for I/O).
type turnLoop struct{ now, next []func() }

func (l *turnLoop) Shutdown()             {}
func (l *turnLoop) Port() int             { return 6379 }
func (l *turnLoop) Execute(fn func())     { l.now = append(l.now, fn) }
func (l *turnLoop) ExecuteBusy(fn func()) { l.Execute(fn) }
func (l *turnLoop) NextTurn(fn func())    { l.next = append(l.next, fn) }

func (l *turnLoop) turn() {
	l.now, l.next = append(l.now, l.next...), nil
	for len(l.now) > 0 {
		fn := l.now[0]
		l.now = l.now[1:]
		fn()
	}
}

// The eviction that a lower maxmemory starts goes on in rounds, and the
// loop polls for I/O between them (Redis's evictionTimeProc is a time
// event): with the tenacity at 0 a round evicts a few dozen keys.
func TestEvictionTimeProcYields(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("maxmemory-policy allkeys-random\nmaxmemory-eviction-tenacity 0\n"))
	s := NewServer(cfg)
	loop := &turnLoop{}
	s.Loop = loop
	c := s.NewClient(nopConn{}, "127.0.0.1:40000", "127.0.0.1:6379", 8)
	do := func(args ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		s.ProcessInput(c, []byte(b.String()))
		out := string(c.Buf)
		c.Buf = c.Buf[:0]
		return out
	}
	val := strings.Repeat("v", 100)
	for i := 0; i < 20000; i++ {
		require.Equal(t, "+OK\r\n", do("SET", strconv.Itoa(i), val))
	}
	used, _ := s.evictionMemory()
	require.Equal(t, "+OK\r\n", do("CONFIG", "SET", "maxmemory", strconv.FormatInt(used/2, 10)))
	turns := 0
	for len(loop.now)+len(loop.next) > 0 && turns < 100000 {
		loop.turn()
		turns++
	}
	used, limit := s.evictionMemory()
	require.LessOrEqual(t, used, limit)
	require.Greater(t, turns, 10, "the eviction ran in %d turns of the loop: the clients waited for it", turns)
	require.Positive(t, s.Stats.EvictedKeys)
}
