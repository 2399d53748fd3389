package rdb

import "hash/crc64"

// Redis checksums RDB files and DUMP payloads with CRC-64/Jones: polynomial
// 0xad93d23594c935a9, reflected, initial value 0 and no final inversion.
// Go's hash/crc64 inverts before and after, so the inversions are undone.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5) // the polynomial, bit-reversed

// CRC64 extends crc with p.
func CRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
