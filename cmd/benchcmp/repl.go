package main

// The replication section: how fast each server, as a master, brings a
// replica online after a full sync (disk and diskless), and how SET
// throughput and replica lag change with 0, 1 and 2 replicas attached.
// The replicas are the same binary in both cases (-replica, real Redis by
// default), so that only the masters are compared.

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
)

// syncRow is one full-sync measurement on both masters.
type syncRow struct {
	mode        string // "disk" or "diskless"
	ours, redis syncResult
}

// syncResult is the time from REPLICAOF to a replica online with every
// key, and the replica's peak RSS, or why there is none.
type syncResult struct {
	status string // "" when measured; "unsupported", "error", "timeout"
	detail string
	took   time.Duration
	peakKB int64 // the replica's VmHWM once online, the highest of the runs
}

// loadRow is SET throughput with some replicas attached, on both masters.
type loadRow struct {
	replicas    int
	ours, redis loadResult
}

// loadResult is one SET run on one master with its replicas.
type loadResult struct {
	result
	lag     lagStats
	catchUp time.Duration // from the end of the run to every replica at the master's offset
}

// lagStats summarizes master_repl_offset - slave_repl_offset samples.
type lagStats struct {
	samples  int
	max, sum int64
}

func (l *lagStats) add(v int64) {
	v = max(v, 0)
	l.samples++
	l.sum += v
	l.max = max(l.max, v)
}

func (l *lagStats) merge(o lagStats) {
	l.samples += o.samples
	l.sum += o.sum
	l.max = max(l.max, o.max)
}

func (l lagStats) mean() float64 {
	if l.samples == 0 {
		return 0
	}
	return float64(l.sum) / float64(l.samples)
}

// replMaster is the common setup of a master in this section: no delay
// before a diskless sync, so that the sync time is the transfer's.
func replMaster(name, bin string, diskless bool) *server {
	mode := "no"
	if diskless {
		mode = "yes"
	}
	return &server{name: name, bin: bin, args: []string{"--repl-diskless-sync", mode, "--repl-diskless-sync-delay", "0"}}
}

// runReplication measures and prints the replication section.
func runReplication(opt *options, ticks int64) {
	if opt.replKeys > 0 {
		var rows []syncRow
		for _, mode := range []string{"disk", "diskless"} {
			r := syncRow{mode: mode}
			r.ours = measureSync(opt, replMaster("ours", opt.ours, mode == "diskless"))
			r.redis = measureSync(opt, replMaster("redis", opt.redis, mode == "diskless"))
			fmt.Fprintf(os.Stderr, "sync %-8s ours %-12s redis %s\n", mode, r.ours.short(), r.redis.short())
			rows = append(rows, r)
		}
		printSync(os.Stdout, opt, rows)
	}
	if opt.replN > 0 {
		var rows []loadRow
		for n := 0; n <= 2; n++ {
			r := loadRow{replicas: n}
			// Alternate which goes first, as the suite does.
			if n%2 == 0 {
				r.ours = measureLoad(opt, replMaster("ours", opt.ours, true), n, ticks)
				r.redis = measureLoad(opt, replMaster("redis", opt.redis, true), n, ticks)
			} else {
				r.redis = measureLoad(opt, replMaster("redis", opt.redis, true), n, ticks)
				r.ours = measureLoad(opt, replMaster("ours", opt.ours, true), n, ticks)
			}
			fmt.Fprintf(os.Stderr, "SET with %d replicas: ours %-12s redis %s\n", n, r.ours.short(), r.redis.short())
			rows = append(rows, r)
		}
		printLoad(os.Stdout, opt, rows)
	}
}

func (r syncResult) short() string {
	if r.status != "" {
		return r.status
	}
	return fmt.Sprintf("%.2fs", r.took.Seconds())
}

