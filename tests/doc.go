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
package tests
