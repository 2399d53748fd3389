package tests

// The command set against real Redis 7.0: COMMAND LIST holds the same
// names, and COMMAND INFO and COMMAND DOCS of every command are equal.

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCommandListLikeRedis(t *testing.T) {
	ctx := context.Background()
	real := startNode(t, tool(t, "redis-server")).client(t, 2)
	ours := startServer(t).client(t, 2)
	names := func(t *testing.T, do func(...any) ([]any, error)) []string {
		v, err := do("COMMAND", "LIST")
		require.NoError(t, err)
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		slices.Sort(out)
		return out
	}
	want := names(t, func(a ...any) ([]any, error) { return real.Do(ctx, a...).Slice() })
	got := names(t, func(a ...any) ([]any, error) { return ours.Do(ctx, a...).Slice() })
	var missing, extra []string
	for _, n := range want {
		if !slices.Contains(got, n) {
			missing = append(missing, n)
		}
	}
	for _, n := range got {
		if !slices.Contains(want, n) {
			extra = append(extra, n)
		}
	}
	require.Empty(t, missing, "commands of Redis 7.0.15 missing here")
	require.Empty(t, extra, "commands Redis 7.0.15 does not have")

	var top []any
	for _, n := range got {
		if !strings.Contains(n, "|") {
			top = append(top, n)
		}
	}
	for _, sub := range []string{"INFO", "DOCS"} {
		w, err := real.Do(ctx, append([]any{"COMMAND", sub}, top...)...).Result()
		require.NoError(t, err)
		g, err := ours.Do(ctx, append([]any{"COMMAND", sub}, top...)...).Result()
		require.NoError(t, err)
		// Subcommands come in the order of a hash table: sorted here.
		require.Equal(t, canonicalCommands(w), canonicalCommands(g), "COMMAND %s", sub)
	}
}

// canonicalCommands sorts, at every level of a COMMAND INFO or COMMAND
// DOCS reply (RESP2), the subcommands by name.
func canonicalCommands(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(arr))
	for i, x := range arr {
		out[i] = canonicalCommands(x)
	}
	// COMMAND INFO: an entry's tenth element lists its subcommands.
	if len(out) == 10 {
		_, named := out[0].(string)
		_, arity := out[1].(int64)
		if subs, ok := out[9].([]any); ok && named && arity && allArrays(subs) {
			{
				slices.SortFunc(subs, func(a, b any) int {
					return strings.Compare(a.([]any)[0].(string), b.([]any)[0].(string))
				})
			}
		}
	}
	// COMMAND DOCS: a doc is a flat key/value list; its "subcommands"
	// value is a flat name/doc list.
	for i := 0; i+1 < len(out); i += 2 {
		if k, ok := out[i].(string); ok && k == "subcommands" {
			if subs, ok := out[i+1].([]any); ok {
				out[i+1] = sortPairs(subs)
			}
		}
	}
	return out
}

func allArrays(v []any) bool {
	for _, x := range v {
		if _, ok := x.([]any); !ok {
			return false
		}
	}
	return true
}

func sortPairs(flat []any) []any {
	type pair struct{ k, v any }
	var ps []pair
	for i := 0; i+1 < len(flat); i += 2 {
		ps = append(ps, pair{flat[i], flat[i+1]})
	}
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(a.k.(string), b.k.(string)) })
	out := make([]any, 0, len(flat))
	for _, p := range ps {
		out = append(out, p.k, p.v)
	}
	return out
}
