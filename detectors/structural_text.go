package detectors

import (
	"bytes"
	"path"
	"sort"
	"strings"
)

// This file holds the shared, language-agnostic text machinery of the structural detectors:
// Salesforce / other-IdP evidence, "key → value" slots (client_secret, password, …) in any of
// the syntaxes integrations use, value classification (literal, environment, placeholder,
// variable) and one-level variable resolution. Every pass is a bounded scan of the blob, so
// the work per blob stays linear.

// stEvKind is the kind of a piece of evidence about which identity provider a region talks to.
type stEvKind uint8

const (
	evSFHost   stEvKind = iota // a Salesforce host (acme.my.salesforce.com, login.salesforce.com…)
	evSFPath                   // a Salesforce-only path (/services/oauth2/token, /services/Soap/u/)
	evSFLib                    // a Salesforce library or connector (simple_salesforce, jsforce, Mule…)
	evSFWord                   // the bare word salesforce / sfdc / sforce, or a Salesforce doc link
	evOtherIdP                 // another identity provider (Entra ID, Auth0, Okta, Google, Keycloak…)
)

// stEvidence is one occurrence of an stEvKind at a byte offset.
type stEvidence struct {
	pos  int
	kind stEvKind
	host string // for evSFHost: the lower-cased host name
}

// stEvPattern is a lower-case substring that signals an stEvKind. word requires non-alphanumeric
// neighbours, so that "okta" does not fire inside "tokta".
type stEvPattern struct {
	s    string
	kind stEvKind
	word bool
}

var stEvPatterns = []stEvPattern{
	{"salesforce.com", evSFHost, false},
	{".force.com", evSFHost, false},
	{"salesforce.mil", evSFHost, false},
	{"sfcrmproducts.cn", evSFHost, false},
	{"/services/oauth2/token", evSFPath, false},
	{"/services/soap/u/", evSFPath, false},
	{"/services/soap/c/", evSFPath, false},
	{"simple_salesforce", evSFLib, false},
	{"simple-salesforce", evSFLib, false},
	{"jsforce", evSFLib, true},
	{"nforce", evSFLib, true},
	{"camel.component.salesforce", evSFLib, false},
	{"registration.salesforce", evSFLib, false},
	{"<salesforce:", evSFLib, false},
	{"mule-salesforce", evSFLib, false},
	{"com.sforce", evSFLib, false},
	{"sf_auth_method", evSFLib, true},
	{"omniphx/forrest", evSFLib, false},
	{"salesforce", evSFWord, false},
	{"sfdc", evSFWord, false},
	{"sforce", evSFWord, false},
	{"login.microsoftonline.com", evOtherIdP, false},
	{"login.windows.net", evOtherIdP, false},
	{"sts.windows.net", evOtherIdP, false},
	{"b2clogin.com", evOtherIdP, false},
	{"auth0", evOtherIdP, false},
	{"okta", evOtherIdP, true},
	{"oktapreview", evOtherIdP, false},
	{"oauth2.googleapis.com", evOtherIdP, false},
	{"accounts.google.com", evOtherIdP, false},
	{"googleapis.com/oauth2", evOtherIdP, false},
	{"/protocol/openid-connect/", evOtherIdP, false},
	{"keycloak", evOtherIdP, false},
	{"amazoncognito.com", evOtherIdP, false},
	{"onelogin.com", evOtherIdP, false},
	{"/as/token.oauth2", evOtherIdP, false},
	{"github.com/login/oauth", evOtherIdP, false},
}

// stDocHosts are Salesforce hosts that are documentation links, not endpoints: they make a
// region Salesforce-related but do not say where a request goes.
var stDocHosts = []string{"developer.salesforce.com", "help.salesforce.com", "trailhead.salesforce.com", "www.salesforce.com", "admin.salesforce.com", "appexchange.salesforce.com"}

// stSlotKind is the meaning of a key whose value the detectors want.
type stSlotKind uint8

const (
	slotSecret   stSlotKind = iota // client_secret, consumerSecret, SF_CONSUMER_SECRET…
	slotID                         // client_id, consumerKey…
	slotUser                       // username, user-name, setUsername…
	slotPassword                   // password, setPassword…
	slotSecToken                   // security_token, secret_token (Postman)…
)

// stSlotSuffixes maps normalised key suffixes (lower case, without _ - .) to slot kinds.
var stSlotSuffixes = []struct {
	suffix string
	kind   stSlotKind
}{
	{"clientsecret", slotSecret},
	{"consumersecret", slotSecret},
	{"clientid", slotID},
	{"consumerkey", slotID},
	{"username", slotUser},
	{"password", slotPassword},
	{"securitytoken", slotSecToken},
	{"secrettoken", slotSecToken},
}

// stNotLoginPassword are password-like keys that protect something else (key stores, proxies,
// databases); they never hold a Salesforce login password.
var stNotLoginPassword = []string{"storepassword", "keypassword", "proxypassword", "dbpassword", "databasepassword", "pfxpassword", "certpassword", "confirmpassword", "smtppassword", "mailpassword"}

// stValClass classifies what a key's value is.
type stValClass uint8

const (
	valNone        stValClass = iota // nothing usable
	valLiteral                       // a value written in the blob
	valEnv                           // read from the environment, a secret store or a template variable
	valPlaceholder                   // an example/template value (YOUR_SECRET, <secret>, xxxx)
	valIdent                         // a variable whose value was not found in the blob
	valExpr                          // some other expression (function call…) of unknown origin
)

// value is a classified value. start/end locate the literal (or expression) in the blob; a
// value resolved through a variable points at the variable's literal assignment.
type stValue struct {
	class      stValClass
	text       string
	start, end int
}

