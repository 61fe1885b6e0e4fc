package detectors

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// basicAuthDetector finds consumer key + secret pairs used as HTTP Basic client
// authentication (rule sf-consumer-secret): an "Authorization: Basic <base64>" header whose
// decoded value is 3MVG…:<secret>, curl -u/--user 3MVG…:<secret>, requests/httpx
// auth=(key, secret) and HTTPBasicAuth(key, secret), axios auth: {username, password}.
// A token call authenticated this way is reported by tokenCallDetector, which takes its
// secret from these pairs.
type basicAuthDetector struct{}

var _ Detector = basicAuthDetector{}

// Name implements Detector.
func (basicAuthDetector) Name() string { return "structural/basic-auth" }

// Keywords implements Detector: every pair holds a consumer key (3MVG…) in clear, except the
// base64 header, which says "Basic ".
func (basicAuthDetector) Keywords() []string { return []string{"3mvg", "basic "} }

// Detect implements Detector.
func (d basicAuthDetector) Detect(path string, data []byte) []Match {
	return d.detect(newStBlob(path, data))
}

func (d basicAuthDetector) detectShared(sh *stShared) []Match { return d.detect(sh.blob()) }

func (basicAuthDetector) detect(b *stBlob) []Match {
	data := b.data
	var out []Match
	for _, p := range b.basicPairs(0, len(data)) {
		if p.env {
			continue
		}
		out = append(out, Match{
			RuleID:      RuleConsumerSecret,
			Start:       p.at,
			End:         p.atEnd,
			Secret:      p.secret,
			Severity:    "critical",
			ConsumerKey: p.key,
			Host:        b.hostNear(p.at),
			Description: "Connected App consumer secret used for HTTP Basic client authentication (" + p.how + ")",
		})
	}
	return stDedupe(out)
}

// stBasicPair is a consumer key and secret found together as Basic client authentication.
// at/atEnd locate what is reported (the base64 token, or the secret); start/end the secret
// itself when written in clear.
type stBasicPair struct {
	key, secret string
	env         bool // the secret is a reference ($SF_CLIENT_SECRET): only a token call's evidence
	at, atEnd   int
	start, end  int
	how         string
}

// basicPairs returns the pairs reported in [lo,hi), computed once per blob.
func (b *stBlob) basicPairs(lo, hi int) []stBasicPair {
	if !b.basicDone {
		b.basicDone = true
		b.basic = b.findBasicPairs()
	}
	var out []stBasicPair
	for _, p := range b.basic {
		if p.at >= lo && p.at < hi {
			out = append(out, p)
		}
	}
	return out
}

func (b *stBlob) findBasicPairs() []stBasicPair {
	var out []stBasicPair
	out = b.basicHeaders(out)
	out = b.clearPairs(out)
	out = b.authTuples(out)
	out = b.authObjects(out)
	return out
}

// stValidPair checks a decoded/paired key and secret: a 3MVG key and a secret that is not a
// placeholder or reference.
func stValidPair(key, secret string) bool {
	if !strings.HasPrefix(key, "3MVG") || len(key) < 20 || len(secret) < 8 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if !stIsIdentByte(key[i]) && key[i] != '.' {
			return false
		}
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] <= ' ' || secret[i] >= 0x7f {
			return false
		}
	}
	return !IsPlaceholder(secret) && !stIsRef(secret)
}

// basicHeaders decodes "Basic <base64>" tokens.
func (b *stBlob) basicHeaders(out []stBasicPair) []stBasicPair {
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("basic"))
		if i < 0 {
			break
		}
		i += from
		from = i + 5
		if i > 0 && stIsIdentByte(l[i-1]) {
			continue
		}
		s := from
		for s < len(l) && (l[s] == ' ' || l[s] == '\t') {
			s++
		}
		if s == from {
			continue
		}
		e := s
		for e < len(b.data) && e-s < 1200 && (stIsAlnum(b.data[e]) || b.data[e] == '+' || b.data[e] == '/' || b.data[e] == '=' || b.data[e] == '-' || b.data[e] == '_') {
			e++
		}
		if e-s < 24 {
			continue
		}
		tok := string(b.data[s:e])
		var dec []byte
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(tok); err == nil {
				dec = d
				break
			}
		}
		k := bytes.IndexByte(dec, ':')
		if k < 0 {
			continue
		}
		key, secret := string(dec[:k]), string(dec[k+1:])
		if !stValidPair(key, secret) {
			continue
		}
		out = append(out, stBasicPair{key: key, secret: secret, at: s, atEnd: e, start: s, end: e, how: "Authorization: Basic header"})
		from = e
	}
	return out
}

