package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner"
)

// runScan implements 'sfleak scan [flags] PATH|URL...'.
func runScan(ctx context.Context, e *env, args []string) (int, error) {
	var c commonFlags
	var noGit, staged bool
	var since string
	var maxSize int64
	fs := newFlagSet("scan", "[flags] PATH|URL...", e)
	c.register(fs)
	fs.BoolVar(&noGit, "no-git", false, "scan PATH as plain files even if it is a repository")
	fs.StringVar(&since, "since", "", "only history after `REF` (CI on a pull request)")
	fs.BoolVar(&staged, "staged", false, "only what is staged (pre-commit hook)")
	fs.Int64Var(&maxSize, "max-file-size", 10<<20, "skip files and blobs larger than `BYTES` (counted in stats)")
	targets, err := parseArgs(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := c.validate(); err != nil {
		return exitError, err
	}
	if len(targets) == 0 {
		return exitError, usagef("no PATH or URL to scan (try: sfleak scan .)")
	}
	if staged && since != "" {
		return exitError, usagef("--staged and --since do not go together")
	}
	if maxSize <= 0 {
		return exitError, usagef("--max-file-size %d: want a positive number of bytes", maxSize)
	}

	su, err := loadSetup(c.config, c.org, c.orgUsers)
	if err != nil {
		return exitError, err
	}
	layers, weights, org, orgErrs := su.layers, su.weights, su.org, su.orgErrs

	start := time.Now()
	rep := &report.Report{Errors: orgErrs}
	var ignoreFile string
	var failed []string
	for _, target := range targets {
		res, err := scanTarget(ctx, e, target, layers, org, scanner.Options{
			NoGit:       noGit,
			Since:       since,
			Staged:      staged,
			MaxFileSize: maxSize,
			Jobs:        c.jobs,
		})
		if err != nil {
			if ctx.Err() != nil {
				return exitError, fmt.Errorf("interrupted")
			}
			failed = append(failed, err.Error())
			rep.Errors = append(rep.Errors, report.Error{Source: target, Message: err.Error()})
			continue
		}
		rep.Findings = append(rep.Findings, dropSuppressed(res.Findings)...)
		rep.Errors = append(rep.Errors, res.Errors...)
		addStats(&rep.Stats, res.Stats)
		if len(targets) == 1 && res.Root != "" {
			// A developer's own fingerprint ignore list sits beside their .sfleak.toml.
			ignoreFile = filepath.Join(res.Root, ".sfleakignore")
		}
	}
	rep.Stats.DurationMS = time.Since(start).Milliseconds()

	if err := finish(rep, finishOptions{
		baseline: c.baseline, ignoreFile: ignoreFile, noRedact: c.noRedact,
		weights: weights, org: org,
	}); err != nil {
		return exitError, err
	}
	if err := writeReport(e, rep, c.format, c.output); err != nil {
		return exitError, err
	}
	if len(failed) > 0 {
		// Every other target was scanned and reported; the run still failed.
		return exitError, fmt.Errorf("%s", failed[0])
	}
	return exitCode(rep, c.failOn), nil
}

// scanTarget scans one PATH or URL with its own .sfleak.toml, and feeds Salesforce metadata
// found inside it into the org facts.
func scanTarget(ctx context.Context, e *env, target string, layers []detectors.ConfigLayer, org *sfmeta.Org, opts scanner.Options) (*scanner.Result, error) {
	repoCfg, repoCfgName, err := scanner.ReadRepoConfig(target)
	if err != nil {
		return nil, err
	}
	eng, err := engineFor(layers, repoCfg, repoCfgName, false)
	if err != nil {
		return nil, err
	}
	opts.SkipPath = eng.SkipPath
	opts.KeepBlob = sfmeta.IsMetadataPath
	if e.stderrIsTerminal {
		opts.Progress = e.stderr
	}
	res, err := scanner.Scan(ctx, target, eng, opts)
	if err != nil {
		return nil, err
	}
	for _, b := range res.Kept {
		if err := org.AddFile(b.Path, b.Data); err != nil {
			res.Errors = append(res.Errors, report.Error{Source: res.Repository + ":" + b.Path, Message: err.Error()})
		}
	}
	return res, nil
}

// dropSuppressed removes findings a repository's own allowlist or inline comment hides:
// in 'scan' the developer's word is final.
func dropSuppressed(fs []report.Finding) []report.Finding {
	out := fs[:0]
	for _, f := range fs {
		if !f.Suppressed {
			out = append(out, f)
		}
	}
	return out
}

func addStats(dst *report.Stats, s report.Stats) {
	dst.Blobs += s.Blobs
	dst.Bytes += s.Bytes
	dst.Commits += s.Commits
	dst.Repositories++
	dst.SkippedBinary += s.SkippedBinary
	dst.SkippedLarge += s.SkippedLarge
	dst.SkippedSymlink += s.SkippedSymlink
	dst.MissingObjects += s.MissingObjects
}
