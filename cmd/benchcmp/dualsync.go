package main

// The dualsync section (only when -sections names it): a master under a
// steady write load (redis-benchmark -t set, -dual-clients clients, keys
// from a large range) full-syncs -dual-keys keys to a fresh replica. For
// each setup it reports the peak of what the master holds for the
// replica (the replicas' omem in CLIENT LIST and mem_total_replication_buffers,
// sampled every 50 ms) and the time until the replica's link is up:
// ours with the classic sync, ours with the dual-channel sync, and real
// Redis as master with a real replica. A second round sets
// client-output-buffer-limit replica to -dual-limit: a classic sync that
// cannot finish starts over (the master closes the replica for its output
// buffer) until -dual-timeout; the count of restarts is shown.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
)

type dualOptions struct {
	keys    int
	clients int
	pipe    int // redis-benchmark -P of the write load
	size    int // redis-benchmark -d of the write load
	limit   string
	timeout time.Duration
}

func dualFlags(fs *flag.FlagSet, o *dualOptions) {
	fs.IntVar(&o.keys, "dual-keys", 1000000, "keys on the master in the dualsync section")
	fs.IntVar(&o.clients, "dual-clients", 50, "redis-benchmark SET clients writing during the syncs of the dualsync section")
	fs.IntVar(&o.pipe, "dual-P", 1, "redis-benchmark -P of the dualsync section's write load")
	fs.IntVar(&o.size, "dual-d", 3, "redis-benchmark -d (value size) of the dualsync section's write load")
	fs.StringVar(&o.limit, "dual-limit", "8mb", "client-output-buffer-limit replica hard limit of the dualsync section's second round")
	fs.DurationVar(&o.timeout, "dual-timeout", 90*time.Second, "time limit of one sync in the dualsync section")
}

// dualSetup is one master/replica pairing.
type dualSetup struct {
	name            string
	master, replica string // binaries
	replicaArgs     []string
}

// dualResult is one sync under load.
type dualResult struct {
	err      string
	took     time.Duration // REPLICAOF to link up; 0 if never
	peakOmem int64         // of the replica clients on the master, summed
	peakRepl int64         // mem_total_replication_buffers
	restarts int           // "overcoming of output buffer limits" in the master's log
	writeBps float64       // the master's network input during the sync (the writes)
}

func runDualSync(opt *options) {
	o := opt.dual
	setups := []dualSetup{
		{"ours classic", opt.ours, opt.ours, []string{"--dual-channel-replication-enabled", "no"}},
		{"ours dual-channel", opt.ours, opt.ours, nil},
		{"redis (7.0) classic", opt.redis, opt.redis, nil},
	}
	for _, limit := range []string{"", o.limit} {
		var rows []dualResult
		for _, s := range setups {
			r := measureDualSync(opt, s, limit)
			fmt.Fprintf(os.Stderr, "dualsync %-20s limit %-8s %s\n", s.name, orDefault(limit), r.short())
			rows = append(rows, r)
		}
		printDualSync(os.Stdout, opt, setups, rows, limit)
	}
}

func orDefault(limit string) string {
	if limit == "" {
		return "default"
	}
	return limit
}

func (r dualResult) short() string {
	if r.err != "" {
		return r.err
	}
	took := "never"
	if r.took > 0 {
		took = fmt.Sprintf("%.2fs", r.took.Seconds())
	}
	return fmt.Sprintf("online %s, peak omem %s, peak repl buffers %s, restarts %d, writes %.1f MB/s",
		took, mb(r.peakOmem), mb(r.peakRepl), r.restarts, r.writeBps/1e6)
}

func mb(n int64) string { return fmt.Sprintf("%.1fMB", float64(n)/(1<<20)) }

