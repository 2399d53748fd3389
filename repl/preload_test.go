package repl

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/rdb"
	"github.com/stretchr/testify/require"
)

// fileLoader is a loop that loads a payload going to disk as it arrives
// (prepareLoad), and hands the job to the test.
type fileLoader struct {
	srv     *db.Server
	jobs    chan *loadJob
	atStart chan int64 // the bytes the load had read when loading began
}

func newFileLoader() *fileLoader {
	return &fileLoader{srv: db.NewServer(config.New()), jobs: make(chan *loadJob, 1), atStart: make(chan int64, 1)}
}

func (l *fileLoader) beginPayload(*attempt, *syncResult, int64) (bool, *loadJob) { return false, nil }
func (l *fileLoader) prepareLoad(*attempt, *syncResult, int64) *loadJob {
	job := &loadJob{load: l.srv.NewDetachedLoad(), progress: &db.LoadProgress{}, going: make(chan struct{})}
	l.jobs <- job
	return job
}
func (l *fileLoader) startLoading(_ *attempt, _ *syncResult, _ int64, job *loadJob) *loadJob {
	if job == nil { // the file is loaded once received
		job = &loadJob{load: l.srv.NewDetachedLoad(), progress: &db.LoadProgress{}, going: make(chan struct{})}
	}
	l.atStart <- job.progress.Loaded.Load()
	return job
}
func (l *fileLoader) loadKnobs() (int64, int64) { return 0, 1024 }

// rdbOfKeys returns an RDB of n keys.
func rdbOfKeys(t *testing.T, n int) string {
	srv := db.NewServer(config.New())
	for i := range n {
		srv.DBs[0].Add([]byte(fmt.Sprintf("key:%d", i)), db.NewStringValue([]byte(strings.Repeat("v", 40))))
	}
	sn := srv.Snapshot()
	defer sn.Release()
	var b strings.Builder
	_, err := rdb.Write(&b, sn, rdb.Options{Checksum: true})
	require.NoError(t, err)
	return b.String()
}

// A payload that goes to disk is loaded while it arrives: with all but
// its last bytes sent, the load has read most of it before the transfer
// ends, and the loading state begins with it read. The file is complete.
func TestLoadWhileReceiving(t *testing.T) {
	body := rdbOfKeys(t, 2000)
	mark := strings.Repeat("m", 39) + "M"
	for _, tc := range []struct{ name, preamble, trailer string }{
		{"length", "$" + strconv.Itoa(len(body)) + "\r\n", ""},
		{"mark", "$EOF:" + mark + "\r\n", mark},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ld := newFileLoader()
			head, tail := body[:len(body)-100], body[len(body)-100:]
			_, res, serr := runAttemptWith(t, linkParams{}, ld, func(m *fakeMaster) {
				m.handshake()
				m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n", 100)
				m.send(tc.preamble+head, 4096)
				deadline := time.Now().Add(4 * time.Second) // under repl-timeout
				select {
				case job := <-ld.jobs:
					for job.progress.Loaded.Load() < int64(len(head))/2 && time.Now().Before(deadline) {
						time.Sleep(5 * time.Millisecond)
					}
				case <-time.After(time.Until(deadline)):
				}
				m.send(tail+tc.trailer+"*1\r\n$4\r\nPING\r\n", 4096)
			})
			require.Nil(t, serr)
			require.Greater(t, <-ld.atStart, int64(len(head))/2, "the load waited for the transfer")
			require.NotNil(t, res.job)
			require.Equal(t, 2000, res.job.info.Keys)
			require.Equal(t, 2000, res.job.load.Keys())
			require.Equal(t, body, fileContent(t, res.tmpfile))
			select {
			case <-res.job.going:
			default:
				t.Fatal("the loop was not released")
			}
		})
	}
}

// A transfer cut in the middle ends the load beside it: the temp file is
// removed and the failure is the transfer's.
func TestLoadWhileReceivingCut(t *testing.T) {
	body := rdbOfKeys(t, 2000)
	ld := newFileLoader()
	_, _, serr := runAttemptWith(t, linkParams{}, ld, func(m *fakeMaster) {
		m.handshake()
		m.send("+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n", 100)
		m.send("$"+strconv.Itoa(len(body))+"\r\n"+body[:len(body)/2], 4096)
	})
	require.NotNil(t, serr)
	require.Contains(t, serr.lines[0].msg, "I/O error trying to sync with MASTER: ")
	select {
	case <-ld.atStart:
		t.Fatal("loading began after a failed transfer")
	default:
	}
	files, _ := os.ReadDir(".")
	for _, f := range files {
		require.False(t, strings.HasPrefix(f.Name(), "temp-"), "the temp file %s stayed", f.Name())
	}
}
