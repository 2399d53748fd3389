//go:build profile

package main

import (
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Built with -tags profile (it links runtime/pprof, 0.3 MB of binary
// otherwise resident in every server).
//
// startProfile writes a CPU profile to $REDIS_GO_CPUPROFILE, and the
// allocations to $REDIS_GO_ALLOCPROFILE, until the returned function runs
// (at exit): for performance work with `go tool pprof bin/redis-server
// <file>`, and for `make pgo`. A %p in either path is the process id, so
// that every server a benchmark starts writes its own.
func startProfile() func() {
	stopCPU := startCPUProfile(profilePath("REDIS_GO_CPUPROFILE"))
	allocs := profilePath("REDIS_GO_ALLOCPROFILE")
	return func() {
		stopCPU()
		if allocs == "" {
			return
		}
		if f, err := os.Create(allocs); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
}

func startCPUProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if pprof.StartCPUProfile(f) != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func profilePath(env string) string {
	return strings.ReplaceAll(os.Getenv(env), "%p", strconv.Itoa(os.Getpid()))
}