// measureSync starts master and loads opt.replKeys keys into it, then
// times opt.replRuns full syncs, each to a fresh replica, and keeps the
// median.
func measureSync(opt *options, master *server) syncResult {
	if err := master.start(); err != nil {
		return syncResult{status: "error", detail: err.Error()}
	}
	defer master.stop()
	if !supportsReplication(master.port) {
		return syncResult{status: "unsupported", detail: "no PSYNC command"}
	}
	if err := loadKeys(master.port, opt.replKeys, opt.replTimeout); err != nil {
		return syncResult{status: "error", detail: "loading the keys: " + err.Error()}
	}
	var times []time.Duration
	var peak int64
	for i := 0; i < opt.replRuns; i++ {
		res := syncOnce(opt, master)
		if res.status != "" {
			return res
		}
		times = append(times, res.took)
		peak = max(peak, res.peakKB)
	}
	slices.Sort(times)
	return syncResult{took: times[len(times)/2], peakKB: peak}
}

// syncOnce times REPLICAOF on a fresh replica until its link is up with
// every key.
func syncOnce(opt *options, master *server) syncResult {
	replica := &server{name: "replica", bin: opt.replica}
	if opt.replicaLoad != "" {
		replica.args = []string{"--repl-diskless-load", opt.replicaLoad}
	}
	if err := replica.start(); err != nil {
		return syncResult{status: "error", detail: err.Error()}
	}
	defer replica.stop()
	rc := newClient(replica.port)
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), opt.replTimeout)
	defer cancel()
	start := time.Now()
	if err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", master.port).Err(); err != nil {
		return syncResult{status: "error", detail: "REPLICAOF: " + err.Error()}
	}
	if res := waitLinkUp(ctx, master, rc); res.status != "" {
		return res
	}
	took := time.Since(start)
	if n, err := rc.DBSize(ctx).Result(); err != nil || n != int64(opt.replKeys) {
		return syncResult{status: "error", detail: fmt.Sprintf("the replica has %d keys (%v), want %d", n, err, opt.replKeys)}
	}
	peak, _ := peakRSSKB(replica.cmd.Process.Pid)
	return syncResult{took: took, peakKB: peak}
}

// waitLinkUp polls the replica until master_link_status is up.
func waitLinkUp(ctx context.Context, master *server, rc *redis.Client) syncResult {
	for {
		if info, err := rc.Info(ctx, "replication").Result(); err == nil && infoField(info, "master_link_status") == "up" {
			return syncResult{}
		}
		if !master.alive() {
			return syncResult{status: "error", detail: "the master exited during the sync"}
		}
		select {
		case <-ctx.Done():
			return syncResult{status: "timeout", detail: "the replica's link was not up in time"}
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// measureLoad starts master with n replicas attached and runs
// redis-benchmark -t set against it opt.replRuns times, sampling the
// replicas' lag meanwhile. It keeps the run of median throughput, with
// the lag and catch-up time of all the runs.
func measureLoad(opt *options, master *server, n int, ticks int64) loadResult {
	if err := master.start(); err != nil {
		return loadResult{result: result{status: "error", detail: err.Error()}}
	}
	defer master.stop()
	if n > 0 && !supportsReplication(master.port) {
		return loadResult{result: result{status: "unsupported", detail: "no PSYNC command"}}
	}
	mc := newClient(master.port)
	defer mc.Close()
	var replicas []*redis.Client
	for i := 0; i < n; i++ {
		r := &server{name: "replica", bin: opt.replica, args: []string{"--replicaof", "127.0.0.1", strconv.Itoa(master.port)}}
		if err := r.start(); err != nil {
			return loadResult{result: result{status: "error", detail: err.Error()}}
		}
		defer r.stop()
		c := newClient(r.port)
		defer c.Close()
		replicas = append(replicas, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opt.replTimeout)
	defer cancel()
	for _, rc := range replicas {
		if res := waitLinkUp(ctx, master, rc); res.status != "" {
			return loadResult{result: result{status: res.status, detail: res.detail}}
		}
	}
	// Redis streams to a replica fresh from a diskless sync only after its
	// first ACK, up to a second later: the runs start once a write went
	// through to every replica.
	if n > 0 {
		if err := mc.Set(ctx, "warm-up", 1, 0).Err(); err != nil {
			return loadResult{result: result{status: "error", detail: err.Error()}}
		}
		if err := waitCaughtUp(ctx, mc, replicas); err != nil {
			return loadResult{result: result{status: "timeout", detail: "the replicas did not get the first write: " + err.Error()}}
		}
	}
	var runs []loadResult
	for i := 0; i < opt.replRuns; i++ {
		r := loadOnce(opt, master, mc, replicas, ticks)
		if !r.ok() {
			return r
		}
		runs = append(runs, r)
	}
	return medianRun(runs)
}

// loadOnce is one redis-benchmark run with the lag sampled meanwhile.
func loadOnce(opt *options, master *server, mc *redis.Client, replicas []*redis.Client, ticks int64) loadResult {
	stop := make(chan struct{})
	var lag lagStats
	var wg sync.WaitGroup
	if len(replicas) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sampleLag(mc, replicas, stop, &lag)
		}()
	}
	res := benchmark(opt, master, setTest, opt.replN, 1, ticks)
	close(stop)
	wg.Wait()
	out := loadResult{result: res, lag: lag}
	if res.ok() && len(replicas) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), opt.replTimeout)
		defer cancel()
		start := time.Now()
		if err := waitCaughtUp(ctx, mc, replicas); err != nil {
			out.status, out.detail = "timeout", "the replicas did not catch up: "+err.Error()
		}
		out.catchUp = time.Since(start)
	}
	return out
}

