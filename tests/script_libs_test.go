package tests

// Scripts as the client libraries of other languages use them: redis-py's
// register_script and ioredis's defineCommand both call EVALSHA and fall
// back to EVAL on NOSCRIPT. make client-libs installs them (redis-py from
// Debian, ioredis from npm into $CLIENT_LIBS, ../.client-libs by default).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const redisPyScript = `
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
r.script_flush()
incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
assert incr(keys=['c'], args=[5]) == 5, 'EVAL after NOSCRIPT'
assert incr(keys=['c'], args=[2]) == 7, 'EVALSHA'
r.execute_command('FUNCTION', 'LOAD', "#!lua name=pylib\nredis.register_function('pyf', function(k, a) return a[1] end)")
assert r.execute_command('FCALL', 'pyf', 0, 'hi') == b'hi', 'FCALL'
print('ok')
`

const ioredisScript = `
const Redis = require('ioredis');
const r = new Redis({port: Number(process.argv[process.argv.length - 1]), lazyConnect: false});
r.defineCommand('myincr', {numberOfKeys: 1, lua: "return redis.call('incrby', KEYS[1], ARGV[1])"});
(async () => {
  await r.script('FLUSH');
  const a = await r.myincr('c', 5);
  const b = await r.myincr('c', 2);
  if (a !== 5 || b !== 7) throw new Error('got ' + a + ' and ' + b);
  console.log('ok');
  await r.quit();
})().catch(e => { console.error(e); process.exit(1); });
`

func clientLibs(t *testing.T) string {
	dir := os.Getenv("CLIENT_LIBS")
	if dir == "" {
		dir = filepath.Join("..", ".client-libs")
	}
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	return abs
}

func TestScriptRedisPy(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import redis").Run(); err != nil {
		t.Fatalf("redis-py is missing for /usr/bin/python3: run make client-libs (%v)", err)
	}
	s := startServer(t)
	out, err := exec.Command("/usr/bin/python3", "-c", redisPyScript, strconv.Itoa(s.Port)).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "ok", strings.TrimSpace(string(out)))
}

func TestScriptIoredis(t *testing.T) {
	libs := clientLibs(t)
	if _, err := os.Stat(filepath.Join(libs, "node_modules", "ioredis")); err != nil {
		t.Fatalf("ioredis is missing in %s: run make client-libs (%v)", libs, err)
	}
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed for the ioredis test")
	s := startServer(t)
	cmd := exec.Command(node, "-e", ioredisScript, strconv.Itoa(s.Port))
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(libs, "node_modules"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "ok", strings.TrimSpace(string(out)))
}
