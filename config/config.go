// This file holds the Config type: construction, typed getters, change
// hooks and the supported/unsupported bookkeeping.

package config

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/viper"
)

// Version is the Redis version this server emulates. Fatal config errors
// name it, as Redis names its own.
const Version = "7.0.15"

// Config is the registry of server parameters and their current values.
// It is safe for concurrent use; Set calls are serialised.
type Config struct {
	mu     sync.RWMutex
	values *viper.Viper      // current values by canonical name
	byName map[string]*param // canonical names and aliases, lower case
	params []*param          // canonical parameters, in table order

	setMu sync.Mutex // one CONFIG SET (and its hooks) at a time
	hooks map[*param][]func() error
	// unsupportedSet is told the name of each parameter that a CONFIG SET
	// changed although the server does not implement it (a warning: a
	// directive that promises safety is never silently ignored).
	unsupportedSet func(name string)
	// UserLines, set by the server, returns the "user" lines of its ACL
	// users for CONFIG REWRITE ("user <name> <rules>", in name order).
	UserLines func() []string

	file string    // absolute path of the config file, "" if none
	load loadState // reader state that lasts across Load* calls

	seen       []string              // directives read, in first-seen order
	supported  map[string]bool       // names the server implements
	directives map[string][][]string // arguments of non-parameter directives
	// checks validate non-parameter directives as they are read
	// (CheckDirective): an error is the line's fatal error.
	checks map[string]func(args []string) error

	// Where the loader reads and checks files; tests replace them.
	stdin     io.Reader                         // where "-" reads from
	readFiles func(path string) (string, error) // a config file or glob
	openLog   func(path string) error           // the log file check
}

// New returns a Config holding every Redis 7.0 parameter at its default.
// The default of dir is the process's working directory.
func New() *Config {
	cwd, _ := os.Getwd()
	c := &Config{
		values:     viper.New(),
		byName:     map[string]*param{},
		hooks:      map[*param][]func() error{},
		supported:  map[string]bool{},
		directives: map[string][][]string{},
		stdin:      os.Stdin,
		readFiles:  readConfigFiles,
		openLog:    openLogFile,
	}
	for _, p := range parameters(cwd) {
		c.params = append(c.params, p)
		c.byName[p.name] = p
		if p.alias != "" {
			c.byName[p.alias] = p
		}
		c.values.SetDefault(p.name, p.def)
	}
	return c
}

// openLogFile is Redis's check that the log file can be opened for
// appending. Like Redis, it creates the file when missing.
func openLogFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// lookup finds a parameter by name or alias, ignoring case.
func (c *Config) lookup(name string) *param {
	return c.byName[strings.ToLower(name)]
}

// mustLookup is lookup for names written in the server's code, where an
// unknown name is a bug worth crashing on at once.
func (c *Config) mustLookup(name string) *param {
	p := c.lookup(name)
	if p == nil {
		panic(fmt.Sprintf("config: unknown parameter %q", name))
	}
	return p
}

// value is the current value of a parameter; the caller holds mu.
func (c *Config) value(name string) any {
	return c.values.Get(name)
}

func (c *Config) get(name string) (*param, any) {
	p := c.mustLookup(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return p, c.value(p.name)
}

// Int returns a numeric parameter, an enum's value, or the
// notify-keyspace-events bits (see NotifyAll). A percent value (only
// maxmemory-clients has them) comes back negative: -10 for "10%".
// It panics for other kinds and unknown names.
func (c *Config) Int(name string) int64 {
	switch v := c.getAny(name).(type) {
	case int64:
		return v
	case int:
		return int64(v)
	}
	panic(fmt.Sprintf("config: %s is not a number", name))
}

// Uint returns a numeric parameter as unsigned, for the ones Redis keeps
// unsigned: maxmemory may exceed 2^63.
func (c *Config) Uint(name string) uint64 { return uint64(c.Int(name)) }

// Bool returns a yes/no parameter. It panics for other kinds.
func (c *Config) Bool(name string) bool {
	v, ok := c.getAny(name).(bool)
	if !ok {
		panic(fmt.Sprintf("config: %s is not yes/no", name))
	}
	return v
}

// String returns any parameter as CONFIG GET shows it.
func (c *Config) String(name string) string {
	p, v := c.get(name)
	return p.kind.format(v)
}

// Strings returns a parameter as a list: the words of a multi-argument
// parameter (bind addresses, save numbers, ...), a one-element list
// otherwise.
func (c *Config) Strings(name string) []string {
	p, v := c.get(name)
	s := p.kind.format(v)
	if p.flags&multiArg != 0 {
		return strings.Fields(s)
	}
	return []string{s}
}

// SaveParams returns the save rules.
func (c *Config) SaveParams() []SaveParam {
	return slices.Clone(c.getAny("save").([]SaveParam))
}

// ClientOutputBufferLimits returns client-output-buffer-limit.
func (c *Config) ClientOutputBufferLimits() OutputBufferLimits {
	return c.getAny("client-output-buffer-limit").(OutputBufferLimits)
}

// ReplicaOf returns the master this server should replicate from.
func (c *Config) ReplicaOf() ReplicaOf {
	return c.getAny("replicaof").(ReplicaOf)
}

// SetReplicaOf records the master set by REPLICAOF at run time (the zero
// value for REPLICAOF NO ONE), for CONFIG GET and CONFIG REWRITE:
// replicaof is immutable for CONFIG SET.
func (c *Config) SetReplicaOf(r ReplicaOf) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values.Set("replicaof", r)
}

