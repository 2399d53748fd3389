package db

// Crash reports, as Redis's debug.c: DEBUG SEGFAULT, DEBUG PANIC and DEBUG
// ASSERT crash the server on purpose, and a fatal signal sent from outside
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) ends it the same way: Redis's
// bug report in the log (what crashed, the stack, INFO, CLIENT LIST, the
// client being served, the DEBUG_CONFIG parameters), then death by the
// signal (SIGABRT for a panic or an assertion, as Redis's abort()), so a
// supervisor sees what it would see of Redis. crash-log-enabled no leaves
// the report out. The stack is Go's: the loop's goroutine for a DEBUG
// crash, every goroutine for a signal. Redis's fast memory test
// (crash-memcheck-enabled) is not made, and a signal's sender (Redis's
// "Killed by PID") is not known to a Go program.

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/redis-go/redis-server/logger"
)

// crashSignals are the signals Redis reports as a crash.
var crashSignals = []os.Signal{syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL, syscall.SIGABRT}

// CrashSignals returns the signals that end the server with a crash
// report (CrashOnSignal).
func CrashSignals() []os.Signal { return append([]os.Signal(nil), crashSignals...) }

// debugConfigs are the parameters Redis 7.0 marks DEBUG_CONFIG, listed in
// its crash report as CONFIG REWRITE writes them (the alias too).
var debugConfigs = []string{"list-compress-depth", "sanitize-dump-payload", "io-threads",
	"client-query-buffer-limit", "proto-max-bulk-len", "slave-read-only", "lazyfree-lazy-user-flush",
	"activedefrag", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "repl-diskless-load",
	"lazyfree-lazy-expire", "replica-read-only", "lazyfree-lazy-eviction", "repl-diskless-sync",
	"io-threads-do-reads"}

// crashLoopWait bounds the wait for the loop when a signal comes: a loop
// that does not answer gets a report without what it owns.
const crashLoopWait = 5 * time.Second

// CrashOnSignal ends the server after a fatal signal from outside, as
// Redis's sigsegvHandler. It runs on the signal's goroutine; the report
// is made on the loop, which then dies with the signal.
func (s *Server) CrashOnSignal(sig syscall.Signal) {
	done := make(chan struct{})
	s.Loop.ExecuteBusy(func() {
		s.crash(sig, nil, true)
		close(done)
	})
	select {
	case <-done:
	case <-time.After(crashLoopWait):
		s.bugReportStart()
		logger.Warningf("Redis %s crashed by signal: %d, si_code: 0", RedisVersion, int(sig))
		logStackTrace(true)
		s.bugReportEnd(sig, false)
	}
}

// crash logs the bug report after the header lines (on the loop) and
// dies by sig. all asks for every goroutine's stack, else the loop's.
func (s *Server) crash(sig syscall.Signal, header []string, all bool) {
	report := s.Config.Bool("crash-log-enabled")
	if report {
		s.bugReportStart()
		if header == nil {
			logger.Warningf("Redis %s crashed by signal: %d, si_code: 0", RedisVersion, int(sig))
		}
		for _, l := range header {
			logger.Warningf("%s", l)
		}
		logStackTrace(all)
		s.printCrashReport()
	}
	s.bugReportEnd(sig, report)
}

// debugSegfault is DEBUG SEGFAULT: Redis writes to a read-only page and
// dies of the SIGSEGV; the report names such a page's address.
func debugSegfault(c *Client) {
	addr := uintptr(0)
	if p, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON); err == nil {
		addr = uintptr(unsafe.Pointer(&p[0]))
	}
	c.srv.crash(syscall.SIGSEGV, []string{
		fmt.Sprintf("Redis %s crashed by signal: %d, si_code: 2", RedisVersion, int(syscall.SIGSEGV)),
		fmt.Sprintf("Accessing address: %#x", addr),
	}, false)
}

// debugPanic is DEBUG PANIC, Redis's serverPanic (debug.c:510 in 7.0.15).
func debugPanic(c *Client) {
	c.srv.bugReportStart()
	c.srv.crash(syscall.SIGABRT, []string{
		"------------------------------------------------",
		"!!! Software Failure. Press left mouse button to continue",
		fmt.Sprintf("Guru Meditation: DEBUG PANIC called at Unix time %d #debug.c:510", time.Now().Unix()),
	}, false)
}

