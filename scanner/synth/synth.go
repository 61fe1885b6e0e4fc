// Package synth builds deterministic synthetic git histories for benchmarks and recall
// checks: plausible source files in several languages, commits that edit them (a few lines at
// a time, adds, deletes, renames), feature branches merged and left unmerged, tags, and fake
// Salesforce credentials (detectors/fakecred) planted at known commits, paths and lines, some
// later removed. The same Config gives byte-identical repositories and the same commit ids on
// every machine, so benchmark figures and recall are comparable across runs.
//
// The repository is written with `git fast-import`: one streamed process builds hundreds of
// megabytes of history in seconds, where committing file by file would take minutes.
package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Config says how big and how busy the history is.
type Config struct {
	Commits        int    `json:"commits"`          // commits in all, merges included
	Files          int    `json:"files"`            // files in the first commit
	BytesPerFile   int    `json:"bytes_per_file"`   // mean file size; sizes vary around it
	FilesPerCommit int    `json:"files_per_commit"` // mean files an ordinary commit edits
	Seed           uint64 `json:"seed"`
	Plants         int    `json:"plants"` // credential sets to plant (each yields 1–3 findings)
	// Churn is the chance that a touched file is largely rewritten (30–100% of its lines
	// regenerated: generated code, lockfiles, reformatting, vendored updates) rather than
	// edited in a few lines. It sets how much of the blob bytes are new text in diffs, which
	// is what diff-based scanners (gitleaks: git log -p) pay for, while blob-based scanners pay
	// for every blob version whatever the diff. 0 gives small, hand-edit-like diffs only.
	Churn float64 `json:"churn"`
	// KeywordLines is the share of generated lines that carry detector keywords (token,
	// secret, session, bearer…) without a credential, as integration code does. It sets how
	// often the engine gets past its prefilter; 0 gives keyword-free filler.
	KeywordLines float64 `json:"keyword_lines"`
}

// Presets are the named sizes sfleakbench and the benchmarks use.
//   - small: ~200 commits, a few MB: quick enough for `go test -bench`.
//   - medium: ~800 commits, ~120 MB of blob versions: the headline comparison with gitleaks.
//   - large: ~100,000 blob versions: the memory-bound target (peak RSS independent of history).
var Presets = map[string]Config{
	"small":  {Commits: 200, Files: 150, BytesPerFile: 4000, FilesPerCommit: 4, Seed: 1, Plants: 16, Churn: 0.25, KeywordLines: 0.05},
	"medium": {Commits: 800, Files: 600, BytesPerFile: 12000, FilesPerCommit: 12, Seed: 1, Plants: 40, Churn: 0.25, KeywordLines: 0.05},
	"large":  {Commits: 5200, Files: 2000, BytesPerFile: 3000, FilesPerCommit: 20, Seed: 1, Plants: 64, Churn: 0.25, KeywordLines: 0.05},
}

// Manifest describes what Generate built and, above all, where the credentials are.
type Manifest struct {
	Config       Config   `json:"config"`
	Head         string   `json:"head"` // tip of main
	Commits      int      `json:"commits"`
	BlobVersions int      `json:"blob_versions"` // file versions written (duplicates possible but rare)
	BlobBytes    int64    `json:"blob_bytes"`
	Branches     []string `json:"branches"` // every branch ref left in the repository
	Unmerged     []string `json:"unmerged"` // branches whose commits main does not contain
	Tags         []string `json:"tags"`
	Plants       []Plant  `json:"plants"`
}

