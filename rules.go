// Package sfleak embeds the built-in rules.toml, so the binary carries its rules and risk
// weights; --config and a repository's .sfleak.toml are merged over it.
package sfleak

import _ "embed"

// RulesTOML is the built-in rules.toml.
//
//go:embed rules.toml
var RulesTOML []byte

// Version is the tool version written into reports; set with -ldflags at release time.
var Version = "0.1.0-dev"
