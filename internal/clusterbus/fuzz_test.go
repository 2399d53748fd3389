package clusterbus

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes to
// the same bytes, except for what Decode does not keep, which Append
// writes as Redis does (zeros, or the canonical form):
//   - the reserved bytes: notused1 of the header and of each gossip entry,
//     the unused half-word of each extension header;
//   - whatever follows the NUL of myip and of a gossip entry's ip;
//   - count and extensions of the types that have no gossip;
//   - the extensions when they are not Redis's own form: a hostname whose
//     padding is longer than needed or not zero, a hostname after another
//     extension or twice, an empty hostname (Redis sends none, and takes
//     one for no hostname). For a message with extensions only the part
//     before them is compared, but for their count.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(m.Append(nil))
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "*.bin"))
	for _, name := range goldens {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		re := m.Append(nil)
		m2, err := Decode(re)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded message decodes differently")
		}
		sameBytes(t, "re-encoding twice", re, m2.Append(nil))

		want := canonical(b, m)
		if isPing(m.Type) && be.Uint16(b[offExtensions:]) > 0 {
			n := HeaderLen + len(m.Gossip)*GossipLen
			sameBytes(t, "re-encoding before the extensions count", want[8:offExtensions], re[8:offExtensions])
			sameBytes(t, "re-encoding after the extensions count", want[offExtensions+2:n], re[offExtensions+2:n])
			return
		}
		sameBytes(t, "re-encoding", want, re)
	})
}

// sameBytes reports the first difference only: testify's diff of messages
// this size would stall the fuzzer.
func sameBytes(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if bytes.Equal(want, got) {
		return
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Fatalf("%s: %d bytes, want %d; first difference at offset %d", what, len(got), len(want), i)
}

// canonical is b, decoded as m, with the bytes Decode does not keep
// zeroed.
func canonical(b []byte, m *Message) []byte {
	b = bytes.Clone(b)
	clear(b[offExtensions+2 : offPPort])
	zeroAfterNUL(b[offMyIP : offMyIP+IPLen])
	if !isPing(m.Type) {
		clear(b[offCount : offCount+2])
		clear(b[offExtensions : offExtensions+2])
		return b
	}
	for i := range m.Gossip {
		g := b[HeaderLen+i*GossipLen:]
		zeroAfterNUL(g[gOffIP : gOffIP+IPLen])
		clear(g[gOffPPort+2 : GossipLen])
	}
	return b
}

func zeroAfterNUL(b []byte) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		clear(b[i:])
	}
}
