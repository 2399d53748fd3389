package rdb

import "fmt"

// Report is a corruption as Redis's rdbLoadObject reports it with
// rdbReportCorruptRDB: Redis's reason, and the line of rdb.c that reports
// it in the reference build (Debian's 7.0.15), which Redis's log line
// names. RESTORE logs it at verbose level before "Bad data format"; a
// load from disk logs it and ends the server.
type Report struct {
	Line int
	Msg  string
}

// report makes a Report; it is an ErrCorrupt.
func report(line int, format string, args ...any) error {
	return &Report{Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (r *Report) Error() string { return ErrCorrupt.Error() + ": " + r.Msg }
func (r *Report) Unwrap() error { return ErrCorrupt }

// LogLine is rdbReportError's line for the report, offset bytes into the
// load (0 for RESTORE).
func (r *Report) LogLine(offset int64) string {
	return fmt.Sprintf("Internal error in RDB reading offset %d, function at rdb.c:%d -> %s", offset, r.Line, r.Msg)
}

// errEmptyKey is RDB_LOAD_ERR_EMPTY_KEY: a collection with no element.
// RESTORE answers "Bad data format"; a load skips the key and logs it.
var errEmptyKey = fmt.Errorf("%w: empty key", ErrCorrupt)

// The reports of the checks of encoded collections. Each check is as deep
// as Redis's with sanitize-dump-payload yes, whatever the directive says:
// this server converts every encoded collection when it loads it (or
// keeps a listpack only once each entry was read), so the check costs
// little more than the load, and nothing corrupt is ever kept.
var (
	errQuicklistNode = &Report{2048, "Quicklist integrity check failed."}
	errListpackNode  = &Report{2071, "Listpack integrity check failed."}
	errZiplistNode   = &Report{2081, "Ziplist integrity check failed."}
	errZipmap        = &Report{2130, "Zipmap integrity check failed."}
	errListZiplist   = &Report{2188, "List ziplist integrity check failed."}
	errIntset        = &Report{2213, "Intset integrity check failed."}
	errZsetZiplist   = &Report{2228, "Zset ziplist integrity check failed."}
	errZsetListpack  = &Report{2254, "Zset listpack integrity check failed."}
	errHashZiplist   = &Report{2274, "Hash ziplist integrity check failed."}
	errHashListpack  = &Report{2300, "Hash listpack integrity check failed."}
	errSetDup        = &Report{1829, "Duplicate set members detected"}
	errZsetNaN       = &Report{1882, "Zset with NAN score detected"}
	errZsetDup       = &Report{1894, "Duplicate zset fields detected"}
	errHashDupSmall  = &Report{1951, "Hash with dup elements"}
	errHashDup       = &Report{2020, "Duplicate hash fields detected"}
)
