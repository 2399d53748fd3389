package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// daemonEnv marks the re-executed child of a daemonizing server.
const daemonEnv = "REDIS_GO_DAEMONIZED"

// daemonize re-executes the server detached from the terminal, in a new
// session with standard streams on /dev/null (Go cannot fork), and returns
// the parent's exit code. The child writes the pidfile itself.
func daemonize() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	defer devnull.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	return 0
}
