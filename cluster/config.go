package cluster

// nodes.conf: the cluster's configuration as this node knows it, in the
// format of CLUSTER NODES plus a "vars" line, loaded at start and written
// in place (one write, then a truncate) on every change, as Redis does.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/resp"
)

var nodeFlagNames = []struct {
	flag int
	name string
}{
	{FlagMyself, "myself"},
	{FlagMaster, "master"},
	{FlagSlave, "slave"},
	{FlagPFail, "fail?"},
	{FlagFail, "fail"},
	{FlagHandshake, "handshake"},
	{FlagNoAddr, "noaddr"},
	{FlagNoFailover, "nofailover"},
}

// flagNamed is the flag a nodes.conf line names, 0 for none.
func flagNamed(name string) int {
	for _, f := range nodeFlagNames {
		if strings.EqualFold(f.name, name) {
			return f.flag
		}
	}
	return 0
}

// appendFlags is representClusterNodeFlags.
func appendFlags(b []byte, flags int) []byte {
	n := len(b)
	for _, f := range nodeFlagNames {
		if flags&f.flag != 0 {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, f.name...)
		}
	}
	if len(b) == n {
		b = append(b, "noflags"...)
	}
	return b
}

// slotRanges returns, for every node, the ranges of slots it serves in
// the slot table (clusterGenNodesSlotsInfo).
func (cl *Cluster) slotRanges() map[*Node][][2]int {
	out := map[*Node][][2]int{}
	var n *Node
	start := -1
	for i := 0; i <= Slots; i++ {
		var cur *Node
		if i < Slots {
			cur = cl.st.SlotOwner[i]
		}
		if n != nil && (i == Slots || cur != n) {
			out[n] = append(out[n], [2]int{start, i - 1})
		}
		if i < Slots && cur != n {
			n, start = cur, i
		}
	}
	return out
}

// appendNodeDescription is clusterGenNodeDescription: one line of
// CLUSTER NODES (without its newline).
func (cl *Cluster) appendNodeDescription(b []byte, n *Node, ranges [][2]int, usePPort bool) []byte {
	port := n.Port
	if usePPort && n.PPort != 0 {
		port = n.PPort
	}
	b = append(b, n.Name...)
	b = fmt.Appendf(b, " %s:%d@%d", n.IP, port, n.CPort)
	if n.Hostname != "" {
		b = append(b, ',')
		b = append(b, n.Hostname...)
	}
	b = append(b, ' ')
	b = appendFlags(b, n.Flags)
	b = append(b, ' ')
	if n.ReplicaOf != nil {
		b = append(b, n.ReplicaOf.Name...)
	} else {
		b = append(b, '-')
	}
	epoch := n.ConfigEpoch
	if n.IsReplica() && n.ReplicaOf != nil {
		epoch = n.ReplicaOf.ConfigEpoch
	}
	state := "disconnected"
	if n.link != nil || n.Flags&FlagMyself != 0 {
		state = "connected"
	}
	b = fmt.Appendf(b, " %d %d %d %s", n.PingSent, n.PongReceived, epoch, state)
	if ranges == nil && n.NumSlots > 0 { // slots in the bitmap only
		start := -1
		for j := 0; j <= Slots; j++ {
			bit := j < Slots && n.HasSlot(j)
			if bit && start < 0 {
				start = j
			}
			if !bit && start >= 0 {
				ranges = append(ranges, [2]int{start, j - 1})
				start = -1
			}
		}
	}
	for _, r := range ranges {
		if r[0] == r[1] {
			b = fmt.Appendf(b, " %d", r[0])
		} else {
			b = fmt.Appendf(b, " %d-%d", r[0], r[1])
		}
	}
	if n.Flags&FlagMyself != 0 {
		for j := 0; j < Slots; j++ {
			if to := cl.st.MigratingTo[j]; to != nil {
				b = fmt.Appendf(b, " [%d->-%s]", j, to.Name)
			} else if from := cl.st.ImportingFrom[j]; from != nil {
				b = fmt.Appendf(b, " [%d-<-%s]", j, from.Name)
			}
		}
	}
	return b
}

// nodesDescription is clusterGenNodesDescription: CLUSTER NODES without
// the nodes flagged filter.
func (cl *Cluster) nodesDescription(filter int, usePPort bool) []byte {
	ranges := cl.slotRanges()
	var b []byte
	for _, n := range cl.sortedNodes() {
		if n.Flags&filter != 0 {
			continue
		}
		b = cl.appendNodeDescription(b, n, ranges[n], usePPort)
		b = append(b, '\n')
	}
	return b
}

func (cl *Cluster) configPath() string {
	p := cl.srv.Config.String("cluster-config-file")
	if !filepath.IsAbs(p) {
		if wd, err := os.Getwd(); err == nil {
			p = filepath.Join(wd, p)
		}
	}
	return p
}

// saveConfig is clusterSaveConfig: the description and the vars line, in
// one write over the old file, padded with newlines and truncated.
func (cl *Cluster) saveConfig(fsync bool) error {
	cl.st.todo &^= todoSaveConfig
	ci := cl.nodesDescription(FlagHandshake, false)
	ci = fmt.Appendf(ci, "vars currentEpoch %d lastVoteEpoch %d\n", cl.st.CurrentEpoch, cl.st.LastVoteEpoch)
	size := len(ci)
	f, err := os.OpenFile(cl.configPath(), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(size) {
		pad := make([]byte, fi.Size()-int64(size))
		for i := range pad {
			pad[i] = '\n'
		}
		ci = append(ci, pad...)
	}
	if _, err := f.WriteAt(ci, 0); err != nil {
		return err
	}
	if fsync {
		cl.st.todo &^= todoFsyncConfig
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if len(ci) != size {
		f.Truncate(int64(size))
	}
	return nil
}

func (cl *Cluster) saveConfigOrDie(fsync bool) {
	if err := cl.saveConfig(fsync); err != nil {
		logger.Warningf("Fatal: can't update cluster config file.")
		os.Exit(1)
	}
}

// lockConfig is clusterLockConfig: an flock held for the life of the
// process, so that two nodes never share a nodes.conf.
func (cl *Cluster) lockConfig() error {
	path := cl.configPath()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		logger.Warningf("Can't open %s in order to acquire a lock: %v", path, err)
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			logger.Warningf("Sorry, the cluster configuration file %s is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.", path)
		} else {
			logger.Warningf("Impossible to lock %s: %v", path, err)
		}
		f.Close()
		return err
	}
	cl.lockFile = f
	return nil
}

