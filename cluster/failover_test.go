package cluster

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
)

// taskLoop queues what Execute gets, as gnet does; run drains it the way
// gnet runs a batch of tasks: those queued meanwhile run in the same
// batch.
type taskLoop struct {
	mu    sync.Mutex
	tasks []func()
}

func (l *taskLoop) Shutdown()             {}
func (l *taskLoop) Port() int             { return 7203 }
func (l *taskLoop) ExecuteBusy(fn func()) { l.Execute(fn) }
func (l *taskLoop) NextTurn(fn func())    { l.Execute(fn) }
func (l *taskLoop) Execute(fn func()) {
	l.mu.Lock()
	l.tasks = append(l.tasks, fn)
	l.mu.Unlock()
}

// run runs the batch; it reports false if the batch did not end within
// max tasks.
func (l *taskLoop) run(max int) bool {
	for i := 0; i < max; i++ {
		l.mu.Lock()
		if len(l.tasks) == 0 {
			l.mu.Unlock()
			return true
		}
		fn := l.tasks[0]
		l.tasks = l.tasks[1:]
		l.mu.Unlock()
		fn()
	}
	return false
}

// offsetRepl is a replica's replication with a settable offset.
type offsetRepl struct{ offset int64 }

func (r *offsetRepl) SetMaster(string, int)             {}
func (r *offsetRepl) UnsetMaster()                      {}
func (r *offsetRepl) MasterHost() string                { return "127.0.0.1" }
func (r *offsetRepl) ClusterOffset() int64              { return r.offset }
func (r *offsetRepl) MasterDataAge(time.Time) int64     { return 0 }
func (r *offsetRepl) sync(offset int64, loop *taskLoop) { loop.Execute(func() { r.offset = offset }) }

// TestManualFailoverWaitLetsTheStreamIn: a replica waiting to reach its
// paused master's offset must let its loop poll, or the stream it waits
// for is never read. Its check used to queue itself again from the task
// that ran it: the batch of tasks never ended.
func TestManualFailoverWaitLetsTheStreamIn(t *testing.T) {
	cfg := config.New()
	require.NoError(t, cfg.LoadString("cluster-enabled yes\n"))
	srv := db.NewServer(cfg)
	loop := &taskLoop{}
	srv.Loop = loop
	master := &Node{Name: nameA, Flags: FlagMaster, IP: "127.0.0.1", Port: 7201}
	me := &Node{Name: nameC, Flags: FlagSlave | FlagMyself, IP: "127.0.0.1", Port: 7203, ReplicaOf: master}
	master.Replicas = []*Node{me}
	st := State{State: StateOK, Nodes: map[string]*Node{nameA: master, nameC: me}, Myself: me}
	rp := &offsetRepl{offset: 100}
	cl := &Cluster{srv: srv, repl: rp, st: st}
	cl.mf = manualFailover{end: nowMs() + mfTimeout, masterOffset: 152}

	cl.doBeforeSleep(todoHandleManualFailover)
	require.True(t, loop.run(1000), "the batch of tasks never ends while the replica waits")
	require.False(t, cl.mf.canStart)

	// The rest of the stream arrives in the next poll; a later check
	// sees it.
	rp.sync(152, loop)
	require.Eventually(t, func() bool {
		loop.run(1000)
		return cl.mf.canStart
	}, 5*time.Second, time.Millisecond)
}
