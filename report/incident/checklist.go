package incident

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sfleak/sfleak/report"
)

// Rule IDs the checklist words differently (a stable contract; see detectors.RuleIDs).
const (
	ruleAccessToken  = "sf-access-token"
	ruleRefreshToken = "sf-refresh-token"
	ruleSFDXAuthURL  = "sf-sfdx-auth-url"
	rulePrivateKey   = "sf-jwt-private-key"
)

// apiVersion is the REST API version the checklist's URLs name (Spring '26).
const apiVersion = "v66.0"

// app is what the checklist says about one connected app (or External Client App).
type app struct {
	name, label, kind string // kind: ConnectedApp | ExternalClientApplication
	runAs             string
	ccEnabled         bool
	known             bool // matched in org metadata
}

func (a app) display() string {
	switch {
	case !a.known:
		return "the app that owns the key"
	case a.label != "" && a.label != a.name:
		return fmt.Sprintf("%q (%s)", a.label, a.name)
	}
	return fmt.Sprintf("%q", a.name)
}

func (a app) eca() bool { return a.kind == "ExternalClientApplication" }

// apps lists the distinct apps of the exposures, riskiest first (Finalize's order is not
// applied yet, so sort here); an unknown app when no metadata matched.
func apps(exps []report.Exposure) []app {
	exps = slices.Clone(exps)
	slices.SortStableFunc(exps, func(a, b report.Exposure) int {
		switch {
		case a.RiskScore > b.RiskScore:
			return -1
		case a.RiskScore < b.RiskScore:
			return 1
		}
		return 0
	})
	var out []app
	seen := map[string]bool{}
	for _, e := range exps {
		a := app{kind: e.AppType, runAs: e.RunAsUser, ccEnabled: e.ClientCredentialsEnabled, label: e.ConnectedAppLabel}
		if e.ConnectedApp != nil {
			a.name, a.known = *e.ConnectedApp, true
		}
		k := a.name + "\x00" + a.kind
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, a)
	}
	if len(out) == 0 {
		out = append(out, app{})
	}
	return out
}

