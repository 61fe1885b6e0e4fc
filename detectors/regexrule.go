package detectors

import (
	"bytes"
	"fmt"
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
	return rr.findIn(newBlobCtx(path, data, nil), 0, len(data), nil)
}

func (rr *regexRule) pathOK(path string) bool {
	return rr.r.Path == nil || rr.r.Path.MatchString(normPath(path))
}

// blobCtx carries one blob's bytes and the facts checks share, each computed at most once
// per blob (or per rule where noted): a blob full of secrets must not rescan itself per match.
type blobCtx struct {
	view  []byte // the bytes detectors see (decoded when the blob is JSON-escaped)
	lower []byte // ASCII lower-case view, for bytes.Index searches
	path  string

	// Per rule (reset by resetRule).
	ctxFirst []int // first offset of each context word in lower, -1 if absent
	escDone  bool
	escOK    bool

	jwt       int8 // 0 unknown, 1 JWT bearer context, -1 not
	hostsDone bool
	hosts     []hostAt
	ssDone    bool
	ssHost    string
	keysDone  bool
	keys      []hostAt    // consumer keys by offset (host field holds the key)
	idpChunks []*[2][]int // per idpChunk: offsets of other-IdP and strong Salesforce markers
}

func newBlobCtx(path string, view, lower []byte) *blobCtx {
	if lower == nil {
		lower = lowerASCII(nil, view)
	}
	return &blobCtx{view: view, lower: lower, path: path}
}

func (b *blobCtx) resetRule() {
	b.ctxFirst = b.ctxFirst[:0]
	b.escDone = false
}

func (b *blobCtx) containsAny(words []string) bool {
	for _, w := range words {
		if bytes.Contains(b.lower, []byte(w)) {
			return true
		}
	}
	return false
}

// contextOutside reports whether one of words occurs in the blob outside [s,e), or in the
// path. The secret's own characters never count (a base64 key body may spell "jwt"). Each
// word's first offset is searched once per rule and blob, and only when needed.
func (b *blobCtx) contextOutside(words []string, s, e int) bool {
	if len(b.ctxFirst) != len(words) {
		b.ctxFirst = b.ctxFirst[:0]
		for range words {
			b.ctxFirst = append(b.ctxFirst, -2)
		}
	}
	for i, w := range words {
		if b.ctxFirst[i] == -2 {
			b.ctxFirst[i] = bytes.Index(b.lower, []byte(w))
		}
		f := b.ctxFirst[i]
		if f < 0 {
			continue
		}
		if f+len(w) <= s || f >= e || bytes.Contains(b.lower[e:], []byte(w)) {
			return true
		}
	}
	return containsAnyLower(strings.ToLower(b.path), words)
}

func (b *blobCtx) jwtBearer() bool {
	if b.jwt == 0 {
		b.jwt = -1
		if b.containsAny(jwtBearerMarkers) && !namesSecretValue(b.lower) {
			b.jwt = 1
		}
	}
	return b.jwt > 0
}

func (b *blobCtx) host(near int) string {
	if !b.hostsDone {
		b.hostsDone = true
		b.hosts = hostsIn(b.view, b.lower, 0, len(b.view))
	}
	const radius = 16 << 10
	h := nearestHost(b.hosts, near)
	if h == "" {
		// One domain= lookup per blob, not per match.
		if !b.ssDone {
			b.ssDone, b.ssHost = true, simpleSalesforceDomain(b.view)
		}
		return b.ssHost
	}
	for _, x := range b.hosts {
		if x.host == h && x.off >= near-radius && x.off <= near+radius {
			return h
		}
	}
	return ""
}

// consumerKey returns the 3MVG key written closest to off (within 16 KiB), or "".
func (b *blobCtx) consumerKey(off int) string {
	if !b.keysDone {
		b.keysDone = true
		b.keys = consumerKeysIn(b.view)
	}
	const radius = 16 << 10
	best, bestD := "", -1
	for _, k := range b.keys {
		d := k.off - off
		if d < 0 {
			d = -d
		}
		if d <= radius && (bestD < 0 || d < bestD) {
			best, bestD = k.host, d
		}
	}
	return best
}

// idpChunk is the span the marker positions are cached by: a match looks at most
// idpRadius either side, so it needs three chunks, and a blob full of candidates pays for
// each chunk once.
const (
	idpRadius = 4096
	idpChunk  = 4096
)

