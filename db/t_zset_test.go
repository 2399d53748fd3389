package db

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/internal/listpack"
	"github.com/redis-go/redis-server/resp"
)

// zsetDo runs a command given as a line on r's default client and returns
// the rendered reply.
func zsetDo(r *localRunner, client, line string) string {
	argv, ok := resp.SplitArgs([]byte(line), nil)
	if !ok {
		panic("bad quoting: " + line)
	}
	return strings.Join(r.do(client, argv), "\n")
}

// TestZsetRESP3 checks the RESP3 shapes of the sorted set replies. The
// expected replies are real Redis 7.0.15's (scripts cannot switch
// protocols: HELLO's reply holds the client id).
func TestZsetRESP3(t *testing.T) {
	r := newLocalRunner(t)
	zsetDo(r, "", "HELLO 3")
	for _, tc := range []struct{ cmd, want string }{
		{"ZADD z 1.1 a 0.1 b 1e21 c -0.0 d inf e 3 f -inf l 2 g", ":8"},
		{"ZRANGE z 0 -1 WITHSCORES", "*8\n  *2\n    \"l\"\n    ,-inf\n  *2\n    \"d\"\n    ,0\n  *2\n    \"b\"\n    ,0.10000000000000001\n  *2\n    \"a\"\n    ,1.1000000000000001\n  *2\n    \"g\"\n    ,2\n  *2\n    \"f\"\n    ,3\n  *2\n    \"c\"\n    ,1e+21\n  *2\n    \"e\"\n    ,inf"},
		{"ZRANGE z 0 -1", "*8\n  \"l\"\n  \"d\"\n  \"b\"\n  \"a\"\n  \"g\"\n  \"f\"\n  \"c\"\n  \"e\""},
		{"ZSCORE z a", ",1.1000000000000001"},
		{"ZSCORE z e", ",inf"},
		{"ZSCORE z l", ",-inf"},
		{"ZSCORE z d", ",0"},
		{"ZSCORE z nosuch", "_"},
		{"ZSCORE nokey a", "_"},
		{"ZMSCORE z a nosuch f", "*3\n  ,1.1000000000000001\n  _\n  ,3"},
		{"ZRANK z nosuch", "_"},
		{"ZINCRBY z 1 a", ",2.1000000000000001"},
		{"ZADD z INCR 1 a", ",3.1000000000000001"},
		{"ZADD z INCR NX 1 a", "_"},
		{"ZRANGEBYSCORE z 1 3 WITHSCORES", "*2\n  *2\n    \"g\"\n    ,2\n  *2\n    \"f\"\n    ,3"},
		{"ZRANGEBYSCORE z 1 3", "*2\n  \"g\"\n  \"f\""},
		{"ZREVRANGE z 0 2 WITHSCORES", "*3\n  *2\n    \"e\"\n    ,inf\n  *2\n    \"c\"\n    ,1e+21\n  *2\n    \"a\"\n    ,3.1000000000000001"},
		{"ZRANGE z (1 +inf BYSCORE LIMIT 1 2 WITHSCORES", "*2\n  *2\n    \"f\"\n    ,3\n  *2\n    \"a\"\n    ,3.1000000000000001"},
		{"ZRANGE z - + BYLEX LIMIT 0 2", "*2\n  \"l\"\n  \"d\""},
		{"ZRANGE nokey 0 -1 WITHSCORES", "*0"},
		{"ZPOPMIN z", "*2\n  \"l\"\n  ,-inf"},
		{"ZPOPMAX z 1", "*1\n  *2\n    \"e\"\n    ,inf"},
		{"ZPOPMAX z 2", "*2\n  *2\n    \"c\"\n    ,1e+21\n  *2\n    \"a\"\n    ,3.1000000000000001"},
		{"ZPOPMIN z 0", "*0"},
		{"ZPOPMIN nokey", "*0"},
		{"ZPOPMIN nokey 1", "*0"},
		{"ZMPOP 1 z MIN COUNT 2", "*2\n  \"z\"\n  *2\n    *2\n      \"d\"\n      ,0\n    *2\n      \"b\"\n      ,0.10000000000000001"},
		{"ZMPOP 2 nokey z MAX", "*2\n  \"z\"\n  *1\n    *2\n      \"f\"\n      ,3"},
		{"ZMPOP 1 nokey MAX", "_"},
		{"BZPOPMIN nokey z 0", "*3\n  \"z\"\n  \"g\"\n  ,2"},
		{"ZADD z 1 a 2 b 3 c", ":3"},
		{"BZPOPMAX z 0", "*3\n  \"z\"\n  \"c\"\n  ,3"},
		{"BZMPOP 0 1 z MIN COUNT 5", "*2\n  \"z\"\n  *2\n    *2\n      \"a\"\n      ,1\n    *2\n      \"b\"\n      ,2"},
		{"MULTI", "+OK"},
		{"BZPOPMIN nokey 0", "+QUEUED"},
		{"BZMPOP 0 1 nokey MIN", "+QUEUED"},
		{"EXEC", "*2\n  _\n  _"},
		{"ZADD z1 1 a 2 b 3 c", ":3"},
		{"ZADD z2 10 b 20 c 30 d", ":3"},
		{"ZUNION 2 z1 z2 WITHSCORES", "*4\n  *2\n    \"a\"\n    ,1\n  *2\n    \"b\"\n    ,12\n  *2\n    \"c\"\n    ,23\n  *2\n    \"d\"\n    ,30"},
		{"ZUNION 2 z1 z2", "*4\n  \"a\"\n  \"b\"\n  \"c\"\n  \"d\""},
		{"ZINTER 2 z1 z2 WITHSCORES", "*2\n  *2\n    \"b\"\n    ,12\n  *2\n    \"c\"\n    ,23"},
		{"ZDIFF 2 z1 z2 WITHSCORES", "*1\n  *2\n    \"a\"\n    ,1"},
		{"ZRANDMEMBER z1 5 WITHSCORES", "*3\n  *2\n    \"c\"\n    ,3\n  *2\n    \"b\"\n    ,2\n  *2\n    \"a\"\n    ,1"},
		{"ZRANDMEMBER z1 5", "*3\n  \"c\"\n  \"b\"\n  \"a\""},
		{"ZRANDMEMBER z1 0 WITHSCORES", "*0"},
		{"ZRANDMEMBER nokey", "_"},
		{"ZRANDMEMBER nokey 3 WITHSCORES", "*0"},
		{"ZADD one 5 m", ":1"},
		{"ZRANDMEMBER one -2 WITHSCORES", "*2\n  *2\n    \"m\"\n    ,5\n  *2\n    \"m\"\n    ,5"},
		{"ZRANDMEMBER one 1 WITHSCORES", "*1\n  *2\n    \"m\"\n    ,5"},
		{"ZRANDMEMBER one", "\"m\""},
		{"ZSCAN one 0", "*2\n  \"0\"\n  *2\n    \"m\"\n    \"5\""},
		{"ZADD big 0 0123456789012345678901234567890123456789012345678901234567890123456789 1.5 x", ":2"},
		{"ZRANGE big 0 -1 WITHSCORES", "*2\n  *2\n    \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n    ,0\n  *2\n    \"x\"\n    ,1.5"},
		{"ZSCAN big 0 MATCH x", "*2\n  \"0\"\n  *2\n    \"x\"\n    \"1.5\""},
		{"ZPOPMIN big 1", "*1\n  *2\n    \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n    ,0"},
		{"ZPOPMIN big", "*2\n  \"x\"\n  ,1.5"},
	} {
		require.Equal(t, tc.want, zsetDo(r, "", tc.cmd), tc.cmd)
	}
}

