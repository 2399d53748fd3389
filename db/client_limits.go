package db

// Limits on what one client may make the server hold, as Redis 7.0's
// networking.c: the output buffer limits per client class
// (client-output-buffer-limit), the query buffer limit
// (client-query-buffer-limit) and client eviction (maxmemory-clients).
//
// A client's pending output is its reply buffer (Client.Buf, handed to the
// socket layer at the end of each read event) plus what gnet could not send
// yet (Conn.Outbound). Redis keeps the first 16KB of a reply in a static
// buffer and the rest in a list of blocks; omem, the figure the limits are
// compared with, counts only the list. Here the first 16KB of Buf stand for
// the static buffer and everything else, in Buf or in gnet, for the list.
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
	"slices"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/logger"
)

const (
	// staticReplyBuf is the part of the reply buffer that stands for
	// Redis's static client buffer (PROTO_REPLY_CHUNK_BYTES).
	staticReplyBuf = 16 << 10
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
	// Recent maximum input and output buffers, one slot per second
	// (clientsCronTrackExpansiveClients).
	peakIn, peakOut [peakSlots]int64
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
			s.updateClientMem(c)
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

// outputMem is the client's omem: its pending output past the first 16KB
// of the reply buffer (Redis's getClientOutputBufferMemoryUsage).
func (c *Client) outputMem() int64 {
	return int64(max(len(c.Buf)-staticReplyBuf, 0) + c.outboundBytes())
}

// staticBufLen is obl: the bytes in the part of the reply buffer that
// stands for Redis's static buffer.
func (c *Client) staticBufLen() int { return min(len(c.Buf), staticReplyBuf) }

// outputBlocks is oll: the output past the static buffer in Redis's 16KB
// reply blocks.
func outputBlocks(omem int64) int64 { return (omem + staticReplyBuf - 1) / staticReplyBuf }

// memoryUsage is the client's tot-mem, Redis's getClientMemoryUsage: the
// reply buffer as allocated, the output in gnet, the query buffer, the
// arguments, the queued transaction, the subscriptions and the struct.
func (c *Client) memoryUsage() int64 {
	n := clientStructSize + max(cap(c.Buf), 1024) + c.outboundBytes() + cap(c.qbuf)
	n += c.argvMem() + 8*len(c.Argv) + c.queuedMem() + c.pubsubMem()
	return int64(n)
}

// inputMem is what clientsCronTrackExpansiveClients counts as input: the
// query buffer and the arguments.
func (c *Client) inputMem() int64 {
	return int64(cap(c.qbuf) + c.argvMem() + 8*len(c.Argv))
}

// queuedMem is multi-mem kept up to date cheaply: only the commands queued
// since the last call are counted.
func (c *Client) queuedMem() int {
	m := &c.mem
	if c.Multi == nil || len(c.Multi.Cmds) == 0 {
		m.multiN, m.multiBytes, m.multiFirst = 0, 0, nil
		return 0
	}
	cmds := c.Multi.Cmds
	if len(cmds) < m.multiN || &cmds[0] != m.multiFirst {
		m.multiN, m.multiBytes, m.multiFirst = 0, 0, &cmds[0]
	}
	for _, q := range cmds[m.multiN:] {
		for _, a := range q.argv {
			m.multiBytes += len(a) + 8
		}
	}
	m.multiN = len(cmds)
	return m.multiBytes
}

// pubsubMem is Redis's pubsubMemOverhead: a hash entry per subscription.
func (c *Client) pubsubMem() int {
	return 24 * c.subscriptionCount()
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
	if s.climits.evictionLimit > 0 {
		s.updateClientMem(c)
	}
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
	if s.climits.evictionLimit > 0 && c.Flags&ClientCloseASAP == 0 {
		s.updateClientMem(c)
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
		s.killClient(c)
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
	if c.Conn == nil || s.clients[c.ID] != c { // a fake client, or one freed
		return
	}
	l, m := &s.climits, &c.mem
	l.classMem[m.class] -= m.usage
	m.usage, m.class = c.memoryUsage(), c.memClass()
	l.classMem[m.class] += m.usage
}

// forgetClientMem takes a client being freed out of the totals.
func (s *Server) forgetClientMem(c *Client) {
	s.climits.classMem[c.mem.class] -= c.mem.usage
	c.mem.usage = 0
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
		s.killClient(c)
		s.Stats.EvictedClients++
	}
}

// ClientsMemory returns the memory of the clients as last counted (every
// client at least once per cron): replicas, and the others (Redis's
// mem_clients_slaves and mem_clients_normal).
func (s *Server) ClientsMemory() (replicas, normal int64) {
	m := &s.climits.classMem
	return m[config.ClassReplica], m[config.ClassNormal] + m[config.ClassPubSub] + m[memClassMaster]
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
