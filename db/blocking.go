// Blocking operations, as Redis's blocked.c: BLPOP and friends wait for a
// key to be filled, CLIENT UNBLOCK, timeouts.
//
// A blocked client stops reading its input (ProcessInput stops on
// ClientBlocked) until it is served, times out, is unblocked by CLIENT
// UNBLOCK, or goes away. Serving is done as Redis 7.2 does it: the blocked
// command is run again, from an owned copy of its arguments, once a key it
// waits on holds a value of the type it waits for. The command's own code
// then pops, replies and rewrites its argv for propagation (BLPOP as LPOP,
// BLMOVE as LMOVE, ...), exactly as when it is served at once; if it still
// finds nothing it blocks again, keeping its deadline.
//
// API for blocking commands (lists in t_list.go, sorted sets in t_zset.go):
//
//	deadline, ok := c.blockTimeoutArg(i) // parses argv[i], replies on error
//	for _, key := range c.keysToServe(keys) {
//		... serve from key if it holds a value; return if done ...
//	}
//	if c.denyBlocking() {               // inside MULTI, scripts
//		c.NullArray()                   // or what the command answers
//		return
//	}
//	c.srv.blockForKeys(c, keys, "list", deadline)
//	return // no reply now
//
// keys are borrowed (copied inside), typ is the TypeName of values the
// command can be served from ("list", "zset"). When the command runs again
// because a key got ready, keysToServe returns that key alone, so that it
// is served from it as in Redis 7.0, and blocking again (should it find
// nothing) keeps the first deadline. When the deadline passes
// (checked by the cron, so at hz precision), or on CLIENT UNBLOCK id
// TIMEOUT, the client gets a null array (what Redis 7.0 answers for
// lists, sorted sets and streams alike); CLIENT UNBLOCK id ERROR answers
// -UNBLOCKED.
//
// A command that waits for something else (WAIT) blocks with no keys, sets
// c.Blocking.OnTimeout to write its own timeout reply, and when done
// replies and calls s.finishBlocked(c).
//
// Keys become ready through signalKeyAsReady, which DB.Add and DB.Set
// (on a new key) call, as Redis's dbAdd does: pushing to a list, LMOVE's
// destination, RENAME, MOVE, COPY, RESTORE, SORT STORE, ZADD, ... all
// create the key they fill. SWAPDB calls scanDatabaseForReadyKeys for both
// databases. handleClientsBlockedOnKeys serves the ready keys at the end of
// the top-level command that made them ready (call() in dispatch.go), in
// the same event-loop iteration, the clients of a key in the order they
// blocked, before the rest of the input of the served clients is run.

package db

import (
	"bytes"
	"cmp"
	"math"
	"math/big"
	"slices"
	"time"
)

func init() {
	register("client|unblock", clientUnblockCommand)
}

// BlockState is what a client blocked in BLPOP and friends waits for.
type BlockState struct {
	Keys    []string
	Timeout int64 // unix ms, 0 = forever
	Type    string
	// OnTimeout, if set, replies to a client whose wait timed out
	// instead of the null array.
	OnTimeout func(c *Client)

	db   *DB
	cmd  *Command
	argv [][]byte // owned copy of the command, run again when a key is ready
	// reprocessing is set while the command runs again: blocking again
	// keeps the deadline and the copy of the arguments.
	reprocessing bool
	readyKey     [][]byte // the key that got ready, while reprocessing
}

// blockingState is the server's side: who waits for which key.
type blockingState struct {
	keys      map[blockKey][]*Client // clients blocked on a key, in the order they blocked
	clients   map[*Client]struct{}   // every client blocked on keys
	ready     []blockKey             // keys that may serve someone, in signal order
	readySet  map[blockKey]struct{}
	unblocked []*Client // served clients whose pending input still has to run
	serving   bool
}

type blockKey struct {
	db  *DB
	key string
}

// BlockedClients returns the number of clients blocked on keys (INFO's
// blocked_clients).
func (s *Server) BlockedClients() int { return len(s.blocking.clients) }

// denyBlocking reports whether c's command must not block: inside MULTI,
// in a script, from our master or from the AOF. It then answers as if it
// timed out.
func (c *Client) denyBlocking() bool {
	return c.Flags&(ClientMulti|ClientScript|ClientMaster|ClientAOF) != 0
}

