// Package keyslot maps a key to its Redis Cluster hash slot, as Redis's
// keyHashSlot (cluster.c): the CRC16 of the key, or of its hash tag, the
// part between the first '{' and the next '}' when that part is not
// empty, modulo 16384. Keys that share a hash tag share a slot, which is
// how a multi-key command can work in cluster mode.
package keyslot

// Slots is the number of hash slots.
const Slots = 16384

// Slot returns the hash slot of key.
func Slot(key []byte) int { return slot(key) }

// SlotString returns the hash slot of key.
func SlotString(key string) int { return slot(key) }

func slot[T ~string | ~[]byte](key T) int {
	s := 0
	for s < len(key) && key[s] != '{' {
		s++
	}
	if s < len(key) {
		e := s + 1
		for e < len(key) && key[e] != '}' {
			e++
		}
		if e < len(key) && e > s+1 {
			key = key[s+1 : e]
		}
	}
	return int(crc16(key) & (Slots - 1))
}

// CRC16 is Redis's crc16 (crc16.c): the XMODEM variant, polynomial
// 0x1021, initial value 0, no reflection, no final xor.
func CRC16(b []byte) uint16 { return crc16(b) }

func crc16[T ~string | ~[]byte](b T) uint16 {
	var crc uint16
	for i := 0; i < len(b); i++ {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^b[i]]
	}
	return crc
}

// crcTable holds the CRC of every byte value, computed once.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()
