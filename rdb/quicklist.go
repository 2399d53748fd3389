package rdb

import "github.com/redis-go/redis-server/db"

// writeQuicklist writes a list as rdbSaveObject does
// (RDB_TYPE_LIST_QUICKLIST_2): the node count, then each node's container
// (plain or packed) and its bytes, a compressed node (list-compress-depth)
// as the LZF blob it holds, whatever rdbcompression says.
func writeQuicklist(e *Encoder, v *db.List) {
	e.Len(uint64(v.NodeCount()))
	for i := 0; i < v.NodeCount(); i++ {
		plain, raw, lzf, sz := v.NodeData(i)
		if plain {
			e.Len(quicklistNodePlain)
		} else {
			e.Len(quicklistNodePacked)
		}
		if lzf != nil {
			e.LZFBlob(lzf, sz)
		} else {
			e.String(raw)
		}
	}
}
