// Package exposure turns findings into exposure paths: it groups findings into credential
// sets (a consumer key with its secret, token call, host and username, wherever committed),
// matches each set to the org's apps and users (detectors/sfmeta), and follows the path an
// attacker would walk — leak → credential → app → client credentials flow → run-as user →
// permissions → mitigations — to a risk score from the [scoring] weights in rules.toml and
// remediation steps specific to that path.
//
// Build reads only fields a JSON report keeps, so `sfleak merge` recomputes the same
// exposures from redacted shard reports. Exposure.Findings holds the set's finding
// fingerprints (or IDs for findings without one); report.Finalize rewrites them to F-ids.
package exposure

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
)

// Build returns one exposure per credential set in findings, scored against org with w,
// ordered by risk (highest first) and numbered E1, E2… (Finalize renumbers after sorting the
// same way). org may be nil (no metadata: every credential is scored on the leak alone).
func Build(findings []report.Finding, org *sfmeta.Org, w Weights) []report.Exposure {
	if org == nil {
		org = sfmeta.NewOrg()
	}
	sets := groupFindings(findings, org, w.ProximityLines)
	type built struct {
		e     report.Exposure
		first int
	}
	out := make([]built, 0, len(sets))
	for _, s := range sets {
		out = append(out, built{buildOne(findings, s, org, w), s.idx[0]})
	}
	slices.SortStableFunc(out, func(a, b built) int {
		return cmp.Or(cmp.Compare(b.e.RiskScore, a.e.RiskScore), cmp.Compare(a.first, b.first))
	})
	exps := make([]report.Exposure, len(out))
	for i, b := range out {
		exps[i] = b.e
		exps[i].ID = "E" + strconv.Itoa(i+1)
	}
	return exps
}

// evidence is what a set's findings show, from report fields only.
type evidence struct {
	key, secret, ccCall, ccCallLiteral, ccMeta bool
	refresh, access, sfdx, password, jwtKey    bool
	keyShown                                   string // redacted consumer key
	usernames, hosts, repos                    []string
	public                                     bool
	locations                                  []report.Location
	refs                                       []string
}

func (ev *evidence) secretLeaked() bool { return ev.secret || ev.ccCallLiteral }
func (ev *evidence) appCredential() bool {
	return ev.key || ev.secret || ev.ccCall || ev.ccMeta
}
func (ev *evidence) userCredential() bool {
	return ev.refresh || ev.access || ev.sfdx || ev.password || ev.jwtKey
}

func gather(findings []report.Finding, s *credSet) *evidence {
	ev := &evidence{}
	addU := func(list *[]string, v string) {
		if v != "" && !slices.ContainsFunc(*list, func(x string) bool { return strings.EqualFold(x, v) }) {
			*list = append(*list, v)
		}
	}
	seenLoc := map[report.Location]bool{}
	for _, i := range s.idx {
		f := &findings[i]
		switch f.RuleID {
		case detectors.RuleConsumerKey:
			ev.key = true
			if ev.keyShown == "" {
				ev.keyShown = shown(f.Raw, f.Secret)
			}
		case detectors.RuleConsumerSecret:
			ev.secret = true
		case detectors.RuleClientCredentials:
			ev.ccCall = true
			if !f.FromEnv {
				ev.ccCallLiteral = true
			}
		case detectors.RuleConnectedAppCC:
			ev.ccMeta = true
		case detectors.RuleRefreshToken:
			ev.refresh = true
		case detectors.RuleAccessToken:
			ev.access = true
		case detectors.RuleSFDXAuthURL:
			ev.sfdx = true
		case detectors.RulePasswordGrant:
			ev.password = true
		case detectors.RuleJWTPrivateKey:
			ev.jwtKey = true
		}
		if ev.keyShown == "" && f.RuleID != detectors.RuleConsumerKey {
			if k := shown(f.RawKey, f.ConsumerKey); k != "" {
				ev.keyShown = k
			}
		}
		addU(&ev.usernames, strings.TrimSpace(f.Username))
		addU(&ev.hosts, strings.TrimSpace(f.Host))
		repo := f.Repository
		if repo == "" {
			repo = "(local)"
		}
		addU(&ev.repos, repo)
		if strings.EqualFold(f.Visibility, "public") {
			ev.public = true
		}
		loc := report.Location{Repository: f.Repository, Path: f.Path, Line: f.Line, Commit: f.Commit, URL: f.URL}
		if !seenLoc[loc] {
			seenLoc[loc] = true
			ev.locations = append(ev.locations, loc)
		}
		ref := f.Fingerprint
		if ref == "" {
			ref = f.ID
		}
		if ref != "" && !slices.Contains(ev.refs, ref) {
			ev.refs = append(ev.refs, ref)
		}
	}
	slices.SortFunc(ev.locations, func(a, b report.Location) int {
		return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Commit, b.Commit))
	})
	return ev
}

