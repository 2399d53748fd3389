// Pub/sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH,
// SPUBLISH and PUBSUB, as Redis's pubsub.c.
//
// The server keeps who listens to what (s.pubsub), each client what it
// listens to (c.PubSub). A message is written straight into the reply
// buffers of the receivers, which are queued for the loop to flush
// (MarkPending). Shard channels behave as plain channels on a server that
// is not a cluster member, in their own namespace, with their own counts.
//
// In RESP3 subscription confirmations and messages are pushes (>); in RESP2
// they are arrays, and a subscribed client may only (un)subscribe, PING,
// QUIT and RESET (processCommand enforces it).

package db

import (
	"slices"

	"github.com/redis-go/redis-server/glob"
	"github.com/redis-go/redis-server/internal/keyslot"
)

func init() {
	register("subscribe", subscribeCommand)
	register("unsubscribe", unsubscribeCommand)
	register("psubscribe", psubscribeCommand)
	register("punsubscribe", punsubscribeCommand)
	register("ssubscribe", ssubscribeCommand)
	register("sunsubscribe", sunsubscribeCommand)
	register("publish", publishCommand)
	register("spublish", spublishCommand)
	register("pubsub|channels", pubsubChannelsCommand)
	register("pubsub|shardchannels", pubsubShardChannelsCommand)
	register("pubsub|numsub", pubsubNumsubCommand)
	register("pubsub|shardnumsub", pubsubShardNumsubCommand)
	register("pubsub|numpat", pubsubNumpatCommand)
	register("pubsub|help", pubsubHelpCommand)
}

// PubSubState is a client's subscriptions.
type PubSubState struct {
	Channels map[string]struct{}
	Patterns map[string]struct{}
	Shard    map[string]struct{} // shard channels (SSUBSCRIBE)
}

// subscriptionCount is the number of channels, patterns and shard channels
// c listens to: a RESP2 client with any is in the subscribed context.
func (c *Client) subscriptionCount() int {
	if c.PubSub == nil {
		return 0
	}
	return len(c.PubSub.Channels) + len(c.PubSub.Patterns) + len(c.PubSub.Shard)
}

// shardChannelCount is the ssub field of CLIENT LIST.
func (c *Client) shardChannelCount() int {
	if c.PubSub == nil {
		return 0
	}
	return len(c.PubSub.Shard)
}

func (c *Client) pubsubState() *PubSubState {
	if c.PubSub == nil {
		c.PubSub = &PubSubState{
			Channels: map[string]struct{}{},
			Patterns: map[string]struct{}{},
			Shard:    map[string]struct{}{},
		}
	}
	return c.PubSub
}

// pubsubRegistry is the server side of pub/sub: who listens to what.
// Patterns are also kept in subscription order, the order a client
// subscribed to several matching patterns receives a message in.
type pubsubRegistry struct {
	channels    map[string]map[*Client]struct{}
	patterns    map[string]map[*Client]struct{}
	patternList [][]byte
	shard       map[string]map[*Client]struct{}
	// cluster sends a PUBLISH (or SPUBLISH, sharded) to the other nodes
	// of the cluster, in cluster mode (OnClusterPublish).
	cluster func(channel, message []byte, sharded bool)
}

// OnClusterPublish makes PUBLISH and SPUBLISH reach the cluster through
// fn instead of the replicas (clusterPropagatePublish).
func (s *Server) OnClusterPublish(fn func(channel, message []byte, sharded bool)) {
	s.pubsub.cluster = fn
}

// PublishFromCluster delivers a message another node of the cluster
// published to our subscribers.
func (s *Server) PublishFromCluster(channel, message []byte, sharded bool) {
	if sharded {
		s.publishShard(channel, message)
	} else {
		s.Publish(channel, message)
	}
}

// UnsubscribeShardChannelsInSlot unsubscribes every client from the shard
// channels of a hash slot this node stops serving, each told with an
// sunsubscribe message (removeChannelsInSlot).
func (s *Server) UnsubscribeShardChannelsInSlot(slot int) {
	var channels []string
	for ch := range s.pubsub.shard {
		if keyslot.SlotString(ch) == slot {
			channels = append(channels, ch)
		}
	}
	slices.Sort(channels)
	for _, ch := range channels {
		for c := range s.pubsub.shard[ch] {
			if len(c.Buf) == 0 {
				s.MarkPending(c)
			}
			s.unsubscribe(c, shardChannels, []byte(ch), true)
			if c.subscriptionCount() == 0 {
				c.Flags &^= ClientPubSub
			}
			s.outputAdded(c)
		}
	}
}

