package cluster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/resp"
)

// The replies below were recorded from three real Redis 7.0.15 nodes:
// A (127.0.0.1:7201) serving slots 0-8000, B (127.0.0.1:7202) serving
// 8001-16383 and C (127.0.0.1:7203) a replica of A. Each test builds the
// same view of the cluster by hand for the node it plays.

const (
	nameA = "0bce55049482078d443acdb13ec165d02acbf645"
	nameB = "c2b8eb41aa11652663a83cec98bdb97efe414073"
	nameC = "e69f4f29da19ef6d7d6a23857f673c9ee5bc0d51"
)

// Key slots: "a" 15495 (B), "b" 3300 (A), "c" 7365 (A).

type routeNop struct{}

func (routeNop) Close()        {}
func (routeNop) Outbound() int { return 0 }

// routeNode is one node's executor with a hand-built cluster view, run
// without a network.
type routeNode struct {
	t       *testing.T
	srv     *db.Server
	cl      *Cluster
	clients map[string]*db.Client
}

// newRouteNode plays node me (nameA, nameB or nameC) of the cluster
// above; withB false leaves B out and its slots unassigned.
func newRouteNode(t *testing.T, me string, withB bool) *routeNode {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("cluster-enabled yes\n"))
	srv := db.NewServer(cfg)
	st := State{State: StateOK, Nodes: map[string]*Node{}}
	a := &Node{Name: nameA, Flags: FlagMaster, IP: "127.0.0.1", Port: 7201}
	b := &Node{Name: nameB, Flags: FlagMaster, IP: "127.0.0.1", Port: 7202}
	c := &Node{Name: nameC, Flags: FlagSlave, IP: "127.0.0.1", Port: 7203, ReplicaOf: a}
	a.Replicas = []*Node{c}
	for _, n := range []*Node{a, b, c} {
		if n.Name == me {
			n.Flags |= FlagMyself
			st.Myself = n
		}
		st.Nodes[n.Name] = n
	}
	for slot := range Slots {
		switch {
		case slot <= 8000:
			st.SlotOwner[slot] = a
		case withB:
			st.SlotOwner[slot] = b
		}
	}
	if !withB {
		st.State = StateFail
	}
	cl := &Cluster{srv: srv, st: st}
	srv.Cluster = cl
	return &routeNode{t: t, srv: srv, cl: cl, clients: map[string]*db.Client{}}
}

func (n *routeNode) node(name string) *Node { return n.cl.st.Nodes[name] }

// do runs a command as client name and returns its reply, rendered.
func (n *routeNode) do(name string, args ...string) string {
	n.t.Helper()
	c := n.clients[name]
	if c == nil {
		c = n.srv.NewClient(routeNop{}, fmt.Sprint("127.0.0.1:", 50000+len(n.clients)), "127.0.0.1:7201", 10+len(n.clients))
		n.clients[name] = c
	}
	w := &resp.Writer{}
	w.ArrayLen(len(args))
	for _, a := range args {
		w.Bulk([]byte(a))
	}
	n.srv.ProcessInput(c, w.Buf)
	out := renderReply(string(c.Buf))
	c.Buf = c.Buf[:0]
	return out
}

// renderReply shows a RESP2 reply as the recording did: errors and
// statuses with their prefix, bulks quoted, arrays in brackets.
func renderReply(raw string) string {
	var render func() string
	render = func() string {
		line, rest, _ := strings.Cut(raw, "\r\n")
		raw = rest
		switch line[0] {
		case '$':
			if line == "$-1" {
				return "(nil)"
			}
			var n int
			fmt.Sscan(line[1:], &n)
			v := raw[:n]
			raw = raw[n+2:]
			return "'" + v + "'"
		case '*':
			var n int
			fmt.Sscan(line[1:], &n)
			elems := make([]string, n)
			for i := range elems {
				elems[i] = render()
			}
			return "[" + strings.Join(elems, ", ") + "]"
		}
		return line
	}
	return render()
}

// script runs "client> COMMAND args => reply" lines.
func (n *routeNode) script(lines string) {
	n.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		line = strings.TrimSpace(line)
		cmd, want, _ := strings.Cut(line, " => ")
		client, cmd, _ := strings.Cut(cmd, "> ")
		require.Equal(n.t, want, n.do(client, strings.Fields(cmd)...), line)
	}
}

