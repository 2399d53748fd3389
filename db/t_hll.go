// HyperLogLog: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, as Redis's
// hyperloglog.c, down to the bytes: an HLL is a plain string value, so GET,
// DUMP and replication carry Redis's exact representation.
//
// The string starts with a 16 byte header: "HYLL", the encoding (0 dense, 1
// sparse), three unused bytes and the cached cardinality, 8 bytes little
// endian whose top bit set means "stale". The 16384 registers of 6 bits
// follow, either packed (dense, 12288 bytes, LSB first) or run-length coded
// (sparse) with three opcodes:
//
//	ZERO  00xxxxxx           xxxxxx+1 registers at 0 (1..64)
//	XZERO 01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 registers at 0 (1..16384)
//	VAL   1vvvvvxx           xx+1 registers at vvvvv+1 (1..4 at 1..32)
//
// A new HLL is sparse; it turns dense when a register exceeds 32 or the
// string would grow past hll-sparse-max-bytes.
//
// Values are modified in place, as Redis does, except while a snapshot may
// share them (COW.Live): then a copy is modified and stored.

package db

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
)

func init() {
	register("pfadd", pfaddCommand)
	register("pfcount", pfcountCommand)
	register("pfmerge", pfmergeCommand)
	register("pfdebug", pfdebugCommand)
	register("pfselftest", pfselftestCommand)
}

const (
	hllP         = 14
	hllQ         = 64 - hllP // bits of the hash counted for the run of zeroes
	hllRegisters = 1 << hllP
	hllPMask     = hllRegisters - 1
	hllBits      = 6
	hllRegMax    = 1<<hllBits - 1
	hllHdrSize   = 16
	hllDenseSize = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense     = 0
	hllSparse    = 1
	hllRaw       = 255 // one byte a register, internal only (PFCOUNT of several keys)
	hllMaxEnc    = hllSparse

	hllSparseValMaxValue = 32
	hllSparseValMaxLen   = 4
	hllSparseZeroMaxLen  = 64
	hllSparseXZeroMaxLen = 16384

	hllAlphaInf = 0.721347520444481703680 // 0.5/ln(2)
)

const (
	errHLLWrongType = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLInvalid   = "INVALIDOBJ Corrupted HLL object detected"
)

// murmurHash64A is MurmurHash2, 64 bit version, reading the input as little
// endian words on any architecture, as Redis's.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element hashes to and the length of
// the 000..1 pattern of the rest of its hash (1..hllQ+1).
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmurHash64A(ele, 0xadc83b19)
	index = int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ // the loop in Redis ends here at the latest
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// Dense registers: 6 bits each, LSB first. A register starting at bit 0
// or 2 of its byte fits in it; at bit 4 or 6 it spills into the next one.

func hllDenseGet(regs []byte, i int) uint8 {
	b, fb := i*hllBits/8, uint(i*hllBits&7)
	v := uint(regs[b]) >> fb
	if fb > 8-hllBits {
		v |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegMax)
}

func hllDenseSetReg(regs []byte, i int, val uint8) {
	b, fb := i*hllBits/8, uint(i*hllBits&7)
	v := uint(val)
	regs[b] &^= byte(hllRegMax << fb)
	regs[b] |= byte(v << fb)
	if fb > 8-hllBits {
		regs[b+1] &^= byte(hllRegMax >> (8 - fb))
		regs[b+1] |= byte(v >> (8 - fb))
	}
}

// hllDenseSet raises register i to count and reports whether it changed.
func hllDenseSet(regs []byte, i int, count uint8) bool {
	if count > hllDenseGet(regs, i) {
		hllDenseSetReg(regs, i, count)
		return true
	}
	return false
}

func hllDenseRegHisto(regs []byte, histo *[64]int) {
	for i := 0; i < hllRegisters; i++ {
		histo[hllDenseGet(regs, i)]++
	}
}

// Sparse opcodes.

