package scanner

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/fakecred"
)

// watchdog panics (failing the fuzz input) when fn runs longer than d.
func watchdog(d time.Duration, what string, fn func()) {
	t := time.AfterFunc(d, func() { panic("watchdog: " + what + " still running after " + d.String()) })
	defer t.Stop()
	fn()
}

func fuzzEngine(f *testing.F) *detectors.Engine {
	cfg, err := detectors.LoadConfig(detectors.ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		f.Fatal(err)
	}
	e, err := detectors.NewEngine(cfg)
	if err != nil {
		f.Fatal(err)
	}
	return e
}

// FuzzBlob: git blob content as a worker handles it (binary sniffing, matching, line and
// column). A blob with a NUL in its first 8000 bytes is skipped as binary; any other is
// scanned, and every match lands on a line and column inside the blob.
func FuzzBlob(f *testing.F) {
	e := fuzzEngine(f)
	tok := fakecred.AccessToken("blob")
	f.Add("a.py", []byte("token = '"+tok+"'\r\n"))
	f.Add("b.env", []byte("\xff\xfe SF_TOKEN="+tok+"\n\xc3"))
	f.Add("c.bin", []byte("\x00SF_TOKEN="+tok))
	f.Add("d\nname;$(rm -rf).txt", []byte("é\tSF_TOKEN="+tok+"\n"))
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		s := newSession(context.Background(), e, Options{Jobs: 1}, "fuzz", "")
		id := blobHash(data)
		var scanned bool
		watchdog(10*time.Second, "scanBlob", func() { scanned = s.scanBlob(id, path, data) })
		sniff := data[:min(len(data), binarySniffLen)]
		if binary := bytes.IndexByte(sniff, 0) >= 0; scanned == binary {
			t.Fatalf("scanned=%v for a blob with NUL=%v", scanned, !scanned)
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		for _, l := range s.matched[id] {
			if l.Line < 1 || l.Line > lines || l.Column < 1 || l.Column > len(data)+1 {
				t.Fatalf("%s at %d:%d of a %d-line, %d-byte blob", l.RuleID, l.Line, l.Column, lines, len(data))
			}
		}
		if want := plumbing.ComputeHash(plumbing.BlobObject, data); id != want {
			t.Fatalf("blobHash %s, go-git %s", id, want)
		}
	})
}

// FuzzGitObjects: commit and tree objects from a hostile repository, decoded as the scanner
// decodes them. No panic; a tree yields entries only for well-formed input.
func FuzzGitObjects(f *testing.F) {
	f.Add([]byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\nmsg\n"))
	f.Add([]byte("tree x\nparent \nauthor <> -1 +99999\ngpgsig -----BEGIN\n \n\n"))
	f.Add([]byte("100644 a.py\x00" + strings.Repeat("\x01", 20) + "40000 dir\x00" + strings.Repeat("\x02", 20)))
	f.Add([]byte("100644 a\x00short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog(10*time.Second, "decode", func() {
			for _, typ := range []plumbing.ObjectType{plumbing.CommitObject, plumbing.TreeObject, plumbing.TagObject} {
				o := &plumbing.MemoryObject{}
				o.SetType(typ)
				if _, err := o.Write(data); err != nil {
					t.Fatal(err)
				}
				switch typ {
				case plumbing.CommitObject:
					var c object.Commit
					if c.Decode(o) == nil {
						_ = c.Author.When.UTC().Format(time.RFC3339)
						_ = c.NumParents()
					}
				case plumbing.TreeObject:
					var tr object.Tree
					goGitErr := tr.Decode(o)
					if goGitErr == nil && len(tr.Entries) > len(data)/21+1 {
						t.Fatalf("%d tree entries from %d bytes", len(tr.Entries), len(data))
					}
					// The walk's own parser agrees with go-git wherever both accept the tree.
					es, err := parseTree(data)
					if err != nil || goGitErr != nil {
						break
					}
					if len(es) != len(tr.Entries) {
						t.Fatalf("parseTree: %d entries, go-git %d", len(es), len(tr.Entries))
					}
					for i, e := range es {
						g := tr.Entries[i]
						if e.Name != g.Name || e.Hash != g.Hash || e.Mode != g.Mode {
							t.Fatalf("entry %d: parseTree %q %o %s, go-git %q %o %s", i, e.Name, e.Mode, e.Hash, g.Name, g.Mode, g.Hash)
						}
					}
				case plumbing.TagObject:
					var tg object.Tag
					_ = tg.Decode(o)
				}
			}
		})
	})
}
