package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/sfleak/sfleak/report"
)

// newFlagSet returns a flag set that reports errors instead of exiting, printing its usage
// to stderr only when -h is asked for.
func newFlagSet(name, synopsis string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("sfleak "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every parse error; a typo deserves one line, so the
	// full help is printed only for -h (see parseArgs).
	fs.Usage = func() {}
	helpMu.Lock()
	defer helpMu.Unlock()
	helpPrinters[fs] = func() {
		fmt.Fprintf(e.stderr, "usage: sfleak %s %s\n\nflags:\n", name, synopsis)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// helpPrinters holds each flag set's -h output (tests run commands concurrently).
var (
	helpMu       sync.Mutex
	helpPrinters = map[*flag.FlagSet]func(){}
)

// parseArgs parses flags wherever they stand among the positional arguments
// ("sfleak scan . --format json" works as users expect), and returns the positionals.
// A literal "--" ends flag parsing.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				helpMu.Lock()
				p := helpPrinters[fs]
				helpMu.Unlock()
				if p != nil {
					p()
				}
				return nil, errHelp
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// commonFlags are the report flags shared by scan, sweep and triage.
type commonFlags struct {
	format, output, org, orgUsers, config, baseline, failOn string
	noRedact                                                bool
	jobs                                                    int
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "report format: "+strings.Join(report.Formats(), "|"))
	fs.StringVar(&c.output, "output", "", "write the report to `FILE` (default stdout)")
	fs.StringVar(&c.org, "org", "", "org metadata `DIR`: an SFDX project or metadata-API retrieve, plus users.json")
	fs.StringVar(&c.orgUsers, "org-users", "", "users `FILE` (sf data query … --json), instead of DIR/users.json")
	fs.StringVar(&c.config, "config", "", "extra rules and allowlists `FILE`, merged over the built-in rules.toml")
	fs.StringVar(&c.baseline, "baseline", "", "a previous JSON report `FILE`: report only findings not in it")
	fs.StringVar(&c.failOn, "fail-on", "low", "exit 1 when any finding is at or above `LEVEL` (info|low|medium|high|critical)")
	fs.BoolVar(&c.noRedact, "no-redact", false, "print secrets in full (never the default)")
	fs.IntVar(&c.jobs, "jobs", 0, "workers (default: number of CPUs)")
}

func (c *commonFlags) validate() error {
	if _, err := report.NewWriter(c.format, report.WriterOptions{}); err != nil {
		return usagef("--format %q: want one of %s", c.format, strings.Join(report.Formats(), ", "))
	}
	level, err := report.ParseLevel(c.failOn)
	if err != nil {
		return usagef("--fail-on %q: want one of info, low, medium, high, critical", c.failOn)
	}
	c.failOn = level
	if c.jobs < 0 {
		return usagef("--jobs %d: want 0 (all CPUs) or more", c.jobs)
	}
	return nil
}
