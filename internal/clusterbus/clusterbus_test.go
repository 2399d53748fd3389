package clusterbus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	nameA = "0123456789abcdef0123456789abcdef01234567"
	nameB = "fedcba9876543210fedcba9876543210fedcba98"
	nameC = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

func header(t uint16) Header {
	h := Header{
		Type: t, Port: 7000, CurrentEpoch: 12, ConfigEpoch: 7, Offset: 123456789,
		Sender: nameA, MyIP: "10.0.0.1", PPort: 7001, CPort: 17000,
		Flags: 1, State: 0, MFlags: [3]byte{FlagPaused, 0, 0},
	}
	SetSlotBit(&h.MySlots, 0)
	SetSlotBit(&h.MySlots, 16383)
	return h
}

// sampleMessages has one message of every type, several for PING.
func sampleMessages() map[string]*Message {
	g := []Gossip{
		{Name: nameB, PingSent: 1700000000, PongReceived: 1700000001, IP: "127.0.0.1", Port: 7002, CPort: 17002, Flags: 1},
		{Name: nameC, IP: "::1", Port: 7003, CPort: 17003, Flags: 2 | 4, PPort: 6003},
	}
	replica := header(TypePing)
	replica.ReplicaOf = nameB
	replica.Flags = 2
	upd := &Message{Header: header(TypeUpdate), UpdateName: nameB, UpdateConfigEpoch: 99}
	SetSlotBit(&upd.UpdateSlots, 5)
	return map[string]*Message{
		"ping-empty":     {Header: header(TypePing)},
		"ping-gossip":    {Header: header(TypePing), Gossip: g},
		"ping-replica":   {Header: replica, Gossip: g[:1]},
		"pong-hostname":  {Header: header(TypePong), Gossip: g, Hostname: "node-1.example.com"},
		"meet-hostname8": {Header: header(TypeMeet), Hostname: "abcdefgh"},
		"ping-otherext":  {Header: header(TypePing), Hostname: "h", OtherExt: []PingExt{{Type: 3, Data: []byte("0123456789abcdef")}}},
		"fail":           {Header: header(TypeFail), FailName: nameB},
		"publish":        {Header: header(TypePublish), Channel: []byte("ch"), Payload: []byte("hi")},
		"publish-empty":  {Header: header(TypePublish)},
		"publishshard":   {Header: header(TypePublishShard), Channel: []byte("{x}ch"), Payload: bytes.Repeat([]byte("z"), 5000)},
		"auth-req":       {Header: header(TypeFailoverAuthRequest)},
		"auth-ack":       {Header: header(TypeFailoverAuthAck)},
		"update":         upd,
		"mfstart":        {Header: header(TypeMFStart)},
		"module":         {Header: header(TypeModule), ModuleID: 0x0102030405060708, ModuleType: 200, ModulePayload: []byte("payload")},
		"unknown-type":   {Header: header(42), Raw: []byte("whatever")},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			b := m.Append([]byte("prefix"))
			require.Equal(t, "prefix", string(b[:6]))
			b = b[6:]
			require.Len(t, b, m.Len())
			got, err := Decode(b)
			require.NoError(t, err)
			if m.Hostname != "" || len(m.OtherExt) > 0 {
				require.Equal(t, byte(FlagExtData), got.MFlags[0]&FlagExtData)
				got.MFlags[0] &^= FlagExtData
			}
			require.Equal(t, m, got)
			require.Equal(t, b, got.Append(nil))
		})
	}
}