// shown is a value fit for display whatever it holds: the raw value redacted, or the
// already-shown value redacted again (Redact of a redacted value is unchanged), so that even
// a --no-redact Secret never reaches an exposure's text.
func shown(raw, display string) string {
	v := raw
	if v == "" {
		v = display
	}
	if v == "" {
		return ""
	}
	if strings.HasSuffix(v, "…REDACTED") {
		return v
	}
	return report.Redact(v)
}

// userEval is what the org says about the user a credential acts as.
type userEval struct {
	name        string
	user        *sfmeta.User
	profileName string
	profile     *sfmeta.Profile
	permSets    []string
	perms       []string // admin and powerful permissions held, in weights order
	grants      []string // "System Administrator: ModifyAllData, ViewAllData"
	admin       bool
	powerful    bool
	unknown     bool   // permissions could not be established
	unknownWhy  string // why, for the permissions step
}

func evalUser(org *sfmeta.Org, w Weights, username string) userEval {
	ue := userEval{name: username}
	if username == "" {
		ue.unknown, ue.unknownWhy = true, "user unknown"
		return ue
	}
	ue.user = org.UserNamed(username)
	if ue.user == nil {
		ue.unknown, ue.unknownWhy = true, username+" not in users.json"
		return ue
	}
	ue.name = ue.user.Username
	ue.profileName = ue.user.Profile
	ue.permSets = append([]string(nil), ue.user.PermissionSets...)
	dangerous := append(append([]string(nil), w.AdminPermissions...), w.PowerfulPermissions...)
	held := map[string]bool{}
	grant := func(source string, has func(string) bool) {
		var list []string
		for _, p := range dangerous {
			if has(p) {
				list = append(list, p)
				held[p] = true
			}
		}
		if len(list) > 0 {
			ue.grants = append(ue.grants, source+": "+strings.Join(list, ", "))
		}
	}
	if ue.profileName == "" {
		ue.unknown, ue.unknownWhy = true, "profile of "+ue.name+" unknown"
	} else {
		if slices.ContainsFunc(w.AdminProfiles, func(p string) bool { return strings.EqualFold(p, ue.profileName) }) {
			ue.admin = true
		}
		ue.profile = org.ProfileNamed(ue.profileName)
		if ue.profile == nil {
			ue.unknown, ue.unknownWhy = true, "profile "+ue.profileName+" not in the metadata"
		} else {
			grant(ue.profile.Name, ue.profile.Enabled)
		}
	}
	for _, name := range ue.permSets {
		ps := org.PermissionSetNamed(name)
		if ps == nil {
			ue.unknown = true
			if ue.unknownWhy == "" {
				ue.unknownWhy = "permission set " + name + " not in the metadata"
			}
			continue
		}
		grant("permission set "+ps.Name, func(p string) bool { return ps.Permissions[p] })
	}
	for _, p := range dangerous {
		if held[p] {
			ue.perms = append(ue.perms, p)
		}
	}
	for _, p := range w.AdminPermissions {
		if held[p] {
			ue.admin = true
		}
	}
	ue.powerful = len(ue.perms) > 0
	return ue
}

