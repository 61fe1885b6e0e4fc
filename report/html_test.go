package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumPath is where Debian's chromium package puts the browser (CI installs it too).
const chromiumPath = "/usr/bin/chromium"

// writeHTML renders the fixture report to a file for the browser.
func writeHTML(t *testing.T, r *Report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, render(t, "html", WriterOptions{}, r), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// chromium runs headless Chromium with networking features off and returns its stdout.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("chromium not installed at %s (apt-get install chromium chromium-driver): %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	out := string(render(t, "html", WriterOptions{}, finalized(FinalizeOptions{})))
	for _, want := range []string{
		`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
		"<svg", `data-step="run-as user"`, "&lt;b&gt;bold&lt;/b&gt; &amp; `tick` | pipe.md",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(out, "<b>bold</b>") {
		t.Error("a path from the scanned repository reached the page unescaped")
	}
	// Nothing is loaded from elsewhere: no src= attributes, no stylesheet links, and the only
	// absolute URLs are the findings' own links and the SVG namespace.
	if regexp.MustCompile(`(?i)\ssrc=|<link\s|@import`).MatchString(out) {
		t.Error("HTML references an external resource")
	}
	for _, u := range regexp.MustCompile(`https?://[^"'\s<)]+`).FindAllString(out, -1) {
		if u != "http://www.w3.org/2000/svg" && !strings.HasPrefix(u, "https://github.com/acme/billing/blob/") {
			t.Errorf("unexpected URL in HTML: %s", u)
		}
	}
}

func TestHTMLRendersInChromium(t *testing.T) {
	path := writeHTML(t, finalized(FinalizeOptions{ToolVersion: "1.2.3"}))
	dom := string(chromium(t, "--virtual-time-budget=5000", "--dump-dom", "file://"+path))

	if !strings.Contains(dom, `data-ready="true"`) {
		t.Fatalf("the page's script did not run (no data-ready on body):\n%.2000s", dom)
	}
	if !strings.Contains(dom, `data-rows="6"`) {
		t.Errorf("script counted other than 6 visible rows")
	}
	if n := strings.Count(dom, `<tr class="finding`); n != 6 {
		t.Errorf("%d finding rows in the DOM, want 6", n)
	}
	// Both exposures are drawn, with every step of the path as a labelled box.
	if n := strings.Count(dom, `<svg class="path"`); n != 2 {
		t.Errorf("%d exposure diagrams, want 2", n)
	}
	for _, step := range []string{"leak", "credential", "connected app", "flow", "run-as user", "permissions", "mitigations", "score"} {
		if n := strings.Count(dom, `data-step="`+step+`"`); n != 2 {
			t.Errorf("step %q drawn %d times, want once per exposure", step, n)
		}
	}
	for _, label := range []string{"client credentials ON", "integration@acme.example", "System Administrator", "9.6 critical"} {
		if !strings.Contains(dom, label) {
			t.Errorf("diagram lacks %q", label)
		}
	}
	// The filters were filled from the rows.
	for _, opt := range []string{`<option value="critical">critical</option>`, `<option value="sf-refresh-token">sf-refresh-token</option>`, `<option value="acme/etl">acme/etl</option>`} {
		if !strings.Contains(dom, opt) {
			t.Errorf("filter option missing: %s", opt)
		}
	}
	for _, raw := range fixtureRaws() {
		if strings.Contains(dom, raw) {
			t.Errorf("raw secret %s… in the rendered page", raw[:4])
		}
	}
}

func TestHTMLScreenshotIsNonTrivial(t *testing.T) {
	path := writeHTML(t, finalized(FinalizeOptions{ToolVersion: "1.2.3"}))
	shot := filepath.Join(t.TempDir(), "report.png")
	if dir := os.Getenv("SFLEAK_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, "report.png") // keep it for a person to look at
	}
	chromium(t, "--hide-scrollbars", "--window-size=1280,2000", "--virtual-time-budget=5000", "--screenshot="+shot, "file://"+path)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Fatalf("screenshot is %v", b)
	}
	// A blank or broken page has a handful of colours; the report has text, badges and boxes.
	colours := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	if len(colours) < 40 {
		t.Errorf("screenshot has only %d distinct colours: blank or unstyled page?", len(colours))
	}
}
