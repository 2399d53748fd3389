package aof

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	mfRedisServer = "/usr/bin/redis-server"
	mfRedisCheck  = "/usr/bin/redis-check-aof"
)

// mfValidCases parse, and String gives want. oracle says whether
// redis-check-aof sees the input as a manifest (it needs a line starting
// with "file") and so can confirm that Redis accepts it.
var mfValidCases = []struct {
	name, in, want string
	oracle         bool
}{
	{"one base", "file a seq 1 type b\n", "file a seq 1 type b\n", true},
	{"comments", "# comment\nfile a seq 1 type b\n#tail", "file a seq 1 type b\n", true},
	{"only comments", "#only comment\n", "", false},
	{"any order, case, extra keys, base written first",
		"type i seq 3 file x\nFILE b SEQ 2 TYPE base extra 1\nfile h seq 5 type hist\n",
		"file b seq 2 type b\nfile h seq 5 type h\nfile x seq 3 type i\n", false},
	{"last key wins", "file a seq 1 type b file c\n", "file c seq 1 type b\n", true},
	{"quotes and spaces", "file\t'a b'  seq +7 type b  \r\n", "file \"a b\" seq 7 type b\n", true},
	{"escapes", "file \"\\x41\\x00b\" seq 1 type b\n", "file A seq 1 type b\n", true},
	{"escaped name written back", "file \"a\\\"\\n\\r\\t\\a\\b\\x01\\xff\\v\" seq 1 type b\n",
		"file \"a\\\"\\n\\r\\t\\a\\b\\x01\\xffv\" seq 1 type b\n", true},
	{"atoll", "file a seq \" \\t-12abc\" type h\nfile b seq 99999999999999999999 type i\n",
		"file a seq -12 type h\nfile b seq 9223372036854775807 type i\n", true},
	{"empty name", "file \"\" seq 1 type b\n", "file  seq 1 type b\n", true},
	{"vertical tab is no terminator", "file a seq 1 type b\v\n", "file a seq 1 type b\n", true},
	{"NUL in a key", "\"file\\x00x\" a seq 1 type b\n", "file a seq 1 type b\n", false},
	{"history keeps file order", "file a seq 1 type i\nfile h2 seq 9 type h\nfile h1 seq 1 type h\nfile b seq 2 type i\n",
		"file h2 seq 9 type h\nfile h1 seq 1 type h\nfile a seq 1 type i\nfile b seq 2 type i\n", true},
	{"line of 1024 bytes", "file " + strings.Repeat("a", 1005) + " seq 1 type b\n",
		"file " + strings.Repeat("a", 1005) + " seq 1 type b\n", true},
	{"long comment skipped by chunks", "#" + strings.Repeat("x", 1023) + "#" + strings.Repeat("y", 1000) + "\nfile a seq 1 type b\n",
		"file a seq 1 type b\n", true},
}

