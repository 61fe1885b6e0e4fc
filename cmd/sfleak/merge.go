package main

import (
	"context"
	"strings"

	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/report/exposure"
)

// runMerge implements 'sfleak merge [--format F] [--output FILE] REPORT.json...': the shard
// reports of one sweep become one report. Exposures are recomputed over the merged findings
// (a consumer key found by one shard pairs with its secret found by another), from report
// fields alone; --org and --config, when the shards used them, give the same org facts and
// weights.
func runMerge(ctx context.Context, e *env, args []string) (int, error) {
	var format, output, orgDir, orgUsers, config, failOn string
	fs := newFlagSet("merge", "[--format F] [--output FILE] REPORT.json...", e)
	fs.StringVar(&format, "format", "text", "report format: "+strings.Join(report.Formats(), "|"))
	fs.StringVar(&output, "output", "", "write the report to `FILE` (default stdout)")
	fs.StringVar(&orgDir, "org", "", "org metadata `DIR` the shards were swept with (exposures are recomputed)")
	fs.StringVar(&orgUsers, "org-users", "", "users `FILE`, instead of DIR/users.json")
	fs.StringVar(&config, "config", "", "the `FILE` given to the shards as --config (scoring weights)")
	fs.StringVar(&failOn, "fail-on", "low", "exit 1 when any finding is at or above `LEVEL` (info|low|medium|high|critical)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitError, err
	}
	if _, err := report.NewWriter(format, report.WriterOptions{}); err != nil {
		return exitError, usagef("--format %q: want one of %s", format, strings.Join(report.Formats(), ", "))
	}
	level, err := report.ParseLevel(failOn)
	if err != nil {
		return exitError, usagef("--fail-on %q: want one of info, low, medium, high, critical", failOn)
	}
	if len(files) == 0 {
		return exitError, usagef("no REPORT.json to merge")
	}
	var parts []*report.Report
	for _, f := range files {
		r, err := report.LoadReport(f)
		if err != nil {
			return exitError, err
		}
		parts = append(parts, r)
	}
	layers, err := configLayers(config)
	if err != nil {
		return exitError, err
	}
	weights, err := exposure.LoadWeights(layers...)
	if err != nil {
		return exitError, err
	}
	org, orgErrs, err := orgFacts(orgDir, orgUsers)
	if err != nil {
		return exitError, err
	}
	merged := report.Merge(parts...)
	merged.Errors = append(orgErrs, merged.Errors...)
	// Shard reports are redacted already unless they were written with --no-redact; either
	// way Finalize keeps what they show and never un-redacts.
	if err := finish(merged, finishOptions{noRedact: true, weights: weights, org: org}); err != nil {
		return exitError, err
	}
	if err := writeReport(e, merged, format, output); err != nil {
		return exitError, err
	}
	return exitCode(merged, level), nil
}
