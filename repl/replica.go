package repl

// The replica side on the loop, as Redis's replication.c: REPLICAOF, the
// link's lifecycle (connect, hand over, loss, reconnect), the master
// client and its stream, ACKs, the cached master, and the replication
// fields of RDB files. Loading the RDB of a full sync is load.go's.
//
// A connection attempt runs on its own goroutine (handshake.go) and ends on
// the loop: attemptFailed, or attemptDone once Loop.Enroll made the
// connection a client. Whatever the attempt was doing, the loop may cancel
// it (REPLICAOF); its late reports are then ignored, because only the
// attempt in Link.attempt is listened to.

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/rdb"
)

// Link is the replica side of replication: the master we follow, the
// connection attempt in progress or the master client once connected, and
// the cached master a reconnection continues from with PSYNC. It exists
// while we are a replica (Repl.link is nil on a master). INFO replication
// and ROLE read it on the loop.
type Link struct {
	// Host and Port name the master (master_host, master_port).
	Host string
	Port int

	// Client is the master client while the link is up, nil otherwise.
	Client *db.Client
	// Reploff is the offset of the last stream byte applied from the
	// master (slave_repl_offset, ROLE's offset): the master client's, or
	// the cached master's while the link is down.
	Reploff int64
	// DownSince is when the link was lost (master_link_down_since_seconds);
	// zero before the first connection.
	DownSince time.Time

	// The cached master: PSYNC asks masterID to continue after Reploff.
	cached   bool
	masterID string
	masterDB int // the db the master's stream selected
	// preSync marks a master fed with SYNC: no offsets, no ACKs.
	preSync bool

	attempt *attempt  // the connection in progress, nil when none
	loading *loadJob  // the attempt's load in progress (load.go)
	raw     io.Writer // the master's connection, for the ACKs
	// pending holds a transaction read from the master (MULTI ... EXEC)
	// until it is complete: it counts in the offset, and goes to our
	// replicas, as a whole, as Redis does.
	pending []byte
	// lastCron is when replicaCron last ran: it runs once a second.
	lastCron time.Time
}

// State is the link's state as ROLE shows it: "connect" (waiting to
// connect), "connecting", "handshake", "sync" (receiving the RDB) or
// "connected".
func (l *Link) State() string {
	switch {
	case l.Client != nil:
		return "connected"
	case l.attempt == nil:
		return "connect"
	}
	switch l.attempt.state.Load() {
	case stateConnecting:
		return "connecting"
	case stateHandshake:
		return "handshake"
	}
	return "sync"
}

// Up reports whether the link is up (master_link_status:up).
func (l *Link) Up() bool { return l.Client != nil }

// LastIOSecondsAgo is master_last_io_seconds_ago: the seconds since the
// master last sent something, -1 while the link is down.
func (l *Link) LastIOSecondsAgo(now time.Time) int64 {
	if l.Client == nil {
		return -1
	}
	return now.Unix() - l.Client.LastActive.Unix()
}

// DownSeconds is master_link_down_since_seconds: -1 if the link was never
// up, meaningless while it is up.
func (l *Link) DownSeconds(now time.Time) int64 {
	if l.DownSince.IsZero() {
		return -1
	}
	return now.Unix() - l.DownSince.Unix()
}

// Transfer describes the RDB transfer of a full sync (master_sync_*):
// ok is false when none is in progress. total is -1 until the master
// announced the size, 0 for a streamed RDB of unknown size; lastIO is
// master_sync_last_io_seconds_ago.
func (l *Link) Transfer(now time.Time) (total, read, lastIO int64, ok bool) {
	a := l.attempt
	if l.Client != nil || a == nil || a.state.Load() != stateTransfer {
		return 0, 0, 0, false
	}
	return a.syncTotal.Load(), a.syncRead.Load(), now.Unix() - a.lastIO.Load(), true
}

// Offsets are slave_read_repl_offset (what was read, a transaction not
// applied yet and the input not run yet included) and slave_repl_offset (what was applied), of the
// master client or of the cached master; 1 and 1 when there is neither,
// as Redis shows.
func (l *Link) Offsets() (read, applied int64) {
	if l.Client == nil && !l.cached {
		return 1, 1
	}
	read = l.Reploff + int64(len(l.pending))
	if l.Client != nil {
		read += int64(l.Client.Unprocessed())
	}
	return read, l.Reploff
}

