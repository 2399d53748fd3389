package tests

// GEO against real Redis 7.0.15, byte for byte: a seeded random workload of
// GEOADD, GEOPOS, GEOHASH, GEODIST and every search command with random
// centers, shapes, units and option combinations (including the errors of
// bad combinations) runs on both servers, over RESP2 and RESP3, and every
// reply must be the same bytes. The points cover the whole encodable area,
// with its edges (the poles' Mercator limits, the antimeridian) and
// duplicated positions (equal distances, whose order is the sort's), in a
// small set (listpack) and a large one (skiplist), plus a sorted set with
// scores no GEOADD produces. The destination of every STORE is read back.
// Then the replication stream and the keyspace events of GEOADD and of the
// STORE forms are compared: GEOADD goes as ZADD, the stores as they are.
//
// GEO_SEED reproduces a run (the seed is logged on failure), GEO_CMDS sets
// the number of random commands (4000).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const realRedis = "/usr/bin/redis-server"

// geoConn is a raw connection that returns the exact bytes of each reply.
type geoConn struct {
	c net.Conn
	r *bufio.Reader
}

func geoDial(t *testing.T, port int, proto int) *geoConn {
	c, err := net.Dial("tcp", addr(port))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	g := &geoConn{c: c, r: bufio.NewReader(c)}
	if proto == 3 {
		g.do(t, "HELLO", "3") // the reply has the connection id: not compared
	}
	return g
}

func (g *geoConn) send(t *testing.T, args ...string) {
	_ = g.c.SetDeadline(time.Now().Add(30 * time.Second))
	_, err := g.c.Write([]byte(multibulk(args...)))
	require.NoError(t, err)
}

func (g *geoConn) do(t *testing.T, args ...string) string {
	g.send(t, args...)
	var b bytes.Buffer
	require.NoError(t, rawReply(g.r, &b), "%q", args)
	return b.String()
}

// rawReply copies one RESP2 or RESP3 reply to out.
func rawReply(r *bufio.Reader, out *bytes.Buffer) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	if len(line) < 3 {
		return fmt.Errorf("bad reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		_, err = io.CopyN(out, r, int64(n+2))
		return err
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := rawReply(r, out); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line)
}

// geoGen generates the random workload.
type geoGen struct {
	rnd     *rand.Rand
	members map[string][]string // key -> members added
}

var geoEdgeLons = []float64{-180, 180, 0, -179.99999999, 179.99999999, 90, -90, 1e-9}
var geoEdgeLats = []float64{-85.05112878, 85.05112878, 0, -85.05112877, 85.05, -66.0001, 80.5, 1e-9}

func (g *geoGen) lon() float64 {
	if g.rnd.IntN(8) == 0 {
		return geoEdgeLons[g.rnd.IntN(len(geoEdgeLons))]
	}
	return g.rnd.Float64()*360 - 180
}

func (g *geoGen) lat() float64 {
	if g.rnd.IntN(8) == 0 {
		return geoEdgeLats[g.rnd.IntN(len(geoEdgeLats))]
	}
	return g.rnd.Float64()*2*85.05112878 - 85.05112878
}

func fnum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// lonlat returns a position, sometimes near the last one, sometimes out of
// range (an error).
func (g *geoGen) lonlat() (string, string) {
	switch g.rnd.IntN(40) {
	case 0:
		return fnum(g.rnd.Float64()*400 - 200), fnum(g.rnd.Float64()*200 - 100)
	case 1:
		return "abc", "1"
	}
	return fnum(g.lon()), fnum(g.lat())
}

func (g *geoGen) pick(s ...string) string { return s[g.rnd.IntN(len(s))] }

func (g *geoGen) unit() string {
	if g.rnd.IntN(50) == 0 {
		return "parsec"
	}
	return g.pick("m", "km", "ft", "mi", "KM", "M")
}

// distance returns a radius or box side in some unit: zero, small, up to
// the whole earth.
func (g *geoGen) distance() string {
	switch g.rnd.IntN(30) {
	case 0:
		return "0"
	case 1:
		return "-1"
	case 2:
		return "x"
	}
	return fnum(math.Round(math.Pow(10, g.rnd.Float64()*8)*100) / 100)
}

func (g *geoGen) member(key string) string {
	ms := g.members[key]
	if len(ms) == 0 || g.rnd.IntN(15) == 0 {
		return "nosuch"
	}
	return ms[g.rnd.IntN(len(ms))]
}

func (g *geoGen) key() string {
	switch g.rnd.IntN(20) {
	case 0:
		return "nokey"
	case 1:
		return "str"
	case 2:
		return "weird"
	}
	return g.pick("small", "big", "big")
}