// measureDualSync runs one setup: master with the keys, the write load,
// then a replica's full sync, sampled until its link is up.
func measureDualSync(opt *options, s dualSetup, limit string) dualResult {
	o := opt.dual
	margs := []string{"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}
	if limit != "" {
		margs = append(margs, "--client-output-buffer-limit", "replica "+limit+" 0 0")
	}
	master := &server{name: "master", bin: s.master, args: margs}
	if err := master.start(); err != nil {
		return dualResult{err: err.Error()}
	}
	defer master.stop()
	if err := loadKeys(master.port, o.keys, opt.replTimeout); err != nil {
		return dualResult{err: "loading the keys: " + err.Error()}
	}
	load := exec.Command(opt.benchmark, "-p", strconv.Itoa(master.port), "-t", "set", "-c", strconv.Itoa(o.clients),
		"-n", "2000000000", "-r", "100000000", "-P", strconv.Itoa(o.pipe), "-d", strconv.Itoa(o.size), "-q")
	load.Stdout, load.Stderr = io.Discard, io.Discard
	if err := load.Start(); err != nil {
		return dualResult{err: "redis-benchmark: " + err.Error()}
	}
	defer func() {
		load.Process.Kill()
		load.Wait()
	}()
	time.Sleep(time.Second) // the load settles
	replica := &server{name: "replica", bin: s.replica, args: s.replicaArgs}
	if err := replica.start(); err != nil {
		return dualResult{err: err.Error()}
	}
	defer replica.stop()
	mc, rc := newClient(master.port), newClient(replica.port)
	defer mc.Close()
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	var res dualResult
	in0, _ := netInput(ctx, mc)
	start := time.Now()
	if err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", master.port).Err(); err != nil {
		return dualResult{err: "REPLICAOF: " + err.Error()}
	}
	for ctx.Err() == nil {
		if list, err := mc.Do(ctx, "CLIENT", "LIST", "TYPE", "replica").Text(); err == nil {
			res.peakOmem = max(res.peakOmem, sumOmem(list))
		}
		if info, err := mc.Info(ctx, "memory").Result(); err == nil {
			v, _ := strconv.ParseInt(infoField(info, "mem_total_replication_buffers"), 10, 64)
			res.peakRepl = max(res.peakRepl, v)
		}
		if info, err := rc.Info(ctx, "replication").Result(); err == nil && infoField(info, "master_link_status") == "up" {
			res.took = time.Since(start)
			break
		}
		if !master.alive() {
			return dualResult{err: "the master exited"}
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if in1, err := netInput(context.Background(), mc); err == nil && in0 > 0 {
		res.writeBps = float64(in1-in0) / elapsed.Seconds()
	}
	log, _ := os.ReadFile(filepath.Join(master.dir, "server.log"))
	res.restarts = strings.Count(string(log), "overcoming of output buffer limits")
	return res
}

var omemField = regexp.MustCompile(`omem=(\d+)`)

func sumOmem(list string) int64 {
	var n int64
	for _, m := range omemField.FindAllStringSubmatch(list, -1) {
		v, _ := strconv.ParseInt(m[1], 10, 64)
		n += v
	}
	return n
}

// netInput is total_net_input_bytes: what the writers sent.
func netInput(ctx context.Context, c *redis.Client) (int64, error) {
	info, err := c.Info(ctx, "stats").Result()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(infoField(info, "total_net_input_bytes"), 10, 64)
}

func printDualSync(w io.Writer, opt *options, setups []dualSetup, rows []dualResult, limit string) {
	o := opt.dual
	fmt.Fprintf(w, "Full sync of %d keys under a SET load (%d clients, -P %d, -d %d), client-output-buffer-limit replica %s:\n",
		o.keys, o.clients, o.pipe, o.size, orDefault(limit))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "setup\tonline after\tpeak replica omem\tpeak repl buffers\trestarts\twrites MB/s\t")
	for i, r := range rows {
		if r.err != "" {
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t\t\n", setups[i].name, r.err)
			continue
		}
		took := fmt.Sprintf("never (%s)", o.timeout)
		if r.took > 0 {
			took = fmt.Sprintf("%.2fs", r.took.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.1f\t\n", setups[i].name, took, mb(r.peakOmem), mb(r.peakRepl), r.restarts, r.writeBps/1e6)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
