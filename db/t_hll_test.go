package db

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hllSession runs the same commands on our server and, when redis-server
// is installed, on a real one, and requires the same replies.
type hllSession struct {
	t     *testing.T
	local *localRunner
	redis *redisRunner
}

func newHLLSession(t *testing.T) *hllSession {
	if _, err := exec.LookPath("redis-server"); err != nil || testing.Short() {
		t.Fatal("needs redis-server (make test installs Debian's redis-server and redis-tools)")
	}
	s := &hllSession{t: t, local: newLocalRunner(t), redis: newRedisRunner(t)}
	t.Cleanup(s.redis.close)
	return s
}

func (s *hllSession) do(args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	want := strings.Join(s.redis.do("", argv), "\n")
	got := strings.Join(s.local.do("", argv), "\n")
	cmd := strings.Join(args, " ")
	if len(cmd) > 80 {
		cmd = cmd[:80] + "..."
	}
	require.Equal(s.t, want, got, cmd)
	return got
}

func randomElements(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.FormatUint(rng.Uint64()>>rng.IntN(60), 36)
	}
	return out
}

// TestHLLMatchesRedis adds random elements in batches, through the sparse
// encoding and its promotion to dense, and compares the strings byte for
// byte with Redis's, with PFCOUNT and PFMERGE along the way.
func TestHLLMatchesRedis(t *testing.T) {
	s := newHLLSession(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, maxBytes := range []string{"3000", "200", "8000"} {
		s.do("CONFIG", "SET", "hll-sparse-max-bytes", maxBytes)
		s.do("DEL", "a", "b", "m")
		for batch := 0; batch < 40; batch++ {
			n := 1 + rng.IntN(100)
			key := []string{"a", "b"}[batch%2]
			s.do(append([]string{"PFADD", key}, randomElements(rng, n)...)...)
			s.do("GET", key)
			if batch%3 == 0 {
				s.do("PFCOUNT", key)
				s.do("GET", key)
			}
			if batch%5 == 0 {
				s.do("PFCOUNT", "a", "b")
				s.do("PFMERGE", "m", "a", "b")
				s.do("GET", "m")
				s.do("PFDEBUG", "ENCODING", "m")
			}
		}
		s.do("PFCOUNT", "a")
		s.do("PFDEBUG", "TODENSE", "a")
		s.do("GET", "a")
		s.do("PFMERGE", "b", "a")
		s.do("GET", "b")
	}
	// Large cardinalities: the estimator.
	s.do("DEL", "big")
	for i := 0; i < 20; i++ {
		s.do(append([]string{"PFADD", "big"}, randomElements(rng, 2000)...)...)
		s.do("PFCOUNT", "big")
	}
	s.do("GET", "big")
}

// TestHLLCorruptionMatchesRedis corrupts HLLs at random places, as Redis's
// fuzzing test, and requires the same answers as Redis (and no crash).
func TestHLLCorruptionMatchesRedis(t *testing.T) {
	s := newHLLSession(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for j := 0; j < 300; j++ {
		s.do("DEL", "hll")
		s.do(append([]string{"PFADD", "hll"}, randomElements(rng, rng.IntN(3000))...)...)
		for i := 0; i < 5; i++ {
			l, _ := strconv.Atoi(strings.TrimPrefix(s.do("STRLEN", "hll"), ":"))
			s.do("SETRANGE", "hll", fmt.Sprint(rng.IntN(l)), string([]byte{byte(rng.IntN(256))}))
			if rng.IntN(2) == 0 {
				break
			}
		}
		s.do("PFCOUNT", "hll")
		s.do("PFADD", "hll", "x", "y", "z")
		s.do("GET", "hll")
		s.do("PFCOUNT", "hll", "nosuch")
		s.do("PFMERGE", "dst", "hll")
	}
}

// TestHLLCorruptionNoPanic feeds random bytes after a valid header to
// every HLL command.
func TestHLLCorruptionNoPanic(t *testing.T) {
	r := newLocalRunner(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for j := 0; j < 2000; j++ {
		h := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80")
		for n := rng.IntN(40); n > 0; n-- {
			h = append(h, byte(rng.IntN(256)))
		}
		r.srv.DBs[0].Set([]byte("c"), h, false)
		for _, cmd := range [][]string{
			{"PFCOUNT", "c"}, {"PFCOUNT", "c", "c"}, {"PFADD", "c", "a", "b", "c", "d"},
			{"PFMERGE", "d", "c"}, {"PFDEBUG", "DECODE", "c"}, {"PFDEBUG", "GETREG", "c"},
		} {
			rawDo(r, "", cmd...)
		}
	}
}
