package detectors

import (
	"bytes"
	"strings"
)

// passwordGrantDetector finds username-password flow logins with a hard-coded password
// (rule sf-password-grant), reported on the password's line: token requests with
// grant_type=password, simple_salesforce Salesforce(username=…, password=…), jsforce
// conn.login(user, pass + token), force-wsc ConnectorConfig.setPassword, Camel/Spring
// properties, Mule basic/oauth-user-pass connections, Postman environments with a password
// and a security token, and settings named for Salesforce (SF_PASSWORD=…).
type passwordGrantDetector struct{}

var _ Detector = passwordGrantDetector{}

// Name implements Detector.
func (passwordGrantDetector) Name() string { return "structural/password-grant" }

// Keywords implements Detector. jsforce logins may name no "password" at all.
func (passwordGrantDetector) Keywords() []string { return []string{"password", "jsforce"} }

// pwWindow is how far (bytes) from the grant or security token the password may sit.
const pwWindow = 2000

// stPwCand is a password found in a login, with how the login was recognised.
type stPwCand struct {
	val      stValue
	username string
	at       int // where to look for the host and username
	how      string
}

// Detect implements Detector.
func (d passwordGrantDetector) Detect(path string, data []byte) []Match {
	return d.detect(newStBlob(path, data))
}

func (d passwordGrantDetector) detectShared(sh *stShared) []Match { return d.detect(sh.blob()) }

func (passwordGrantDetector) detect(b *stBlob) []Match {
	data := b.data
	var cands []stPwCand
	add := func(s stSlot, how string) {
		cands = append(cands, stPwCand{val: s.val, at: s.keyStart, how: how})
	}

	markers := b.grantMarkers("password", false)
	isMarker := map[int]bool{}
	for _, m := range markers {
		isMarker[m] = true
	}
	for _, m := range markers {
		if !b.sfContext(m) {
			continue
		}
		if s, ok := b.nearestSlot(slotPassword, m, m-pwWindow, m+pwWindow, func(s stSlot) bool { return !isMarker[s.keyStart] }); ok {
			add(s, "grant_type=password token request")
		}
	}
	hasWSC := bytes.Contains(b.lower, []byte("connectorconfig")) || bytes.Contains(b.lower, []byte("com.sforce")) ||
		bytes.Contains(b.lower, []byte("/services/soap/u/"))
	// A SOAP login endpoint, or a Boomi component of the Salesforce connector: its password
	// field is the user's login password (plus security token).
	soapLogin := bytes.Contains(b.lower, []byte("/services/soap/u/")) || bytes.Contains(b.lower, []byte("/services/soap/c/")) ||
		bytes.Contains(b.lower, []byte(`subtype="salesforce"`))
	for _, s := range b.slotsIn(slotPassword, 0, len(data)) {
		if isMarker[s.keyStart] {
			continue
		}
		switch {
		case stSalesforceKey(s.key):
			add(s, "Salesforce password setting")
		case strings.HasSuffix(s.key, "setpassword") && hasWSC:
			add(s, "force-wsc ConnectorConfig.setPassword")
		case soapLogin && b.sfContext(s.keyStart):
			add(s, "Salesforce SOAP / connector login password")
		default:
			if _, ok := b.nearestSlot(slotSecToken, s.keyStart, s.keyStart-pwWindow, s.keyStart+pwWindow, func(t stSlot) bool { return t.val.class != valNone }); ok && b.sfContext(s.keyStart) {
				add(s, "password with a security token")
			}
		}
	}
	cands = b.pwMule(cands)
	cands = b.pwSimpleSalesforce(cands)
	cands = b.pwJSForce(cands)

	var out []Match
	for _, c := range cands {
		if c.val.class != valLiteral || IsPlaceholder(c.val.text) || stIsRef(c.val.text) {
			continue
		}
		user := c.username
		if user == "" {
			if s, ok := b.nearestSlot(slotUser, c.at, c.at-pwWindow, c.at+pwWindow, func(s stSlot) bool {
				return stUser(s.val) != ""
			}); ok {
				user = stUser(s.val)
			}
		}
		end := c.val.end
		if end <= c.val.start {
			end = c.val.start + 1
		}
		out = append(out, Match{
			RuleID:      RulePasswordGrant,
			Start:       c.val.start,
			End:         end,
			Secret:      c.val.text,
			Severity:    "critical",
			Host:        b.hostNear(c.at),
			Username:    user,
			Description: "Salesforce username-password login with a hard-coded password (" + c.how + ")",
		})
	}
	return stDedupe(out)
}

