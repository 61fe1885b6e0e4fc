// Command sfleak finds Salesforce Connected App credentials and client-credentials usage in
// directories, git histories and GitHub organisations, and reports each exposure path.
// main only wires flags to packages; run is the one place errors become exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes: a fixed contract (README, "Exit codes").
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// env is what a subcommand may touch of the outside world; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stderrIsTerminal decides progress bars and colour.
	stderrIsTerminal bool
	stdoutIsTerminal bool
}

// usageError is a bad command line: exit 2 with a one-line message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type subcommand func(ctx context.Context, e *env, args []string) (int, error)

var subcommands = map[string]subcommand{
	"scan":    runScan,
	"sweep":   runSweep,
	"merge":   runMerge,
	"triage":  runTriage,
	"rules":   runRules,
	"version": runVersion,
}

const usage = `usage: sfleak <command> [flags]

commands:
  scan [flags] PATH|URL...     scan a directory, a git repository (full history) or a clone URL
  sweep --github-org ORG | --github-user USER [flags]
                               scan every repository of a GitHub organisation or user
  merge [--format F] [--output FILE] REPORT.json...
                               combine shard reports
  triage (--stdin | --env VAR | --fingerprint FP) [flags] PATH|URL...
                               incident response for one leaked credential
  rules                        list the rules
  version                      print the version

Run 'sfleak <command> -h' for a command's flags.`

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, usage)
		return exitError
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		fmt.Fprintln(e.stdout, usage)
		return exitOK
	}
	cmd, ok := subcommands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "sfleak: unknown command %q (want one of scan, sweep, merge, triage, rules, version)\n", name)
		return exitError
	}
	code, err := cmd(ctx, e, args[1:])
	if err != nil {
		if errors.Is(err, errHelp) {
			return exitOK
		}
		fmt.Fprintf(e.stderr, "sfleak %s: %s\n", name, oneLine(err.Error()))
		return exitError
	}
	return code
}

// errHelp is returned after -h printed the flags.
var errHelp = errors.New("help requested")

// oneLine keeps error output to a single line, as scripts expect.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{
		stdin:            os.Stdin,
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		getenv:           os.Getenv,
		stderrIsTerminal: isTerminal(os.Stderr),
		stdoutIsTerminal: isTerminal(os.Stdout),
	}
	os.Exit(run(ctx, os.Args[1:], e))
}
