package ae

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"golang.org/x/sys/unix"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// Loop owns the gnet engine and drives a db.Server.
type Loop struct {
	gnet.BuiltinEventEngine
	srv            *db.Server
	eng            gnet.Engine
	addrs          []string
	port           int
	booted         chan struct{}
	bootErr        error
	wake           gnet.Conn // loopback connection used to reach the loop
	peer           net.Conn  // its other end, kept open
	stopping       atomic.Bool
	ticks          atomic.Int64
	hz             atomic.Int64 // ConfigHz as of the last cron
	wakeStarted    atomic.Bool
	deferred       []*db.Client // replicas whose stream is written after this poll
	spare          []*db.Client // deferred's other array, reused
	deferScheduled bool         // beforeSleep has work at the end of this turn
	earlyMu        sync.Mutex
	early          []func()
	earlyDone      bool
	parked         []func()                // tasks held back while a script is busy
	nextTurn       []func()                // NextTurn's, run after the next poll
	parkedConns    []gnet.Conn             // handler connections whose input waits likewise
	unlistened     bool                    // stopListening ran
	extra          map[string]net.Listener // listeners opened at run time (listen.go)
	// OnListening runs when the engine is about to accept connections,
	// before any is served (Redis's "Ready to accept connections").
	OnListening func()
	// OnReady runs on the loop once it accepts connections.
	OnReady func()
}

// tickMarker is the context of the loopback connection.
type tickMarker struct{}

// New prepares a loop for srv listening on the given addresses
// ("tcp://127.0.0.1:6379", "unix:///tmp/redis.sock").
func New(srv *db.Server, addrs []string, port int) *Loop {
	l := &Loop{srv: srv, addrs: addrs, port: port, booted: make(chan struct{})}
	srv.Loop = l
	l.hz.Store(int64(srv.ConfigHz))
	return l
}

// Run serves until Shutdown. It returns after the engine stopped.
func (l *Loop) Run() error {
	opts := []gnet.Option{
		gnet.WithMulticore(false),
		gnet.WithNumEventLoop(1),
		gnet.WithTicker(true),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLoadBalancing(gnet.LeastConnections),
		gnet.WithLogger(quietLogger{stopping: &l.stopping}),
		gnet.WithLogLevel(logging.ErrorLevel),
		gnet.WithBeforeSleep(l.beforeSleep),
	}
	if ka := l.srv.Config.Int("tcp-keepalive"); ka > 0 {
		opts = append(opts, gnet.WithTCPKeepAlive(time.Duration(ka)*time.Second))
	}
	err := gnet.Rotate(l, l.addrs, opts...)
	if l.stopping.Load() {
		return nil // accept fails on purpose once stopping (stopListening)
	}
	return err
}

// Port returns the TCP port served.
func (l *Loop) Port() int { return l.port }

// OnBoot keeps the engine; the loopback is connected from the first
// OnTick, once gnet's reactors are running.
func (l *Loop) OnBoot(eng gnet.Engine) gnet.Action {
	l.eng = eng
	if l.OnListening != nil {
		l.OnListening()
	}
	return gnet.None
}

func (l *Loop) connectWake() {
	var once sync.Once
	done := func() { once.Do(func() { close(l.booted) }) }
	defer done()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.bootErr = err
		return
	}
	defer ln.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		l.bootErr = err
		return
	}
	if l.peer, err = ln.Accept(); err != nil {
		l.bootErr = err
		return
	}
	ch, err := l.eng.Register(gnet.NewContext(gnet.NewNetConnContext(context.Background(), nc), tickMarker{}))
	if err != nil {
		l.bootErr = err
		return
	}
	res := <-ch
	if res.Err != nil {
		l.bootErr = res.Err
		return
	}
	l.wake = res.Conn
	done()
	l.runEarly()
	l.Execute(func() {
		if l.OnReady != nil {
			l.OnReady()
		}
	})
}

// Execute runs fn on the loop goroutine. It may be called from any
// goroutine once the loop booted. While a script is busy, fn waits for
// its end (see db/script_busy.go).
func (l *Loop) Execute(fn func()) { l.execute(fn, false) }

// ExecuteBusy is Execute for the end of a busy script, which runs at once.
func (l *Loop) ExecuteBusy(fn func()) { l.execute(fn, true) }

