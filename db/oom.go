package db

// oom-score-adj, as Redis's setOOMScoreAdj: the process's
// /proc/self/oom_score_adj follows its role, from oom-score-adj-values
// (master, replica, background child: see package child). "yes"/"relative" adds the
// value to the score the process had when the server first took control
// of it, "absolute" writes it as is, "no" gives that first score back.

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/redis-go/redis-server/logger"
)

const oomScoreAdjPath = "/proc/self/oom_score_adj"

// oomScore is the server's control of its oom_score_adj.
type oomScore struct {
	adjusted bool  // the server wrote the score
	base     int64 // the score before it did
}

// ApplyOOMScoreAdj sets the process's oom_score_adj for its role and the
// oom-score-adj settings. It is called at startup, on CONFIG SET of either
// setting and when the role changes. An error was logged.
func (s *Server) ApplyOOMScoreAdj() error {
	mode := s.Config.Int("oom-score-adj") // 0 no, 1 relative, 2 absolute
	var val int64
	switch {
	case mode != 0:
		if !s.oom.adjusted {
			b, err := os.ReadFile(oomScoreAdjPath)
			if err != nil {
				logger.Warningf("Unable to read oom_score_adj: %s", errnoString(err))
				return err
			}
			s.oom.base, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			s.oom.adjusted = true
		}
		class := 0
		if s.IsReplica {
			class = 1
		}
		val = s.Config.OOMScoreAdjValues()[class]
		if mode == 1 {
			val += s.oom.base
		}
		val = min(max(val, -1000), 1000)
	case s.oom.adjusted:
		s.oom.adjusted = false
		val = s.oom.base
	default:
		return nil
	}
	if err := os.WriteFile(oomScoreAdjPath, []byte(strconv.FormatInt(val, 10)+"\n"), 0); err != nil {
		logger.Warningf("Unable to write oom_score_adj: %s", errnoString(err))
		return err
	}
	return nil
}

// ChildOOMScoreAdj is the oom_score_adj a background child sets for
// itself (oom-score-adj-values' third), false when it keeps the server's.
func (s *Server) ChildOOMScoreAdj() (int64, bool) {
	mode := s.Config.Int("oom-score-adj")
	if mode == 0 || !s.oom.adjusted {
		return 0, false
	}
	val := s.Config.OOMScoreAdjValues()[2]
	if mode == 1 {
		val += s.oom.base
	}
	return min(max(val, -1000), 1000), true
}

// errnoString is C's strerror of err's errno ("Permission denied").
func errnoString(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) && errno.Error() != "" {
		m := errno.Error()
		return strings.ToUpper(m[:1]) + m[1:]
	}
	return err.Error()
}
