package db

// A client's memory as Redis 7.0.15 counts it. Our buffers are Go slices
// that grow and shrink on their own terms, so what used_memory,
// mem_clients_normal, CLIENT LIST and client eviction see is a model of
// Redis's buffers, kept beside ours at O(1) cost per read and per command:
//
//   - the reply buffer (c->buf): 16KB allocated with the client
//     (PROTO_REPLY_CHUNK_BYTES), its peak use tracked as replies are
//     added, and resized by the clients cron as clientsCronResizeOutputBuffer:
//     halved or more down to PROTO_REPLY_MIN_BYTES when the peak since the
//     last reset (every reply-buffer peak-reset-time, 5s) is under half of it,
//     doubled back up to 16KB when a batch of replies filled it;
//   - the query buffer (c->querybuf): an sds that a read grows by 16KB
//     (PROTO_IOBUF_LEN; exactly to a big argument's size for one of 32KB or
//     more), non-greedily while under 16KB and greedily after, and that the
//     cron trims as clientsCronResizeQueryBuffer (a client idle for more than
//     2 seconds, or a buffer over 32KB and over twice its recent peak);
//   - the arguments of a command still being received (argv_len_sum).
//
// A client's share of used_memory (clientAlloc) is its tot-mem plus what
// createClient allocates besides the client struct and buffers. The server
// keeps the sum current (climits.live) at every read, every command and
// every push, as zmalloc's counter is in Redis; mem_clients_normal is
// Redis's stat_clients_type_memory, updated by the cron about once a second
// per client, or at each change while client eviction is on.

import (
	"strconv"
	"strings"
	"time"

	"github.com/redis-go/redis-server/internal/jemalloc"
)

func init() {
	RegisterDebug("replybuffer", 4, debugReplyBuffer)
	RegisterDebug("client-eviction", 2, debugClientEviction)
}

const (
	protoReplyChunkBytes = 16 << 10 // PROTO_REPLY_CHUNK_BYTES: the reply buffer a client starts with
	protoReplyMinBytes   = 1024     // PROTO_REPLY_MIN_BYTES: the smallest the cron shrinks it to
	protoIOBufLen        = 16 << 10 // PROTO_IOBUF_LEN: what one read makes room for
	protoMbulkBigArg     = 32 << 10 // PROTO_MBULK_BIG_ARG
	protoResizeThreshold = 32 << 10 // PROTO_RESIZE_THRESHOLD

	// replyBufferPeakResetTime is REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (ms).
	replyBufferPeakResetTime = 5000

	// clientStructAlloc is zmalloc_size(client) in Redis 7.0.15, part of
	// tot-mem.
	clientStructAlloc = 768
	// clientExtraAlloc is what else a connected client takes in used_memory
	// in Redis 7.0.15 (measured): its connection, the reply and watched-keys
	// lists, the blocking and pub/sub dicts, its node in the clients list
	// and in the clients index.
	clientExtraAlloc = 952

	// clientsCronMinIterations is CLIENTS_CRON_MIN_ITERATIONS.
	clientsCronMinIterations = 5
)

// clientBufs is the model of a client's reply and query buffers.
type clientBufs struct {
	bufSize      int   // buf_usable_size
	bufPeak      int   // buf_peak
	bufPeakReset int64 // buf_peak_last_reset_time (unix ms)

	qlen, qalloc int // sdslen and sdsalloc of the query buffer
	qmem         int // its allocation (sdsZmallocSize)
	qpeak        int // querybuf_peak
	qbulk        int // bulklen: the argument being received, -1 if none

	// argBytes and argc are argv_len_sum and argc: the arguments of a
	// command whose rest has not arrived.
	argBytes, argc int
}

// initBufs gives a new client Redis's createClient buffers. The peak reset
// time starts at 0, which makes the first cron visit reset the peak: Redis
// 7.0.15 stores seconds there and compares milliseconds.
func (b *clientBufs) initBufs() {
	*b = clientBufs{bufSize: protoReplyChunkBytes, bufPeak: protoReplyChunkBytes, qbulk: -1}
	b.qalloc, b.qmem = sdsNew(0)
}

// sdsHdr is the header of an sds string of allocation n (sdsReqType, no
// type 5, as every sds here may grow).
func sdsHdr(n int) int {
	switch {
	case n < 1<<8:
		return 3
	case n < 1<<16:
		return 5
	case n < 1<<32:
		return 9
	}
	return 17
}

// sdsNew returns the sdsalloc and allocation of sdsnewlen(n): the usable
// size of the allocation, less the header and the NUL.
func sdsNew(n int) (alloc, mem int) {
	hdr := sdsHdr(n)
	mem = jemalloc.Size(hdr + n + 1)
	return mem - hdr - 1, mem
}