// TestLayout checks the field offsets against cluster.h's static_asserts
// and the writes of clusterBuildMessageHdr.
func TestLayout(t *testing.T) {
	m := sampleMessages()["ping-replica"]
	b := m.Append(nil)
	u16 := func(off int) uint16 { return binary.BigEndian.Uint16(b[off:]) }
	u64 := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	require.Equal(t, "RCmb", string(b[0:4]))
	require.Equal(t, uint32(2256+104), binary.BigEndian.Uint32(b[4:]))
	require.Equal(t, uint16(1), u16(8))
	require.Equal(t, uint16(7000), u16(10))
	require.Equal(t, uint16(TypePing), u16(12))
	require.Equal(t, uint16(1), u16(14))
	require.Equal(t, uint64(12), u64(16))
	require.Equal(t, uint64(7), u64(24))
	require.Equal(t, uint64(123456789), u64(32))
	require.Equal(t, nameA, string(b[40:80]))
	require.Equal(t, byte(1), b[80], "slot 0 is bit 0 of byte 0")
	require.Equal(t, byte(0x80), b[80+2047], "slot 16383 is bit 7 of byte 2047")
	require.Equal(t, nameB, string(b[2128:2168]))
	require.Equal(t, "10.0.0.1"+strings.Repeat("\x00", 46-8), string(b[2168:2214]))
	require.Equal(t, uint16(0), u16(2214), "extensions")
	require.Equal(t, make([]byte, 30), b[2216:2246], "notused1")
	require.Equal(t, uint16(7001), u16(2246))
	require.Equal(t, uint16(17000), u16(2248))
	require.Equal(t, uint16(2), u16(2250))
	require.Equal(t, byte(0), b[2252])
	require.Equal(t, []byte{FlagPaused, 0, 0}, b[2253:2256])
	g := b[2256:]
	require.Equal(t, nameB, string(g[:40]))
	require.Equal(t, uint32(1700000000), binary.BigEndian.Uint32(g[40:]))
	require.Equal(t, uint32(1700000001), binary.BigEndian.Uint32(g[44:]))
	require.Equal(t, "127.0.0.1", string(g[48:57]))
	require.Equal(t, []byte{0x1b, 0x5a, 0x42, 0x6a, 0, 1, 0, 0, 0, 0}, g[94:104], "port, cport, flags, pport, notused1")
}

// TestBodyShapes checks each type's body and totlen against the
// clusterSend* functions of cluster.c.
func TestBodyShapes(t *testing.T) {
	msgs := sampleMessages()
	body := func(name string) []byte {
		b := msgs[name].Append(nil)
		require.Equal(t, uint32(len(b)), binary.BigEndian.Uint32(b[4:]))
		return b[HeaderLen:]
	}
	require.Equal(t, nameB, string(body("fail")), "FAIL: clusterMsgDataFail, 40 bytes")

	u := body("update")
	require.Len(t, u, 8+40+2048, "UPDATE: clusterMsgDataUpdate")
	require.Equal(t, uint64(99), binary.BigEndian.Uint64(u))
	require.Equal(t, nameB, string(u[8:48]))
	require.Equal(t, byte(1<<5), u[48])
	require.Equal(t, HeaderLen+len(u), MsgSize, "UPDATE is the largest member of the union")

	require.Equal(t, []byte("\x00\x00\x00\x02\x00\x00\x00\x02chhi"), body("publish"))
	require.Equal(t, make([]byte, 8), body("publish-empty"))
	require.Equal(t, []byte("\x08\x07\x06\x05\x04\x03\x02\x01\x00\x00\x00\x07\xc8payload"), body("module"),
		"MODULE: module_id in host (little endian) order, len, type, payload")
	for _, n := range []string{"auth-req", "auth-ack", "mfstart"} {
		require.Empty(t, body(n), n)
	}

	// clusterMsgPingExt: length, type, unused, then the NUL-terminated
	// hostname padded to 8 (getHostnamePingExtSize).
	b := msgs["meet-hostname8"].Append(nil)
	require.Equal(t, uint16(1), binary.BigEndian.Uint16(b[2214:]), "extensions")
	require.Equal(t, byte(FlagPaused|FlagExtData), b[2253])
	require.Equal(t, []byte("\x00\x00\x00\x18\x00\x00\x00\x00abcdefgh\x00\x00\x00\x00\x00\x00\x00\x00"), b[HeaderLen:])
	m := &Message{Header: header(TypePong), Hostname: "abcdefg"}
	require.Equal(t, []byte("\x00\x00\x00\x10\x00\x00\x00\x00abcdefg\x00"), m.Append(nil)[HeaderLen:])
	p := body("pong-hostname")
	require.Len(t, p, 2*104+8+24)
}

