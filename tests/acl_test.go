package tests

// ACL users through real clients, on this server and on real Redis: a
// restricted user's denials, the ACL log, CLIENT LIST's user, users from
// redis.conf, and ACL files written by one server loaded by the other.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const aclRealRedis = "/usr/bin/redis-server"

// aclServers starts this server and real Redis with the same arguments.
func aclServers(t *testing.T, args ...string) map[string]*server {
	out := map[string]*server{"ours": startServer(t, args...)}
	dir := t.TempDir()
	port := freePort(t)
	var full []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		full, args = append(full, args[0]), args[1:]
	}
	full = append(full, "--port", strconv.Itoa(port), "--dir", dir, "--save", "", "--appendonly", "no")
	out["redis"] = startWith(t, launch{Args: append(full, args...), Port: port, Dir: dir, Bin: aclRealRedis})
	return out
}

func aclClient(t *testing.T, s *server, user, pass string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Username: user, Password: pass, Protocol: 2})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestACLRestrictedUser(t *testing.T) {
	ctx := context.Background()
	for name, s := range aclServers(t) {
		t.Run(name, func(t *testing.T) {
			admin := aclClient(t, s, "", "")
			require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "+@read").Err())
			require.NoError(t, admin.Set(ctx, "app:1", "v", 0).Err())
			require.NoError(t, admin.Set(ctx, "other", "x", 0).Err())
			require.NoError(t, admin.Do(ctx, "ACL", "LOG", "RESET").Err())

			bad := aclClient(t, s, "app", "wrong")
			assert.EqualError(t, bad.Ping(ctx).Err(), "WRONGPASS invalid username-password pair or user is disabled.")

			app := aclClient(t, s, "app", "s3cret")
			v, err := app.Get(ctx, "app:1").Result()
			require.NoError(t, err)
			assert.Equal(t, "v", v)
			assert.EqualError(t, app.Get(ctx, "other").Err(), "NOPERM this user has no permissions to access one of the keys used as arguments")
			assert.EqualError(t, app.Set(ctx, "app:1", "w", 0).Err(), "NOPERM this user has no permissions to run the 'set' command")
			assert.EqualError(t, app.Del(ctx, "app:1").Err(), "NOPERM this user has no permissions to run the 'del' command")
			assert.EqualError(t, app.MGet(ctx, "app:1", "other").Err(), "NOPERM this user has no permissions to access one of the keys used as arguments")
			assert.Equal(t, "v", admin.Get(ctx, "app:1").Val(), "nothing was written")

			list := admin.ClientList(ctx).Val()
			assert.Contains(t, list, " user=app ")
			assert.Contains(t, list, " user=default ")

			// The log, newest first; a repeated denial is counted in one entry.
			require.Error(t, app.Get(ctx, "other").Err())
			entries, err := admin.Do(ctx, "ACL", "LOG").Slice()
			require.NoError(t, err)
			var got []string
			for _, e := range entries {
				m := map[string]any{}
				kv := e.([]any)
				for i := 0; i+1 < len(kv); i += 2 {
					m[kv[i].(string)] = kv[i+1]
				}
				assert.Contains(t, m["client-info"], " user=")
				got = append(got, strings.Join([]string{
					strconv.FormatInt(m["count"].(int64), 10), m["reason"].(string), m["context"].(string),
					m["object"].(string), m["username"].(string)}, " "))
			}
			assert.Equal(t, []string{
				"3 key toplevel other app", // GET other twice, MGET app:1 other
				"1 command toplevel del app",
				"1 command toplevel set app",
				"1 auth toplevel auth app", // go-redis tries HELLO, then AUTH
				"1 auth toplevel hello app",
			}, got)

			// A deleted user's clients are disconnected.
			require.NoError(t, admin.Do(ctx, "ACL", "DELUSER", "app").Err())
			app.Options().MaxRetries = -1
			assert.Error(t, app.Get(ctx, "app:1").Err())
		})
	}
}

