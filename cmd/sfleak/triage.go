package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/detectors/verify"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/report/incident"
	"github.com/sfleak/sfleak/scanner"
	"github.com/sfleak/sfleak/scanner/state"
)

const triageSynopsis = "(--stdin | --env VAR | --fingerprint FP) [--state FILE] [--org DIR] [--verify [--verify-host URL]] [--format F] [--output FILE] PATH|URL..."

// maxStdinValue bounds what --stdin reads: one credential, even a PEM key, is far smaller.
const maxStdinValue = 64 << 10

// pairLines is how close (in lines of one blob) two credentials must be to count as one
// credential set: a key and its secret written together in a config block.
const pairLines = 5

// triageFlags are the flags of 'sfleak triage'. There is no --no-redact: an incident report
// is pasted into tickets, and the value is what the responder already holds.
type triageFlags struct {
	stdin                                 bool
	envVar, fingerprint, statePath        string
	verify                                bool
	verifyHost                            string
	format, output, org, orgUsers, config string
	jobs                                  int
	maxSize                               int64
}

// triageDeps are the outside world triage touches beyond env, replaceable in tests.
type triageDeps struct {
	now       func() time.Time
	openState func(ctx context.Context, path string) (state.Store, error)
	verifier  func(opts ...verify.Option) (*verify.Verifier, error)
}

var defaultTriageDeps = triageDeps{
	now: time.Now,
	openState: func(ctx context.Context, path string) (state.Store, error) {
		return state.Open(ctx, path)
	},
	verifier: verify.New,
}

// runTriage implements 'sfleak triage': every occurrence of one leaked credential and the
// credentials paired with it, its exposure window, its reach, optionally its live validity,
// and an ordered response checklist.
func runTriage(ctx context.Context, e *env, args []string) (int, error) {
	return triage(ctx, e, args, defaultTriageDeps)
}

func triage(ctx context.Context, e *env, args []string, deps triageDeps) (int, error) {
	var f triageFlags
	fs := newFlagSet("triage", triageSynopsis, e)
	f.register(fs)
	targets, err := parseArgs(fs, args)
	if err != nil {
		return exitError, err
	}
	if err := f.validate(targets); err != nil {
		return exitError, err
	}
	value, err := f.readValue(e)
	if err != nil {
		return exitError, err
	}

	su, err := loadSetup(f.config, f.org, f.orgUsers)
	if err != nil {
		return exitError, err
	}
	layers, weights, org, orgErrs := su.layers, su.weights, su.org, su.orgErrs
	var store state.Store
	if f.statePath != "" {
		// A triage never creates a state file: a typo must not look like an empty sweep.
		if _, err := os.Stat(f.statePath); err != nil {
			return exitError, fmt.Errorf("--state %s: %w", f.statePath, unwrapPathError(err))
		}
		if store, err = deps.openState(ctx, f.statePath); err != nil {
			return exitError, fmt.Errorf("--state %s: %w", f.statePath, err)
		}
		defer store.Close()
	}
	var verifier *verify.Verifier
	if f.verify {
		opts := []verify.Option{}
		if f.verifyHost != "" {
			opts = append(opts, verify.WithBaseURL(f.verifyHost))
		}
		if verifier, err = deps.verifier(opts...); err != nil {
			return exitError, usageError{err.Error()}
		}
	}

	start := time.Now()
	t := &triageRun{value: value, fingerprint: f.fingerprint, credIDs: map[string]bool{}, rep: &report.Report{Errors: orgErrs}}
	if value != "" {
		t.credIDs[report.CredentialID(value)] = true
	}

	// The fingerprint (or the value) names a credential; the state says which one.
	if store != nil {
		if err := t.seedFromState(ctx, store); err != nil {
			return exitError, fmt.Errorf("--state %s: %w", f.statePath, err)
		}
	}

	var scanned []*scannedTarget
	for _, target := range targets {
		st, err := t.scan(ctx, e, target, layers, org, scanner.Options{Jobs: f.jobs, MaxFileSize: f.maxSize})
		if err != nil {
			if ctx.Err() != nil {
				return exitError, errors.New("interrupted")
			}
			t.addError(target, err.Error())
			continue
		}
		scanned = append(scanned, st)
	}
	defer func() {
		for _, s := range scanned {
			s.cleanup()
		}
	}()

	if t.value == "" && t.fingerprint != "" {
		if err := t.recoverValue(scanned); err != nil {
			return exitError, err
		}
	}
	t.selectOccurrences(scanned)
	if store != nil {
		if err := t.addStateOccurrences(ctx, store, scanned); err != nil {
			return exitError, fmt.Errorf("--state %s: %w", f.statePath, err)
		}
	}
	t.locateInGit(ctx, scanned)
	t.rep.Stats.DurationMS = time.Since(start).Milliseconds()

	// Exposures and finalising are scan's; the incident is built over the finalised
	// exposures (riskiest first) and the report finalised once more to normalise it.
	if err := finish(t.rep, finishOptions{weights: weights, org: org}); err != nil {
		return exitError, err
	}
	in := t.incidentInput(deps.now())
	if verifier != nil {
		res := t.verify(ctx, verifier)
		in.Verify = &report.Verify{Status: res.Status.String(), Reason: res.Reason, Host: res.Host}
	}
	t.rep.Incident = incident.Build(in)
	report.Finalize(t.rep, report.FinalizeOptions{ToolVersion: t.rep.Tool.Version})
	t.redactErrors()

	if err := writeReport(e, t.rep, f.format, f.output); err != nil {
		return exitError, err
	}
	if len(t.rep.Incident.Occurrences) > 0 {
		return exitFindings, nil
	}
	return exitOK, nil
}