// TestZsetListpackBytes checks the listpack of a sorted set byte for byte
// against the one real Redis 7.0.15 dumps for the same ZADDs (DUMP with
// rdbcompression off: type 17, a 14-bit length, then the listpack).
func TestZsetListpackBytes(t *testing.T) {
	const dump = "114147470100002c00816c02842d696e6605816a02f4010000000000f0ff09f1c7cf03f178ec03817902842d302e3505816402000181670296322e35303030303030303030303030303032652d31301781780296312e30303030303030303030303030303031652d30351781620293302e31303030303030303030303030303030311481700283302e350481610292312e313030303030303030303030303030311381660203010c010c01f4141a99be1c00000009f2701101048171028d3132333435363738392e3132330e816b02f40080c6a47e8d030009816902f4000000000000100009816802f4000000000000200009816d02f4000000000000004009816e0296392e32323333373230333638353437373538652b3138178163028531652b323106816f0297312e30303030303030303030303030303031652b3330301881650283696e6604ff0a0099070b2b6c5d6267"
	payload, err := hex.DecodeString(dump)
	require.NoError(t, err)
	require.Equal(t, byte(17), payload[0])
	n := int(payload[1]&0x3f)<<8 | int(payload[2])
	want := payload[3 : 3+n]

	r := newLocalRunner(t)
	zsetDo(r, "", "ZADD z 1.1 a 0.1 b 1e21 c -0.0 d inf e 3 f 2.5e-10 g 9007199254740993 h 4503599627370496 i -4503599627370495 j 1e15 k -inf l 4611686018427387904 m 9223372036854775808 n 1e300 o 0.5 p 123456789.123 q")
	zsetDo(r, "", "ZADD z 12 12 -5000 -12345 1e-5 x 70000 123456789012 -0.5 y")
	z := r.srv.DBs[0].lookup([]byte("z")).(*ZSet)
	require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(z.Listpack().Bytes()))

	// The same set converted to a skiplist and back gives the same bytes.
	z.convertToSkiplist()
	require.NoError(t, z.check())
	z.convertToListpackIfNeeded(&r.srv.zsets, 20, 100)
	require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(z.Listpack().Bytes()))
}