// medianRun is the run of median throughput, with the lag samples of
// every run and the longest catch-up.
func medianRun(runs []loadResult) loadResult {
	slices.SortFunc(runs, func(a, b loadResult) int { return cmp.Compare(a.rps, b.rps) })
	out := runs[len(runs)/2]
	out.lag = lagStats{}
	for _, r := range runs {
		out.lag.merge(r.lag)
		out.catchUp = max(out.catchUp, r.catchUp)
	}
	return out
}

// setTest is redis-benchmark -t set, as in the suite.
var setTest = func() benchTest {
	for _, t := range suite {
		if t.key == "set" {
			return t
		}
	}
	panic("no SET in the suite")
}()

// sampleLag records master_repl_offset - slave_repl_offset of every
// replica every 50 ms until stop is closed. The master is read first, so
// a sample never overstates the lag.
func sampleLag(master *redis.Client, replicas []*redis.Client, stop chan struct{}, lag *lagStats) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		mo, err := offset(master, "master_repl_offset")
		if err != nil {
			continue
		}
		for _, r := range replicas {
			if ro, err := offset(r, "slave_repl_offset"); err == nil {
				lag.add(mo - ro)
			}
		}
	}
}

// waitCaughtUp waits until every replica's offset equals the master's.
func waitCaughtUp(ctx context.Context, master *redis.Client, replicas []*redis.Client) error {
	for {
		mo, err := offset(master, "master_repl_offset")
		done := err == nil
		for _, r := range replicas {
			ro, err := offset(r, "slave_repl_offset")
			done = done && err == nil && ro == mo
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func offset(c *redis.Client, field string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(infoField(info, field), 10, 64)
}

// infoField is one field of an INFO reply, "" when absent.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

func newClient(port int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), MaxRetries: -1, ReadTimeout: 30 * time.Second})
}

// supportsReplication reports whether the server knows PSYNC: COMMAND
// INFO answers nil for a command it does not have.
func supportsReplication(port int) bool {
	c := newClient(port)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := c.Do(ctx, "COMMAND", "INFO", "psync").Slice()
	return err == nil && len(v) == 1 && v[0] != nil
}

// loadKeys writes n keys key:i with 16-byte values through one pipelined
// connection, the same dataset on every server.
func loadKeys(port, n int, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	werr := make(chan error, 1)
	go func() { werr <- writeSets(conn, n) }()
	if err := readOKs(bufio.NewReaderSize(conn, 256<<10), n); err != nil {
		return err
	}
	return <-werr
}

