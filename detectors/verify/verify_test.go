package verify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// fakeOrg is an httptest server that answers like a Salesforce org's OAuth endpoints for one
// known client (key, secret) and records what it was asked.
type fakeOrg struct {
	key, secret, refresh, access string
	// tokenAnswer overrides the token endpoint's answer after client authentication.
	tokenAnswer func(w http.ResponseWriter)
	// delay is slept before answering anything.
	delay time.Duration

	mu      sync.Mutex
	paths   []string
	revoked []string
	minted  []string
	forms   []string
}

func (o *fakeOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the body first lets the server notice the client hanging up during the delay.
	_ = r.ParseForm()
	if o.delay > 0 {
		select {
		case <-time.After(o.delay):
		case <-r.Context().Done():
			return
		}
	}
	o.mu.Lock()
	o.paths = append(o.paths, r.URL.Path)
	o.forms = append(o.forms, r.PostForm.Encode())
	o.mu.Unlock()
	jsonErr := func(code int, e, d string) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": e, "error_description": d})
	}
	ok := func(v any) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_ = json.NewEncoder(w).Encode(v)
	}
	client := func() bool {
		if r.PostForm.Get("client_id") != o.key {
			jsonErr(400, "invalid_client_id", "client identifier invalid")
			return false
		}
		if r.PostForm.Get("client_secret") != o.secret {
			jsonErr(400, "invalid_client", "invalid client credentials")
			return false
		}
		return true
	}
	switch r.URL.Path {
	case "/services/oauth2/token":
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" {
			jsonErr(400, "unsupported_grant_type", "grant type not supported")
			return
		}
		if !client() {
			return
		}
		if o.tokenAnswer != nil {
			o.tokenAnswer(w)
			return
		}
		tok := fakecred.AccessToken("minted")
		o.mu.Lock()
		o.minted = append(o.minted, tok)
		o.mu.Unlock()
		ok(map[string]string{"access_token": tok, "instance_url": "https://acme.my.salesforce.com",
			"id": "https://login.salesforce.com/id/00D/005", "token_type": "Bearer", "issued_at": "1"})
	case "/services/oauth2/revoke":
		o.mu.Lock()
		o.revoked = append(o.revoked, r.PostForm.Get("token"))
		o.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case "/services/oauth2/introspect":
		if !client() {
			return
		}
		ok(map[string]any{"active": r.PostForm.Get("token") == o.refresh, "token_type": "refresh_token"})
	case "/services/oauth2/userinfo":
		if r.Header.Get("Authorization") != "Bearer "+o.access {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok(map[string]string{"sub": "https://login.salesforce.com/id/00D/005", "user_id": "005"})
	default:
		http.NotFound(w, r)
	}
}

func newOrg() *fakeOrg {
	return &fakeOrg{
		key:     fakecred.ConsumerKey("verify"),
		secret:  fakecred.ConsumerSecret("verify"),
		refresh: fakecred.RefreshToken("verify"),
		access:  fakecred.AccessToken("verify"),
	}
}