// blockTimeoutArg parses argv[i] as a timeout in seconds (a float; 0 for
// ever) into a deadline in unix ms, 0 for none, as Redis 7.0's
// getTimeoutFromObjectOrReply. It replies with the error when invalid.
func (c *Client) blockTimeoutArg(i int) (int64, bool) {
	ms, ok := timeoutMs(c.Argv[i])
	if !ok {
		c.Error(ErrTimeout)
		return 0, false
	}
	if ms < 0 {
		c.Error(ErrTimeoutNeg)
		return 0, false
	}
	if ms > 0 {
		// Redis adds without checking: a deadline that overflows is in
		// the past, and times out at once.
		ms += c.srv.Now()
	}
	return ms, true
}

// Limits of x87's 80-bit long double, Redis's type for timeouts.
var (
	ldblMax     = mustBigFloat("1.18973149535723176502e+4932")
	ldblTrueMin = mustBigFloat("3.64519953188247460253e-4951")
	bigMaxInt64 = new(big.Float).SetInt64(math.MaxInt64)
)

func mustBigFloat(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 64, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

// timeoutMs converts seconds to milliseconds exactly as Redis does on
// x86-64: strtold into a long double (64-bit mantissa), times 1000, then
// a truncating conversion to long long, which yields LLONG_MIN when out
// of range. So "-0.0001" is 0 (no timeout) while "-0.5" is negative, and
// "1e300" is negative. ok is false when string2ld rejects the string:
// spaces, junk, NaN, overflow or underflow of a long double.
func timeoutMs(b []byte) (ms int64, ok bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isSpaceByte(b[0]) || bytes.IndexByte(b, '_') >= 0 {
		return 0, false
	}
	unsigned := b
	if b[0] == '+' || b[0] == '-' {
		unsigned = b[1:]
	}
	if len(unsigned) > 1 && unsigned[0] == '0' && bytes.IndexByte([]byte("bBoO"), unsigned[1]) >= 0 {
		return 0, false // strtold knows no binary or octal prefix
	}
	if bytes.EqualFold(unsigned, []byte("inf")) || bytes.EqualFold(unsigned, []byte("infinity")) {
		return math.MinInt64, true
	}
	f, _, err := big.ParseFloat(string(b), 0, 64, big.ToNearestEven)
	if err != nil || f.IsInf() {
		return 0, false
	}
	abs := new(big.Float).Abs(f)
	if abs.Cmp(ldblMax) > 0 || abs.Sign() != 0 && abs.Cmp(ldblTrueMin) < 0 {
		return 0, false // ERANGE
	}
	f.Mul(f, big.NewFloat(1000))
	if new(big.Float).Abs(f).Cmp(bigMaxInt64) >= 0 {
		return math.MinInt64, true
	}
	// ceill, as Redis: a timeout under a millisecond is one, not zero
	// (which would block forever).
	ms, acc := f.Int64()
	if acc == big.Below {
		ms++
	}
	return ms, true
}

// keysToServe returns the keys a blocking command tries to serve itself
// from: all of its keys, or, when it runs again because one got ready,
// that key alone: Redis 7.0 serves a client from the key that became
// ready, even if another of its keys holds a value too.
func (c *Client) keysToServe(keys [][]byte) [][]byte {
	if bs := c.Blocking; bs != nil && bs.reprocessing {
		return bs.readyKey
	}
	return keys
}

// servedAfterBlocking reports whether c's command runs again because a key
// it waited for got ready.
func (c *Client) servedAfterBlocking() bool {
	return c.Blocking != nil && c.Blocking.reprocessing
}

// blockForKeys blocks c on keys until one holds a value of type typ or the
// deadline (unix ms, 0 for none) passes. See the API at the top of the
// file.
func (s *Server) blockForKeys(c *Client, keys [][]byte, typ string, deadline int64) {
	bs := c.Blocking
	if bs == nil || !bs.reprocessing {
		argv := copyArgv(c.Argv)
		bs = &BlockState{Timeout: deadline, cmd: c.Cmd, argv: argv}
		c.Blocking = bs
	}
	bs.Type = typ
	bs.db = c.DB
	bs.Keys = bs.Keys[:0]
	b := &s.blocking
	if b.keys == nil {
		b.keys = map[blockKey][]*Client{}
		b.clients = map[*Client]struct{}{}
		b.readySet = map[blockKey]struct{}{}
	}
	for _, k := range keys {
		key := string(k)
		bk := blockKey{c.DB, key}
		if containsString(bs.Keys, key) {
			continue
		}
		bs.Keys = append(bs.Keys, key)
		b.keys[bk] = append(b.keys[bk], c)
	}
	b.clients[c] = struct{}{}
	c.Flags |= ClientBlocked
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unblockClient removes c from the keys it waits on. Its BlockState stays
// until the caller is done with it.
func (s *Server) unblockClient(c *Client) {
	b := &s.blocking
	bs := c.Blocking
	if bs != nil {
		for _, key := range bs.Keys {
			bk := blockKey{bs.db, key}
			waiters := b.keys[bk]
			for i, w := range waiters {
				if w == c {
					waiters = append(waiters[:i], waiters[i+1:]...)
					break
				}
			}
			if len(waiters) == 0 {
				delete(b.keys, bk)
			} else {
				b.keys[bk] = waiters
			}
		}
	}
	delete(b.clients, c)
	c.Flags &^= ClientBlocked
}

// signalKeyAsReady notes that key was created in db: a client blocked on
// it may now be served. Cheap when nobody waits for it.
func (s *Server) signalKeyAsReady(db *DB, key []byte) {
	b := &s.blocking
	if len(b.keys) == 0 {
		return
	}
	if _, ok := b.keys[blockKey{db, bstr(key)}]; !ok {
		return
	}
	if _, ok := b.readySet[blockKey{db, bstr(key)}]; ok {
		return
	}
	bk := blockKey{db, string(key)}
	b.readySet[bk] = struct{}{}
	b.ready = append(b.ready, bk)
}

// scanDatabaseForReadyKeys signals every key of db someone waits on that
// holds a value, after SWAPDB changed what db holds.
func (s *Server) scanDatabaseForReadyKeys(db *DB) {
	for bk := range s.blocking.keys {
		// Expired keys count: serving the waiter deletes them, with the
		// DEL to the replicas, as Redis's dictFind there.
		if bk.db == db && (db.lookup([]byte(bk.key)) != nil || s.groupReaderWaits(bk)) {
			s.signalKeyAsReady(db, []byte(bk.key))
		}
	}
}

// handleClientsBlockedOnKeys serves the clients blocked on the keys made
// ready by the command that just ran, then runs the input the served
// clients sent meanwhile. It runs after a top-level command only: inside
// EXEC or a script (even one busy, while others run commands) the keys
// wait for the end of the whole.
func (s *Server) handleClientsBlockedOnKeys() {
	b := &s.blocking
	if b.serving || s.Executing != nil || s.busy != nil || len(b.ready) == 0 && len(b.unblocked) == 0 {
		return
	}
	b.serving = true
	defer func() { b.serving = false }()
	for len(b.ready) > 0 || len(b.unblocked) > 0 {
		if len(b.ready) > 0 {
			bk := b.ready[0]
			b.ready = b.ready[1:]
			delete(b.readySet, bk)
			s.serveKey(bk)
			continue
		}
		c := b.unblocked[0]
		b.unblocked = b.unblocked[1:]
		if s.clients[c.ID] == c && c.Flags&ClientBlocked == 0 && !c.Closing() {
			s.ResumeInput(c)
		}
	}
	b.ready, b.unblocked = nil, nil
}

// serveKey runs again the commands of the clients blocked on bk, in the
// order they blocked, while the key holds a value: each may take from it.
// A client waiting for another type keeps waiting.
func (s *Server) serveKey(bk blockKey) {
	waiters := append([]*Client(nil), s.blocking.keys[bk]...)
	key := []byte(bk.key)
	for _, c := range waiters {
		if c.Flags&ClientBlocked == 0 || c.Blocking == nil {
			continue // served through another key meanwhile
		}
		v := bk.db.LookupWrite(key)
		if unblockDeletedStreamReader(s, c, v) {
			continue
		}
		if v == nil {
			return
		}
		if TypeName(v) != c.Blocking.Type {
			continue
		}
		s.reprocessBlocked(c, key)
	}
}

// reprocessBlocked runs c's blocked command again, as call() would but
// without counting it twice in the statistics or MONITOR: Redis counts a
// blocked command once.
func (s *Server) reprocessBlocked(c *Client, key []byte) {
	bs := c.Blocking
	s.unblockClient(c)
	bs.reprocessing = true
	bs.readyKey = append(bs.readyKey[:0], key)
	prevDB := c.DB
	c.DB = bs.db
	c.Argv, c.Cmd, c.argvOwned = bs.argv, bs.cmd, true
	outBefore := len(c.Buf)
	c.replyMark = outBefore
	dirty := s.Dirty
	prevExec := s.Executing
	s.Executing = c
	start := s.clock.read()
	s.nowMs = s.clock.unixMilli()
	s.prop.nesting++
	bs.cmd.Proc(c)
	s.nowMs = 0
	took := (s.clock.read() - start).Microseconds()
	if s.Dirty > dirty && !c.preventPropagate {
		s.propagateCall(c, PropagateAll)
	}
	c.preventPropagate = false // XREADGROUP propagates its effects itself
	if s.prop.nesting--; s.prop.nesting == 0 {
		s.propagatePending()
		s.trackingHandlePending(c) // after its reply, as Redis's afterCommand
	}
	s.Executing = prevExec
	if outBefore < len(c.Buf) && c.Buf[outBefore] == '-' {
		s.Stat(bs.cmd).FailedCalls++
		if i := indexCRLF(c.Buf[outBefore+1:]); i >= 0 {
			s.countError(string(c.Buf[outBefore+1 : outBefore+1+i]))
		}
	}
	if c.Flags&ClientReplyOff != 0 {
		c.Buf = c.Buf[:c.replyMark]
	}
	c.Argv, c.argvOwned = nil, false
	if c.Flags&ClientBlocked != 0 { // blocked again
		bs.reprocessing = false
		return
	}
	c.DB = prevDB
	if !bs.cmd.Has(FlagSkipSlowlog) { // served: logged as sent (updateStatsOnUnblock)
		s.slowlogPush(c, redactArgv(bs.cmd, bs.argv), took)
	}
	s.doneBlocking(c)
}

// doneBlocking finishes with a client no longer blocked: its reply goes
// out and its pending input runs.
func (s *Server) doneBlocking(c *Client) {
	c.Blocking = nil
	s.MarkPending(c)
	s.blocking.unblocked = append(s.blocking.unblocked, c)
}

// replyToBlockedClientTimedOut answers a client whose wait ended without
// a value: a null array for lists and sorted sets, as Redis 7.0.
func (s *Server) replyToBlockedClientTimedOut(c *Client) {
	if c.Blocking.OnTimeout != nil {
		c.Blocking.OnTimeout(c)
		return
	}
	c.NullArray()
}

// finishBlocked ends the wait of c, which the caller answered.
func (s *Server) finishBlocked(c *Client) {
	s.unblockClient(c)
	s.doneBlocking(c)
}

// handleBlockedClientsTimeout times out the clients whose deadline passed
// (the cron's part of Redis's handleBlockedClientsTimeout).
func (s *Server) handleBlockedClientsTimeout(now time.Time) {
	if len(s.blocking.clients) == 0 {
		return
	}
	nowMs := now.UnixMilli()
	var expired []*Client
	for c := range s.blocking.clients {
		if t := c.Blocking.Timeout; t != 0 && t <= nowMs {
			expired = append(expired, c)
		}
	}
	slices.SortFunc(expired, func(a, b *Client) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range expired {
		s.replyToBlockedClientTimedOut(c)
		s.finishBlocked(c)
	}
	s.handleClientsBlockedOnKeys()
}

// clientUnblockCommand is CLIENT UNBLOCK id [TIMEOUT|ERROR]: it ends the
// wait of a client blocked on keys, as if it timed out, or with an error.
func clientUnblockCommand(c *Client) {
	unblockError := false
	if len(c.Argv) == 4 {
		switch {
		case c.ArgIs(3, "timeout"):
		case c.ArgIs(3, "error"):
			unblockError = true
		default:
			c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := c.IntArg(2)
	if !ok {
		return
	}
	s := c.srv
	target := s.clients[id]
	if target == nil || target.Flags&ClientBlocked == 0 || target.Blocking == nil {
		c.Int(0)
		return
	}
	if unblockError {
		target.Error("-UNBLOCKED client unblocked via CLIENT UNBLOCK")
		s.Stat(target.Blocking.cmd).FailedCalls++
		s.countError("UNBLOCKED")
	} else {
		s.replyToBlockedClientTimedOut(target)
	}
	s.finishBlocked(target)
	c.Int(1)
}
