package main

// Starting and stopping the two servers, and reading their CPU time and
// memory from /proc.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one of the two servers compared.
type server struct {
	name, bin, version string
	args               []string // after the common options
	busPort            bool     // needs port+10000 free too, for the cluster bus
	port               int
	dir                string
	cmd                *exec.Cmd
	exited             chan struct{}
}

var (
	runningMu sync.Mutex
	running   = map[*server]bool{}
)

// stopAll stops every server still running, on exit or interrupt.
func stopAll() {
	runningMu.Lock()
	list := make([]*server, 0, len(running))
	for s := range running {
		list = append(list, s)
	}
	runningMu.Unlock()
	for _, s := range list {
		s.stop()
	}
}

func versionOf(bin string) (string, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w (make build builds bin/redis-server; make bench installs redis-server)", bin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// start runs a fresh server on a free port, without persistence, with its
// output in a log file, and waits until it answers PING.
func (s *server) start() error {
	dir, err := os.MkdirTemp("", "benchcmp-"+s.name+"-")
	if err != nil {
		return err
	}
	pick := freePort
	if s.busPort {
		pick = freeClusterPort
	}
	if s.port, err = pick(); err != nil {
		return err
	}
	s.dir = dir
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	args := append([]string{"--port", strconv.Itoa(s.port), "--dir", dir, "--save", "", "--appendonly", "no"}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	runningMu.Lock()
	running[s] = true
	runningMu.Unlock()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !s.alive() {
			return fmt.Errorf("%s exited at start; see %s", s.bin, log.Name())
		}
		if ping(s.port) {
			return nil
		}
	}
	s.stop()
	return fmt.Errorf("%s did not answer PING within 15s; see %s", s.bin, log.Name())
}

// alive reports whether the server process still runs.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM, then SIGKILL after 5 seconds, and removes the
// server's directory, unless the server had died: then its log stays.
func (s *server) stop() {
	runningMu.Lock()
	was := running[s]
	delete(running, s)
	runningMu.Unlock()
	if !was {
		return
	}
	if !s.alive() {
		fmt.Fprintf(os.Stderr, "%s server (%s) had exited: its log is kept in %s\n", s.name, s.bin, s.dir)
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

// restart replaces a server that died or hung.
func (s *server) restart() error {
	s.stop()
	return s.start()
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// freeClusterPort is a free port whose cluster bus port, port+10000, is
// free too: a port the kernel picks, up to 55535.
func freeClusterPort() (int, error) {
	for range 100 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if p > 65535-clusterBusOffset {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+clusterBusOffset)))
		if err == nil {
			ln.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free port whose port+10000 is free too")
}

func ping(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// cpuTicks is the process's user plus system CPU time in clock ticks:
// fields 14 and 15 of /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(string(b))
}

// parseStatTicks reads utime and stime from a /proc/PID/stat line. The
// command name (field 2) is in parentheses and may hold spaces, so fields
// are counted from the last ')'.
func parseStatTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat line")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, errors.New("short /proc stat line")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad utime/stime in /proc stat line")
	}
	return utime + stime, nil
}

// rssKB is VmRSS from /proc/PID/status, in kB.
func rssKB(pid int) (int64, error) { return statusKB(pid, "VmRSS") }

// peakRSSKB is VmHWM, the peak of VmRSS, in kB.
func peakRSSKB(pid int) (int64, error) { return statusKB(pid, "VmHWM") }

func statusKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(string(b), field)
}

func parseVmRSS(status string) (int64, error) { return parseStatusKB(status, "VmRSS") }

func parseStatusKB(status, field string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times.
func clockTicks() (int64, error) {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100, nil // USER_HZ is 100 on every Linux architecture Go supports
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("getconf CLK_TCK: %q", out)
	}
	return v, nil
}
