package db

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis-go/redis-server/config"
)

// Loop is what the executor asks of the event loop that drives it.
type Loop interface {
	// Shutdown stops serving and makes the process exit.
	Shutdown()
	// Port returns the TCP port the server listens on.
	Port() int
	// Execute runs fn on the loop goroutine; any goroutine may call it.
	// While a script is busy the loop holds it back until the script ends.
	Execute(fn func())
	// ExecuteBusy runs fn on the loop even while a script is busy: the
	// script's end (script_busy.go).
	ExecuteBusy(fn func())
	// NextTurn runs fn on the loop after its next poll for I/O; only on
	// the loop. Execute's tasks run in the batch of tasks under way, those
	// queued meanwhile included, so work that goes on in rounds queues
	// each next one with NextTurn, and the clients are served in between.
	NextTurn(fn func())
}

// Stats are the counters INFO stats reports.
type Stats struct {
	LazyfreedObjects                        int64 // INFO lazyfreed_objects (lazyfree.go)
	Connections                             int64 // total_connections_received
	RejectedConns                           int64
	Commands                                int64 // total_commands_processed
	NetIn, NetOut                           int64
	NetReplIn, NetReplOut                   int64 // from our master, to our replicas
	ExpiredKeys                             int64
	ExpiredStaleSample                      int64
	EvictedKeys                             int64
	EvictExceededUs, evictExceededAt        int64 // over maxmemory: µs in all, since (unix µs) (evict.go)
	EvictedClients                          int64 // by maxmemory-clients (client_limits.go)
	ReplyBufferShrinks, ReplyBufferExpands  int64 // by the clients cron (client_mem.go)
	Hits, Misses                            int64
	ErrorReplies                            int64
	DumpPayloadSanitizations                int64            // deep checks of RESTORE payloads (rdb)
	ErrorCodes                              map[string]int64 // errorstats
	SyncFull, SyncPartialOK, SyncPartialErr int64            // counted by replication
	ReadsProcessed, WritesProcessed         int64            // read and write events, counted by ae
	UnexpectedErrors                        int64
	ExpireCycleCPUMs                        int64
	// Instantaneous rates, sampled by the cron.
	opsSamples    [16]int64
	netInSamples  [16]int64
	netOutSamples [16]int64
	sampleIdx     int
	lastSample    time.Time
	lastOps       int64
	lastNetIn     int64
	lastNetOut    int64
}