// otherIdP reports whether another identity provider is named closer to off than any
// strong Salesforce marker, within 4 KiB (see OtherIdentityProviderNear).
func (b *blobCtx) otherIdP(off int) bool {
	if b.idpChunks == nil {
		b.idpChunks = make([]*[2][]int, len(b.lower)/idpChunk+1)
	}
	idp, sf := -1, -1
	for c := max(0, (off-idpRadius)/idpChunk); c <= min(len(b.idpChunks)-1, (off+idpRadius)/idpChunk); c++ {
		ch := b.idpChunks[c]
		if ch == nil {
			ch = &[2][]int{}
			lo, hi := c*idpChunk, min(len(b.lower), (c+1)*idpChunk)
			ch[0] = positionsIn(b.lower, lo, hi, otherIdPMarkers)
			ch[1] = positionsIn(b.lower, lo, hi, strongSalesforceMarkers)
			b.idpChunks[c] = ch
		}
		idp = minDist(idp, nearestPos(ch[0], off, idpRadius))
		sf = minDist(sf, nearestPos(ch[1], off, idpRadius))
	}
	return idp >= 0 && (sf < 0 || idp < sf)
}

func minDist(a, b int) int {
	if a < 0 || b >= 0 && b < a {
		return b
	}
	return a
}

// positionsIn returns the ascending offsets in [lo,hi) where a word starts (it may run past hi).
func positionsIn(lower []byte, lo, hi int, words []string) []int {
	var out []int
	for _, w := range words {
		end := min(len(lower), hi+len(w)-1)
		for i := lo; i < hi; {
			j := bytes.Index(lower[i:end], []byte(w))
			if j < 0 {
				break
			}
			out = append(out, i+j)
			i += j + 1
		}
	}
	sort.Ints(out)
	return out
}

