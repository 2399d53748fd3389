package main

// The ACL section: what a restricted user's ACL check costs on SET and
// GET. Each server starts fresh and gets the user aclSetUser creates; then
// redis-benchmark -t set and then -t get (-r 100000 -d 16, -c clients, at
// each -P) runs as the default user, who may run anything, and as that
// user (--user bench -a benchpass), whose every request is checked
// against its categories and its key pattern. redis-benchmark's keys are
// key:__rand_int__, so the pattern is ~key:* and every request passes.
//
// A fill of aclKeys*3 SETs first creates nearly all the keys, so that no
// run pays for growing the keyspace and every GET finds its key. Then the
// two users take turns in aclOrder and each shows the median of its four
// runs (medianResult: the upper of the middle two): a drift of the
// machine's speed touches both users alike, and a run that another
// process slowed down does not count. The figures to read are the cross
// ratios, ours' bench/default ratio over Redis's, of the throughput and
// of the CPU time per request: 1.00 when the check costs ours no more
// than it costs Redis. The CPU time is the steadier of the two on a
// loaded machine.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

const (
	aclUser = "bench"
	aclPass = "benchpass"
	aclKeys = 100000 // redis-benchmark -r
)

// aclOrder is the order of the runs of one command at one pipeline depth:
// true for the restricted user.
var aclOrder = []bool{false, true, true, false, true, false, false, true}

// aclSetUser creates the restricted user, with redis-cli.
var aclSetUser = []string{"acl", "setuser", aclUser, "on", ">" + aclPass, "~key:*", "+@read", "+@write", "-@dangerous"}

// aclRow is one command at one pipeline depth on both servers, as the
// default user and as the restricted one.
type aclRow struct {
	cmd        string // redis-benchmark's -t name
	p, n       int
	def, bench [2]result // ours, redis
}

// aclTest is redis-benchmark -t cmd as the ACL section runs it, as the
// default user or as the restricted user (created first).
func aclTest(cmd string, restricted bool) benchTest {
	t := benchTest{key: "acl_" + cmd, name: strings.ToUpper(cmd),
		cmd: []string{"-t", cmd, "-r", strconv.Itoa(aclKeys), "-d", "16"}, scale: 0.5, pipeScale: 5}
	if restricted {
		t.cmd = append([]string{"--user", aclUser, "-a", aclPass}, t.cmd...)
		t.setup = [][]string{aclSetUser}
	}
	return t
}

func runACL(opt *options, ticks int64) {
	var rows []aclRow
	for _, p := range opt.pipelines {
		for _, cmd := range []string{"set", "get"} {
			rows = append(rows, aclRow{cmd: cmd, p: p, n: aclTest(cmd, false).requests(opt.n, p)})
		}
	}
	for i, s := range []*server{{name: "ours", bin: opt.ours}, {name: "redis", bin: opt.redis}} {
		err := s.start()
		if err == nil {
			if f := benchmark(opt, s, aclTest("set", false), 3*aclKeys, 16, ticks); !f.ok() {
				err = fmt.Errorf("fill: %s %s", f.status, f.detail)
			}
		}
		for j := range rows {
			r := &rows[j]
			if err != nil {
				r.def[i] = result{status: "error", detail: err.Error()}
				r.bench[i] = r.def[i]
				continue
			}
			r.def[i], r.bench[i] = measureACL(opt, s, r.cmd, r.p, r.n, ticks)
			fmt.Fprintf(os.Stderr, "ACL P=%-2d %-3s %-5s default %-12s bench %s\n",
				r.p, strings.ToUpper(r.cmd), s.name, r.def[i].short(), r.bench[i].short())
		}
		s.stop()
	}
	printACL(os.Stdout, opt, rows)
}

// measureACL runs cmd as the default user and as the restricted one in
// aclOrder and returns each one's median.
func measureACL(opt *options, s *server, cmd string, p, n int, ticks int64) (def, bench result) {
	var defs, benches []result
	for _, restricted := range aclOrder {
		r := benchmark(opt, s, aclTest(cmd, restricted), n, p, ticks)
		if restricted {
			benches = append(benches, r)
		} else {
			defs = append(defs, r)
		}
	}
	return medianResult(defs), medianResult(benches)
}

// crossRatio is ours' bench/default ratio of f over Redis's.
func crossRatio(r aclRow, f func(result) float64) string {
	for _, res := range []result{r.def[0], r.bench[0], r.def[1], r.bench[1]} {
		if !res.ok() || f(res) <= 0 {
			return "-"
		}
	}
	return fmt.Sprintf("%.2f", (f(r.bench[0])/f(r.def[0]))/(f(r.bench[1])/f(r.def[1])))
}

func opsPerSec(r result) float64 { return r.rps }
func cpuPerReq(r result) float64 { return r.cpuMs }

func printACL(w io.Writer, opt *options, rows []aclRow) {
	fmt.Fprintf(w, "ACL: redis-benchmark -c %d -r %d -d 16 as the default user and as %s (%s), median of %d runs each (n requests a run)\n",
		opt.clients, aclKeys, aclUser, strings.Join(aclSetUser[3:], " "), len(aclOrder)/2)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test\tn\tops/s ours\tours bench\tbench/default\tops/s redis\tredis bench\tbench/default\tcross\tcpu ours\tours bench\tcpu redis\tredis bench\tcpu cross\t")
	var notes []string
	seen := map[string]bool{}
	for _, r := range rows {
		cells := []string{strings.ToUpper(r.cmd) + " P=" + strconv.Itoa(r.p), strconv.Itoa(r.n),
			rps(r.def[0]), rps(r.bench[0]), ratio(r.bench[0], r.def[0]),
			rps(r.def[1]), rps(r.bench[1]), ratio(r.bench[1], r.def[1]),
			crossRatio(r, opsPerSec),
			cpu(r.def[0]), cpu(r.bench[0]), cpu(r.def[1]), cpu(r.bench[1]), crossRatio(r, cpuPerReq)}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		for i, side := range []string{"ours", "redis"} {
			for _, res := range []result{r.def[i], r.bench[i]} {
				note := fmt.Sprintf("  %s P=%d, %s: %s: %s", strings.ToUpper(r.cmd), r.p, side, res.status, res.detail)
				if !res.ok() && !seen[note] {
					seen[note] = true
					notes = append(notes, note)
				}
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "bench/default: the restricted user's ops/s over the default user's; cross: ours' bench/default over Redis's;")
	fmt.Fprintln(w, "cpu: the server's user+sys ms per 100k requests, as the default user and as bench; cpu cross: as cross, of the cpu")
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}
