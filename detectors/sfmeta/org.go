// Package sfmeta reads Salesforce metadata (Connected Apps, External Client Apps, profiles,
// permission sets, transaction security policies, real-time event and security settings) and
// the users of an org (sf data query --json output) into org facts: which app a consumer key
// belongs to, whether its client credentials flow is on, whom it runs as, what that user may
// do, and which mitigations are in force. report/exposure turns those facts into risk.
//
// Both retrieve formats are read: source format (force-app/main/default/…/X.connectedApp-meta.xml)
// and Metadata API format (unpackaged/connectedApps/X.connectedApp), at any depth.
package sfmeta

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/sfleak/sfleak/report"
)

// App types, as written into Exposure.AppType.
const (
	TypeConnectedApp = "ConnectedApp"
	TypeECA          = "ExternalClientApplication"
)

// Org holds the facts of one org. Maps are keyed as documented per field; use the lookup
// methods, which also resolve file names against display names and ignore case.
type Org struct {
	// Apps are Connected Apps and External Client Apps, in the order first seen.
	Apps []*App
	// Profiles by display name (Profile.Name in users.json: "System Administrator").
	Profiles map[string]*Profile
	// PermissionSets by API name (the file base name, PermissionSet.Name in queries).
	PermissionSets map[string]*PermissionSet
	// Users by lower-case username.
	Users map[string]*User
	// Policies are transaction security policies, in the order first seen.
	Policies []*Policy
	// RealTimeEvents maps an event entity name (ApiEvent, ApiEventStream…) to its enabled flag.
	RealTimeEvents map[string]bool
	// Security holds Security.settings, nil when absent.
	Security *SecuritySettings

	mu          sync.Mutex
	appsByName  map[string]*App // type + "\x00" + lower(name)
	appsByFile  map[string]*App // lower(file base name) of every file that contributed
	appsByKey   map[string]*App // report.CredentialID(consumer key)
	appsBySec   map[string]*App // report.CredentialID(consumer secret), when metadata holds it
	policyIndex map[string]*Policy
	fromOrgDir  map[string]bool // components described by LoadOrg's directory
}

// App is a Connected App or an External Client App (its several ECA files joined).
type App struct {
	Name         string // API name: the metadata file base name
	Type         string // TypeConnectedApp or TypeECA
	Label        string
	ContactEmail string
	// ConsumerKey is the raw key from metadata. It is an identifier rather than a secret, but
	// is still never printed unredacted.
	ConsumerKey string
	// HasConsumerSecret: the metadata itself holds a consumer secret (a leak on its own).
	HasConsumerSecret bool
	// ClientCredentials: the client credentials flow is enabled. For an ECA either the global
	// OAuth settings or the OAuth policies may carry the flag; any "true" counts (see
	// ClientCredentialsFrom), because both files are read as enabling the flow.
	ClientCredentials     bool
	ClientCredentialsFrom []string // the files (base names) that enabled it
	RunAsUser             string   // oauthClientCredentialUser / clientCredentialsFlowUser
	Certificate           bool     // a certificate is uploaded: the JWT bearer flow is ready
	AdminApproved         bool     // isAdminApproved / permittedUsersPolicyType AdminApprovedPreAuthorized
	Scopes                []string
	// IPRelaxation is the app's IP policy as written: ENFORCE, BYPASS (Connected App) or
	// Enforce, Bypass, Bypass_2factor, Enforce_RelaxRefresh (ECA). Empty when not set.
	IPRelaxation      string
	PermittedUsers    string   // ECA permittedUsersPolicyType
	Profiles          []string // pre-authorised profiles (names as written)
	PermissionSets    []string // pre-authorised permission sets
	DistributionState string   // ECA: Local / Packaged
	Files             []string // paths of the files that described the app

	ccSettings, ccPolicy *bool // ECA readings, kept to combine in any file order
	keyCred, secretCred  string
}

// IPPolicy is how an app treats its users' login IP ranges.
type IPPolicy int

// IP policies. IPUnknown is an app whose metadata does not say (treated as not enforcing
// unless the org enforces ranges on every request).
const (
	IPUnknown IPPolicy = iota
	IPEnforce
	IPBypass
)

