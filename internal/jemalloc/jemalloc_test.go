package jemalloc

import "testing"

func TestSize(t *testing.T) {
	for n, want := range map[int]int{1: 8, 8: 8, 9: 16, 23: 32, 48: 48, 49: 64, 128: 128, 129: 160, 204: 224, 257: 320, 1025: 1280, 4097: 5120} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestSdsSize(t *testing.T) {
	// The header grows at 32, 256 and 65536 bytes.
	for n, want := range map[int]int{0: 8, 6: 8, 7: 16, 31: 48, 32: 48, 100: 112, 255: 320, 256: 320, 65536: 81920} {
		if got := SdsSize(n); got != want {
			t.Errorf("SdsSize(%d) = %d, want %d", n, got, want)
		}
	}
}
