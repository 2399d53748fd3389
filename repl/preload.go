package repl

// Loading while the RDB arrives. With repl-diskless-load disabled (the
// default) Redis writes the whole payload to a temp file and only then
// loads it, so a replica comes online after the transfer plus the load.
// Here the file is loaded as it is written: a goroutine reads it behind
// the writer into a dataset the server does not see (as swapdb's load),
// while the old data is served as during any transfer. Once the file is
// complete and synced, the loading state begins as Redis's does (the old
// master left behind, -LOADING), and lasts only for what the reader has
// not read yet. What the server shows and logs is Redis's order; a
// transfer that fails drops what was read, and the data stays as it was.

import (
	"bufio"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/redis-go/redis-server/rdb"
)

// growingFile reads a file that another goroutine is writing: a read at
// the end waits for more until the writer finishes or fails.
type growingFile struct {
	f *os.File

	mu      sync.Mutex
	more    *sync.Cond
	written int64 // bytes the writer wrote
	done    bool  // the writer finished: the end is the end
	err     error // the writer failed: reads fail with it
	read    int64 // the reader's offset
}

func openGrowing(name string) (*growingFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	g := &growingFile{f: f}
	g.more = sync.NewCond(&g.mu)
	return g, nil
}

// Read reads what was written past the reader's offset, waiting for it.
func (g *growingFile) Read(p []byte) (int, error) {
	g.mu.Lock()
	for g.read >= g.written && !g.done && g.err == nil {
		g.more.Wait()
	}
	avail, err := g.written-g.read, g.err
	g.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if avail == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > avail {
		p = p[:avail]
	}
	n, rerr := g.f.ReadAt(p, g.read)
	g.read += int64(n)
	if rerr == io.EOF && n > 0 {
		rerr = nil
	}
	return n, rerr
}

// wrote tells the reader that n more bytes are in the file.
func (g *growingFile) wrote(n int) {
	g.mu.Lock()
	g.written += int64(n)
	g.mu.Unlock()
	g.more.Broadcast()
}

// finish ends the writing: err nil, the file is complete; otherwise the
// reader fails with err.
func (g *growingFile) finish(err error) {
	g.mu.Lock()
	if err != nil {
		g.err = err
	}
	g.done = true
	g.mu.Unlock()
	g.more.Broadcast()
}

// growingWriter writes to the file and tells its reader.
type growingWriter struct {
	w io.Writer
	g *growingFile
}

func (t *growingWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if n > 0 {
		t.g.wrote(n)
	}
	return n, err
}

var errTransferFailed = errors.New("the transfer failed")

// receiveAndLoad writes the payload to a temp file, as receiveRDB, and
// loads it meanwhile into job, prepared by the loop (prepareLoad); once
// the file is complete the loop enters the loading state and the load
// ends as loadFile's.
func (a *attempt) receiveAndLoad(w io.Writer, br *bufio.Reader, res *syncResult, mark []byte, size int64, job *loadJob) *syncError {
	a.noticeToDisk(mark, size)
	f, name, serr := createTempRDB()
	if serr != nil {
		return serr
	}
	res.tmpfile = name
	g, err := openGrowing(name)
	if err != nil {
		f.Close()
		os.Remove(name)
		return fail("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + strerror(err))
	}
	defer g.f.Close()
	loaded := make(chan error, 1)
	go func() {
		info, err := rdb.LoadInto(g, job.load, a.loadOptions(w, job, false))
		job.info = info
		job.ended(err == nil) // the loop may wait for it (startHeld)
		loaded <- err
	}()
	if serr := a.writePayload(br, &growingWriter{w: f, g: g}, f, mark, size); serr != nil {
		g.finish(errTransferFailed)
		<-loaded
		os.Remove(name)
		return serr
	}
	g.finish(nil)
	a.held = job
	if a.ld.startLoading(a, res, size, job) == nil {
		g.finish(errLoadCancelled)
		<-loaded
		os.Remove(name)
		return fail("cancelled")
	}
	if err := <-loaded; err != nil {
		os.Remove(name)
		if errors.Is(err, errLoadCancelled) {
			return fail("cancelled")
		}
		return fail("Failed trying to load the MASTER synchronization DB from disk: " + err.Error())
	}
	res.job = job
	return nil
}
