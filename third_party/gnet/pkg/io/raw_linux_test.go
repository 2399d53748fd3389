//go:build linux

package io

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestRawSocketIO checks the raw read, write and writev on a non-blocking
// socket pair: the bytes go through, and an empty socket gives the same
// unix.EAGAIN value the loops compare their errors with.
func TestRawSocketIO(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])

	buf := make([]byte, 64)
	if n, err := Read(fds[1], buf); err != unix.EAGAIN || n != -1 {
		t.Fatalf("read of an empty socket: %d, %v; want -1, EAGAIN", n, err)
	}
	if n, err := Write(fds[0], []byte("hello ")); err != nil || n != 6 {
		t.Fatalf("write: %d, %v", n, err)
	}
	if n, err := Writev(fds[0], [][]byte{[]byte("wor"), []byte("ld")}); err != nil || n != 5 {
		t.Fatalf("writev: %d, %v", n, err)
	}
	n, err := Read(fds[1], buf)
	if err != nil || string(buf[:n]) != "hello world" {
		t.Fatalf("read: %d, %v", n, err)
	}
	if n, err := Write(-1, []byte("x")); err != unix.EBADF || n != -1 {
		t.Fatalf("write to a bad descriptor: %d, %v; want -1, EBADF", n, err)
	}
	unix.Close(fds[0])
	if n, err := Read(fds[1], buf); err != nil || n != 0 {
		t.Fatalf("read at end of stream: %d, %v; want 0, nil", n, err)
	}
}
