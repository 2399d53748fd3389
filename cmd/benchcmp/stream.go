package main

// The stream section: a consumer-group work queue, which redis-benchmark
// cannot drive (XACK needs the IDs XREADGROUP returned). A stream is filled
// with -stream-entries entries, then -c clients of one group each loop
// XREADGROUP COUNT -stream-count then XACK of the IDs it got, until the
// stream is drained: commands per second (XREADGROUP and XACK each count
// one), entries acknowledged per second and the server's CPU time per 100k
// commands, without pipelining and with -P 16 (a client sends 16
// XREADGROUPs, then the XACKs of their replies). Then the memory of a
// stream: VmRSS of a fresh server after -stream-rss-n XADDs
// (redis-benchmark -P 16 XADD bench:rss * field value).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

const streamKey = "bench:queue"

// streamResult is one loop run on one server.
type streamResult struct {
	status   string
	cmds     int64   // XREADGROUP and XACK commands sent
	entries  int64   // entries read and acknowledged
	secs     float64 // wall time of the loop
	cpuTicks int64
}

func (r streamResult) cmdRate() float64   { return float64(r.cmds) / r.secs }
func (r streamResult) entryRate() float64 { return float64(r.entries) / r.secs }

func runStreams(opt *options, ticks int64) {
	ours := &server{name: "ours", bin: opt.ours}
	redis := &server{name: "redis", bin: opt.redis}
	fmt.Printf("Streams: %d clients of one consumer group, XREADGROUP COUNT %d then XACK of its IDs, until %d entries are drained\n",
		opt.clients, opt.streamCount, opt.streamEntries)
	fmt.Printf("  %-26s %12s %12s %10s\n", "", "ours", "redis", "ours/redis")
	for _, p := range opt.pipelines {
		var rs [2]streamResult
		order := []int{0, 1}
		if p > 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			rs[i] = measureStreamLoop(opt, []*server{ours, redis}[i], p)
			fmt.Fprintf(os.Stderr, "stream loop P=%d %s: %d commands, %d entries in %.2fs %s\n",
				p, []string{"ours", "redis"}[i], rs[i].cmds, rs[i].entries, rs[i].secs, rs[i].status)
		}
		printStreamRows(os.Stdout, p, rs[0], rs[1], ticks)
	}
	if opt.streamRSSN > 0 {
		var kb [2]rssResult
		for i, s := range []*server{ours, redis} {
			kb[i] = rssAfterXadds(opt, s)
			fmt.Fprintf(os.Stderr, "stream RSS %-5s %d kB %s\n", s.name, kb[i].kb, kb[i].err)
		}
		name := fmt.Sprintf("RSS MB, %d-entry stream", opt.streamRSSN)
		if kb[0].err != "" || kb[1].err != "" {
			fmt.Printf("  %-26s %12s %12s\n", name, orOK(kb[0].err), orOK(kb[1].err))
		} else {
			streamRow(os.Stdout, name, float64(kb[0].kb)/1024, float64(kb[1].kb)/1024, "%.1f")
		}
	}
	fmt.Println()
}

func printStreamRows(w io.Writer, p int, ours, redis streamResult, ticks int64) {
	if ours.status != "" || redis.status != "" {
		fmt.Fprintf(w, "  P=%-2d ours: %s  redis: %s\n", p, orOK(ours.status), orOK(redis.status))
		return
	}
	cpu := func(r streamResult) float64 {
		return float64(r.cpuTicks) * 1000 / float64(ticks) * 100000 / float64(r.cmds)
	}
	streamRow(w, fmt.Sprintf("commands/s P=%d", p), ours.cmdRate(), redis.cmdRate(), "%.0f")
	streamRow(w, fmt.Sprintf("entries acked/s P=%d", p), ours.entryRate(), redis.entryRate(), "%.0f")
	streamRow(w, fmt.Sprintf("CPU ms/100k commands P=%d", p), cpu(ours), cpu(redis), "%.0f")
}

func streamRow(w io.Writer, name string, a, b float64, format string) {
	ratio := "-"
	if b != 0 {
		ratio = fmt.Sprintf("%.2f", a/b)
	}
	fmt.Fprintf(w, "  %-26s %12s %12s %10s\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, b), ratio)
}

// measureStreamLoop fills a fresh server's stream and times the clients
// draining it.
func measureStreamLoop(opt *options, s *server, p int) streamResult {
	if err := s.start(); err != nil {
		return streamResult{status: "error: " + err.Error()}
	}
	defer s.stop()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	if err := fillStream(addr, opt.streamEntries); err != nil {
		return streamResult{status: "fill: " + err.Error()}
	}
	clients := make([]*respConn, opt.clients)
	for i := range clients {
		c, err := dialResp(addr)
		if err != nil {
			return streamResult{status: "error: " + err.Error()}
		}
		defer c.close()
		clients[i] = c
	}
	var wg sync.WaitGroup
	results := make([]streamResult, len(clients))
	before, cpuErr := cpuTicks(s.pid())
	start := time.Now()
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = consume(c, "c"+strconv.Itoa(i), opt.streamCount, p)
		}()
	}
	wg.Wait()
	r := streamResult{secs: time.Since(start).Seconds()}
	after, cpuErr2 := cpuTicks(s.pid())
	if cpuErr != nil || cpuErr2 != nil {
		return streamResult{status: "no CPU time"}
	}
	r.cpuTicks = after - before
	for _, cr := range results {
		if cr.status != "" {
			return cr
		}
		r.cmds += cr.cmds
		r.entries += cr.entries
	}
	if r.entries != int64(opt.streamEntries) {
		return streamResult{status: fmt.Sprintf("drained %d entries of %d", r.entries, opt.streamEntries)}
	}
	return r
}

