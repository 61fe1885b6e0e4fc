package github

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/state"
)

// ScanRequest asks the injected scanner to scan one bare clone.
type ScanRequest struct {
	Repo Repo
	// Dir is the bare clone.
	Dir string
	// SkipBlob reports blobs an earlier sweep already scanned (nil: scan everything).
	SkipBlob func(id plumbing.Hash) bool
	// ScannedBlob must be called once for each blob scanned, from any goroutine.
	ScannedBlob func(id plumbing.Hash)
}

// ScanResult is what the injected scanner found in one repository. Findings name the
// repository by Repo.FullName (it is part of their fingerprints).
type ScanResult struct {
	Findings []report.Finding
	Errors   []report.Error
	Stats    report.Stats
}

// ScanFunc scans one repository; cmd/sfleak wires scanner.Scan with the detector engine.
type ScanFunc func(ctx context.Context, req ScanRequest) (*ScanResult, error)

// Progress follows a sweep: one step per repository. Implementations must be safe for
// concurrent use.
type Progress interface {
	// Start announces how many repositories the sweep covers.
	Start(total int)
	// Done says one repository is finished.
	Done(fullName string)
}

// Sweeper sweeps a list of repositories.
type Sweeper struct {
	Client *Client
	// CacheDir holds the bare clones, reused by the next sweep when it is kept.
	CacheDir string
	// Scan scans one clone.
	Scan ScanFunc
	// Store, when set, makes the sweep incremental and marks findings New.
	Store state.Store
	// RulesHash identifies the detection configuration; blobs scanned under another one are
	// scanned again.
	RulesHash string
	// Jobs is how many repositories are fetched and scanned at once (default 1).
	Jobs int
	// Progress may be nil.
	Progress Progress
	// Now is the clock for state times (default time.Now).
	Now func() time.Time
	// Visit, when set, is called for every repository fetched, scanned or not (unchanged
	// repositories are not scanned, yet their org metadata still counts): cmd/sfleak reads
	// Salesforce metadata from HEAD there. It may be called concurrently.
	Visit func(ctx context.Context, r Repo, m Mirror) []report.Error
}

// Result is a finished sweep.
type Result struct {
	Findings []report.Finding
	Errors   []report.Error
	Stats    report.Stats
	// Skipped counts repositories whose branches and tags had not moved since the last
	// sweep: nothing in them was scanned.
	Skipped int
}

// repoResult is one repository's part of a Result.
type repoResult struct {
	findings []report.Finding
	errors   []report.Error
	stats    report.Stats
	skipped  bool
	read     bool
}

// Run sweeps repos, Jobs at a time. A repository that cannot be fetched or scanned becomes an
// error naming it, and the sweep goes on; an error is returned only when the state store
// fails or ctx ends.
func (s *Sweeper) Run(ctx context.Context, repos []Repo) (*Result, error) {
	jobs := s.Jobs
	if jobs <= 0 {
		jobs = 1
	}
	jobs = min(jobs, max(len(repos), 1))
	if s.Progress != nil {
		s.Progress.Start(len(repos))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]repoResult, len(repos))
	var (
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := s.sweepOne(ctx, repos[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				results[i] = res
				if s.Progress != nil {
					s.Progress.Done(repos[i].FullName)
				}
			}
		}()
	}