// pubsubKind is the difference between plain and shard channels: the
// namespace, the words of the replies, and which subscriptions count.
type pubsubKind struct {
	subscribe, unsubscribe string
	server                 func(s *Server) *map[string]map[*Client]struct{}
	client                 func(c *Client) map[string]struct{}
	count                  func(c *Client) int
}

var (
	plainChannels = &pubsubKind{
		subscribe: "subscribe", unsubscribe: "unsubscribe",
		server: func(s *Server) *map[string]map[*Client]struct{} { return &s.pubsub.channels },
		client: func(c *Client) map[string]struct{} { return c.pubsubState().Channels },
		count:  func(c *Client) int { return len(c.PubSub.Channels) + len(c.PubSub.Patterns) },
	}
	shardChannels = &pubsubKind{
		subscribe: "ssubscribe", unsubscribe: "sunsubscribe",
		server: func(s *Server) *map[string]map[*Client]struct{} { return &s.pubsub.shard },
		client: func(c *Client) map[string]struct{} { return c.pubsubState().Shard },
		count:  func(c *Client) int { return len(c.PubSub.Shard) },
	}
)

// subscribeReply is the confirmation of a (un)subscription: a push in
// RESP3.
func subscribeReply(c *Client, kind string, channel []byte, count int) {
	c.beginPush()
	c.PushLen(3)
	c.BulkString(kind)
	c.Bulk(channel)
	c.Int(int64(count))
	c.endPush()
}

// unsubscribedFromNothing confirms an UNSUBSCRIBE of all channels by a
// client that had none: the channel is null.
func unsubscribedFromNothing(c *Client, kind string, count int) {
	c.beginPush()
	c.PushLen(3)
	c.BulkString(kind)
	c.Null()
	c.Int(int64(count))
	c.endPush()
}

func (s *Server) subscribe(c *Client, k *pubsubKind, channel []byte) {
	mine := k.client(c)
	if _, ok := mine[bstr(channel)]; !ok {
		name := string(channel)
		mine[name] = struct{}{}
		reg := k.server(s)
		if *reg == nil {
			*reg = map[string]map[*Client]struct{}{}
		}
		clients := (*reg)[name]
		if clients == nil {
			clients = map[*Client]struct{}{}
			(*reg)[name] = clients
		}
		clients[c] = struct{}{}
	}
	subscribeReply(c, k.subscribe, channel, k.count(c))
}

// unsubscribe removes one subscription and reports whether there was one.
func (s *Server) unsubscribe(c *Client, k *pubsubKind, channel []byte, notify bool) bool {
	mine := k.client(c)
	_, ok := mine[bstr(channel)]
	if ok {
		delete(mine, bstr(channel))
		reg := *k.server(s)
		clients := reg[bstr(channel)]
		delete(clients, c)
		if len(clients) == 0 {
			delete(reg, bstr(channel))
		}
	}
	if notify {
		subscribeReply(c, k.unsubscribe, channel, k.count(c))
	}
	return ok
}

// unsubscribeAllOf removes every subscription of one kind, in name order;
// with notify and none to remove, it still confirms, with a null channel.
func (s *Server) unsubscribeAllOf(c *Client, k *pubsubKind, notify bool) {
	mine := k.client(c)
	names := make([]string, 0, len(mine))
	for ch := range mine {
		names = append(names, ch)
	}
	slices.Sort(names)
	for _, ch := range names {
		s.unsubscribe(c, k, []byte(ch), notify)
	}
	if notify && len(names) == 0 {
		unsubscribedFromNothing(c, k.unsubscribe, k.count(c))
	}
}