// TestACLConfigUsers starts both servers with user directives in
// redis.conf and compares what they list.
func TestACLConfigUsers(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "redis.conf")
	require.NoError(t, os.WriteFile(conf, []byte(
		"user alice on >pa ~a:* %R~r:* &news -@all +@read +@hash\n"+
			"user bob off nopass allkeys allchannels +@all -@dangerous (~x:* +get)\n"+
			"user default on nopass ~* &* +@all -flushall\n"), 0o644))
	lists := map[string][]string{}
	for name, s := range aclServers(t, conf) {
		c := aclClient(t, s, "", "")
		l, err := c.Do(context.Background(), "ACL", "LIST").StringSlice()
		require.NoError(t, err)
		lists[name] = normalizeACLList(l)
		alice := aclClient(t, s, "alice", "pa")
		assert.ErrorIs(t, alice.HGet(context.Background(), "a:h", "f").Err(), redis.Nil, name)
	}
	assert.Equal(t, lists["redis"], lists["ours"])
}

// normalizeACLList sorts each run of single-command rules of ACL LIST
// lines: Redis writes them in the order of its command dict, which
// changes with every process.
func normalizeACLList(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		toks := strings.Split(l, " ")
		single := func(tok string) bool {
			return len(tok) > 1 && (tok[0] == '+' || tok[0] == '-') && tok[1] != '@'
		}
		for j := 0; j < len(toks); {
			k := j
			for k < len(toks) && single(toks[k]) {
				k++
			}
			if k > j {
				closing := strings.HasSuffix(toks[k-1], ")")
				toks[k-1] = strings.TrimSuffix(toks[k-1], ")")
				slices.Sort(toks[j:k])
				if closing {
					toks[k-1] += ")"
				}
				j = k
			} else {
				j++
			}
		}
		out[i] = strings.Join(toks, " ")
	}
	return out
}

// TestACLFileInterop has each server save users to its aclfile and the
// other load that file: the users listed are the same.
func TestACLFileInterop(t *testing.T) {
	ctx := context.Background()
	rules := [][]any{
		{"alice", "on", ">pa", "~a:*", "%R~r:*", "%W~w:*", "&news", "-@all", "+@read", "+@hash"},
		{"bob", "off", "nopass", "allkeys", "allchannels", "+@all", "-@dangerous", "(~x:* +get)", "(%R~y:* -@all +@string)"},
		{"carol", "on", "#" + strings.Repeat("ab", 32), "resetchannels", "-@all", "+select|0"},
		{"default", "on", "nopass", "~*", "&*", "+@all", "-debug"},
	}
	for _, from := range []string{"redis", "ours"} {
		t.Run("from "+from, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "users.acl")
			require.NoError(t, os.WriteFile(file, nil, 0o644))
			srvs := aclServers(t, "--aclfile", file)
			w := aclClient(t, srvs[from], "", "")
			for _, r := range rules {
				require.NoError(t, w.Do(ctx, append([]any{"ACL", "SETUSER"}, r...)...).Err())
			}
			want, err := w.Do(ctx, "ACL", "LIST").StringSlice()
			require.NoError(t, err)
			want = normalizeACLList(want)
			require.NoError(t, w.Do(ctx, "ACL", "SAVE").Err())
			to := "ours"
			if from == "ours" {
				to = "redis"
			}
			// The other server loads it at startup and by ACL LOAD.
			var loaded *server
			if to == "ours" {
				loaded = startServer(t, "--aclfile", file)
			} else {
				d, p := t.TempDir(), freePort(t)
				loaded = startWith(t, launch{Args: []string{"--port", strconv.Itoa(p), "--dir", d, "--aclfile", file}, Port: p, Dir: d, Bin: aclRealRedis})
			}
			r := aclClient(t, loaded, "", "")
			got, err := r.Do(ctx, "ACL", "LIST").StringSlice()
			require.NoError(t, err)
			assert.Equal(t, want, normalizeACLList(got))
			other := aclClient(t, srvs[to], "", "")
			require.NoError(t, other.Do(ctx, "ACL", "LOAD").Err())
			got, err = other.Do(ctx, "ACL", "LIST").StringSlice()
			require.NoError(t, err)
			assert.Equal(t, want, normalizeACLList(got))
		})
	}
}