// clearPairs finds 3MVG…:<secret> written in clear (curl -u, --user, "key:secret" strings),
// skipping SFDX auth URLs (force://key:secret:refresh@host, their own rule).
func (b *stBlob) clearPairs(out []stBasicPair) []stBasicPair {
	d := b.data
	for from := 0; from < len(d); {
		i := bytes.Index(d[from:], []byte("3MVG"))
		if i < 0 {
			break
		}
		i += from
		from = i + 4
		if i > 0 && (stIsIdentByte(d[i-1]) || d[i-1] == '/' || d[i-1] == '.') {
			continue
		}
		e := i
		for e < len(d) && (stIsIdentByte(d[e]) || d[e] == '.') {
			e++
		}
		from = e
		if e >= len(d) || d[e] != ':' {
			continue
		}
		s := e + 1
		t := s
		for t < len(d) && (stIsAlnum(d[t]) || strings.IndexByte("+/=._~-", d[t]) >= 0) {
			t++
		}
		if t < len(d) && (d[t] == ':' || d[t] == '@') {
			continue // force://key:secret:refresh@host
		}
		if t == s && s < len(d) && d[s] == '$' {
			// 3MVG…:$SF_CLIENT_SECRET — the secret is the environment's.
			t = s + 1
			for t < len(d) && (stIsIdentByte(d[t]) || d[t] == '{' || d[t] == '}') {
				t++
			}
			if key := string(d[i:e]); t > s+1 && len(key) >= 20 {
				out = append(out, stBasicPair{key: key, secret: string(d[s:t]), at: s, atEnd: t, start: s, end: t, how: "curl -u key:$SECRET", env: true})
			}
			continue
		}
		key, secret := string(d[i:e]), string(d[s:t])
		if !stValidPair(key, secret) {
			continue
		}
		how := "key:secret pair"
		if ls := stLineStart(b.lower, i); bytes.Contains(b.lower[ls:i], []byte("-u")) || bytes.Contains(b.lower[ls:i], []byte("--user")) {
			how = "curl -u key:secret"
		}
		out = append(out, stBasicPair{key: key, secret: secret, at: s, atEnd: t, start: s, end: t, how: how})
	}
	return out
}

// authTuples finds requests/httpx auth=(key, secret), HTTPBasicAuth(key, secret) and
// aiohttp BasicAuth(key, secret), resolving variables to their literal values.
func (b *stBlob) authTuples(out []stBasicPair) []stBasicPair {
	l := b.lower
	for _, pat := range []string{"auth=(", "auth = (", "basicauth("} {
		for from := 0; from < len(l); {
			i := bytes.Index(l[from:], []byte(pat))
			if i < 0 {
				break
			}
			i += from
			from = i + len(pat)
			c, ok := b.parseCall(from - 1)
			if !ok || len(c.positional) < 2 {
				continue
			}
			k, s := c.positional[0], c.positional[1]
			if k.class != valLiteral || s.class != valLiteral || !stValidPair(k.text, s.text) {
				continue
			}
			at, atEnd := c.posAt[1], c.posAt[1]+1
			if s.start >= c.open && s.end <= c.close {
				at, atEnd = s.start, s.end
			}
			out = append(out, stBasicPair{key: k.text, secret: s.text, at: at, atEnd: atEnd, start: s.start, end: s.end, how: "HTTP Basic auth tuple"})
		}
	}
	return out
}

// authObjects finds axios-style auth: {username: key, password: secret}.
func (b *stBlob) authObjects(out []stBasicPair) []stBasicPair {
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("auth"))
		if i < 0 {
			break
		}
		i += from
		from = i + 4
		if i > 0 && stIsIdentByte(l[i-1]) {
			continue
		}
		j := from
		if j < len(l) && stIsQuote(l[j]) {
			j++
		}
		for j < len(l) && stIsSpace(l[j]) {
			j++
		}
		if j >= len(l) || l[j] != ':' {
			continue
		}
		j++
		for j < len(l) && (stIsSpace(l[j]) || l[j] == '\n') {
			j++
		}
		if j >= len(l) || l[j] != '{' {
			continue
		}
		end := stMatchBrace(b.data, j, 2048)
		if end < 0 {
			continue
		}
		u, okU := b.nearestSlot(slotUser, j, j, end, nil)
		p, okP := b.nearestSlot(slotPassword, j, j, end, nil)
		if !okU || !okP || u.val.class != valLiteral || p.val.class != valLiteral || !stValidPair(u.val.text, p.val.text) {
			continue
		}
		out = append(out, stBasicPair{key: u.val.text, secret: p.val.text, at: p.val.start, atEnd: p.val.end, start: p.val.start, end: p.val.end, how: "auth {username, password}"})
	}
	return out
}
