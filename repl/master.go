package repl

// The master side on the loop, as Redis's replication.c: the stream fed
// to the backlog and the replicas, REPLCONF, SYNC and PSYNC (a partial
// resync here, a full one in sync.go), the replication cron (PINGs,
// keepalive newlines, timeouts, the backlog's time to live), output buffer
// limits and min-replicas-to-write.

import (
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/resp"
)

// replicaState is where a replica stands, Redis's SLAVE_STATE_*.
type replicaState int

const (
	waitBgsaveStart replicaState = iota // full sync asked, no snapshot yet
	waitBgsaveEnd                       // its RDB is being made (disk) or streamed (diskless)
	sendBulk                            // the RDB file is being sent
	online                              // fed with the stream
	// bgTransfer is the main channel of a dual-channel sync: fed with the
	// stream while its RDB travels on the other channel, online at its
	// first ACK (dualchannel.go).
	bgTransfer
)

// Replica is the master's view of one replica, kept in the client's Repl
// field from its first REPLCONF. It is a replica (db.ClientReplica, in
// Repl.replicas) once it sent SYNC or PSYNC.
type Replica struct {
	c     *db.Client
	state replicaState

	// What it announced with REPLCONF.
	ListenPort int
	IPAddress  string
	capaEOF    bool // takes "$EOF:<mark>" transfers (diskless)
	capaPSYNC2 bool // understands "+CONTINUE <replid>"
	rdbOnly    bool // wants the RDB and no stream (redis-cli --rdb)
	noData     bool // REPLCONF rdb-filter-only: an RDB without keys
	prePSYNC   bool // came with SYNC: no replid, offsets or ACKs

	// AckOffset and ackTime are its last REPLCONF ACK.
	AckOffset int64
	ackTime   time.Time

	// During a full sync: the offset its RDB is taken at, where the
	// stream written since starts in the replication buffer (held: sent
	// once the RDB is), and the dup of its socket a transfer goroutine
	// writes to.
	initialOffset int64
	holding       bool
	heldFrom      int64
	socketTarget  bool // its RDB goes straight to the socket
	file          *os.File
	// syncStart is when it asked for a full sync; transfer is
	// the goroutine's target once one took its socket (Status reads the
	// bytes sent).
	syncStart time.Time
	transfer  *transferTarget
	// bulk is the RDB file to send, of bulkSize bytes, until a transfer
	// goroutine takes it.
	bulk     *os.File
	bulkSize int64
	// streamOnAck holds the stream after a diskless transfer until the
	// replica's first ACK, so that the RDB's end mark is the last thing
	// it reads before it answers.
	streamOnAck bool

	softLimitSince time.Time // over the soft output limit since then

	dual dualChannel // its part in a dual-channel sync (dualchannel.go)
}

// replicaOf returns c's replication state, creating it.
func replicaOf(c *db.Client) *Replica {
	if rep, ok := c.Repl.(*Replica); ok {
		return rep
	}
	rep := &Replica{c: c}
	c.Repl = rep
	return rep
}

// IP is the address the replica is known by: the one it announced, or its
// connection's.
func (rep *Replica) IP() string {
	if rep.IPAddress != "" {
		return rep.IPAddress
	}
	host, _, err := net.SplitHostPort(rep.c.Addr)
	if err != nil {
		return ""
	}
	return host
}

// name is how log lines call a replica, Redis's replicationGetSlaveName.
func (rep *Replica) name() string {
	ip := rep.IP()
	switch {
	case ip == "":
		return "client id #" + strconv.FormatInt(rep.c.ID, 10)
	case rep.ListenPort == 0:
		return ip + ":<unknown-replica-port>"
	}
	return net.JoinHostPort(ip, strconv.Itoa(rep.ListenPort))
}

// streaming reports whether the stream goes straight to its connection.
func (rep *Replica) streaming() bool {
	return rep.state == online && !rep.streamOnAck || rep.state == bgTransfer
}

