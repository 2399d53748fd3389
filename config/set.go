// This file holds CONFIG SET: all the pairs of one call succeed or none
// does.

package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Set is CONFIG SET name value [name value ...] from a client that is not
// local (see SetLocal). It checks every name, parses and stores every value,
// then runs the OnChange hooks of the parameters whose value changed. If a
// value is bad or a hook fails, every value is put back (and the hooks run
// again to apply the old values) and the error, Redis's reply text without
// the leading '-', says which parameter is to blame.
func (c *Config) Set(pairs [][2]string) error { return c.set(pairs, false) }

// SetLocal is Set from a client connected over loopback or a unix socket,
// which enable-protected-configs "local" lets set dir and dbfilename.
func (c *Config) SetLocal(pairs [][2]string) error { return c.set(pairs, true) }

// change is one parameter a CONFIG SET call touched.
type change struct {
	p    *param
	as   string // the name the parameter was given by, lower case
	orig any    // value before the call
}

func (c *Config) set(pairs [][2]string, local bool) error {
	c.setMu.Lock()
	defer c.setMu.Unlock()

	c.mu.Lock()
	changes, err := c.store(pairs, local)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	for _, ch := range changes {
		for _, hook := range c.hooks[ch.p] {
			if err := hook(); err != nil {
				c.rollback(changes)
				return setError(ch.as, err.Error())
			}
		}
	}
	for _, ch := range changes {
		if c.unsupportedSet != nil && !c.isSupported(ch.p.name) {
			c.unsupportedSet(ch.p.name)
		}
	}
	return nil
}

// store validates and stores the pairs, returning the parameters whose
// value changed. On error nothing is left changed. The caller holds mu.
func (c *Config) store(pairs [][2]string, local bool) ([]change, error) {
	params := make([]*param, len(pairs))
	given := map[string]bool{}
	for i, kv := range pairs {
		p := c.lookup(kv[0])
		if p == nil {
			return nil, fmt.Errorf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", kv[0])
		}
		if p.flags&Immutable != 0 {
			return nil, setError(kv[0], "can't set immutable config")
		}
		if p.flags&Protected != 0 && !c.protectedAllowed(local) {
			return nil, setError(kv[0], "can't set protected config")
		}
		// A name given twice is a duplicate; a name and its alias are not,
		// and the later one wins (Redis registers them separately).
		if given[strings.ToLower(kv[0])] {
			return nil, setError(kv[0], "duplicate parameter")
		}
		given[strings.ToLower(kv[0])] = true
		params[i] = p
	}

	var changes []change
	for i, kv := range pairs {
		p := params[i]
		cur := c.value(p.name)
		v, err := p.kind.parse(c, cur, setArgs(p, kv[1]))
		if err != nil {
			c.restore(changes)
			return nil, setError(strings.ToLower(kv[0]), err.Error())
		}
		if !touched(changes, p) {
			changes = append(changes, change{p, strings.ToLower(kv[0]), cur})
		}
		c.values.Set(p.name, v)
	}

	var changed []change
	for _, ch := range changes {
		if !reflect.DeepEqual(ch.orig, c.value(ch.p.name)) {
			changed = append(changed, ch)
		}
	}
	return changed, nil
}

// setArgs splits a CONFIG SET value into arguments: multi-argument
// parameters split on single spaces (so "a  b" has an empty middle word and
// "" has none), others take it whole.
func setArgs(p *param, value string) []string {
	if p.flags&multiArg == 0 {
		return []string{value}
	}
	if value == "" {
		return nil
	}
	return strings.Split(value, " ")
}

func touched(changes []change, p *param) bool {
	for _, ch := range changes {
		if ch.p == p {
			return true
		}
	}
	return false
}

// protectedAllowed applies enable-protected-configs to the calling client.
func (c *Config) protectedAllowed(local bool) bool {
	switch c.value("enable-protected-configs").(int) {
	case allowYes:
		return true
	case allowLocal:
		return local
	}
	return false
}

// restore puts back the values before changes. The caller holds mu.
func (c *Config) restore(changes []change) {
	for _, ch := range changes {
		c.values.Set(ch.p.name, ch.orig)
	}
}

// rollback undoes a CONFIG SET whose hook failed: the old values go back
// and every hook of the call runs again to apply them. Errors from those
// hooks are dropped: the old values were running a moment ago, and the
// client is told about the first failure.
func (c *Config) rollback(changes []change) {
	c.mu.Lock()
	c.restore(changes)
	c.mu.Unlock()
	for _, ch := range changes {
		for _, hook := range c.hooks[ch.p] {
			_ = hook()
		}
	}
}

func setError(name, reason string) error {
	if reason == "" {
		return fmt.Errorf("ERR CONFIG SET failed (possibly related to argument '%s')", name)
	}
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}