// stSlot is one "key → value" occurrence.
type stSlot struct {
	kind             stSlotKind
	keyStart, keyEnd int
	key              string // lower-cased key as written (set when parsed)
	val              stValue
	parsed, ok       bool // val was parsed; a value was found
}

// stBlob is the per-Detect analysis of one blob's bytes.
type stBlob struct {
	path  string
	data  []byte
	lower []byte
	code  bool // the path is a programming-language source file (bare words are variables)

	// Evidence and slots are found on first use: a blob that passed the keyword prefilter
	// often has no grant, pair or password to judge, and then needs neither.
	evDone, slotsDone bool
	ev                []stEvidence
	anySF, anyOther   bool
	slots             []stSlot

	resolving     map[string]stValue
	depth         int
	resolveBudget int // distinct names looked up so far (each costs a pass over the blob)

	basicDone bool
	basic     []stBasicPair

	sh *stShared // per-blob analysis shared with the other structural detectors, or nil
}

// stCodeExts are extensions of programming languages in which a bare word is a variable.
var stCodeExts = map[string]bool{
	".py": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".jsx": true, ".tsx": true,
	".java": true, ".kt": true, ".kts": true, ".scala": true, ".groovy": true, ".gradle": true,
	".cs": true, ".vb": true, ".fs": true, ".go": true, ".rs": true, ".rb": true, ".php": true,
	".cls": true, ".trigger": true, ".apex": true, ".swift": true, ".c": true, ".cc": true,
	".cpp": true, ".h": true, ".ps1": true, ".psm1": true, ".dart": true, ".lua": true,
	".ipynb": true, ".dwl": true,
}

func newStBlob(p string, data []byte) *stBlob {
	// ASCII lower-casing keeps every offset: bytes.ToLower changes the length of invalid UTF-8
	// (Latin-1 files) and of some runes, which would shift what the detectors report.
	b := &stBlob{path: p, data: data, lower: lowerASCII(nil, data), resolving: map[string]stValue{}}
	b.code = stCodeExts[strings.ToLower(path.Ext(p))]
	return b
}

// ---- small byte helpers ----

func stIsIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func stIsAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func stIsKeyByte(c byte) bool { return stIsIdentByte(c) || c == '.' || c == '-' }

func stIsQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

func stIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// stLineCap bounds line searches: on a minified or single-line blob, a "line" is at most
// this many bytes either side of the offset, so per-candidate work stays constant.
const stLineCap = 4096

// stLineStart returns the offset of the first byte of the line holding off (at most
// stLineCap bytes back).
func stLineStart(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	lo := max(0, off-stLineCap)
	if i := bytes.LastIndexByte(data[lo:off], '\n'); i >= 0 {
		return lo + i + 1
	}
	return lo
}

// stLineEnd returns the offset of the newline ending the line holding off, or len(data)
// (at most stLineCap bytes ahead).
func stLineEnd(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	hi := min(len(data), off+stLineCap)
	if i := bytes.IndexByte(data[off:hi], '\n'); i >= 0 {
		return off + i
	}
	return hi
}

// ---- evidence ----

// evidence returns the blob's evidence, sorted by offset.
func (b *stBlob) evidence() []stEvidence {
	if !b.evDone {
		b.evDone = true
		if b.sh != nil {
			b.ev, b.anySF, b.anyOther = b.sh.evidence()
		} else {
			b.scanEvidence()
		}
	}
	return b.ev
}

// evidenceIn returns the evidence with offsets in [lo,hi).
func (b *stBlob) evidenceIn(lo, hi int) []stEvidence {
	ev := b.evidence()
	i := sort.Search(len(ev), func(i int) bool { return ev[i].pos >= lo })
	j := sort.Search(len(ev), func(i int) bool { return ev[i].pos >= hi })
	if j < i {
		j = i
	}
	return ev[i:j]
}

func (b *stBlob) scanEvidence() {
	for _, p := range stEvPatterns {
		from := 0
		for from < len(b.lower) {
			i := bytes.Index(b.lower[from:], []byte(p.s))
			if i < 0 {
				break
			}
			i += from
			from = i + len(p.s)
			if p.word && (i > 0 && stIsAlnum(b.lower[i-1]) || from < len(b.lower) && stIsAlnum(b.lower[from])) {
				continue
			}
			e := stEvidence{pos: i, kind: p.kind}
			if p.kind == evSFHost {
				hs := i
				for hs > 0 && (stIsAlnum(b.lower[hs-1]) || b.lower[hs-1] == '.' || b.lower[hs-1] == '-') {
					hs--
				}
				e.pos, e.host = hs, string(b.lower[hs:from])
				e.host = strings.TrimLeft(e.host, ".-")
				if e.host == "force.com" || e.host == "salesforce.com" {
					e.kind = evSFWord // a bare domain in prose
				}
				for _, d := range stDocHosts {
					if e.host == d {
						e.kind = evSFWord
					}
				}
			}
			b.ev = append(b.ev, e)
		}
	}
	b.scanTokenURLs()
	if lp := strings.ToLower(b.path); strings.Contains(lp, "salesforce") || strings.Contains(lp, "sfdc") {
		b.ev = append(b.ev, stEvidence{pos: 0, kind: evSFWord})
	}
	sort.SliceStable(b.ev, func(i, j int) bool { return b.ev[i].pos < b.ev[j].pos })
	for _, e := range b.ev {
		if e.kind == evOtherIdP {
			b.anyOther = true
		} else {
			b.anySF = true
		}
	}
}

