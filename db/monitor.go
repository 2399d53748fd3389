package db

// MONITOR: clients that receive a line for every command the server runs.
// As in Redis 7.0, call() feeds the monitors after the command ran (so a
// SELECT shows the new db), with the arguments the client sent and secrets
// redacted; commands flagged admin or skip_monitor are not shown, and EVAL
// and friends feed themselves before running so that the commands of the
// script come after them.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func init() {
	register("monitor", monitorCommand)
}

func monitorCommand(c *Client) {
	if c.Flags&ClientMulti != 0 {
		// Inside EXEC: such a client expects one reply per command.
		c.Error("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return
	}
	if c.Flags&(ClientReplica|ClientMonitor) != 0 {
		// Already streaming: Redis ignores the command, without a reply.
		return
	}
	c.Flags |= ClientMonitor
	c.srv.monitors = append(c.srv.monitors, c)
	c.OK()
}

func (s *Server) removeMonitor(c *Client) {
	for i, m := range s.monitors {
		if m == c {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			break
		}
	}
	c.Flags &^= ClientMonitor
}

// feedMonitors sends c's command (c.Argv) to every MONITOR client.
func (s *Server) feedMonitors(c *Client) { s.feedMonitorsArgv(c, c.Argv) }

// FeedMonitors is feedMonitors for the commands that run scripts (EVAL,
// FCALL...), which skip the feed after the call: they feed it before
// their script runs, so that its commands come after it, as Redis's
// evalCommand does.
func (s *Server) FeedMonitors(c *Client) { s.feedMonitors(c) }

// feedMonitorsArgv sends a command c ran to every MONITOR client, in
// Redis's format: +1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v".
// argv is what the client sent (borrowed).
func (s *Server) feedMonitorsArgv(c *Client, argv [][]byte) {
	if len(s.monitors) == 0 || s.Loading {
		return
	}
	argv = redactArgv(c.Cmd, argv)
	now := time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%d.%06d ", now.Unix(), now.Nanosecond()/1000)
	switch {
	case c.Flags&ClientScript != 0:
		fmt.Fprintf(&b, "[%d lua] ", c.DB.ID)
	case c.isUnixSocket():
		fmt.Fprintf(&b, "[%d unix:%s] ", c.DB.ID, s.Config.String("unixsocket"))
	default:
		fmt.Fprintf(&b, "[%d %s] ", c.DB.ID, c.peerID())
	}
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Repr(a))
	}
	line := b.String()
	for _, m := range s.monitors {
		if m.Flags&ClientCloseASAP != 0 { // over its output buffer limit
			continue
		}
		// A client with output waiting is already queued for a flush (or
		// is the one being served).
		if len(m.Buf) == 0 {
			s.MarkPending(m)
		}
		m.Status(line)
		s.outputAdded(m)
	}
}

// isUnixSocket reports whether c came through the unix socket, whose
// clients have the socket path as local address.
func (c *Client) isUnixSocket() bool {
	if c.srv == nil || c.srv.Config == nil {
		return false
	}
	path := c.srv.Config.String("unixsocket")
	return path != "" && c.LAddr == path+":0"
}

// peerID is the client's address as Redis's getClientPeerId: ip:port, or
// for a unix socket client the socket path followed by ":0".
func (c *Client) peerID() string {
	if c.isUnixSocket() {
		return c.LAddr
	}
	return c.Addr
}

var redacted = []byte("(redacted)")

// redactArgv hides the passwords in argv, the arguments Redis's commands
// mark with redactClientCommandArgument (AUTH, HELLO AUTH, MIGRATE AUTH and
// AUTH2), for MONITOR and the slow log. It returns argv itself when there
// is nothing to hide, a copy otherwise.
func redactArgv(cmd *Command, argv [][]byte) [][]byte {
	if cmd == nil {
		return argv
	}
	var hide []int
	switch cmd.Name {
	case "auth":
		// AUTH with too many arguments is refused before redacting.
		if len(argv) <= 3 {
			for i := 1; i < len(argv); i++ {
				hide = append(hide, i)
			}
		}
	case "hello":
		hide = helloSecrets(argv)
	case "migrate":
		hide = migrateSecrets(argv)
	case "acl|setuser":
		for i := 2; i < len(argv); i++ {
			hide = append(hide, i)
		}
	case "config|set":
		// The values of the sensitive parameters (SENSITIVE_CONFIG).
		for i := 2; i+1 < len(argv); i += 2 {
			switch strings.ToLower(string(argv[i])) {
			case "masterauth", "masteruser", "requirepass":
				hide = append(hide, i+1)
			}
		}
	}
	if len(hide) == 0 {
		return argv
	}
	out := append([][]byte(nil), argv...)
	for _, i := range hide {
		out[i] = redacted
	}
	return out
}

func helloSecrets(argv [][]byte) []int {
	if len(argv) < 2 {
		return nil
	}
	if v, ok := ParseInt(argv[1]); !ok || v < 2 || v > 3 {
		return nil
	}
	var hide []int
	for j := 2; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch opt := strings.ToLower(string(argv[j])); {
		case opt == "auth" && more >= 2:
			hide = append(hide, j+1, j+2)
			j += 2
		case opt == "setname" && more >= 1:
			j++
		default:
			return hide
		}
	}
	return hide
}

func migrateSecrets(argv [][]byte) []int {
	var hide []int
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch strings.ToLower(string(argv[j])) {
		case "copy", "replace":
		case "auth":
			if more < 1 {
				return hide
			}
			j++
			hide = append(hide, j)
		case "auth2":
			if more < 2 {
				return hide
			}
			hide = append(hide, j+1, j+2)
			j += 2
		default:
			return hide
		}
	}
	return hide
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
