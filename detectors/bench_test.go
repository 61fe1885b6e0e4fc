package detectors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// realisticSource is ~size bytes of mixed source (Python, JS, Java, YAML, logs) that uses
// the prefilter's keywords (token, secret, session, bearer…) the way ordinary code does,
// with three real-shaped secrets.
func realisticSource(size int) []byte {
	lines := []string{
		"import os, json, requests",
		"def refresh_session(session, token_url, timeout=30):",
		"    headers = {'Authorization': f'Bearer {token}', 'Accept': 'application/json'}",
		"    resp = session.post(token_url, data=payload, headers=headers, timeout=timeout)",
		"    if resp.status_code != 200: raise AuthError(resp.text)",
		"const secret = process.env.API_SECRET; // never hard-code secrets",
		"export async function getToken(client) { return client.auth.token({ scope: 'api' }); }",
		"  private final String tokenEndpoint = config.getProperty(\"oauth.token.endpoint\");",
		"  public Session openSession(Credentials creds) throws IOException {",
		"    log.debug(\"session opened for {} in {} ms\", user.getId(), elapsed);",
		"spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    password: ${DB_PASSWORD}",
		"2024-05-01T10:00:00.123Z INFO  [http-nio-8080-exec-3] c.a.AuthFilter - token accepted sid=8f14e45f",
		"integrity sha512-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08==",
		"    for i, row in enumerate(rows):  # 00d0ff colour in the legacy palette",
		"<dependency><groupId>org.apache.camel</groupId><artifactId>camel-salesforce</artifactId></dependency>",
		"func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {",
		"    return nil, fmt.Errorf(\"token request failed: %w\", err)",
	}
	var b strings.Builder
	i := 0
	for b.Len() < size {
		b.WriteString(lines[i%len(lines)])
		b.WriteByte('\n')
		i++
		switch b.Len() / (size / 4) {
		case 1, 2, 3:
			if i%997 == 0 && strings.Count(b.String()[max(0, b.Len()-4096):], "client_secret") == 0 {
				fmt.Fprintf(&b, "SALESFORCE_CLIENT_SECRET=%s\n", fakecred.ConsumerSecret(fmt.Sprint(i)))
			}
		}
	}
	return []byte(b.String())
}

// hitDenseSource is ~size bytes where every line carries a secret.
func hitDenseSource(size int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		s := fmt.Sprint(i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "SF_CONSUMER_KEY=%s\n", fakecred.ConsumerKey(s))
		case 1:
			fmt.Fprintf(&b, "SF_CLIENT_SECRET=%s\n", fakecred.ConsumerSecret(s))
		case 2:
			fmt.Fprintf(&b, "Authorization: Bearer %s\n", fakecred.AccessToken(s))
		case 3:
			fmt.Fprintf(&b, "SF_REFRESH_TOKEN=%s\n", fakecred.RefreshToken(s))
		}
	}
	return []byte(b.String())
}

func BenchmarkEngineScan(b *testing.B) {
	e := newTestEngine(b)
	for _, bc := range []struct {
		name, path string
		data       []byte
	}{
		{"realistic-1MB", "src/app.py", realisticSource(1 << 20)},
		{"hits-1MB", "config/.env", hitDenseSource(1 << 20)},
		{"notebook-1MB", "nb.ipynb", []byte(`{"cells":[{"source":["` + strings.ReplaceAll(strings.ReplaceAll(string(realisticSource(1<<20)), `"`, `\"`), "\n", `\n",\n"`) + `"]}]}`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.Scan(bc.path, bc.data)
			}
		})
	}
}

func TestBenchmarkInputsBehave(t *testing.T) {
	e := newTestEngine(t)
	ms := e.Scan("src/app.py", realisticSource(1<<20))
	var secrets int
	for _, m := range ms {
		if m.RuleID == RuleConsumerSecret {
			secrets++
		}
	}
	if secrets == 0 || secrets > 20 {
		t.Errorf("realistic source: %d consumer secrets, want a few (all: %d matches)", secrets, len(ms))
	}
	if n := len(e.Scan("config/.env", hitDenseSource(64<<10))); n < 400 {
		t.Errorf("hit-dense source: %d matches, want hundreds", n)
	}
}
