package scanner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// keywordMatcher is a trivial matcher with the cost profile of a keyword prefilter miss:
// one pass over the bytes.
type keywordMatcher struct{}

func (keywordMatcher) Scan(path string, data []byte) []detectors.Match {
	if i := bytes.Index(data, []byte("SECRET=")); i >= 0 {
		return []detectors.Match{{RuleID: "test-secret", Start: i, End: i + 7, Secret: "x"}}
	}
	return nil
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// genHistory writes commits commits over files files in dirs directories, each commit
// editing edits files (a line changed, a line added), with one planted marker every 50
// commits so provenance runs too.
func genHistory(b testing.TB, commits, files, dirs, edits int) *gittest.Repo {
	r := gittest.New(b)
	rng := rand.New(rand.NewPCG(1, 2))
	content := make([][]string, files)
	paths := make([]string, files)
	blobs := map[string]plumbing.Hash{}
	for i := range files {
		paths[i] = fmt.Sprintf("src/d%02d/file%03d.go", i%dirs, i)
		for l := range 80 {
			content[i] = append(content[i], fmt.Sprintf("\tx%d := compute(%d, %q) // line %d", l, rng.IntN(1e6), paths[i], l))
		}
		blobs[paths[i]] = r.WriteBlob(strings.Join(content[i], "\n"))
	}
	var parent plumbing.Hash
	for c := range commits {
		for range edits {
			i := rng.IntN(files)
			content[i][rng.IntN(len(content[i]))] = fmt.Sprintf("\tedited := %d", rng.IntN(1e9))
			content[i] = append(content[i], fmt.Sprintf("\tadded%d := %d", c, rng.IntN(1e9)))
			if c%50 == 49 {
				content[i] = append(content[i], "SECRET=planted")
			}
			blobs[paths[i]] = r.WriteBlob(strings.Join(content[i], "\n"))
		}
		var ps []plumbing.Hash
		if !parent.IsZero() {
			ps = append(ps, parent)
		}
		parent = r.WriteCommit(fmt.Sprintf("commit %d", c), r.WriteTree(blobs), ps...)
	}
	r.SetRef("refs/heads/main", parent)
	return r
}

// BenchmarkGitScan scans a generated history of 400 commits × 300 files (≈2,300 distinct
// blobs, ≈10 MB) with a trivial matcher: the cost of walking, reading and provenance.
//
//	go test ./scanner -run '^$' -bench GitScan -benchtime 5x
func BenchmarkGitScan(b *testing.B) {
	for _, packed := range []bool{false, true} {
		r := genHistory(b, 400, 300, 12, 5)
		name := "loose"
		if packed {
			r.Pack()
			name = "packed"
		}
		for _, jobs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/jobs=%d", name, jobs), func(b *testing.B) {
				f := false
				var res *Result
				cpu0 := cpuTime()
				for b.Loop() {
					var err error
					res, err = Scan(context.Background(), r.Path, keywordMatcher{}, Options{Jobs: jobs, Worktree: &f})
					if err != nil {
						b.Fatal(err)
					}
				}
				// CPU time is reported beside wall time: on a shared machine it is the steadier figure.
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(res.Stats.Blobs), "blobs")
				b.ReportMetric(float64(len(res.Findings)), "findings")
				b.SetBytes(res.Stats.Bytes)
			})
		}
	}
}