// Checklist is the ordered response for the incident: rotate the secret (staged), revoke
// issued tokens, switch off the client credentials flow, move the integration to the JWT
// bearer flow, purge public history, and read the logs since the first exposure. Each step
// names the facts found (app, run-as user, dates, repositories, commits); none holds a secret.
func Checklist(in Input, inc *report.Incident) []string {
	as := apps(in.Exposures)
	a := as[0]
	others := ""
	if len(as) > 1 {
		var names []string
		for _, o := range as[1:] {
			names = append(names, o.display())
		}
		others = " Also do this for " + strings.Join(names, ", ") + ", which the same credential reaches."
	}
	key := in.Key
	if key == "" && strings.HasPrefix(in.Secret, "3MVG") {
		key = in.Secret
	}
	keyNote := ""
	if key != "" {
		keyNote = " (consumer key " + key + ")"
	}
	since := "the first exposure"
	if inc.FirstSeen != nil {
		since = shortDate(inc.FirstSeen.Date)
	}

	var list []string

	// 1. Rotate.
	urgent := ""
	if in.Verify != nil && in.Verify.Status == "valid" {
		urgent = fmt.Sprintf("URGENT — verified live at %s during triage. ", in.Verify.Host)
	}
	var rotate string
	switch {
	case a.eca():
		rotate = fmt.Sprintf("Rotate the consumer secret of External Client App %s%s with staged credentials: Setup → External Client Apps → External Client App Manager → %s → Settings → OAuth Settings → Consumer Key and Secret, or the Connect REST API POST /services/data/%s/apps/oauth/credentials/{ecaId}/{consumerId}/staged; update every legitimate client, then replace the primary credential with the staged one so the leaked secret stops working.",
			a.display(), keyNote, a.nameOr("the app"), apiVersion)
	default:
		rotate = fmt.Sprintf("Rotate the consumer secret of %s%s with a staged secret: Setup → App Manager → %s ▾ → View → Manage Consumer Details → generate a staged consumer secret; update every legitimate client, then apply it so the leaked secret stops working.",
			a.display(), keyNote, a.nameOr("the app"))
	}
	if !a.known {
		rotate += " No org metadata matched the key: find the app by its consumer key in App Manager (or External Client App Manager), or pass --org."
	}
	switch in.RuleID {
	case ruleAccessToken:
		rotate += " The leaked value is an access token: rotating the secret does not end it — revoke it (next step)."
	case ruleRefreshToken, ruleSFDXAuthURL:
		rotate += " The leaked value carries a refresh token: revoke it (next step) as well as rotating."
	case rulePrivateKey:
		rotate = "Replace the leaked JWT signing key: upload a new certificate to " + a.display() + " (Use digital signatures), move clients to the new key, then remove the old certificate so the leaked key signs nothing Salesforce accepts."
	}
	list = append(list, urgent+rotate+others)

	// 2. Revoke tokens.
	revoke := fmt.Sprintf("Revoke the tokens %s issued: Setup → Connected Apps OAuth Usage → %s → Revoke (or DELETE /services/data/%s/apps/oauth/usage/{appId}/tokens). Client-credentials access tokens have no refresh token and stay valid until the session times out unless revoked.",
		a.display(), a.nameOr("the app"), apiVersion)
	if a.runAs != "" {
		revoke += fmt.Sprintf(" End the sessions of the run-as user %s (Setup → Session Management).", a.runAs)
	}
	if in.RuleID == ruleAccessToken || in.RuleID == ruleRefreshToken || in.RuleID == ruleSFDXAuthURL {
		revoke += " Revoke the leaked token itself: POST /services/oauth2/revoke with token=<the value, from a secure shell, never pasted into a ticket>."
	}
	list = append(list, revoke)

	// 3. Client credentials flow off.
	state := "org metadata does not say whether the flow is on"
	if a.known {
		state = "org metadata says the flow is OFF; confirm in Setup"
		if a.ccEnabled {
			state = "org metadata says the flow is ON"
		}
	}
	var off string
	if a.eca() {
		off = fmt.Sprintf("Turn off the client credentials flow of %s — %s: Setup → External Client Apps → External Client App Manager → %s → Edit Settings → OAuth Settings → Flow Enablement → untick Enable Client Credentials Flow (metadata: isClientCredentialsFlowEnabled=false in ExtlClntAppOauthConfigurablePolicies and ExtlClntAppGlobalOauthSettings); its Run As user is under Policies → OAuth Policies → Client Credentials Flow.",
			a.display(), state, a.nameOr("the app"))
	} else {
		off = fmt.Sprintf("Turn off the client credentials flow of %s — %s: Setup → App Manager → %s ▾ → Edit → API (Enable OAuth Settings) → untick Enable Client Credentials Flow (metadata: isClientCredentialEnabled=false); its Run As user is under Manage → Edit Policies → Client Credentials Flow → Run As.",
			a.display(), state, a.nameOr("the app"))
	}
	if a.runAs != "" {
		off += fmt.Sprintf(" Current run-as user: %s.", a.runAs)
	}
	list = append(list, off)

	// 4. JWT bearer.
	user := "<integration user>"
	if a.runAs != "" {
		user = a.runAs
	}
	instance := "https://<My Domain>"
	if in.Host != "" {
		instance = "https://" + in.Host
	}
	clientID := "<consumer key>"
	if key != "" {
		clientID = key
	}
	cert := "enable Use digital signatures and upload server.crt"
	if a.eca() {
		cert = "upload server.crt as the certificate in the OAuth settings (ExtlClntAppGlobalOauthSettings.certificate enables the JWT bearer flow)"
	}
	list = append(list, fmt.Sprintf("Move the integration to the JWT bearer flow with a certificate: openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt; on %s %s; set Permitted Users to \"Admin approved users are pre-authorized\" and grant %s's profile or permission set; log in with sf org login jwt --client-id %s --jwt-key-file server.key --username %s --instance-url %s. Keep server.key in a secret store, never in a repository.",
		a.display(), cert, user, clientID, user, instance))

	// 5. History.
	list = append(list, historyStep(inc))

	// 6. Logs.
	list = append(list, logStep(inc, a, since))
	return list
}

func (a app) nameOr(def string) string {
	switch {
	case !a.known:
		return def
	case a.label != "":
		return a.label
	}
	return a.name
}

