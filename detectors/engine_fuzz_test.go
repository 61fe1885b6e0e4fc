package detectors

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// fuzzPaths are the blob paths the engine fuzzer scans under: the path selects the
// JSON-escaped view (notebooks), metadata parsing and path-scoped rules.
var fuzzPaths = []string{
	"x.py",
	"a.ipynb",
	"b.connectedApp-meta.xml",
	".env",
	"force-app/main/default/extlClntAppOauthSettings/X.ecaOauth-meta.xml",
	"src/client.js",
	"config/settings.json",
	"",
	"go.sum",
}

// watchdog panics (failing the fuzz input) when fn runs longer than d: matching is linear,
// so any input that takes seconds is a hang, not a slow machine.
func watchdog(d time.Duration, what string, fn func()) {
	t := time.AfterFunc(d, func() { panic("watchdog: " + what + " still running after " + d.String()) })
	defer t.Stop()
	fn()
}

// FuzzEngineScan: whatever the bytes and path, Scan must not panic or hang, must return
// matches sorted by offset with offsets inside the input, known rule IDs and severities,
// secrets no longer than the input, and the same answer twice (pooled scratch must not leak
// between scans).
func FuzzEngineScan(f *testing.F) {
	e := newTestEngine(f)
	key, sec := fakecred.ConsumerKey("fz"), fakecred.ConsumerSecret("fz")
	f.Add(uint8(0), []byte("import requests\nrequests.post('https://acme.my.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials', 'client_id': '"+key+"', 'client_secret': '"+sec+"'})\n"))
	f.Add(uint8(1), []byte(`{"cells":[{"source":["sf_client_secret = \"`+sec+`\"\n","key = \"`+key+`\"\\u0022"]}]}`))
	f.Add(uint8(2), []byte("<ConnectedApp><oauthConfig><consumerKey>"+key+"</consumerKey><consumerSecret>"+sec+"</consumerSecret><isClientCredentialEnabled>true</isClientCredentialEnabled></oauthConfig></ConnectedApp>"))
	f.Add(uint8(3), []byte("SF_ACCESS_TOKEN="+fakecred.AccessToken("fz")+"\nSF_REFRESH_TOKEN="+fakecred.RefreshToken("fz")+"\nSFDX_AUTH_URL="+fakecred.SFDXAuthURL("fz", key, sec, "acme.my.salesforce.com")+"\n"))
	f.Add(uint8(5), []byte("const jwt = `"+fakecred.PrivateKeyPEM("fz")+"` // salesforce jwt bearer\n"))
	f.Add(uint8(3), []byte("SALESFORCE_USERNAME=etl@acme.example\nSALESFORCE_PASSWORD="+fakecred.Password("fz")+"\n"))
	known := map[string]bool{}
	for _, r := range e.cfg.rules {
		known[r.ID] = true
	}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		path := fuzzPaths[int(sel)%len(fuzzPaths)]
		var ms []Match
		watchdog(10*time.Second, "Scan("+path+")", func() { ms = e.Scan(path, data) })
		if len(ms) > len(data)+1 {
			t.Fatalf("%s: %d matches in %d bytes", path, len(ms), len(data))
		}
		for i, m := range ms {
			if m.Start < 0 || m.End > len(data) || m.Start > m.End {
				t.Fatalf("%s: %s offsets %d..%d of %d", path, m.RuleID, m.Start, m.End, len(data))
			}
			if i > 0 && ms[i-1].Start > m.Start {
				t.Fatalf("%s: matches out of order at %d", path, i)
			}
			if !known[m.RuleID] {
				t.Fatalf("%s: unknown rule %q", path, m.RuleID)
			}
			if !validSeverity(m.Severity) {
				t.Fatalf("%s: %s severity %q", path, m.RuleID, m.Severity)
			}
			if len(m.Secret) > len(data) || len(m.ConsumerKey) > len(data) {
				t.Fatalf("%s: %s secret of %d bytes from %d bytes of input", path, m.RuleID, len(m.Secret), len(data))
			}
			if strings.ContainsAny(m.Description, "\r\n") {
				t.Fatalf("%s: %s description spans lines", path, m.RuleID)
			}
		}
		if again := e.Scan(path, data); !reflect.DeepEqual(ms, again) {
			t.Fatalf("%s: second Scan differs: %d vs %d matches", path, len(ms), len(again))
		}
	})
}
