// Reading the command stream of an AOF file: the loop of Redis 7.0's
// loadSingleAppendOnlyFile that turns "*<argc>\r\n$<len>\r\n<bytes>\r\n..."
// into argument vectors, with its exact leniency. Lines are read as fgets
// with a 1024-byte buffer does (at most 1023 bytes, so the rest of a longer
// line is read as the next line); numbers are parsed with strtol (leading
// spaces, a sign, then digits up to any other byte, argc truncated to a C
// int as atoi does); the two bytes after an argument are skipped whatever
// they are. An RDB preamble is the caller's business: the Reader starts on
// the first command.

package aof

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
)

// ErrTruncated is a file that ends inside a command: Redis's "Unexpected end
// of file" path, which aof-load-truncated may repair by truncating the file
// at Reader.Offset.
var ErrTruncated = errors.New("Unexpected end of file reading the append only file")

// ErrFormat is a malformed command: Redis's "Bad file format" path.
var ErrFormat = errors.New("Bad file format reading the append only file")

const (
	// rdLineMax is what fgets(buf, AOF_ANNOTATION_LINE_MAX_LEN, fp) reads at most.
	rdLineMax = 1024 - 1
	// rdBufSize is the size of the bufio.Reader a Reader makes.
	rdBufSize = 64 << 10
	// rdChunk bounds how far the argument buffer grows ahead of the bytes
	// actually read, so that a huge $<len> costs no more than the file holds.
	rdChunk = 1 << 20
	// rdKeepScratch is the largest argument buffer kept between commands.
	rdKeepScratch = 4 << 20
)

// Reader reads the commands of an AOF file, one Next at a time.
type Reader struct {
	br     *bufio.Reader
	off    int64  // bytes consumed
	valid  int64  // off at the end of the last complete command
	ann    []byte // last annotation skipped
	hasAnn bool
	data   []byte // the current command's arguments, back to back
	ends   []int  // end of each argument in data
}

// NewReader reads commands from r, through r itself when it is a
// bufio.Reader of at least 1024 bytes, else through a bufio.Reader of its
// own. Lines are read 1023 bytes ahead (Peek), so r should be a file, not a
// stream waiting for more input.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < rdLineMax+1 {
		br = bufio.NewReaderSize(r, rdBufSize)
	}
	return &Reader{br: br}
}

// Offset is the number of bytes up to the end of the last complete command
// returned by Next, where Redis truncates a truncated file (its
// valid_up_to). Annotations after that command do not count, as in Redis.
func (r *Reader) Offset() int64 { return r.valid }

// Annotation is the last annotation line skipped (such as "TS:1700000000"),
// without its '#' and line ending, or "" if none.
func (r *Reader) Annotation() string {
	if !r.hasAnn {
		return ""
	}
	return string(r.ann)
}

// Next returns the next command. argv and its arguments are freshly
// allocated (one block for all the argument bytes) and belong to the
// caller. At a clean end between commands it returns io.EOF; otherwise an
// error that is (errors.Is) ErrTruncated, ErrFormat, or the read error of
// the underlying reader.
func (r *Reader) Next() (argv [][]byte, err error) {
	for {
		line, eof, err := r.rdLine()
		if err != nil {
			return nil, err
		}
		if line == nil {
			return nil, io.EOF
		}
		if line[0] == '#' {
			r.rdAnnotation(line)
			continue
		}
		if line[0] != '*' {
			return nil, ErrFormat
		}
		if len(line) == 1 || line[1] == 0 {
			// Redis's buf[1] == '\0' goes to readerr: a short read at
			// EOF, an unrecoverable error (here a format error) before.
			if eof {
				return nil, ErrTruncated
			}
			return nil, ErrFormat
		}
		argc := int32(mfStrtoll(line[1:]))
		if argc < 1 {
			return nil, ErrFormat
		}
		return r.rdArgs(int(argc))
	}
}

// rdArgs reads the argc arguments of a command whose "*<argc>" line has
// been read.
func (r *Reader) rdArgs(argc int) ([][]byte, error) {
	r.data, r.ends = r.data[:0], r.ends[:0]
	for range argc {
		line, _, err := r.rdLine()
		if err != nil {
			return nil, err
		}
		if line == nil {
			return nil, ErrTruncated
		}
		if line[0] != '$' {
			return nil, ErrFormat
		}
		// strtol's long stored in an unsigned long: -1 is 2^64-1 bytes,
		// which no file holds.
		if err := r.rdBulk(uint64(mfStrtoll(line[1:]))); err != nil {
			return nil, err
		}
		r.ends = append(r.ends, len(r.data))
		// The two bytes after the argument, CRLF or not.
		n, err := r.br.Discard(2)
		r.off += int64(n)
		if err != nil {
			return nil, rdReadErr(err)
		}
	}
	r.valid = r.off
	return r.rdArgv(), nil
}

// rdBulk appends the next n bytes to r.data, growing it only as the bytes
// arrive.
func (r *Reader) rdBulk(n uint64) error {
	for n > 0 {
		step := int(min(n, rdChunk))
		r.data = slices.Grow(r.data, step)
		start := len(r.data)
		got, err := io.ReadFull(r.br, r.data[start:start+step])
		r.data = r.data[:start+got]
		r.off += int64(got)
		if err != nil {
			return rdReadErr(err)
		}
		n -= uint64(step)
	}
	return nil
}

// rdArgv copies the arguments out of r.data into one fresh block.
func (r *Reader) rdArgv() [][]byte {
	argv := make([][]byte, len(r.ends))
	// append, unlike make and copy, does not clear the block first.
	block := append(make([]byte, 0, 0), r.data...)
	prev := 0
	for i, end := range r.ends {
		argv[i] = block[prev:end:end]
		prev = end
	}
	if cap(r.data) > rdKeepScratch {
		r.data = nil
	}
	return argv
}

// rdLine reads a line as fgets(buf, 1024, fp): up to and including '\n', at
// most 1023 bytes. line is nil at EOF with nothing read; eof reports that
// the end of the file was reached while reading it (feof). line is valid
// until the next read.
func (r *Reader) rdLine() (line []byte, eof bool, err error) {
	p, err := r.br.Peek(rdLineMax)
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		p, err = p[:i+1], nil
	}
	switch {
	case err == io.EOF:
		eof = true
	case err != nil:
		return nil, false, err
	}
	if len(p) == 0 {
		return nil, eof, nil
	}
	r.br.Discard(len(p))
	r.off += int64(len(p))
	return p, eof, nil
}

// rdAnnotation keeps an annotation line without its '#' and line ending.
func (r *Reader) rdAnnotation(line []byte) {
	line = bytes.TrimSuffix(line[1:], []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	r.ann = append(r.ann[:0], line...)
	r.hasAnn = true
}

// rdReadErr maps a short read to ErrTruncated.
func rdReadErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrTruncated
	}
	return err
}