func TestDecodeErrors(t *testing.T) {
	valid := func(name string) []byte { return sampleMessages()[name].Append(nil) }
	setU16 := func(b []byte, off int, v uint16) []byte { binary.BigEndian.PutUint16(b[off:], v); return b }
	setU32 := func(b []byte, off int, v uint32) []byte { binary.BigEndian.PutUint32(b[off:], v); return b }
	// grow appends n bytes and fixes totlen.
	grow := func(b []byte, n int) []byte {
		b = append(b, make([]byte, n)...)
		return setU32(b, 4, uint32(len(b)))
	}
	ext := valid("meet-hostname8")
	cases := []struct {
		name string
		b    []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrLength, "0 bytes"},
		{"prefix only", []byte("RCmb\x00\x00\x08\xd0"), ErrLength, "totlen 2256 but 8 bytes"},
		{"bad signature", append([]byte("RCmc"), valid("ping-empty")[4:]...), ErrSignature, `"RCmc"`},
		{"truncated", valid("ping-gossip")[:2300], ErrLength, "totlen 2464 but 2300 bytes"},
		{"trailing byte", append(valid("fail"), 0), ErrLength, "totlen 2296 but 2297 bytes"},
		{"under header", setU32(valid("ping-empty")[:100], 4, 100), ErrLength, "under the header"},
		{"version 2", setU16(valid("ping-empty"), 8, 2), ErrVersion, "2"},
		{"version 0", setU16(valid("ping-empty"), 8, 0), ErrVersion, "0"},
		{"count too big", setU16(valid("ping-gossip"), 14, 3), ErrLength, "too short for 3 gossip entries"},
		{"count too small", setU16(valid("ping-gossip"), 14, 1), ErrLength, "ping message of 2464 bytes, expected 2360"},
		{"fail long", grow(valid("fail"), 8), ErrLength, "fail message of 2304 bytes, expected 2296"},
		{"fail short", setU32(valid("fail")[:2290], 4, 2290), ErrLength, "expected 2296"},
		{"update short", setU32(valid("update")[:4351], 4, 4351), ErrLength, "update message of 4351 bytes, expected 4352"},
		{"auth-req body", grow(valid("auth-req"), 1), ErrLength, "auth-req message of 2257 bytes, expected 2256"},
		{"mfstart body", grow(valid("mfstart"), 8), ErrLength, "mfstart"},
		{"publish no lengths", setU32(valid("publish")[:2260], 4, 2260), ErrLength, "too short for its lengths"},
		{"publish channel_len", setU32(valid("publish"), 2256, 3), ErrLength, "publish message of 2268 bytes, expected 2269"},
		{"publish huge lengths", setU32(setU32(valid("publish"), 2256, 0xffffffff), 2260, 0xffffffff), ErrLength, "expected 8589936854"},
		{"module len", setU32(valid("module"), 2264, 8), ErrLength, "module message of 2276 bytes, expected 2277"},
		{"module short", setU32(valid("module")[:2260], 4, 2260), ErrLength, "too short for its length"},
		{"ext unpadded", setU32(bytes.Clone(ext), 2256, 20), ErrExtension, "length 20 is not padded"},
		{"ext zero length", setU32(bytes.Clone(ext), 2256, 0), ErrExtension, "length 0"},
		{"ext too long", setU32(bytes.Clone(ext), 2256, 32), ErrExtension, "length 32 exceeds the 24 bytes left"},
		{"ext count too big", setU16(bytes.Clone(ext), 2214, 2), ErrExtension, "extension 2 of 2 starts past the end"},
		{"ext count too small", setU16(bytes.Clone(ext), 2214, 0), ErrLength, "meet message of 2280 bytes, expected 2256"},
		{"ext without flag", func() []byte { b := bytes.Clone(ext); b[2253] &^= FlagExtData; return b }(), ErrExtension, "without the EXT_DATA flag"},
		{"hostname without NUL", func() []byte { b := bytes.Clone(ext); copy(b[2264:], "12345678abcdefgh"); return b }(), ErrExtension, "not NUL-terminated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(c.b)
			require.Nil(t, m)
			require.ErrorIs(t, err, c.err)
			require.Contains(t, err.Error(), c.msg)
		})
	}
}

// TestDecodeLenient checks what Redis accepts and so must Decode.
func TestDecodeLenient(t *testing.T) {
	// EXT_DATA with no extensions: Redis's loop runs zero times.
	b := sampleMessages()["ping-empty"].Append(nil)
	b[2253] |= FlagExtData
	m, err := Decode(b)
	require.NoError(t, err)
	require.Equal(t, b, m.Append(nil))

	// The hostname's padding may hold garbage after its NUL, and an
	// extension may be longer than needed: the hostname is up to the NUL.
	b = (&Message{Header: header(TypePing), Hostname: "abc"}).Append(nil)
	b[2256+8+5] = 'x'
	m, err = Decode(b)
	require.NoError(t, err)
	require.Equal(t, "abc", m.Hostname)

	// An empty hostname extension: Redis never sends one and takes it for
	// no hostname; it re-encodes as no extension (EXT_DATA stays).
	b = (&Message{Header: header(TypePing), Hostname: "abc"}).Append(nil)
	clear(b[2264:])
	m, err = Decode(b)
	require.NoError(t, err)
	require.Empty(t, m.Hostname)
	require.Len(t, m.Append(nil), HeaderLen)
}

