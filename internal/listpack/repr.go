package listpack

import (
	"fmt"
	"io"
	"strconv"
)

// Repr writes what Redis's lpRepr prints of a listpack (DEBUG QUICKLIST
// <key> 1 prints it on stdout for each node): the totals, then each entry's
// address, offset, sizes, bytes and value. The addresses are ours.
func (lp *Listpack) Repr(w io.Writer) {
	fmt.Fprintf(w, "{total bytes %d} {num entries %d}\n", len(lp.b), lp.n)
	index := 0
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		s, n, isInt, size := lp.get(p)
		backlen := lpBacklenSize(size)
		hdr := 1
		switch c := lp.b[p]; {
		case c&0xF0 == 0xE0:
			hdr = 2
		case c == 0xF0:
			hdr = 5
		}
		fmt.Fprintf(w, "{\n\taddr: %p,\n\tindex: %2d,\n\toffset: %1d,\n\thdr+entrylen+backlen: %2d,\n\thdrlen: %3d,\n\tbacklen: %2d,\n\tpayload: %1d\n",
			&lp.b[p], index, p, size+backlen, hdr, backlen, size-hdr)
		fmt.Fprint(w, "\tbytes: ")
		for _, b := range lp.b[p : p+size+backlen] {
			fmt.Fprintf(w, "%02x|", b)
		}
		fmt.Fprint(w, "\n\t[str]")
		if isInt {
			s = strconv.AppendInt(nil, n, 10)
		}
		if len(s) > 40 {
			w.Write(s[:40])
			fmt.Fprint(w, "...")
		} else {
			w.Write(s)
		}
		fmt.Fprint(w, "\n}\n")
		index++
	}
	fmt.Fprint(w, "{end}\n\n")
}
