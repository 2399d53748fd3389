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
// not implement yet shows as "unsupported". Then it measures each
// server's resident memory after a million SETs on a fresh server.
//
// Last comes replication (repl.go), with each server as the master and
// the same replica binary (-replica, real Redis by default) for both: the
// time a replica takes to come online after a full sync of -repl-keys
// keys, disk-based and diskless, and SET throughput with 0, 1 and 2
// replicas attached, with the replicas' lag sampled during the run.
// The persistence section (persist.go) compares SAVE, loading and BGSAVE;
// the AOF section (aof.go) SET under appendfsync everysec and always,
// BGREWRITEAOF and the startup from an AOF.
// The stream section (stream.go) drains a stream with XREADGROUP and XACK
// and measures a 1M-entry stream's memory. The ACL section (acl.go)
// compares SET and GET as the default user and as a restricted one. The
// cluster section (cluster.go) runs redis-benchmark --cluster SET and GET
// against a cluster of three masters of each server.
// -sections picks the parts to run: suite,rss,persist,aof,repl,evict,stream,acl,cluster.
//
// The numbers depend on the machine and on what else runs on it: quote
// the ratios, not the absolute numbers.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sectionNames are -sections' parts, in the order they run.
var sectionNames = []string{"suite", "rss", "persist", "aof", "repl", "evict", "stream", "acl", "cluster"}

// extraSections run only when -sections names them.
var extraSections = []string{"dualsync"}