func mustVerifier(t *testing.T, opts ...Option) *Verifier {
	t.Helper()
	v, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	org := newOrg()
	wrongKey := fakecred.ConsumerKey("other")
	wrongSecret := fakecred.ConsumerSecret("other")
	tests := []struct {
		name       string
		org        func(*fakeOrg)
		cred       Credential
		want       Status
		reason     string   // substring of the reason
		wantPaths  []string // endpoints called, in order
		wantRevoke bool
	}{
		{
			name:       "a right key and secret with the flow on are valid, and the minted token is revoked",
			cred:       Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: org.secret},
			want:       Valid,
			reason:     "issued and revoked",
			wantPaths:  []string{"/services/oauth2/token", "/services/oauth2/revoke"},
			wantRevoke: true,
		},
		{
			name:      "an unknown consumer key is invalid_client_id",
			cred:      Credential{Kind: KindConsumerKey, ConsumerKey: wrongKey, ConsumerSecret: org.secret},
			want:      Invalid,
			reason:    "invalid_client_id",
			wantPaths: []string{"/services/oauth2/token"},
		},
		{
			name:      "a wrong secret is invalid_client",
			cred:      Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: wrongSecret},
			want:      Invalid,
			reason:    "invalid_client: consumer secret is wrong",
			wantPaths: []string{"/services/oauth2/token"},
		},
		{
			name: "flow without a run-as user is unknown with Salesforce's words",
			org: func(o *fakeOrg) {
				o.tokenAnswer = func(w http.ResponseWriter) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(400)
					io.WriteString(w, `{"error":"invalid_grant","error_description":"no client credentials user enabled"}`)
				}
			},
			cred:      Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: org.secret},
			want:      Unknown,
			reason:    "invalid_grant: no client credentials user enabled",
			wantPaths: []string{"/services/oauth2/token"},
		},
		{
			name: "flow disabled (unsupported_grant_type) is unknown, not invalid",
			org: func(o *fakeOrg) {
				o.tokenAnswer = func(w http.ResponseWriter) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(400)
					io.WriteString(w, `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`)
				}
			},
			cred:      Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: org.secret},
			want:      Unknown,
			reason:    "unsupported_grant_type",
			wantPaths: []string{"/services/oauth2/token"},
		},
		{
			name: "a login host answer 'not supported on this domain' is unknown and points at --verify-host",
			org: func(o *fakeOrg) {
				o.tokenAnswer = func(w http.ResponseWriter) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(400)
					io.WriteString(w, `{"error":"invalid_grant","error_description":"request not supported on this domain"}`)
				}
			},
			cred:   Credential{Kind: KindConsumerKey, ConsumerKey: org.key, ConsumerSecret: org.secret},
			want:   Unknown,
			reason: "--verify-host",
		},
		{
			name:      "a key alone is unknown and nothing is sent",
			cred:      Credential{Kind: KindConsumerKey, ConsumerKey: org.key},
			want:      Unknown,
			reason:    "no secret paired with the key",
			wantPaths: []string{},
		},
		{
			name:      "a secret alone is unknown and nothing is sent",
			cred:      Credential{Kind: KindConsumerSecret, ConsumerSecret: org.secret},
			want:      Unknown,
			reason:    "no consumer key paired with the secret",
			wantPaths: []string{},
		},
		{
			name:      "a paired refresh token lets introspection prove the client without minting",
			cred:      Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: org.secret, RefreshToken: org.refresh},
			want:      Valid,
			reason:    "nothing minted",
			wantPaths: []string{"/services/oauth2/introspect"},
		},
		{
			name:      "an inactive refresh token is invalid when it is the triaged credential",
			cred:      Credential{Kind: KindRefreshToken, ConsumerKey: org.key, ConsumerSecret: org.secret, RefreshToken: fakecred.RefreshToken("revoked")},
			want:      Invalid,
			reason:    "active=false",
			wantPaths: []string{"/services/oauth2/introspect"},
		},
		{
			name:      "an active refresh token is valid",
			cred:      Credential{Kind: KindRefreshToken, ConsumerKey: org.key, ConsumerSecret: org.secret, RefreshToken: org.refresh},
			want:      Valid,
			wantPaths: []string{"/services/oauth2/introspect"},
		},
		{
			name:      "a refresh token without its client is unknown (a refresh grant would mint)",
			cred:      Credential{Kind: KindRefreshToken, RefreshToken: org.refresh},
			want:      Unknown,
			reason:    "no consumer key and secret",
			wantPaths: []string{},
		},
		{
			name:      "a working access token is valid via userinfo",
			cred:      Credential{Kind: KindAccessToken, AccessToken: org.access},
			want:      Valid,
			wantPaths: []string{"/services/oauth2/userinfo"},
		},
		{
			name:      "an expired access token is invalid via userinfo's 401",
			cred:      Credential{Kind: KindAccessToken, AccessToken: fakecred.AccessToken("expired")},
			want:      Invalid,
			reason:    "invalid_token",
			wantPaths: []string{"/services/oauth2/userinfo"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrg()
			if tt.org != nil {
				tt.org(o)
			}
			srv := httptest.NewServer(o)
			defer srv.Close()
			v := mustVerifier(t, WithBaseURL(srv.URL), WithTimeout(2*time.Second))
			got := v.Verify(context.Background(), tt.cred)
			if got.Status != tt.want {
				t.Errorf("status = %v (%s), want %v", got.Status, got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.reason)
			}
			if tt.wantPaths != nil {
				if strings.Join(o.paths, ",") != strings.Join(tt.wantPaths, ",") {
					t.Errorf("paths = %v, want %v", o.paths, tt.wantPaths)
				}
			}
			if len(o.paths) > 0 && got.Host != strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("host = %q, want the server's", got.Host)
			}
			if tt.wantRevoke {
				if len(o.minted) != 1 || len(o.revoked) != 1 || o.revoked[0] != o.minted[0] {
					t.Errorf("minted %d, revoked %d: the minted token must be revoked", len(o.minted), len(o.revoked))
				}
			}
			for _, secret := range append([]string{org.key, org.secret, org.refresh, org.access}, o.minted...) {
				if strings.Contains(got.Reason, secret) {
					t.Errorf("reason quotes a secret: %q", got.Reason)
				}
			}
		})
	}
}

