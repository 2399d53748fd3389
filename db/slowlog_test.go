package db

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlowlogEntry(t *testing.T) {
	r := newLocalRunner(t)
	do := func(argv ...string) []string {
		b := make([][]byte, len(argv))
		for i, a := range argv {
			b[i] = []byte(a)
		}
		return r.do("x", b)
	}
	do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	do("CLIENT", "SETNAME", "tester")
	do("SLOWLOG", "RESET")
	do("SET", "k", strings.Repeat("v", 200))
	many := []string{"DEL"}
	for i := 0; i < 40; i++ {
		many = append(many, "k")
	}
	do(many...)
	out := do("SLOWLOG", "GET", "2")
	require.Equal(t, "*2", out[0])
	// Newest first: DEL with its argument list cut at 32.
	del := out[1:]
	assert.Equal(t, "  *6", del[0])
	assert.Regexp(t, `^    :\d+$`, del[1]) // id
	assert.Regexp(t, `^    :\d{10}$`, del[2])
	assert.Regexp(t, `^    :\d+$`, del[3])
	assert.Equal(t, "    *32", del[4])
	assert.Equal(t, `      "... (10 more arguments)"`, del[36])
	assert.Equal(t, `    "127.0.0.1:40000"`, del[37])
	assert.Equal(t, `    "tester"`, del[38])
	set := del[39:]
	assert.Equal(t, "    *3", set[4])
	assert.Equal(t, `      "`+strings.Repeat("v", 128)+`... (72 more bytes)"`, set[7])
	ids := []string{strings.TrimPrefix(del[1], "    :"), strings.TrimPrefix(set[1], "    :")}
	assert.NotEqual(t, ids[0], ids[1])
}