func (s *Server) psubscribe(c *Client, pattern []byte) {
	mine := c.pubsubState().Patterns
	if _, ok := mine[bstr(pattern)]; !ok {
		name := string(pattern)
		mine[name] = struct{}{}
		if s.pubsub.patterns == nil {
			s.pubsub.patterns = map[string]map[*Client]struct{}{}
		}
		clients := s.pubsub.patterns[name]
		if clients == nil {
			clients = map[*Client]struct{}{}
			s.pubsub.patterns[name] = clients
			s.pubsub.patternList = append(s.pubsub.patternList, []byte(name))
		}
		clients[c] = struct{}{}
	}
	subscribeReply(c, "psubscribe", pattern, plainChannels.count(c))
}

func (s *Server) punsubscribe(c *Client, pattern []byte, notify bool) {
	mine := c.pubsubState().Patterns
	if _, ok := mine[bstr(pattern)]; ok {
		delete(mine, bstr(pattern))
		clients := s.pubsub.patterns[bstr(pattern)]
		delete(clients, c)
		if len(clients) == 0 {
			delete(s.pubsub.patterns, bstr(pattern))
			i := slices.IndexFunc(s.pubsub.patternList, func(p []byte) bool { return string(p) == string(pattern) })
			s.pubsub.patternList = slices.Delete(s.pubsub.patternList, i, i+1)
		}
	}
	if notify {
		subscribeReply(c, "punsubscribe", pattern, plainChannels.count(c))
	}
}

func (s *Server) punsubscribeAll(c *Client, notify bool) {
	mine := c.pubsubState().Patterns
	names := make([]string, 0, len(mine))
	for p := range mine {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		s.punsubscribe(c, []byte(p), notify)
	}
	if notify && len(names) == 0 {
		unsubscribedFromNothing(c, "punsubscribe", plainChannels.count(c))
	}
}

// pubsubUnsubscribeAll drops every subscription of c: channels, patterns
// and shard channels (client free, RESET). With notify, c gets the
// confirmations, as after UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE.
func (s *Server) pubsubUnsubscribeAll(c *Client, notify bool) {
	if c.PubSub == nil {
		return
	}
	s.unsubscribeAllOf(c, plainChannels, notify)
	s.unsubscribeAllOf(c, shardChannels, notify)
	s.punsubscribeAll(c, notify)
	c.Flags &^= ClientPubSub
}

// Publish delivers message to the subscribers of channel and of the
// patterns matching it, and returns how many deliveries it made (a client
// listening through a channel and a pattern counts twice).
func (s *Server) Publish(channel, message []byte) int {
	n := 0
	for c := range s.pubsub.channels[bstr(channel)] {
		s.deliver(c, "message", nil, channel, message)
		n++
	}
	for _, pat := range s.pubsub.patternList {
		if !glob.Match(pat, channel, false) {
			continue
		}
		for c := range s.pubsub.patterns[bstr(pat)] {
			s.deliver(c, "pmessage", pat, channel, message)
			n++
		}
	}
	return n
}

// publishShard delivers message to the subscribers of a shard channel.
func (s *Server) publishShard(channel, message []byte) int {
	n := 0
	for c := range s.pubsub.shard[bstr(channel)] {
		s.deliver(c, "smessage", nil, channel, message)
		n++
	}
	return n
}

// deliver writes one message into c's reply buffer. A client whose buffer
// was empty is queued for a flush; one with output waiting already is
// queued, or is the client being served. A client being closed (over its
// output buffer limit) still counts as a receiver but gets nothing, as in
// Redis until the loop frees it.
func (s *Server) deliver(c *Client, kind string, pattern, channel, message []byte) {
	if c.Flags&ClientCloseASAP != 0 {
		return
	}
	if len(c.Buf) == 0 {
		s.MarkPending(c)
	}
	c.beginPush()
	if pattern != nil {
		c.PushLen(4)
		c.BulkString(kind)
		c.Bulk(pattern)
	} else {
		c.PushLen(3)
		c.BulkString(kind)
	}
	c.Bulk(channel)
	c.Bulk(message)
	c.endPush()
	s.outputAdded(c)
}

func subscribeCommand(c *Client) {
	for _, ch := range c.Argv[1:] {
		c.srv.subscribe(c, plainChannels, ch)
	}
	c.Flags |= ClientPubSub
}

