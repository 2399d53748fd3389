// This file holds client-output-buffer-limit: per client class, the reply
// buffer size at which a client is disconnected at once (hard) or after
// staying above a soft limit for some seconds.

package config

import (
	"errors"
	"fmt"
	"strings"
)

// Client classes, the indexes of OutputBufferLimits.
const (
	ClassNormal = iota
	ClassReplica
	ClassPubSub
)

// BufferLimit is the output buffer limit of one client class. Zero means no
// limit.
type BufferLimit struct {
	Hard, Soft  uint64
	SoftSeconds int64
}

// OutputBufferLimits holds one BufferLimit per client class.
type OutputBufferLimits [3]BufferLimit

var defaultBufferLimits = OutputBufferLimits{
	ClassNormal:  {0, 0, 0},
	ClassReplica: {256 << 20, 64 << 20, 60},
	ClassPubSub:  {32 << 20, 8 << 20, 60},
}

// bufferLimitsKind is the client-output-buffer-limit parameter. Values are
// OutputBufferLimits. A line names the classes it changes; the others keep
// their current limits.
type bufferLimitsKind struct{}

// classByName is networking.c's getClientTypeByName, minus "master", which
// has no limits to configure.
func classByName(name string) (int, bool) {
	switch strings.ToLower(name) {
	case "normal":
		return ClassNormal, true
	case "slave", "replica":
		return ClassReplica, true
	case "pubsub":
		return ClassPubSub, true
	}
	return 0, false
}

func (bufferLimitsKind) parse(_ *Config, cur any, args []string) (any, error) {
	if len(args)%4 != 0 {
		return nil, errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	limits := cur.(OutputBufferLimits)
	// Validate every class before keeping any, so a bad class leaves the
	// limits untouched.
	for j := 0; j < len(args); j += 4 {
		class, ok := classByName(args[j])
		if !ok {
			return nil, errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, okHard := memToUint64(args[j+1])
		soft, okSoft := memToUint64(args[j+2])
		secs, okSecs := strtoll(args[j+3], 10)
		secs = int64(int32(secs)) // Redis keeps the seconds in an int
		if !okHard || !okSoft || !okSecs || secs < 0 {
			return nil, errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		limits[class] = BufferLimit{hard, soft, secs}
	}
	return limits, nil
}

// className is how each class is spelt: CONFIG GET still says "slave",
// CONFIG REWRITE says "replica".
func className(class int, forRewrite bool) string {
	switch class {
	case ClassNormal:
		return "normal"
	case ClassReplica:
		if forRewrite {
			return "replica"
		}
		return "slave"
	}
	return "pubsub"
}

func (bufferLimitsKind) format(v any) string {
	var parts []string
	for class, l := range v.(OutputBufferLimits) {
		parts = append(parts, fmt.Sprintf("%s %d %d %d", className(class, false), l.Hard, l.Soft, l.SoftSeconds))
	}
	return strings.Join(parts, " ")
}

// rewrite writes one line per class, forced only for classes whose limits
// differ from the defaults.
func (bufferLimitsKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	var lines []rewriteLine
	for class, l := range v.(OutputBufferLimits) {
		text := fmt.Sprintf("%s %s %s %s %d", name, className(class, true),
			formatMemory(int64(l.Hard)), formatMemory(int64(l.Soft)), l.SoftSeconds)
		lines = append(lines, rewriteLine{text, l != defaultBufferLimits[class]})
	}
	return lines
}
