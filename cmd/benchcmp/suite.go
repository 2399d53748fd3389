package main

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// benchTest is one row of the table: a test of redis-benchmark's default
// suite, in the suite's order.
type benchTest struct {
	key  string // -tests name
	name string // as redis-benchmark names it
	// selector is redis-benchmark's -t name. A test without one runs cmd
	// as a custom command: redis-benchmark cannot run LRANGE_x without
	// first filling the list, which would mix two tests' CPU time.
	selector string
	cmd      []string
	// setup runs with redis-cli before the test, command by command
	// (SCRIPT LOAD; a stream's consumer group).
	setup [][]string
	// scale and pipeScale multiply the base number of requests without
	// and with pipelining, so that each test runs for a second or two.
	scale, pipeScale float64
}

// suite is redis-benchmark's default suite. LPUSH and LRANGE_x use the
// same commands as redis-benchmark ("LPUSH mylist xxx" with the default
// 3-byte value, "LRANGE mylist 0 99").
var suite = []benchTest{
	{key: "ping_inline", name: "PING_INLINE", selector: "ping_inline", scale: 1.5, pipeScale: 20},
	{key: "ping_mbulk", name: "PING_MBULK", selector: "ping_mbulk", scale: 1.5, pipeScale: 20},
	{key: "set", name: "SET", selector: "set", scale: 1.5, pipeScale: 20},
	{key: "get", name: "GET", selector: "get", scale: 1.5, pipeScale: 20},
	{key: "incr", name: "INCR", selector: "incr", scale: 1.5, pipeScale: 20},
	{key: "lpush", name: "LPUSH", selector: "lpush", scale: 1.5, pipeScale: 20},
	{key: "rpush", name: "RPUSH", selector: "rpush", scale: 1.5, pipeScale: 20},
	{key: "lpop", name: "LPOP", selector: "lpop", scale: 1.5, pipeScale: 20},
	{key: "rpop", name: "RPOP", selector: "rpop", scale: 1.5, pipeScale: 20},
	{key: "sadd", name: "SADD", selector: "sadd", scale: 1.5, pipeScale: 20},
	{key: "hset", name: "HSET", selector: "hset", scale: 1.5, pipeScale: 20},
	{key: "spop", name: "SPOP", selector: "spop", scale: 1.5, pipeScale: 20},
	{key: "zadd", name: "ZADD", selector: "zadd", scale: 1.5, pipeScale: 20},
	{key: "zpopmin", name: "ZPOPMIN", selector: "zpopmin", scale: 1.5, pipeScale: 20},
	{key: "lpush_lrange", name: "LPUSH (for LRANGE)", cmd: []string{"lpush", "mylist", "xxx"}, scale: 1.5, pipeScale: 20},
	{key: "lrange_100", name: "LRANGE_100", cmd: []string{"lrange", "mylist", "0", "99"}, scale: 0.6, pipeScale: 1.5},
	{key: "lrange_300", name: "LRANGE_300", cmd: []string{"lrange", "mylist", "0", "299"}, scale: 0.3, pipeScale: 0.3},
	{key: "lrange_500", name: "LRANGE_500", cmd: []string{"lrange", "mylist", "0", "499"}, scale: 0.2, pipeScale: 0.15},
	{key: "lrange_600", name: "LRANGE_600", cmd: []string{"lrange", "mylist", "0", "599"}, scale: 0.15, pipeScale: 0.12},
	{key: "mset", name: "MSET (10 keys)", selector: "mset", scale: 1.5, pipeScale: 4},
	// Scripts: one call (the EVAL caches it for the EVALSHA after it) and
	// twenty calls a script.
	{key: "eval_incr", name: "EVAL 1 INCR", cmd: []string{"eval", incrScript, "1", "counter"}, scale: 1, pipeScale: 8},
	{key: "evalsha_incr", name: "EVALSHA 1 INCR", cmd: []string{"evalsha", sha1hex(incrScript), "1", "counter"}, scale: 1, pipeScale: 8},
	{key: "evalsha_20", name: "EVALSHA 20 INCR", cmd: []string{"evalsha", sha1hex(incr20Script), "1", "counter"}, setup: [][]string{{"script", "load", incr20Script}}, scale: 0.3, pipeScale: 1},
	{key: "fcall_incr", name: "FCALL 1 INCR", cmd: []string{"fcall", "incr1", "1", "counter"}, setup: [][]string{{"function", "load", "replace", incrLibrary}}, scale: 1, pipeScale: 8},
	// Streams: XADD in redis-benchmark's custom-command form, then a
	// consumer group reading them back one by one (new entries each time,
	// as long as XADD added enough: its scale is higher).
	{key: "xadd", name: "XADD", cmd: []string{"xadd", "bench:stream", "*", "field", "value"}, scale: 1.5, pipeScale: 20},
	{key: "xreadgroup", name: "XREADGROUP COUNT 1", cmd: []string{"xreadgroup", "group", "g", "c", "count", "1", "streams", "bench:stream", ">"},
		setup: [][]string{{"xgroup", "destroy", "bench:stream", "g"}, {"xgroup", "create", "bench:stream", "g", "0"}}, scale: 1, pipeScale: 8},
	// SORT of a list of 1000 numbers; GEOADD of one point and GEOSEARCH
	// for the 10 nearest of 1000 points around Sicily.
	{key: "sort_1k", name: "SORT (1000 numbers)", cmd: []string{"sort", "bench:sort"}, setup: [][]string{{"del", "bench:sort"}, sortSetup}, scale: 0.05, pipeScale: 0.05},
	{key: "geoadd", name: "GEOADD", cmd: []string{"geoadd", "bench:geoadd", "13.361389", "38.115556", "Palermo"}, scale: 1.5, pipeScale: 20},
	{key: "geosearch", name: "GEOSEARCH 200 km COUNT 10", cmd: []string{"geosearch", "bench:geo", "fromlonlat", "15", "37", "byradius", "200", "km", "asc", "count", "10"},
		setup: [][]string{{"del", "bench:geo"}, geoSetup}, scale: 0.3, pipeScale: 1},
}

