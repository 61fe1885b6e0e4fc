package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/report"
)

// DefaultMaxFileSize is the blob size limit when Options.MaxFileSize is 0: larger blobs are
// generated or vendored data far more often than hand-written configuration.
const DefaultMaxFileSize = 10 << 20

// binarySniffLen is how much of a blob is searched for a NUL byte, as git itself does.
const binarySniffLen = 8000

// Matcher finds secrets in one blob; the detector engine satisfies it. Scan calls it from
// several goroutines at once, and it must not retain data.
type Matcher interface {
	Scan(path string, data []byte) []detectors.Match
}

// Options tune one Scan. The zero value scans everything with runtime.NumCPU() workers.
type Options struct {
	// NoGit scans the target as plain files even if it is a repository.
	NoGit bool
	// Since limits a repository scan to commits reachable from some ref but not from Since,
	// and to blobs those commits bring that Since's boundary trees lack.
	Since string
	// Staged scans only what the index holds that HEAD does not (a pre-commit hook).
	Staged bool
	// MaxFileSize is the largest blob scanned, in bytes (DefaultMaxFileSize when 0, no
	// limit when negative); larger ones are counted in Stats.SkippedLarge.
	MaxFileSize int64
	// Jobs is the number of workers reading and matching blobs (runtime.NumCPU() when 0).
	Jobs int
	// SkipPath reports paths (slash-separated, relative to the root) not to scan.
	SkipPath func(path string) bool
	// Repository overrides the stable repository name put in findings and fingerprints.
	Repository string
	// Progress, when non-nil, receives one progress bar, cleared when the scan ends.
	Progress io.Writer
	// SkipBlob reports blobs already scanned by an earlier incremental sweep.
	SkipBlob func(id plumbing.Hash) bool
	// ScannedBlob is called once for each blob scanned (from several goroutines).
	ScannedBlob func(id plumbing.Hash)
	// KeepBlob selects paths whose current content (HEAD, worktree or plain file) is
	// returned in Result.Kept: org metadata files that live in the scanned repository.
	KeepBlob func(path string) bool
	// Worktree scans the uncommitted changes of a non-bare repository (default true).
	Worktree *bool
	// Auth authenticates clone URL targets. Scan never puts it in a stored URL or error.
	Auth transport.AuthMethod
}

// Result is what one Scan found and read.
type Result struct {
	// Repository is the stable name used in fingerprints.
	Repository string
	// Root is the scanned directory or repository (the temporary clone for URLs, removed
	// when Scan returns).
	Root     string
	Findings []report.Finding
	Errors   []report.Error
	Stats    report.Stats
	// Kept holds the blobs Options.KeepBlob selected, sorted by path.
	Kept []Blob
	// Head is the HEAD commit, empty outside git or in an empty repository.
	Head string
}

// Scan reads target (a directory, a file, a git repository with its whole history, or a
// clone URL), runs m over each distinct blob once, and returns findings with provenance.
// Problems with single inputs (an unreadable file, a missing object) are recorded in
// Result.Errors and the scan goes on; an error is returned only when target does not exist
// or nothing at all could be read.
func Scan(ctx context.Context, target string, m Matcher, opts Options) (*Result, error) {
	start := time.Now()
	if isURL(target) {
		return scanURL(ctx, target, m, opts, start)
	}
	fi, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory", target)
		}
		return nil, fmt.Errorf("%s: %v", target, err)
	}
	name := opts.Repository
	if name == "" {
		name = RepositoryName(target)
	}
	s := newSession(ctx, m, opts, name, target)
	defer s.finishProgress()

	if !opts.NoGit && fi.IsDir() {
		repo, err := openRepo(target)
		switch {
		case err == nil:
			err = s.scanGit(repo)
			repo.close()
			if err != nil {
				return nil, err
			}
			return s.result(start), nil
		case !errors.Is(err, git.ErrRepositoryNotExists):
			return nil, err
		}
	}
	if opts.Staged {
		return nil, fmt.Errorf("%s: --staged needs a git repository", target)
	}
	if opts.Since != "" {
		return nil, fmt.Errorf("%s: --since needs a git repository", target)
	}
	if err := s.scanDir(target, fi); err != nil {
		return nil, err
	}
	return s.result(start), nil
}