// geoadd adds n points to key, with random options, some at the same
// position as another.
func (g *geoGen) geoadd(key string, n int) []string {
	cmd := []string{"GEOADD", key}
	for _, o := range []string{"NX", "XX", "CH"} {
		if g.rnd.IntN(6) == 0 {
			cmd = append(cmd, o)
		}
	}
	var lon, lat string
	for i := 0; i < n; i++ {
		if i == 0 || g.rnd.IntN(5) != 0 {
			lon, lat = g.lonlat()
		}
		m := fmt.Sprintf("m%d", g.rnd.IntN(400))
		if !strings.HasPrefix(key, "small") || g.rnd.IntN(3) == 0 {
			g.members[key] = append(g.members[key], m)
		}
		cmd = append(cmd, lon, lat, m)
	}
	return cmd
}

// search returns a random search command and, for a store, the key to read
// back.
func (g *geoGen) search() (cmd []string, dst string) {
	key := g.key()
	kind := g.pick("GEORADIUS", "GEORADIUS_RO", "GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO", "GEOSEARCH", "GEOSEARCH", "GEOSEARCHSTORE", "GEOSEARCHSTORE")
	search := strings.HasPrefix(kind, "GEOSEARCH")
	switch kind {
	case "GEOSEARCHSTORE":
		dst = "dst"
		cmd = []string{kind, dst, key}
	case "GEORADIUS", "GEORADIUS_RO":
		lon, lat := g.lonlat()
		cmd = []string{kind, key, lon, lat, g.distance(), g.unit()}
	case "GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO":
		cmd = []string{kind, key, g.member(key), g.distance(), g.unit()}
	default:
		cmd = []string{kind, key}
	}
	var opts [][]string
	if search {
		if g.rnd.IntN(30) != 0 {
			if g.rnd.IntN(2) == 0 {
				opts = append(opts, []string{"FROMMEMBER", g.member(key)})
			} else {
				lon, lat := g.lonlat()
				opts = append(opts, []string{"FROMLONLAT", lon, lat})
			}
		}
		if g.rnd.IntN(30) != 0 {
			if g.rnd.IntN(2) == 0 {
				opts = append(opts, []string{"BYRADIUS", g.distance(), g.unit()})
			} else {
				opts = append(opts, []string{"BYBOX", g.distance(), g.distance(), g.unit()})
			}
		}
	}
	store := kind == "GEORADIUS" || kind == "GEORADIUSBYMEMBER"
	if g.rnd.IntN(100) == 0 {
		store = true // an error for the others
	}
	if store && g.rnd.IntN(3) == 0 {
		dst = "dst"
		opts = append(opts, []string{g.pick("STORE", "STOREDIST"), dst})
	}
	if kind == "GEOSEARCHSTORE" && g.rnd.IntN(2) == 0 {
		opts = append(opts, []string{"STOREDIST"})
	}
	if dst == "" || g.rnd.IntN(30) == 0 {
		for _, o := range []string{"WITHCOORD", "WITHDIST", "WITHHASH"} {
			if g.rnd.IntN(2) == 0 {
				opts = append(opts, []string{o})
			}
		}
	}
	if g.rnd.IntN(2) == 0 {
		opts = append(opts, []string{g.pick("ASC", "DESC", "asc")})
	}
	if g.rnd.IntN(2) == 0 {
		n := strconv.Itoa(1 + g.rnd.IntN(20))
		if g.rnd.IntN(30) == 0 {
			n = g.pick("0", "-3", "x")
		}
		opts = append(opts, []string{"COUNT", n})
		if g.rnd.IntN(3) == 0 {
			opts = append(opts, []string{"ANY"})
		}
	} else if g.rnd.IntN(30) == 0 {
		opts = append(opts, []string{"ANY"})
	}
	g.rnd.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	for _, o := range opts {
		cmd = append(cmd, o...)
	}
	return cmd, dst
}

func (g *geoGen) lookup() []string {
	key := g.key()
	switch g.rnd.IntN(3) {
	case 0:
		cmd := []string{"GEODIST", key, g.member(key), g.member(key)}
		if g.rnd.IntN(2) == 0 {
			cmd = append(cmd, g.unit())
		}
		return cmd
	case 1:
		return []string{"GEOPOS", key, g.member(key), g.member(key), "nosuch"}
	}
	return []string{"GEOHASH", key, g.member(key), g.member(key), "nosuch"}
}

// geoPair is the same client on both servers.
type geoPair struct {
	t          *testing.T
	ours, real *geoConn
	log        []string
	stats      map[byte]int // replies by first byte, '+' for non-empty arrays
}

