package lua

import glua "github.com/yuin/gopher-lua"

func openRedisLibs(L *glua.LState) {}