func TestReadFrame(t *testing.T) {
	msgs := sampleMessages()
	a, b := msgs["ping-gossip"].Append(nil), msgs["publishshard"].Append(nil)
	r := bytes.NewReader(append(bytes.Clone(a), b...))
	got, err := ReadFrame(r, MsgSize*2)
	require.NoError(t, err)
	require.Equal(t, a, got)
	got, err = ReadFrame(r, 1<<20)
	require.NoError(t, err)
	require.Equal(t, b, got)
	_, err = ReadFrame(r, 1<<20)
	require.Equal(t, io.EOF, err)

	_, err = ReadFrame(bytes.NewReader(b), MsgSize)
	require.ErrorIs(t, err, ErrLength)
	require.Contains(t, err.Error(), "totlen 7269 over the limit of 4352")
	_, err = ReadFrame(bytes.NewReader(append([]byte("RCmx"), a[4:]...)), MsgSize)
	require.ErrorIs(t, err, ErrSignature)
	_, err = ReadFrame(bytes.NewReader([]byte("RCmb\x00\x00\x08\xcfrest")), MsgSize)
	require.ErrorIs(t, err, ErrLength)
	require.Contains(t, err.Error(), "totlen 2255 under the header's 2256")
	_, err = ReadFrame(bytes.NewReader(a[:100]), MsgSize)
	require.Equal(t, io.ErrUnexpectedEOF, err)
	_, err = ReadFrame(bytes.NewReader(a[:5]), MsgSize)
	require.Equal(t, io.ErrUnexpectedEOF, err)
}

// goldenExpect is what each frame captured from real Redis 7.0.15 by
// TestRealNode (go test -run TestRealNode -update) must decode to.
var goldenExpect = map[string]func(t *testing.T, m *Message){
	"pong.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypePong), m.Type)
		require.Empty(t, m.Hostname)
		require.Equal(t, byte(0), m.MFlags[0]&FlagExtData)
	},
	"pong-slots-gossip.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypePong), m.Type)
		require.NotEmpty(t, m.Gossip)
		for _, s := range []int{0, 1, 5, 16383} {
			require.True(t, SlotBit(&m.MySlots, s), "slot %d", s)
		}
		for _, g := range m.Gossip {
			require.Equal(t, "127.0.0.1", g.IP)
		}
	},
	"ping.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypePing), m.Type)
	},
	"publish.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypePublish), m.Type)
		require.Equal(t, "news", string(m.Channel))
		require.Equal(t, "from real redis", string(m.Payload))
	},
	"pong-hostname.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypePong), m.Type)
		require.Equal(t, "real-2.example.com", m.Hostname)
		require.Equal(t, byte(FlagExtData), m.MFlags[0]&FlagExtData)
	},
	"meet-hostname.bin": func(t *testing.T, m *Message) {
		require.Equal(t, uint16(TypeMeet), m.Type)
		require.Equal(t, "real-2.example.com", m.Hostname)
	},
}

func TestGoldens(t *testing.T) {
	for name, check := range goldenExpect {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			require.NoError(t, err, "captured by go test -run TestRealNode -update")
			framed, err := ReadFrame(bytes.NewReader(b), len(b))
			require.NoError(t, err)
			require.Equal(t, b, framed)
			m, err := Decode(b)
			require.NoError(t, err)
			require.Len(t, m.Sender, 40)
			require.Empty(t, m.ReplicaOf)
			check(t, m)
			require.Equal(t, b, m.Append(nil), "re-encoding gives Redis's bytes")
		})
	}
}

func TestTypeName(t *testing.T) {
	require.Equal(t, "publishshard", TypeName(TypePublishShard))
	require.Equal(t, "auth-req", TypeName(TypeFailoverAuthRequest))
	require.Equal(t, "unknown", TypeName(TypeCount))
	require.True(t, errors.Is(ErrLength, ErrLength))
}