func TestRouteClusterDown(t *testing.T) {
	a := newRouteNode(t, nameA, false)
	a.script(`
		A> GET b => -CLUSTERDOWN The cluster is down
		A> GET a => -CLUSTERDOWN Hash slot not served
		A> SET b 1 => -CLUSTERDOWN The cluster is down
		A> MGET b c => -CROSSSLOT Keys in request don't hash to the same slot
		A> MGET b a => -CROSSSLOT Keys in request don't hash to the same slot
		A> PING => +PONG
		A> SPUBLISH b x => :0
		A> ASKING => +OK
		A> READONLY => +OK
		A> CONFIG SET cluster-allow-reads-when-down yes => +OK
		A> GET b => (nil)
		A> SET b 1 => -CLUSTERDOWN The cluster is down and only accepts read commands
		A> GET a => -CLUSTERDOWN Hash slot not served
		A> SPUBLISH b x => :0
		A> CONFIG SET cluster-allow-pubsubshard-when-down no => +OK
		A> SPUBLISH b x => -CLUSTERDOWN The cluster is down
		A> CONFIG SET cluster-allow-pubsubshard-when-down yes => +OK
		A> CONFIG SET cluster-allow-reads-when-down no => +OK
		A> SELECT 1 => -ERR SELECT is not allowed in cluster mode
		A> SELECT 0 => +OK
		A> MOVE b 1 => -CLUSTERDOWN The cluster is down
		A> SWAPDB 0 1 => -ERR SWAPDB is not allowed in cluster mode
		A> COPY b c DB 1 => -CROSSSLOT Keys in request don't hash to the same slot
	`)
	info := a.do("A", "INFO", "cluster")
	require.Contains(t, info, "cluster_enabled:1")
	require.Contains(t, a.do("A", "INFO", "server"), "redis_mode:cluster")
}

func TestRouteMigrating(t *testing.T) {
	a := newRouteNode(t, nameA, true)
	a.script(`
		A> GET a => -MOVED 15495 127.0.0.1:7202
		A> SET b 1 => +OK
		A> MULTI => +OK
		A> GET a => -MOVED 15495 127.0.0.1:7202
		A> EXEC => -EXECABORT Transaction discarded because of previous errors.
	`)
	a.cl.st.MigratingTo[3300] = a.node(nameB) // CLUSTER SETSLOT 3300 MIGRATING B
	a.script(`
		A> GET b => '1'
		A> GET {b}x => -ASK 3300 127.0.0.1:7202
		A> MGET b {b}x => -TRYAGAIN Multiple keys request during rehashing of slot
		A> MGET {b}x {b}y => -ASK 3300 127.0.0.1:7202
		A> MULTI => +OK
		A> GET b => +QUEUED
		A2> SET {b}q v => -ASK 3300 127.0.0.1:7202
		A2> DEL b => :1
		A> EXEC => -ASK 3300 127.0.0.1:7202
		A> SET b 1 => -ASK 3300 127.0.0.1:7202
		A> EXISTS b {b}q {b}z => -ASK 3300 127.0.0.1:7202
		A> MULTI => +OK
		A> SET c 1 => +QUEUED
	`)
	a.cl.st.SlotOwner[7365] = a.node(nameB) // CLUSTER SETSLOT 7365 NODE B
	exec := a.srv.Stat(db.LookupCommandName("exec"))
	rejected, calls := exec.RejectedCalls, exec.Calls
	a.script(`
		A> EXEC => -MOVED 7365 127.0.0.1:7202
	`)
	require.Equal(t, rejected+1, exec.RejectedCalls)
	require.Equal(t, calls, exec.Calls)
	// The client is out of MULTI: the redirected EXEC discarded it.
	require.Equal(t, "-ERR EXEC without MULTI", a.do("A", "EXEC"))

	info := a.do("A", "INFO", "errorstats")
	for _, want := range []string{"errorstat_ASK:count=6", "errorstat_MOVED:count=3", "errorstat_TRYAGAIN:count=1", "errorstat_EXECABORT:count=1"} {
		require.Contains(t, info, want)
	}
}

func TestRouteImporting(t *testing.T) {
	b := newRouteNode(t, nameB, true)
	b.cl.st.ImportingFrom[3300] = b.node(nameA) // CLUSTER SETSLOT 3300 IMPORTING A
	b.script(`
		B> GET b => -MOVED 3300 127.0.0.1:7201
		B> ASKING => +OK
		B> GET b => (nil)
		B> GET b => -MOVED 3300 127.0.0.1:7201
		B> ASKING => +OK
		B> MGET {b}x {b}y => -TRYAGAIN Multiple keys request during rehashing of slot
		B> ASKING => +OK
		B> SET {b}x 1 => +OK
		B> ASKING => +OK
		B> MGET {b}x {b}x => ['1', '1']
		B> ASKING => +OK
		B> MGET {b}x {b}y => -TRYAGAIN Multiple keys request during rehashing of slot
		B> ASKING => +OK
		B> MULTI => +OK
		B> GET b => +QUEUED
		B> EXEC => [(nil)]
		B> GET b => -MOVED 3300 127.0.0.1:7201
		B> MULTI => +OK
		B> ASKING => +QUEUED
		B> GET b => -MOVED 3300 127.0.0.1:7201
		B> EXEC => -EXECABORT Transaction discarded because of previous errors.
	`)
	// A rejected command uses up ASKING too.
	b.script(`
		B> ASKING => +OK
		B> GET => -ERR wrong number of arguments for 'get' command
		B> GET b => -MOVED 3300 127.0.0.1:7201
	`)
}

