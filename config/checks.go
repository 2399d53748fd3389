// This file holds the extra validations some parameters carry in config.c,
// with Redis's error strings.

package config

import (
	"errors"
	"fmt"
	"strings"
)

// checkActiveDefrag refuses activedefrag yes, as a Redis built without its
// bundled jemalloc (Debian's, the reference here) does: this server has no
// allocator to defragment either.
func checkActiveDefrag(on bool) error {
	if on {
		return errors.New("Active defragmentation cannot be enabled: it requires a Redis server " +
			"compiled with a modified Jemalloc like the one shipped by default with the Redis " +
			"source distribution")
	}
	return nil
}

// isBaseName is util.c's pathIsBaseName: no '/' and no '\'.
func isBaseName(s string) bool { return !strings.ContainsAny(s, `/\`) }

func checkDBFilename(_ *Config, v string) error {
	if !isBaseName(v) {
		return errors.New("dbfilename can't be a path, just a filename")
	}
	return nil
}

func checkAOFFilename(_ *Config, v string) error {
	if v == "" {
		return errors.New("appendfilename can't be empty")
	}
	if !isBaseName(v) {
		return errors.New("appendfilename can't be a path, just a filename")
	}
	return nil
}

func checkAOFDirname(_ *Config, v string) error {
	if v == "" {
		return errors.New("appenddirname can't be empty")
	}
	if !isBaseName(v) {
		return errors.New("appenddirname can't be a path, just a dirname")
	}
	return nil
}

// maxHostname is NET_HOST_STR_LEN: hostnames must be shorter.
const maxHostname = 256

func checkHostname(_ *Config, v string) error {
	if len(v) >= maxHostname {
		return fmt.Errorf("Hostnames must be less than %d characters", maxHostname)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return errors.New("Hostnames may only contain alphanumeric characters, hyphens or dots")
		}
	}
	return nil
}

// Shutdown flags of shutdown-on-sigint and shutdown-on-sigterm.
const (
	shutdownSave   = 1
	shutdownNoSave = 2
)

func checkShutdownFlags(v int) error {
	if v&shutdownSave != 0 && v&shutdownNoSave != 0 {
		return errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
	}
	return nil
}

// Redis caps hz to this range whatever the user asks for.
const (
	minHz = 1
	maxHz = 500
)

func clampHz(v int64) int64 { return min(max(v, minHz), maxHz) }

const defaultProcTitle = "{title} {listen-addr} {server-mode}"

// checkProcTitle accepts a proc-title-template when it expands (every
// {variable} known, every '{' closed) to something not blank with an empty
// title, as server.c's validateProcTitleTemplate does.
func checkProcTitle(c *Config, v string) error {
	if s, ok := expandProcTitle(c, v, ""); !ok || strings.Trim(s, " ") == "" {
		return errors.New("template format is invalid or contains unknown variables")
	}
	return nil
}

// ProcTitle is the process title proc-title-template gives a process
// named title ("redis-rdb-bgsave"), or title alone if it does not expand.
func (c *Config) ProcTitle(title string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tmpl, _ := c.value("proc-title-template").(string)
	if s, ok := expandProcTitle(c, tmpl, title); ok {
		return s
	}
	return title
}

// expandProcTitle is sds.c's sdstemplate with server.c's variables. "{{"
// stands for a literal '{'.
func expandProcTitle(c *Config, template, title string) (string, bool) {
	var b strings.Builder
	for rest := template; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:open])
		rest = rest[open+1:]
		if rest == "" {
			return "", false
		}
		if rest[0] == '{' {
			b.WriteByte('{')
			rest = rest[1:]
			continue
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return "", false
		}
		val, ok := procTitleVar(c, rest[:end], title)
		if !ok {
			return "", false
		}
		b.WriteString(val)
		rest = rest[end+1:]
	}
	return b.String(), true
}

func procTitleVar(c *Config, name, title string) (string, bool) {
	port, tlsPort := c.value("port").(int64), c.value("tls-port").(int64)
	unixsocket := c.value("unixsocket").(string)
	switch name {
	case "title":
		return title, true
	case "listen-addr":
		if port == 0 && tlsPort == 0 {
			return "unixsocket:" + unixsocket, true
		}
		addr := "*"
		if bind := c.value("bind").([]string); len(bind) > 0 {
			addr = bind[0]
		}
		if port == 0 {
			port = tlsPort
		}
		return fmt.Sprintf("%s:%d", addr, port), true
	case "server-mode":
		if c.value("cluster-enabled").(bool) {
			return "[cluster]", true
		}
		return "", true
	case "config-file":
		return c.file, true
	case "port":
		return fmt.Sprint(port), true
	case "tls-port":
		return fmt.Sprint(tlsPort), true
	case "unixsocket":
		return unixsocket, true
	}
	return "", false
}
