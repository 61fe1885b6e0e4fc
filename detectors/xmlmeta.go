package detectors

import (
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// xmlMetaDetector reads Salesforce app metadata XML: ConnectedApp (.connectedApp[-meta.xml])
// and the External Client App OAuth settings and policies (.ecaGlblOauth, .ecaOauthPlcy).
// It reports the client credentials flow switched on (sf-connected-app-cc-enabled), and
// committed consumer secrets and keys (sf-consumer-secret, sf-consumer-key) on their lines.
type xmlMetaDetector struct{}

var _ Detector = xmlMetaDetector{}

// Name implements Detector.
func (xmlMetaDetector) Name() string { return "structural/app-metadata" }

// Keywords implements Detector.
func (xmlMetaDetector) Keywords() []string {
	return []string{"isclientcredential", "consumersecret", "consumerkey"}
}

// stMetaRoots are the metadata root elements read, by the file kind they describe.
var stMetaRoots = map[string]string{
	"connectedapp":                         "Connected App",
	"extlclntappglobaloauthsettings":       "External Client App",
	"extlclntappoauthconfigurablepolicies": "External Client App",
}

// stMetaSuffixes are the metadata file suffixes (lower case) read whatever their content says.
var stMetaSuffixes = []string{
	".connectedapp-meta.xml", ".connectedapp", ".ecaglbloauth-meta.xml", ".ecaglbloauth",
	".ecaoauthplcy-meta.xml", ".ecaoauthplcy",
}

// stAppName returns the app's API name from the file name (Acme_ETL.connectedApp-meta.xml).
func stAppName(p string) string {
	base := path.Base(strings.ReplaceAll(p, "\\", "/"))
	lb := strings.ToLower(base)
	for _, s := range stMetaSuffixes {
		if strings.HasSuffix(lb, s) {
			return base[:len(base)-len(s)]
		}
	}
	return ""
}

// stXMLText is an element's trimmed text and its offsets.
type stXMLText struct {
	text       string
	start, end int
	seen       bool
}

// Detect implements Detector.
func (xmlMetaDetector) Detect(p string, data []byte) []Match {
	lp := strings.ToLower(p)
	byName := false
	for _, s := range stMetaSuffixes {
		if strings.HasSuffix(lp, s) {
			byName = true
		}
	}
	if !byName && !ContainsFold(data, "connectedapp") && !ContainsFold(data, "extlclntapp") {
		return nil
	}
	f := stReadMeta(data)
	kind, ok := stMetaRoots[f.root]
	if !ok {
		return nil
	}
	// An External Client App's settings files name their app; a Connected App's file name
	// is its API name.
	app := f.fields["externalclientapplication"].text
	if app == "" {
		app = stAppName(p)
	}
	if app == "" {
		app = f.fields["fullname"].text
	}
	if app == "" {
		app = f.fields["label"].text
	}
	key := f.fields["consumerkey"]
	keyOK := key.seen && key.text != "" && !IsPlaceholder(key.text) && !stIsRef(key.text)
	var out []Match
	if en := f.ccEnabled; en.seen && strings.EqualFold(en.text, "true") {
		secret := app
		if keyOK {
			secret = key.text
		}
		if secret == "" {
			secret = kind
		}
		desc := kind + " metadata enables the OAuth client credentials flow"
		if app != "" {
			desc = kind + " " + app + " enables the OAuth client credentials flow"
		}
		user := f.fields["oauthclientcredentialuser"]
		if !user.seen {
			user = f.fields["clientcredentialsflowuser"]
		}
		if user.seen && user.text != "" {
			desc += " (run-as user " + user.text + ")"
		} else {
			desc += " (no run-as user in this file)"
		}
		m := Match{RuleID: RuleConnectedAppCC, Start: en.start, End: en.end, Secret: secret, Severity: "high", Description: desc, Username: user.text}
		if keyOK {
			m.ConsumerKey = key.text
		}
		out = append(out, m)
	}
	if sec := f.fields["consumersecret"]; sec.seen && sec.text != "" && !IsPlaceholder(sec.text) && !stIsRef(sec.text) {
		m := Match{RuleID: RuleConsumerSecret, Start: sec.start, End: sec.end, Secret: sec.text, Severity: "critical",
			Description: "consumer secret committed in " + kind + " metadata"}
		if app != "" {
			m.Description = "consumer secret of " + kind + " " + app + " committed in its metadata"
		}
		if keyOK {
			m.ConsumerKey = key.text
		}
		out = append(out, m)
	}
	if keyOK {
		m := Match{RuleID: RuleConsumerKey, Start: key.start, End: key.end, Secret: key.text, ConsumerKey: key.text,
			Description: "consumer key in " + kind + " metadata"}
		if app != "" {
			m.Description = "consumer key of " + kind + " " + app + " in its metadata"
		}
		out = append(out, m)
	}
	return out
}

// stMetaFile is what stReadMeta keeps of a metadata file: the root element (lower case) and
// the first text of each field of interest.
type stMetaFile struct {
	root      string
	fields    map[string]stXMLText
	ccEnabled stXMLText
}

// stMetaFields are the elements (lower-case local names) whose text is kept.
var stMetaFields = map[string]bool{
	"consumerkey": true, "consumersecret": true, "oauthclientcredentialuser": true,
	"clientcredentialsflowuser": true, "externalclientapplication": true, "fullname": true,
	"label": true, "isclientcredentialenabled": true, "isclientcredentialsflowenabled": true,
}

// stReadMeta walks the XML tokens, recording field texts with their byte offsets. Namespaces
// are ignored (local names only). Malformed XML stops the walk: what was read before the
// error is kept, nothing after it is guessed. Custom entities are not expanded.
func stReadMeta(data []byte) stMetaFile {
	f := stMetaFile{fields: map[string]stXMLText{}}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []string
	for steps := 0; steps < 1<<20; steps++ {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) == 0 && f.root == "" {
				f.root = name
			}
			stack = append(stack, name)
			if len(stack) > 64 {
				return f
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			if !stMetaFields[name] {
				continue
			}
			after := int(dec.InputOffset())
			if before < 0 || after > len(data) || before > after {
				continue
			}
			raw := data[before:after]
			lead := 0
			for lead < len(raw) && (raw[lead] == ' ' || raw[lead] == '\t' || raw[lead] == '\n' || raw[lead] == '\r') {
				lead++
			}
			txt := strings.TrimSpace(string(t))
			if txt == "" {
				continue
			}
			x := stXMLText{text: txt, start: before + lead, end: before + lead + len(strings.TrimRight(string(raw[lead:]), " \t\r\n")), seen: true}
			if name == "isclientcredentialenabled" || name == "isclientcredentialsflowenabled" {
				if !f.ccEnabled.seen || strings.EqualFold(txt, "true") && !strings.EqualFold(f.ccEnabled.text, "true") {
					f.ccEnabled = x
				}
				continue
			}
			if _, ok := f.fields[name]; !ok {
				f.fields[name] = x
			}
		}
	}
	return f
}
