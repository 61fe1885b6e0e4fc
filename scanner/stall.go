package scanner

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// stallTimeout is how long a request may wait for its answer's headers, or for the next
// bytes of its body, before it fails. A server that accepts a connection and then says
// nothing (a dead proxy, a half-open connection) would otherwise hold a sweep forever: an
// API request that stalls is retried like a reset one, a fetch that stalls fails its
// repository and the sweep goes on. Generous, because a big fetch pauses while the server
// counts and compresses objects; tests shorten it.
var stallTimeout atomic.Int64

func init() { stallTimeout.Store(int64(3 * time.Minute)) }

// errStalled is the cause of a request cut off by StallGuard.
var errStalled = errors.New("no data from the server in time (stalled connection)")

// StallGuard fails a request whose headers or body stop arriving for stallTimeout. Next is
// the transport it wraps.
type StallGuard struct{ Next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (g StallGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	idle := time.Duration(stallTimeout.Load())
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(idle, func() { cancel(errStalled) })
	resp, err := g.Next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timer.Stop()
		stalled := context.Cause(ctx) == errStalled
		cancel(nil)
		if stalled {
			return nil, errStalled
		}
		return nil, err
	}
	resp.Body = &guardedBody{rc: resp.Body, ctx: ctx, timer: timer, idle: idle, cancel: cancel}
	return resp, nil
}

// guardedBody restarts the stall timer on every read that returns, and ends the request's
// context when closed.
type guardedBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	timer  *time.Timer
	idle   time.Duration
	cancel context.CancelCauseFunc
	once   sync.Once
}

func (b *guardedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && context.Cause(b.ctx) == errStalled {
		return n, errStalled
	}
	b.timer.Reset(b.idle)
	return n, err
}

func (b *guardedBody) Close() error {
	b.once.Do(func() {
		b.timer.Stop()
		b.cancel(nil)
	})
	return b.rc.Close()
}

// GuardGitHTTP makes go-git's HTTP(S) fetches (scan and triage of clone URLs, sweep clones and
// fetches) go through StallGuard. go-git keeps one client per protocol for the process, so
// this is done once; CloneBare calls it.
var GuardGitHTTP = sync.OnceFunc(func() {
	c := githttp.NewClient(&http.Client{Transport: StallGuard{Next: http.DefaultTransport}})
	client.InstallProtocol("http", c)
	client.InstallProtocol("https", c)
})

// SetStallTimeout changes how long a request may stall (tests make it short) and returns a
// function that restores the previous value.
func SetStallTimeout(d time.Duration) (restore func()) {
	old := stallTimeout.Swap(int64(d))
	return func() { stallTimeout.Store(old) }
}