// HeldOutput is what the stream held for it until its RDB is sent
// counts in its omem (db.HeldOutputer): the replication buffer from its
// place on, as Redis counts a replica's referenced blocks.
func (rep *Replica) HeldOutput() int64 {
	r := of(rep.c)
	if !rep.holding || r.backlog == nil {
		return 0
	}
	return r.backlog.Held(rep.heldFrom)
}

// hold makes the replica hold the stream from offset on, if it does not
// already: the bytes stay in the replication buffer until startStream.
func (rep *Replica) hold(offset int64) {
	if !rep.holding {
		rep.holding, rep.heldFrom = true, offset
	}
}

// pinned is the first stream offset a replica still holds (0: none),
// which the backlog must keep.
func (r *Repl) pinned() int64 {
	var first int64
	for _, rep := range r.replicas {
		if rep.holding && (first == 0 || rep.heldFrom < first) {
			first = rep.heldFrom
		}
	}
	return first
}

// trimBacklog drops the history nobody needs past repl-backlog-size.
func (r *Repl) trimBacklog() {
	if r.backlog != nil {
		r.backlog.Trim(r.pinned())
	}
}

// masterState is the master side's share of Repl.
type masterState struct {
	settings masterSettings
	// woff is each client's offset right after its last write, what
	// its WAIT waits for.
	woff     map[*db.Client]int64
	waiting  []*waiter
	ackAsked bool // a REPLCONF GETACK is to be sent
	enc      []byte

	// noReplicasSince is when we were last left without replicas, for
	// repl-backlog-ttl: at startup, when the last one went, at promotion.
	noReplicasSince time.Time
	goodReplicas    int       // online replicas within min-replicas-max-lag
	masterCronAt    time.Time // the cron's last run: it runs once a second
	cronLoops       int64
	diskless        *disklessSync // the RDB being streamed to replicas
	failover        failover
	// rdbChannelsDone are the RDB channels whose RDB was sent, waiting
	// for the replica to close them (dualchannel.go, endRDBChannel).
	rdbChannelsDone []*Replica
}

// masterSettings are the parameters read on hot paths, kept in sync with
// the configuration.
type masterSettings struct {
	minReplicas, minReplicasMaxLag int64
	outputLimit                    config.BufferLimit
}

func init() {
	db.RegisterCommand("replconf", replconfCommand)
	db.RegisterDebug("replicate", -3, debugReplicate)
	db.RegisterCommand("sync", syncCommand)
	db.RegisterCommand("psync", syncCommand)
}

// installMaster hooks the master side into the executor.
func (r *Repl) installMaster() {
	s := r.srv
	// Redis's replicationCron runs its loop 0 right at startup, before any
	// replica can attach: the first PING comes one period later.
	r.cronLoops = 1
	// Without a backlog propagate drops everything (no replica ever
	// attached, or this is a replica): commands need not collect it.
	s.AddPropagatorWhile(db.PropagateRepl, r.propagate, func() bool { return r.backlog != nil })
	s.OnCron(r.masterCron)
	s.OnClientFree(r.clientGone)
	r.rdb.OnBgsaveDone(r.bgsaveDone)
	r.woff = map[*db.Client]int64{}
	r.loadSettings()
	cfg := s.Config
	for _, name := range []string{"min-replicas-to-write", "min-replicas-max-lag", "client-output-buffer-limit"} {
		cfg.OnChange(name, func() error { r.loadSettings(); return nil })
	}
	cfg.OnChange("repl-backlog-size", func() error {
		if r.backlog != nil {
			r.backlog.Resize(cfg.Int("repl-backlog-size"))
			r.trimBacklog()
		}
		return nil
	})
}

func (r *Repl) loadSettings() {
	cfg := r.srv.Config
	r.settings = masterSettings{
		minReplicas:       cfg.Int("min-replicas-to-write"),
		minReplicasMaxLag: cfg.Int("min-replicas-max-lag"),
		outputLimit:       cfg.ClientOutputBufferLimits()[config.ClassReplica],
	}
	r.refreshGoodReplicas(time.Now())
}

