package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/report/exposure"
	"github.com/sfleak/sfleak/report/incident"
)

// The pieces every subcommand that scans shares: config layers, the engine, org facts,
// finishing and writing the report, and the exit code. Kept here so scan, sweep and triage
// cannot drift apart.

// configLayers returns the built-in rules.toml, then --config when given.
func configLayers(configPath string) ([]detectors.ConfigLayer, error) {
	layers := []detectors.ConfigLayer{{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true}}
	if configPath != "" {
		data, err := os.ReadFile(configPath)
		if err != nil {
			return nil, fmt.Errorf("--config %s: %w", configPath, unwrapPathError(err))
		}
		layers = append(layers, detectors.ConfigLayer{Name: configPath, Data: data, Trusted: true})
	}
	return layers, nil
}

// setup is what every scanning subcommand loads before it reads a repository: the config
// layers (checked by compiling them once, so a bad --config fails before any work), the risk
// weights and the org facts.
type setup struct {
	layers  []detectors.ConfigLayer
	weights exposure.Weights
	org     *sfmeta.Org
	orgErrs []report.Error
}

func loadSetup(configPath, orgDir, orgUsers string) (*setup, error) {
	layers, err := configLayers(configPath)
	if err != nil {
		return nil, err
	}
	if _, err := engineFor(layers, nil, "", true); err != nil {
		return nil, err
	}
	weights, err := exposure.LoadWeights(layers...)
	if err != nil {
		return nil, err
	}
	org, orgErrs, err := orgFacts(orgDir, orgUsers)
	if err != nil {
		return nil, err
	}
	return &setup{layers: layers, weights: weights, org: org, orgErrs: orgErrs}, nil
}

// engineFor builds the engine for one target: the shared layers plus the target's own
// .sfleak.toml, which is untrusted (its allowlists mark findings suppressed; scan then drops
// them, sweep keeps them for the security team).
func engineFor(layers []detectors.ConfigLayer, repoConfig []byte, repoConfigName string, trustRepo bool) (*detectors.Engine, error) {
	all := layers
	if repoConfig != nil {
		all = append(append([]detectors.ConfigLayer(nil), layers...),
			detectors.ConfigLayer{Name: repoConfigName, Data: repoConfig, Trusted: trustRepo})
	}
	cfg, err := detectors.LoadConfig(all...)
	if err != nil {
		return nil, err
	}
	return detectors.NewEngine(cfg)
}

// orgFacts loads --org DIR (and --org-users FILE); without --org it starts empty so that
// metadata found inside the scanned repositories can still be used.
func orgFacts(dir, usersFile string) (*sfmeta.Org, []report.Error, error) {
	if dir == "" {
		org := sfmeta.NewOrg()
		if usersFile != "" {
			return nil, nil, usagef("--org-users needs --org")
		}
		return org, nil, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("--org %s: %w", dir, unwrapPathError(err))
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("--org %s: not a directory", dir)
	}
	return sfmeta.LoadOrg(dir, usersFile)
}

// finishOptions are the report-shaping flags shared by scan, sweep and triage.
type finishOptions struct {
	baseline   string
	ignoreFile string // .sfleakignore (fingerprints); missing is fine
	noRedact   bool
	weights    exposure.Weights
	org        *sfmeta.Org
}

// finish computes exposures, applies the baseline and ignore file, and finalises.
func finish(r *report.Report, o finishOptions) error {
	var fps map[string]bool
	if o.ignoreFile != "" {
		var err error
		if fps, err = report.LoadIgnoreFile(o.ignoreFile); err != nil {
			return err
		}
		report.ApplyIgnore(r, fps)
	}
	if o.baseline != "" {
		b, err := report.LoadBaseline(o.baseline)
		if err != nil {
			return err
		}
		b.Filter(r)
	}
	org := o.org
	if org == nil {
		org = sfmeta.NewOrg()
	}
	r.Exposures = exposure.Build(r.Findings, org, o.weights)
	report.Finalize(r, report.FinalizeOptions{NoRedact: o.noRedact, ToolVersion: sfleak.Version})
	return nil
}

// writeReport renders r in format to --output (or stdout).
func writeReport(e *env, r *report.Report, format, output string) error {
	color := output == "" && e.stdoutIsTerminal && e.getenv("NO_COLOR") == ""
	w, err := report.NewWriter(format, report.WriterOptions{Color: color})
	if err != nil {
		return usagef("--format: %v", err)
	}
	if r.Incident != nil {
		// Triage: writers that leave the incident out get its section added.
		w = incident.WithIncident(format, w)
	}
	var out io.Writer = e.stdout
	if output != "" {
		if dir := filepath.Dir(output); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("--output %s: %w", output, unwrapPathError(err))
			}
		}
		f, err := os.Create(output)
		if err != nil {
			return fmt.Errorf("--output %s: %w", output, unwrapPathError(err))
		}
		defer f.Close()
		out = f
		if err := w.Write(out, r); err != nil {
			return fmt.Errorf("--output %s: %w", output, err)
		}
		return f.Close()
	}
	return w.Write(out, r)
}

// exitCode is 1 when any unsuppressed finding or exposure is at or above --fail-on.
func exitCode(r *report.Report, failOn string) int {
	if report.AtOrAbove(r, failOn) {
		return exitFindings
	}
	return exitOK
}

// unwrapPathError drops the Op and Path of an *os.PathError, whose message the caller
// already names, so errors stay one short line.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