type options struct {
	ours, redis, benchmark string
	n                      int
	clients                int
	pipelines              []int
	tests                  []string
	rssN                   int
	timeout                time.Duration

	sections    map[string]bool // of sectionNames
	replica     string          // the replicas' binary in the replication section
	replicaLoad string          // their repl-diskless-load, "" for their default
	replKeys    int             // keys to sync fully; 0 skips the sync timing
	replN       int             // SET requests with replicas attached; 0 skips them
	replTimeout time.Duration   // time limit of one sync or catch-up
	replRuns    int             // runs of each replication measurement; the median is shown
	persistKeys int             // keys saved and loaded in the persistence section
	persistN    int             // SET requests per latency run in the persistence section
	aofKeys     int             // keys rewritten and loaded in the AOF section
	aofN        int             // SET requests per latency run in the AOF section
	aofRuns     int             // runs of each AOF measurement; the median is shown
	clusterRuns int             // runs of each cluster row, shown together
	clusterN    int             // base requests of a cluster run
	evictMB     int             // maxmemory of the eviction section, MB

	streamEntries, streamCount, streamRSSN int // the stream section (stream.go)

	dual dualOptions // the dualsync section (dualsync.go)
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
	sections := fs.String("sections", strings.Join(sectionNames, ","), "parts to run: suite (redis-benchmark's tests), rss (memory), persist (RDB save/load/BGSAVE), aof (appendfsync, BGREWRITEAOF, startup from an AOF), repl (replication), evict (SET at maxmemory under allkeys-lru), stream (an XREADGROUP/XACK loop, a stream's memory), acl (SET and GET as the default user and as a restricted one), cluster (redis-benchmark --cluster SET and GET against 3 masters); not by default: dualsync (full syncs under a write load: classic, dual-channel, Redis)")
	fs.StringVar(&opt.replica, "replica", "", "the replicas' binary in the replication section (default: -redis)")
	fs.StringVar(&opt.replicaLoad, "replica-load", "", "the replicas' repl-diskless-load in the full sync timing: disabled, on-empty-db or swapdb (default: theirs)")
	fs.IntVar(&opt.replKeys, "repl-keys", 1000000, "keys on the master for the full sync timing (0: skip)")
	fs.IntVar(&opt.replN, "repl-n", -1, "SET requests per run with 0, 1 and 2 replicas attached (-1: 1.5 times -n; 0: skip)")
	fs.DurationVar(&opt.replTimeout, "repl-timeout", 2*time.Minute, "time limit of one full sync or catch-up")
	fs.IntVar(&opt.replRuns, "repl-runs", 3, "runs of each replication measurement; the median is shown")
	fs.IntVar(&opt.persistKeys, "persist-keys", 1000000, "keys saved, loaded and snapshotted in the persistence section")
	fs.IntVar(&opt.persistN, "persist-n", 200000, "SET requests per latency run in the persistence section")
	fs.IntVar(&opt.aofKeys, "aof-keys", 1000000, "keys rewritten by BGREWRITEAOF and loaded at startup in the AOF section")
	fs.IntVar(&opt.aofN, "aof-n", 100000, "SET requests per latency run in the AOF section (a fifth with appendfsync always)")
	fs.IntVar(&opt.aofRuns, "aof-runs", 3, "runs of each AOF measurement but the one during BGREWRITEAOF; the median is shown")
	fs.IntVar(&opt.clusterRuns, "cluster-runs", 3, "runs of each cluster row, shown together")
	fs.IntVar(&opt.clusterN, "cluster-n", clusterDefaultN, "requests of an unpipelined cluster run, 6 times as many with -P 16 (redis-benchmark --cluster times a run in steps of 250 ms, so a run must last many steps)")
	fs.IntVar(&opt.evictMB, "evict-mb", 64, "maxmemory of the eviction section, MB")
	fs.IntVar(&opt.streamEntries, "stream-entries", -1, "entries the stream section's clients drain with XREADGROUP and XACK (-1: 5 times -n)")
	fs.IntVar(&opt.streamCount, "stream-count", 10, "the COUNT of each XREADGROUP in the stream section")
	fs.IntVar(&opt.streamRSSN, "stream-rss-n", 1000000, "XADDs to one stream before measuring RSS in the stream section (0: skip)")
	dualFlags(fs, &opt.dual)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if opt.replN < 0 {
		opt.replN = setTest.requests(opt.n, 1)
	}
	if opt.replRuns < 1 {
		return nil, fmt.Errorf("-repl-runs %d: want at least 1", opt.replRuns)
	}
	if opt.clusterN < 1 {
		return nil, fmt.Errorf("-cluster-n %d: want at least 1", opt.clusterN)
	}
	if opt.clusterRuns < 1 {
		return nil, fmt.Errorf("-cluster-runs %d: want at least 1", opt.clusterRuns)
	}
	if opt.aofRuns < 1 {
		return nil, fmt.Errorf("-aof-runs %d: want at least 1", opt.aofRuns)
	}
	if opt.replica == "" {
		opt.replica = opt.redis
	}
	if opt.streamEntries < 0 {
		opt.streamEntries = 5 * opt.n
	}
	opt.sections = map[string]bool{}
	for _, name := range strings.Split(*sections, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(sectionNames, name) && !slices.Contains(extraSections, name) {
			return nil, fmt.Errorf("-sections %q: the sections are suite, rss, persist, aof, repl, evict, stream, acl, cluster and dualsync", *sections)
		}
		opt.sections[name] = true
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
	if opt.sections["repl"] && opt.replica != opt.redis {
		v, err := versionOf(opt.replica)
		if err != nil {
			return err
		}
		fmt.Printf("replicas %s: %s\n", opt.replica, v)
	}
	fmt.Println()
	if opt.sections["suite"] {
		if err := runSuite(opt, tests, ticks, ours, redis); err != nil {
			return err
		}
	}
	if opt.rssN > 0 && opt.sections["rss"] {
		rss := measureRSS(opt, []*server{ours, redis})
		printRSS(os.Stdout, opt.rssN, rss)
		fmt.Println()
	}
	if opt.sections["persist"] {
		runPersistence(opt)
	}
	if opt.sections["aof"] {
		runAOF(opt, ticks)
	}
	if opt.sections["repl"] {
		runReplication(opt, ticks)
	}
	if opt.sections["evict"] {
		runEviction(opt, ticks)
	}
	if opt.sections["stream"] {
		runStreams(opt, ticks)
	}
	if opt.sections["acl"] {
		runACL(opt, ticks)
	}
	if opt.sections["cluster"] {
		runCluster(opt, ticks)
	}
	if opt.sections["dualsync"] {
		runDualSync(opt)
	}
	return nil
}

// runSuite runs redis-benchmark's suite on both servers, once per
// pipeline depth, and prints a table for each.
func runSuite(opt *options, tests []benchTest, ticks int64, ours, redis *server) error {
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
	return nil
}
