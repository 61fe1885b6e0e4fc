package detectors

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
)

// Shared helpers for judging the text around a candidate secret. Detectors (regex rules and
// the structural detectors alike) call these so that "is this Salesforce?" has one answer.
// All searches are ASCII case-insensitive and allocate nothing per call beyond the result.

// LineBounds returns the byte range [start, end) of the line holding offset off; end stops
// before the line's '\n' (and a '\r' before it). Offsets outside data are clamped.
func LineBounds(data []byte, off int) (start, end int) {
	if off < 0 {
		off = 0
	}
	if off > len(data) {
		off = len(data)
	}
	start = bytes.LastIndexByte(data[:off], '\n') + 1
	end = bytes.IndexByte(data[off:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += off
	}
	if end > start && data[end-1] == '\r' {
		end--
	}
	return start, end
}

// LinesAround returns the byte range covering the line that holds off plus up to before
// lines above it and after lines below it.
func LinesAround(data []byte, off, before, after int) (start, end int) {
	start, end = LineBounds(data, off)
	for i := 0; i < before && start > 0; i++ {
		start = bytes.LastIndexByte(data[:start-1], '\n') + 1
	}
	for i := 0; i < after && end < len(data); i++ {
		next := bytes.IndexByte(data[end+1:], '\n')
		if next < 0 {
			end = len(data)
			break
		}
		end += 1 + next
	}
	return start, end
}

// IndexFold returns the index of the first ASCII case-insensitive occurrence of needle in
// data, or -1. needle must be lower-case.
func IndexFold(data []byte, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 'a' + 'A'
	}
	for i := 0; i+n <= len(data); {
		// Jump to the next byte that can start a match.
		j := bytes.IndexByte(data[i:len(data)-n+1], first)
		if upper != first {
			if k := bytes.IndexByte(data[i:len(data)-n+1], upper); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if equalFold(data[i:i+n], needle) {
			return i
		}
		i++
	}
	return -1
}

// ContainsFold reports whether data holds the lower-case needle, ignoring ASCII case.
func ContainsFold(data []byte, needle string) bool { return IndexFold(data, needle) >= 0 }

// ContainsAnyFold reports whether data holds any of the lower-case needles.
func ContainsAnyFold(data []byte, needles []string) bool {
	for _, n := range needles {
		if IndexFold(data, n) >= 0 {
			return true
		}
	}
	return false
}

func equalFold(b []byte, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// SalesforceMarkers are lower-case words that tie a blob to Salesforce. Weak markers such as
// "sf_" are included: they only ever add to a rule that already requires a secret-ish name.
var SalesforceMarkers = []string{
	"salesforce", "sfdc", "force.com", "sforce", "3mvg", "jsforce", "nforce", "sfdx",
	"/services/oauth2/", "/services/data/", "/services/soap/", "sf_", "sf.", "sf-",
	"simple_salesforce", "connectedapp", "externalclientapp", "ecaglbloauth", "soql",
	"pardot", "mulesoft", "sfcrmproducts",
}

// strongSalesforceMarkers are the markers that cannot plausibly name another provider.
var strongSalesforceMarkers = []string{
	"salesforce", "sfdc", "force.com", "sforce", "3mvg", "jsforce", "nforce", "sfdx",
	"/services/oauth2/", "/services/data/", "/services/soap/", "connectedapp", "sfcrmproducts",
}

// HasSalesforceContext reports whether data mentions Salesforce anywhere (see
// SalesforceMarkers).
// It is asked of every blob that mentions a secret, so it runs as one pass over data
// (docs/performance.md: 21 passes took over a third of a history scan's CPU).
func HasSalesforceContext(data []byte) bool { return salesforceMarkerSet.containsAny(data) }

// salesforceMarkerSet is SalesforceMarkers compiled once; SalesforceMarkers is not changed
// at run time.
var salesforceMarkerSet = newFoldSet(SalesforceMarkers)

// otherIdPMarkers name identity providers whose client secrets are not Salesforce findings.
var otherIdPMarkers = []string{
	"login.microsoftonline.com", "microsoftonline", "azure", "entra id", "microsoft entra", "msal", "b2clogin",
	"auth0", "okta", "accounts.google.com", "googleapis.com", "oauth2.googleapis",
	"cognito", "keycloak", "onelogin", "pingidentity", "github.com/login/oauth",
	"api.twitter.com", "graph.facebook.com", "slack.com/api", "hubspot", "zoho",
}

// OtherIdentityProviderNear reports whether another identity provider (Entra ID, Auth0, Okta,
// Google, …) is named closer to off than any strong Salesforce marker, within 4 KiB. A
// client secret there belongs to that provider.
func OtherIdentityProviderNear(data []byte, off int) bool {
	const radius = 4096
	lo, hi := max(0, off-radius), min(len(data), off+radius)
	if lo >= hi {
		return false
	}
	// Lower-case the window once (pooled) so every marker is a SIMD bytes.Index.
	bp := lowerPool.Get().(*[]byte)
	defer lowerPool.Put(bp)
	*bp = lowerASCII(*bp, data[lo:hi])
	idp := minDistIn(*bp, off-lo, otherIdPMarkers)
	if idp < 0 {
		return false
	}
	sf := minDistIn(*bp, off-lo, strongSalesforceMarkers)
	return sf < 0 || idp < sf
}

var lowerPool = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

// minDistIn returns the distance from off to the closest occurrence of any word in lower
// (0 when one covers off), or -1.
func minDistIn(lower []byte, off int, words []string) int {
	best := -1
	for _, w := range words {
		for i := 0; i < len(lower); {
			j := bytes.Index(lower[i:], []byte(w))
			if j < 0 {
				break
			}
			p := i + j
			d := 0
			switch {
			case p > off:
				d = p - off
			case p+len(w) < off:
				d = off - (p + len(w))
			}
			if best < 0 || d < best {
				best = d
			}
			if p >= off {
				break
			}
			i = p + 1
		}
	}
	return best
}

// jwtBearerMarkers say a blob authenticates with the JWT bearer flow, where the consumer key
// is only a client id and no secret is involved.
var jwtBearerMarkers = []string{
	"urn:ietf:params:oauth:grant-type:jwt-bearer", "grant-type:jwt-bearer", "jwt-bearer",
	"jwt_bearer", "jwtbearer", "org login jwt", "auth:jwt:grant", "force:auth:jwt",
	"--jwt-key-file", "--jwtkeyfile", "jwt-key-file", "jwtkeyfile", "privatekey_file",
	"privatekey=", "privatekey:", "private_key_file", "oauth-jwt-connection", "jwt-connection",
	"privatekeyfile", "jwt.encode", "jwt.sign", "jwts.builder", "signwith(", "rs256",
	// The Terraform Salesforce provider (client_id + private_key + username) and other
	// private_key arguments: a key signs the assertion, no secret is sent.
	"private_key",
	// .NET, Java and jose signers of the assertion.
	"rsasha256", "sha256withrsa", "jwtsecuritytoken", "jsonwebtokenhandler", "signjwt",
}

// secretNameMarkers are names under which a consumer secret would be written.
var secretNameMarkers = []string{
	"client_secret", "clientsecret", "client-secret", "consumer_secret", "consumersecret",
	"consumer-secret", "client secret", "consumer secret",
}

// IsJWTBearerContext reports whether data authenticates with the JWT bearer flow (grant type
// jwt-bearer, sf org login jwt, simple_salesforce privatekey, jsforce JWT) and names no
// consumer secret. A consumer key there is a client id, not a leak.
func IsJWTBearerContext(data []byte) bool {
	return ContainsAnyFold(data, jwtBearerMarkers) && !namesSecretValue(bytes.ToLower(data))
}

// namesSecretValue reports whether lower (lower-cased text) writes something under a
// consumer secret's name: client_secret=…, "clientSecret": …, setClientSecret(…),
// <consumerSecret>…, a Postman "clientSecret", "value" pair. A name in prose or a comment
// ("no client_secret is needed with the JWT flow") does not count.
func namesSecretValue(lower []byte) bool {
	for _, m := range secretNameMarkers {
		for from := 0; from < len(lower); {
			i := bytes.Index(lower[from:], []byte(m))
			if i < 0 {
				break
			}
			from = from + i + len(m)
			j := from
			for j < len(lower) && j-from < 24 && (lower[j] >= 'a' && lower[j] <= 'z' || lower[j] >= '0' && lower[j] <= '9' || lower[j] == '_' || lower[j] == '.' || lower[j] == '-') {
				j++ // the rest of a longer name: client_secret_prod
			}
			for j < len(lower) && j-from < 40 && (lower[j] == ' ' || lower[j] == '\t' || lower[j] == '"' || lower[j] == '\'' || lower[j] == '`' || lower[j] == ']' || lower[j] == '?' || lower[j] == '\\') {
				j++
			}
			if j < len(lower) && strings.IndexByte("=:(>,", lower[j]) >= 0 {
				return true
			}
		}
	}
	return false
}

// sfHostSuffixes end Salesforce hosts: My Domain (incl. enhanced sandboxes and partitions),
// login/test, legacy instances, Lightning and Sites, and the other clouds the CLI knows.
var sfHostSuffixes = []string{
	".salesforce.com", ".force.com", ".salesforce.mil", ".crmforce.mil", ".my-salesforce.com",
	".my-lightning.com", ".sfcrmproducts.cn", ".sfcrmapps.cn", ".salesforce-sites.com",
	".salesforce-setup.com", ".my.site.com", ".cloudforce.com", ".database.com",
}

// hostAt is a host name found at an offset.
type hostAt struct {
	off  int
	host string
}

// hostsIn returns the usable Salesforce hosts in data[lo:hi], ordered by offset. Suffix
// search with bytes.Index is far cheaper than a host regex over large blobs.
// lower, when not nil, is the ASCII lower-case form of data (searched with bytes.Index).
func hostsIn(data, lower []byte, lo, hi int) []hostAt {
	var out []hostAt
	win := data[lo:hi]
	for _, suf := range sfHostSuffixes {
		for i := 0; i < len(win); {
			var j int
			if lower != nil {
				j = bytes.Index(lower[lo+i:hi], []byte(suf))
			} else {
				j = IndexFold(win[i:], suf)
			}
			if j < 0 {
				break
			}
			p := i + j
			e := p + len(suf)
			i = p + 1
			if e < len(win) && (isHostByte(win[e]) && win[e] != '.') {
				continue
			}
			s := p
			for s > 0 && isHostByte(win[s-1]) {
				s--
			}
			for s < p && (win[s] == '.' || win[s] == '-') {
				s++
			}
			if s == p {
				continue // no label before the suffix
			}
			h := string(bytes.ToLower(win[s:e]))
			if usableHost(h) {
				out = append(out, hostAt{lo + s, h})
			}
		}
	}
	if len(out) > 1 {
		sortHosts(out)
	}
	return out
}

func sortHosts(h []hostAt) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].off < h[j-1].off; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// nearestHost picks the host closest to near from hosts (ordered by offset).
func nearestHost(hosts []hostAt, near int) string {
	best, bestD := "", -1
	for _, h := range hosts {
		d := h.off - near
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD = h.host, d
		}
	}
	return best
}

