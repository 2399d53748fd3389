// Package child runs the server's background children: the processes that
// write a snapshot to disk for BGSAVE (redis-rdb-bgsave) and BGREWRITEAOF
// (redis-aof-rewrite), and the one that passes a diskless sync's RDB on to
// the replicas (redis-rdb-to-slaves), as Redis's forked children do.
//
// A Go process cannot fork, so the work is split. The server freezes its
// data with a copy-on-write snapshot (db.Server.Snapshot) and serializes it
// on a goroutine, as before; a child started from the server's own
// executable receives those bytes on a pipe and writes them to its temp
// file, named with its own pid (temp-<pid>.rdb), then fsyncs it and renames
// it to the final name. What users and their tools see is Redis's: a child
// process while the job runs, with the job's process title and
// oom-score-adj; `kill -9` of the child fails the job (MISCONF follows for
// a BGSAVE) and leaves no temp file; SIGUSR1 stops it without an error;
// the child exits when the server dies.
//
// The child takes nothing from the server but the bytes: it never sees
// live data. It commits the file only when the server says, on a second
// pipe, that all of it was sent: an end of the data without that word (the
// server died or gave up) removes the temp file.
package child

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The environment that makes the executable a child (see run.go) and
// gives it the job's settings.
const (
	envRole     = "REDIS_GO_CHILD"          // the job: "rdb" or "aof"
	envTemp     = "REDIS_GO_CHILD_TEMP"     // the temp file, %d for the pid
	envFinal    = "REDIS_GO_CHILD_FINAL"    // renamed to, "" for none
	envAutosync = "REDIS_GO_CHILD_AUTOSYNC" // fdatasync every that many bytes
	envOOM      = "REDIS_GO_CHILD_OOM"      // oom_score_adj to set, "" for none
	envLevel    = "REDIS_GO_CHILD_LOGLEVEL"
)

// The jobs, which differ in their log lines.
const (
	RDB = "rdb" // a dump file (rdbSave)
	AOF = "aof" // an AOF base (rewriteAppendOnlyFile)
	// Relay is a diskless sync's child (redis-rdb-to-slaves): it writes
	// no file but passes what it receives back to the server on a second
	// pipe (Process.Out), which the server writes to the replicas'
	// sockets, as Redis's child writes the RDB to the pipe its parent
	// reads (rdbPipeReadHandler).
	Relay = "relay"
)

// NoErrorExit is the status of a child stopped on purpose with SIGUSR1:
// Redis's SERVER_CHILD_NOERROR_RETVAL, which its parent reads as
// "terminated by signal 10" and not as an error.
const NoErrorExit = 255

// Spec is what a child does.
type Spec struct {
	Job      string // RDB or AOF
	Title    string // the process title, as proc-title-template expands it
	Temp     string // the file it writes; "%d" is replaced by its pid
	Final    string // the name the file gets once fsynced, "" to keep Temp; "%d" too
	Autosync int64  // fdatasync every that many bytes, 0 never
	// OOMScoreAdj is written to the child's oom_score_adj when HasOOM.
	OOMScoreAdj int64
	HasOOM      bool
	LogLevel    int      // the server's loglevel
	Log         *os.File // the child's log (its standard output)
	// Exited, when set, is set once the child has exited, as Redis's
	// parent learns from waitpid: the writer stops at once.
	Exited *atomic.Bool
}

// Process is a running child.
type Process struct {
	Pid   int
	Temp  string // the temp file's path, with the pid
	Final string // the final one, with the pid ("" if none)
	// Out is what a Relay child passes back: the read end of its pipe,
	// which reaches its end when the child closed it or exited.
	Out  *os.File
	proc *os.Process
	data *os.File // the write end of the data pipe
	ctl  *os.File // the write end of the control pipe
	sent int64
	exit Exit          // valid once done is closed
	done chan struct{} // closed when the child has exited
}

// Exit is how a child ended.
type Exit struct {
	Code   int            // its exit status, when not killed
	Signal syscall.Signal // the signal that killed it, 0 if none
}

// OK reports a child that did its job.
func (e Exit) OK() bool { return e.Signal == 0 && e.Code == 0 }

// Stopped reports a child stopped on purpose (SIGUSR1): not an error.
func (e Exit) Stopped() bool { return e.Signal == syscall.SIGUSR1 || e.Code == NoErrorExit }

// BySignal is the signal Redis's parent reports ("terminated by signal
// N"), with a stopped child's status read as SIGUSR1; 0 for an exit.
func (e Exit) BySignal() int {
	if e.Code == NoErrorExit {
		return int(syscall.SIGUSR1)
	}
	return int(e.Signal)
}

