package db

// Limits on what one client may make the server hold, as Redis 7.0's
// networking.c: the output buffer limits per client class
// (client-output-buffer-limit), the query buffer limit
// (client-query-buffer-limit) and client eviction (maxmemory-clients).
//
// A client's pending output is its reply buffer (Client.Buf, handed to the
// socket layer at the end of each read event) plus what gnet could not send
// yet (Conn.Outbound). Redis keeps the first bytes of a reply in its reply
// buffer (16KB for a new client, resized by the cron: client_mem.go) and
// the rest in a list of blocks; omem, the figure the limits are compared
// with, counts only the list. Here the first bytes of Buf, as many as
// Redis's buffer would hold, stand for that buffer and everything else, in
// Buf or in gnet, for the list.
//
// The limits are checked whenever output is added to a client: at the end
// of each command for the client that ran it (commandReplied), for each
// pub/sub message and MONITOR line for its receiver (outputAdded), and by
// the clients cron for every client. A client over a limit is marked
// ClientCloseASAP and gets no more output; the loop closes it when it
// flushes, as Redis's freeClientAsync. The check itself is a sum and two
// comparisons.
//
// Replicas are left to package repl, which adds the replication stream it
// holds back during a sync to the same figure (repl.checkOutputLimit).

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/logger"
)

const (
	// peakSlots is CLIENTS_PEAK_MEM_USAGE_SLOTS: the recent maximum
	// buffers are kept per second for this many seconds.
	peakSlots = 8
	// minEvictionLimit is the floor Redis puts under maxmemory-clients, so
	// that a bad setting does not cut every connection.
	minEvictionLimit = 128 << 10
)

// Memory classes of clients, Redis's CLIENT_TYPE_*: the output buffer
// limit classes of package config plus the master.
const memClassMaster = 3

// clientLimits is the server's share: the settings, read on hot paths, and
// the memory totals per client class.
type clientLimits struct {
	obuf config.OutputBufferLimits
	// evictionLimit is maxmemory-clients in bytes, 0 when eviction is off.
	evictionLimit int64
	// classMem is Redis's stat_clients_type_memory: the sum of the
	// clients' memUsage per memory class, as of each one's last update.
	classMem [4]int64
	// live is the clients' share of used_memory per memory class, kept
	// current as their buffers change (clientMemChanged).
	live [4]int64
	// Recent maximum input and output buffers, one slot per second
	// (clientsCronTrackExpansiveClients).
	peakIn, peakOut [peakSlots]int64
	// ring is the clients in the order the cron visits them, cursor the
	// next one; cronBatch is reused for each tick's visits.
	ring, cronBatch []*Client
	cursor          int
	cronTick        uint64 // counts the cron's batches: a client is visited once in each
	// The reply buffers' resizing: DEBUG REPLYBUFFER PEAK-RESET-TIME (ms,
	// -1 for never) and RESIZING.
	replyPeakResetTime int64
	replyResizingOff   bool
}

// clientMem is a client's share: its soft limit timer and its memory as
// last counted.
type clientMem struct {
	// softLimitSince is the unix second the soft limit was first seen
	// exceeded, 0 while under it (obuf_soft_limit_reached_time).
	softLimitSince int64
	// usage and class are what was added to classMem at the last update,
	// to be taken back at the next one (last_memory_usage/type).
	usage int64
	class int
	// multiN and multiBytes cache the memory of the queued commands
	// counted so far; multiFirst identifies the queue they belong to.
	multiN, multiBytes int
	multiFirst         *queuedCommand
	// bufs is the model of Redis's reply and query buffers
	// (client_mem.go).
	bufs clientBufs
	// alloc and liveClass are what was added to the live totals.
	alloc     int64
	liveClass int
	// cronTick is the clients cron's batch that last visited the client.
	cronTick uint64
}

// loadClientLimits reads the settings after startup and every CONFIG SET.
// Like Redis's applyClientMaxMemoryUsage it recounts every client when
// eviction is on; the eviction itself waits for the end of the command.
func (s *Server) loadClientLimits() {
	l := &s.climits
	l.obuf = s.Config.ClientOutputBufferLimits()
	l.evictionLimit = s.clientEvictionLimit()
	if l.evictionLimit > 0 {
		for _, c := range s.clients {
			if c.evictable() { // the others' as of the cron
				s.updateClientMem(c)
			}
		}
	}
}