// RoleOffset is the offset ROLE shows: the master client's, -1 while the
// link is down.
func (l *Link) RoleOffset() int64 {
	if l.Client == nil {
		return -1
	}
	return l.Reploff
}

func init() {
	db.RegisterCommand("replicaof", replicaofCommand)
	db.RegisterCommand("slaveof", replicaofCommand)
}

// installReplica hooks the replica side into the executor and takes the
// replicaof of the configuration: the link starts with Start.
func (r *Repl) installReplica() {
	r.srv.OnCron(r.replicaCron)
	r.srv.OnClientFree(r.masterGone)
	r.rdb.OnLoaded(r.restored)
	r.rdb.OnSnapshot(r.fillSnapshot)
	r.srv.OnFlushall(r.stopDiskless) // as killRDBChild
	if ro := r.srv.Config.ReplicaOf(); ro.Host != "" {
		r.link = &Link{}
		r.setMasterHost(ro.Host, int(ro.Port))
	}
}

// Start begins replicating from the master named by the replicaof
// directive, if any. It runs on the loop once it serves.
func (r *Repl) Start() {
	r.started = true
	if l := r.link; l != nil && l.attempt == nil && l.Client == nil {
		logger.Noticef("Connecting to MASTER %s:%d", l.Host, l.Port)
		r.connect()
	}
}

// setMasterHost names the master, "" for none: the role the executor and
// the log lines show, and the replicaof that CONFIG GET shows, follow it.
func (r *Repl) setMasterHost(host string, port int) {
	l := r.link
	l.Host, l.Port = host, port
	r.srv.IsReplica = host != ""
	role := byte('M')
	if host != "" {
		role = 'S'
	}
	logger.SetRole(role)
	r.srv.Config.SetReplicaOf(configReplicaOf(host, port))
	_ = r.srv.ApplyOOMScoreAdj() // the replica's score, or the master's (logged)
}