// Plant is one finding a scanner should report: rule, path, and the commit that introduced the
// credential at that path (the earliest commit whose tree holds it while no parent's does),
// with the 1-based line in that commit's version of the file. Secrets are not recorded: the
// manifest sits next to the repository and must not be a credential file itself.
type Plant struct {
	Set       int    `json:"set"`  // plants from one inserted block share a set
	Kind      string `json:"kind"` // which template (python-client-credentials, …)
	RuleID    string `json:"rule_id"`
	Path      string `json:"path"`
	Commit    string `json:"commit"`
	Line      int    `json:"line"`
	Branch    string `json:"branch"`               // branch the introducing commit was made on
	Merged    bool   `json:"merged"`               // reachable from main
	RemovedIn string `json:"removed_in,omitempty"` // main commit that deleted it again
	InHead    bool   `json:"in_head"`              // still in main's tree at the end

	commitMark int
	removeMark int
	removeDue  int  // step from which a main commit removes it (0: never)
	ownFile    bool // the plant is the whole file: removal deletes it
}

// ManifestName is the manifest's file name inside the repository's .git directory, where
// directory walkers and the history scan never read it.
const ManifestName = "manifest.json"

// ManifestPath is where Generate writes the manifest for a repository at dir.
func ManifestPath(dir string) string { return filepath.Join(dir, ".git", ManifestName) }

// ReadManifest loads a manifest written by Generate.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// file is one immutable version of a file: edits make a new file, so that branch states can
// share versions freely.
type file struct {
	lines   []string
	owner   []int // per line: the plant set that put it there, 0 for ordinary lines; nil if none
	lang    *lang
	mark    int // fast-import mark of the blob
	planted int // lines with an owner; edits never replace or delete those
}

func (f *file) has(set int) bool {
	for _, o := range f.owner {
		if o == set {
			return true
		}
	}
	return false
}

// branch is the tree state of one branch while generating.
type branch struct {
	name     string
	files    map[string]*file
	paths    []string // the keys of files in a deterministic order, for random picks
	tip      int      // mark of the last commit
	forkStep int
	changed  map[string]bool // paths changed on this branch since it forked
	commits  int
	length   int  // commits planned before it is merged or abandoned
	merge    bool // fate: merged into main, or left unmerged
}

func (b *branch) set(path string, f *file) {
	if _, ok := b.files[path]; !ok {
		b.paths = append(b.paths, path)
	}
	b.files[path] = f
}

func (b *branch) del(path string) {
	if _, ok := b.files[path]; !ok {
		return
	}
	delete(b.files, path)
	for i, p := range b.paths {
		if p == path {
			b.paths = append(b.paths[:i], b.paths[i+1:]...)
			break
		}
	}
}

func (b *branch) fork(name string, step int) *branch {
	nb := &branch{name: name, files: make(map[string]*file, len(b.files)), paths: append([]string(nil), b.paths...),
		tip: b.tip, forkStep: step, changed: map[string]bool{}}
	for k, v := range b.files {
		nb.files[k] = v
	}
	return nb
}

type change struct {
	path string
	f    *file // nil: delete
}

type gen struct {
	cfg         Config
	r           *rand.Rand
	w           *bufio.Writer
	mark        int
	ts          int64
	main        *branch
	open        []*branch
	branches    []*branch // every branch ever made, in creation order
	mainAt      map[string]int
	step        int
	plants      []*Plant
	pending     []*Plant // on main, to be removed later
	introducing []*Plant // planted by the commit being written
	removing    []*Plant // removed by the commit being written
	blobs       int
	bytes       int64
	tags        []string
	releases    int
	names       map[string]int
	buf         bytes.Buffer
}

var authors = []string{
	"Dana Whitfield <dana.whitfield@acme.example>",
	"Ravi Menon <ravi.menon@acme.example>",
	"Lucía Ortega <lucia.ortega@acme.example>",
	"Tom Becker <tom.becker@acme.example>",
	"Aiko Tanaka <aiko.tanaka@acme.example>",
	"Sam Okafor <sam.okafor@acme.example>",
	"Priya Nair <priya.nair@acme.example>",
	"Jonas Lind <jonas.lind@acme.example>",
}

