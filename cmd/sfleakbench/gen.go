package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sfleak/sfleak/scanner/synth"
)

func runGen(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	preset := fs.String("preset", "small", "size: "+strings.Join(presetNames(), ", "))
	seed := fs.Uint64("seed", 0, "PRNG seed (0: the preset's)")
	commits := fs.Int("commits", 0, "override: commits in all")
	files := fs.Int("files", 0, "override: files in the first commit")
	bpf := fs.Int("bytes-per-file", 0, "override: mean file size")
	fpc := fs.Int("files-per-commit", 0, "override: mean files edited per commit")
	plants := fs.Int("plants", -1, "override: credential sets to plant")
	churn := fs.Float64("churn", -1, "override: chance a touched file is largely rewritten (0–1)")
	kwLines := fs.Float64("keyword-lines", -1, "override: share of lines carrying detector keywords without a credential (0–1)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("gen: want one DIR, got %d arguments", len(pos))
	}
	cfg, ok := synth.Presets[*preset]
	if !ok {
		return fmt.Errorf("gen: --preset %q: want one of %s", *preset, strings.Join(presetNames(), ", "))
	}
	for _, o := range []struct {
		v   int
		dst *int
	}{{*commits, &cfg.Commits}, {*files, &cfg.Files}, {*bpf, &cfg.BytesPerFile}, {*fpc, &cfg.FilesPerCommit}} {
		if o.v > 0 {
			*o.dst = o.v
		}
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	if *plants >= 0 {
		cfg.Plants = *plants
	}
	if *churn >= 0 {
		cfg.Churn = *churn
	}
	if *kwLines >= 0 {
		cfg.KeywordLines = *kwLines
	}
	start := time.Now()
	m, err := synth.Generate(pos[0], cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %s in %.1fs: %d commits, %d blob versions (%.1f MB), %d branches (%d unmerged), %d tags, %d planted findings\nmanifest: %s\n",
		pos[0], time.Since(start).Seconds(), m.Commits, m.BlobVersions, float64(m.BlobBytes)/1e6,
		len(m.Branches), len(m.Unmerged), len(m.Tags), len(m.Plants), synth.ManifestPath(pos[0]))
	return nil
}

func presetNames() []string {
	var names []string
	for n := range synth.Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
