// Package ae is the event loop: one gnet reactor goroutine that accepts
// connections, reads requests, hands them to the executor (package db) and
// writes the replies, and that also runs the timers (serverCron) and any
// work other goroutines hand back with Execute. Everything the executor
// does therefore happens on this one goroutine, as in Redis's ae.c.
//
// gnet calls OnTraffic once per readable event and keeps whatever the
// handler leaves unread. The handler always takes every byte it is given:
// the executor runs every complete command and keeps the partial tail in
// the client's own buffer, so a pipeline of thousands of commands in one
// write is fully answered in one pass, with one write of all the replies.
//
// gnet runs OnTick on its own goroutine, so timers are re-posted onto the
// loop through a small loopback connection whose EventLoop accepts
// Execute calls from any goroutine.
package ae
