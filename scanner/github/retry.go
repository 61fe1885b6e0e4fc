package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RetryPolicy says how API requests survive rate limits and transient failures. The zero
// value gives the defaults; tests set Now and Sleep so that nobody waits for real.
type RetryPolicy struct {
	// MaxAttempts bounds tries of one request on 5xx answers and network errors (default 5).
	MaxAttempts int
	// BaseDelay is the first backoff after such a failure, doubled on each further one
	// (default 1s), up to MaxDelay (default 1m).
	BaseDelay, MaxDelay time.Duration
	// MaxWaits bounds rate-limit waits for one request (default 10): a limit that never lifts
	// becomes an error rather than a sweep that hangs.
	MaxWaits int
	// SecondaryDelay is the wait after a secondary rate limit without Retry-After (default
	// 1m, as GitHub's documentation asks), doubled on each further one.
	SecondaryDelay time.Duration
	// Now and Sleep are the clock (defaults: time.Now and a context-aware timer).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = time.Minute
	}
	if p.MaxWaits <= 0 {
		p.MaxWaits = 10
	}
	if p.SecondaryDelay <= 0 {
		p.SecondaryDelay = time.Minute
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryTransport waits out GitHub's rate limits and retries transient failures, for
// idempotent requests only. It owns rate limiting: go-github on its own refuses every request
// until a limit's reset time by the wall clock, which cannot be tested without waiting and
// cannot tell the user what is happening.
type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
	notify func(string)

	mu           sync.Mutex
	blockedUntil time.Time // primary limit exhausted until then
}

// maxBody bounds one API answer held in memory (a page of 100 repositories is ~0.5 MB).
const maxBody = 64 << 20

const (
	headerRemaining  = "X-RateLimit-Remaining"
	headerReset      = "X-RateLimit-Reset"
	headerLimit      = "X-RateLimit-Limit"
	headerUsed       = "X-RateLimit-Used"
	headerRetryAfter = "Retry-After"
)

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idempotent := (req.Method == http.MethodGet || req.Method == http.MethodHead) &&
		(req.Body == nil || req.Body == http.NoBody)
	p := t.policy
	failures, waits := 0, 0
	for {
		if err := t.waitIfBlocked(ctx); err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			if ctx.Err() != nil || !idempotent {
				return nil, err
			}
			failures++
			if failures >= p.MaxAttempts {
				return nil, err
			}
			d := t.backoff(failures)
			t.say(fmt.Sprintf("GitHub API unreachable, retrying in %s", d))
			if err := p.Sleep(ctx, d); err != nil {
				return nil, err
			}
			t.say("")
			continue
		}

		limited := resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests
		switch {
		case limited && resp.Header.Get(headerRemaining) == "0" && resp.Header.Get(headerRetryAfter) == "":
			// Primary rate limit: wait until the reset time the answer gives.
			if !idempotent || waits >= p.MaxWaits {
				return resp, nil
			}
			waits++
			discard(resp)
			t.block(t.resetTime(resp.Header))
			continue

		case limited && isSecondary(resp):
			if !idempotent || waits >= p.MaxWaits {
				return resp, nil
			}
			waits++
			d := p.SecondaryDelay << (waits - 1)
			if s := resp.Header.Get(headerRetryAfter); s != "" {
				if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
					d = time.Duration(n) * time.Second
				}
			}
			discard(resp)
			t.say(fmt.Sprintf("waiting %s for GitHub's secondary rate limit", d))
			if err := p.Sleep(ctx, d); err != nil {
				return nil, err
			}
			t.say("")
			continue

		case resp.StatusCode >= 500 && idempotent:
			failures++
			if failures >= p.MaxAttempts {
				return resp, nil
			}
			discard(resp)
			d := t.backoff(failures)
			t.say(fmt.Sprintf("GitHub API answered %d, retrying in %s", resp.StatusCode, d))
			if err := p.Sleep(ctx, d); err != nil {
				return nil, err
			}
			t.say("")
			continue
		}

		if idempotent && resp.StatusCode < 300 {
			// Read the whole answer here: a connection cut mid-body is as transient as one
			// refused, and only here can the request still be sent again.
			body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			if err != nil {
				failures++
				if failures >= p.MaxAttempts || ctx.Err() != nil {
					return nil, err
				}
				d := t.backoff(failures)
				t.say(fmt.Sprintf("GitHub API answer cut off, retrying in %s", d))
				if err := p.Sleep(ctx, d); err != nil {
					return nil, err
				}
				t.say("")
				continue
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
		}
		if resp.Header.Get(headerRemaining) == "0" {
			// This answer used the last request of the window: the next request waits for the
			// reset here, so go-github must not see the exhausted limit and refuse it itself.
			t.block(t.resetTime(resp.Header))
			for _, h := range []string{headerRemaining, headerReset, headerLimit, headerUsed} {
				resp.Header.Del(h)
			}
		}
		return resp, nil
	}
}

// isSecondary recognises a secondary rate limit: Retry-After, a 429, or GitHub's message.
func isSecondary(resp *http.Response) bool {
	if resp.Header.Get(headerRetryAfter) != "" || resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	lower := strings.ToLower(string(body))
	return strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse detection")
}

func (t *retryTransport) resetTime(h http.Header) time.Time {
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get(headerReset)), 10, 64); err == nil {
		// One second of slack: the reset is given in whole seconds and clocks differ.
		return time.Unix(n, 0).Add(time.Second)
	}
	return t.policy.Now().Add(t.policy.SecondaryDelay)
}

func (t *retryTransport) block(until time.Time) {
	t.mu.Lock()
	if until.After(t.blockedUntil) {
		t.blockedUntil = until
	}
	t.mu.Unlock()
}

// waitIfBlocked sleeps until the primary limit resets, saying so.
func (t *retryTransport) waitIfBlocked(ctx context.Context) error {
	t.mu.Lock()
	until := t.blockedUntil
	t.mu.Unlock()
	if until.IsZero() {
		return nil
	}
	if d := until.Sub(t.policy.Now()); d > 0 {
		t.say(fmt.Sprintf("waiting for the GitHub API rate limit to reset at %s (%s)",
			until.Local().Format("15:04:05"), d.Round(time.Second)))
		if err := t.policy.Sleep(ctx, d); err != nil {
			return err
		}
		t.say("")
	}
	t.mu.Lock()
	if !t.blockedUntil.After(until) {
		t.blockedUntil = time.Time{}
	}
	t.mu.Unlock()
	return nil
}

func (t *retryTransport) backoff(failures int) time.Duration {
	d := t.policy.BaseDelay << (failures - 1)
	if d > t.policy.MaxDelay || d <= 0 {
		d = t.policy.MaxDelay
	}
	return d
}

func (t *retryTransport) say(msg string) {
	if t.notify != nil {
		t.notify(msg)
	}
}

func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// authTransport adds the token to requests for one host only, so that no redirect or
// absolute URL in an answer can carry it elsewhere.
type authTransport struct {
	host  string
	token string
	next  http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.token != "" && strings.EqualFold(req.URL.Host, t.host) {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.next.RoundTrip(req)
}
