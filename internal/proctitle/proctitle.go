// Package proctitle sets the process title that ps, top and
// /proc/<pid>/cmdline show, as Redis's setproctitle.c does on Linux: the
// title is written over the memory of the command line's arguments, and
// past it over the environment's strings when it is longer (the kernel
// then reads the title up to its NUL).
//
// The runtime copied the environment at startup, but os.Args still points
// into that memory: CloneArgs must run first, at the start of main, so
// that nothing reads an argument after it was overwritten.
package proctitle

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

// CloneArgs gives os.Args memory of its own.
func CloneArgs() {
	for i, a := range os.Args {
		os.Args[i] = strings.Clone(a)
	}
}

// area is the command line's memory: [start, end) where the arguments lie,
// followed up to envEnd by the environment's strings.
type area struct{ start, end, envStart, envEnd uintptr }

// maxTitle is the longest title, setproctitle.c's SPT_MAXTITLE: a longer
// one is cut.
const maxTitle = 255

// Set makes title the process title. args0 is the first argument as the
// process started (os.Args[0] before CloneArgs), whose memory starts the
// area; Set fails if it cannot find the area.
func Set(args0 unsafe.Pointer, title string) error {
	a, err := readArea()
	if err != nil {
		return err
	}
	if uintptr(args0) != a.start {
		return errors.New("the arguments are not where the kernel says")
	}
	limit := a.end
	if a.envStart == a.end && a.envEnd > a.end {
		limit = a.envEnd
	}
	buf := unsafe.Slice((*byte)(args0), limit-a.start)
	n := copy(buf[:len(buf)-1], title[:min(len(title), maxTitle)])
	clear(buf[n:])
	return nil
}

// readArea reads arg_start, arg_end, env_start and env_end, the 48th to
// 51st fields of /proc/self/stat.
func readArea() (area, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return area{}, err
	}
	// The second field, the command's name, may hold spaces: count from
	// the closing parenthesis, after which the third field starts.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return area{}, errors.New("unexpected /proc/self/stat")
	}
	f := strings.Fields(string(b[i+1:]))
	const first = 48 - 3 // the index of arg_start among the fields after ')'
	if len(f) < first+4 {
		return area{}, errors.New("/proc/self/stat has no arg_start (Linux before 3.5)")
	}
	var v [4]uintptr
	for j := range v {
		n, err := strconv.ParseUint(f[first+j], 10, 64)
		if err != nil {
			return area{}, err
		}
		v[j] = uintptr(n)
	}
	if v[0] == 0 || v[1] <= v[0] {
		return area{}, errors.New("no command line memory")
	}
	return area{v[0], v[1], v[2], v[3]}, nil
}
