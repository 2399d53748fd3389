// The slot-to-keys index of cluster mode: for each of the 16384 hash
// slots, how many keys of DB 0 hash to it and which they are, so that
// CLUSTER COUNTKEYSINSLOT answers at once and CLUSTER GETKEYSINSLOT and a
// node losing a slot (DelKeysInSlot) visit the keys of one slot only.
//
// Redis 7.0 threads a doubly linked list per slot through its dict
// entries (slotToKeyAddEntry), newest key first, at 16 bytes per key. The
// dict here has no room for links, so the index keeps per slot the keys
// in the order they were added, as strings sharing the dict's key bytes
// (16 bytes a key), and lets a deleted key's string stay as a stale
// entry: a count per slot is exact, the list is cleaned when its stale
// entries outnumber the live keys (amortized O(1) a deletion, the list
// at most twice the keys plus a few). A key deleted and added again
// appears twice; its newest entry is the live one. Reading the list from
// its end, skipping stale entries, gives Redis's order: newest first.
//
// The index exists only in cluster mode, only for DB 0 (and the DB 0 of a
// load that will replace it); every change of the key set (DB.Add, Set,
// LoadAdd, delete, Flush, the swap of a load) updates it behind one nil
// check.

package db

import (
	"slices"

	"github.com/redis-go/redis-server/internal/keyslot"
)

// slotIndex is DB 0's keys by hash slot.
type slotIndex struct {
	count [keyslot.Slots]int32
	keys  [keyslot.Slots][]string // in order added, with stale entries
}

// slotCompactSlack is how many stale entries a slot's list may hold
// beyond as many as its live keys before it is cleaned.
const slotCompactSlack = 8

// slotAdded records a key just added to db, shared with the dict.
func (db *DB) slotAdded(key []byte) {
	e := db.keys.FindEntry(bstr(key))
	k := e.Key()
	slot := keyslot.SlotString(k)
	ix := db.slots
	ix.count[slot]++
	ix.keys[slot] = append(ix.keys[slot], k)
}

// slotDeleted records that key left db.
func (db *DB) slotDeleted(key []byte) {
	slot := keyslot.Slot(key)
	ix := db.slots
	ix.count[slot]--
	switch n := int(ix.count[slot]); {
	case n == 0:
		ix.keys[slot] = nil
	case len(ix.keys[slot]) > 2*n+slotCompactSlack:
		ix.keys[slot] = db.slotKeys(slot, n, make([]string, 0, n))
		slices.Reverse(ix.keys[slot])
	}
}

// slotKeys appends to dst up to max keys of slot, newest first, skipping
// stale entries: keys gone, and older entries of keys added again.
func (db *DB) slotKeys(slot, max int, dst []string) []string {
	ix := db.slots
	list := ix.keys[slot]
	clean := len(list) == int(ix.count[slot]) // no stale entry: no checks
	var seen map[string]struct{}
	for i := len(list) - 1; i >= 0 && len(dst) < max; i-- {
		k := list[i]
		if !clean {
			if _, ok := db.keys.Find(k); !ok {
				continue
			}
			if seen == nil {
				seen = map[string]struct{}{}
			}
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
		}
		dst = append(dst, k)
	}
	return dst
}

// ClusterEnabled reports cluster mode (cluster-enabled yes).
func (s *Server) ClusterEnabled() bool { return s.clusterEnabled }

// CountKeysInSlot returns the number of keys in slot, logically expired
// ones included (CLUSTER COUNTKEYSINSLOT); 0 for a database without an
// index (outside cluster mode, or not DB 0).
func (db *DB) CountKeysInSlot(slot int) int {
	if db.slots == nil {
		return 0
	}
	return int(db.slots.count[slot])
}

// KeysInSlot returns up to max keys in slot, newest first as Redis's
// getKeysInSlot (CLUSTER GETKEYSINSLOT).
func (db *DB) KeysInSlot(slot, max int) []string {
	if db.slots == nil || db.slots.count[slot] == 0 || max <= 0 {
		return nil
	}
	return db.slotKeys(slot, max, make([]string, 0, min(max, int(db.slots.count[slot]))))
}

// DelKeysInSlot deletes the keys in slot and returns how many there were,
// as Redis 7.0's delKeysInSlot when the node loses the slot: a plain
// dbDelete of each, newest first, neither propagated nor notified nor
// signalled to WATCH.
func (db *DB) DelKeysInSlot(slot int) int {
	if db.slots == nil {
		return 0
	}
	keys := db.slotKeys(slot, int(db.slots.count[slot]), nil)
	for _, k := range keys {
		db.delete([]byte(k))
	}
	return len(keys)
}

// slotIndexErr compares db's slot index with a full scan of its keys
// (the invariants build's check): "" when they agree.
func (db *DB) slotIndexErr() string {
	ix := db.slots
	if ix == nil {
		return ""
	}
	var count [keyslot.Slots]int32
	db.keys.Each(func(k string, _ any) bool {
		count[keyslot.SlotString(k)]++
		return true
	})
	for slot := range count {
		if count[slot] != ix.count[slot] {
			return "slot " + itoa(int64(slot)) + ": index counts " + itoa(int64(ix.count[slot])) + " keys, the db has " + itoa(int64(count[slot]))
		}
		keys := db.slotKeys(slot, int(count[slot])+1, nil)
		if len(keys) != int(count[slot]) {
			return "slot " + itoa(int64(slot)) + ": index lists " + itoa(int64(len(keys))) + " keys, the db has " + itoa(int64(count[slot]))
		}
		for _, k := range keys {
			if keyslot.SlotString(k) != slot {
				return "key " + k + " listed in slot " + itoa(int64(slot))
			}
		}
	}
	return ""
}
