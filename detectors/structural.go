package detectors

import (
	"bytes"
	"regexp"
	"strings"
)

// structuralDetectors returns the hand-written detectors for structure a regular expression
// cannot see (token calls, password grants, HTTP Basic client auth, metadata XML, secrets
// whose name and value are apart). The engine adds them beside the rules compiled from
// rules.toml. Placeholders and environment lookups are judged with IsPlaceholder /
// IsEnvLookup, and the engine applies allowlists to their matches like to any other. cfg
// (nil in unit tests) lends the consumer-secret rule's exclude words to secretSlotDetector.
func structuralDetectors(cfg *Config) []Detector {
	ss := secretSlotDetector{exclude: defaultSecretExclude}
	if cfg != nil {
		if r := cfg.byID[RuleConsumerSecret]; r != nil && len(r.Exclude) > 0 {
			ss.exclude = r.Exclude
		}
	}
	return []Detector{
		xmlMetaDetector{},
		tokenCallDetector{},
		passwordGrantDetector{},
		basicAuthDetector{},
		ss,
	}
}

// defaultSecretExclude are the words that make a secret-shaped value a checksum or a business
// number when they share its line (rules.toml's sf-consumer-secret exclude list overrides it).
var defaultSecretExclude = []string{
	"sha256", "sha-256", "sha512", "sha-512", "sha384", "sha1", "md5", "checksum", "digest",
	"integrity", "hash", "fingerprint", "order_id", "orderid", "order_number", "invoice",
	"tracking", "serial", "account_number",
}

// secretSlotDetector reports consumer secrets (rule sf-consumer-secret) written where the
// rules.toml pattern, which wants the value right after a secret name, cannot see them: a
// type between name and value (clientSecret: String = "…", sf_client_secret: str = "…"), a
// field's sibling value (<field id="clientSecret" type="password" value="…"/>), a Terraform
// variable's default, or a constant with a generic name passed under a secret name
// ("client_secret": SECRET). The value must have a consumer secret's shape (64 upper-case hex
// or 19 digits) and sit in Salesforce context; the engine merges it with a regex match of the
// same span.
type secretSlotDetector struct {
	exclude []string
}

var _ Detector = secretSlotDetector{}

// Name implements Detector.
func (secretSlotDetector) Name() string { return "structural/secret-slot" }

// Keywords implements Detector.
func (secretSlotDetector) Keywords() []string { return []string{"secret"} }

var stSecretValueRE = regexp.MustCompile(`^(?:[0-9A-F]{64}|[1-9][0-9]{18})$`)

// Detect implements Detector.
func (d secretSlotDetector) Detect(path string, data []byte) []Match {
	if !HasSalesforceContext(data) && !containsAnyLower(strings.ToLower(path), SalesforceMarkers) {
		return nil
	}
	return d.detect(newStBlob(path, data))
}

func (d secretSlotDetector) detectShared(sh *stShared) []Match {
	if !sh.hasSalesforceContext() && !containsAnyLower(strings.ToLower(sh.path), SalesforceMarkers) {
		return nil
	}
	return d.detect(sh.blob())
}

// detect finds the secrets in b. With b.sh set, the per-candidate look-ups go through the
// shared position indexes; without, through the window searches they are equivalent to.
func (d secretSlotDetector) detect(b *stBlob) []Match {
	data := b.data
	otherIdP, nearestKey, findHost := func(off int) bool { return OtherIdentityProviderNear(data, off) },
		func(off int) string { return stNearestKey(data, off) },
		func(off int) string { return FindSalesforceHost(data, off) }
	if sh := b.sh; sh != nil {
		otherIdP, nearestKey, findHost = sh.otherIdPNear, sh.nearestKey, sh.findHost
	}
	var out []Match
	consider := func(v stValue, how string) {
		if v.class != valLiteral || v.start < 0 || v.end > len(data) || v.start >= v.end {
			return
		}
		if string(data[v.start:v.end]) != v.text || !stSecretValueRE.MatchString(v.text) {
			return
		}
		if IsPlaceholder(v.text) || shannon([]byte(v.text)) < 2.5 {
			return
		}
		ls, le := LineBounds(data, v.start)
		if ContainsAnyFold(data[ls:le], d.exclude) {
			return
		}
		if otherIdP(v.start) || !b.sfContext(v.start) {
			return
		}
		out = append(out, Match{
			RuleID:      RuleConsumerSecret,
			Start:       v.start,
			End:         v.end,
			Secret:      v.text,
			Severity:    "critical",
			ConsumerKey: nearestKey(v.start),
			Host:        findHost(v.start),
			Description: "Connected App consumer secret (" + how + ")",
		})
	}
	for _, s := range b.slotsIn(slotSecret, 0, len(data)) {
		if !OtherIdPKeyName(string(data[s.keyStart:s.keyEnd])) {
			consider(s.val, "under a secret name")
		}
	}
	for _, v := range b.tfSecretDefaults() {
		consider(v, "Terraform variable default")
	}
	for _, v := range b.cliFlagSecrets() {
		consider(v, "secret store command")
	}
	return stDedupe(out)
}

