package clusterbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bin with frames captured from real Redis")

const (
	redisServer = "/usr/bin/redis-server"
	waitLimit   = 10 * time.Second // bound of every poll and read
)

// realNode is a real Redis 7.0 started in cluster mode for one test.
type realNode struct {
	port, cport int
	id          string
	client      *redis.Client
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startRealNode(t *testing.T, args ...string) *realNode {
	_, err := os.Stat(redisServer)
	require.NoError(t, err, "the interop tests need real Redis 7.0 at %s", redisServer)
	dir := t.TempDir()
	r := &realNode{port: freePort(t), cport: freePort(t)}
	args = append([]string{
		"--port", strconv.Itoa(r.port), "--cluster-port", strconv.Itoa(r.cport),
		"--bind", "127.0.0.1", "--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log"),
	}, args...)
	cmd := exec.Command(redisServer, args...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Logf("redis.log of the node on port %d:\n%s", r.port, log)
		}
	})
	r.client = redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), Protocol: 2})
	t.Cleanup(func() { r.client.Close() })
	ctx := context.Background()
	poll(t, "the real node answers PING", func() bool { return r.client.Ping(ctx).Err() == nil })
	r.id, err = r.client.Do(ctx, "cluster", "myid").Text()
	require.NoError(t, err)
	return r
}

// poll checks cond until it holds, failing the test after waitLimit.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clusterNodesLine is the real node's CLUSTER NODES line about name.
func (r *realNode) clusterNodesLine(t *testing.T, name string) string {
	nodes, err := r.client.Do(context.Background(), "cluster", "nodes").Text()
	require.NoError(t, err)
	for _, line := range strings.Split(nodes, "\n") {
		if strings.HasPrefix(line, name+" ") {
			return line
		}
	}
	return ""
}

// fakeNode is a cluster node made of this package alone: it listens on a
// bus port, answers every PING and MEET with a PONG and hands whatever it
// receives to the test.
type fakeNode struct {
	name     string
	port     uint16 // never listened on: the bus does not use it
	cport    uint16
	hostname string
	frames   chan frame
	muted    atomic.Bool // stop answering pings, as a failing node

	mu    sync.Mutex
	conns []net.Conn
}

type frame struct {
	raw []byte
	msg *Message
	err error
}

func newFakeNode(t *testing.T, hostname string) *fakeNode {
	var id [20]byte
	rand.Read(id[:])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cport := ln.Addr().(*net.TCPAddr).Port
	f := &fakeNode{
		name: hex.EncodeToString(id[:]), port: uint16(cport - 1), cport: uint16(cport),
		hostname: hostname, frames: make(chan frame, 1000),
	}
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.track(c)
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeNode) track(c net.Conn) {
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
}

// serve reads a link the real node opened to us, as the real node's
// clusterReadHandler would, and answers pings.
func (f *fakeNode) serve(c net.Conn) {
	for {
		raw, err := ReadFrame(c, 1<<20)
		if err != nil {
			return
		}
		m, err := Decode(raw)
		select {
		case f.frames <- frame{raw, m, err}:
		default:
		}
		if err == nil && (m.Type == TypePing || m.Type == TypeMeet) && !f.muted.Load() {
			c.Write(f.message(TypePong).Append(nil))
		}
	}
}

// message is a message from f: a master without slots, announcing
// 127.0.0.1, as clusterBuildMessageHdr would fill it.
func (f *fakeNode) message(typ uint16) *Message {
	return &Message{
		Header: Header{
			Type: typ, Port: f.port, CPort: f.cport, Sender: f.name,
			MyIP: "127.0.0.1", Flags: 1, State: 1,
		},
		Hostname: f.hostname,
	}
}

// await returns the next frame the real node sent on a link it opened to
// f that satisfies ok.
func (f *fakeNode) await(t *testing.T, what string, ok func(*Message) bool) frame {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case fr := <-f.frames:
			require.NoError(t, fr.err, "decoding a frame from the real node")
			if ok(fr.msg) {
				return fr
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// dial opens a link from f to the real node's bus port.
func (f *fakeNode) dial(t *testing.T, r *realNode) net.Conn {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.cport))
	require.NoError(t, err)
	f.track(c)
	return c
}

