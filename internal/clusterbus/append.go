// Append: a Message as Redis 7.0.15 builds it (clusterBuildMessageHdr and
// the clusterSend* function of each type).

package clusterbus

import "encoding/binary"

var be = binary.BigEndian

// Len is the totlen Redis computes for m.
func (m *Message) Len() int {
	n := HeaderLen
	switch {
	case isPing(m.Type):
		n += len(m.Gossip) * GossipLen
		if m.Hostname != "" {
			n += hostnameExtLen(m.Hostname)
		}
		for _, e := range m.OtherExt {
			n += extHdrLen + len(e.Data)
		}
	case m.Type == TypeFail:
		n += failLen
	case m.Type == TypePublish || m.Type == TypePublishShard:
		n += publishLen + len(m.Channel) + len(m.Payload)
	case m.Type == TypeUpdate:
		n += updateLen
	case m.Type == TypeModule:
		n += moduleLen + len(m.ModulePayload)
	case m.Type >= TypeCount:
		n += len(m.Raw)
	}
	return n
}

// hostnameExtLen is getHostnamePingExtSize: the header and the hostname
// with its NUL, padded to 8 bytes.
func hostnameExtLen(h string) int {
	return extHdrLen + (len(h)+1+7)/8*8
}

// Append appends m encoded as Redis 7.0.15 sends it. Reserved bytes are
// zero, strings longer than their field are cut, and a PING, PONG or MEET
// with extensions gets the EXT_DATA flag and the extensions count. The
// caller keeps OtherExt payloads 8-byte aligned, as the receiver demands.
func (m *Message) Append(dst []byte) []byte {
	start := len(dst)
	n := m.Len()
	dst = append(dst, make([]byte, n)...)
	b := dst[start:]
	copy(b, "RCmb")
	be.PutUint32(b[offTotlen:], uint32(n))
	be.PutUint16(b[offVer:], Version)
	m.putHeader(b)
	body := b[HeaderLen:]
	switch {
	case isPing(m.Type):
		m.putPingBody(b, body)
	case m.Type == TypeFail:
		copy(body[:NameLen], m.FailName)
	case m.Type == TypePublish || m.Type == TypePublishShard:
		be.PutUint32(body, uint32(len(m.Channel)))
		be.PutUint32(body[4:], uint32(len(m.Payload)))
		copy(body[publishLen+copy(body[publishLen:], m.Channel):], m.Payload)
	case m.Type == TypeUpdate:
		be.PutUint64(body, m.UpdateConfigEpoch)
		copy(body[8:8+NameLen], m.UpdateName)
		copy(body[8+NameLen:], m.UpdateSlots[:])
	case m.Type == TypeModule:
		binary.LittleEndian.PutUint64(body, m.ModuleID)
		be.PutUint32(body[8:], uint32(len(m.ModulePayload)))
		body[12] = m.ModuleType
		copy(body[moduleLen:], m.ModulePayload)
	case m.Type >= TypeCount:
		copy(body, m.Raw)
	}
	return dst
}

func (m *Message) putHeader(b []byte) {
	h := &m.Header
	be.PutUint16(b[offPort:], h.Port)
	be.PutUint16(b[offType:], h.Type)
	be.PutUint64(b[offCurrentEpoch:], h.CurrentEpoch)
	be.PutUint64(b[offConfigEpoch:], h.ConfigEpoch)
	be.PutUint64(b[offOffset:], h.Offset)
	copy(b[offSender:offSender+NameLen], h.Sender)
	copy(b[offMySlots:], h.MySlots[:])
	copy(b[offSlaveOf:offSlaveOf+NameLen], h.ReplicaOf)
	copy(b[offMyIP:offMyIP+IPLen], h.MyIP)
	be.PutUint16(b[offPPort:], h.PPort)
	be.PutUint16(b[offCPort:], h.CPort)
	be.PutUint16(b[offFlags:], h.Flags)
	b[offState] = h.State
	copy(b[offMFlags:], h.MFlags[:])
}

// putPingBody writes the gossip entries, then the extensions as
// clusterSendPing does: the count, extensions and EXT_DATA in the header.
func (m *Message) putPingBody(b, body []byte) {
	be.PutUint16(b[offCount:], uint16(len(m.Gossip)))
	for i := range m.Gossip {
		putGossip(body[i*GossipLen:], &m.Gossip[i])
	}
	ext := body[len(m.Gossip)*GossipLen:]
	exts := 0
	if m.Hostname != "" {
		n := hostnameExtLen(m.Hostname)
		putExtHdr(ext, ExtHostname, n)
		copy(ext[extHdrLen:n-1], m.Hostname)
		ext = ext[n:]
		exts++
	}
	for _, e := range m.OtherExt {
		n := extHdrLen + len(e.Data)
		putExtHdr(ext, e.Type, n)
		copy(ext[extHdrLen:], e.Data)
		ext = ext[n:]
		exts++
	}
	if exts > 0 {
		b[offMFlags] |= FlagExtData
	}
	be.PutUint16(b[offExtensions:], uint16(exts))
}

// putExtHdr writes clusterMsgPingExt's header: length first, then type.
func putExtHdr(b []byte, typ uint16, n int) {
	be.PutUint32(b, uint32(n))
	be.PutUint16(b[4:], typ)
}

func putGossip(b []byte, g *Gossip) {
	copy(b[:NameLen], g.Name)
	be.PutUint32(b[gOffPingSent:], g.PingSent)
	be.PutUint32(b[gOffPongRecv:], g.PongReceived)
	copy(b[gOffIP:gOffIP+IPLen], g.IP)
	be.PutUint16(b[gOffPort:], g.Port)
	be.PutUint16(b[gOffCPort:], g.CPort)
	be.PutUint16(b[gOffFlags:], g.Flags)
	be.PutUint16(b[gOffPPort:], g.PPort)
}
