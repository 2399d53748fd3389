package main

// The AOF section, measured the same way on each server:
//   - SET throughput and p99 (redis-benchmark -t set, -c clients, no
//     pipelining) on a fresh server with appendonly no, with appendonly
//     yes and appendfsync everysec, and with appendfsync always (with a
//     fifth of the requests: every write waits for an fsync);
//   - BGREWRITEAOF of -aof-keys keys: the time from the command until
//     INFO persistence shows the rewrite done, then SET p99 under
//     redis-benchmark while BGREWRITEAOF runs in a loop;
//   - startup from that AOF (the rewritten base plus an incr file of
//     aofTail more SETs), stopped with SHUTDOWN NOSAVE: the time from
//     starting the server on a copy of its directory until PING answers
//     (a server that is loading answers -LOADING), and the keys loaded.
//
// The SET rows alternate the servers, the first of each pair in turn; the
// SET rows, the rewrite time and the startup show the median of -aof-runs.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// aofTail is the number of SETs appended to the incr file after the
// rewrite, for the startup row.
const aofTail = 100000

// aofMode is one appendonly setting of the SET rows.
type aofMode struct {
	name string
	args []string
	div  int // the requests are -aof-n divided by div
}

var aofModes = []aofMode{
	{name: "appendonly no", args: []string{"--appendonly", "no"}, div: 1},
	{name: "appendfsync everysec", args: []string{"--appendonly", "yes", "--appendfsync", "everysec"}, div: 1},
	{name: "appendfsync always", args: []string{"--appendonly", "yes", "--appendfsync", "always"}, div: 5},
}

type aofResult struct {
	modes    []result // SET per aofModes
	status   string   // of the rewrite and startup rows: "" when they ran
	rewrite  time.Duration
	during   result // SET while BGREWRITEAOF runs in a loop
	rewrites int
	size     int64 // appendonlydir after the tail
	startup  time.Duration
	loaded   int64 // DBSIZE after the startup
	wantKeys int64
}

func runAOF(opt *options, ticks int64) {
	servers := []*server{{name: "ours", bin: opt.ours}, {name: "redis", bin: opt.redis}}
	var res [2]aofResult
	for _, m := range aofModes {
		var runs [2][]result
		for run := range opt.aofRuns {
			order := []int{0, 1}
			if run%2 == 1 {
				order = []int{1, 0}
			}
			for _, i := range order {
				runs[i] = append(runs[i], setRun(opt, servers[i], m, ticks))
			}
		}
		for i, s := range servers {
			res[i].modes = append(res[i].modes, medianResult(runs[i]))
			fmt.Fprintf(os.Stderr, "AOF %-5s SET %-22s %s\n", s.name, m.name, res[i].modes[len(res[i].modes)-1].short())
		}
	}
	for i, s := range servers {
		measureRewrite(opt, s, ticks, &res[i])
		fmt.Fprintf(os.Stderr, "AOF %-5s rewrite %.3fs, startup %.3fs %s\n", s.name, res[i].rewrite.Seconds(), res[i].startup.Seconds(), res[i].status)
	}
	printAOF(os.Stdout, opt, res[0], res[1])
}

// setRun is redis-benchmark -t set on a fresh server started in mode m.
func setRun(opt *options, s *server, m aofMode, ticks int64) result {
	srv := &server{name: s.name, bin: s.bin, args: m.args}
	if err := srv.start(); err != nil {
		return result{status: "error", detail: err.Error()}
	}
	defer srv.stop()
	return benchmark(opt, srv, setTest, max(1, opt.aofN/m.div), 1, ticks)
}

// medianResult is the median throughput and the median latencies of
// runs, or the first failure.
func medianResult(runs []result) result {
	for _, r := range runs {
		if !r.ok() {
			return r
		}
	}
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		rps:   med(func(r result) float64 { return r.rps }),
		p50:   med(func(r result) float64 { return r.p50 }),
		p99:   med(func(r result) float64 { return r.p99 }),
		cpuMs: med(func(r result) float64 { return r.cpuMs }),
	}
}

