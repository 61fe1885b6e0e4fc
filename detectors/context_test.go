package detectors

import (
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

func TestLineBounds(t *testing.T) {
	data := []byte("ab\r\ncd\n\nef")
	cases := []struct{ off, s, e int }{
		{0, 0, 2}, {1, 0, 2}, {4, 4, 6}, {7, 7, 7}, {8, 8, 10}, {10, 8, 10}, {-3, 0, 2}, {99, 8, 10},
	}
	for _, c := range cases {
		if s, e := LineBounds(data, c.off); s != c.s || e != c.e {
			t.Errorf("LineBounds(%d) = %d,%d want %d,%d", c.off, s, e, c.s, c.e)
		}
	}
	if s, e := LinesAround(data, 4, 1, 1); s != 0 || e != 7 {
		t.Errorf("LinesAround = %d,%d want 0,7", s, e)
	}
}

func TestIndexFold(t *testing.T) {
	if IndexFold([]byte("x SalesForce y"), "salesforce") != 2 || IndexFold([]byte("abc"), "abcd") != -1 || IndexFold([]byte("aB"), "b") != 1 {
		t.Error("IndexFold")
	}
}

func TestFindSalesforceHost(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"a My Domain URL", "url = 'https://Acme.my.salesforce.com/services/oauth2/token'", "acme.my.salesforce.com"},
		{"an enhanced sandbox host", "SF_LOGIN_URL=https://acme--uat.sandbox.my.salesforce.com", "acme--uat.sandbox.my.salesforce.com"},
		{"login.salesforce.com", "aud: https://login.salesforce.com", "login.salesforce.com"},
		{"a documentation link is ignored", "see https://developer.salesforce.com/docs", ""},
		{"no host", "nothing here", ""},
		{"a simple_salesforce domain argument", "sf = simple_salesforce.Salesforce(consumer_key=k, consumer_secret=SECRET, domain='acme--uat.sandbox.my')", "acme--uat.sandbox.my.salesforce.com"},
		{"domain=login names no org", "Salesforce(username=u, password=SECRET, domain='login')", ""},
		{"the nearest of two hosts", "a https://one.my.salesforce.com\n" + strings.Repeat("x", 200) + "\nSECRET\nb https://two.my.salesforce.com", "two.my.salesforce.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			near := strings.Index(c.src, "SECRET")
			if near < 0 {
				near = 0
			}
			if got := FindSalesforceHost([]byte(c.src), near); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestOtherIdentityProviderNear(t *testing.T) {
	cases := []struct {
		name, src string
		want      bool
	}{
		{"Entra authority next to the secret", "authority = 'https://login.microsoftonline.com/x'\nSECRET", true},
		{"Salesforce closer than Okta", "okta: {}\n" + strings.Repeat("#\n", 50) + "salesforce:\n  SECRET", false},
		{"no provider at all", "SECRET", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := OtherIdentityProviderNear([]byte(c.src), strings.Index(c.src, "SECRET")); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestIsJWTBearerContext(t *testing.T) {
	key := fakecred.ConsumerKey("j")
	cases := []struct {
		name, src string
		want      bool
	}{
		{"sf org login jwt", "sf org login jwt --client-id " + key + " --jwt-key-file server.key", true},
		{"grant type jwt-bearer", "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=x", true},
		{"simple_salesforce privatekey_file", "Salesforce(consumer_key=k, privatekey_file='k.pem')", true},
		{"jwt code that also names a client secret", "jwt.sign(c)\nclient_secret = 'x'", false},
		{"client credentials code", "grant_type=client_credentials&client_id=" + key, false},
		{"a comment naming the client secret does not undo the JWT flow", "# JWT bearer: no client_secret is needed\njwt.encode(c, k, algorithm='RS256')", true},
		{"prose naming the consumer secret does not either", "// the consumer secret is not used here\njwt.sign(c)", true},
		{"a secret passed as a keyword argument does", "jwt.encode(c)\nSalesforce(consumer_secret=s)", false},
		{"a Postman clientSecret pair does", `jwt-bearer {"key": "clientSecret", "value": "x"}`, false},
		{"a .NET signer is the JWT flow", "new SigningCredentials(key, SecurityAlgorithms.RsaSha256)", true},
		{"a Java SHA256withRSA signer is the JWT flow", "Signature.getInstance(\"SHA256withRSA\")", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsJWTBearerContext([]byte(c.src)); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
