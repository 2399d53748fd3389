//go:build !linux

package db

import (
	"os"
	"syscall"
)

// dieBySignal exits with the status of a death by sig.
func dieBySignal(sig syscall.Signal) { os.Exit(128 + int(sig)) }
