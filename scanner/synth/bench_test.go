package synth_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/scanner"
	"github.com/sfleak/sfleak/scanner/synth"
)

// Benchmarks generate their repository once per process, only when selected with -bench, so
// `go test ./...` stays fast. Examples:
//
//	go test ./scanner/synth -run '^$' -bench SynthSmall
//	go test ./scanner/synth -run '^$' -bench SynthMedium -benchtime 3x -cpuprofile cpu.out
//	SFLEAK_BENCH_REPO=/tmp/med go test ./scanner/synth -run '^$' -bench Repo -benchtime 3x
//
// SFLEAK_BENCH_LARGE=1 enables the large preset (~100,000 blobs; generation takes ~40 s).

var (
	repoOnce = map[string]*sync.Once{"small": {}, "medium": {}, "large": {}}
	repoDir  = map[string]string{}
	repoErr  = map[string]error{}
	tmpRoot  string
)

func presetRepo(b *testing.B, preset string) string {
	b.Helper()
	repoOnce[preset].Do(func() {
		if tmpRoot == "" {
			tmpRoot, repoErr[preset] = os.MkdirTemp("", "synth-bench-")
			if repoErr[preset] != nil {
				return
			}
		}
		dir := filepath.Join(tmpRoot, preset)
		_, repoErr[preset] = synth.Generate(dir, synth.Presets[preset])
		repoDir[preset] = dir
	})
	if repoErr[preset] != nil {
		b.Fatal(repoErr[preset])
	}
	return repoDir[preset]
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

func engine(b *testing.B) *detectors.Engine {
	b.Helper()
	cfg, err := detectors.LoadConfig(detectors.ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		b.Fatal(err)
	}
	e, err := detectors.NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// uniqueBlobBytes is what b.SetBytes reports: every distinct blob once, the work a history
// scanner that deduplicates blobs cannot avoid.
func uniqueBlobBytes(b *testing.B, repo string) int64 {
	b.Helper()
	out, err := exec.Command("git", "-C", repo, "cat-file", "--batch-all-objects",
		"--batch-check=%(objecttype) %(objectsize)").Output()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if typ, size, ok := strings.Cut(sc.Text(), " "); ok && typ == "blob" {
			n, _ := strconv.ParseInt(size, 10, 64)
			total += n
		}
	}
	return total
}

func benchScan(b *testing.B, repo string, jobs int) {
	e := engine(b)
	b.SetBytes(uniqueBlobBytes(b, repo))
	m, _ := synth.ReadManifest(synth.ManifestPath(repo)) // absent for arbitrary repositories
	b.ReportAllocs()
	b.ResetTimer()
	var res *scanner.Result
	for i := 0; i < b.N; i++ {
		var err error
		// The options cmd/sfleak scan passes (scanTarget), so the profile is the CLI's.
		res, err = scanner.Scan(context.Background(), repo, e, scanner.Options{
			Jobs: jobs, SkipPath: e.SkipPath, KeepBlob: sfmeta.IsMetadataPath})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(res.Findings)), "findings")
	if m != nil {
		got := map[string]bool{}
		for _, f := range res.Findings {
			got[f.RuleID+"\x00"+f.Path+"\x00"+f.Commit] = true
		}
		found := 0
		for _, p := range m.Plants {
			if got[p.RuleID+"\x00"+p.Path+"\x00"+p.Commit] {
				found++
			}
		}
		b.ReportMetric(float64(found)/float64(len(m.Plants)), "recall")
	}
}

func BenchmarkSynthSmallScan(b *testing.B)      { benchScan(b, presetRepo(b, "small"), 0) }
func BenchmarkSynthSmallScanJobs1(b *testing.B) { benchScan(b, presetRepo(b, "small"), 1) }
func BenchmarkSynthMediumScan(b *testing.B)     { benchScan(b, presetRepo(b, "medium"), 0) }
func BenchmarkSynthMediumScanJobs1(b *testing.B) {
	benchScan(b, presetRepo(b, "medium"), 1)
}

func BenchmarkSynthLargeScan(b *testing.B) {
	if os.Getenv("SFLEAK_BENCH_LARGE") == "" {
		b.Skip("set SFLEAK_BENCH_LARGE=1 (generation takes ~40 s)")
	}
	benchScan(b, presetRepo(b, "large"), 0)
}

// BenchmarkRepoScan scans an existing repository (SFLEAK_BENCH_REPO), e.g. one made with
// `sfleakbench gen`, so repeated profiling runs skip generation.
func BenchmarkRepoScan(b *testing.B) {
	repo := os.Getenv("SFLEAK_BENCH_REPO")
	if repo == "" {
		b.Skip("set SFLEAK_BENCH_REPO to a repository path")
	}
	jobs, _ := strconv.Atoi(os.Getenv("SFLEAK_BENCH_JOBS"))
	benchScan(b, repo, jobs)
}

// BenchmarkGenerateSmall measures the generator itself (bytes: blob versions written).
func BenchmarkGenerateSmall(b *testing.B) {
	var bytes int64
	for i := 0; i < b.N; i++ {
		m, err := synth.Generate(filepath.Join(b.TempDir(), "r"), synth.Presets["small"])
		if err != nil {
			b.Fatal(err)
		}
		bytes = m.BlobBytes
	}
	b.SetBytes(bytes)
}
