package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner"
	"github.com/sfleak/sfleak/scanner/github"
	"github.com/sfleak/sfleak/scanner/state"
)

// sweepRetry is the API retry policy; tests replace it with a fake clock.
var sweepRetry github.RetryPolicy

// runSweep implements 'sfleak sweep --github-org ORG | --github-user USER [flags]'.
func runSweep(ctx context.Context, e *env, args []string) (int, error) {
	var c commonFlags
	var ghOrg, ghUser, ghURL, statePath, cacheDir, shardFlag, visibility, repoPattern string
	var forks, archived, trustRepo bool
	fs := newFlagSet("sweep", "--github-org ORG | --github-user USER [flags]", e)
	c.register(fs)
	fs.StringVar(&ghOrg, "github-org", "", "sweep every repository of organisation `ORG`")
	fs.StringVar(&ghUser, "github-user", "", "sweep every repository of user `USER`")
	fs.StringVar(&ghURL, "github-url", "", "API base `URL` for GitHub Enterprise Server (default: github.com's API); the token goes nowhere else")
	fs.StringVar(&statePath, "state", "", "SQLite state `FILE` for incremental sweeps (none: a full sweep, no new flags)")
	fs.StringVar(&cacheDir, "cache", "", "keep bare clones in `DIR` between sweeps (default: a temporary directory, removed)")
	fs.StringVar(&shardFlag, "shard", "", "sweep only part `I/N` (I from 1) of the repository list, split by a hash of each name")
	fs.BoolVar(&forks, "include-forks", false, "sweep forks too")
	fs.BoolVar(&archived, "include-archived", false, "sweep archived repositories too")
	fs.StringVar(&visibility, "visibility", "all", "only repositories with this `VISIBILITY`: "+strings.Join(github.Visibilities, "|"))
	fs.StringVar(&repoPattern, "repo", "", "only repositories whose owner/name matches `REGEX`")
	fs.BoolVar(&trustRepo, "trust-repo-config", false, "let each repository's .sfleak.toml and sfleak:allow comments hide findings (default: kept, marked suppressed)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := c.validate(); err != nil {
		return exitError, err
	}
	if len(rest) > 0 {
		return exitError, usagef("unexpected argument %q: sweep takes no PATH (use --github-org or --github-user)", rest[0])
	}
	if (ghOrg == "") == (ghUser == "") {
		return exitError, usagef("want exactly one of --github-org ORG and --github-user USER")
	}
	filter := github.Filter{IncludeForks: forks, IncludeArchived: archived, Visibility: visibility}
	if !slices.Contains(github.Visibilities, visibility) {
		return exitError, usagef("--visibility %q: want one of %s", visibility, strings.Join(github.Visibilities, ", "))
	}
	if repoPattern != "" {
		if filter.Name, err = regexp.Compile(repoPattern); err != nil {
			return exitError, usagef("--repo %q: %v", repoPattern, err)
		}
	}
	if shardFlag != "" {
		if filter.Shard, err = github.ParseShard(shardFlag); err != nil {
			return exitError, usageError{err.Error()}
		}
	}

	su, err := loadSetup(c.config, c.org, c.orgUsers)
	if err != nil {
		return exitError, err
	}
	layers, weights, org, orgErrs := su.layers, su.weights, su.org, su.orgErrs

	start := time.Now()
	if cacheDir == "" {
		if cacheDir, err = os.MkdirTemp("", "sfleak-sweep-"); err != nil {
			return exitError, fmt.Errorf("temporary clone directory: %v", err)
		}
		defer os.RemoveAll(cacheDir)
	} else if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return exitError, fmt.Errorf("--cache %s: %v", cacheDir, unwrapPathError(err))
	}
	var store state.Store
	if statePath != "" {
		st, err := state.Open(ctx, statePath)
		if err != nil {
			return exitError, err
		}
		defer st.Close()
		store = st
	}

	bar := newSweepProgress(e)
	defer bar.finish()
	client, err := github.NewClient(github.Options{BaseURL: ghURL, Token: e.getenv("GITHUB_TOKEN"),
		Retry: sweepRetry, Notify: bar.status})
	if err != nil {
		return exitError, usageError{err.Error()}
	}
	bar.status("listing repositories")
	repos, err := client.ListRepos(ctx, github.Owner{Org: ghOrg, User: ghUser}, filter)
	bar.status("")
	if err != nil {
		if ctx.Err() != nil {
			return exitError, fmt.Errorf("interrupted")
		}
		return exitError, err
	}

	jobs := c.jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	parallel := max(1, min(jobs, len(repos)))
	var orgMu sync.Mutex
	sw := &github.Sweeper{
		Client:    client,
		CacheDir:  cacheDir,
		Store:     store,
		RulesHash: rulesHash(layers),
		Jobs:      parallel,
		Progress:  bar,
		Scan:      sweepScanner(layers, trustRepo, max(1, jobs/parallel)),
		Visit: func(ctx context.Context, r github.Repo, m github.Mirror) []report.Error {
			// Metadata committed in the swept repositories (a Connected App with its
			// consumer key) tells exposures which app a leaked key opens.
			files, err := github.HeadFiles(m.Dir, sfmeta.IsMetadataPath)
			if err != nil {
				return []report.Error{{Source: r.FullName, Message: "metadata: " + oneLine(err.Error())}}
			}
			paths := make([]string, 0, len(files))
			for p := range files {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			var errs []report.Error
			orgMu.Lock()
			defer orgMu.Unlock()
			for _, p := range paths {
				if err := org.AddFile(p, files[p]); err != nil {
					errs = append(errs, report.Error{Source: r.FullName + ":" + p, Message: oneLine(err.Error())})
				}
			}
			return errs
		},
	}
	res, err := sw.Run(ctx, repos)
	bar.finish()
	if err != nil {
		if ctx.Err() != nil {
			return exitError, fmt.Errorf("interrupted (state is saved for every repository finished)")
		}
		return exitError, err
	}

	rep := &report.Report{Findings: res.Findings, Errors: append(orgErrs, res.Errors...), Stats: res.Stats}
	rep.Stats.DurationMS = time.Since(start).Milliseconds()
	if err := finish(rep, finishOptions{baseline: c.baseline, noRedact: c.noRedact, weights: weights, org: org}); err != nil {
		return exitError, err
	}
	if err := writeReport(e, rep, c.format, c.output); err != nil {
		return exitError, err
	}
	return exitCode(rep, c.failOn), nil
}