// mfInvalidCases are refused, with Redis's message and the line it shows.
var mfInvalidCases = []struct {
	name, in string
	want     ManifestError
	oracle   bool
}{
	{"empty", "", ManifestError{Msg: "Found an empty AOF manifest"}, false},
	{"no final newline", "file a seq 1 type b", ManifestError{Msg: "The AOF manifest file contains too long line"}, true},
	{"empty line", "file a seq 1 type b\n\n", ManifestError{2, "", "Invalid AOF manifest file format"}, true},
	{"blank line", "file a seq 1 type b\n \t\r\n", ManifestError{2, "", "Invalid AOF manifest file format"}, true},
	{"five words", "file a seq 1 type\n", ManifestError{1, "file a seq 1 type", "Invalid AOF manifest file format"}, true},
	{"odd words", "file a seq 1 type b x\n", ManifestError{1, "file a seq 1 type b x", "Invalid AOF manifest file format"}, true},
	{"seq 0", "file a seq 0 type b\n", ManifestError{1, "file a seq 0 type b", "Invalid AOF manifest file format"}, true},
	{"seq not a number", "file a seq abc type b\n", ManifestError{1, "file a seq abc type b", "Invalid AOF manifest file format"}, true},
	{"empty type", "file a seq 1 type \"\"\n", ManifestError{1, "file a seq 1 type \"\"", "Invalid AOF manifest file format"}, true},
	{"NUL type", "file a seq 1 type \"\\x00b\"\n", ManifestError{1, "file a seq 1 type \"\\x00b\"", "Invalid AOF manifest file format"}, true},
	{"no file key", "seq 1 type b name a\n", ManifestError{1, "seq 1 type b name a", "Invalid AOF manifest file format"}, false},
	{"unicode fold", "file a \xc5\xbfeq 1 type b\n", ManifestError{1, "file a \xc5\xbfeq 1 type b", "Invalid AOF manifest file format"}, true},
	{"path", "file a/b seq 1 type b\n", ManifestError{1, "file a/b seq 1 type b", "File can't be a path, just a filename"}, true},
	{"backslash path", "file a\\b seq 1 type b\n", ManifestError{1, "file a\\b seq 1 type b", "File can't be a path, just a filename"}, true},
	{"escaped path", "file \"a\\x2fb\" seq 1 type b\n", ManifestError{1, "file \"a\\x2fb\" seq 1 type b", "File can't be a path, just a filename"}, true},
	{"path before missing seq", "file a/b seq 0 type b\n", ManifestError{1, "file a/b seq 0 type b", "File can't be a path, just a filename"}, true},
	{"duplicate base", "file a seq 1 type b\nfile c seq 2 type b\n", ManifestError{2, "file c seq 2 type b", "Found duplicate base file information"}, true},
	{"equal incr seqs", "file a seq 2 type i\nfile c seq 2 type i\n", ManifestError{2, "file c seq 2 type i", "Found a non-monotonic sequence number"}, true},
	{"negative incr", "file a seq -1 type i\n", ManifestError{1, "file a seq -1 type i", "Found a non-monotonic sequence number"}, true},
	{"saturated seqs", "file a seq 9223372036854775807 type i\nfile b seq 99999999999999999999 type i\n",
		ManifestError{2, "file b seq 99999999999999999999 type i", "Found a non-monotonic sequence number"}, true},
	{"history between incrs", "file a seq 1 type i\nfile b seq 5 type h\nfile c seq 1 type i\n",
		ManifestError{3, "file c seq 1 type i", "Found a non-monotonic sequence number"}, true},
	{"unknown type", "file a seq 1 type x\n", ManifestError{1, "file a seq 1 type x", "Unknown AOF file type"}, true},
	{"unbalanced quote", "file \"a seq 1 type b\n", ManifestError{1, "file \"a seq 1 type b", "Invalid AOF manifest file format"}, true},
	{"text after quote", "file \"a\"b seq 1 type b\n", ManifestError{1, "file \"a\"b seq 1 type b", "Invalid AOF manifest file format"}, true},
	{"single quote in a name", "file a seq 1 type b\nfile a'b seq 1 type h\n", ManifestError{2, "file a'b seq 1 type h", "Invalid AOF manifest file format"}, true},
	{"line of 1025 bytes", "file " + strings.Repeat("a", 1006) + " seq 1 type b\n", ManifestError{Msg: "The AOF manifest file contains too long line"}, true},
	{"NUL before newline", "file a seq 1 type b\x00junk\n", ManifestError{Msg: "The AOF manifest file contains too long line"}, true},
	{"NUL first", "file a seq 1 type b\n\x00file a seq 1 type b\n", ManifestError{Msg: "The AOF manifest file contains too long line"}, true},
	{"rest of a long comment", "#" + strings.Repeat("x", 1100) + "\nfile a seq 1 type b\n",
		ManifestError{2, strings.Repeat("x", 77), "Invalid AOF manifest file format"}, true},
}

func TestManifestParseValid(t *testing.T) {
	for _, tc := range mfValidCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.String())
			assert.False(t, m.Dirty)
		})
	}
}

func TestManifestParseInvalid(t *testing.T) {
	for _, tc := range mfInvalidCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tc.in))
			require.Nil(t, m)
			var me *ManifestError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tc.want, *me)
			assert.Equal(t, tc.want.Msg, err.Error())
		})
	}
}

func TestManifestFields(t *testing.T) {
	m, err := ParseManifest([]byte("file h seq 4 type h\nfile i1 seq 3 type i\nfile b seq 2 type b\nfile i2 seq 7 type i\n"))
	require.NoError(t, err)
	assert.Equal(t, &Manifest{
		Base:       &FileInfo{"b", 2, TypeBase},
		Incrs:      []*FileInfo{{"i1", 3, TypeIncr}, {"i2", 7, TypeIncr}},
		History:    []*FileInfo{{"h", 4, TypeHistory}},
		CurBaseSeq: 2,
		CurIncrSeq: 7,
	}, m)
}

