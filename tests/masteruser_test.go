package tests

// masteruser: a replica authenticates to its master as an ACL user of its
// own (AUTH masteruser masterauth), in every pairing of this server and
// real Redis 7.0. The master's default user is locked behind a password
// the replica does not know, and the replication user may run only what
// replication needs, so the sync works only if the replica logs in as
// that user; the master then shows the replica's connection as that user.
// A wrong password leaves the link down with Redis's log line.

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMasterUser(t *testing.T) {
	redisBin := tool(t, "redis-server")
	for _, pair := range []struct{ name, master, replica string }{
		{"ours to ours", "", ""},
		{"redis master, our replica", redisBin, ""},
		{"our master, redis replica", "", redisBin},
	} {
		t.Run(pair.name, func(t *testing.T) {
			ctx := context.Background()
			master := lockedMaster(t, pair.master)
			require.NoError(t, master.c.Set(ctx, "before", "sync", 0).Err())

			replica := startNode(t, pair.replica, "--masteruser", "repl", "--masterauth", "replpass")
			replicaOf(t, replica, master.Addr())
			waitSynced(t, master, replica)
			require.NoError(t, master.c.RPush(ctx, "after", 1, 2, 3).Err())
			waitSynced(t, master, replica)
			requireSameDigest(t, master, replica)
			require.Equal(t, "sync", replica.c.Get(ctx, "before").Val())

			// The master sees its replica as the replication user.
			list, err := master.c.ClientList(ctx).Result()
			require.NoError(t, err)
			var users []string
			for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
				if strings.Contains(line, " flags=S ") {
					users = append(users, fieldOf(line, "user"))
				}
			}
			require.Equal(t, []string{"repl"}, users, "CLIENT LIST of the master:\n%s", list)

			// A replica with the wrong password is refused and says so.
			wrong := startNode(t, pair.replica, "--masteruser", "repl", "--masterauth", "nope")
			replicaOf(t, wrong, master.Addr())
			waitLog(t, wrong.server, "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.")
			require.Equal(t, "down", infoMap(t, wrong.c, "replication")["master_link_status"])
		})
	}
}

// lockedMaster starts bin with a replication user allowed only PSYNC,
// REPLCONF and PING, and the default user behind a password: its client is
// an administrator's.
func lockedMaster(t *testing.T, bin string) *replNode {
	t.Helper()
	ctx := context.Background()
	n := startNode(t, bin)
	for _, rule := range [][]any{
		{"ACL", "SETUSER", "repl", "on", ">replpass", "+psync", "+replconf", "+ping"},
		{"ACL", "SETUSER", "admin", "on", ">adminpass", "~*", "&*", "+@all"},
		{"ACL", "SETUSER", "default", "resetpass", ">defaultpass"},
	} {
		require.NoError(t, n.c.Do(ctx, rule...).Err(), "%v", rule)
	}
	admin := redis.NewClient(&redis.Options{Addr: n.Addr(), Username: "admin", Password: "adminpass", MaxRetries: -1})
	t.Cleanup(func() { admin.Close() })
	require.Equal(t, "admin", admin.Do(ctx, "ACL", "WHOAMI").Val())
	// Without the password, a new connection is refused.
	anon := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
	defer anon.Close()
	require.ErrorContains(t, anon.Get(ctx, "x").Err(), "NOAUTH")
	return &replNode{server: n.server, c: admin, bin: n.bin, dir: n.dir}
}

// fieldOf is the value of name=value in a CLIENT LIST line.
func fieldOf(line, name string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}
