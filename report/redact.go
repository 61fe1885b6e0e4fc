package report

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Redact hides a secret for display: a short prefix survives so that a reader can tell a
// consumer key (3MVG…) from a token (00D…) and match it to Setup, nothing more.
func Redact(secret string) string {
	if secret == "" {
		return ""
	}
	keep := 4
	if len(secret) < 12 {
		keep = 0
	}
	return secret[:keep] + "…REDACTED"
}

// RedactIn replaces every occurrence of each secret in s (for error and log messages that
// might quote input).
func RedactIn(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, Redact(sec))
		}
	}
	return s
}

// Fingerprint identifies one finding stably across runs and machines: the rule, the secret,
// the repository's stable name and the path. Line and commit are left out on purpose, so an
// edit that moves the line or a later commit does not make an old leak look new.
func Fingerprint(ruleID, secret, repository, path string) string {
	h := sha256.New()
	for _, part := range []string{"sfleak/fp/v1", ruleID, secret, repository, path} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CredentialID identifies a secret value wherever it appears, without revealing it.
func CredentialID(secret string) string {
	h := sha256.Sum256([]byte("sfleak/cred/v1\x00" + secret))
	return hex.EncodeToString(h[:])[:24]
}