func TestRouteReadOnlyReplica(t *testing.T) {
	c := newRouteNode(t, nameC, true)
	c.script(`
		C> GET b => -MOVED 3300 127.0.0.1:7201
		C> READONLY => +OK
		C> GET b => (nil)
		C> SET b 2 => -MOVED 3300 127.0.0.1:7201
		C> GET a => -MOVED 15495 127.0.0.1:7202
		C> MULTI => +OK
		C> GET b => +QUEUED
		C> EXEC => [(nil)]
		C> MULTI => +OK
		C> GET b => +QUEUED
		C> SET b 3 => -MOVED 3300 127.0.0.1:7201
		C> EXEC => -EXECABORT Transaction discarded because of previous errors.
		C> READWRITE => +OK
		C> GET b => -MOVED 3300 127.0.0.1:7201
		C> SPUBLISH b m => :0
		C> SPUBLISH a m => -MOVED 15495 127.0.0.1:7202
	`)
	c.do("C", "READONLY")
	require.Contains(t, c.do("C", "CLIENT", "INFO"), " flags=r ")
	c.do("C", "RESET")
	require.Contains(t, c.do("C", "CLIENT", "INFO"), " flags=N ")
}

// TestRouteNoKeys: commands without keys run anywhere, even when the
// cluster is down; so do our master's and the AOF's.
func TestRouteNoKeys(t *testing.T) {
	a := newRouteNode(t, nameA, false)
	a.script(`
		A> PING => +PONG
		A> DBSIZE => :0
		A> SORT b => -CLUSTERDOWN The cluster is down
		A> SORT_RO b => -CLUSTERDOWN The cluster is down
		A> ZUNIONSTORE {b}d 2 {b}x {b}y => -CLUSTERDOWN The cluster is down
		A> ZUNIONSTORE b 2 {b}x c => -CROSSSLOT Keys in request don't hash to the same slot
		A> XREAD STREAMS b c 0 0 => -CROSSSLOT Keys in request don't hash to the same slot
		A> XREAD STREAMS b c 0 => -ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.
		A> ZUNIONSTORE b 5 x => -ERR syntax error
		A> SET b => -ERR wrong number of arguments for 'set' command
		A> GEORADIUS b 0 0 1 km STORE a => -CROSSSLOT Keys in request don't hash to the same slot
		A> OBJECT ENCODING b => -CLUSTERDOWN The cluster is down
		A> MEMORY USAGE b => -CLUSTERDOWN The cluster is down
		A> XINFO STREAM b => -CLUSTERDOWN The cluster is down
		A> LMPOP 2 b a LEFT => -CROSSSLOT Keys in request don't hash to the same slot
		A> BITFIELD b GET u8 0 => -CLUSTERDOWN The cluster is down
		A> MULTI => +OK
		A> EXEC => []
	`)
	c := a.srv.NewClient(routeNop{}, "127.0.0.1:6000", "127.0.0.1:7201", 99)
	c.Flags |= db.ClientMaster
	require.True(t, c.MustObey())
}

// TestRouteEndpoints: cluster-preferred-endpoint-type as
// getPreferredEndpoint.
func TestRouteEndpoints(t *testing.T) {
	a := newRouteNode(t, nameA, true)
	a.script(`
		A> CONFIG SET cluster-preferred-endpoint-type hostname => +OK
		A> GET a => -MOVED 15495 ?:7202
	`)
	a.node(nameB).Hostname = "b.example"
	a.script(`
		A> GET a => -MOVED 15495 b.example:7202
		A> CONFIG SET cluster-preferred-endpoint-type unknown-endpoint => +OK
		A> GET a => -MOVED 15495 :7202
	`)
}

func TestRouteCommandsOutsideCluster(t *testing.T) {
	srv := db.NewServer(config.New())
	n := &routeNode{t: t, srv: srv, clients: map[string]*db.Client{}}
	n.script(`
		X> ASKING => -ERR This instance has cluster support disabled
		X> READONLY => -ERR This instance has cluster support disabled
		X> READWRITE => -ERR This instance has cluster support disabled
		X> GET a => (nil)
	`)
}

