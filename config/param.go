// This file defines a parameter: the metadata half of the registry. Values
// live in viper; a param says how to parse, show and rewrite them.

package config

// Flags describe how a parameter may be changed, after Redis's config.c.
type Flags uint

const (
	// Immutable parameters are read at startup only: CONFIG SET refuses
	// them with "can't set immutable config".
	Immutable Flags = 1 << iota
	// Protected parameters (dir, dbfilename) can be set at run time only
	// when enable-protected-configs allows it for the calling client.
	Protected
	// DenyLoading parameters cannot be set while the dataset is loading;
	// the command layer checks this and replies -LOADING.
	DenyLoading
	// Sensitive parameters carry secrets: CONFIG SET arguments for them are
	// redacted from SLOWLOG, MONITOR and the like.
	Sensitive
	// Hidden parameters answer CONFIG GET by exact name only; no pattern
	// matches them.
	Hidden
	// multiArg parameters take any number of arguments on a config line,
	// and CONFIG SET splits their value on spaces.
	multiArg
)

// param is one server parameter.
type param struct {
	name  string // canonical name, the viper key
	alias string // the other name Redis accepts for it, often its "slave" spelling
	flags Flags
	kind  kind
	def   any // default value, of the kind's Go type
}

// kind is the behaviour shared by all parameters of one type.
type kind interface {
	// parse turns config-line arguments into a value, or fails with
	// Redis's message. cur is the current value: some kinds update it
	// rather than replace it (client-output-buffer-limit), others resolve
	// against it (dir).
	parse(c *Config, cur any, args []string) (any, error)
	// format renders a value as CONFIG GET shows it.
	format(v any) string
	// rewrite renders the lines CONFIG REWRITE writes for a value. No lines
	// means the option must not appear in the file at all.
	rewrite(c *Config, name string, v, def any) []rewriteLine
}

// rewriteLine is one line CONFIG REWRITE wants in the file. A forced line is
// appended when the file has no line left to reuse for the option; an
// unforced one (the value is the default) only replaces an existing line.
type rewriteLine struct {
	text  string
	force bool
}
