package db

import "github.com/redis-go/redis-server/glob"

// StringMatch reports whether str matches the glob pattern, with Redis's
// stringmatchlen semantics (see package glob).
func StringMatch(pattern, str []byte, nocase bool) bool { return glob.Match(pattern, str, nocase) }
