// Package logger writes log lines in Redis's format:
//
//	12345:M 21 Nov 2026 09:54:01.123 * Ready to accept connections
//
// pid, the role character (M master, S replica, C a background job), the
// time with milliseconds, the level mark (. debug, - verbose, * notice,
// # warning) and the message. It is safe for use from any goroutine: the
// snapshot writer logs from its own.
package logger

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Levels, as Redis's loglevel names them.
const (
	Debug = iota
	Verbose
	Notice
	Warning
)

var levelMark = [...]byte{'.', '-', '*', '#'}

// ParseLevel maps a loglevel name to its level.
func ParseLevel(s string) (int, bool) {
	switch s {
	case "debug":
		return Debug, true
	case "verbose":
		return Verbose, true
	case "notice":
		return Notice, true
	case "warning":
		return Warning, true
	}
	return 0, false
}

var (
	mu    sync.Mutex
	out   io.Writer = os.Stdout
	level atomic.Int32
	role  atomic.Int32
	file  *os.File
)

func init() {
	level.Store(Notice)
	role.Store('M')
}

// SetLevel sets the minimum level written.
func SetLevel(l int) { level.Store(int32(l)) }

// SetRole sets the role character: 'M' or 'S'.
func SetRole(r byte) { role.Store(int32(r)) }

// SetFile sends the log to path (appending), or to stdout when path is "".
func SetFile(path string) error {
	mu.Lock()
	defer mu.Unlock()
	if path == "" {
		if file != nil {
			file.Close()
			file = nil
		}
		out = os.Stdout
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if file != nil {
		file.Close()
	}
	file, out = f, f
	return nil
}

// SetOutput sends the log to w (tests).
func SetOutput(w io.Writer) {
	mu.Lock()
	out = w
	mu.Unlock()
}

// File is where the log goes when that is a file (or standard output),
// nil otherwise: a background child process writes its lines there.
func File() *os.File {
	mu.Lock()
	defer mu.Unlock()
	f, _ := out.(*os.File)
	return f
}

// Level returns the minimum level written.
func Level() int { return int(level.Load()) }

// Enabled reports whether lines at level l are written.
func Enabled(l int) bool { return int32(l) >= level.Load() }

// Logf writes one line at level l.
func Logf(l int, format string, args ...any) {
	if !Enabled(l) {
		return
	}
	Raw(l, fmt.Sprintf(format, args...))
}

// Raw writes msg at level l with the role character of the running role.
func Raw(l int, msg string) {
	writeLine(byte(role.Load()), l, msg)
}

// Unframed writes text at level l as it is, without the line prefix, as
// Redis's LL_RAW (the ASCII logo).
func Unframed(l int, text string) {
	if !Enabled(l) {
		return
	}
	mu.Lock()
	io.WriteString(out, text)
	mu.Unlock()
}

// FromSignalHandler writes msg in the format of Redis's signal handler:
// "pid:signal-handler (unix time) msg".
func FromSignalHandler(l int, msg string) {
	if !Enabled(l) {
		return
	}
	mu.Lock()
	fmt.Fprintf(out, "%d:signal-handler (%d) %s\n", os.Getpid(), time.Now().Unix(), msg)
	mu.Unlock()
}

// Child writes msg as a background job does in Redis (role C).
func Child(l int, format string, args ...any) {
	if Enabled(l) {
		writeLine('C', l, fmt.Sprintf(format, args...))
	}
}

func writeLine(r byte, l int, msg string) {
	now := time.Now()
	line := fmt.Sprintf("%d:%c %s.%03d %c %s\n", os.Getpid(), r,
		now.Format("02 Jan 2006 15:04:05"), now.Nanosecond()/1e6, levelMark[l], msg)
	mu.Lock()
	io.WriteString(out, line)
	mu.Unlock()
}

// Debugf, Verbosef, Noticef and Warningf log at their level.
func Debugf(format string, args ...any)   { Logf(Debug, format, args...) }
func Verbosef(format string, args ...any) { Logf(Verbose, format, args...) }
func Noticef(format string, args ...any)  { Logf(Notice, format, args...) }
func Warningf(format string, args ...any) { Logf(Warning, format, args...) }
