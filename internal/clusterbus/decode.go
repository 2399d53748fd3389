// Decode: the checks clusterReadHandler and clusterProcessPacket make
// before acting on a message, and the parse.

package clusterbus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors of Decode and ReadFrame, wrapped with the details.
var (
	ErrSignature = errors.New("clusterbus: bad signature")
	ErrLength    = errors.New("clusterbus: bad length")
	ErrVersion   = errors.New("clusterbus: unsupported version")
	ErrExtension = errors.New("clusterbus: bad ping extension")
)

// Decode parses one whole message, exactly totlen bytes. It refuses what
// Redis 7.0.15 drops (bad signature, version other than 1, totlen not the
// length the type and its counts require, misaligned or overlong
// extensions) and also what Redis would read past the message for (an
// extension header or a PUBLISH/MODULE length outside it, extensions
// without EXT_DATA, a hostname without its NUL). A type Redis does not
// know is accepted with its body in Raw, as Redis assumes it well formed.
func Decode(b []byte) (*Message, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: %d bytes, need at least 8", ErrLength, len(b))
	}
	if string(b[:4]) != "RCmb" {
		return nil, fmt.Errorf("%w: %q", ErrSignature, b[:4])
	}
	totlen := be.Uint32(b[offTotlen:])
	if uint64(totlen) != uint64(len(b)) {
		return nil, fmt.Errorf("%w: totlen %d but %d bytes", ErrLength, totlen, len(b))
	}
	if totlen < HeaderLen {
		return nil, fmt.Errorf("%w: totlen %d under the header's %d", ErrLength, totlen, HeaderLen)
	}
	if v := be.Uint16(b[offVer:]); v != Version {
		return nil, fmt.Errorf("%w: %d", ErrVersion, v)
	}
	m := &Message{}
	m.getHeader(b)
	body := b[HeaderLen:]
	var err error
	switch t := m.Type; {
	case isPing(t):
		err = m.getPingBody(b, body)
	case t == TypeFail:
		if err = wantLen(t, body, failLen); err == nil {
			m.FailName = string(body[:NameLen])
		}
	case t == TypePublish || t == TypePublishShard:
		err = m.getPublish(body)
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart:
		err = wantLen(t, body, 0)
	case t == TypeUpdate:
		if err = wantLen(t, body, updateLen); err == nil {
			m.UpdateConfigEpoch = be.Uint64(body)
			m.UpdateName = string(body[8 : 8+NameLen])
			copy(m.UpdateSlots[:], body[8+NameLen:])
		}
	case t == TypeModule:
		err = m.getModule(body)
	default:
		m.Raw = clone(body)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// wantLen is the totlen != explen check of a fixed-size type.
func wantLen(t uint16, body []byte, n int) error {
	if len(body) != n {
		return fmt.Errorf("%w: %s message of %d bytes, expected %d",
			ErrLength, TypeName(t), HeaderLen+len(body), HeaderLen+n)
	}
	return nil
}

func (m *Message) getHeader(b []byte) {
	h := &m.Header
	h.Port = be.Uint16(b[offPort:])
	h.Type = be.Uint16(b[offType:])
	h.CurrentEpoch = be.Uint64(b[offCurrentEpoch:])
	h.ConfigEpoch = be.Uint64(b[offConfigEpoch:])
	h.Offset = be.Uint64(b[offOffset:])
	h.Sender = string(b[offSender : offSender+NameLen])
	copy(h.MySlots[:], b[offMySlots:])
	if slaveOf := b[offSlaveOf : offSlaveOf+NameLen]; !allZero(slaveOf) {
		h.ReplicaOf = string(slaveOf)
	}
	h.MyIP = cString(b[offMyIP : offMyIP+IPLen])
	h.PPort = be.Uint16(b[offPPort:])
	h.CPort = be.Uint16(b[offCPort:])
	h.Flags = be.Uint16(b[offFlags:])
	h.State = b[offState]
	copy(h.MFlags[:], b[offMFlags:])
}

// getPingBody parses the gossip section and the extensions after it. As
// in Redis, the extensions count only when EXT_DATA is set; each one's
// length is a multiple of 8 that fits in what is left.
func (m *Message) getPingBody(b, body []byte) error {
	count := int(be.Uint16(b[offCount:]))
	if len(body) < count*GossipLen {
		return fmt.Errorf("%w: %s message of %d bytes, too short for %d gossip entries",
			ErrLength, TypeName(m.Type), len(b), count)
	}
	if count > 0 {
		m.Gossip = make([]Gossip, count)
	}
	for i := range m.Gossip {
		getGossip(body[i*GossipLen:], &m.Gossip[i])
	}
	rest := body[count*GossipLen:]
	exts := be.Uint16(b[offExtensions:])
	if m.MFlags[0]&FlagExtData == 0 {
		if exts != 0 {
			return fmt.Errorf("%w: %d extensions without the EXT_DATA flag", ErrExtension, exts)
		}
		exts = 0
	}
	for i := 0; i < int(exts); i++ {
		if len(rest) < extHdrLen {
			return fmt.Errorf("%w: extension %d of %d starts past the end", ErrExtension, i+1, exts)
		}
		n := be.Uint32(rest)
		typ := be.Uint16(rest[4:])
		if n%8 != 0 || n < extHdrLen {
			return fmt.Errorf("%w: length %d is not padded to 8 bytes", ErrExtension, n)
		}
		if uint64(n) > uint64(len(rest)) {
			return fmt.Errorf("%w: length %d exceeds the %d bytes left of the message", ErrExtension, n, len(rest))
		}
		data := rest[extHdrLen:n]
		rest = rest[n:]
		if typ != ExtHostname {
			m.OtherExt = append(m.OtherExt, PingExt{Type: typ, Data: clone(data)})
			continue
		}
		nul := bytes.IndexByte(data, 0)
		if nul < 0 {
			return fmt.Errorf("%w: hostname not NUL-terminated", ErrExtension)
		}
		m.Hostname = string(data[:nul])
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %s message of %d bytes, expected %d",
			ErrLength, TypeName(m.Type), len(b), len(b)-len(rest))
	}
	return nil
}

