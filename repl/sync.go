package repl

// Full resynchronization, as Redis's replication.c with its fork replaced
// by a snapshot (db.Server.Snapshot). Replicas that want a full sync wait
// in waitBgsaveStart until an RDB is started for them (at once on disk;
// after repl-diskless-sync-delay seconds for diskless, to gather replicas).
// Starting it answers +FULLRESYNC <replid> <offset> with the offset of the
// snapshot, and from then on the stream is held in each replica's pending
// buffer.
//
// Disk: a BGSAVE (rdb.Persister.Background) writes the dump file, as Redis does;
// replicas that ask meanwhile join it if one already waits for it. When it
// ends, a goroutine per replica sends "$<size>\r\n" and the file.
// Diskless: one goroutine writes "$EOF:<mark>\r\n", the RDB and the mark to
// every replica of the round at once; one that fails is dropped, the others
// go on.
//
// A transfer goroutine writes to a dup of the replica's socket, with
// blocking writes through Go's poller and a deadline of repl-timeout; the
// loop writes nothing to that socket meanwhile (db.Client.HoldOutput) and
// the transfer hands back through ae.Loop.Execute. The replica is then
// online and its pending stream goes out: at once after a disk transfer,
// on its first REPLCONF ACK after a diskless one (so that nothing follows
// the RDB's end mark before the replica answers).

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis-go/redis-server/child"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

// disklessSync is an RDB being streamed to replicas.
type disklessSync struct {
	targets []*transferTarget
	sn      *db.Snapshot
	start   time.Time
	proc    *child.Process // its child (relay.go), nil when none started
	cancel  atomic.Bool    // the snapshot's writer stops
	stopped atomic.Bool    // stopDiskless stopped the child
}

// transferTarget is one replica's socket during a transfer. Only the
// transfer goroutine touches it until it hands back, but for written,
// which the loop reads atomically.
type transferTarget struct {
	rep    *Replica
	name   string   // rep.name(), taken on the loop
	f      *os.File // the dup of its socket
	prefix []byte   // what its reply buffer held (+FULLRESYNC, newlines)
	err    error
	// written counts the bytes sent so far; the loop reads it for the
	// progress of the sync (Status).
	written atomic.Int64
	// total is what a disk transfer sends (preamble and file), -1 for a
	// streamed RDB, whose size is known only at its end: its progress is
	// then keys, written of keysTotal.
	total     int64
	start     time.Time // when the goroutine took the socket
	keys      *atomic.Int64
	keysTotal int64
}