func (l *Loop) execute(fn func(), busy bool) {
	select {
	case <-l.booted:
	default:
		// Before the loop runs (a command or a hook calling early, even
		// from the loop goroutine itself): queue it rather than wait.
		l.earlyMu.Lock()
		if !l.earlyDone {
			l.early = append(l.early, fn)
			l.earlyMu.Unlock()
			return
		}
		l.earlyMu.Unlock()
	}
	if l.wake == nil {
		return
	}
	l.wake.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		l.run(fn, busy)
		return nil
	}))
}

// run runs a task on the loop: held back while a script is busy (unless
// the task is the script's end), then the output it queued, the tasks it
// let go, and the stop it may have asked for.
func (l *Loop) run(fn func(), busy bool) {
	owned := l.srv.Acquire()
	defer l.srv.Release(owned)
	if l.srv.ScriptBusy() && !busy {
		l.parked = append(l.parked, fn)
		return
	}
	fn()
	l.flushPending()
	if !l.srv.ScriptBusy() {
		l.unpark()
	}
	if l.stopping.Load() {
		l.stopListening()
	}
}

// unpark runs what waited for a busy script, once it ended: the tasks in
// order (one may start another busy script: the rest waits again), then
// the handler connections' input.
func (l *Loop) unpark() {
	for len(l.parked) > 0 && !l.srv.ScriptBusy() {
		fn := l.parked[0]
		l.parked = l.parked[1:]
		fn()
		l.flushPending()
	}
	if len(l.parked) == 0 {
		l.parked = nil
	}
	if !l.srv.ScriptBusy() {
		for _, c := range l.parkedConns {
			c.Wake(nil)
		}
		l.parkedConns = nil
	}
}

// NextTurn runs fn on the loop after its next poll for I/O, where
// Execute's tasks may all run in the batch of tasks that is running (gnet
// runs up to 256 at a time, those queued meanwhile included): work cut in
// slices, each queuing the next with NextTurn, lets the clients' I/O in
// between. It wakes the loop by writing a byte to its loopback
// connection, whose traffic runs the functions. Only on the loop.
func (l *Loop) NextTurn(fn func()) {
	if l.peer == nil { // not booted: Execute queues it
		l.Execute(fn)
		return
	}
	l.nextTurn = append(l.nextTurn, fn)
	if len(l.nextTurn) == 1 {
		// One byte at most is in flight: the write does not block.
		if _, err := l.peer.Write([]byte{0}); err != nil {
			l.nextTurn = l.nextTurn[:0]
			l.Execute(fn)
		}
	}
}

// runNextTurn runs what NextTurn queued, on the loopback connection's
// traffic; while a script is busy it waits with the parked tasks.
func (l *Loop) runNextTurn() {
	fns := l.nextTurn
	l.nextTurn = nil
	if len(fns) == 0 {
		return
	}
	owned := l.srv.Acquire()
	defer l.srv.Release(owned)
	for _, fn := range fns {
		if l.srv.ScriptBusy() {
			l.parked = append(l.parked, fn)
			continue
		}
		fn()
		l.flushPending()
	}
}

// runEarly hands the work queued before boot to the loop.
func (l *Loop) runEarly() {
	l.earlyMu.Lock()
	early := l.early
	l.early, l.earlyDone = nil, true
	l.earlyMu.Unlock()
	for _, fn := range early {
		l.Execute(fn)
	}
}

// OnTick posts serverCron to the loop hz times a second.
func (l *Loop) OnTick() (time.Duration, gnet.Action) {
	if l.wakeStarted.CompareAndSwap(false, true) {
		l.connectWake()
	}
	hz := int(l.hz.Load()) // the loop's copy: ConfigHz belongs to the loop
	if hz <= 0 {
		hz = 10
	}
	select {
	case <-l.booted:
		if l.wake != nil && l.ticks.Load() == 0 {
			l.ticks.Add(1)
			l.Execute(func() {
				l.ticks.Add(-1)
				l.srv.Cron()
				l.hz.Store(int64(l.srv.ConfigHz))
			})
		}
	default:
	}
	if l.stopping.Load() {
		return time.Second, gnet.Shutdown
	}
	return time.Second / time.Duration(hz), gnet.None
}

