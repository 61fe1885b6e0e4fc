package detectors

import (
	"bytes"
	"path"
	"strings"
)

// tokenCallDetector finds requests to a Salesforce token endpoint with the client credentials
// grant (rule sf-client-credentials-call): a literal grant_type=client_credentials in any
// request syntax, or the grant implied by a Salesforce library or connector
// (simple_salesforce, golang.org/x/oauth2/clientcredentials, Mule, Laravel forrest).
type tokenCallDetector struct{}

var _ Detector = tokenCallDetector{}

// Name implements Detector.
func (tokenCallDetector) Name() string { return "structural/token-call" }

// Keywords implements Detector: the grant in its spellings, simple_salesforce's
// consumer_secret argument (its client-credentials path names no grant) and requests-oauthlib's
// BackendApplicationClient (neither does it).
func (tokenCallDetector) Keywords() []string {
	return []string{"client_credentials", "clientcredentials", "client-credentials", "consumer_secret", "backendapplicationclient"}
}

// Detect implements Detector.
func (d tokenCallDetector) Detect(path string, data []byte) []Match {
	return d.detect(newStBlob(path, data))
}

func (d tokenCallDetector) detectShared(sh *stShared) []Match { return d.detect(sh.blob()) }

func (tokenCallDetector) detect(b *stBlob) []Match {
	var out []Match
	for _, m := range b.grantMarkers("client_credentials", true) {
		out = b.ccFromMarker(out, m)
	}
	for _, m := range b.grantMarkers("clientcredentials", true) {
		out = b.ccFromMarker(out, m)
	}
	out = b.ccGoClientCredentials(out)
	out = b.ccImpliedByLibrary(out)
	out = b.ccMule(out)
	out = b.ccSimpleSalesforce(out)
	return stDedupe(out)
}

// ccCallWindow is how far (bytes) from the grant the call's client id and secret may sit.
const ccCallWindow = 2500

// grantMarkers returns the offsets of word (lower-case) used as the value of a grant-type
// key: grant_type=word, "grant_type": "word", {"key":"grant_type","value":"word"},
// AuthorizationGrantType.WORD, grantType="word", auth-type=WORD (Camel),
// SF_AUTH_METHOD=Word (forrest). withAuth also accepts auth-type/auth_method keys.
func (b *stBlob) grantMarkers(word string, withAuth bool) []int {
	var out []int
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte(word))
		if i < 0 {
			break
		}
		i += from
		from = i + len(word)
		pctEq := i >= 3 && string(l[i-3:i]) == "%3d" // grant_type%3Dclient_credentials
		if i > 0 && stIsIdentByte(l[i-1]) && !pctEq || from < len(l) && stIsIdentByte(l[from]) && !bytes.HasPrefix(l[from:], []byte("%26")) {
			continue
		}
		if b.grantKeyBefore(i, withAuth) {
			out = append(out, i)
		}
	}
	return out
}

// grantKeyBefore reports whether the text just before off is a grant-type key followed only
// by separators (quotes, =, :, comma, dots, brackets) and the words value/type/string/text
// that Postman and Boomi put between a field's name and its value.
func (b *stBlob) grantKeyBefore(off int, withAuth bool) bool {
	lo := max(0, off-120)
	win := b.lower[lo:off]
	k := bytes.LastIndex(win, []byte("grant"))
	if withAuth {
		if a := bytes.LastIndex(win, []byte("auth")); a > k {
			k = a
		}
	}
	if k < 0 {
		return false
	}
	j := k
	for j < len(win) && (stIsIdentByte(win[j]) || win[j] == '-') {
		j++
	}
	newlines := 0
	for j < len(win) {
		c := win[j]
		switch {
		case c == '\n':
			newlines++
			if newlines > 2 {
				return false
			}
			j++
		case stIsSpace(c) || stIsQuote(c) || strings.IndexByte("=:,>({[]).\\", c) >= 0:
			j++
		case c == '%' && j+2 < len(win) && win[j+1] == '3' && (win[j+2] == 'd' || win[j+2] == 'a'):
			j += 3 // percent-encoded '=' or ':'
		case c == '%' && j+2 < len(win) && win[j+1] == '2' && win[j+2] == '2':
			j += 3 // percent-encoded '"'

		case stIsIdentByte(c):
			e := j
			for e < len(win) && stIsIdentByte(win[e]) {
				e++
			}
			switch string(win[j:e]) {
			case "value", "type", "string", "text", "new":
			default:
				return false
			}
			j = e
		default:
			return false
		}
	}
	return true
}

