// This file holds the kinds that cover most parameters, as config.c's
// generic types do: yes/no, numbers (plain, memory, percent, octal), strings
// and enums. Each parses with Redis's exact rules and error strings, formats
// as CONFIG GET shows it and rewrites as CONFIG REWRITE writes it.

package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis-go/redis-server/internal/num"
)

// boolKind is a yes/no parameter. Values are Go bools.
type boolKind struct {
	check func(bool) error // optional extra validation
}

func (k boolKind) parse(_ *Config, _ any, args []string) (any, error) {
	var v bool
	switch strings.ToLower(args[0]) {
	case "yes":
		v = true
	case "no":
	default:
		return nil, errors.New("argument must be 'yes' or 'no'")
	}
	if k.check != nil {
		if err := k.check(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (boolKind) format(v any) string { return yesNo(v.(bool)) }

func (k boolKind) rewrite(_ *Config, name string, v, def any) []rewriteLine {
	return []rewriteLine{{name + " " + yesNo(v.(bool)), v != def}}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// numKind is a numeric parameter. Values are int64 holding the bits of
// whatever C type Redis uses, so a maxmemory above 2^63 is stored negative
// and shown unsigned, as Redis does.
type numKind struct {
	lo, hi int64
	// unsigned compares bounds as uint64 (C's unsigned int, size_t and
	// unsigned long long), which is what lets maxmemory go up to 2^64-1.
	unsigned bool
	memory   bool // accepts units (memtoull); CONFIG GET shows bytes
	percent  bool // accepts "N%", stored as -N
	octal    bool // parsed and shown in base 8 (unixsocketperm)
	// adjust, when set, moves an accepted value into the range the server
	// can use, as Redis silently clamps hz.
	adjust func(int64) int64
}

func (k numKind) parse(_ *Config, _ any, args []string) (any, error) {
	v, err := k.parseNumber(args[0])
	if err != nil {
		return nil, err
	}
	if err := k.checkBounds(v); err != nil {
		return nil, err
	}
	if k.adjust != nil {
		v = k.adjust(v)
	}
	return v, nil
}

// parseNumber tries the forms the parameter accepts in Redis's order:
// memory, then percent, then octal, and a plain integer only for plain
// parameters.
func (k numKind) parseNumber(s string) (int64, error) {
	if k.memory {
		if u, ok := memToUint64(s); ok {
			return int64(u), nil
		}
	}
	if k.percent && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := num.ParseInt(s[:len(s)-1]); ok && v >= 0 {
			return -v, nil
		}
	}
	if k.octal {
		if v, ok := strtoll(s, 8); ok {
			return v, nil
		}
	}
	plain := !k.memory && !k.percent && !k.octal
	if v, ok := num.ParseInt(s); plain && ok {
		return v, nil
	}
	switch {
	case k.memory && k.percent:
		return 0, errors.New("argument must be a memory or percent value")
	case k.memory:
		return 0, errors.New("argument must be a memory value")
	case k.octal:
		return 0, errors.New("argument couldn't be parsed as an octal number")
	}
	return 0, errors.New("argument couldn't be parsed into an integer")
}

func (k numKind) checkBounds(v int64) error {
	if k.unsigned {
		if uint64(v) > uint64(k.hi) || uint64(v) < uint64(k.lo) {
			verb := "%d"
			if k.octal {
				verb = "%o"
			}
			return fmt.Errorf("argument must be between "+verb+" and "+verb+" inclusive",
				uint64(k.lo), uint64(k.hi))
		}
		return nil
	}
	if k.percent && v < 0 {
		if v < k.lo {
			return fmt.Errorf("percentage argument must be less or equal to %d", -k.lo)
		}
		return nil
	}
	if v > k.hi || v < k.lo {
		return fmt.Errorf("argument must be between %d and %d inclusive", k.lo, k.hi)
	}
	return nil
}

func (k numKind) format(v any) string {
	n := v.(int64)
	switch {
	case k.percent && n < 0:
		return strconv.FormatInt(-n, 10) + "%"
	case k.memory:
		return strconv.FormatUint(uint64(n), 10)
	case k.octal:
		return strconv.FormatInt(n, 8)
	}
	return strconv.FormatInt(n, 10)
}

func (k numKind) rewrite(_ *Config, name string, v, def any) []rewriteLine {
	n := v.(int64)
	switch {
	case k.percent && n < 0:
		return []rewriteLine{{fmt.Sprintf("%s %d%%", name, -n), -n != def.(int64)}}
	case k.memory:
		return []rewriteLine{{name + " " + formatMemory(n), v != def}}
	case k.octal:
		return []rewriteLine{{fmt.Sprintf("%s %o", name, n), v != def}}
	}
	return []rewriteLine{{fmt.Sprintf("%s %d", name, n), v != def}}
}

// stringKind is a free-form string parameter. Values are Go strings.
type stringKind struct {
	// nullable parameters treat "" as "not set" (Redis's
	// EMPTY_STRING_IS_NULL): they have no default to compare against, and
	// an unset one is removed from the file on rewrite.
	nullable bool
	check    func(c *Config, v string) error // optional extra validation
}

func (k stringKind) parse(c *Config, _ any, args []string) (any, error) {
	if k.check != nil {
		if err := k.check(c, args[0]); err != nil {
			return nil, err
		}
	}
	return args[0], nil
}

func (stringKind) format(v any) string { return v.(string) }

func (k stringKind) rewrite(_ *Config, name string, v, def any) []rewriteLine {
	s := v.(string)
	if k.nullable && s == "" {
		return nil
	}
	return []rewriteLine{{name + " " + repr(s), k.nullable || s != def}}
}

// enumKind is a parameter taking one of a fixed set of names. Values are
// ints. Several names may share a value (oom-score-adj's yes and relative);
// the first one is what CONFIG GET shows.
type enumKind struct {
	names []enumName
	// flags enums take several names at once and OR their values
	// (shutdown-on-sigterm "save now").
	flags bool
	check func(int) error // optional validation of the combined value
}

type enumName struct {
	name string
	val  int
}

func (k enumKind) parse(_ *Config, _ any, args []string) (any, error) {
	if len(args) == 0 || !k.flags && len(args) != 1 {
		return nil, k.choiceError()
	}
	v := 0
	for _, a := range args {
		matched := false
		for _, n := range k.names {
			if strings.EqualFold(a, n.name) {
				v |= n.val
				matched = true
			}
		}
		if !matched {
			return nil, k.choiceError()
		}
	}
	if k.check != nil {
		if err := k.check(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (k enumKind) choiceError() error {
	names := make([]string, len(k.names))
	for i, n := range k.names {
		names[i] = n.name
	}
	return errors.New("argument(s) must be one of the following: " + strings.Join(names, ", "))
}

// format names a value. A flags value that no single name matches is spelt
// as the names of its bits, and "unknown" when some bit has no name.
func (k enumKind) format(v any) string {
	val := v.(int)
	var names []string
	unmatched := val
	for _, n := range k.names {
		if n.val == val {
			return n.name
		}
		if k.flags && n.val != 0 && n.val == unmatched&n.val {
			names = append(names, n.name)
			unmatched &^= n.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

func (k enumKind) rewrite(_ *Config, name string, v, def any) []rewriteLine {
	return []rewriteLine{{name + " " + k.format(v), v != def}}
}