// Server is the whole executor state: databases, clients, configuration,
// statistics. It is Redis's struct redisServer, owned by the loop goroutine.
type Server struct {
	tracking    trackingTable  // client-side caching (tracking.go)
	pauseCron   bool           // DEBUG PAUSE-CRON: the cron does nothing
	sortBuf     sortScratch    // SORT's buffers, for the next SORT (sort.go)
	inExec      bool           // EXEC runs its commands (multi.go)
	renamed     Table          // the command table after rename-command (command.go), nil without
	lastCmd     lastCommand    // processCommand's last lookup (command.go)
	cmdStats    []CommandStats // by Command.id: INFO commandstats and latencystats
	oom         oomScore       // oom-score-adj (oom.go)
	lazyUserDel bool           // lazyfree-lazy-user-del: DEL is UNLINK (lazyfree.go)
	// replicaKeysWithExpire: keys with an expire time written on a
	// writable replica by its clients, with their dbs (expire.go)
	replicaKeysWithExpire map[string]uint64

	Config *config.Config
	DBs    []*DB
	COW    *COW
	Loop   Loop

	RunID     string
	Started   time.Time
	PID       int
	Stats     Stats
	Dirty     int64 // changes since the last save
	ConfigHz  int
	Executing *Client // client whose command runs now

	clients      map[int64]*Client
	nextClientID int64
	pending      []*Client // clients with output to flush

	prop      propagation // the writes on their way to replicas and AOF (propagate.go)
	bugReport atomic.Bool // the crash report's first line is logged (crash.go)
	busy      *busyRun    // the script past busy-reply-threshold (script_busy.go)
	// ScriptMu is held by whichever goroutine owns the server: the loop,
	// or a busy script's goroutine while it runs a command (script_busy.go).
	ScriptMu  sync.Mutex
	loopHolds bool // the loop holds ScriptMu (written by the loop only)
	// scriptAllowDenied lets scripts run noscript commands (DEBUG
	// SET-DISABLE-DENY-SCRIPTS, for tests).
	scriptAllowDenied bool
	seams             // where replication, persistence and others plug in (seams.go)

	// Settings read on hot paths, kept in sync with Config by hooks.
	acl             aclState // users and the ACL log (acl.go)
	protoMaxBulk    int64
	queryBufLimit   int64
	maxClients      int
	ReplicaReadOnly bool
	// BusyReplyThreshold is busy-reply-threshold in ms, read by the script
	// engine at every script (a configuration lookup cost 3% of an EVAL).
	BusyReplyThreshold int64
	activeExpire       bool
	hashSet            hashSetLimits // encoding thresholds of hashes and sets (t_hash.go)
	streamNode         streamLimits  // stream-node-max-bytes/-entries (t_stream.go)

	// Replication role, set by package repl.
	IsReplica      bool
	MasterLinkUp   bool
	ServeStaleData bool
	Loading        bool

	slowlog     slowlog
	latency     latencyMonitor
	admin       adminState      // default replication id (server_cmds.go)
	mem         memAccount      // used_memory's pending writes and peak (memory.go)
	Persistence PersistenceInfo // INFO persistence, LASTSAVE; filled by persistence
	// SkipChecksumValidation is DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE
	// takes payloads whatever their checksum (Redis's tests of corrupt data).
	SkipChecksumValidation bool
	expireDB               int // db the active expire cycle resumes at
	nowMs                  int64
	clock                  clock // the cached time (clock.go)
	monitors               []*Client
	climits                clientLimits // output buffer limits, client eviction (client_limits.go)
	pubsub                 pubsubRegistry
	notifyFlags            NotifyFlag
	watched                map[watchedKey]map[*Client]struct{}
	pauseUntil             time.Time
	pauseWrite             bool          // CLIENT PAUSE WRITE rather than ALL
	postponed              []*Client     // clients held back by CLIENT PAUSE (client_cmds.go)
	shutdown               shutdownState // a shutdown waiting for the replicas (shutdown.go)
	blocking               blockingState // clients blocked on keys (blocking.go)
	lists                  listSettings  // settings of new lists (t_list.go)
	zsets                  zsetSettings  // encoding thresholds of sorted sets (t_zset.go)
	evict                  evictState    // maxmemory and the eviction pool (evict.go)
}

// NewServer builds the executor from a loaded configuration.
func NewServer(cfg *config.Config) *Server {
	s := &Server{
		Config:       cfg,
		COW:          &COW{},
		RunID:        randomHex(40),
		Started:      time.Now(),
		PID:          os.Getpid(),
		clients:      map[int64]*Client{},
		activeExpire: true,
		Persistence:  newPersistenceInfo(),
	}
	s.climits.replyPeakResetTime = replyBufferPeakResetTime
	s.Replication, s.Persister = standalone{s}, standalone{s}
	s.Stats.ErrorCodes = map[string]int64{}
	s.clusterEnabled = cfg.Bool("cluster-enabled")
	n := int(cfg.Int("databases"))
	s.DBs = make([]*DB, n)
	for i := range s.DBs {
		s.DBs[i] = newDB(s, i)
	}
	s.loadSettings()
	return s
}