// Start starts a child that writes to spec.Temp what is written to the
// Process, synchronously, as fork returns with the child running.
func Start(spec Spec) (*Process, error) {
	// The running binary itself, even if the file was replaced or removed
	// since it started (an upgrade): the child must speak this version.
	const exe = "/proc/self/exe"
	dataR, dataW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		dataR.Close()
		dataW.Close()
		return nil, err
	}
	// A larger pipe lets the writer run ahead of the disk (1 MB is the
	// unprivileged maximum by default); a refusal keeps the 64 KB.
	unix.FcntlInt(dataW.Fd(), unix.F_SETPIPE_SZ, 1<<20)
	out := spec.Log
	if out == nil {
		out = os.Stdout
	}
	env := append(os.Environ(),
		envRole+"="+spec.Job,
		envTemp+"="+spec.Temp,
		envFinal+"="+spec.Final,
		envAutosync+"="+strconv.FormatInt(spec.Autosync, 10),
		envLevel+"="+strconv.Itoa(spec.LogLevel),
	)
	if spec.HasOOM {
		env = append(env, envOOM+"="+strconv.FormatInt(spec.OOMScoreAdj, 10))
	}
	title := spec.Title
	if title == "" {
		title = "redis-go-child"
	}
	files := []*os.File{dataR, out, os.Stderr, ctlR}
	var outR, outW *os.File
	if spec.Job == Relay {
		if outR, outW, err = os.Pipe(); err != nil {
			dataR.Close()
			dataW.Close()
			ctlR.Close()
			ctlW.Close()
			return nil, err
		}
		unix.FcntlInt(outW.Fd(), unix.F_SETPIPE_SZ, 1<<20)
		files = append(files, outW) // the child's descriptor 4
	}
	proc, err := os.StartProcess(exe, []string{title}, &os.ProcAttr{Env: env, Files: files})
	dataR.Close()
	ctlR.Close()
	if outW != nil {
		outW.Close()
	}
	if err != nil {
		dataW.Close()
		ctlW.Close()
		if outR != nil {
			outR.Close()
		}
		return nil, err
	}
	p := &Process{
		Pid:  proc.Pid,
		Temp: tempPath(spec.Temp, proc.Pid), Final: tempPath(spec.Final, proc.Pid),
		Out:  outR,
		proc: proc, data: dataW, ctl: ctlW,
		done: make(chan struct{}),
	}
	go p.reap(spec.Exited)
	return p, nil
}

// reap waits for the child's exit.
func (p *Process) reap(exited *atomic.Bool) {
	p.exit = Exit{Code: 1}
	st, err := p.proc.Wait()
	if err != nil {
		close(p.done)
		if exited != nil {
			exited.Store(true)
		}
		return
	}
	switch ws, _ := st.Sys().(syscall.WaitStatus); {
	case ws.Signaled():
		p.exit = Exit{Signal: ws.Signal()}
	default:
		p.exit = Exit{Code: ws.ExitStatus()}
	}
	close(p.done)
	if exited != nil {
		exited.Store(true)
	}
}

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed once the child has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitStatus is how the child ended; valid once Done is closed.
func (p *Process) ExitStatus() Exit { return p.exit }

// Write sends p to the child. It fails once the child is gone (EPIPE).
func (p *Process) Write(b []byte) (int, error) {
	n, err := p.data.Write(b)
	p.sent += int64(n)
	return n, err
}

// CloseInput ends what the child receives: a Relay child then passes the
// rest on and closes Out.
func (p *Process) CloseInput() { p.data.Close() }

// Commit tells the child that everything was sent and waits for it to
// fsync and rename the file.
func (p *Process) Commit() Exit {
	p.data.Close()
	fmt.Fprintf(p.ctl, "commit %d\n", p.sent)
	p.ctl.Close()
	return p.Wait()
}

// Stop sends SIGUSR1: the child exits at once, as Redis's killRDBChild.
// The caller still waits for it (StopAndWait).
func (p *Process) Stop() {
	if !p.Exited() {
		p.proc.Signal(syscall.SIGUSR1)
	}
}

// StopAndWait stops the child and waits for its exit. The pipes stay open
// until it exited, or the end of the stream without a commit could make
// it exit first, as with an error.
func (p *Process) StopAndWait() Exit {
	p.Stop()
	select {
	case <-p.done:
	case <-time.After(stopWait):
	}
	return p.Wait()
}

// stopWait bounds the wait for a stopped child's exit.
const stopWait = 5 * time.Second

// Wait closes the pipes and waits for the child to exit: it exits at
// once, without committing, unless Commit came first.
func (p *Process) Wait() Exit {
	p.data.Close()
	p.ctl.Close()
	<-p.done
	if p.Out != nil {
		p.Out.Close()
	}
	return p.exit
}

// RemoveTemp removes what a child that did not finish left (Redis's
// rdbRemoveTempFile).
func (p *Process) RemoveTemp() { os.Remove(p.Temp) }

// tempPath is the temp file of the process with that pid.
func tempPath(template string, pid int) string {
	return strings.Replace(template, "%d", strconv.Itoa(pid), 1)
}
