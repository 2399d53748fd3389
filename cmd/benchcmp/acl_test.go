package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestACLTest(t *testing.T) {
	def := aclTest("set", false)
	assert.Equal(t, []string{"-t", "set", "-r", "100000", "-d", "16"}, def.args())
	assert.Empty(t, def.setup)
	assert.Equal(t, 500, def.requests(1000, 1))
	assert.Equal(t, 5000, def.requests(1000, 16))

	bench := aclTest("get", true)
	assert.Equal(t, []string{"--user", "bench", "-a", "benchpass", "-t", "get", "-r", "100000", "-d", "16"}, bench.args())
	assert.Equal(t, [][]string{{"acl", "setuser", "bench", "on", ">benchpass", "~key:*", "+@read", "+@write", "-@dangerous"}}, bench.setup)
}

func TestCrossRatio(t *testing.T) {
	r := aclRow{def: [2]result{{rps: 100, cpuMs: 100}, {rps: 200, cpuMs: 50}}, bench: [2]result{{rps: 90, cpuMs: 110}, {rps: 200, cpuMs: 55}}}
	assert.Equal(t, "0.90", crossRatio(r, opsPerSec))
	assert.Equal(t, "1.00", crossRatio(r, cpuPerReq))
	r.bench[1] = result{status: "error"}
	assert.Equal(t, "-", crossRatio(r, opsPerSec))
	r.bench[1] = result{rps: 0, cpuMs: -1}
	assert.Equal(t, "-", crossRatio(r, opsPerSec))
	assert.Equal(t, "-", crossRatio(r, cpuPerReq))
}

func TestPrintACL(t *testing.T) {
	rows := []aclRow{
		{cmd: "set", p: 1, n: 1000,
			def:   [2]result{{rps: 100000, cpuMs: 900}, {rps: 110000, cpuMs: 700}},
			bench: [2]result{{rps: 95000, cpuMs: 950}, {rps: 110000, cpuMs: 710}}},
		{cmd: "get", p: 16, n: 10000,
			def:   [2]result{{status: "error", detail: "boom"}, {rps: 1000000, cpuMs: 90}},
			bench: [2]result{{status: "error", detail: "boom"}, {rps: 990000, cpuMs: 91}}},
	}
	var b bytes.Buffer
	printACL(&b, &options{clients: 50}, rows)
	assert.Equal(t, `ACL: redis-benchmark -c 50 -r 100000 -d 16 as the default user and as bench (on >benchpass ~key:* +@read +@write -@dangerous), median of 4 runs each (n requests a run)
      test      n  ops/s ours  ours bench  bench/default  ops/s redis  redis bench  bench/default  cross  cpu ours  ours bench  cpu redis  redis bench  cpu cross
   SET P=1   1000      100000       95000           0.95       110000       110000           1.00   0.95       900         950        700          710       1.04
  GET P=16  10000       error       error              -      1000000       990000           0.99      -         -           -         90           91          -
bench/default: the restricted user's ops/s over the default user's; cross: ours' bench/default over Redis's;
cpu: the server's user+sys ms per 100k requests, as the default user and as bench; cpu cross: as cross, of the cpu
  GET P=16, ours: error: boom

`, b.String())
}