// scanTokenURLs records an explicit http(s) token endpoint on a host that is not Salesforce's
// (https://api.hubapi.com/oauth/v1/token, https://sso.acme.example/connect/token) as another
// identity provider: a grant sent there is not a Salesforce call, whatever else the file
// mentions. Salesforce hosts and /services/ paths (a gateway in front of Salesforce) are not.
func (b *stBlob) scanTokenURLs() {
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("://"))
		if i < 0 {
			break
		}
		i += from
		from = i + 3
		start := i - 4
		if i >= 5 && string(l[i-5:i]) == "https" {
			start = i - 5
		} else if i < 4 || string(l[i-4:i]) != "http" {
			continue
		}
		hs := i + 3
		he := hs
		for he < len(l) && he-hs < 255 && (stIsAlnum(l[he]) || l[he] == '.' || l[he] == '-' || l[he] == ':') {
			he++
		}
		pe := he
		for pe < len(l) && pe-he < 300 && l[pe] > ' ' && !stIsQuote(l[pe]) && l[pe] != '<' && l[pe] != '>' && l[pe] != '}' && l[pe] != ')' {
			pe++
		}
		host, p := l[hs:he], l[he:pe]
		if !strings.Contains(string(host), ".") && !bytes.HasPrefix(host, []byte("localhost")) {
			continue // ${host}, a template
		}
		if !bytes.Contains(p, []byte("token")) || bytes.Contains(p, []byte("/services/")) || bytes.Contains(p, []byte("salesforce")) {
			continue
		}
		sfHost := false
		for _, w := range []string{"salesforce", "force.com", "sfcrm", "cloudforce", "database.com", "site.com"} {
			if bytes.Contains(host, []byte(w)) {
				sfHost = true
			}
		}
		if !sfHost {
			b.ev = append(b.ev, stEvidence{pos: start, kind: evOtherIdP})
		}
	}
}

// stEvWindow is how far (bytes) from a token request its endpoint or library may be named.
const stEvWindow = 4000

func stDist(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// sfContext decides whether the request near offset p goes to Salesforce. The nearest
// endpoint named around p wins (a Salesforce host or token path against another IdP's host);
// without any endpoint nearby, a Salesforce library or the word "salesforce" near p, or
// anywhere in a blob that names no other identity provider, is enough.
func (b *stBlob) sfContext(p int) bool {
	bestD, best := -1, stEvKind(0)
	nearLib := false
	for _, e := range b.evidenceIn(p-stEvWindow, p+stEvWindow+1) {
		switch e.kind {
		case evSFHost, evSFPath, evOtherIdP:
			if d := stDist(e.pos, p); bestD < 0 || d < bestD {
				bestD, best = d, e.kind
			}
		default:
			nearLib = true
		}
	}
	if bestD >= 0 {
		return best != evOtherIdP
	}
	return nearLib || b.anySF && !b.anyOther
}

// hasSF reports whether the blob holds any Salesforce evidence of the given kinds.
func (b *stBlob) hasSF(kinds ...stEvKind) bool {
	for _, e := range b.evidence() {
		for _, k := range kinds {
			if e.kind == k {
				return true
			}
		}
	}
	return false
}

// sfIn reports whether [lo,hi) names a Salesforce endpoint or library.
func (b *stBlob) sfIn(lo, hi int) bool {
	for _, e := range b.evidenceIn(lo, hi) {
		if e.kind == evSFHost || e.kind == evSFPath || e.kind == evSFLib {
			return true
		}
	}
	return false
}

// otherIn reports whether [lo,hi) names another identity provider.
func (b *stBlob) otherIn(lo, hi int) bool {
	for _, e := range b.evidenceIn(lo, hi) {
		if e.kind == evOtherIdP {
			return true
		}
	}
	return false
}

// hostNear returns the Salesforce host nearest to p (preferring My Domain hosts over the
// generic login hosts at equal standing), or "".
func (b *stBlob) hostNear(p int) string {
	bestD, host := -1, ""
	for _, e := range b.evidence() {
		if e.kind != evSFHost {
			continue
		}
		if d := stDist(e.pos, p); bestD < 0 || d < bestD {
			bestD, host = d, e.host
		}
	}
	return host
}

// ---- slots ----

// stRunHasSuffix reports whether the key run ends with suffix, ignoring case and the
// separators _ - . (so client_secret, clientSecret, client-secret, CLIENT.SECRET all match).
func stRunHasSuffix(run []byte, suffix string) bool {
	i := len(run) - 1
	for j := len(suffix) - 1; j >= 0; j-- {
		for i >= 0 && (run[i] == '_' || run[i] == '-' || run[i] == '.') {
			i--
		}
		if i < 0 {
			return false
		}
		c := run[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != suffix[j] {
			return false
		}
		i--
	}
	return true
}

func (b *stBlob) scanSlots() {
	d := b.data
	for i := 0; i < len(d); {
		if !stIsKeyByte(d[i]) {
			i++
			continue
		}
		j := i
		for j < len(d) && stIsKeyByte(d[j]) {
			j++
		}
		s, e := i, j
		i = j
		for e > s && (d[e-1] == '.' || d[e-1] == '-') {
			e--
		}
		if e-s < 4 || e-s > 120 {
			continue
		}
		run := d[s:e]
		kind, ok := stSlotKind(0), false
		for _, sf := range stSlotSuffixes {
			if stRunHasSuffix(run, sf.suffix) {
				kind, ok = sf.kind, true
				break
			}
		}
		if !ok {
			continue
		}
		if stIsTypeName(d, s) {
			continue // type="password": the field's type, not its name
		}
		if kind == slotPassword {
			skip := false
			for _, np := range stNotLoginPassword {
				if stRunHasSuffix(run, np) {
					skip = true
				}
			}
			if skip {
				continue
			}
		}
		b.slots = append(b.slots, stSlot{kind: kind, keyStart: s, keyEnd: e})
	}
}

// stIsTypeName reports whether the word at s is the value of a type attribute or property
// (type="password", "type": "password", inputType: 'password'): a kind, not a key.
func stIsTypeName(d []byte, s int) bool {
	i := s - 1
	if i >= 0 && stIsQuote(d[i]) {
		i--
	}
	for i >= 0 && stIsSpace(d[i]) {
		i--
	}
	if i < 0 || d[i] != '=' && d[i] != ':' {
		return false
	}
	i--
	if i >= 0 && stIsQuote(d[i]) {
		i--
	}
	for i >= 0 && stIsSpace(d[i]) {
		i--
	}
	e := i + 1
	for i >= 0 && stIsIdentByte(d[i]) {
		i--
	}
	w := string(d[i+1 : e])
	return strings.EqualFold(w, "type") || strings.HasSuffix(strings.ToLower(w), "_type") || len(w) > 4 && strings.HasSuffix(w, "Type")
}

// slotsIn returns the slots of kind whose key starts in [lo,hi) and that have a value.
func (b *stBlob) slotsIn(kind stSlotKind, lo, hi int) []stSlot {
	if !b.slotsDone {
		b.slotsDone = true
		if b.sh != nil {
			// The key runs are shared; parsed values are this detector's own.
			b.slots = append([]stSlot(nil), b.sh.slotKeys()...)
		} else {
			b.scanSlots()
		}
	}
	i := sort.Search(len(b.slots), func(i int) bool { return b.slots[i].keyStart >= lo })
	var out []stSlot
	for ; i < len(b.slots) && b.slots[i].keyStart < hi; i++ {
		s := &b.slots[i]
		if s.kind != kind {
			continue
		}
		if !s.parsed {
			// Values are parsed on first use: most keys of a large blob are never near a
			// grant, so their values (and variable resolution) cost nothing.
			s.parsed = true
			s.key = strings.ToLower(string(b.data[s.keyStart:s.keyEnd]))
			s.val, s.ok = b.valueAfterKey(s.keyStart, s.keyEnd)
		}
		if s.ok {
			out = append(out, *s)
		}
	}
	return out
}

// nearestSlot returns the slot of kind nearest to p within [lo,hi) for which keep is true.
func (b *stBlob) nearestSlot(kind stSlotKind, p, lo, hi int, keep func(stSlot) bool) (stSlot, bool) {
	var best stSlot
	bestD := -1
	for _, s := range b.slotsIn(kind, lo, hi) {
		if keep != nil && !keep(s) {
			continue
		}
		if d := stDist(s.keyStart, p); bestD < 0 || d < bestD {
			best, bestD = s, d
		}
	}
	return best, bestD >= 0
}

// stInString reports whether off sits inside a quoted string on its line, and which quote.
func stInString(data []byte, off int) (byte, bool) {
	var q byte
	for i := stLineStart(data, off); i < off && i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\\':
			i++
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case c == q:
			q = 0
		}
	}
	return q, q != 0
}