// The stream.

// propagate is the executor's Propagator: it encodes a write as Redis
// sends it, a SELECT first when the db differs from the stream's (dbid -1
// selects nothing). A replica sends nothing of its own: it proxies its
// master's stream.
func (r *Repl) propagate(dbid int, argv [][]byte) {
	if r.srv.IsReplica || r.backlog == nil {
		return
	}
	buf := r.enc[:0]
	if dbid >= 0 && dbid != r.streamDB {
		buf = resp.AppendCommand(buf, "SELECT", strconv.Itoa(dbid))
		r.streamDB = dbid
	}
	buf = resp.AppendCommand(buf, argv...)
	r.feedRaw(buf)
	r.enc = buf
	if c := r.srv.Executing; c != nil {
		r.woff[c] = r.Offset
	}
}

// feedRaw appends stream bytes to the backlog, the offset and every
// replica's output: online replicas get them now, those in a full sync
// once their RDB is sent. Nothing happens without a backlog, so the
// offset only moves once a replica asked for a sync, as in Redis.
func (r *Repl) feedRaw(p []byte) {
	if r.backlog == nil || len(p) == 0 {
		return
	}
	for _, rep := range r.replicas {
		if !rep.takesStream() {
			continue
		}
		if rep.streaming() && !rep.c.HoldOutput {
			r.writeTo(rep, p)
		} else {
			rep.hold(r.Offset + 1) // before the backlog may overwrite it
		}
	}
	r.Offset += int64(len(p))
	r.backlog.Append(p, r.pinned())
	var over []*Replica
	for _, rep := range r.replicas {
		if rep.takesStream() && r.overOutputLimit(rep) {
			over = append(over, rep)
		}
	}
	for _, rep := range over { // closing changes r.replicas
		r.checkOutputLimit(rep, time.Now())
	}
	r.trimBacklog()
}

// takesStream reports whether the stream is for the replica: not for one
// that only wants an RDB, nor before its BGSAVE starts.
func (rep *Replica) takesStream() bool {
	return !(rep.rdbOnly && !rep.holdsStream() || rep.state == waitBgsaveStart)
}

// writeTo appends p to the replica's reply buffer, which the loop flushes.
func (r *Repl) writeTo(rep *Replica, p []byte) {
	c := rep.c
	if len(c.Buf) == 0 {
		r.srv.MarkPending(c)
	}
	c.Buf = append(c.Buf, p...)
}

// The backlog's life.

// ensureBacklog creates the backlog if there is none; its next byte is
// offset r.Offset+1.
func (r *Repl) ensureBacklog() {
	if r.backlog == nil {
		r.backlog = NewBacklog(r.srv.Config.Int("repl-backlog-size"), r.Offset)
	}
}

// freeBacklog drops the backlog: nobody can continue from our history.
func (r *Repl) freeBacklog() { r.backlog = nil }

// REPLCONF.

