// This file holds CONFIG GET.

package config

import (
	"github.com/redis-go/redis-server/glob"

	"sort"
	"strings"
)

// Get is CONFIG GET pattern [pattern ...]: name/value pairs, sorted by
// name, for every parameter a pattern matches. Patterns are Redis globs,
// matched without regard to case against canonical names and aliases alike
// (each is its own pair). Hidden parameters answer exact names only. A
// pattern without * ? [ is a plain name, answered under the spelling it was
// given in (CONFIG GET PORT returns "PORT").
func (c *Config) Get(patterns ...string) [][2]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	type match struct {
		key string
		p   *param
	}
	matches := map[string]match{} // by lower-cased key
	add := func(key string, p *param) {
		if _, dup := matches[strings.ToLower(key)]; !dup {
			matches[strings.ToLower(key)] = match{key, p}
		}
	}
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			if p := c.lookup(pat); p != nil {
				add(pat, p)
			}
			continue
		}
		for name, p := range c.byName {
			if p.flags&Hidden == 0 && glob.Match([]byte(pat), []byte(name), true) {
				add(name, p)
			}
		}
	}
	out := make([][2]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, [2]string{m.key, m.p.kind.format(c.value(m.p.name))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