// stSecretPick is the secret chosen for a token call and how it was written.
type stSecretPick struct {
	val       stValue
	key       string // consumer key, raw, if found
	found     bool
	fromBasic bool
}

// pickSecret chooses the client secret of the call around p within [lo,hi): the nearest
// secret slot, or an HTTP Basic 3MVG…:secret pair when that is the only literal.
func (b *stBlob) pickSecret(p, lo, hi int) stSecretPick {
	var pk stSecretPick
	if s, ok := b.nearestSlot(slotSecret, p, lo, hi, func(s stSlot) bool { return s.val.class != valNone }); ok {
		pk.val, pk.found = s.val, true
	}
	if pk.val.class != valLiteral {
		for _, bp := range b.basicPairs(lo, hi) {
			if bp.env && pk.found {
				continue
			}
			cls := valLiteral
			if bp.env {
				cls = valEnv
			}
			pk.val, pk.key, pk.found, pk.fromBasic = stValue{class: cls, text: bp.secret, start: bp.start, end: bp.end}, bp.key, true, true
			if !bp.env {
				break
			}
		}
	}
	if pk.key == "" {
		if s, ok := b.nearestSlot(slotID, p, lo, hi, func(s stSlot) bool { return s.val.class == valLiteral }); ok {
			pk.key = s.val.text
		}
	}
	return pk
}

// ccMatch builds the sf-client-credentials-call match reported on the line holding at.
func (b *stBlob) ccMatch(at int, how string, pk stSecretPick, host string) (Match, bool) {
	if pk.found && pk.val.class == valPlaceholder {
		// A documentation template (client_secret=YOUR_SECRET) is not an integration.
		return Match{}, false
	}
	ls, le := stLineStart(b.data, at), stLineEnd(b.data, at)
	m := Match{
		RuleID:      RuleClientCredentials,
		Start:       at,
		End:         le,
		Host:        host,
		ConsumerKey: pk.key,
		Severity:    "medium",
	}
	if m.End <= m.Start {
		m.End = min(len(b.data), m.Start+1)
	}
	switch pk.val.class {
	case valLiteral:
		m.Secret, m.Severity = pk.val.text, "critical"
		m.Description = "Salesforce client credentials token request (" + how + ") with a hard-coded client secret"
	case valEnv:
		m.FromEnv = true
		m.Description = "Salesforce client credentials token request (" + how + "); the client secret comes from the environment or a secret store"
	default:
		m.Description = "Salesforce client credentials token request (" + how + "); the client secret's source was not found"
	}
	if m.Secret == "" && pk.val.class != valLiteral {
		// Without a literal secret, the finding's identity is where the secret comes from
		// (os.environ["SF_CLIENT_SECRET"], a variable name), else the call line itself.
		m.Secret = strings.TrimSpace(pk.val.text)
	}
	if m.Secret == "" {
		m.Secret = strings.TrimSpace(string(b.data[ls:le]))
		if len(m.Secret) > 200 {
			m.Secret = m.Secret[:200]
		}
	}
	return m, true
}

// ccFromMarker reports the call whose grant_type=client_credentials sits at p.
func (b *stBlob) ccFromMarker(out []Match, p int) []Match {
	if !b.sfContext(p) {
		return out
	}
	lo, hi := p-ccCallWindow, p+ccCallWindow
	pk := b.pickSecret(p, lo, hi)
	_, hasID := b.nearestSlot(slotID, p, lo, hi, nil)
	// A bare mention of the grant (prose, a list of supported grants) is not a request: ask
	// for a credential slot, or a token endpoint / Salesforce connector near the grant.
	// In documentation (Markdown, reStructuredText, plain text), a grant with no credential
	// slot near it is prose about the flow, even next to the token endpoint's path.
	if !pk.found && !hasID && (!b.sfIn(p-ccCallWindow, p+ccCallWindow) || stIsProse(b.path)) {
		return out
	}
	// A documentation example reads its secret from somewhere (os.environ, $SF_SECRET): it
	// explains the flow without values. Only a literal secret makes it a finding.
	if stIsProse(b.path) && pk.val.class != valLiteral {
		return out
	}
	if m, ok := b.ccMatch(p, "grant_type=client_credentials", pk, b.hostNear(p)); ok {
		out = append(out, m)
	}
	return out
}

// stProseExts are documentation formats: text for people, where a grant is usually named in
// a sentence rather than sent.
var stProseExts = map[string]bool{
	".md": true, ".markdown": true, ".mdx": true, ".rst": true, ".adoc": true, ".asciidoc": true,
	".txt": true, ".textile": true, ".org": true, ".wiki": true,
}