func writeSets(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	for i := 0; i < n; i++ {
		k := "key:" + strconv.Itoa(i)
		v := fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
		fmt.Fprintf(bw, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", len(k), k, v)
	}
	return bw.Flush()
}

// readOKs reads n replies that must all be +OK.
func readOKs(r *bufio.Reader, n int) error {
	for i := 0; i < n; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if line != "+OK\r\n" {
			return errors.New(strings.TrimSpace(line))
		}
	}
	return nil
}

func printSync(w io.Writer, opt *options, rows []syncRow) {
	load := ""
	if opt.replicaLoad != "" {
		load = " (repl-diskless-load " + opt.replicaLoad + ")"
	}
	fmt.Fprintf(w, "Full sync of %d keys to a %s replica%s: seconds from REPLICAOF to the link up with every key (median of %d), and the replica's peak RSS\n", opt.replKeys, opt.replica, load, opt.replRuns)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "master sync\ts ours\ts redis\tours/redis\treplica MB ours\treplica MB redis\t")
	var notes []string
	for _, r := range rows {
		rat := "-"
		if r.ours.status == "" && r.redis.status == "" && r.redis.took > 0 {
			rat = fmt.Sprintf("%.2f", r.ours.took.Seconds()/r.redis.took.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.mode, secs(r.ours), secs(r.redis), rat, peakMB(r.ours), peakMB(r.redis))
		for _, side := range []struct {
			name string
			res  syncResult
		}{{"ours", r.ours}, {"redis", r.redis}} {
			if side.res.status != "" && side.res.status != "unsupported" {
				notes = append(notes, fmt.Sprintf("  %s, %s: %s: %s", r.mode, side.name, side.res.status, side.res.detail))
			}
		}
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}

func peakMB(r syncResult) string {
	if r.status != "" || r.peakKB == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(r.peakKB)/1024)
}

func secs(r syncResult) string {
	if r.status != "" {
		return r.status
	}
	return fmt.Sprintf("%.2f", r.took.Seconds())
}

func (r loadResult) short() string { return r.result.short() }

func printLoad(w io.Writer, opt *options, rows []loadRow) {
	fmt.Fprintf(w, "SET on the master with %s replicas attached: redis-benchmark -t set -n %d -c %d (median of %d runs)\n", opt.replica, opt.replN, opt.clients, opt.replRuns)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "replicas\tops/s ours\tops/s redis\tours/redis\tp99 ours\tp99 redis\tlag max KB ours\tlag max KB redis\tlag avg KB ours\tlag avg KB redis\tcatch-up ms ours\tcatch-up ms redis\t")
	var notes []string
	for _, r := range rows {
		cells := []string{strconv.Itoa(r.replicas), rps(r.ours.result), rps(r.redis.result), ratio(r.ours.result, r.redis.result),
			latency(r.ours.result, r.ours.p99), latency(r.redis.result, r.redis.p99)}
		cells = append(cells, lagMax(r.ours, r.replicas), lagMax(r.redis, r.replicas), lagAvg(r.ours, r.replicas), lagAvg(r.redis, r.replicas),
			catchUp(r.ours, r.replicas), catchUp(r.redis, r.replicas))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		for _, side := range []struct {
			name string
			res  loadResult
		}{{"ours", r.ours}, {"redis", r.redis}} {
			if side.res.status != "" && side.res.status != "unsupported" {
				notes = append(notes, fmt.Sprintf("  %d replicas, %s: %s: %s", r.replicas, side.name, side.res.status, side.res.detail))
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "p99 in ms; lag: master_repl_offset - slave_repl_offset sampled every 50 ms during the run;")
	fmt.Fprintln(w, "catch-up: from the end of the run until every replica reached the master's offset")
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}

func lagMax(r loadResult, replicas int) string {
	if !r.ok() || replicas == 0 || r.lag.samples == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(r.lag.max)/1024)
}

func lagAvg(r loadResult, replicas int) string {
	if !r.ok() || replicas == 0 || r.lag.samples == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", r.lag.mean()/1024)
}

func catchUp(r loadResult, replicas int) string {
	if !r.ok() || replicas == 0 {
		return "-"
	}
	return strconv.FormatInt(r.catchUp.Milliseconds(), 10)
}
