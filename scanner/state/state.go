// Package state is the memory of incremental sweeps: per repository, the ref tips and the
// blobs already scanned, and every finding ever seen with when it was first and last seen and
// when it left HEAD. Store is the seam (a shared database can replace the SQLite file later);
// Open returns the SQLite implementation.
//
// The store never holds a raw secret: findings are stored as the redacted JSON the report
// prints, nothing more.
package state

import (
	"context"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/report"
)

// Store records sweeps. Each Save is one transaction, so a sweep killed between repositories
// leaves the store as the last completed repository left it, and the next sweep resumes.
// Implementations are safe for concurrent use.
type Store interface {
	// Repo returns what the last saved sweep of repository recorded; a repository never swept
	// gives a zero RepoState (Swept false) and no error.
	Repo(ctx context.Context, repository string) (RepoState, error)
	// SeenBlobs returns the blobs already scanned in repository, mapped to whether the scan
	// found anything in them.
	SeenBlobs(ctx context.Context, repository string) (map[plumbing.Hash]bool, error)
	// Save records one repository's sweep atomically.
	Save(ctx context.Context, u Update) error
	// Occurrences returns every repository's record of a fingerprint.
	Occurrences(ctx context.Context, fingerprint string) ([]Record, error)
	// FindingsByCredential returns every finding whose secret has the given
	// report.CredentialID, in any repository.
	FindingsByCredential(ctx context.Context, credentialID string) ([]Record, error)
	// Close releases the store.
	Close() error
}

// RepoState is what the store knows about one repository.
type RepoState struct {
	// Swept is true once a sweep of the repository has been saved.
	Swept   bool
	SweptAt time.Time
	// Head is the default branch's tip at the last sweep.
	Head string
	// Refs maps each full ref name (refs/heads/…, refs/tags/…) to its tip.
	Refs map[string]string
	// RulesHash identifies the detection configuration the blobs were scanned with; a sweep
	// with another configuration must rescan everything.
	RulesHash string
	// Findings are every finding recorded for the repository, removed ones included.
	Findings []Record
}

// Record is one finding as the store keeps it.
type Record struct {
	Repository  string
	Fingerprint string
	RuleID      string
	Path        string
	// Credential is the finding's report.CredentialID.
	Credential string
	FirstSeen  time.Time
	LastSeen   time.Time
	// RemovedAt is when a sweep first saw the finding absent from HEAD (zero while in HEAD);
	// RemovedCommit is the default branch's tip at that sweep.
	RemovedAt     time.Time
	RemovedCommit string
	InHead        bool
	// Gone is true when the finding is no longer found anywhere in the repository's history
	// (a branch deleted, history rewritten). The record is kept.
	Gone bool
	// Finding is the stored, redacted finding (ID and New are not stored).
	Finding report.Finding
}

// Update is one repository's sweep, saved by Store.Save.
type Update struct {
	Repository string
	Time       time.Time
	// Head is the default branch's tip (empty for an empty repository).
	Head string
	// Refs replaces the recorded ref tips.
	Refs      map[string]string
	RulesHash string
	// Blobs are the blobs scanned in this sweep, mapped to whether anything was found in them.
	Blobs map[plumbing.Hash]bool
	// ResetBlobs forgets every blob recorded before (the rules changed).
	ResetBlobs bool
	// Findings are the findings present in this sweep. They are redacted before storing.
	Findings []report.Finding
	// Complete says Findings lists every finding still found in the repository: recorded
	// findings not in it are marked Gone (and removed from HEAD). A sweep that skipped the
	// repository because nothing changed saves an incomplete update.
	Complete bool
}

// Redacted returns f as the store keeps it: the secret and consumer key redacted whatever
// --no-redact says, raw values, ID and New dropped.
func Redacted(f report.Finding) report.Finding {
	if f.Raw != "" {
		f.Secret = report.Redact(f.Raw)
	} else if f.Secret != "" && !isRedacted(f.Secret) {
		f.Secret = report.Redact(f.Secret)
	}
	if f.RawKey != "" {
		f.ConsumerKey = report.Redact(f.RawKey)
	} else if f.ConsumerKey != "" && !isRedacted(f.ConsumerKey) {
		f.ConsumerKey = report.Redact(f.ConsumerKey)
	}
	f.Raw, f.RawKey = "", ""
	f.ID = ""
	f.New = nil
	return f
}

// isRedacted reports whether s is already the output of report.Redact.
func isRedacted(s string) bool { return strings.HasSuffix(s, "…REDACTED") }
