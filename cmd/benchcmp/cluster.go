package main

// The cluster section: redis-benchmark --cluster against a cluster of
// three masters of ours and one of real Redis, without replicas. Each
// node starts fresh in its own directory with cluster-enabled yes on a
// port whose bus port (port+10000) is free too; redis-cli --cluster
// create assigns the slots, and the section waits until every node says
// cluster_state:ok. redis-benchmark --cluster then reads CLUSTER NODES
// from the first node, spreads its clients over the masters and keys its
// requests with each master's hash tag, so every request goes straight
// to the node that owns it, without a -MOVED.
//
// Both clusters run at once and take turns, as the suite's servers do:
// SET and then GET (-r 100000 -d 16, -c clients), at each -P. A fill of
// clusterKeys*3 SETs first creates nearly all the keys, so that every GET
// finds its key. The CPU time is the three nodes' together.
//
// Each row runs -cluster-runs times, the order of the two clusters
// swapped from one run to the next, and shows the runs together: the
// requests of all over their time (as redis-benchmark reports it), the
// CPU time of all per request, the median p99. redis-benchmark --cluster
// runs one thread per master, and a thread stops only on its 250 ms
// timer, so the time of one run is rounded up to a step of 250 ms: a run
// of 7 s is off by up to 3.5%. So the runs are long (-cluster-n, about
// 20 s unpipelined on 2 cores), the table says how large a step is in
// them, and the steps fall at random, so summing runs evens them out.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const (
	clusterNodes     = 3
	clusterKeys      = 100000 // redis-benchmark -r
	clusterBusOffset = 10000  // the bus port is port+10000
	// clusterDefaultN is -cluster-n's default: unpipelined runs of 20-25
	// s on a 2-core machine, where one 250 ms step of redis-benchmark's
	// timing is about 1% of a run.
	clusterDefaultN = 1500000
	// benchStep is the step of redis-benchmark --cluster's timing: each
	// thread stops on its 250 ms timer.
	benchStep = 0.25
)

// cluster is one server's cluster of clusterNodes masters.
type cluster struct {
	name  string
	nodes []*server
}

// clusterRow is one command at one pipeline depth on both clusters.
type clusterRow struct {
	cmd  string // redis-benchmark's -t name
	p, n int
	res  [2]result // ours, redis
}

// clusterTest is redis-benchmark --cluster -t cmd as the section runs it.
func clusterTest(cmd string) benchTest {
	return benchTest{key: "cluster_" + cmd, name: strings.ToUpper(cmd),
		cmd: []string{"--cluster", "-t", cmd, "-r", strconv.Itoa(clusterKeys), "-d", "16"}, scale: 1, pipeScale: 6}
}

func runCluster(opt *options, ticks int64) {
	var rows []clusterRow
	for _, p := range opt.pipelines {
		for _, cmd := range []string{"set", "get"} {
			rows = append(rows, clusterRow{cmd: cmd, p: p, n: clusterTest(cmd).requests(opt.clusterN, p)})
		}
	}
	var clusters [2]*cluster
	var errs [2]error
	for i, bin := range []string{opt.ours, opt.redis} {
		c := &cluster{name: []string{"ours", "redis"}[i]}
		clusters[i] = c
		began := time.Now()
		errs[i] = c.start(opt, bin)
		if errs[i] == nil {
			fmt.Fprintf(os.Stderr, "cluster %s: cluster_state:ok on %d nodes after %.1fs\n", c.name, clusterNodes, time.Since(began).Seconds())
			if f := c.benchmark(opt, clusterTest("set"), 3*clusterKeys, 16, ticks); !f.ok() {
				errs[i] = fmt.Errorf("fill: %s %s", f.status, f.detail)
			}
		}
		if errs[i] != nil {
			fmt.Fprintf(os.Stderr, "cluster %s: %v\n", c.name, errs[i])
		}
	}
	runs := make([][2][]result, len(rows))
	for k := range opt.clusterRuns {
		for j := range rows {
			r := &rows[j]
			order := []int{0, 1}
			if (j+k)%2 == 1 {
				order = []int{1, 0}
			}
			var got [2]result
			for _, i := range order {
				if errs[i] != nil {
					got[i] = result{status: "error", detail: errs[i].Error()}
				} else {
					got[i] = clusters[i].benchmark(opt, clusterTest(r.cmd), r.n, r.p, ticks)
				}
				runs[j][i] = append(runs[j][i], got[i])
			}
			fmt.Fprintf(os.Stderr, "cluster run %d P=%-2d %-3s ours %-12s redis %s\n", k+1, r.p, strings.ToUpper(r.cmd), got[0].short(), got[1].short())
		}
	}
	for j := range rows {
		for i := range 2 {
			rows[j].res[i] = sumRuns(runs[j][i])
		}
	}
	for _, c := range clusters {
		c.stop()
	}
	printCluster(os.Stdout, opt, rows)
}