// qMakeRoom is sdsMakeRoomFor (greedy) or sdsMakeRoomForNonGreedy on the
// query buffer.
func (b *clientBufs) qMakeRoom(addlen int, greedy bool) {
	if b.qalloc-b.qlen >= addlen {
		return
	}
	n := b.qlen + addlen
	if greedy {
		if n < 1<<20 {
			n *= 2
		} else {
			n += 1 << 20
		}
	}
	b.qalloc, b.qmem = sdsNew(n)
}

// qResize is sdsResize(querybuf, n, 1): the allocation made for n bytes,
// sdsalloc set to n.
func (b *clientBufs) qResize(n int) {
	if b.qalloc == n {
		return
	}
	b.qalloc, b.qmem = n, jemalloc.Size(sdsHdr(n)+n+1)
}

// queryRead models readQueryFromClient for n bytes arriving: the room one
// read makes, and the peak. What the commands leave is set by queryLeft.
func (b *clientBufs) queryRead(n int, master bool) {
	readlen, big := protoIOBufLen, false
	if b.qbulk >= protoMbulkBigArg {
		big = true
		if rem := b.qbulk + 2 - b.qlen; rem > 0 {
			readlen = rem
		}
		if master && readlen < protoIOBufLen {
			readlen = protoIOBufLen
		}
	}
	if !master && (big || b.qalloc < protoIOBufLen) {
		b.qMakeRoom(readlen, false)
	} else {
		b.qMakeRoom(readlen, true)
		readlen = b.qalloc - b.qlen
	}
	b.qlen += min(n, readlen)
	b.qpeak = max(b.qpeak, b.qlen)
}

// bigArgDone is processMultibulkBuffer taking a big argument's query
// buffer as the argument: a new one is allocated for one as big.
func (b *clientBufs) bigArgDone(bulk int) {
	b.qalloc, b.qmem = sdsNew(bulk + 2)
}

// queryLeft sets what a read left unprocessed: rest bytes of the query
// buffer, the arguments already received of an incomplete command, and the
// length of the one being received (-1 if none). A big one gets room for
// all of it, as processMultibulkBuffer makes.
func (b *clientBufs) queryLeft(rest, argBytes, argc, bulk int, master bool) {
	b.qlen, b.argBytes, b.argc, b.qbulk = rest, argBytes, argc, bulk
	if !master && bulk >= protoMbulkBigArg && rest <= bulk+2 {
		b.qMakeRoom(bulk+2-rest, false)
	}
}

// replied notes the bytes of replies pending in our reply buffer: Redis
// fills its buffer with them first, up to its size.
func (b *clientBufs) replied(pending int) {
	b.bufPeak = max(b.bufPeak, min(pending, b.bufSize))
}

// cronResizeQuery is clientsCronResizeQueryBuffer; idle is in seconds.
func (b *clientBufs) cronResizeQuery(idle int64) {
	if b.qalloc-b.qlen > 4<<10 {
		switch {
		case idle > 2:
			b.qResize(b.qlen)
		case b.qalloc > protoResizeThreshold && b.qalloc/2 > b.qpeak:
			n := max(b.qlen, b.qpeak)
			if b.qbulk != -1 && n < b.qbulk {
				n = b.qbulk
			}
			b.qResize(n)
		}
	}
	b.qpeak = b.qlen
	if b.qbulk != -1 && b.qbulk > b.qpeak {
		b.qpeak = b.qbulk
	}
}

// cronResizeReply is clientsCronResizeOutputBuffer; pending is what our
// reply buffer holds now (Redis's bufpos). It reports a shrink (-1) or an
// expansion (1) for the stats.
func (b *clientBufs) cronResizeReply(pending int, nowMs int64, l *clientLimits) int {
	if l.replyResizingOff {
		return 0
	}
	size, change := 0, 0
	switch {
	case b.bufSize/2 >= protoReplyMinBytes && b.bufPeak < b.bufSize/2:
		size, change = max(protoReplyMinBytes, b.bufPeak+1), -1
	case b.bufSize*2 < protoReplyChunkBytes*2 && b.bufPeak == b.bufSize:
		size, change = min(protoReplyChunkBytes, b.bufSize*2), 1
	}
	if reset := l.replyPeakResetTime; reset >= 0 && nowMs-b.bufPeakReset >= reset {
		b.bufPeak = min(pending, b.bufSize)
		b.bufPeakReset = nowMs
	}
	if size != 0 {
		b.bufSize = jemalloc.Size(size)
	}
	return change
}

