package fakecred

import (
	"regexp"
	"testing"
)

func TestShapes(t *testing.T) {
	cases := []struct {
		name, value string
		re          string
	}{
		{"consumer key", ConsumerKey("a"), `^3MVG9[A-Za-z0-9._]{80}$`},
		{"consumer secret", ConsumerSecret("a"), `^[0-9A-F]{64}$`},
		{"legacy secret", LegacyConsumerSecret("a"), `^[1-9][0-9]{18}$`},
		{"access token", AccessToken("a"), `^00D[A-Za-z0-9]{12}![A-Za-z0-9.]{96}$`},
		{"refresh token", RefreshToken("a"), `^5Aep861[A-Za-z0-9.]{80}$`},
		{"sfdx url", SFDXAuthURL("a", "", "", "acme.my.salesforce.com"), `^force://PlatformCLI::5Aep861[A-Za-z0-9.]{80}@acme\.my\.salesforce\.com$`},
		{"pem", PrivateKeyPEM("a"), `(?s)^-----BEGIN RSA PRIVATE KEY-----\n.+\n-----END RSA PRIVATE KEY-----\n$`},
	}
	for _, c := range cases {
		if !regexp.MustCompile(c.re).MatchString(c.value) {
			t.Errorf("%s: %q does not match %s", c.name, c.value, c.re)
		}
	}
	if ConsumerKey("a") != ConsumerKey("a") || ConsumerKey("a") == ConsumerKey("b") {
		t.Error("values must be deterministic per seed and differ across seeds")
	}
}