// exchange sends m on c and reads the real node's reply.
func exchange(t *testing.T, c net.Conn, m *Message) frame {
	t.Helper()
	_, err := c.Write(m.Append(nil))
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(waitLimit))
	raw, err := ReadFrame(c, 1<<20)
	require.NoError(t, err)
	reply, err := Decode(raw)
	require.NoError(t, err)
	return frame{raw: raw, msg: reply}
}

// checkFidelity re-encodes a frame from Redis and saves it as a golden.
func checkFidelity(t *testing.T, fr frame, golden string) {
	t.Helper()
	require.Equal(t, fr.raw, fr.msg.Append(nil), "re-encoding %s gives Redis's bytes", golden)
	if *update {
		require.NoError(t, os.WriteFile(filepath.Join("testdata", golden), fr.raw, 0o644))
	}
}

// waitKnown waits until the real node lists f as a master it completed
// the handshake with, and returns that line of CLUSTER NODES. The real
// node learns a hostname from the first PING or PONG it gets from a known
// node (the handshake's PONG comes from a node not yet known): c, f's link
// to the real node, carries that PING instead of waiting for the real
// node's next one.
func waitKnown(t *testing.T, r *realNode, f *fakeNode, c net.Conn) string {
	t.Helper()
	var line string
	poll(t, "the real node knows "+f.name, func() bool {
		line = r.clusterNodesLine(t, f.name)
		fields := strings.Fields(line)
		return len(fields) >= 8 && fields[2] == "master" && fields[7] == "connected"
	})
	if f.hostname != "" {
		exchange(t, c, f.message(TypePing))
		line = r.clusterNodesLine(t, f.name)
	}
	addr := fmt.Sprintf("127.0.0.1:%d@%d", f.port, f.cport)
	if f.hostname != "" {
		addr += "," + f.hostname
	}
	require.Equal(t, addr, strings.Fields(line)[1])
	return line
}

