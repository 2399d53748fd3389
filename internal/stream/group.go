package stream

import (
	"slices"
	"strings"
)

// InvalidEntriesRead is SCG_INVALID_ENTRIES_READ: a group's entries_read
// that is not known.
const InvalidEntriesRead = -1

// NACK is a pending entry: delivered to a consumer, not acknowledged yet.
type NACK struct {
	Consumer      *Consumer
	DeliveryTime  int64 // unix ms
	DeliveryCount uint64
}

// Consumer is a consumer of a group.
type Consumer struct {
	Name     string
	SeenTime int64 // unix ms
	PEL      PEL   // its pending entries, sharing the group's NACKs
}

// Group is a consumer group.
type Group struct {
	Name        string
	LastID      ID
	EntriesRead int64
	PEL         PEL
	Consumers   []*Consumer // sorted by name
}

// PEL is a pending entries list: NACKs ordered by entry ID, as Redis's
// rax of 128-bit IDs.
type PEL struct {
	IDs   []ID
	NACKs []*NACK
}

// Len returns the number of pending entries.
func (p *PEL) Len() int { return len(p.IDs) }

func (p *PEL) search(id ID) (int, bool) {
	return slices.BinarySearchFunc(p.IDs, id, ID.Compare)
}

// Find returns the NACK of id, or nil.
func (p *PEL) Find(id ID) *NACK {
	if i, ok := p.search(id); ok {
		return p.NACKs[i]
	}
	return nil
}

// Insert adds id unless present and reports whether it did.
func (p *PEL) Insert(id ID, n *NACK) bool {
	i, ok := p.search(id)
	if ok {
		return false
	}
	if i == len(p.IDs) {
		p.IDs = append(p.IDs, id)
		p.NACKs = append(p.NACKs, n)
		return true
	}
	p.IDs = slices.Insert(p.IDs, i, id)
	p.NACKs = slices.Insert(p.NACKs, i, n)
	return true
}

// Remove deletes id and reports whether it was there.
func (p *PEL) Remove(id ID) bool {
	i, ok := p.search(id)
	if !ok {
		return false
	}
	p.IDs = slices.Delete(p.IDs, i, i+1)
	p.NACKs = slices.Delete(p.NACKs, i, i+1)
	return true
}

// Seek returns the index of the first ID >= id.
func (p *PEL) Seek(id ID) int {
	i, _ := p.search(id)
	return i
}

// LookupGroup returns the group name, or nil.
func (s *Stream) LookupGroup(name []byte) *Group {
	i, ok := slices.BinarySearchFunc(s.Groups, string(name), func(g *Group, n string) int {
		return strings.Compare(g.Name, n)
	})
	if ok {
		return s.Groups[i]
	}
	return nil
}

// CreateGroup adds a group (streamCreateCG) and returns nil if it exists.
func (s *Stream) CreateGroup(name string, last ID, entriesRead int64) *Group {
	i, ok := slices.BinarySearchFunc(s.Groups, name, func(g *Group, n string) int {
		return strings.Compare(g.Name, n)
	})
	if ok {
		return nil
	}
	g := &Group{Name: name, LastID: last, EntriesRead: entriesRead}
	s.Groups = slices.Insert(s.Groups, i, g)
	return g
}

// DestroyGroup removes a group and reports whether it existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	i, ok := slices.BinarySearchFunc(s.Groups, string(name), func(g *Group, n string) int {
		return strings.Compare(g.Name, n)
	})
	if ok {
		s.Groups = slices.Delete(s.Groups, i, i+1)
	}
	return ok
}

func (g *Group) consumerIndex(name string) (int, bool) {
	return slices.BinarySearchFunc(g.Consumers, name, func(c *Consumer, n string) int {
		return strings.Compare(c.Name, n)
	})
}

// LookupConsumer returns the consumer name, or nil.
func (g *Group) LookupConsumer(name []byte) *Consumer {
	if i, ok := g.consumerIndex(string(name)); ok {
		return g.Consumers[i]
	}
	return nil
}

// CreateConsumer adds a consumer and returns nil if it exists.
func (g *Group) CreateConsumer(name string, now int64) *Consumer {
	i, ok := g.consumerIndex(name)
	if ok {
		return nil
	}
	c := &Consumer{Name: name, SeenTime: now}
	g.Consumers = slices.Insert(g.Consumers, i, c)
	return c
}

// DeleteConsumer removes a consumer and its pending entries from the
// group (streamDelConsumer) and returns how many pending entries it had.
func (g *Group) DeleteConsumer(c *Consumer) int {
	n := c.PEL.Len()
	for _, id := range c.PEL.IDs {
		g.PEL.Remove(id)
	}
	if i, ok := g.consumerIndex(c.Name); ok {
		g.Consumers = slices.Delete(g.Consumers, i, i+1)
	}
	return n
}

// cloneGroups deep-copies groups, consumers and NACKs.
func cloneGroups(groups []*Group) []*Group {
	if groups == nil {
		return nil
	}
	out := make([]*Group, len(groups))
	for i, g := range groups {
		ng := &Group{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead}
		cons := map[*Consumer]*Consumer{}
		ng.Consumers = make([]*Consumer, len(g.Consumers))
		for j, c := range g.Consumers {
			nc := &Consumer{Name: c.Name, SeenTime: c.SeenTime}
			cons[c] = nc
			ng.Consumers[j] = nc
		}
		nacks := map[*NACK]*NACK{}
		ng.PEL.IDs = slices.Clone(g.PEL.IDs)
		ng.PEL.NACKs = make([]*NACK, len(g.PEL.NACKs))
		for j, n := range g.PEL.NACKs {
			nn := &NACK{Consumer: cons[n.Consumer], DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount}
			nacks[n] = nn
			ng.PEL.NACKs[j] = nn
		}
		for j, c := range g.Consumers {
			nc := ng.Consumers[j]
			nc.PEL.IDs = slices.Clone(c.PEL.IDs)
			nc.PEL.NACKs = make([]*NACK, len(c.PEL.NACKs))
			for k, n := range c.PEL.NACKs {
				nc.PEL.NACKs[k] = nacks[n]
			}
		}
		out[i] = ng
	}
	return out
}
