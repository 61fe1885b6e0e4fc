package detectors

// ConfigLayer is one TOML document merged into the configuration, in order: the built-in
// rules.toml, then --config, then a repository's .sfleak.toml. Name is used in errors.
// Allowlists from an untrusted layer (a scanned repository's own file) mark matches
// Suppressed instead of dropping them.
type ConfigLayer struct {
	Name    string
	Data    []byte
	Trusted bool
}

// Config is the compiled configuration. (Placeholder: the detectors-core work fills it.)
type Config struct{}