// TestZsetModel runs random commands on sorted sets small enough to stay
// listpacks and large enough to become skiplists, and compares every
// reply with a model.
func TestZsetModel(t *testing.T) {
	for _, size := range []int{20, 400} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size), 3))
			r := newLocalRunner(t)
			model := map[string]float64{}
			sorted := func() []zsetPair {
				var m []zsetPair
				for k, v := range model {
					m = append(m, zsetPair{k, v})
				}
				sortZsetPairs(m)
				return m
			}
			member := func() string { return "m" + strconv.Itoa(rng.IntN(size)) }
			score := func() float64 { return float64(rng.IntN(40)) / 4 }
			fmtScore := func(f float64) string { return strconv.FormatFloat(f, 'g', 17, 64) }
			for op := 0; op < 4000; op++ {
				switch k := rng.IntN(10); {
				case k < 4:
					m, s := member(), score()
					_, exists := model[m]
					got := zsetDo(r, "", "ZADD z "+fmtScore(s)+" "+m)
					want := ":1"
					if exists {
						want = ":0"
					}
					require.Equal(t, want, got)
					model[m] = s
				case k == 4:
					m := member()
					_, exists := model[m]
					want := ":0"
					if exists {
						want = ":1"
						delete(model, m)
					}
					require.Equal(t, want, zsetDo(r, "", "ZREM z "+m))
				case k == 5:
					m, s := member(), score()
					model[m] += s
					require.Equal(t, strconv.Quote(fmtScore(model[m])), zsetDo(r, "", "ZINCRBY z "+fmtScore(s)+" "+m))
				case k == 6:
					m := member()
					all := sorted()
					want := "(nil)"
					for i, p := range all {
						if p.member == m {
							want = ":" + strconv.Itoa(i)
						}
					}
					require.Equal(t, want, zsetDo(r, "", "ZRANK z "+m))
				case k == 7:
					all := sorted()
					start, stop := rng.IntN(size+2)-1, rng.IntN(size+2)-1
					s, e, ok := zsetRankRange(int64(start), int64(stop), len(all))
					want := []string{}
					if ok {
						for _, p := range all[s : e+1] {
							want = append(want, strconv.Quote(p.member))
						}
					}
					got := r.do("", [][]byte{[]byte("ZRANGE"), []byte("z"), []byte(strconv.Itoa(start)), []byte(strconv.Itoa(stop))})
					require.Equal(t, want, zsetElems(got))
				case k == 8:
					all := sorted()
					min, max := score(), score()
					want := []string{}
					for _, p := range all {
						if p.score > min && p.score <= max {
							want = append(want, strconv.Quote(p.member))
						}
					}
					slices.Reverse(want)
					got := r.do("", [][]byte{[]byte("ZREVRANGEBYSCORE"), []byte("z"), []byte(fmtScore(max)), []byte("(" + fmtScore(min))})
					require.Equal(t, want, zsetElems(got))
					require.Equal(t, ":"+strconv.Itoa(len(want)), zsetDo(r, "", fmt.Sprintf("ZCOUNT z (%s %s", fmtScore(min), fmtScore(max))))
				case k == 9 && rng.IntN(20) == 0:
					all := sorted()
					n := rng.IntN(5)
					zsetDo(r, "", "ZPOPMIN z "+strconv.Itoa(n))
					for _, p := range all[:min(n, len(all))] {
						delete(model, p.member)
					}
				}
				require.Equal(t, ":"+strconv.Itoa(len(model)), zsetDo(r, "", "ZCARD z"))
				if z, ok := r.srv.DBs[0].lookup([]byte("z")).(*ZSet); ok {
					if op%100 == 0 {
						require.NoError(t, z.check())
					}
					if size > 128 && len(model) > 128 {
						require.Equal(t, "skiplist", z.Encoding())
					}
					if size <= 128 {
						require.Equal(t, "listpack", z.Encoding())
					}
				}
			}
		})
	}
}