// inputMem is what clientsCronTrackExpansiveClients counts as input: the
// query buffer and the arguments received.
func (c *Client) inputMem() int64 {
	b := &c.mem.bufs
	n := b.qmem + b.argBytes
	if b.argc > 0 {
		n += jemalloc.Size(8 * b.argc)
	}
	return int64(n)
}

// clientAlloc is c's share of used_memory: tot-mem and what else Redis
// allocates for a client.
func (c *Client) clientAlloc() int64 { return c.memoryUsage() + clientExtraAlloc }

// clientMemChanged recounts c after a command, a read or a push: its share
// of used_memory and, with client eviction on, its share of the class
// totals (Redis's updateClientMemUsageAndBucket, called at the same points).
func (s *Server) clientMemChanged(c *Client) {
	if s.recountClient(c) && s.climits.evictionLimit > 0 && c.evictable() {
		s.updateClientMem(c)
	}
}

// OutputCounted reports whether c's output counts in its memory now
// (past its static buffer, or waiting in the connection): a write then
// changes its share (ClientWrote).
func (c *Client) OutputCounted() bool { return c.outputMem() > 0 }

// ClientWrote recounts c after its output was written, as Redis's
// writeToClient does: without it a client that only receives (pushes,
// invalidations, messages) kept the memory of output long written in
// used_memory until the cron, and eviction went on for memory already
// freed.
func (s *Server) ClientWrote(c *Client) { s.clientMemChanged(c) }

// recountClient updates c's share of used_memory, which Redis's allocator
// counts at once (a new client, a read growing the query buffer). It
// reports false for a fake client or one freed.
func (s *Server) recountClient(c *Client) bool {
	if c.Conn == nil || !c.listed {
		return false
	}
	l, m := &s.climits, &c.mem
	l.live[m.liveClass] -= m.alloc
	m.alloc, m.liveClass = c.clientAlloc(), c.memClass()
	l.live[m.liveClass] += m.alloc
	return true
}

// clientsCronVisit is the part of clientsCron Redis does for each client
// about once a second: the buffers' resizing, then the class totals.
func (s *Server) clientsCronVisit(c *Client, now time.Time) {
	b := &c.mem.bufs
	b.cronResizeQuery(now.Unix() - c.LastActive.Unix())
	switch b.cronResizeReply(len(c.Buf), now.UnixMilli(), &s.climits) {
	case -1:
		s.Stats.ReplyBufferShrinks++
	case 1:
		s.Stats.ReplyBufferExpands++
	}
	s.clientMemChanged(c)
	s.updateClientMem(c)
}

// clientsCronBatch returns the clients of this cron tick's visits, as
// clientsCron's rotation: numclients/hz of them, at least 5 (all of them
// when fewer), so that each is visited about once a second.
func (s *Server) clientsCronBatch() []*Client {
	l := &s.climits
	n := len(s.clients)
	iterations := n / max(s.ConfigHz, 1)
	if iterations < clientsCronMinIterations {
		iterations = min(n, clientsCronMinIterations)
	}
	// A freed client leaves the ring as the cursor meets it, the last one
	// taking its place: that one may have been visited already in this
	// batch, which the tick stamp tells.
	l.cronTick++
	batch := l.cronBatch[:0]
	for seen := 0; len(batch) < iterations && seen < len(l.ring); {
		if l.cursor >= len(l.ring) {
			l.cursor = 0
		}
		c := l.ring[l.cursor]
		if s.clients[c.ID] != c { // freed: out of the ring
			last := len(l.ring) - 1
			l.ring[l.cursor] = l.ring[last]
			l.ring[last] = nil
			l.ring = l.ring[:last]
			continue
		}
		l.cursor++
		seen++
		if c.mem.cronTick != l.cronTick {
			c.mem.cronTick = l.cronTick
			batch = append(batch, c)
		}
	}
	l.cronBatch = batch
	return batch
}

// debugReplyBuffer is DEBUG REPLYBUFFER PEAK-RESET-TIME <never|reset|ms>
// and DEBUG REPLYBUFFER RESIZING <0|1>.
func debugReplyBuffer(c *Client) {
	l := &c.srv.climits
	switch {
	case c.ArgIs(2, "peak-reset-time"):
		switch {
		case c.ArgIs(3, "never"):
			l.replyPeakResetTime = -1
		case c.ArgIs(3, "reset"):
			l.replyPeakResetTime = replyBufferPeakResetTime
		default:
			n, ok := c.IntArg(3)
			if !ok {
				return
			}
			l.replyPeakResetTime = n
		}
	case c.ArgIs(2, "resizing"):
		n, _ := strconv.Atoi(strings.TrimSpace(string(c.Argv[3]))) // atoi
		l.replyResizingOff = n == 0
	default:
		replySubcommandSyntaxError(c)
		return
	}
	c.OK()
}
