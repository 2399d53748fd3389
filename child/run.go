package child

// The child's side: the executable, started with REDIS_GO_CHILD set, runs
// the job in this package's init and exits before the server's main, or a
// test binary's tests, would start.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/redis-go/redis-server/logger"
)

func init() {
	if job := os.Getenv(envRole); job == RDB || job == AOF || job == Relay {
		os.Exit(run(job))
	}
}

// lines are a job's log lines, Redis's wording.
type lines struct {
	open, write, rename, done string
}

var jobLines = map[string]lines{
	RDB: {
		open:   "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
		write:  "Write error saving DB on disk: %s",
		rename: "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
		done:   "DB saved on disk",
	},
	AOF: {
		open:   "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s",
		write:  "Write error writing append only file on disk: %s",
		rename: "Error moving temp append only file on the final destination: %s",
		done:   "Successfully created the temporary AOF base file %s",
	},
}

// run writes standard input to the temp file and commits it; the exit
// status is the job's.
func run(job string) int {
	logger.SetRole('C')
	if l, err := strconv.Atoi(os.Getenv(envLevel)); err == nil {
		logger.SetLevel(l)
	}
	// The server's signals are not the child's: Redis's child ends on
	// SIGUSR1 only (or when killed), and when its parent is gone.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		<-usr1
		logger.Warningf("Received SIGUSR1 in child, exiting now.")
		os.Exit(NoErrorExit)
	}()
	if v := os.Getenv(envOOM); v != "" {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(v+"\n"), 0); err != nil {
			logger.Warningf("Unable to write oom_score_adj: %s", strerror(err))
		}
	}
	if job == Relay {
		return relay()
	}
	ln := jobLines[job]
	temp := tempPath(os.Getenv(envTemp), os.Getpid())
	final := tempPath(os.Getenv(envFinal), os.Getpid())
	autosync, _ := strconv.ParseInt(os.Getenv(envAutosync), 10, 64)
	wd, _ := os.Getwd()

	f, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		if job == RDB {
			logger.Warningf(ln.open, temp, wd, strerror(err))
		} else {
			logger.Warningf(ln.open, strerror(err))
		}
		return 1
	}
	n, err := copyIn(f, autosync)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		logger.Warningf(ln.write, strerror(err))
		os.Remove(temp)
		return 1
	}
	if !committed(n) { // the server died, or gave the job up
		os.Remove(temp)
		return 1
	}
	name := temp
	if final != "" {
		if err := os.Rename(temp, final); err != nil {
			if job == RDB {
				logger.Warningf(ln.rename, temp, final, wd, strerror(err))
			} else {
				logger.Warningf(ln.rename, strerror(err))
			}
			os.Remove(temp)
			return 1
		}
		name = final
		if d, err := os.Open(filepath.Dir(final)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	if job == AOF {
		logger.Noticef(ln.done, name)
	} else {
		logger.Noticef("%s", ln.done)
	}
	return 0
}

// relay passes standard input to descriptor 4, the pipe the server reads
// and writes to its replicas, until the end of the input, then waits for
// the server's commit, as Redis's diskless child waits for its parent to
// have read everything before it exits. The server's death ends the input
// or the pipe, and the child with it.
func relay() int {
	out := os.NewFile(4, "relay")
	n, err := io.Copy(out, os.Stdin)
	out.Close()
	if err != nil || !committed(n) {
		return 1
	}
	return 0
}

// copyIn writes standard input to f until its end, with an fdatasync
// every autosync bytes (rdb-save-incremental-fsync,
// aof-rewrite-incremental-fsync), so that the final fsync does not stall
// the disk.
func copyIn(f *os.File, autosync int64) (int64, error) {
	buf := make([]byte, 1<<20)
	var total, unsynced int64
	for {
		n, rerr := os.Stdin.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
			unsynced += int64(n)
			if autosync > 0 && unsynced >= autosync {
				if err := unix.Fdatasync(int(f.Fd())); err != nil {
					return total, err
				}
				unsynced = 0
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// committed reads the server's word on the control pipe: "commit <n>"
// with the number of bytes it sent.
func committed(n int64) bool {
	ctl := os.NewFile(3, "control")
	line, err := bufio.NewReader(ctl).ReadString('\n')
	if err != nil {
		return false
	}
	var sent int64
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "commit %d", &sent); err != nil {
		return false
	}
	return sent == n
}

// strerror is C's strerror of err's errno ("No space left on device").
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) && errno.Error() != "" {
		m := errno.Error()
		return strings.ToUpper(m[:1]) + m[1:]
	}
	return err.Error()
}