func sparseIsZero(op byte) bool  { return op&0xc0 == 0 }
func sparseIsXZero(op byte) bool { return op&0xc0 == 0x40 }
func sparseIsVal(op byte) bool   { return op&0x80 != 0 }
func sparseZeroLen(op byte) int  { return int(op&0x3f) + 1 }
func sparseValValue(op byte) int { return int(op>>2&0x1f) + 1 }
func sparseValLen(op byte) int   { return int(op&3) + 1 }

// sparseXZeroLen reads the XZERO at h[p]; a truncated one reads its second
// byte as 0, as the NUL ending an sds does in Redis.
func sparseXZeroLen(h []byte, p int) int {
	lo := 0
	if p+1 < len(h) {
		lo = int(h[p+1])
	}
	return (int(h[p]&0x3f)<<8 | lo) + 1
}

func sparseVal(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

func appendSparseZeros(seq []byte, n int) []byte {
	if n > hllSparseZeroMaxLen {
		return append(seq, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
	}
	return append(seq, byte(n-1))
}

// newHLL returns an empty HLL: sparse, one XZERO covering every register,
// a valid cached cardinality of 0.
func newHLL() []byte {
	// A raw string, as Redis's createHLLObject makes.
	h := make([]byte, hllHdrSize, max(rawMinCap, hllHdrSize+2*((hllRegisters+hllSparseXZeroMaxLen-1)/hllSparseXZeroMaxLen)))
	copy(h, "HYLL")
	h[4] = hllSparse
	for left := hllRegisters; left > 0; {
		n := min(left, hllSparseXZeroMaxLen)
		h = append(h, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
		left -= n
	}
	return h
}

func hllInvalidateCache(h []byte) { h[15] |= 0x80 }

func hllValidCache(h []byte) bool { return h[15]&0x80 == 0 }

// hllSparseToDense returns the dense form of a sparse HLL, keeping its
// header (and so its cached cardinality); ok is false if the sparse data is
// invalid. A dense HLL is returned as is.
func hllSparseToDense(h []byte) ([]byte, bool) {
	if h[4] == hllDense {
		return h, true
	}
	d := make([]byte, hllDenseSize)
	copy(d, h[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(h); {
		switch op := h[p]; {
		case sparseIsZero(op):
			idx += sparseZeroLen(op)
			p++
		case sparseIsXZero(op):
			idx += sparseXZeroLen(h, p)
			p += 2
		default:
			n, v := sparseValLen(op), sparseValValue(op)
			if idx+n > hllRegisters {
				return h, false
			}
			for ; n > 0; n-- {
				hllDenseSetReg(regs, idx, uint8(v))
				idx++
			}
			p++
		}
	}
	if idx != hllRegisters {
		return h, false
	}
	return d, true
}

// hllSparseSet raises register index of the sparse HLL h to count. It
// returns the HLL (grown, or promoted to dense when count does not fit the
// sparse form or the string would exceed maxBytes) and 1 if the register
// changed, 0 if not, -1 if h is corrupt. It follows Redis's hllSparseSet
// step by step, so that the bytes are the same.
func hllSparseSet(h []byte, index int, count uint8, maxBytes int) ([]byte, int) {
	if count > hllSparseValMaxValue {
		return hllPromote(h, index, count)
	}

	// Step 1: find the opcode covering the register.
	p, end := hllHdrSize, len(h)
	first, span, prev := 0, 0, -1
	for p < end {
		oplen := 1
		switch op := h[p]; {
		case sparseIsZero(op):
			span = sparseZeroLen(op)
		case sparseIsVal(op):
			span = sparseValLen(op)
		default:
			span = sparseXZeroLen(h, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return h, -1
	}
	op := h[p]
	oplen := 1
	if sparseIsXZero(op) {
		oplen = 2
		if p+2 > end {
			return h, -1 // truncated XZERO
		}
	}

	// Step 2: the trivial updates in place.
	switch {
	case sparseIsVal(op):
		if sparseValValue(op) >= int(count) {
			return h, 0
		}
		if sparseValLen(op) == 1 {
			h[p] = sparseVal(int(count), 1)
			return hllSparseMerge(h, prev), 1
		}
	case sparseIsZero(op) && sparseZeroLen(op) == 1:
		h[p] = sparseVal(int(count), 1)
		return hllSparseMerge(h, prev), 1
	}

	// Otherwise split the opcode into up to three (XZERO-VAL-XZERO at
	// worst): the registers before ours, ours, the registers after it.
	var buf [5]byte
	seq := buf[:0]
	last := first + span - 1
	if sparseIsVal(op) {
		cur := sparseValValue(op)
		if index != first {
			seq = append(seq, sparseVal(cur, index-first))
		}
		seq = append(seq, sparseVal(int(count), 1))
		if index != last {
			seq = append(seq, sparseVal(cur, last-index))
		}
	} else {
		if index != first {
			seq = appendSparseZeros(seq, index-first)
		}
		seq = append(seq, sparseVal(int(count), 1))
		if index != last {
			seq = appendSparseZeros(seq, last-index)
		}
	}

	// Step 3: put the new sequence in place of the old opcode.
	delta := len(seq) - oplen
	if delta > 0 && len(h)+delta > maxBytes {
		return hllPromote(h, index, count)
	}
	switch {
	case delta > 0:
		h = append(h, seq[:delta]...)
		copy(h[p+len(seq):], h[p+oplen:end])
	case delta < 0:
		copy(h[p+len(seq):], h[p+oplen:])
		h = h[:len(h)+delta]
	}
	copy(h[p:], seq)
	return hllSparseMerge(h, prev), 1
}

// hllSparseMerge is step 4 of hllSparseSet: merge adjacent VAL opcodes of
// the same value, scanning up to 5 opcodes from the one before the change,
// and mark the cached cardinality stale.
func hllSparseMerge(h []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHdrSize
	}
	end := len(h)
	for scan := 5; p < end && scan > 0; {
		scan--
		switch {
		case sparseIsXZero(h[p]):
			p += 2
			continue
		case sparseIsZero(h[p]):
			p++
			continue
		}
		if p+1 < end && sparseIsVal(h[p+1]) {
			v := sparseValValue(h[p])
			if n := sparseValLen(h[p]) + sparseValLen(h[p+1]); v == sparseValValue(h[p+1]) && n <= hllSparseValMaxLen {
				h[p+1] = sparseVal(v, n)
				copy(h[p:], h[p+1:end])
				end--
				h = h[:end]
				continue // the merged opcode may merge with the next
			}
		}
		p++
	}
	hllInvalidateCache(h)
	return h
}

// hllPromote turns a sparse HLL dense to set a register it cannot hold.
func hllPromote(h []byte, index int, count uint8) ([]byte, int) {
	d, ok := hllSparseToDense(h)
	if !ok {
		return h, -1
	}
	hllDenseSet(d[hllHdrSize:], index, count)
	return d, 1
}

func hllSparseRegHisto(sparse []byte, histo *[64]int) (valid bool) {
	idx := 0
	for p := 0; p < len(sparse); {
		switch op := sparse[p]; {
		case sparseIsZero(op):
			n := sparseZeroLen(op)
			idx += n
			histo[0] += n
			p++
		case sparseIsXZero(op):
			n := sparseXZeroLen(sparse, p)
			idx += n
			histo[0] += n
			p += 2
		default:
			n := sparseValLen(op)
			idx += n
			histo[sparseValValue(op)] += n
			p++
		}
	}
	return idx == hllRegisters
}

// hllSigma and hllTau are the helpers of Ertl's estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches").
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += x * y
		y += y
		if zPrime == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if zPrime == z {
			return z / 3
		}
	}
}

// hllCount estimates the cardinality of the registers of h, whose encoding
// is enc (hllRaw: one byte a register). valid is false for corrupt sparse
// data.
func hllCount(regs []byte, enc byte) (card uint64, valid bool) {
	var histo [64]int
	valid = true
	switch enc {
	case hllDense:
		hllDenseRegHisto(regs, &histo)
	case hllSparse:
		valid = hllSparseRegHisto(regs, &histo)
	case hllRaw:
		for _, r := range regs[:hllRegisters] {
			histo[r&63]++
		}
	}
	m := float64(hllRegisters)
	z := m * hllTau((m-float64(histo[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += m * hllSigma(float64(histo[0])/m)
	return uint64(math.Round(hllAlphaInf * m * m / z)), valid
}

// hllAdd adds an element to h: see hllSparseSet for the results.
func hllAdd(h []byte, ele []byte, maxBytes int) ([]byte, int) {
	index, count := hllPatLen(ele)
	switch h[4] {
	case hllDense:
		if hllDenseSet(h[hllHdrSize:], index, count) {
			return h, 1
		}
		return h, 0
	case hllSparse:
		return hllSparseSet(h, index, count, maxBytes)
	}
	return h, -1
}

// hllMerge raises max[i] to each register of h; false if h is corrupt.
func hllMerge(max []byte, h []byte) bool {
	if h[4] == hllDense {
		regs := h[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			if v := hllDenseGet(regs, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	i := 0
	for p := hllHdrSize; p < len(h); {
		switch op := h[p]; {
		case sparseIsZero(op):
			i += sparseZeroLen(op)
			p++
		case sparseIsXZero(op):
			i += sparseXZeroLen(h, p)
			p += 2
		default:
			n, v := sparseValLen(op), byte(sparseValValue(op))
			if i+n > hllRegisters {
				return false
			}
			for ; n > 0; n-- {
				if v > max[i] {
					max[i] = v
				}
				i++
			}
			p++
		}
	}
	return i == hllRegisters
}

// hllValue checks that v is a valid HLL string (Redis's isHLLObjectOrReply)
// and replies with the error if not.
func hllValue(c *Client, v any) ([]byte, bool) {
	switch h := v.(type) {
	case []byte:
		if len(h) >= hllHdrSize && string(h[:4]) == "HYLL" && h[4] <= hllMaxEnc &&
			(h[4] != hllDense || len(h) == hllDenseSize) {
			return h, true
		}
	case int64:
	default:
		c.Error(ErrWrongType)
		return nil, false
	}
	c.Error(errHLLWrongType)
	return nil, false
}

// unshareHLL is Redis's dbUnshareStringValue for the HLL h under key,
// which every PFADD, PFCOUNT, PFMERGE (of its destination) and PFDEBUG
// does first: it returns h itself when h is a raw string no snapshot
// shares, else a raw copy that it stores under key without signaling. So
// the key's OBJECT ENCODING is raw from then on, as in Redis, even when the
// command changes nothing (an HLL loaded from an RDB is embstr up to 44
// bytes).
func (c *Client) unshareHLL(key, h []byte) []byte {
	if cap(h) >= rawMinCap && !snapshotLive(c.DB) {
		return h
	}
	cp := make([]byte, len(h), max(len(h)+3, rawMinCap))
	copy(cp, h)
	c.DB.replace(key, cp)
	return cp
}

func (s *Server) hllSparseMaxBytes() int {
	return int(s.Config.Int("hll-sparse-max-bytes"))
}

func pfaddCommand(c *Client) {
	s, key := c.srv, c.Argv[1]
	v := c.DB.LookupWrite(key)
	var h []byte
	updated := 0
	if v == nil {
		h = newHLL()
		updated++
	} else {
		var ok bool
		if h, ok = hllValue(c, v); !ok {
			return
		}
		h = c.unshareHLL(key, h)
	}
	maxBytes := s.hllSparseMaxBytes()
	for _, ele := range c.Argv[2:] {
		var r int
		h, r = hllAdd(h, ele, maxBytes)
		switch r {
		case 1:
			updated++
		case -1:
			if v != nil {
				c.DB.replace(key, h) // Redis changed it in place
			}
			c.Error(errHLLInvalid)
			return
		}
	}
	if updated > 0 {
		hllInvalidateCache(h)
		if v == nil {
			c.DB.Add(key, h)
		} else {
			c.DB.Overwrite(key, h)
		}
		s.notifyKeyspaceEvent(NotifyString, "pfadd", key, c.DB.ID)
		s.Dirty += int64(updated)
		c.Int(1)
		return
	}
	c.Int(0)
}

func pfcountCommand(c *Client) {
	if len(c.Argv) > 2 {
		pfcountUnion(c)
		return
	}
	s, key := c.srv, c.Argv[1]
	v := c.DB.LookupRead(key)
	if v == nil {
		c.Int(0)
		return
	}
	h, ok := hllValue(c, v)
	if !ok {
		return
	}
	h = c.unshareHLL(key, h)
	if hllValidCache(h) {
		c.Int(int64(binary.LittleEndian.Uint64(h[8:16])))
		return
	}
	card, valid := hllCount(h[hllHdrSize:], h[4])
	if !valid {
		c.Error(errHLLInvalid)
		return
	}
	// Caching the cardinality changes the string: it is a write, to
	// propagate, even though PFCOUNT is a read-only command.
	binary.LittleEndian.PutUint64(h[8:16], card)
	c.DB.Overwrite(key, h)
	s.Dirty++
	c.Int(int64(card))
}

// pfcountUnion is PFCOUNT of several keys: the cardinality of their union,
// computed on a merged copy, with no cache.
func pfcountUnion(c *Client) {
	max := make([]byte, hllRegisters)
	for _, key := range c.Argv[1:] {
		v := c.DB.LookupRead(key)
		if v == nil {
			continue
		}
		h, ok := hllValue(c, v)
		if !ok {
			return
		}
		if !hllMerge(max, h) {
			c.Error(errHLLInvalid)
			return
		}
	}
	card, _ := hllCount(max, hllRaw)
	c.Int(int64(card))
}

func pfmergeCommand(c *Client) {
	s, db, dest := c.srv, c.DB, c.Argv[1]
	max := make([]byte, hllRegisters)
	useDense := false
	for _, key := range c.Argv[1:] {
		v := db.LookupRead(key)
		if v == nil {
			continue
		}
		h, ok := hllValue(c, v)
		if !ok {
			return
		}
		if h[4] == hllDense {
			useDense = true
		}
		if !hllMerge(max, h) {
			c.Error(errHLLInvalid)
			return
		}
	}
	v := db.LookupWrite(dest)
	var h []byte
	if v == nil {
		h = newHLL()
	} else {
		// Checked above as a source, unless a replica hid it as expired.
		var ok bool
		if h, ok = hllValue(c, v); !ok {
			return
		}
		h = c.unshareHLL(dest, h)
	}
	if useDense {
		var ok bool
		if h, ok = hllSparseToDense(h); !ok {
			c.Error(errHLLInvalid)
			return
		}
	}
	maxBytes := s.hllSparseMaxBytes()
	for i, m := range max {
		if m == 0 {
			continue
		}
		if h[4] == hllDense {
			hllDenseSet(h[hllHdrSize:], i, m)
		} else {
			h, _ = hllSparseSet(h, i, m, maxBytes)
		}
	}
	hllInvalidateCache(h)
	if v == nil {
		db.Add(dest, h)
	} else {
		db.Overwrite(dest, h)
	}
	// A merge is a mass add: its event is pfadd.
	s.notifyKeyspaceEvent(NotifyString, "pfadd", dest, db.ID)
	s.Dirty++
	c.OK()
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
func pfdebugCommand(c *Client) {
	s, key := c.srv, c.Argv[2]
	v := c.DB.LookupWrite(key)
	if v == nil {
		c.Error("ERR The specified key does not exist")
		return
	}
	h, ok := hllValue(c, v)
	if !ok {
		return
	}
	h = c.unshareHLL(key, h)
	sub := c.Arg(1)
	switch strings.ToLower(sub) {
	case "getreg":
		if h[4] == hllSparse {
			if h, ok = hllSparseToDense(h); !ok {
				c.Error(errHLLInvalid)
				return
			}
			// The encoding changes: force propagation, but this is no
			// change for WATCH.
			c.DB.replace(key, h)
			s.Dirty++
		}
		regs := h[hllHdrSize:]
		c.ArrayLen(hllRegisters)
		for i := 0; i < hllRegisters; i++ {
			c.Int(int64(hllDenseGet(regs, i)))
		}
	case "decode":
		if h[4] != hllSparse {
			c.Error("ERR HLL encoding is not sparse")
			return
		}
		var b strings.Builder
		for p := hllHdrSize; p < len(h); {
			switch op := h[p]; {
			case sparseIsZero(op):
				fmt.Fprintf(&b, "z:%d ", sparseZeroLen(op))
				p++
			case sparseIsXZero(op):
				fmt.Fprintf(&b, "Z:%d ", sparseXZeroLen(h, p))
				p += 2
			default:
				fmt.Fprintf(&b, "v:%d,%d ", sparseValValue(op), sparseValLen(op))
				p++
			}
		}
		c.BulkString(strings.TrimRight(b.String(), " "))
	case "encoding":
		if h[4] == hllDense {
			c.Status("dense")
		} else {
			c.Status("sparse")
		}
	case "todense":
		if h[4] != hllSparse {
			c.Int(0)
			return
		}
		if h, ok = hllSparseToDense(h); !ok {
			c.Error(errHLLInvalid)
			return
		}
		c.DB.replace(key, h)
		s.Dirty++
		c.Int(1)
	default:
		c.Error("ERR Unknown PFDEBUG subcommand '" + sub + "'")
	}
}

// PFSELFTEST checks the register access and the estimator, as Redis's:
// random register values read back intact, and for cardinalities 1, 10,
// ..., 10^7 the sparse and dense forms agree and the error stays within
// six standard errors.
func pfselftestCommand(c *Client) {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	var want [hllRegisters]uint8
	for cycle := 0; cycle < 1000; cycle++ {
		for i := range want {
			want[i] = uint8(rand.IntN(hllRegMax + 1))
			hllDenseSetReg(regs, i, want[i])
		}
		for i, w := range want {
			if got := hllDenseGet(regs, i); got != w {
				c.Error(fmt.Sprintf("TESTFAILED Register %d should be %d but is %d", i, w, got))
				return
			}
		}
	}

	clear(regs)
	sparse := newHLL()
	maxBytes := c.srv.hllSparseMaxBytes()
	relerr := 1.04 / math.Sqrt(hllRegisters)
	checkpoint := int64(1)
	seed := rand.Uint64()
	var ele [8]byte
	for j := int64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := hllPatLen(ele[:])
		hllDenseSet(regs, index, count)
		sparse, _ = hllAdd(sparse, ele[:], maxBytes)
		if j != checkpoint {
			continue
		}
		if j < int64(maxBytes/2) && sparse[4] != hllSparse {
			c.Error("TESTFAILED sparse encoding not used")
			return
		}
		dense, _ := hllCount(regs, hllDense)
		if other, _ := hllCount(sparse[hllHdrSize:], sparse[4]); dense != other {
			c.Error("TESTFAILED dense/sparse disagree")
			return
		}
		abserr := checkpoint - int64(dense)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1 // collisions make a bigger error likely at 10
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			c.Error(fmt.Sprintf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, abserr))
			return
		}
		checkpoint *= 10
	}
	c.OK()
}