// TestZrandmember checks ZRANDMEMBER's rules on both encodings: distinct
// members for a positive count, repetitions for a negative one, scores
// matching members.
func TestZrandmember(t *testing.T) {
	for _, size := range []int{10, 300} {
		r := newLocalRunner(t)
		args := []string{"ZADD", "z"}
		for i := range size {
			args = append(args, strconv.Itoa(i*2), "m"+strconv.Itoa(i))
		}
		require.Equal(t, ":"+strconv.Itoa(size), zsetDo(r, "", strings.Join(args, " ")))
		for _, count := range []int{1, 2, size / 4, size / 2, size - 1, size, size + 5, -1, -3, -(size * 3)} {
			for _, withScores := range []bool{false, true} {
				line := fmt.Sprintf("ZRANDMEMBER z %d", count)
				if withScores {
					line += " WITHSCORES"
				}
				got := r.do("", mustSplit(line))
				n := abs(count)
				if count > 0 {
					n = min(n, size)
				}
				per := 1
				if withScores {
					per = 2
				}
				require.Equal(t, "*"+strconv.Itoa(n*per), got[0], line)
				seen := map[string]bool{}
				got = append(got[:1], zsetElems(got)...)
				for i := 1; i < len(got); i += per {
					m, err := strconv.Unquote(got[i])
					require.NoError(t, err)
					idx, err := strconv.Atoi(strings.TrimPrefix(m, "m"))
					require.NoError(t, err, m)
					require.True(t, idx >= 0 && idx < size)
					if withScores {
						require.Equal(t, strconv.Quote(strconv.Itoa(idx*2)), got[i+1])
					}
					if count > 0 {
						require.False(t, seen[m], "%s: %s twice", line, m)
					}
					seen[m] = true
				}
				if count < -size*2 {
					require.Greater(t, len(seen), size/3, "a negative count samples everything")
				}
			}
		}
		// Without a count: a member of the set.
		for range 20 {
			m, err := strconv.Unquote(zsetDo(r, "", "ZRANDMEMBER z"))
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(m, "m"))
		}
	}
}