// mitEval is what stands between the credential and the org.
type mitEval struct {
	list         []string
	ip, rt, tsp  bool
	ipBypassed   bool // the profile has ranges but the app bypasses them
	profileRange bool // the user's profile has login IP ranges at all
}

// evalMitigations lists mitigations in force for a credential acting as ue through app
// (nil: no app known). atLogin: the credential logs in with a password, where profile IP
// ranges are always checked.
func evalMitigations(org *sfmeta.Org, w Weights, app *sfmeta.App, ue userEval, atLogin bool) mitEval {
	var m mitEval
	every := org.Security != nil && org.Security.EnforceIPRangesEveryRequest
	if ue.profile != nil && len(ue.profile.LoginIPRanges) > 0 {
		m.profileRange = true
		var ranges []string
		for _, r := range ue.profile.LoginIPRanges {
			ranges = append(ranges, r.String())
		}
		what := "login IP ranges on profile " + ue.profile.Name + " (" + strings.Join(ranges, ", ") + ")"
		switch {
		case app != nil && app.IPPolicy() == sfmeta.IPEnforce:
			m.ip = true
			m.list = append(m.list, what+" enforced by "+appLabel(app)+" ("+ipField(app)+" "+app.IPRelaxation+")")
		case app != nil && app.IPPolicy() == sfmeta.IPBypass:
			m.ipBypassed = true
		case every:
			m.ip = true
			m.list = append(m.list, what+" enforced on every request (Security settings)")
		case app == nil && atLogin:
			m.ip = true
			m.list = append(m.list, what+" checked at login")
		}
	}
	var events []string
	for _, e := range w.MonitoredEvents {
		if org.RealTimeEvents[e] {
			events = append(events, e)
		}
	}
	if len(events) > 0 {
		m.rt = true
		m.list = append(m.list, "real-time event monitoring of "+strings.Join(events, ", "))
	}
	for _, p := range org.Policies {
		if !p.Active || !slices.Contains(w.PolicyEvents, p.Event()) {
			continue
		}
		var acts []string
		if p.Block {
			acts = append(acts, "blocks")
		}
		if p.MFA {
			acts = append(acts, "requires MFA")
		}
		if p.Notify {
			acts = append(acts, "notifies")
		}
		if len(acts) == 0 {
			acts = append(acts, "records")
		}
		m.tsp = true
		m.list = append(m.list, "transaction security policy "+p.Label+" on "+p.Event()+" ("+strings.Join(acts, ", ")+")")
	}
	return m
}

// appLabel is the app's label, or its API name when it has none.
func appLabel(app *sfmeta.App) string {
	if app.Label != "" {
		return app.Label
	}
	return app.Name
}

func ipField(app *sfmeta.App) string {
	if app.Type == sfmeta.TypeECA {
		return "ipRelaxationPolicyType"
	}
	return "ipRelaxation"
}

// scorer accumulates weights and their explanations.
type scorer struct {
	score   float64
	factors []string
}

func (s *scorer) add(name string, v float64) {
	s.score += v
	s.factors = append(s.factors, fmt.Sprintf("%s %+.1f", name, v))
}

func (s *scorer) floor(name string, v float64) {
	if s.score < v {
		s.factors = append(s.factors, fmt.Sprintf("%s: raised from %.1f to %.1f", name, s.score, v))
		s.score = v
	}
}

func (s *scorer) ceiling(name string, v float64) {
	if s.score > v {
		s.factors = append(s.factors, fmt.Sprintf("%s: lowered from %.1f to %.1f", name, s.score, v))
		s.score = v
	}
}

func (s *scorer) finish(w Weights) float64 {
	s.ceiling("max", w.Max)
	s.floor("min", 0)
	return math.Round(s.score*10) / 10
}