// IPPolicy reads IPRelaxation: ENFORCE/Enforce/Enforce_RelaxRefresh enforce login IP ranges
// (the last relaxes them for refresh tokens only, which client credentials do not use);
// BYPASS/Bypass/Bypass_2factor relax them.
func (a *App) IPPolicy() IPPolicy {
	v := strings.ToLower(strings.TrimSpace(a.IPRelaxation))
	switch {
	case strings.HasPrefix(v, "enforce"):
		return IPEnforce
	case strings.HasPrefix(v, "bypass"):
		return IPBypass
	}
	return IPUnknown
}

// KeyCredential is report.CredentialID of the app's consumer key, "" when the key is unknown.
func (a *App) KeyCredential() string { return a.keyCred }

// DisplayName is "Label (Name)", or Name when the label is missing or equal.
func (a *App) DisplayName() string {
	if a.Label == "" || a.Label == a.Name {
		return a.Name
	}
	return a.Label + " (" + a.Name + ")"
}

// Profile is one profile's relevant facts.
type Profile struct {
	Name     string // display name ("System Administrator")
	FileName string // metadata file base name ("Admin"); empty for an implied profile
	Custom   bool
	// Permissions maps a user permission name to its enabled flag as the file says.
	// Absent is unknown, not off (deploys overwrite; retrieves may be partial).
	Permissions   map[string]bool
	LoginIPRanges []IPRange
	// Implied is true for a profile known only by name (System Administrator with no file).
	Implied bool
}

// IsAdmin reports whether this is the standard System Administrator profile.
func (p *Profile) IsAdmin() bool { return strings.EqualFold(p.Name, SystemAdministrator) }

// Enabled reports whether perm is on: enabled in the file, or implied by System Administrator.
func (p *Profile) Enabled(perm string) bool {
	if p.Permissions[perm] {
		return true
	}
	return p.IsAdmin() && slices.Contains(adminImplied, perm)
}

// IPRange is a start–end address pair.
type IPRange struct {
	Start, End, Description string
}

// String renders "start–end".
func (r IPRange) String() string {
	if r.End == "" || r.End == r.Start {
		return r.Start
	}
	return r.Start + "–" + r.End
}

// PermissionSet is one permission set's relevant facts.
type PermissionSet struct {
	Name        string // API name
	Label       string
	Permissions map[string]bool
}

// User is one org user from users.json.
type User struct {
	Username    string
	Active      bool
	ActiveKnown bool   // IsActive was present
	Profile     string // display name (Profile.Name); empty when unknown
	// PermissionSets are API names of assigned permission sets (profile-owned sets excluded).
	PermissionSets []string
}

// Policy is a transaction security policy.
type Policy struct {
	Name      string // developer name (file base name)
	Label     string // masterLabel
	Active    bool
	EventName string // ApiEvent, ApiAnomalyEvent, BulkApiResultEvent, LoginEvent…
	EventType string // legacy policies' eventType
	Block     bool
	Notify    bool
	MFA       bool
	ApexClass string
	Type      string
}

// Event is EventName, or EventType for legacy policies.
func (p *Policy) Event() string {
	if p.EventName != "" {
		return p.EventName
	}
	return p.EventType
}

// SecuritySettings are the org-wide session and network settings that bear on IP ranges.
type SecuritySettings struct {
	// EnforceIPRangesEveryRequest enforces profile login IP ranges on every request, not only
	// at login, for apps that do not bypass them.
	EnforceIPRangesEveryRequest bool
	LockSessionsToIP            bool
	// TrustedIPRanges (networkAccess) never block anyone: they only skip identity verification.
	TrustedIPRanges []IPRange
}

// NewOrg returns an empty org.
func NewOrg() *Org {
	return &Org{
		Profiles:       map[string]*Profile{},
		PermissionSets: map[string]*PermissionSet{},
		Users:          map[string]*User{},
		RealTimeEvents: map[string]bool{},
		appsByName:     map[string]*App{},
		appsByFile:     map[string]*App{},
		appsByKey:      map[string]*App{},
		appsBySec:      map[string]*App{},
		policyIndex:    map[string]*Policy{},
		fromOrgDir:     map[string]bool{},
	}
}