// sortSetup and geoSetup fill SORT's list and GEOSEARCH's points, the same
// on both servers (a fixed sequence, not the clock's).
var sortSetup, geoSetup = func() ([]string, []string) {
	sortArgs, geoArgs := []string{"rpush", "bench:sort"}, []string{"geoadd", "bench:geo"}
	x := uint32(12345)
	next := func() uint32 { x = x*1664525 + 1013904223; return x >> 8 }
	for i := 0; i < 1000; i++ {
		sortArgs = append(sortArgs, fmt.Sprint(next()%100000))
		lon := 12 + float64(next()%4000)/1000 // 12 to 16 E
		lat := 36.5 + float64(next()%2000)/1000
		geoArgs = append(geoArgs, fmt.Sprintf("%.4f", lon), fmt.Sprintf("%.4f", lat), fmt.Sprint("p", i))
	}
	return sortArgs, geoArgs
}()

const (
	incrScript   = "return redis.call('incr', KEYS[1])"
	incr20Script = "for i = 1, 20 do redis.call('incr', KEYS[1]) end return 1"
	incrLibrary  = "#!lua name=benchlib\nredis.register_function('incr1', function(keys) return redis.call('incr', keys[1]) end)"
)

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// requests is the number of requests of the test for base and pipeline
// depth p.
func (t benchTest) requests(base, p int) int {
	f := t.scale
	if p > 1 {
		f = t.pipeScale
	}
	return max(1, int(float64(base)*f))
}

// args are the redis-benchmark arguments that select the test.
func (t benchTest) args() []string {
	if t.selector != "" {
		return []string{"-t", t.selector}
	}
	return t.cmd
}

// selectTests returns the tests named by keys, in the suite's order, or
// the whole suite when keys is empty. LRANGE_x needs the list that
// "LPUSH (for LRANGE)" fills, so it comes along.
func selectTests(keys []string) ([]benchTest, error) {
	if len(keys) == 0 {
		return suite, nil
	}
	want := map[string]bool{}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		found := false
		for _, t := range suite {
			if t.key == k {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown test %q; the tests are %s", k, strings.Join(testKeys(), ","))
		}
		want[k] = true
		if strings.HasPrefix(k, "lrange_") {
			want["lpush_lrange"] = true
		}
	}
	var out []benchTest
	for _, t := range suite {
		if want[t.key] {
			out = append(out, t)
		}
	}
	return out, nil
}

func testKeys() []string {
	keys := make([]string, len(suite))
	for i, t := range suite {
		keys[i] = t.key
	}
	return keys
}