// start runs clusterNodes fresh nodes of bin, gives them the slots with
// redis-cli --cluster create and waits until each reports
// cluster_state:ok.
func (c *cluster) start(opt *options, bin string) error {
	var addrs []string
	for i := range clusterNodes {
		s := &server{name: fmt.Sprintf("%s-node%d", c.name, i), bin: bin, busPort: true,
			args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}}
		if err := s.start(); err != nil {
			return err
		}
		c.nodes = append(c.nodes, s)
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, redisCLI(opt), args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	return c.waitOK(30 * time.Second)
}

// waitOK polls CLUSTER INFO on every node until each says
// cluster_state:ok: redis-cli returns once the nodes agree on the
// configuration, and a node may still wait a moment before it serves.
func (c *cluster) waitOK(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, s := range c.nodes {
		cl := newClient(s.port)
		for {
			info, err := cl.ClusterInfo(ctx).Result()
			if err == nil && infoField(info, "cluster_state") == "ok" {
				break
			}
			select {
			case <-ctx.Done():
				cl.Close()
				return fmt.Errorf("node %d: no cluster_state:ok within %v (%v, %q)", s.port, timeout, err, infoField(info, "cluster_state"))
			case <-time.After(50 * time.Millisecond):
			}
		}
		cl.Close()
	}
	return nil
}

func (c *cluster) stop() {
	for _, s := range c.nodes {
		s.stop()
	}
}