// File kinds, by suffix (after an optional -meta.xml).
const (
	kindConnectedApp = "connectedApp"
	kindECA          = "eca"
	kindECAGlobal    = "ecaGlblOauth"
	kindECAOauth     = "ecaOauth"
	kindECAPolicy    = "ecaOauthPlcy"
	kindProfile      = "profile"
	kindPermSet      = "permissionset"
	kindPolicy       = "transactionSecurityPolicy"
	kindRealTime     = "RealTimeEvent.settings"
	kindSecurity     = "Security.settings"
)

var suffixKinds = []string{
	kindConnectedApp, kindECA, kindECAGlobal, kindECAOauth, kindECAPolicy,
	kindProfile, kindPermSet, kindPolicy,
}

// kindOf returns the metadata kind of a path and the component name it names ("" when the
// path is not metadata sfmeta reads). Matching ignores case: checkouts on case-insensitive
// file systems get renamed.
func kindOf(p string) (kind, name string) {
	base := path.Base(filepath.ToSlash(p))
	lower := strings.ToLower(base)
	stem, lowerStem := base, lower
	if strings.HasSuffix(lower, "-meta.xml") {
		stem, lowerStem = base[:len(base)-len("-meta.xml")], lower[:len(lower)-len("-meta.xml")]
	}
	for _, k := range []string{kindRealTime, kindSecurity} {
		if lowerStem == strings.ToLower(k) {
			return k, strings.TrimSuffix(k, ".settings")
		}
	}
	for _, k := range suffixKinds {
		suf := "." + strings.ToLower(k)
		if strings.HasSuffix(lowerStem, suf) && len(lowerStem) > len(suf) {
			return k, stem[:len(stem)-len(suf)]
		}
	}
	return "", ""
}

// IsMetadataPath reports whether path names a metadata file sfmeta reads (either format), so
// the scanner can hand such blobs to AddFile.
func IsMetadataPath(path string) bool {
	k, _ := kindOf(path)
	return k != ""
}

// AddFile parses one metadata file (path selects the type; its base name is the component's
// API name) and merges it into the org. Files of the same component added twice merge;
// later non-empty values win. The error is one line and does not name the file (callers add it). AddFile is safe for
// concurrent use; the lookups are not safe concurrently with it.
//
// A file added after LoadOrg for a component the org directory already described is ignored:
// the org's retrieve is its truth, while a scanned repository may hold stale metadata or
// another org's. Components the retrieve lacks (often the secret-bearing ECA global OAuth
// settings) are taken from repositories.
func (o *Org) AddFile(p string, data []byte) error { return o.add(p, data, false) }

// shadowed reports whether a component is already described by the org directory and this
// file comes from elsewhere; files from the org directory mark their components.
func (o *Org) shadowed(kind, component string, fromOrgDir bool) bool {
	id := kind + "\x00" + strings.ToLower(component)
	if fromOrgDir {
		o.fromOrgDir[id] = true
		return false
	}
	return o.fromOrgDir[id]
}

