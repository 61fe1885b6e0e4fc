package state

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --state file that is not a state database (garbage, a truncated copy, a directory, a
// tampered row) is one error line naming it, never a crash; the file is not replaced.
func TestOpenHostileStateFiles(t *testing.T) {
	dir := t.TempDir()
	good, goodPath := openStore(t)
	ctx := context.Background()
	if err := good.Save(ctx, Update{Repository: "acme/api", Findings: nil, Complete: true}); err != nil {
		t.Fatal(err)
	}
	good.Close()
	whole, err := os.ReadFile(goodPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(p string)
	}{
		{"random bytes", func(p string) { os.WriteFile(p, []byte("this is not a database\x00\xff"), 0o600) }},
		{"a truncated database", func(p string) { os.WriteFile(p, whole[:len(whole)/3+7], 0o600) }},
		{"a database with a clobbered header", func(p string) {
			b := append([]byte(nil), whole...)
			copy(b, "SQLite format 9\x00")
			os.WriteFile(p, b, 0o600)
		}},
		{"a directory", func(p string) { os.Mkdir(p, 0o755) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".db")
			tt.make(p)
			before, _ := os.ReadFile(p)
			s, err := Open(ctx, p)
			if err == nil {
				// Some damage only shows on use; then the use fails, naming the file.
				_, err = s.Repo(ctx, "acme/api")
				s.Close()
			}
			if err == nil {
				t.Fatal("opened and read a damaged state file")
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q: want one line naming %s", msg, p)
			}
			if after, _ := os.ReadFile(p); string(after) != string(before) {
				t.Errorf("the damaged file was rewritten")
			}
		})
	}
}
