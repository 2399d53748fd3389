// Package tests holds the integration tests: they start the server binary
// on a free port, as a user would, and talk to it through go-redis, raw TCP,
// redis-cli and redis-benchmark from the real Redis 7.0 distribution.
//
// TestMain builds ./cmd/redis-server once, with the race detector and the
// invariants tag, so that a data race or a borrowed argument kept past its
// call shows up under real clients too. Set REDIS_SERVER_BIN to run the
// same tests against another binary, for example a real redis-server to
// check that a test states Redis's behaviour:
//
//	REDIS_SERVER_BIN=/usr/bin/redis-server go test ./tests
//
// The redis-cli and redis-benchmark binaries must be installed (make test
// installs them); a test that needs a missing one fails, it never skips.
//
// Most tests run one at a time. Those that spend their time waiting (for
// a node or Sentinel timeout, MIGRATE's cached socket, an fsync second)
// rather than on the CPU call t.Parallel: make runs them four at a time
// (-parallel 4) once the others are done, which keeps make test within
// CI's 15 minutes. A test that asserts how long something took, or drives
// a load the assertion depends on, stays out of them.
package tests
