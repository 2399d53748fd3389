package repl

// A diskless sync through a child process, redis-rdb-to-slaves, as Redis
// forks one for rdbSaveToSlavesSockets: the snapshot's writer sends the
// RDB to the child, and what the child passes back is written to the
// replicas' sockets (Redis's rdbPipeReadHandler). The child is what users
// and tools see of the transfer: its pid in the log, its process title,
// its oom score; killing it fails the transfer, SIGUSR1 (FLUSHALL) stops
// it, and it exits when the server dies.

import (
	"fmt"

	"github.com/redis-go/redis-server/child"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

// childError is a transfer whose child ended before it did, or failed:
// killed, stopped (FLUSHALL) or an error.
type childError struct{ exit child.Exit }

func (e *childError) Error() string {
	return fmt.Sprintf("the transfer's child ended (signal %d, status %d)", e.exit.BySignal(), e.exit.Code)
}

// startRelay starts a diskless sync's child; nil when none can be
// started, and then the transfer's goroutine writes to the sockets itself.
func (r *Repl) startRelay() *child.Process {
	proc, err := child.Start(rdb.ChildSpec(r.srv, child.Relay, "redis-rdb-to-slaves"))
	if err != nil {
		logger.Warningf("Can't start a child process for the diskless sync (%v): the server writes to the replicas itself", err)
		return nil
	}
	return proc
}

// relayThrough sends the snapshot (ending with the EOF mark) through the
// transfer's child and writes what it passes back to the replicas (w).
// It returns errNoReplicas when they all dropped (the child is stopped),
// a childError when the child ended first or failed.
func relayThrough(d *disklessSync, w *fanout, sn *db.Snapshot, opt rdb.Options, mark string) error {
	proc := d.proc
	opt.Cancel = &d.cancel
	written := make(chan error, 1)
	go func() {
		_, err := rdb.Write(proc, sn, opt)
		if err == nil {
			_, err = proc.Write([]byte(mark))
		}
		proc.CloseInput()
		written <- err
	}()
	// A child that dies while a write to a replica blocks (a replica that
	// reads nothing) ends the transfer at once, as Redis's cron collects
	// it with waitpid: the replicas' sockets close under the writes.
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-proc.Done():
			if !proc.ExitStatus().OK() {
				d.cancel.Store(true)
				for _, t := range d.targets {
					t.f.Close()
				}
			}
		case <-finished:
		}
	}()

	buf := make([]byte, 64<<10)
	var ferr error
	for {
		n, err := proc.Out.Read(buf)
		if n > 0 {
			if _, ferr = w.Write(buf[:n]); ferr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if ferr != nil { // no replica left, or the child died and took them
		d.cancel.Store(true)
		exit := proc.StopAndWait()
		<-written
		if !exit.Stopped() || d.stopped.Load() {
			return &childError{exit}
		}
		return errNoReplicas
	}
	if err := <-written; err != nil {
		d.cancel.Store(true)
		proc.Stop()
		return &childError{proc.Wait()}
	}
	if exit := proc.Commit(); !exit.OK() {
		return &childError{exit}
	}
	return nil
}

// stopDiskless stops the transfer's child, as FLUSHALL's killRDBChild:
// the replicas fail their sync ("SYNC failed. BGSAVE child returned an
// error") and start another.
func (r *Repl) stopDiskless() {
	if d := r.diskless; d != nil && d.proc != nil {
		d.stopped.Store(true)
		d.cancel.Store(true)
		d.proc.Stop()
	}
}
