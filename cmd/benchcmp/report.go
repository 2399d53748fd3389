package main

// The tables benchcmp prints, and the memory measurement.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
)

// row is one test on both servers.
type row struct {
	test        benchTest
	n           int
	ours, redis result
}

func printTable(w io.Writer, title string, rows []row) {
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test\tn\tops/s ours\tops/s redis\tours/redis\tp50 ours\tp50 redis\tp99 ours\tp99 redis\tcpu ms/100k ours\tcpu ms/100k redis\t")
	var notes, unsupported []string
	for _, r := range rows {
		if r.ours.status == "unsupported" {
			unsupported = append(unsupported, r.test.name)
		}
		cells := []string{r.test.name + "\t" + strconv.Itoa(r.n)}
		cells = append(cells, rps(r.ours), rps(r.redis), ratio(r.ours, r.redis),
			latency(r.ours, r.ours.p50), latency(r.redis, r.redis.p50),
			latency(r.ours, r.ours.p99), latency(r.redis, r.redis.p99),
			cpu(r.ours), cpu(r.redis))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		for _, side := range []struct {
			name string
			res  result
		}{{"ours", r.ours}, {"redis", r.redis}} {
			if side.res.status != "" && side.res.status != "unsupported" {
				notes = append(notes, fmt.Sprintf("  %s, %s: %s: %s", r.test.name, side.name, side.res.status, side.res.detail))
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "latencies in ms; cpu: the server's user+sys time per 100k requests")
	if len(unsupported) > 0 {
		fmt.Fprintf(w, "  not implemented by ours yet: %s\n", strings.Join(unsupported, ", "))
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}

func rps(r result) string {
	if !r.ok() {
		return r.status
	}
	return fmt.Sprintf("%.0f", r.rps)
}

func ratio(ours, redis result) string {
	if !ours.ok() || !redis.ok() || redis.rps == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", ours.rps/redis.rps)
}

func latency(r result, ms float64) string {
	if !r.ok() {
		return "-"
	}
	return fmt.Sprintf("%.3f", ms)
}

func cpu(r result) string {
	if !r.ok() || r.cpuMs < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", r.cpuMs)
}

// rssResult is a server's VmRSS after the SET load, or why there is none.
type rssResult struct {
	kb  int64
	err string
}

// measureRSS starts each server fresh, runs
// redis-benchmark -t set -n N -r N -d 16 against it and reads its VmRSS.
func measureRSS(opt *options, servers []*server) []rssResult {
	out := make([]rssResult, len(servers))
	for i, s := range servers {
		out[i] = rssAfterSets(opt, s)
		fmt.Fprintf(os.Stderr, "RSS %-5s %d kB %s\n", s.name, out[i].kb, out[i].err)
	}
	return out
}

func rssAfterSets(opt *options, s *server) rssResult {
	if err := s.start(); err != nil {
		return rssResult{err: err.Error()}
	}
	defer s.stop()
	n := strconv.Itoa(opt.rssN)
	ctx, cancel := context.WithTimeout(context.Background(), 2*opt.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.benchmark, "-p", strconv.Itoa(s.port), "-t", "set", "-n", n, "-r", n, "-d", "16", "-q")
	output, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return rssResult{err: "timeout"}
	}
	if err != nil {
		r := failure(s, err, string(output))
		if r.status != "unsupported" {
			fmt.Fprintf(os.Stderr, "RSS %s: %s\n", s.name, r.detail)
		}
		return rssResult{err: r.status}
	}
	kb, err := rssKB(s.pid())
	if err != nil {
		return rssResult{err: err.Error()}
	}
	return rssResult{kb: kb}
}

func printRSS(w io.Writer, n int, rss []rssResult) {
	fmt.Fprintf(w, "VmRSS after redis-benchmark -t set -n %d -r %d -d 16 on a fresh server\n", n, n)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RSS MB ours\tRSS MB redis\tours/redis\t")
	cell := func(r rssResult) string {
		if r.err != "" {
			return r.err
		}
		return fmt.Sprintf("%.1f", float64(r.kb)/1024)
	}
	rat := "-"
	if rss[0].err == "" && rss[1].err == "" && rss[1].kb > 0 {
		rat = fmt.Sprintf("%.2f", float64(rss[0].kb)/float64(rss[1].kb))
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t\n", cell(rss[0]), cell(rss[1]), rat)
	tw.Flush()
}