// replconfCommand is REPLCONF option value [option value ...]: what a
// replica tells before PSYNC (listening-port, ip-address, capa, rdb-only,
// rdb-filter-only) and its ACKs afterwards. ACK and GETACK get no reply;
// a replica answers GETACK when the master client reads it (replica.go).
func replconfCommand(c *db.Client) {
	if len(c.Argv)%2 == 0 {
		c.Error(db.ErrSyntax)
		return
	}
	r := of(c)
	for j := 1; j < len(c.Argv); j += 2 {
		val := c.Argv[j+1]
		switch strings.ToLower(c.Arg(j)) {
		case "listening-port":
			port, ok := c.IntArg(j + 1)
			if !ok {
				return
			}
			replicaOf(c).ListenPort = int(port)
		case "ip-address":
			if len(val) >= 256 { // NET_HOST_STR_LEN
				c.Error("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(val)) + " bytes")
				return
			}
			replicaOf(c).IPAddress = string(val)
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				replicaOf(c).capaEOF = true
			case "psync2":
				replicaOf(c).capaPSYNC2 = true
			case "dual-channel":
				// Unknown to a master that does not offer it, as
				// Redis ignores capabilities it does not know.
				if r.dualChannelOffered() {
					replicaOf(c).dual.capa = true
				}
			}
		case "ack":
			r.ack(c, val)
			return
		case "getack":
			return
		case "rdb-only":
			v, ok := db.ParseInt(val)
			if !ok {
				c.Error(db.ErrNotInteger)
				return
			}
			if v < 0 || v > 1 {
				c.Error("ERR value is out of range, value must between 0 and 1")
				return
			}
			replicaOf(c).rdbOnly = v == 1
		case "rdb-filter-only":
			// The only include filter is "functions", and we have no
			// functions: any filter leaves the keys out.
			for _, f := range strings.Fields(string(val)) {
				if !strings.EqualFold(f, "functions") {
					c.Error("ERR Unsupported rdb-filter-only option: " + f)
					return
				}
			}
			replicaOf(c).noData = true
		case "rdb-channel", "set-rdb-client-id":
			if !r.replconfDual(c, j) {
				return
			}
		default:
			c.Error("ERR Unrecognized REPLCONF option: " + c.Arg(j))
			return
		}
	}
	c.OK()
}

// ReplicaNewline implements db.Replication: a replica's lone newline
// refreshes its ACK time, as processInlineBuffer does, so that a replica
// loading a big RDB is not timed out.
func (r *Repl) ReplicaNewline(c *db.Client) {
	if rep, ok := c.Repl.(*Replica); ok {
		rep.ackTime = time.Now()
	}
}

// ack records a replica's REPLCONF ACK <offset>. The first ACK after a
// diskless transfer starts its stream.
func (r *Repl) ack(c *db.Client, val []byte) {
	rep, ok := c.Repl.(*Replica)
	if !ok || c.Flags&db.ClientReplica == 0 {
		return
	}
	offset, ok := db.ParseInt(val)
	if !ok {
		return
	}
	rep.AckOffset = max(rep.AckOffset, offset)
	rep.ackTime = time.Now()
	if rep.streamOnAck && rep.state == online {
		r.startStream(rep)
	}
	if rep.state == bgTransfer {
		r.putOnline(rep) // its RDB is loaded: it applied the stream
	}
	r.processWaitingClients()
	r.updateFailover(time.Now())
}

// SYNC and PSYNC.

