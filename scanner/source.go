// Package scanner turns sources (a directory, a git repository's whole history, a working
// tree) into blobs, runs the detector engine over each distinct blob once, and attaches
// provenance (introducing commit, author, date, in_head) only to blobs that matched.
package scanner

import (
	"context"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Blob is one distinct piece of content to scan.
type Blob struct {
	ID   plumbing.Hash // git blob id; for plain files the id their bytes would have in git
	Path string        // first path seen; path rules and parsers use it
	Data []byte
}

// Source yields each distinct blob once. yield's error stops the walk and is returned.
// A source records problems with single entries (unreadable file, missing object) through
// its own error sink rather than failing the walk.
type Source interface {
	Blobs(ctx context.Context, yield func(Blob) error) error
}

// Occurrence is one place a blob sits in history: the commit that introduced it at Path.
type Occurrence struct {
	Path   string
	Commit string // empty for working-tree content
	Author string
	Email  string
	Date   time.Time
	InHead bool
	Refs   []string // refs whose history contains Commit (filled when asked for)
}

// Provenance answers, for blobs that matched, where they came from.
type Provenance interface {
	Occurrences(ctx context.Context, ids []plumbing.Hash) (map[plumbing.Hash][]Occurrence, error)
}
