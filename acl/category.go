package acl

// Categories are Redis's ACL command categories, in Redis's order: the
// order of ACL CAT and the order in which a selector's description tries
// them.
var Categories = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// CategoryFlag returns the bit of a category name (without '@', any case),
// 0 if there is no such category.
func CategoryFlag(name string) uint64 {
	for i, c := range Categories {
		if len(c) == len(name) && equalFold(c, name) {
			return 1 << i
		}
	}
	return 0
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