func (f *triageFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.stdin, "stdin", false, "read the leaked value from standard input (surrounding whitespace trimmed)")
	fs.StringVar(&f.envVar, "env", "", "read the leaked value from environment variable `VAR`")
	fs.StringVar(&f.fingerprint, "fingerprint", "", "triage the finding with fingerprint `FP` (from a report or the sweep state)")
	fs.StringVar(&f.statePath, "state", "", "sweep state `FILE`: occurrences in other repositories; with no PATH, the only source")
	fs.BoolVar(&f.verify, "verify", false, "check live validity against Salesforce (never by default; sends the credential to the org)")
	fs.StringVar(&f.verifyHost, "verify-host", "", "send verification requests to base `URL` (an egress proxy, a test server)")
	fs.StringVar(&f.format, "format", "text", "report format: "+strings.Join(report.Formats(), "|"))
	fs.StringVar(&f.output, "output", "", "write the report to `FILE` (default stdout)")
	fs.StringVar(&f.org, "org", "", "org metadata `DIR`: an SFDX project or metadata-API retrieve, plus users.json")
	fs.StringVar(&f.orgUsers, "org-users", "", "users `FILE` (sf data query … --json), instead of DIR/users.json")
	fs.StringVar(&f.config, "config", "", "extra rules and allowlists `FILE`, merged over the built-in rules.toml")
	fs.IntVar(&f.jobs, "jobs", 0, "workers (default: number of CPUs)")
	fs.Int64Var(&f.maxSize, "max-file-size", scanner.DefaultMaxFileSize, "skip files and blobs larger than `BYTES`")
}

func (f *triageFlags) validate(targets []string) error {
	n := 0
	for _, set := range []bool{f.stdin, f.envVar != "", f.fingerprint != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --stdin, --env VAR, --fingerprint FP (the value never goes on the command line)")
	}
	if _, err := report.NewWriter(f.format, report.WriterOptions{}); err != nil {
		return usagef("--format %q: want one of %s", f.format, strings.Join(report.Formats(), ", "))
	}
	if f.verifyHost != "" && !f.verify {
		return usagef("--verify-host needs --verify")
	}
	if f.fingerprint != "" && !regexp.MustCompile(`^[0-9a-fA-F]{8,64}$`).MatchString(f.fingerprint) {
		return usagef("--fingerprint %q: want the hex fingerprint of a finding", f.fingerprint)
	}
	if len(targets) == 0 && f.statePath == "" {
		return usagef("no PATH or URL to search, and no --state (try: sfleak triage --stdin .)")
	}
	if f.jobs < 0 {
		return usagef("--jobs %d: want 0 (all CPUs) or more", f.jobs)
	}
	if f.maxSize <= 0 {
		return usagef("--max-file-size %d: want a positive number of bytes", f.maxSize)
	}
	return nil
}

