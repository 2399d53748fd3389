package tests

// Lists with compressed inner nodes (list-compress-depth) and plain nodes
// (a small DEBUG QUICKLIST-PACKED-THRESHOLD), built by the same commands on
// this server and on real Redis, must agree byte for byte: DUMP payloads
// (which carry the compressed nodes as they are), DEBUG DIGEST, the RDB
// both ways and MEMORY USAGE.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// listProfile is one configuration both servers build the lists with.
type listProfile struct {
	depth, fill string
	threshold   string // DEBUG QUICKLIST-PACKED-THRESHOLD; "0" is the default
	rdbcompress string // rdbcompression: with "no", DUMP shows which nodes are compressed
}

var listProfiles = []listProfile{
	{depth: "1", fill: "-2", threshold: "0", rdbcompress: "no"},
	{depth: "2", fill: "-2", threshold: "0", rdbcompress: "yes"},
	{depth: "1", fill: "-1", threshold: "300", rdbcompress: "no"},
	{depth: "2", fill: "5", threshold: "100", rdbcompress: "no"},
	{depth: "1", fill: "3", threshold: "0", rdbcompress: "no"},
	{depth: "0", fill: "-2", threshold: "200", rdbcompress: "yes"},
	{depth: "3", fill: "-1", threshold: "1kb", rdbcompress: "yes"},
}

// listValue is an element of one of the classes the nodes treat
// differently: integers, short strings, long compressible strings, long
// incompressible ones, and sizes around the packed threshold.
func listValue(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return strconv.Itoa(r.IntN(100000) - 50000)
	case 1, 2:
		return "v" + strconv.Itoa(r.IntN(50))
	case 3:
		return strings.Repeat(string(rune('a'+r.IntN(6))), r.IntN(400))
	case 4:
		b := make([]byte, 50+r.IntN(700))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	case 5:
		return strings.Repeat("abc"+strconv.Itoa(r.IntN(10)), 20+r.IntN(300))
	}
	return fmt.Sprintf("element-%d-%s", r.IntN(1000), strings.Repeat("x", r.IntN(120)))
}

// listWorkload returns the commands that build a few lists.
func listWorkload(r *rand.Rand, n int) [][]any {
	keys := []string{"l1", "l2", "l3"}
	var cmds [][]any
	for i := 0; i < n; i++ {
		k := keys[r.IntN(len(keys))]
		switch op := r.IntN(20); {
		case op < 7:
			cmds = append(cmds, []any{"RPUSH", k, listValue(r), listValue(r)})
		case op < 11:
			cmds = append(cmds, []any{"LPUSH", k, listValue(r)})
		case op < 13:
			where := "BEFORE"
			if r.IntN(2) == 0 {
				where = "AFTER"
			}
			cmds = append(cmds, []any{"LINSERT", k, where, "v" + strconv.Itoa(r.IntN(50)), listValue(r)})
		case op < 15:
			cmds = append(cmds, []any{"LSET", k, r.IntN(200) - 100, listValue(r)})
		case op == 15:
			cmds = append(cmds, []any{"LREM", k, r.IntN(5) - 2, "v" + strconv.Itoa(r.IntN(50))})
		case op == 16:
			cmds = append(cmds, []any{"LPOP", k, r.IntN(4) + 1}, []any{"RPOP", k})
		case op == 17 && r.IntN(8) == 0:
			cmds = append(cmds, []any{"LTRIM", k, r.IntN(5), -1 - r.IntN(5)})
		case op == 17 && r.IntN(4) == 0:
			cmds = append(cmds, []any{"COPY", k, keys[r.IntN(len(keys))], "REPLACE"})
		case op == 18:
			cmds = append(cmds, []any{"LMOVE", k, keys[r.IntN(len(keys))], "LEFT", "RIGHT"})
		default:
			cmds = append(cmds, []any{"LRANGE", k, r.IntN(50), r.IntN(100) - 20}, []any{"LINDEX", k, r.IntN(100) - 50},
				[]any{"LPOS", k, "v" + strconv.Itoa(r.IntN(50)), "RANK", r.IntN(3) - 1 | 1, "MAXLEN", r.IntN(40)})
		}
	}
	return cmds
}

