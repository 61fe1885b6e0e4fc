// Command sfleakbench builds synthetic histories and measures sfleak against gitleaks and
// against the read floor (git cat-file reading every object), side by side in one run, so that
// the figures in docs/performance.md are ratios taken on one machine at one time.
//
//	sfleakbench gen [--preset small|medium|large] [--seed N] [--commits N] [--churn F] DIR
//	sfleakbench run [--sfleak PATH] [--gitleaks PATH] [--runs 3] [--manifest FILE] [--json] REPO
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  sfleakbench gen [--preset small|medium|large] [--seed N] [--commits N] [--files N]
                  [--bytes-per-file N] [--files-per-commit N] [--plants N] [--churn F]
                  [--keyword-lines F] DIR
  sfleakbench run [--sfleak PATH] [--gitleaks PATH|none] [--runs N] [--manifest FILE]
                  [--json] [--no-jobs1] REPO
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "gen":
		err = runGen(args[1:], stdout)
	case "run":
		err = runBench(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sfleakbench:", err)
		return 2
	}
	return 0
}

// parseInterspersed lets flags follow the positional argument (`run REPO --manifest m.json`),
// which package flag alone stops at.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cpus() int { return runtime.NumCPU() }
