// Package fakecred builds realistic but fake Salesforce credentials at run time, so that no
// test fixture in this repository holds a literal that looks like a live secret (the project
// must pass its own scan, and push protection elsewhere must not trip on it). Values are
// deterministic for a seed: the same seed gives the same value on every machine.
package fakecred

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

const (
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	keyChars = alnum + "._"
	hexUpper = "0123456789ABCDEF"
	digits   = "0123456789"
)

// stream returns n characters from alphabet, derived from seed.
func stream(seed, alphabet string, n int) string {
	var b strings.Builder
	counter := 0
	for b.Len() < n {
		sum := sha256.Sum256([]byte(seed + "\x00" + string(rune('a'+counter%26)) + strings.Repeat("#", counter/26)))
		for _, c := range sum {
			if b.Len() == n {
				break
			}
			b.WriteByte(alphabet[int(c)%len(alphabet)])
		}
		counter++
	}
	return b.String()
}

// ConsumerKey is an 85-character Connected App consumer key (3MVG9…).
func ConsumerKey(seed string) string { return "3MVG9" + stream("key"+seed, keyChars, 80) }

// ConsumerSecret is a current-generation consumer secret: 64 upper-case hex characters.
func ConsumerSecret(seed string) string { return stream("secret"+seed, hexUpper, 64) }

// LegacyConsumerSecret is an old-generation consumer secret: 19 decimal digits.
func LegacyConsumerSecret(seed string) string {
	return stream("legacy"+seed, "123456789", 1) + stream("legacy2"+seed, digits, 18)
}

// OrgID is a 15-character organisation id (00D…).
func OrgID(seed string) string { return "00D" + stream("org"+seed, alnum, 12) }

// AccessToken is a 112-character opaque access token / session id: org id, '!', 96 chars.
func AccessToken(seed string) string {
	return OrgID(seed) + "!" + stream("tok"+seed, alnum+".", 96)
}

// RefreshToken is an 87-character refresh token (5Aep861…).
func RefreshToken(seed string) string { return "5Aep861" + stream("refresh"+seed, alnum+".", 80) }

// SecurityToken is a 24-character user security token.
func SecurityToken(seed string) string { return stream("sectok"+seed, alnum, 24) }

// Password is a password that no placeholder rule mistakes for a template.
func Password(seed string) string { return "Pw" + stream("pw"+seed, alnum, 10) + "!9" }

// SFDXAuthURL is force://clientId:clientSecret:refreshToken@host. An empty clientID gives the
// Salesforce CLI's default form force://PlatformCLI::<refresh>@host.
func SFDXAuthURL(seed, clientID, clientSecret, host string) string {
	if clientID == "" {
		clientID = "PlatformCLI"
	}
	return "force://" + clientID + ":" + clientSecret + ":" + RefreshToken(seed) + "@" + host
}

// PrivateKeyPEM is a PEM block shaped like an RSA private key (random body, not a usable key).
func PrivateKeyPEM(seed string) string {
	body := []byte(stream("pem"+seed, alnum, 900))
	enc := base64.StdEncoding.EncodeToString(body)
	var b strings.Builder
	b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END RSA PRIVATE KEY-----\n")
	return b.String()
}