// located is a match with its line and column in the blob it came from.
type located struct {
	detectors.Match
	Line, Column int
}

// occurrence is one (path, introducing commit) of a blob, with the order used to pick the
// earliest: history occurrences by committer date then topological generation, working
// tree ones after all history.
type occurrence struct {
	Occurrence
	blob     plumbing.Hash
	worktree bool
	when     time.Time // committer date
	gen      int       // topological generation: parents have smaller numbers
}

func (o *occurrence) before(p *occurrence) bool {
	if o.worktree != p.worktree {
		return !o.worktree
	}
	if !o.when.Equal(p.when) {
		return o.when.Before(p.when)
	}
	if o.gen != p.gen {
		return o.gen < p.gen
	}
	return o.Commit < p.Commit
}

// session is the state of one Scan shared by its workers.
type session struct {
	ctx     context.Context
	m       Matcher
	opts    Options
	name    string
	root    string
	maxSize int64
	jobs    int

	mu      sync.Mutex
	matched map[plumbing.Hash][]located
	errs    []report.Error
	kept    []Blob
	head    string

	blobs, bytes, commits            atomic.Int64
	binary, large, symlinks, missing atomic.Int64
	occs                             []occurrence
	progress                         *progress
}

func newSession(ctx context.Context, m Matcher, opts Options, name, root string) *session {
	s := &session{ctx: ctx, m: m, opts: opts, name: name, root: root,
		maxSize: opts.MaxFileSize, jobs: opts.Jobs, matched: map[plumbing.Hash][]located{}}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxFileSize
	}
	if s.jobs <= 0 {
		s.jobs = runtime.NumCPU()
	}
	if opts.Progress != nil {
		s.progress = newProgress(opts.Progress)
	}
	return s
}

func (s *session) skipPath(p string) bool { return s.opts.SkipPath != nil && s.opts.SkipPath(p) }

func (s *session) tooLarge(size int64) bool { return s.maxSize > 0 && size > s.maxSize }

// addError records a problem with one input; the scan goes on.
func (s *session) addError(source, format string, args ...any) {
	s.mu.Lock()
	s.errs = append(s.errs, report.Error{Source: source, Message: oneLine(fmt.Sprintf(format, args...))})
	s.mu.Unlock()
}

// scanBlob runs the matcher over one distinct blob's bytes and keeps its matches. It
// reports whether the blob was scanned (not binary).
func (s *session) scanBlob(id plumbing.Hash, path string, data []byte) bool {
	if isBinary(data) {
		s.binary.Add(1)
		return false
	}
	s.blobs.Add(1)
	s.bytes.Add(int64(len(data)))
	if s.opts.ScannedBlob != nil {
		s.opts.ScannedBlob(id)
	}
	ms := s.m.Scan(path, data)
	s.progress.add(1)
	if len(ms) == 0 {
		return true
	}
	ls := make([]located, len(ms))
	var lc lineCounter
	for i, m := range ms {
		line, col := lc.position(data, m.Start)
		ls[i] = located{Match: m, Line: line, Column: col}
	}
	s.mu.Lock()
	s.matched[id] = ls
	s.mu.Unlock()
	return true
}

func (s *session) finishProgress() { s.progress.finish() }

