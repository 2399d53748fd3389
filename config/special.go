// This file holds the parameters that fit no generic kind and that config.c
// implements by hand: save, bind, replicaof, oom-score-adj-values and
// latency-tracking-info-percentiles. Most take several arguments on one
// config line.

package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SaveParam is one "save <seconds> <changes>" rule: snapshot when at least
// Changes writes happened in the last Seconds seconds.
type SaveParam struct {
	Seconds int64
	Changes int64
}

// saveKind is the save parameter. Values are []SaveParam.
//
// In a config file, save lines accumulate; the first one read replaces the
// defaults. CONFIG SET replaces the whole list. `save ""` always empties it.
type saveKind struct{}

var errSave = errors.New("Invalid save parameters")

func (saveKind) parse(c *Config, cur any, args []string) (any, error) {
	reset := len(args) == 1 && args[0] == ""
	if reset {
		args = nil
	}
	if len(args)%2 != 0 {
		return nil, errSave
	}
	var parsed []SaveParam
	for j := 0; j < len(args); j += 2 {
		seconds, ok1 := strtoll(args[j], 10)
		changes, ok2 := strtoll(args[j+1], 10)
		if !ok1 || !ok2 || seconds < 1 || changes < 0 {
			return nil, errSave
		}
		// Redis keeps changes in an int: larger counts wrap, visibly.
		parsed = append(parsed, SaveParam{seconds, int64(int32(changes))})
	}
	var base []SaveParam
	if c.load.reading && c.load.saveSeen && !reset {
		base = cur.([]SaveParam)
	}
	if c.load.reading {
		c.load.saveSeen = true
	}
	return append(slices.Clone(base), parsed...), nil
}

func (saveKind) format(v any) string {
	var parts []string
	for _, s := range v.([]SaveParam) {
		parts = append(parts, fmt.Sprintf("%d %d", s.Seconds, s.Changes))
	}
	return strings.Join(parts, " ")
}

// rewrite always writes save lines, `save ""` when there are none, so that a
// restart does not bring the defaults back.
func (saveKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	params := v.([]SaveParam)
	if len(params) == 0 {
		return []rewriteLine{{name + ` ""`, true}}
	}
	lines := make([]rewriteLine, len(params))
	for i, s := range params {
		lines[i] = rewriteLine{fmt.Sprintf("%s %d %d", name, s.Seconds, s.Changes), true}
	}
	return lines
}

// bindKind is the bind parameter: up to 16 addresses. Values are []string.
type bindKind struct{}

const maxBindAddrs = 16

var defaultBind = []string{"*", "-::*"}

func (bindKind) parse(_ *Config, _ any, args []string) (any, error) {
	if len(args) > maxBindAddrs {
		return nil, errors.New("Too many bind addresses specified.")
	}
	if len(args) == 1 && args[0] == "" {
		return []string{}, nil
	}
	return slices.Clone(args), nil
}

func (bindKind) format(v any) string { return strings.Join(v.([]string), " ") }

// rewrite drops bind from the file when it has the default addresses.
func (bindKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	addrs := v.([]string)
	switch {
	case slices.Equal(addrs, defaultBind):
		return nil
	case len(addrs) == 0:
		return []rewriteLine{{name + ` ""`, true}}
	}
	return []rewriteLine{{name + " " + strings.Join(addrs, " "), true}}
}

// ReplicaOf is the master a server replicates from. The zero value means
// the server is a master.
type ReplicaOf struct {
	Host string
	Port int64
}

// replicaOfKind is the replicaof parameter. Values are ReplicaOf.
type replicaOfKind struct{}

func (replicaOfKind) parse(_ *Config, _ any, args []string) (any, error) {
	if len(args) != 2 {
		return nil, errors.New("wrong number of arguments")
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		return ReplicaOf{}, nil
	}
	port, ok := strtoll(args[1], 10)
	if !ok || port < 0 || port > 65535 {
		return nil, errors.New("Invalid master port")
	}
	return ReplicaOf{args[0], port}, nil
}

func (replicaOfKind) format(v any) string {
	r := v.(ReplicaOf)
	if r.Host == "" {
		return ""
	}
	return fmt.Sprintf("%s %d", r.Host, r.Port)
}

// rewrite keeps replicaof out of the file of a master, and of any cluster
// node, whose replication the cluster state file owns.
func (k replicaOfKind) rewrite(c *Config, name string, v, _ any) []rewriteLine {
	if v.(ReplicaOf).Host == "" || c.value("cluster-enabled").(bool) {
		return nil
	}
	return []rewriteLine{{name + " " + k.format(v), true}}
}

// oomScoreKind is oom-score-adj-values: the oom_score_adj of a master, a
// replica and a background child. Values are []int64 of length 3.
type oomScoreKind struct{}

func (oomScoreKind) parse(_ *Config, _ any, args []string) (any, error) {
	if len(args) != 3 {
		return nil, errors.New("wrong number of arguments")
	}
	vals := make([]int64, 3)
	for i, a := range args {
		v, ok := strtoll(a, 10)
		if !ok || v < -2000 || v > 2000 {
			return nil, errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
		}
		vals[i] = v
	}
	return vals, nil
}

func (oomScoreKind) format(v any) string {
	var parts []string
	for _, n := range v.([]int64) {
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, " ")
}

func (k oomScoreKind) rewrite(_ *Config, name string, v, def any) []rewriteLine {
	return []rewriteLine{{name + " " + k.format(v), !slices.Equal(v.([]int64), def.([]int64))}}
}

// percentilesKind is latency-tracking-info-percentiles. Values are
// []float64.
type percentilesKind struct{}

func (percentilesKind) parse(_ *Config, _ any, args []string) (any, error) {
	if len(args) == 1 && args[0] == "" {
		return []float64{}, nil
	}
	vals := make([]float64, len(args))
	for i, a := range args {
		f, ok := string2d(a)
		if !ok {
			return nil, errors.New("Invalid latency-tracking-info-percentiles parameters")
		}
		if f < 0 || f > 100 {
			return nil, errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
		vals[i] = f
	}
	return vals, nil
}

func (percentilesKind) format(v any) string {
	var parts []string
	for _, f := range v.([]float64) {
		parts = append(parts, formatDouble(f))
	}
	return strings.Join(parts, " ")
}

// rewrite always writes the line, `""` when empty, like save.
func (k percentilesKind) rewrite(_ *Config, name string, v, _ any) []rewriteLine {
	if len(v.([]float64)) == 0 {
		return []rewriteLine{{name + ` ""`, true}}
	}
	return []rewriteLine{{name + " " + k.format(v), true}}
}
