package detectors

// structuralDetectors returns the hand-written detectors for structure a regular expression
// cannot see (token calls, password grants, HTTP Basic client auth, metadata XML).
// The engine adds them beside the rules compiled from rules.toml.
func structuralDetectors(cfg *Config) []Detector { return nil }
