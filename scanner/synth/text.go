package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// lang is one kind of source file the generator writes. Each language knows how to start a
// file (header lines) and how to make one more plausible body line, so that edits can insert
// or replace lines that look like their neighbours.
type lang struct {
	name string
	exts []string
	dirs []string
	head func(r *rand.Rand) []string
	line func(r *rand.Rand, depth int) string
}

// words feed identifiers, comments and prose. The list avoids anything that a Salesforce
// detector keys on (3MVG, force://, 00D…!, 5Aep861, consumer secret…) so that the only
// findings in a generated history are the planted ones; it does include a few words that
// real code near Salesforce integrations has ("account", "sync", "token"), so the keyword
// prefilter is not trivially skipped.
var words = strings.Fields(`
account accounts active adapter address amount api archive audit balance batch billing
bucket buffer build cache callback campaign case catalog channel checkout client cluster
code config connection contact context count counter country currency cursor customer
data date debug default delta deploy detail device digest discount document domain draft
email entry error event export factory feature field file filter flag format gateway group
handler header health history host index invoice item job key label lead ledger level limit
line list loader locale lock log lookup manager mapping marker message meta method metric
mode model module monitor name node note notice number object offset opportunity order
owner page parser partner payload payment pending period plan policy pool port price
product profile project provider queue quota range rate reader record region registry
release report request resource response result retry role route rule schedule schema scope
search segment sender service session setting shipment signal snapshot source stage state
status step store stream summary supplier sync table target task template tenant ticket
timer token topic total trace tracker transfer trigger type unit update upload user value
vendor version view window worker writer zone`)

var verbs = strings.Fields(`add apply build check clear close collect compute convert copy
create decode delete emit encode ensure fetch filter find flush format get handle init load
lookup merge normalize notify open parse post prepare process publish push read refresh
register reload remove render reset resolve retry run save schedule send set sort split
start stop store submit sync track transform update upload validate verify wait write`)

var prose = strings.Fields(`the a an this that we it is are was be to of in on for with
as by at from when if not only each every after before until so then also because which
should must can will may record request value field job retries handles returns keeps
updates sends reads writes customer account order invoice service queue nightly batch`)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func camel(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString(pick(r, verbs))
	for i := 0; i < n; i++ {
		w := pick(r, words)
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	return b.String()
}

func snake(r *rand.Rand, n int) string {
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		parts = append(parts, pick(r, words))
	}
	return strings.Join(parts, "_")
}

func pascal(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		w := pick(r, words)
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	return b.String()
}

func sentence(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		parts = append(parts, pick(r, prose))
	}
	s := strings.Join(parts, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func indent(depth int, unit string) string { return strings.Repeat(unit, depth) }

// hexish is a hex string like the hashes, digests and colour codes real files hold; such
// strings make the "00d" style keyword checks and entropy filters do real work.
func hexish(r *rand.Rand, n int) string {
	const hx = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hx[r.IntN(16)]
	}
	return string(b)
}

var langs = []*lang{pyLang, jsLang, javaLang, apexLang, yamlLang, xmlLang, mdLang}