// FindSalesforceHost returns the Salesforce host written closest to offset near (within
// 16 KiB), lower-cased and without scheme or path, or "" when none is there. Hosts under
// example domains and documentation hosts (developer./help.salesforce.com) are skipped.
func FindSalesforceHost(data []byte, near int) string {
	const radius = 16 << 10
	lo, hi := max(0, near-radius), min(len(data), near+radius)
	if lo >= hi {
		return ""
	}
	// Lower-case the window once (pooled) so the suffix search is SIMD bytes.Index; hostsIn
	// wants lower aligned with data, hence the offset shift.
	bp := lowerPool.Get().(*[]byte)
	defer lowerPool.Put(bp)
	*bp = lowerASCII(*bp, data[lo:hi])
	hosts := hostsIn(data[lo:hi], *bp, 0, hi-lo)
	for i := range hosts {
		hosts[i].off += lo
	}
	if h := nearestHost(hosts, near); h != "" {
		return h
	}
	return simpleSalesforceDomain(data[lo:hi])
}

// ssDomainRE matches simple_salesforce's domain argument, which is the host without
// ".salesforce.com" (domain='acme.my' → acme.my.salesforce.com). login/test are left to
// the host search: they name no org.
var ssDomainRE = regexp.MustCompile(`\bdomain\s*=\s*['"]([A-Za-z0-9-]+(?:\.sandbox)?\.my)['"]`)

