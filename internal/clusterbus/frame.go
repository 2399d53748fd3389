// ReadFrame: cutting one message off a bus connection.

package clusterbus

import (
	"fmt"
	"io"
)

// ReadFrame reads one whole message from r as clusterReadHandler does:
// the first 8 bytes (signature and totlen), checked before anything else
// is read, then the rest. A totlen under the header's length or above max
// (Redis has no limit; a caller should) is refused without reading on, and
// the connection should then be dropped, as Redis drops the link. The
// returned slice is the whole message, ready for Decode. io.EOF means r
// ended cleanly between messages.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	if string(prefix[:4]) != "RCmb" {
		return nil, fmt.Errorf("%w: %q", ErrSignature, prefix[:4])
	}
	totlen := be.Uint32(prefix[offTotlen:])
	if totlen < HeaderLen {
		return nil, fmt.Errorf("%w: totlen %d under the header's %d", ErrLength, totlen, HeaderLen)
	}
	if uint64(totlen) > uint64(max) {
		return nil, fmt.Errorf("%w: totlen %d over the limit of %d", ErrLength, totlen, max)
	}
	b := make([]byte, totlen)
	copy(b, prefix[:])
	if _, err := io.ReadFull(r, b[len(prefix):]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}
