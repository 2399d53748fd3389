package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $REDIS_GO_CPUPROFILE until the
// returned function runs (at exit): for performance work with
// `go tool pprof bin/redis-server <file>`.
func startProfile() func() {
	path := os.Getenv("REDIS_GO_CPUPROFILE")
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