func ssubscribeCommand(c *Client) {
	for _, ch := range c.Argv[1:] {
		c.srv.subscribe(c, shardChannels, ch)
	}
	c.Flags |= ClientPubSub
}

func psubscribeCommand(c *Client) {
	for _, p := range c.Argv[1:] {
		c.srv.psubscribe(c, p)
	}
	c.Flags |= ClientPubSub
}

func unsubscribeCommand(c *Client) {
	unsubscribeKind(c, plainChannels)
}

func sunsubscribeCommand(c *Client) {
	unsubscribeKind(c, shardChannels)
}

func unsubscribeKind(c *Client, k *pubsubKind) {
	if len(c.Argv) == 1 {
		c.srv.unsubscribeAllOf(c, k, true)
	} else {
		for _, ch := range c.Argv[1:] {
			c.srv.unsubscribe(c, k, ch, true)
		}
	}
	if c.subscriptionCount() == 0 {
		c.Flags &^= ClientPubSub
	}
}

func punsubscribeCommand(c *Client) {
	if len(c.Argv) == 1 {
		c.srv.punsubscribeAll(c, true)
	} else {
		for _, p := range c.Argv[1:] {
			c.srv.punsubscribe(c, p, true)
		}
	}
	if c.subscriptionCount() == 0 {
		c.Flags &^= ClientPubSub
	}
}

// PUBLISH reaches the replicas too (Redis's forceCommandPropagation), so
// that their own subscribers get the message.
// In cluster mode, it reaches every node of the cluster instead.
func publishCommand(c *Client) {
	n := c.srv.Publish(c.Argv[1], c.Argv[2])
	if fn := c.srv.pubsub.cluster; fn != nil {
		fn(c.Argv[1], c.Argv[2], false)
	} else {
		c.forcePropagate = PropagateRepl
	}
	c.Int(int64(n))
}

func spublishCommand(c *Client) {
	n := c.srv.publishShard(c.Argv[1], c.Argv[2])
	if fn := c.srv.pubsub.cluster; fn != nil {
		fn(c.Argv[1], c.Argv[2], true)
	} else {
		c.forcePropagate = PropagateRepl
	}
	c.Int(int64(n))
}

// pubsubSyntaxError is the reply to a PUBSUB subcommand with arguments it
// does not take.
func pubsubSyntaxError(c *Client) {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + c.Arg(1) + "'. Try PUBSUB HELP.")
}

func pubsubChannelsCommand(c *Client) {
	pubsubListChannels(c, c.srv.pubsub.channels)
}

func pubsubShardChannelsCommand(c *Client) {
	pubsubListChannels(c, c.srv.pubsub.shard)
}

// pubsubListChannels answers the active channels matching the optional
// pattern, in name order.
func pubsubListChannels(c *Client, reg map[string]map[*Client]struct{}) {
	if len(c.Argv) > 3 {
		pubsubSyntaxError(c)
		return
	}
	var pattern []byte
	if len(c.Argv) == 3 {
		pattern = c.Argv[2]
	}
	var names []string
	for ch := range reg {
		if pattern == nil || glob.Match(pattern, []byte(ch), false) {
			names = append(names, ch)
		}
	}
	slices.Sort(names)
	c.ArrayLen(len(names))
	for _, ch := range names {
		c.BulkString(ch)
	}
}

func pubsubNumsubCommand(c *Client) {
	pubsubCountSubscribers(c, c.srv.pubsub.channels)
}

func pubsubShardNumsubCommand(c *Client) {
	pubsubCountSubscribers(c, c.srv.pubsub.shard)
}

func pubsubCountSubscribers(c *Client, reg map[string]map[*Client]struct{}) {
	c.ArrayLen(2 * (len(c.Argv) - 2))
	for _, ch := range c.Argv[2:] {
		c.Bulk(ch)
		c.Int(int64(len(reg[bstr(ch)])))
	}
}

func pubsubNumpatCommand(c *Client) {
	c.Int(int64(len(c.srv.pubsub.patterns)))
}

var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
	"HELP",
	"    Prints this help.",
}

func pubsubHelpCommand(c *Client) {
	c.ArrayLen(len(pubsubHelp))
	for _, line := range pubsubHelp {
		c.Status(line)
	}
}