// valueAfterKey parses the value assigned to the key at [ks,ke) in any of the syntaxes seen
// in integrations: k=v (form, .env, properties), k: v (YAML, JSON, JS objects), k => v,
// k := v, "k", v (C# dictionary, form.Set, params.append), k("v") (setters), <k>v</k>,
// k="v" (XML attributes), and {"key": "k", "value": "v"} (Postman, Boomi fields).
func (b *stBlob) valueAfterKey(ks, ke int) (stValue, bool) {
	d := b.data
	n := len(d)
	i := ke
	quoted := ks > 0 && stIsQuote(d[ks-1])
	if i+1 < n && d[i] == '\\' && stIsQuote(d[i+1]) {
		i += 2
	} else if i < n && stIsQuote(d[i]) {
		i++
	}
	if i < n && d[i] == ']' {
		i++
	}
	for i < n && stIsSpace(d[i]) {
		i++
	}
	if i >= n {
		return stValue{}, false
	}
	// A key inside a string with '=' is a form field: grant_type=…&client_secret=….
	if q, in := stInString(d, ks); in && !quoted && d[i] == '=' && (i+1 >= n || d[i+1] != '=') {
		return b.formValue(i+1, q), true
	}
	// A percent-encoded form body (logs): client_secret%3D…%26….
	if i+2 < n && d[i] == '%' && d[i+1] == '3' && (d[i+2] == 'd' || d[i+2] == 'D') {
		j := i + 3
		for j < n && j-i < 300 && (stIsAlnum(d[j]) || d[j] == '.' || d[j] == '_' || d[j] == '-' || d[j] == '~') {
			j++
		}
		v := stClassifyLiteral(string(d[i+3:j]), i+3, j)
		return v, v.class != valNone
	}
	// Go: var clientSecret string = "…".
	if !quoted && strings.HasSuffix(strings.ToLower(b.path), ".go") && stIsIdentByte(d[i]) {
		if m := stTypedAssign(d, i); m > 0 {
			v := b.parseExpr(m, 1)
			return v, v.class != valNone
		}
	}
	sep := 0
	switch {
	case i+1 < n && d[i] == '=' && d[i+1] == '>', i+1 < n && d[i] == ':' && d[i+1] == '=':
		sep = 2
	case d[i] == '=' && (i+1 >= n || d[i+1] != '='):
		sep = 1
	case d[i] == ':' && (i+1 >= n || d[i+1] != ':'):
		sep = 1
	case d[i] == ',' && quoted:
		sep = 1
	case d[i] == '(':
		sep = 1
	case d[i] == '>' && ks > 0 && d[ks-1] == '<':
		// <consumerSecret>v</consumerSecret>: the value runs to the next '<'.
		j := i + 1
		k := bytes.IndexByte(d[j:min(n, j+4096)], '<')
		if k < 0 {
			return stValue{}, false
		}
		return stClassifyLiteral(strings.TrimSpace(string(d[j:j+k])), j+stLeadingSpace(d[j:j+k]), j+k), true
	}
	if sep == 0 {
		if quoted {
			return b.keyedValue(i)
		}
		return stValue{}, false
	}
	sepChar := d[i]
	i += sep
	multiline := quoted && (sepChar == ':' || sepChar == ',')
	for i < n && (stIsSpace(d[i]) || multiline && d[i] == '\n') {
		i++
	}
	// {"key": "client_secret", "value": "…"}: the value sits in the sibling "value" field.
	if quoted && sepChar == ',' && i < n && stIsQuote(d[i]) && bytes.HasPrefix(b.lower[i+1:], []byte("value")) {
		return b.keyedValue(i)
	}
	for i < n && (d[i] == '{' || d[i] == '[') {
		i++
		for i < n && stIsSpace(d[i]) {
			i++
		}
	}
	if sepChar == ':' && b.code {
		// secret: str = "…" / clientSecret: String = "…": the value follows the type. Parsed
		// before the type name, which the resolver would otherwise look up as a variable.
		if m := stTypedAssign(d, i); m > 0 {
			v := b.parseExpr(m, 1)
			return v, v.class != valNone
		}
	}
	v := b.typedValue(b.parseExpr(i, 0), sepChar)
	return v, v.class != valNone
}