func (p *geoPair) do(args ...string) {
	p.t.Helper()
	want := p.real.do(p.t, args...)
	got := p.ours.do(p.t, args...)
	p.log = append(p.log, strings.Join(args, " "))
	if p.stats != nil {
		k := want[0]
		if k == '*' && want != "*0\r\n" {
			k = '+'
		}
		p.stats[k]++
	}
	if len(p.log) > 20 {
		p.log = p.log[1:]
	}
	if want != got {
		p.t.Fatalf("%q:\nreal Redis: %q\nours:       %q\nlast commands:\n%s", args, want, got, strings.Join(p.log, "\n"))
	}
}

func TestGeoDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GEO_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		seed = v
	}
	cmds := 4000
	if s := os.Getenv("GEO_CMDS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(t, err)
		cmds = v
	}
	t.Logf("GEO_SEED=%d", seed)
	defer func() {
		if t.Failed() {
			t.Logf("reproduce with GEO_SEED=%d", seed)
		}
	}()
	ours := startServer(t)
	real := startBin(t, realRedis)
	stats := map[byte]int{}
	pairs := []*geoPair{
		{t: t, ours: geoDial(t, ours.Port, 2), real: geoDial(t, real.Port, 2), stats: stats},
		{t: t, ours: geoDial(t, ours.Port, 3), real: geoDial(t, real.Port, 3), stats: stats},
	}
	g := &geoGen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), members: map[string][]string{}}
	p := pairs[0]
	p.do("SET", "str", "x")
	// Scores no GEOADD gives: negative, past 52 bits, infinite.
	weird := []string{"ZADD", "weird"}
	for i, s := range []string{"-1", "-1e30", "0", "1", "4503599627370495", "4503599627370496", "9007199254740993", "1e19", "1e30", "inf", "-inf", "123456789.5", "4503599627370495.5"} {
		m := fmt.Sprintf("w%d", i)
		weird = append(weird, s, m)
		g.members["weird"] = append(g.members["weird"], m)
	}
	p.do(weird...)
	for i := 0; i < 6; i++ {
		p.do(g.geoadd("small", 1+g.rnd.IntN(10))...)
	}
	for i := 0; i < 40; i++ {
		p.do(g.geoadd("big", 1+g.rnd.IntN(30))...)
	}
	p.do("OBJECT", "ENCODING", "small")
	p.do("OBJECT", "ENCODING", "big")
	for i := 0; i < cmds; i++ {
		p := pairs[g.rnd.IntN(2)]
		switch r := g.rnd.IntN(20); {
		case r == 0:
			p.do(g.geoadd(g.pick("small", "big"), 1+g.rnd.IntN(5))...)
		case r < 5:
			p.do(g.lookup()...)
		default:
			cmd, dst := g.search()
			p.do(cmd...)
			if dst != "" {
				p.do("ZRANGE", dst, "0", "-1", "WITHSCORES")
				p.do("OBJECT", "ENCODING", dst)
			}
		}
	}
	p.do("ZRANGE", "big", "0", "-1", "WITHSCORES")
	t.Logf("replies: %d non-empty arrays, %d empty, %d errors, %d integers, %d nulls (RESP3)",
		stats['+'], stats['*'], stats['-'], stats[':'], stats['_'])
}

