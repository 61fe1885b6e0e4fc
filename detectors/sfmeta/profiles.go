package sfmeta

import (
	"net/url"
	"strings"
)

// Standard profiles are retrieved under API file names that differ from the names users.json
// and Setup show (Profile.Name). The pairs below are those Salesforce writes for standard
// profiles [O: observed in retrieves]; custom profiles use their name, URL-encoded
// ("Custom%3A Sales Profile" → "Custom: Sales Profile"), which fileProfileName decodes.
var standardProfiles = [][2]string{
	{"Admin", "System Administrator"},
	{"Standard", "Standard User"},
	{"ReadOnly", "Read Only"},
	{"MarketingProfile", "Marketing User"},
	{"ContractManager", "Contract Manager"},
	{"SolutionManager", "Solution Manager"},
	{"StandardAul", "Standard Platform User"},
	{"Force%2Ecom - Free User", "Force.com - Free User"},
	{"Force%2Ecom - App Subscription User", "Force.com - App Subscription User"},
	{"Work%2Ecom Only User", "Work.com Only User"},
	{"Analytics Cloud Integration User", "Analytics Cloud Integration User"},
	{"Analytics Cloud Security User", "Analytics Cloud Security User"},
	{"Minimum Access - Salesforce", "Minimum Access - Salesforce"},
	{"Minimum Access - API Only Integrations", "Minimum Access - API Only Integrations"},
	{"Salesforce API Only System Integrations", "Salesforce API Only System Integrations"},
	{"Chatter Free User", "Chatter Free User"},
	{"Chatter External User", "Chatter External User"},
	{"Chatter Moderator User", "Chatter Moderator User"},
	{"Identity User", "Identity User"},
}

// SystemAdministrator is the display name of the standard administrator profile (file Admin).
const SystemAdministrator = "System Administrator"

// adminImplied are permissions the System Administrator profile always has: Salesforce does
// not let them be switched off on that standard profile, so they hold even when its file is
// absent from the retrieve or lists only some of them.
var adminImplied = []string{
	"ModifyAllData", "ViewAllData", "ManageUsers", "AuthorApex", "CustomizeApplication",
	"ViewSetup", "ApiEnabled", "ManageInternalUsers", "ResetPasswords", "ModifyMetadata",
	"ManageProfilesPermissionsets", "AssignPermissionSets",
}

// ProfileDisplayName returns the name Setup and users.json use (Profile.Name) for a profile
// metadata file base name (without suffix): "Admin" → "System Administrator". Names are
// URL-decoded; unknown names are returned decoded and otherwise unchanged.
func ProfileDisplayName(fileName string) string {
	for _, p := range standardProfiles {
		if strings.EqualFold(p[0], fileName) {
			return p[1]
		}
	}
	if dec, err := url.PathUnescape(fileName); err == nil {
		return dec
	}
	return fileName
}

// ProfileFileName is the inverse of ProfileDisplayName: "System Administrator" → "Admin".
// Custom profile names are URL-encoded the way retrieves write them (":" → "%3A", "." → "%2E").
func ProfileFileName(displayName string) string {
	for _, p := range standardProfiles {
		if strings.EqualFold(p[1], displayName) {
			return p[0]
		}
	}
	r := strings.NewReplacer("%", "%25", ":", "%3A", ".", "%2E", "/", "%2F")
	return r.Replace(displayName)
}

// canonicalProfile is the map key for a profile name given either way.
func canonicalProfile(name string) string {
	return strings.ToLower(ProfileDisplayName(strings.TrimSpace(name)))
}