func TestVerifyUnclearAnswersAreUnknown(t *testing.T) {
	org := newOrg()
	cred := Credential{Kind: KindConsumerSecret, ConsumerKey: org.key, ConsumerSecret: org.secret}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		reason  string
	}{
		{"a WAF 403 HTML page is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			io.WriteString(w, "<html>Access denied</html>")
		}, "text/html"},
		{"an always-200 HTML endpoint is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>welcome</html>")
		}, "not a Salesforce OAuth answer"},
		{"an always-200 JSON endpoint without a token is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		}, "without an access token"},
		{"a 503 is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
		}, "HTTP 503"},
		{"JSON content type with a broken body is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":`)
		}, "not JSON"},
		{"no content type is unknown", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			w.WriteHeader(400)
		}, "content type none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			got := mustVerifier(t, WithBaseURL(srv.URL)).Verify(context.Background(), cred)
			if got.Status != Unknown || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %v %q, want unknown containing %q", got.Status, got.Reason, tt.reason)
			}
		})
	}
}

func TestVerifySlowServerTimesOut(t *testing.T) {
	o := newOrg()
	// The server would answer after a minute; only the verifier's own timeout can end the
	// call well before that (the bound below catches a hang, not a slow machine).
	o.delay = time.Minute
	srv := httptest.NewServer(o)
	defer srv.Close()
	v := mustVerifier(t, WithBaseURL(srv.URL), WithTimeout(150*time.Millisecond))
	start := time.Now()
	got := v.Verify(context.Background(), Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret})
	if got.Status != Unknown || !strings.Contains(got.Reason, "timeout") {
		t.Errorf("got %v %q, want unknown timeout", got.Status, got.Reason)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v: the 150ms timeout did not end the call", d)
	}
}

func TestVerifyRedirects(t *testing.T) {
	o := newOrg()
	var elsewhere int
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere++
		mu.Unlock()
		o.ServeHTTP(w, r) // would answer "valid" if it were reached
	}))
	defer other.Close()
	// localhost and 127.0.0.1 are different hosts to the redirect check.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)

	t.Run("a redirect to another host is not followed and is unknown", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		got := mustVerifier(t, WithBaseURL(srv.URL)).Verify(context.Background(),
			Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret})
		if got.Status != Unknown || !strings.Contains(got.Reason, "redirect to another host refused") {
			t.Errorf("got %v %q, want unknown (redirect refused)", got.Status, got.Reason)
		}
		mu.Lock()
		defer mu.Unlock()
		if elsewhere != 0 {
			t.Errorf("the other host got %d requests, want 0", elsewhere)
		}
	})
	t.Run("a redirect within the same host is followed", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("/services/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/moved/services/oauth2/token", http.StatusTemporaryRedirect)
		})
		mux.Handle("/moved/", http.StripPrefix("/moved", o))
		mux.Handle("/services/oauth2/revoke", o)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		got := mustVerifier(t, WithBaseURL(srv.URL)).Verify(context.Background(),
			Credential{Kind: KindConsumerSecret, ConsumerKey: o.key, ConsumerSecret: o.secret})
		if got.Status != Valid {
			t.Errorf("got %v %q, want valid", got.Status, got.Reason)
		}
	})
}

// recorder is a transport that records where requests would go, without a network.
type recorder struct{ hosts []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.hosts = append(r.hosts, req.URL.Scheme+"://"+req.URL.Host)
	return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"error":"invalid_client_id"}`)), Request: req}, nil
}

