package cluster

import (
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/logger"
)

// replication is what cluster mode asks of replication (*repl.Repl).
type replication interface {
	SetMaster(host string, port int)
	UnsetMaster()
	MasterHost() string
	ClusterOffset() int64
	MasterDataAge(now time.Time) int64
}

// Cluster is one server's cluster mode: its view of the cluster and its
// links to the other nodes. db reaches it through Server.Cluster.
type Cluster struct {
	srv  *db.Server
	repl replication
	st   State

	lockFile  *os.File // nodes.conf, locked while the process lives
	listeners []net.Listener
	inbound   map[*link]struct{} // accepted links, until freed
	closed    bool

	lastCron     time.Time
	iteration    uint64
	pingsSent    uint64
	lastInGossip map[*Node]uint64 // the sendPing that last gossiped about a node
	notClaiming  [Slots / 8]byte  // owner_not_claiming_slot

	fo failoverState
	mf manualFailover

	linksBufferLimitExceeded int64
	dropFilter               int64 // DEBUG DROP-CLUSTER-PACKET-FILTER, -1 for none
	beforeSleepQueued        bool  // a beforeSleep task is on its way
	mfRecheck                bool  // a manual failover's offset check is on its way (handleManualFailover)
}

// Attach turns cluster mode on for srv (clusterInit): nodes.conf loaded
// (or created with a new node name), the bus port open, the cron and the
// command redirection plugged in. An error is already logged: the server
// exits.
func Attach(srv *db.Server, r replication) (*Cluster, error) {
	cl := &Cluster{
		srv:          srv,
		repl:         r,
		inbound:      map[*link]struct{}{},
		lastInGossip: map[*Node]uint64{},
	}
	cl.st = State{State: StateFail, Size: 1, Nodes: map[string]*Node{}, blacklist: map[string]int64{}}
	cl.mf.masterOffset = -1
	cl.dropFilter = -1
	if err := cl.lockConfig(); err != nil {
		return nil, err
	}
	if err := cl.loadConfig(); errors.Is(err, errNoConfig) {
		me := newNode("", FlagMyself|FlagMaster)
		cl.st.Myself = me
		logger.Noticef("No cluster configuration found, I'm %.40s", me.Name)
		cl.addNode(me)
		cl.saveConfigOrDie(true)
	} else if err != nil {
		logger.Warningf("%v", err)
		return nil, err
	}
	port := srv.Loop.Port()
	if srv.Config.Int("cluster-port") == 0 && port > 65535-portIncr {
		logger.Warningf("Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.")
		return nil, errors.New("port too high")
	}
	_, _, cport := cl.announcedPorts()
	if p := srv.Config.Int("cluster-port"); p != 0 {
		cport = int(p)
	} else {
		cport = port + portIncr
	}
	if err := cl.listen(srv.Config.Strings("bind"), cport); err != nil {
		logger.Warningf("Failed listening on port %d (cluster), aborting.", cport)
		return nil, err
	}
	me := cl.st.Myself
	me.Port, me.PPort, me.CPort = cl.announcedPorts()
	cl.updateMyselfFlags()
	me.IP = srv.Config.String("cluster-announce-ip")
	me.Hostname = srv.Config.String("cluster-announce-hostname")

	cfg := srv.Config
	cfg.OnChange("cluster-replica-no-failover", func() error { cl.updateMyselfFlags(); return nil })
	cfg.OnChange("cluster-announce-ip", func() error {
		// clusterUpdateMyselfIp: "" lets the next MEET or PING tell us.
		cl.st.Myself.IP = cfg.String("cluster-announce-ip")
		return nil
	})
	cfg.OnChange("cluster-announce-hostname", func() error {
		cl.st.Myself.Hostname = cfg.String("cluster-announce-hostname")
		return nil
	})
	for _, name := range []string{"cluster-announce-port", "cluster-announce-bus-port", "cluster-announce-tls-port"} {
		cfg.OnChange(name, func() error {
			me := cl.st.Myself
			me.Port, me.PPort, me.CPort = cl.announcedPorts()
			return nil
		})
	}
	srv.Cluster = cl
	srv.OnCron(cl.cronTick)
	srv.OnBeforeSleep(cl.beforeSleep)
	srv.OnClusterPublish(cl.Publish)
	srv.OnShutdown(func(int) error {
		cl.close()
		return nil
	})
	return cl, nil
}

// updateMyselfFlags follows cluster-replica-no-failover.
func (cl *Cluster) updateMyselfFlags() {
	me := cl.st.Myself
	old := me.Flags
	me.Flags &^= FlagNoFailover
	if cl.srv.Config.Bool("cluster-replica-no-failover") {
		me.Flags |= FlagNoFailover
	}
	if me.Flags != old {
		cl.doBeforeSleep(todoSaveConfig | todoUpdateState)
	}
}

// close stops the bus at shutdown.
func (cl *Cluster) close() {
	cl.closed = true
	for _, ln := range cl.listeners {
		ln.Close()
	}
	for _, n := range cl.st.Nodes {
		if n.link != nil {
			n.link.free()
		}
		if n.inLink != nil {
			n.inLink.free()
		}
	}
	for l := range cl.inbound {
		l.free()
	}
}

// Info writes INFO cluster's fields after cluster_enabled: none more, as
// Redis.
func (cl *Cluster) Info(b *strings.Builder) {}

// VerifyWithData is verifyClusterConfigWithData, after the data is
// loaded: keys only in db 0, and the slots of our keys ours (an
// unassigned one is taken, another node's is set importing). An error
// means keys outside db 0: the server exits.
func (cl *Cluster) VerifyWithData() error {
	st := &cl.st
	if st.Myself.IsReplica() {
		return nil
	}
	for _, d := range cl.srv.DBs[1:] {
		if d.Len() != 0 {
			logger.Warningf("You can't have keys in a DB different than DB 0 when in Cluster mode. Exiting.")
			return errors.New("keys outside db 0")
		}
	}
	update := false
	for j := 0; j < Slots; j++ {
		if cl.srv.DBs[0].CountKeysInSlot(j) == 0 || st.SlotOwner[j] == st.Myself || st.ImportingFrom[j] != nil {
			continue
		}
		update = true
		if st.SlotOwner[j] == nil {
			logger.Warningf("I have keys for unassigned slot %d. Taking responsibility for it.", j)
			cl.addSlot(st.Myself, j)
		} else {
			logger.Warningf("I have keys for slot %d, but the slot is assigned to another node. Setting it to importing state.", j)
			st.ImportingFrom[j] = st.SlotOwner[j]
		}
	}
	if update {
		cl.saveConfigOrDie(true)
	}
	return nil
}