var errNoConfig = errors.New("no cluster configuration")

// loadConfig is clusterLoadConfig: errNoConfig when there is none (or it
// is empty), an error for a corrupted one (the caller exits).
func (cl *Cluster) loadConfig() error {
	data, err := os.ReadFile(cl.configPath())
	if errors.Is(err, os.ErrNotExist) || err == nil && len(data) == 0 {
		return errNoConfig
	}
	if err != nil {
		logger.Warningf("Loading the cluster node config from %s: %v", cl.configPath(), err)
		return err
	}
	st := &cl.st
	fmterr := errors.New("Unrecoverable error: corrupted cluster config file.")
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		args, ok := resp.SplitArgs([]byte(line), nil)
		if !ok {
			return fmterr
		}
		argv := make([]string, len(args))
		for i, a := range args {
			argv[i] = string(a)
		}
		if len(argv) == 0 {
			continue
		}
		if strings.EqualFold(argv[0], "vars") {
			if len(argv)%2 == 0 {
				return fmterr
			}
			for j := 1; j < len(argv); j += 2 {
				v, _ := strconv.ParseUint(argv[j+1], 10, 64)
				switch strings.ToLower(argv[j]) {
				case "currentepoch":
					st.CurrentEpoch = v
				case "lastvoteepoch":
					st.LastVoteEpoch = v
				default:
					logger.Warningf("Skipping unknown cluster config variable '%s'", argv[j])
				}
			}
			continue
		}
		if len(argv) < 8 || !validName(argv[0]) {
			return fmterr
		}
		n := cl.lookupNode(argv[0])
		if n == nil {
			n = newNode(argv[0], 0)
			cl.addNode(n)
		}
		addr := argv[1]
		if i := strings.IndexByte(addr, ','); i >= 0 {
			n.Hostname, addr = addr[i+1:], addr[:i]
		} else {
			n.Hostname = ""
		}
		colon := strings.LastIndexByte(addr, ':')
		if colon < 0 {
			return fmterr
		}
		n.IP = addr[:colon]
		port, bus, hasBus := strings.Cut(addr[colon+1:], "@")
		n.Port = atoi(port)
		if hasBus {
			n.CPort = atoi(bus)
		} else {
			n.CPort = n.Port + portIncr
		}
		for _, f := range strings.Split(argv[2], ",") {
			if strings.EqualFold(f, "noflags") {
				continue
			}
			flag := flagNamed(f)
			if flag == 0 {
				logger.Warningf("Unknown flag in redis cluster config file")
				return fmterr
			}
			n.Flags |= flag
			switch flag {
			case FlagMyself:
				st.Myself = n
			case FlagFail:
				n.FailTime = nowMs()
			}
		}
		if argv[3][0] != '-' {
			if !validName(argv[3]) {
				return fmterr
			}
			master := cl.lookupNode(argv[3])
			if master == nil {
				master = newNode(argv[3], 0)
				cl.addNode(master)
			}
			n.ReplicaOf = master
			addReplica(master, n)
		}
		if atoi(argv[4]) != 0 {
			n.PingSent = nowMs()
		}
		if atoi(argv[5]) != 0 {
			n.PongReceived = nowMs()
		}
		if n.IsReplica() && n.ReplicaOf != nil {
			n.ConfigEpoch = 0
		} else {
			n.ConfigEpoch, _ = strconv.ParseUint(argv[6], 10, 64)
		}
		for _, a := range argv[8:] {
			if strings.HasPrefix(a, "[") {
				dash := strings.IndexByte(a, '-')
				if dash < 0 || dash+3 > len(a) {
					return fmterr
				}
				slot := atoi(a[1:dash])
				dir := a[dash+1]
				rest := a[dash+3:]
				end := strings.IndexByte(rest, ']')
				if slot < 0 || slot >= Slots || end < 0 || !validName(rest[:end]) {
					return fmterr
				}
				cn := cl.lookupNode(rest[:end])
				if cn == nil {
					cn = newNode(rest[:end], 0)
					cl.addNode(cn)
				}
				if dir == '>' {
					st.MigratingTo[slot] = cn
				} else {
					st.ImportingFrom[slot] = cn
				}
				continue
			}
			start, stop := 0, 0
			if lo, hi, ok := strings.Cut(a, "-"); ok {
				start, stop = atoi(lo), atoi(hi)
			} else {
				start = atoi(a)
				stop = start
			}
			if start < 0 || start >= Slots || stop < 0 || stop >= Slots {
				return fmterr
			}
			for ; start <= stop; start++ {
				cl.addSlot(n, start)
			}
		}
	}
	if st.Myself == nil {
		return fmterr
	}
	logger.Noticef("Node configuration loaded, I'm %.40s", st.Myself.Name)
	if m := cl.maxEpoch(); m > st.CurrentEpoch {
		st.CurrentEpoch = m
	}
	return nil
}

// atoi is C's atoi: the leading digits, 0 for none.
func atoi(s string) int {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

const portIncr = 10000