// readValue returns the leaked value from stdin or the environment; empty for --fingerprint.
// Errors never quote what was read.
func (f *triageFlags) readValue(e *env) (string, error) {
	switch {
	case f.stdin:
		data, err := io.ReadAll(io.LimitReader(e.stdin, maxStdinValue+1))
		if err != nil {
			return "", fmt.Errorf("--stdin: %w", err)
		}
		if len(data) > maxStdinValue {
			return "", usagef("--stdin: more than %d bytes; pipe in the one leaked value", maxStdinValue)
		}
		v := strings.TrimSpace(string(data))
		if v == "" {
			return "", usagef("--stdin: no value on standard input")
		}
		return v, nil
	case f.envVar != "":
		v := strings.TrimSpace(e.getenv(f.envVar))
		if v == "" {
			return "", usagef("--env %s: variable not set or empty", f.envVar)
		}
		return v, nil
	}
	return "", nil
}

// triageRun carries one triage's state between its passes.
type triageRun struct {
	value       string // raw; empty until recovered in --fingerprint mode without a match
	fingerprint string
	// credIDs are the report.CredentialIDs of the triaged value (from the value or the
	// state's record of the fingerprint).
	credIDs  map[string]bool
	ruleID   string
	hadState bool // --state was given

	// direct are the findings of the value itself; paired maps each paired raw value to
	// its rule.
	direct []report.Finding
	paired map[string]string
	// stateOnly are occurrences known only from the sweep state, with their removal facts.
	removals []incident.Removal
	rep      *report.Report
}

// scannedTarget is one target's scan, with the local git directory when it has history.
type scannedTarget struct {
	target  string
	gitDir  string // "" outside git
	res     *scanner.Result
	cleanup func()
}

func (t *triageRun) addError(source, msg string) {
	t.rep.Errors = append(t.rep.Errors, report.Error{Source: source, Message: msg})
}

// redactErrors hides the triaged value wherever an error might quote it.
func (t *triageRun) redactErrors() {
	secrets := []string{t.value}
	for v := range t.paired {
		secrets = append(secrets, v)
	}
	for i := range t.rep.Errors {
		t.rep.Errors[i].Message = report.RedactIn(t.rep.Errors[i].Message, secrets...)
		t.rep.Errors[i].Source = report.RedactIn(t.rep.Errors[i].Source, secrets...)
	}
}

// seedFromState learns the credential behind --fingerprint (or confirms the value's).
func (t *triageRun) seedFromState(ctx context.Context, store state.Store) error {
	t.hadState = true
	if t.fingerprint == "" {
		return nil
	}
	recs, err := store.Occurrences(ctx, t.fingerprint)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.Credential != "" {
			t.credIDs[r.Credential] = true
		}
		if t.ruleID == "" {
			t.ruleID = r.RuleID
		}
	}
	return nil
}

