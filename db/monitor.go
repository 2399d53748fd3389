package db

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// feedMonitors sends the command about to run to every MONITOR client, in
// Redis's format: +1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"
func (s *Server) feedMonitors(c *Client) {
	now := time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%d.%06d ", now.Unix(), now.Nanosecond()/1000)
	switch {
	case c.Flags&ClientMaster != 0:
		fmt.Fprintf(&b, "[%d lua] ", c.DB.ID)
	default:
		fmt.Fprintf(&b, "[%d %s] ", c.DB.ID, c.Addr)
	}
	for i, a := range c.Argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Repr(a))
	}
	line := b.String()
	for _, m := range s.monitors {
		m.Status(line)
		s.MarkPending(m)
	}
}

// Repr quotes b as Redis's sdscatrepr: printable ASCII as is, \n \r \t \a
// \b and \\ \" escaped, other bytes as \xHH.
func Repr(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			sb.WriteByte('\\')
			sb.WriteByte(ch)
		case '\n':
			sb.WriteString("\\n")
		case '\r':
			sb.WriteString("\\r")
		case '\t':
			sb.WriteString("\\t")
		case '\a':
			sb.WriteString("\\a")
		case '\b':
			sb.WriteString("\\b")
		default:
			if ch >= 32 && ch < 127 {
				sb.WriteByte(ch)
			} else {
				sb.WriteString("\\x")
				sb.WriteString(strconv.FormatInt(int64(ch)>>4, 16))
				sb.WriteString(strconv.FormatInt(int64(ch)&15, 16))
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
