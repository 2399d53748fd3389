package main

// One redis-benchmark run against one server.

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// result is one test on one server.
type result struct {
	status   string // "" when it ran; "unsupported", "error", "timeout"
	detail   string // why, for the notes under the table
	rps      float64
	p50, p99 float64 // latency in ms
	cpuMs    float64 // server CPU time per 100k requests, ms; -1 unknown
}

func (r result) ok() bool { return r.status == "" }

// short is the progress line's summary.
func (r result) short() string {
	if !r.ok() {
		return r.status
	}
	return fmt.Sprintf("%.0f/s", r.rps)
}

// csvRow is one line of redis-benchmark --csv.
type csvRow struct {
	test          string
	rps, p50, p99 float64
}

// benchmark runs test t with n requests and pipeline depth p against s,
// restarting s first if it died in an earlier test.
func benchmark(opt *options, s *server, t benchTest, n, p int, ticks int64) result {
	if !s.alive() {
		if err := s.restart(); err != nil {
			return result{status: "error", detail: err.Error()}
		}
	}
	if len(t.setup) > 0 {
		for _, setup := range t.setup {
			if out, err := exec.Command(redisCLI(opt), append([]string{"-p", strconv.Itoa(s.port)}, setup...)...).CombinedOutput(); err != nil {
				return result{status: "error", detail: fmt.Sprintf("setup %v: %v %s", setup, err, out)}
			}
		}
	}
	args := []string{"-p", strconv.Itoa(s.port), "-c", strconv.Itoa(opt.clients), "-n", strconv.Itoa(n), "-P", strconv.Itoa(p), "--csv"}
	args = append(args, t.args()...)
	ctx, cancel := context.WithTimeout(context.Background(), opt.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.benchmark, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut

	before, cpuErr := cpuTicks(s.pid())
	err := cmd.Run()
	after, cpuErr2 := cpuTicks(s.pid())

	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// A server that does not answer would spoil the next tests too.
		if rerr := s.restart(); rerr != nil {
			fmt.Fprintln(os.Stderr, "benchcmp:", rerr)
		}
		return result{status: "timeout", detail: fmt.Sprintf("no result within %v", opt.timeout)}
	}
	if err != nil {
		return failure(s, err, out.String()+errOut.String())
	}
	rows, perr := parseCSV(out.Bytes())
	if perr != nil || len(rows) != 1 {
		return result{status: "error", detail: fmt.Sprintf("unexpected redis-benchmark output (%v):\n%s%s", perr, out.String(), errOut.String())}
	}
	r := result{rps: rows[0].rps, p50: rows[0].p50, p99: rows[0].p99, cpuMs: -1}
	if cpuErr == nil && cpuErr2 == nil {
		r.cpuMs = float64(after-before) * 1000 / float64(ticks) * 100000 / float64(n)
	}
	return r
}

// redisCLI is the redis-cli next to -benchmark, or else the one in $PATH.
func redisCLI(opt *options) string {
	cli := filepath.Join(filepath.Dir(opt.benchmark), "redis-cli")
	if _, err := exec.LookPath(cli); err != nil {
		return "redis-cli"
	}
	return cli
}

// failure classifies a redis-benchmark run that exited with an error.
// redis-benchmark stops at the first error reply and prints it as
// "Error from server: ...".
func failure(s *server, err error, output string) result {
	for _, line := range strings.FieldsFunc(output, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if _, msg, ok := strings.Cut(line, "Error from server: "); ok {
			if strings.HasPrefix(msg, "ERR unknown command") {
				return result{status: "unsupported", detail: msg}
			}
			return result{status: "error", detail: msg}
		}
	}
	if !s.alive() {
		return result{status: "error", detail: "the server exited during the test"}
	}
	return result{status: "error", detail: fmt.Sprintf("redis-benchmark: %v\n%s", err, strings.TrimSpace(output))}
}

// parseCSV reads redis-benchmark --csv output: a header, then one row per
// test with rps and the latencies avg, min, p50, p95, p99, max in ms.
func parseCSV(b []byte) ([]csvRow, error) {
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) != 8 || recs[0][0] != "test" || recs[0][1] != "rps" ||
		recs[0][4] != "p50_latency_ms" || recs[0][6] != "p99_latency_ms" {
		return nil, errors.New("not the CSV header of redis-benchmark 7")
	}
	var rows []csvRow
	for _, rec := range recs[1:] {
		if len(rec) != 8 {
			return nil, fmt.Errorf("bad CSV row %q", rec)
		}
		var r csvRow
		var errs [3]error
		r.test = rec[0]
		r.rps, errs[0] = strconv.ParseFloat(rec[1], 64)
		r.p50, errs[1] = strconv.ParseFloat(rec[4], 64)
		r.p99, errs[2] = strconv.ParseFloat(rec[6], 64)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("bad CSV row %q: %w", rec, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}