// scan runs the normal engine over one target's full history. A clone URL is cloned here
// (not inside Scan) so that the clone outlives the scan: refs and the removal commit are
// read from it afterwards.
func (t *triageRun) scan(ctx context.Context, e *env, target string, layers []detectors.ConfigLayer, org *sfmeta.Org, opts scanner.Options) (*scannedTarget, error) {
	st := &scannedTarget{target: target, cleanup: func() {}}
	local := target
	if looksLikeURL(target) {
		dir, err := os.MkdirTemp("", "sfleak-triage-")
		if err != nil {
			return nil, err
		}
		st.cleanup = func() { os.RemoveAll(dir) }
		if err := scanner.CloneBare(ctx, target, dir, nil); err != nil {
			st.cleanup()
			return nil, err
		}
		local = dir
		opts.Repository = scanner.RepositoryName(target)
	}
	res, err := scanTarget(ctx, e, local, layers, org, opts)
	if err != nil {
		st.cleanup()
		if local != target {
			return nil, errors.New(strings.ReplaceAll(err.Error(), local, scanner.RedactURL(target)))
		}
		return nil, err
	}
	if local != target {
		for i := range res.Errors {
			res.Errors[i].Source = strings.ReplaceAll(res.Errors[i].Source, local, scanner.RedactURL(target))
		}
	}
	st.res = res
	if res.Head != "" {
		st.gitDir = local
	}
	t.rep.Errors = append(t.rep.Errors, res.Errors...)
	addStats(&t.rep.Stats, res.Stats)
	return st, nil
}