// debugAssert is DEBUG ASSERT, Redis's serverAssertWithInfo(c, argv[0],
// 1 == 2) (debug.c:530 in 7.0.15): the client and object contexts first.
func debugAssert(c *Client) {
	s := c.srv
	s.bugReportStart()
	lines := []string{"=== ASSERTION FAILED CLIENT CONTEXT ===",
		fmt.Sprintf("client->flags = %d", uint64(c.Flags)),
		fmt.Sprintf("client->conn = fd=%d", c.FD),
		fmt.Sprintf("client->argc = %d", len(c.Argv))}
	for j, a := range c.Argv {
		lines = append(lines, fmt.Sprintf("client->argv[%d] = \"%s\" (refcount: 1)", j, a))
	}
	for _, l := range lines {
		logger.Warningf("%s", l)
	}
	logger.Warningf("=== ASSERTION FAILED OBJECT CONTEXT ===")
	logObjectDebugInfo("string", EncodingName([]byte(string(c.Argv[0]))))
	s.crash(syscall.SIGABRT, []string{"=== ASSERTION FAILED ===", "==> debug.c:530 '1 == 2' is not true"}, false)
}

// bugReportStart logs the report's first line, once.
func (s *Server) bugReportStart() {
	if s.bugReport.CompareAndSwap(false, true) {
		logger.Unframed(logger.Warning, "\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n")
	}
}

// logStackTrace logs the stack of the running goroutine, or of all.
func logStackTrace(all bool) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, all)]
	logger.Unframed(logger.Warning, "\n------ STACK TRACE ------\n\nBacktrace:\n"+string(buf)+"\n")
}

// printCrashReport is Redis's: INFO, CLIENT LIST, the current client, the
// modules' info (none) and the debug configs.
func (s *Server) printCrashReport() {
	var b strings.Builder
	b.WriteString("\n------ INFO OUTPUT ------\n")
	b.WriteString(s.Info("all"))
	b.WriteString("\n------ CLIENT LIST OUTPUT ------\n")
	for _, cl := range s.Clients() {
		b.WriteString(s.clientInfo(cl))
		b.WriteByte('\n')
	}
	if c := s.Executing; c != nil {
		b.WriteString("\n------ CURRENT CLIENT INFO ------\n")
		b.WriteString(s.clientInfo(c) + "\n")
		for j, a := range c.Argv {
			b.WriteString("argv[" + strconv.Itoa(j) + "]: '" + Repr(a[:min(len(a), 128)]) + "'\n")
		}
	}
	b.WriteString("\n------ MODULES INFO OUTPUT ------\n")
	b.WriteString("\n------ CONFIG DEBUG OUTPUT ------\n")
	b.WriteString(strings.Join(s.Config.DebugLines(debugConfigs...), "\n") + "\n")
	logger.Unframed(logger.Warning, b.String())
	if c := s.Executing; c != nil && len(c.Argv) > 1 {
		if v := c.DB.LookupReadNoTouch(c.Argv[1]); v != nil {
			logger.Warningf("key '%s' found in DB containing the following object:", c.Argv[1])
			logObjectDebugInfo(TypeName(v), EncodingName(v))
		}
	}
}

// logObjectDebugInfo is Redis's serverLogObjectDebugInfo: the OBJ_* and
// OBJ_ENCODING_* numbers of a value.
func logObjectDebugInfo(typ, encoding string) {
	types := map[string]int{"string": 0, "list": 1, "set": 2, "zset": 3, "hash": 4, "stream": 6}
	encodings := map[string]int{"raw": 0, "int": 1, "hashtable": 2, "linkedlist": 4, "ziplist": 5, "intset": 6,
		"skiplist": 7, "embstr": 8, "quicklist": 9, "stream": 10, "listpack": 11}
	logger.Warningf("Object type: %d", types[typ])
	logger.Warningf("Object encoding: %d", encodings[encoding])
	logger.Warningf("Object refcount: 1")
}

// bugReportEnd logs the report's end and dies by sig, as Redis's
// bugReportEnd; without a report (crash-log-enabled no) only the death.
func (s *Server) bugReportEnd(sig syscall.Signal, report bool) {
	if report || s.bugReport.Load() {
		logger.Unframed(logger.Warning, "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"+
			"       Please report the crash by opening an issue on github:\n\n"+
			"           http://github.com/redis/redis/issues\n\n"+
			"  If a Redis module was involved, please open in the module's repo instead.\n\n"+
			"  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n"+
			"  Some other issues could be detected by redis-server --check-system\n")
	}
	if s.Config.Bool("daemonize") && s.Config.String("supervised") == "no" {
		if pidfile := s.Config.String("pidfile"); pidfile != "" {
			os.Remove(pidfile)
		}
	}
	dieBySignal(sig)
}
