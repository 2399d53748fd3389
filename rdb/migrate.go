package rdb

import (
	"bufio"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/resp"
)

// MIGRATE moves keys to another server as Redis's migrateCommand does: the
// values travel as RESTORE commands (RESTORE-ASKING in cluster mode)
// carrying DUMP payloads, over a connection kept in a per-server cache
// (64 at most, closed after 10 idle seconds by the cron) that remembers
// which db it selected. Like Redis, the command holds the loop for the
// exchange, bounded by its timeout: the keys it deletes are exactly the
// ones the target acknowledged, and nothing else runs between the
// serialization and the deletion. The keys moved are propagated as one
// DEL.

func init() {
	db.RegisterCommand("migrate", migrateCommand)
}

const (
	migrateCacheItems = 64               // MIGRATE_SOCKET_CACHE_ITEMS
	migrateCacheTTL   = 10 * time.Second // MIGRATE_SOCKET_CACHE_TTL
	migrateChunk      = 64 << 10         // writes go out 64 KB at a time
	migrateLineMax    = 1024             // a reply line beyond is cut
)

// migrateConn is a cached connection to a target "host:port".
type migrateConn struct {
	conn    net.Conn
	r       *bufio.Reader
	lastDB  int64 // the db selected on the target, -1 if unknown
	lastUse time.Time
}

// migrateCache is one server's cache of MIGRATE connections.
type migrateCache struct {
	conns map[string]*migrateConn
}

// migrateCacheOf returns srv's cache, made on first use with its cron.
func migrateCacheOf(srv *db.Server) *migrateCache {
	p := Of(srv)
	if p.migrate == nil {
		p.migrate = &migrateCache{conns: map[string]*migrateConn{}}
		srv.OnCron(func(now time.Time) { p.migrate.closeIdle(srv, now) })
	}
	return p.migrate
}

func (m *migrateCache) closeIdle(srv *db.Server, now time.Time) {
	for name, mc := range m.conns {
		if now.Sub(mc.lastUse) > migrateCacheTTL {
			mc.conn.Close()
			delete(m.conns, name)
		}
	}
	srv.Persistence.MigrateCachedSockets = int64(len(m.conns))
}

// get returns the connection to host:port, cached or new, or the error
// connecting.
func (m *migrateCache) get(srv *db.Server, host, port string, timeout time.Duration) (*migrateConn, error) {
	name := host + ":" + port
	if mc := m.conns[name]; mc != nil {
		mc.lastUse = time.Now()
		return mc, nil
	}
	if len(m.conns) == migrateCacheItems { // too many: drop one at random
		drop := rand.IntN(len(m.conns))
		for k, mc := range m.conns {
			if drop--; drop < 0 {
				mc.conn.Close()
				delete(m.conns, k)
				break
			}
		}
	}
	p, err := strconv.Atoi(port) // atoi: what does not parse is port 0
	if err != nil {
		p = 0
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(p)), timeout)
	if err != nil {
		return nil, err
	}
	mc := &migrateConn{conn: conn, r: bufio.NewReaderSize(conn, 4096), lastDB: -1, lastUse: time.Now()}
	m.conns[name] = mc
	srv.Persistence.MigrateCachedSockets = int64(len(m.conns))
	return mc, nil
}

func (m *migrateCache) close(srv *db.Server, host, port string) {
	name := host + ":" + port
	if mc := m.conns[name]; mc != nil {
		mc.conn.Close()
		delete(m.conns, name)
	}
	srv.Persistence.MigrateCachedSockets = int64(len(m.conns))
}

// migrateOptions are MIGRATE's arguments past the fixed five.
type migrateOptions struct {
	copy, replace      bool
	username, password []byte // password nil: no AUTH
	firstKey, numKeys  int
}

