package exposure

import (
	"cmp"
	"slices"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
)

// A credential set is the findings that belong to one credential: a consumer key with its
// secret, the token call that uses them, the host and username beside them, the metadata that
// enables the flow, and the same values wherever else they were committed. Grouping reads only
// fields a JSON report keeps (Credential, KeyCredential, Blob, Repository, Path, Line, RuleID),
// so `sfleak merge` recomputes the same sets from redacted reports.

// setRules are the rules whose findings form credential sets; findings of other rules (custom
// rules from --config) are not Salesforce credentials the model understands.
var setRules = map[string]bool{
	detectors.RuleConsumerKey: true, detectors.RuleConsumerSecret: true,
	detectors.RuleClientCredentials: true, detectors.RulePasswordGrant: true,
	detectors.RuleAccessToken: true, detectors.RuleRefreshToken: true,
	detectors.RuleSFDXAuthURL: true, detectors.RuleConnectedAppCC: true,
	detectors.RuleJWTPrivateKey: true,
}

// credSet is one group of findings and what they show together.
type credSet struct {
	idx []int // indexes into the findings, ascending
	app *sfmeta.App
}

// grouper is a union-find over finding indexes that also tracks, per group, which app or key
// it is about, so that proximity never joins two different credentials sitting close together
// (two key/secret pairs in one .env file).
type grouper struct {
	parent []int
	ident  []map[string]bool // per root: "app:…" / "key:…" identities; nil = none yet
}

func newGrouper(n int) *grouper {
	g := &grouper{parent: make([]int, n), ident: make([]map[string]bool, n)}
	for i := range g.parent {
		g.parent[i] = i
	}
	return g
}

func (g *grouper) find(i int) int {
	for g.parent[i] != i {
		g.parent[i] = g.parent[g.parent[i]]
		i = g.parent[i]
	}
	return i
}

// union joins the groups of a and b. Unless force, it refuses when both groups already know
// what credential they are about and the two share nothing.
func (g *grouper) union(a, b int, force bool) {
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return
	}
	ia, ib := g.ident[ra], g.ident[rb]
	if !force && len(ia) > 0 && len(ib) > 0 {
		shared := false
		for k := range ia {
			if ib[k] {
				shared = true
				break
			}
		}
		if !shared {
			return
		}
	}
	if ra > rb { // keep the smallest index as root: deterministic
		ra, rb = rb, ra
		ia, ib = ib, ia
	}
	g.parent[rb] = ra
	if len(ib) > 0 {
		if ia == nil {
			ia = map[string]bool{}
		}
		for k := range ib {
			ia[k] = true
		}
	}
	g.ident[ra] = ia
	g.ident[rb] = nil
}

// findingApp resolves the app a single finding is about, and its identities for the grouper.
func findingApp(f *report.Finding, org *sfmeta.Org) (*sfmeta.App, []string) {
	var ids []string
	var app *sfmeta.App
	for _, kc := range keyCredentials(f) {
		ids = append(ids, "key:"+kc)
		if a := org.AppByKeyCredential(kc); a != nil && app == nil {
			app = a
		}
	}
	if app == nil && f.RuleID == detectors.RuleConsumerSecret {
		app = org.AppBySecretCredential(f.Credential)
	}
	if app == nil && sfmeta.IsMetadataPath(f.Path) {
		app = org.AppByPath(f.Path)
	}
	if app != nil {
		ids = append(ids, "app:"+app.Type+"/"+app.Name)
		if kc := app.KeyCredential(); kc != "" {
			ids = append(ids, "key:"+kc)
		}
	}
	return app, ids
}

// keyCredentials are the consumer-key credential ids a finding names: its own value for a
// key finding, and the key paired with it (KeyCredential) for anything else.
func keyCredentials(f *report.Finding) []string {
	var out []string
	if f.RuleID == detectors.RuleConsumerKey && f.Credential != "" {
		out = append(out, f.Credential)
	}
	if f.KeyCredential != "" && !slices.Contains(out, f.KeyCredential) {
		out = append(out, f.KeyCredential)
	}
	return out
}