// sweepScanner scans one bare clone with the shared layers plus the repository's own
// .sfleak.toml: untrusted (its allowlists and inline comments mark findings suppressed, kept
// for the security team) unless trustRepo, when suppressed findings are dropped as in scan.
func sweepScanner(layers []detectors.ConfigLayer, trustRepo bool, jobs int) github.ScanFunc {
	return func(ctx context.Context, req github.ScanRequest) (*github.ScanResult, error) {
		var errs []report.Error
		repoCfg, _, err := scanner.ReadRepoConfig(req.Dir)
		if err != nil {
			errs = append(errs, report.Error{Source: req.Repo.FullName + ":" + scanner.RepoConfigName, Message: oneLine(err.Error())})
			repoCfg = nil
		}
		name := req.Repo.FullName + ":" + scanner.RepoConfigName
		eng, err := engineFor(layers, repoCfg, name, trustRepo)
		if err != nil {
			// A broken repository config must not hide the repository: scan with ours.
			errs = append(errs, report.Error{Source: name, Message: oneLine(err.Error())})
			if eng, err = engineFor(layers, nil, "", true); err != nil {
				return nil, err
			}
		}
		res, err := scanner.Scan(ctx, req.Dir, eng, scanner.Options{
			Repository:  req.Repo.FullName,
			SkipPath:    eng.SkipPath,
			SkipBlob:    req.SkipBlob,
			ScannedBlob: req.ScannedBlob,
			Jobs:        jobs,
		})
		if err != nil {
			return nil, err
		}
		findings := res.Findings
		if trustRepo {
			findings = dropSuppressed(findings)
		}
		return &github.ScanResult{Findings: findings, Errors: append(errs, res.Errors...), Stats: res.Stats}, nil
	}
}

// rulesHash identifies what detection depends on: the tool version and every config layer.
// Blobs a state file recorded under another hash are scanned again.
func rulesHash(layers []detectors.ConfigLayer) string {
	h := sha256.New()
	io.WriteString(h, sfleak.Version)
	for _, l := range layers {
		h.Write([]byte{0})
		h.Write(l.Data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// sweepProgress is one bar for the whole sweep (a step per repository) on a terminal; off a
// terminal, waits are reported as lines on stderr so that CI logs explain a pause.
type sweepProgress struct {
	mu   sync.Mutex
	e    *env
	bar  *progressbar.ProgressBar
	last string
	done bool
}

func newSweepProgress(e *env) *sweepProgress {
	p := &sweepProgress{e: e}
	if e.stderrIsTerminal {
		// Created before listing starts: rate-limit waits happen while listing.
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("listing repositories"),
			progressbar.OptionShowCount(),
			// No throttle: a step is a whole repository, and a rate-limit wait must show at once.
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
	}
	return p
}

// Start implements github.Progress.
func (p *sweepProgress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.done {
		p.bar.ChangeMax(total)
		p.bar.Describe("sweeping")
	}
}

// Done implements github.Progress.
func (p *sweepProgress) Done(fullName string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		if p.last == "" {
			p.bar.Describe(fullName)
		}
		_ = p.bar.Add(1)
	}
}

// status shows a wait (a rate limit) in the bar's description, or as a line without a
// terminal; "" ends it.
func (p *sweepProgress) status(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.last = msg
	if p.bar != nil {
		if msg == "" {
			msg = "sweeping"
		}
		p.bar.Describe(msg)
		return
	}
	if msg != "" && msg != "listing repositories" {
		fmt.Fprintf(p.e.stderr, "sfleak sweep: %s\n", msg)
	}
}

func (p *sweepProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.done {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	}
	p.done = true
}
