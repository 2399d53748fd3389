package db

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeLoop struct{ shutdowns int }

func (l *fakeLoop) Shutdown()             { l.shutdowns++ }
func (l *fakeLoop) Port() int             { return 7001 }
func (l *fakeLoop) Execute(fn func())     { fn() }
func (l *fakeLoop) ExecuteBusy(fn func()) { fn() }
func (l *fakeLoop) NextTurn(fn func())    { fn() }

func TestTime(t *testing.T) {
	r := newLocalRunner(t)
	out := r.do("x", argvOf("TIME"))
	require.Len(t, out, 3)
	sec, err := strconv.Unquote(out[1][2:])
	require.NoError(t, err)
	usec, err := strconv.Unquote(out[2][2:])
	require.NoError(t, err)
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt(usec, 10, 64)
	assert.InDelta(t, time.Now().Unix(), s, 2)
	assert.True(t, us >= 0 && us < 1e6)
}

func TestShutdown(t *testing.T) {
	r := newLocalRunner(t)
	loop := &fakeLoop{}
	r.srv.Loop = loop
	assert.Equal(t, "7001", infoSection(r.srv.Info("server"), "Server")["tcp_port"])

	var gotFlags []int
	fail := true
	r.srv.OnShutdown(func(flags int) error {
		gotFlags = append(gotFlags, flags)
		if fail {
			return errors.New("disk full")
		}
		return nil
	})
	assert.Equal(t, []string{"-ERR Errors trying to SHUTDOWN. Check logs."}, r.do("x", argvOf("SHUTDOWN SAVE")))
	assert.Equal(t, 0, loop.shutdowns)
	fail = false
	assert.Equal(t, []string{"<no reply>"}, r.do("x", argvOf("SHUTDOWN NOSAVE NOW FORCE")))
	assert.Equal(t, 1, loop.shutdowns)
	assert.Equal(t, []int{ShutdownSave, ShutdownNoSave | ShutdownNow | ShutdownForce}, gotFlags)
}

func TestMemoryStats(t *testing.T) {
	r := newLocalRunner(t)
	r.do("x", argvOf("SET a b"))
	out := r.do("x", argvOf("MEMORY STATS"))
	require.Equal(t, "*56", out[0]) // 27 fields and db.0
	assert.Equal(t, `  "peak.allocated"`, out[1])
	assert.Equal(t, `  "db.0"`, out[21])
	assert.Equal(t, "  *6", out[22])
	assert.Equal(t, `  "fragmentation.bytes"`, out[len(out)-2])

	doctor := r.do("x", argvOf("MEMORY DOCTOR"))
	assert.Regexp(t, `^"(Hi Sam|Sam, I detected)`, doctor[0])
	stats := r.do("x", argvOf("MEMORY MALLOC-STATS"))
	require.Len(t, stats, 1)
	assert.Regexp(t, `^"___ Begin Go allocator statistics \(go.*\\nheap allocated: [1-9][0-9]*\\n.*\\n___ End Go allocator statistics ___\\n"$`, stats[0])
}
