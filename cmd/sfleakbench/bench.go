package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sfleak/sfleak/scanner/synth"
)

// Result is one tool's measurements; the JSON form is what --json prints.
type Result struct {
	Tool     string    `json:"tool"`
	Command  string    `json:"command"`
	Runs     []float64 `json:"runs_s"` // wall time of each run, seconds
	Best     float64   `json:"best_s"`
	Median   float64   `json:"median_s"`
	MBps     float64   `json:"mb_per_s"`    // unique blob bytes / best wall time
	PeakRSS  int64     `json:"peak_rss_kb"` // largest Maxrss over the runs
	CPU      float64   `json:"cpu_s"`       // user+system time of the fastest run: insensitive to other load
	VsGL     float64   `json:"vs_gitleaks,omitempty"`
	VsFloor  float64   `json:"vs_floor,omitempty"`
	Findings int       `json:"findings,omitempty"`
	Recall   *Recall   `json:"recall,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Recall is how many of the manifest's planted findings a tool reported.
type Recall struct {
	Found  int      `json:"found"`
	Total  int      `json:"total"`
	Missed []string `json:"missed,omitempty"`
}

// Report is the whole run.
type Report struct {
	Repo      string `json:"repo"`
	Commits   int    `json:"commits"`
	Blobs     int    `json:"blobs"`
	BlobBytes int64  `json:"blob_bytes"`
	CPUs      int    `json:"cpus"`
	Date      string `json:"date"`
	// Load is /proc/loadavg's 1-minute figure before and after: wall times taken while
	// other work competes for the CPUs are not comparable with quiet ones.
	LoadBefore float64   `json:"load_before"`
	LoadAfter  float64   `json:"load_after"`
	Results    []*Result `json:"results"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	sfleakPath := fs.String("sfleak", "", "sfleak binary (default: go build ./cmd/sfleak into a temp dir)")
	gitleaksPath := fs.String("gitleaks", "", "gitleaks binary (default: gitleaks on PATH or in GOPATH/bin; none: skip)")
	runs := fs.Int("runs", 3, "timed runs per tool")
	manifestPath := fs.String("manifest", "", "manifest.json for recall (default: REPO/.git/manifest.json when present)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	noJobs1 := fs.Bool("no-jobs1", false, "skip the sfleak --jobs 1 run")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("run: want one REPO, got %d arguments", len(pos))
	}
	if *runs < 1 {
		return fmt.Errorf("run: --runs %d: want at least 1", *runs)
	}
	repo, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "sfleakbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	rep := &Report{Repo: repo, CPUs: cpus(), Date: time.Now().UTC().Format(time.RFC3339)}
	if rep.Blobs, rep.BlobBytes, err = blobStats(ctx, repo); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", repo, "rev-list", "--all", "--count").Output(); err == nil {
		rep.Commits, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	}

	var manifest *synth.Manifest
	if *manifestPath == "" && exists(synth.ManifestPath(repo)) {
		*manifestPath = synth.ManifestPath(repo)
	}
	if *manifestPath != "" {
		if manifest, err = synth.ReadManifest(*manifestPath); err != nil {
			return err
		}
	}

	if *sfleakPath == "" {
		*sfleakPath = filepath.Join(work, "sfleak")
		fmt.Fprintln(stderr, "building sfleak: go build -o", *sfleakPath, "./cmd/sfleak")
		b := exec.CommandContext(ctx, "go", "build", "-o", *sfleakPath, "./cmd/sfleak")
		b.Stdout, b.Stderr = stderr, stderr
		if err := b.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/sfleak (run from the sfleak module, or pass --sfleak): %w", err)
		}
	}
	gl := findGitleaks(*gitleaksPath)

	// One untimed read first, so that every tool meets the same warm page cache.
	if err := exec.CommandContext(ctx, "git", "-C", repo, "cat-file", "--batch-all-objects", "--batch").Run(); err != nil {
		return fmt.Errorf("git cat-file on %s: %w", repo, err)
	}

	type job struct {
		name, out string
		argv      []string
		recall    func(out string) (int, *Recall, error)
	}
	sfOut := filepath.Join(work, "sfleak.json")
	sf1Out := filepath.Join(work, "sfleak-jobs1.json")
	glOut := filepath.Join(work, "gitleaks.json")
	jobs := []job{
		{name: "git cat-file (floor)", argv: []string{"git", "-C", repo, "cat-file", "--batch-all-objects", "--batch"}},
		{name: "sfleak", out: sfOut, argv: []string{*sfleakPath, "scan", "--format", "json", "--output", sfOut, repo},
			recall: func(out string) (int, *Recall, error) { return sfleakRecall(out, manifest) }},
	}
	if !*noJobs1 {
		jobs = append(jobs, job{name: "sfleak --jobs 1", out: sf1Out,
			argv:   []string{*sfleakPath, "scan", "--jobs", "1", "--format", "json", "--output", sf1Out, repo},
			recall: func(out string) (int, *Recall, error) { return sfleakRecall(out, manifest) }})
	}
	if gl != "" {
		jobs = append(jobs, job{name: "gitleaks", out: glOut,
			argv: []string{gl, "git", "--log-opts=--all", "--report-format", "json", "--report-path", glOut,
				"--no-banner", "--log-level", "error", repo},
			recall: func(out string) (int, *Recall, error) { return gitleaksRecall(out, manifest) }})
	} else {
		fmt.Fprintln(stderr, "gitleaks not found: no gitleaks column (go install github.com/zricethezav/gitleaks/v8@v8.30.1)")
	}

	// Runs go round-robin over the tools, so that a burst of load elsewhere on the machine
	// lands on every tool alike instead of on whichever ran at that moment.
	rep.LoadBefore = loadAvg()
	results := make([]*Result, len(jobs))
	cpuOf := make([][]float64, len(jobs))
	for k, j := range jobs {
		results[k] = &Result{Tool: j.name, Command: strings.Join(j.argv, " ")}
	}
	rep.Results = results
	for i := 0; i < *runs; i++ {
		for k, j := range jobs {
			r := results[k]
			if r.Error != "" {
				continue
			}
			fmt.Fprintf(stderr, "run %d/%d: %s\n", i+1, *runs, j.name)
			wall, cpu, rss, err := measure(ctx, j.argv, filepath.Join(work, "stderr.txt"))
			if err != nil {
				r.Error = err.Error()
				continue
			}
			r.Runs = append(r.Runs, wall.Seconds())
			cpuOf[k] = append(cpuOf[k], cpu.Seconds())
			r.PeakRSS = max(r.PeakRSS, rss)
		}
	}
	rep.LoadAfter = loadAvg()
	for k, j := range jobs {
		r := results[k]
		if len(r.Runs) > 0 {
			r.Best, r.Median = bestMedian(r.Runs)
			r.MBps = float64(rep.BlobBytes) / 1e6 / r.Best
			for i, w := range r.Runs {
				if w == r.Best {
					r.CPU = cpuOf[k][i]
				}
			}
		}
		if j.recall != nil && r.Error == "" {
			n, rc, err := j.recall(j.out)
			if err != nil {
				r.Error = err.Error()
			}
			r.Findings, r.Recall = n, rc
		}
	}
	var floor, glBest float64
	for _, r := range rep.Results {
		switch r.Tool {
		case "git cat-file (floor)":
			floor = r.Best
		case "gitleaks":
			glBest = r.Best
		}
	}
	for _, r := range rep.Results {
		if r.Best > 0 && floor > 0 {
			r.VsFloor = r.Best / floor
		}
		if r.Best > 0 && glBest > 0 {
			r.VsGL = r.Best / glBest
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printTable(stdout, rep)
	return nil
}

// measure runs argv once and returns its wall time, CPU time (user+system) and peak RSS
// (KiB), the last two from wait4's rusage. Exit status 1 counts as success: sfleak and
// gitleaks use it for "findings present".
func measure(ctx context.Context, argv []string, stderrFile string) (time.Duration, time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	errf, err := os.Create(stderrFile)
	if err != nil {
		return 0, 0, 0, err
	}
	defer errf.Close()
	cmd.Stdout = io.Discard
	cmd.Stderr = errf
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	var rss int64
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // KiB on Linux
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		msg, _ := os.ReadFile(stderrFile)
		return 0, 0, 0, fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, lastLine(msg))
	}
	return wall, cpu, rss, nil
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func bestMedian(xs []float64) (float64, float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[0], m
}