// TestManifestRedisAgrees runs redis-check-aof, which loads a manifest with
// aofLoadManifestFromFile, on the cases it recognizes as manifests.
func TestManifestRedisAgrees(t *testing.T) {
	mfRequireBinary(t, mfRedisCheck)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.manifest")
	check := func(in string) string {
		require.NoError(t, os.WriteFile(path, []byte(in), 0o644))
		out, _ := exec.Command(mfRedisCheck, path).CombinedOutput()
		return string(out)
	}
	for _, tc := range mfValidCases {
		if tc.oracle {
			out := check(tc.in)
			assert.NotContains(t, out, "FATAL", tc.name)
			assert.Contains(t, out, "Cannot open file", tc.name)
		}
	}
	for _, tc := range mfInvalidCases {
		if !tc.oracle {
			continue
		}
		out := check(tc.in)
		assert.Contains(t, out, "*** FATAL AOF MANIFEST FILE ERROR ***", tc.name)
		assert.Contains(t, out, "# "+tc.want.Msg+"\n", tc.name)
		if tc.want.Line == 0 {
			assert.NotContains(t, out, "Reading the manifest file", tc.name)
		} else {
			assert.Contains(t, out, fmt.Sprintf("Reading the manifest file, at line %d\n", tc.want.Line), tc.name)
			assert.Contains(t, out, ">>> '"+tc.want.Text+"'\n", tc.name)
		}
	}
}

func TestManifestNames(t *testing.T) {
	assert.Equal(t, "appendonly.aof.manifest", ManifestName("appendonly.aof"))
	assert.Equal(t, "temp-appendonly.aof.manifest", TempManifestName("appendonly.aof"))
	assert.Equal(t, "temp-appendonly.aof.incr", TempIncrName("appendonly.aof"))

	m := &Manifest{}
	assert.Equal(t, "x.aof.1.base.rdb", m.NewBase("x.aof", true))
	assert.True(t, m.Dirty)
	m.Dirty = false
	assert.Equal(t, "x.aof.1.incr.aof", m.LastIncr("x.aof"))
	assert.True(t, m.Dirty)
	assert.Equal(t, "x.aof.1.incr.aof", m.LastIncr("x.aof"))
	assert.Equal(t, "x.aof.2.incr.aof", m.NewIncr("x.aof"))
	assert.Equal(t, "x.aof.2.base.aof", m.NewBase("x.aof", false))
	assert.Equal(t, "file x.aof.2.base.aof seq 2 type b\nfile x.aof.1.base.rdb seq 1 type h\n"+
		"file x.aof.1.incr.aof seq 1 type i\nfile x.aof.2.incr.aof seq 2 type i\n", m.String())

	c := m.Clone()
	c.MarkIncrsHistory()
	assert.Equal(t, "file x.aof.2.base.aof seq 2 type b\nfile x.aof.1.incr.aof seq 1 type h\n"+
		"file x.aof.1.base.rdb seq 1 type h\nfile x.aof.2.incr.aof seq 2 type i\n", c.String())
	c.MarkAllIncrsHistory()
	assert.Equal(t, "file x.aof.2.base.aof seq 2 type b\nfile x.aof.2.incr.aof seq 2 type h\nfile x.aof.1.incr.aof seq 1 type h\n"+
		"file x.aof.1.base.rdb seq 1 type h\n", c.String())
	c.Dirty = false
	c.MarkIncrsHistory()
	assert.False(t, c.Dirty, "no incr file: nothing to mark")
	// The clone shares nothing with the original.
	assert.Equal(t, "file x.aof.2.base.aof seq 2 type b\nfile x.aof.1.base.rdb seq 1 type h\n"+
		"file x.aof.1.incr.aof seq 1 type i\nfile x.aof.2.incr.aof seq 2 type i\n", m.String())

	m.Upgrade("x.aof")
	assert.Equal(t, "file x.aof seq 1 type b\nfile x.aof.1.base.rdb seq 1 type h\n"+
		"file x.aof.1.incr.aof seq 1 type i\nfile x.aof.2.incr.aof seq 2 type i\n", m.String())
	assert.Equal(t, int64(1), m.CurBaseSeq)
}

func TestManifestWriteLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadManifest(filepath.Join(dir, ManifestName("appendonly.aof")))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, "Fatal error: can't open the AOF manifest file "+dir+"/appendonly.aof.manifest for reading: No such file or directory", err.Error())

	m := &Manifest{}
	m.NewBase("appendonly.aof", true)
	m.NewIncr("appendonly.aof")
	require.NoError(t, WriteManifest(dir, "appendonly.aof", m))
	assert.False(t, m.Dirty)
	data, err := os.ReadFile(filepath.Join(dir, "appendonly.aof.manifest"))
	require.NoError(t, err)
	assert.Equal(t, m.String(), string(data))
	_, err = os.Stat(filepath.Join(dir, "temp-appendonly.aof.manifest"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	got, err := LoadManifest(filepath.Join(dir, "appendonly.aof.manifest"))
	require.NoError(t, err)
	assert.Equal(t, m, got)

	// Not dirty: nothing written, even where nothing could be.
	require.NoError(t, WriteManifest(filepath.Join(dir, "missing"), "appendonly.aof", m))
	m.Dirty = true
	err = WriteManifest(filepath.Join(dir, "missing"), "appendonly.aof", m)
	assert.EqualError(t, err, "Can't open the AOF manifest file temp-appendonly.aof.manifest: No such file or directory")
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, m.Dirty)

	_, err = LoadManifest(dir)
	assert.EqualError(t, err, "Read AOF manifest failed")
}

// TestManifestRedisGolden drives a real Redis through the manifest changes
// of startup, rewrites with AOF on, off and being turned on, restart and
// upgrade, and checks at each step that its manifest parses, serializes to
// the same bytes, and is what our functions compute from the previous one.
func TestManifestRedisGolden(t *testing.T) {
	for _, tc := range []struct {
		name, appendfilename string
		preamble             bool
	}{
		{"default", "appendonly.aof", true},
		{"no preamble", "appendonly.aof", false},
		{"odd name", "my file\t\xc3\xa9\"x.aof", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mfRedisGolden(t, tc.appendfilename, tc.preamble)
		})
	}
}

func mfRedisGolden(t *testing.T, name string, preamble bool) {
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfilename", name, "--aof-disable-auto-gc", "yes",
		"--aof-use-rdb-preamble", map[bool]string{true: "yes", false: "no"}[preamble]}
	r := mfStartRedis(t, dir, args...)
	mpath := filepath.Join(dir, "appendonlydir", ManifestName(name))
	// ours follows Redis's in-memory manifest; each step compares it with
	// the file Redis wrote, which must also round-trip.
	var ours *Manifest
	check := func(step string) *Manifest {
		t.Helper()
		data, err := os.ReadFile(mpath)
		require.NoError(t, err)
		m, err := ParseManifest(data)
		require.NoError(t, err, step)
		require.Equal(t, string(data), m.String(), step)
		require.Equal(t, string(data), ours.String(), step)
		return m
	}

	// Startup on an empty dataset: a base, then the incr to write.
	ours = &Manifest{}
	ours.NewBase(name, preamble)
	ours.LastIncr(name)
	check("startup")

	// BGREWRITEAOF with AOF on: a new incr at the start, then at the end a
	// new base, the rewritten incr files become history.
	for range 2 {
		r.do("SET", "k", "v")
		ours.NewIncr(name)
		ours.NewBase(name, preamble)
		ours.MarkIncrsHistory()
		r.do("BGREWRITEAOF")
		r.waitRewrite()
		check("rewrite")
	}

	// With AOF off, no new incr, and every incr file becomes history.
	r.do("CONFIG", "SET", "appendonly", "no")
	ours.NewBase(name, preamble)
	ours.MarkAllIncrsHistory()
	r.do("BGREWRITEAOF")
	r.waitRewrite()
	check("rewrite with AOF off")

	// Turning AOF on rewrites, the temp incr file becoming the next incr.
	ours.NewBase(name, preamble)
	ours.NewIncr(name)
	ours.MarkIncrsHistory()
	r.do("CONFIG", "SET", "appendonly", "yes")
	r.waitRewrite()
	loaded := check("AOF turned on")
	r.stop()

	// A restart keeps the manifest as it is.
	r = mfStartRedis(t, dir, args...)
	assert.Equal(t, "v", r.do("GET", "k"))
	ours = loaded
	ours.LastIncr(name)
	check("restart")
	r.stop()

	// An old-style AOF file in dir and no AOF directory: the upgrade.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "appendonlydir")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv2\r\n"), 0o644))
	r = mfStartRedis(t, dir, args...)
	assert.Equal(t, "v2", r.do("GET", "k"))
	ours = &Manifest{}
	ours.Upgrade(name)
	ours.LastIncr(name)
	check("upgrade")
	r.stop()
}

