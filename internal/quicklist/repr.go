package quicklist

import (
	"bytes"
	"fmt"
	"io"
)

// Repr writes what Redis's quicklistRepr prints (DEBUG QUICKLIST <key>
// [<0|1>] prints it on stdout): the list's header, each node's container,
// encoding and sizes and, when full, its entries (lpRepr, or a plain
// node's element up to its first NUL, as printf's %s). A compressed node
// is shown decompressed and stays compressed. Nodes are never compressed
// just to see whether it is worth it, as in a build without REDIS_TEST:
// attempted_compress is 0.
func (q *Quicklist) Repr(w io.Writer, full bool) {
	fmt.Fprintf(w, "{count : %d}\n{len : %d}\n{fill : %d}\n{compress : %d}\n{bookmark_count : 0}\n",
		q.count, len(q.nodes), q.fill, q.compress)
	for i, n := range q.nodes {
		container, encoding, recompress := "PACKED", "RAW", 0
		if n.plain {
			container = "PLAIN"
		}
		if n.lzf != nil {
			encoding = "LZF"
		}
		if n.recompress {
			recompress = 1
		}
		fmt.Fprintf(w, "{quicklist node(%d)\n{container : %s, encoding: %s, size: %d, count: %d, recompress: %d, attempted_compress: 0}\n",
			i, container, encoding, n.size(), n.entries(), recompress)
		if !full {
			continue
		}
		lp := n.view()
		if n.plain {
			s, v, isInt := lp.Get(lp.First())
			if isInt {
				s = fmt.Append(nil, v)
			}
			if j := bytes.IndexByte(s, 0); j >= 0 {
				s = s[:j]
			}
			fmt.Fprintf(w, "{ entry : %s }\n", s)
		} else {
			fmt.Fprint(w, "{ listpack:\n")
			lp.Repr(w)
			fmt.Fprint(w, "}\n")
		}
		fmt.Fprint(w, "}\n")
	}
}
