package sfmeta

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// Hostile documents in an --org folder: each becomes one error line naming its file, never a
// crash, a hang, an expanded entity or a quoted secret, and the good files still load.
func TestLoadOrgHostileDocuments(t *testing.T) {
	secret := fakecred.ConsumerSecret("hostile")
	laughs := `<!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>`
	files := map[string]struct{ data, want string }{
		"connectedApps/Laughs.connectedApp-meta.xml":   {xmlHead + laughs + `<ConnectedApp><label>&lol9;</label></ConnectedApp>`, "DTD"},
		"connectedApps/External.connectedApp-meta.xml": {xmlHead + `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ConnectedApp><label>&e;</label></ConnectedApp>`, "DTD"},
		"profiles/Deep.profile-meta.xml":               {xmlHead + "<Profile>" + strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000) + "</Profile>", "nested deeper"},
		"profiles/Attr.profile-meta.xml":               {xmlHead + `<Profile custom="` + strings.Repeat("A", 8<<20) + `"><custom>true</custom></Profile>`, ""},
		"connectedApps/Amp.connectedApp-meta.xml":      {doc("ConnectedApp", "<oauthConfig><consumerSecret>&"+secret+"</consumerSecret></oauthConfig>", true), "XML syntax error"},
		"connectedApps/Root.connectedApp-meta.xml":     {"<x" + secret + secret + "/>", "root element"},
		"connectedApps/Enc.connectedApp-meta.xml":      {`<?xml version="1.0" encoding="` + secret + `"?><ConnectedApp/>`, "unsupported encoding"},
		"permissionsets/Bin.permissionset-meta.xml":    {"\x00\xff\xfe<PermissionSet>", ""},
		"users.json": {`{"result":{"records":[{"Username":{"x":1},"IsActive":"yes","Profile":[1]}]}}`, "invalid JSON"},
		"connectedApps/Good.connectedApp-meta.xml": {doc("ConnectedApp", "<label>Good</label>", true), "-"},
	}
	dir := t.TempDir()
	for p, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	o, errs, err := LoadOrg(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("LoadOrg took %v", d)
	}
	bySource := map[string]string{}
	for _, e := range errs {
		rel, _ := filepath.Rel(dir, e.Source)
		bySource[filepath.ToSlash(rel)] = e.Message
		if strings.ContainsAny(e.Message, "\r\n") || len(e.Message) > 300 {
			t.Errorf("%s: error is not one short line: %q", rel, e.Message)
		}
		if strings.Contains(e.Message, secret[:16]) {
			t.Errorf("%s: error quotes the secret: %q", rel, e.Message)
		}
		if strings.Contains(e.Message, "lollollol") {
			t.Errorf("%s: an entity was expanded: %q", rel, e.Message)
		}
	}
	for p, f := range files {
		msg, failed := bySource[p]
		switch {
		case f.want == "-" && failed:
			t.Errorf("%s: good file failed: %s", p, msg)
		case f.want == "-":
		case f.want == "": // an error or not, but never a crash
		case !failed || !strings.Contains(msg, f.want):
			t.Errorf("%s: error %q (failed=%v), want one containing %q", p, msg, failed, f.want)
		}
	}
	if a := o.App(TypeConnectedApp, "Good"); a == nil || a.Label != "Good" {
		t.Errorf("the good app did not load beside the hostile ones: %+v", a)
	}
	if a := o.App(TypeConnectedApp, "Laughs"); a != nil && strings.Contains(a.Label, "lol") {
		t.Errorf("entity expanded into the model: %q", a.Label[:min(len(a.Label), 20)])
	}
}
