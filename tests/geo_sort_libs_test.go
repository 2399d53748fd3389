package tests

// GEO and SORT as client libraries call them: the same calls through
// go-redis, redis-py and ioredis against real Redis and against this
// server must give the same results.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const geoSortPy = `
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
r.flushall()
out = []
out.append(r.geoadd('g', [13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania', -0.1276, 51.5072, 'London']))
out.append(r.geoadd('g', [13.361389, 38.115556, 'Palermo'], xx=True, ch=True))
out.append(r.geodist('g', 'Palermo', 'Catania', unit='km'))
out.append(r.geopos('g', 'Palermo', 'nowhere'))
out.append(r.geohash('g', 'Palermo', 'London'))
out.append(r.geosearch('g', longitude=15, latitude=37, radius=200, unit='km', withdist=True, withcoord=True, withhash=True, sort='ASC'))
out.append(r.geosearch('g', member='Palermo', width=3000, height=3000, unit='km', sort='DESC', count=2))
out.append(r.georadius('g', 15, 37, 300, unit='km', withdist=True, sort='ASC'))
out.append(r.georadiusbymember('g', 'Catania', 200, unit='km'))
out.append(r.geosearchstore('dst', 'g', longitude=15, latitude=37, radius=500, unit='km', storedist=True))
out.append(r.zrange('dst', 0, -1, withscores=True))
r.rpush('l', 3, 1, 2, 10)
r.mset({'w_1': 4, 'w_2': 3, 'w_3': 2, 'w_10': 1, 'o_1': 'one', 'o_2': 'two'})
r.hset('h_1', 'f', 9); r.hset('h_2', 'f', 8)
out.append(r.sort('l'))
out.append(r.sort('l', desc=True, start=1, num=2))
out.append(r.sort('l', alpha=True))
out.append(r.sort('l', by='w_*', get=['#', 'o_*']))
out.append(r.sort('l', by='h_*->f', get='h_*->f'))
out.append(r.sort('l', by='nosort'))
out.append(r.sort('l', store='sorted'))
out.append(r.lrange('sorted', 0, -1))
out.append(r.sort_ro('l', by='w_*'))
r.sadd('s', 5, 3, 4)
out.append(r.sort('s'))
r.zadd('z', {'a': 3, 'b': 1, 'c': 2})
out.append(r.sort('z', by='nosort', desc=True))
print(repr(out))
`

const geoSortJS = `
const Redis = require('ioredis');
const r = new Redis({port: Number(process.argv[process.argv.length - 1])});
(async () => {
  await r.flushall();
  const out = [];
  out.push(await r.geoadd('g', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'));
  out.push(await r.geodist('g', 'Palermo', 'Catania', 'mi'));
  out.push(await r.geopos('g', 'Palermo', 'Catania'));
  out.push(await r.geohash('g', 'Catania'));
  out.push(await r.geosearch('g', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'ASC', 'WITHCOORD', 'WITHDIST'));
  out.push(await r.georadius_ro('g', 15, 37, 200, 'km', 'WITHDIST', 'COUNT', 1, 'ANY'));
  await r.rpush('l', 'b', 'a', 'c');
  out.push(await r.sort('l', 'ALPHA', 'DESC'));
  out.push(await r.sort('l', 'ALPHA', 'LIMIT', 0, 2, 'STORE', 'dst'));
  out.push(await r.lrange('dst', 0, -1));
  try { await r.sort('l'); } catch (e) { out.push(String(e.message)); }
  console.log(JSON.stringify(out));
  await r.quit();
})().catch(e => { console.error(e); process.exit(1); });
`

func TestGeoSortClientLibs(t *testing.T) {
	redisBin := tool(t, "redis-server")
	real, ours := startNode(t, redisBin), startServer(t)

	t.Run("redis-py", func(t *testing.T) {
		run := func(port int) string {
			out, err := exec.Command("/usr/bin/python3", "-c", geoSortPy, strconv.Itoa(port)).CombinedOutput()
			require.NoError(t, err, string(out))
			return string(out)
		}
		require.Equal(t, run(real.Port), run(ours.Port))
	})

	t.Run("ioredis", func(t *testing.T) {
		libs := clientLibs(t)
		if _, err := os.Stat(filepath.Join(libs, "node_modules", "ioredis")); err != nil {
			t.Fatalf("ioredis is missing in %s: run make client-libs (%v)", libs, err)
		}
		node, err := exec.LookPath("node")
		require.NoError(t, err, "node is needed for the ioredis test")
		run := func(port int) string {
			cmd := exec.Command(node, "-e", geoSortJS, strconv.Itoa(port))
			cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(libs, "node_modules"))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			return string(out)
		}
		require.Equal(t, run(real.Port), run(ours.Port))
	})

	t.Run("go-redis", func(t *testing.T) {
		ctx := context.Background()
		run := func(c *redis.Client) string {
			require.NoError(t, c.FlushAll(ctx).Err())
			var out []any
			add := func(v any, err error) { out = append(out, v, fmt.Sprint(err)) }
			add(c.GeoAdd(ctx, "g", &redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
				&redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669}).Result())
			add(c.GeoDist(ctx, "g", "Palermo", "Catania", "km").Result())
			pos, err := c.GeoPos(ctx, "g", "Palermo", "x").Result()
			var shown []string
			for _, p := range pos {
				if p == nil {
					shown = append(shown, "nil")
				} else {
					shown = append(shown, fmt.Sprint(*p))
				}
			}
			add(shown, err)
			add(c.GeoHash(ctx, "g", "Palermo").Result())
			add(c.GeoSearchLocation(ctx, "g", &redis.GeoSearchLocationQuery{GeoSearchQuery: redis.GeoSearchQuery{
				Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km", Sort: "ASC"}, WithCoord: true, WithDist: true, WithHash: true}).Result())
			add(c.GeoRadius(ctx, "g", 15, 37, &redis.GeoRadiusQuery{Radius: 200, Unit: "km", WithDist: true, Sort: "DESC"}).Result())
			add(c.GeoSearchStore(ctx, "g", "dst", &redis.GeoSearchStoreQuery{GeoSearchQuery: redis.GeoSearchQuery{
				Member: "Palermo", BoxWidth: 500, BoxHeight: 500, BoxUnit: "km"}, StoreDist: true}).Result())
			add(c.ZRangeWithScores(ctx, "dst", 0, -1).Result())
			c.RPush(ctx, "l", 3, 1, 2)
			c.MSet(ctx, "w_1", 3, "w_2", 2, "w_3", 1, "o_1", "x")
			add(c.Sort(ctx, "l", &redis.Sort{}).Result())
			add(c.Sort(ctx, "l", &redis.Sort{By: "w_*", Get: []string{"#", "o_*"}}).Result())
			add(c.SortRO(ctx, "l", &redis.Sort{Order: "DESC", Offset: 0, Count: 2}).Result())
			add(c.SortStore(ctx, "l", "st", &redis.Sort{Alpha: true}).Result())
			add(c.LRange(ctx, "st", 0, -1).Result())
			return fmt.Sprintf("%v", out)
		}
		require.Equal(t, run(real.client(t, 2)), run(ours.client(t, 2)))
	})
}