// zsetElems returns the elements of a rendered flat array.
func zsetElems(rendered []string) []string {
	out := []string{}
	for _, l := range rendered[1:] {
		out = append(out, strings.TrimPrefix(l, "  "))
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func mustSplit(line string) [][]byte {
	argv, ok := resp.SplitArgs([]byte(line), nil)
	if !ok {
		panic(line)
	}
	return argv
}

// TestZsetPropagation checks what reaches replicas and the AOF, as Redis
// 7.0 propagates it.
func TestZsetPropagation(t *testing.T) {
	r := newLocalRunner(t)
	got := recordPropagation(r)
	for _, line := range []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e",
		"ZADD z 1 a",        // no change: nothing
		"ZADD z INCR 1.5 a", // as is
		"ZPOPMIN z",         // as is
		"ZPOPMAX z 1",       // as is
		"ZMPOP 2 nokey z MIN COUNT 10",
		"ZADD z 1 a 2 b",
		"BZPOPMIN nokey z 0",       // as ZPOPMIN z
		"BZMPOP 0 1 z MAX COUNT 3", // as ZPOPMAX z 1
		"ZREMRANGEBYSCORE z 0 10",  // nothing left to remove
		"ZADD s 1 a 2 b",
		"ZUNIONSTORE d 1 s",
		"ZINTERSTORE nokey2 2 s nokey", // dst did not exist: nothing
		"ZRANGESTORE d s 0 0",
	} {
		zsetDo(r, "", line)
	}
	require.Equal(t, []string{
		"0 ZADD z 1 a 2 b 3 c 4 d 5 e",
		"0 ZADD z INCR 1.5 a",
		"0 ZPOPMIN z",
		"0 ZPOPMAX z 1",
		"0 ZPOPMIN z 3",
		"0 ZADD z 1 a 2 b",
		"0 ZPOPMIN z",
		"0 ZPOPMAX z 1",
		"0 ZADD s 1 a 2 b",
		"0 ZUNIONSTORE d 1 s",
		"0 ZRANGESTORE d s 0 0",
	}, *got)

	// A blocked client served later propagates the same way.
	*got = nil
	r.srv.ProcessInput(r.client("b1"), encodeCommand(mustSplit("BZPOPMAX w 0")))
	r.srv.ProcessInput(r.client("b2"), encodeCommand(mustSplit("BZMPOP 0 1 w MIN COUNT 5")))
	zsetDo(r, "", "ZADD w 1 x 2 y 3 z")
	require.Equal(t, []string{"0 ZADD w 1 x 2 y 3 z", "0 ZPOPMAX w", "0 ZPOPMIN w 2"}, *got)
	require.Equal(t, []string{`"w"`, `"z"`, `"3"`}, zsetElems(renderReplies(r.client("b1").Buf, &r.client("b1").Buf)))
}

// TestZsetSnapshot changes sorted sets while a snapshot goroutine reads
// them: the snapshot keeps seeing the sets as they were (run with -race).
func TestZsetSnapshot(t *testing.T) {
	r := newLocalRunner(t)
	var small, big []string
	for i := range 300 {
		big = append(big, strconv.Itoa(i), "m"+strconv.Itoa(i))
		if i < 10 {
			small = append(small, strconv.Itoa(i), "m"+strconv.Itoa(i))
		}
	}
	zsetDo(r, "", "ZADD small "+strings.Join(small, " "))
	zsetDo(r, "", "ZADD big "+strings.Join(big, " "))
	contents := func(z *ZSet) map[string]float64 {
		m := map[string]float64{}
		z.EachUnordered(func(member []byte, score float64) bool {
			m[string(member)] = score
			return true
		})
		return m
	}
	keys := []string{"small", "big"}
	before := map[string]map[string]float64{}
	for _, k := range keys {
		before[k] = contents(r.srv.DBs[0].lookup([]byte(k)).(*ZSet))
	}
	sn := r.srv.Snapshot()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var errs []string
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, k := range keys {
				v, _ := sn.DBs[0].Keys.Find(k)
				z := v.(*ZSet)
				got := contents(z)
				if len(got) != len(before[k]) || z.Len() != len(before[k]) {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s: %d members, want %d", k, len(got), len(before[k])))
					mu.Unlock()
				}
				for m, s := range before[k] {
					if got[m] != s {
						mu.Lock()
						errs = append(errs, fmt.Sprintf("%s: %s has %v, want %v", k, m, got[m], s))
						mu.Unlock()
					}
				}
			}
		}
	}()
	for i := range 400 {
		for _, k := range keys {
			zsetDo(r, "", fmt.Sprintf("ZADD %s %d n%d", k, i, i))
			zsetDo(r, "", fmt.Sprintf("ZINCRBY %s 1000 m%d", k, i%300))
			zsetDo(r, "", fmt.Sprintf("ZREM %s m%d", k, (i*7)%300))
			zsetDo(r, "", "ZSCORE "+k+" m5")
			zsetDo(r, "", "ZRANGE "+k+" 0 3")
		}
	}
	close(stop)
	wg.Wait()
	sn.Release()
	require.Empty(t, errs)
	require.Equal(t, "skiplist", EncodingName(r.srv.DBs[0].lookup([]byte("small"))))
}

