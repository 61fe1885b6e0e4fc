package detectors

import (
	"bytes"
	"testing"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors/fakecred"
)

// Latin-1 bytes (invalid UTF-8) and runes whose lower case has another length must not move
// what the detectors report: every match still points at its own line and value.
func TestNonUTF8TextKeepsOffsets(t *testing.T) {
	cfg, err := LoadConfig(ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, sec := fakecred.ConsumerKey("latin1"), fakecred.ConsumerSecret("latin1")
	for name, prefix := range map[string]string{
		"latin-1 é":                 "# Caf\xe9 r\xe9sum\xe9 \xc9t\xe9 \xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\n",
		"kelvin sign (3 bytes → 1)": "# \u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\n",
		"dotted capital I (2 → 3)":  "# \u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\n",
	} {
		t.Run(name, func(t *testing.T) {
			data := []byte(prefix + `import requests
resp = requests.post("https://acme.my.salesforce.com/services/oauth2/token", data={
    "grant_type": "client_credentials",
    "client_id": "` + key + `",
    "client_secret": "` + sec + `",
})
`)
			ms := e.Scan("sync.py", data)
			want := map[string]string{
				RuleClientCredentials: `"grant_type": "client_credentials"`,
				RuleConsumerSecret:    sec,
				RuleConsumerKey:       key,
			}
			seen := map[string]bool{}
			for _, m := range ms {
				line, ok := want[m.RuleID]
				if !ok {
					continue
				}
				seen[m.RuleID] = true
				ls, le := LineBounds(data, m.Start)
				if !bytes.Contains(data[ls:le], []byte(line)) {
					t.Errorf("%s reported on %q, want the line holding %.30q", m.RuleID, data[ls:le], line)
				}
			}
			for id := range want {
				if !seen[id] {
					t.Errorf("%s not reported", id)
				}
			}
		})
	}
}