// replicaofCommand is REPLICAOF (and SLAVEOF) host port, or NO ONE.
func replicaofCommand(c *db.Client) {
	r := of(c)
	if r.srv.Config.Bool("cluster-enabled") {
		c.Error("ERR REPLICAOF not allowed in cluster mode.")
		return
	}
	if r.failover.state != noFailover {
		c.Error("ERR REPLICAOF not allowed while failing over.")
		return
	}
	if c.ArgIs(1, "no") && c.ArgIs(2, "one") {
		if r.link != nil {
			r.unsetMaster()
			logger.Noticef("MASTER MODE enabled (user request from '%s')", r.srv.ClientInfo(c))
		}
		c.OK()
		return
	}
	if c.Flags&db.ClientReplica != 0 {
		c.Error("ERR Command is not valid when client is a replica.")
		return
	}
	port, err := strconv.ParseInt(c.Arg(2), 10, 64)
	if err != nil || port < 0 || port > 65535 {
		c.Error("ERR Invalid master port")
		return
	}
	host := c.Arg(1)
	if l := r.link; l != nil && strings.EqualFold(l.Host, host) && l.Port == int(port) {
		logger.Noticef("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		c.Status("OK Already connected to specified master")
		return
	}
	a := r.setMaster(host, int(port))
	logger.Noticef("REPLICAOF %s:%d enabled (user request from '%s')", host, port, r.srv.ClientInfo(c))
	go r.runAttempt(a) // its lines follow the command's
	c.OK()
}

// setMaster makes us a replica of host:port, as Redis's
// replicationSetMaster. A master keeps its history as the cached master,
// so that it may continue partially with a master that knows it (its own
// replica, promoted). Our replicas stay: they go on with us if we continue
// partially, and are dropped when a full sync replaces our data. The
// caller starts the connection attempt returned.
func (r *Repl) setMaster(host string, port int) *attempt {
	wasMaster := r.link == nil
	if wasMaster {
		r.link = &Link{}
	}
	l := r.link
	if l.Client != nil {
		r.setMasterHost("", 0) // the old master's loss must not reconnect
		r.dropMaster()
	}
	r.srv.DisconnectAllBlockedClients()
	r.setMasterHost(host, port)
	r.srv.MasterLinkUp = false
	r.cancelAttempt()
	if wasMaster {
		r.discardCachedMaster()
		r.cacheMasterUsingMyself()
	}
	logger.Noticef("Connecting to MASTER %s:%d", host, port)
	return r.newAttempt()
}

// connect starts a connection attempt, as Redis's connectWithMaster.
func (r *Repl) connect() { go r.runAttempt(r.newAttempt()) }

// newAttempt records a new connection attempt, whose goroutine
// (runAttempt) the caller starts.
func (r *Repl) newAttempt() *attempt {
	a := newAttempt(r.linkParams())
	a.ld = r
	r.link.attempt = a
	logger.Noticef("MASTER <-> REPLICA sync started")
	return a
}

// linkParams copies what an attempt needs.
func (r *Repl) linkParams() linkParams {
	cfg := r.srv.Config
	l := r.link
	p := linkParams{
		host:       l.Host,
		port:       l.Port,
		auth:       cfg.String("masterauth"),
		user:       cfg.String("masteruser"),
		listenPort: int(cfg.Int("replica-announce-port")),
		announceIP: cfg.String("replica-announce-ip"),
		sourceAddr: cfg.String("bind-source-addr"),
		timeout:    time.Duration(cfg.Int("repl-timeout")) * time.Second,
		failover:   r.failoverPsync(),
		dual:       r.dualParams(), // rdbchannel.go
	}
	if p.listenPort == 0 {
		p.listenPort = int(cfg.Int("port"))
	}
	if l.cached {
		p.psyncID, p.psyncOffset = l.masterID, l.Reploff
	}
	return p
}

// runAttempt is the goroutine of an attempt: connect, handshake, transfer,
// then hand the connection to the loop.
func (r *Repl) runAttempt(a *attempt) {
	defer func() {
		if a.held != nil {
			a.held.settle(nil) // a load not installed lets the loop go
		}
	}()
	nc, serr := a.dial()
	var res *syncResult
	if serr == nil {
		res, serr = a.sync(nc)
		if serr == nil && res.job != nil {
			serr = r.finishLoad(a, res)
		}
		if serr != nil {
			nc.Close()
		}
	}
	if serr != nil {
		r.loop.Execute(func() { r.attemptFailed(a, serr) })
		return
	}
	if res.kind == syncDual { // loaded before the main channel is enrolled (rdbchannel.go)
		r.loop.Execute(func() { r.dualLoad(a, nc, res) })
		return
	}
	r.loop.Enroll(nc,
		func(c *db.Client, raw io.Writer) { r.attemptDone(a, res, c, raw) },
		func(err error) {
			r.attemptFailed(a, failNow("Can't create readable event for SYNC: "+strerror(err)))
		})
}

// cancelAttempt stops the attempt in progress, if any, without retrying.
func (r *Repl) cancelAttempt() {
	if a := r.link.attempt; a != nil {
		a.cancel()
		r.stopLoading(true)
		r.link.attempt = nil
	}
}

// attemptFailed logs why the current attempt failed, then reconnects at
// once or leaves it to the cron (in a second), as Redis does for that
// failure.
func (r *Repl) attemptFailed(a *attempt, err *syncError) {
	l := r.link
	if l == nil || l.attempt != a {
		return
	}
	l.attempt = nil
	for _, line := range err.lines {
		logger.Logf(line.level, "%s", line.msg)
	}
	r.dualRefused(err) // rdbchannel.go
	defer r.failoverAttemptEnded(a)
	if err.now {
		logger.Noticef("Reconnecting to MASTER %s:%d after failure", l.Host, l.Port)
		r.connect()
	}
	r.stopLoading(true)
}

// attemptDone runs when the connection of a successful attempt became the
// client c, its full sync's load installed (finishLoad): it continues the
// cached master, then sets c up as the master client. It runs inside the
// loop's OnOpen.
func (r *Repl) attemptDone(a *attempt, res *syncResult, c *db.Client, raw io.Writer) {
	l := r.link
	if l == nil || l.attempt != a {
		c.Flags |= db.ClientCloseASAP
		return
	}
	l.attempt = nil
	defer r.failoverAttemptEnded(a)
	if res.kind == syncContinue {
		r.continueMaster(res)
	}
	c.Flags |= db.ClientMaster
	c.SetAuthenticated(true)
	c.SelectDB(l.masterDB)
	l.Client, l.raw, l.pending = c, raw, nil
	l.DownSince = time.Time{}
	r.srv.MasterLinkUp = true
	if res.kind == syncContinue {
		logger.Noticef("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
	} else {
		logger.Noticef("MASTER <-> REPLICA sync: Finished with success")
		// The master starts the stream on our first ACK.
		if res.eofMark {
			r.sendAck(l.Reploff)
		}
		r.srv.SyncLoad(false) // the AOF restarts, with a rewrite
	}
	if len(res.buffered) > 0 { // a dual-channel sync's stream (rdbchannel.go)
		r.srv.HoldInput(c, res.leftover)
		r.applyBuffered(c, res.buffered)
		return
	}
	if len(res.leftover) > 0 {
		r.srv.ProcessInput(c, res.leftover)
	}
}

// continueMaster takes the cached master back after +CONTINUE. A new
// replid means our master was promoted: its old id, which is ours, becomes
// our replid2, valid up to our offset, and our replicas must reconnect to
// learn the new one.
func (r *Repl) continueMaster(res *syncResult) {
	l := r.link
	l.cached = false
	if res.replID != "" && res.replID != l.masterID {
		logger.Warningf("Master replication ID changed to %s", res.replID)
		r.ReplID2, r.SecondOffset = l.masterID, r.Offset+1
		r.ReplID, l.masterID = res.replID, res.replID
		r.disconnectReplicas()
	}
	r.ensureBacklog()
}

// MasterStream sees every command the master client reads, before it
// runs: its bytes count in our offset and go to our backlog and replicas
// as they came. A transaction counts once complete (EXEC or DISCARD), so
// that a link lost in its middle resumes from its MULTI. REPLCONF GETACK
// is answered here, with the offset before it, as Redis does.
func (r *Repl) MasterStream(c *db.Client, raw []byte) {
	l := r.link
	if l == nil || c != l.Client {
		return
	}
	name, sub := commandWords(raw)
	inMulti := c.Flags&db.ClientMulti != 0
	switch {
	case inMulti && (name == "exec" || name == "discard"):
		l.pending = append(l.pending, raw...)
		r.applied(l.pending)
		l.pending = l.pending[:0]
	case inMulti || name == "multi":
		l.pending = append(l.pending, raw...)
	default:
		if name == "replconf" && sub == "getack" {
			r.sendAck(l.Reploff)
		}
		r.applied(raw)
	}
}

// applied counts stream bytes in the offsets and proxies them.
func (r *Repl) applied(b []byte) {
	r.link.Reploff += int64(len(b))
	r.feedRaw(b)
}

// commandWords returns the lowercased first two words of a command in
// RESP or inline form.
func commandWords(raw []byte) (name, sub string) {
	var words []string
	if len(raw) > 0 && raw[0] == '*' {
		rest := raw
		for len(words) < 2 {
			i := strings.Index(string(rest), "\r\n")
			if i < 0 || len(rest) < 1 || rest[0] != '*' && rest[0] != '$' {
				break
			}
			if rest[0] == '*' {
				rest = rest[i+2:]
				continue
			}
			n, err := strconv.Atoi(string(rest[1:i]))
			if err != nil || n < 0 || i+2+n > len(rest) {
				break
			}
			words = append(words, strings.ToLower(string(rest[i+2:i+2+n])))
			rest = rest[min(len(rest), i+4+n):]
		}
	} else {
		words = strings.Fields(strings.ToLower(string(raw[:min(len(raw), 64)])))
	}
	if len(words) > 0 {
		name = words[0]
	}
	if len(words) > 1 {
		sub = words[1]
	}
	return name, sub
}

// sendAck tells the master how much of its stream we applied.
func (r *Repl) sendAck(offset int64) {
	if l := r.link; l != nil && l.raw != nil {
		l.raw.Write(multibulk("REPLCONF", "ACK", strconv.FormatInt(offset, 10)))
	}
}

// replicaCron is the replica's part of replicationCron, once a second:
// the master's timeout, reconnection, and the ACK.
func (r *Repl) replicaCron(now time.Time) {
	l := r.link
	if l == nil || l.Host == "" || !r.started || now.Sub(l.lastCron) < time.Second {
		return
	}
	l.lastCron = now
	timeout := r.srv.Config.Int("repl-timeout")
	if l.Client != nil && now.Unix()-l.Client.LastActive.Unix() > timeout {
		logger.Warningf("MASTER timeout: no data nor PING received...")
		r.dropMaster()
	}
	if l.Client == nil && l.attempt == nil {
		logger.Noticef("Connecting to MASTER %s:%d", l.Host, l.Port)
		r.connect()
	}
	if l.Client != nil && !l.preSync {
		r.sendAck(l.Reploff)
	}
}

// dropMaster closes the master's connection now; masterGone caches it.
func (r *Repl) dropMaster() {
	c := r.link.Client
	r.srv.FreeClient(c)
	c.Conn.Close()
}

// masterGone runs when a client goes away: when it is the master client,
// the link is down, and the master's replid and our offset stay as the
// cached master, to continue partially. Unless we are becoming a master,
// we reconnect at once.
func (r *Repl) masterGone(c *db.Client) {
	l := r.link
	if l == nil || c != l.Client || r.loop != nil && r.loop.Stopping() {
		return // at shutdown the process exits, as Redis's would, link and all
	}
	logger.Warningf("Connection with master lost.")
	logger.Noticef("Caching the disconnected master state.")
	l.masterDB = c.DB.ID
	l.Client, l.raw, l.pending = nil, nil, nil
	l.cached = true
	l.DownSince = time.Now()
	r.srv.MasterLinkUp = false
	if l.Host != "" {
		logger.Noticef("Reconnecting to MASTER %s:%d", l.Host, l.Port)
		r.connect()
	}
}

// cacheMasterUsingMyself makes our own history the cached master of a
// master turning replica: its new master knows it if it was our replica.
func (r *Repl) cacheMasterUsingMyself() {
	logger.Noticef("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.")
	l := r.link
	l.cached, l.masterID, l.Reploff, l.masterDB = true, r.ReplID, r.Offset, 0
}

func (r *Repl) discardCachedMaster() {
	if l := r.link; l.cached {
		logger.Noticef("Discarding previously cached master state.")
		l.cached = false
	}
}

// restored takes the replication fields of the RDB loaded at startup, as
// Redis's loadDataFromDisk. A replica continues from them as its cached
// master; a master keeps them as its previous history (replid2), so that
// the replicas it had can continue partially.
func (r *Repl) restored(info *rdb.LoadInfo) {
	if !info.HasReplInfo || info.Aux["repl-offset"] == "" || info.ReplStreamDB < 0 {
		return
	}
	if l := r.link; l != nil {
		r.ReplID, r.Offset = info.ReplID, info.ReplOffset
		r.cacheMasterUsingMyself()
		if info.ReplStreamDB < len(r.srv.DBs) {
			l.masterDB = info.ReplStreamDB
		}
		return
	}
	if r.clusterReplica() { // nodes.conf: our master is set by the cluster's cron
		r.ReplID, r.Offset = info.ReplID, info.ReplOffset
		return
	}
	r.ReplID2, r.SecondOffset = info.ReplID, info.ReplOffset+1
	r.Offset += info.ReplOffset
	r.ensureBacklog()
	r.noReplicasSince = time.Now() // the backlog's time to live starts now
	// The keys that expired while we were down are deleted on the replicas
	// that continue from us too: their DELs follow the history we had, as
	// Redis's rdbLoad feeds them (RDBFLAGS_FEED_REPL).
	del := []byte("DEL")
	if r.srv.Config.Bool("lazyfree-lazy-expire") {
		del = []byte("UNLINK")
	}
	r.streamDB = -1
	for _, k := range info.Expired {
		r.propagate(k.DB, [][]byte{del, []byte(k.Key)})
	}
}

// fillSnapshot fills the replication fields of an RDB, as Redis's
// rdbPopulateSaveInfo: a master saves them once it has a backlog, a
// replica as long as it has a master or a cached one.
func (r *Repl) fillSnapshot(sn *db.Snapshot) bool {
	sn.ReplID, sn.ReplOffset = r.ReplID, r.Offset
	switch l := r.link; {
	case l == nil:
		if r.backlog == nil {
			return false
		}
		sn.ReplStreamDB = max(r.streamDB, 0)
	case l.Client != nil:
		sn.ReplStreamDB = l.Client.DB.ID
	case l.cached:
		sn.ReplStreamDB = l.masterDB
	default:
		return false
	}
	return true
}

// configReplicaOf is replicaof's value for CONFIG GET.
func configReplicaOf(host string, port int) (ro config.ReplicaOf) {
	if host != "" {
		ro.Host, ro.Port = host, int64(port)
	}
	return ro
}
