package db

// PubSubState is a client's subscriptions.
type PubSubState struct {
	Channels map[string]struct{}
	Patterns map[string]struct{}
}

// subscriptionCount is the number of channels and patterns c listens to.
func (c *Client) subscriptionCount() int {
	if c.PubSub == nil {
		return 0
	}
	return len(c.PubSub.Channels) + len(c.PubSub.Patterns)
}

// pubsubRegistry is the server side of pub/sub: who listens to what.
type pubsubRegistry struct {
	channels map[string]map[*Client]struct{}
	patterns map[string]map[*Client]struct{}
}

// Publish delivers message to the subscribers of channel and of the
// patterns matching it, and returns how many clients received it.
func (s *Server) Publish(channel, message []byte) int {
	n := 0
	for c := range s.pubsub.channels[bstr(channel)] {
		c.PushLen(3)
		c.BulkString("message")
		c.Bulk(channel)
		c.Bulk(message)
		s.MarkPending(c)
		n++
	}
	for pat, clients := range s.pubsub.patterns {
		if !StringMatch([]byte(pat), channel, false) {
			continue
		}
		for c := range clients {
			c.PushLen(4)
			c.BulkString("pmessage")
			c.BulkString(pat)
			c.Bulk(channel)
			c.Bulk(message)
			s.MarkPending(c)
			n++
		}
	}
	return n
}