// zsetBench runs argv through the executor b.N times, as a client would
// send it.
func zsetBench(b *testing.B, r *localRunner, gen func(i int) []byte) {
	c := r.client("")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.srv.ProcessInput(c, gen(i))
		c.Buf = c.Buf[:0]
	}
}

func newBenchRunner(b *testing.B) *localRunner {
	t := &testing.T{}
	return newLocalRunner(t)
}

// BenchmarkZaddRow is redis-benchmark's ZADD row: one member, re-added.
func BenchmarkZaddRow(b *testing.B) {
	r := newBenchRunner(b)
	cmd := encodeCommand(mustSplit("ZADD myzset 0 element:__rand_int__"))
	zsetBench(b, r, func(int) []byte { return cmd })
}

// BenchmarkZaddRandom is the ZADD row with -r 1000000: a growing skiplist.
func BenchmarkZaddRandom(b *testing.B) {
	r := newBenchRunner(b)
	rng := rand.New(rand.NewPCG(1, 1))
	zsetBench(b, r, func(int) []byte {
		n := rng.IntN(1000000)
		return encodeCommand(mustSplit(fmt.Sprintf("ZADD myzset %d element:%012d", n, n)))
	})
}

// BenchmarkZpopminRow is redis-benchmark's ZPOPMIN row (an empty key
// after the ZADD row popped its member).
func BenchmarkZpopminRow(b *testing.B) {
	r := newBenchRunner(b)
	cmd := encodeCommand(mustSplit("ZPOPMIN myzset"))
	zsetBench(b, r, func(int) []byte { return cmd })
}

// BenchmarkZpopminLarge pops from a large set.
func BenchmarkZpopminLarge(b *testing.B) {
	r := newBenchRunner(b)
	for i := 0; i < b.N+1000; i += 1000 {
		args := []string{"ZADD", "z"}
		for j := i; j < i+1000; j++ {
			args = append(args, strconv.Itoa(j), "m"+strconv.Itoa(j))
		}
		zsetDo(r, "", strings.Join(args, " "))
	}
	cmd := encodeCommand(mustSplit("ZPOPMIN z"))
	zsetBench(b, r, func(int) []byte { return cmd })
}