// historyStep names the repositories and commits to rewrite, public ones first.
func historyStep(inc *report.Incident) string {
	type repoFacts struct {
		name, visibility string
		commits, refs    []string
	}
	var order []string
	repos := map[string]*repoFacts{}
	for _, o := range inc.Occurrences {
		r := repos[o.Repository]
		if r == nil {
			r = &repoFacts{name: o.Repository, visibility: o.Visibility}
			repos[o.Repository] = r
			order = append(order, o.Repository)
		}
		if o.Visibility == "public" {
			r.visibility = "public"
		}
		if o.Commit != "" && !slices.Contains(r.commits, shortCommit(o.Commit)) {
			r.commits = append(r.commits, shortCommit(o.Commit))
		}
		for _, ref := range o.Refs {
			if !slices.Contains(r.refs, ref) {
				r.refs = append(r.refs, ref)
			}
		}
	}
	describe := func(r *repoFacts) string {
		s := r.name
		if r.visibility != "" {
			s += " (" + r.visibility + ")"
		}
		if len(r.commits) > 0 {
			s += " commits " + strings.Join(r.commits, ", ")
		}
		if len(r.refs) > 0 {
			slices.Sort(r.refs)
			s += " on " + strings.Join(r.refs, ", ")
		}
		return s
	}
	var public, other []string
	for _, name := range order {
		if repos[name].visibility == "public" {
			public = append(public, describe(repos[name]))
		} else {
			other = append(other, describe(repos[name]))
		}
	}
	how := "rewrite with git filter-repo --replace-text (or BFG), force-push every branch and tag listed, ask the host (GitHub Support) to purge cached views and pull-request refs, and treat forks and clones as already compromised: rotation, not the rewrite, ends the exposure."
	if inc.Removed == nil && inc.InHead {
		how = "remove it from HEAD first (it is still there), then " + how
	}
	switch {
	case len(public) > 0:
		s := "Purge the credential from public history: " + strings.Join(public, "; ") + " — " + how
		if inc.FirstPublic != nil {
			s += " Public since " + shortDate(inc.FirstPublic.Date) + "."
		}
		if len(other) > 0 {
			s += " Also rewrite where it is not public: " + strings.Join(other, "; ") + "."
		}
		return s
	case len(other) > 0:
		return "No occurrence is known to be public (visibility as recorded; check forks and mirrors). Rewrite history where the repository is shared: " + strings.Join(other, "; ") + " — " + how
	}
	return "No occurrence was found in any repository: nothing to rewrite; rotate anyway, the report said it leaked."
}

// logStep gives the date to search from and SOQL queries over LoginHistory, EventLogFile and
// ApiEvent (Shield / Event Monitoring), filtered by the app and the run-as user when known.
func logStep(inc *report.Incident, a app, since string) string {
	from := "<first exposure date>T00:00:00Z"
	if inc.FirstSeen != nil {
		from = shortDate(inc.FirstSeen.Date) + "T00:00:00Z"
	}
	where := ""
	facts := "first committed " + since
	if inc.FirstSeen != nil {
		facts += " in " + inc.FirstSeen.Repository + " (" + shortCommit(inc.FirstSeen.Commit) + ")"
	}
	if inc.FirstPublic != nil {
		facts += ", public since " + shortDate(inc.FirstPublic.Date) + " in " + inc.FirstPublic.Repository
	}
	login := "SELECT LoginTime, UserId, SourceIp, LoginType, Status, Application, LoginUrl FROM LoginHistory WHERE LoginTime >= " + from
	if a.known {
		where = " AND Application = '" + soql(a.nameOr("")) + "'"
	}
	login += where + " ORDER BY LoginTime"
	api := "SELECT EventDate, Username, SourceIp, Application, ConnectedAppId, Operation, QueriedEntities, RowsProcessed FROM ApiEvent WHERE EventDate >= " + from
	if a.runAs != "" {
		api += " AND Username = '" + soql(a.runAs) + "'"
	}
	api += " ORDER BY EventDate"
	elf := "SELECT Id, EventType, LogDate, LogFileLength FROM EventLogFile WHERE EventType IN ('Login', 'API', 'RestApi', 'BulkApi') AND LogDate >= " + from + " ORDER BY LogDate"
	tokens := ""
	if a.known {
		tokens = "; SELECT AppName, UserId, CreatedDate, LastUsedDate, UseCount FROM OauthToken WHERE AppName = '" + soql(a.nameOr("")) + "'"
	}
	who := ""
	if a.runAs != "" {
		who = " as " + a.runAs
	}
	return fmt.Sprintf("Check for use%s since %s (%s): %s; %s; %s%s. Look for source IPs and clients other than the integration's own. LoginHistory keeps about six months and EventLogFile's retention depends on the licence, so export them now; ApiEvent needs Shield or Event Monitoring.",
		who, since, facts, login, elf, api, tokens)
}

// soql escapes a value for a single-quoted SOQL string literal.
func soql(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

func shortDate(d string) string {
	if len(d) >= 10 {
		return d[:10]
	}
	return d
}