func parseMigrateOptions(c *db.Client) (o migrateOptions, ok bool) {
	o.firstKey, o.numKeys = 3, 1
	for j := 6; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch strings.ToLower(c.Arg(j)) {
		case "copy":
			o.copy = true
		case "replace":
			o.replace = true
		case "auth":
			if more < 1 {
				c.Error(db.ErrSyntax)
				return o, false
			}
			j++
			o.password = c.Argv[j]
		case "auth2":
			if more < 2 {
				c.Error(db.ErrSyntax)
				return o, false
			}
			o.username, o.password = c.Argv[j+1], c.Argv[j+2]
			j += 2
		case "keys":
			if len(c.Argv[3]) != 0 {
				c.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
				return o, false
			}
			o.firstKey, o.numKeys = j+1, len(c.Argv)-j-1
			return o, true
		default:
			c.Error(db.ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// migrateCommand is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...].
func migrateCommand(c *db.Client) {
	o, ok := parseMigrateOptions(c)
	if !ok {
		return
	}
	timeoutMs, ok1 := db.ParseInt(c.Argv[5])
	dbid, ok2 := db.ParseInt(c.Argv[4])
	if !ok1 || !ok2 {
		c.Error(db.ErrNotInteger)
		return
	}
	if timeoutMs <= 0 {
		timeoutMs = 1000
	}
	timeout := time.Duration(timeoutMs) * time.Millisecond
	var keys [][]byte
	var vals []any
	for _, k := range c.Argv[o.firstKey : o.firstKey+o.numKeys] {
		if v := c.DB.LookupRead(k); v != nil {
			keys, vals = append(keys, k), append(vals, v)
		}
	}
	if len(keys) == 0 {
		c.Status("NOKEY")
		return
	}
	host, port := c.Arg(1), c.Arg(2)
	cache := migrateCacheOf(c.Srv())
	for retry := true; ; retry = false {
		res := migrateOnce(c, cache, host, port, dbid, timeout, o, keys, vals)
		if res.replied {
			return
		}
		// A socket error: the connection is dropped, and the exchange is
		// tried once more on a new one unless it timed out or a key was
		// already acknowledged.
		cache.close(c.Srv(), host, port)
		if retry && res.mayRetry {
			continue
		}
		what := "reading"
		if res.writeError {
			what = "writing"
		}
		c.Error("IOERR error or timeout " + what + " to target instance")
		return
	}
}

type migrateResult struct {
	replied    bool // the client has its reply
	writeError bool
	mayRetry   bool
}

// migrateOnce is one attempt: send, read the replies, delete what the
// target took (without COPY).
func migrateOnce(c *db.Client, cache *migrateCache, host, port string, dbid int64, timeout time.Duration,
	o migrateOptions, keys [][]byte, vals []any) migrateResult {
	s := c.Srv()
	mc, err := cache.get(s, host, port, timeout)
	if errors.Is(err, syscall.ECONNREFUSED) {
		// Redis connects without blocking: a refusal shows as the
		// first write failing.
		return migrateResult{writeError: true, mayRetry: true}
	}
	if err != nil {
		c.Error("IOERR error or timeout connecting to the client")
		return migrateResult{replied: true}
	}
	var w resp.Writer
	if o.password != nil {
		if o.username != nil {
			w.ArrayLen(3)
			w.Bulk([]byte("AUTH"))
			w.Bulk(o.username)
		} else {
			w.ArrayLen(2)
			w.Bulk([]byte("AUTH"))
		}
		w.Bulk(o.password)
	}
	selectDB := mc.lastDB != dbid
	if selectDB {
		w.ArrayLen(2)
		w.Bulk([]byte("SELECT"))
		w.Bulk(db.FormatInt(dbid))
	}
	// Keys found by the lookup may have expired since, while large values
	// were serialized: those are left out.
	moving := keys[:0:0]
	compress := s.Config.Bool("rdbcompression")
	// In cluster mode the target serves the key's slot only after ASKING
	// while it imports it: RESTORE-ASKING carries that itself.
	restore := []byte("RESTORE")
	if s.ClusterEnabled() {
		restore = []byte("RESTORE-ASKING")
	}
	for i, k := range keys {
		ttl := int64(0)
		if at := c.DB.Expire(k); at != -1 {
			if ttl = at - time.Now().UnixMilli(); ttl < 0 {
				continue
			}
			ttl = max(ttl, 1)
		}
		payload, err := DumpPayload(vals[i], compress)
		if err != nil {
			c.Error("ERR " + err.Error())
			return migrateResult{replied: true}
		}
		if o.replace {
			w.ArrayLen(5)
		} else {
			w.ArrayLen(4)
		}
		w.Bulk(restore)
		w.Bulk(k)
		w.Bulk(db.FormatInt(ttl))
		w.Bulk(payload)
		if o.replace {
			w.Bulk([]byte("REPLACE"))
		}
		moving = append(moving, k)
	}
	for buf := w.Buf; len(buf) > 0; {
		n := min(len(buf), migrateChunk)
		mc.conn.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := mc.conn.Write(buf[:n]); err != nil {
			return migrateResult{writeError: true, mayRetry: !isTimeout(err)}
		}
		buf = buf[n:]
	}
	var authReply, selectReply string
	if o.password != nil {
		if authReply, err = mc.readLine(timeout); err != nil {
			return migrateResult{mayRetry: !isTimeout(err)}
		}
	}
	if selectDB {
		if selectReply, err = mc.readLine(timeout); err != nil {
			return migrateResult{mayRetry: !isTimeout(err)}
		}
	}
	targetError := false
	var deleted [][]byte
	socketError := false
	j := 0
	for ; j < len(moving); j++ {
		line, err := mc.readLine(timeout)
		if err != nil {
			socketError = true
			if j == 0 && !isTimeout(err) {
				return migrateResult{mayRetry: true}
			}
			break
		}
		switch {
		case strings.HasPrefix(authReply, "-"), strings.HasPrefix(selectReply, "-"), line[0] == '-':
			if !targetError {
				mc.lastDB = -1
				msg := line
				if strings.HasPrefix(authReply, "-") {
					msg = authReply
				} else if strings.HasPrefix(selectReply, "-") {
					msg = selectReply
				}
				targetError = true
				c.Error("ERR Target instance replied with error: " + msg[1:])
			}
		case !o.copy:
			k := moving[j]
			c.DB.Delete(k)
			s.NotifyKeyspaceEvent(db.NotifyGeneric, "del", k, c.DB.ID)
			s.Dirty++
			deleted = append(deleted, append([]byte(nil), k...))
		}
	}
	if len(deleted) > 0 { // propagated as the DEL of the keys moved
		c.RewriteArgv(append([][]byte{[]byte("DEL")}, deleted...)...)
	}
	if socketError {
		if targetError {
			cache.close(s, host, port)
			return migrateResult{replied: true}
		}
		return migrateResult{}
	}
	if !targetError {
		mc.lastDB = dbid
		c.OK()
	}
	return migrateResult{replied: true}
}

// readLine reads one reply line, without its CRLF, as connSyncReadLine:
// an empty line is an error too.
func (mc *migrateConn) readLine(timeout time.Duration) (string, error) {
	mc.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := mc.r.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	for errors.Is(err, bufio.ErrBufferFull) { // the rest of a long line is dropped
		_, err = mc.r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	s := strings.TrimRight(string(line), "\r\n")
	if len(s) > migrateLineMax-1 {
		s = s[:migrateLineMax-1]
	}
	if s == "" {
		return "", errors.New("empty reply line")
	}
	return s, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