// fillStream creates the group and adds n entries, 1000 per pipeline.
func fillStream(addr string, n int) error {
	c, err := dialResp(addr)
	if err != nil {
		return err
	}
	defer c.close()
	if _, err := c.do("XGROUP", "CREATE", streamKey, "g", "$", "MKSTREAM"); err != nil {
		return err
	}
	for done := 0; done < n; {
		batch := min(1000, n-done)
		for range batch {
			c.send("XADD", streamKey, "*", "field", "value", "n", strconv.Itoa(done))
		}
		for range batch {
			if _, err := c.read(); err != nil {
				return err
			}
		}
		done += batch
	}
	return nil
}

// consume loops XREADGROUP COUNT count (p of them a round trip) and XACK
// of the IDs each returned until a read returns nothing.
func consume(c *respConn, consumer string, count, p int) streamResult {
	var r streamResult
	cnt := strconv.Itoa(count)
	ack := []string{"XACK", streamKey, "g"}
	for {
		for range p {
			c.send("XREADGROUP", "GROUP", "g", consumer, "COUNT", cnt, "STREAMS", streamKey, ">")
		}
		r.cmds += int64(p)
		var acks [][]string
		for range p {
			v, err := c.read()
			if err != nil {
				return streamResult{status: "error: " + err.Error()}
			}
			ids := replyIDs(v)
			if len(ids) > 0 {
				acks = append(acks, append(ack[:3:3], ids...))
			}
		}
		if len(acks) == 0 {
			return r
		}
		for _, a := range acks {
			c.send(a...)
		}
		for range acks {
			v, err := c.read()
			if err != nil {
				return streamResult{status: "error: " + err.Error()}
			}
			if n, ok := v.(int64); ok {
				r.entries += n
			}
		}
		r.cmds += int64(len(acks))
	}
}

// replyIDs are the entry IDs of an XREADGROUP reply of one stream:
// [[key, [[id, [field, value, ...]], ...]]].
func replyIDs(v any) []string {
	streams, _ := v.([]any)
	if len(streams) == 0 {
		return nil
	}
	kv, _ := streams[0].([]any)
	if len(kv) != 2 {
		return nil
	}
	entries, _ := kv[1].([]any)
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if pair, ok := e.([]any); ok && len(pair) > 0 {
			if id, ok := pair[0].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// rssAfterXadds starts a fresh server, adds n entries to one stream with
// redis-benchmark -P 16 and reads its VmRSS.
func rssAfterXadds(opt *options, s *server) rssResult {
	if err := s.start(); err != nil {
		return rssResult{err: err.Error()}
	}
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*opt.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.benchmark, "-p", strconv.Itoa(s.port), "-c", strconv.Itoa(opt.clients),
		"-n", strconv.Itoa(opt.streamRSSN), "-P", "16", "-q", "xadd", "bench:rss", "*", "field", "value")
	output, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return rssResult{err: "timeout"}
	}
	if err != nil {
		return rssResult{err: failure(s, err, string(output)).status}
	}
	kb, err := rssKB(s.pid())
	if err != nil {
		return rssResult{err: err.Error()}
	}
	return rssResult{kb: kb}
}

// respConn is a minimal RESP2 client: commands are written to a buffer
// and flushed by the next read.
type respConn struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func dialResp(addr string) (*respConn, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

func (c *respConn) close() { c.conn.Close() }

func (c *respConn) send(args ...string) {
	c.w.WriteString("*")
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteString("$")
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.WriteString(a)
		c.w.WriteString("\r\n")
	}
}

func (c *respConn) do(args ...string) (any, error) {
	c.send(args...)
	return c.read()
}

// read flushes what was sent and reads one reply: a string, an int64, nil,
// a []any, or an error for an error reply.
func (c *respConn) read() (any, error) {
	if c.w.Buffered() > 0 {
		if err := c.w.Flush(); err != nil {
			return nil, err
		}
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		return nil, err
	}
	return c.value()
}

func (c *respConn) value() (any, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, errors.New("short RESP line")
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.value(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected RESP type %q", line[0])
}
