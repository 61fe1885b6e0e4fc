package detectors

import (
	"strings"
)

// placeholderWords are lower-case fragments that only templates, docs and tests put where a
// secret goes. Kept short on purpose: every word here could, in theory, hide a real value.
var placeholderWords = []string{
	"your_", "your-", "your ", "yourkey", "yoursecret", "yourtoken", "yourpassword",
	"<", ">", "${", "{{", "}}", "%(", "%s", "{0}", "xxxx", "****", "....", "…", "changeme",
	"change_me", "change-me", "changeit", "replace_me", "replace-me", "replaceme",
	"replace_with", "insert_", "insert-", "enter_", "example", "placeholder", "redacted",
	"dummy", "sample", "notreal", "not_real", "not-a-real", "fake_", "fakesecret",
	"faketoken", "todo", "secret_here", "key_here", "token_here", "goes_here",
	"goes-here", "here>", "consumer_key", "consumer_secret", "client_id", "client_secret",
	"<redacted>", "abcdefghijklmnop", "0123456789abcdef0123", "1234567890123",
}

// IsPlaceholder reports whether a value is a template or example rather than a secret:
// YOUR_…, <…>, ${…}, {{…}}, xxxx, changeme, REPLACE_ME, dummy, EXAMPLE, an ellipsis, a
// value made of one or two repeated characters, or a plain counting sequence.
func IsPlaceholder(value string) bool {
	v := strings.ToLower(strings.TrimSpace(value))
	v = strings.Trim(v, `"'`+"`")
	if v == "" {
		return true
	}
	for _, p := range placeholderWords {
		if strings.Contains(v, p) {
			return true
		}
	}
	if strings.HasPrefix(v, "your") || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "%") && strings.HasSuffix(v, "%") {
		return true
	}
	return lowVariety(v)
}

// lowVariety reports values like "aaaaaaaa", "abababab" or "123456789…": at most two
// distinct characters, or a run where most neighbours count up by one.
func lowVariety(v string) bool {
	if len(v) < 6 {
		return false
	}
	var seen [256]bool
	distinct := 0
	steps := 0
	for i := 0; i < len(v); i++ {
		if !seen[v[i]] {
			seen[v[i]] = true
			distinct++
		}
		if i > 0 && (v[i] == v[i-1]+1 || v[i-1] == '9' && v[i] == '0') {
			steps++
		}
	}
	return distinct <= 2 || steps*10 >= (len(v)-1)*8
}

// envLookupMarkers are lower-case fragments of expressions that fetch a value from the
// environment, a secret store or a platform indirection instead of holding it.
var envLookupMarkers = []string{
	"os.environ", "os.getenv", "getenv(", "getenv ", "process.env", "import.meta.env",
	"deno.env", "environment.getenvironmentvariable", "system.getenv", "system.getproperty",
	"env[", "env.fetch", "env(", "env::var", "std::env", "$env:", "%env(", "${{", "secrets.",
	"${secure::", "secure::", "p('", "p(\"", "callout:", "{!$credential", "$credential.",
	"config(", "config.get", "configuration[", "getproperty(", "settings.", "vault",
	"keyvault", "secretsmanager", "secret_manager", "secretmanager", "getsecret", "get_secret",
	"ssm:", "{{ .env", "lookup(", "var.", "local.", "data.", "${", "$(", "#{", "{{",
	"credentials.get", "dotenv", "key_vault", "parameter_store", "azure_keyvault",
}

// IsEnvLookup reports whether an expression reads its value from the environment or a
// secret store (os.environ[…], process.env.X, System.getenv, $VAR, ${{ secrets.X }},
// ${secure::…}, ${sf.secret} property references, {!$Credential…}, callout:Named_Credential,
// Terraform var.x, …) rather than holding a literal.
func IsEnvLookup(expr string) bool {
	e := strings.ToLower(strings.TrimSpace(expr))
	e = strings.TrimLeft(e, `"'`+"`")
	if e == "" {
		return false
	}
	for _, p := range envLookupMarkers {
		if strings.Contains(e, p) {
			return true
		}
	}
	// $VAR, %VAR% (cmd.exe), @VAR (Azure DevOps variable groups).
	return strings.HasPrefix(e, "$") || strings.HasPrefix(e, "%") && strings.HasSuffix(e, "%") && len(e) > 2
}
