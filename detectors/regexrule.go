package detectors

import (
	"bytes"
	"math"
	"sort"
	"strings"
)

// regexRule runs one compiled rules.toml rule. It implements Detector for direct use in
// tests; the engine calls scanWindows with the prefilter's keyword hits instead.
type regexRule struct {
	r *Rule
}

var _ Detector = (*regexRule)(nil)

// Name returns the rule ID.
func (rr *regexRule) Name() string { return rr.r.ID }

// Keywords returns the rule's lower-case keywords.
func (rr *regexRule) Keywords() []string { return rr.r.Keywords }

// Detect runs the rule over the whole of data (no prefilter windows).
func (rr *regexRule) Detect(path string, data []byte) []Match {
	if len(data) == 0 || !rr.pathOK(path) {
		return nil
	}
	b := blobCtx{view: data, path: path}
	return rr.findIn(&b, 0, len(data), nil)
}

func (rr *regexRule) pathOK(path string) bool {
	return rr.r.Path == nil || rr.r.Path.MatchString(normPath(path))
}

// blobCtx carries per-blob facts that checks share, computed at most once.
type blobCtx struct {
	view []byte // the bytes detectors see (decoded when the blob is JSON-escaped)
	path string
	// lazily computed facts, per rule (reset by the caller between rules)
	ctxDone, ctxOK bool
}

// scanWindows runs the regex on the lines around each keyword hit (hits are ascending
// offsets into view). Overlapping windows are merged so no text is scanned twice.
func (rr *regexRule) scanWindows(b *blobCtx, hits []int, out []Match) []Match {
	r := rr.r
	wlo, whi := -1, -1
	for _, h := range hits {
		lo, hi := LinesAround(b.view, h, r.WindowBefore, r.WindowAfter)
		// The prefilter drops hits within minHitGap of a recorded one; cover their lines.
		if _, he := LineBounds(b.view, min(h+minHitGap, len(b.view))); he > hi {
			hi = he
		}
		if r.WindowBytes > 0 {
			lo = max(lo, h-r.WindowBytes)
			hi = min(hi, h+r.WindowBytes)
		}
		if wlo >= 0 && lo <= whi {
			whi = max(whi, hi)
			continue
		}
		if wlo >= 0 {
			out = rr.findIn(b, wlo, whi, out)
		}
		wlo, whi = lo, hi
	}
	if wlo >= 0 {
		out = rr.findIn(b, wlo, whi, out)
	}
	return out
}

// findIn runs the regex over view[lo:hi] and appends the accepted matches.
func (rr *regexRule) findIn(b *blobCtx, lo, hi int, out []Match) []Match {
	r := rr.r
	for _, loc := range r.Regex.FindAllSubmatchIndex(b.view[lo:hi], -1) {
		s, e := loc[2*r.SecretGroup], loc[2*r.SecretGroup+1]
		if s < 0 || e <= s {
			continue
		}
		for i := range loc {
			if loc[i] >= 0 {
				loc[i] += lo
			}
		}
		s, e = s+lo, e+lo
		if m, ok := rr.accept(b, loc, s, e); ok {
			out = append(out, m)
		}
	}
	return out
}

// accept applies the rule's filters to one candidate and builds its Match.
func (rr *regexRule) accept(b *blobCtx, loc []int, s, e int) (Match, bool) {
	r := rr.r
	secret := b.view[s:e]
	if r.Entropy > 0 && shannon(secret) < r.Entropy {
		return Match{}, false
	}
	if !r.hasCheck("pem-body") && IsPlaceholder(string(secret)) {
		return Match{}, false
	}
	if len(r.Exclude) > 0 {
		ls, le := LineBounds(b.view, s)
		if ContainsAnyFold(b.view[ls:le], r.Exclude) {
			return Match{}, false
		}
	}
	if len(r.Context) > 0 {
		if !b.ctxDone {
			b.ctxDone = true
			b.ctxOK = ContainsAnyFold(b.view, r.Context) || containsAnyLower(strings.ToLower(b.path), r.Context)
		}
		// The secret's own characters never count as context (a base64 key body may
		// spell "jwt"; a key contains "3mvg").
		if !b.ctxOK || !ContainsAnyFold(b.view[:s], r.Context) && !ContainsAnyFold(b.view[e:], r.Context) &&
			!containsAnyLower(strings.ToLower(b.path), r.Context) {
			return Match{}, false
		}
	}
	m := Match{
		RuleID:      r.ID,
		Start:       s,
		End:         e,
		Secret:      string(secret),
		Severity:    r.Severity,
		Description: r.Description,
	}
	for _, name := range r.Checks {
		if !checks[name](&m, b, loc) {
			return Match{}, false
		}
	}
	if r.EscalateTo != "" && ContainsAnyFold(b.view, r.EscalateWhen) {
		m.Severity = r.EscalateTo
	}
	if m.Host == "" {
		m.Host = FindSalesforceHost(b.view, s)
	}
	return m, true
}