func getGossip(b []byte, g *Gossip) {
	g.Name = string(b[:NameLen])
	g.PingSent = be.Uint32(b[gOffPingSent:])
	g.PongReceived = be.Uint32(b[gOffPongRecv:])
	g.IP = cString(b[gOffIP : gOffIP+IPLen])
	g.Port = be.Uint16(b[gOffPort:])
	g.CPort = be.Uint16(b[gOffCPort:])
	g.Flags = be.Uint16(b[gOffFlags:])
	g.PPort = be.Uint16(b[gOffPPort:])
}

func (m *Message) getPublish(body []byte) error {
	if len(body) < publishLen {
		return fmt.Errorf("%w: %s message of %d bytes, too short for its lengths",
			ErrLength, TypeName(m.Type), HeaderLen+len(body))
	}
	chLen, msgLen := be.Uint32(body), be.Uint32(body[4:])
	if err := wantLen64(m.Type, body, publishLen+uint64(chLen)+uint64(msgLen)); err != nil {
		return err
	}
	data := body[publishLen:]
	m.Channel = clone(data[:chLen])
	m.Payload = clone(data[chLen:])
	return nil
}

func (m *Message) getModule(body []byte) error {
	if len(body) < moduleLen {
		return fmt.Errorf("%w: MODULE message of %d bytes, too short for its length",
			ErrLength, HeaderLen+len(body))
	}
	n := be.Uint32(body[8:])
	if err := wantLen64(m.Type, body, moduleLen+uint64(n)); err != nil {
		return err
	}
	m.ModuleID = binary.LittleEndian.Uint64(body)
	m.ModuleType = body[12]
	m.ModulePayload = clone(body[moduleLen:])
	return nil
}

// wantLen64 is wantLen for a length computed from the message's own
// fields, which Redis sums in 32 bits; here it cannot wrap.
func wantLen64(t uint16, body []byte, n uint64) error {
	if uint64(len(body)) != n {
		return fmt.Errorf("%w: %s message of %d bytes, expected %d",
			ErrLength, TypeName(t), HeaderLen+len(body), HeaderLen+n)
	}
	return nil
}

// cString is a NUL-padded C string field up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// clone copies b, nil when empty, so that a decoded message compares
// equal to the one that was encoded.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

var typeNames = [TypeCount]string{
	"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack",
	"update", "mfstart", "module", "publishshard",
}

// TypeName is clusterGetMessageTypeString: the name Redis logs and
// CLUSTER INFO counts messages under ("unknown" past the known types).
func TypeName(t uint16) string {
	if t < TypeCount {
		return typeNames[t]
	}
	return "unknown"
}
