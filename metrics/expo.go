package metrics

// The Prometheus text exposition format (version 0.0.4): one HELP and one
// TYPE line per metric family, then its samples, every sample of a family
// together.

import (
	"math"
	"strconv"
	"strings"
)

// registry collects samples by family, in the order families first appear.
type registry struct {
	order  []*family
	byName map[string]*family
}

type family struct {
	name, help, typ string
	lines           []string
}

func newRegistry() *registry { return &registry{byName: map[string]*family{}} }

func (r *registry) family(name, help, typ string) *family {
	f := r.byName[name]
	if f == nil {
		f = &family{name: name, help: help, typ: typ}
		r.byName[name] = f
		r.order = append(r.order, f)
	}
	return f
}

// gauge adds a sample of a gauge; labels are name, value pairs.
func (r *registry) gauge(name, help string, v float64, labels ...string) {
	r.family(name, help, "gauge").add(name, v, labels...)
}

// counter adds a sample of a counter.
func (r *registry) counter(name, help string, v float64, labels ...string) {
	r.family(name, help, "counter").add(name, v, labels...)
}

// add writes one sample line: name (the family's, or with a suffix such as
// _sum), labels, value.
func (f *family) add(name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatValue(v))
	f.lines = append(f.lines, b.String())
}

// text is the exposition.
func (r *registry) text() string {
	var b strings.Builder
	for _, f := range r.order {
		b.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
		b.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
		for _, l := range f.lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

// formatValue writes a float as the Prometheus client libraries do.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