// cpuTicks is the nodes' CPU time together.
func (c *cluster) cpuTicks() (int64, error) {
	var sum int64
	for _, s := range c.nodes {
		t, err := cpuTicks(s.pid())
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

// benchmark runs test t with n requests and pipeline depth p against the
// cluster through its first node. Unlike the suite's benchmark it does
// not restart a node that died: the cluster would need creating again.
func (c *cluster) benchmark(opt *options, t benchTest, n, p int, ticks int64) result {
	for _, s := range c.nodes {
		if !s.alive() {
			return result{status: "error", detail: fmt.Sprintf("the node on port %d had exited", s.port)}
		}
	}
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(c.nodes[0].port), "-c", strconv.Itoa(opt.clients),
		"-n", strconv.Itoa(n), "-P", strconv.Itoa(p), "--csv"}
	args = append(args, t.args()...)
	ctx, cancel := context.WithTimeout(context.Background(), opt.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.benchmark, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut

	before, cpuErr := c.cpuTicks()
	err := cmd.Run()
	after, cpuErr2 := c.cpuTicks()

	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return result{status: "timeout", detail: fmt.Sprintf("no result within %v", opt.timeout)}
	}
	for _, s := range c.nodes {
		if !s.alive() {
			return result{status: "error", detail: fmt.Sprintf("the node on port %d exited during the test", s.port)}
		}
	}
	if err != nil {
		return failure(c.nodes[0], err, out.String()+errOut.String())
	}
	rows, perr := parseCSV(clusterCSV(out.Bytes()))
	if perr != nil || len(rows) != 1 {
		return result{status: "error", detail: fmt.Sprintf("unexpected redis-benchmark output (%v):\n%s%s", perr, out.String(), errOut.String())}
	}
	r := result{rps: rows[0].rps, p50: rows[0].p50, p99: rows[0].p99, cpuMs: -1}
	if cpuErr == nil && cpuErr2 == nil {
		r.cpuMs = float64(after-before) * 1000 / float64(ticks) * 100000 / float64(n)
	}
	return r
}

// sumRuns is runs of the same number of requests together: their
// requests over their time, their CPU time per request, the median
// latencies; or the first failure.
func sumRuns(runs []result) result {
	for _, r := range runs {
		if !r.ok() {
			return r
		}
	}
	if len(runs) == 0 {
		return result{status: "error", detail: "no run"}
	}
	med := medianResult(runs)
	var secs, cpu float64 // per request, as each run has the same number
	for _, r := range runs {
		secs += 1 / r.rps
		if r.cpuMs < 0 || cpu < 0 {
			cpu = -1
			continue
		}
		cpu += r.cpuMs
	}
	res := result{rps: float64(len(runs)) / secs, p50: med.p50, p99: med.p99, cpuMs: -1}
	if cpu >= 0 {
		res.cpuMs = cpu / float64(len(runs))
	}
	return res
}

// maxStep is the largest share of a run's time that one step of
// redis-benchmark's timing is, over the rows' results: how far the ops/s
// of one run may be off.
func maxStep(rows []clusterRow) float64 {
	var step float64
	for _, r := range rows {
		for _, res := range r.res {
			if res.ok() && res.rps > 0 {
				step = max(step, benchStep*res.rps/float64(r.n))
			}
		}
	}
	return step
}

// clusterCSV is redis-benchmark --cluster --csv's output from the CSV
// header on: before it, redis-benchmark lists the masters it found.
func clusterCSV(out []byte) []byte {
	if i := bytes.Index(out, []byte(`"test",`)); i >= 0 {
		return out[i:]
	}
	return out
}

// cpuRatio is ours' CPU per request over Redis's.
func cpuRatio(ours, redis result) string {
	if !ours.ok() || !redis.ok() || ours.cpuMs < 0 || redis.cpuMs <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", ours.cpuMs/redis.cpuMs)
}

func printCluster(w io.Writer, opt *options, rows []clusterRow) {
	fmt.Fprintf(w, "Cluster: redis-benchmark --cluster -c %d -r %d -d 16 against %d masters without replicas (%d runs of n requests, together)\n",
		opt.clients, clusterKeys, clusterNodes, opt.clusterRuns)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test\tn\tops/s ours\tops/s redis\tours/redis\tp99 ours\tp99 redis\tcpu ms/100k ours\tcpu ms/100k redis\tcpu ours/redis\t")
	var notes []string
	seen := map[string]bool{} // a failed start fails every row alike
	for _, r := range rows {
		name := strings.ToUpper(r.cmd) + " P=" + strconv.Itoa(r.p)
		cells := []string{name, strconv.Itoa(r.n), rps(r.res[0]), rps(r.res[1]), ratio(r.res[0], r.res[1]),
			latency(r.res[0], r.res[0].p99), latency(r.res[1], r.res[1].p99),
			cpu(r.res[0]), cpu(r.res[1]), cpuRatio(r.res[0], r.res[1])}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		for i, side := range []string{"ours", "redis"} {
			if res := r.res[i]; !res.ok() && !seen[side+res.status+res.detail] {
				seen[side+res.status+res.detail] = true
				notes = append(notes, fmt.Sprintf("  %s, %s: %s: %s", name, side, res.status, res.detail))
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "p99 in ms; cpu: the %d nodes' user+sys time together per 100k requests\n", clusterNodes)
	if step := maxStep(rows); step > 0 {
		fmt.Fprintf(w, "redis-benchmark --cluster times a run in steps of %.0f ms: up to %.1f%% of a run here\n", benchStep*1000, step*100)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}