// blobStats counts every blob in the object database once: the unique bytes a history
// scanner that reads each distinct blob has to look at, whatever the number of commits.
func blobStats(ctx context.Context, repo string) (int, int64, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	var n int
	var total int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		typ, size, ok := strings.Cut(sc.Text(), " ")
		if !ok || typ != "blob" {
			continue
		}
		v, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			continue
		}
		n++
		total += v
	}
	if err := cmd.Wait(); err != nil {
		return 0, 0, fmt.Errorf("%s: git cat-file --batch-check: %w", repo, err)
	}
	return n, total, nil
}

func findGitleaks(flagPath string) string {
	switch flagPath {
	case "none":
		return ""
	case "":
		if p, err := exec.LookPath("gitleaks"); err == nil {
			return p
		}
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
				if p := filepath.Join(dir, "bin", "gitleaks"); exists(p) {
					return p
				}
			}
		}
		return ""
	default:
		return flagPath
	}
}

// sfleakRecall counts planted findings reported with the right rule, path and introducing
// commit (the line is not required: a later version of the file may put it elsewhere).
func sfleakRecall(path string, m *synth.Manifest) (int, *Recall, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	var rep struct {
		Findings []struct {
			RuleID string `json:"rule_id"`
			Path   string `json:"path"`
			Commit string `json:"commit"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, nil, fmt.Errorf("sfleak report: %w", err)
	}
	if m == nil {
		return len(rep.Findings), nil, nil
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.RuleID+"\x00"+f.Path+"\x00"+f.Commit] = true
	}
	rc := &Recall{Total: len(m.Plants)}
	for _, p := range m.Plants {
		if got[p.RuleID+"\x00"+p.Path+"\x00"+p.Commit] {
			rc.Found++
		} else {
			rc.Missed = append(rc.Missed, describe(p))
		}
	}
	return len(rep.Findings), rc, nil
}

// gitleaksRecall matches by path and line only: gitleaks has no Salesforce rule ids.
func gitleaksRecall(path string, m *synth.Manifest) (int, *Recall, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	var rep []struct {
		File      string
		StartLine int
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, nil, fmt.Errorf("gitleaks report: %w", err)
	}
	if m == nil {
		return len(rep), nil, nil
	}
	got := map[string]bool{}
	for _, f := range rep {
		got[f.File+"\x00"+strconv.Itoa(f.StartLine)] = true
	}
	rc := &Recall{Total: len(m.Plants)}
	for _, p := range m.Plants {
		if got[p.Path+"\x00"+strconv.Itoa(p.Line)] {
			rc.Found++
		} else {
			rc.Missed = append(rc.Missed, describe(p))
		}
	}
	return len(rep), rc, nil
}

func describe(p synth.Plant) string {
	fate := "main"
	switch {
	case !p.Merged:
		fate = "unmerged branch"
	case p.RemovedIn != "":
		fate = "removed later"
	case p.Branch != "main":
		fate = "merged branch"
	}
	return fmt.Sprintf("%s %s:%d @%.8s (%s, %s)", p.RuleID, p.Path, p.Line, p.Commit, p.Kind, fate)
}

func printTable(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "repo %s: %d commits, %d blobs, %.1f MB unique blob bytes, %d CPUs, load %.1f → %.1f\n",
		rep.Repo, rep.Commits, rep.Blobs, float64(rep.BlobBytes)/1e6, rep.CPUs, rep.LoadBefore, rep.LoadAfter)
	// Only the load before counts: the load after includes the runs just measured.
	if rep.LoadBefore > 0.5*float64(rep.CPUs) {
		fmt.Fprintln(w, "warning: the machine was busy; wall times are inflated (cpu s is less affected)")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\tbest s\tmedian s\tcpu s\tMB/s\tpeak RSS MiB\tvs gitleaks\tvs floor\tfindings\trecall\t")
	for _, r := range rep.Results {
		if r.Error != "" && len(r.Runs) == 0 {
			fmt.Fprintf(tw, "%s\terror (below)\t\t\t\t\t\t\t\t\t\n", r.Tool)
			continue
		}
		recall := "-"
		if r.Recall != nil {
			recall = fmt.Sprintf("%d/%d", r.Recall.Found, r.Recall.Total)
		}
		findings := "-"
		if r.Findings > 0 || r.Recall != nil {
			findings = strconv.Itoa(r.Findings)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", r.Tool, r.Best, r.Median, r.CPU, r.MBps,
			float64(r.PeakRSS)/1024, ratio(r.VsGL), ratio(r.VsFloor), findings, recall)
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.Error != "" {
			fmt.Fprintf(w, "\n%s: %s\n", r.Tool, r.Error)
		}
		if r.Recall != nil && len(r.Recall.Missed) > 0 {
			fmt.Fprintf(w, "\n%s missed %d:\n", r.Tool, len(r.Recall.Missed))
			for i, m := range r.Recall.Missed {
				if i == 12 {
					fmt.Fprintf(w, "  … %d more (--json lists all)\n", len(r.Recall.Missed)-i)
					break
				}
				fmt.Fprintf(w, "  %s\n", m)
			}
		}
	}
	var cmds bytes.Buffer
	for _, r := range rep.Results {
		fmt.Fprintf(&cmds, "  %s: %s\n", r.Tool, r.Command)
	}
	fmt.Fprintf(w, "\ncommands:\n%s", cmds.String())
}

func ratio(x float64) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}