// syncCommand is SYNC and PSYNC replid offset, as Redis's syncCommand: a
// partial resync when our history has what the replica misses, else a
// full one, whose RDB sync.go makes.
func syncCommand(c *db.Client) {
	if c.Flags&db.ClientReplica != 0 {
		return
	}
	r := of(c)
	if len(c.Argv) > 3 && c.ArgIs(0, "psync") && c.ArgIs(3, "failover") && !r.failoverRequest(c) {
		return
	}
	if r.failover.state != noFailover {
		c.Error("NOMASTERLINK Can't SYNC while failing over")
		return
	}
	if r.srv.IsReplica && (r.link == nil || !r.link.Up()) {
		c.Error("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if len(c.Buf) > 0 || c.Conn != nil && c.Conn.Outbound() > 0 {
		c.Error("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	rep := replicaOf(c)
	if rep.noData && !rep.capaEOF { // filtered RDBs never go through the dump file
		c.Error("ERR Filtered replica requires EOF capability")
		return
	}
	logger.Noticef("Replica %s asks for synchronization", rep.name())
	if c.ArgIs(0, "psync") {
		offset, ok := db.ParseInt(c.Argv[2])
		if !ok {
			c.Error(db.ErrNotInteger)
			logger.Warningf("Replica %s asks for synchronization but with a wrong offset", rep.name())
			return
		}
		replid := c.Arg(1)
		if r.attachMainChannel(rep, replid, offset) { // part of a full sync, counted once
			return
		}
		if r.tryPartialResync(rep, replid, offset) {
			r.srv.Stats.SyncPartialOK++
			return
		}
		if !strings.HasPrefix(replid, "?") {
			r.srv.Stats.SyncPartialErr++
		}
		if r.offerDualChannel(rep) {
			return
		}
	} else {
		rep.prePSYNC = true
	}
	r.srv.Stats.SyncFull++
	rep.state = waitBgsaveStart
	rep.syncStart = time.Now()
	r.addReplica(rep)
	if len(r.replicas) == 1 && r.backlog == nil {
		// A backlog made from scratch starts a new history.
		r.ReplID = NewID()
		r.ReplID2, r.SecondOffset = zeroID, -1
		r.ensureBacklog()
		logger.Noticef("Replication backlog created, my new replication IDs are '%s' and '%s'", r.ReplID, r.ReplID2)
	}
	r.fullResync(rep)
}

// addReplica makes c a replica of ours.
func (r *Repl) addReplica(rep *Replica) {
	rep.c.Flags |= db.ClientReplica
	rep.ackTime = time.Now()
	r.replicas = append(r.replicas, rep)
}

// tryPartialResync continues a replica from the backlog when it follows
// our history (replid, or replid2 up to the offset where we took over)
// and the backlog still holds the bytes after its offset, as Redis's
// masterTryPartialResynchronization. Otherwise it logs why not.
func (r *Repl) tryPartialResync(rep *Replica, replid string, offset int64) bool {
	ours := strings.EqualFold(replid, r.ReplID)
	previous := strings.EqualFold(replid, r.ReplID2)
	if !ours && (!previous || offset > r.SecondOffset) {
		switch {
		case strings.HasPrefix(replid, "?"):
			logger.Noticef("Full resync requested by replica %s", rep.name())
		case !previous:
			logger.Noticef("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", replid, r.ReplID, r.ReplID2)
		default:
			logger.Noticef("Partial resynchronization not accepted: Requested offset for second ID was %d, but I can reply up to %d", offset, r.SecondOffset)
		}
		return false
	}
	if r.backlog == nil || !r.backlog.Covers(offset) {
		logger.Noticef("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", rep.name(), offset)
		if offset > r.Offset {
			logger.Warningf("Warning: replica %s tried to PSYNC with an offset that is greater than the master replication offset.", rep.name())
		}
		return false
	}
	rep.state = online
	r.addReplica(rep)
	r.applyNoDelay(rep)
	c := rep.c
	if rep.capaPSYNC2 {
		c.Status("CONTINUE " + r.ReplID)
	} else {
		c.Status("CONTINUE")
	}
	data := r.backlog.ReadFrom(offset)
	c.Buf = append(c.Buf, data...)
	logger.Noticef("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", rep.name(), len(data), offset)
	r.refreshGoodReplicas(time.Now())
	return true
}

// Replicas going away.

// clientGone forgets a client that closed: a replica leaves the list, a
// transfer to it stops, a client waiting in WAIT stops waiting.
// killUselessBgsave stops the BGSAVE to disk that rep, gone, waited for
// when no other replica waits for it and no save point wants the file, as
// Redis's freeClient: the child would use memory for nothing, and the
// next full sync can start at once.
func (r *Repl) killUselessBgsave(rep *Replica) {
	if rep.state != waitBgsaveEnd || rep.socketTarget || !r.rdb.InProgress() ||
		len(r.srv.Config.SaveParams()) > 0 {
		return
	}
	for _, x := range r.replicas {
		if x != rep && x.state == waitBgsaveEnd {
			return
		}
	}
	r.rdb.Kill()
}

func (r *Repl) clientGone(c *db.Client) {
	delete(r.woff, c)
	r.forgetWaiting(c)
	rep, ok := c.Repl.(*Replica)
	if !ok {
		return
	}
	if rep.file != nil {
		rep.file.Close() // the transfer goroutine's writes fail at once
		rep.file = nil
	}
	if rep.bulk != nil {
		rep.bulk.Close()
		rep.bulk = nil
	}
	r.dualChannelGone(rep)
	if !rep.dual.done.IsZero() {
		r.rdbChannelClosed(rep)
		return
	}
	if c.Flags&db.ClientReplica == 0 {
		return
	}
	logger.Warningf("Connection with replica %s lost.", rep.name())
	r.killUselessBgsave(rep)
	for i, x := range r.replicas {
		if x == rep {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
	if len(r.replicas) == 0 {
		r.noReplicasSince = time.Now()
	}
	r.trimBacklog() // what it held
	r.refreshGoodReplicas(time.Now())
}

// closeClient closes a replica now, dropping its pending output, as
// Redis's freeClient.
func (r *Repl) closeClient(c *db.Client) {
	r.srv.FreeClient(c)
	c.Buf = c.Buf[:0]
	c.HoldOutput = false
	c.Flags |= db.ClientCloseASAP
	r.srv.MarkPending(c)
}

// disconnectReplicas drops every replica (Redis's disconnectSlaves): they
// reconnect and learn what changed.
func (r *Repl) disconnectReplicas() {
	for _, rep := range append([]*Replica(nil), r.replicas...) {
		r.closeClient(rep.c)
	}
}

// Output buffer limits.

// overOutputLimit reports whether a replica's output may be over a limit
// (or was over the soft one): checkOutputLimit decides.
func (r *Repl) overOutputLimit(rep *Replica) bool {
	lim := r.outputLimit()
	if !rep.softLimitSince.IsZero() {
		return true
	}
	used := r.outputUsed(rep)
	return lim.Hard > 0 && used >= lim.Hard || lim.Soft > 0 && used >= lim.Soft
}

// outputLimit is client-output-buffer-limit's replica class, with a hard
// limit under repl-backlog-size raised to it, as Redis's
// checkClientOutputBufferLimits: a replica may hold that much of the
// shared buffer after a partial resync without costing more memory.
func (r *Repl) outputLimit() config.BufferLimit {
	lim := r.settings.outputLimit
	if size := r.srv.Config.Int("repl-backlog-size"); lim.Hard > 0 && int64(lim.Hard) < size {
		lim.Hard = uint64(size)
	}
	return lim
}

// outputUsed is a replica's output: its reply buffer, the socket layer's
// and its place in the replication buffer.
func (r *Repl) outputUsed(rep *Replica) uint64 {
	used := uint64(len(rep.c.Buf)) + uint64(rep.HeldOutput())
	if rep.c.Conn != nil {
		used += uint64(rep.c.Conn.Outbound())
	}
	return used
}

// checkOutputLimit closes a replica whose output (reply buffer, socket
// layer and the stream held during its sync) went over the hard limit, or
// stayed over the soft one for longer than its seconds, as Redis's
// checkClientOutputBufferLimits.
func (r *Repl) checkOutputLimit(rep *Replica, now time.Time) {
	lim := r.outputLimit()
	c := rep.c
	if lim.Hard == 0 && lim.Soft == 0 || c.Closing() {
		return
	}
	used := r.outputUsed(rep)
	hard := lim.Hard > 0 && used >= lim.Hard
	soft := lim.Soft > 0 && used >= lim.Soft
	if soft {
		if rep.softLimitSince.IsZero() {
			rep.softLimitSince, soft = now, false
		} else if now.Unix()-rep.softLimitSince.Unix() <= lim.SoftSeconds {
			soft = false
		}
	} else {
		rep.softLimitSince = time.Time{}
	}
	if hard || soft {
		logger.Warningf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", r.srv.ClientInfo(c))
		r.closeClient(c)
	}
}

// min-replicas-to-write.

// refreshGoodReplicas counts the online replicas that acked within
// min-replicas-max-lag seconds, Redis's refreshGoodSlavesCount.
func (r *Repl) refreshGoodReplicas(now time.Time) {
	st := r.settings
	if st.minReplicas == 0 || st.minReplicasMaxLag == 0 {
		return
	}
	good := 0
	for _, rep := range r.replicas {
		if rep.state == online && now.Unix()-rep.ackTime.Unix() <= st.minReplicasMaxLag {
			good++
		}
	}
	r.goodReplicas = good
}

// NoReplicas reports whether writes must be refused with NOREPLICAS
// (db.Replication).
func (r *Repl) NoReplicas() bool { return !r.enoughGoodReplicas() }

// enoughGoodReplicas is Redis's checkGoodReplicasStatus.
func (r *Repl) enoughGoodReplicas() bool {
	st := r.settings
	return r.srv.IsReplica || st.minReplicas == 0 || st.minReplicasMaxLag == 0 ||
		int64(r.goodReplicas) >= st.minReplicas
}

// The replication cron.

// masterCron is the master's part of Redis's replicationCron, once a
// second.
func (r *Repl) masterCron(now time.Time) {
	r.updateFailover(now)
	if now.Sub(r.masterCronAt) < time.Second {
		return
	}
	r.masterCronAt = now
	r.trimBacklog()
	cfg := r.srv.Config
	// A PING during a FAILOVER with a timeout, or a CLUSTER FAILOVER,
	// would move the offset the target must reach (Redis's
	// manual_failover_in_progress).
	mf := r.srv.Cluster != nil && r.srv.Cluster.ManualFailoverInProgress()
	handingOver := (!r.failover.end.IsZero() || mf) && r.srv.ClientsPaused()
	if len(r.replicas) > 0 && r.cronLoops%cfg.Int("repl-ping-replica-period") == 0 && !handingOver {
		// So that replicas notice a master gone silent; it counts in
		// the offset like any write.
		r.propagate(r.streamDB, [][]byte{[]byte("ping")})
	}
	for _, rep := range r.replicas {
		// Keep the replicas that wait for their RDB from timing out.
		presync := rep.state == waitBgsaveStart || rep.state == waitBgsaveEnd && !rep.socketTarget
		if presync && !rep.c.HoldOutput {
			r.writeTo(rep, []byte("\n"))
		}
	}
	timeout := cfg.Int("repl-timeout")
	for _, rep := range append([]*Replica(nil), r.replicas...) {
		if rep.state == online && !rep.prePSYNC && now.Unix()-rep.ackTime.Unix() > timeout {
			logger.Warningf("Disconnecting timedout replica (streaming sync): %s", rep.name())
			r.closeClient(rep.c)
			continue
		}
		if rep.state == sendBulk && rep.bulk != nil {
			r.sendBulk(rep) // its socket was busy
		}
		if r.dualChannelTimedOut(rep, now) {
			continue
		}
		r.checkOutputLimit(rep, now)
	}
	r.rdbChannelsLinger(now)
	if ttl := cfg.Int("repl-backlog-ttl"); len(r.replicas) == 0 && ttl > 0 && r.backlog != nil && !r.srv.IsReplica {
		if now.Unix()-r.noReplicasSince.Unix() > ttl {
			// A new history: writes made without a backlog do not move
			// the offset, so nobody may continue this one.
			r.ReplID = NewID()
			r.ReplID2, r.SecondOffset = zeroID, -1
			r.freeBacklog()
			logger.Noticef("Replication backlog freed after %d seconds without connected replicas.", ttl)
		}
	}
	r.startPendingSync(now)
	r.sendGetAck() // if WAIT asked for it while clients were paused
	r.refreshGoodReplicas(now)
	r.cronLoops++
}

// debugReplicate is DEBUG REPLICATE <command...>: the command goes to the
// replicas and the backlog as it is, in the db the stream has selected,
// without running here (to make replicas diverge in tests).
func debugReplicate(c *db.Client) {
	r := Of(c.Srv())
	if r.backlog != nil && !c.Srv().IsReplica {
		r.feedRaw(resp.AppendCommand(nil, c.Argv[2:]...))
	}
	c.OK()
}
