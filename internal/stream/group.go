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

// LookupGroup returns the group name, or nil.
func (s *Stream) LookupGroup(name []byte) *Group {
	lo, hi := 0, len(s.Groups)
	for lo < hi { // no string(name) to allocate: comparisons do not
		m := int(uint(lo+hi) >> 1)
		switch g := s.Groups[m]; {
		case g.Name == string(name):
			return g
		case g.Name < string(name):
			lo = m + 1
		default:
			hi = m
		}
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
	lo, hi := 0, len(g.Consumers)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := g.Consumers[m]; {
		case c.Name == string(name):
			return c
		case c.Name < string(name):
			lo = m + 1
		default:
			hi = m
		}
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
	for it := c.PEL.Iter(); it.Valid(); it.Next() {
		g.PEL.Remove(it.ID())
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
		ng.PEL = g.PEL.clone(func(n *NACK) *NACK {
			nn := &NACK{Consumer: cons[n.Consumer], DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount}
			nacks[n] = nn
			return nn
		})
		for j, c := range g.Consumers {
			ng.Consumers[j].PEL = c.PEL.clone(func(n *NACK) *NACK { return nacks[n] })
		}
		out[i] = ng
	}
	return out
}