var pyLang = &lang{
	name: "python", exts: []string{".py"},
	dirs: []string{"app", "app/services", "app/models", "lib", "scripts", "tests", "integrations"},
	head: func(r *rand.Rand) []string {
		out := []string{`"""` + sentence(r, 5, 12) + `"""`, ""}
		for i := 0; i < 2+r.IntN(5); i++ {
			if r.IntN(2) == 0 {
				out = append(out, "import "+pick(r, words))
			} else {
				out = append(out, fmt.Sprintf("from %s.%s import %s", pick(r, words), pick(r, words), pascal(r, 2)))
			}
		}
		return append(out, "", "log = logging.getLogger(__name__)", "")
	},
	line: func(r *rand.Rand, depth int) string {
		in := indent(1+depth%3, "    ")
		switch r.IntN(12) {
		case 0:
			return ""
		case 1:
			return fmt.Sprintf("def %s(%s, %s=None):", snake(r, 2), snake(r, 1), snake(r, 1))
		case 2:
			return in + "# " + sentence(r, 4, 14)
		case 3:
			return fmt.Sprintf("%sif %s is None or len(%s) > %d:", in, snake(r, 1), snake(r, 2), r.IntN(500))
		case 4:
			return fmt.Sprintf("%sfor %s in self.%s.%s():", in, snake(r, 1), snake(r, 2), pick(r, verbs))
		case 5:
			return fmt.Sprintf("%slog.info(\"%s %%s\", %s)", in, sentence(r, 2, 6), snake(r, 1))
		case 6:
			return fmt.Sprintf("%sreturn %s(%s, %s=%d)", in, snake(r, 2), snake(r, 1), snake(r, 1), r.IntN(100))
		case 7:
			return fmt.Sprintf("class %s(%s):", pascal(r, 2), pascal(r, 1))
		case 8:
			return fmt.Sprintf("%s%s = \"%s\"", in, strings.ToUpper(snake(r, 2)), hexish(r, 8+r.IntN(32)))
		default:
			return fmt.Sprintf("%s%s = %s.%s(%s, %s)", in, snake(r, 2), snake(r, 1), snake(r, 2), snake(r, 1), snake(r, 2))
		}
	},
}

var jsLang = &lang{
	name: "javascript", exts: []string{".js", ".ts"},
	dirs: []string{"web/src", "web/src/components", "web/src/api", "server", "server/routes", "packages/ui/src"},
	head: func(r *rand.Rand) []string {
		out := []string{"/**", " * " + sentence(r, 5, 12), " */", "'use strict';", ""}
		for i := 0; i < 2+r.IntN(5); i++ {
			out = append(out, fmt.Sprintf("import { %s } from '../%s/%s';", camel(r, 1), pick(r, words), pick(r, words)))
		}
		return append(out, "")
	},
	line: func(r *rand.Rand, depth int) string {
		in := indent(1+depth%3, "  ")
		switch r.IntN(11) {
		case 0:
			return ""
		case 1:
			return fmt.Sprintf("export async function %s(%s, options = {}) {", camel(r, 2), camel(r, 0))
		case 2:
			return in + "// " + sentence(r, 4, 14)
		case 3:
			return fmt.Sprintf("%sconst %s = await %s.%s(%s);", in, camel(r, 1), camel(r, 0), camel(r, 1), camel(r, 0))
		case 4:
			return fmt.Sprintf("%sif (!%s || %s.length > %d) {", in, camel(r, 0), camel(r, 1), r.IntN(300))
		case 5:
			return in + "}"
		case 6:
			return fmt.Sprintf("%sconsole.debug('%s', %s);", in, sentence(r, 2, 6), camel(r, 0))
		case 7:
			return fmt.Sprintf("%sreturn { %s: %s, %s: '%s' };", in, camel(r, 0), camel(r, 1), camel(r, 0), hexish(r, 12))
		default:
			return fmt.Sprintf("%s%s.%s = %s(%s, %d);", in, camel(r, 0), camel(r, 1), camel(r, 1), camel(r, 0), r.IntN(1000))
		}
	},
}

func javaLine(r *rand.Rand, depth int) string {
	in := indent(1+depth%3, "    ")
	switch r.IntN(11) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("    public %s %s(%s %s) {", pascal(r, 1), camel(r, 2), pascal(r, 2), camel(r, 0))
	case 2:
		return in + "// " + sentence(r, 4, 14)
	case 3:
		return fmt.Sprintf("%s%s %s = %s.%s(%s);", in, pascal(r, 2), camel(r, 1), camel(r, 0), camel(r, 1), camel(r, 0))
	case 4:
		return fmt.Sprintf("%sif (%s != null && %s.size() > %d) {", in, camel(r, 0), camel(r, 1), r.IntN(100))
	case 5:
		return in + "}"
	case 6:
		return fmt.Sprintf("%sLOG.info(\"%s {}\", %s);", in, sentence(r, 2, 6), camel(r, 0))
	case 7:
		return fmt.Sprintf("    private static final String %s = \"%s\";", strings.ToUpper(snake(r, 2)), pick(r, words)+"-"+hexish(r, 6))
	default:
		return fmt.Sprintf("%sreturn %s.%s(%s, %d);", in, camel(r, 0), camel(r, 1), camel(r, 0), r.IntN(1000))
	}
}