// simpleSalesforceDomain returns the host a simple_salesforce domain= argument implies, or "".
func simpleSalesforceDomain(data []byte) string {
	if !ContainsFold(data, "salesforce") {
		return ""
	}
	if m := ssDomainRE.FindSubmatch(data); m != nil {
		return strings.ToLower(string(m[1])) + ".salesforce.com"
	}
	return ""
}

// usableHost drops documentation and marketing hosts that appear in comments, not configs.
func usableHost(h string) bool {
	switch h {
	case "developer.salesforce.com", "help.salesforce.com", "www.salesforce.com", "trailhead.salesforce.com",
		"appexchange.salesforce.com", "soap.sforce.com", "status.salesforce.com", "admin.salesforce.com",
		"trust.salesforce.com", "resources.docs.salesforce.com", "successforce.force.com":
		return false
	}
	return !strings.Contains(h, "example")
}

// otherIdPKeyPrefixes are providers whose name, leading a setting's name
// (GOOGLE_CLIENT_SECRET, okta.client-secret, AzureClientSecret), says whose secret it is.
var otherIdPKeyPrefixes = []string{
	"google", "gcp", "github", "gitlab", "okta", "auth0", "azure", "entra", "aad", "msal",
	"microsoft", "keycloak", "cognito", "aws", "stripe", "slack", "hubspot", "zoho", "facebook",
	"twitter", "linkedin", "onelogin", "ping", "workday", "servicenow", "zendesk", "shopify",
	"dropbox", "docusign", "atlassian", "jira", "twilio", "sendgrid", "paypal", "plaid",
	"spotify", "discord", "apple", "amazon", "netsuite", "dynamics", "sap",
}