func TestVerifyHostChoice(t *testing.T) {
	o := newOrg()
	tests := []struct {
		name  string
		host  string
		want  string
		notes string
	}{
		{"a My Domain host found with the key is used over https", "https://acme.my.salesforce.com/services/oauth2/token", "https://acme.my.salesforce.com", ""},
		{"a sandbox host is used", "acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com", ""},
		{"no host falls back to login.salesforce.com", "", "https://login.salesforce.com", ""},
		{"a non-Salesforce host is never contacted", "https://collector.attacker.example", "https://login.salesforce.com", "not a Salesforce host"},
		{"a look-alike host is never contacted", "acme.my.salesforce.com.attacker.example", "https://login.salesforce.com", "not a Salesforce host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			v := mustVerifier(t, WithHTTPClient(&http.Client{Transport: rec}))
			got := v.Verify(context.Background(), Credential{Kind: KindConsumerKey, ConsumerKey: o.key, ConsumerSecret: o.secret, Host: tt.host})
			if len(rec.hosts) != 1 || rec.hosts[0] != tt.want {
				t.Errorf("requests went to %v, want [%s]", rec.hosts, tt.want)
			}
			if !strings.Contains(got.Reason, tt.notes) {
				t.Errorf("reason %q lacks %q", got.Reason, tt.notes)
			}
		})
	}
}

func TestWithBaseURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{"https anywhere is accepted", "https://proxy.corp.example/sf", true},
		{"plain http on loopback is accepted", "http://127.0.0.1:8080", true},
		{"plain http on localhost is accepted", "http://localhost:8080", true},
		{"plain http elsewhere is refused", "http://proxy.corp.example", false},
		{"a relative URL is refused", "proxy.corp.example", false},
		{"embedded credentials are refused", "https://u:p@proxy.corp.example", false},
		{"a query is refused", "https://proxy.corp.example/?x=1", false},
		{"another scheme is refused", "ftp://proxy.corp.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(WithBaseURL(tt.url))
			if (err == nil) != tt.ok {
				t.Errorf("New(WithBaseURL(%q)) err = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestInjectedClientIsNotModified(t *testing.T) {
	c := &http.Client{}
	mustVerifier(t, WithHTTPClient(c))
	if c.CheckRedirect != nil || c.Timeout != 0 {
		t.Error("New modified the caller's client")
	}
}

func TestIsSalesforceHost(t *testing.T) {
	for host, want := range map[string]bool{
		"login.salesforce.com":                true,
		"test.salesforce.com":                 true,
		"acme.my.salesforce.com":              true,
		"acme--uat.sandbox.my.salesforce.com": true,
		"acme.lightning.force.com":            true,
		"acme.my.salesforce.mil":              true,
		"acme.my.sfcrmproducts.cn":            true,
		"na1.salesforce.com":                  true,
		"salesforce.com.attacker.example":     false,
		"attackersalesforce.com":              false,
		"127.0.0.1":                           false,
		"":                                    false,
		"acme.my.salesforce.com.evil.example": false,
	} {
		if got := IsSalesforceHost(host); got != want {
			t.Errorf("IsSalesforceHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestStatusZeroValueIsUnknown(t *testing.T) {
	var s Status
	if s != Unknown || s.String() != "unknown" {
		t.Errorf("zero Status = %v", s)
	}
}
