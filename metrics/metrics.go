package metrics

// The endpoint's life (Attach, Start on metrics-port / metrics-bind and on
// their CONFIG SET) and what a request copies from the loop (take).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/repl"
)

// Metrics is the endpoint of one server.
type Metrics struct {
	srv *db.Server

	// history is the offset's recent past. Loop only.
	history offsetHistory

	// mu guards the listener, which CONFIG SET replaces on the loop while
	// requests run.
	mu   sync.Mutex
	http *httpServer
	addr string // where it listens, "" when off
}

// Attach creates the endpoint of srv and plugs it in: Server.Metrics, the
// cron that samples the offset, and the CONFIG SET hooks of metrics-port
// and metrics-bind. It listens once Start is called.
func Attach(srv *db.Server) *Metrics {
	m := &Metrics{srv: srv}
	srv.Metrics = m
	srv.OnCron(m.cron)
	srv.Config.OnChange("metrics-port", m.Start)
	srv.Config.OnChange("metrics-bind", m.Start)
	return m
}

// Of returns the endpoint of srv, nil if none.
func Of(srv *db.Server) *Metrics {
	m, _ := srv.Metrics.(*Metrics)
	return m
}

// Start listens on metrics-bind:metrics-port, replacing the listener in
// use; a port of 0 turns the endpoint off.
func (m *Metrics) Start() error {
	port := m.srv.Config.Int("metrics-port")
	bind := m.srv.Config.String("metrics-bind")
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.http != nil {
		m.http.close()
		m.http, m.addr = nil, ""
	}
	if port == 0 {
		return nil
	}
	addr := net.JoinHostPort(bind, strconv.FormatInt(port, 10))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("Unable to listen on the metrics port %s: %v", addr, err)
	}
	hs := newHTTPServer(ln, map[string]func() page{
		"/metrics":     m.serveMetrics,
		"/status.json": m.serveStatus,
		"/":            m.servePage,
	})
	m.http, m.addr = hs, ln.Addr().String()
	logger.Noticef("Metrics endpoint and status page on http://%s/", m.addr)
	go hs.serve()
	return nil
}

// Addr is where the endpoint listens, "" when off.
func (m *Metrics) Addr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addr
}

// cron samples the replication offset.
func (m *Metrics) cron(now time.Time) {
	if r := repl.Of(m.srv); r != nil {
		m.history.record(now, r.ReplID, r.Offset)
	}
}

// scrape is what one request copies from the loop.
type scrape struct {
	time time.Time
	info string // INFO everything
	repl repl.Status

	databases, ioThreads, maxClients, maxMemory int64
	port                                        int64
	binds                                       []string
	masterUser, masterAuth                      string

	slowlogLen                     int
	slowlogLastID, slowlogLastUsec int64
	latency                        []db.LatencyEvent

	// From the offset history, at time.
	rate        float64 // bytes per second, if rateKnown
	rateKnown   bool
	backlogAge  time.Duration // of the backlog's oldest byte
	backlogOld  bool          // the backlog is older than the history: backlogAge is a lower bound
	replicaLags []time.Duration
}

// errLoopBusy is a scrape the loop did not serve in time.
var errLoopBusy = errors.New("the server did not answer in time")

// take copies a scrape on the loop; withInfo adds INFO's text, which the
// status page does not need.
func (m *Metrics) take(ctx context.Context, withInfo bool) (*scrape, error) {
	ch := make(chan *scrape, 1)
	m.srv.Loop.Execute(func() { ch <- m.collect(withInfo) })
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case s := <-ch:
		return s, nil
	case <-ctx.Done():
		return nil, errLoopBusy
	}
}

// collect runs on the loop.
func (m *Metrics) collect(withInfo bool) *scrape {
	srv, cfg := m.srv, m.srv.Config
	now := time.Now()
	s := &scrape{time: now,
		databases: cfg.Int("databases"), ioThreads: cfg.Int("io-threads"), maxClients: cfg.Int("maxclients"),
		maxMemory: cfg.Int("maxmemory"), port: cfg.Int("port"), binds: cfg.Strings("bind"),
		masterUser: cfg.String("masteruser"), masterAuth: cfg.String("masterauth")}
	if withInfo {
		s.info = srv.Info("everything")
	}
	if cfg.Bool("cluster-enabled") {
		s.databases = 1
	}
	s.slowlogLen, s.slowlogLastID, s.slowlogLastUsec = srv.SlowlogLatest()
	s.latency = srv.LatencyLatest()
	r := repl.Of(srv)
	if r == nil {
		return s
	}
	m.history.record(now, r.ReplID, r.Offset)
	s.repl = r.Status()
	s.rate, s.rateKnown = m.history.rate(now)
	if s.repl.BacklogActive && s.repl.BacklogHistlen > 0 {
		age, exact := m.history.age(now, s.repl.BacklogFirst-1)
		s.backlogAge, s.backlogOld = age, !exact
	}
	for _, rep := range s.repl.Replicas {
		lag, _ := m.history.age(now, rep.AckOffset)
		s.replicaLags = append(s.replicaLags, lag)
	}
	return s
}

func (m *Metrics) serveMetrics() page {
	s, err := m.take(context.Background(), true)
	r := newRegistry()
	if err != nil {
		r.gauge("redis_up", "Information about the Redis instance", 0)
	} else {
		r.gauge("redis_up", "Information about the Redis instance", 1)
		exporterMetrics(r, s)
		replicationMetrics(r, s)
	}
	return page{status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: []byte(r.text())}
}