// OnOpen registers a new client.
func (l *Loop) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if _, ok := c.Context().(tickMarker); ok {
		return nil, gnet.None
	}
	if e, ok := c.Context().(*enrollment); ok { // see Enroll
		defer l.srv.Release(l.srv.Acquire())
		return l.openEnrolled(c, e)
	}
	if hook := l.openHook(c); hook != nil {
		return nil, gnet.None
	}
	defer l.srv.Release(l.srv.Acquire())
	remote, local := addrString(c.RemoteAddr()), localAddr(c)
	cl := l.srv.NewClient(&conn{c: c}, remote, local, c.Fd())
	c.SetContext(cl)
	if msg := l.protectedModeDenial(c); msg != "" {
		cl.Error(msg)
		cl.Flags |= db.ClientCloseAfterReply
	}
	if cl.Closing() {
		out := cl.Buf
		l.srv.FreeClient(cl)
		return out, gnet.Close
	}
	return nil, gnet.None
}

// openHook lets outgoing connections (a replica's link to its master) carry
// their own handler; see Dial.
func (l *Loop) openHook(c gnet.Conn) Handler {
	h, _ := c.Context().(Handler)
	return h
}

// OnTraffic hands every byte read to the executor and writes all replies.
func (l *Loop) OnTraffic(c gnet.Conn) gnet.Action {
	switch ctx := c.Context().(type) {
	case tickMarker:
		c.Discard(-1)
		l.runNextTurn()
		return gnet.None
	case Handler:
		defer l.srv.Release(l.srv.Acquire())
		if l.srv.ScriptBusy() { // read once the script ended
			if !slices.Contains(l.parkedConns, c) {
				l.parkedConns = append(l.parkedConns, c)
			}
			return gnet.None
		}
		data, _ := c.Peek(-1)
		act := ctx.OnData(c, data)
		c.Discard(-1)
		l.flushPending()
		return act
	case *db.Client:
		defer l.srv.Release(l.srv.Acquire())
		data, _ := c.Peek(-1)
		ctx.LastActive = l.srv.CachedNow() // Redis: server.unixtime
		served := l.srv.Stats.Commands
		l.srv.ProcessInput(ctx, data)
		served = l.srv.Stats.Commands - served
		c.Discard(-1)
		if l.srv.ScriptBusy() {
			// No end of iteration until the script ends: its duties now,
			// so that replies held for the AOF are not held longer.
			l.srv.BeforeSleep()
			l.flushDeferred()
		}
		act := gnet.None
		if l.srv.HoldReplies || served > 1 && !l.srv.ScriptBusy() {
			l.deferFlush(ctx)
		} else {
			if l.srv.BeforeReply {
				l.srv.BeforeSleep()
			}
			act = l.flush(c, ctx)
		}
		l.flushPending()
		if l.stopping.Load() {
			l.stopListening()
			return gnet.Shutdown
		}
		return act
	}
	c.Discard(-1)
	return gnet.None
}

// OnClose forgets the client.
func (l *Loop) OnClose(c gnet.Conn, err error) gnet.Action {
	defer l.srv.Release(l.srv.Acquire())
	switch ctx := c.Context().(type) {
	case *db.Client:
		l.srv.FreeClient(ctx)
	case Handler:
		ctx.OnClose(c, err)
	}
	return gnet.None
}

// flush writes the client's reply buffer to its connection.
func (l *Loop) flush(c gnet.Conn, cl *db.Client) gnet.Action {
	if cl.Flags&db.ClientMaster != 0 { // our master gets no replies (repl acks directly)
		cl.Buf = cl.Buf[:0]
	}
	if len(cl.Buf) > 0 && !cl.HoldOutput {
		n := len(cl.Buf)
		counted := cl.OutputCounted()
		c.Write(cl.Buf)
		cl.NetOut += int64(n)
		if cl.Flags&db.ClientReplica != 0 {
			l.srv.Stats.NetReplOut += int64(n)
		} else {
			l.srv.Stats.NetOut += int64(n)
		}
		if cap(cl.Buf) > 1<<20 {
			cl.Buf = nil
		} else {
			cl.Buf = cl.Buf[:0]
		}
		if counted {
			l.srv.ClientWrote(cl)
		}
	}
	if cl.Closing() {
		return gnet.Close
	}
	return gnet.None
}

