// Package orgtest materialises the fake org in testdata/org for tests: it copies the folder
// into a temporary directory and replaces the {{consumer-key APP}} / {{consumer-secret APP}}
// placeholders with fake credentials from detectors/fakecred, so no file in the repository
// holds a value that looks like a live secret.
package orgtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// The apps of the fixture, one per risk band (see testdata/org/README.md).
const (
	BillingSync        = "Billing_Sync"        // cc on, System Administrator run-as: critical
	MarketingConnector = "Marketing_Connector" // cc on, API-only profile: high
	WarehouseExport    = "Warehouse_Export"    // cc on, IP ranges enforced + monitoring: medium
	LegacyReporting    = "Legacy_Reporting"    // cc off, JWT certificate (mdapi format): low
	PartnerSync        = "Partner_Sync"        // External Client App, cc on via policies: high
)

// Apps lists the fixture's apps.
var Apps = []string{BillingSync, MarketingConnector, WarehouseExport, LegacyReporting, PartnerSync}

// Key is the fake consumer key the fixture gives app.
func Key(app string) string { return fakecred.ConsumerKey("testdata/org/" + app) }

// Secret is the fake consumer secret the fixture gives app (only Partner_Sync's metadata holds
// one; tests use the others as "leaked elsewhere" secrets).
func Secret(app string) string { return fakecred.ConsumerSecret("testdata/org/" + app) }

// Source is the path of testdata/org in this checkout.
func Source() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "org")
}

var placeholder = regexp.MustCompile(`\{\{(consumer-key|consumer-secret) ([A-Za-z0-9_]+)\}\}`)

// Write copies testdata/org into dst (created if needed) with placeholders replaced.
func Write(dst string) error {
	src := Source()
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data = placeholder.ReplaceAllFunc(data, func(m []byte) []byte {
			sub := placeholder.FindSubmatch(m)
			if string(sub[1]) == "consumer-key" {
				return []byte(Key(string(sub[2])))
			}
			return []byte(Secret(string(sub[2])))
		})
		return os.WriteFile(out, data, 0o644)
	})
}

// Dir writes the fixture into a fresh t.TempDir() and returns its path.
func Dir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatalf("orgtest: %v", err)
	}
	return dir
}