var javaLang = &lang{
	name: "java", exts: []string{".java"},
	dirs: []string{"src/main/java/com/acme/billing", "src/main/java/com/acme/sync", "src/test/java/com/acme/billing"},
	head: func(r *rand.Rand) []string {
		out := []string{"package com.acme." + pick(r, words) + ";", ""}
		for i := 0; i < 3+r.IntN(6); i++ {
			out = append(out, fmt.Sprintf("import com.acme.%s.%s;", pick(r, words), pascal(r, 2)))
		}
		return append(out, "", "/**", " * "+sentence(r, 5, 14), " */",
			fmt.Sprintf("public class %s {", pascal(r, 2)),
			"    private static final Logger LOG = LoggerFactory.getLogger(this.getClass());", "")
	},
	line: javaLine,
}

var apexLang = &lang{
	name: "apex", exts: []string{".cls"},
	dirs: []string{"force-app/main/default/classes"},
	head: func(r *rand.Rand) []string {
		return []string{"/**", " * " + sentence(r, 5, 14), " */",
			fmt.Sprintf("public with sharing class %s {", pascal(r, 2)), ""}
	},
	line: func(r *rand.Rand, depth int) string {
		if r.IntN(8) == 0 {
			return fmt.Sprintf("        List<%s__c> %s = [SELECT Id, Name FROM %s__c WHERE %s__c = :%s LIMIT %d];",
				pascal(r, 1), camel(r, 0), pascal(r, 1), pascal(r, 1), camel(r, 0), 1+r.IntN(200))
		}
		return javaLine(r, depth)
	},
}

var yamlLang = &lang{
	name: "yaml", exts: []string{".yml", ".yaml"},
	dirs: []string{"config", "deploy", "deploy/k8s", ".github/workflows", "charts/app"},
	head: func(r *rand.Rand) []string {
		return []string{"# " + sentence(r, 4, 10), "version: " + fmt.Sprint(1+r.IntN(3)), ""}
	},
	line: func(r *rand.Rand, depth int) string {
		in := indent(depth%4, "  ")
		switch r.IntN(8) {
		case 0:
			return snake(r, 1) + ":"
		case 1:
			return in + "# " + sentence(r, 3, 10)
		case 2:
			return fmt.Sprintf("%s- name: %s", in, snake(r, 2))
		case 3:
			return fmt.Sprintf("%s%s: %d", in, snake(r, 2), r.IntN(10000))
		case 4:
			return fmt.Sprintf("%simage: registry.acme.example/%s:%s", in, pick(r, words), hexish(r, 12))
		default:
			return fmt.Sprintf("%s%s: %s-%s", in, snake(r, 1), pick(r, words), pick(r, words))
		}
	},
}

var xmlLang = &lang{
	name: "xml", exts: []string{".xml"},
	dirs: []string{"force-app/main/default/objects", "force-app/main/default/layouts", "config/xml"},
	head: func(r *rand.Rand) []string {
		return []string{`<?xml version="1.0" encoding="UTF-8"?>`,
			`<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">`}
	},
	line: func(r *rand.Rand, depth int) string {
		in := indent(1+depth%3, "    ")
		switch r.IntN(7) {
		case 0:
			return in + "<fields>"
		case 1:
			return in + "</fields>"
		case 2:
			return fmt.Sprintf("%s<fullName>%s__c</fullName>", in, pascal(r, 2))
		case 3:
			return fmt.Sprintf("%s<label>%s</label>", in, strings.TrimSuffix(sentence(r, 1, 3), "."))
		case 4:
			return fmt.Sprintf("%s<description>%s</description>", in, sentence(r, 4, 12))
		case 5:
			return fmt.Sprintf("%s<length>%d</length>", in, 10+r.IntN(245))
		default:
			return fmt.Sprintf("%s<type>%s</type>", in, pick(r, []string{"Text", "Number", "Picklist", "Lookup", "Checkbox", "DateTime"}))
		}
	},
}

