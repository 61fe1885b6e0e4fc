package exposure

import (
	"fmt"
	"strings"

	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
)

// Text for people. Every label is built from redacted values, names (apps, users, profiles,
// paths) and fixed words; no raw secret can reach it (the tests check).

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func steps(app *sfmeta.App, ev *evidence, best path, e report.Exposure) []report.Step {
	var out []report.Step
	add := func(kind, label, detail string) {
		out = append(out, report.Step{Kind: kind, Label: label, Detail: detail})
	}

	leak := plural(len(ev.locations), "location", "locations") + " in " + plural(len(ev.repos), "repository", "repositories")
	if ev.public {
		leak += ", public"
	}
	var where []string
	for i, l := range ev.locations {
		if i == 3 {
			where = append(where, fmt.Sprintf("and %d more", len(ev.locations)-3))
			break
		}
		s := l.Path
		if l.Line > 0 {
			s += fmt.Sprintf(":%d", l.Line)
		}
		if l.Repository != "" {
			s = l.Repository + ": " + s
		}
		where = append(where, s)
	}
	add("leak", leak, strings.Join(where, "; "))

	var parts []string
	if ev.key {
		parts = append(parts, "consumer key "+ev.keyShown)
	}
	if ev.secret {
		parts = append(parts, "consumer secret")
	}
	if ev.ccCall {
		if ev.ccCallLiteral {
			parts = append(parts, "client_credentials token call")
		} else {
			parts = append(parts, "client_credentials token call (secret from the environment)")
		}
	}
	if ev.ccMeta {
		parts = append(parts, "metadata enabling the client credentials flow")
	}
	if ev.sfdx {
		parts = append(parts, "SFDX auth URL")
	}
	if ev.refresh {
		parts = append(parts, "refresh token")
	}
	if ev.access {
		parts = append(parts, "access token")
	}
	if ev.password {
		pw := "hard-coded password"
		if len(ev.usernames) > 0 {
			pw += " for " + ev.usernames[0]
		}
		parts = append(parts, pw)
	}
	if ev.jwtKey {
		parts = append(parts, "JWT private key")
	}
	detail := ""
	if len(ev.hosts) > 0 {
		detail = "host " + strings.Join(ev.hosts, ", ")
	}
	add("credential", strings.Join(parts, " + "), detail)

	if app != nil {
		kind := "Connected App"
		if app.Type == sfmeta.TypeECA {
			kind = "External Client App"
		}
		add("app", app.DisplayName(), kind)
	} else {
		add("app", "no matching app in org metadata", "re-run with --org to follow this key into the org")
	}

	switch {
	case app != nil && app.ClientCredentials:
		d := ""
		if len(app.ClientCredentialsFrom) > 0 {
			d = "enabled in " + strings.Join(app.ClientCredentialsFrom, ", ")
		}
		add("flow", "client credentials flow ENABLED", d)
	case app != nil:
		d := "no certificate: the JWT bearer flow is not set up"
		if app.Certificate {
			d = "a certificate is uploaded: the JWT bearer flow is ready"
		}
		add("flow", "client credentials flow disabled", d)
	case e.ClientCredentialsEnabled:
		add("flow", "client credentials flow in use (app not in metadata)", "")
	case best.kind == "user":
		add("flow", "user credential: reaches the org as a user, whatever the app's flows", "")
	default:
		add("flow", "client credentials flow unknown", "")
	}

	if best.kind == "unknown-app" || (app != nil && !app.ClientCredentials && best.kind == "app") {
		add("mitigations", mitigationsLabel(best.m.list), "")
		add("score", fmt.Sprintf("%.1f %s", e.RiskScore, e.Severity), strings.Join(best.sc.factors, ", "))
		return out
	}

	ue := best.ue
	verb := "runs as "
	if best.kind == "user" {
		verb = "acts as "
	}
	switch {
	case ue.user != nil:
		state := "active"
		if !ue.user.ActiveKnown {
			state = "active state unknown"
		} else if !ue.user.Active {
			state = "inactive"
		}
		add("user", verb+ue.user.Username+" ("+state+")", "")
	case ue.name != "":
		add("user", verb+ue.name+" (not in users.json)", "")
	case best.kind == "user":
		add("user", "acts as the user the credential belongs to (unknown)", "")
	default:
		add("user", "run-as user not in the metadata", "set in Setup (Manage → Edit Policies → Client Credentials Flow → Run As); unknown here")
	}

	switch {
	case len(ue.grants) > 0:
		d := ""
		if ue.unknown {
			d = "partly unknown: " + ue.unknownWhy
		}
		add("permissions", strings.Join(ue.grants, "; "), d)
	case ue.unknown:
		add("permissions", "unknown", ue.unknownWhy)
	default:
		p := ue.profileName
		if p == "" {
			p = "profile"
		}
		add("permissions", p+": no powerful permissions", "")
	}
	add("mitigations", mitigationsLabel(best.m.list), "")
	add("score", fmt.Sprintf("%.1f %s", e.RiskScore, e.Severity), strings.Join(best.sc.factors, ", "))
	return out
}

