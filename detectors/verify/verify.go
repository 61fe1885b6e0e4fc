// Package verify checks, on explicit request (sfleak triage --verify), whether a leaked
// Salesforce credential still works. It is kept apart from detection (the osv-scalibr
// detector/validator split): detectors never touch the network, and nothing here runs unless
// the user asked for it.
//
// Safety rules, in order of importance:
//   - requests go only to Salesforce hosts (or to the one base URL the user named with
//     --verify-host), over HTTPS unless that base URL is loopback;
//   - redirects are never followed to another host, so a secret cannot be bounced elsewhere;
//   - checks that mint nothing come first (userinfo for an access token, introspection for a
//     refresh token); a client-credentials token request is the last resort, and a token it
//     mints is revoked at once and never returned, logged or stored;
//   - every answer that is not a clear Salesforce OAuth answer (timeouts, 5xx, HTML or WAF
//     pages, wrong content types, always-200 endpoints) is Unknown, never Valid.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Status is the outcome of a check. Its zero value is Unknown: a check that could not
// decide never looks like a verdict.
type Status int

const (
	// Unknown means the check could not decide (no secret to test with, network failure,
	// an answer that is not a Salesforce OAuth answer, a flow that is switched off).
	Unknown Status = iota
	// Valid means Salesforce accepted the credential.
	Valid
	// Invalid means Salesforce rejected the credential itself (unknown key, wrong secret,
	// revoked token).
	Invalid
)

// String returns the report spelling: valid, invalid or unknown.
func (s Status) String() string {
	switch s {
	case Valid:
		return "valid"
	case Invalid:
		return "invalid"
	}
	return "unknown"
}

// Kind names which part of a credential set was leaked and is being triaged; it decides
// which check can answer for it.
type Kind int

const (
	// KindConsumerKey is a Connected App / External Client App consumer key (client_id).
	KindConsumerKey Kind = iota
	// KindConsumerSecret is a consumer secret (client_secret).
	KindConsumerSecret
	// KindAccessToken is an access token / session id.
	KindAccessToken
	// KindRefreshToken is a refresh token.
	KindRefreshToken
)

// Credential is the leaked value and whatever was found paired with it. Raw values live
// only in memory; nothing in this package prints them.
type Credential struct {
	Kind           Kind
	ConsumerKey    string
	ConsumerSecret string
	AccessToken    string
	RefreshToken   string
	// Host is the Salesforce host found with the credential (a My Domain URL, an
	// instance URL); empty when none was found. Ignored when the Verifier has a base URL.
	Host string
}

// Result is the answer of one Verify call. Reason is one line, never containing a secret.
type Result struct {
	Status Status
	Reason string
	Host   string // the host the checks were sent to (empty when nothing was sent)
}

// DefaultTimeout bounds one Verify call (all requests but the revocation of a minted
// token, which gets its own budget so that a slow issuer cannot leave a live token behind).
const DefaultTimeout = 10 * time.Second

// DefaultHost answers userinfo and introspection for any org when no My Domain host was
// found with the credential. Client-credentials requests need the My Domain host; sent here
// they come back as "request not supported on this domain" (Unknown).
const DefaultHost = "login.salesforce.com"

// maxBody bounds how much of a response is read: OAuth answers are small, and a WAF or
// proxy page must not make the verifier read megabytes.
const maxBody = 64 << 10