// nearestPos returns the distance from off to the closest position within radius, or -1.
func nearestPos(ps []int, off, radius int) int {
	i := sort.SearchInts(ps, off)
	best := -1
	for _, k := range []int{i - 1, i} {
		if k < 0 || k >= len(ps) {
			continue
		}
		d := ps[k] - off
		if d < 0 {
			d = -d
		}
		if d <= radius && (best < 0 || d < best) {
			best = d
		}
	}
	return best
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
	if len(r.MinRun) > 0 && !anyRun(b.view[lo:hi], r.MinRun) {
		return out
	}
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
	if len(r.Context) > 0 && !b.contextOutside(r.Context, s, e) {
		return Match{}, false
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
	if r.EscalateTo != "" {
		if !b.escDone {
			b.escDone, b.escOK = true, b.containsAny(r.EscalateWhen)
		}
		if b.escOK {
			m.Severity = r.EscalateTo
		}
	}
	if m.Host == "" {
		m.Host = b.host(s)
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
	// word-start: the secret must not continue a word (a leading \b, kept out of the regex
	// so that a literal prefix lets Go's regexp skip ahead quickly).
	"word-start": func(m *Match, b *blobCtx, loc []int) bool {
		return m.Start == 0 || !ckWordByte(b.view[m.Start-1]) || pctEncodedSep(b.view, m.Start)
	},
	// not-jwt-bearer: a consumer key in JWT bearer flow code (and no consumer secret named in
	// the blob) is a client id, not a leak.
	"not-jwt-bearer": func(m *Match, b *blobCtx, loc []int) bool { return !b.jwtBearer() },
	// not-other-idp: a client secret written next to Entra ID, Auth0, Okta, Google… (closer
	// than any Salesforce marker) belongs to that provider.
	// The secret's own setting name counts too: GOOGLE_CLIENT_SECRET is Google's wherever
	// Salesforce is named.
	"not-other-idp": func(m *Match, b *blobCtx, loc []int) bool {
		return !b.otherIdP(m.Start) && !OtherIdPKeyName(keyNameBefore(b.view, loc[0]))
	},
	// secret-name: the words after the secret's name must not say the value is something
	// else about the secret: client_secret_expires_at, consumer_secret_id, _version, _sha.
	"secret-name": func(m *Match, b *blobCtx, loc []int) bool {
		return !secretNameDescribesOther(b.view[loc[0]:m.Start])
	},
	// pair-consumer-key: record the 3MVG key written closest to a secret, for exposures.
	"pair-consumer-key": func(m *Match, b *blobCtx, loc []int) bool {
		m.ConsumerKey = b.consumerKey(m.Start)
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

// consumerKeysIn returns every plausible 3MVG… key in view with its offset.
func consumerKeysIn(view []byte) []hostAt {
	var out []hostAt
	for i := 0; i < len(view); {
		j := bytes.Index(view[i:], []byte("3MVG"))
		if j < 0 {
			break
		}
		p := i + j
		k := p + 4
		for k < len(view) && ckKeyByte(view[k]) {
			k++
		}
		if k-p >= 24 && (p == 0 || !ckKeyByte(view[p-1])) && !IsPlaceholder(string(view[p:k])) {
			out = append(out, hostAt{p, string(view[p:k])})
		}
		i = k
	}
	return out
}

// secretMetaWords, following a secret's name (client_secret_expires_at, clientSecretId,
// consumer_secret.version), make the setting describe the secret instead of holding it.
var secretMetaWords = map[string]bool{
	"expires": true, "expiry": true, "expiration": true, "exp": true, "issued": true, "iat": true,
	"at": true, "ts": true, "time": true, "timestamp": true, "date": true, "created": true,
	"updated": true, "rotated": true, "modified": true, "version": true, "ver": true, "id": true,
	"ids": true, "arn": true, "name": true, "path": true, "file": true, "ref": true, "hash": true,
	"sha": true, "digest": true, "checksum": true, "length": true, "len": true, "size": true,
	"count": true, "ns": true, "ms": true, "epoch": true, "seq": true, "serial": true, "ttl": true,
}

// secretNameDescribesOther reports whether the name in text (the regex match up to the value:
// "client_secret_expires_at\": ") continues, after its last "secret", with a word of
// secretMetaWords.
func secretNameDescribesOther(text []byte) bool {
	i := bytes.LastIndex(lowerASCII(nil, text), []byte("secret")) // same length as text
	if i < 0 {
		return false
	}
	j := i + len("secret")
	word := func(w []byte) bool { return secretMetaWords[strings.ToLower(string(w))] }
	start := j
	for k := j; k <= len(text); k++ {
		end := k == len(text) || !(ckWordByte(text[k]) || text[k] == '.' || text[k] == '-')
		sep := !end && (text[k] == '_' || text[k] == '.' || text[k] == '-')
		camel := !end && k > start && text[k] >= 'A' && text[k] <= 'Z' && text[k-1] >= 'a' && text[k-1] <= 'z'
		if end || sep || camel {
			if k > start && word(text[start:k]) {
				return true
			}
			if end {
				break
			}
			start = k
			if sep {
				start = k + 1
			}
		}
	}
	return false
}

// pctEncodedSep reports whether the bytes before off are a percent-encoded separator (=, ",
// space, comma, colon, &): client_id%3D3MVG… in a logged form body.
func pctEncodedSep(view []byte, off int) bool {
	if off < 3 || view[off-3] != '%' {
		return false
	}
	switch strings.ToLower(string(view[off-2 : off])) {
	case "3d", "22", "20", "2c", "3a", "26":
		return true
	}
	return false
}

func ckWordByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

func ckKeyByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_'
}

// runGate is a compiled minRun entry: a character class and a minimum run length.
type runGate struct {
	class *[256]bool
	n     int
}

var runClasses = map[string]*[256]bool{}

func init() {
	add := func(name string, ranges ...string) {
		var t [256]bool
		for _, r := range ranges {
			if len(r) == 1 {
				t[r[0]] = true
				continue
			}
			for c := int(r[0]); c <= int(r[2]); c++ {
				t[c] = true
			}
		}
		runClasses[name] = &t
	}
	add("digits", "0-9")
	add("hexupper", "0-9", "A-F")
	add("hex", "0-9", "A-F", "a-f")
	add("alnum", "0-9", "A-Z", "a-z")
	add("base64", "0-9", "A-Z", "a-z", "+", "/", "=")
	add("key", "0-9", "A-Z", "a-z", ".", "_")
}

func parseRunGate(s string) (runGate, error) {
	name, n, ok := strings.Cut(s, ":")
	t := runClasses[name]
	var k int
	if _, err := fmt.Sscanf(n, "%d", &k); !ok || t == nil || err != nil || k < 1 {
		names := make([]string, 0, len(runClasses))
		for c := range runClasses {
			names = append(names, c)
		}
		sort.Strings(names)
		return runGate{}, fmt.Errorf("bad minRun %q (want CLASS:N, CLASS one of %s)", s, strings.Join(names, ", "))
	}
	return runGate{t, k}, nil
}

// anyRun reports whether b holds a run of one of the gates' classes at least as long.
func anyRun(b []byte, gates []runGate) bool {
	for _, g := range gates {
		run := 0
		for _, c := range b {
			if g.class[c] {
				run++
				if run >= g.n {
					return true
				}
			} else {
				run = 0
			}
		}
	}
	return false
}