func mitigationsLabel(list []string) string {
	if len(list) == 0 {
		return "none in force"
	}
	return strings.Join(list, "; ")
}

// remediation lists what to do, most urgent first, naming the app, users and settings of
// this path.
func remediation(app *sfmeta.App, ev *evidence, best path) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	eca := app != nil && app.Type == sfmeta.TypeECA
	label := "the app"
	if app != nil {
		label = appLabel(app)
	}

	// 1. Make the leaked values worthless.
	if ev.appCredential() {
		what := "Rotate the consumer secret"
		if !ev.secretLeaked() {
			what = "Rotate the consumer key and secret if the secret was ever stored with this code (only the key or the flow setting was found)"
		}
		switch {
		case app == nil:
			add("%s: find the app whose consumer key is %s (Setup → App Manager, or External Client App Manager → View), then rotate it as below; re-run with --org to score this path.", what, orUnknown(ev.keyShown))
		case eca:
			add("%s of %s: create staged credentials with the Connect API (POST /services/data/v66.0/apps/oauth/credentials/<ecaId>/<consumerId>/staged; needs External Client App Developer + View Client Secret and \"Allow access to External Client App consumer secrets via REST API\"), update the integration, then promote the staged credentials and delete the old ones.", what, label)
		default:
			add("%s of %s: Setup → App Manager → %s → View → Manage Consumer Details → generate a staged consumer key and secret, update the integration, then apply the new credentials.", what, label, label)
		}
	}
	if ev.sfdx || ev.refresh || ev.access {
		user := "its user"
		if best.ue.name != "" {
			user = best.ue.name
		}
		add("Revoke the leaked token: POST /services/oauth2/revoke with token=<the refresh or access token>, or Setup → Connected Apps OAuth Usage → %s → Revoke for %s; an SFDX auth URL is a refresh token for the Salesforce CLI user (run `sf org logout` on every machine that used it and re-authorise with `sf org login jwt`).", appOrCLI(app, ev), user)
	}
	if ev.password {
		user := "the user"
		if len(ev.usernames) > 0 {
			user = ev.usernames[0]
		}
		add("Reset the password and security token of %s, and block the username-password flow (Setup → OAuth and OpenID Connect Settings → untick Allow OAuth Username-Password Flows).", user)
	}
	if ev.jwtKey {
		add("Replace the certificate on %s (Use digital signatures) with a new key pair and revoke the committed private key: it signs assertions for any pre-authorised user.", label)
	}

	// 2. Cut existing sessions.
	if app != nil && app.ClientCredentials {
		add("Revoke tokens already issued to %s: Setup → Connected Apps OAuth Usage → %s → Revoke (or POST /services/oauth2/revoke per token); client-credentials access tokens stay valid until the session times out unless revoked.", label, label)
	} else if app != nil && ev.appCredential() {
		add("Revoke tokens issued to %s through its other flows: Setup → Connected Apps OAuth Usage → %s → Revoke.", label, label)
	} else if app == nil && ev.appCredential() {
		add("Revoke tokens already issued to that app: Setup → Connected Apps OAuth Usage → the app → Revoke.")
	}

	// 3. The control: turn the flow off and move to JWT bearer.
	if app != nil {
		if app.ClientCredentials {
			if eca {
				add("Disable the client credentials flow on %s: Setup → External Client Apps → External Client App Manager → %s → Edit Settings → OAuth Settings → Flow Enablement → untick Enable Client Credentials Flow (metadata: isClientCredentialsFlowEnabled false in the OAuth settings and policies).", label, label)
			} else {
				add("Disable the client credentials flow on %s: Setup → App Manager → %s → Edit → API (Enable OAuth Settings) → untick Enable Client Credentials Flow (metadata: isClientCredentialEnabled false).", label, label)
			}
		} else {
			add("The client credentials flow is already disabled on %s: keep it off.", label)
		}
		if app.Certificate {
			add("Move the integration to the JWT bearer flow: %s already has a certificate, so switch the client to a signed assertion (sf org login jwt --client-id <consumer key> --jwt-key-file server.key --username <user>) and keep server.key out of the repository.", label)
		} else {
			add("Move the integration to the JWT bearer flow: openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt, upload server.crt to %s (Use digital signatures), pre-authorise the integration user's profile or permission set, and never commit server.key.", label)
		}
	} else if ev.appCredential() {
		add("Disable the client credentials flow on that app (Setup → App Manager → the app → Edit → API (Enable OAuth Settings) → untick Enable Client Credentials Flow) and move the integration to the JWT bearer flow with a certificate.")
	}

	// 4. Shrink what the credential reaches.
	ue := best.ue
	if best.kind != "unknown-app" && ue.user != nil && len(ue.perms) > 0 {
		add("Reduce %s's permissions: %s. Give the integration a dedicated API-only profile (Minimum Access - API Only Integrations) and a permission set with only the objects it needs.", ue.user.Username, strings.Join(withRemove(ue.grants), "; "))
	}
	if best.kind != "unknown-app" && (app == nil || app.ClientCredentials || best.kind == "user") {
		if !best.m.ip {
			switch {
			case best.m.ipBypassed:
				add("Enforce login IP ranges: profile %s has login IP ranges but %s bypasses them (%s %s); set IP Relaxation to Enforce IP restrictions (%s %s).", ue.profileName, label, ipField(app), app.IPRelaxation, ipField(app), enforceValue(app))
			case ue.admin && ue.profile != nil && ue.profile.IsAdmin() && app != nil:
				add("Enforce login IP ranges: move %s off the System Administrator profile to a dedicated integration profile with Login IP Ranges for the integration's egress addresses, and set IP Relaxation on %s to Enforce IP restrictions (%s %s).", ue.name, label, ipField(app), enforceValue(app))
			case ue.profileName != "" && app != nil:
				add("Enforce login IP ranges: add the integration's egress addresses to profile %s (Setup → Profiles → %s → Login IP Ranges) and set IP Relaxation on %s to Enforce IP restrictions (%s %s).", ue.profileName, ue.profileName, label, ipField(app), enforceValue(app))
			case app != nil:
				add("Enforce login IP ranges: add the integration's egress addresses to the run-as user's profile (Login IP Ranges) and set IP Relaxation on %s to Enforce IP restrictions (%s %s).", label, ipField(app), enforceValue(app))
			default:
				add("Restrict where %s can log in from: Login IP Ranges on its profile, and Enforce login IP ranges on every request (Setup → Session Settings).", orUser(ue.name))
			}
		}
		if !best.m.rt {
			add("Enable real-time API event monitoring: Setup → Event Manager → API Event → Enable Streaming and Enable Storage (needs Shield or the Event Monitoring add-on), so mass queries by %s are seen.", orUser(ue.name))
		}
		if !best.m.tsp {
			add("Add a transaction security policy on ApiEvent (or ApiAnomalyEventStore) that blocks or notifies on high-volume queries by %s.", orUser(ue.name))
		}
	}

	// 5. Public history.
	if ev.public {
		add("Purge the credential from public history: rewrite it out with git filter-repo --replace-text, force-push every branch and tag, and ask GitHub Support to purge cached views and pull-request refs; treat forks and clones as compromised — rotation, not the rewrite, ends the exposure.")
	}
	return out
}

func withRemove(grants []string) []string {
	out := make([]string, len(grants))
	for i, g := range grants {
		out[i] = "remove " + g
	}
	return out
}

func enforceValue(app *sfmeta.App) string {
	if app != nil && app.Type == sfmeta.TypeECA {
		return "Enforce"
	}
	return "ENFORCE"
}

func orUser(name string) string {
	if name == "" {
		return "the integration user"
	}
	return name
}

func orUnknown(key string) string {
	if key == "" {
		return "unknown"
	}
	return key
}

func appOrCLI(app *sfmeta.App, ev *evidence) string {
	if app != nil {
		return appLabel(app)
	}
	if ev.sfdx {
		return "Salesforce CLI"
	}
	return "the app"
}