func medianDuration(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// measureRewrite fills the rewrite and startup rows of r.
func measureRewrite(opt *options, s *server, ticks int64, r *aofResult) {
	r.during = result{status: "-"}
	srv := &server{name: s.name, bin: s.bin, args: aofModes[1].args}
	if err := srv.start(); err != nil {
		r.status = "error: " + err.Error()
		return
	}
	defer srv.stop()
	ctx := context.Background()
	c := newClient(srv.port)
	defer c.Close()
	if c.Do(ctx, "COMMAND", "INFO", "bgrewriteaof").Err() != nil || !hasAOFInfo(ctx, c) {
		r.status = "unsupported"
		return
	}
	if err := loadKeys(srv.port, opt.aofKeys, opt.timeout); err != nil {
		r.status = "error: loading keys: " + err.Error()
		return
	}
	var times []time.Duration
	for range opt.aofRuns {
		d, err := rewriteAOF(ctx, c, opt.timeout)
		if err != nil {
			r.status = "error: " + err.Error()
			if strings.Contains(err.Error(), "unknown command") {
				r.status = "unsupported"
			}
			return
		}
		times = append(times, d)
	}
	r.rewrite = medianDuration(times)

	// SET latency while the AOF is rewritten again and again.
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			if _, err := rewriteAOF(ctx, c, opt.timeout); err == nil {
				n++
			} else {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	r.during = benchmark(opt, srv, setTest, opt.aofN, 1, ticks)
	close(stop)
	r.rewrites = <-done
	if _, err := waitRewrite(ctx, c, -1, opt.timeout); err != nil {
		r.status = "error: " + err.Error()
		return
	}

	// The incr file gets the tail; then the server stops and starts again
	// on a copy of its directory.
	if err := loadKeysPrefixed(srv.port, "tail:", aofTail, opt.timeout); err != nil {
		r.status = "error: tail: " + err.Error()
		return
	}
	var err error
	r.wantKeys, err = c.DBSize(ctx).Result()
	if err != nil {
		r.status = "error: DBSIZE: " + err.Error()
		return
	}
	_ = c.ShutdownNoSave(ctx).Err() // the connection closes: no reply
	select {
	case <-srv.exited:
	case <-time.After(opt.timeout):
		r.status = "error: SHUTDOWN NOSAVE did not stop the server"
		return
	}
	runningMu.Lock()
	delete(running, srv)
	runningMu.Unlock()
	defer os.RemoveAll(srv.dir)
	r.size = dirSize(filepath.Join(srv.dir, "appendonlydir"))
	times = times[:0]
	for range opt.aofRuns {
		d, err := startFromCopy(s, srv.dir, opt.timeout, r.wantKeys)
		if err != nil {
			r.status = "error: startup: " + err.Error()
			return
		}
		times = append(times, d)
	}
	r.startup = medianDuration(times)
	r.loaded = r.wantKeys
}

// startFromCopy starts s.bin on a copy of dir and returns the time until
// it answers PING, after checking that it loaded want keys.
func startFromCopy(s *server, dir string, timeout time.Duration, want int64) (time.Duration, error) {
	cp, err := os.MkdirTemp("", "benchcmp-"+s.name+"-aof-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(cp)
	if err := os.CopyFS(cp, os.DirFS(dir)); err != nil {
		return 0, fmt.Errorf("copying the AOF: %w", err)
	}
	os.Remove(filepath.Join(cp, "server.log"))
	d, loaded, err := startFromAOF(s.bin, cp, timeout)
	if err == nil && loaded != want {
		err = fmt.Errorf("loaded %d keys of %d", loaded, want)
	}
	return d, err
}

// hasAOFInfo reports whether INFO persistence has the rewrite fields
// waitRewrite polls.
func hasAOFInfo(ctx context.Context, c *redis.Client) bool {
	info, err := c.Info(ctx, "persistence").Result()
	return err == nil && infoField(info, "aof_rewrites") != "" && infoField(info, "aof_rewrite_in_progress") != ""
}

// rewriteAOF runs BGREWRITEAOF and returns the time until it is done.
func rewriteAOF(ctx context.Context, c *redis.Client, timeout time.Duration) (time.Duration, error) {
	before, err := waitRewrite(ctx, c, -1, timeout)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		return 0, fmt.Errorf("BGREWRITEAOF: %w", err)
	}
	if _, err := waitRewrite(ctx, c, before, timeout); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// waitRewrite polls INFO persistence until no rewrite runs or is
// scheduled and, when after >= 0, aof_rewrites has passed after (a
// rewrite started since). It returns aof_rewrites.
func waitRewrite(ctx context.Context, c *redis.Client, after int64, timeout time.Duration) (int64, error) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		info, err := c.Info(ctx, "persistence").Result()
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(infoField(info, "aof_rewrites"), 10, 64)
		if err != nil {
			return 0, errors.New("no aof_rewrites in INFO persistence")
		}
		if infoField(info, "aof_rewrite_in_progress") != "0" || infoField(info, "aof_rewrite_scheduled") != "0" || n <= after {
			continue
		}
		if after >= 0 && infoField(info, "aof_last_bgrewrite_status") != "ok" {
			return n, errors.New("aof_last_bgrewrite_status:" + infoField(info, "aof_last_bgrewrite_status"))
		}
		return n, nil
	}
	return 0, fmt.Errorf("the AOF rewrite did not end within %v", timeout)
}

// loadKeysPrefixed SETs n keys named prefix<i>, pipelined.
func loadKeysPrefixed(port int, prefix string, n int, timeout time.Duration) error {
	c := newClient(port)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for i := 0; i < n; i += 1000 {
		p := c.Pipeline()
		for j := i; j < min(n, i+1000); j++ {
			p.Set(ctx, prefix+strconv.Itoa(j), fmt.Sprintf("%016x", j), 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// startFromAOF starts bin with appendonly yes in dir and returns the time
// until it answers PING and the keys it loaded. It stops the server.
func startFromAOF(bin, dir string, timeout time.Duration) (time.Duration, int64, error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	log, err := os.Create(filepath.Join(dir, "startup.log"))
	if err != nil {
		return 0, 0, err
	}
	defer log.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--dir", dir, "--save", "", "--appendonly", "yes")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	for deadline := start.Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-exited:
			return 0, 0, errors.New("the server exited: " + tail(log.Name()))
		default:
		}
		if ping(port) {
			d := time.Since(start)
			c := newClient(port)
			defer c.Close()
			keys, err := c.DBSize(context.Background()).Result()
			return d, keys, err
		}
	}
	return 0, 0, fmt.Errorf("no PING within %v", timeout)
}

// tail is the last line of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// dirSize is the total size of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func printAOF(w io.Writer, opt *options, ours, redis aofResult) {
	fmt.Fprintf(w, "\nAOF: SET -c %d on fresh servers (%d requests, a fifth with always); BGREWRITEAOF of %d keys (16-byte values); startup from its AOF + %d SETs\n",
		opt.clients, opt.aofN, opt.aofKeys, aofTail)
	fmt.Fprintf(w, "%32s %12s %12s %10s\n", "", "ours", "redis", "ours/redis")
	row := func(name string, a, b float64, unit string) {
		ratio := "-"
		if b > 0 {
			ratio = fmt.Sprintf("%.2f", a/b)
		}
		fmt.Fprintf(w, "%32s %12s %12s %10s\n", name, fmt.Sprintf("%.3f%s", a, unit), fmt.Sprintf("%.3f%s", b, unit), ratio)
	}
	cell := func(r result, v float64, format string) string {
		if !r.ok() {
			return r.status
		}
		return fmt.Sprintf(format, v)
	}
	resRow := func(name string, a, b result, p99 bool) {
		va, vb, format := a.rps, b.rps, "%.0f"
		if p99 {
			va, vb, format = a.p99, b.p99, "%.3fms"
		}
		ratio := "-"
		if a.ok() && b.ok() && vb > 0 {
			ratio = fmt.Sprintf("%.2f", va/vb)
		}
		fmt.Fprintf(w, "%32s %12s %12s %10s\n", name, cell(a, va, format), cell(b, vb, format), ratio)
	}
	var notes []string
	for i, m := range aofModes {
		resRow("SET ops/s "+m.name, ours.modes[i], redis.modes[i], false)
		resRow("SET p99 "+m.name, ours.modes[i], redis.modes[i], true)
		for _, side := range []struct {
			name string
			res  result
		}{{"ours", ours.modes[i]}, {"redis", redis.modes[i]}} {
			if !side.res.ok() {
				notes = append(notes, fmt.Sprintf("  SET %s, %s: %s: %s", m.name, side.name, side.res.status, side.res.detail))
			}
		}
	}
	if ours.status != "" || redis.status != "" {
		fmt.Fprintf(w, "  rewrite and startup: ours: %s  redis: %s\n", orOK(ours.status), orOK(redis.status))
	}
	row("BGREWRITEAOF time", ours.rewrite.Seconds(), redis.rewrite.Seconds(), "s")
	resRow("SET p99 during BGREWRITEAOF", ours.during, redis.during, true)
	resRow("SET ops/s during BGREWRITEAOF", ours.during, redis.during, false)
	fmt.Fprintf(w, "%32s %12d %12d\n", "BGREWRITEAOFs during the run", ours.rewrites, redis.rewrites)
	row("AOF size (base + incr)", float64(ours.size)/(1<<20), float64(redis.size)/(1<<20), "MB")
	row("startup until PING", ours.startup.Seconds(), redis.startup.Seconds(), "s")
	fmt.Fprintf(w, "%32s %12d %12d\n", "keys loaded", ours.loaded, redis.loaded)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}