// stTypedAssign reports whether the text at i is a type annotation followed by an
// assignment (String = , str = , Optional[str] = , string | undefined = ) and returns the
// offset of the assigned value, or 0.
func stTypedAssign(d []byte, i int) int {
	j := i
	// Type names, generics and unions: Map<String, String>, Optional[str], string | undefined,
	// Rust references and lifetimes: &str, &'static str.
	for j < len(d) && j-i < 80 && (stIsIdentByte(d[j]) || strings.IndexByte(".<>[]?| ,&", d[j]) >= 0 || d[j] == '\'' && j > i && d[j-1] == '&') {
		j++
	}
	for j > i && d[j-1] == ' ' {
		j--
	}
	if j == i || !stIsIdentByte(d[i]) && d[i] != '&' || d[i] >= '0' && d[i] <= '9' {
		return 0
	}
	k := j
	for k < len(d) && stIsSpace(d[k]) {
		k++
	}
	if k+1 >= len(d) || d[k] != '=' || d[k+1] == '=' || d[k+1] == '>' {
		return 0
	}
	k++
	for k < len(d) && stIsSpace(d[k]) {
		k++
	}
	return k
}

// typedValue handles a typed declaration, `secret: str = "…"` / `secret: string = '…'`: when
// the value after ':' is a bare type name followed by '=', the value is what follows '='.
func (b *stBlob) typedValue(v stValue, sepChar byte) stValue {
	if sepChar != ':' || v.class != valIdent && v.class != valExpr {
		return v
	}
	m := v.end
	for m < len(b.data) && stIsSpace(b.data[m]) {
		m++
	}
	if m+1 < len(b.data) && b.data[m] == '=' && b.data[m+1] != '=' {
		m++
		for m < len(b.data) && stIsSpace(b.data[m]) {
			m++
		}
		return b.parseExpr(m, 1)
	}
	return v
}

func stLeadingSpace(s []byte) int {
	k := 0
	for k < len(s) && (stIsSpace(s[k]) || s[k] == '\n') {
		k++
	}
	return k
}

// keyedValue finds the sibling value of a quoted key in {"key": "k", "value": "v"} (Postman)
// or <field id="k" type="…" value="v"/> (Boomi): a "value" name within the same object/element.
func (b *stBlob) keyedValue(i int) (stValue, bool) {
	end := min(len(b.data), i+240)
	for j := i; j < end; j++ {
		c := b.data[j]
		if c == '}' || c == '>' && (j == 0 || b.data[j-1] != '=') {
			break
		}
		if bytes.HasPrefix(b.lower[j:], []byte(`"key"`)) {
			break
		}
		if !bytes.HasPrefix(b.lower[j:], []byte("value")) || j > 0 && stIsIdentByte(b.lower[j-1]) {
			continue
		}
		k := j + 5
		if k < len(b.data) && stIsQuote(b.data[k]) {
			k++
		}
		for k < len(b.data) && stIsSpace(b.data[k]) {
			k++
		}
		if k >= len(b.data) || b.data[k] != ':' && b.data[k] != '=' {
			continue
		}
		k++
		for k < len(b.data) && (stIsSpace(b.data[k]) || b.data[k] == '\n') {
			k++
		}
		v := b.parseExpr(k, 0)
		if v.class == valLiteral && bytes.Contains(b.lower[i:j], []byte("encrypted")) {
			// <field … encrypted="true" value="…"/>: the platform stores the value encrypted.
			v.class = valEnv
		}
		return v, v.class != valNone
	}
	return stValue{}, false
}

// formValue parses a form-encoded value inside a string literal that ends with quote q:
// "…&client_secret=abc&…", "…client_secret=" + expr, f"…client_secret={secret}".
func (b *stBlob) formValue(i int, q byte) stValue {
	d := b.data
	n := len(d)
	j := i
	depth := 0
	for j < n && d[j] != '\n' {
		c := d[j]
		if c == '{' {
			depth++
		} else if c == '}' {
			depth--
		}
		if depth <= 0 && (c == '&' || c == q || c == ' ' || c == '\t' || c == '\\' || c == '\r') {
			break
		}
		if c == '}' && depth < 0 {
			break
		}
		j++
	}
	text := string(d[i:j])
	if text == "" {
		// "…&client_secret=" + expr
		k := j
		if k < n && d[k] == q {
			k++
		}
		for k < n && stIsSpace(d[k]) {
			k++
		}
		if k < n && (d[k] == '+' || d[k] == '.' || d[k] == '&') {
			k++
			for k < n && (stIsSpace(d[k]) || d[k] == '\n') {
				k++
			}
			return b.parseExpr(k, 0)
		}
		return stValue{}
	}
	if stIsFormatSpec(text) {
		return b.formatArg(i, j, q, text)
	}
	if v, ok := b.interpolation(text, i, j); ok {
		return v
	}
	return stClassifyLiteral(text, i, j)
}