// Verifier runs live validity checks. Build it with New; it is safe for concurrent use and
// holds no per-call state.
type Verifier struct {
	client  *http.Client
	base    *url.URL // --verify-host; nil: derive from the credential's host
	timeout time.Duration
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithHTTPClient sends requests through c (a proxy-aware transport, a test client). The
// Verifier uses a copy of c whose CheckRedirect refuses other hosts; c is not modified.
func WithHTTPClient(c *http.Client) Option {
	return func(v *Verifier) error {
		if c == nil {
			return errors.New("verify: nil HTTP client")
		}
		cp := *c
		v.client = &cp
		return nil
	}
}

// WithBaseURL sends every request to base (--verify-host: an egress proxy, a test server)
// instead of the host found with the credential. base must be https, or http on a loopback
// address, and carry no query, fragment or credentials.
func WithBaseURL(base string) Option {
	return func(v *Verifier) error {
		u, err := url.Parse(strings.TrimSpace(base))
		if err != nil || u.Host == "" {
			return fmt.Errorf("--verify-host %q: not an absolute URL", base)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && isLoopback(u.Hostname()):
		default:
			return fmt.Errorf("--verify-host %q: must be https (plain http only on loopback): secrets would cross the network unencrypted", base)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--verify-host %q: must not carry credentials, a query or a fragment", base)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		v.base = u
		return nil
	}
}

// WithTimeout bounds one Verify call (default DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(v *Verifier) error {
		if d <= 0 {
			return fmt.Errorf("verify: timeout %v must be positive", d)
		}
		v.timeout = d
		return nil
	}
}

// New builds a Verifier. Without options it uses a fresh client, the host found with each
// credential (or DefaultHost) and DefaultTimeout.
func New(opts ...Option) (*Verifier, error) {
	v := &Verifier{timeout: DefaultTimeout}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	if v.client == nil {
		v.client = &http.Client{}
	}
	// The client's own timeout backs up the per-call context, in case a caller passes
	// context.Background() and a peer trickles bytes forever.
	if v.client.Timeout == 0 || v.client.Timeout > v.timeout {
		v.client.Timeout = v.timeout
	}
	v.client.CheckRedirect = sameHostRedirects
	return v, nil
}

// errRedirect marks a refused redirect, so the result can say so.
var errRedirect = errors.New("redirect to another host refused")

// sameHostRedirects follows at most three redirects, and only within the original host and
// scheme: following one elsewhere would hand the secret (a form body replayed on 307/308, a
// bearer header) to whoever answered first.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) || req.URL.Scheme != first.Scheme {
		return errRedirect
	}
	return nil
}

// IsSalesforceHost reports whether host (a bare host name, no port) belongs to Salesforce:
// login/test/My Domain/sandbox/instance hosts under salesforce.com, force.com (Lightning,
// Sites), Experience Cloud sites, Government Cloud (salesforce.mil, crmforce.mil) and
// Alibaba China (sfcrmproducts.cn, sfcrmapps.cn).
func IsSalesforceHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" || net.ParseIP(h) != nil {
		return false
	}
	for _, suffix := range []string{
		".salesforce.com", ".force.com", ".salesforce.mil", ".crmforce.mil",
		".sfcrmproducts.cn", ".sfcrmapps.cn", ".my-salesforce.com",
		".my.site.com", ".my.salesforce-sites.com",
	} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// target picks the base URL for a credential: the --verify-host override, else the host
// found with the credential when it is a Salesforce host, else DefaultHost. A non-Salesforce
// host found in the leak is never contacted: the file could name an attacker's server.
func (v *Verifier) target(c Credential) (*url.URL, string) {
	if v.base != nil {
		u := *v.base
		return &u, ""
	}
	host := hostOf(c.Host)
	note := ""
	if host == "" || !IsSalesforceHost(host) {
		if host != "" {
			note = fmt.Sprintf("host %q found with the credential is not a Salesforce host; used %s", host, DefaultHost)
		}
		host = DefaultHost
	}
	return &url.URL{Scheme: "https", Host: host}, note
}

// hostOf extracts a bare host from "acme.my.salesforce.com", "https://acme.my…/x" or
// "acme.my.salesforce.com:443".
func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Verify checks c and returns its status. It never returns an error: every failure is an
// Unknown result with a reason, so one unreachable host never stops a triage.
func (v *Verifier) Verify(ctx context.Context, c Credential) Result {
	base, note := v.target(c)
	res := v.verify(ctx, base, c)
	if note != "" && res.Host != "" {
		res.Reason += " (" + note + ")"
	}
	// Belt and braces: no reason may quote a value we hold.
	for _, secret := range []string{c.ConsumerKey, c.ConsumerSecret, c.AccessToken, c.RefreshToken} {
		if len(secret) >= 6 {
			res.Reason = strings.ReplaceAll(res.Reason, secret, "[REDACTED]")
		}
	}
	return res
}