// stIsProse reports whether p is a documentation file (by extension, or an extension-less
// README/CHANGELOG-style name).
func stIsProse(p string) bool {
	base := strings.ToLower(path.Base(strings.ReplaceAll(p, "\\", "/")))
	if stProseExts[path.Ext(base)] {
		return true
	}
	for _, n := range []string{"readme", "changelog", "changes", "history", "notes", "contributing"} {
		if base == n {
			return true
		}
	}
	return false
}

// ccGoClientCredentials reports golang.org/x/oauth2/clientcredentials.Config literals whose
// TokenURL is a Salesforce token endpoint; the grant is implied by the package.
func (b *stBlob) ccGoClientCredentials(out []Match) []Match {
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("clientcredentials.config"))
		if i < 0 {
			break
		}
		i += from
		from = i + 24
		o := bytes.IndexByte(l[from:min(len(l), from+8)], '{')
		if o < 0 {
			continue
		}
		open := from + o
		end := stMatchBrace(b.data, open, 4096)
		if end < 0 {
			continue
		}
		if !b.sfIn(open, end) && (b.otherIn(open, end) || !b.sfContext(i)) {
			continue
		}
		pk := b.pickSecret(i, open, end)
		if !pk.found {
			pk = b.pickSecret(i, i-ccCallWindow, i+ccCallWindow)
		}
		if m, ok := b.ccMatch(i, "golang.org/x/oauth2 clientcredentials.Config", pk, b.hostNear(i)); ok {
			out = append(out, m)
		}
	}
	return out
}

// stImpliedGrantCalls are OAuth client classes and calls whose grant is client credentials:
// requests-oauthlib BackendApplicationClient(…), .NET IdentityModel
// RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest { … }), simple-oauth2
// new ClientCredentials({…}), httpx_auth / requests_auth OAuth2ClientCredentials(…), Spring
// Security OAuth ClientCredentialsResourceDetails.
var stImpliedGrantCalls = []string{
	"backendapplicationclient", "requestclientcredentialstokenasync", "clientcredentialstokenrequest",
	"oauth2clientcredentials", "clientcredentials", "clientcredentialsresourcedetails",
}

