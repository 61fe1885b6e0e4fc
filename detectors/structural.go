package detectors

// structuralDetectors returns the hand-written detectors for structure a regular expression
// cannot see (token calls, password grants, HTTP Basic client auth, metadata XML).
// The engine adds them beside the rules compiled from rules.toml. They need no configuration:
// placeholders and environment lookups are judged with IsPlaceholder / IsEnvLookup, and the
// engine applies allowlists to their matches like to any other.
func structuralDetectors(_ *Config) []Detector {
	return []Detector{
		xmlMetaDetector{},
		tokenCallDetector{},
		passwordGrantDetector{},
		basicAuthDetector{},
	}
}
