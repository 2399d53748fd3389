package db

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppendKeys: the keys cluster mode routes by, as Redis's
// getKeysFromCommand (getkeys_proc or the legacy range), in its order.
func TestAppendKeys(t *testing.T) {
	for line, want := range map[string][]int{
		"GET k":                                    {1},
		"MSET a 1 b 2":                             {1, 3},
		"MSET a 1 b":                               {1, 3},
		"PING":                                     nil,
		"PUBLISH ch m":                             nil,
		"SPUBLISH ch m":                            {1},
		"SSUBSCRIBE a b c":                         {1, 2, 3},
		"SUNSUBSCRIBE":                             nil,
		"OBJECT ENCODING k":                        {2},
		"XINFO STREAM k FULL":                      {2},
		"ZUNIONSTORE d 2 a b WEIGHTS 1 2":          {3, 4, 1},
		"ZUNIONSTORE d 3 a b":                      nil,
		"ZUNIONSTORE d x a b":                      nil,
		"ZINTERCARD 2 a b LIMIT 1":                 {2, 3},
		"EVAL s 2 a b c":                           {3, 4},
		"EVAL s 0":                                 nil,
		"FCALL f 1 a":                              {3},
		"BLMPOP 0 2 a b LEFT":                      {3, 4},
		"LMPOP 1 a LEFT":                           {2},
		"SINTERCARD 2 a b":                         {2, 3},
		"XREAD COUNT 2 STREAMS a b 0 0":            {4, 5},
		"XREAD STREAMS a b 0":                      nil,
		"XREADGROUP GROUP g c NOACK STREAMS a >":   {6},
		"GEORADIUS k 0 0 1 km STORE a STOREDIST b": {1, 9},
		"GEORADIUSBYMEMBER k m 1 km":               {1},
		"SORT k BY x STORE d":                      {1, 5},
		"SORT_RO k BY x":                           {1},
		"SET k v GET":                              {1},
		"BITFIELD k GET u8 0":                      {1},
		"MIGRATE h 1 k 0 10":                       {3},
		"MIGRATE h 1 \"\" 0 10 AUTH p KEYS a b":    {9, 10},
	} {
		argv := kargs(strings.Fields(line)...)
		for i, a := range argv {
			if string(a) == `""` {
				argv[i] = nil
			}
		}
		var got []int
		if proc := keysProcs[strings.ToLower(string(argv[0]))]; proc != nil {
			got = proc(nil, argv) // EVAL, FCALL, MIGRATE are registered elsewhere
		} else {
			cmd := lookupCommand(argv)
			require.NotNil(t, cmd, line)
			got = cmd.AppendKeys(nil, argv)
		}
		if len(want) == 0 {
			require.Empty(t, got, line)
		} else {
			require.Equal(t, want, got, line)
		}
	}
}

func TestAtoi(t *testing.T) {
	for s, want := range map[string]int64{"": 0, "12": 12, " 7x": 7, "-3": -3, "+4": 4, "x": 0} {
		require.Equal(t, want, atoi([]byte(s)), s)
	}
	require.Greater(t, atoi([]byte("99999999999999999999999")), int64(1<<40))
}