func (o *Org) add(p string, data []byte, fromOrgDir bool) error {
	kind, name := kindOf(p)
	if kind == "" {
		return fmt.Errorf("not a metadata file sfmeta reads")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch kind {
	case kindConnectedApp:
		var x xConnectedApp
		if err := decodeRoot(data, &x, "ConnectedApp"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		o.addConnectedApp(p, name, &x)
	case kindECA:
		var x xECA
		if err := decodeRoot(data, &x, "ExternalClientApplication"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		a := o.appLocked(TypeECA, name, p)
		a.Label = firstNonEmpty(x.Label, a.Label)
		a.ContactEmail = firstNonEmpty(x.ContactEmail, a.ContactEmail)
		a.DistributionState = firstNonEmpty(x.DistributionState, a.DistributionState)
	case kindECAGlobal:
		var x xECAGlobalOauth
		if err := decodeRoot(data, &x, "ExtlClntAppGlobalOauthSettings"); err != nil {
			return err
		}
		if o.shadowed(kind, ecaName(x.ExternalClientApplication, name), fromOrgDir) {
			return nil
		}
		a := o.appLocked(TypeECA, ecaName(x.ExternalClientApplication, name), p)
		o.setKeys(a, x.ConsumerKey, x.ConsumerSecret)
		a.Certificate = a.Certificate || strings.TrimSpace(x.Certificate) != ""
		if v := x.IsClientCredentialsFlowEnabled.ptr(); v != nil {
			a.ccSettings = v
		}
		a.recomputeECAFlow(path.Base(filepath.ToSlash(p)), x.IsClientCredentialsFlowEnabled)
	case kindECAOauth:
		var x xECAOauth
		if err := decodeRoot(data, &x, "ExtlClntAppOauthSettings"); err != nil {
			return err
		}
		if o.shadowed(kind, ecaName(x.ExternalClientApplication, name), fromOrgDir) {
			return nil
		}
		a := o.appLocked(TypeECA, ecaName(x.ExternalClientApplication, name), p)
		if s := splitComma(x.CommaSeparatedOauthScopes); len(s) > 0 {
			a.Scopes = s
		}
	case kindECAPolicy:
		var x xECAPolicy
		if err := decodeRoot(data, &x, "ExtlClntAppOauthConfigurablePolicies"); err != nil {
			return err
		}
		if o.shadowed(kind, ecaName(x.ExternalClientApplication, name), fromOrgDir) {
			return nil
		}
		a := o.appLocked(TypeECA, ecaName(x.ExternalClientApplication, name), p)
		a.RunAsUser = firstNonEmpty(strings.TrimSpace(x.ClientCredentialsFlowUser), a.RunAsUser)
		a.IPRelaxation = firstNonEmpty(strings.TrimSpace(x.IPRelaxationPolicyType), a.IPRelaxation)
		a.PermittedUsers = firstNonEmpty(strings.TrimSpace(x.PermittedUsersPolicyType), a.PermittedUsers)
		if strings.EqualFold(a.PermittedUsers, "AdminApprovedPreAuthorized") {
			a.AdminApproved = true
		}
		if s := splitComma(x.CommaSeparatedProfile); len(s) > 0 {
			a.Profiles = s
		}
		if s := splitComma(x.CommaSeparatedPermissionSet); len(s) > 0 {
			a.PermissionSets = s
		}
		if v := x.IsClientCredentialsFlowEnabled.ptr(); v != nil {
			a.ccPolicy = v
		}
		a.recomputeECAFlow(path.Base(filepath.ToSlash(p)), x.IsClientCredentialsFlowEnabled)
	case kindProfile:
		var x xProfile
		if err := decodeRoot(data, &x, "Profile"); err != nil {
			return err
		}
		if o.shadowed(kind, ProfileDisplayName(name), fromOrgDir) {
			return nil
		}
		display := ProfileDisplayName(name)
		pr := &Profile{Name: display, FileName: name, Custom: x.Custom.Value, Permissions: perms(x.UserPermissions)}
		for _, r := range x.LoginIPRanges {
			pr.LoginIPRanges = append(pr.LoginIPRanges, IPRange{Start: strings.TrimSpace(r.Start), End: strings.TrimSpace(r.End), Description: r.Description})
		}
		o.putProfile(pr)
	case kindPermSet:
		var x xPermissionSet
		if err := decodeRoot(data, &x, "PermissionSet"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		key := o.permSetKey(name)
		o.PermissionSets[key] = &PermissionSet{Name: name, Label: firstNonEmpty(x.Label, name), Permissions: perms(x.UserPermissions)}
	case kindPolicy:
		var x xPolicy
		if err := decodeRoot(data, &x, "TransactionSecurityPolicy"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		pol := &Policy{
			Name: firstNonEmpty(x.DeveloperName, name), Label: firstNonEmpty(x.MasterLabel, x.DeveloperName, name),
			Active: x.Active.Value, EventName: strings.TrimSpace(x.EventName), EventType: strings.TrimSpace(x.EventType),
			Block: x.Action.Block.Value, MFA: x.Action.TwoFactorAuthentication.Value,
			ApexClass: x.ApexClass, Type: x.Type,
		}
		for _, n := range x.Action.Notifications {
			if n.InApp.Value || n.SendEmail.Value {
				pol.Notify = true
			}
		}
		k := strings.ToLower(name)
		if old := o.policyIndex[k]; old != nil {
			*old = *pol
		} else {
			o.policyIndex[k] = pol
			o.Policies = append(o.Policies, pol)
		}
	case kindRealTime:
		var x xRealTimeEvents
		if err := decodeRoot(data, &x, "RealTimeEventSettings"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		for _, e := range x.Events {
			if n := strings.TrimSpace(e.EntityName); n != "" {
				o.RealTimeEvents[n] = e.IsEnabled.Value
			}
		}
	case kindSecurity:
		var x xSecuritySettings
		if err := decodeRoot(data, &x, "SecuritySettings"); err != nil {
			return err
		}
		if o.shadowed(kind, name, fromOrgDir) {
			return nil
		}
		s := &SecuritySettings{
			EnforceIPRangesEveryRequest: x.SessionSettings.EnforceIPRangesEveryRequest.Value,
			LockSessionsToIP:            x.SessionSettings.LockSessionsToIP.Value,
		}
		for _, r := range x.NetworkAccess.IPRanges {
			s.TrustedIPRanges = append(s.TrustedIPRanges, IPRange{Start: r.Start, End: r.End, Description: r.Description})
		}
		o.Security = s
	}
	return nil
}

// decodeRoot decodes data into v and checks the root element is want (a ConnectedApp file
// holding a Profile is a mistake worth reporting, not silently reading).
func decodeRoot(data []byte, v any, want string) error {
	root, err := decodeXML(data, v)
	if err != nil {
		return err
	}
	if root != want {
		return fmt.Errorf("root element <%s>, want <%s>", clip(root), want)
	}
	return nil
}

func (o *Org) addConnectedApp(p, name string, x *xConnectedApp) {
	a := o.appLocked(TypeConnectedApp, name, p)
	a.Label = firstNonEmpty(strings.TrimSpace(x.Label), a.Label)
	a.ContactEmail = firstNonEmpty(x.ContactEmail, a.ContactEmail)
	c := &x.OauthConfig
	o.setKeys(a, c.ConsumerKey, c.ConsumerSecret)
	a.Certificate = a.Certificate || strings.TrimSpace(c.Certificate) != ""
	if c.IsAdminApproved.Set {
		a.AdminApproved = c.IsAdminApproved.Value
	}
	if c.IsClientCredentialEnabled.Set {
		a.ClientCredentials = c.IsClientCredentialEnabled.Value
		a.ClientCredentialsFrom = nil
		if a.ClientCredentials {
			a.ClientCredentialsFrom = []string{path.Base(filepath.ToSlash(p))}
		}
	}
	a.RunAsUser = firstNonEmpty(strings.TrimSpace(c.OauthClientCredentialUser), a.RunAsUser)
	if len(c.Scopes) > 0 {
		a.Scopes = trimAll(c.Scopes)
	}
	a.IPRelaxation = firstNonEmpty(strings.TrimSpace(x.OauthPolicy.IPRelaxation), a.IPRelaxation)
	if len(x.ProfileName) > 0 {
		a.Profiles = trimAll(x.ProfileName)
	}
	if len(x.PermissionSetName) > 0 {
		a.PermissionSets = trimAll(x.PermissionSetName)
	}
}

// recomputeECAFlow combines the two files that may carry the ECA's client-credentials flag.
// Salesforce has moved the flag between ExtlClntAppGlobalOauthSettings (v60+) and the
// configurable policies; we read either "true" as enabled, since a scanner must not call a
// flow off on the strength of one file when the other turns it on.
func (a *App) recomputeECAFlow(file string, v xbool) {
	on := (a.ccSettings != nil && *a.ccSettings) || (a.ccPolicy != nil && *a.ccPolicy)
	a.ClientCredentials = on
	if v.Set && v.Value && !slices.Contains(a.ClientCredentialsFrom, file) {
		a.ClientCredentialsFrom = append(a.ClientCredentialsFrom, file)
	}
	if !on {
		a.ClientCredentialsFrom = nil
	}
}

// setKeys records the app's consumer key and (whether it has a) consumer secret, and indexes
// their credential ids so findings can be matched without raw values.
func (o *Org) setKeys(a *App, key, secret string) {
	if key = strings.TrimSpace(key); key != "" {
		if a.keyCred != "" {
			delete(o.appsByKey, a.keyCred)
		}
		a.ConsumerKey = key
		a.keyCred = report.CredentialID(key)
		o.appsByKey[a.keyCred] = a
	}
	if secret = strings.TrimSpace(secret); secret != "" {
		a.HasConsumerSecret = true
		a.secretCred = report.CredentialID(secret)
		o.appsBySec[a.secretCred] = a
	}
}

// appLocked returns the app of type typ named name, creating it, and records file p.
func (o *Org) appLocked(typ, name, p string) *App {
	k := typ + "\x00" + strings.ToLower(name)
	a := o.appsByName[k]
	if a == nil {
		a = &App{Name: name, Type: typ}
		o.appsByName[k] = a
		o.Apps = append(o.Apps, a)
	}
	if !slices.Contains(a.Files, p) {
		a.Files = append(a.Files, p)
	}
	o.appsByFile[strings.ToLower(path.Base(filepath.ToSlash(p)))] = a
	return a
}

// ecaNameSuffixes are the endings retrieves give ECA part files ("Acme_ETL_glbloauth"),
// stripped when a part does not name its app in externalClientApplication.
var ecaNameSuffixes = []string{"_glbloauth", "_globaloauth", "_oauthplcy", "_oauthpolicy", "_oauthpolicies", "_plcy", "_policy", "_policies", "_oauth", "_settings"}

func ecaName(field, fileName string) string {
	if f := strings.TrimSpace(field); f != "" {
		return f
	}
	lower := strings.ToLower(fileName)
	for _, s := range ecaNameSuffixes {
		if strings.HasSuffix(lower, s) && len(lower) > len(s) {
			return fileName[:len(fileName)-len(s)]
		}
	}
	return fileName
}

func (o *Org) putProfile(p *Profile) {
	for k := range o.Profiles {
		if strings.EqualFold(k, p.Name) {
			delete(o.Profiles, k)
		}
	}
	o.Profiles[p.Name] = p
}

func (o *Org) permSetKey(name string) string {
	for k := range o.PermissionSets {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func perms(ups []xUserPermission) map[string]bool {
	m := make(map[string]bool, len(ups))
	for _, u := range ups {
		if n := strings.TrimSpace(u.Name); n != "" {
			m[n] = u.Enabled.Value
		}
	}
	return m
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// AppByKey returns the app whose consumer key is exactly consumerKey, or nil.
func (o *Org) AppByKey(consumerKey string) *App {
	if consumerKey == "" {
		return nil
	}
	return o.appsByKey[report.CredentialID(consumerKey)]
}

// AppByKeyCredential returns the app whose consumer key has credential id cred
// (report.CredentialID), or nil. Exposures recomputed from a redacted JSON report use it.
func (o *Org) AppByKeyCredential(cred string) *App {
	if cred == "" {
		return nil
	}
	return o.appsByKey[cred]
}

// AppBySecretCredential returns the app whose metadata holds a consumer secret with
// credential id cred, or nil.
func (o *Org) AppBySecretCredential(cred string) *App {
	if cred == "" {
		return nil
	}
	return o.appsBySec[cred]
}

// AppByPath returns the app a metadata file describes, by its base name (any directory, any
// repository), or nil. A ConnectedApp or ECA file not loaded into the org still resolves
// through its component name when an app of that name is known.
func (o *Org) AppByPath(p string) *App {
	base := strings.ToLower(path.Base(filepath.ToSlash(p)))
	if a := o.appsByFile[base]; a != nil {
		return a
	}
	kind, name := kindOf(p)
	switch kind {
	case kindConnectedApp:
		return o.App(TypeConnectedApp, name)
	case kindECA, kindECAGlobal, kindECAOauth, kindECAPolicy:
		if a := o.App(TypeECA, name); a != nil {
			return a
		}
		return o.App(TypeECA, ecaName("", name))
	}
	return nil
}

// App returns the app of type typ (TypeConnectedApp or TypeECA) and API name name, ignoring
// case, or nil.
func (o *Org) App(typ, name string) *App {
	return o.appsByName[typ+"\x00"+strings.ToLower(name)]
}

// ProfileNamed returns a profile by display name or file name, ignoring case. The System
// Administrator profile is always known (Implied) even without its file; other unknown
// profiles give nil.
func (o *Org) ProfileNamed(name string) *Profile {
	if strings.TrimSpace(name) == "" {
		return nil
	}
	want := canonicalProfile(name)
	for k, p := range o.Profiles {
		if strings.ToLower(k) == want {
			return p
		}
	}
	if want == strings.ToLower(SystemAdministrator) {
		return &Profile{Name: SystemAdministrator, Permissions: map[string]bool{}, Implied: true}
	}
	return nil
}

// PermissionSetNamed returns a permission set by API name, ignoring case, or nil.
func (o *Org) PermissionSetNamed(name string) *PermissionSet {
	if ps := o.PermissionSets[name]; ps != nil {
		return ps
	}
	for k, ps := range o.PermissionSets {
		if strings.EqualFold(k, name) {
			return ps
		}
	}
	return nil
}

// UserNamed returns a user by username, ignoring case, or nil.
func (o *Org) UserNamed(username string) *User {
	return o.Users[strings.ToLower(strings.TrimSpace(username))]
}

// usersFileNames and assignmentFileNames are the names LoadOrg picks up anywhere under the
// org directory (compared lower-case).
var (
	usersFileNames      = []string{"users.json"}
	assignmentFileNames = []string{
		"permissionset-assignments.json", "permissionsetassignments.json",
		"permission-set-assignments.json", "permsetassignments.json",
		"permset-assignments.json", "permissionsetassignment.json",
	}
	skipDirs = []string{".git", "node_modules", ".sfdx", ".sf", ".vscode", ".idea"}
)

// LoadOrg reads an org folder: metadata in either format at any depth, users.json (unless
// usersFile names another users file) and permission-set assignment files. A file that cannot
// be read or parsed becomes a report.Error naming it, and loading goes on; err is returned
// only when dir itself cannot be read. Symbolic links are not followed.
func LoadOrg(dir string, usersFile string) (*Org, []report.Error, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s", dir, oneLine(unwrapPathError(err)))
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("%s: not a directory", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return nil, nil, fmt.Errorf("%s: %s", dir, oneLine(unwrapPathError(err)))
	}
	o := NewOrg()
	var errs []report.Error
	fail := func(src string, err error) {
		errs = append(errs, report.Error{Source: src, Message: oneLine(err.Error())})
	}
	var jsonFiles []string
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			fail(p, fmt.Errorf("%s", unwrapPathError(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && slices.Contains(skipDirs, d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		lower := strings.ToLower(d.Name())
		switch {
		case IsMetadataPath(p):
			data, err := readLimited(p)
			if err == nil {
				err = o.add(p, data, true)
			}
			if err != nil {
				fail(p, err)
			}
		case usersFile == "" && slices.Contains(usersFileNames, lower),
			slices.Contains(assignmentFileNames, lower):
			jsonFiles = append(jsonFiles, p)
		}
		return nil
	})
	if walkErr != nil {
		return nil, nil, fmt.Errorf("%s: %s", dir, oneLine(unwrapPathError(walkErr)))
	}
	if usersFile != "" {
		jsonFiles = append(jsonFiles, usersFile)
	}
	for _, p := range jsonFiles {
		data, err := readLimited(p)
		if err == nil {
			err = o.AddUsersJSON(data)
		}
		if err != nil {
			fail(p, err)
		}
	}
	return o, errs, nil
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%s", unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s", unwrapPathError(err))
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file larger than %d MiB", MaxFileSize>>20)
	}
	return data, nil
}

// unwrapPathError drops the path from *fs.PathError, since callers name the file themselves.
func unwrapPathError(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
