package db

import (
	"testing"

	"github.com/redis-go/redis-server/config"
)

// BenchmarkACLGetSet runs SET and GET as the default user and as a user
// restricted to some keys and categories: the cost of the ACL check.
func BenchmarkACLGetSet(b *testing.B) {
	for _, user := range []string{"default", "restricted"} {
		b.Run(user, func(b *testing.B) {
			srv := NewServer(config.New())
			c := srv.NewClient(nopConn{}, "127.0.0.1:1", "127.0.0.1:6379", 8)
			run := func(args ...string) {
				argv := make([][]byte, len(args))
				for i, a := range args {
					argv[i] = []byte(a)
				}
				srv.ProcessInput(c, encodeCommand(argv))
				c.Buf = c.Buf[:0]
			}
			run("ACL", "SETUSER", "restricted", "on", ">pw", "~key:*", "%R~ro:*", "+@read", "+@write")
			run("AUTH", user, "pw")
			set := encodeCommand([][]byte{[]byte("SET"), []byte("key:1"), []byte("value")})
			get := encodeCommand([][]byte{[]byte("GET"), []byte("key:1")})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				srv.ProcessInput(c, set)
				srv.ProcessInput(c, get)
				c.Buf = c.Buf[:0]
			}
		})
	}
}

// BenchmarkACLCheck is the check alone for GET and SET of a restricted
// user (an unrestricted one is a field test).
func BenchmarkACLCheck(b *testing.B) {
	srv := NewServer(config.New())
	c := srv.NewClient(nopConn{}, "127.0.0.1:1", "127.0.0.1:6379", 8)
	srv.ProcessInput(c, encodeCommand([][]byte{[]byte("ACL"), []byte("SETUSER"), []byte("r"), []byte("~key:*"), []byte("+@read"), []byte("+@write")}))
	u := srv.acl.users.Get("r")
	get, set := LookupCommandName("get"), LookupCommandName("set")
	getArgv := [][]byte{[]byte("GET"), []byte("key:1")}
	setArgv := [][]byte{[]byte("SET"), []byte("key:1"), []byte("v")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, _ := srv.aclCheckArgs(u, get, getArgv); res != 0 {
			b.Fatal(res)
		}
		if res, _ := srv.aclCheckArgs(u, set, setArgv); res != 0 {
			b.Fatal(res)
		}
	}
}