// Severity returns the band of a score under w.
func Severity(score float64, w Weights) string {
	switch {
	case score >= w.Critical:
		return report.SeverityCritical
	case score >= w.High:
		return report.SeverityHigh
	case score >= w.Medium:
		return report.SeverityMedium
	}
	return report.SeverityLow
}

// path is one scored way in: through the app (its flow) or as a user (a token or password).
type path struct {
	kind  string // "app", "unknown-app", "user"
	score float64
	sc    scorer
	ue    userEval
	m     mitEval
	tied  bool // the set is tied to this org (matched app or known user)
}

func userFactors(sc *scorer, w Weights, ue userEval) {
	switch {
	case ue.admin:
		sc.add("user_admin", w.UserAdmin)
	case ue.powerful:
		sc.add("user_powerful", w.UserPowerful)
	case ue.unknown:
		sc.add("user_unknown", w.UserUnknown)
	}
	if ue.user != nil && ue.user.ActiveKnown && !ue.user.Active {
		sc.add("user_inactive", w.UserInactive)
	}
}

func mitigationFactors(sc *scorer, w Weights, m mitEval) {
	if m.ip {
		sc.add("ip_ranges_enforced", w.IPRangesEnforced)
	}
	if m.rt {
		sc.add("realtime_monitoring", w.RealtimeMonitoring)
	}
	if m.tsp {
		sc.add("transaction_policy", w.TransactionPolicy)
	}
	if m.ip && (m.rt || m.tsp) {
		sc.add("restricted_and_monitored", w.RestrictedAndMonitored)
	}
}

func scoreAppPath(org *sfmeta.Org, w Weights, app *sfmeta.App, ev *evidence) path {
	p := path{kind: "app", tied: true}
	p.ue = evalUser(org, w, app.RunAsUser)
	if app.RunAsUser == "" {
		p.ue.unknownWhy = "run-as user not in the metadata"
	}
	sc := &p.sc
	if !app.ClientCredentials {
		sc.add("flow_disabled", w.FlowDisabled)
		if ev.public {
			sc.add("public", w.Public)
		}
		sc.ceiling("flow_disabled_ceiling", w.FlowDisabledCeiling)
		p.m.list = []string{"client credentials flow disabled on " + appLabel(app)}
		p.score = sc.finish(w)
		return p
	}
	sc.add("flow_enabled", w.FlowEnabled)
	userFactors(sc, w, p.ue)
	if !ev.secretLeaked() {
		sc.add("secret_missing", w.SecretMissing)
	}
	if ev.public {
		sc.add("public", w.Public)
	}
	p.m = evalMitigations(org, w, app, p.ue, false)
	if u := p.ue.user; u != nil && u.ActiveKnown && !u.Active {
		p.m.list = append(p.m.list, "run-as user "+u.Username+" is inactive (token requests fail while it stays so)")
	}
	mitigationFactors(sc, w, p.m)
	sc.floor("flow_enabled_floor", w.FlowEnabledFloor)
	if inactive := p.ue.user != nil && p.ue.user.ActiveKnown && !p.ue.user.Active; !p.m.ip && !inactive {
		sc.floor("flow_enabled_unrestricted_floor", w.FlowEnabledUnrestrictedFloor)
	}
	p.score = sc.finish(w)
	return p
}

func scoreUnknownApp(w Weights, ev *evidence) path {
	p := path{kind: "unknown-app"}
	sc := &p.sc
	lit, cc := ev.secretLeaked(), ev.ccCall || ev.ccMeta
	switch {
	case ev.key && lit && cc:
		sc.add("unknown_key_secret_cc", w.UnknownKeySecretCC)
	case ev.key && lit:
		sc.add("unknown_key_secret", w.UnknownKeySecret)
	case lit && cc:
		sc.add("unknown_secret_cc", w.UnknownSecretCC)
	case lit:
		sc.add("unknown_secret", w.UnknownSecret)
	case ev.key:
		sc.add("unknown_key", w.UnknownKey)
	default:
		sc.add("unknown_cc_call", w.UnknownCCCall)
	}
	if ev.public {
		sc.add("public", w.Public)
	}
	p.score = sc.finish(w)
	return p
}