// TestRouteScripts: a script's commands are checked as
// scriptVerifyClusterState (errors as Redis 7.0.15 gives them, before the
// script engine adds where).
func TestRouteScripts(t *testing.T) {
	b := newRouteNode(t, nameB, true)
	b.do("B", "SET", "a", "v")
	caller := b.clients["B"]
	run := func(bound bool, callerArgv []string, cmds ...[]string) string {
		caller.Cmd = db.LookupCommandName(callerArgv[0])
		caller.Argv = kargsRoute(callerArgv...)
		r := &db.ScriptRun{Caller: caller, C: b.srv.NewScriptClient(), SlotBound: bound}
		b.srv.BeginScript(r)
		var out string
		for _, cmd := range cmds {
			reply, err := b.srv.ScriptCall(r, kargsRoute(cmd...))
			if out = err; err == "" {
				out = renderReply(string(reply))
			} else {
				break
			}
		}
		caller.Cmd, caller.Argv = nil, nil
		return out
	}
	// EVAL is package lua's: callers with keys are GETs here.
	eval0 := []string{"PING"}
	require.Equal(t, "Script attempted to access a non local key in a cluster node", run(false, eval0, []string{"GET", "b"}))
	require.Equal(t, "'v'", run(true, []string{"GET", "a"}, []string{"GET", "a"}))
	require.Equal(t, "Script attempted to access keys that do not hash to the same slot",
		run(true, eval0, []string{"GET", "a"}, []string{"GET", "foo"}))
	require.Equal(t, "Script attempted to access keys that do not hash to the same slot",
		run(true, []string{"GET", "a"}, []string{"GET", "a"}, []string{"GET", "foo"}))
	require.Equal(t, "Script attempted to access keys that do not hash to the same slot",
		run(true, []string{"GET", "foo"}, []string{"GET", "a"}))
	require.Equal(t, "(nil)", run(false, eval0, []string{"GET", "a"}, []string{"GET", "foo"}))
	b.cl.st.State = StateFail
	require.Equal(t, "Script attempted to execute a command while the cluster is down", run(false, eval0, []string{"GET", "a"}))
	b.do("B", "CONFIG", "SET", "cluster-allow-reads-when-down", "yes")
	require.Equal(t, "Script attempted to execute a write command while the cluster is down and readonly", run(false, eval0, []string{"SET", "a", "1"}))
}

func kargsRoute(s ...string) [][]byte {
	argv := make([][]byte, len(s))
	for i, a := range s {
		argv[i] = []byte(a)
	}
	return argv
}

// TestRouteBlocked: the cron unblocks a client blocked on a key whose
// slot went elsewhere, or on any key when the cluster fails.
func TestRouteBlocked(t *testing.T) {
	a := newRouteNode(t, nameA, true)
	require.Equal(t, "<no reply>", a.doNoReply("X", "BLPOP", "b", "0"))
	require.Equal(t, "<no reply>", a.doNoReply("Y", "BLPOP", "c", "0"))
	a.srv.Cron()
	require.Equal(t, 2, a.srv.BlockedClients())
	a.cl.st.SlotOwner[3300] = a.node(nameB)
	a.srv.Cron()
	require.Equal(t, "-MOVED 3300 127.0.0.1:7202", renderReply(string(a.clients["X"].Buf)))
	require.Equal(t, 1, a.srv.BlockedClients())
	a.cl.st.State = StateFail
	a.srv.Cron()
	require.Equal(t, "-CLUSTERDOWN The cluster is down", renderReply(string(a.clients["Y"].Buf)))
	require.Zero(t, a.srv.BlockedClients())
	require.Contains(t, a.do("Z", "INFO", "errorstats"), "errorstat_MOVED:count=1")
}

// doNoReply sends a command that may block: "<no reply>" if it did.
func (n *routeNode) doNoReply(name string, args ...string) string {
	n.t.Helper()
	n.do(name, "PING")
	c := n.clients[name]
	w := &resp.Writer{}
	w.ArrayLen(len(args))
	for _, a := range args {
		w.Bulk([]byte(a))
	}
	n.srv.ProcessInput(c, w.Buf)
	if len(c.Buf) == 0 {
		return "<no reply>"
	}
	return renderReply(string(c.Buf))
}

// TestRouteAllocatesNothing: routing a command served here costs no
// allocation.
func TestRouteAllocatesNothing(t *testing.T) {
	a := newRouteNode(t, nameA, true)
	a.do("A", "PING")
	c := a.clients["A"]
	c.Argv = kargsRoute("MSET", "{b}1", "v", "{b}2", "v")
	c.Cmd = db.LookupCommandName("mset")
	require.Zero(t, testing.AllocsPerRun(100, func() {
		if a.cl.Redirect(c) != "" {
			t.Fatal("redirected")
		}
	}))
}
