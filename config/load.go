// This file reads configuration text: files, stdin and redis-server's
// command line, with loadServerConfigFromString's rules and its exact fatal
// error report.

package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// FileError is a fatal error in configuration text. Its Error() is the
// exact report Redis prints on stderr before exiting with status 1.
type FileError struct {
	Line   int    // 1-based line number; 0 when the error is about the whole text
	Text   string // the offending line, trimmed, as Redis echoes it
	Reason string // what is wrong, in Redis's words
}

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", Version)
	if e.Line > 0 {
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n>>> '%s'\n", e.Line, e.Text)
	}
	b.WriteString(e.Reason + "\n")
	return b.String()
}

// OpenError is a config file that cannot be read. Redis logs its Error() at
// warning level and exits with status 1.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("Fatal error, can't open config file '%s': %s", e.Path, strerror(e.Err))
}

func (e *OpenError) Unwrap() error { return e.Err }

// loadState is what Redis keeps in globals while reading config text.
type loadState struct {
	// lines counts the newlines read so far by Load* calls, so that line
	// numbers go on across them as across Redis's single concatenated text.
	lines int
	// reading is Redis's reading_config_file, which decides whether a save
	// line adds to the rules or replaces them. Like Redis, an include
	// clears it for the rest of the including text.
	reading bool
	// saveSeen is set by the first save line: it replaced the defaults, the
	// next ones add to it.
	saveSeen bool
}

// LoadFile reads a config file and applies it. path "-" reads stdin. A path
// with * ? or [ is a glob: every match is read, none is not an error. The
// first file loaded becomes File().
func (c *Config) LoadFile(path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	text, err := c.readSource(path)
	if err != nil {
		return err
	}
	return c.loadChunk(text)
}

// LoadString applies configuration text, as if read from a file.
func (c *Config) LoadString(text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadChunk(text)
}

// ApplyArgs applies redis-server style options ("--port", "7000", "--save",
// "", "--replicaof", "host", "6379"). Like Redis, it turns them into config
// lines (`port "7000"`) and reads them as one more chunk of the file, so
// errors report line numbers that go on from the file's.
func (c *Config) ApplyArgs(args []string) error {
	options, _ := commandLineOptions(args, false, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadChunk("\n" + options)
}

// LoadArgs takes redis-server's arguments (os.Args[1:], after the -v, -h
// style flags have been handled) the way its main() does: a first argument
// not starting with '-' is the config file; "-" as the first or last
// argument reads stdin; everything else is options. The file, stdin and the
// options are read as one text, so line numbers in errors match Redis's.
func (c *Config) LoadArgs(args []string) error {
	var file string
	hasFile := len(args) > 0 && !strings.HasPrefix(args[0], "-")
	if hasFile {
		file, args = args[0], args[1:]
	}
	options, stdin := commandLineOptions(args, !hasFile, true)
	c.mu.Lock()
	defer c.mu.Unlock()
	var text string
	if hasFile {
		t, err := c.readSource(file)
		if err != nil {
			return err
		}
		text = t
	}
	if stdin {
		t, err := c.readSource("-")
		if err != nil {
			return err
		}
		text += t
	}
	return c.loadChunk(text + "\n" + options)
}

// commandLineOptions turns redis-server options into config text, as
// main() does: "--name" starts a line, the following arguments are quoted
// values. "--save" with no value means `save ""`. "-" as the first or the
// last argument asks for stdin when stdinFirst or stdinLast allow it;
// elsewhere it is a value.
func commandLineOptions(args []string, stdinFirst, stdinLast bool) (string, bool) {
	var b strings.Builder
	stdin := false
	valueSeen := true // the last option name has a value, so "--x" starts a new one
	for j, a := range args {
		last := j == len(args)-1
		nextIsOption := !last && strings.HasPrefix(args[j+1], "--")
		switch {
		case a == "-" && (j == 0 && stdinFirst || last && stdinLast):
			stdin = true
		case valueSeen && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(a[2:] + " ")
			// "--port 6380" as one argument carries its own value.
			if words, _ := splitArgs(a); len(words) != 1 {
				break
			}
			valueSeen = false
			switch {
			case strings.EqualFold(a, "--save") && nextIsOption:
				b.WriteString(`""`)
				valueSeen = true
			case strings.EqualFold(a, "--save") && last:
				b.WriteString(`""`)
			case strings.EqualFold(a, "--sentinel") && nextIsOption:
				valueSeen = true
			}
		default:
			b.WriteString(repr(a) + " ")
			valueSeen = true
		}
	}
	return b.String(), stdin
}

// readSource reads a top-level config source: stdin for "-", else a file
// (or glob), which becomes File() if none was loaded yet.
func (c *Config) readSource(path string) (string, error) {
	if path == "-" {
		b, err := io.ReadAll(c.stdin)
		return string(b), err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", &OpenError{path, err}
	}
	if c.file == "" {
		c.file = abs
	}
	return c.readFiles(abs)
}

// readConfigFiles reads a file, or all the files a glob matches, in order.
// A directory reads as empty: fopen accepts it and fgets finds nothing.
func readConfigFiles(path string) (string, error) {
	paths := []string{path}
	if strings.ContainsAny(path, "*?[") {
		paths, _ = filepath.Glob(path)
	}
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, syscall.EISDIR) {
			return "", &OpenError{p, err}
		}
		b.Write(data)
	}
	return b.String(), nil
}

