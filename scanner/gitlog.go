package scanner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// gitIntroductions lists, for each of commits, the target blobs it introduced: file entries
// of its tree whose blob no parent's tree holds at the same path (as a file). It asks git
// for the commits' raw diffs against their parents (`git log --no-walk --raw -c --root`, C
// tree diffs streamed in one process), which on long histories is an order of magnitude
// cheaper than diffing trees read through go-git (docs/performance.md, item 5). -c keeps, for
// merges, only paths that differ from every parent; the predicate is then re-checked on the
// ids and modes of each line so that the answer is exactly the tree-diff one (a mode-only
// change does not introduce a blob). An error (no git, an object git cannot read) means:
// use the tree diff instead.
func gitIntroductions(ctx context.Context, gitDir string, commits []*commitInfo, targets map[plumbing.Hash]bool) (map[plumbing.Hash][]introduction, error) {
	res := map[plumbing.Hash][]introduction{}
	err := gitRawLog(ctx, gitDir, commits, func(commit plumbing.Hash, meta, path string) {
		if in, ok := introducedBy(meta, path, targets); ok {
			res[commit] = append(res[commit], in)
		}
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// gitHistoryBlobs lists every blob the commits' trees hold as files, each with the first
// path it is listed at, in commit order: every blob of a walked tree is introduced at its
// path by that commit or by an ancestor, and a full-history scan walks all ancestors. One
// streamed git process replaces reading every tree through go-git, which dominated long
// histories (docs/performance.md).
func gitHistoryBlobs(ctx context.Context, gitDir string, commits []*commitInfo) ([]introduction, error) {
	var out []introduction
	err := gitRawLog(ctx, gitDir, commits, func(_ plumbing.Hash, meta, path string) {
		if in, ok := introducedBy(meta, path, nil); ok {
			out = append(out, in)
		}
	})
	return out, err
}

// gitRawLog runs `git log --raw -c` over commits and calls visit for each raw entry.
func gitRawLog(ctx context.Context, gitDir string, commits []*commitInfo, visit func(commit plumbing.Hash, meta, path string)) error {
	if len(commits) == 0 {
		return nil // with no revisions on stdin, git log would show HEAD
	}
	bin, err := exec.LookPath("git")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--git-dir="+gitDir, "log",
		"--no-walk=unsorted", "--stdin", "--raw", "-c", "--root", "--no-renames", "--no-abbrev",
		"-z", "--format=%H", "--no-color", "--no-ext-diff", "--no-textconv")
	cmd.Env = gitEnvWithoutRedirects()
	var in bytes.Buffer
	for _, c := range commits {
		in.WriteString(c.hash.String())
		in.WriteByte('\n')
	}
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	perr := parseRawLog(bufio.NewReaderSize(out, 1<<16), visit)
	if perr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	switch {
	case perr != nil:
		return perr
	case werr != nil:
		return fmt.Errorf("git log: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// parseRawLog reads `git log --raw -c -z --format=%H` output: a commit id, then entries of
// ":<modes> <ids> <status>" (one ':' per parent) each followed by a path.
func parseRawLog(r *bufio.Reader, visit func(commit plumbing.Hash, meta, path string)) error {
	var commit plumbing.Hash
	var meta string
	for {
		tok, err := r.ReadString(0)
		if err != nil {
			if tok == "" || tok == "\n" {
				return nil
			}
			return fmt.Errorf("git log: truncated output")
		}
		tok = strings.TrimSuffix(tok, "\x00")
		if meta != "" {
			visit(commit, meta, tok)
			meta = ""
			continue
		}
		tok = strings.TrimLeft(tok, "\n")
		switch {
		case strings.HasPrefix(tok, ":"):
			meta = tok
		case len(tok) == 40:
			id, ok := parseHash(tok)
			if !ok {
				return fmt.Errorf("git log: unexpected token %q", tok)
			}
			commit = id
		case tok == "":
		default:
			return fmt.Errorf("git log: unexpected token %q", tok)
		}
	}
}

// introducedBy applies the tree-diff predicate to one raw entry: the new side is a file
// holding a target blob (any blob when targets is nil), and no parent holds that blob at the
// path as a file.
func introducedBy(meta, path string, targets map[plumbing.Hash]bool) (introduction, bool) {
	n := 0
	for n < len(meta) && meta[n] == ':' {
		n++
	}
	f := strings.Fields(meta[n:])
	// n parents: n+1 modes, n+1 ids, status.
	if len(f) != 2*(n+1)+1 {
		return introduction{}, false
	}
	modes, ids := f[:n+1], f[n+1:2*(n+1)]
	if !isFileModeString(modes[n]) {
		return introduction{}, false
	}
	id, ok := parseHash(ids[n])
	if !ok || (targets != nil && !targets[id]) {
		return introduction{}, false
	}
	for p := 0; p < n; p++ {
		if ids[p] == ids[n] && isFileModeString(modes[p]) {
			return introduction{}, false
		}
	}
	return introduction{blob: id, path: path}, true
}

func isFileModeString(m string) bool { return m == "100644" || m == "100755" || m == "100664" }

func parseHash(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	for i := 0; i < 20; i++ {
		hi, lo := unhex(s[2*i]), unhex(s[2*i+1])
		if hi < 0 || lo < 0 {
			return plumbing.ZeroHash, false
		}
		h[i] = byte(hi<<4 | lo)
	}
	return h, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
