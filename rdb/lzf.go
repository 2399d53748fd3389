package rdb

import "github.com/redis-go/redis-server/internal/lzf"

// LZF is the compression Redis uses for long strings in RDB files; the
// algorithm lives in internal/lzf, shared with the quicklist's compressed
// nodes.

// LZFCompress compresses in into at most maxOut bytes and returns nil when
// the result does not fit (Redis stores the string plain then), as
// lzf_compress.
func LZFCompress(in []byte, maxOut int) []byte { return lzf.Compress(in, maxOut) }

// LZFDecompress expands in to exactly outLen bytes.
func LZFDecompress(in []byte, outLen int) ([]byte, error) { return lzf.Decompress(in, outLen) }
