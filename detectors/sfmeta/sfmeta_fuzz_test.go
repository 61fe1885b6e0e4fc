package sfmeta

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// metaPaths are one path per metadata kind AddFile reads, in both formats.
var metaPaths = []string{
	"force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml",
	"connectedApps/Billing_Sync.connectedApp",
	"externalClientApps/Sync.eca-meta.xml",
	"extlClntAppGlobalOauthSets/Sync.ecaGlblOauth-meta.xml",
	"extlClntAppOauthSettings/Sync.ecaOauth-meta.xml",
	"extlClntAppOauthPolicies/Sync.ecaOauthPlcy-meta.xml",
	"profiles/Admin.profile-meta.xml",
	"permissionsets/Integration.permissionset-meta.xml",
	"transactionSecurityPolicies/Block.transactionSecurityPolicy-meta.xml",
	"settings/RealTimeEvent.settings-meta.xml",
	"settings/Security.settings-meta.xml",
}

// watchdog panics (failing the fuzz input) when fn runs longer than d.
func watchdog(d time.Duration, what string, fn func()) {
	t := time.AfterFunc(d, func() { panic("watchdog: " + what + " still running after " + d.String()) })
	defer t.Stop()
	fn()
}

// checkErrLine fails unless err is nil or one short line that quotes no long run of the
// input (a secret after a stray '&' must not come back as an "entity name").
func checkErrLine(t *testing.T, what string, err error, data []byte) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if msg == "" || strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("%s: error is not one line: %q", what, msg)
	}
	if len(msg) > 512 {
		t.Fatalf("%s: error of %d bytes (input %d bytes)", what, len(msg), len(data))
	}
	const run = 48
	for i := 0; i+run <= len(msg); i++ {
		if bytes.Contains(data, []byte(msg[i:i+run])) {
			t.Fatalf("%s: error quotes %d bytes of the input: %q", what, run, msg)
		}
	}
}

// exercise runs every lookup over the org, so that a half-filled model cannot panic later.
func exercise(o *Org) {
	for _, a := range o.appsByName {
		_ = a.IPPolicy()
		_ = a.DisplayName()
		o.AppByKey(a.ConsumerKey)
		for _, f := range a.Files {
			o.AppByPath(f)
		}
	}
	for _, p := range o.Profiles {
		_ = p.IsAdmin()
		_ = p.Enabled("ModifyAllData")
		o.ProfileNamed(p.Name)
	}
	for _, u := range o.Users {
		o.UserNamed(u.Username)
	}
	for _, ps := range o.PermissionSets {
		o.PermissionSetNamed(ps.Name)
	}
	for _, p := range o.Policies {
		_ = p.Event()
	}
	o.AppByKeyCredential("x")
	o.AppBySecretCredential("x")
}

// FuzzAddFile: any bytes under any metadata path either merge into the org or fail with one
// short line; no panic, no hang (DTDs and deep nesting are refused before decoding).
func FuzzAddFile(f *testing.F) {
	key, sec := fakecred.ConsumerKey("fz"), fakecred.ConsumerSecret("fz")
	f.Add(uint8(0), []byte(doc("ConnectedApp", "<label>Billing</label><oauthConfig><consumerKey>"+key+"</consumerKey><consumerSecret>"+sec+"</consumerSecret><isClientCredentialEnabled>true</isClientCredentialEnabled><oauthClientCredentialUser>etl@acme.example</oauthClientCredentialUser></oauthConfig><oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation></oauthPolicy>", true)))
	f.Add(uint8(3), []byte(doc("ExtlClntAppGlobalOauthSettings", "<consumerKey>"+key+"</consumerKey><consumerSecret>"+sec+"</consumerSecret>", true)))
	f.Add(uint8(4), []byte(doc("ExtlClntAppOauthSettings", "<isClientCredentialsFlowEnabled>TRUE</isClientCredentialsFlowEnabled>", false)))
	f.Add(uint8(6), []byte(doc("Profile", "<userPermissions><enabled>true</enabled><name>ModifyAllData</name></userPermissions><loginIpRanges><startAddress>10.0.0.0</startAddress><endAddress>10.0.0.255</endAddress></loginIpRanges>", true)))
	f.Add(uint8(8), []byte(doc("TransactionSecurityPolicy", "<active>true</active><eventName>ApiEvent</eventName>", true)))
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		p := metaPaths[int(sel)%len(metaPaths)]
		o := NewOrg()
		var err error
		watchdog(10*time.Second, "AddFile("+p+")", func() {
			err = o.AddFile(p, data)
			// The same component again from the org directory, then from a repository.
			_ = o.add(p, data, true)
			_ = o.AddFile(p, data)
			exercise(o)
		})
		checkErrLine(t, p, err, data)
	})
}

// FuzzAddUsersJSON: any bytes as users.json either load or fail with one short line.
func FuzzAddUsersJSON(f *testing.F) {
	f.Add([]byte(`{"status":0,"result":{"records":[{"Username":"etl@acme.example","IsActive":true,"Profile":{"Name":"System Administrator"},"PermissionSetAssignments":{"records":[{"PermissionSet":{"Name":"X","Label":"X"}}]}}]}}`))
	f.Add([]byte(`[{"Assignee":{"Username":"a@b.example"},"PermissionSet":{"Name":"P"}}]`))
	f.Add([]byte(`{"records":[{"Username":1}]}`))
	f.Add([]byte(`{"status":1,"name":"NoSuchTable\nx","message":"boom"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := NewOrg()
		var err error
		watchdog(10*time.Second, "AddUsersJSON", func() {
			err = o.AddUsersJSON(data)
			exercise(o)
		})
		checkErrLine(t, "users.json", err, data)
		if err == nil && len(o.Users) > len(data) {
			t.Fatalf("%d users from %d bytes", len(o.Users), len(data))
		}
	})
}
