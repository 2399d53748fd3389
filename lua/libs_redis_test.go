package lua

// Shared harness of the bit, struct, cjson and cmsgpack tests: each case is a Lua
// expression (or a function body when it starts with "local " or "return "), run inside
// a pcall both by a real redis-server 7.0 through EVAL and by a bare gopher-lua state
// with the four libraries opened. Both sides serialise the results with the same Lua
// prelude, so the replies must be identical strings.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	glua "github.com/yuin/gopher-lua"
)

// libsPrelude serialises every value returned by the case, deterministically: numbers
// with "%.17g" (and explicit inf, nan, -0), strings quoted with non-printable bytes as
// \xHH, tables with their entries sorted, cjson.null as "null".
const libsPrelude = `local S
S = function(v, depth)
  local t = type(v)
  if t == "number" then
    if v ~= v then return "nan" end
    if v == 1/0 then return "inf" end
    if v == -1/0 then return "-inf" end
    if v == 0 and 1/v < 0 then return "-0" end
    return string.format("%.17g", v)
  elseif t == "string" then
    return '"' .. string.gsub(v, "[^\32-\126]", function(c) return string.format("\\x%02x", string.byte(c)) end) .. '"'
  elseif t == "table" then
    if (depth or 0) > 20 then return "{...}" end
    local items = {}
    for k, x in pairs(v) do items[#items+1] = S(k, (depth or 0)+1) .. "=" .. S(x, (depth or 0)+1) end
    table.sort(items)
    return "{" .. table.concat(items, ",") .. "}"
  elseif t == "userdata" and v == cjson.null then
    return "null"
  end
  return t .. (t == "boolean" and ":" .. tostring(v) or "")
end
local function collect(...) return select('#', ...), {...} end
local n, r = collect(pcall(function()
CASE
end))
if not r[1] then return "ERR " .. tostring(r[2]) end
local out = {}
for i = 2, n do out[#out+1] = S(r[i]) end
return table.concat(out, ",")
`

// libsScript wraps one case in the prelude.
func libsScript(c string) string {
	if !strings.HasPrefix(c, "local ") && !strings.HasPrefix(c, "return ") {
		c = "return " + c
	}
	return strings.Replace(libsPrelude, "CASE", c, 1)
}

// libsRunGo runs a script in a fresh gopher-lua state with the four libraries.
func libsRunGo(script string) string {
	// Lua's C stack allows 8000 slots per C function; gopher-lua's default registry
	// is smaller.
	L := glua.NewState(glua.Options{RegistrySize: 1024 * 20, RegistryMaxSize: 1024 * 1024})
	defer L.Close()
	OpenBit(L)
	OpenStruct(L)
	OpenCjson(L)
	OpenCmsgpack(L)
	fn, err := L.Load(strings.NewReader(script), "user_script")
	if err != nil {
		return "COMPILE " + err.Error()
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return "UNCAUGHT " + err.Error()
	}
	return L.Get(-1).String()
}

// libsRedis starts a real redis-server in a temporary directory and returns a client.
// A missing binary fails the test: the corpus is only meaningful against Redis.
func libsRedis(t *testing.T) *redis.Client {
	t.Helper()
	bin := os.Getenv("REDIS_SERVER_BIN")
	if bin == "" {
		bin = "/usr/bin/redis-server"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("real redis-server needed at %s: %v", bin, err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// libsRunRedis runs a script with EVAL and returns the reply as a string (errors as
// "REDIS <message>"). SCRIPT FLUSH after each case resets the Lua state, hence the
// libraries' settings (cjson's encode_max_depth, ...), as a fresh gopher-lua state does.
func libsRunRedis(t *testing.T, rdb *redis.Client, script string) string {
	ctx := context.Background()
	v, err := rdb.Eval(ctx, script, nil).Result()
	if ferr := rdb.ScriptFlush(ctx).Err(); ferr != nil {
		t.Fatalf("SCRIPT FLUSH: %v", ferr)
	}
	if err != nil {
		return "REDIS " + err.Error()
	}
	return fmt.Sprint(v)
}

// libsCompare runs every case through Redis and gopher-lua and requires equal replies.
func libsCompare(t *testing.T, cases []string) {
	rdb := libsRedis(t)
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c] {
			t.Errorf("duplicate case %q", c)
		}
		seen[c] = true
		script := libsScript(c)
		want := libsRunRedis(t, rdb, script)
		got := libsRunGo(script)
		if got != want {
			t.Errorf("case %s\n redis: %q\n   got: %q", c, libsShort(want), libsShort(got))
		}
	}
}

func libsShort(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}