// FuzzManifest: parsing never panics, and what parses serializes to
// something that parses to the same manifest, unless it holds what Redis
// itself writes but cannot read back: an empty name, a name with a single
// quote (both written bare), or a line longer than 1023 bytes.
func FuzzManifest(f *testing.F) {
	for _, tc := range mfValidCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range mfInvalidCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			var me *ManifestError
			require.ErrorAs(t, err, &me)
			require.Nil(t, m)
			return
		}
		s := m.String()
		for _, fi := range append(append([]*FileInfo{m.Base}, m.History...), m.Incrs...) {
			if fi != nil && (fi.Name == "" || strings.Contains(fi.Name, "'")) {
				return
			}
		}
		for _, line := range strings.SplitAfter(s, "\n") {
			if len(line) > mfMaxLine {
				return
			}
		}
		if s == "" {
			return // an empty file is refused; Redis never writes one
		}
		again, err := ParseManifest([]byte(s))
		require.NoError(t, err, "%q", s)
		require.Equal(t, m, again)
		require.Equal(t, s, again.String())
	})
}

func mfRequireBinary(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("real Redis is needed for this test: %v", err)
	}
}

// mfRedis is a real redis-server for a test, with a minimal RESP client.
type mfRedis struct {
	t    testing.TB
	cmd  *exec.Cmd
	conn net.Conn
	rd   *bufio.Reader
	done chan struct{}
}

// mfStartRedis starts redis-server on a free port with dir as its
// directory, its log in dir/redis.log, and connects to it.
func mfStartRedis(t testing.TB, dir string, args ...string) *mfRedis {
	t.Helper()
	mfRequireBinary(t, mfRedisServer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
		"--logfile", filepath.Join(dir, "redis.log")}, args...)
	r := &mfRedis{t: t, cmd: exec.Command(mfRedisServer, all...), done: make(chan struct{})}
	require.NoError(t, r.cmd.Start())
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(r.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			r.conn, r.rd = c, bufio.NewReader(c)
			break
		}
		select {
		case <-r.done:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server exited: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "redis-server does not answer")
	}
	// Wait for the end of loading.
	for !strings.Contains(r.do("INFO", "persistence"), "\r\nloading:0\r\n") {
		require.True(t, time.Now().Before(deadline), "redis-server does not load")
		time.Sleep(10 * time.Millisecond)
	}
	return r
}

// do sends a command and returns the reply (a status, integer or bulk as
// its text); an error reply fails the test.
func (r *mfRedis) do(args ...string) string {
	r.t.Helper()
	reply := r.try(args...)
	if strings.HasPrefix(reply, "-") {
		r.t.Fatalf("%v: %s", args, reply)
	}
	return reply
}

// try sends a command and returns the reply, an error as "-ERR ...".
func (r *mfRedis) try(args ...string) string {
	r.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	require.NoError(r.t, r.conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err := r.conn.Write([]byte(b.String()))
	require.NoError(r.t, err)
	return r.reply()
}

// reply reads a reply: an array as its elements joined by ",".
func (r *mfRedis) reply() string {
	r.t.Helper()
	line, err := r.rd.ReadString('\n')
	require.NoError(r.t, err)
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+', ':':
		return line[1:]
	case '-':
		return line
	case '$', '*':
		n, err := strconv.Atoi(line[1:])
		require.NoError(r.t, err)
		if n < 0 {
			return ""
		}
		if line[0] == '*' {
			elems := make([]string, n)
			for i := range elems {
				elems[i] = r.reply()
			}
			return strings.Join(elems, ",")
		}
		buf := make([]byte, n+2)
		_, err = io.ReadFull(r.rd, buf)
		require.NoError(r.t, err)
		return string(buf[:n])
	}
	r.t.Fatalf("unexpected reply %q", line)
	return ""
}

// waitRewrite waits for the end of an AOF rewrite, which must succeed.
func (r *mfRedis) waitRewrite() {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := r.do("INFO", "persistence")
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			require.Contains(r.t, info, "aof_last_bgrewrite_status:ok")
			return
		}
		require.True(r.t, time.Now().Before(deadline), "rewrite does not end")
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills the server (SIGTERM, as a shutdown) and waits for it.
func (r *mfRedis) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	if r.conn != nil {
		r.conn.Close()
	}
	r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
}
