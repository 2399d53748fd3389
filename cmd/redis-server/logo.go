package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/logger"
)

// asciiLogo is the banner Redis prints at startup, with its version line,
// mode, port and pid filled in: tools that watch a server's output look
// for it.
const asciiLogo = "" +
	"                _._                                                  \n" +
	"           _.-``__ ''-._                                             \n" +
	"      _.-``    `.  `_.  ''-._           Redis %s (%s/%d) %s bit\n" +
	"  .-`` .-```.  ```\\/    _.,_ ''-._                                  \n" +
	" (    '      ,       .-`  | `,    )     Running in %s mode\n" +
	" |`-._`-...-` __...-.``-._|'` _.-'|     Port: %d\n" +
	" |    `-._   `._    /     _.-'    |     PID: %d\n" +
	"  `-._    `-._  `-./  _.-'    _.-'                                   \n" +
	" |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n" +
	" |    `-._`-._        _.-'_.-'    |           https://redis.io       \n" +
	"  `-._    `-._`-.__.-'_.-'    _.-'                                   \n" +
	" |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n" +
	" |    `-._`-._        _.-'_.-'    |                                  \n" +
	"  `-._    `-._`-.__.-'_.-'    _.-'                                   \n" +
	"      `-._    `-.__.-'    _.-'                                       \n" +
	"          `-._        _.-'                                           \n" +
	"              `-.__.-'                                               \n\n"

// showLogo prints the banner, as Redis's redisAsciiArt, when the log goes
// to a terminal on standard output or always-show-logo asks for it, and
// otherwise the one line that says the mode and the port.
func showLogo(cfg *config.Config, port int) {
	toTerminal := cfg.String("logfile") == "" && !cfg.Bool("syslog-enabled") && isTerminal(os.Stdout)
	mode := "standalone"
	if cfg.Bool("cluster-enabled") {
		mode = "cluster"
	}
	if !toTerminal && !cfg.Bool("always-show-logo") {
		logger.Noticef("Running mode=%s, port=%d.", mode, port)
		return
	}
	logger.Unframed(logger.Notice, fmt.Sprintf(asciiLogo, Version, "00000000", 0, "64", mode, port, os.Getpid()))
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
