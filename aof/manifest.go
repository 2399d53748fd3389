// The AOF manifest: the small text file in the AOF directory that lists the
// base, incr and history files, one per line, as Redis 7.0's aof.c reads and
// writes it. Everything here is byte-exact with Redis: the serialized form,
// the names of new files, and the parser's leniency and error texts (the
// parser mirrors aofLoadManifestFromFile, fgets chunks of 1024 bytes and
// sdssplitargs included).

package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/redis-go/redis-server/resp"
)

// FileType is the type of a file in the manifest, as the single byte Redis
// writes after "type".
type FileType byte

// The file types of the manifest.
const (
	TypeBase    FileType = 'b' // the snapshot of the last rewrite (RDB or AOF format)
	TypeHistory FileType = 'h' // a base or incr file made obsolete by a rewrite, to delete
	TypeIncr    FileType = 'i' // the commands written since the last rewrite
)

// FileInfo is one line of the manifest (Redis's aofInfo).
type FileInfo struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest is the list of AOF files (Redis's aofManifest). The base file, if
// any, is written first, then the history files, then the incr files.
type Manifest struct {
	Base       *FileInfo   // nil when none
	Incrs      []*FileInfo // in order
	History    []*FileInfo
	CurBaseSeq int64
	CurIncrSeq int64
	Dirty      bool // changed since loaded/persisted (Redis's am->dirty)
}

// ManifestError is a manifest that Redis refuses to load. Redis logs it as
// "\n*** FATAL AOF MANIFEST FILE ERROR ***\n", then, when Line is not zero,
// "Reading the manifest file, at line <Line>\n" and ">>> '<Text>'\n", then
// "<Msg>\n", and exits.
type ManifestError struct {
	Line int    // 1-based number of the fgets chunk at fault, 0 when Redis logs no line
	Text string // that line, trimmed of " \t\r\n" as Redis shows it
	Msg  string // Redis's message, e.g. "Invalid AOF manifest file format"
}

// Error returns Redis's message alone.
func (e *ManifestError) Error() string { return e.Msg }

// Naming rules, as aof.c's.
const (
	mfBaseSuffix     = ".base"
	mfIncrSuffix     = ".incr"
	mfRDBSuffix      = ".rdb"
	mfAOFSuffix      = ".aof"
	mfManifestSuffix = ".manifest"
	mfTempPrefix     = "temp-"
	// mfMaxLine is MANIFEST_MAX_LINE: fgets reads at most this many bytes.
	mfMaxLine = 1024
)

// ManifestName is the manifest's file name: "<appendfilename>.manifest".
func ManifestName(appendfilename string) string {
	return appendfilename + mfManifestSuffix
}

// TempManifestName is the file written before being renamed over the
// manifest: "temp-<appendfilename>.manifest".
func TempManifestName(appendfilename string) string {
	return mfTempPrefix + appendfilename + mfManifestSuffix
}

// TempIncrName is the incr file that accumulates writes while AOF is being
// turned on (AOF_WAIT_REWRITE): "temp-<appendfilename>.incr".
func TempIncrName(appendfilename string) string {
	return mfTempPrefix + appendfilename + mfIncrSuffix
}

// LoadManifest reads and parses the manifest at path. A file that cannot be
// opened gives Redis's "Fatal error: can't open ..." text wrapping the
// system error (errors.Is(err, os.ErrNotExist) for a missing file).
func LoadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &mfSysError{msg: "Fatal error: can't open the AOF manifest file " + path + " for reading", err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, &ManifestError{Msg: "Read AOF manifest failed"}
	}
	return ParseManifest(data)
}

// ParseManifest parses a manifest as aofLoadManifestFromFile does: lines
// are read in fgets chunks of at most 1024 bytes; a chunk starting with '#'
// is a comment; every other line must end with '\n' and split (sdssplitargs)
// into at least 6 words, in key/value pairs, among which "file", "seq" and
// "type" (case-insensitive, in any order, the last of a repeated key wins,
// unknown keys ignored). The errors are *ManifestError with Redis's texts.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	var maxSeq int64
	linenum := 0
	for {
		if len(data) == 0 {
			if linenum == 0 {
				return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
			}
			return m, nil
		}
		n := mfChunkLen(data)
		chunk := data[:n]
		data = data[n:]
		linenum++
		if chunk[0] == '#' {
			continue
		}
		// From here on Redis handles the chunk as a C string.
		chunk = mfCString(chunk)
		if bytes.IndexByte(chunk, '\n') < 0 {
			return nil, &ManifestError{Msg: "The AOF manifest file contains too long line"}
		}
		line := mfTrim(chunk)
		fail := func(msg string) (*Manifest, error) {
			return nil, &ManifestError{Line: linenum, Text: string(line), Msg: msg}
		}
		if len(line) == 0 {
			return fail("Invalid AOF manifest file format")
		}
		args, ok := resp.SplitArgs(line, nil)
		if !ok || len(args) < 6 || len(args)%2 != 0 {
			return fail("Invalid AOF manifest file format")
		}
		var (
			fi      FileInfo
			hasName bool
		)
		for i := 0; i < len(args); i += 2 {
			key, val := mfCString(args[i]), mfCString(args[i+1])
			switch {
			case mfEqualFold(key, "file"):
				fi.Name, hasName = string(val), true
				if bytes.IndexByte(val, '/') >= 0 || bytes.IndexByte(val, '\\') >= 0 {
					return fail("File can't be a path, just a filename")
				}
			case mfEqualFold(key, "seq"):
				fi.Seq = mfStrtoll(val)
			case mfEqualFold(key, "type"):
				if len(val) > 0 {
					fi.Type = FileType(val[0])
				}
			}
		}
		if !hasName || fi.Seq == 0 || fi.Type == 0 {
			return fail("Invalid AOF manifest file format")
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return fail("Found duplicate base file information")
			}
			m.Base = &fi
			m.CurBaseSeq = fi.Seq
		case TypeHistory:
			m.History = append(m.History, &fi)
		case TypeIncr:
			if fi.Seq <= maxSeq {
				return fail("Found a non-monotonic sequence number")
			}
			m.Incrs = append(m.Incrs, &fi)
			m.CurIncrSeq = fi.Seq
			maxSeq = fi.Seq
		default:
			return fail("Unknown AOF file type")
		}
	}
}