// TestRealNode joins fake nodes made of this package to a real Redis 7.0
// cluster node: MEET, the node's PONG, its connection back and PING, our
// PONG, and then gossip, slots and Pub/Sub both ways.
func TestRealNode(t *testing.T) {
	ctx := context.Background()
	r := startRealNode(t)

	f1 := newFakeNode(t, "fake-1.example")
	c1 := f1.dial(t, r)
	pong := exchange(t, c1, f1.message(TypeMeet))
	require.Equal(t, uint16(TypePong), pong.msg.Type)
	require.Equal(t, r.id, pong.msg.Sender)
	require.Equal(t, uint16(r.port), pong.msg.Port)
	require.Equal(t, uint16(r.cport), pong.msg.CPort)
	require.Equal(t, uint16(16|1), pong.msg.Flags, "myself,master")
	require.Empty(t, pong.msg.ReplicaOf)
	require.Empty(t, pong.msg.Hostname)
	checkFidelity(t, pong, "pong.bin")

	// The real node connects back to our bus port and PINGs; our PONG
	// completes the handshake.
	ping := f1.await(t, "the real node's PING", func(m *Message) bool { return m.Type == TypePing })
	require.Equal(t, r.id, ping.msg.Sender)
	checkFidelity(t, ping, "ping.bin")
	line := waitKnown(t, r, f1, c1)
	t.Logf("the real node lists us: %s", line)

	f2, f3 := newFakeNode(t, ""), newFakeNode(t, "fake-3.example")
	for _, f := range []*fakeNode{f2, f3} {
		c := f.dial(t, r)
		exchange(t, c, f.message(TypeMeet))
		waitKnown(t, r, f, c)
	}

	// The slots the real node claims, and gossip about the fake nodes.
	slots := []int{0, 1, 5, 16383}
	require.NoError(t, r.client.Do(ctx, "cluster", "addslots", 0, 1, 5, 16383).Err())
	fakes := map[string]*fakeNode{f1.name: f1, f2.name: f2, f3.name: f3}
	var gossip frame
	poll(t, "a PONG with gossip", func() bool {
		gossip = exchange(t, c1, f1.message(TypePing))
		return len(gossip.msg.Gossip) > 0
	})
	require.Equal(t, uint16(TypePong), gossip.msg.Type)
	for s := 0; s < 16384; s++ {
		require.Equal(t, contains(slots, s), SlotBit(&gossip.msg.MySlots, s), "slot %d", s)
	}
	require.Equal(t, []byte{0x23}, gossip.msg.MySlots[:1], "slots 0, 1, 5: bits 0, 1, 5 of byte 0")
	require.Equal(t, byte(0x80), gossip.msg.MySlots[2047], "slot 16383: bit 7 of byte 2047")
	for _, g := range gossip.msg.Gossip {
		f := fakes[g.Name]
		require.NotNil(t, f, "gossip about %q", g.Name)
		require.Equal(t, "127.0.0.1", g.IP)
		require.Equal(t, f.port, g.Port)
		require.Equal(t, f.cport, g.CPort)
		require.Equal(t, uint16(1), g.Flags&1, "master")
	}
	checkFidelity(t, gossip, "pong-slots-gossip.bin")

	// Our PUBLISH reaches the real node's subscribers.
	sub := r.client.Subscribe(ctx, "ch")
	defer sub.Close()
	_, err := sub.Receive(ctx)
	require.NoError(t, err)
	pub := f1.message(TypePublish)
	pub.Channel, pub.Payload = []byte("ch"), []byte("hi")
	_, err = c1.Write(pub.Append(nil))
	require.NoError(t, err)
	select {
	case msg := <-sub.Channel():
		require.Equal(t, "ch", msg.Channel)
		require.Equal(t, "hi", msg.Payload)
	case <-time.After(waitLimit):
		t.Fatal("our PUBLISH did not reach the real node's subscriber")
	}

	// The real node's PUBLISH reaches us.
	require.NoError(t, r.client.Publish(ctx, "news", "from real redis").Err())
	pubIn := f2.await(t, "the real node's PUBLISH", func(m *Message) bool { return m.Type == TypePublish })
	require.Equal(t, "news", string(pubIn.msg.Channel))
	require.Equal(t, "from real redis", string(pubIn.msg.Payload))
	checkFidelity(t, pubIn, "publish.bin")

	info, err := r.client.Do(ctx, "cluster", "info").Text()
	require.NoError(t, err)
	require.Contains(t, info, "cluster_known_nodes:4")
	require.Contains(t, info, "cluster_stats_messages_publish_received:1")

	// Our UPDATE gives slot 100 to f2 with config epoch 5, our FAIL marks
	// f3 (which stops answering, or its next PONG would clear the flag) as
	// failing. A PING on the same link makes sure both were processed.
	upd := f1.message(TypeUpdate)
	upd.UpdateName, upd.UpdateConfigEpoch = f2.name, 5
	SetSlotBit(&upd.UpdateSlots, 100)
	fail := f1.message(TypeFail)
	fail.FailName = f3.name
	f3.muted.Store(true)
	_, err = c1.Write(fail.Append(upd.Append(nil)))
	require.NoError(t, err)
	exchange(t, c1, f1.message(TypePing))
	f2Line := strings.Fields(r.clusterNodesLine(t, f2.name))
	require.Equal(t, []string{"5", "connected", "100"}, f2Line[6:], "config epoch, link, slots of %v", f2Line)
	f3Line := strings.Fields(r.clusterNodesLine(t, f3.name))
	require.Equal(t, "master,fail", f3Line[2], "%v", f3Line)
}

// TestRealNodeHostname has a real node with an announced hostname MEET us
// (CLUSTER MEET) and answer our PING: both carry the hostname extension.
func TestRealNodeHostname(t *testing.T) {
	ctx := context.Background()
	r := startRealNode(t, "--cluster-announce-hostname", "real-2.example.com")
	f := newFakeNode(t, "")
	require.NoError(t, r.client.Do(ctx, "cluster", "meet", "127.0.0.1", f.port, f.cport).Err())
	meet := f.await(t, "the real node's MEET", func(m *Message) bool { return m.Type == TypeMeet })
	require.Equal(t, r.id, meet.msg.Sender)
	require.Equal(t, "real-2.example.com", meet.msg.Hostname)
	require.Equal(t, byte(FlagExtData), meet.msg.MFlags[0]&FlagExtData)
	checkFidelity(t, meet, "meet-hostname.bin")
	c := f.dial(t, r)
	waitKnown(t, r, f, c)

	pong := exchange(t, c, f.message(TypePing))
	require.Equal(t, uint16(TypePong), pong.msg.Type)
	require.Equal(t, "real-2.example.com", pong.msg.Hostname)
	checkFidelity(t, pong, "pong-hostname.bin")
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