var mdLang = &lang{
	name: "markdown", exts: []string{".md"},
	dirs: []string{"docs", "docs/runbooks", "docs/adr"},
	head: func(r *rand.Rand) []string {
		return []string{"# " + strings.TrimSuffix(sentence(r, 2, 5), "."), "", sentence(r, 10, 30), ""}
	},
	line: func(r *rand.Rand, depth int) string {
		switch r.IntN(9) {
		case 0:
			return ""
		case 1:
			return "## " + strings.TrimSuffix(sentence(r, 2, 5), ".")
		case 2:
			return "- " + sentence(r, 4, 12)
		case 3:
			return fmt.Sprintf("    %s --%s %s", pick(r, verbs), pick(r, words), snake(r, 1))
		default:
			return sentence(r, 8, 30) + " " + sentence(r, 6, 20)
		}
	},
}

// keywordLines are ordinary lines of integration code that carry the prefilter's keywords
// (token, secret, session, bearer, password…) without any credential: environment look-ups,
// header templates, config keys. Real repositories around Salesforce integrations are full of
// them, and each one sends the engine past its prefilter into regexes and structural
// detectors, so their density sets much of the engine's cost. None is a finding.
var keywordLines = map[*lang][]string{
	pyLang: {
		`    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}`,
		`    session = requests.Session()`,
		`    secret = os.environ["API_SECRET"]`,
		`    resp = session.post(token_url, data=payload, timeout=30)`,
		`    log.debug("token refreshed for %s", user_id)`,
		`    password = getpass.getpass("Password: ")`,
	},
	jsLang: {
		`  const secret = process.env.API_SECRET; // never hard-code secrets`,
		`  const token = await client.auth.token({ scope: 'api' });`,
		"  headers.Authorization = `Bearer ${session.accessToken}`;",
		`  if (!session || session.expired) { await refreshSession(session); }`,
	},
	javaLang: {
		`        String token = tokenProvider.getToken(session);`,
		`    private final String tokenEndpoint = config.getProperty("oauth.token.endpoint");`,
		`        request.setHeader("Authorization", "Bearer " + token);`,
		`        char[] password = System.getenv("KEYSTORE_PASSWORD").toCharArray();`,
	},
	apexLang: {
		`        String sessionId = UserInfo.getSessionId();`,
		`        req.setHeader('Authorization', 'Bearer ' + accessToken);`,
		`        String secret = Sync_Settings__c.getOrgDefaults().Api_Secret__c;`,
	},
	yamlLang: {
		"  password: ${DB_PASSWORD}",
		"  token_url: https://auth.acme.example/oauth/token",
		"  secret_ref: vault:kv/app/api",
		"  session_timeout: 3600",
	},
	xmlLang: {
		"        <description>Session token for the sync job, refreshed hourly</description>",
		"        <fullName>Api_Secret_Ref__c</fullName>",
	},
	mdLang: {
		"Rotate the API token and the session secret before each release; see the runbook.",
		"- Set `SF_PASSWORD` and `SF_TOKEN` in the CI secret store, never in the repository.",
	},
}

// newContent builds a whole file of about size bytes in language l; line makes body lines.
func newContent(r *rand.Rand, l *lang, size int, line func(*lang) string) []string {
	lines := l.head(r)
	n := 0
	for _, s := range lines {
		n += len(s) + 1
	}
	for n < size {
		s := line(l)
		lines = append(lines, s)
		n += len(s) + 1
	}
	return lines
}