// looksLikeURL is true for clone URLs (scheme://… or scp-like user@host:path) that are not
// an existing local path.
func looksLikeURL(target string) bool {
	if _, err := os.Stat(target); err == nil {
		return false
	}
	if strings.Contains(target, "://") {
		return true
	}
	at := strings.Index(target, "@")
	return at > 0 && !strings.ContainsAny(target[:at], `/\`) && strings.Contains(target[at:], ":")
}

// recoverValue finds, in the scans, the raw value behind --fingerprint: the finding with
// that fingerprint, or one whose credential the state recorded under it. The value stays in
// memory only.
func (t *triageRun) recoverValue(scanned []*scannedTarget) error {
	for _, s := range scanned {
		for _, f := range s.res.Findings {
			if f.Raw != "" && (strings.EqualFold(f.Fingerprint, t.fingerprint) || t.credIDs[f.Credential]) {
				t.value, t.ruleID = f.Raw, f.RuleID
				t.credIDs[f.Credential] = true
				return nil
			}
		}
	}
	if len(t.credIDs) > 0 {
		return nil // known to the state only: occurrences from it, no raw value
	}
	where := "the scanned targets"
	switch {
	case len(scanned) == 0:
		where = "the sweep state"
	case t.hadState:
		where = "the sweep state or the scanned targets"
	}
	return usagef("--fingerprint %s: not found in %s", t.fingerprint, where)
}

// pairable are the rules whose value forms a credential set with a consumer key.
var pairable = map[string]bool{
	detectors.RuleConsumerKey: true, detectors.RuleConsumerSecret: true,
	detectors.RuleRefreshToken: true, detectors.RuleAccessToken: true,
	detectors.RuleSFDXAuthURL: true, detectors.RuleClientCredentials: true,
}

// isDirect reports whether f is a finding of the triaged value itself.
func (t *triageRun) isDirect(f report.Finding) bool {
	switch {
	case t.value != "" && f.Raw == t.value:
		return true
	case t.credIDs[f.Credential]:
		return true
	case t.value != "" && f.RuleID == detectors.RuleSFDXAuthURL && len(t.value) >= 8 && strings.Contains(f.Raw, t.value):
		// A key, secret or refresh token inside force://id:secret:refresh@host.
		return true
	}
	return false
}

// selectOccurrences keeps the findings of the value and of the credentials paired with it:
// the key beside a secret (RawKey), the secrets found with a key, and credentials in the
// same blob within pairLines lines. Pairing is one hop from the triaged value, so a file
// listing many unrelated credentials does not pull them all in.
func (t *triageRun) selectOccurrences(scanned []*scannedTarget) {
	if t.value != "" {
		t.credIDs[report.CredentialID(t.value)] = true
	}
	var all []report.Finding
	for _, s := range scanned {
		all = append(all, s.res.Findings...)
	}
	t.paired = map[string]string{}
	pair := func(v, rule string) {
		if len(v) >= 8 && v != t.value && !t.isValueOf(v) {
			if _, ok := t.paired[v]; !ok {
				t.paired[v] = rule
			}
		}
	}
	type blobKey struct{ repo, blob string }
	byBlob := map[blobKey][]report.Finding{}
	for _, f := range all {
		if f.Blob != "" {
			k := blobKey{f.Repository, f.Blob}
			byBlob[k] = append(byBlob[k], f)
		}
	}
	for _, f := range all {
		if !t.isDirect(f) {
			continue
		}
		t.direct = append(t.direct, f)
		if f.RawKey != "" {
			pair(f.RawKey, detectors.RuleConsumerKey)
		}
		for _, g := range byBlob[blobKey{f.Repository, f.Blob}] {
			if pairable[g.RuleID] && !g.FromEnv && abs(g.Line-f.Line) <= pairLines {
				pair(g.Raw, g.RuleID)
				if g.RawKey != "" {
					pair(g.RawKey, detectors.RuleConsumerKey)
				}
			}
		}
	}
	for _, f := range all {
		// Secrets found with the triaged key are paired with it.
		if t.value != "" && f.RawKey == t.value && pairable[f.RuleID] && !f.FromEnv {
			pair(f.Raw, f.RuleID)
		}
	}
	if t.ruleID == "" {
		t.ruleID = t.directRule()
	}
	for _, f := range all {
		_, isPaired := t.paired[f.Raw]
		if t.isDirect(f) || isPaired || (t.value != "" && f.RawKey == t.value) {
			t.rep.Findings = append(t.rep.Findings, f)
		}
	}
}

// isValueOf is true when v is only another spelling of the triaged credential (an SFDX
// URL holding it); such values would make every occurrence "paired" with itself.
func (t *triageRun) isValueOf(v string) bool { return t.credIDs[report.CredentialID(v)] }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func earliestFinding(fs []report.Finding) report.Finding {
	best := fs[0]
	for _, f := range fs[1:] {
		if f.Date != "" && (best.Date == "" || f.Date < best.Date) {
			best = f
		}
	}
	return best
}

// directRule names what the triaged value is: the rule of its own findings, preferring a
// credential rule over the token-call or SFDX-URL findings that merely contain it, else a
// guess from its shape.
func (t *triageRun) directRule() string {
	best, rank := "", 0
	for _, f := range t.direct {
		r := 1
		if f.Raw == t.value || t.value == "" {
			r = 2
			if f.RuleID != detectors.RuleClientCredentials {
				r = 3
			}
		}
		if r > rank || r == rank && f.RuleID < best {
			best, rank = f.RuleID, r
		}
	}
	if rank >= 2 {
		return best
	}
	return guessRule(t.value)
}

// guessRule names what a value is from its shape, for a value found nowhere.
func guessRule(v string) string {
	switch {
	case strings.HasPrefix(v, "3MVG"):
		return detectors.RuleConsumerKey
	case strings.HasPrefix(v, "5Aep861"):
		return detectors.RuleRefreshToken
	case strings.HasPrefix(v, "force://"):
		return detectors.RuleSFDXAuthURL
	case strings.HasPrefix(v, "00D") && strings.Contains(v, "!"):
		return detectors.RuleAccessToken
	case strings.Contains(v, "PRIVATE KEY"):
		return detectors.RuleJWTPrivateKey
	}
	return detectors.RuleConsumerSecret
}

// addStateOccurrences adds what the sweep state recorded for the value and its paired
// credentials in repositories this run did not scan (a fresh scan beats an old record).
func (t *triageRun) addStateOccurrences(ctx context.Context, store state.Store, scanned []*scannedTarget) error {
	scannedRepo := map[string]bool{}
	for _, s := range scanned {
		scannedRepo[s.res.Repository] = true
	}
	ids := map[string]bool{}
	for id := range t.credIDs {
		ids[id] = true
	}
	for v := range t.paired {
		ids[report.CredentialID(v)] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	seen := map[string]bool{}
	removal := map[string]*incident.Removal{}
	var order []string
	for _, id := range sorted {
		recs, err := store.FindingsByCredential(ctx, id)
		if err != nil {
			return err
		}
		for _, r := range recs {
			// Gone records stay: a rewritten history was still exposed while it lasted.
			if scannedRepo[r.Repository] {
				continue
			}
			k := r.Repository + "\x00" + r.Fingerprint
			if seen[k] {
				continue
			}
			seen[k] = true
			f := r.Finding
			f.InHead = r.InHead
			if f.Repository == "" {
				f.Repository = r.Repository
			}
			t.rep.Findings = append(t.rep.Findings, f)
			rm := removal[r.Repository]
			if rm == nil {
				rm = &incident.Removal{Repository: r.Repository}
				removal[r.Repository] = rm
				order = append(order, r.Repository)
			}
			rm.InHead = rm.InHead || r.InHead
			if !r.InHead && r.RemovedCommit != "" && !r.RemovedAt.IsZero() {
				// The sweep saw it gone at this tip: an upper bound on the removal.
				seenAt := &report.Seen{Commit: r.RemovedCommit, Date: r.RemovedAt.UTC().Format(time.RFC3339), Repository: r.Repository}
				if rm.Removed == nil || seenAt.Date > rm.Removed.Date {
					rm.Removed = seenAt
				}
			}
		}
	}
	for _, repo := range order {
		rm := removal[repo]
		if rm.InHead {
			rm.Removed = nil
		}
		t.removals = append(t.removals, *rm)
	}
	return nil
}

// locateInGit fills refs on every occurrence of a scanned repository and walks its default
// branch for the removal commit.
func (t *triageRun) locateInGit(ctx context.Context, scanned []*scannedTarget) {
	values := t.removalValues()
	for _, s := range scanned {
		if s.gitDir == "" {
			continue
		}
		var commits []string
		touched := false
		for _, f := range t.rep.Findings {
			if f.Repository == s.res.Repository && f.Commit != "" {
				commits = append(commits, f.Commit)
				touched = true
			}
		}
		if !touched {
			continue
		}
		refs, err := scanner.RefsContaining(s.gitDir, commits)
		if err != nil {
			t.addError(s.target, "refs: "+err.Error())
		} else {
			for i := range t.rep.Findings {
				f := &t.rep.Findings[i]
				if f.Repository == s.res.Repository && f.Commit != "" {
					f.Refs = refs[f.Commit]
				}
			}
		}
		if len(values) == 0 {
			continue
		}
		rm, err := scanner.FindRemoval(ctx, s.gitDir, values)
		if err != nil {
			t.addError(s.target, "removal: "+err.Error())
			continue
		}
		r := incident.Removal{Repository: s.res.Repository, InHead: rm.InHead}
		if rm.Removed != nil {
			r.Removed = &report.Seen{Commit: rm.Removed.Hash, Date: rm.Removed.Date.UTC().Format(time.RFC3339), Repository: s.res.Repository}
		}
		t.removals = append(t.removals, r)
	}
}

// removalValues are the values whose presence keeps the exposure open on a default branch:
// the triaged value and its paired secrets and tokens. A paired consumer key alone is an
// identifier, not a secret, so it does not hold a secret's incident open; triaging a key,
// the key itself counts.
func (t *triageRun) removalValues() []string {
	var vs []string
	if t.value != "" {
		vs = append(vs, t.value)
	}
	for v, rule := range t.paired {
		if rule != detectors.RuleConsumerKey || t.ruleID == detectors.RuleConsumerKey {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs
}

// incidentInput gathers the facts for incident.Build from the report's findings.
func (t *triageRun) incidentInput(now time.Time) incident.Input {
	in := incident.Input{
		Fingerprint: t.fingerprint,
		RuleID:      t.ruleID,
		Removals:    t.removals,
		Exposures:   t.rep.Exposures,
		Now:         now,
	}
	if in.Fingerprint == "" && len(t.direct) > 0 {
		in.Fingerprint = earliestFinding(t.direct).Fingerprint
	}
	if t.value != "" {
		in.Secret = report.Redact(t.value)
	} else {
		for _, f := range t.rep.Findings {
			if t.credIDs[f.Credential] && f.Secret != "" {
				in.Secret = f.Secret // already redacted (state record)
				break
			}
		}
	}
	if key := t.pairedKey(); key != "" {
		in.Key = report.Redact(key)
	}
	for _, f := range t.rep.Findings {
		if h := hostName(f.Host); h != "" && verify.IsSalesforceHost(h) {
			in.Host = h
			break
		}
	}
	for _, f := range t.rep.Findings {
		in.Occurrences = append(in.Occurrences, report.Occurrence{
			Repository: f.Repository, Path: f.Path, Line: f.Line, Commit: f.Commit, Date: f.Date,
			Author: f.Author, Refs: f.Refs, Visibility: f.Visibility, RuleID: f.RuleID,
			InHead: f.InHead, URL: f.URL,
		})
	}
	return in
}

// pairedKey is the consumer key of the credential set: the value itself when it is a key.
func (t *triageRun) pairedKey() string {
	if t.ruleID == detectors.RuleConsumerKey {
		return t.value
	}
	var keys []string
	for v, rule := range t.paired {
		if rule == detectors.RuleConsumerKey {
			keys = append(keys, v)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		return keys[0]
	}
	if id, _, _, _, ok := parseSFDXAuthURL(t.value); ok && id != "PlatformCLI" {
		return id
	}
	return ""
}

// verify checks the credential set live. The value and its partners go to the Verifier
// only; the answer carries no secret.
func (t *triageRun) verify(ctx context.Context, v *verify.Verifier) verify.Result {
	if t.value == "" {
		return verify.Result{Reason: "raw value not available (known to the sweep state only): pass a PATH or URL that holds it"}
	}
	c := verify.Credential{}
	assign := func(val, rule string) {
		switch rule {
		case detectors.RuleConsumerKey:
			setOnce(&c.ConsumerKey, val)
		case detectors.RuleConsumerSecret, detectors.RuleClientCredentials:
			setOnce(&c.ConsumerSecret, val)
		case detectors.RuleAccessToken:
			setOnce(&c.AccessToken, val)
		case detectors.RuleRefreshToken:
			setOnce(&c.RefreshToken, val)
		case detectors.RuleSFDXAuthURL:
			if id, secret, refresh, host, ok := parseSFDXAuthURL(val); ok {
				if id != "PlatformCLI" {
					setOnce(&c.ConsumerKey, id)
				}
				setOnce(&c.ConsumerSecret, secret)
				setOnce(&c.RefreshToken, refresh)
				setOnce(&c.Host, host)
			}
		}
	}
	rule := t.ruleID
	assign(t.value, rule)
	switch rule {
	case detectors.RuleConsumerKey:
		c.Kind = verify.KindConsumerKey
	case detectors.RuleAccessToken:
		c.Kind = verify.KindAccessToken
	case detectors.RuleRefreshToken, detectors.RuleSFDXAuthURL:
		c.Kind = verify.KindRefreshToken
	default:
		c.Kind = verify.KindConsumerSecret
	}
	// Deterministic pairing: sorted partner values.
	partners := make([]string, 0, len(t.paired))
	for p := range t.paired {
		partners = append(partners, p)
	}
	slices.Sort(partners)
	for _, p := range partners {
		assign(p, t.paired[p])
	}
	for _, f := range t.direct {
		setOnce(&c.Host, f.Host)
	}
	for _, f := range t.rep.Findings {
		setOnce(&c.Host, f.Host)
	}
	return v.Verify(ctx, c)
}

// hostName is the bare host of a host or URL found with a credential.
func hostName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/:?#"); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// sfdxAuthURL is the Salesforce CLI's own pattern for force://id:secret:refresh@host.
var sfdxAuthURL = regexp.MustCompile(`^force://([a-zA-Z0-9._-]+={0,2}):([a-zA-Z0-9._-]*={0,2}):([a-zA-Z0-9._-]+={0,2})@([a-zA-Z0-9:._-]+)`)

func parseSFDXAuthURL(s string) (id, secret, refresh, host string, ok bool) {
	m := sfdxAuthURL.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", "", false
	}
	return m[1], m[2], m[3], m[4], true
}