// String is the manifest's content as Redis writes it
// (getAofManifestAsString): the base, the history files, the incr files,
// one "file <name> seq <seq> type <type>\n" line each, the name quoted and
// escaped (sdscatrepr) when it holds a space, a quote, a backslash or a
// non-printable byte.
func (m *Manifest) String() string {
	var b strings.Builder
	if m.Base != nil {
		mfFormat(&b, m.Base)
	}
	for _, fi := range m.History {
		mfFormat(&b, fi)
	}
	for _, fi := range m.Incrs {
		mfFormat(&b, fi)
	}
	return b.String()
}

// Clone is a deep copy of the manifest (aofManifestDup), to modify before
// persisting it and swapping it in.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{CurBaseSeq: m.CurBaseSeq, CurIncrSeq: m.CurIncrSeq, Dirty: m.Dirty}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.Incrs = mfCloneList(m.Incrs)
	c.History = mfCloneList(m.History)
	return c
}

// NewBase makes a new base file, "<appendfilename>.<seq>.base.rdb" (or
// ".aof" without the RDB preamble), and returns its name; the previous base
// becomes the first history file (getNewBaseFileNameAndMarkPreAsHistory).
func (m *Manifest) NewBase(appendfilename string, rdbPreamble bool) string {
	if m.Base != nil {
		m.Base.Type = TypeHistory
		m.History = append([]*FileInfo{m.Base}, m.History...)
	}
	suffix := mfAOFSuffix
	if rdbPreamble {
		suffix = mfRDBSuffix
	}
	m.CurBaseSeq++
	m.Base = &FileInfo{
		Name: appendfilename + "." + strconv.FormatInt(m.CurBaseSeq, 10) + mfBaseSuffix + suffix,
		Seq:  m.CurBaseSeq,
		Type: TypeBase,
	}
	m.Dirty = true
	return m.Base.Name
}

// NewIncr appends a new incr file, "<appendfilename>.<seq>.incr.aof", and
// returns its name (getNewIncrAofName).
func (m *Manifest) NewIncr(appendfilename string) string {
	m.CurIncrSeq++
	fi := &FileInfo{
		Name: appendfilename + "." + strconv.FormatInt(m.CurIncrSeq, 10) + mfIncrSuffix + mfAOFSuffix,
		Seq:  m.CurIncrSeq,
		Type: TypeIncr,
	}
	m.Incrs = append(m.Incrs, fi)
	m.Dirty = true
	return fi.Name
}

// LastIncr is the name of the last incr file, made with NewIncr when there
// is none (getLastIncrAofName).
func (m *Manifest) LastIncr(appendfilename string) string {
	if len(m.Incrs) == 0 {
		return m.NewIncr(appendfilename)
	}
	return m.Incrs[len(m.Incrs)-1].Name
}

// MarkIncrsHistory is markRewrittenIncrAofAsHistory with AOF on: every incr
// file but the last (the one being written) becomes history, ahead of the
// existing history files and in their order. Dirty is set when there was
// at least one incr file, even if none moved, as Redis does.
func (m *Manifest) MarkIncrsHistory() { m.mfMarkHistory(1) }

// MarkAllIncrsHistory is markRewrittenIncrAofAsHistory with AOF off
// (server.aof_fd == -1): every incr file becomes history.
func (m *Manifest) MarkAllIncrsHistory() { m.mfMarkHistory(0) }

func (m *Manifest) mfMarkHistory(keep int) {
	if len(m.Incrs) == 0 {
		return
	}
	n := len(m.Incrs) - keep
	moved := make([]*FileInfo, 0, n+len(m.History))
	for _, fi := range m.Incrs[:n] {
		moved = append(moved, &FileInfo{Name: fi.Name, Seq: fi.Seq, Type: TypeHistory})
	}
	m.History = append(moved, m.History...)
	m.Incrs = append([]*FileInfo(nil), m.Incrs[n:]...)
	m.Dirty = true
}