func (v *Verifier) verify(ctx context.Context, base *url.URL, c Credential) Result {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	switch c.Kind {
	case KindAccessToken:
		if c.AccessToken == "" {
			return Result{Reason: "no access token to check"}
		}
		return v.userinfo(ctx, base, c.AccessToken)
	case KindRefreshToken:
		if c.RefreshToken == "" {
			return Result{Reason: "no refresh token to check"}
		}
		if c.ConsumerKey == "" || c.ConsumerSecret == "" {
			// The refresh grant would mint a token; introspection needs the client's own
			// credentials. Without both we do not guess.
			return Result{Reason: "no consumer key and secret paired with the refresh token (introspection needs both; a refresh grant would mint a token)"}
		}
		return v.introspect(ctx, base, c, true)
	}
	// Consumer key or secret: the pair is what an attacker uses.
	switch {
	case c.ConsumerKey == "" && c.ConsumerSecret == "":
		return Result{Reason: "no consumer key or secret to check"}
	case c.ConsumerSecret == "":
		return Result{Reason: "no secret paired with the key"}
	case c.ConsumerKey == "":
		return Result{Reason: "no consumer key paired with the secret"}
	}
	if c.RefreshToken != "" {
		// Introspection authenticates the client without minting anything.
		if r := v.introspect(ctx, base, c, false); r.Status != Unknown {
			return r
		}
	}
	return v.clientCredentials(ctx, base, c)
}

// oauthAnswer is the JSON shape of every Salesforce OAuth endpoint's reply that matters
// here. Token fields are read only to see that they are present.
type oauthAnswer struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	AccessToken      string `json:"access_token"`
	Active           *bool  `json:"active"`
	UserID           string `json:"user_id"`
	Sub              string `json:"sub"`
	OrganizationID   string `json:"organization_id"`
}

// response is a read, bounded HTTP answer.
type response struct {
	status      int
	contentType string
	body        []byte
	wwwAuth     string
}

// do sends req and reads a bounded body. Transport errors become an Unknown reason.
func (v *Verifier) do(req *http.Request) (*response, string) {
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, transportReason(req.Context(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, transportReason(req.Context(), err)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &response{status: resp.StatusCode, contentType: ct, body: body, wwwAuth: resp.Header.Get("WWW-Authenticate")}, ""
}

func transportReason(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, errRedirect):
		return "redirect to another host refused (not followed)"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout: no answer in time"
	case errors.Is(ctx.Err(), context.Canceled):
		return "cancelled"
	}
	// url.Error quotes the URL, which never holds a secret here (secrets go in bodies and
	// headers); keep only the innermost cause to stay on one line.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "request failed: " + oneLine(err.Error())
}

// oneLine folds whitespace and caps the length: Salesforce's error_description ends up in a
// report's reason, and a hostile server could send 64 KiB of it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// decode parses a JSON OAuth answer. Anything else (HTML, a WAF page, text) is Unknown with
// a reason naming what came back, so a proxy's 200 or 403 never reads as a verdict.
func decode(r *response) (*oauthAnswer, string) {
	if r.status >= 500 {
		return nil, fmt.Sprintf("HTTP %d from the server", r.status)
	}
	if r.contentType != "application/json" && !strings.HasSuffix(r.contentType, "+json") {
		ct := r.contentType
		if ct == "" {
			ct = "none"
		}
		return nil, fmt.Sprintf("HTTP %d with content type %s, not a Salesforce OAuth answer (WAF or proxy page?)", r.status, ct)
	}
	var a oauthAnswer
	if err := json.Unmarshal(r.body, &a); err != nil {
		return nil, fmt.Sprintf("HTTP %d with a body that is not JSON", r.status)
	}
	return &a, ""
}

