package detectors

import "testing"

// The combined glob regexps must answer exactly as the globs one by one.
func TestCombinedGlobsMatchLikeEachGlob(t *testing.T) {
	globs := []string{"go.sum", "*.sha256", "SHA256SUMS*", "checksums.txt", "vendor/", "docs/**/*.md",
		"**/testdata/**", "/root-only.txt", "a?c.lock", "[ab]x.json", "src/gen/*.pb.go", "./dot.txt", `win\path.txt`}
	paths := []string{"go.sum", "x/go.sum", "x/go.sum.bak", "a.sha256", "d/e/f.sha256", "SHA256SUMS.txt",
		"checksums.txt", "vendor/x.go", "a/vendor/x.go", "docs/a/b/c.md", "docs/c.md", "docs/c.txt",
		"x/testdata/y/z", "root-only.txt", "x/root-only.txt", "abc.lock", "x/abc.lock", "ax.json",
		"cx.json", "src/gen/a.pb.go", "src/gen/x/a.pb.go", "dot.txt", "win/path.txt", "main.go", ""}
	a, err := compileAllowlist(ConfigLayer{Name: "t", Trusted: true}, &rawAllowlist{Paths: globs})
	if err != nil {
		t.Fatal(err)
	}
	if a.baseAny == nil || a.pathAny == nil {
		t.Fatal("globs were not combined")
	}
	for _, p := range paths {
		want := false
		for _, re := range a.paths {
			want = want || re.MatchString(p)
		}
		if got := a.matchesPath(p); got != want {
			t.Errorf("%q: combined %v, one by one %v", p, got, want)
		}
	}
}