// clientEvictionLimit is Redis's getClientEvictionLimit: maxmemory-clients
// in bytes, or as a percentage (stored negative) of maxmemory; 0 is off.
func (s *Server) clientEvictionLimit() int64 {
	v := s.Config.Int("maxmemory-clients")
	var limit int64
	switch {
	case v < 0:
		maxmem := s.Config.Uint("maxmemory")
		if maxmem == 0 {
			return 0
		}
		limit = int64(float64(maxmem) * float64(-v) / 100)
	case v > 0:
		limit = v
	default:
		return 0
	}
	return max(limit, minEvictionLimit)
}

// outputMem is the client's omem: its pending output past what Redis's
// reply buffer would hold, counted as Redis's reply list counts it
// (getClientOutputBufferMemoryUsage): in blocks, each whole, however full
// the last one is. For a replica it is the bytes, with what a subsystem
// holds for it until it may be sent (the stream kept during its full sync,
// which Redis keeps in its reply list).
func (c *Client) outputMem() int64 {
	n := int64(max(len(c.Buf)-c.mem.bufs.bufSize, 0) + c.outboundBytes())
	if h, ok := c.Repl.(HeldOutputer); ok {
		return n + h.HeldOutput()
	}
	return (n + replyBlockBytes - 1) / replyBlockBytes * replyBlockMem
}

// Redis's reply list is made of blocks of PROTO_REPLY_CHUNK_BYTES, which
// jemalloc allocates in its 20480-byte class: each holds 20464 bytes past
// its header and counts, with its list node, 20504. A reply of 100 KB is
// thus 5 blocks, 102,520 bytes: over a 100,000-byte limit
// (unit/obuf-limits "KEYS stopped mid-run").
const (
	replyBlockBytes = 20480 - 16
	replyBlockMem   = replyBlockBytes + 24 + 16
)

// HeldOutputer is implemented by a client's Repl state that holds output
// for it outside its reply buffer.
type HeldOutputer interface{ HeldOutput() int64 }

// staticBufLen is obl: the bytes of the reply buffer that Redis's
// buffer would hold.
func (c *Client) staticBufLen() int { return min(len(c.Buf), c.mem.bufs.bufSize) }

// outputBlocks is oll: the blocks of Redis's reply list omem stands for.
func outputBlocks(omem int64) int64 {
	return (omem + replyBlockMem - 1) / replyBlockMem
}

// memoryUsage is the client's tot-mem, Redis's getClientMemoryUsage: the
// output past the reply buffer, the query buffer, the client struct, the
// reply buffer, the arguments (of the command running, of one being
// received, of one held back by a pause), the queued transaction and the
// subscriptions. The buffers are those of Redis's model (client_mem.go).
func (c *Client) memoryUsage() int64 {
	b := &c.mem.bufs
	n := c.outputMem() + int64(b.qmem+clientStructAlloc+b.bufSize)
	n += int64(b.argBytes + 8*b.argc + c.queuedMem() + c.pubsubMem() + c.trackingPrefixMem())
	if c.srv.Executing == c {
		for _, a := range c.Argv {
			n += int64(len(a)) + 8
		}
	}
	for _, a := range c.postponedArgv {
		n += int64(len(a)) + 8
	}
	return n
}

// Redis's multiStateMemOverhead counts a list node and a watchedKey
// struct per watched key, and a multiCmd per slot of the queue's array.
const watchedKeyMem, multiCmdSize = 24 + 32, 24

// queuedMem is Redis's multiStateMemOverhead: multi-mem, the watched keys
// and the queue's array (2 slots, doubled as needed). multi-mem is kept up
// to date cheaply: only the commands queued since the last call are
// counted.
func (c *Client) queuedMem() int {
	m := &c.mem
	if c.Multi == nil {
		m.multiN, m.multiBytes, m.multiFirst = 0, 0, nil
		return 0
	}
	n := len(c.Multi.watched) * watchedKeyMem
	cmds := c.Multi.Cmds
	if len(cmds) == 0 {
		m.multiN, m.multiBytes, m.multiFirst = 0, 0, nil
		return n
	}
	if len(cmds) < m.multiN || &cmds[0] != m.multiFirst {
		m.multiN, m.multiBytes, m.multiFirst = 0, 0, &cmds[0]
	}
	for _, q := range cmds[m.multiN:] {
		for _, a := range q.argv {
			m.multiBytes += len(a) + 8
		}
	}
	m.multiN = len(cmds)
	slots := 2
	for slots < len(cmds) {
		slots *= 2
	}
	return n + m.multiBytes + slots*multiCmdSize
}