// loadSettings copies hot-path settings from the configuration.
func (s *Server) loadSettings() {
	s.aclSettingsChanged()
	s.protoMaxBulk = s.Config.Int("proto-max-bulk-len")
	s.queryBufLimit = s.Config.Int("client-query-buffer-limit")
	s.maxClients = int(s.Config.Int("maxclients"))
	s.ReplicaReadOnly = s.Config.Bool("replica-read-only")
	s.BusyReplyThreshold = s.Config.Int("busy-reply-threshold")
	s.ServeStaleData = s.Config.Bool("replica-serve-stale-data")
	s.lazyUserDel = s.Config.Bool("lazyfree-lazy-user-del")
	s.ConfigHz = int(s.Config.Int("hz"))
	s.slowlog.maxLen = int(s.Config.Int("slowlog-max-len"))
	s.slowlog.slowerThan = s.Config.Int("slowlog-log-slower-than")
	s.loadNotifyFlags()
	s.loadLatencySettings()
	s.loadListSettings()
	s.loadZsetSettings()
	s.loadHashSetLimits()
	s.loadStreamLimits()
	s.loadEvictSettings()
	s.loadClientLimits()
}

// SettingsChanged re-reads the hot-path settings after CONFIG SET.
func (s *Server) SettingsChanged() error {
	s.loadSettings()
	for _, c := range s.clients {
		c.parser.MaxBulk = s.protoMaxBulk
		c.parser.Authenticated = !c.authRequired()
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewClient registers a connection. It returns nil (after replying with the
// error, which the caller flushes) when maxclients is reached.
func (s *Server) NewClient(conn Conn, addr, laddr string, fd int) *Client {
	s.nextClientID++
	c := &Client{
		ID: s.nextClientID, srv: s, DB: s.DBs[0], Addr: addr, LAddr: laddr, FD: fd,
		Conn: conn, Created: time.Now(), User: "default",
	}
	c.Proto = 2
	c.LastActive = c.Created
	c.setUser(s.acl.users.Default)
	c.Authenticated = !s.defaultUserNeedsAuth()
	c.parser.Authenticated = c.Authenticated
	c.parser.MaxBulk = s.protoMaxBulk
	s.Stats.Connections++
	if s.maxClients > 0 && len(s.clients) >= s.maxClients {
		s.Stats.RejectedConns++
		c.Error("ERR max number of clients reached")
		c.Flags |= ClientCloseAfterReply
		return c
	}
	s.clients[c.ID] = c
	c.listed = true
	c.mem.bufs.initBufs()
	s.climits.ring = append(s.climits.ring, c)
	s.recountClient(c)
	return c
}

// FreeClient forgets a closed connection and releases what it holds.
func (s *Server) FreeClient(c *Client) {
	if _, ok := s.clients[c.ID]; !ok {
		return
	}
	if s.busy != nil && s.busy.caller == c { // freed when its script returns
		s.busy.gone = true
		return
	}
	delete(s.clients, c.ID)
	c.listed = false
	s.forgetClientMem(c)
	// The parts that keep per-client state forget it.
	if c.Flags&ClientBlocked != 0 {
		s.unblockClient(c)
	}
	if c.Flags&ClientMonitor != 0 {
		s.removeMonitor(c)
	}
	s.unwatchAllKeys(c)
	s.pubsubUnsubscribeAll(c, false)
	s.disableTracking(c)
	for _, fn := range s.clientFreeHooks {
		fn(c)
	}
	c.Flags |= ClientCloseASAP
}

// Clients returns the connected clients in creation order.
func (s *Server) Clients() []*Client {
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ClientCount returns the number of connected clients.
func (s *Server) ClientCount() int { return len(s.clients) }

// MarkPending queues c for a flush of its output by the loop, for replies
// written to a client other than the one being served (pub/sub, unblocking).
func (s *Server) MarkPending(c *Client) {
	s.pending = append(s.pending, c)
}

// TakePending returns and clears the clients with output to flush.
func (s *Server) TakePending() []*Client {
	s.resumePostponed() // the loop's beforeSleep: run what a pause held back
	p := s.pending
	s.pending = s.pending[:0:0]
	return p
}

// Now returns the time in unix milliseconds, frozen during a command so that
// every key it touches expires against the same instant.
func (s *Server) Now() int64 {
	if s.nowMs != 0 {
		return s.nowMs
	}
	return time.Now().UnixMilli()
}
