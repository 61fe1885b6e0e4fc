package scanner

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is a thin wrapper so a nil *progress (no --progress writer) does nothing.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(w io.Writer) *progress {
	return &progress{bar: progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("scanning blobs"),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)}
}

// total sets the number of blobs once the walk knows it.
func (p *progress) total(n int64) {
	if p != nil && n > 0 {
		p.bar.ChangeMax64(n)
	}
}

func (p *progress) add(n int) {
	if p != nil {
		_ = p.bar.Add(n)
	}
}

func (p *progress) finish() {
	if p != nil {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	}
}
