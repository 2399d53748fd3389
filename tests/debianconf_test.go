package tests

// The redis.conf that Debian's redis-server package installs must start
// the server unchanged, apart from the directives that point outside a
// temporary directory or need root: daemonize, pidfile, logfile and dir.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const debianConf = "/etc/redis/redis.conf"

func TestDebianConfig(t *testing.T) {
	tool(t, "redis-server") // the package that installs the file
	b, err := os.ReadFile(debianConf)
	require.NoError(t, err, "Debian's redis-server package installs %s", debianConf)
	dir := t.TempDir()
	conf := writeFile(t, dir, "redis.conf", string(b))
	port := freePort(t)
	s := startWith(t, launch{
		Args: []string{conf, "--port", strconv.Itoa(port), "--daemonize", "no", "--dir", dir,
			"--logfile", "", "--pidfile", filepath.Join(dir, "redis.pid")},
		Port: port,
		Dir:  dir,
	})
	c := s.client(t, 2)
	ctx := context.Background()
	pong, err := c.Ping(ctx).Result()
	require.NoError(t, err)
	assert.Equal(t, "PONG", pong)
	assert.Equal(t, "notice", configGet(t, s, "loglevel"))
	assert.Equal(t, "127.0.0.1 -::1", configGet(t, s, "bind"))
	assert.FileExists(t, filepath.Join(dir, "redis.pid"))
}
