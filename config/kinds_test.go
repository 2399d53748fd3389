// Tests of how each kind of parameter is shown and rewritten.

package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each kind, as loaded from a line, shown by CONFIG GET and written by
// CONFIG REWRITE ("+" marks a line forced into the file, "=" one written
// only over an existing line).
func TestFormats(t *testing.T) {
	tests := []struct {
		line    string
		get     string
		rewrite []string
	}{
		{"activerehashing no", "no", []string{"+activerehashing no"}},
		{"activerehashing yes", "yes", []string{"=activerehashing yes"}},
		{"timeout 300", "300", []string{"+timeout 300"}},
		{"list-max-ziplist-size -5", "-5", []string{"+list-max-listpack-size -5"}},
		{"maxmemory 3mb", "3145728", []string{"+maxmemory 3mb"}},
		{"maxmemory 1000", "1000", []string{"+maxmemory 1000"}},
		{"maxmemory 18446744073709551615", "18446744073709551615", []string{"+maxmemory -1"}},
		{"repl-backlog-size 1mb", "1048576", []string{"=repl-backlog-size 1mb"}},
		{"maxmemory-clients 10%", "10%", []string{"+maxmemory-clients 10%"}},
		{"maxmemory-clients 0%", "0", []string{"=maxmemory-clients 0"}},
		{"unixsocketperm 0770", "770", []string{"+unixsocketperm 770"}},
		{"hz 0", "1", []string{"+hz 1"}},
		{"dbfilename \"a b\\\"c\"", `a b"c`, []string{`+dbfilename "a b\"c"`}},
		{"dbfilename dump.rdb", "dump.rdb", []string{`=dbfilename "dump.rdb"`}},
		{"logfile \"\"", "", []string{`=logfile ""`}},
		{"masterauth \"\"", "", nil},
		{"masterauth s\x01", "s\x01", []string{`+masterauth "s\x01"`}},
		{"loglevel WARNING", "warning", []string{"+loglevel warning"}},
		{"oom-score-adj relative", "yes", []string{"+oom-score-adj yes"}},
		{"shutdown-on-sigint force now", "now force", []string{"+shutdown-on-sigint now force"}},
		{"shutdown-on-sigint default", "default", []string{"=shutdown-on-sigint default"}},
		{"save 100 1 200 2", "100 1 200 2", []string{"+save 100 1", "+save 200 2"}},
		{"save \"\"", "", []string{`+save ""`}},
		{"client-output-buffer-limit replica 1gb 1000 5",
			"normal 0 0 0 slave 1073741824 1000 5 pubsub 33554432 8388608 60", []string{
				"=client-output-buffer-limit normal 0 0 0",
				"+client-output-buffer-limit replica 1gb 1000 5",
				"=client-output-buffer-limit pubsub 32mb 8mb 60"}},
		{"oom-score-adj-values 0 200 800", "0 200 800", []string{"=oom-score-adj-values 0 200 800"}},
		{"oom-score-adj-values -1 0 1", "-1 0 1", []string{"+oom-score-adj-values -1 0 1"}},
		{"notify-keyspace-events KEA", "AKE", []string{`+notify-keyspace-events "AKE"`}},
		{"notify-keyspace-events \"\"", "", []string{`=notify-keyspace-events ""`}},
		{"bind * -::*", "* -::*", nil},
		{"bind 127.0.0.1", "127.0.0.1", []string{"+bind 127.0.0.1"}},
		{"bind \"\"", "", []string{`+bind ""`}},
		{"slaveof 10.0.0.1 6380", "10.0.0.1 6380", []string{"+replicaof 10.0.0.1 6380"}},
		{"replicaof no one", "", nil},
		{"latency-tracking-info-percentiles 50 99 99.9", "50 99 99.9",
			[]string{"+latency-tracking-info-percentiles 50 99 99.9"}},
		{"latency-tracking-info-percentiles \"\"", "", []string{`+latency-tracking-info-percentiles ""`}},
		{"dir /", "/", []string{`+dir "/"`}},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			c := New()
			require.NoError(t, c.LoadString(tc.line))
			args, err := splitArgs(tc.line)
			require.NoError(t, err)
			p := c.lookup(args[0])
			require.Equal(t, tc.get, c.String(p.name))
			var lines []string
			for _, l := range p.kind.rewrite(c, p.name, c.value(p.name), p.def) {
				mark := "="
				if l.force {
					mark = "+"
				}
				lines = append(lines, mark+l.text)
			}
			require.Equal(t, tc.rewrite, lines)
		})
	}
}

// A replica in a cluster keeps replicaof out of its file.
func TestReplicaOfRewriteInCluster(t *testing.T) {
	c := New()
	require.NoError(t, c.LoadString("replicaof 10.0.0.1 6380\n"))
	c.values.Set("cluster-enabled", true) // the load check forbids the pair
	p := c.lookup("replicaof")
	require.Empty(t, p.kind.rewrite(c, p.name, c.value(p.name), p.def))
}
