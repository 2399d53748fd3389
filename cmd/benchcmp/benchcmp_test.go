package main

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCSV(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"LPUSH (needed to benchmark LRANGE)","63051.70","0.369","0.088","0.279","0.687","2.759","4.935"
"SET","122699.38","0.260","0.080","0.255","0.383","0.551","4.007"
`
	rows, err := parseCSV([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, []csvRow{
		{test: "LPUSH (needed to benchmark LRANGE)", rps: 63051.70, p50: 0.279, p99: 2.759},
		{test: "SET", rps: 122699.38, p50: 0.255, p99: 0.551},
	}, rows)

	_, err = parseCSV([]byte("PING_INLINE: 1000.00 requests per second\n"))
	assert.Error(t, err)
}

func TestParseStatTicks(t *testing.T) {
	stat := "4242 (redis server) S 1 4242 4242 0 -1 4194560 1201 0 0 0 731 229 0 0 20 0 5 0 123 1857136 2822 18446744073709551615\n"
	ticks, err := parseStatTicks(stat)
	require.NoError(t, err)
	assert.Equal(t, int64(731+229), ticks)
	_, err = parseStatTicks("4242 (x) S 1")
	assert.Error(t, err)
}

func TestParseVmRSS(t *testing.T) {
	kb, err := parseVmRSS("Name:\tredis-server\nVmPeak:\t  100 kB\nVmRSS:\t   20128 kB\nRssAnon:\t 100 kB\n")
	require.NoError(t, err)
	assert.Equal(t, int64(20128), kb)
	_, err = parseVmRSS("Name:\tx\n")
	assert.Error(t, err)
}

func TestSelectTests(t *testing.T) {
	all, err := selectTests(nil)
	require.NoError(t, err)
	assert.Len(t, all, len(suite))

	got, err := selectTests([]string{"mset", "lrange_300", "set"})
	require.NoError(t, err)
	var names []string
	for _, t := range got {
		names = append(names, t.name)
	}
	assert.Equal(t, []string{"SET", "LPUSH (for LRANGE)", "LRANGE_300", "MSET (10 keys)"}, names)

	_, err = selectTests([]string{"nope"})
	assert.Error(t, err)
}

func TestRequests(t *testing.T) {
	set := suite[2]
	assert.Equal(t, 150000, set.requests(100000, 1))
	assert.Equal(t, 2000000, set.requests(100000, 16))
	assert.Equal(t, 1, set.requests(0, 1))
	assert.Equal(t, []string{"-t", "set"}, set.args())
	assert.Equal(t, []string{"lrange", "mylist", "0", "599"}, suite[18].args())
}

func TestFailure(t *testing.T) {
	s := &server{exited: make(chan struct{})}
	out := "WARNING: Could not fetch server CONFIG\n SET: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\rError from server: ERR unknown command 'SET', with args beginning with: 'k' \n"
	r := failure(s, errors.New("exit status 1"), out)
	assert.Equal(t, "unsupported", r.status)
	assert.Equal(t, "ERR unknown command 'SET', with args beginning with: 'k' ", r.detail)

	r = failure(s, errors.New("exit status 1"), "Error from server: WRONGTYPE Operation against a key holding the wrong kind of value\n")
	assert.Equal(t, result{status: "error", detail: "WRONGTYPE Operation against a key holding the wrong kind of value"}, r)

	close(s.exited)
	r = failure(s, errors.New("exit status 1"), "")
	assert.Equal(t, result{status: "error", detail: "the server exited during the test"}, r)
}