// stUser returns a username value written in clear, or "". Usernames are not secrets, so
// example-looking ones (etl@acme.example) are kept; references (${SF_USERNAME}) are not.
func stUser(v stValue) string {
	if v.class != valLiteral && v.class != valPlaceholder || stIsRef(v.text) || strings.ContainsAny(v.text, "{}<>$ ") {
		return ""
	}
	return v.text
}

// stSalesforceKey reports whether a setting's name ties it to Salesforce: SF_PASSWORD,
// salesforce.password, camel.component.salesforce.password, SFDC_PASSWORD.
func stSalesforceKey(key string) bool {
	k := strings.TrimLeft(key, "-.$")
	for _, w := range []string{"salesforce", "sfdc", "sforce"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	for _, p := range []string{"sf_", "sf.", "sf-"} {
		if strings.HasPrefix(k, p) || strings.Contains(k, "."+p) || strings.Contains(k, "_"+p) {
			return true
		}
	}
	return false
}

// pwMule finds passwords on Mule Salesforce connector connections that log in with a
// password: <salesforce:basic-connection username=… password=… securityToken=…/> and
// <salesforce:oauth-user-pass-connection …/>.
func (b *stBlob) pwMule(cands []stPwCand) []stPwCand {
	l := b.lower
	for _, el := range []string{"<salesforce:basic-connection", "<salesforce:oauth-user-pass-connection", "<salesforce:config-with-password"} {
		for from := 0; from < len(l); {
			i := bytes.Index(l[from:], []byte(el))
			if i < 0 {
				break
			}
			i += from
			from = i + len(el)
			end := stTagEnd(b.data, i, 4096)
			if end < 0 {
				continue
			}
			for _, s := range b.slotsIn(slotPassword, i, end) {
				c := stPwCand{val: s.val, at: i, how: "Mule Salesforce " + strings.TrimPrefix(el, "<salesforce:")}
				if u, ok := b.nearestSlot(slotUser, i, i, end, nil); ok {
					c.username = stUser(u.val)
				}
				cands = append(cands, c)
			}
		}
	}
	return cands
}

// pwSimpleSalesforce finds simple_salesforce Salesforce(username=…, password=…) calls.
func (b *stBlob) pwSimpleSalesforce(cands []stPwCand) []stPwCand {
	if !b.hasSimpleSalesforce() {
		return cands
	}
	for _, c := range b.simpleSalesforceCalls() {
		pw, ok := c.named["password"]
		if !ok {
			continue
		}
		pc := stPwCand{val: pw, at: c.open, how: "simple_salesforce username/password login"}
		pc.username = stUser(c.named["username"])
		cands = append(cands, pc)
	}
	return cands
}

// pwJSForce finds jsforce conn.login(username, password + securityToken) calls.
func (b *stBlob) pwJSForce(cands []stPwCand) []stPwCand {
	if !bytes.Contains(b.lower, []byte("jsforce")) {
		return cands
	}
	l := b.lower
	for from := 0; from < len(l); {
		i := bytes.Index(l[from:], []byte(".login("))
		if i < 0 {
			break
		}
		i += from
		from = i + len(".login(")
		c, ok := b.parseCall(from - 1)
		if !ok || len(c.positional) < 2 {
			continue
		}
		pc := stPwCand{val: c.positional[1], at: i, how: "jsforce conn.login"}
		pc.username = stUser(c.positional[0])
		cands = append(cands, pc)
	}
	return cands
}
