package detectors

import (
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

func TestIsPlaceholder(t *testing.T) {
	cases := []struct {
		value string
		want  bool
	}{
		{"YOUR_CONSUMER_SECRET", true},
		{"<client-secret>", true},
		{"${SF_SECRET}", true},
		{"{{clientSecret}}", true},
		{"xxxxxxxxxxxxxxxx", true},
		{"changeme", true},
		{"REPLACE_ME", true},
		{"dummy-secret-value", true},
		{"3MVG9EXAMPLEabc", true},
		{"AAAAAAAAAAAAAAAAAAAA", true},
		{"0123456789ABCDEF0123456789ABCDEF", true},
		{"1234567890123456789", true},
		{"abc…", true},
		{"", true},
		{fakecred.ConsumerSecret("p"), false},
		{fakecred.LegacyConsumerSecret("p"), false},
		{fakecred.ConsumerKey("p"), false},
		{fakecred.AccessToken("p"), false},
		{fakecred.Password("p"), false},
		{"Tr0ub4dor&3", false},
	}
	for _, c := range cases {
		if got := IsPlaceholder(c.value); got != c.want {
			t.Errorf("IsPlaceholder(%q) = %v, want %v", c.value, got, c.want)
		}
	}
}

func TestIsEnvLookup(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		{`os.environ["SF_CLIENT_SECRET"]`, true},
		{`os.getenv("SF_CLIENT_SECRET")`, true},
		{`process.env.SF_CLIENT_SECRET`, true},
		{`System.getenv("SF_CLIENT_SECRET")`, true},
		{`Environment.GetEnvironmentVariable("SF")`, true},
		{`$env:SF_CLIENT_SECRET`, true},
		{`${{ secrets.SF_CLIENT_SECRET }}`, true},
		{`${secure::sf.secret}`, true},
		{`${sf.secret}`, true},
		{`{!$Credential.Password}`, true},
		{`callout:Salesforce_Named_Credential`, true},
		{`$SF_CLIENT_SECRET`, true},
		{`var.sf_client_secret`, true},
		{`import.meta.env.VITE_SALESFORCE_CLIENT_SECRET`, true},
		{`"` + fakecred.ConsumerSecret("e") + `"`, false},
		{`'` + fakecred.Password("e") + `'`, false},
		{``, false},
	}
	for _, c := range cases {
		if got := IsEnvLookup(c.expr); got != c.want {
			t.Errorf("IsEnvLookup(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}
