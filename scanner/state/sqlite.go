package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// schemaVersion is stored in PRAGMA user_version; Open refuses a newer file rather than
// misreading it.
const schemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS repos (
	repo       TEXT PRIMARY KEY,
	swept_at   TEXT NOT NULL,
	head       TEXT NOT NULL,
	rules_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refs (
	repo TEXT NOT NULL,
	ref  TEXT NOT NULL,
	tip  TEXT NOT NULL,
	PRIMARY KEY (repo, ref)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
	repo    TEXT NOT NULL,
	blob    BLOB NOT NULL,   -- the 20-byte object id: half the size of hex for big histories
	matched INTEGER NOT NULL,
	PRIMARY KEY (repo, blob)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
	repo           TEXT NOT NULL,
	fingerprint    TEXT NOT NULL,
	rule_id        TEXT NOT NULL,
	path           TEXT NOT NULL,
	credential     TEXT NOT NULL,
	first_seen     TEXT NOT NULL,
	last_seen      TEXT NOT NULL,
	removed_at     TEXT,
	removed_commit TEXT,
	in_head        INTEGER NOT NULL,
	gone           INTEGER NOT NULL,
	finding        TEXT NOT NULL, -- redacted report.Finding JSON; never a raw secret
	PRIMARY KEY (repo, fingerprint)
);
CREATE INDEX IF NOT EXISTS findings_fingerprint ON findings (fingerprint);
CREATE INDEX IF NOT EXISTS findings_credential ON findings (credential);
`

// SQLite is the Store in one SQLite file (WAL mode, one transaction per repository).
type SQLite struct {
	db   *sql.DB
	path string
}

var _ Store = (*SQLite)(nil)

// Open opens (creating if needed) the state file at path.
func Open(ctx context.Context, path string) (*SQLite, error) {
	// WAL lets readers (a triage run) work while a sweep writes; synchronous=NORMAL is
	// crash-safe in WAL mode (a crash loses at most the last transaction, never consistency);
	// busy_timeout waits out another process's write instead of failing at once.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// One connection: SQLite serialises writers anyway, and a single connection makes every
	// goroutine's transaction wait its turn instead of failing with SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return s.errorf("%v", err)
	}
	if v > schemaVersion {
		return s.errorf("written by a newer sfleak (schema %d, this one knows %d)", v, schemaVersion)
	}
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return s.errorf("%v", err)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return s.errorf("%v", err)
	}
	return nil
}

func (s *SQLite) errorf(format string, a ...any) error {
	return fmt.Errorf("state %s: %s", s.path, fmt.Sprintf(format, a...))
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// Repo returns what the last saved sweep recorded for repository.
func (s *SQLite) Repo(ctx context.Context, repository string) (RepoState, error) {
	var st RepoState
	var sweptAt string
	err := s.db.QueryRowContext(ctx,
		"SELECT swept_at, head, rules_hash FROM repos WHERE repo = ?", repository).
		Scan(&sweptAt, &st.Head, &st.RulesHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Findings may exist without a repos row only if a previous version wrote them;
		// a never-swept repository has none.
		return st, nil
	case err != nil:
		return st, s.errorf("%s: %v", repository, err)
	}
	st.Swept = true
	st.SweptAt = parseTime(sweptAt)
	rows, err := s.db.QueryContext(ctx, "SELECT ref, tip FROM refs WHERE repo = ?", repository)
	if err != nil {
		return st, s.errorf("%s: %v", repository, err)
	}
	st.Refs = map[string]string{}
	for rows.Next() {
		var ref, tip string
		if err := rows.Scan(&ref, &tip); err != nil {
			rows.Close()
			return st, s.errorf("%s: %v", repository, err)
		}
		st.Refs[ref] = tip
	}
	if err := closeRows(rows); err != nil {
		return st, s.errorf("%s: %v", repository, err)
	}
	st.Findings, err = s.records(ctx, "WHERE repo = ?", repository)
	return st, err
}

// SeenBlobs returns the blobs already scanned in repository.
func (s *SQLite) SeenBlobs(ctx context.Context, repository string) (map[plumbing.Hash]bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT blob, matched FROM blobs WHERE repo = ?", repository)
	if err != nil {
		return nil, s.errorf("%s: %v", repository, err)
	}
	seen := map[plumbing.Hash]bool{}
	for rows.Next() {
		var raw []byte
		var matched bool
		if err := rows.Scan(&raw, &matched); err != nil {
			rows.Close()
			return nil, s.errorf("%s: %v", repository, err)
		}
		var h plumbing.Hash
		copy(h[:], raw)
		seen[h] = matched
	}
	if err := closeRows(rows); err != nil {
		return nil, s.errorf("%s: %v", repository, err)
	}
	return seen, nil
}

// Save records one repository's sweep in one transaction.
func (s *SQLite) Save(ctx context.Context, u Update) (err error) {
	if u.Repository == "" {
		return s.errorf("save: no repository name")
	}
	now := formatTime(u.Time)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf("%s: %v", u.Repository, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			err = s.errorf("%s: %v", u.Repository, err)
		}
	}()

	if _, err = tx.ExecContext(ctx, `INSERT INTO repos (repo, swept_at, head, rules_hash) VALUES (?, ?, ?, ?)
		ON CONFLICT (repo) DO UPDATE SET swept_at = excluded.swept_at, head = excluded.head,
		rules_hash = excluded.rules_hash`, u.Repository, now, u.Head, u.RulesHash); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "DELETE FROM refs WHERE repo = ?", u.Repository); err != nil {
		return err
	}
	for ref, tip := range u.Refs {
		if _, err = tx.ExecContext(ctx, "INSERT INTO refs (repo, ref, tip) VALUES (?, ?, ?)", u.Repository, ref, tip); err != nil {
			return err
		}
	}
	if u.ResetBlobs {
		if _, err = tx.ExecContext(ctx, "DELETE FROM blobs WHERE repo = ?", u.Repository); err != nil {
			return err
		}
	}
	if len(u.Blobs) > 0 {
		stmt, perr := tx.PrepareContext(ctx, `INSERT INTO blobs (repo, blob, matched) VALUES (?, ?, ?)
			ON CONFLICT (repo, blob) DO UPDATE SET matched = excluded.matched`)
		if perr != nil {
			return perr
		}
		for id, matched := range u.Blobs {
			if _, err = stmt.ExecContext(ctx, u.Repository, id[:], matched); err != nil {
				stmt.Close()
				return err
			}
		}
		stmt.Close()
	}

	// Findings: compare with what is recorded, inside the transaction so two sweeps of one
	// repository cannot interleave.
	old := map[string]Record{}
	recs, err := recordsFrom(ctx, tx, "WHERE repo = ?", u.Repository)
	if err != nil {
		return err
	}
	for _, r := range recs {
		old[r.Fingerprint] = r
	}
	present := map[string]bool{}
	for _, f := range u.Findings {
		if f.Fingerprint == "" {
			continue
		}
		present[f.Fingerprint] = true
		f = Redacted(f)
		rec, known := old[f.Fingerprint]
		if !known {
			rec = Record{FirstSeen: u.Time}
		}
		rec.Repository = u.Repository
		rec.Fingerprint = f.Fingerprint
		rec.RuleID, rec.Path, rec.Credential = f.RuleID, f.Path, f.Credential
		rec.LastSeen = u.Time
		rec.InHead, rec.Gone = f.InHead, false
		if f.InHead {
			rec.RemovedAt, rec.RemovedCommit = time.Time{}, ""
		} else if rec.RemovedAt.IsZero() {
			rec.RemovedAt, rec.RemovedCommit = u.Time, u.Head
		}
		rec.Finding = f
		if err = putRecord(ctx, tx, rec); err != nil {
			return err
		}
	}
	if u.Complete {
		for fp, rec := range old {
			if present[fp] || rec.Gone {
				continue
			}
			rec.Gone, rec.InHead, rec.Finding.InHead = true, false, false
			if rec.RemovedAt.IsZero() {
				rec.RemovedAt, rec.RemovedCommit = u.Time, u.Head
			}
			if err = putRecord(ctx, tx, rec); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// Occurrences returns every record of fingerprint.
func (s *SQLite) Occurrences(ctx context.Context, fingerprint string) ([]Record, error) {
	return s.records(ctx, "WHERE fingerprint = ?", fingerprint)
}

// FindingsByCredential returns every record whose secret has credentialID.
func (s *SQLite) FindingsByCredential(ctx context.Context, credentialID string) ([]Record, error) {
	return s.records(ctx, "WHERE credential = ?", credentialID)
}

func (s *SQLite) records(ctx context.Context, where string, arg any) ([]Record, error) {
	recs, err := recordsFrom(ctx, s.db, where, arg)
	if err != nil {
		return nil, s.errorf("%v", err)
	}
	return recs, nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func recordsFrom(ctx context.Context, q querier, where string, arg any) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT repo, fingerprint, rule_id, path, credential,
		first_seen, last_seen, removed_at, removed_commit, in_head, gone, finding
		FROM findings `+where+` ORDER BY repo, path, rule_id, fingerprint`, arg)
	if err != nil {
		return nil, err
	}
	var out []Record
	for rows.Next() {
		var r Record
		var first, last, doc string
		var removedAt, removedCommit sql.NullString
		if err := rows.Scan(&r.Repository, &r.Fingerprint, &r.RuleID, &r.Path, &r.Credential,
			&first, &last, &removedAt, &removedCommit, &r.InHead, &r.Gone, &doc); err != nil {
			rows.Close()
			return nil, err
		}
		r.FirstSeen, r.LastSeen = parseTime(first), parseTime(last)
		if removedAt.Valid {
			r.RemovedAt = parseTime(removedAt.String)
		}
		r.RemovedCommit = removedCommit.String
		if err := json.Unmarshal([]byte(doc), &r.Finding); err != nil {
			rows.Close()
			return nil, fmt.Errorf("finding %s: %v", r.Fingerprint, err)
		}
		out = append(out, r)
	}
	return out, closeRows(rows)
}

func putRecord(ctx context.Context, q querier, r Record) error {
	doc, err := json.Marshal(Redacted(r.Finding))
	if err != nil {
		return err
	}
	var removedAt, removedCommit any
	if !r.RemovedAt.IsZero() {
		removedAt, removedCommit = formatTime(r.RemovedAt), r.RemovedCommit
	}
	_, err = q.ExecContext(ctx, `INSERT INTO findings (repo, fingerprint, rule_id, path, credential,
		first_seen, last_seen, removed_at, removed_commit, in_head, gone, finding)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo, fingerprint) DO UPDATE SET rule_id = excluded.rule_id,
		path = excluded.path, credential = excluded.credential, last_seen = excluded.last_seen,
		removed_at = excluded.removed_at, removed_commit = excluded.removed_commit,
		in_head = excluded.in_head, gone = excluded.gone, finding = excluded.finding`,
		r.Repository, r.Fingerprint, r.RuleID, r.Path, r.Credential,
		formatTime(r.FirstSeen), formatTime(r.LastSeen), removedAt, removedCommit,
		r.InHead, r.Gone, string(doc))
	return err
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
