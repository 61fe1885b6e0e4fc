package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/sfleak/sfleak/detectors"
)

// runRules implements 'sfleak rules': the rules of the built-in rules.toml (merged with
// --config when given), one per line: id, severity, description; or a JSON array.
func runRules(ctx context.Context, e *env, args []string) (int, error) {
	fs := newFlagSet("rules", "[--config FILE] [--format text|json]", e)
	configPath := fs.String("config", "", "extra rules / allowlists, merged over the built-in rules.toml")
	format := fs.String("format", "text", "output format: text|json")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitError, err
	}
	if len(rest) > 0 {
		return exitError, usagef("rules takes no arguments (got %q)", rest[0])
	}
	if *format != "text" && *format != "json" {
		return exitError, usagef("--format %q: want text or json", *format)
	}
	layers, err := configLayers(*configPath)
	if err != nil {
		return exitError, err
	}
	cfg, err := detectors.LoadConfig(layers...)
	if err != nil {
		return exitError, err
	}
	rules := cfg.Rules()
	if *format == "json" {
		type row struct {
			ID          string `json:"id"`
			Severity    string `json:"severity"`
			Description string `json:"description"`
		}
		rows := make([]row, 0, len(rules))
		for _, r := range rules {
			rows = append(rows, row{r.ID, r.Severity, r.Description})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return exitError, err
		}
		return exitOK, nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tDESCRIPTION")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Description)
	}
	if err := tw.Flush(); err != nil {
		return exitError, err
	}
	return exitOK, nil
}
