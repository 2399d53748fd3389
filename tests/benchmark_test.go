package tests

// redis-benchmark's default suite, as users run it against a new server.

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaultSuite is every test redis-benchmark runs without -t, in order.
var defaultSuite = []string{
	"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP",
	"SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
	"LRANGE_100 (first 100 elements)", "LRANGE_300 (first 300 elements)",
	"LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)", "MSET (10 keys)",
}

var (
	benchResult   = regexp.MustCompile(`^(.+): [0-9.]+ requests per second, p50=[0-9.]+ msec$`)
	benchProgress = regexp.MustCompile(`^.+: rps=.*$`)
)

func TestBenchmarkDefaultSuite(t *testing.T) {
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"NoPipeline", nil},
		{"Pipeline16", []string{"-P", "16"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			s := startServer(t)
			args := append([]string{"-p", strconv.Itoa(s.Port), "-q", "-n", "2000", "-c", "10"}, mode.args...)
			out, errOut, err := runTool(t, 90*time.Second, "", "redis-benchmark", args...)
			require.NoError(t, err, "redis-benchmark failed:\n%s%s", out, errOut)
			var done, other []string
			for _, line := range strings.FieldsFunc(out+errOut, func(r rune) bool { return r == '\r' || r == '\n' }) {
				line = strings.TrimSpace(line)
				switch m := benchResult.FindStringSubmatch(line); {
				case m != nil:
					done = append(done, m[1])
				case line == "" || benchProgress.MatchString(line):
				default:
					other = append(other, line)
				}
			}
			assert.Empty(t, other, "unexpected output lines")
			assert.Equal(t, defaultSuite, done)
		})
	}
}
