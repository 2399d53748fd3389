// Command gencommands captures the command table of a real Redis 7.0 server
// (COMMAND INFO and COMMAND DOCS, in RESP3) into db/commands.resp, the data
// the server's command table is built from: arity, flags, key positions, ACL
// categories, and the documentation redis-cli shows as hints.
//
//	redis-server --port 7777 --save '' &
//	go run ./db/internal/gencommands -port 7777 > db/commands.resp
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/redis-go/redis-server/resp"
)

func main() {
	port := flag.Int("port", 6379, "port of a real redis-server 7.0")
	flag.Parse()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fail(err)
	}
	r := bufio.NewReader(conn)
	call := func(args ...string) resp.Value {
		w := &resp.Writer{}
		w.ArrayLen(len(args))
		for _, a := range args {
			w.BulkString(a)
		}
		if _, err := conn.Write(w.Buf); err != nil {
			fail(err)
		}
		v, err := resp.ReadReply(r)
		if err != nil {
			fail(err)
		}
		return v
	}
	call("HELLO", "3")
	out := &resp.Writer{Proto: 3}
	info := call("COMMAND", "INFO")
	docs := call("COMMAND", "DOCS")
	out.WriteValue(info)
	out.WriteValue(docs)
	os.Stdout.Write(out.Buf)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gencommands:", err)
	os.Exit(1)
}