// tfSecretDefaults returns the defaults of Terraform variables named for a consumer secret:
// variable "sf_client_secret" { … default = "…" }.
func (b *stBlob) tfSecretDefaults() []stValue {
	var out []stValue
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("variable"))
		if i < 0 {
			break
		}
		i += from
		from = i + len("variable")
		if i > 0 && stIsIdentByte(l[i-1]) {
			continue
		}
		j := from
		for j < len(l) && stIsSpace(l[j]) {
			j++
		}
		if j >= len(l) || l[j] != '"' {
			continue
		}
		k := bytes.IndexByte(l[j+1:min(len(l), j+130)], '"')
		if k < 0 {
			continue
		}
		name := b.data[j+1 : j+1+k]
		if !stRunHasSuffix(name, "clientsecret") && !stRunHasSuffix(name, "consumersecret") &&
			!(bytes.Contains(l[j+1:j+1+k], []byte("secret")) && stSalesforceKey(string(l[j+1:j+1+k]))) {
			continue
		}
		o := j + 1 + k + 1
		for o < len(l) && (stIsSpace(l[o]) || l[o] == '\n') {
			o++
		}
		if o >= len(l) || l[o] != '{' {
			continue
		}
		end := stMatchBrace(b.data, o, 4096)
		if end < 0 {
			continue
		}
		for p := o; p < end; {
			q := bytes.Index(l[p:end], []byte("default"))
			if q < 0 {
				break
			}
			q += p
			p = q + len("default")
			if stIsIdentByte(l[q-1]) || p < end && stIsIdentByte(l[p]) {
				continue
			}
			m := p
			for m < end && stIsSpace(l[m]) {
				m++
			}
			if m >= end || l[m] != '=' || m+1 < end && l[m+1] == '=' {
				continue
			}
			m++
			for m < end && stIsSpace(l[m]) {
				m++
			}
			out = append(out, b.parseExpr(m, 0))
			break
		}
	}
	return out
}

// stNearestKey returns the 3MVG… consumer key written closest to off (within 16 KiB), or "".
func stNearestKey(data []byte, off int) string {
	const radius = 16 << 10
	lo, hi := max(0, off-radius), min(len(data), off+radius)
	best, bestD := "", -1
	for i := lo; i < hi; {
		j := bytes.Index(data[i:hi], []byte("3MVG"))
		if j < 0 {
			break
		}
		p := i + j
		k := p + 4
		for k < hi && (stIsIdentByte(data[k]) || data[k] == '.') {
			k++
		}
		i = k
		if k-p < 24 || p > 0 && (stIsIdentByte(data[p-1]) || data[p-1] == '.') || IsPlaceholder(string(data[p:k])) {
			continue
		}
		if d := stDist(p, off); bestD < 0 || d < bestD {
			best, bestD = string(data[p:k]), d
		}
	}
	return best
}

// stValueFlags are the flags with which secret-store CLIs take a secret's value on the command
// line: gh secret set NAME --body V, aws ssm put-parameter --name N --value V, aws
// secretsmanager … --secret-string V, az keyvault secret set --name N --value V.
var stValueFlags = []string{" --body ", " --body=", " -b ", " --value ", " --value=", " --secret-string ", " --secret-string="}

// cliFlagSecrets returns the values given by a value flag later on the line of a secret-named
// word (SF_CLIENT_SECRET, /sf/client_secret, sf-client-secret).
func (b *stBlob) cliFlagSecrets() []stValue {
	if !bytes.Contains(b.lower, []byte(" --")) && !bytes.Contains(b.lower, []byte(" -b ")) {
		return nil
	}
	b.slotsIn(slotSecret, 0, 0) // scan the keys
	var out []stValue
	for _, s := range b.slots {
		if s.kind != slotSecret || OtherIdPKeyName(string(b.data[s.keyStart:s.keyEnd])) {
			continue
		}
		le := min(stLineEnd(b.lower, s.keyEnd), s.keyEnd+200)
		rest := b.lower[s.keyEnd:le]
		for _, f := range stValueFlags {
			k := bytes.Index(rest, []byte(f))
			if k < 0 {
				continue
			}
			i := s.keyEnd + k + len(f)
			for i < len(b.data) && stIsSpace(b.data[i]) {
				i++
			}
			v, _ := b.parseOperand(i, 1)
			if v.class == valIdent || v.class == valExpr {
				v = stClassifyLiteral(v.text, v.start, v.end)
			}
			out = append(out, v)
			break
		}
	}
	return out
}