feed:
	for i := range repos {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Result{}
	for _, r := range results {
		out.Findings = append(out.Findings, r.findings...)
		out.Errors = append(out.Errors, r.errors...)
		addStats(&out.Stats, r.stats)
		if r.read {
			out.Stats.Repositories++
		}
		if r.skipped {
			out.Skipped++
		}
	}
	return out, nil
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// sweepOne fetches, scans and records one repository. Its error is fatal to the sweep (the
// state store failed); problems with the repository itself go into repoResult.errors.
func (s *Sweeper) sweepOne(ctx context.Context, r Repo) (repoResult, error) {
	var res repoResult
	var known state.RepoState
	if s.Store != nil {
		var err error
		if known, err = s.Store.Repo(ctx, r.FullName); err != nil {
			return res, err
		}
	}
	fail := func(stage string, err error) (repoResult, error) {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.errors = append(res.errors, report.Error{Source: r.FullName,
			Message: stage + ": " + s.Client.Scrub(oneLine(err.Error()))})
		// What earlier sweeps found is still leaked: keep it in the report.
		if s.Store != nil {
			res.findings = s.decorate(r, state.Reconcile(known.Findings, nil, false))
		}
		return res, nil
	}

	m, err := s.Client.Sync(ctx, s.CacheDir, r)
	if err != nil {
		return fail("clone", err)
	}
	res.read = true
	if s.Visit != nil {
		res.errors = append(res.errors, s.Visit(ctx, r, m)...)
	}
	sameRules := known.RulesHash == s.RulesHash
	now := s.now()

	if s.Store != nil && known.Swept && sameRules && maps.Equal(known.Refs, m.Refs) {
		// Nothing moved: report what is known without reading a single blob.
		res.skipped = true
		res.findings = s.decorate(r, state.Reconcile(known.Findings, nil, false))
		err := s.Store.Save(ctx, state.Update{Repository: r.FullName, Time: now, Head: m.Head,
			Refs: m.Refs, RulesHash: s.RulesHash, Findings: res.findings})
		return res, err
	}
	if len(m.Refs) == 0 {
		// An empty repository: nothing to scan, but remember it was swept.
		if s.Store != nil {
			res.findings = s.decorate(r, state.Reconcile(known.Findings, nil, true))
			err = s.Store.Save(ctx, state.Update{Repository: r.FullName, Time: now, Refs: m.Refs,
				RulesHash: s.RulesHash, ResetBlobs: !sameRules, Complete: true})
		}
		return res, err
	}

	req := ScanRequest{Repo: r, Dir: m.Dir}
	var mu sync.Mutex
	scanned := map[plumbing.Hash]bool{}
	if s.Store != nil {
		seen := map[plumbing.Hash]bool{}
		if sameRules {
			if seen, err = s.Store.SeenBlobs(ctx, r.FullName); err != nil {
				return res, err
			}
		}
		// Blobs that held findings are scanned again: a copy of a leaked file at a new path,
		// or a leak still in HEAD, must be attributed afresh. They are few.
		req.SkipBlob = func(id plumbing.Hash) bool {
			matched, ok := seen[id]
			return ok && !matched
		}
		req.ScannedBlob = func(id plumbing.Hash) {
			mu.Lock()
			scanned[id] = false
			mu.Unlock()
		}
	}
	sr, err := s.Scan(ctx, req)
	if err != nil {
		return fail("scan", err)
	}
	res.stats = sr.Stats
	res.errors = append(res.errors, sr.Errors...)
	for i := range res.errors {
		if res.errors[i].Source == "" {
			res.errors[i].Source = r.FullName
		} else if !strings.HasPrefix(res.errors[i].Source, r.FullName) {
			res.errors[i].Source = r.FullName + ": " + res.errors[i].Source
		}
	}
	if s.Store == nil {
		res.findings = s.decorate(r, sr.Findings)
		return res, nil
	}
	for _, f := range sr.Findings {
		if f.Blob != "" {
			scanned[plumbing.NewHash(f.Blob)] = true
		}
	}
	fresh := s.decorate(r, sr.Findings)
	res.findings = s.decorate(r, state.Reconcile(known.Findings, fresh, true))
	err = s.Store.Save(ctx, state.Update{Repository: r.FullName, Time: now, Head: m.Head,
		Refs: m.Refs, RulesHash: s.RulesHash, Blobs: scanned, ResetBlobs: !sameRules,
		Findings: fresh, Complete: true})
	return res, err
}

// decorate sets what the GitHub listing knows: repository name, visibility, default branch
// and a permalink. Findings from the state store get the current values too (a repository
// made public since is public now).
func (s *Sweeper) decorate(r Repo, fs []report.Finding) []report.Finding {
	for i := range fs {
		f := &fs[i]
		f.Repository = r.FullName
		f.Visibility = r.Visibility
		f.DefaultBranch = r.DefaultBranch
		f.URL = Permalink(r, f.Commit, f.Path, f.Line)
	}
	return fs
}

// Permalink is the web URL of a line at a commit: <html_url>/blob/<commit>/<path>#L<line>.
// Without a commit it points at the default branch.
func Permalink(r Repo, commit, path string, line int) string {
	if r.HTMLURL == "" || path == "" {
		return ""
	}
	rev := commit
	if rev == "" {
		rev = r.DefaultBranch
	}
	if rev == "" {
		return ""
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	u := r.HTMLURL + "/blob/" + url.PathEscape(rev) + "/" + strings.Join(segs, "/")
	if line > 0 {
		u += "#L" + strconv.Itoa(line)
	}
	return u
}

// addStats adds b's counts to a (DurationMS is the caller's: the sweep's wall time).
func addStats(a *report.Stats, b report.Stats) {
	a.Blobs += b.Blobs
	a.Bytes += b.Bytes
	a.Commits += b.Commits
	a.SkippedBinary += b.SkippedBinary
	a.SkippedLarge += b.SkippedLarge
	a.SkippedSymlink += b.SkippedSymlink
	a.MissingObjects += b.MissingObjects
}

// String describes a result in one line for logs.
func (r *Result) String() string {
	return fmt.Sprintf("%d repositories (%d unchanged), %d blobs, %d findings, %d errors",
		r.Stats.Repositories, r.Skipped, r.Stats.Blobs, len(r.Findings), len(r.Errors))
}