// OtherIdPKeyName reports whether a setting's name (as written: GOOGLE_CLIENT_SECRET,
// azureClientSecret, /okta/client_secret) starts with another provider's name, as a word:
// google_…, okta.…, AzureClient…, but not sandbox_… or pingdom….
func OtherIdPKeyName(key string) bool {
	k := strings.TrimLeft(key, "-_.$\"'")
	if i := strings.LastIndexAny(k, "/:"); i >= 0 {
		k = k[i+1:]
	}
	lk := strings.ToLower(k)
	for _, n := range otherIdPKeyPrefixes {
		if !strings.HasPrefix(lk, n) {
			continue
		}
		if len(k) == len(n) {
			return true
		}
		c := k[len(n)]
		rest := lk[len(n):]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') || c >= 'A' && c <= 'Z' && k[0] >= 'a' ||
			strings.HasPrefix(rest, "client") || strings.HasPrefix(rest, "app") || strings.HasPrefix(rest, "oauth") {
			return true
		}
	}
	return false
}

// keyNameBefore returns the setting name that ends at or contains offset at: the run of
// name characters (letters, digits, _ . -) around it, e.g. GOOGLE_CLIENT_SECRET for a match
// that starts at CLIENT_SECRET.
func keyNameBefore(data []byte, at int) string {
	isName := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	s := at
	for s > 0 && at-s < 120 && isName(data[s-1]) {
		s--
	}
	e := at
	for e < len(data) && e-at < 120 && isName(data[e]) {
		e++
	}
	return string(data[s:e])
}
