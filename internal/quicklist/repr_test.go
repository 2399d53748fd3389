package quicklist

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRepr compares DEBUG QUICKLIST's output, brief then full, with real
// Redis 7.0.15's for the same list (list-max-listpack-size 4,
// list-compress-depth 1, a packed threshold of 100 bytes). The golden file
// is Redis's stdout with the addresses masked, attempted_compress 0 for the
// plain node (Redis leaves that bit uninitialized outside its test build),
// and the plain element whole (Redis printed it with %s, past its end).
func TestRepr(t *testing.T) {
	want, err := os.ReadFile("testdata/repr.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !SetPackedThreshold(100) {
		t.Fatal("threshold")
	}
	defer SetPackedThreshold(0)
	q := New(4, 1, nil)
	for _, v := range strings.Fields("a bb 12 -5 100000 " + strings.Repeat("c", 62) + " x y z w v u t s r q") {
		q.PushTail([]byte(v))
	}
	q.PushTail(bytes.Repeat([]byte("p"), 150))
	var got bytes.Buffer
	q.Repr(&got, false)
	q.Repr(&got, true)
	masked := regexp.MustCompile(`addr: 0x[0-9a-f]+`).ReplaceAll(got.Bytes(), []byte("addr: ADDR"))
	if string(masked) != string(want) {
		t.Fatalf("got:\n%s\nwant:\n%s", masked, want)
	}
}