func errorReason(a *oauthAnswer) string {
	if a.ErrorDescription == "" {
		return a.Error
	}
	return a.Error + ": " + oneLine(a.ErrorDescription)
}

func endpoint(base *url.URL, path string) string {
	u := *base
	u.Path = base.Path + path
	return u.String()
}

// userinfo checks an access token by reading the identity of its user: read-only, mints
// nothing.
func (v *Verifier) userinfo(ctx context.Context, base *url.URL, token string) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(base, "/services/oauth2/userinfo"), nil)
	if err != nil {
		return Result{Reason: "building request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	r, reason := v.do(req)
	if r == nil {
		return Result{Reason: reason, Host: base.Host}
	}
	// Salesforce answers a bad token with 401 (or 403 "Bad_OAuth_Token" as plain text);
	// a 403 HTML page is a WAF, not Salesforce.
	if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
		if strings.Contains(r.wwwAuth, "invalid_token") || strings.Contains(string(r.body), "Bad_OAuth_Token") {
			return Result{Status: Invalid, Reason: "access token rejected by userinfo (invalid_token)", Host: base.Host}
		}
		if a, _ := decode(r); a != nil && a.Error != "" {
			return Result{Status: Invalid, Reason: "access token rejected by userinfo: " + errorReason(a), Host: base.Host}
		}
	}
	a, reason := decode(r)
	if a == nil {
		return Result{Reason: "userinfo: " + reason, Host: base.Host}
	}
	if r.status == http.StatusOK && (a.UserID != "" || a.Sub != "") {
		return Result{Status: Valid, Reason: "access token accepted: userinfo returned its user", Host: base.Host}
	}
	if a.Error != "" {
		return Result{Reason: fmt.Sprintf("userinfo: HTTP %d %s", r.status, errorReason(a)), Host: base.Host}
	}
	// An always-200 endpoint must not verify anything.
	return Result{Reason: fmt.Sprintf("userinfo: HTTP %d without user information", r.status), Host: base.Host}
}

// introspect asks the introspection endpoint about the refresh token, authenticating with
// the consumer key and secret. A 200 answer proves the key and secret (the endpoint
// authenticates the client first); active tells whether the refresh token still works.
// forToken says which verdict the caller wants: the refresh token's, or the client's.
func (v *Verifier) introspect(ctx context.Context, base *url.URL, c Credential, forToken bool) Result {
	form := url.Values{
		"token":           {c.RefreshToken},
		"token_type_hint": {"refresh_token"},
		"client_id":       {c.ConsumerKey},
		"client_secret":   {c.ConsumerSecret},
	}
	r, reason := v.postForm(ctx, endpoint(base, "/services/oauth2/introspect"), form)
	if r == nil {
		return Result{Reason: "introspect: " + reason, Host: base.Host}
	}
	a, reason := decode(r)
	if a == nil {
		return Result{Reason: "introspect: " + reason, Host: base.Host}
	}
	if r.status == http.StatusOK && a.Active != nil && a.Error == "" {
		switch {
		case *a.Active:
			return Result{Status: Valid, Reason: "refresh token active and consumer key and secret accepted (introspect; nothing minted)", Host: base.Host}
		case forToken:
			return Result{Status: Invalid, Reason: "refresh token inactive (introspect: active=false)", Host: base.Host}
		default:
			return Result{Status: Valid, Reason: "consumer key and secret accepted by introspect (nothing minted); the paired refresh token is inactive", Host: base.Host}
		}
	}
	if res, ok := clientError(a, base.Host); ok {
		if forToken {
			// The client was rejected, so the refresh token itself was never judged.
			return Result{Reason: "paired client credentials rejected (" + res.Reason + "); refresh token not checked", Host: base.Host}
		}
		return res
	}
	if a.Error != "" {
		return Result{Reason: fmt.Sprintf("introspect: HTTP %d %s", r.status, errorReason(a)), Host: base.Host}
	}
	return Result{Reason: fmt.Sprintf("introspect: HTTP %d without an active field", r.status), Host: base.Host}
}

