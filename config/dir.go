// This file holds the dir parameter and the path and errno helpers around
// it. Redis applies dir by chdir(2) and shows getcwd(3); here the value is
// the absolute, symlink-free path that getcwd would show, and the chdir is
// the server's job (at startup, and in an OnChange hook).

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// dirKind is the dir parameter. Values are absolute paths.
type dirKind struct{}

// parse resolves a relative path against the current dir, as chdir would,
// and fails with chdir's strerror when chdir would fail.
func (dirKind) parse(_ *Config, cur any, args []string) (any, error) {
	if len(args) != 1 {
		return nil, errors.New("wrong number of arguments")
	}
	path := args[0]
	if path == "" {
		return nil, errors.New(strerror(syscall.ENOENT))
	}
	if !filepath.IsAbs(path) {
		path = cur.(string) + "/" + path
	}
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, errors.New(strerror(err))
	case !info.IsDir():
		return nil, errors.New(strerror(syscall.ENOTDIR))
	}
	if err := syscall.Access(path, 1); err != nil { // X_OK: may we enter it?
		return nil, errors.New(strerror(err))
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, errors.New(strerror(err))
	}
	return resolved, nil
}

func (dirKind) format(v any) string { return v.(string) }

// rewrite always writes dir: it has no default, being wherever the server
// was started.
func (dirKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	return []rewriteLine{{name + " " + repr(v.(string)), true}}
}

// resolve makes a path from the config relative to dir, which is where
// Redis, having chdir'ed while loading, would open it.
func (c *Config) resolve(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.value("dir").(string), path)
}

// strerror renders an error the way C's strerror renders its errno:
// "No such file or directory", not Go's lower-case spelling.
func strerror(err error) string {
	var errno syscall.Errno
	msg := err.Error()
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
