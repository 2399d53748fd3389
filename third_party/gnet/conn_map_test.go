//go:build linux && !gc_opt

package gnet

import "testing"

// TestConnMatrixByDescriptor checks the slice that replaced gnet's map:
// lookups of descriptors never added, far beyond its length or negative,
// find nothing; it grows past its first size; a deleted descriptor is
// gone and the others stay.
func TestConnMatrixByDescriptor(t *testing.T) {
	var cm connMatrix
	cm.init()
	if cm.getConn(3) != nil || cm.getConn(-1) != nil {
		t.Fatal("an empty matrix found a connection")
	}
	conns := map[int]*conn{}
	for _, fd := range []int{5, 0, 63, 64, 1000, 7} {
		c := &conn{fd: fd}
		conns[fd] = c
		cm.addConn(c, 0)
	}
	for fd, c := range conns {
		if cm.getConn(fd) != c {
			t.Fatalf("fd %d: not found", fd)
		}
	}
	if cm.getConn(6) != nil || cm.getConn(1<<20) != nil || cm.getConn(-5) != nil {
		t.Fatal("found a descriptor never added")
	}
	cm.delConn(conns[63])
	if cm.getConn(63) != nil || cm.getConn(64) != conns[64] {
		t.Fatal("delete removed the wrong connection")
	}
	if got := cm.loadCount(); got != 5 {
		t.Fatalf("count %d, want 5", got)
	}
	seen := 0
	cm.iterate(func(c *conn) bool {
		if conns[c.fd] != c {
			t.Fatalf("iterate gave fd %d", c.fd)
		}
		seen++
		return true
	})
	if seen != 5 {
		t.Fatalf("iterate saw %d connections, want 5", seen)
	}
}