// fullResync handles a replica that needs a full sync, as the end of
// Redis's syncCommand: join a disk BGSAVE in progress if another replica
// already waits for it, else wait for the next one, which starts now for
// a disk transfer and after the delay for a diskless one.
func (r *Repl) fullResync(rep *Replica) {
	cfg := r.srv.Config
	switch {
	case r.rdb.InProgress():
		var other *Replica
		for _, x := range r.replicas {
			if x != rep && x.state == waitBgsaveEnd && !x.socketTarget && (!x.rdbOnly || rep.rdbOnly) {
				other = x
				break
			}
		}
		if other != nil && !rep.dual.rdbChannel && (rep.capaEOF || !other.capaEOF) && (rep.capaPSYNC2 || !other.capaPSYNC2) && rep.noData == other.noData {
			if !rep.rdbOnly && other.holding {
				rep.hold(other.heldFrom)
			}
			r.setupFullResync(rep, other.initialOffset)
			logger.Noticef("Waiting for end of BGSAVE for SYNC")
		} else {
			logger.Noticef("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
		}
	case r.diskless != nil:
		logger.Noticef("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
	case cfg.Bool("repl-diskless-sync") && rep.capaEOF && cfg.Int("repl-diskless-sync-delay") > 0:
		logger.Noticef("Delay next BGSAVE for diskless SYNC")
	case r.childActive(): // an AOF rewrite: the cron starts it afterwards
		logger.Noticef("No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed")
	default:
		r.startSync(rep.capaEOF, rep.noData)
	}
}

// setupFullResync answers +FULLRESYNC (not to SYNC, which predates it):
// the replica's RDB is the dataset at offset, and the stream after it is
// held for it from now on. The stream restarts with a SELECT, which the
// replica needs after loading.
func (r *Repl) setupFullResync(rep *Replica, offset int64) {
	rep.initialOffset = offset
	rep.state = waitBgsaveEnd
	r.streamDB = -1
	if !rep.prePSYNC {
		r.writeTo(rep, []byte("+FULLRESYNC "+r.ReplID+" "+strconv.FormatInt(offset, 10)+"\r\n"))
	}
}

// childActive reports whether an RDB is being made, Redis's
// hasActiveChildProcess.
func (r *Repl) childActive() bool { return r.srv.ActiveChild() != db.ChildNone || r.diskless != nil }

// startPendingSync starts an RDB for the replicas waiting for one, as
// Redis's replicationStartPendingFork: at once for disk transfers; for
// diskless ones when the longest waiting replica waited
// repl-diskless-sync-delay seconds, or when repl-diskless-sync-max-replicas
// are waiting. Replicas with other needs (rdb-filter-only) than the first
// wait for the next round.
func (r *Repl) startPendingSync(now time.Time) {
	if r.childActive() {
		return
	}
	waiting, maxIdle := 0, int64(0)
	eof, noData := true, false
	for _, rep := range r.replicas {
		if rep.state != waitBgsaveStart {
			continue
		}
		if waiting == 0 {
			noData = rep.noData
		} else if rep.noData != noData {
			continue
		}
		maxIdle = max(maxIdle, now.Unix()-rep.c.LastActive.Unix())
		waiting++
		eof = eof && rep.capaEOF
	}
	if waiting == 0 {
		return
	}
	cfg := r.srv.Config
	maxReplicas := cfg.Int("repl-diskless-sync-max-replicas")
	if !cfg.Bool("repl-diskless-sync") || maxReplicas > 0 && int64(waiting) >= maxReplicas ||
		maxIdle >= cfg.Int("repl-diskless-sync-delay") {
		r.startSync(eof, noData)
	}
}

// startSync starts an RDB for the waiting replicas with these needs, as
// Redis's startBgsaveForReplication: to their sockets if they all take
// EOF-marked transfers and diskless sync is on (or they want a filtered
// RDB, never written to the dump file), else to disk.
func (r *Repl) startSync(eof, noData bool) {
	socket := (r.srv.Config.Bool("repl-diskless-sync") || noData || r.rdbChannelsWaiting(noData)) && eof
	target := "disk"
	if socket {
		target = "replicas sockets"
	}
	logger.Noticef("Starting BGSAVE for SYNC with target: %s", target)
	var err error
	if socket {
		err = r.startDiskless(noData)
	} else {
		err = r.rdb.Background()
	}
	if err != nil {
		logger.Warningf("BGSAVE for replication failed")
		for _, rep := range append([]*Replica(nil), r.replicas...) {
			if rep.state == waitBgsaveStart && rep.noData == noData {
				r.removeReplica(rep)
				rep.c.Error("ERR BGSAVE failed, replication can't continue")
				rep.c.Flags |= db.ClientCloseAfterReply
				r.srv.MarkPending(rep.c)
			}
		}
		return
	}
	if !socket {
		for _, rep := range append([]*Replica(nil), r.replicas...) {
			if rep.state == waitBgsaveStart && rep.noData == noData {
				if rep.dual.rdbChannel { // takes an RDB on its socket only
					r.closeClient(rep.c)
					continue
				}
				r.setupFullResync(rep, r.Offset)
				rep.socketTarget = false
			}
		}
	}
}

// removeReplica takes a replica off the list without closing it.
func (r *Repl) removeReplica(rep *Replica) {
	for i, x := range r.replicas {
		if x == rep {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
	rep.c.Flags &^= db.ClientReplica
	if len(r.replicas) == 0 {
		r.noReplicasSince = time.Now()
	}
}

// takeSocket hands the replica's connection to a transfer goroutine: a
// dup of its socket, and what its reply buffer held, to be written first.
// It fails while the socket layer still holds output of ours, which must
// go first.
func (r *Repl) takeSocket(rep *Replica) (*transferTarget, error) {
	c := rep.c
	if c.Conn != nil && c.Conn.Outbound() > 0 {
		return nil, errBusy
	}
	f, err := dupSocket(c.FD)
	if err != nil {
		return nil, err
	}
	t := &transferTarget{rep: rep, name: rep.name(), f: f, prefix: append([]byte(nil), c.Buf...), total: -1,
		start: time.Now()}
	c.Buf = c.Buf[:0]
	c.HoldOutput = true
	rep.file = f
	rep.transfer = t
	return t, nil
}

var errBusy = errors.New("output pending")

// dupSocket duplicates a socket descriptor into a file whose blocking
// writes go through Go's poller.
func dupSocket(fd int) (*os.File, error) {
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(nfd)
	if err := syscall.SetNonblock(nfd, true); err != nil {
		syscall.Close(nfd)
		return nil, err
	}
	return os.NewFile(uintptr(nfd), "replica"), nil
}

// Diskless.

// startDiskless streams a snapshot to the replicas waiting for an RDB with
// these needs: it answers them +FULLRESYNC and starts the goroutine.
func (r *Repl) startDiskless(noData bool) error {
	s := r.srv
	start := time.Now()
	sn := s.Snapshot()
	s.Persistence.LatestForkUsec = time.Since(start).Microseconds()
	s.Persistence.TotalForks++
	opt := rdb.SaveOptions(s)
	opt.WithReplInfo = r.fillSnapshot(sn)
	opt.KeysWritten = new(atomic.Int64)
	keysTotal := int64(sn.Keys())
	if noData {
		keysTotal = 0
	}
	var targets []*transferTarget
	for _, rep := range append([]*Replica(nil), r.replicas...) {
		if rep.state != waitBgsaveStart || rep.noData != noData {
			continue
		}
		if rep.c.Conn != nil && rep.c.Conn.Outbound() > 0 {
			continue // rare: its socket is full; the next round takes it
		}
		r.setupFullResync(rep, r.Offset)
		rep.socketTarget = true
		t, err := r.takeSocket(rep)
		if err != nil {
			logger.Warningf("Diskless rdb transfer, write error sending DB to replica: %s", strerror(err))
			r.closeClient(rep.c)
			continue
		}
		t.keys, t.keysTotal = opt.KeysWritten, keysTotal
		if rep.dual.rdbChannel {
			t.prefix = append(t.prefix, r.endOffset(rep, sn)...)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 { // the others wait for the next round
		sn.Release()
		return nil
	}
	d := &disklessSync{targets: targets, sn: sn, start: start}
	forked := time.Now()
	d.proc = r.startRelay()
	s.Persistence.LatestForkUsec += time.Since(forked).Microseconds()
	r.diskless = d
	r.srv.SetActiveChild(db.ChildRDB)
	// Redis's transfer is an RDB child: INFO shows it as a BGSAVE.
	s.Persistence.BgsaveInProgress, s.Persistence.BgsaveStart = true, start.Unix()
	pid := os.Getpid()
	if d.proc != nil {
		pid = d.proc.Pid
	}
	logger.Noticef("Background RDB transfer started by pid %d", pid)
	mark := randomMark()
	write := sn
	if noData {
		empty := *sn
		empty.DBs = nil
		write = &empty
	}
	cfg := s.Config
	timeout := func() time.Duration { return time.Duration(cfg.Int("repl-timeout")) * time.Second }
	go func() {
		w := &fanout{targets: targets, timeout: timeout, alive: len(targets), r: r}
		for _, t := range targets {
			w.writeTo(t, append(t.prefix, "$EOF:"+mark+"\r\n"...))
		}
		var err error
		if d.proc != nil {
			err = relayThrough(d, w, write, opt, mark)
		} else {
			_, err = rdb.Write(w, write, opt)
			if err == nil {
				_, err = w.Write([]byte(mark))
			}
		}
		for _, t := range targets {
			t.f.Close()
		}
		r.loop.Execute(func() { r.disklessDone(d, err) })
	}()
	return nil
}

// fanout writes the same bytes to every target still alive.
type fanout struct {
	targets []*transferTarget
	timeout func() time.Duration // repl-timeout as it is now
	alive   int
	r       *Repl
}

// writeSlice is how long a blocked write to a replica waits before the
// fanout looks at repl-timeout again: a CONFIG SET of it during the
// transfer applies to a write already blocked, as Redis's cron checks
// each replica's last partial write against the current value.
const writeSlice = 100 * time.Millisecond

var errNoReplicas = errors.New("no replica left")

func (w *fanout) Write(p []byte) (int, error) {
	for _, t := range w.targets {
		w.writeTo(t, p)
	}
	if w.alive == 0 {
		return 0, errNoReplicas
	}
	return len(p), nil
}

// writeTo writes to one target; the first failure drops it: the loop
// closes its connection at once.
func (w *fanout) writeTo(t *transferTarget, p []byte) {
	if t.err != nil {
		return
	}
	progress := time.Now()
	var err error
	for len(p) > 0 {
		t.f.SetWriteDeadline(time.Now().Add(writeSlice))
		var n int
		n, err = t.f.Write(p)
		t.written.Add(int64(n))
		p = p[n:]
		if n > 0 {
			progress = time.Now()
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(progress) > w.timeout() {
			break
		}
		err = nil
	}
	if err != nil {
		t.err = err
		w.alive--
		switch {
		case errors.Is(err, os.ErrClosed): // the loop closed it: the replica is gone
		case errors.Is(err, os.ErrDeadlineExceeded):
			logger.Warningf("Disconnecting timedout replica (full sync): %s", t.name)
		default:
			logger.Warningf("Diskless rdb transfer, write error sending DB to replica: %s", strerror(err))
		}
		r, rep := w.r, t.rep
		r.loop.Execute(func() {
			if rep.file == t.f {
				r.closeClient(rep.c)
			}
		})
	}
}

// disklessDone runs on the loop when the streaming goroutine ended. The
// replicas it reached are online, waiting for their first ACK to get the
// stream.
func (r *Repl) disklessDone(d *disklessSync, err error) {
	s := r.srv
	d.sn.Release()
	r.diskless = nil
	r.srv.SetActiveChild(db.ChildNone)
	s.Persistence.BgsaveInProgress = false
	alive := 0
	for _, t := range d.targets {
		if t.err == nil {
			alive++
		}
		s.Stats.NetReplOut += t.written.Load()
	}
	var ce *childError
	switch {
	case errors.Is(err, errNoReplicas):
		logger.Warningf("Diskless rdb transfer, last replica dropped, killing fork child.")
	case !errors.As(err, &ce):
		logger.Warningf("Diskless rdb transfer, done reading from pipe, %d replicas still up.", alive)
	}
	s.Persistence.LastBgsaveTimeSec = int64(time.Since(d.start).Seconds())
	switch {
	case err == nil:
		logger.Noticef("Background RDB transfer terminated with success")
	case errors.Is(err, errNoReplicas):
		logger.Warningf("Background transfer terminated by signal 10")
	case ce != nil && ce.exit.BySignal() != 0:
		logger.Warningf("Background transfer terminated by signal %d", ce.exit.BySignal())
	default:
		logger.Warningf("Background transfer error")
	}
	for _, t := range d.targets {
		rep := t.rep
		if rep.file != t.f {
			continue // gone meanwhile
		}
		rep.file = nil
		if err != nil || t.err != nil {
			logger.Warningf("SYNC failed. BGSAVE child returned an error")
			r.closeClient(rep.c)
			continue
		}
		if rep.dual.rdbChannel {
			r.rdbChannelSent(rep)
			continue
		}
		logger.Noticef("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming", rep.name())
		if !r.putOnline(rep) {
			r.closeClient(rep.c)
			continue
		}
		rep.streamOnAck = true // HoldOutput stays until then
	}
	r.startPendingSync(time.Now())
}

// randomMark is the 40 characters that end an EOF-marked transfer.
func randomMark() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Disk.

// bgsaveDone runs when a BGSAVE ended: the replicas waiting for it get the
// file, or are dropped if it failed, as Redis's updateSlavesWaitingBgsave.
// Then the next RDB starts for the replicas that could not join this one.
func (r *Repl) bgsaveDone(err error) {
	for _, rep := range append([]*Replica(nil), r.replicas...) {
		if rep.state != waitBgsaveEnd || rep.socketTarget {
			continue
		}
		if err != nil {
			logger.Warningf("SYNC failed. BGSAVE child returned an error")
			r.closeClient(rep.c)
			continue
		}
		f, err := os.Open(rdb.Path(r.srv))
		var st os.FileInfo
		if err == nil {
			if st, err = f.Stat(); err != nil {
				f.Close()
			}
		}
		if err != nil {
			logger.Warningf("SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(err))
			r.closeClient(rep.c)
			continue
		}
		rep.state = sendBulk
		rep.bulk, rep.bulkSize = f, st.Size()
		r.sendBulk(rep)
	}
	r.startPendingSync(time.Now())
}

// sendBulk starts the goroutine that sends the RDB file to a replica; the
// cron retries while the socket layer still holds output for it.
func (r *Repl) sendBulk(rep *Replica) {
	t, err := r.takeSocket(rep)
	if errors.Is(err, errBusy) {
		return
	}
	f := rep.bulk
	rep.bulk = nil
	if err != nil {
		f.Close()
		logger.Warningf("Write error sending DB to replica: %s", strerror(err))
		r.closeClient(rep.c)
		return
	}
	timeout := time.Duration(r.srv.Config.Int("repl-timeout")) * time.Second
	preamble := append(t.prefix, "$"+strconv.FormatInt(rep.bulkSize, 10)+"\r\n"...)
	t.total = int64(len(preamble)) + rep.bulkSize
	go func() {
		err := copyWithDeadline(t.f, preamble, f, timeout, &t.written)
		f.Close()
		t.f.Close()
		r.loop.Execute(func() { r.bulkDone(t, err) })
	}()
}

// copyWithDeadline writes head then src to dst, each write within
// timeout, counting the bytes written in written.
func copyWithDeadline(dst *os.File, head []byte, src io.Reader, timeout time.Duration, written *atomic.Int64) error {
	buf := make([]byte, 64<<10)
	for {
		dst.SetWriteDeadline(time.Now().Add(timeout))
		n, err := dst.Write(head)
		written.Add(int64(n))
		if err != nil {
			return err
		}
		if n, err = src.Read(buf); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		head = buf[:n]
	}
}

// bulkDone runs on the loop when a file transfer ended: the replica is
// online and gets the stream held for it.
func (r *Repl) bulkDone(t *transferTarget, err error) {
	r.srv.Stats.NetReplOut += t.written.Load()
	rep := t.rep
	if rep.file != t.f {
		return // gone meanwhile
	}
	rep.file = nil
	rep.c.HoldOutput = false
	if err != nil {
		logger.Warningf("Write error sending DB to replica: %s", strerror(err))
		r.closeClient(rep.c)
		return
	}
	if !r.putOnline(rep) {
		r.closeClient(rep.c)
		return
	}
	r.startStream(rep)
}

// putOnline makes a replica whose RDB was sent online, Redis's
// replicaPutOnline. A replica that wanted the RDB only is done: false.
func (r *Repl) putOnline(rep *Replica) bool {
	if rep.rdbOnly {
		logger.Noticef("RDB transfer completed, rdb only replica (%s) should be disconnected asap", rep.name())
		return false
	}
	rep.state = online
	r.applyNoDelay(rep)
	rep.ackTime = time.Now()
	r.refreshGoodReplicas(time.Now())
	logger.Noticef("Synchronization with replica %s succeeded", rep.name())
	return true
}

// startStream sends a replica the stream held during its sync, and from
// now on the stream as it comes.
func (r *Repl) startStream(rep *Replica) {
	c := rep.c
	rep.streamOnAck = false
	c.HoldOutput = false
	if rep.holding {
		c.Buf = append(r.backlog.ReadFrom(rep.heldFrom), c.Buf...)
		rep.holding = false
		r.trimBacklog()
	}
	r.srv.MarkPending(c)
}

// applyNoDelay honours repl-disable-tcp-nodelay for a replica's socket:
// with yes, small writes are coalesced (less bandwidth, more delay).
func (r *Repl) applyNoDelay(rep *Replica) {
	nd, ok := rep.c.Conn.(interface{ SetNoDelay(bool) error })
	if ok {
		nd.SetNoDelay(!r.srv.Config.Bool("repl-disable-tcp-nodelay"))
	}
}
