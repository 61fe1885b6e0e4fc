package detectors

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// conformanceExamples gives, per regex rule, a self-contained snippet (it carries its own
// context) and the secret it must yield.
func conformanceExamples() map[string]func() (snippet, secret string) {
	return map[string]func() (string, string){
		RuleConsumerKey: func() (string, string) {
			k := fakecred.ConsumerKey("conf")
			return "SF_CONSUMER_KEY=" + k, k
		},
		RuleConsumerSecret: func() (string, string) {
			s := fakecred.ConsumerSecret("conf")
			return "SALESFORCE_CLIENT_SECRET=\"" + s + "\"", s
		},
		RuleAccessToken: func() (string, string) {
			s := fakecred.AccessToken("conf")
			return "Authorization: Bearer " + s, s
		},
		RuleRefreshToken: func() (string, string) {
			s := fakecred.RefreshToken("conf")
			return "refresh_token=" + s, s
		},
		RuleSFDXAuthURL: func() (string, string) {
			s := fakecred.SFDXAuthURL("conf", "", "", "acme.my.salesforce.com")
			return "SFDX_AUTH_URL=" + s, s
		},
		RuleJWTPrivateKey: func() (string, string) {
			s := strings.TrimSuffix(fakecred.PrivateKeyPEM("conf"), "\n")
			return "# sf org login jwt --jwt-key-file server.key\n" + s, s
		},
	}
}

// filler is realistic text that holds no keyword of any rule.
const filler = "def handler(event, context):\n    return {'status': 200, 'body': json.dumps(event)}\n"

// conform runs one rule's example through the placements every rule must survive (osv-scalibr
// velestest style): empty input, start, middle, end, repeated, behind 256 KiB of padding,
// CRLF line endings, invalid UTF-8 around it.
func conform(t *testing.T, e *Engine, rule, snippet, secret string) {
	t.Helper()
	pad := strings.Repeat(filler, (256<<10)/len(filler)+1)
	cases := []struct {
		name string
		data string
		want int
	}{
		{"empty input", "", 0},
		{"at start", snippet + "\n" + filler, 1},
		{"in the middle", filler + filler + snippet + "\n" + filler, 1},
		{"at end without newline", filler + snippet, 1},
		{"repeated", snippet + "\n" + filler + snippet + "\n", 2},
		{"after 256 KiB of padding", pad + snippet + "\n", 1},
		{"with CRLF line endings", strings.ReplaceAll(filler+snippet+"\n"+filler, "\n", "\r\n"), 1},
		{"between invalid UTF-8", "\xff\xfe\xc3(\n" + snippet + "\n\x80\x81\xed\xa0\x80\n", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.data)
			ms := ofRule(e.Scan("conf.txt", data), rule)
			if len(ms) != c.want {
				t.Fatalf("got %d matches, want %d", len(ms), c.want)
			}
			wantSecret := secret
			if strings.Contains(c.name, "CRLF") {
				wantSecret = strings.ReplaceAll(secret, "\n", "\r\n")
			}
			for _, m := range ms {
				if m.Secret != wantSecret {
					t.Errorf("secret %q, want %q", m.Secret, wantSecret)
				}
				if !bytes.Equal(data[m.Start:m.End], []byte(wantSecret)) {
					t.Errorf("offsets [%d,%d) do not hold the secret", m.Start, m.End)
				}
			}
		})
	}
}

func TestConformance(t *testing.T) {
	e := newTestEngine(t)
	for rule, ex := range conformanceExamples() {
		snippet, secret := ex()
		t.Run(rule, func(t *testing.T) { conform(t, e, rule, snippet, secret) })
	}
}