// pubsubMem is Redis's pubsubMemOverhead: a hash entry per subscription.
func (c *Client) pubsubMem() int {
	return 24 * c.subscriptionCount()
}

// trackingPrefixMem is Redis's count of a client's BCAST prefixes, 32
// bytes (sizeof(raxNode) * sizeof(raxNode*)) per node of its rax: an
// underestimate, as Redis's. The prefixes are a map here, not a rax: a
// rax of prefixes has about 1.25 nodes a prefix (4370 prefixes of 12
// digits in Redis, 5497 at one node each, before maxmemory-clients
// 200000 evicts the client).
func (c *Client) trackingPrefixMem() int {
	return 40 * len(c.tracking.prefixes)
}

// memClass is the class a client's memory is counted in (getClientType).
func (c *Client) memClass() int {
	switch kindOf(c) {
	case kindMaster:
		return memClassMaster
	case kindReplica:
		return config.ClassReplica
	case kindPubSub:
		return config.ClassPubSub
	}
	return config.ClassNormal
}

// Output buffer limits.

// outputAdded checks c's output buffer limits after a push was added to
// its buffer (a pub/sub message, a MONITOR line): a client over a limit is
// closed asynchronously. With eviction on, c's memory is recounted.
func (s *Server) outputAdded(c *Client) {
	if c.Flags&ClientCloseASAP != 0 {
		c.dropOutput()
		return
	}
	if s.closeOnOutputLimit(c, true, time.Time{}) {
		return
	}
	c.mem.bufs.replied(len(c.Buf))
	s.clientMemChanged(c)
}

// outputCut reports whether c's command, writing a reply of count more
// elements, must stop: c is closing, or, checked every 1024 elements, it
// went over its output buffer limits, which closes it asynchronously and
// drops its output. So HRANDFIELD, SRANDMEMBER and ZRANDMEMBER with a huge
// negative count stop mid-run, as Redis's loops that check
// CLIENT_CLOSE_ASAP, rather than exhaust memory.
func (c *Client) outputCut(count uint64) bool {
	if c.Closing() {
		return true
	}
	return count&1023 == 0 && c.srv.closeOnOutputLimit(c, true, time.Time{})
}

// commandReplied is called at the end of every command (call()): it checks
// the output buffer limits of the client that ran it and, with eviction
// on, recounts its memory and evicts clients if the total is over the
// limit, as Redis does before the next command runs. A client closed
// asynchronously gets nothing more, whatever the command wrote. Eviction
// waits for the end of the whole inside EXEC, a script, or while blocked
// clients are served, whose loops hold clients.
func (s *Server) commandReplied(c *Client) {
	s.outputAdded(c)
	if s.climits.evictionLimit > 0 && s.Executing == nil && !s.blocking.serving {
		s.evictClients()
	}
}

// inputProcessed is called after a read's commands ran (ProcessInput): it
// closes a client whose unparsed input went over client-query-buffer-limit
// (the master is exempt), as Redis's readQueryFromClient, and with
// eviction on recounts the client's memory, its query buffer included.
func (s *Server) inputProcessed(c *Client) {
	if c.Flags&ClientMaster == 0 && s.queryBufLimit > 0 && int64(len(c.qbuf)) > s.queryBufLimit {
		logger.Warningf("Closing client that reached max query buffer length: %s (qbuf initial bytes: %s)",
			s.clientInfo(c), Repr(c.qbuf[:min(len(c.qbuf), 64)]))
		c.qbuf = nil
		c.dropOutput()
		c.Flags |= ClientCloseASAP
		s.MarkPending(c)
		return
	}
	if c.Flags&ClientCloseASAP == 0 {
		c.mem.bufs.replied(len(c.Buf))
		s.clientMemChanged(c)
		s.evictClients()
	}
}