// BenchmarkZrangeWithScores replies 100 members with their scores.
func BenchmarkZrangeWithScores(b *testing.B) {
	r := newBenchRunner(b)
	args := []string{"ZADD", "z"}
	for i := range 100 {
		args = append(args, strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	zsetDo(r, "", strings.Join(args, " "))
	cmd := encodeCommand(mustSplit("ZRANGE z 0 -1 WITHSCORES"))
	zsetBench(b, r, func(int) []byte { return cmd })
}

// TestReplyScore checks the integer shortcut against c.Double.
func TestReplyScore(t *testing.T) {
	c := &Client{}
	values := []float64{0, math.Copysign(0, -1), 1, -1, 3, 1e15, 1e16, 1e17 - 1, 1e17, -1e17, 99999999999999999, 1 << 62, -(1 << 62), 1 << 63, 0.5, -2.5, math.Inf(1), math.Inf(-1), 123456789012345678}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 1000 {
		values = append(values, float64(rng.Int64N(1<<60)-1<<59), rng.NormFloat64()*1e18)
	}
	for _, proto := range []int{2, 3} {
		c.Proto = proto
		for _, v := range values {
			c.Buf = c.Buf[:0]
			c.Double(v)
			want := string(c.Buf)
			c.Buf = c.Buf[:0]
			replyScore(c, v)
			require.Equal(t, want, string(c.Buf), "%v", v)
		}
	}
}

// TestZsetLoadAPI checks the constructors the RDB loader uses.
func TestZsetLoadAPI(t *testing.T) {
	r := newLocalRunner(t)
	s := r.srv
	z := NewZSetSkiplist(s.COW, 3)
	require.True(t, z.LoadAdd([]byte("b"), 2))
	require.True(t, z.LoadAdd([]byte("a"), 1))
	require.False(t, z.LoadAdd([]byte("a"), 5))
	z.LoadDone(s.Builder())
	require.Equal(t, "listpack", z.Encoding())
	require.True(t, ZsetListpackValid(z.Listpack()))
	var got []string
	z.Each(func(m []byte, score float64) bool { got = append(got, fmt.Sprintln(string(m), score)); return true })
	require.Equal(t, []string{"a 1\n", "b 2\n"}, got)

	long := NewZSetSkiplist(s.COW, 0)
	long.LoadAdd([]byte(strings.Repeat("x", 65)), 1)
	long.LoadDone(s.Builder())
	require.Equal(t, "skiplist", long.Encoding())

	lp := listpack.New()
	for i := range 200 {
		lp.Append([]byte("m" + strconv.Itoa(i)))
		lp.Append([]byte(strconv.Itoa(i)))
	}
	require.True(t, ZsetListpackValid(lp))
	big := NewZSetFromListpack(lp, s.COW)
	big.ConvertIfLarge(s.Builder())
	require.Equal(t, "skiplist", big.Encoding())
	require.NoError(t, big.check())
	require.Equal(t, 200, big.Len())

	dup := listpack.New()
	for _, e := range []string{"a", "1", "b", "2", "a", "3"} {
		dup.Append([]byte(e))
	}
	require.False(t, ZsetListpackValid(dup))
	dup.Append([]byte("c"))
	require.False(t, ZsetListpackValid(dup))
}

// TestRandomMembersUniform: ZRANDMEMBER, HRANDFIELD and SRANDMEMBER with a
// negative count and RANDOMKEY pick each element of a hash table as often
// as any other, as Redis's dictGetFairRandomKey (an element in a long
// chain is not less likely): the chi-square of 2000 picks of 10 elements
// stays under 40 (p = 1e-5 at 9 degrees of freedom), as Redis's own test.
func TestRandomMembersUniform(t *testing.T) {
	r := newLocalRunner(t)
	for _, line := range []string{
		"CONFIG SET zset-max-listpack-entries 0", "CONFIG SET hash-max-listpack-entries 0",
		"CONFIG SET set-max-intset-entries 0",
	} {
		require.Equal(t, "+OK", zsetDo(r, "", line))
	}
	var z, h, s []string
	for i := range 10 {
		m := "m" + strconv.Itoa(i)
		z, h, s = append(z, strconv.Itoa(i), m), append(h, m, "v"), append(s, m)
		zsetDo(r, "", "SET "+m+" v")
	}
	zsetDo(r, "", "ZADD z "+strings.Join(z, " "))
	zsetDo(r, "", "HSET h "+strings.Join(h, " "))
	zsetDo(r, "", "SADD s "+strings.Join(s, " "))
	chi := func(picks []string) float64 {
		counts := map[string]int{}
		for _, p := range picks {
			counts[p]++
		}
		expected := float64(len(picks)) / 10
		x := 0.0
		for i := range 10 {
			d := float64(counts["\"m"+strconv.Itoa(i)+"\""]) - expected
			x += d * d / expected
		}
		return x
	}
	for _, line := range []string{"ZRANDMEMBER z -2000", "HRANDFIELD h -2000", "SRANDMEMBER s -2000"} {
		got := zsetElems(r.do("", mustSplit(line)))
		require.Len(t, got, 2000, line)
		require.Less(t, chi(got), 40.0, line)
	}
	var keys []string
	for range 2000 {
		if k := zsetDo(r, "", "RANDOMKEY"); strings.HasPrefix(k, "\"m") {
			keys = append(keys, k)
		}
	}
	require.Greater(t, len(keys), 1000) // z, h and s are keys too
	require.Less(t, chi(keys), 40.0, "RANDOMKEY")
}
