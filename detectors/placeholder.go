package detectors

import "strings"

// IsPlaceholder reports whether a value is a template or example rather than a secret:
// YOUR_…, <…>, ${…}, {{…}}, xxxx, changeme, … (see rules.toml [placeholders]).
func IsPlaceholder(value string) bool {
	v := strings.ToLower(strings.TrimSpace(value))
	if v == "" {
		return true
	}
	for _, p := range []string{"your_", "your-", "<", "${", "{{", "xxxx", "changeme", "example", "placeholder", "redacted", "****"} {
		if strings.Contains(v, p) {
			return true
		}
	}
	return false
}

// IsEnvLookup reports whether an expression reads its value from the environment or a
// secret store (os.environ[…], process.env.X, System.getenv, $VAR, ${{ secrets.X }},
// ${secure::…}, Named Credentials, …) rather than holding a literal.
func IsEnvLookup(expr string) bool {
	e := strings.ToLower(expr)
	for _, p := range []string{"os.environ", "os.getenv", "getenv(", "process.env", "environment.getenvironmentvariable", "$env:", "${{", "secrets.", "${secure::", "callout:", "config(", "settings."} {
		if strings.Contains(e, p) {
			return true
		}
	}
	return strings.HasPrefix(strings.TrimSpace(expr), "$")
}
