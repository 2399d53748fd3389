package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLagStats(t *testing.T) {
	var l lagStats
	assert.Equal(t, 0.0, l.mean())
	for _, v := range []int64{10, -5, 30} {
		l.add(v)
	}
	assert.Equal(t, lagStats{samples: 3, max: 30, sum: 40}, l)
	assert.InDelta(t, 13.33, l.mean(), 0.01)
}

func TestMedianRun(t *testing.T) {
	runs := []loadResult{
		{result: result{rps: 300}, lag: lagStats{samples: 1, max: 5, sum: 5}, catchUp: 2},
		{result: result{rps: 100}, lag: lagStats{samples: 2, max: 9, sum: 10}, catchUp: 7},
		{result: result{rps: 200}, lag: lagStats{samples: 1, max: 1, sum: 1}, catchUp: 1},
	}
	got := medianRun(runs)
	assert.Equal(t, 200.0, got.rps)
	assert.Equal(t, lagStats{samples: 4, max: 9, sum: 16}, got.lag)
	assert.Equal(t, time.Duration(7), got.catchUp)
}

func TestInfoField(t *testing.T) {
	info := "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\nslave_repl_offset:1234\r\n"
	assert.Equal(t, "up", infoField(info, "master_link_status"))
	assert.Equal(t, "1234", infoField(info, "slave_repl_offset"))
	assert.Equal(t, "", infoField(info, "master_repl_offset"))
}

func TestWriteSetsReadOKs(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeSets(&b, 2))
	assert.Equal(t, "*3\r\n$3\r\nSET\r\n$5\r\nkey:0\r\n$16\r\n0000000000000000\r\n"+
		"*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$16\r\n9e3779b97f4a7c15\r\n", b.String())
	assert.NoError(t, readOKs(bufio.NewReader(strings.NewReader("+OK\r\n+OK\r\n")), 2))
	assert.EqualError(t, readOKs(bufio.NewReader(strings.NewReader("+OK\r\n-ERR unknown command 'set'\r\n")), 2), "-ERR unknown command 'set'")
}

func TestReplFlags(t *testing.T) {
	opt, err := parseFlags([]string{"-n", "1000"})
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"suite": true, "rss": true, "persist": true, "aof": true, "repl": true, "evict": true, "stream": true, "acl": true, "cluster": true}, opt.sections)
	assert.Equal(t, 1500, opt.replN)
	assert.Equal(t, 1000000, opt.replKeys)
	assert.Equal(t, opt.redis, opt.replica)
	assert.Equal(t, 3, opt.replRuns)

	opt, err = parseFlags([]string{"-sections", "repl", "-repl-n", "0", "-replica", "/x/redis-server"})
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"repl": true}, opt.sections)
	assert.Equal(t, 0, opt.replN)
	assert.Equal(t, "/x/redis-server", opt.replica)

	_, err = parseFlags([]string{"-sections", "suite,nope"})
	assert.Error(t, err)
}

func TestAOFFlagsAndMedian(t *testing.T) {
	opt, err := parseFlags([]string{"-sections", "aof", "-aof-runs", "5"})
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"aof": true}, opt.sections)
	assert.Equal(t, 5, opt.aofRuns)
	assert.Equal(t, 1000000, opt.aofKeys)
	_, err = parseFlags([]string{"-aof-runs", "0"})
	assert.Error(t, err)

	runs := []result{{rps: 3, p99: 9}, {rps: 1, p99: 1}, {rps: 2, p99: 5}}
	assert.Equal(t, result{rps: 2, p99: 5}, medianResult(runs))
	assert.Equal(t, "timeout", medianResult(append(runs, result{status: "timeout"})).status)
}