// stIsFormatSpec reports whether a form value is a format specifier filled at run time:
// %s, %(name)s, {}, {0}.
func stIsFormatSpec(t string) bool {
	switch {
	case t == "%s" || t == "%r" || t == "%v" || t == "{}":
		return true
	case len(t) == 3 && t[0] == '{' && t[2] == '}' && t[1] >= '0' && t[1] <= '9':
		return true
	case strings.HasPrefix(t, "%(") && strings.HasSuffix(t, ")s"):
		return true
	}
	return false
}

// formatArg resolves a format specifier at [i,j) inside a string quoted with q to the
// argument that fills it: '…%s…' % (A, B), '…{}…'.format(A, B), format("…%s…", A, B)
// (Java, Go, C#'s {0}). Unresolvable specifiers are an expression of unknown origin, never a
// template placeholder: the string is sent at run time.
func (b *stBlob) formatArg(i, j int, q byte, spec string) stValue {
	d := b.data
	unknown := stValue{class: valExpr, text: spec, start: i, end: j}
	if q == 0 {
		return unknown
	}
	ls, le := stLineStart(d, i), stLineEnd(d, i)
	s := -1
	for k := i - 1; k >= ls; k-- {
		if d[k] == q && (k == 0 || d[k-1] != '\\') {
			s = k
			break
		}
	}
	e := bytes.IndexByte(d[j:le], q)
	if s < 0 || e < 0 {
		return unknown
	}
	e += j
	// Which argument: {N} names it; otherwise count the specifiers before this one.
	idx := 0
	if len(spec) == 3 && spec[0] == '{' {
		idx = int(spec[1] - '0')
	} else {
		before := string(d[s+1 : i])
		idx = strings.Count(before, "{}") + strings.Count(before, "%s") + strings.Count(before, "%r") +
			strings.Count(before, "%v") + strings.Count(before, "%d") - 2*strings.Count(before, "%%")
	}
	k := e + 1
	for k < len(d) && stIsSpace(d[k]) {
		k++
	}
	var args []stValue
	switch {
	case k < len(d) && d[k] == '%':
		k++
		for k < len(d) && stIsSpace(d[k]) {
			k++
		}
		if k < len(d) && d[k] == '(' {
			if c, ok := b.parseCall(k); ok {
				args = c.positional
			}
		} else if k < len(d) {
			args = []stValue{b.parseExpr(k, 1)}
		}
	case bytes.HasPrefix(b.lower[k:], []byte(".format(")):
		if c, ok := b.parseCall(k + len(".format")); ok {
			args = c.positional
		}
	case k < len(d) && d[k] == ',':
		// format("…", A, B): the rest of the enclosing call's arguments.
		for m := k + 1; m < len(d) && len(args) < 16; {
			for m < len(d) && (stIsSpace(d[m]) || d[m] == '\n') {
				m++
			}
			if m >= len(d) || d[m] == ')' {
				break
			}
			args = append(args, b.parseExpr(m, 1))
			next := stNextArg(d, m, min(len(d), m+400))
			if next <= m || next >= len(d) || d[next-1] != ',' {
				break
			}
			m = next
		}
	}
	if idx < 0 || idx >= len(args) || args[idx].class == valNone {
		return unknown
	}
	return args[idx]
}

// interpolation recognises a value that is exactly one interpolated variable: {name}
// (Python f-string, C# $""), ${name} (JS template, shell, Terraform), $name.
func (b *stBlob) interpolation(text string, s, e int) (stValue, bool) {
	t := text
	if strings.HasPrefix(t, "{{") {
		return stValue{class: valEnv, text: text, start: s, end: e}, true
	}
	if strings.HasPrefix(t, "${{") || strings.HasPrefix(t, "${secure::") || strings.HasPrefix(strings.ToLower(t), "$env:") {
		return stValue{class: valEnv, text: text, start: s, end: e}, true
	}
	name := ""
	switch {
	case strings.HasPrefix(t, "${") && strings.HasSuffix(t, "}"):
		name = t[2 : len(t)-1]
	case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
		name = t[1 : len(t)-1]
	case strings.HasPrefix(t, "$") && stIsIdentName(t[1:]):
		name = t[1:]
	default:
		return stValue{}, false
	}
	name = strings.TrimSpace(name)
	if IsEnvLookup(name) {
		return stValue{class: valEnv, text: text, start: s, end: e}, true
	}
	if !stIsIdentName(strings.ReplaceAll(name, ".", "_")) {
		return stValue{class: valExpr, text: text, start: s, end: e}, true
	}
	if v := b.resolve(name, s); v.class != valIdent {
		return v, true
	}
	if !b.code || strings.HasPrefix(name, "var.") {
		// Outside code, ${NAME} and $NAME are the environment (shell, CI, Terraform vars).
		return stValue{class: valEnv, text: text, start: s, end: e}, true
	}
	return stValue{class: valIdent, text: name, start: s, end: e}, true
}

func stIsIdentName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !stIsIdentByte(s[i]) {
			return false
		}
	}
	return true
}

// stSecretShaped reports whether a bare word looks like a credential rather than a variable
// name: a consumer key, a 64-hex or 19-digit secret, or a long mixed letters+digits token.
func stSecretShaped(s string) bool {
	for i := 0; i < len(s); i++ {
		if !stIsAlnum(s[i]) && strings.IndexByte("+/=._~-", s[i]) < 0 {
			return false
		}
	}
	if strings.HasPrefix(s, "3MVG") && len(s) >= 20 {
		return true
	}
	digits, letters, upper, lowerC := 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
			letters++
			upper++
		case c >= 'a' && c <= 'z':
			letters++
			lowerC++
		}
	}
	if len(s) >= 16 && digits > 0 && letters > 0 {
		return true
	}
	return len(s) >= 19 && digits == len(s)
}

