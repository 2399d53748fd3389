package db

import (
	"syscall"
	"unsafe"
)

// dieBySignal ends the process by sig with the signal's default action,
// as Redis does at the end of a bug report: the handler Go's runtime
// installed is replaced by SIG_DFL first, so the process dies of the
// signal itself (a core dump where enabled) rather than through Go's own
// crash.
func dieBySignal(sig syscall.Signal) {
	var act [4]uintptr // struct sigaction: handler SIG_DFL, no flags, restorer, empty mask
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	var unblock uint64 = 1 << (uint(sig) - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 1 /* SIG_UNBLOCK */, uintptr(unsafe.Pointer(&unblock)), 0, 8, 0, 0)
	syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), sig)
	select {} // not reached: the signal is delivered on the way out of tgkill
}