func TestListNodesMatchRedis(t *testing.T) {
	ctx := context.Background()
	for pi, p := range listProfiles {
		t.Run(fmt.Sprintf("depth%s_fill%s_threshold%s", p.depth, p.fill, p.threshold), func(t *testing.T) {
			// The profiles wait on round trips more than on the CPU: they
			// run side by side.
			t.Parallel()
			args := []string{"--list-compress-depth", p.depth, "--list-max-listpack-size", p.fill, "--rdbcompression", p.rdbcompress, "--save", ""}
			realDir, oursDir := t.TempDir(), t.TempDir()
			real := startIn(t, tool(t, "redis-server"), realDir, args...)
			ours := startIn(t, "", oursDir, args...)
			rc := redis.NewClient(&redis.Options{Addr: real.Addr(), PoolSize: 1})
			oc := redis.NewClient(&redis.Options{Addr: ours.Addr(), PoolSize: 1})
			defer rc.Close()
			defer oc.Close()
			for _, c := range []*redis.Client{rc, oc} {
				require.NoError(t, c.Do(ctx, "DEBUG", "QUICKLIST-PACKED-THRESHOLD", p.threshold).Err())
			}
			r := rand.New(rand.NewPCG(uint64(pi), 42))
			for i, cmd := range listWorkload(r, 3000) {
				want, werr := rc.Do(ctx, cmd...).Result()
				got, gerr := oc.Do(ctx, cmd...).Result()
				require.Equal(t, fmt.Sprint(werr), fmt.Sprint(gerr), "command %d %s", i, clipCmd(cmd))
				require.Equal(t, want, got, "command %d %s", i, clipCmd(cmd))
				if i%250 == 0 {
					compareLists(t, rc, oc, fmt.Sprintf("after command %d", i))
				}
			}
			compareLists(t, rc, oc, "after building")
			require.Equal(t, digestOf(t, rc), digestOf(t, oc))
			compareLists(t, rc, oc, "after DEBUG DIGEST")

			// Our RDB passes redis-check-rdb and loads in Redis; Redis's
			// loads here. Both load with the profile's settings, so the
			// loaded lists compress their nodes as the originals did.
			require.NoError(t, oc.Save(ctx).Err())
			require.NoError(t, rc.Save(ctx).Err())
			out, err := exec.Command(tool(t, "redis-check-rdb"), filepath.Join(oursDir, "dump.rdb")).CombinedOutput()
			require.NoError(t, err, string(out))
			require.Contains(t, string(out), "RDB looks OK!")
			realLoaded := startIn(t, tool(t, "redis-server"), oursDir, args...)
			oursLoaded := startIn(t, "", realDir, args...)
			rl := redis.NewClient(&redis.Options{Addr: realLoaded.Addr(), PoolSize: 1})
			ol := redis.NewClient(&redis.Options{Addr: oursLoaded.Addr(), PoolSize: 1})
			defer rl.Close()
			defer ol.Close()
			want := digestOf(t, rc)
			require.Equal(t, want, digestOf(t, rl), "Redis loading our RDB")
			require.Equal(t, want, digestOf(t, ol), "ours loading Redis's RDB")
			compareLists(t, rl, ol, "after loading each other's RDB")
		})
	}
}

// compareLists checks that every list dumps to the same bytes on both
// servers and that MEMORY USAGE agrees within a few percent.
func compareLists(t *testing.T, rc, oc *redis.Client, when string) {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	require.NoError(t, err)
	for _, k := range keys {
		a, err := rc.Dump(ctx, k).Result()
		require.NoError(t, err)
		b, err := oc.Dump(ctx, k).Result()
		require.NoError(t, err)
		if a != b {
			at := 0
			for at < min(len(a), len(b)) && a[at] == b[at] {
				at++
			}
			t.Fatalf("%s: DUMP %s differs: %d bytes against %d, first difference at byte %d", when, k, len(a), len(b), at)
		}
		ma, err := rc.MemoryUsage(ctx, k, 0).Result()
		require.NoError(t, err)
		mb, err := oc.MemoryUsage(ctx, k, 0).Result()
		require.NoError(t, err)
		require.Equal(t, ma, mb, "%s: MEMORY USAGE %s SAMPLES 0", when, k)
	}
}

func clipCmd(cmd []any) string {
	s := fmt.Sprint(cmd...)
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