// stClassifyLiteral classifies a written value: a reference (${X}, {{x}}, $X), a
// placeholder, nothing (empty, null, true/false), or the literal itself.
func stClassifyLiteral(text string, s, e int) stValue {
	v := stValue{class: valLiteral, text: text, start: s, end: e}
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		v.class = valNone
	case stIsRef(t):
		v.class = valEnv
	case IsPlaceholder(t):
		v.class = valPlaceholder
	case strings.EqualFold(t, "null") || strings.EqualFold(t, "none") || strings.EqualFold(t, "true") || strings.EqualFold(t, "false") || t == "''" || t == `""`:
		v.class = valNone
	}
	return v
}

// stIsRef reports whether written text is a reference to a value kept elsewhere rather than
// the value: ${VAR}, {{var}}, #{var}, $VAR, %VAR%, ${secure::x}, callout:Named_Credential,
// {!$Credential.Password}. It is narrower than IsEnvLookup on purpose: a quoted password
// that merely contains "vault" or "data." is still a password.
func stIsRef(t string) bool {
	l := strings.ToLower(t)
	for _, p := range []string{"${", "{{", "#{", "%(", "$(", "callout:", "{!$credential", "$env:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	if strings.Contains(l, "${secure::") || strings.Contains(l, "${{") || strings.Contains(l, "{{") {
		return true
	}
	if len(l) > 1 && l[0] == '$' && stIsIdentByte(l[1]) {
		return true
	}
	return len(l) > 2 && l[0] == '%' && l[len(l)-1] == '%'
}

// parseExpr parses the value expression starting at i: one operand (see parseOperand) and,
// when it is a literal, further operands joined by '+' ('pass' + 'token', "a" + B with B a
// constant), concatenated into one value.
func (b *stBlob) parseExpr(i int, depth int) stValue {
	d := b.data
	n := len(d)
	v, k := b.parseOperand(i, depth)
	for parts := 0; parts < 4 && v.class == valLiteral; parts++ {
		m := k
		for m < n && stIsSpace(d[m]) {
			m++
		}
		if m+1 >= n || d[m] != '+' || d[m+1] == '+' || d[m+1] == '=' {
			break
		}
		m++
		for m < n && (stIsSpace(d[m]) || d[m] == '\n') {
			m++
		}
		next, nk := b.parseOperand(m, depth+1)
		if next.class != valLiteral || nk <= m {
			break
		}
		v.text += next.text
		if next.start >= v.end && next.start-v.end < 200 {
			v.end = next.end
		}
		k = nk
	}
	return v
}

// parseOperand parses one operand at i: a quoted literal (string prefixes f/r/b/u/@/$ and
// JSON-escaped quotes allowed) or an unquoted word/expression. It returns the value and the
// offset just past the operand in the source.
func (b *stBlob) parseOperand(i int, depth int) (stValue, int) {
	d := b.data
	n := len(d)
	if i >= n || depth > 3 {
		return stValue{}, i
	}
	// String prefixes: f"…", r'…', b"…", u"…", @"…", $"…", $@"…".
	p := i
	for p < n && p-i < 2 && (d[p] == 'f' || d[p] == 'r' || d[p] == 'b' || d[p] == 'u' || d[p] == 'F' || d[p] == 'R' || d[p] == '@' || d[p] == '$') {
		p++
	}
	if p < n && p > i && stIsQuote(d[p]) && (p+1 < n) {
		i = p
	}
	escaped := false
	if i+1 < n && d[i] == '\\' && stIsQuote(d[i+1]) {
		escaped = true
		i++
	}
	if stIsQuote(d[i]) {
		q := d[i]
		s := i + 1
		j := s
		for j < n && d[j] != '\n' {
			if escaped && d[j] == '\\' && j+1 < n && d[j+1] == q {
				break
			}
			if d[j] == '\\' && !escaped {
				j += 2
				continue
			}
			if d[j] == q {
				break
			}
			j++
		}
		if j > n {
			j = n
		}
		if j >= n || d[j] != q && !escaped {
			return stValue{}, i
		}
		text := string(d[s:j])
		v, ok := b.interpolation(text, s, j)
		if !ok || !b.code && v.class == valIdent {
			v = stClassifyLiteral(text, s, j)
		}
		k := j + 1
		if escaped {
			k++
		}
		return v, k
	}
	// Unquoted <placeholder> (client_secret=<consumer_secret>, -d client_id=<your key>): a
	// template, unless the '>' is followed by more expression (a TypeScript <string>cast).
	if d[i] == '<' {
		if k := bytes.IndexByte(d[i+1:min(n, i+121)], '>'); k > 0 && bytes.IndexByte(d[i+1:i+1+k], '\n') < 0 && bytes.IndexByte(d[i+1:i+1+k], '<') < 0 {
			e := i + 2 + k
			if e >= n || !stIsIdentByte(d[e]) && d[e] != '.' && d[e] != '(' && d[e] != '[' {
				return stValue{class: valPlaceholder, text: string(d[i:e]), start: i, end: e}, e
			}
		}
	}
	// Unquoted: read a bracket-balanced expression up to a delimiter.
	j := i
	bd := 0
	for j < n && d[j] != '\n' && j-i < 300 {
		c := d[j]
		if c == '(' || c == '[' || c == '{' {
			bd++
		} else if c == ')' || c == ']' || c == '}' {
			if bd == 0 {
				break
			}
			bd--
		} else if bd == 0 && (c == ',' || c == ';' || c == '&' || stIsSpace(c) || c == '<' || c == '>' || stIsQuote(c)) {
			break
		}
		j++
	}
	text := strings.TrimRight(string(d[i:j]), ".")
	if text == "" {
		return stValue{}, i
	}
	te := i + len(text)
	if v, ok := b.interpolation(text, i, te); ok {
		return v, te
	}
	if strings.ContainsAny(text, "([.$%{:") && IsEnvLookup(text) {
		return stValue{class: valEnv, text: text, start: i, end: te}, te
	}
	if !b.code || b.shellish(i) || stSecretShaped(text) {
		return stClassifyLiteral(text, i, te), te
	}
	if stIsIdentName(text) {
		switch strings.ToLower(text) {
		case "null", "none", "nil", "true", "false", "undefined", "self", "this":
			return stValue{}, te
		}
		return b.resolve(text, i), te
	}
	// An expression: resolve the first variable in it that has a known value
	// (URLEncoder.encode(CLIENT_SECRET, UTF_8), EncodingUtil.urlEncode(secret, 'UTF-8')).
	for _, name := range stIdentsIn(text) {
		if v := b.resolve(name, i); v.class == valLiteral || v.class == valEnv {
			return v, te
		}
	}
	return stValue{class: valExpr, text: text, start: i, end: te}, te
}

// shellish reports whether the line holding off is a shell/CLI line (curl -d k=v), where a
// bare word is a value even in a code file's heredoc or comment.
func (b *stBlob) shellish(off int) bool {
	ls, le := stLineStart(b.lower, off), stLineEnd(b.lower, off)
	l := b.lower[ls:le]
	return bytes.Contains(l, []byte("curl ")) || bytes.Contains(l, []byte(" -d ")) || bytes.Contains(l, []byte("--data"))
}

// stAfterTypeColon reports whether the word at k sits in a type annotation position: after a
// single ':' (x: String, def f(a: str)), not a '::' path or a dict/JSON key's value.
func stAfterTypeColon(d []byte, k int) bool {
	i := k - 1
	for i >= 0 && stIsSpace(d[i]) {
		i--
	}
	if i < 1 || d[i] != ':' || d[i-1] == ':' {
		return false
	}
	return stIsIdentByte(d[i-1]) || d[i-1] == '?' || d[i-1] == ')'
}

// stIdentsIn lists the identifiers of an expression, skipping member names after a dot.
func stIdentsIn(expr string) []string {
	var out []string
	for i := 0; i < len(expr); {
		if !stIsIdentByte(expr[i]) || expr[i] >= '0' && expr[i] <= '9' {
			i++
			continue
		}
		j := i
		for j < len(expr) && stIsIdentByte(expr[j]) {
			j++
		}
		out = append(out, expr[i:j])
		i = j
	}
	return out
}

// stResolveBudget caps the variable look-ups per blob, keeping a blob full of assignments
// linear: past it, variables stay unresolved (a lower severity, never a wrong secret).
const stResolveBudget = 64

// resolve finds the value of variable name from its assignment in the blob (name = "…",
// NAME := "…", $name = '…', const name = `…`, static final String NAME = "…"). Unresolved
// names stay valIdent; resolution is one level deep plus aliases, at most 3 hops.
func (b *stBlob) resolve(name string, at int) stValue {
	unresolved := stValue{class: valIdent, text: name, start: at, end: at + len(name)}
	if v, ok := b.resolving[name]; ok {
		if v.class == valNone {
			return unresolved
		}
		return v
	}
	if b.depth > 3 || len(name) < 2 || b.resolveBudget >= stResolveBudget {
		return unresolved
	}
	b.resolveBudget++
	b.resolving[name] = stValue{} // cycle guard
	b.depth++
	defer func() { b.depth-- }()
	short := name
	if k := strings.LastIndexByte(short, '.'); k >= 0 {
		short = short[k+1:]
	}
	found := stValue{}
	d := b.data
	from, tries := 0, 0
	for from < len(d) && tries < 64 {
		k := bytes.Index(d[from:], []byte(short))
		if k < 0 {
			break
		}
		k += from
		from = k + len(short)
		if k > 0 && stIsIdentByte(d[k-1]) || from < len(d) && stIsIdentByte(d[from]) {
			continue
		}
		tries++
		if stAfterTypeColon(d, k) {
			continue // "x: String = …" declares x, not String
		}
		m := from
		for m < len(d) && stIsSpace(d[m]) {
			m++
		}
		if m < len(d) && stIsQuote(d[m]) && k > 0 && d[k-1] == d[m] {
			// "NAME": value in a dict or JSON.
			m++
			for m < len(d) && stIsSpace(d[m]) {
				m++
			}
		}
		if m >= len(d) {
			break
		}
		var sepChar byte
		switch {
		case m+1 < len(d) && d[m] == ':' && d[m+1] == '=':
			m += 2
		case d[m] == '=' && (m+1 >= len(d) || d[m+1] != '=' && d[m+1] != '>'):
			m++
		case d[m] == ':' && (m+1 >= len(d) || d[m+1] != ':'):
			sepChar = ':'
			m++
		default:
			continue
		}
		for m < len(d) && stIsSpace(d[m]) {
			m++
		}
		if sepChar == ':' && b.code {
			// const NAME: &str = "…", NAME: String = "…"
			if t := stTypedAssign(d, m); t > 0 {
				m, sepChar = t, 0
			}
		}
		v := b.typedValue(b.parseExpr(m, 1), sepChar)
		if v.class == valLiteral || v.class == valEnv || v.class == valPlaceholder {
			found = v
			break
		}
	}
	b.resolving[name] = found
	if found.class == valNone {
		return unresolved
	}
	return found
}