// closeOnOutputLimit closes c if its output is over its class's hard limit
// or over the soft one for longer than its seconds, and reports whether it
// did (Redis's closeClientOnOutputBufferLimitReached). async is for the
// paths that add output: c is marked and the loop closes it; otherwise (the
// cron) it is closed now. now is the cron's time; the zero time reads the
// clock, which is only needed near a soft limit. Fake clients, replicas
// and clients without output past the static buffer are left alone.
func (s *Server) closeOnOutputLimit(c *Client, async bool, now time.Time) bool {
	if c.Conn == nil || c.Flags&ClientCloseASAP != 0 {
		return false
	}
	used := c.outputMem()
	if used == 0 {
		return false
	}
	class := c.memClass()
	switch class {
	case config.ClassReplica:
		return false
	case memClassMaster:
		class = config.ClassNormal
	}
	lim := s.climits.obuf[class]
	hot := lim.Hard > 0 && uint64(used) >= lim.Hard || lim.Soft > 0 && uint64(used) >= lim.Soft
	if !hot && c.mem.softLimitSince == 0 {
		return false // the common case, without the clock
	}
	if now.IsZero() {
		now = time.Now()
	}
	if !overOutputLimit(lim, &c.mem.softLimitSince, uint64(used), now.Unix()) {
		return false
	}
	info := s.clientInfo(c)
	if async {
		c.dropOutput()
		c.Flags |= ClientCloseASAP
		s.MarkPending(c)
		logger.Warningf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info)
	} else {
		s.killClientNow(c)
		logger.Warningf("Client %s closed for overcoming of output buffer limits.", info)
	}
	return true
}

// overOutputLimit is Redis's checkClientOutputBufferLimits: whether used
// bytes reach the hard limit, or reached the soft limit more than its
// seconds ago. since is the client's soft limit timer (unix seconds, 0
// while under), started and reset as a side effect.
func overOutputLimit(lim config.BufferLimit, since *int64, used uint64, now int64) bool {
	hard := lim.Hard > 0 && used >= lim.Hard
	soft := lim.Soft > 0 && used >= lim.Soft
	switch {
	case !soft:
		*since = 0
	case *since == 0:
		*since, soft = now, false
	case now-*since <= lim.SoftSeconds:
		soft = false
	}
	return hard || soft
}

// Client eviction (maxmemory-clients).

// updateClientMem recounts c's memory into the totals of its class
// (Redis's updateClientMemoryUsage).
func (s *Server) updateClientMem(c *Client) {
	if c.Conn == nil || !c.listed { // a fake client, or one freed
		return
	}
	l, m := &s.climits, &c.mem
	l.classMem[m.class] -= m.usage
	m.usage, m.class = c.memoryUsage()-c.heldOutput(), c.memClass()
	l.classMem[m.class] += m.usage
}

// heldOutput is what the replication holds for c outside its reply
// buffer: its place in the replication buffer, which used_memory counts
// once as the buffer's, not as c's.
func (c *Client) heldOutput() int64 {
	if h, ok := c.Repl.(HeldOutputer); ok {
		return h.HeldOutput()
	}
	return 0
}

// forgetClientMem takes a client being freed out of the totals.
func (s *Server) forgetClientMem(c *Client) {
	l, m := &s.climits, &c.mem
	l.classMem[m.class] -= m.usage
	l.live[m.liveClass] -= m.alloc
	m.usage, m.alloc = 0, 0
}

// evictable reports whether maxmemory-clients may evict c: normal and
// pub/sub clients (MONITOR included) without CLIENT NO-EVICT.
func (c *Client) evictable() bool {
	if c.Flags&(ClientNoEvict|ClientCloseASAP) != 0 || c.Conn == nil {
		return false
	}
	class := c.memClass()
	return class == config.ClassNormal || class == config.ClassPubSub
}