// flushPending writes the output the executor queued for other clients
// (pub/sub messages, unblocked clients, MONITOR) and closes the clients
// marked for closing.
func (l *Loop) flushPending() {
	if l.srv.BeforeReply && !l.srv.HoldReplies {
		l.srv.BeforeSleep()
	}
	for _, cl := range l.srv.TakePending() {
		cn, ok := cl.Conn.(*conn)
		if !ok {
			continue
		}
		if l.srv.HoldReplies || cl.Flags&db.ClientReplica != 0 && !cl.Closing() {
			l.deferFlush(cl)
			continue
		}
		if l.flush(cn.c, cl) == gnet.Close {
			cn.c.Close()
		}
	}
	if l.srv.HoldReplies {
		l.scheduleBeforeSleep()
	}
}

// deferFlush delays writing a client's output until the events of this
// poll are handled, as Redis writes its replies after beforeSleep:
//   - the replication stream: the writes of many clients reach a replica
//     in one system call, not one per command;
//   - every reply while the AOF holds writes not fsynced yet under
//     appendfsync always (db.Server.HoldReplies): the AOF is written and
//     fsynced once for all of them before any is answered;
//   - the replies to a pipeline (a read that held several commands): they
//     go out in a burst with the others of the iteration, so that
//     redis-benchmark -P 16 is woken once for them, not once per client.
//     In alternating runs that took 5-10% off the CPU per request of SET
//     with -P 16 (on a growing keyspace, and at maxmemory under eviction)
//     and halved the context switches. A single command's reply is
//     written at once: deferred, the wake-up of the loop for the end of
//     the iteration (an eventfd write) cost 10-30% more CPU per request
//     unpipelined.
//
// Under everysec (db.Server.BeforeReply) the AOF buffer is written just
// before a reply instead: one write(2) per client read, not one per
// iteration, but no wait for the end of the iteration.
func (l *Loop) deferFlush(cl *db.Client) {
	l.deferred = append(l.deferred, cl)
	l.scheduleBeforeSleep()
}

// scheduleBeforeSleep makes the end of this turn of the poll loop run the
// server's BeforeSleep and then write the deferred output.
func (l *Loop) scheduleBeforeSleep() { l.deferScheduled = true }

// beforeSleep is gnet's hook at the end of each turn of the poll loop,
// after its I/O events and tasks, before it waits again: Redis's
// beforeSleep. Scheduling it costs nothing, where a task for it cost an
// eventfd write and one more epoll_wait per turn, and four allocations.
// While a script is busy it waits, as a task would, and runs at the end of
// the turn that ends the script.
//
// The loop sleeps next, so what the work schedules again (the replication
// stream of the writes it released) is done now too; the last resort, a
// task, wakes the loop for another turn.
func (l *Loop) beforeSleep() {
	if !l.deferScheduled {
		return
	}
	owned := l.srv.Acquire()
	defer l.srv.Release(owned)
	for range 4 {
		if !l.deferScheduled || l.srv.ScriptBusy() {
			return
		}
		l.sleepTask()
		l.flushPending()
		l.unpark()
		if l.stopping.Load() {
			l.stopListening()
		}
	}
	if l.deferScheduled {
		l.Execute(func() {})
	}
}

// sleepTask is the work of beforeSleep.
func (l *Loop) sleepTask() {
	l.deferScheduled = false
	l.srv.BeforeSleep()
	l.flushDeferred()
}

// flushDeferred writes the output deferFlush held back. The list and a
// spare array take turns, so that a turn allocates none (a flush may defer
// a client again, onto the other one).
func (l *Loop) flushDeferred() {
	list := l.deferred
	l.deferred = l.spare[:0]
	for _, r := range list {
		if cn, ok := r.Conn.(*conn); ok && l.flush(cn.c, r) == gnet.Close {
			cn.c.Close()
		}
	}
	clear(list)
	l.spare = list[:0]
}

// Shutdown makes Run return; the caller finishes the exit.
func (l *Loop) Shutdown() {
	l.stopping.Store(true)
	if l.wake != nil {
		l.wake.Wake(nil)
	}
}