// loadChunk parses text as the continuation of everything loaded so far.
// The caller holds mu.
func (c *Config) loadChunk(text string) error {
	defer func() { c.load.reading = false }()
	err := c.parseText(text, c.load.lines)
	c.load.lines += strings.Count(text, "\n")
	return err
}

// parseText is loadServerConfigFromString: apply each line, then check the
// whole. Line numbers start after base.
func (c *Config) parseText(text string, base int) error {
	c.load.reading = true
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		args, err := splitArgs(line)
		if err == nil && len(args) > 0 {
			err = c.directive(args)
		}
		if err != nil {
			var fe *FileError
			var oe *OpenError
			if errors.As(err, &fe) || errors.As(err, &oe) {
				return err // from an included file, which reports its own line
			}
			return &FileError{Line: base + i + 1, Text: line, Reason: err.Error()}
		}
	}
	c.load.reading = false
	return c.checkLoaded()
}

// checkLoaded runs the checks Redis makes once a text is read.
func (c *Config) checkLoaded() error {
	if logfile := c.value("logfile").(string); logfile != "" {
		if err := c.openLog(c.resolve(logfile)); err != nil {
			return &FileError{Reason: "Can't open the log file: " + strerror(err)}
		}
	}
	if c.value("cluster-enabled").(bool) && c.value("replicaof").(ReplicaOf).Host != "" {
		return &FileError{Reason: "replicaof directive not allowed in cluster mode"}
	}
	return nil
}

// deprecatedDirectives are accepted, with this many words, and ignored.
var deprecatedDirectives = map[string]int{
	"list-max-ziplist-entries": 2,
	"list-max-ziplist-value":   2,
	"lua-replicate-commands":   2,
}

// directive applies one config line, split into words.
func (c *Config) directive(args []string) error {
	name := strings.ToLower(args[0])
	if p := c.byName[name]; p != nil {
		if p.flags&multiArg == 0 && len(args) != 2 {
			return errors.New("wrong number of arguments")
		}
		if p.flags&multiArg != 0 && len(args) == 2 && args[1] != "" {
			// As Redis: a multi-argument option given as one argument
			// ("--save '3600 1'") is split at spaces.
			split, err := splitArgs(args[1])
			if err != nil {
				return err
			}
			args = append(args[:1], split...)
		}
		v, err := p.kind.parse(c, c.value(p.name), args[1:])
		if err != nil {
			return err
		}
		c.values.Set(p.name, v)
		c.noteSeen(p.name)
		return nil
	}
	if n, ok := deprecatedDirectives[name]; ok && len(args) == n {
		return nil
	}
	switch {
	case name == "include" && len(args) == 2:
		return c.include(args[1])
	case name == "rename-command" && len(args) == 3,
		name == "user" && len(args) >= 2,
		name == "loadmodule" && len(args) >= 2:
		if check := c.checks[name]; check != nil {
			if err := check(args[1:]); err != nil {
				return err
			}
		}
	case strings.Contains(name, "."):
		if len(args) != 2 {
			return errors.New("Module config specified without value")
		}
	case name == "sentinel":
		if len(args) != 1 {
			return errors.New("sentinel directive while not in sentinel mode")
		}
		return nil // a bare "sentinel" is for main(), which knows no sentinel mode here
	default:
		return errors.New("Bad directive or wrong number of arguments")
	}
	c.directives[name] = append(c.directives[name], args[1:])
	c.noteSeen(name)
	return nil
}

// include reads another config file in place of the include line. Its
// errors report its own line numbers. A relative path is taken from dir.
func (c *Config) include(path string) error {
	resolved := c.resolve(path)
	text, err := c.readFiles(resolved)
	var oe *OpenError
	if errors.As(err, &oe) && oe.Path == resolved {
		oe.Path = path // Redis names the file as the include line does
	}
	if err != nil {
		return err
	}
	return c.parseText(text, 0)
}