// Generate builds the repository at dir (created; it must not exist or be empty) and writes
// its manifest to ManifestPath(dir). It needs the git CLI on PATH.
func Generate(dir string, cfg Config) (*Manifest, error) {
	if cfg.Commits < 2 || cfg.Files < 1 || cfg.BytesPerFile < 200 || cfg.FilesPerCommit < 1 || cfg.Plants < 0 {
		return nil, fmt.Errorf("synth: config %+v: need commits ≥ 2, files ≥ 1, bytes_per_file ≥ 200, files_per_commit ≥ 1", cfg)
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("synth: %s: directory not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := git(dir, "init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	marks := filepath.Join(dir, ".git", "synth-marks")
	cmd := exec.Command("git", "fast-import", "--quiet", "--export-marks="+marks)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("synth: git fast-import: %w", err)
	}
	g := &gen{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x5f1ea4)), w: bufio.NewWriterSize(stdin, 1<<20),
		ts: 1672531200, mainAt: map[string]int{}, names: map[string]int{}}
	runErr := g.run()
	if err := g.w.Flush(); err != nil && runErr == nil {
		runErr = err
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("synth: git fast-import: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if runErr != nil {
		return nil, runErr
	}
	ids, err := readMarks(marks)
	if err != nil {
		return nil, err
	}
	os.Remove(marks)
	// Check out main so that the directory is an ordinary clone-like working tree.
	if err := git(dir, "reset", "-q", "--hard", "main"); err != nil {
		return nil, err
	}
	m := g.manifest(ids)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(ManifestPath(dir), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

func (g *gen) manifest(ids map[int]string) *Manifest {
	m := &Manifest{Config: g.cfg, Head: ids[g.main.tip], Commits: g.step, BlobVersions: g.blobs, BlobBytes: g.bytes}
	for _, b := range g.branches {
		m.Branches = append(m.Branches, b.name)
		if !b.merge {
			m.Unmerged = append(m.Unmerged, b.name)
		}
	}
	sort.Strings(m.Branches)
	sort.Strings(m.Unmerged)
	m.Tags = append([]string(nil), g.tags...)
	for _, p := range g.plants {
		p.Commit = ids[p.commitMark]
		if p.removeMark != 0 {
			p.RemovedIn = ids[p.removeMark]
		}
		if f := g.main.files[p.Path]; f != nil && f.has(p.Set) {
			p.InHead = true
		}
		m.Plants = append(m.Plants, *p)
	}
	return m
}

func readMarks(path string) (map[int]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ids := map[int]string{}
	for _, ln := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		mk, id, ok := strings.Cut(ln, " ")
		if !ok || !strings.HasPrefix(mk, ":") {
			continue
		}
		n, err := strconv.Atoi(mk[1:])
		if err != nil {
			return nil, fmt.Errorf("synth: marks %q: %w", ln, err)
		}
		ids[n] = id
	}
	return ids, nil
}

// gitEnv keeps the user's and the system's git configuration out, so that nothing on the
// machine (a commit template, a hook path, signing) makes the repository differ.
func gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C")
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("synth: git %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// ---- the history ----

// Plant fates, assigned round-robin so every preset has each of them.
const (
	fateMainKept = iota
	fateBranchMerged
	fateMainRemoved
	fateBranchUnmerged
)

type planSlot struct {
	set  int // 1-based plant set number
	fate int
}

func (g *gen) run() error {
	cfg := g.cfg
	g.main = &branch{name: "main", files: map[string]*file{}, changed: map[string]bool{}, merge: true}
	g.branches = append(g.branches, g.main)

	// Plants go at evenly spread steps in the first 85% of history, so that removals and
	// merges have room to happen after them.
	plan := map[int]planSlot{}
	span := cfg.Commits * 85 / 100
	for i := 0; i < cfg.Plants; i++ {
		s := 1 + (i+1)*span/(cfg.Plants+1)
		for plan[s].set != 0 {
			s++
		}
		// Fates rotate against kinds, so each kind meets every fate once the plants wrap.
		plan[s] = planSlot{set: i + 1, fate: (i + i/len(plantKinds)) % 4}
	}

	var first []change
	for i := 0; i < cfg.Files; i++ {
		l := langs[g.r.IntN(len(langs))]
		first = append(first, change{g.newPath(g.main, l), g.newFile(l, newContent(g.r, l, g.size(), g.line), nil)})
	}
	if err := g.commit(g.main, "Initial import", first, 0); err != nil {
		return err
	}

	for g.step < cfg.Commits {
		if slot, ok := plan[g.step]; ok {
			if err := g.plant(slot); err != nil {
				return err
			}
			continue
		}
		// Branches whose fate is a merge are merged before the history ends.
		left := cfg.Commits - g.step
		var due []*branch
		for _, b := range g.open {
			if b.merge {
				due = append(due, b)
			}
		}
		if len(due) > 0 && left <= len(due)+1 {
			if err := g.mergeBranch(due[0]); err != nil {
				return err
			}
			continue
		}
		if len(g.open) < 3 && left > 20 && g.r.IntN(100) < 6 {
			g.openBranch(2+g.r.IntN(8), g.r.IntN(100) < 80)
		}
		target := g.main
		if len(g.open) > 0 && g.r.IntN(10) < 4 {
			target = g.open[g.r.IntN(len(g.open))]
		}
		if target != g.main && target.commits >= target.length {
			if target.merge {
				if err := g.mergeBranch(target); err != nil {
					return err
				}
				continue
			}
			g.close(target) // abandoned: its ref stays, unmerged
			target = g.main
		}
		if err := g.ordinary(target); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) openBranch(length int, merge bool) *branch {
	kind := pick(g.r, []string{"feature", "fix", "chore", "spike"})
	name := kind + "/" + pick(g.r, words) + "-" + pick(g.r, words)
	g.names[name]++
	if n := g.names[name]; n > 1 {
		name = fmt.Sprintf("%s-%d", name, n)
	}
	b := g.main.fork(name, g.step)
	b.length, b.merge = length, merge
	g.open = append(g.open, b)
	g.branches = append(g.branches, b)
	return b
}

func (g *gen) close(b *branch) {
	for i, o := range g.open {
		if o == b {
			g.open = append(g.open[:i], g.open[i+1:]...)
			return
		}
	}
}

func (g *gen) size() int {
	// Log-normal sizes around the mean (σ=0.7, shifted so the mean stays BytesPerFile): most
	// files small, a few large, as in real repositories.
	s := float64(g.cfg.BytesPerFile) * math.Exp(g.r.NormFloat64()*0.7-0.245)
	return int(math.Max(200, math.Min(s, float64(g.cfg.BytesPerFile)*8)))
}

func (g *gen) newPath(b *branch, l *lang) string {
	for {
		var name string
		switch l {
		case javaLang, apexLang:
			name = pascal(g.r, 2)
		case jsLang:
			name = camel(g.r, 1)
		default:
			name = snake(g.r, 2)
		}
		p := pick(g.r, l.dirs) + "/" + name + pick(g.r, l.exts)
		if _, ok := b.files[p]; !ok {
			return p
		}
	}
}

// line makes one body line in language l: now and then one that carries keywords.
func (g *gen) line(l *lang) string {
	if ks := keywordLines[l]; len(ks) > 0 && g.r.Float64() < g.cfg.KeywordLines {
		return ks[g.r.IntN(len(ks))]
	}
	return l.line(g.r, g.r.IntN(6))
}

// newFile writes a blob for lines and returns the file version that refers to it.
func (g *gen) newFile(l *lang, lines []string, owner []int) *file {
	f := &file{lines: lines, lang: l, owner: owner}
	for _, o := range owner {
		if o != 0 {
			f.planted++
		}
	}
	if f.planted == 0 {
		f.owner = nil
	}
	g.mark++
	f.mark = g.mark
	g.buf.Reset()
	for _, s := range lines {
		g.buf.WriteString(s)
		g.buf.WriteByte('\n')
	}
	fmt.Fprintf(g.w, "blob\nmark :%d\ndata %d\n", f.mark, g.buf.Len())
	g.w.Write(g.buf.Bytes())
	g.w.WriteByte('\n')
	g.blobs++
	g.bytes += int64(g.buf.Len())
	return f
}

// edit changes a few lines of f: replacements, insertions and deletions, as a typical commit
// does. Planted lines are never touched; only a scheduled removal takes them out.
func (g *gen) edit(f *file) *file {
	lines := append([]string(nil), f.lines...)
	var owner []int
	if f.owner != nil {
		owner = append([]int(nil), f.owner...)
	}
	prot := func(i int) bool { return owner != nil && owner[i] != 0 }
	if g.r.Float64() < g.cfg.Churn {
		// A rewrite: regenerate a contiguous 30–100% of the lines, keeping planted ones.
		span := len(lines) * (30 + g.r.IntN(71)) / 100
		from := g.r.IntN(len(lines) - span + 1)
		for i := from; i < from+span; i++ {
			if !prot(i) {
				lines[i] = g.line(f.lang)
			}
		}
		return g.newFile(f.lang, lines, owner)
	}
	n := 1 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		at := g.r.IntN(len(lines) + 1)
		switch op := g.r.IntN(3); {
		case op == 0 || len(lines) < 10: // insert a few lines
			add := make([]string, 1+g.r.IntN(6))
			for j := range add {
				add[j] = g.line(f.lang)
			}
			lines = append(lines[:at], append(add, lines[at:]...)...)
			if owner != nil {
				owner = append(owner[:at], append(make([]int, len(add)), owner[at:]...)...)
			}
		case op == 1: // replace one line
			if at < len(lines) && !prot(at) {
				lines[at] = g.line(f.lang)
			}
		default: // delete a few lines
			for k := 1 + g.r.IntN(4); k > 0 && at < len(lines) && !prot(at); k-- {
				lines = append(lines[:at], lines[at+1:]...)
				if owner != nil {
					owner = append(owner[:at], owner[at+1:]...)
				}
			}
		}
	}
	return g.newFile(f.lang, lines, owner)
}

var msgTemplates = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { return "Fix " + pick(r, words) + " " + pick(r, words) + " handling" },
	func(r *rand.Rand) string { return "Add " + pick(r, words) + " to " + pick(r, words) + " service" },
	func(r *rand.Rand) string { return "Refactor " + pascal(r, 2) },
	func(r *rand.Rand) string { return "Update " + pick(r, words) + " config" },
	func(r *rand.Rand) string { return "Handle empty " + pick(r, words) + " in " + camel(r, 1) },
	func(r *rand.Rand) string { return "docs: " + strings.TrimSuffix(sentence(r, 3, 7), ".") },
}

// ordinary makes one everyday commit on b: a few files edited, sometimes a file added,
// deleted or renamed. Plants due for removal on main go out with a main commit.
func (g *gen) ordinary(b *branch) error {
	var ch []change
	k := 1 + g.r.IntN(2*g.cfg.FilesPerCommit-1)
	touched := map[string]bool{}
	for i := 0; i < k && len(b.paths) > 0; i++ {
		p := b.paths[g.r.IntN(len(b.paths))]
		if touched[p] {
			continue
		}
		touched[p] = true
		ch = append(ch, change{p, g.edit(b.files[p])})
	}
	switch x := g.r.IntN(100); {
	case x < 12:
		l := langs[g.r.IntN(len(langs))]
		ch = append(ch, change{g.newPath(b, l), g.newFile(l, newContent(g.r, l, g.size(), g.line), nil)})
	case x < 15 && len(b.paths) > 20: // delete
		p := b.paths[g.r.IntN(len(b.paths))]
		if f := b.files[p]; !touched[p] && f.planted == 0 {
			ch = append(ch, change{p, nil})
		}
	case x < 18 && len(b.paths) > 0: // rename, content unchanged
		p := b.paths[g.r.IntN(len(b.paths))]
		if f := b.files[p]; !touched[p] && f.planted == 0 {
			ch = append(ch, change{p, nil}, change{g.newPath(b, f.lang), f})
		}
	}
	msg := msgTemplates[g.r.IntN(len(msgTemplates))](g.r)
	if b == g.main {
		var due, keep []*Plant
		for _, p := range g.pending {
			if g.step >= p.removeDue {
				due = append(due, p)
			} else {
				keep = append(keep, p)
			}
		}
		g.pending = keep
		if len(due) > 0 {
			ch = g.removePlants(b, ch, due)
			msg = "Remove hard-coded Salesforce credentials"
		}
	}
	return g.commit(b, msg, ch, 0)
}

// removePlants takes planted blocks out of main again (deleting the file when the plant was
// the whole file). The commit that follows records itself as their RemovedIn.
func (g *gen) removePlants(b *branch, ch []change, due []*Plant) []change {
	sets := map[string]map[int]bool{}
	var order []string
	own := map[string]bool{}
	for _, p := range due {
		if sets[p.Path] == nil {
			sets[p.Path] = map[int]bool{}
			order = append(order, p.Path)
		}
		sets[p.Path][p.Set] = true
		own[p.Path] = own[p.Path] || p.ownFile
	}
	for _, path := range order {
		out := ch[:0] // the removal replaces any edit already queued for this path
		for _, c := range ch {
			if c.path != path {
				out = append(out, c)
			}
		}
		ch = out
		f := b.files[path]
		if f == nil {
			continue
		}
		var lines []string
		var owner []int
		for i, s := range f.lines {
			if !sets[path][f.owner[i]] {
				lines = append(lines, s)
				owner = append(owner, f.owner[i])
			}
		}
		if own[path] || len(lines) == 0 {
			ch = append(ch, change{path, nil})
		} else {
			ch = append(ch, change{path, g.newFile(f.lang, lines, owner)})
		}
	}
	g.removing = append(g.removing, due...)
	return ch
}

// plant writes one credential block: on main or on a new branch (merged later or never), as a
// new file or inserted into an existing file of the same language.
func (g *gen) plant(slot planSlot) error {
	kind := plantKinds[(slot.set-1)%len(plantKinds)]
	lines, hits := kind.block(plantSeed(g.cfg.Seed, slot.set), g.r)
	b := g.main
	if slot.fate == fateBranchMerged || slot.fate == fateBranchUnmerged {
		b = g.openBranch(2+g.r.IntN(4), slot.fate == fateBranchMerged)
	}
	// On branches a plant is always a new file: merges keep main's side of a path both sides
	// changed, and a new path can never be overridden that way.
	var host string
	if kind.lang != nil && b == g.main && g.r.IntN(2) == 0 {
		start := g.r.IntN(len(b.paths))
		for i := range b.paths {
			p := b.paths[(start+i)%len(b.paths)]
			if f := b.files[p]; f.lang == kind.lang && f.planted == 0 {
				host = p
				break
			}
		}
	}
	var path string
	var newLines []string
	var owner []int
	base := 0
	l := kind.lang
	if host == "" {
		path = kind.newPath(g.r)
		for b.files[path] != nil {
			path = kind.newPath(g.r)
		}
		newLines = lines
		if l == nil {
			l = mdLang // only used to make edit lines; own-file plants are rarely edited
		}
	} else {
		path = host
		f := b.files[host]
		base = g.r.IntN(len(f.lines) + 1)
		newLines = append(append(append([]string(nil), f.lines[:base]...), lines...), f.lines[base:]...)
		owner = make([]int, len(f.lines))
		copy(owner, f.owner)
		owner = append(owner[:base], append(make([]int, len(lines)), owner[base:]...)...)
	}
	if owner == nil {
		owner = make([]int, len(newLines))
	}
	for i := range lines {
		owner[base+i] = slot.set
	}
	f := g.newFile(l, newLines, owner)
	for _, h := range hits {
		p := &Plant{Set: slot.set, Kind: kind.name, RuleID: h.rule, Path: path, Line: base + h.line + 1,
			Branch: b.name, Merged: slot.fate != fateBranchUnmerged, ownFile: host == ""}
		if slot.fate == fateMainRemoved {
			p.removeDue = g.step + max(3, g.cfg.Commits/10)
			g.pending = append(g.pending, p)
		}
		g.plants = append(g.plants, p)
		g.introducing = append(g.introducing, p)
	}
	msg := "Add " + strings.ReplaceAll(kind.name, "-", " ")
	return g.commit(b, msg, []change{{path, f}}, 0)
}

// mergeBranch merges b into main with a merge commit. Where both sides changed a path since
// the fork, main's side wins (a scripted "ours" resolution); otherwise b's version is taken.
func (g *gen) mergeBranch(b *branch) error {
	paths := make([]string, 0, len(b.changed))
	for p := range b.changed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var ch []change
	for _, p := range paths {
		if at, ok := g.mainAt[p]; ok && at >= b.forkStep {
			continue
		}
		if f := b.files[p]; f != nil {
			if g.main.files[p] != f {
				ch = append(ch, change{p, f})
			}
		} else if g.main.files[p] != nil {
			ch = append(ch, change{p, nil})
		}
	}
	g.close(b)
	return g.commit(g.main, fmt.Sprintf("Merge branch '%s'", b.name), ch, b.tip)
}

// commit writes one commit of changes on b (a merge when mergeFrom is a commit mark) and
// applies the changes to b's state.
func (g *gen) commit(b *branch, msg string, ch []change, mergeFrom int) error {
	g.mark++
	cm := g.mark
	g.ts += 300 + g.r.Int64N(4*3600)
	who := pick(g.r, authors)
	fmt.Fprintf(g.w, "commit refs/heads/%s\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\n",
		b.name, cm, who, g.ts, who, g.ts, len(msg), msg)
	if b.tip != 0 {
		fmt.Fprintf(g.w, "from :%d\n", b.tip)
	}
	if mergeFrom != 0 {
		fmt.Fprintf(g.w, "merge :%d\n", mergeFrom)
	}
	for _, c := range ch {
		if c.f == nil {
			fmt.Fprintf(g.w, "D %s\n", c.path)
			b.del(c.path)
		} else {
			fmt.Fprintf(g.w, "M 100644 :%d %s\n", c.f.mark, c.path)
			b.set(c.path, c.f)
		}
		if b == g.main {
			g.mainAt[c.path] = g.step
		} else {
			b.changed[c.path] = true
		}
	}
	g.w.WriteByte('\n')
	b.tip = cm
	b.commits++
	for _, p := range g.introducing {
		p.commitMark = cm
	}
	for _, p := range g.removing {
		p.removeMark = cm
	}
	g.introducing, g.removing = nil, nil
	// Release tags on main now and then: annotated ones, and a lightweight deploy marker.
	if b == g.main && g.step > 0 {
		every := max(10, g.cfg.Commits/12)
		switch {
		case g.step%every == 0:
			g.releases++
			tag := fmt.Sprintf("v1.%d.0", g.releases)
			text := "Release " + tag
			fmt.Fprintf(g.w, "tag %s\nfrom :%d\ntagger %s %d +0000\ndata %d\n%s\n", tag, cm, who, g.ts, len(text), text)
			g.tags = append(g.tags, tag)
		case g.step%every == every/2:
			tag := fmt.Sprintf("deploy-%d", g.step)
			fmt.Fprintf(g.w, "reset refs/tags/%s\nfrom :%d\n\n", tag, cm)
			g.tags = append(g.tags, tag)
		}
	}
	g.step++
	return g.w.Flush()
}
