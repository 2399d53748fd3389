package main

import (
	"bytes"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClusterTest(t *testing.T) {
	set := clusterTest("set")
	assert.Equal(t, []string{"--cluster", "-t", "set", "-r", "100000", "-d", "16"}, set.args())
	assert.Equal(t, "SET", set.name)
	assert.Equal(t, 1000, set.requests(1000, 1))
	assert.Equal(t, 6000, set.requests(1000, 16))
}

func TestClusterCSV(t *testing.T) {
	out := "Cluster has 3 master nodes:\n\nMaster 0: 9f402e6e218eafff7d93133d53e55ff6a7f1f0dd 127.0.0.1:31003\n" +
		"Master 1: fe49594370e3df1f1c59f5a76fb84b1466265e3e 127.0.0.1:31001\n\n" +
		`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","39714.06","0.654","0.064","0.375","2.119","5.031","22.895"
`
	rows, err := parseCSV(clusterCSV([]byte(out)))
	require.NoError(t, err)
	assert.Equal(t, []csvRow{{test: "SET", rps: 39714.06, p50: 0.375, p99: 5.031}}, rows)
	assert.Equal(t, []byte("nothing"), clusterCSV([]byte("nothing")))
}

func TestFreeClusterPort(t *testing.T) {
	p, err := freeClusterPort()
	require.NoError(t, err)
	assert.LessOrEqual(t, p, 55535)
	for _, port := range []int{p, p + 10000} {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		require.NoError(t, err)
		ln.Close()
	}
}

func TestPrintCluster(t *testing.T) {
	rows := []clusterRow{
		{cmd: "set", p: 1, n: 1000, res: [2]result{{rps: 90000, p99: 1.5, cpuMs: 1200}, {rps: 100000, p99: 1.2, cpuMs: 1000}}},
		{cmd: "get", p: 1, n: 1000, res: [2]result{{status: "error", detail: "boom"}, {rps: 100000, p99: 1.1, cpuMs: -1}}},
		{cmd: "set", p: 16, n: 3000, res: [2]result{{status: "error", detail: "boom"}, {rps: 500000, p99: 2, cpuMs: 300}}},
	}
	var b bytes.Buffer
	printCluster(&b, &options{clients: 50, clusterRuns: 3}, rows)
	assert.Equal(t, `Cluster: redis-benchmark --cluster -c 50 -r 100000 -d 16 against 3 masters without replicas (3 runs of n requests, together)
      test     n  ops/s ours  ops/s redis  ours/redis  p99 ours  p99 redis  cpu ms/100k ours  cpu ms/100k redis  cpu ours/redis
   SET P=1  1000       90000       100000        0.90     1.500      1.200              1200               1000            1.20
   GET P=1  1000       error       100000           -         -      1.100                 -                  -               -
  SET P=16  3000       error       500000           -         -      2.000                 -                300               -
p99 in ms; cpu: the 3 nodes' user+sys time together per 100k requests
redis-benchmark --cluster times a run in steps of 250 ms: up to 4166.7% of a run here
  GET P=1, ours: error: boom

`, b.String())
}

// TestSumRuns checks that runs of the same requests add up as one long
// run: 100k requests at 50k/s and at 100k/s take 3 s for 200k requests.
func TestSumRuns(t *testing.T) {
	got := sumRuns([]result{{rps: 50000, p50: 1, p99: 3, cpuMs: 1000}, {rps: 100000, p50: 2, p99: 1, cpuMs: 1200}, {rps: 100000, p50: 3, p99: 2, cpuMs: 1100}})
	assert.InDelta(t, 75000, got.rps, 0.01)
	assert.InDelta(t, 1100, got.cpuMs, 0.01)
	assert.Equal(t, 2.0, got.p50)
	assert.Equal(t, 2.0, got.p99)

	assert.Equal(t, -1.0, sumRuns([]result{{rps: 1, cpuMs: 5}, {rps: 1, cpuMs: -1}}).cpuMs)
	assert.Equal(t, "timeout", sumRuns([]result{{rps: 1}, {status: "timeout"}}).status)
	assert.Equal(t, "error", sumRuns(nil).status)
}