func (c *Config) getAny(name string) any {
	_, v := c.get(name)
	return v
}

// Param describes a parameter to code outside the package.
type Param struct {
	Name  string // canonical name
	Alias string // other accepted name, or ""
	Flags Flags
}

// Lookup describes the parameter called name (or aliased so).
func (c *Config) Lookup(name string) (Param, bool) {
	p := c.lookup(name)
	if p == nil {
		return Param{}, false
	}
	return Param{p.name, p.alias, p.flags &^ multiArg}, true
}

// File returns the absolute path of the loaded config file, "" if none.
func (c *Config) File() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.file
}

// OnChange registers fn to run after a CONFIG SET changed the parameter
// called name (or aliased so). Hooks apply a new value to the running
// server: rebind the port, resize the backlog, chdir. A hook that fails makes
// the whole CONFIG SET fail and every value it set roll back.
//
// Hooks do not run for values loaded from files or arguments: the server
// reads those once the loading is done and starts up with them.
func (c *Config) OnChange(name string, fn func() error) {
	p := c.mustLookup(name)
	c.setMu.Lock()
	defer c.setMu.Unlock()
	c.hooks[p] = append(c.hooks[p], fn)
}

// MarkSupported declares parameters (by name or alias) and directives
// (rename-command, user, loadmodule, ...) the server implements.
func (c *Config) MarkSupported(names ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range names {
		c.supported[c.directiveName(n)] = true
	}
}

// OnUnsupportedSet makes fn hear of every parameter a CONFIG SET changes
// that the server has not marked supported.
func (c *Config) OnUnsupportedSet(fn func(name string)) {
	c.setMu.Lock()
	defer c.setMu.Unlock()
	c.unsupportedSet = fn
}

func (c *Config) isSupported(name string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.supported[name]
}

// Unsupported lists the directives read from config files and arguments
// that the server accepts but has not marked supported, in the order they
// were first read: what a startup warning should name.
func (c *Config) Unsupported() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for _, n := range c.seen {
		if !c.supported[n] {
			out = append(out, n)
		}
	}
	return out
}

// CheckDirective makes fn validate each line of the named non-parameter
// directive as it is read (its arguments after the name): its error is
// the fatal error of that line, as Redis reports it.
func (c *Config) CheckDirective(name string, fn func(args []string) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checks == nil {
		c.checks = map[string]func([]string) error{}
	}
	c.checks[strings.ToLower(name)] = fn
}

// Directives returns the arguments of every line of the named
// non-parameter directive that was loaded, in order: rename-command pairs,
// user rules, loadmodule paths and their arguments, module parameters
// ("mymodule.param value").
func (c *Config) Directives(name string) [][]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.directives[strings.ToLower(name)])
}

// directiveName is the name under which a directive is tracked: the
// canonical name of a parameter, the lower-cased word otherwise.
func (c *Config) directiveName(name string) string {
	if p := c.lookup(name); p != nil {
		return p.name
	}
	return strings.ToLower(name)
}

// noteSeen records that a directive was read.
func (c *Config) noteSeen(name string) {
	if !slices.Contains(c.seen, name) {
		c.seen = append(c.seen, name)
	}
}

// OOMScoreAdjValues returns oom-score-adj-values: the oom_score_adj of a
// master, a replica and a background child.
func (c *Config) OOMScoreAdjValues() [3]int64 {
	var out [3]int64
	copy(out[:], c.getAny("oom-score-adj-values").([]int64))
	return out
}