// Upgrade is the manifest part of aofUpgradePrepare: the old-style single
// AOF file, its name unchanged, becomes the base with seq 1 (replacing any
// base, which is not kept as history).
func (m *Manifest) Upgrade(appendfilename string) {
	m.Base = &FileInfo{Name: appendfilename, Seq: 1, Type: TypeBase}
	m.CurBaseSeq = 1
	m.Dirty = true
}

// WriteManifest persists m in dir when it is Dirty (persistAofManifest):
// it writes TempManifestName, fsyncs it, renames it over ManifestName and
// fsyncs dir, then clears Dirty. An error's text is the line Redis logs.
func WriteManifest(dir, appendfilename string, m *Manifest) error {
	if !m.Dirty {
		return nil
	}
	name, tmpName := ManifestName(appendfilename), TempManifestName(appendfilename)
	path, tmpPath := dir+"/"+name, dir+"/"+tmpName
	f, err := os.OpenFile(tmpPath, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		return &mfSysError{msg: "Can't open the AOF manifest file " + tmpName, err: err}
	}
	defer f.Close()
	if _, err := f.WriteString(m.String()); err != nil {
		return &mfSysError{msg: "Error trying to write the temporary AOF manifest file " + tmpName, err: err}
	}
	if err := f.Sync(); err != nil {
		return &mfSysError{msg: "Fail to fsync the temp AOF file " + tmpName, err: err, tail: "."}
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return &mfSysError{msg: "Error trying to rename the temporary AOF manifest file " + tmpName + " into " + name, err: err}
	}
	if err := mfSyncDir(filepath.Dir(path)); err != nil {
		return &mfSysError{msg: "Fail to fsync AOF directory " + path, err: err, tail: "."}
	}
	m.Dirty = false
	return nil
}

// mfSyncDir is fsyncFileDir: systems that cannot open or fsync a directory
// are not an error.
func mfSyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return nil
		}
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EBADF) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// mfSysError is "<msg>: <strerror><tail>", as Redis logs a failed system
// call, wrapping the system error.
type mfSysError struct {
	msg  string
	err  error
	tail string
}

func (e *mfSysError) Error() string { return e.msg + ": " + mfStrerror(e.err) + e.tail }
func (e *mfSysError) Unwrap() error { return e.err }

// mfStrerror is glibc's strerror text for the errno inside err.
func mfStrerror(err error) string {
	msg := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

func mfCloneList(l []*FileInfo) []*FileInfo {
	if l == nil {
		return nil
	}
	c := make([]*FileInfo, len(l))
	for i, fi := range l {
		f := *fi
		c[i] = &f
	}
	return c
}

// mfFormat appends one manifest line (aofInfoFormat).
func mfFormat(b *strings.Builder, fi *FileInfo) {
	b.WriteString("file ")
	if mfNeedsRepr(fi.Name) {
		b.WriteString(resp.Repr(fi.Name))
	} else {
		b.WriteString(fi.Name)
	}
	b.WriteString(" seq ")
	b.WriteString(strconv.FormatInt(fi.Seq, 10))
	b.WriteString(" type ")
	b.WriteByte(byte(fi.Type))
	b.WriteByte('\n')
}

// mfPrintable is isprint in the C locale.
func mfPrintable(c byte) bool { return c >= 0x20 && c <= 0x7e }

// mfNeedsRepr is sdsneedsrepr: any byte that sdscatrepr escapes, or a
// space. Note that an empty name or one with a single quote is written bare,
// as Redis does, although sdssplitargs then reads it differently.
func mfNeedsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '"' || c == ' ' || !mfPrintable(c) {
			return true
		}
	}
	return false
}

// mfChunkLen is the length of what fgets(buf, 1025, fp) returns: up to and
// including the first '\n', at most 1024 bytes.
func mfChunkLen(data []byte) int {
	n := min(len(data), mfMaxLine)
	if i := bytes.IndexByte(data[:n], '\n'); i >= 0 {
		return i + 1
	}
	return n
}

// mfCString is b up to its first NUL byte, as C string functions see it.
func mfCString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// mfTrim is sdstrim(line, " \t\r\n").
func mfTrim(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

// mfIsSpace is isspace in the C locale.
func mfIsSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// mfEqualFold is strcasecmp(a, b) == 0 in the C locale (ASCII only).
func mfEqualFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// mfStrtoll is glibc's strtoll(s, NULL, 10), so also atoll and, on 64 bits,
// strtol (the reader's numbers): leading C spaces, an optional sign, the
// digits up to the first other byte, clamped to the int64 range on
// overflow; 0 when there is no digit.
func mfStrtoll(s []byte) int64 {
	i := 0
	for i < len(s) && mfIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (1<<64-1-d)/10 {
			overflow = true
			continue
		}
		v = v*10 + d
	}
	switch {
	case neg && (overflow || v > 1<<63):
		return -1 << 63
	case neg:
		return -int64(v)
	case overflow || v > 1<<63-1:
		return 1<<63 - 1
	}
	return int64(v)
}