// clientError maps the two answers that judge the client itself.
func clientError(a *oauthAnswer, host string) (Result, bool) {
	switch a.Error {
	case "invalid_client_id":
		return Result{Status: Invalid, Reason: "invalid_client_id: consumer key unknown to Salesforce", Host: host}, true
	case "invalid_client":
		return Result{Status: Invalid, Reason: "invalid_client: consumer secret is wrong for this key", Host: host}, true
	}
	return Result{}, false
}

func (v *Verifier) postForm(ctx context.Context, u string, form url.Values) (*response, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "building request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return v.do(req)
}

// clientCredentials is the last resort: a client-credentials token request. A token it
// mints is revoked at once; the value leaves this function only as "a token was issued".
//
// Flow-disabled answers (invalid_grant "no client credentials user enabled", "request not
// supported on this domain", unsupported_grant_type) are Unknown, not Invalid: Salesforce
// authenticates the client before it looks at the grant, so the key and secret were most
// likely right. Calling them Invalid would let a responder close an incident whose secret
// still works for other flows or as soon as an admin re-enables this one. The reason
// carries Salesforce's exact words.
func (v *Verifier) clientCredentials(ctx context.Context, base *url.URL, c Credential) Result {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.ConsumerKey},
		"client_secret": {c.ConsumerSecret},
	}
	r, reason := v.postForm(ctx, endpoint(base, "/services/oauth2/token"), form)
	if r == nil {
		return Result{Reason: "token: " + reason, Host: base.Host}
	}
	a, reason := decode(r)
	if a == nil {
		return Result{Reason: "token: " + reason, Host: base.Host}
	}
	if r.status == http.StatusOK && a.AccessToken != "" && a.Error == "" {
		res := Result{Status: Valid, Reason: "client credentials flow enabled: a token was issued and revoked at once", Host: base.Host}
		if err := v.revoke(ctx, base, a.AccessToken); err != "" {
			res.Reason = "client credentials flow enabled: a token was issued; revoking it failed (" + err + "): revoke the app's tokens in Setup"
		}
		a.AccessToken = ""
		return res
	}
	if res, ok := clientError(a, base.Host); ok {
		return res
	}
	switch {
	case a.Error == "invalid_grant" || a.Error == "unsupported_grant_type":
		hint := ""
		d := strings.ToLower(a.ErrorDescription)
		switch {
		case strings.Contains(d, "not supported on this domain"):
			hint = "; send the check to the org's My Domain host with --verify-host"
		case strings.Contains(d, "no client credentials user"):
			hint = "; the flow has no run-as user: the key and secret were probably accepted, treat the secret as live"
		default:
			hint = "; the client credentials flow is off or misconfigured: the key and secret may still be right"
		}
		return Result{Reason: errorReason(a) + hint, Host: base.Host}
	case a.Error != "":
		return Result{Reason: fmt.Sprintf("token: HTTP %d %s", r.status, errorReason(a)), Host: base.Host}
	}
	return Result{Reason: fmt.Sprintf("token: HTTP %d without an access token or error", r.status), Host: base.Host}
}

// revoke revokes a token minted by the check. It gets a fresh budget detached from the
// caller's cancellation: a token minted just before the deadline must still be revoked.
func (v *Verifier) revoke(ctx context.Context, base *url.URL, token string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.timeout)
	defer cancel()
	r, reason := v.postForm(ctx, endpoint(base, "/services/oauth2/revoke"), url.Values{"token": {token}})
	if r == nil {
		return reason
	}
	if r.status != http.StatusOK {
		return fmt.Sprintf("HTTP %d", r.status)
	}
	return ""
}
