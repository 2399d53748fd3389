package main

// The persistence section: for each server, on the same dataset of
// -persist-keys keys, the time of SAVE and of loading the file at startup,
// the file's size, and SET/GET latency under redis-benchmark while a BGSAVE
// runs compared with no BGSAVE (p99), plus rdb_last_cow_size.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

type persistResult struct {
	status     string
	save, load time.Duration
	size       int64
	p99Quiet   float64 // SET p99 with no save running
	p99Saving  float64 // SET p99 while BGSAVE runs in a loop
	rpsQuiet   float64
	rpsSaving  float64
	cow        int64
	bgsaves    int
}

var loadedRe = regexp.MustCompile(`DB loaded from disk: ([0-9.]+) seconds`)

func runPersistence(opt *options) {
	ours := measurePersistence(opt, &server{name: "ours", bin: opt.ours})
	redisR := measurePersistence(opt, &server{name: "redis", bin: opt.redis})
	printPersistence(os.Stdout, opt, ours, redisR)
}

func measurePersistence(opt *options, s *server) (r persistResult) {
	if err := s.start(); err != nil {
		return persistResult{status: "error: " + err.Error()}
	}
	defer s.stop()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprint("127.0.0.1:", s.port)})
	defer c.Close()
	if err := loadKeys(s.port, opt.persistKeys, opt.replTimeout); err != nil {
		return persistResult{status: "error: " + err.Error()}
	}
	if c.Do(ctx, "COMMAND", "INFO", "bgsave").Err() != nil {
		return persistResult{status: "unsupported"}
	}
	// Latency without and with a background save running.
	quiet := benchmark(opt, s, setTest, opt.persistN, 1, 1)
	stop := make(chan struct{})
	done := make(chan int)
	var maxCOW int64
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			if c.BgSave(ctx).Err() == nil {
				n++
			}
			waitBgsave(ctx, c)
			if info, err := c.Info(ctx, "persistence").Result(); err == nil {
				cow, _ := strconv.ParseInt(infoField(info, "rdb_last_cow_size"), 10, 64)
				maxCOW = max(maxCOW, cow)
			}
		}
	}()
	saving := benchmark(opt, s, setTest, opt.persistN, 1, 1)
	close(stop)
	r.bgsaves = <-done
	r.p99Quiet, r.p99Saving, r.rpsQuiet, r.rpsSaving = quiet.p99, saving.p99, quiet.rps, saving.rps
	r.cow = maxCOW
	start := time.Now()
	if err := c.Save(ctx).Err(); err != nil {
		return persistResult{status: "error: SAVE: " + err.Error()}
	}
	r.save = time.Since(start)
	if fi, err := os.Stat(filepath.Join(s.dir, "dump.rdb")); err == nil {
		r.size = fi.Size()
	}
	// Load time: as the server logs it at startup.
	c.Close()
	keep := s.dir
	_ = s.cmd.Process.Kill()
	<-s.exited
	runningMu.Lock()
	delete(running, s)
	runningMu.Unlock()
	port := s.port
	args := []string{"--port", strconv.Itoa(port), "--dir", keep, "--save", "", "--appendonly", "no"}
	out, err := runUntilPing(s.bin, args, port, keep, 5*time.Minute)
	if err != nil {
		r.status = "error: reload: " + err.Error()
		return r
	}
	if m := loadedRe.FindStringSubmatch(out); m != nil {
		sec, _ := strconv.ParseFloat(m[1], 64)
		r.load = time.Duration(sec * float64(time.Second))
	}
	return r
}

func waitBgsave(ctx context.Context, c *redis.Client) {
	for i := 0; i < 3000; i++ {
		info, err := c.Info(ctx, "persistence").Result()
		if err != nil || strings.Contains(info, "rdb_bgsave_in_progress:0") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runUntilPing starts bin, waits for PING, stops it and returns its log.
func runUntilPing(bin string, args []string, port int, dir string, timeout time.Duration) (string, error) {
	s := &server{name: "reload", bin: bin}
	logPath := filepath.Join(dir, "reload.log")
	log, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return "", err
	}
	defer func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		log.Close()
		os.RemoveAll(dir)
	}()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ping(port) {
			b, _ := os.ReadFile(logPath)
			return string(b), nil
		}
	}
	return "", fmt.Errorf("no PING within %v", timeout)
}

func printPersistence(w io.Writer, opt *options, ours, redis persistResult) {
	fmt.Fprintf(w, "\nPersistence, %d keys (16-byte values); SET -c %d during BGSAVE in a loop vs quiet\n", opt.persistKeys, opt.clients)
	if ours.status != "" || redis.status != "" {
		fmt.Fprintf(w, "  ours: %s  redis: %s\n", orOK(ours.status), orOK(redis.status))
	}
	fmt.Fprintf(w, "%28s %12s %12s %10s\n", "", "ours", "redis", "ours/redis")
	row := func(name string, a, b float64, unit string) {
		ratio := "-"
		if b > 0 {
			ratio = fmt.Sprintf("%.2f", a/b)
		}
		fmt.Fprintf(w, "%28s %12s %12s %10s\n", name, fmt.Sprintf("%.3f%s", a, unit), fmt.Sprintf("%.3f%s", b, unit), ratio)
	}
	row("SAVE time", ours.save.Seconds(), redis.save.Seconds(), "s")
	row("load time at startup", ours.load.Seconds(), redis.load.Seconds(), "s")
	row("RDB file size", float64(ours.size)/(1<<20), float64(redis.size)/(1<<20), "MB")
	row("SET p99 quiet", ours.p99Quiet, redis.p99Quiet, "ms")
	row("SET p99 during BGSAVE", ours.p99Saving, redis.p99Saving, "ms")
	row("SET ops/s quiet", ours.rpsQuiet, redis.rpsQuiet, "")
	row("SET ops/s during BGSAVE", ours.rpsSaving, redis.rpsSaving, "")
	fmt.Fprintf(w, "%28s %12d %12d\n", "BGSAVEs during the run", ours.bgsaves, redis.bgsaves)
	fmt.Fprintf(w, "%28s %12s %12s\n", "max rdb_last_cow_size", human(ours.cow), human(redis.cow))
}

func orOK(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

func human(n int64) string {
	return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
}