// result turns matched blobs and their occurrences into collapsed, sorted findings.
func (s *session) result(start time.Time) *Result {
	byBlob := map[plumbing.Hash][]*occurrence{}
	for i := range s.occs {
		o := &s.occs[i]
		if s.skipPath(o.Path) {
			continue
		}
		byBlob[o.blob] = append(byBlob[o.blob], o)
	}
	type key struct{ rule, raw, path string }
	type best struct {
		f   report.Finding
		occ *occurrence
	}
	found := map[key]*best{}
	var order []key
	for id, ls := range s.matched {
		for _, o := range byBlob[id] {
			for _, l := range ls {
				k := key{l.RuleID, l.Secret, o.Path}
				b := found[k]
				if b == nil {
					b = &best{occ: o, f: s.finding(id, o, l)}
					found[k] = b
					order = append(order, k)
					continue
				}
				inHead := b.f.InHead || o.InHead
				if o.before(b.occ) || (o == b.occ && (l.Line < b.f.Line || l.Line == b.f.Line && l.Column < b.f.Column)) {
					b.occ, b.f = o, s.finding(id, o, l)
				}
				b.f.InHead = inHead
			}
		}
	}
	findings := make([]report.Finding, 0, len(order))
	for _, k := range order {
		findings = append(findings, found[k].f)
	}
	sortFindings(findings)
	sort.Slice(s.kept, func(i, j int) bool { return s.kept[i].Path < s.kept[j].Path })
	sort.SliceStable(s.errs, func(i, j int) bool { return s.errs[i].Source < s.errs[j].Source })
	return &Result{
		Repository: s.name,
		Root:       s.root,
		Findings:   findings,
		Errors:     s.errs,
		Kept:       s.kept,
		Head:       s.head,
		Stats: report.Stats{
			Blobs:          s.blobs.Load(),
			Bytes:          s.bytes.Load(),
			Commits:        s.commits.Load(),
			DurationMS:     time.Since(start).Milliseconds(),
			Repositories:   1,
			SkippedBinary:  s.binary.Load(),
			SkippedLarge:   s.large.Load(),
			SkippedSymlink: s.symlinks.Load(),
			MissingObjects: s.missing.Load(),
		},
	}
}

func (s *session) finding(id plumbing.Hash, o *occurrence, l located) report.Finding {
	f := report.Finding{
		RuleID:      l.RuleID,
		Severity:    l.Severity,
		Repository:  s.name,
		Path:        o.Path,
		Line:        l.Line,
		Column:      l.Column,
		Commit:      o.Commit,
		Author:      o.Author,
		Email:       o.Email,
		InHead:      o.InHead,
		Raw:         l.Secret,
		Fingerprint: report.Fingerprint(l.RuleID, l.Secret, s.name, o.Path),
		Credential:  report.CredentialID(l.Secret),
		Blob:        id.String(),
		Host:        l.Host,
		Username:    l.Username,
		RawKey:      l.ConsumerKey,
		FromEnv:     l.FromEnv,
		Description: l.Description,
		Suppressed:  l.Suppressed != "",
	}
	if !o.Date.IsZero() {
		f.Date = o.Date.UTC().Format(time.RFC3339)
	}
	if l.ConsumerKey != "" {
		f.KeyCredential = report.CredentialID(l.ConsumerKey)
		f.ConsumerKey = report.Redact(l.ConsumerKey)
	}
	return f
}

// sortFindings orders findings by location, then rule and commit, so output never depends
// on worker scheduling or map order.
func sortFindings(fs []report.Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		switch {
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Column != b.Column:
			return a.Column < b.Column
		case a.RuleID != b.RuleID:
			return a.RuleID < b.RuleID
		case a.Fingerprint != b.Fingerprint:
			return a.Fingerprint < b.Fingerprint
		}
		return a.Commit < b.Commit
	})
}

// isBinary reports whether data looks binary the way git decides it: a NUL byte early on.
func isBinary(data []byte) bool {
	n := len(data)
	if n > binarySniffLen {
		n = binarySniffLen
	}
	for _, c := range data[:n] {
		if c == 0 {
			return true
		}
	}
	return false
}

// relSlash returns p relative to root with forward slashes.
func relSlash(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
