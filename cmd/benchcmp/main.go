// Command benchcmp runs redis-benchmark against this server and against a
// real redis-server in the same run and prints how they compare:
//
//	benchcmp [-ours bin/redis-server] [-redis redis-server] [-n 100000] [-tests set,get]
//
// Both servers run at once on free ports, with the same options and no
// persistence. For each test of redis-benchmark's default suite, first
// without pipelining and then with -P 16, it benchmarks one server and then
// the other, alternating which goes first, and reads each server's CPU
// time from /proc before and after. A test whose command our server does
// not implement yet shows as "unsupported". Last, it measures each
// server's resident memory after a million SETs on a fresh server.
//
// The numbers depend on the machine and on what else runs on it: quote
// the ratios, not the absolute numbers.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	ours, redis, benchmark string
	n                      int
	clients                int
	pipelines              []int
	tests                  []string
	rssN                   int
	timeout                time.Duration
}

func main() {
	opt, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		stopAll()
		os.Exit(130)
	}()
	err = run(opt)
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("benchcmp", flag.ContinueOnError)
	opt := &options{}
	defaultN := 100000
	if v := os.Getenv("BENCH_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("BENCH_N=%q: want a positive number", v)
		}
		defaultN = n
	}
	fs.StringVar(&opt.ours, "ours", "bin/redis-server", "our server binary")
	fs.StringVar(&opt.redis, "redis", "redis-server", "the real redis-server binary")
	fs.StringVar(&opt.benchmark, "benchmark", "redis-benchmark", "the redis-benchmark binary")
	fs.IntVar(&opt.n, "n", defaultN, "base number of requests per test, scaled per test and for pipelining (default: $BENCH_N or 100000)")
	fs.IntVar(&opt.clients, "c", 50, "parallel connections")
	pipelines := fs.String("P", "1,16", "pipeline depths to run the suite with")
	tests := fs.String("tests", "", "comma-separated tests to run (as redis-benchmark -t names them: set,get,lrange_100,...; default: all)")
	fs.IntVar(&opt.rssN, "rss-n", 1000000, "SETs before measuring RSS on fresh servers (0: skip)")
	fs.DurationVar(&opt.timeout, "timeout", 2*time.Minute, "time limit of one redis-benchmark run")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, p := range strings.Split(*pipelines, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-P %q: want pipeline depths such as 1,16", *pipelines)
		}
		opt.pipelines = append(opt.pipelines, v)
	}
	if *tests != "" {
		opt.tests = strings.Split(strings.ToLower(*tests), ",")
	}
	return opt, nil
}

// run does the whole comparison and prints it.
func run(opt *options) error {
	tests, err := selectTests(opt.tests)
	if err != nil {
		return err
	}
	ticks, err := clockTicks()
	if err != nil {
		return err
	}
	ours := &server{name: "ours", bin: opt.ours}
	redis := &server{name: "redis", bin: opt.redis}
	for _, s := range []*server{ours, redis} {
		if s.version, err = versionOf(s.bin); err != nil {
			return err
		}
		fmt.Printf("%-5s %s: %s\n", s.name, s.bin, s.version)
	}
	fmt.Println()
	for _, p := range opt.pipelines {
		for _, s := range []*server{ours, redis} {
			if err := s.start(); err != nil {
				return err
			}
		}
		rows := make([]row, 0, len(tests))
		for i, t := range tests {
			n := t.requests(opt.n, p)
			r := row{test: t, n: n}
			order := []*server{ours, redis}
			if i%2 == 1 {
				order = []*server{redis, ours}
			}
			for _, s := range order {
				res := benchmark(opt, s, t, n, p, ticks)
				if s == ours {
					r.ours = res
				} else {
					r.redis = res
				}
			}
			fmt.Fprintf(os.Stderr, "P=%-2d %-36s ours %-12s redis %s\n", p, t.name, r.ours.short(), r.redis.short())
			rows = append(rows, r)
		}
		ours.stop()
		redis.stop()
		printTable(os.Stdout, fmt.Sprintf("redis-benchmark -c %d -P %d (requests per test in column n)", opt.clients, p), rows)
	}
	if opt.rssN > 0 {
		rss := measureRSS(opt, []*server{ours, redis})
		printRSS(os.Stdout, opt.rssN, rss)
	}
	return nil
}