// stopListening refuses new connections at once, as Redis's exit does,
// while gnet winds down: a client connecting after SHUTDOWN gets a
// refusal, not a connection closed unanswered. It runs on the loop, once:
// gnet closes the listeners itself after the loop returned.
func (l *Loop) stopListening() {
	if l.unlistened {
		return
	}
	l.unlistened = true
	for _, a := range l.addrs {
		if ln, ok := l.extra[a]; ok {
			ln.Close()
			continue
		}
		network, address, ok := strings.Cut(a, "://")
		if !ok {
			continue
		}
		if fd, err := l.eng.DupListener(network, address); err == nil {
			_ = unix.Shutdown(fd, unix.SHUT_RDWR)
			_ = unix.Close(fd)
		}
	}
}

// conn adapts a gnet connection to db.Conn.
type conn struct{ c gnet.Conn }

func (k *conn) Close() { k.c.Close() }

// Shutdown ends the connection for its peer now (shutdown(2)); the loop
// closes it afterwards as usual. A client Redis frees at once (CLIENT
// KILL) sees its end before the killer's reply.
func (k *conn) Shutdown()     { _ = unix.Shutdown(k.c.Fd(), unix.SHUT_RDWR) }
func (k *conn) Outbound() int { return k.c.OutboundBuffered() }

// SetNoDelay turns Nagle's algorithm off (true) or on (false).
func (k *conn) SetNoDelay(on bool) error { return k.c.SetNoDelay(on) }

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	if a.Network() == "unix" {
		return a.String() + ":0"
	}
	return a.String()
}

// protectedModeDenial returns the error Redis 7.0 sends to a client that
// is not local when protected mode is on and no password is set, whatever
// bind says. Local is 127.0.0.1, ::1 or a unix socket, as Redis's
// islocalClient: not the rest of 127.0.0.0/8.
func (l *Loop) protectedModeDenial(c gnet.Conn) string {
	cfg := l.srv.Config
	if !cfg.Bool("protected-mode") || !l.srv.DefaultUserNoPass() {
		return ""
	}
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || ta.IP.Equal(net.IPv4(127, 0, 0, 1)) || ta.IP.Equal(net.IPv6loopback) {
		return ""
	}
	return "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."
}

// ListenAddrs turns bind addresses and a port into gnet addresses. A
// leading "-" marks an address that may be unavailable; "*" is every IPv4
// address and "::*" every IPv6 one.
func ListenAddrs(binds []string, port int, unixSocket string) (addrs []string, optional []bool) {
	if port > 0 {
		for _, b := range binds {
			opt := strings.HasPrefix(b, "-")
			b = strings.TrimPrefix(b, "-")
			switch b {
			case "*":
				b = "0.0.0.0"
			case "::*":
				b = "::"
			}
			addrs = append(addrs, "tcp://"+net.JoinHostPort(b, strconv.Itoa(port)))
			optional = append(optional, opt)
		}
	}
	if unixSocket != "" {
		addrs = append(addrs, "unix://"+unixSocket)
		optional = append(optional, false)
	}
	return addrs, optional
}

// CheckListen reports whether addr can be bound now, so that optional
// addresses that cannot be used are left out before the engine starts.
func CheckListen(addr string) error {
	network, a, ok := strings.Cut(addr, "://")
	if !ok {
		return fmt.Errorf("bad address %q", addr)
	}
	if network == "tcp" && strings.HasPrefix(a, "[::]") {
		network = "tcp6"
	}
	ln, err := net.Listen(network, a)
	if err != nil {
		return err
	}
	ln.Close()
	return nil
}

// quietLogger passes gnet's errors to the log, but for those of a
// shutdown under way (stopListening makes accept fail on purpose).
type quietLogger struct{ stopping *atomic.Bool }

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(format string, args ...any) {
	logger.Verbosef(format, args...)
}
func (q quietLogger) Errorf(format string, args ...any) {
	if !q.stopping.Load() {
		logger.Warningf(format, args...)
	}
}
func (quietLogger) Fatalf(format string, args ...any) {
	logger.Warningf(format, args...)
}

// localAddr is the connection's own end (CLIENT LIST's laddr): gnet
// reports the listener's address, which for a wildcard bind is 0.0.0.0.
func localAddr(c gnet.Conn) string {
	if _, ok := c.LocalAddr().(*net.TCPAddr); !ok {
		return addrString(c.LocalAddr())
	}
	sa, err := unix.Getsockname(c.Fd())
	if err != nil {
		return addrString(c.LocalAddr())
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return addrString(c.LocalAddr())
}