// TestGeoPropagationAndEvents compares what a replica receives and the
// keyspace events of the GEO writes with real Redis's.
func TestGeoPropagationAndEvents(t *testing.T) {
	ours := startServer(t, "--notify-keyspace-events", "KEA", "--repl-diskless-sync", "no")
	real := startBin(t, realRedis, "--notify-keyspace-events", "KEA", "--repl-diskless-sync", "no")
	workload := [][]string{
		{"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
		{"GEOADD", "g", "XX", "CH", "13.361389", "38.115556", "Palermo", "1", "1", "nope"},
		{"GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"},
		{"GEOADD", "g", "1", "1", "x", "200", "1", "y"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d1"},
		{"GEORADIUSBYMEMBER", "g", "Palermo", "1", "m", "STORE", "d1"},
		{"GEORADIUSBYMEMBER", "g", "Palermo", "1", "m", "COUNT", "1", "STORE", "d1"},
		{"GEORADIUS", "g", "0", "0", "1", "m", "STORE", "d1"},
		{"GEORADIUS", "g", "0", "0", "1", "m", "STORE", "d1"},
		{"GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST"},
		{"GEOSEARCHSTORE", "d2", "g", "FROMMEMBER", "Catania", "BYRADIUS", "1", "km"},
		{"GEOSEARCHSTORE", "d2", "nokey", "FROMMEMBER", "Catania", "BYRADIUS", "1", "km"},
		{"SET", "d3", "x"},
		{"GEORADIUSBYMEMBER", "nokey", "a", "1", "km", "STORE", "d3"},
		{"GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"},
		{"SET", "end", "1"},
	}
	record := func(port int) (stream, events string) {
		rep := geoDial(t, port, 2)
		rep.send(t, "SYNC")
		skipRDB(t, rep.r)
		sub := geoDial(t, port, 2)
		sub.do(t, "PSUBSCRIBE", "__key*__:*")
		cl := geoDial(t, port, 2)
		for _, cmd := range workload {
			cl.do(t, cmd...)
		}
		var s bytes.Buffer
		for !strings.Contains(s.String(), "$3\r\nend\r\n") {
			require.NoError(t, rawReply(rep.r, &s))
		}
		var e bytes.Buffer
		for !strings.Contains(e.String(), ":end\r\n") {
			require.NoError(t, rawReply(sub.r, &e))
		}
		// The keyspace event of "end" comes before its keyevent.
		require.NoError(t, rawReply(sub.r, &e))
		return strings.ReplaceAll(s.String(), "*1\r\n$4\r\nPING\r\n", ""), e.String()
	}
	wantStream, wantEvents := record(real.Port)
	gotStream, gotEvents := record(ours.Port)
	require.Equal(t, wantStream, gotStream)
	require.Equal(t, wantEvents, gotEvents)
}

// skipRDB reads the reply of SYNC up to the end of the RDB payload.
func skipRDB(t *testing.T, r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if line == "\n" {
			continue // keepalive while the RDB is made
		}
		require.True(t, strings.HasPrefix(line, "$"), "%q", line)
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		require.NoError(t, err, "%q (diskless)", line)
		_, err = io.CopyN(io.Discard, r, int64(n))
		require.NoError(t, err)
		return
	}
}

// TestGeoGoRedis runs go-redis's GEO calls on both servers, in RESP2 and
// RESP3, and compares what the client decodes.
func TestGeoGoRedis(t *testing.T) {
	ours := startServer(t)
	real := startBin(t, realRedis)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		run := func(s *server) []any {
			c := s.client(t, proto)
			key := "Sicily" + strconv.Itoa(proto)
			var out []any
			add := func(v any, err error) { out = append(out, v, fmt.Sprint(err)) }
			add(c.GeoAdd(ctx, key,
				&redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
				&redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669},
				&redis.GeoLocation{Name: "Agrigento", Longitude: 13.583333, Latitude: 37.316667}).Result())
			add(c.GeoPos(ctx, key, "Palermo", "nosuch").Result())
			add(c.GeoDist(ctx, key, "Palermo", "Catania", "km").Result())
			add(c.GeoHash(ctx, key, "Palermo", "Catania").Result())
			add(c.GeoRadius(ctx, key, 15, 37, &redis.GeoRadiusQuery{Radius: 200, Unit: "km", WithCoord: true, WithDist: true, WithGeoHash: true, Sort: "ASC"}).Result())
			add(c.GeoRadiusByMember(ctx, key, "Palermo", &redis.GeoRadiusQuery{Radius: 100, Unit: "km", Count: 2, Sort: "DESC"}).Result())
			add(c.GeoRadiusStore(ctx, key, 15, 37, &redis.GeoRadiusQuery{Radius: 200, Unit: "km", StoreDist: "dst"}).Result())
			add(c.ZRangeWithScores(ctx, "dst", 0, -1).Result())
			add(c.GeoSearch(ctx, key, &redis.GeoSearchQuery{Member: "Palermo", BoxWidth: 400, BoxHeight: 400, BoxUnit: "km", Sort: "ASC"}).Result())
			add(c.GeoSearchLocation(ctx, key, &redis.GeoSearchLocationQuery{
				GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km", Sort: "ASC", Count: 2},
				WithCoord:      true, WithDist: true, WithHash: true}).Result())
			add(c.GeoSearchStore(ctx, key, "dst2", &redis.GeoSearchStoreQuery{
				GeoSearchQuery: redis.GeoSearchQuery{Member: "Catania", Radius: 150, RadiusUnit: "km"}, StoreDist: true}).Result())
			add(c.ZRangeWithScores(ctx, "dst2", 0, -1).Result())
			add(c.GeoAdd(ctx, key, &redis.GeoLocation{Name: "x", Longitude: 200, Latitude: 100}).Result())
			return out
		}
		want := run(real)
		require.Equal(t, int64(3), want[0], "GEOADD on real Redis")
		require.Equal(t, want, run(ours), "RESP%d", proto)
	}
}