// ccImpliedByLibrary reports calls of those classes (a '(' or '{' follows the name) whose
// token endpoint, within the call's reach, is Salesforce's. One match per line.
func (b *stBlob) ccImpliedByLibrary(out []Match) []Match {
	l := b.lower
	lines := map[int]bool{}
	for _, name := range stImpliedGrantCalls {
		for from := 0; from < len(l); {
			i := bytes.Index(l[from:], []byte(name))
			if i < 0 {
				break
			}
			i += from
			from = i + len(name)
			if i > 0 && stIsIdentByte(l[i-1]) && !(name == "clientcredentials" && bytes.HasSuffix(l[:i], []byte("new "))) {
				continue
			}
			if name == "clientcredentials" && !bytes.HasSuffix(l[:i], []byte("new ")) {
				continue // simple-oauth2 only as "new ClientCredentials(": the bare word is too common
			}
			j := from
			for j < len(l) && (stIsSpace(l[j]) || l[j] == '\n') && j-from < 8 {
				j++
			}
			if j >= len(l) || l[j] != '(' && l[j] != '{' || stIsIdentByte(l[from]) {
				continue
			}
			ls := stLineStart(b.data, i)
			if lines[ls] {
				continue
			}
			lo, hi := i-ccCallWindow, i+ccCallWindow
			if !b.sfIn(lo, hi) || !b.sfContext(i) {
				continue
			}
			pk := b.pickSecret(i, lo, hi)
			if !pk.found {
				// simple-oauth2: client: { id: …, secret: … }
				if v, ok := b.bareSecretIn(j, min(len(b.data), j+800)); ok {
					pk.val, pk.found = v, true
				}
			}
			if m, ok := b.ccMatch(i, "client credentials implied by an OAuth client class", pk, b.hostNear(i)); ok {
				lines[ls] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// bareSecretIn finds a key named exactly "secret" (secret: …, "secret": …) in [lo,hi) and
// returns its value.
func (b *stBlob) bareSecretIn(lo, hi int) (stValue, bool) {
	l := b.lower
	for from := lo; from < hi; {
		k := bytes.Index(l[from:hi], []byte("secret"))
		if k < 0 {
			break
		}
		k += from
		from = k + 6
		if k > 0 && (stIsIdentByte(l[k-1]) || l[k-1] == '.' || l[k-1] == '-') || from < len(l) && stIsIdentByte(l[from]) {
			continue
		}
		if v, ok := b.valueAfterKey(k, from); ok && v.class != valNone {
			return v, true
		}
	}
	return stValue{}, false
}

// stMatchBrace returns the offset of the brace/bracket/paren closing the one at open (within
// limit bytes), skipping quoted strings; -1 when unbalanced.
func stMatchBrace(d []byte, open, limit int) int {
	if open >= len(d) {
		return -1
	}
	oc := d[open]
	var cc byte
	switch oc {
	case '{':
		cc = '}'
	case '(':
		cc = ')'
	case '[':
		cc = ']'
	default:
		return -1
	}
	depth := 0
	var q byte
	for i := open; i < len(d) && i-open < limit; i++ {
		c := d[i]
		if q != 0 {
			if c == '\\' {
				i++
			} else if c == q || c == '\n' && q != '`' && q != '"' && q != '\'' {
				q = 0
			}
			continue
		}
		switch {
		case c == '"' || c == '\'' || c == '`':
			q = c
		case c == oc:
			depth++
		case c == cc:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// stTagEnd returns the offset just past the '>' closing the XML tag that starts at lt.
func stTagEnd(d []byte, lt, limit int) int {
	var q byte
	for i := lt; i < len(d) && i-lt < limit; i++ {
		c := d[i]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			q = c
		} else if c == '>' {
			return i + 1
		}
	}
	return -1
}

// ccMule reports Mule 4 Salesforce connector client-credentials connections:
// <salesforce:oauth-client-credentials-connection> with an inner
// <salesforce:oauth-client-credentials clientId=… clientSecret=… tokenUrl=…/>, or the
// attributes directly on the connection element. Reported on the connection element's line.
func (b *stBlob) ccMule(out []Match) []Match {
	l := b.lower
	const name = "oauth-client-credentials"
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte(name))
		if i < 0 {
			break
		}
		i += from
		from = i + len(name)
		// The element's start: '<' then an optional prefix.
		lt := i - 1
		for lt >= 0 && lt > i-40 && (stIsKeyByte(l[lt]) || l[lt] == ':') {
			lt--
		}
		if lt < 0 || l[lt] != '<' {
			continue
		}
		prefix := string(l[lt+1 : i])
		isConn := bytes.HasPrefix(l[from:], []byte("-connection"))
		tagEnd := stTagEnd(b.data, lt, 4096)
		if tagEnd < 0 {
			continue
		}
		selfClosing := tagEnd >= 2 && b.data[tagEnd-2] == '/'
		// The secret sits on the element that carries the attributes: the connection itself,
		// or its inner credentials element.
		credStart, credEnd := lt, tagEnd
		if isConn && !selfClosing {
			// The connection element is the line that names the grant (it selects the flow);
			// its inner credentials element supplies the secret and is not reported again.
			closeTag := bytes.Index(l[tagEnd:min(len(l), tagEnd+8192)], []byte("</"+prefix+name+"-connection"))
			inner := bytes.Index(l[tagEnd:min(len(l), tagEnd+8192)], []byte("<"+prefix+name))
			if inner >= 0 && (closeTag < 0 || inner < closeTag) {
				innerStart := tagEnd + inner
				if innerEnd := stTagEnd(b.data, innerStart, 4096); innerEnd > innerStart {
					credStart, credEnd = innerStart, innerEnd
					from = innerEnd
				}
			}
		} else if !isConn && !bytes.HasPrefix(l[from:], []byte(" ")) && !bytes.HasPrefix(l[from:], []byte("\n")) &&
			!bytes.HasPrefix(l[from:], []byte("\t")) && !bytes.HasPrefix(l[from:], []byte("/")) && !bytes.HasPrefix(l[from:], []byte(">")) &&
			!bytes.HasPrefix(l[from:], []byte("\r")) {
			continue
		}
		sf := prefix == "salesforce:" || b.sfIn(lt, tagEnd)
		if !sf && (b.otherIn(lt, tagEnd) || !b.hasSF(evSFLib) || !bytes.Contains(l, []byte("<salesforce:"))) {
			continue
		}
		pk := b.pickSecret(credStart, credStart, credEnd)
		if m, ok := b.ccMatch(lt, "Mule Salesforce connector oauth-client-credentials", pk, b.hostNear(credStart)); ok {
			out = append(out, m)
		}
	}
	return out
}

// stCall is a parsed call: named arguments (lower-cased names) and positional ones.
type stCall struct {
	open, close int
	named       map[string]stValue
	namedAt     map[string]int
	positional  []stValue
	posAt       []int
}

// parseCall parses the argument list of the call whose '(' is at open: name=value pairs
// (Python keywords) and positional values.
func (b *stBlob) parseCall(open int) (stCall, bool) {
	c := stCall{open: open, named: map[string]stValue{}, namedAt: map[string]int{}}
	end := stMatchBrace(b.data, open, 4096)
	if end < 0 {
		return c, false
	}
	c.close = end
	d := b.data
	i := open + 1
	for i < end {
		for i < end && (stIsSpace(d[i]) || d[i] == '\n' || d[i] == ',') {
			i++
		}
		if i >= end {
			break
		}
		// name = value?
		j := i
		for j < end && stIsIdentByte(d[j]) {
			j++
		}
		k := j
		for k < end && stIsSpace(d[k]) {
			k++
		}
		argStart := i
		if j > i && k < end && d[k] == '=' && (k+1 >= end || d[k+1] != '=') {
			name := strings.ToLower(string(d[i:j]))
			k++
			for k < end && (stIsSpace(d[k]) || d[k] == '\n') {
				k++
			}
			c.named[name] = b.parseExpr(k, 0)
			c.namedAt[name] = k
			argStart = k
		} else {
			c.positional = append(c.positional, b.parseExpr(i, 0))
			c.posAt = append(c.posAt, i)
		}
		// Skip to the next top-level comma.
		next := stNextArg(d, argStart, end)
		if next <= i {
			break
		}
		i = next
	}
	return c, true
}

// stNextArg returns the offset after the top-level comma following from (or end).
func stNextArg(d []byte, from, end int) int {
	depth := 0
	var q byte
	for i := from; i < end; i++ {
		c := d[i]
		if q != 0 {
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			q = c
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				return i + 1
			}
		}
	}
	return end
}

// ccSimpleSalesforce reports simple_salesforce Salesforce(...) calls on its client
// credentials path: consumer_key + consumer_secret + a domain other than login/test, and no
// username, password or private key (those select the password and JWT paths).
func (b *stBlob) ccSimpleSalesforce(out []Match) []Match {
	if !b.hasSimpleSalesforce() {
		return out
	}
	for _, c := range b.simpleSalesforceCalls() {
		ck, okK := c.named["consumer_key"]
		cs, okS := c.named["consumer_secret"]
		dom, okD := c.named["domain"]
		if !okK || !okS || !okD {
			continue
		}
		if _, ok := c.named["username"]; ok {
			continue
		}
		if _, ok := c.named["password"]; ok {
			continue
		}
		if _, ok := c.named["privatekey"]; ok {
			continue
		}
		if _, ok := c.named["privatekey_file"]; ok {
			continue
		}
		host := ""
		if dom.class == valLiteral {
			d := strings.ToLower(strings.TrimSpace(dom.text))
			if d == "login" || d == "test" {
				continue
			}
			host = d + ".salesforce.com"
		}
		at := c.open - len("salesforce")
		pk := stSecretPick{val: cs, found: true}
		if ck.class == valLiteral {
			pk.key = ck.text
		}
		if m, ok := b.ccMatch(at, "simple_salesforce consumer_key/consumer_secret/domain", pk, host); ok {
			out = append(out, m)
		}
	}
	return out
}

func (b *stBlob) hasSimpleSalesforce() bool {
	return bytes.Contains(b.lower, []byte("simple_salesforce")) || bytes.Contains(b.lower, []byte("simple-salesforce"))
}

// simpleSalesforceCalls returns the parsed Salesforce(...) calls of a simple_salesforce user.
func (b *stBlob) simpleSalesforceCalls() []stCall {
	var out []stCall
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte("salesforce("))
		if i < 0 {
			break
		}
		i += from
		from = i + len("salesforce(")
		if i > 0 && (stIsIdentByte(l[i-1])) {
			continue
		}
		if c, ok := b.parseCall(from - 1); ok {
			out = append(out, c)
		}
	}
	return out
}

// stDedupe drops matches with the same rule on the same line, keeping the first (the most
// specific detectors run first) and preferring one with a literal secret.
func stDedupe(ms []Match) []Match {
	type key struct {
		rule string
		off  int
	}
	seen := map[key]int{}
	var out []Match
	for _, m := range ms {
		k := key{m.RuleID, m.Start}
		if j, ok := seen[k]; ok {
			if out[j].Severity != "critical" && m.Severity == "critical" {
				out[j] = m
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, m)
	}
	return out
}