func scoreUserPath(org *sfmeta.Org, w Weights, app *sfmeta.App, ev *evidence) path {
	p := path{kind: "user"}
	sc := &p.sc
	name, base := "", -1.0
	for _, b := range []struct {
		on   bool
		name string
		v    float64
	}{
		{ev.sfdx, "sfdx_auth_url", w.SFDXAuthURL}, {ev.password, "password_grant", w.PasswordGrant},
		{ev.refresh, "refresh_token", w.RefreshToken}, {ev.jwtKey, "jwt_private_key", w.JWTPrivateKey},
		{ev.access, "access_token", w.AccessToken},
	} {
		if b.on && b.v > base {
			name, base = b.name, b.v
		}
	}
	sc.add(name, base)
	username := ""
	if len(ev.usernames) > 0 {
		username = ev.usernames[0]
	}
	p.ue = evalUser(org, w, username)
	p.tied = app != nil || p.ue.user != nil
	userFactors(sc, w, p.ue)
	if ev.public {
		sc.add("public", w.Public)
	}
	if p.tied {
		p.m = evalMitigations(org, w, app, p.ue, ev.password)
		if u := p.ue.user; u != nil && u.ActiveKnown && !u.Active {
			p.m.list = append(p.m.list, "user "+u.Username+" is inactive")
		}
		mitigationFactors(sc, w, p.m)
	}
	p.score = sc.finish(w)
	return p
}

func buildOne(findings []report.Finding, s *credSet, org *sfmeta.Org, w Weights) report.Exposure {
	ev := gather(findings, s)
	app := s.app
	if ev.keyShown == "" && app != nil && app.ConsumerKey != "" {
		ev.keyShown = report.Redact(app.ConsumerKey)
	}

	var paths []path
	if app != nil {
		paths = append(paths, scoreAppPath(org, w, app, ev))
	} else if ev.appCredential() {
		paths = append(paths, scoreUnknownApp(w, ev))
	}
	if ev.userCredential() {
		paths = append(paths, scoreUserPath(org, w, app, ev))
	}
	best := paths[0]
	for _, p := range paths[1:] {
		if p.score > best.score {
			best = p
		}
	}

	e := report.Exposure{
		ConsumerKey:  ev.keyShown,
		RiskScore:    best.score,
		Severity:     Severity(best.score, w),
		Public:       ev.public,
		Findings:     ev.refs,
		Locations:    ev.locations,
		ScoreFactors: best.sc.factors,
		Mitigations:  best.m.list,
	}
	if app != nil {
		name := app.Name
		e.ConnectedApp = &name
		e.ConnectedAppLabel = app.Label
		e.AppType = app.Type
		e.ClientCredentialsEnabled = app.ClientCredentials
	} else {
		// No metadata: the flow is evidently in use when a token call or enabling metadata
		// was found with the credential.
		e.ClientCredentialsEnabled = ev.ccCall || ev.ccMeta
	}
	ue := best.ue
	if best.kind == "unknown-app" {
		ue = userEval{}
	}
	if ue.user != nil {
		e.RunAsUser = ue.user.Username
		if ue.user.ActiveKnown {
			active := ue.user.Active
			e.RunAsUserActive = &active
		}
	} else {
		e.RunAsUser = ue.name
	}
	e.Profile = ue.profileName
	e.PermissionSets = ue.permSets
	e.Permissions = ue.perms
	if e.Permissions == nil {
		e.Permissions = []string{}
	}
	if e.Mitigations == nil {
		e.Mitigations = []string{}
	}
	e.Steps = steps(app, ev, best, e)
	e.Remediation = remediation(app, ev, best)
	return e
}
