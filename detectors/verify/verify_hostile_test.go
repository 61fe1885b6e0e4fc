package verify

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Network faults and hostile answers: every one is Unknown (never a verdict), one line,
// quick, and quotes no value we sent.

// stall reads the request and then holds it open until the client hangs up (reading the
// body first lets the server notice that) or the test's patience ends.
func stall(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

func resetConn(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func TestVerifyNetworkFaultsAreUnknown(t *testing.T) {
	o := newOrg()
	creds := map[string]Credential{
		"consumer secret": {Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret},
		"access token":    {Kind: KindAccessToken, AccessToken: o.access},
		"refresh token":   {Kind: KindRefreshToken, ConsumerKey: o.key, ConsumerSecret: o.secret, RefreshToken: o.refresh},
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"a connection reset", resetConn},
		{"a body cut off half-way", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"access_token":"`)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
		{"a rate limit (429 with JSON)", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":"rate_limited","error_description":"too many requests"}`)
		}},
		{"a rate limit (403 REQUEST_LIMIT_EXCEEDED)", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
		}},
		{"a 5xx storm", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader([]int{500, 502, 503, 504}[len(r.URL.Path)%4])
			io.WriteString(w, `{"error":"server_error"}`)
		}},
		{"a wrong content type with an OAuth-looking body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, `{"access_token":"x","active":true}`)
		}},
		{"an endless body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"error_description":"`)
			chunk := strings.Repeat("A", 32<<10)
			_, _ = io.Copy(io.Discard, r.Body)
			for i := 0; i < 1024 && r.Context().Err() == nil; i++ { // up to 32 MiB
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		}},
		{"JSON of the wrong shape", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"active":"yes","access_token":7,"error":{"x":1}}`)
		}},
	}
	for _, tt := range tests {
		for cname, cred := range creds {
			t.Run(tt.name+"/"+cname, func(t *testing.T) {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				defer srv.CloseClientConnections()
				v := mustVerifier(t, WithBaseURL(srv.URL), WithTimeout(5*time.Second))
				start := time.Now()
				got := v.Verify(context.Background(), cred)
				if got.Status != Unknown {
					t.Errorf("got %v %q, want unknown", got.Status, got.Reason)
				}
				checkReason(t, got.Reason, o)
				// Generous (a loaded CI machine): the point is that nothing waits for a
				// server that never finishes.
				if d := time.Since(start); d > 20*time.Second {
					t.Errorf("took %v", d)
				}
			})
		}
	}
}

// checkReason fails unless reason is one short line that quotes no credential.
func checkReason(t *testing.T, reason string, o *fakeOrg) {
	t.Helper()
	if reason == "" || strings.ContainsAny(reason, "\r\n") {
		t.Errorf("reason %q is not one line", reason)
	}
	if len(reason) > 1024 {
		t.Errorf("reason of %d bytes", len(reason))
	}
	for _, s := range []string{o.key, o.secret, o.access, o.refresh} {
		if strings.Contains(reason, s) || strings.Contains(reason, s[:16]) {
			t.Errorf("reason quotes a credential: %q", reason)
		}
	}
}

func TestVerifyHangingServersTimeOut(t *testing.T) {
	o := newOrg()
	cred := Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret}
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"no answer at all", stall},
		{"headers, then a body that never ends", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"access_token":`)
			w.(http.Flusher).Flush()
			stall(w, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			defer srv.CloseClientConnections()
			v := mustVerifier(t, WithBaseURL(srv.URL), WithTimeout(200*time.Millisecond))
			start := time.Now()
			got := v.Verify(context.Background(), cred)
			if got.Status != Unknown || !strings.Contains(got.Reason, "timeout") {
				t.Errorf("got %v %q, want unknown timeout", got.Status, got.Reason)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v with a 200ms timeout", d)
			}
		})
	}
}

func TestVerifyHostileEchoesQuoteNoSecret(t *testing.T) {
	o := newOrg()
	cred := Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret, RefreshToken: o.refresh}
	// A server that echoes what it was sent into every error description.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		desc := "you sent " + r.PostForm.Encode() + " key=" + r.PostForm.Get("client_id") + " secret=" + r.PostForm.Get("client_secret")
		io.WriteString(w, `{"error":"invalid_grant","error_description":"`+desc+`"}`)
	}))
	defer srv.Close()
	got := mustVerifier(t, WithBaseURL(srv.URL)).Verify(context.Background(), cred)
	if got.Status != Unknown {
		t.Errorf("status %v", got.Status)
	}
	checkReason(t, got.Reason, o)
}

func TestVerifyMintedTokenRevokeFaults(t *testing.T) {
	o := newOrg()
	cred := Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret}
	tests := []struct {
		name   string
		revoke http.HandlerFunc
	}{
		{"the revocation connection is reset", resetConn},
		{"the revocation answers 503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }},
		{"the revocation never answers", stall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var revokes int
			mux := http.NewServeMux()
			mux.Handle("/services/oauth2/token", o)
			mux.HandleFunc("/services/oauth2/revoke", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				revokes++
				mu.Unlock()
				tt.revoke(w, r)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			defer srv.CloseClientConnections()
			v := mustVerifier(t, WithBaseURL(srv.URL), WithTimeout(300*time.Millisecond))
			start := time.Now()
			got := v.Verify(context.Background(), cred)
			if got.Status != Valid || !strings.Contains(got.Reason, "revoking it failed") {
				t.Errorf("got %v %q, want valid with the failed revocation said", got.Status, got.Reason)
			}
			checkReason(t, got.Reason, o)
			o.mu.Lock()
			for _, m := range o.minted {
				if strings.Contains(got.Reason, m) {
					t.Errorf("the minted token is in the reason")
				}
			}
			o.mu.Unlock()
			if revokes == 0 {
				t.Error("no revocation was attempted")
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v with 300ms budgets", d)
			}
		})
	}
}
