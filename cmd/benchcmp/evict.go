package main

// The eviction section: each server with maxmemory (-evict-mb) under
// allkeys-lru, filled past the limit, then SET of 100-byte values on
// random keys, so that nearly every write evicts: ops/s, p99 and CPU per
// request, how many keys were evicted and held, used_memory and RSS.

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/redis/go-redis/v9"
)

type evictResult struct {
	status        string
	run, piped    result
	evicted, keys int64
	used, rssKB   int64
}

// evictSet is SET on random keys of a keyspace larger than maxmemory holds.
var evictSet = benchTest{key: "evict_set", name: "SET (evicting)",
	cmd: []string{"-r", "100000000", "-d", "100", "-t", "set"}, scale: 1, pipeScale: 10}

func runEviction(opt *options, ticks int64) {
	var rs []evictResult
	for _, s := range []*server{{name: "ours", bin: opt.ours}, {name: "redis", bin: opt.redis}} {
		rs = append(rs, measureEviction(opt, s, ticks))
	}
	printEviction(os.Stdout, opt, rs[0], rs[1])
}

func measureEviction(opt *options, s *server, ticks int64) (r evictResult) {
	s.args = []string{"--maxmemory", strconv.Itoa(opt.evictMB) + "mb", "--maxmemory-policy", "allkeys-lru"}
	if err := s.start(); err != nil {
		return evictResult{status: "error: " + err.Error()}
	}
	defer s.stop()
	// Fill past the limit: the measured runs then evict on every write.
	fill := evictSet
	fill.pipeScale = float64(opt.evictMB<<20) / 100 / float64(opt.n) // about 1.5x the limit in SETs
	if f := benchmark(opt, s, fill, fill.requests(opt.n, 16), 16, ticks); !f.ok() {
		return evictResult{status: "fill: " + f.status + " " + f.detail}
	}
	r.run = benchmark(opt, s, evictSet, evictSet.requests(opt.n, 1), 1, ticks)
	r.piped = benchmark(opt, s, evictSet, evictSet.requests(opt.n, 16), 16, ticks)
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprint("127.0.0.1:", s.port)})
	defer c.Close()
	ctx := context.Background()
	info, err := c.Info(ctx, "memory", "stats").Result()
	if err != nil {
		return evictResult{status: "error: " + err.Error()}
	}
	r.evicted, _ = strconv.ParseInt(infoField(info, "evicted_keys"), 10, 64)
	r.used, _ = strconv.ParseInt(infoField(info, "used_memory"), 10, 64)
	r.keys, _ = c.DBSize(ctx).Result()
	r.rssKB, _ = rssKB(s.pid())
	return r
}

func printEviction(w io.Writer, opt *options, ours, redis evictResult) {
	fmt.Fprintf(w, "Eviction: maxmemory %dmb allkeys-lru, SET -d 100 on random keys (-r 1e8) after filling past the limit\n", opt.evictMB)
	if ours.status != "" || redis.status != "" {
		fmt.Fprintf(w, "  ours: %s  redis: %s\n\n", orOK(ours.status), orOK(redis.status))
		return
	}
	fmt.Fprintf(w, "  %-22s %12s %12s %10s\n", "", "ours", "redis", "ours/redis")
	row := func(name string, a, b float64, format string) {
		ratio := "-"
		if b != 0 {
			ratio = fmt.Sprintf("%.2f", a/b)
		}
		fmt.Fprintf(w, "  %-22s %12s %12s %10s\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, b), ratio)
	}
	row("SET ops/s P=1", ours.run.rps, redis.run.rps, "%.0f")
	row("SET p99 ms P=1", ours.run.p99, redis.run.p99, "%.3f")
	row("SET ops/s P=16", ours.piped.rps, redis.piped.rps, "%.0f")
	row("CPU ms/100k P=16", ours.piped.cpuMs, redis.piped.cpuMs, "%.0f")
	row("evicted_keys", float64(ours.evicted), float64(redis.evicted), "%.0f")
	row("keys held", float64(ours.keys), float64(redis.keys), "%.0f")
	row("used_memory MB", float64(ours.used)/(1<<20), float64(redis.used)/(1<<20), "%.1f")
	row("RSS MB", float64(ours.rssKB)/1024, float64(redis.rssKB)/1024, "%.1f")
	fmt.Fprintln(w)
}