func (r *Rule) hasCheck(name string) bool {
	for _, c := range r.Checks {
		if c == name {
			return true
		}
	}
	return false
}

func containsAnyLower(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// shannon is the Shannon entropy of b in bits per byte.
func shannon(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// checkFunc filters (false drops the match) or enriches a candidate. loc holds the regex's
// submatch offsets into b.view.
type checkFunc func(m *Match, b *blobCtx, loc []int) bool

// checks are the Go-coded steps a rules.toml rule may name in `checks`.
var checks = map[string]checkFunc{
	// not-jwt-bearer: a consumer key in JWT bearer flow code (and no consumer secret named in
	// the blob) is a client id, not a leak.
	"not-jwt-bearer": func(m *Match, b *blobCtx, loc []int) bool { return !IsJWTBearerContext(b.view) },
	// not-other-idp: a client secret written next to Entra ID, Auth0, Okta, Google… (closer
	// than any Salesforce marker) belongs to that provider.
	"not-other-idp": func(m *Match, b *blobCtx, loc []int) bool { return !OtherIdentityProviderNear(b.view, m.Start) },
	// pair-consumer-key: record the 3MVG key written closest to a secret, for exposures.
	"pair-consumer-key": func(m *Match, b *blobCtx, loc []int) bool {
		m.ConsumerKey = nearestConsumerKey(b.view, m.Start)
		return true
	},
	// sfdx-url: groups 1-4 are client id, secret, refresh token and host. The refresh token
	// must look real; the host becomes Match.Host; a 3MVG client id becomes ConsumerKey.
	"sfdx-url": func(m *Match, b *blobCtx, loc []int) bool {
		if len(loc) < 10 || loc[6] < 0 || loc[8] < 0 {
			return false
		}
		id := string(b.view[loc[2]:loc[3]])
		refresh := b.view[loc[6]:loc[7]]
		host := strings.TrimRight(strings.ToLower(string(b.view[loc[8]:loc[9]])), ".:")
		if len(refresh) < 20 || IsPlaceholder(string(refresh)) || IsPlaceholder(id) || shannon(refresh) < 3.5 {
			return false
		}
		if !strings.Contains(host, ".") && host != "localhost" {
			return false
		}
		if h, _, ok := strings.Cut(host, ":"); ok {
			host = h
		}
		m.Host = host
		if strings.HasPrefix(id, "3MVG") {
			m.ConsumerKey = id
		}
		return true
	},
	// pem-body: the key body must be long base64, not an EXAMPLE/placeholder; and the blob or
	// its path must tie the key to Salesforce or JWT signing.
	"pem-body": func(m *Match, b *blobCtx, loc []int) bool {
		return realPEMBody(m.Secret)
	},
}

func checkNames() []string {
	names := make([]string, 0, len(checks))
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// realPEMBody reports whether a PEM block's body looks like key material rather than an
// elided or placeholder example.
func realPEMBody(block string) bool {
	body := block
	if i := strings.Index(body, "-----\n"); i >= 0 {
		body = body[i+6:]
	} else if i := strings.Index(body, "KEY-----"); i >= 0 {
		body = body[i+8:]
	}
	if j := strings.Index(body, "-----END"); j >= 0 {
		body = body[:j]
	}
	low := strings.ToLower(body)
	for _, p := range []string{"example", "...", "…", "xxxx", "<", "{{", "${", "redacted", "placeholder", "your_", "insert", "paste"} {
		if strings.Contains(low, p) {
			return false
		}
	}
	n := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	return n >= 200 && shannon([]byte(body)) > 4.0
}

// nearestConsumerKey returns the 3MVG… key written closest to off (within 16 KiB), or "".
func nearestConsumerKey(view []byte, off int) string {
	const radius = 16 << 10
	lo, hi := max(0, off-radius), min(len(view), off+radius)
	best, bestD := "", -1
	for i := lo; i < hi; {
		j := bytes.Index(view[i:hi], []byte("3MVG"))
		if j < 0 {
			break
		}
		p := i + j
		k := p + 4
		for k < hi && ckKeyByte(view[k]) {
			k++
		}
		if k-p >= 24 && (p == 0 || !ckKeyByte(view[p-1])) && !IsPlaceholder(string(view[p:k])) {
			d := p - off
			if d < 0 {
				d = -d
			}
			if bestD < 0 || d < bestD {
				best, bestD = string(view[p:k]), d
			}
		}
		i = k
	}
	return best
}

func ckKeyByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_'
}
