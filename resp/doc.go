// Package resp reads and writes the Redis serialization protocol.
//
// The reading side parses client requests: multibulk commands
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands typed by a person
// ("GET k\r\n"). Parsing is resumable: a Parser remembers how far it got in an
// incomplete command, so a large pipeline or a large argument arriving in many
// reads is scanned once, not once per read. The arguments it returns are
// borrowed slices of the caller's buffer: they are valid until the caller
// discards or reuses those bytes, and whoever keeps one must copy it.
//
// The writing side appends replies to a byte slice in RESP2 or RESP3. The
// protocol of a Writer decides how maps, sets, nulls, doubles and booleans are
// framed, so command code writes one reply and each client gets its own
// dialect, as in Redis's networking.c.
//
// A small reply reader (ReadReply) decodes what a server sends; the replica
// side of replication and the tests use it.
package resp