// groupFindings builds the credential sets of findings, in order of their first finding.
func groupFindings(findings []report.Finding, org *sfmeta.Org, window int) []*credSet {
	var idx []int
	for i := range findings {
		if setRules[findings[i].RuleID] {
			idx = append(idx, i)
		}
	}
	g := newGrouper(len(findings))
	apps := make([]*sfmeta.App, len(findings))
	for _, i := range idx {
		app, ids := findingApp(&findings[i], org)
		apps[i] = app
		if len(ids) > 0 {
			g.ident[i] = map[string]bool{}
			for _, id := range ids {
				g.ident[i][id] = true
			}
		}
	}

	// 1. Equal values anywhere are one credential; a secret names its key; an app is one
	// credential however its key, secret and metadata were found.
	first := map[string]int{}
	link := func(key string, i int) {
		if j, ok := first[key]; ok {
			g.union(j, i, true)
		} else {
			first[key] = i
		}
	}
	for _, i := range idx {
		f := &findings[i]
		if f.Credential != "" {
			link("cred:"+f.Credential, i)
		}
		for _, kc := range keyCredentials(f) {
			link("key:"+kc, i)
		}
		if apps[i] != nil {
			link("app:"+apps[i].Type+"/"+apps[i].Name, i)
		}
	}

	// 2. Proximity: findings close together in one file, nearest pairs first, unless that
	// would join two different credentials. A ConnectedApp/ECA metadata file is one app
	// whatever the distance.
	type pair struct{ a, b, dist int }
	var pairs []pair
	buckets := map[string][]int{}
	for _, i := range idx {
		f := &findings[i]
		if f.Blob != "" {
			buckets["blob:"+f.Blob] = append(buckets["blob:"+f.Blob], i)
		}
		if f.Path != "" {
			k := "path:" + f.Repository + "\x00" + f.Path
			buckets[k] = append(buckets[k], i)
		}
	}
	keys := make([]string, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b := buckets[k]
		slices.SortStableFunc(b, func(x, y int) int { return cmp.Compare(findings[x].Line, findings[y].Line) })
		wholeFile := sfmeta.IsMetadataPath(findings[b[0]].Path)
		for x := 0; x < len(b); x++ {
			for y := x + 1; y < len(b); y++ {
				d := findings[b[y]].Line - findings[b[x]].Line
				if wholeFile {
					d = 0
				} else if d > window {
					break
				}
				pairs = append(pairs, pair{b[x], b[y], d})
			}
		}
	}
	slices.SortStableFunc(pairs, func(p, q pair) int {
		return cmp.Or(cmp.Compare(p.dist, q.dist), cmp.Compare(p.a, q.a), cmp.Compare(p.b, q.b))
	})
	for _, p := range pairs {
		g.union(p.a, p.b, false)
	}

	// Collect, resolving each set's app: a key's app first, then a secret's, then a file's.
	byRoot := map[int]*credSet{}
	var sets []*credSet
	for _, i := range idx {
		r := g.find(i)
		s := byRoot[r]
		if s == nil {
			s = &credSet{}
			byRoot[r] = s
			sets = append(sets, s)
		}
		s.idx = append(s.idx, i)
	}
	for _, s := range sets {
		s.app = setApp(findings, s.idx, apps)
	}
	return sets
}

// setApp picks the app of a set: the one most of its findings resolve to, ties to the first.
func setApp(findings []report.Finding, idx []int, apps []*sfmeta.App) *sfmeta.App {
	count := map[*sfmeta.App]int{}
	var best *sfmeta.App
	for _, i := range idx {
		if a := apps[i]; a != nil {
			count[a]++
			if best == nil || count[a] > count[best] {
				best = a
			}
		}
	}
	return best
}