// evictClients closes clients, the biggest first, while the normal and
// pub/sub clients together use maxmemory-clients or more, as Redis's
// evictClients. Redis walks buckets of clients by powers of two of their
// memory; the exact order by size is the same walk without the buckets.
// Clients with NO-EVICT count in the total but are never evicted.
func (s *Server) evictClients() {
	l := &s.climits
	if l.evictionLimit == 0 || l.classMem[config.ClassNormal]+l.classMem[config.ClassPubSub] < l.evictionLimit {
		return
	}
	var victims []*Client
	for _, c := range s.clients {
		if c.evictable() {
			victims = append(victims, c)
		}
	}
	slices.SortFunc(victims, func(a, b *Client) int {
		return cmp.Or(cmp.Compare(b.mem.usage, a.mem.usage), cmp.Compare(a.ID, b.ID))
	})
	for l.classMem[config.ClassNormal]+l.classMem[config.ClassPubSub] >= l.evictionLimit {
		if len(victims) == 0 {
			logger.Warningf("Over client maxmemory after evicting all evictable clients")
			return
		}
		c := victims[0]
		victims = victims[1:]
		logger.Noticef("Evicting client: %s", s.clientInfo(c))
		s.killClientNow(c)
		s.Stats.EvictedClients++
	}
}

// ClientsMemory returns the memory of the clients as last counted (every
// client about once a second by the cron): replicas, and the others
// (Redis's mem_clients_slaves and mem_clients_normal).
func (s *Server) ClientsMemory() (replicas, normal int64) {
	m := &s.climits.classMem
	return m[config.ClassReplica], m[config.ClassNormal] + m[config.ClassPubSub] + m[memClassMaster]
}

// clientsLiveMemory is the clients' share of used_memory: the replicas'
// as ClientsMemory counts it, the others' as of their last change.
func (s *Server) clientsLiveMemory() int64 {
	l := &s.climits
	return l.classMem[config.ClassReplica] + l.live[config.ClassNormal] + l.live[config.ClassPubSub] + l.live[memClassMaster]
}

// Recent maximum buffers (INFO clients).

// trackExpansiveClient records c's buffers in the slot of the current
// second (clientsCronTrackExpansiveClients).
func (s *Server) trackExpansiveClient(c *Client, slot int) {
	l := &s.climits
	l.peakIn[slot] = max(l.peakIn[slot], c.inputMem())
	l.peakOut[slot] = max(l.peakOut[slot], c.outputMem())
}

// recentMaxBuffers returns client_recent_max_input_buffer and
// client_recent_max_output_buffer: the largest seen in the last seconds.
func (s *Server) recentMaxBuffers() (in, out int64) {
	l := &s.climits
	for i := range peakSlots {
		in, out = max(in, l.peakIn[i]), max(out, l.peakOut[i])
	}
	return in, out
}

// Memory usage buckets of DEBUG CLIENT-EVICTION: Redis keeps the evictable
// clients in buckets by powers of two of their memory, from under 32KB
// (CLIENT_MEM_USAGE_BUCKET_MIN_LOG) to over 4GB (..._MAX_LOG).
const (
	memBucketMinLog = 15
	memBucketMaxLog = 33
	memBuckets      = 1 + memBucketMaxLog - memBucketMinLog
)

// memBucket is getMemUsageBucket: the bucket of a client using mem bytes.
func memBucket(mem int64) int {
	return min(max(bits.Len64(uint64(max(mem, 0))), memBucketMinLog), memBucketMaxLog) - memBucketMinLog
}

// debugClientEviction is DEBUG CLIENT-EVICTION: each bucket's range, the
// memory of its clients as last counted and how many there are.
func debugClientEviction(c *Client) {
	s := c.srv
	if s.Config.Int("maxmemory-clients") == 0 {
		c.Error("ERR maxmemory-clients is disabled.")
		return
	}
	var sum, count [memBuckets]int64
	for _, cl := range s.clients {
		if cl.evictable() && cl.mem.usage > 0 { // in a bucket once counted
			b := memBucket(cl.mem.usage)
			sum[b] += cl.mem.usage
			count[b]++
		}
	}
	var b strings.Builder
	for j := range memBuckets {
		if j == 0 {
			b.WriteString("bucket          0")
		} else {
			fmt.Fprintf(&b, "bucket %10d", uint64(1)<<(j-1+memBucketMinLog))
		}
		if j == memBuckets-1 {
			b.WriteString("+            : ")
		} else {
			fmt.Fprintf(&b, " - %10d: ", uint64(1)<<(j+memBucketMinLog)-1)
		}
		fmt.Fprintf(&b, "tot-mem: %10d, clients: %d\n", sum[j], count[j])
	}
	c.Verbatim(b.String())
}
